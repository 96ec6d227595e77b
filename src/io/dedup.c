#define _GNU_SOURCE   /* O_TMPFILE */
/* Duplicate detection on disk, for a writer in deferred mode (h5keys.c):
 * at commit, the new rows [rows_committed, rows) were appended unchecked and
 * a key table for all rows would not fit the key budget.
 *
 * One pass over the key columns of the shadow, a chunk at a time, writes
 * (key, row) entries to P temporary files by a hash of the key, P chosen so
 * one file's keys fit a table within the budget. Each file, read back in row
 * order, goes through a key table of its own: a new row whose key an
 * earlier row has is a duplicate (the first occurrence wins, as in the
 * in-memory path; committed rows are never dropped, even the duplicates an
 * old store may hold). The duplicates are marked in a bitmap over the new
 * rows (1 bit a row: 1.5 MB for 12M rows), then removed from the shadow
 * (h5compact.c) and from the pending sources' counts.
 *
 * The temporary files are created unlinked (O_TMPFILE, else mkstemp +
 * unlink at once) in the store's directory, not in TMPDIR, which is often
 * RAM: a kill or an error leaves nothing behind. Entries take 24 bytes a
 * row of the store.
 *
 * What may differ from the in-memory path: there a duplicate is dropped
 * before its item and condition facts and option map are noted; here they
 * were noted at add. A duplicate that repeats its first occurrence's facts
 * (the sane case, and every test's) changes nothing. One that brings facts
 * the first lacked sets them (an item's domain or label, a condition's
 * method, round or trained side, a larger n_options), its option map stays
 * in /option_maps unused, and more logprobs than any stored row widen
 * /records/logp (NaN columns). */
#include <errno.h>
#include <fcntl.h>
#include <libgen.h>
#include <signal.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include "io/store_impl.h"
#include "util/try.h"

typedef struct entry {
    saydo_key_t key;
    int64_t row;
} entry_t;

typedef struct part {
    int fd;
    entry_t *buf;
    size_t n;                      /* entries in buf */
    int64_t count;                 /* entries written */
} part_t;

typedef struct pass {
    const char *path;              /* the store, for messages */
    part_t *part;
    size_t P, buf_cap;
    int64_t first;                 /* the first new row */
    uint64_t *drop;                /* bit i: row first + i is a duplicate */
} pass_t;

enum { MAX_PARTS = 256 };   /* past it a partition outgrows the budget rather than open more files */

/* Crash tests stop the pass at exact points (SAYDO_TEST_KILL_AT, as h5writer.c). */
static void test_kill_at(const char *point)
{
    const char *k = getenv("SAYDO_TEST_KILL_AT");
    if (k && strcmp(k, point) == 0) raise(SIGKILL);
}

/* The partition of a key. rowkeys_hash() places items that differ only in
 * their 3 low bits side by side; hashing without those bits keeps them in
 * one partition, so each partition's table keeps that locality. */
static size_t part_of(saydo_key_t k, size_t P)
{
    saydo_key_t lump = {k.hi, k.lo & ~(7ull << 32)};
    return (size_t)(((saydo_key_hash(lump) >> 32) * P) >> 32);
}

static saydo_status temp_file(const char *store, int *fd)
{
    saydo_status st = SAYDO_OK;
    char *copy = strdup(store), *tmpl = NULL;
    SAYDO_FAIL_IF(!copy, SAYDO_E_NOMEM, "out of memory");
    const char *dir = dirname(copy);
    *fd = open(dir, O_TMPFILE | O_RDWR | O_CLOEXEC, 0600);
    if (*fd >= 0) goto cleanup;
    size_t n = strlen(dir) + 32;   /* a file system without O_TMPFILE */
    tmpl = malloc(n);
    SAYDO_FAIL_IF(!tmpl, SAYDO_E_NOMEM, "out of memory");
    snprintf(tmpl, n, "%s/.saydo-dedup-XXXXXX", dir);
    *fd = mkstemp(tmpl);
    SAYDO_FAIL_IF(*fd < 0, SAYDO_E_IO, "%s: cannot create a temporary file: %s", tmpl, strerror(errno));
    unlink(tmpl);
cleanup:
    free(copy);
    free(tmpl);
    return st;
}

