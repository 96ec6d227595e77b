/* Internal: `mpirun -n N saydo ingest FILE... -o STORE` (the MPI build).
 *
 * saydo_ingest_files() hands over to saydo_ingest_files_mpi() when it runs
 * on more than one rank. The steps, every rank taking part in each:
 *  1. rank 0 opens the store's writer (lock, shadow copy, state); the files
 *     are split across ranks by size (largest first to the least loaded
 *     rank), each rank hashes its files, and rank 0 decides which are
 *     skipped (content hash already in the store or earlier in the list);
 *  2. each rank parses its files with the serial ingest's pipeline
 *     (ingest_pipe.c, threads inside a rank) into compact columns of
 *     file-local dictionary codes (ingest_mpi_cols.c);
 *  3. file by file in the order given, the parsing rank sends rank 0 the
 *     file's dictionaries and key columns; rank 0 replays them through its
 *     writer exactly as a serial ingest adds them (global codes, duplicates
 *     across files and against the store, item/condition facts, provenance
 *     row) and answers with the codes, the duplicates, the file's first row;
 *  4. rank 0 extends the datasets and allocates their new chunks, then all
 *     ranks write their rows into the shadow at once (parallel HDF5,
 *     collective writes, deflate as in a serial store);
 *  5. rank 0 appends the quarantine lines (file order), saves the state and
 *     commits: fsync, rename. A failure on any rank before that aborts every
 *     rank and leaves the store as it was (the shadow is removed).
 * The store is the one a serial ingest of the same files in the same order
 * makes: the same records in the same order, the same dictionaries, item and
 * condition tables and provenance rows (apart from their time).
 *
 * Environment: SAYDO_MPI_TIMES=1 prints each rank's seconds, CPU seconds and
 * peak memory after each step; test hooks: SAYDO_TEST_MPI_FAIL=RANK makes
 * that rank fail once its rows are in the shadow, SAYDO_MPI_WRITE_ROWS=N
 * makes each collective write take N rows of every rank (default 131,072). */
#ifndef SAYDO_INGEST_MPI_H
#define SAYDO_INGEST_MPI_H

#include <stdio.h>
#include <stdint.h>
#include "core/ingest_impl.h"
#include "saydo/ingest.h"
#include "util/strmap.h"

/** The MPI ingest (see above); every rank calls it with the same arguments.
 *  results is filled on rank 0 (after a commit); the other ranks get paths only. */
saydo_status saydo_ingest_files_mpi(const char *store, const char *const *files, int n, const saydo_ingest_opts_t *o,
                                    saydo_ingest_file_t *results) SAYDO_MUST_CHECK;

/** Appends one quarantine line for bad to *qf (opening STORE.quarantine.jsonl
 *  when *qf is NULL). Defined in ingest.c. */
saydo_status ingest_quarantine(FILE **qf, const char *store, const saydo_bad_t *bad) SAYDO_MUST_CHECK;

/* ---- one rank's parsed records (ingest_mpi_cols.c) -------------------- */

/* A file-local dictionary: codes in order of first appearance, with the two
 * last values in front of the hash map (logs alternate word and deed). */
typedef struct mpi_dict {
    saydo_strmap_t m;
    const char *last[2];
    int32_t code[2];
} mpi_dict_t;

/* Everything the writer notes about an item or a condition from one record,
 * and its option map: records with the same one share an entry. Strings are
 * codes into the file's fact string table, -1 for NULL. Plain bytes (hashed
 * and sent as they are), so it is zeroed before it is filled. */
typedef struct mpi_fact {
    int32_t domain, method, trained_side, round, n_options, n_labels;
    int32_t label_name[SAYDO_MAX_LABELS], label_value[SAYDO_MAX_LABELS];
    int32_t has_map;
    int8_t map[SAYDO_MAX_OPTIONS];
    int8_t pad[2];
} mpi_fact_t;

enum { MPI_KEYS = 5 };   /* model, condition, item, side, variant: as SAYDO_RD_* in io/writer_mpi.h */

/* One input file this rank parses. */
typedef struct mpi_file {
    int idx;                         /* place in the command line's list */
    size_t r0, r1;                   /* its records in the rank's columns */
    size_t t0, t1;                   /* its text bytes */
    mpi_dict_t dict[MPI_KEYS], fstr; /* key dictionaries; strings of the facts */
    mpi_fact_t *facts;
    size_t n_facts, cap_facts;
    int32_t *fslot;                  /* fact index + 1, 0 = empty */
    size_t n_fslot;
    int32_t last_fact;
    int32_t *bstart;                 /* starts of the serial writer's add batches, from r0 */
    size_t n_bstart, cap_bstart;
    const char *format;
    char *meta;
    int64_t lines, quarantined, blank;
    uint64_t bytes;
    double seconds;
    char *quar;                      /* quarantine lines (JSONL) */
    size_t quar_len;
    /* rank 0's answer */
    int64_t row0, stored, text0, text_bytes;
    int32_t batch;
} mpi_file_t;

/* The rank's records, all its files one after the other. */
typedef struct mpi_cols {
    size_t n, cap;
    int32_t *key[MPI_KEYS], *trial, *fact;
    int8_t *choice, *n_options, *n_logp;
    float *logp;                     /* n x kw, NaN past a record's n_logp */
    int kw;
    int32_t *text_len;               /* NULL while no record had text */
    char *text;
    size_t text_n, text_cap;
} mpi_cols_t;

/** Parses path (a file of this rank) into c and f with `threads` parse
 *  threads, as ingest_one() in ingest.c reads it; bad lines go to f->quar
 *  (or fail the file under o->strict). */
saydo_status mpi_parse_file(const char *store, const char *path, const saydo_ingest_opts_t *o, int threads,
                            mpi_cols_t *c, mpi_file_t *f) SAYDO_MUST_CHECK;
/** Makes c's logp rows (c->n of them) k wide: cut (the cells are NaN) or
 *  widened with NaN. */
saydo_status mpi_cols_logp_width(mpi_cols_t *c, int k) SAYDO_MUST_CHECK;
void mpi_file_free(mpi_file_t *f);
void mpi_cols_free(mpi_cols_t *c);

/* A growable byte buffer for the messages between ranks. */
typedef struct mpi_buf {
    char *p;
    size_t len, cap, pos;            /* pos: reading position */
    int bad;                         /* a read past the end */
} mpi_buf_t;
saydo_status mpi_buf_put(mpi_buf_t *b, const void *data, size_t n) SAYDO_MUST_CHECK;
saydo_status mpi_buf_put_u64(mpi_buf_t *b, uint64_t v) SAYDO_MUST_CHECK;
saydo_status mpi_buf_put_str(mpi_buf_t *b, const char *s) SAYDO_MUST_CHECK;   /* NULL as "" */
const void *mpi_buf_get(mpi_buf_t *b, size_t n);   /* NULL (and b->bad) past the end */
uint64_t mpi_buf_get_u64(mpi_buf_t *b);
const char *mpi_buf_get_str(mpi_buf_t *b);
void mpi_buf_free(mpi_buf_t *b);

/** The file's dictionaries, facts, add batches, counts and quarantine lines
 *  into b (what rank 0 needs besides the columns). */
saydo_status mpi_file_pack(const mpi_file_t *f, const mpi_cols_t *c, mpi_buf_t *b) SAYDO_MUST_CHECK;

#endif
