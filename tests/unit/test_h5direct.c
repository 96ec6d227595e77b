/* The writer's own chunk writes (src/io/h5direct.c, src/io/zrle.c).
 *
 * zrle: its streams inflate (libdeflate's decompressor, which checks the
 * zlib header and Adler-32) to the input for runs of every length around the
 * 258-byte match limit, and it declines data that is not runs, or an output
 * buffer too small. The store: three full chunks and a partial one written
 * in one commit, then an append that starts inside a chunk (the early flush
 * to the boundary, then whole chunks again) and widens logp from 2 to 4
 * columns (chunks narrower than the rows: H5Dwrite's path). Every column
 * must read back as written through the store reader, and give the same
 * bytes through h5chunk.c's decoder and through H5Dread (HDF5's own shuffle
 * and deflate filters). */
#include <libdeflate.h>
#include <math.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>
#include "io/h5check.h"
#include "io/zrle.h"
#include "saydo/store.h"

static void roundtrip(const unsigned char *in, size_t n)
{
    size_t cap = n + n / 8 + 64;
    unsigned char *z = malloc(cap), *back = malloc(n + 1);
    assert_non_null(z);
    assert_non_null(back);
    size_t zl = zrle_compress(in, n, z, cap);
    assert_true(zl > 0);
    struct libdeflate_decompressor *d = libdeflate_alloc_decompressor();
    size_t got = 0;
    assert_int_equal(libdeflate_zlib_decompress(d, z, zl, back, n + 1, &got), LIBDEFLATE_SUCCESS);
    assert_int_equal(got, n);
    assert_memory_equal(back, in, n);
    libdeflate_free_decompressor(d);
    free(z);
    free(back);
}

static void test_zrle(void **state)
{
    (void)state;
    enum { N = 300000 };
    unsigned char *buf = malloc(N);
    assert_non_null(buf);
    /* one run of each length near the match limits, then every remainder mod 258 */
    for (size_t len = 1; len <= 1100; len++) {
        memset(buf, (int)(len & 0xFF), len);
        roundtrip(buf, len);
    }
    memset(buf, 0, N);
    roundtrip(buf, N);
    /* a chunk of few runs, of every byte value (literal codes of 8 and 9 bits) */
    for (size_t i = 0; i < N; i++) buf[i] = (unsigned char)(i / 1171);
    roundtrip(buf, N);
    /* not runs: declined */
    for (size_t i = 0; i < N; i++) buf[i] = (unsigned char)(i * 2654435761u >> 13);
    unsigned char *z = malloc(N);
    assert_int_equal(zrle_compress(buf, N, z, N), 0);
    /* a buffer too small: declined, not overrun */
    memset(buf, 7, N);
    assert_int_equal(zrle_compress(buf, N, z, 12), 0);
    free(z);
    free(buf);
}

/* ---- the store ---------------------------------------------------------------------- */

enum { CH = 65536, N1 = 3 * CH + 1000, N2 = 2 * CH + 500, NT = N1 + N2 };

typedef struct {
    int32_t model, item, trial;
    int8_t side, choice, nopt;
    int16_t omap;
    int32_t batch;
    float logp[4];
} want_t;

static char models[3][8] = {"m0", "m1", "m2"};
static char items[5000][8];

/* Record i (deterministic): codes as the writer will assign them, first seen first. */
static void make(size_t i, saydo_record_t *r, want_t *w)
{
    saydo_record_clear(r);
    int m = i < 100000 ? 0 : i < 250000 ? 1 : 2;
    int it = (int)(i / 4 % 5000);
    r->model = models[m];
    r->condition = "base";
    r->item = items[it];
    r->side = i % 2 ? "deed" : "word";
    r->trial = (int32_t)i;   /* every key differs */
    uint32_t h = (uint32_t)(i * 2654435761u);
    r->choice = (int)(h >> 7 & 1);
    r->n_options = 2;
    int K = i < N1 ? 2 : 4;
    r->n_logp = K;
    for (int k = 0; k < 4; k++) {
        r->logp[k] = -(double)((h >> (3 * k)) & 0xFFFF) / 997.0;
        w->logp[k] = k < K ? (float)r->logp[k] : NAN;
    }
    r->has_option_map = i % 3 == 0;
    if (r->has_option_map) {
        for (int k = 0; k < SAYDO_MAX_OPTIONS; k++) r->option_map[k] = (int8_t)k;
        r->option_map[0] = 1;
        r->option_map[1] = 0;
    }
    w->model = m;
    w->item = it;
    w->trial = r->trial;
    w->side = (int8_t)(i % 2);
    w->choice = (int8_t)r->choice;
    w->nopt = 2;
    w->omap = r->has_option_map ? 0 : -1;
    w->batch = i < N1 ? 0 : 1;
}

