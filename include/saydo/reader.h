/* saydo/reader.h: pull readers that turn a source file into records.
 *
 *   saydo_reader_t *rd;
 *   saydo_record_t rec;
 *   if (saydo_reader_open(path, &opts, &rd) < 0) ...;
 *   while ((st = saydo_reader_next(rd, &rec)) != SAYDO_EOF) {
 *       if (st == SAYDO_E_PARSE) { bad = saydo_reader_bad(rd); quarantine; continue; }
 *       if (st < 0) fatal;
 *       use rec (valid until the next call);
 *   }
 *   saydo_reader_free(rd);
 *
 * SAYDO_E_PARSE is recoverable: the reader skipped one bad record and says
 * where and why through saydo_reader_bad(). Any other negative status is fatal.
 */
#ifndef SAYDO_READER_H
#define SAYDO_READER_H

#include <stdint.h>
#include <stdio.h>
#include "saydo/record.h"
#include "saydo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

/** Where a record failed and why; strings valid until the next read. */
typedef struct saydo_bad {
    const char *file;
    int64_t line;          /* 1-based line or row; 0 when not line-based */
    const char *reason;
    const char *raw;       /* the offending input (may be truncated), may be NULL */
    size_t raw_len;
} saydo_bad_t;

/** Which source field feeds each record field (see fieldmap.c for defaults). */
typedef enum saydo_field {
    SAYDO_F_NONE = -1,
    SAYDO_F_MODEL = 0, SAYDO_F_CONDITION, SAYDO_F_ITEM, SAYDO_F_SIDE, SAYDO_F_TRIAL,
    SAYDO_F_VARIANT, SAYDO_F_CHOICE, SAYDO_F_LOGPROBS, SAYDO_F_PROBS, SAYDO_F_RESPONSE,
    SAYDO_F_DOMAIN, SAYDO_F_CONSISTENCY, SAYDO_F_OPTION_MAP, SAYDO_F_N_OPTIONS,
    SAYDO_F_STATUS, SAYDO_F_METHOD, SAYDO_F_ROUND, SAYDO_F_TRAINED_SIDE,
    SAYDO_F_COUNT
} saydo_field;

#define SAYDO_MAX_ALIASES 4
#define SAYDO_MAX_SIDE_RENAMES 16

typedef struct saydo_fieldmap {
    /* source names for each field, tried in order; NULL ends the list */
    const char *name[SAYDO_F_COUNT][SAYDO_MAX_ALIASES];
    int n_labels;                            /* further item labels */
    const char *label_src[SAYDO_MAX_LABELS]; /* source field */
    const char *label_dst[SAYDO_MAX_LABELS]; /* label name in the store */
    int n_side_renames;                      /* side values renamed: wdct_word -> word */
    const char *side_from[SAYDO_MAX_SIDE_RENAMES];
    const char *side_to[SAYDO_MAX_SIDE_RENAMES];
    char *owned;                             /* storage for strings read from a file */
} saydo_fieldmap_t;

/** Fills map with saydo's default field names (model, condition, item, ...). */
void saydo_fieldmap_default(saydo_fieldmap_t *map);

/** Reads a mapping file over the defaults. Lines: `field = source[,alias...]`,
 *  `label.NAME = source`, `side.SOURCE_VALUE = SIDE`; `#` starts a comment.
 *  Call saydo_fieldmap_free() afterwards. */
saydo_status saydo_fieldmap_load(const char *path, saydo_fieldmap_t *map) SAYDO_MUST_CHECK;
void saydo_fieldmap_free(saydo_fieldmap_t *map);

/** @return the field a source key feeds (SAYDO_F_NONE if none); for labels
 *  *label_index is set (>= 0) and SAYDO_F_NONE returned. */
saydo_field saydo_fieldmap_lookup(const saydo_fieldmap_t *map, const char *key, size_t len, int *label_index);

/** Renamed side value, or side itself. */
const char *saydo_fieldmap_side(const saydo_fieldmap_t *map, const char *side);

typedef struct saydo_read_opts {
    const char *format;        /* NULL or "auto": sniffed; else "jsonl", "csv", "wdct", ... */
    const char *model;         /* for files whose rows carry no model */
    const char *condition;     /* likewise; default "base" */
    const char *trained_side;  /* for files of an aligned checkpoint */
    const saydo_fieldmap_t *map; /* NULL: defaults */
    int keep_text;             /* keep raw response text in records */
    size_t max_line;           /* longest accepted line in bytes; 0: 64 MiB */
    int quiet;                 /* do not log what was inferred */
    int letters;               /* answer extraction: 0 = the format's default (WDCT: A/B only, as the
                                  authors' extractor), > 0 = that many letters, -1 = all the item's options */
    /* ValueActionLens Task 2 log (format valueaction-t2-log, saydo/valueaction.h) */
    const char *actions_path;  /* the action table CSV `index,country,topic,value,polarity` */
    int legacy_flipped;        /* logs from before the authors' polarity fix: model_choice true
                                  marks the action NOT chosen */
} saydo_read_opts_t;

typedef struct saydo_reader saydo_reader_t;

/** Opens path with the format given or sniffed. Free with saydo_reader_free(). */
saydo_status saydo_reader_open(const char *path, const saydo_read_opts_t *opts,
                               saydo_reader_t **out) SAYDO_MUST_CHECK;
/** Same over a buffer the caller keeps alive (tests, fuzzers). */
saydo_status saydo_reader_open_mem(const char *name, const void *data, size_t len,
                                   const saydo_read_opts_t *opts, saydo_reader_t **out) SAYDO_MUST_CHECK;
saydo_status saydo_reader_next(saydo_reader_t *r, saydo_record_t *rec) SAYDO_MUST_CHECK;
const saydo_bad_t *saydo_reader_bad(const saydo_reader_t *r);
/** Lines (rows) consumed so far, bytes consumed and total bytes (0 if unknown). */
int64_t saydo_reader_lines(const saydo_reader_t *r);
uint64_t saydo_reader_bytes(const saydo_reader_t *r);
uint64_t saydo_reader_size(const saydo_reader_t *r);
/** The format the reader reads ("jsonl", "wdct", ...). */
const char *saydo_reader_format(const saydo_reader_t *r);
void saydo_reader_free(saydo_reader_t *r);

#ifdef __cplusplus
}
#endif
#endif
