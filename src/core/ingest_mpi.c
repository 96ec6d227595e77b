/* `mpirun -n N saydo ingest FILE... -o STORE`: the files split across ranks,
 * one store written by all of them with parallel HDF5 (the steps are in
 * ingest_mpi.h). Without SAYDO_MPI_BUILD there is one rank and this file
 * only says so. */
#include <limits.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/resource.h>
#include <sys/stat.h>
#include <time.h>
#include <unistd.h>
#include "core/ingest_mpi.h"
#include "io/writer_mpi.h"
#include "saydo/par.h"
#include "util/try.h"

#ifndef SAYDO_MPI_BUILD
saydo_status saydo_ingest_files_mpi(const char *store, const char *const *files, int n, const saydo_ingest_opts_t *o,
                                    saydo_ingest_file_t *results)
{
    (void)store; (void)files; (void)n; (void)o; (void)results;
    return saydo_set_error(SAYDO_E_INVAL, "an ingest on several ranks needs the MPI build (cmake -DSAYDO_MPI=ON)");
}
#else
#include <mpi.h>

enum { TAG_META = 7101, TAG_COLS = 7102, TAG_REPLY = 7103 };
enum { PIECE = 1 << 30 };   /* MPI counts are int: large buffers go in pieces */

typedef struct run {
    int rank, size;
    const char *store;
    const char *const *files;
    int n;
    const saydo_ingest_opts_t *o;
    int64_t *fsize;
    int *owner;                      /* rank that parses file i, -1: skipped */
    char (*hash)[33];
    uint8_t *skip;
    mpi_cols_t cols;                 /* this rank's records */
    mpi_file_t *mine;                /* this rank's files, in file order */
    int n_mine;
    /* the rows this rank writes (after the answers) */
    size_t wpos, tpos;               /* compacted records and text bytes */
    int8_t *side8;
    int16_t *omap;
    int64_t *text_end;
    int64_t *row0, *nrows, *text0, *ntext;
    size_t n_ranges;
    /* rank 0 */
    saydo_writer_t *w;
    saydo_ingest_file_t *res;        /* results as they will be after the commit */
    mpi_buf_t quar;                  /* every file's quarantine lines, in file order */
    int k_max;                       /* widest logp row stored by this ingest */
    int64_t rows_start, text_start;  /* the store's rows and text bytes before it */
} run_t;

/* SAYDO_MPI_TIMES=1: each rank prints its seconds and peak memory after
 * each step on stderr (for bench/README.md's figures). */
static void step_done(const run_t *r, const char *step)
{
    static double last, last_cpu;
    static int on = -1;
    if (on < 0) on = getenv("SAYDO_MPI_TIMES") && *getenv("SAYDO_MPI_TIMES") == '1';
    if (!on) return;
    struct timespec ts;
    struct rusage ru;
    clock_gettime(CLOCK_MONOTONIC, &ts);
    getrusage(RUSAGE_SELF, &ru);
    double t = (double)ts.tv_sec + 1e-9 * (double)ts.tv_nsec;
    double cpu = (double)ru.ru_utime.tv_sec + (double)ru.ru_stime.tv_sec +
                 1e-6 * (double)(ru.ru_utime.tv_usec + ru.ru_stime.tv_usec);
    if (last > 0)
        fprintf(stderr, "saydo ingest: rank %d: %-8s %6.2f s (CPU %6.2f s), peak %ld MB\n", r->rank, step, t - last,
                cpu - last_cpu, ru.ru_maxrss / 1024);
    last = t;
    last_cpu = cpu;
}

/* ---- agreement and messages -------------------------------------------------- */

/* Waits for a request without spinning: MPI's blocking calls poll a core
 * at full speed while they wait, and here a rank waits for whole files (the
 * others parsing, rank 0 replaying), on a machine whose other cores may be
 * the parsers'. Checks at most every millisecond. */
static int wait_req(MPI_Request *req)
{
    int done = 0;
    long ns = 20000;
    for (;;) {
        if (MPI_Test(req, &done, MPI_STATUS_IGNORE) != MPI_SUCCESS) return -1;
        if (done) return 0;
        struct timespec ts = {0, ns};
        nanosleep(&ts, NULL);
        if (ns < 1000000) ns *= 2;
    }
}

/* Every rank's status: when any failed, all fail with the message of the
 * failure with the lowest key (the file's place in the list, so the first
 * bad file in order is the one reported, as in a serial ingest). */
static saydo_status agree(const run_t *r, saydo_status st, int key)
{
    struct { int key, rank; } in = {st < 0 ? key : INT_MAX, r->rank}, out;
    MPI_Request req;
    if (MPI_Ibarrier(MPI_COMM_WORLD, &req) == MPI_SUCCESS) wait_req(&req);   /* the slowest rank, without spinning */
    MPI_Allreduce(&in, &out, 1, MPI_2INT, MPI_MINLOC, MPI_COMM_WORLD);
    if (out.key == INT_MAX) return SAYDO_OK;
    char msg[1024] = "";
    int code = st < 0 ? st : SAYDO_E_IO;
    if (r->rank == out.rank) snprintf(msg, sizeof msg, "%s", saydo_last_error());
    MPI_Bcast(msg, (int)sizeof msg, MPI_CHAR, out.rank, MPI_COMM_WORLD);
    MPI_Bcast(&code, 1, MPI_INT, out.rank, MPI_COMM_WORLD);
    return saydo_set_error((saydo_status)code, "%s", msg);
}

