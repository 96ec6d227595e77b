/* One rank's share of an MPI ingest (ingest_mpi.h): its files parsed into
 * compact columns of file-local dictionary codes, and the message that
 * tells rank 0 what the codes stand for.
 *
 * Parsing is the serial ingest's (the same pipe, parts and parse threads);
 * what is kept of a record is what the writer uses of it: the key (model,
 * condition, item, side, trial, variant) as local codes, the answer columns,
 * the log-probabilities as float32, the text, and one "fact" index for what
 * the writer notes about the item and the condition and the option map
 * (records of one item and condition share it). The order in which the
 * serial ingest hands records to the writer in batches is recorded too
 * (bstart): the writer's side dictionary takes a batch's sides before the
 * trained sides of its records, and rank 0 replays that order exactly. */
#include <fcntl.h>
#include <math.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <time.h>
#include <xxhash.h>
#include "core/ingest_mpi.h"
#include "io/reader_impl.h"   /* saydo_reader_meta_json, n_meta */
#include "util/try.h"

enum { ADD_BATCH = 64 };   /* records a serial ingest hands to saydo_writer_add_many() at a time (ingest.c) */

static double now_seconds(void)
{
    struct timespec ts;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    return (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
}

static uint64_t chunk_bytes(void)   /* as ingest.c: SAYDO_INGEST_CHUNK, default 4 MiB */
{
    const char *c = getenv("SAYDO_INGEST_CHUNK");
    long long v = c ? strtoll(c, NULL, 10) : 0;
    return v > 0 ? (uint64_t)v : (uint64_t)4 << 20;
}

/* ---- dictionaries and facts ------------------------------------------- */

/* Code of s: the two last values, then the code after the last one (logs
 * list items in the same order again for every model and condition, as the
 * serial writer's dict_code() notes), then the hash map. */
static saydo_status dict_code(mpi_dict_t *d, const char *s, int32_t *code)
{
    for (int k = 0; k < 2; k++)
        if (d->last[k] && strcmp(d->last[k], s) == 0) {
            *code = d->code[k];
            return SAYDO_OK;
        }
    saydo_status st = SAYDO_OK;
    int32_t next = d->last[0] ? d->code[0] + 1 : -1;
    if (next >= 0 && (size_t)next < d->m.n && strcmp(d->m.str[next], s) == 0) *code = next;
    else st = saydo_strmap_put(&d->m, s, code, NULL);
    if (st < 0) return st;
    d->last[1] = d->last[0];
    d->code[1] = d->code[0];
    d->last[0] = d->m.str[*code];
    d->code[0] = *code;
    return SAYDO_OK;
}

static saydo_status opt_code(mpi_dict_t *d, const char *s, int32_t *code)
{
    if (!s) {
        *code = -1;
        return SAYDO_OK;
    }
    return dict_code(d, s, code);
}

static uint64_t fact_hash(const mpi_fact_t *k) { return XXH3_64bits(k, sizeof *k); }

static saydo_status fact_grow_slots(mpi_file_t *f)
{
    size_t n = f->n_fslot ? f->n_fslot * 2 : 64;
    int32_t *slot = calloc(n, sizeof *slot);
    if (!slot) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    for (size_t i = 0; i < f->n_facts; i++) {
        size_t h = (size_t)fact_hash(&f->facts[i]) & (n - 1);
        while (slot[h]) h = (h + 1) & (n - 1);
        slot[h] = (int32_t)i + 1;
    }
    free(f->fslot);
    f->fslot = slot;
    f->n_fslot = n;
    return SAYDO_OK;
}

/* Index of fact k in the file's table, adding it when new. */
static saydo_status fact_code(mpi_file_t *f, const mpi_fact_t *k, int32_t *code)
{
    if (f->last_fact >= 0 && memcmp(&f->facts[f->last_fact], k, sizeof *k) == 0) {
        *code = f->last_fact;
        return SAYDO_OK;
    }
    if ((f->n_facts + 1) * 2 > f->n_fslot) {
        saydo_status st = fact_grow_slots(f);
        if (st < 0) return st;
    }
    size_t h = (size_t)fact_hash(k) & (f->n_fslot - 1);
    for (; f->fslot[h]; h = (h + 1) & (f->n_fslot - 1))
        if (memcmp(&f->facts[f->fslot[h] - 1], k, sizeof *k) == 0) {
            *code = f->last_fact = f->fslot[h] - 1;
            return SAYDO_OK;
        }
    if (f->n_facts == f->cap_facts) {
        size_t nc = f->cap_facts ? f->cap_facts * 2 : 16;
        mpi_fact_t *nf = realloc(f->facts, nc * sizeof *nf);
        if (!nf) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        f->facts = nf;
        f->cap_facts = nc;
    }
    f->facts[f->n_facts] = *k;
    f->fslot[h] = (int32_t)(f->n_facts + 1);
    *code = f->last_fact = (int32_t)f->n_facts++;
    return SAYDO_OK;
}

static saydo_status record_fact(mpi_file_t *f, const saydo_record_t *rec, int32_t *code)
{
    saydo_status st = SAYDO_OK;
    mpi_fact_t k;
    memset(&k, 0, sizeof k);
    int n_labels = rec->n_labels < 0 ? 0 : rec->n_labels > SAYDO_MAX_LABELS ? SAYDO_MAX_LABELS : rec->n_labels;
    SAYDO_TRY(opt_code(&f->fstr, rec->domain, &k.domain));
    SAYDO_TRY(opt_code(&f->fstr, rec->method, &k.method));
    SAYDO_TRY(opt_code(&f->fstr, rec->trained_side, &k.trained_side));
    k.round = rec->round;
    k.n_options = rec->n_options;
    k.n_labels = n_labels;
    for (int l = 0; l < n_labels; l++) {
        SAYDO_TRY(dict_code(&f->fstr, rec->label_name[l], &k.label_name[l]));
        SAYDO_TRY(dict_code(&f->fstr, rec->label_value[l], &k.label_value[l]));
    }
    k.has_map = rec->has_option_map != 0;
    if (k.has_map) memcpy(k.map, rec->option_map, SAYDO_MAX_OPTIONS);
    SAYDO_TRY(fact_code(f, &k, code));
cleanup:
    return st;
}

/* ---- the rank's columns ------------------------------------------------ */

static saydo_status cols_reserve(mpi_cols_t *c, size_t need)
{
    if (need <= c->cap) return SAYDO_OK;
    size_t nc = c->cap ? c->cap : 4096;
    while (nc < need) nc *= 2;
    void **arrs[] = {(void **)&c->key[0], (void **)&c->key[1], (void **)&c->key[2], (void **)&c->key[3],
                     (void **)&c->key[4], (void **)&c->trial, (void **)&c->fact, (void **)&c->choice,
                     (void **)&c->n_options, (void **)&c->n_logp};
    const size_t esz[] = {4, 4, 4, 4, 4, 4, 4, 1, 1, 1};
    for (size_t a = 0; a < sizeof esz / sizeof esz[0]; a++) {
        void *p = realloc(*arrs[a], nc * esz[a]);
        if (!p) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        *arrs[a] = p;
    }
    if (c->kw) {
        float *lp = realloc(c->logp, nc * (size_t)c->kw * sizeof *lp);
        if (!lp) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        c->logp = lp;
    }
    if (c->text_len) {
        int32_t *tl = realloc(c->text_len, nc * sizeof *tl);
        if (!tl) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        c->text_len = tl;
    }
    c->cap = nc;
    return SAYDO_OK;
}

/* Rows of k log-probabilities instead of kw (k > kw): spread the rows from
 * the last one back, new cells NaN, as the serial writer widens its buffer. */
static saydo_status cols_widen(mpi_cols_t *c, int k)
{
    float *lp = realloc(c->logp, (c->cap ? c->cap : 1) * (size_t)k * sizeof *lp);
    if (!lp) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    const size_t from = (size_t)c->kw, to = (size_t)k;
    for (size_t i = c->n; i-- > 0;) {
        memmove(lp + i * to, lp + i * from, from * sizeof *lp);
        for (size_t j = from; j < to; j++) lp[i * to + j] = NAN;
    }
    c->logp = lp;
    c->kw = k;
    return SAYDO_OK;
}

saydo_status mpi_cols_logp_width(mpi_cols_t *c, int k)
{
    const size_t from = (size_t)c->kw, to = (size_t)k;
    if (to == from) return SAYDO_OK;
    if (to < from) {   /* cells past every stored record's n_logp: NaN, dropped */
        for (size_t i = 0; i < c->n; i++) memmove(c->logp + i * to, c->logp + i * from, to * sizeof *c->logp);
        c->kw = k;
        return SAYDO_OK;
    }
    return cols_widen(c, k);
}

static saydo_status add_record(mpi_cols_t *c, mpi_file_t *f, const saydo_record_t *rec)
{
    saydo_status st = SAYDO_OK;
    /* the serial writer refuses such a record the same way (encode() in h5writer.c) */
    SAYDO_FAIL_IF(!rec->model || !rec->item || !rec->side, SAYDO_E_INVAL, "a record needs a model, an item and a side");
    SAYDO_TRY(cols_reserve(c, c->n + 1));
    const size_t i = c->n;
    SAYDO_TRY(dict_code(&f->dict[0], rec->model, &c->key[0][i]));
    SAYDO_TRY(dict_code(&f->dict[1], rec->condition ? rec->condition : "base", &c->key[1][i]));
    SAYDO_TRY(dict_code(&f->dict[2], rec->item, &c->key[2][i]));
    SAYDO_TRY(dict_code(&f->dict[3], rec->side, &c->key[3][i]));
    SAYDO_TRY(dict_code(&f->dict[4], rec->variant ? rec->variant : "", &c->key[4][i]));
    SAYDO_TRY(record_fact(f, rec, &c->fact[i]));
    c->trial[i] = rec->trial;
    c->choice[i] = (int8_t)rec->choice;
    c->n_options[i] = (int8_t)rec->n_options;
    int n_logp = rec->n_logp < 0 ? 0 : rec->n_logp > SAYDO_MAX_OPTIONS ? SAYDO_MAX_OPTIONS : rec->n_logp;
    c->n_logp[i] = (int8_t)n_logp;
    if (n_logp > c->kw) SAYDO_TRY(cols_widen(c, n_logp));
    float *lp = c->logp + i * (size_t)c->kw;
    for (int k = 0; k < c->kw; k++) lp[k] = k < n_logp ? (float)rec->logp[k] : NAN;
    size_t tl = rec->text && rec->text_len ? rec->text_len : 0;
    SAYDO_FAIL_IF(tl > INT32_MAX, SAYDO_E_DOMAIN, "a response text longer than 2 GiB");
    if (tl && !c->text_len) {
        c->text_len = calloc(c->cap, sizeof *c->text_len);
        SAYDO_FAIL_IF(!c->text_len, SAYDO_E_NOMEM, "out of memory");
    }
    if (c->text_len) c->text_len[i] = (int32_t)tl;
    if (tl) {
        if (c->text_n + tl > c->text_cap) {
            size_t nc = c->text_cap ? c->text_cap : 1 << 20;
            while (nc < c->text_n + tl) nc *= 2;
            char *nt = realloc(c->text, nc);
            SAYDO_FAIL_IF(!nt, SAYDO_E_NOMEM, "out of memory");
            c->text = nt;
            c->text_cap = nc;
        }
        memcpy(c->text + c->text_n, rec->text, tl);
        c->text_n += tl;
    }
    c->n++;
cleanup:
    return st;
}

static saydo_status push_bstart(mpi_file_t *f, int32_t at)
{
    if (f->n_bstart == f->cap_bstart) {
        size_t nc = f->cap_bstart ? f->cap_bstart * 2 : 256;
        int32_t *nb = realloc(f->bstart, nc * sizeof *nb);
        if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        f->bstart = nb;
        f->cap_bstart = nc;
    }
    f->bstart[f->n_bstart++] = at;
    return SAYDO_OK;
}

/* As start_pipe() in ingest.c: a regular JSONL file is parsed in byte ranges
 * on `threads` threads, anything else by one reader thread. */
static saydo_status open_pipe(const char *path, const saydo_ingest_opts_t *o, int threads, ingest_pipe_t **pipe,
                              mpi_file_t *f, uint64_t *size)
{
    saydo_status st = SAYDO_OK;
    saydo_reader_t *rd = NULL;
    struct stat sb;
    SAYDO_TRY(saydo_reader_open(path, &o->read, &rd));
    if (rd->n_meta) SAYDO_TRY(saydo_reader_meta_json(rd, &f->meta));   /* what the file says about itself */
    f->format = saydo_reader_format(rd);
    *size = saydo_reader_size(rd);
    if (strcmp(f->format, "jsonl") == 0 && stat(path, &sb) == 0 && S_ISREG(sb.st_mode) && sb.st_size > 0) {
        *size = (uint64_t)sb.st_size;
        saydo_reader_free(rd);
        rd = NULL;
        SAYDO_TRY(ingest_pipe_start_jsonl(path, *size, &o->read, threads, chunk_bytes(), pipe));
        goto cleanup;
    }
    st = ingest_pipe_start_reader(rd, pipe);
    rd = NULL;
cleanup:
    saydo_reader_free(rd);
    return st;
}

saydo_status mpi_parse_file(const char *store, const char *path, const saydo_ingest_opts_t *o, int threads,
                            mpi_cols_t *c, mpi_file_t *f)
{
    saydo_status st = SAYDO_OK;
    ingest_pipe_t *pipe = NULL;
    ingest_part_t *pt = NULL;
    FILE *qf = NULL;
    saydo_record_t rec;
    saydo_bad_t bad;
    uint64_t size = 0, done = 0;
    double t0 = now_seconds();
    int64_t line_base = 0;
    int group = 0;   /* records of the current add batch (ingest.c hands 64 at most, cut at bad lines and part ends) */
    f->r0 = f->r1 = c->n;
    f->t0 = f->t1 = c->text_n;
    f->last_fact = -1;
    memset(&bad, 0, sizeof bad);
    bad.file = path;
    qf = open_memstream(&f->quar, &f->quar_len);
    SAYDO_FAIL_IF(!qf, SAYDO_E_NOMEM, "out of memory");
    SAYDO_TRY(open_pipe(path, o, threads, &pipe, f, &size));
    for (;;) {
        SAYDO_TRY(ingest_pipe_next(pipe, &pt));
        if (!pt) break;
        size_t off = 0;
        int kind;
        while ((kind = ingest_part_next(pt, &off, &rec, &bad)) != 0) {
            if (kind == 1) {
                if (pt->rel_lines) rec.line += line_base;
                if (group == 0) SAYDO_TRY(push_bstart(f, (int32_t)(c->n - f->r0)));
                SAYDO_TRY(add_record(c, f, &rec));
                if (++group == ADD_BATCH) group = 0;
                continue;
            }
            group = 0;
            if (pt->rel_lines) bad.line += line_base;
            SAYDO_FAIL_IF(o->strict, SAYDO_E_PARSE, "%s:%lld: %s (--strict: stopping; under mpirun nothing of this ingest is stored)",
                          path, (long long)bad.line, bad.reason);
            f->quarantined++;
            SAYDO_TRY(ingest_quarantine(&qf, store, &bad));
        }
        group = 0;
        line_base += pt->lines;
        done = pt->bytes_end;
        ingest_pipe_release(pipe, pt);
        pt = NULL;
    }
    SAYDO_FAIL_IF(c->n - f->r0 > INT32_MAX, SAYDO_E_DOMAIN, "%s: more than 2^31 records in one file", path);
    f->r1 = c->n;
    f->t1 = c->text_n;
    f->lines = line_base;
    f->bytes = done > size ? done : size;
    f->blank = strcmp(f->format, "jsonl") == 0 ? f->lines - (int64_t)(f->r1 - f->r0) - f->quarantined : 0;
    f->seconds = now_seconds() - t0;
    if (f->seconds <= 0) f->seconds = 1e-9;
cleanup:
    if (pt) ingest_pipe_release(pipe, pt);
    ingest_pipe_free(pipe);
    if (qf && fclose(qf) != 0 && st == SAYDO_OK) st = saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    return st;
}

static void dict_free(mpi_dict_t *d) { saydo_strmap_free(&d->m); }

void mpi_file_free(mpi_file_t *f)
{
    if (!f) return;
    for (int k = 0; k < MPI_KEYS; k++) dict_free(&f->dict[k]);
    dict_free(&f->fstr);
    free(f->facts);
    free(f->fslot);
    free(f->bstart);
    free(f->meta);
    free(f->quar);
    memset(f, 0, sizeof *f);
}

void mpi_cols_free(mpi_cols_t *c)
{
    if (!c) return;
    for (int k = 0; k < MPI_KEYS; k++) free(c->key[k]);
    free(c->trial); free(c->fact); free(c->choice); free(c->n_options); free(c->n_logp);
    free(c->logp); free(c->text_len); free(c->text);
    memset(c, 0, sizeof *c);
}

/* ---- messages ---------------------------------------------------------- */

saydo_status mpi_buf_put(mpi_buf_t *b, const void *data, size_t n)
{
    if (b->len + n > b->cap) {
        size_t nc = b->cap ? b->cap : 4096;
        while (nc < b->len + n) nc *= 2;
        char *np = realloc(b->p, nc);
        if (!np) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        b->p = np;
        b->cap = nc;
    }
    if (n) memcpy(b->p + b->len, data, n);
    b->len += n;
    return SAYDO_OK;
}

saydo_status mpi_buf_put_u64(mpi_buf_t *b, uint64_t v) { return mpi_buf_put(b, &v, sizeof v); }

saydo_status mpi_buf_put_str(mpi_buf_t *b, const char *s)
{
    if (!s) s = "";
    return mpi_buf_put(b, s, strlen(s) + 1);
}

const void *mpi_buf_get(mpi_buf_t *b, size_t n)
{
    if (b->bad || n > b->len - b->pos) {
        b->bad = 1;
        return NULL;
    }
    const void *p = b->p + b->pos;
    b->pos += n;
    return p;
}

uint64_t mpi_buf_get_u64(mpi_buf_t *b)
{
    uint64_t v = 0;
    const void *p = mpi_buf_get(b, sizeof v);
    if (p) memcpy(&v, p, sizeof v);
    return v;
}

const char *mpi_buf_get_str(mpi_buf_t *b)
{
    if (b->bad || b->pos >= b->len) {
        b->bad = 1;
        return "";
    }
    const char *s = b->p + b->pos;
    const char *nul = memchr(s, '\0', b->len - b->pos);
    if (!nul) {
        b->bad = 1;
        return "";
    }
    b->pos += (size_t)(nul - s) + 1;
    return s;
}

void mpi_buf_free(mpi_buf_t *b)
{
    free(b->p);
    memset(b, 0, sizeof *b);
}

static saydo_status put_dict(mpi_buf_t *b, const saydo_strmap_t *m)
{
    saydo_status st = mpi_buf_put_u64(b, m->n);
    for (size_t i = 0; st == SAYDO_OK && i < m->n; i++) st = mpi_buf_put_str(b, m->str[i]);
    return st;
}

saydo_status mpi_file_pack(const mpi_file_t *f, const mpi_cols_t *c, mpi_buf_t *b)
{
    saydo_status st = SAYDO_OK;
    b->len = b->pos = 0;
    b->bad = 0;
    SAYDO_TRY(mpi_buf_put_u64(b, f->r1 - f->r0));
    SAYDO_TRY(mpi_buf_put_u64(b, c->text_len != NULL));
    for (int k = 0; k < MPI_KEYS; k++) SAYDO_TRY(put_dict(b, &f->dict[k].m));
    SAYDO_TRY(put_dict(b, &f->fstr.m));
    SAYDO_TRY(mpi_buf_put_u64(b, f->n_facts));
    SAYDO_TRY(mpi_buf_put(b, f->facts, f->n_facts * sizeof *f->facts));
    SAYDO_TRY(mpi_buf_put_u64(b, f->n_bstart));
    SAYDO_TRY(mpi_buf_put(b, f->bstart, f->n_bstart * sizeof *f->bstart));
    SAYDO_TRY(mpi_buf_put_str(b, f->format));
    SAYDO_TRY(mpi_buf_put_u64(b, f->meta != NULL));
    SAYDO_TRY(mpi_buf_put_str(b, f->meta));
    int64_t nums[] = {f->lines, (int64_t)f->bytes, f->quarantined, f->blank};
    SAYDO_TRY(mpi_buf_put(b, nums, sizeof nums));
    SAYDO_TRY(mpi_buf_put(b, &f->seconds, sizeof f->seconds));
    SAYDO_TRY(mpi_buf_put_u64(b, f->quar_len));
    SAYDO_TRY(mpi_buf_put(b, f->quar, f->quar_len));
cleanup:
    return st;
}
