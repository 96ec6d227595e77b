#define _GNU_SOURCE   /* memrchr */
/* The ingest pipeline (see ingest_impl.h): parse threads, parts packed by
 * ingest_pack.c, and the ordered hand-over to the writing thread. */
#include <errno.h>
#include <fcntl.h>
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <xxhash.h>
#include "core/ingest_impl.h"
#include "core/ingest_pack.h"
#include "io/jsonl_chunk.h"
#include "util/try.h"

/* ---- the pool of parts and the ordered hand-over ---------------------- */

struct ingest_pipe {
    pthread_mutex_t mu;
    pthread_cond_t cv_free, cv_ready;
    ingest_part_t *parts;
    int n_parts;
    ingest_part_t **free_parts;          /* stack of n_free */
    int n_free;
    ingest_part_t **slot;                /* a finished part waits at slot[seq % n_parts] */
    int64_t next_seq;                    /* the part the writer takes next */
    int cancel, done;
    pthread_t *threads;
    int n_threads, n_started;

    /* JSONL ranges */
    const char *path;
    int fd;                              /* the file, read with pread(2) */
    uint64_t size, chunk;
    int64_t next_chunk, n_chunks;
    size_t max_line;
    saydo_read_opts_t ropts;
    /* one parse thread reads the ranges in file order and hashes them as it goes */
    XXH3_state_t *hash, *spec;           /* spec: the hash past a long line, kept if it is skipped */
    uint64_t hashed;                     /* bytes fed to the hash */
    /* one reader */
    saydo_reader_t *rd;
};

/* A free part, or NULL when the pipe is cancelled. */
static ingest_part_t *take_free(ingest_pipe_t *p)
{
    pthread_mutex_lock(&p->mu);
    while (!p->n_free && !p->cancel) pthread_cond_wait(&p->cv_free, &p->mu);
    ingest_part_t *pt = p->cancel ? NULL : p->free_parts[--p->n_free];
    pthread_mutex_unlock(&p->mu);
    return pt;
}

static void put_free_locked(ingest_pipe_t *p, ingest_part_t *pt)
{
    p->free_parts[p->n_free++] = pt;
    pthread_cond_signal(&p->cv_free);
}

static void publish(ingest_pipe_t *p, ingest_part_t *pt)
{
    pthread_mutex_lock(&p->mu);
    p->slot[pt->seq % p->n_parts] = pt;
    pthread_cond_broadcast(&p->cv_ready);
    pthread_mutex_unlock(&p->mu);
}

static void part_begin(ingest_part_t *pt, int64_t seq)
{
    pt->len = 0;
    pt->seq = seq;
    pt->lines = 0;
    pt->rel_lines = 0;
    pt->last = 0;
    pt->bytes_end = 0;
    pt->st = SAYDO_OK;
    pt->err[0] = '\0';
}

static void part_fail(ingest_part_t *pt, saydo_status st)
{
    pt->st = st;
    snprintf(pt->err, sizeof pt->err, "%s", saydo_last_error());
    pt->last = 1;
}

/* ---- JSONL ranges, read with pread(2) -------------------------------------
 *
 * Range i holds the lines that start in [i*chunk, (i+1)*chunk): from just
 * after the first newline at or after i*chunk - 1, through the newline that
 * ends the line holding byte (i+1)*chunk - 1. So the ranges' bytes tile the
 * file, and threads find their lines without talking to each other. A thread
 * reads its range a window at a time into its own buffer: on this kind of VM
 * read(2) into a buffer that stays in cache costs a third of what mapping the
 * file does (page faults and unmapping, per 4 KiB page). A line longer than
 * the maximum is skipped with reads that keep nothing. With one parse thread
 * the ranges come in file order, and every byte is hashed as it is parsed,
 * while still in cache: that replaces a separate pass over the file. */

enum { WINDOW = 256 << 10, LONG_LINE = 4 << 20 };

typedef struct wbuf {
    char *buf;
    size_t cap;
    uint64_t off;                        /* file offset of buf[0] */
    size_t len;                          /* bytes held */
} wbuf_t;