static saydo_status write_all(int fd, const void *p, size_t n, const char *path)
{
    for (const char *c = p; n;) {
        ssize_t m = write(fd, c, n);
        if (m < 0 && errno == EINTR) continue;
        if (m <= 0)
            return saydo_set_error(SAYDO_E_IO, "%s: writing a temporary file of the duplicate check failed: %s",
                                   path, m < 0 ? strerror(errno) : "short write");
        c += m;
        n -= (size_t)m;
    }
    return SAYDO_OK;
}

static saydo_status part_flush(pass_t *ps, part_t *p)
{
    saydo_status st = write_all(p->fd, p->buf, p->n * sizeof(entry_t), ps->path);
    p->count += (int64_t)p->n;
    p->n = 0;
    return st;
}

static saydo_status spill_cb(void *ctx, const saydo_key_t *keys, int64_t first, size_t n)
{
    saydo_status st = SAYDO_OK;
    pass_t *ps = ctx;
    for (size_t i = 0; i < n; i++) {
        part_t *p = &ps->part[part_of(keys[i], ps->P)];
        p->buf[p->n++] = (entry_t){keys[i], first + (int64_t)i};
        if (p->n == ps->buf_cap) SAYDO_TRY(part_flush(ps, p));
    }
cleanup:
    return st;
}

/* One partition: its keys in row order through a table; a new row whose key
 * is there already is marked. Returns the number marked through *n_drop. */
static saydo_status part_scan(pass_t *ps, part_t *p, entry_t *buf, int64_t *n_drop)
{
    enum { AHEAD = 16 };
    saydo_status st = SAYDO_OK;
    rowkeys_t t;
    uint64_t h[AHEAD];
    rowkeys_init(&t);
    SAYDO_TRY(rowkeys_reserve(&t, (size_t)p->count));
    SAYDO_FAIL_IF(lseek(p->fd, 0, SEEK_SET) < 0, SAYDO_E_IO, "%s: temporary file: %s", ps->path, strerror(errno));
    for (int64_t done = 0; done < p->count;) {
        size_t want = p->count - done < (int64_t)ps->buf_cap ? (size_t)(p->count - done) : ps->buf_cap, got = 0;
        while (got < want * sizeof(entry_t)) {
            ssize_t m = read(p->fd, (char *)buf + got, want * sizeof(entry_t) - got);
            if (m < 0 && errno == EINTR) continue;
            SAYDO_FAIL_IF(m <= 0, SAYDO_E_IO, "%s: reading a temporary file of the duplicate check failed: %s",
                          ps->path, m < 0 ? strerror(errno) : "short file");
            got += (size_t)m;
        }
        for (size_t b = 0; b < want; b += AHEAD) {
            size_t m = want - b < AHEAD ? want - b : AHEAD;
            for (size_t i = 0; i < m; i++) {
                h[i] = rowkeys_hash(buf[b + i].key);
                rowkeys_prefetch(&t, h[i]);
            }
            for (size_t i = 0; i < m; i++) {
                const entry_t *e = &buf[b + i];
                if (rowkeys_insert(&t, e->key, h[i]) && e->row >= ps->first) {
                    int64_t r = e->row - ps->first;
                    ps->drop[r >> 6] |= 1ull << (r & 63);
                    (*n_drop)++;
                }
            }
        }
        done += (int64_t)want;
    }
cleanup:
    rowkeys_free(&t);
    return st;
}

/* Partitions for n rows: each one's table (16 bytes a slot, load 0.75,
 * ~10% spare for an uneven split) within the budget. */
