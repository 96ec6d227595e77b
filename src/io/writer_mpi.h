/* Internal: the store side of `mpirun -n N saydo ingest` (h5writer_mpi.c),
 * used by the driver in src/core/ingest_mpi.c. No HDF5 or MPI types here.
 *
 * Rank 0 holds the one saydo_writer_t (lock, shadow copy, dictionaries,
 * duplicate keys, provenance) and replays every file's records through it in
 * file order, as the serial writer would add them, but from compact columns
 * of local dictionary codes that the rank which parsed the file sends
 * (saydo_writer_replay()). What the replay decides (global codes, duplicates,
 * option map codes) goes back to that rank, which then writes its rows into
 * the shadow with the other ranks at once: parallel HDF5, collective writes
 * (saydo_store_write_mpi()). Rank 0 extends the datasets first and allocates
 * the chunks the new rows touch (saydo_writer_mpi_prepare()), because HDF5
 * 1.10's collective writes fail on chunks not yet allocated in a dataset
 * created with incremental allocation (as every saydo store is); then it
 * reopens the shadow and commits it as a serial ingest does. */
#ifndef SAYDO_WRITER_MPI_H
#define SAYDO_WRITER_MPI_H

#include <stddef.h>
#include <stdint.h>
#include "saydo/record.h"
#include "saydo/store.h"

enum { SAYDO_RD_MODEL, SAYDO_RD_CONDITION, SAYDO_RD_ITEM, SAYDO_RD_SIDE, SAYDO_RD_VARIANT, SAYDO_RD_N };

/** One file's records as the parsing rank coded them. Local codes count from
 *  0 in order of first appearance in the file (dict[k][code] is the string). */
typedef struct saydo_replay_in {
    size_t n;                                   /* records, duplicates included */
    const int32_t *key[SAYDO_RD_N];             /* model, condition, item, side, variant codes (side as int32 too) */
    const int32_t *trial, *fact;                /* fact: index into facts */
    const int8_t *n_logp;
    const int32_t *text_len;                    /* NULL when the file kept no text */
    char *const *dict[SAYDO_RD_N];
    size_t dict_n[SAYDO_RD_N];
    const saydo_record_t *facts;                /* item/condition facts and option map of each distinct kind */
    size_t n_facts;
    const int32_t *batch_start;                 /* where each saydo_writer_add_many() call of a serial ingest begins */
    size_t n_batches;
} saydo_replay_in_t;

/** What the replay decided; arrays are the caller's, sized by the input. */
typedef struct saydo_replay_out {
    int32_t *remap[SAYDO_RD_N];                 /* [dict_n[k]]: local code -> store code */
    int16_t *fact_omap;                         /* [n_facts]: option map code, -1 none */
    uint8_t *dup;                               /* [n]: 1 = duplicate, not stored */
    int64_t stored, text_bytes;                 /* rows and text bytes the file adds */
    int k_max;                                  /* widest logp row among the stored records */
} saydo_replay_out_t;

/** Adds one file's records to w's state exactly as saydo_writer_add_many()
 *  would (dictionary codes, duplicate keys, item and condition facts, option
 *  maps) without writing any record: w's row count grows by out->stored.
 *  Call between saydo_writer_begin_source() and saydo_writer_end_source(). */
saydo_status saydo_writer_replay(saydo_writer_t *w, const saydo_replay_in_t *in,
                                 saydo_replay_out_t *out) SAYDO_MUST_CHECK;

/** The writer's row count, logp width, text bytes, the batch number of the
 *  source begun last, and the shadow path (borrowed). Any may be NULL. */
void saydo_writer_mpi_state(const saydo_writer_t *w, int64_t *rows, int *k, int64_t *text_total, int32_t *batch,
                            const char **shadow);

/** Extends /records to rows (logp to k columns) and /records/text to
 *  text_total bytes, allocates every chunk the rows after old_rows (bytes
 *  after old_text) touch with a chunk of fill values, and closes the shadow
 *  so that all ranks can open it. Rank 0 only. */
saydo_status saydo_writer_mpi_prepare(saydo_writer_t *w, int64_t old_rows, int64_t rows, int k, int64_t old_text,
                                      int64_t text_total) SAYDO_MUST_CHECK;
/** Opens the shadow again after saydo_store_write_mpi(), with the state that
 *  the next saydo_writer_commit() saves. Rank 0 only. */
saydo_status saydo_writer_mpi_reopen(saydo_writer_t *w, int64_t rows, int k, int64_t text_total) SAYDO_MUST_CHECK;

/** This rank's rows for the collective write: global row ranges in
 *  increasing order and the columns of those rows, one after the other. */
typedef struct saydo_mpi_rows {
    size_t n_ranges;
    const int64_t *row0, *nrows;
    size_t n;                                   /* sum of nrows */
    const int32_t *model, *condition, *item, *trial, *variant, *batch;
    const int8_t *side, *choice, *n_options;
    const int16_t *option_map;
    const float *logp;                          /* n x k */
    int k;
    const int64_t *text_end;
    const int64_t *text0, *ntext;               /* byte ranges of /records/text, n_ranges of them */
    const char *text;
} saydo_mpi_rows_t;

/** Writes every rank's rows into the shadow with parallel HDF5 (MPI-IO,
 *  collective H5Dwrite of each column, each call the next 131,072 rows of
 *  every rank). Collective: every rank calls it, a rank with no rows too.
 *  Every rank goes through all the collective calls even after a failure,
 *  so that none waits forever. */
saydo_status saydo_store_write_mpi(const char *shadow, const saydo_mpi_rows_t *rows) SAYDO_MUST_CHECK;

#endif