static void write_part(const char *path, size_t from, size_t to, want_t *want)
{
    saydo_writer_t *w = NULL;
    saydo_writer_opts_t wo = {.deflate_level = 1};
    assert_int_equal(saydo_writer_open(path, &wo, &w), SAYDO_OK);
    assert_int_equal(saydo_writer_begin_source(w), SAYDO_OK);
    saydo_record_t r;
    for (size_t i = from; i < to; i++) {
        int dup = -1;
        make(i, &r, &want[i]);
        assert_int_equal(saydo_writer_add(w, &r, &dup), SAYDO_OK);
        assert_int_equal(dup, 0);
    }
    char hash[32];
    snprintf(hash, sizeof hash, "h%zu", from);
    saydo_source_info_t info = {.file = hash, .sha256 = hash, .format = "test", .lines = (int64_t)(to - from),
                                .records = (int64_t)(to - from)};
    assert_int_equal(saydo_writer_end_source(w, &info), SAYDO_OK);
    assert_int_equal(saydo_writer_commit(w), SAYDO_OK);
    saydo_writer_free(w);
}

static void test_store_chunks(void **state)
{
    (void)state;
    for (int i = 0; i < 5000; i++) snprintf(items[i], sizeof items[i], "i%d", i);
    const char *tmp = getenv("SAYDO_TMP");
    char path[600], aux[700];
    snprintf(path, sizeof path, "%s/h5direct_%ld.h5", tmp && *tmp ? tmp : "/tmp", (long)getpid());
    want_t *want = calloc(NT, sizeof *want);
    assert_non_null(want);
    write_part(path, 0, N1, want);
    write_part(path, N1, NT, want);

    saydo_data_t *d = NULL;
    if (saydo_store_read(path, &d) != SAYDO_OK) fail_msg("%s", saydo_last_error());
    assert_int_equal(d->n, (size_t)NT);
    assert_int_equal(d->K, 4);
    for (size_t i = 0; i < NT; i++) {
        const want_t *w = &want[i];
        if (d->model[i] != w->model || d->item[i] != w->item || d->trial[i] != w->trial || d->side[i] != w->side ||
            d->choice[i] != w->choice || d->n_options[i] != w->nopt || d->omap[i] != w->omap ||
            d->batch[i] != w->batch || d->condition[i] != 0 || d->variant[i] != 0)
            fail_msg("row %zu: a code column differs", i);
        for (int k = 0; k < 4; k++) {
            float got = d->logp[i * 4 + (size_t)k];
            if (!(got == w->logp[k] || (isnan(got) && isnan(w->logp[k]))))
                fail_msg("row %zu: logp[%d] = %g, wrote %g", i, k, (double)got, (double)w->logp[k]);
        }
    }
    saydo_data_free(d);

    static const char *const cols[] = {"model", "condition", "item", "side", "trial", "variant", "choice",
                                       "n_options", "option_map", "batch", "logp", "text_end"};
    for (size_t c = 0; c < sizeof cols / sizeof cols[0]; c++) {
        char name[64];
        int same = 0, fast = 0;
        size_t n = 0;
        snprintf(name, sizeof name, "/records/%s", cols[c]);
        assert_int_equal(h5u_selfcheck(path, name, 1, &same, &fast, &n), SAYDO_OK);
        if (!same) fail_msg("%s: h5chunk.c and H5Dread disagree", name);
        assert_int_equal(n, (size_t)NT * (strcmp(cols[c], "logp") == 0 ? 4 : 1));
    }
    free(want);
    unlink(path);
    snprintf(aux, sizeof aux, "%s.lock", path);
    unlink(aux);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_zrle),
        cmocka_unit_test(test_store_chunks),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
