/* The ingest pipeline (see ingest_impl.h): parse threads, packed parts, and
 * the ordered hand-over to the writing thread. */
#include <pthread.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include <unistd.h>
#include "core/ingest_impl.h"
#include "io/jsonl_chunk.h"
#include "util/try.h"

/* ---- packed entries ------------------------------------------------- */

enum { ENT_REC = 1, ENT_BAD = 2 };
enum { N_FIXED = 8 };                   /* model condition item side variant domain method trained_side */
enum { RAW_KEEP = 65536 };              /* the quarantine keeps at most this much of a bad line */

/* Entry header; the payload follows: logp (doubles), option map (26 bytes),
 * the present fixed strings, label name/value pairs, then text or raw bytes,
 * each string NUL-terminated. Entries are padded to 8 bytes. */
typedef struct ent_head {
    uint32_t size;                       /* bytes of the entry, header included */
    uint8_t kind, n_logp, n_labels, has_map;
    int64_t line;
    int32_t trial, choice, n_options, round;
    uint32_t strmask;                    /* bit f: fixed string f is present */
    uint32_t text_len;                   /* record text, or the raw bytes kept of a bad line */
    uint64_t raw_len;                    /* a bad line's full length */
} ent_head_t;

static saydo_status part_reserve(ingest_part_t *pt, size_t need)
{
    if (pt->len + need <= pt->cap) return SAYDO_OK;
    size_t nc = pt->cap ? pt->cap : (size_t)1 << 20;
    while (nc < pt->len + need) nc *= 2;
    char *nb = realloc(pt->buf, nc);
    if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    pt->buf = nb;
    pt->cap = nc;
    return SAYDO_OK;
}

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

static char *put_str(char *d, const char *s, size_t n)
{
    memcpy(d, s, n);
    d[n] = '\0';
    return d + n + 1;
}

static saydo_status pack_record(ingest_part_t *pt, const saydo_record_t *rec)
{
    const char *fixed[N_FIXED] = {rec->model, rec->condition, rec->item, rec->side, rec->variant,
                                  rec->domain, rec->method, rec->trained_side};
    size_t flen[N_FIXED], lname[SAYDO_MAX_LABELS], lval[SAYDO_MAX_LABELS];
    int n_logp = rec->n_logp < 0 ? 0 : rec->n_logp > SAYDO_MAX_OPTIONS ? SAYDO_MAX_OPTIONS : rec->n_logp;
    int n_labels = rec->n_labels < 0 ? 0 : rec->n_labels > SAYDO_MAX_LABELS ? SAYDO_MAX_LABELS : rec->n_labels;
    size_t text_len = rec->text ? rec->text_len : 0;
    size_t need = sizeof(ent_head_t) + (size_t)n_logp * sizeof(double) + (rec->has_option_map ? SAYDO_MAX_OPTIONS : 0)
                  + text_len + 1;
    uint32_t mask = 0;
    for (int f = 0; f < N_FIXED; f++)
        if (fixed[f]) {
            mask |= 1u << f;
            flen[f] = strlen(fixed[f]);
            need += flen[f] + 1;
        }
    for (int k = 0; k < n_labels; k++) {
        lname[k] = strlen(rec->label_name[k]);
        lval[k] = strlen(rec->label_value[k]);
        need += lname[k] + lval[k] + 2;
    }
    saydo_status st = part_reserve(pt, pad8(need));
    if (st < 0) return st;
    ent_head_t *h = (ent_head_t *)(pt->buf + pt->len);
    h->size = (uint32_t)pad8(need);
    h->kind = ENT_REC;
    h->n_logp = (uint8_t)n_logp;
    h->n_labels = (uint8_t)n_labels;
    h->has_map = (uint8_t)(rec->has_option_map != 0);
    h->line = rec->line;
    h->trial = rec->trial;
    h->choice = rec->choice;
    h->n_options = rec->n_options;
    h->round = rec->round;
    h->strmask = mask;
    h->text_len = (uint32_t)text_len;
    h->raw_len = 0;
    char *d = (char *)(h + 1);
    memcpy(d, rec->logp, (size_t)n_logp * sizeof(double));
    d += (size_t)n_logp * sizeof(double);
    if (h->has_map) {
        memcpy(d, rec->option_map, SAYDO_MAX_OPTIONS);
        d += SAYDO_MAX_OPTIONS;
    }
    for (int f = 0; f < N_FIXED; f++)
        if (mask >> f & 1) d = put_str(d, fixed[f], flen[f]);
    for (int k = 0; k < n_labels; k++) {
        d = put_str(d, rec->label_name[k], lname[k]);
        d = put_str(d, rec->label_value[k], lval[k]);
    }
    put_str(d, text_len ? rec->text : "", text_len);
    pt->len += h->size;
    return SAYDO_OK;
}

