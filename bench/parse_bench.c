/* Parse-only throughput of a reader (no store): separates parsing cost from
 * writing cost in the ingest benchmark. bench/ingest_bench.sh builds and runs it.
 *
 *   parse_bench FILE [format]   the ordinary reader (read(2) into a line buffer)
 *   parse_bench FILE mapped     the JSONL chunk parser over a read-only mapping of
 *                               the whole file, one thread: the line parser each parse
 *                               thread of `saydo ingest` runs (the ingest itself reads
 *                               its ranges with pread(2)); prints how many lines the
 *                               shape fast path took (SAYDO_JSONL_SHAPES=0: none) */
#include <fcntl.h>
#include <stdio.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "io/jsonl_chunk.h"
#include "saydo/reader.h"

static double now(void)
{
    struct timespec t;
    clock_gettime(CLOCK_MONOTONIC, &t);
    return (double)t.tv_sec + 1e-9 * (double)t.tv_nsec;
}

static int mapped(const char *path)
{
    saydo_read_opts_t o = {0};
    o.quiet = 1;
    double t0 = now();
    int fd = open(path, O_RDONLY);
    struct stat sb;
    if (fd < 0 || fstat(fd, &sb) != 0 || sb.st_size == 0) { fprintf(stderr, "%s: cannot open\n", path); return 1; }
    const char *map = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
    if (map == MAP_FAILED) { fprintf(stderr, "%s: cannot map\n", path); return 1; }
    saydo_jsonl_chunk_t *c;
    if (saydo_jsonl_chunk_create(path, &o, &c) < 0) { fprintf(stderr, "%s\n", saydo_last_error()); return 1; }
    saydo_jsonl_chunk_set_mapped(c, 1);
    saydo_record_t rec;
    long n = 0, bad = 0;
    saydo_status st;
    /* 4 MiB ranges cut after a newline, pages dropped behind, as the ingest's parse threads do */
    const size_t size = (size_t)sb.st_size, range = (size_t)4 << 20, pg = (size_t)sysconf(_SC_PAGESIZE);
    for (size_t b = 0; b < size;) {
        size_t e = b + range < size ? b + range : size;
        const char *nl = e < size ? memchr(map + e - 1, '\n', size - (e - 1)) : NULL;
        e = nl ? (size_t)(nl - map) + 1 : size;
        saydo_jsonl_chunk_reset(c, map + b, e - b, b == 0);
        while ((st = saydo_jsonl_chunk_next(c, &rec)) != SAYDO_EOF) {
            if (st == SAYDO_E_PARSE) { bad++; continue; }
            if (st < 0) { fprintf(stderr, "%s\n", saydo_last_error()); return 1; }
            n++;
        }
        size_t from = (b + pg - 1) / pg * pg, to = e / pg * pg;
        if (to > from) madvise((void *)(map + from), to - from, MADV_DONTNEED);
        b = e;
    }
    double s = now() - t0;
    printf("%ld records, %ld bad, %.3f s, %.1f MB/s (mapped), %lld lines by shape\n", n, bad, s,
           (double)sb.st_size / 1e6 / s, (long long)saydo_jsonl_chunk_shape_hits(c));
    saydo_jsonl_chunk_free(c);
    munmap((void *)map, (size_t)sb.st_size);
    close(fd);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: parse_bench FILE [format|mapped]\n"); return 2; }
    if (argc > 2 && strcmp(argv[2], "mapped") == 0) return mapped(argv[1]);
    saydo_read_opts_t o = {0};
    o.format = argc > 2 ? argv[2] : NULL;
    o.quiet = 1;
    saydo_reader_t *r;
    double t0 = now();
    if (saydo_reader_open(argv[1], &o, &r) < 0) { fprintf(stderr, "%s\n", saydo_last_error()); return 1; }
    saydo_record_t rec;
    long n = 0, bad = 0;
    saydo_status st;
    while ((st = saydo_reader_next(r, &rec)) != SAYDO_EOF) {
        if (st == SAYDO_E_PARSE) { bad++; continue; }
        if (st < 0) { fprintf(stderr, "%s\n", saydo_last_error()); return 1; }
        n++;
    }
    double s = now() - t0;
    printf("%ld records, %ld bad, %.3f s, %.1f MB/s\n", n, bad, s, (double)saydo_reader_bytes(r) / 1e6 / s);
    saydo_reader_free(r);
    return 0;
}