/* Reads up to n bytes at off into dst, fewer only at the end of the file. */
static saydo_status read_at(const ingest_pipe_t *p, char *dst, size_t n, uint64_t off, size_t *got)
{
    size_t done = 0;
    if (off >= p->size) n = 0;
    else if (n > p->size - off) n = (size_t)(p->size - off);
    while (done < n) {
        ssize_t k = pread(p->fd, dst + done, n - done, (off_t)(off + done));
        if (k < 0 && errno == EINTR) continue;
        if (k < 0) return saydo_set_error(SAYDO_E_IO, "%s: read failed: %s", p->path, strerror(errno));
        if (k == 0) break;
        done += (size_t)k;
    }
    *got = done;
    return SAYDO_OK;
}

static saydo_status wbuf_reserve(wbuf_t *w, size_t need)
{
    if (need <= w->cap) return SAYDO_OK;
    size_t nc = w->cap * 2 > need ? w->cap * 2 : need;
    char *nb = realloc(w->buf, nc);
    if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory (a line of %zu MB)", need >> 20);
    w->buf = nb;
    w->cap = nc;
    return SAYDO_OK;
}

static void hash_bytes(ingest_pipe_t *p, const char *b, size_t n)
{
    if (!p->hash || !n) return;
    XXH3_128bits_update(p->hash, b, n);
    p->hashed += n;
}

/* Packs what the parser makes of the lines it was given. */
static saydo_status drain(saydo_jsonl_chunk_t *c, ingest_part_t *pt)
{
    saydo_record_t rec;
    saydo_status st;
    while ((st = saydo_jsonl_chunk_next(c, &rec)) != SAYDO_EOF) {
        if (st == SAYDO_OK) {
            const char *pool;
            size_t pool_len;
            saydo_jsonl_chunk_strings(c, &pool, &pool_len);
            st = ingest_pack_record(pt, &rec, pool, pool_len);
        }
        else if (st == SAYDO_E_PARSE) st = ingest_pack_bad(pt, saydo_jsonl_chunk_bad(c));
        if (st < 0) return st;
    }
    return SAYDO_OK;
}

/* A long line with no newline in the buffer yet (w->buf[0, w->len) from file
 * offset w->off): reads ahead, keeping nothing, to its newline (or the end of
 * the file), so a line longer than the maximum costs one window of memory,
 * not the maximum. A line that is too long is reported, counted and hashed
 * (the scan hashes into a copy of the state, kept only then) and *pos goes
 * past it; one short enough is read into the buffer whole (*pos unchanged). */
static saydo_status long_line(ingest_pipe_t *p, saydo_jsonl_chunk_t *c, ingest_part_t *pt, wbuf_t *w,
                              uint64_t *pos, int *eof)
{
    saydo_status st = SAYDO_OK;
    char *scratch = malloc(WINDOW);
    SAYDO_FAIL_IF(!scratch, SAYDO_E_NOMEM, "out of memory");
    if (p->hash) {
        XXH3_copyState(p->spec, p->hash);
        XXH3_128bits_update(p->spec, w->buf, w->len);
    }
    uint64_t at = w->off + w->len, end = 0, spec_bytes = w->len;
    int has_nl = 0;
    for (;;) {
        size_t got;
        SAYDO_TRY(read_at(p, scratch, WINDOW, at, &got));
        const char *nl = got ? memchr(scratch, '\n', got) : NULL;
        size_t k = nl ? (size_t)(nl - scratch) + 1 : got;
        if (p->hash) XXH3_128bits_update(p->spec, scratch, k);
        spec_bytes += k;
        if (!got || nl) {
            end = at + k;   /* past the newline, or the end of the file */
            has_nl = nl != NULL;
            break;
        }
        at += got;
    }
    if (!has_nl && end < p->size) *eof = 1;   /* the file shrank: what is there is all */
    /* the line's length as the limit counts it: without its newline */
    uint64_t len = end - w->off - (uint64_t)has_nl;
    if (len > p->max_line) {
        st = saydo_jsonl_chunk_skip_long(c);   /* SAYDO_E_PARSE: the line, counted and reported */
        if (st == SAYDO_E_PARSE) st = ingest_pack_bad(pt, saydo_jsonl_chunk_bad(c));
        if (st < 0) goto cleanup;
        if (p->hash) {
            XXH3_copyState(p->hash, p->spec);
            p->hashed += spec_bytes;
        }
        *pos = end;
        w->off = end;
        w->len = 0;
        if (w->cap > 4 * (size_t)WINDOW) {   /* give a long line's buffer back */
            char *nb = realloc(w->buf, WINDOW);
            if (nb) {
                w->buf = nb;
                w->cap = WINDOW;
            }
        }
        goto cleanup;
    }
    size_t need = (size_t)(end - w->off), got;
    SAYDO_TRY(wbuf_reserve(w, need + WINDOW));
    SAYDO_TRY(read_at(p, w->buf + w->len, need - w->len, w->off + w->len, &got));
    w->len += got;
cleanup:
    free(scratch);
    return st;
}

