/* Parse-only throughput of a reader (no store): separates parsing cost from
 * writing cost in the ingest benchmark. bench/ingest_bench.sh builds and runs it.
 *
 *   parse_bench FILE [format]   the ordinary reader (read(2) into a line buffer)
 *   parse_bench FILE mapped     the JSONL chunk parser over a read-only mapping of
 *                               the whole file, one thread: the line parser each parse
 *                               thread of `saydo ingest` runs (the ingest itself reads
 *                               its ranges with pread(2)); prints how many lines the
 *                               shape fast path took (SAYDO_JSONL_SHAPES=0: none)
 *   parse_bench FILE pipe       the ingest's parse side exactly: one parse thread reading
 *                               with pread(2), hashing and packing parts, this thread
 *                               unpacking them as the writer does (ingest_part_next), no
 *                               store; prints CPU seconds (user + system), steady under
 *                               load where wall time is not */
#include <fcntl.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/ingest_impl.h"
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

static double cpu_seconds(void)
{
    struct rusage u;
    getrusage(RUSAGE_SELF, &u);
    return (double)u.ru_utime.tv_sec + 1e-6 * (double)u.ru_utime.tv_usec + (double)u.ru_stime.tv_sec +
           1e-6 * (double)u.ru_stime.tv_usec;
}

static int piped(const char *path)
{
    saydo_read_opts_t o = {0};
    o.quiet = 1;
    struct stat sb;
    if (stat(path, &sb) != 0) { fprintf(stderr, "%s: cannot open\n", path); return 1; }
    double t0 = now(), c0 = cpu_seconds();
    ingest_pipe_t *p;
    const char *ch = getenv("SAYDO_INGEST_CHUNK");   /* as saydo ingest reads it */
    uint64_t chunk = ch && atoll(ch) > 0 ? (uint64_t)atoll(ch) : (uint64_t)4 << 20;
    if (ingest_pipe_start_jsonl(path, (uint64_t)sb.st_size, &o, 1, chunk, &p) < 0) {
        fprintf(stderr, "%s\n", saydo_last_error());
        return 1;
    }
    long n = 0, bad = 0;
    double sum = 0;   /* reads what the writer reads, so nothing is optimised away */
    for (;;) {
        ingest_part_t *pt;
        if (ingest_pipe_next(p, &pt) < 0) { fprintf(stderr, "%s\n", saydo_last_error()); return 1; }
        if (!pt) break;
        saydo_record_t rec;
        saydo_bad_t b;
        int k;
        for (size_t off = 0; (k = ingest_part_next(pt, &off, &rec, &b)) != 0;) {
            if (k == 2) { bad++; continue; }
            n++;
            sum += rec.n_logp ? rec.logp[0] : 0;
            sum += (double)(rec.model[0] + rec.item[0] + rec.side[0] + rec.trial + rec.choice);
        }
        ingest_pipe_release(p, pt);
    }
    char hex[33] = "";
    if (!ingest_pipe_hash(p, hex)) snprintf(hex, sizeof hex, "none");
    ingest_pipe_free(p);
    double s = now() - t0, c = cpu_seconds() - c0;
    printf("%ld records, %ld bad, %.3f s, %.3f CPU s, %.1f MB/s a CPU s (pipe), hash %s, sum %g\n", n, bad, s, c,
           (double)sb.st_size / 1e6 / c, hex, sum);
    return 0;
}

int main(int argc, char **argv)
{
    if (argc < 2) { fprintf(stderr, "usage: parse_bench FILE [format|mapped|pipe]\n"); return 2; }
    if (argc > 2 && strcmp(argv[2], "mapped") == 0) return mapped(argv[1]);
    if (argc > 2 && strcmp(argv[2], "pipe") == 0) return piped(argv[1]);
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
