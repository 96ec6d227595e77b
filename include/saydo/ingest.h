/* saydo/ingest.h: response logs into a store.
 *
 * Each input file is one batch: it becomes visible in the store at once, when
 * it has been read completely, or not at all. A file whose content hash the
 * store already lists is skipped. Bad records go to STORE.quarantine.jsonl
 * with file, line and reason, and are counted.
 *
 * A JSONL file is parsed on `threads` threads (memory-mapped, in ranges of
 * lines); the calling thread does all the writing (HDF5) and takes the parsed
 * ranges in file order, so the store, the line numbers and the quarantine are
 * the same for any number of threads. Other formats are read by one thread
 * while the caller writes. (A JSONL file cut short by another program while
 * it is being ingested ends the process with SIGBUS; like any crash, that
 * leaves the store as of its last commit.)
 *
 * Test hooks (environment): SAYDO_INGEST_CHUNK=BYTES sets the size of the
 * ranges (default 4 MiB) so small test files cross range boundaries;
 * SAYDO_TEST_KILL_AT=records:N kills the process (SIGKILL) once at least N
 * records (a batch of up to 64 at a time) have been handed to the writer, =commit-fsync after the new store is
 * fsynced but before it replaces the old one, =commit-rename right after the
 * rename, =dedup-scan and =dedup-compact inside the duplicate check on disk
 * of a writer past its key budget (SAYDO_KEY_BUDGET_MB), so crash tests can
 * stop an ingest at exact points;
 * SAYDO_TEST_STOP_AT=records:N stops it (SIGSTOP) there instead, so a test
 * can look at the store while a writer holds it. */
#ifndef SAYDO_INGEST_H
#define SAYDO_INGEST_H

#include <stdint.h>
#include "saydo/reader.h"
#include "saydo/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef struct saydo_ingest_opts {
    saydo_read_opts_t read;
    saydo_writer_opts_t writer;
    int strict;          /* stop at the first bad record (nothing of that file is stored) */
    int force;           /* ingest a file even when its hash is already stored */
    int progress;        /* draw a progress bar on stderr (only when it is a terminal) */
    int threads;         /* JSONL parse threads; 0 = one per online CPU, at most 8 */
} saydo_ingest_opts_t;

/** What happened to one input file. */
typedef struct saydo_ingest_file {
    const char *path;
    char hash[33];       /* XXH3-128 of the file's bytes, hex */
    const char *format;
    int skipped;         /* already ingested: nothing read */
    int64_t lines;       /* lines (JSONL) or rows (CSV) read */
    int64_t records, stored, duplicates, quarantined, blank;
    uint64_t bytes;
    double seconds;
} saydo_ingest_file_t;

void saydo_ingest_opts_default(saydo_ingest_opts_t *o);

/** Ingests files[0..n) into store (created when absent), one commit per file.
 *  results (caller array of n) receives each file's counts. On a fatal error
 *  the files committed before it stay; the failing one leaves no trace.
 *  On more than one MPI rank (the MPI build under mpirun; every rank calls
 *  it alike) the files are split across the ranks and committed together,
 *  the same store as here; a failure on any rank keeps none of them, and
 *  results are filled on rank 0 (src/core/ingest_mpi.h). */
saydo_status saydo_ingest_files(const char *store, const char *const *files, int n, const saydo_ingest_opts_t *o,
                                saydo_ingest_file_t *results) SAYDO_MUST_CHECK;

/** XXH3-128 of a file's bytes as 32 hex digits. */
saydo_status saydo_file_hash(const char *path, char hex[33]) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