/* Parses range i into pt; *end is the offset after its last line. */
static saydo_status parse_range(ingest_pipe_t *p, saydo_jsonl_chunk_t *c, ingest_part_t *pt, int64_t i, wbuf_t *w,
                                uint64_t *end)
{
    saydo_status st = SAYDO_OK;
    const uint64_t lo = (uint64_t)i * p->chunk, hi = lo + p->chunk < p->size ? lo + p->chunk : p->size;
    uint64_t pos = 0;
    size_t got;
    w->off = 0;
    w->len = 0;
    saydo_jsonl_chunk_reset(c, NULL, 0, lo == 0);   /* no lines yet */
    SAYDO_TRY(wbuf_reserve(w, WINDOW));
    if (lo > 0) {   /* the first line that starts in the range */
        for (uint64_t at = lo - 1;; at += got) {
            if (at >= hi - 1) {
                *end = hi;   /* none: a longer line runs through the whole range */
                return SAYDO_OK;
            }
            SAYDO_TRY(read_at(p, w->buf, WINDOW, at, &got));
            w->off = at;
            w->len = got;
            size_t lim = (size_t)(hi - 1 - at) < got ? (size_t)(hi - 1 - at) : got;
            const char *nl = memchr(w->buf, '\n', lim);
            if (nl) {
                pos = at + (uint64_t)(nl - w->buf) + 1;
                break;
            }
            if (!got) {
                *end = hi;
                return SAYDO_OK;
            }
            got = lim;
        }
    }
    int eof = 0;
    while (pos < hi) {
        size_t p0 = (size_t)(pos - w->off), avail = w->len - p0;
        char *start = w->buf + p0;
        const char *last = avail ? memrchr(start, '\n', avail) : NULL;
        if (!last) {
            if (eof || w->off + w->len >= p->size) {   /* the file's last line, without a newline */
                saydo_jsonl_chunk_feed(c, start, avail);
                SAYDO_TRY(drain(c, pt));
                hash_bytes(p, start, avail);
                pos += avail;
                break;
            }
            memmove(w->buf, start, avail);
            w->off = pos;
            w->len = avail;
            if (avail > p->max_line || avail >= LONG_LINE) {
                SAYDO_TRY(long_line(p, c, pt, w, &pos, &eof));
                continue;
            }
            SAYDO_TRY(wbuf_reserve(w, avail + WINDOW));
            SAYDO_TRY(read_at(p, w->buf + avail, WINDOW, w->off + avail, &got));
            w->len += got;
            eof = !got;   /* the file shrank: what is there is all */
            continue;
        }
        size_t feed_end = (size_t)(last - w->buf) + 1;
        if (w->off + feed_end > hi) {   /* lines of the next range are in the buffer: stop after ours */
            size_t from = (size_t)(hi - 1 - w->off);
            feed_end = (size_t)((const char *)memchr(w->buf + from, '\n', feed_end - from) - w->buf) + 1;
        }
        saydo_jsonl_chunk_feed(c, start, feed_end - p0);
        SAYDO_TRY(drain(c, pt));
        hash_bytes(p, start, feed_end - p0);
        pos = w->off + feed_end;
    }
    *end = pos;
cleanup:
    return st;
}