static saydo_status send_big(const void *buf, size_t len, int dest, int tag)
{
    const char *p = buf;
    do {
        int c = len > PIECE ? PIECE : (int)len;
        MPI_Request req;
        if (MPI_Isend(p, c, MPI_BYTE, dest, tag, MPI_COMM_WORLD, &req) != MPI_SUCCESS || wait_req(&req) < 0)
            return saydo_set_error(SAYDO_E_IO, "MPI_Send to rank %d failed", dest);
        p += c;
        len -= (size_t)c;
    } while (len);
    return SAYDO_OK;
}

static saydo_status recv_big(void *buf, size_t len, int src, int tag)
{
    char *p = buf;
    do {
        int c = len > PIECE ? PIECE : (int)len;
        MPI_Request req;
        if (MPI_Irecv(p, c, MPI_BYTE, src, tag, MPI_COMM_WORLD, &req) != MPI_SUCCESS || wait_req(&req) < 0)
            return saydo_set_error(SAYDO_E_IO, "MPI_Recv from rank %d failed", src);
        p += c;
        len -= (size_t)c;
    } while (len);
    return SAYDO_OK;
}

static saydo_status send_buf(const mpi_buf_t *b, int dest, int tag)
{
    uint64_t len = b->len;
    saydo_status st = send_big(&len, sizeof len, dest, tag);
    return st < 0 ? st : send_big(b->p, b->len, dest, tag);
}

static saydo_status recv_buf(mpi_buf_t *b, int src, int tag)
{
    uint64_t len = 0;
    saydo_status st = recv_big(&len, sizeof len, src, tag);
    if (st < 0) return st;
    b->len = b->pos = 0;
    b->bad = 0;
    if (len > b->cap) {
        char *np = realloc(b->p, (size_t)len);
        if (!np) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        b->p = np;
        b->cap = (size_t)len;
    }
    b->len = (size_t)len;
    return recv_big(b->p, b->len, src, tag);
}

/* ---- splitting the files ------------------------------------------------------ */

/* Files to ranks by the longest-processing-time rule on their size: largest
 * first (ties: earlier file), each to the least loaded rank (ties: lower). */
static saydo_status split_files(const run_t *r, const uint8_t *use, int *owner)
{
    saydo_status st = SAYDO_OK;
    int *order = NULL;
    double *load = NULL;
    SAYDO_NEW(order, (size_t)r->n);
    SAYDO_NEW(load, (size_t)r->size);
    int m = 0;
    for (int i = 0; i < r->n; i++) {
        owner[i] = -1;
        if (use[i]) order[m++] = i;
    }
    for (int a = 1; a < m; a++)   /* insertion sort: a command line's worth of files */
        for (int b = a; b > 0 && r->fsize[order[b]] > r->fsize[order[b - 1]]; b--) {
            int t = order[b];
            order[b] = order[b - 1];
            order[b - 1] = t;
        }
    for (int a = 0; a < m; a++) {
        int best = 0;
        for (int k = 1; k < r->size; k++)
            if (load[k] < load[best]) best = k;
        load[best] += (double)r->fsize[order[a]] + 1.0;
        owner[order[a]] = best;
    }
cleanup:
    free(order);
    free(load);
    return st;
}

/* Parse threads of a rank: --threads, else the node's CPUs shared by its ranks (at most 8). */
static int rank_threads(const saydo_ingest_opts_t *o)
{
    MPI_Comm node;
    int local = 1;
    if (MPI_Comm_split_type(MPI_COMM_WORLD, MPI_COMM_TYPE_SHARED, 0, MPI_INFO_NULL, &node) == MPI_SUCCESS) {
        MPI_Comm_size(node, &local);
        MPI_Comm_free(&node);
    }
    if (o->threads > 0) return o->threads > 64 ? 64 : o->threads;
    long cpu = sysconf(_SC_NPROCESSORS_ONLN);
    long t = cpu / (local > 0 ? local : 1);
    return t < 1 ? 1 : t > 8 ? 8 : (int)t;
}

/* A format name as a string that lives as long as the process (results
 * point at it, as they point at the readers' static names in a serial run). */
static const char *intern_format(const char *s)
{
    static char *names[32];
    for (int i = 0; i < 32; i++) {
        if (!names[i]) names[i] = strdup(s);
        if (!names[i]) return "?";
        if (strcmp(names[i], s) == 0) return names[i];
    }
    return "?";
}

/* ---- rank 0: one file through the writer ---------------------------------------- */

/* The columns of one file as rank 0 gets them (borrowed from the rank's own
 * columns for its files, received otherwise). */
