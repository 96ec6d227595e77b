/* The ingest driver: parse threads -> writer (this thread), one commit per
 * file, with quarantine, duplicate and progress accounting. The pipeline
 * between them is in ingest_pipe.c. */
#include <errno.h>
#include <fcntl.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/ingest_impl.h"
#include "core/ingest_mpi.h"   /* more than one MPI rank: ingest_mpi.c */
#include "io/reader_impl.h"   /* saydo_utf8_valid */
#include "saydo/ingest.h"
#include "saydo/par.h"
#include "util/threads.h"
#include "util/try.h"

void saydo_ingest_opts_default(saydo_ingest_opts_t *o)
{
    memset(o, 0, sizeof *o);
    o->writer.deflate_level = 1;
    o->progress = 1;
}

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

/* Bytes of the valid UTF-8 sequence at s[0..n), or 0 when none starts there. */
static size_t utf8_seq(const unsigned char *s, size_t n)
{
    size_t k = s[0] < 0x80 ? 1 : s[0] >= 0xC2 && s[0] <= 0xDF ? 2 : s[0] >= 0xE0 && s[0] <= 0xEF ? 3
             : s[0] >= 0xF0 && s[0] <= 0xF4 ? 4 : 0;
    return k && k <= n && saydo_utf8_valid((const char *)s, k) ? k : 0;
}

/* JSON string escaping for the quarantine file, which must stay JSONL any
 * reader accepts whatever the bad line held: control bytes are escaped, and a
 * byte that is not part of valid UTF-8 is written as \u00XX (its value);
 * *lossy is set then, so the entry can say the raw text stands for bytes. */
static void put_json_string(FILE *f, const char *str, size_t n, int *lossy)
{
    const unsigned char *s = (const unsigned char *)str;
    fputc('"', f);
    for (size_t i = 0; i < n;) {
        unsigned char c = s[i];
        if (c >= 0x80) {
            size_t k = utf8_seq(s + i, n - i);
            if (k) fwrite(s + i, 1, k, f);
            else {
                fprintf(f, "\\u%04x", c);
                if (lossy) *lossy = 1;
            }
            i += k ? k : 1;
            continue;
        }
        if (c == '"' || c == '\\') fprintf(f, "\\%c", c);
        else if (c == '\n') fputs("\\n", f);
        else if (c == '\r') fputs("\\r", f);
        else if (c == '\t') fputs("\\t", f);
        else if (c < 0x20 || c == 0x7f) fprintf(f, "\\u%04x", c);
        else fputc(c, f);
        i++;
    }
    fputc('"', f);
}

saydo_status ingest_quarantine(FILE **qf, const char *store, const saydo_bad_t *bad)
{
    if (!*qf) {
        size_t n = strlen(store) + 32;
        char *path = malloc(n);
        if (!path) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        snprintf(path, n, "%s.quarantine.jsonl", store);
        *qf = fopen(path, "a");
        if (!*qf) {
            saydo_status st = saydo_set_error(SAYDO_E_IO, "%s: cannot open quarantine file: %s", path, strerror(errno));
            free(path);
            return st;
        }
        free(path);
    }
    FILE *f = *qf;
    int lossy = 0;
    fputs("{\"file\":", f);
    put_json_string(f, bad->file, strlen(bad->file), NULL);
    fprintf(f, ",\"line\":%lld,\"reason\":", (long long)bad->line);
    put_json_string(f, bad->reason, strlen(bad->reason), NULL);
    if (bad->raw) {
        /* keep at most 64 KiB of the offending input: enough to see it, bounded on a 1 GB line */
        size_t n = bad->raw_len < 65536 ? bad->raw_len : 65536;
        fputs(",\"raw\":", f);
        put_json_string(f, bad->raw, n, &lossy);
        if (n < bad->raw_len) fputs(",\"raw_truncated\":true", f);
        if (lossy) fputs(",\"raw_bytes_escaped\":true", f);   /* \u0080-\u00ff in raw stand for bytes */
    }
    fputs("}\n", f);
    return SAYDO_OK;
}

static void progress(uint64_t done, uint64_t total, double t0, double *last, int final)
{
    double t = now_seconds();
    if (!final && t - *last < 0.25) return;
    *last = t;
    double rate = (double)done / 1e6 / (t - t0 > 1e-9 ? t - t0 : 1e-9);
    if (total) {
        double frac = (double)done / (double)total;
        int bar = (int)(frac * 30);
        double eta = rate > 0 ? ((double)(total - done) / 1e6) / rate : 0;
        fprintf(stderr, "\r  [%-30.*s] %5.1f%%  %7.1f MB/s  ETA %5.1fs ", bar, "==============================",
                100 * frac, rate, eta);
    } else {
        fprintf(stderr, "\r  %.1f MB  %7.1f MB/s ", (double)done / 1e6, rate);
    }
    if (final) fputc('\n', stderr);
}