static saydo_status pack_bad(ingest_part_t *pt, const saydo_bad_t *bad)
{
    size_t rlen = strlen(bad->reason);
    size_t keep = bad->raw ? (bad->raw_len < RAW_KEEP ? bad->raw_len : RAW_KEEP) : 0;
    size_t need = sizeof(ent_head_t) + rlen + 1 + keep + 1;
    saydo_status st = part_reserve(pt, pad8(need));
    if (st < 0) return st;
    ent_head_t *h = (ent_head_t *)(pt->buf + pt->len);
    memset(h, 0, sizeof *h);
    h->size = (uint32_t)pad8(need);
    h->kind = ENT_BAD;
    h->line = bad->line;
    h->has_map = bad->raw != NULL;       /* for a bad entry: whether raw bytes were given */
    h->text_len = (uint32_t)keep;
    h->raw_len = bad->raw ? bad->raw_len : 0;
    char *d = put_str((char *)(h + 1), bad->reason, rlen);
    put_str(d, keep ? bad->raw : "", keep);
    pt->len += h->size;
    return SAYDO_OK;
}

int ingest_part_next(const ingest_part_t *pt, size_t *off, saydo_record_t *rec, saydo_bad_t *bad)
{
    if (*off >= pt->len) return 0;
    const ent_head_t *h = (const ent_head_t *)(pt->buf + *off);
    const char *d = (const char *)(h + 1);
    *off += h->size;
    if (h->kind == ENT_BAD) {
        bad->line = h->line;
        bad->reason = d;
        d += strlen(d) + 1;
        bad->raw = h->has_map ? d : NULL;
        bad->raw_len = h->has_map ? (size_t)h->raw_len : 0;
        return 2;
    }
    rec->line = h->line;
    rec->trial = h->trial;
    rec->choice = h->choice;
    rec->n_options = h->n_options;
    rec->round = h->round;
    rec->n_logp = h->n_logp;
    memcpy(rec->logp, d, (size_t)h->n_logp * sizeof(double));
    d += (size_t)h->n_logp * sizeof(double);
    rec->has_option_map = h->has_map;
    if (h->has_map) {
        memcpy(rec->option_map, d, SAYDO_MAX_OPTIONS);
        d += SAYDO_MAX_OPTIONS;
    }
    const char **fixed[N_FIXED] = {&rec->model, &rec->condition, &rec->item, &rec->side, &rec->variant,
                                   &rec->domain, &rec->method, &rec->trained_side};
    for (int f = 0; f < N_FIXED; f++) {
        if (h->strmask >> f & 1) {
            *fixed[f] = d;
            d += strlen(d) + 1;
        } else *fixed[f] = NULL;
    }
    rec->n_labels = h->n_labels;
    for (int k = 0; k < h->n_labels; k++) {
        rec->label_name[k] = d;
        d += strlen(d) + 1;
        rec->label_value[k] = d;
        d += strlen(d) + 1;
    }
    rec->text = h->text_len ? d : NULL;
    rec->text_len = h->text_len;
    return 1;
}

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
    const char *path, *map;
    uint64_t size, chunk;
    int64_t next_chunk, n_chunks;
    saydo_read_opts_t ropts;
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

/* Gives the pages of a scanned range back (they are the page cache's; this
 * only unmaps them), so resident memory stays bounded on a file of any size. */
