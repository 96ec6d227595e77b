/* Internal: what a format's reader implements, and the byte source under it.
 * A format supplies an open function that fills r->vt and r->impl. */
#ifndef SAYDO_READER_IMPL_H
#define SAYDO_READER_IMPL_H

#include <stdarg.h>
#include "saydo/reader.h"

/* A byte source: a file read with read(2), or a caller's buffer (tests, fuzzers). */
typedef struct saydo_src {
    char *name;                 /* file name for messages */
    int fd;                     /* -1 for memory sources */
    const unsigned char *mem;
    size_t mem_len, mem_pos;
    uint64_t size;              /* total bytes when known (files: st_size) */
    uint64_t consumed;          /* bytes handed out so far */
} saydo_src_t;

saydo_status saydo_src_open_file(const char *path, saydo_src_t **out) SAYDO_MUST_CHECK;
saydo_status saydo_src_open_mem(const char *name, const void *data, size_t len, saydo_src_t **out) SAYDO_MUST_CHECK;
/** Reads up to cap bytes; *got = 0 at end. */
saydo_status saydo_src_read(saydo_src_t *src, void *buf, size_t cap, size_t *got) SAYDO_MUST_CHECK;
void saydo_src_free(saydo_src_t *src);

/* Line reader over a source: lines without their '\n' (and a '\r' before it).
 * A line longer than max_line is skipped whole and reported as SAYDO_E_PARSE
 * (memory stays bounded by max_line). A NUL byte inside a line is kept; the
 * caller decides. */
typedef struct saydo_lines saydo_lines_t;
saydo_status saydo_lines_create(saydo_src_t *src, size_t max_line, saydo_lines_t **out) SAYDO_MUST_CHECK;
saydo_status saydo_lines_next(saydo_lines_t *l, const char **line, size_t *len) SAYDO_MUST_CHECK;
int64_t saydo_lines_number(const saydo_lines_t *l);   /* 1-based number of the line last returned */
void saydo_lines_free(saydo_lines_t *l);

#define SAYDO_READER_MAX_META 16

struct saydo_reader;
typedef struct saydo_reader_vt {
    const char *format;
    saydo_status (*next)(struct saydo_reader *r, saydo_record_t *rec);
    void (*free_impl)(void *impl);
} saydo_reader_vt;

struct saydo_reader {
    const saydo_reader_vt *vt;
    void *impl;
    saydo_src_t *src;
    saydo_read_opts_t opts;
    saydo_fieldmap_t default_map;
    const saydo_fieldmap_t *map;  /* opts.map or &default_map */
    saydo_bad_t bad;
    char bad_reason[512];
    int64_t lines;                /* kept current by the format */
    /* what a harness reader learned about the source besides its records
     * (model, task, harness version, task config): provenance for the store */
    int n_meta;
    char *meta_key[SAYDO_READER_MAX_META], *meta_val[SAYDO_READER_MAX_META];
};

/** Records a skipped bad record and returns SAYDO_E_PARSE. raw may be NULL. */
saydo_status saydo_reader_set_bad(struct saydo_reader *r, int64_t line, const char *raw, size_t raw_len,
                                  const char *fmt, ...) SAYDO_PRINTF(5, 6);

/* Format openers: each takes ownership of nothing; r->src is open. */
saydo_status saydo_jsonl_open(struct saydo_reader *r) SAYDO_MUST_CHECK;
saydo_status saydo_csv_open(struct saydo_reader *r) SAYDO_MUST_CHECK;
saydo_status saydo_wdct_open(struct saydo_reader *r) SAYDO_MUST_CHECK;
/* Harness logs (see README.md, "Ingesting harness logs"). */
saydo_status saydo_lmeval_open(struct saydo_reader *r) SAYDO_MUST_CHECK;   /* lm-evaluation-harness --log_samples */
saydo_status saydo_inspect_open(struct saydo_reader *r) SAYDO_MUST_CHECK;  /* inspect_ai .eval zip or .json log */
saydo_status saydo_batch_open(struct saydo_reader *r) SAYDO_MUST_CHECK;    /* OpenAI / Anthropic batch results */
saydo_status saydo_helm_open(struct saydo_reader *r) SAYDO_MUST_CHECK;     /* HELM run directory */
/* Companion files with no per-sample records (harness.c): read as empty, with a message. */
saydo_status saydo_lmeval_results_open(struct saydo_reader *r) SAYDO_MUST_CHECK;   /* lm-eval results_<date>.json */
saydo_status saydo_helm_aux_open(struct saydo_reader *r) SAYDO_MUST_CHECK;         /* run_spec, scenario, stats.json */

/** Records a fact about the source (copied; a key set twice keeps the last value). */
saydo_status saydo_reader_set_meta(struct saydo_reader *r, const char *key, const char *value) SAYDO_MUST_CHECK;
/** A fact a harness reader recorded ("model", "task", "harness", "harness_version",
 *  "config", "results_file" ...), or NULL. Valid until saydo_reader_free(). */
const char *saydo_reader_meta(const saydo_reader_t *r, const char *key);
/** All recorded facts as one JSON object ("{}" when none), for the store's
 *  provenance. The caller frees *out. */
saydo_status saydo_reader_meta_json(const saydo_reader_t *r, char **out) SAYDO_MUST_CHECK;

/** A harness option from the mapping file (`lmeval.filter = strict-match`,
 *  `options = Yes|No` ...), or NULL. */
const char *saydo_fieldmap_option(const saydo_fieldmap_t *map, const char *key);
/** The source names a mapping file gave for field f (NULL-terminated list of
 *  SAYDO_MAX_ALIASES at most), or NULL when f keeps saydo's defaults. */
const char *const *saydo_fieldmap_user_names(const saydo_fieldmap_t *map, saydo_field f);
/* ValueActionLens (valueaction.c) and stated-vs-revealed (statedrevealed.c) */
saydo_status saydo_va_t1_open(struct saydo_reader *r) SAYDO_MUST_CHECK;
saydo_status saydo_va_t2_open(struct saydo_reader *r) SAYDO_MUST_CHECK;
saydo_status saydo_va_t2_log_open(struct saydo_reader *r) SAYDO_MUST_CHECK;
saydo_status saydo_sr_open(struct saydo_reader *r) SAYDO_MUST_CHECK;

/** True when the bytes are valid UTF-8. */
int saydo_utf8_valid(const char *s, size_t len);

#endif