typedef struct file_cols {
    int32_t *key[MPI_KEYS], *trial, *fact, *text_len;
    int8_t *n_logp;
    void *owned[MPI_KEYS + 4];
} file_cols_t;

static void file_cols_free(file_cols_t *fc)
{
    for (size_t i = 0; i < sizeof fc->owned / sizeof fc->owned[0]; i++) free(fc->owned[i]);
    memset(fc, 0, sizeof *fc);
}

static saydo_status recv_cols(int src, size_t n, int has_text, file_cols_t *fc)
{
    saydo_status st = SAYDO_OK;
    int32_t **i32[] = {&fc->key[0], &fc->key[1], &fc->key[2], &fc->key[3], &fc->key[4], &fc->trial, &fc->fact};
    for (size_t a = 0; a < sizeof i32 / sizeof i32[0]; a++) {
        SAYDO_NEW(*i32[a], n);
        fc->owned[a] = *i32[a];
        SAYDO_TRY(recv_big(*i32[a], n * sizeof(int32_t), src, TAG_COLS));
    }
    SAYDO_NEW(fc->n_logp, n);
    fc->owned[7] = fc->n_logp;
    SAYDO_TRY(recv_big(fc->n_logp, n, src, TAG_COLS));
    if (has_text) {
        SAYDO_NEW(fc->text_len, n);
        fc->owned[8] = fc->text_len;
        SAYDO_TRY(recv_big(fc->text_len, n * sizeof(int32_t), src, TAG_COLS));
    }
cleanup:
    return st;
}

static saydo_status send_cols(const mpi_cols_t *c, const mpi_file_t *f)
{
    saydo_status st = SAYDO_OK;
    size_t n = f->r1 - f->r0;
    const int32_t *i32[] = {c->key[0], c->key[1], c->key[2], c->key[3], c->key[4], c->trial, c->fact};
    for (size_t a = 0; a < sizeof i32 / sizeof i32[0]; a++)
        SAYDO_TRY(send_big(i32[a] + f->r0, n * sizeof(int32_t), 0, TAG_COLS));
    SAYDO_TRY(send_big(c->n_logp + f->r0, n, 0, TAG_COLS));
    if (c->text_len) SAYDO_TRY(send_big(c->text_len + f->r0, n * sizeof(int32_t), 0, TAG_COLS));
cleanup:
    return st;
}

/* Reads a dictionary of mpi_file_pack(): count, then NUL-terminated strings. */
static saydo_status get_dict(mpi_buf_t *b, char ***out, size_t *n)
{
    saydo_status st = SAYDO_OK;
    *n = (size_t)mpi_buf_get_u64(b);
    SAYDO_FAIL_IF(b->bad || *n > b->len, SAYDO_E_INVAL, "internal: a damaged message");
    SAYDO_NEW(*out, *n);
    for (size_t i = 0; i < *n; i++) (*out)[i] = (char *)mpi_buf_get_str(b);
    SAYDO_FAIL_IF(b->bad, SAYDO_E_INVAL, "internal: a damaged message");
cleanup:
    return st;
}

/* Replays file i (its message in b, its columns in fc) through rank 0's
 * writer and writes the answer for its rank into reply. */
