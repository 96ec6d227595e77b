/* Internal: the ingest pipeline between parsing and writing.
 *
 * Parse threads turn the input into parts: packed records and bad lines in
 * file order within a part, each part numbered. The thread that owns the
 * store writer (the caller of saydo_ingest_files, so all HDF5 calls stay on
 * one thread) takes the parts back in number order, so records reach the
 * writer in file order and line numbers stay exact however many threads parse.
 *
 * A regular JSONL file is cut into fixed byte ranges; a range holds the
 * lines that start inside it, so threads find their lines without talking
 * to each other. Other formats (and pipes) are read by one
 * producer thread with the ordinary reader. A bounded pool of parts bounds
 * memory: a producer waits for a free part when the writer falls behind. */
#ifndef SAYDO_INGEST_IMPL_H
#define SAYDO_INGEST_IMPL_H

#include <stdint.h>
#include "saydo/ingest.h"

typedef struct ingest_part {
    char *buf;               /* packed entries, see ingest_part_next() */
    size_t len, cap;
    int64_t seq;             /* the part's place in file order */
    int64_t lines;           /* input lines the part covers (blank and bad ones too) */
    int rel_lines;           /* 1: entry lines count from the part's first line; 0: absolute */
    int last;                /* no part follows */
    uint64_t bytes_end;      /* input bytes consumed up to the end of this part */
    saydo_status st;         /* < 0: the producer failed; err says why */
    char err[512];
} ingest_part_t;

typedef struct ingest_pipe ingest_pipe_t;

/** Parses the first size bytes of the JSONL file path on `threads` threads
 *  in ranges of `chunk` bytes (each thread reads its ranges with pread(2)).
 *  With one thread the file is also hashed as it is parsed: see ingest_pipe_hash(). */
saydo_status ingest_pipe_start_jsonl(const char *path, uint64_t size, const saydo_read_opts_t *ro, int threads,
                                     uint64_t chunk, ingest_pipe_t **out) SAYDO_MUST_CHECK;
/** Whether the pipe hashes the file it parses (a JSONL file on one parse thread). */
int ingest_pipe_hashes(const ingest_pipe_t *p);
/** Once the last part was taken: the file's content hash, the value
 *  saydo_file_hash() gives, computed from the bytes as they were parsed.
 *  Returns 1, or 0 when the pipe did not hash the whole file. */
int ingest_pipe_hash(ingest_pipe_t *p, char hex[33]);
/** Reads rd on one producer thread; the pipe owns rd from then on. */
saydo_status ingest_pipe_start_reader(saydo_reader_t *rd, ingest_pipe_t **out) SAYDO_MUST_CHECK;
/** The next part in file order (waits for it); *part = NULL after the last one. */
saydo_status ingest_pipe_next(ingest_pipe_t *p, ingest_part_t **part) SAYDO_MUST_CHECK;
/** Gives a part taken with ingest_pipe_next() back for reuse. */
void ingest_pipe_release(ingest_pipe_t *p, ingest_part_t *part);
/** Stops the producers (they finish the part in hand), joins and frees. NULL is a no-op. */
void ingest_pipe_free(ingest_pipe_t *p);

/** Walks a part's entries: *off starts at 0. Returns 0 at the end, 1 for a
 *  record (rec filled; strings point into the part) or 2 for a bad line (bad
 *  filled, bad->file is not set). Line numbers are as packed (see rel_lines). */
int ingest_part_next(const ingest_part_t *pt, size_t *off, saydo_record_t *rec, saydo_bad_t *bad);

#endif