static void release_pages(const ingest_pipe_t *p, uint64_t b, uint64_t e)
{
    uint64_t pg = (uint64_t)sysconf(_SC_PAGESIZE);
    uint64_t from = (b + pg - 1) / pg * pg, to = e / pg * pg;
    if (to > from) madvise((void *)(p->map + from), (size_t)(to - from), MADV_DONTNEED);
}

/* Offset of the first newline in [from, to), or UINT64_MAX; scans in windows and
 * drops the pages behind it, as a single line may be far longer than memory. */
static uint64_t next_newline(const ingest_pipe_t *p, uint64_t from, uint64_t to)
{
    const uint64_t window = (uint64_t)8 << 20;
    while (from < to) {
        uint64_t n = to - from < window ? to - from : window;
        const char *nl = memchr(p->map + from, '\n', (size_t)n);
        if (nl) return (uint64_t)(nl - p->map);
        release_pages(p, from, from + n);
        from += n;
    }
    return UINT64_MAX;
}

/* Lines that start in [i*chunk, (i+1)*chunk): from just after the first
 * newline at or after i*chunk - 1, through the newline that ends the line
 * holding byte (i+1)*chunk - 1. Only the range itself is searched for the
 * start, so a line longer than many ranges costs one scan, not one per range. */
static void chunk_bounds(const ingest_pipe_t *p, int64_t i, uint64_t *b, uint64_t *e)
{
    uint64_t lo = (uint64_t)i * p->chunk, hi = lo + p->chunk < p->size ? lo + p->chunk : p->size;
    uint64_t start = 0;
    if (lo > 0) {
        uint64_t nl = next_newline(p, lo - 1, hi - 1);
        if (nl == UINT64_MAX) {   /* no line starts in this range */
            *b = *e = hi;
            return;
        }
        start = nl + 1;
    }
    uint64_t nl = next_newline(p, hi - 1, p->size);
    *b = start;
    *e = nl == UINT64_MAX ? p->size : nl + 1;
    if (*e < *b) *e = *b;
}

static void *jsonl_worker(void *arg)
{
    ingest_pipe_t *p = arg;
    saydo_jsonl_chunk_t *c = NULL;
    saydo_record_t rec;
    saydo_status cst = saydo_jsonl_chunk_create(p->path, &p->ropts, &c);
    if (cst == SAYDO_OK) saydo_jsonl_chunk_set_mapped(c, 1);
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
        uint64_t b, e;
        chunk_bounds(p, i, &b, &e);
        saydo_jsonl_chunk_reset(c, p->map + b, (size_t)(e - b), b == 0);
        saydo_status st;
        while ((st = saydo_jsonl_chunk_next(c, &rec)) != SAYDO_EOF) {
            if (st == SAYDO_OK) st = pack_record(pt, &rec);
            else if (st == SAYDO_E_PARSE) st = pack_bad(pt, saydo_jsonl_chunk_bad(c));
            if (st < 0) break;
        }
        pt->lines = saydo_jsonl_chunk_lines(c);
        pt->bytes_end = e;
        if (st < 0) part_fail(pt, st);
        release_pages(p, b, e);
        publish(p, pt);
        if (st < 0) break;
    }
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
            if (st == SAYDO_OK) st = pack_record(pt, &rec);
            else if (st == SAYDO_E_PARSE) st = pack_bad(pt, saydo_reader_bad(p->rd));
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

saydo_status ingest_pipe_start_jsonl(const char *path, const char *map, uint64_t size, const saydo_read_opts_t *ro,
                                     int threads, uint64_t chunk, ingest_pipe_t **out)
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
    p->map = map;
    p->size = size;
    p->chunk = chunk;
    p->n_chunks = n_chunks;
    if (ro) p->ropts = *ro;
    p->ropts.format = "jsonl";
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
    pthread_cond_destroy(&p->cv_free);
    pthread_cond_destroy(&p->cv_ready);
    pthread_mutex_destroy(&p->mu);
    free(p);
}