static saydo_status replay_file(run_t *r, int i, mpi_buf_t *b, const file_cols_t *fc, mpi_buf_t *reply)
{
    saydo_status st = SAYDO_OK;
    saydo_replay_in_t in;
    saydo_replay_out_t out;
    char **fstr = NULL;
    size_t n_fstr = 0;
    mpi_fact_t *facts = NULL;
    saydo_record_t *frec = NULL;
    int32_t *bstart = NULL;
    memset(&in, 0, sizeof in);
    memset(&out, 0, sizeof out);
    b->pos = 0;
    in.n = (size_t)mpi_buf_get_u64(b);
    int has_text = (int)mpi_buf_get_u64(b);
    for (int k = 0; k < MPI_KEYS; k++) SAYDO_TRY(get_dict(b, (char ***)&in.dict[k], &in.dict_n[k]));
    SAYDO_TRY(get_dict(b, &fstr, &n_fstr));
    in.n_facts = (size_t)mpi_buf_get_u64(b);
    SAYDO_FAIL_IF(b->bad || in.n_facts > b->len, SAYDO_E_INVAL, "internal: a damaged message");
    SAYDO_NEW(facts, in.n_facts);
    const void *p = mpi_buf_get(b, in.n_facts * sizeof *facts);
    if (p) memcpy(facts, p, in.n_facts * sizeof *facts);
    in.n_batches = (size_t)mpi_buf_get_u64(b);
    SAYDO_FAIL_IF(b->bad || in.n_batches > b->len, SAYDO_E_INVAL, "internal: a damaged message");
    SAYDO_NEW(bstart, in.n_batches);
    p = mpi_buf_get(b, in.n_batches * sizeof *bstart);
    if (p) memcpy(bstart, p, in.n_batches * sizeof *bstart);
    const char *format = mpi_buf_get_str(b);
    int has_meta = (int)mpi_buf_get_u64(b);
    const char *meta = mpi_buf_get_str(b);
    int64_t nums[4] = {0};
    double seconds = 0;
    p = mpi_buf_get(b, sizeof nums);
    if (p) memcpy(nums, p, sizeof nums);
    p = mpi_buf_get(b, sizeof seconds);
    if (p) memcpy(&seconds, p, sizeof seconds);
    size_t quar_len = (size_t)mpi_buf_get_u64(b);
    const void *quar = mpi_buf_get(b, quar_len);
    SAYDO_FAIL_IF(b->bad, SAYDO_E_INVAL, "internal: a damaged message");

    /* the facts as the records the writer notes them from */
    SAYDO_NEW(frec, in.n_facts);
    for (size_t f = 0; f < in.n_facts; f++) {
        const mpi_fact_t *x = &facts[f];
        saydo_record_t *rec = &frec[f];
        int32_t codes[3 + 2 * SAYDO_MAX_LABELS] = {x->domain, x->method, x->trained_side};
        for (int l = 0; l < x->n_labels && l < SAYDO_MAX_LABELS; l++) {
            codes[3 + 2 * l] = x->label_name[l];
            codes[4 + 2 * l] = x->label_value[l];
        }
        for (int c = 0; c < 3 + 2 * (x->n_labels < 0 ? 0 : x->n_labels); c++)
            SAYDO_FAIL_IF(codes[c] < -1 || codes[c] >= (int32_t)n_fstr || (c >= 3 && codes[c] < 0), SAYDO_E_INVAL,
                          "internal: a damaged message");
        rec->domain = x->domain >= 0 ? fstr[x->domain] : NULL;
        rec->method = x->method >= 0 ? fstr[x->method] : NULL;
        rec->trained_side = x->trained_side >= 0 ? fstr[x->trained_side] : NULL;
        rec->round = x->round;
        rec->n_options = x->n_options;
        rec->n_labels = x->n_labels;
        for (int l = 0; l < x->n_labels && l < SAYDO_MAX_LABELS; l++) {
            rec->label_name[l] = fstr[x->label_name[l]];
            rec->label_value[l] = fstr[x->label_value[l]];
        }
        rec->has_option_map = x->has_map;
        memcpy(rec->option_map, x->map, SAYDO_MAX_OPTIONS);
    }
    in.facts = frec;
    in.batch_start = bstart;
    for (int k = 0; k < MPI_KEYS; k++) in.key[k] = fc->key[k];
    in.trial = fc->trial;
    in.fact = fc->fact;
    in.n_logp = fc->n_logp;
    in.text_len = has_text ? fc->text_len : NULL;
    for (int k = 0; k < MPI_KEYS; k++) SAYDO_NEW(out.remap[k], in.dict_n[k]);
    SAYDO_NEW(out.fact_omap, in.n_facts);
    SAYDO_NEW(out.dup, in.n);

    int64_t row0 = 0, text0 = 0;
    int32_t batch = 0;
    SAYDO_TRY(saydo_writer_begin_source(r->w));
    saydo_writer_mpi_state(r->w, &row0, NULL, &text0, &batch, NULL);
    SAYDO_TRY(saydo_writer_replay(r->w, &in, &out));
    saydo_ingest_file_t *res = &r->res[i];
    res->format = intern_format(format);
    res->lines = nums[0];
    res->bytes = (uint64_t)nums[1];
    res->quarantined = nums[2];
    res->blank = nums[3];
    res->records = (int64_t)in.n;
    res->stored = out.stored;
    res->duplicates = (int64_t)in.n - out.stored;
    res->seconds = seconds;
    saydo_source_info_t info = {
        .file = r->files[i], .sha256 = r->hash[i], .format = res->format,
        .model = r->o->read.model, .condition = r->o->read.condition,
        .lines = res->lines, .bytes = (int64_t)res->bytes, .records = res->records,
        .quarantined = res->quarantined, .duplicates = res->duplicates, .blank = res->blank,
        .meta = has_meta ? meta : NULL,
    };
    SAYDO_TRY(saydo_writer_end_source(r->w, &info));
    SAYDO_TRY(mpi_buf_put(&r->quar, quar, quar_len));
    if (out.k_max > r->k_max) r->k_max = out.k_max;

    /* the answer: first row and byte, batch, codes, option maps, duplicates */
    reply->len = 0;
    int64_t head[5] = {0, row0, text0, batch, out.stored};
    SAYDO_TRY(mpi_buf_put(reply, head, sizeof head));
    for (int k = 0; k < MPI_KEYS; k++) SAYDO_TRY(mpi_buf_put(reply, out.remap[k], in.dict_n[k] * sizeof(int32_t)));
    SAYDO_TRY(mpi_buf_put(reply, out.fact_omap, in.n_facts * sizeof(int16_t)));
    uint64_t n_dup = 0;
    for (size_t j = 0; j < in.n; j++) n_dup += out.dup[j];
    SAYDO_TRY(mpi_buf_put_u64(reply, n_dup));
    for (size_t j = 0; j < in.n; j++)
        if (out.dup[j]) SAYDO_TRY(mpi_buf_put_u64(reply, j));
cleanup:
    for (int k = 0; k < MPI_KEYS; k++) {
        free((void *)in.dict[k]);
        free(out.remap[k]);
    }
    free(out.fact_omap);
    free(out.dup);
    free(fstr);
    free(facts);
    free(frec);
    free(bstart);
    return st;
}