static void *jsonl_worker(void *arg)
{
    ingest_pipe_t *p = arg;
    saydo_jsonl_chunk_t *c = NULL;
    wbuf_t w = {NULL, 0, 0, 0};
    saydo_status cst = saydo_jsonl_chunk_create(p->path, &p->ropts, &c);
    for (;;) {
        ingest_part_t *pt = take_free(p);
        if (!pt) break;
        pthread_mutex_lock(&p->mu);
        int64_t i = p->next_chunk < p->n_chunks ? p->next_chunk++ : -1;
        if (i < 0) put_free_locked(p, pt);
        pthread_mutex_unlock(&p->mu);
        if (i < 0) break;
        part_begin(pt, i);
        pt->rel_lines = 1;
        pt->last = i == p->n_chunks - 1;
        if (cst < 0) {
            part_fail(pt, cst);
            publish(p, pt);
            break;
        }
        uint64_t e = 0;
        saydo_status st = parse_range(p, c, pt, i, &w, &e);
        pt->lines = saydo_jsonl_chunk_lines(c);
        pt->bytes_end = e;
        if (st < 0) part_fail(pt, st);
        publish(p, pt);
        if (st < 0) break;
    }
    free(w.buf);
    saydo_jsonl_chunk_free(c);
    return NULL;
}

enum { READER_PART_BYTES = 2 << 20 };

static void *reader_worker(void *arg)
{
    ingest_pipe_t *p = arg;
    saydo_record_t rec;
    int64_t lines_before = 0;
    for (int64_t seq = 0;; seq++) {
        ingest_part_t *pt = take_free(p);
        if (!pt) break;
        part_begin(pt, seq);
        saydo_status st = SAYDO_OK;
        while (pt->len < READER_PART_BYTES) {
            st = saydo_reader_next(p->rd, &rec);
            if (st == SAYDO_EOF) break;
            if (st == SAYDO_OK) st = ingest_pack_record(pt, &rec, NULL, 0);
            else if (st == SAYDO_E_PARSE) st = ingest_pack_bad(pt, saydo_reader_bad(p->rd));
            if (st < 0) break;
        }
        int64_t lines = saydo_reader_lines(p->rd);
        pt->lines = lines - lines_before;
        lines_before = lines;
        pt->bytes_end = saydo_reader_bytes(p->rd);
        if (st == SAYDO_EOF) pt->last = 1;
        if (st < 0) part_fail(pt, st);
        publish(p, pt);
        if (pt->last) break;
    }
    return NULL;
}

static saydo_status pipe_new(int n_parts, int n_threads, ingest_pipe_t **out)
{
    saydo_status st = SAYDO_OK;
    ingest_pipe_t *p = NULL;
    *out = NULL;
    SAYDO_NEW(p, 1);
    pthread_mutex_init(&p->mu, NULL);
    pthread_cond_init(&p->cv_free, NULL);
    pthread_cond_init(&p->cv_ready, NULL);
    p->n_parts = n_parts;
    SAYDO_NEW(p->parts, (size_t)n_parts);
    SAYDO_NEW(p->free_parts, (size_t)n_parts);
    SAYDO_NEW(p->slot, (size_t)n_parts);
    SAYDO_NEW(p->threads, (size_t)n_threads);
    p->n_threads = n_threads;
    p->fd = -1;
    for (int i = 0; i < n_parts; i++) p->free_parts[p->n_free++] = &p->parts[i];
    *out = p;
    p = NULL;
cleanup:
    ingest_pipe_free(p);
    return st;
}

static saydo_status pipe_launch(ingest_pipe_t *p, void *(*fn)(void *))
{
    for (int i = 0; i < p->n_threads; i++) {
        int e = pthread_create(&p->threads[i], NULL, fn, p);
        if (e != 0) return saydo_set_error(SAYDO_E_NOMEM, "cannot start a parse thread: %s", strerror(e));
        p->n_started++;
    }
    return SAYDO_OK;
}