/* Crash-test hooks (see ingest.h): SAYDO_TEST_KILL_AT=records:N and
 * SAYDO_TEST_STOP_AT=records:N give the records handed to the writer before
 * this process kills (SIGKILL) or stops (SIGSTOP) itself; -1 = never. */
static int64_t hook_records(const char *env)
{
    const char *k = getenv(env);
    if (!k || strncmp(k, "records:", 8) != 0) return -1;
    return strtoll(k + 8, NULL, 10);
}

static int parse_threads(const saydo_ingest_opts_t *o)
{
    if (o->threads > 0) return o->threads > 64 ? 64 : o->threads;
    int n = saydo_threads();   /* the CPUs this process may run on (taskset, cgroups), not all online */
    return n > 8 ? 8 : n;
}

static uint64_t chunk_bytes(void)
{
    const char *c = getenv("SAYDO_INGEST_CHUNK");
    long long v = c ? strtoll(c, NULL, 10) : 0;
    return v > 0 ? (uint64_t)v : (uint64_t)4 << 20;
}

enum { ADD_BATCH = 64 };   /* records handed to saydo_writer_add_many() at a time */

/* Lines in the file, from the newlines of its first MiB: sizes the writer's
 * duplicate-key table once. */
static size_t estimate_lines(const char *map, size_t len)
{
    size_t sample = len < ((size_t)1 << 20) ? len : (size_t)1 << 20, nl = 1;
    for (const char *p = map, *e = map + sample; (p = memchr(p, '\n', (size_t)(e - p))) != NULL; p++) nl++;
    double est = (double)nl * ((double)len / (double)sample);
    return est > 1e8 ? (size_t)1e8 : (size_t)est;
}

/* A JSONL file is parsed in ranges from a read-only mapping; anything else
 * (other formats, pipes, empty files) by one reader thread. */
static saydo_status start_pipe(const char *path, const saydo_ingest_opts_t *o, ingest_pipe_t **pipe,
                               void **map, size_t *map_len, uint64_t *size, const char **format, char **meta)
{
    saydo_status st = SAYDO_OK;
    saydo_reader_t *rd = NULL;
    int fd = -1;
    struct stat sb;
    SAYDO_TRY(saydo_reader_open(path, &o->read, &rd));
    if (rd->n_meta) SAYDO_TRY(saydo_reader_meta_json(rd, meta));   /* what the file says about itself: provenance */
    *format = saydo_reader_format(rd);
    *size = saydo_reader_size(rd);
    if (strcmp(*format, "jsonl") == 0 && (fd = open(path, O_RDONLY | O_CLOEXEC)) >= 0 && fstat(fd, &sb) == 0 &&
        S_ISREG(sb.st_mode) && sb.st_size > 0) {
        void *m = mmap(NULL, (size_t)sb.st_size, PROT_READ, MAP_PRIVATE, fd, 0);
        if (m != MAP_FAILED) {
            *map = m;
            *map_len = (size_t)sb.st_size;
            *size = (uint64_t)sb.st_size;
            saydo_reader_free(rd);
            rd = NULL;
            SAYDO_TRY(ingest_pipe_start_jsonl(path, *size, &o->read, parse_threads(o), chunk_bytes(), pipe));
            goto cleanup;
        }
    }
    st = ingest_pipe_start_reader(rd, pipe);
    rd = NULL;
cleanup:
    if (fd >= 0) close(fd);
    saydo_reader_free(rd);
    return st;
}