/* ---- the parsing rank: the answer applied ------------------------------------------ */

static saydo_status grow_final(run_t *r)
{
    saydo_status st = SAYDO_OK;
    size_t n = r->cols.n ? r->cols.n : 1;
    if (!r->side8) {
        SAYDO_NEW(r->side8, n);
        SAYDO_NEW(r->omap, n);
        SAYDO_NEW(r->text_end, n);
        SAYDO_NEW(r->row0, (size_t)r->n_mine);
        SAYDO_NEW(r->nrows, (size_t)r->n_mine);
        SAYDO_NEW(r->text0, (size_t)r->n_mine);
        SAYDO_NEW(r->ntext, (size_t)r->n_mine);
    }
cleanup:
    return st;
}

/* Keeps the file's stored records (in order) at the front of the rank's
 * columns, in store codes: what this rank writes. */
static saydo_status apply_reply(run_t *r, mpi_file_t *f, mpi_buf_t *b)
{
    saydo_status st = SAYDO_OK;
    mpi_cols_t *c = &r->cols;
    int64_t head[5] = {0};
    int32_t *rm_copy[MPI_KEYS] = {0};
    const int32_t *remap[MPI_KEYS];
    int16_t *fomap = NULL;
    const void *p = mpi_buf_get(b, sizeof head);
    SAYDO_FAIL_IF(!p, SAYDO_E_INVAL, "internal: a damaged answer");
    memcpy(head, p, sizeof head);
    f->row0 = head[1];
    f->text0 = head[2];
    f->batch = (int32_t)head[3];
    f->stored = head[4];
    for (int k = 0; k < MPI_KEYS; k++) {   /* copied: the message need not be aligned */
        size_t m = f->dict[k].m.n;
        SAYDO_NEW(rm_copy[k], m);
        p = mpi_buf_get(b, m * sizeof(int32_t));
        SAYDO_FAIL_IF(!p, SAYDO_E_INVAL, "internal: a damaged answer");
        memcpy(rm_copy[k], p, m * sizeof(int32_t));
        remap[k] = rm_copy[k];
    }
    SAYDO_NEW(fomap, f->n_facts);
    p = mpi_buf_get(b, f->n_facts * sizeof(int16_t));
    SAYDO_FAIL_IF(!p, SAYDO_E_INVAL, "internal: a damaged answer");
    memcpy(fomap, p, f->n_facts * sizeof(int16_t));
    uint64_t n_dup = mpi_buf_get_u64(b), next_dup = n_dup ? mpi_buf_get_u64(b) : UINT64_MAX, seen_dup = 0;
    SAYDO_FAIL_IF(b->bad, SAYDO_E_INVAL, "internal: a damaged answer");
    SAYDO_TRY(grow_final(r));
    const size_t kw = (size_t)c->kw;
    size_t w0 = r->wpos, t_src = f->t0, t_dst0 = r->tpos;
    int64_t t_cum = f->text0;
    for (size_t j = f->r0; j < f->r1; j++) {
        size_t tl = c->text_len ? (size_t)c->text_len[j] : 0;
        if ((uint64_t)(j - f->r0) == next_dup) {   /* not stored: a duplicate */
            seen_dup++;
            next_dup = seen_dup < n_dup ? mpi_buf_get_u64(b) : UINT64_MAX;
            t_src += tl;
            continue;
        }
        const size_t w = r->wpos++;
        for (int k = 0; k < MPI_KEYS; k++) {
            int32_t g = remap[k][c->key[k][j]];
            if (k == 3) r->side8[w] = (int8_t)g;   /* side codes are < 256 (saydo_key_pack) */
            else c->key[k][w] = g;
        }
        c->trial[w] = c->trial[j];
        r->omap[w] = fomap[c->fact[j]];
        c->fact[w] = f->batch;   /* the fact column becomes the batch column */
        c->choice[w] = c->choice[j];
        c->n_options[w] = c->n_options[j];
        if (kw && w != j) memmove(c->logp + w * kw, c->logp + j * kw, kw * sizeof *c->logp);
        if (tl) {
            memmove(c->text + r->tpos, c->text + t_src, tl);
            r->tpos += tl;
            t_src += tl;
        }
        t_cum += (int64_t)tl;
        r->text_end[w] = t_cum;
    }
    SAYDO_FAIL_IF(b->bad || seen_dup != n_dup || (int64_t)(r->wpos - w0) != f->stored, SAYDO_E_INVAL,
                  "internal: the answer does not fit the file");
    f->text_bytes = (int64_t)(r->tpos - t_dst0);
    r->row0[r->n_ranges] = f->row0;
    r->nrows[r->n_ranges] = f->stored;
    r->text0[r->n_ranges] = f->text0;
    r->ntext[r->n_ranges] = f->text_bytes;
    r->n_ranges++;
cleanup:
    for (int k = 0; k < MPI_KEYS; k++) free(rm_copy[k]);
    free(fomap);
    return st;
}