saydo_status ingest_pipe_start_jsonl(const char *path, uint64_t size, const saydo_read_opts_t *ro, int threads,
                                     uint64_t chunk, ingest_pipe_t **out)
{
    saydo_status st = SAYDO_OK;
    ingest_pipe_t *p = NULL;
    *out = NULL;
    if (threads < 1) threads = 1;
    if (chunk < 1) chunk = 1;
    int64_t n_chunks = (int64_t)((size + chunk - 1) / chunk);
    if (n_chunks < 1) n_chunks = 1;
    if (threads > n_chunks) threads = (int)n_chunks;
    /* two parts a thread keep every thread busy while the writer holds one */
    SAYDO_TRY(pipe_new(2 * threads + 1, threads, &p));
    p->path = path;
    p->size = size;
    p->chunk = chunk;
    p->n_chunks = n_chunks;
    if (ro) p->ropts = *ro;
    p->ropts.format = "jsonl";
    p->max_line = p->ropts.max_line ? p->ropts.max_line : ((size_t)64 << 20);
    p->fd = open(path, O_RDONLY | O_CLOEXEC);
    SAYDO_FAIL_IF(p->fd < 0, SAYDO_E_IO, "%s: cannot open: %s", path, strerror(errno));
    if (threads == 1) {
        p->hash = XXH3_createState();
        p->spec = XXH3_createState();
        SAYDO_FAIL_IF(!p->hash || !p->spec, SAYDO_E_NOMEM, "out of memory");
        XXH3_128bits_reset(p->hash);
    }
    SAYDO_TRY(pipe_launch(p, jsonl_worker));
    *out = p;
    p = NULL;
cleanup:
    ingest_pipe_free(p);
    return st;
}

saydo_status ingest_pipe_start_reader(saydo_reader_t *rd, ingest_pipe_t **out)
{
    saydo_status st = SAYDO_OK;
    ingest_pipe_t *p = NULL;
    *out = NULL;
    st = pipe_new(3, 1, &p);
    if (st < 0) {
        saydo_reader_free(rd);
        return st;
    }
    p->rd = rd;
    SAYDO_TRY(pipe_launch(p, reader_worker));
    *out = p;
    p = NULL;
cleanup:
    ingest_pipe_free(p);
    return st;
}

saydo_status ingest_pipe_next(ingest_pipe_t *p, ingest_part_t **part)
{
    *part = NULL;
    pthread_mutex_lock(&p->mu);
    if (p->done) {
        pthread_mutex_unlock(&p->mu);
        return SAYDO_OK;
    }
    int64_t seq = p->next_seq;
    ingest_part_t *pt;
    while (!(pt = p->slot[seq % p->n_parts]) || pt->seq != seq) pthread_cond_wait(&p->cv_ready, &p->mu);
    p->slot[seq % p->n_parts] = NULL;
    p->next_seq++;
    if (pt->last) p->done = 1;
    pthread_mutex_unlock(&p->mu);
    if (pt->st < 0) {
        saydo_status st = saydo_set_error(pt->st, "%s", pt->err);
        ingest_pipe_release(p, pt);
        return st;
    }
    *part = pt;
    return SAYDO_OK;
}

void ingest_pipe_release(ingest_pipe_t *p, ingest_part_t *pt)
{
    pthread_mutex_lock(&p->mu);
    put_free_locked(p, pt);
    pthread_mutex_unlock(&p->mu);
}

void ingest_pipe_free(ingest_pipe_t *p)
{
    if (!p) return;
    pthread_mutex_lock(&p->mu);
    p->cancel = 1;
    pthread_cond_broadcast(&p->cv_free);
    pthread_mutex_unlock(&p->mu);
    for (int i = 0; i < p->n_started; i++) pthread_join(p->threads[i], NULL);
    for (int i = 0; p->parts && i < p->n_parts; i++) free(p->parts[i].buf);
    free(p->parts);
    free(p->free_parts);
    free(p->slot);
    free(p->threads);
    saydo_reader_free(p->rd);
    if (p->fd >= 0) close(p->fd);
    XXH3_freeState(p->hash);
    XXH3_freeState(p->spec);
    pthread_cond_destroy(&p->cv_free);
    pthread_cond_destroy(&p->cv_ready);
    pthread_mutex_destroy(&p->mu);
    free(p);
}

int ingest_pipe_hashes(const ingest_pipe_t *p) { return p && p->hash; }

int ingest_pipe_hash(ingest_pipe_t *p, char hex[33])
{
    pthread_mutex_lock(&p->mu);   /* the parse thread's last updates happened before its last publish */
    int whole = p->hash && p->done && p->hashed == p->size;
    pthread_mutex_unlock(&p->mu);
    if (!whole) return 0;
    /* exactly saydo_file_hash()'s value for a regular file: XXH3-128 of its bytes, high half first */
    XXH128_hash_t h = XXH3_128bits_digest(p->hash);
    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
    return 1;
}