static size_t n_parts(int64_t n, size_t budget)
{
    const char *e = getenv("SAYDO_DEDUP_PARTITIONS");   /* tests: force several */
    long forced = e ? strtol(e, NULL, 10) : 0;
    double per = (double)budget / sizeof(saydo_key_t) * 0.75 / 1.1;
    double P = forced > 0 ? (double)forced : (double)n / (per > 1024 ? per : 1024) + 1;
    return P > MAX_PARTS ? MAX_PARTS : (size_t)P;
}

/* Bits set in drop[0, n) (n in rows from the first new row). */
static int64_t dropped_before(const uint64_t *drop, int64_t n)
{
    int64_t c = 0, i = 0;
    for (; i + 64 <= n; i += 64) c += __builtin_popcountll(drop[i >> 6]);
    if (i < n) c += __builtin_popcountll(drop[i >> 6] & ((1ull << (n - i)) - 1));
    return c;
}

saydo_status saydo_writer_dedup(saydo_writer_t *w)
{
    saydo_status st = SAYDO_OK;
    pass_t ps = {.path = w->path, .first = w->rows_committed};
    entry_t *rbuf = NULL;
    int64_t n_new = w->rows - w->rows_committed, n_drop = 0;
    w->late_dups = 0;
    if (w->keys_mode != KEYS_DEFERRED || n_new <= 0) return SAYDO_OK;
    ps.P = n_parts(w->rows, w->key_budget);
    /* the write buffers take at most a quarter of the budget */
    ps.buf_cap = w->key_budget / 4 / ps.P / sizeof(entry_t);
    ps.buf_cap = ps.buf_cap < 256 ? 256 : ps.buf_cap > 8192 ? 8192 : ps.buf_cap;
    SAYDO_NEW(ps.drop, ((size_t)n_new + 63) / 64);
    SAYDO_NEW(ps.part, ps.P);
    for (size_t i = 0; i < ps.P; i++) ps.part[i].fd = -1;
    for (size_t i = 0; i < ps.P; i++) {
        SAYDO_TRY(temp_file(w->path, &ps.part[i].fd));
        SAYDO_NEW(ps.part[i].buf, ps.buf_cap);
    }
    SAYDO_TRY(saydo_writer_scan_keys(w, 0, w->rows, spill_cb, &ps));
    for (size_t i = 0; i < ps.P; i++) {
        SAYDO_TRY(part_flush(&ps, &ps.part[i]));
        free(ps.part[i].buf);   /* one read buffer from here on */
        ps.part[i].buf = NULL;
    }
    test_kill_at("dedup-scan");
    SAYDO_NEW(rbuf, ps.buf_cap);
    for (size_t i = 0; i < ps.P; i++) {
        SAYDO_TRY(part_scan(&ps, &ps.part[i], rbuf, &n_drop));
        close(ps.part[i].fd);   /* frees its disk space now */
        ps.part[i].fd = -1;
    }
    if (n_drop) {
        const int64_t first = w->rows_committed;
        SAYDO_TRY(h5_compact_rows(w->g_rec, first, &w->rows, &w->text_total, ps.drop));
        test_kill_at("dedup-compact");
        for (size_t i = 0; i < w->n_pending; i++) {   /* sources added since the last commit: rows >= first */
            pending_source_t *p = &w->pending[i];
            int64_t s = p->row_start > first ? p->row_start - first : 0, e = p->row_end - first;
            if (e > n_new) e = n_new;
            if (e < s) e = s;
            int64_t ds = dropped_before(ps.drop, s), de = dropped_before(ps.drop, e);
            p->duplicates += de - ds;
            p->row_start -= ds;
            p->row_end -= de;
        }
    }
    w->late_dups = n_drop;
cleanup:
    for (size_t i = 0; ps.part && i < ps.P; i++) {
        if (ps.part[i].fd >= 0) close(ps.part[i].fd);
        free(ps.part[i].buf);
    }
    free(ps.part);
    free(ps.drop);
    free(rbuf);
    return st;
}