/* ---- the steps -------------------------------------------------------------------- */

/* Step 1: the writer, the split, the hashes, the skipped files. */
static saydo_status plan(run_t *r)
{
    saydo_status st = SAYDO_OK;
    int key = INT_MAX - 1;
    int *hash_owner = NULL;
    uint8_t *all = NULL;
    saydo_strmap_t seen;
    saydo_strmap_init(&seen);
    if (r->rank == 0) st = saydo_writer_open(r->store, &r->o->writer, &r->w);
    SAYDO_TRY(agree(r, st, -1));
    if (r->rank == 0) saydo_writer_mpi_state(r->w, &r->rows_start, NULL, &r->text_start, NULL, NULL);
    if (r->rank == 0)
        for (int i = 0; i < r->n; i++) {
            struct stat sb;
            r->fsize[i] = stat(r->files[i], &sb) == 0 ? (int64_t)sb.st_size : 0;
        }
    MPI_Bcast(r->fsize, r->n, MPI_INT64_T, 0, MPI_COMM_WORLD);
    SAYDO_NEW(hash_owner, (size_t)r->n);
    SAYDO_NEW(all, (size_t)r->n);
    memset(all, 1, (size_t)r->n);
    SAYDO_TRY(split_files(r, all, hash_owner));
    for (int i = 0; i < r->n && st == SAYDO_OK; i++)
        if (hash_owner[i] == r->rank && (st = saydo_file_hash(r->files[i], r->hash[i])) < 0) key = i;
    SAYDO_TRY(agree(r, st, key));
    MPI_Allreduce(MPI_IN_PLACE, r->hash, r->n * 33, MPI_BYTE, MPI_BOR, MPI_COMM_WORLD);
    /* skipped as in a serial ingest: the store lists the hash, or an earlier file of the list has it */
    if (r->rank == 0)
        for (int i = 0; i < r->n && st == SAYDO_OK; i++) {
            int32_t code;
            r->skip[i] = !r->o->force && (saydo_writer_has_source(r->w, r->hash[i]) ||
                                          saydo_strmap_get(&seen, r->hash[i]) >= 0);
            if (!r->skip[i]) st = saydo_strmap_put(&seen, r->hash[i], &code, NULL);
        }
    SAYDO_TRY(agree(r, st, -1));
    MPI_Bcast(r->skip, r->n, MPI_UINT8_T, 0, MPI_COMM_WORLD);
    for (int i = 0; i < r->n; i++) all[i] = !r->skip[i];
    SAYDO_TRY(split_files(r, all, r->owner));
cleanup:
    saydo_strmap_free(&seen);
    free(hash_owner);
    free(all);
    return st;
}

/* Step 2: this rank's files parsed. */
static saydo_status parse_mine(run_t *r)
{
    saydo_status st = SAYDO_OK;
    int key = INT_MAX - 1, threads = rank_threads(r->o);
    for (int i = 0; i < r->n; i++) r->n_mine += r->owner[i] == r->rank;
    SAYDO_NEW(r->mine, (size_t)r->n_mine);
    for (int i = 0, j = 0; i < r->n; i++) {
        if (r->owner[i] != r->rank) continue;
        r->mine[j].idx = i;
        st = mpi_parse_file(r->store, r->files[i], r->o, threads, &r->cols, &r->mine[j]);
        j++;
        if (st < 0) {
            key = i;
            break;
        }
    }
cleanup:
    return agree(r, st, key);
}

/* Step 3, rank 0: every file in order through the writer. A failure goes on
 * receiving (and answering "stop") so that no rank waits forever. */
