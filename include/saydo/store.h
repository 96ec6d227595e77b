/* saydo/store.h: the HDF5 run store.
 *
 * One HDF5 file, columnar (layout in README.md, "The store"). Writes go to a
 * shadow copy beside the store that replaces it atomically at commit (rename),
 * under an exclusive lock file (STORE.lock), so a crash or kill leaves the
 * store as of the last commit and readers always see a committed state.
 */
#ifndef SAYDO_STORE_H
#define SAYDO_STORE_H

#include <stdint.h>
#include "saydo/record.h"
#include "saydo/status.h"

#ifdef __cplusplus
extern "C" {
#endif

#define SAYDO_SCHEMA_VERSION 1

/* ---- writing ---------------------------------------------------------- */

typedef struct saydo_writer saydo_writer_t;

typedef struct saydo_writer_opts {
    int wait_lock;      /* block until another writer finishes (default: refuse) */
    int deflate_level;  /* 0..9; default 1 (shuffle + deflate: h5py/pandas read it with no plugin);
                           a new store's /records/logp is left unfiltered (near-random floats) */
    double key_budget_mb; /* memory for the duplicate-key table; 0: $SAYDO_KEY_BUDGET_MB, else 96.
                             Past it, duplicates are found on disk at commit (slower, same result) */
} saydo_writer_opts_t;

/** Locks the store and opens a shadow copy for writing (creating a new store
 *  when path does not exist). Free with saydo_writer_free(): without a commit
 *  that discards everything written. */
saydo_status saydo_writer_open(const char *path, const saydo_writer_opts_t *opts,
                               saydo_writer_t **out) SAYDO_MUST_CHECK;

/** Whether a source with this SHA-256 (hex) was ingested already. */
int saydo_writer_has_source(const saydo_writer_t *w, const char *sha256_hex);
/** 0 when no source of the store (committed or pending) is `bytes` long, so
 *  a file of that size cannot be one of them and its hash can wait; 1 when
 *  one is, or when the store does not record sizes. */
int saydo_writer_may_hold_size(const saydo_writer_t *w, int64_t bytes);

/** Provenance of one ingested source; counts are filled by the caller. */
typedef struct saydo_source_info {
    const char *file, *sha256, *format, *model, *condition;
    int64_t lines, bytes, records, quarantined, duplicates, blank;
    const char *meta;   /* what the reader found in the file about itself (a JSON object: model, task,
                           harness, version, config ...), or NULL; stored in /provenance/meta */
} saydo_source_info_t;

/** Starts a source: records added until saydo_writer_end_source() belong to it. */
saydo_status saydo_writer_begin_source(saydo_writer_t *w) SAYDO_MUST_CHECK;
saydo_status saydo_writer_end_source(saydo_writer_t *w, const saydo_source_info_t *info) SAYDO_MUST_CHECK;

/** Adds a record (dictionary-encoded, buffered). *duplicate = 1 when its key
 *  (model, condition, item, side, trial, variant) is already stored or was
 *  added before: then nothing is stored. Past the key budget (opts) the check
 *  waits for the commit: *duplicate = 0, and saydo_writer_late_duplicates()
 *  tells after the commit how many such records were not stored after all. */
saydo_status saydo_writer_add(saydo_writer_t *w, const saydo_record_t *rec, int *duplicate) SAYDO_MUST_CHECK;

/** Adds recs[0..n) exactly as n calls of saydo_writer_add() would, in order;
 *  duplicate[i] tells about recs[i]. Faster: the duplicate look-ups of a batch
 *  overlap their memory accesses. */
saydo_status saydo_writer_add_many(saydo_writer_t *w, const saydo_record_t *recs, size_t n,
                                   int *duplicate) SAYDO_MUST_CHECK;

/** A hint: about n more records will be added (sizes the duplicate-key table
 *  once instead of growing it step by step). */
saydo_status saydo_writer_reserve(saydo_writer_t *w, size_t n) SAYDO_MUST_CHECK;

/** Makes everything written so far the store's content, atomically. The
 *  writer stays open for more (the next commit copies again). */
saydo_status saydo_writer_commit(saydo_writer_t *w) SAYDO_MUST_CHECK;

/** Duplicates the last commit found on disk (records added with *duplicate
 *  = 0 once the key table had outgrown its budget, then removed): the
 *  caller's stored count was that much too high. Its sources' provenance
 *  counts them already. */
int64_t saydo_writer_late_duplicates(const saydo_writer_t *w);

/** Rows stored (committed and pending). */
int64_t saydo_writer_rows(const saydo_writer_t *w);
/** Discards anything not committed, closes and unlocks. NULL is a no-op. */
void saydo_writer_free(saydo_writer_t *w);

/* ---- reading ---------------------------------------------------------- */

typedef struct saydo_strs {
    size_t n;
    char **s;
} saydo_strs_t;

/** Everything a store holds, in memory, column by column. */
typedef struct saydo_data {
    /* records: n rows */
    size_t n;
    int K;                         /* columns of logp (0 = none logged) */
    int32_t *model, *condition, *item, *trial, *variant, *batch;
    int8_t *side, *choice, *n_options;
    int16_t *omap;                 /* code into maps, -1 = none */
    float *logp;                   /* n x K, NaN = not logged; NULL when K == 0 */

    saydo_strs_t models, conditions, items, sides, variants, domains, methods;

    /* items: items.n rows */
    int32_t *item_domain;          /* code into domains, -1 = none */
    int8_t *item_n_options;
    int n_labels;
    char *label_name[SAYDO_MAX_LABELS];
    saydo_strs_t label_values[SAYDO_MAX_LABELS];
    int32_t *item_label[SAYDO_MAX_LABELS];   /* code into label_values[l], -1 = none */

    /* conditions: conditions.n rows */
    int32_t *cond_method;          /* code into methods, -1 */
    int32_t *cond_round;           /* -1 = none */
    int32_t *cond_trained_side;    /* code into sides, -1 */

    /* option maps: n_maps x SAYDO_MAX_OPTIONS */
    size_t n_maps;
    int8_t *maps;

    /* provenance: one row per ingested source */
    size_t n_sources;
    saydo_strs_t src_file, src_sha256, src_format, src_time, src_version;
    int64_t *src_lines, *src_records, *src_quarantined, *src_duplicates, *src_row_start, *src_row_end;
    /* what each file said about itself (reader metadata as a JSON object), "" when nothing
       (and for sources of stores written before the column existed) */
    saydo_strs_t src_meta;
} saydo_data_t;

/** Reads a whole store. On a damaged or foreign file returns SAYDO_E_SCHEMA
 *  with the reason. Free with saydo_data_free(). */
saydo_status saydo_store_read(const char *path, saydo_data_t **out) SAYDO_MUST_CHECK;

/** Record columns saydo_store_read_cols() reads besides the ones pairing
 *  needs (model, condition, item, trial, variant, side, choice, option_map:
 *  always read). */
enum {
    SAYDO_COLS_PAIRING = 0,
    SAYDO_COL_LOGP = 1 << 0,        /* logp (PCS, JSD, KL, entropy, TVD) */
    SAYDO_COL_N_OPTIONS = 1 << 1,   /* n_options (trials pooled per item, export, study measures) */
    SAYDO_COL_BATCH = 1 << 2,       /* batch */
    SAYDO_COLS_ALL = 0x7,
};

/** saydo_store_read() of the record columns in cols only (SAYDO_COL_*
 *  flags): a column left out is NULL (logp: K = 0 too) and not validated;
 *  everything else is as saydo_store_read() gives it. Free with
 *  saydo_data_free(). */
saydo_status saydo_store_read_cols(const char *path, unsigned cols, saydo_data_t **out) SAYDO_MUST_CHECK;
void saydo_data_free(saydo_data_t *d);

/* ---- results ---------------------------------------------------------- */

/** A results table: named string and double columns of n rows. */
typedef struct saydo_table {
    size_t n_rows;
    int n_cols;
    char **col_name;
    int *col_is_str;
    char ***str_col;     /* [col][row], when col_is_str */
    double **num_col;    /* [col][row], otherwise */
    char *title;         /* optional: shown above text output */
} saydo_table_t;

saydo_status saydo_table_create(size_t n_rows, int n_cols, saydo_table_t **out) SAYDO_MUST_CHECK;
/** Sets a column's name and kind; strings set later are copied. */
saydo_status saydo_table_set_col(saydo_table_t *t, int col, const char *name, int is_str) SAYDO_MUST_CHECK;
saydo_status saydo_table_set_str(saydo_table_t *t, int col, size_t row, const char *v) SAYDO_MUST_CHECK;
void saydo_table_set_num(saydo_table_t *t, int col, size_t row, double v);
int saydo_table_find_col(const saydo_table_t *t, const char *name);
void saydo_table_free(saydo_table_t *t);

/** Stores t as /results/NAME (one dataset per column, replacing an older
 *  NAME) with attribute `command` (the command line that made it). Takes the
 *  write lock like an ingest. */
saydo_status saydo_store_write_table(const char *path, const char *name, const saydo_table_t *t,
                                     const char *command) SAYDO_MUST_CHECK;
/** Reads /results/NAME back. */
saydo_status saydo_store_read_table(const char *path, const char *name, saydo_table_t **out) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