static saydo_status ingest_one(saydo_writer_t *w, const char *store, const char *path, const saydo_ingest_opts_t *o,
                               FILE **qf, saydo_ingest_file_t *res)
{
    saydo_status st = SAYDO_OK;
    ingest_pipe_t *pipe = NULL;
    ingest_part_t *pt = NULL;
    void *map = NULL;
    size_t map_len = 0;
    uint64_t size = 0, done = 0;
    saydo_record_t *recs = NULL;
    char *meta = NULL;
    int dup[ADD_BATCH];
    saydo_bad_t bad;
    double t0 = now_seconds(), last = t0;
    int show = o->progress && isatty(2);
    static int64_t kill_at = -2, stop_at = -2, handed = 0;
    if (kill_at == -2) {
        kill_at = hook_records("SAYDO_TEST_KILL_AT");
        stop_at = hook_records("SAYDO_TEST_STOP_AT");
    }
    SAYDO_NEW(recs, ADD_BATCH);
    memset(&bad, 0, sizeof bad);
    bad.file = path;
    struct stat in_sb;
    /* The content hash and the parse each read the file: a pipe would be split between them */
    SAYDO_FAIL_IF(stat(path, &in_sb) == 0 && (S_ISFIFO(in_sb.st_mode) || S_ISCHR(in_sb.st_mode) || S_ISSOCK(in_sb.st_mode)),
                  SAYDO_E_INVAL, "%s: a pipe or device, not a file: saydo ingest reads regular files "
                  "(write the stream to a file first)", path);
    SAYDO_TRY(start_pipe(path, o, &pipe, &map, &map_len, &size, &res->format, &meta));
    /* A JSONL file on one parse thread is hashed as it is parsed; it is hashed
     * first only when the store holds a source of its size (the one way the
     * store can hold this file already). Otherwise the hash is read while the
     * parse threads start; only a file the store already lists wastes their
     * first parts. */
    int hash_later = ingest_pipe_hashes(pipe) && (o->force || !saydo_writer_may_hold_size(w, (int64_t)size));
    if (!hash_later) {
        SAYDO_TRY(saydo_file_hash(path, res->hash));
        if (!o->force && saydo_writer_has_source(w, res->hash)) {
            res->skipped = 1;
            goto cleanup;
        }
    }
    if (map) SAYDO_TRY(saydo_writer_reserve(w, estimate_lines(map, map_len)));
    SAYDO_TRY(saydo_writer_begin_source(w));
    int64_t line_base = 0;
    for (;;) {
        SAYDO_TRY(ingest_pipe_next(pipe, &pt));
        if (!pt) break;
        size_t off = 0, n = 0;
        int kind;
        do {
            kind = ingest_part_next(pt, &off, &recs[n], &bad);
            if (kind == 1) {
                if (pt->rel_lines) recs[n].line += line_base;
                n++;
            }
            if (n && (n == ADD_BATCH || kind != 1)) {   /* a full batch, a bad line or the part's end */
                SAYDO_TRY(saydo_writer_add_many(w, recs, n, dup));
                for (size_t i = 0; i < n; i++) dup[i] ? res->duplicates++ : res->stored++;
                res->records += (int64_t)n;
                if (kill_at >= 0 && handed < kill_at && handed + (int64_t)n >= kill_at) raise(SIGKILL);
                if (stop_at >= 0 && handed < stop_at && handed + (int64_t)n >= stop_at) raise(SIGSTOP);
                handed += (int64_t)n;
                n = 0;
            }
            if (kind == 2) {
                if (pt->rel_lines) bad.line += line_base;
                SAYDO_FAIL_IF(o->strict, SAYDO_E_PARSE,
                              "%s:%lld: %s (--strict: stopping; nothing of this file stored)", path,
                              (long long)bad.line, bad.reason);
                res->quarantined++;
                SAYDO_TRY(ingest_quarantine(qf, store, &bad));
            }
        } while (kind != 0);
        line_base += pt->lines;
        done = pt->bytes_end;
        ingest_pipe_release(pipe, pt);
        pt = NULL;
        if (show) progress(done, size, t0, &last, 0);
    }
    if (show) progress(done, size, t0, &last, 1);
    res->lines = line_base;
    res->bytes = done > size ? done : size;
    res->blank = strcmp(res->format, "jsonl") == 0 ? res->lines - res->records - res->quarantined : 0;
    if (hash_later && !ingest_pipe_hash(pipe, res->hash)) SAYDO_TRY(saydo_file_hash(path, res->hash));
    saydo_source_info_t info = {
        .file = path, .sha256 = res->hash, .format = res->format,
        .model = o->read.model, .condition = o->read.condition,
        .lines = res->lines, .bytes = (int64_t)res->bytes, .records = res->records,
        .quarantined = res->quarantined, .duplicates = res->duplicates, .blank = res->blank, .meta = meta,
    };
    SAYDO_TRY(saydo_writer_end_source(w, &info));
    SAYDO_TRY(saydo_writer_commit(w));
    /* past the key budget the commit found (some) duplicates on disk; the
     * provenance counts them already, the summary learns of them here */
    res->duplicates += saydo_writer_late_duplicates(w);
    res->stored -= saydo_writer_late_duplicates(w);
    res->seconds = now_seconds() - t0;
cleanup:
    if (pt) ingest_pipe_release(pipe, pt);
    ingest_pipe_free(pipe);
    if (map) munmap(map, map_len);
    free(recs);
    free(meta);
    return st;
}

saydo_status saydo_ingest_files(const char *store, const char *const *files, int n, const saydo_ingest_opts_t *o,
                                saydo_ingest_file_t *results)
{
    saydo_status st = SAYDO_OK;
    saydo_writer_t *w = NULL;
    FILE *qf = NULL;
    if (saydo_par_size() > 1) return saydo_ingest_files_mpi(store, files, n, o, results);
    SAYDO_TRY(saydo_writer_open(store, &o->writer, &w));
    for (int i = 0; i < n; i++) {
        saydo_ingest_file_t *res = &results[i];
        memset(res, 0, sizeof *res);
        res->path = files[i];
        res->format = "?";
        SAYDO_TRY(ingest_one(w, store, files[i], o, &qf, res));
    }
cleanup:
    if (qf && fclose(qf) != 0 && st == SAYDO_OK) st = saydo_set_error(SAYDO_E_IO, "writing the quarantine file failed");
    saydo_writer_free(w);
    return st;
}