static saydo_status replay_all(run_t *r)
{
    saydo_status st = SAYDO_OK;
    int key = INT_MAX - 1, j0 = 0;
    uint8_t *stopped = NULL;
    mpi_buf_t msg = {0}, reply = {0};
    file_cols_t fc;
    memset(&fc, 0, sizeof fc);
    SAYDO_NEW(stopped, (size_t)r->size);
    for (int i = 0; i < r->n; i++) {
        int src = r->owner[i];
        if (src < 0) continue;
        if (src == 0) {
            mpi_file_t *f = &r->mine[j0++];
            if (st < 0) continue;
            st = mpi_file_pack(f, &r->cols, &msg);
            for (int k = 0; k < MPI_KEYS; k++) fc.key[k] = r->cols.key[k] + f->r0;
            fc.trial = r->cols.trial + f->r0;
            fc.fact = r->cols.fact + f->r0;
            fc.n_logp = r->cols.n_logp + f->r0;
            fc.text_len = r->cols.text_len ? r->cols.text_len + f->r0 : NULL;
            if (st == SAYDO_OK) st = replay_file(r, i, &msg, &fc, &reply);
            if (st == SAYDO_OK) {
                reply.pos = 0;
                st = apply_reply(r, f, &reply);
            }
            mpi_file_free(f);
            memset(&fc, 0, sizeof fc);
            if (st < 0) key = i;
            continue;
        }
        if (stopped[src]) continue;
        saydo_status rst = recv_buf(&msg, src, TAG_META);
        if (rst == SAYDO_OK) {
            msg.pos = 0;
            uint64_t n = mpi_buf_get_u64(&msg), has_text = mpi_buf_get_u64(&msg);
            rst = recv_cols(src, (size_t)n, (int)has_text, &fc);
        }
        if (rst == SAYDO_OK && st == SAYDO_OK) {
            st = replay_file(r, i, &msg, &fc, &reply);
            if (st < 0) key = i;
        } else if (rst < 0 && st == SAYDO_OK) {
            st = rst;
            key = i;
        }
        file_cols_free(&fc);
        if (st < 0) {   /* "stop": the rank sends no more files */
            reply.len = 0;
            int64_t head[5] = {-1, 0, 0, 0, 0};
            if (mpi_buf_put(&reply, head, sizeof head) < 0) reply.len = 0;
            stopped[src] = 1;
        }
        rst = send_buf(&reply, src, TAG_REPLY);
        if (rst < 0 && st == SAYDO_OK) st = rst;
    }
cleanup:
    free(stopped);
    mpi_buf_free(&msg);
    mpi_buf_free(&reply);
    file_cols_free(&fc);
    return agree(r, st, key);
}

/* Step 3, the other ranks: send each file, apply the answer. */
static saydo_status send_mine(run_t *r)
{
    saydo_status st = SAYDO_OK;
    mpi_buf_t msg = {0}, reply = {0};
    for (int j = 0; j < r->n_mine; j++) {
        mpi_file_t *f = &r->mine[j];
        /* a local failure (out of memory) still sends: rank 0 waits for every file */
        saydo_status pst = mpi_file_pack(f, &r->cols, &msg);
        if (pst < 0) {
            msg.len = 0;
            if (st == SAYDO_OK) st = pst;
            /* an empty file's message keeps the exchange going; the result is discarded */
            int64_t zero[2] = {0, 0};
            if (mpi_buf_put(&msg, zero, sizeof zero) < 0) break;
        }
        SAYDO_TRY(send_buf(&msg, 0, TAG_META));
        if (pst == SAYDO_OK) SAYDO_TRY(send_cols(&r->cols, f));
        else
            for (int a = 0; a < 8; a++) SAYDO_TRY(send_big(NULL, 0, 0, TAG_COLS));   /* the 8 columns of 0 records */
        SAYDO_TRY(recv_buf(&reply, 0, TAG_REPLY));
        int64_t head0 = 0;
        const void *p = mpi_buf_get(&reply, sizeof head0);
        if (p) memcpy(&head0, p, sizeof head0);
        if (!p || head0 < 0) break;   /* rank 0 stopped: its reason comes with the agreement */
        reply.pos = 0;
        if (st == SAYDO_OK) st = apply_reply(r, f, &reply);
        mpi_file_free(f);
    }
cleanup:
    mpi_buf_free(&msg);
    mpi_buf_free(&reply);
    return agree(r, st, INT_MAX - 1);
}

/* Test hook (tests/cli/mpi_ingest.sh): SAYDO_TEST_MPI_FAIL=RANK makes that
 * rank fail once its rows are in the shadow, before the commit. */
static saydo_status test_fail(const run_t *r)
{
    const char *e = getenv("SAYDO_TEST_MPI_FAIL");
    if (e && *e && atoi(e) == r->rank)
        return saydo_set_error(SAYDO_E_IO, "rank %d: failing on purpose (SAYDO_TEST_MPI_FAIL)", r->rank);
    return SAYDO_OK;
}

/* Steps 4 and 5: extend and allocate (rank 0), write (all ranks), commit (rank 0). */
static saydo_status write_commit(run_t *r)
{
    saydo_status st = SAYDO_OK;
    int64_t tot[6] = {0};   /* rows before and after, logp width, text bytes before and after, shadow path bytes */
    const char *shadow0 = "";
    char *shadow = NULL;
    FILE *qf = NULL;
    if (r->rank == 0) {
        int k = 0;
        saydo_writer_mpi_state(r->w, &tot[1], &k, &tot[4], NULL, &shadow0);
        tot[0] = r->rows_start;
        tot[2] = r->k_max > k ? r->k_max : k;
        tot[3] = r->text_start;
        tot[5] = (int64_t)strlen(shadow0) + 1;
    }
    MPI_Bcast(tot, 6, MPI_INT64_T, 0, MPI_COMM_WORLD);
    SAYDO_NEW(shadow, (size_t)tot[5]);
    if (r->rank == 0) memcpy(shadow, shadow0, (size_t)tot[5]);
    MPI_Bcast(shadow, (int)tot[5], MPI_CHAR, 0, MPI_COMM_WORLD);
    const int k = (int)tot[2];
    if (r->rank == 0) st = saydo_writer_mpi_prepare(r->w, tot[0], tot[1], k, tot[3], tot[4]);
    SAYDO_TRY(agree(r, st, -1));
    step_done(r, "extend");
    r->cols.n = r->wpos;   /* the stored records, compacted */
    st = mpi_cols_logp_width(&r->cols, k);
    SAYDO_TRY(agree(r, st, INT_MAX - 1));
    if (tot[1] > tot[0] || tot[4] > tot[3]) {
        saydo_mpi_rows_t rows = {
            .n_ranges = r->n_ranges, .row0 = r->row0, .nrows = r->nrows, .n = r->wpos,
            .model = r->cols.key[0], .condition = r->cols.key[1], .item = r->cols.key[2],
            .trial = r->cols.trial, .variant = r->cols.key[4], .batch = r->cols.fact,
            .side = r->side8, .choice = r->cols.choice, .n_options = r->cols.n_options, .option_map = r->omap,
            .logp = r->cols.logp, .k = k, .text_end = r->text_end,
            .text0 = r->text0, .ntext = r->ntext, .text = r->cols.text,
        };
        st = saydo_store_write_mpi(shadow, &rows);
    }
    if (st == SAYDO_OK) st = test_fail(r);
    SAYDO_TRY(agree(r, st, r->rank));
    step_done(r, "h5write");
    if (r->rank == 0) {
        st = saydo_writer_mpi_reopen(r->w, tot[1], k, tot[4]);
        if (st == SAYDO_OK && r->quar.len) {   /* the quarantine lines, file by file in order */
            size_t nq = strlen(r->store) + 32;
            char *qpath = malloc(nq);
            if (qpath) {
                snprintf(qpath, nq, "%s.quarantine.jsonl", r->store);
                qf = fopen(qpath, "a");
            }
            if (!qf || fwrite(r->quar.p, 1, r->quar.len, qf) != r->quar.len || fclose(qf) != 0)
                st = saydo_set_error(SAYDO_E_IO, "%s: writing the quarantine file failed",
                                     qpath ? qpath : r->store);
            qf = NULL;
            free(qpath);
        }
        if (st == SAYDO_OK) st = saydo_writer_commit(r->w);
    }
    SAYDO_TRY(agree(r, st, -1));
cleanup:
    free(shadow);
    return st;
}

saydo_status saydo_ingest_files_mpi(const char *store, const char *const *files, int n, const saydo_ingest_opts_t *o,
                                    saydo_ingest_file_t *results)
{
    saydo_status st = SAYDO_OK;
    run_t r;
    memset(&r, 0, sizeof r);
    MPI_Comm_rank(MPI_COMM_WORLD, &r.rank);
    MPI_Comm_size(MPI_COMM_WORLD, &r.size);
    r.store = store;
    r.files = files;
    r.n = n;
    r.o = o;
    for (int i = 0; i < n; i++) {
        memset(&results[i], 0, sizeof results[i]);
        results[i].path = files[i];
        results[i].format = "?";
    }
    SAYDO_NEW(r.fsize, (size_t)n);
    SAYDO_NEW(r.owner, (size_t)n);
    SAYDO_NEW(r.hash, (size_t)n);
    SAYDO_NEW(r.skip, (size_t)n);
    SAYDO_NEW(r.res, (size_t)n);
    step_done(&r, "start");
    SAYDO_TRY(plan(&r));
    step_done(&r, "plan");
    int any = 0;
    for (int i = 0; i < n; i++) any |= r.owner[i] >= 0;
    if (any) {   /* every file skipped: nothing to commit, as in a serial ingest */
        SAYDO_TRY(parse_mine(&r));
        step_done(&r, "parse");
        SAYDO_TRY(r.rank == 0 ? replay_all(&r) : send_mine(&r));
        step_done(&r, "replay");
        SAYDO_TRY(write_commit(&r));
        step_done(&r, "commit");
    }
    if (r.rank == 0)
        for (int i = 0; i < n; i++) {
            saydo_ingest_file_t *res = &results[i];
            if (r.owner[i] >= 0) *res = r.res[i];
            res->path = files[i];
            res->skipped = r.skip[i];
            memcpy(res->hash, r.hash[i], sizeof res->hash);
        }
cleanup:
    saydo_writer_free(r.w);   /* uncommitted: the shadow goes, the store stays as it was */
    for (int j = 0; j < r.n_mine; j++) mpi_file_free(&r.mine[j]);
    free(r.mine);
    mpi_cols_free(&r.cols);
    mpi_buf_free(&r.quar);
    free(r.fsize); free(r.owner); free(r.hash); free(r.skip); free(r.res);
    free(r.side8); free(r.omap); free(r.text_end);
    free(r.row0); free(r.nrows); free(r.text0); free(r.ntext);
    return st;
}
#endif
