/* Replays saved inputs through the libFuzzer targets of tests/fuzz without
 * libFuzzer, so every finding stays a regression test in the ordinary build
 * (and under ASan/UBSan in scripts/ci-asan.sh):
 *
 *   fixtures/hostile/fuzz/TARGET/   inputs that crashed or broke a contract
 *   fixtures/csv, fixtures/wdct, fixtures/hostile (.csv, .jsonl)   the seeds
 *
 * A target aborts (FUZZ_CHECK) when a reader breaks its promise, which fails
 * this test. The store target also gets a store made here from a fixture;
 * the store-editing target its base store and a few edit scripts. */
#include <dirent.h>
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <cmocka.h>
#include <gsl/gsl_errno.h>

#define LLVMFuzzerTestOneInput fuzz_jsonl_one
#include "../fuzz/fuzz_jsonl.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_csv_one
#include "../fuzz/fuzz_csv.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_wdct_one
#include "../fuzz/fuzz_wdct.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_extract_one
#include "../fuzz/fuzz_extract.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_fieldmap_one
#include "../fuzz/fuzz_fieldmap.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_store_one
#include "../fuzz/fuzz_store.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_store_edit_one
#include "../fuzz/fuzz_store_edit.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_lmeval_one
#include "../fuzz/fuzz_lmeval.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_inspect_one
#include "../fuzz/fuzz_inspect.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_batch_one
#include "../fuzz/fuzz_batch.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_helm_one
#include "../fuzz/fuzz_helm.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_statedrevealed_one
#include "../fuzz/fuzz_statedrevealed.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_valueaction_one
#include "../fuzz/fuzz_valueaction.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_sniff_one
#include "../fuzz/fuzz_sniff.c"
#undef LLVMFuzzerTestOneInput
#define LLVMFuzzerTestOneInput fuzz_zip_one
#include "../fuzz/fuzz_zip.c"
#undef LLVMFuzzerTestOneInput

#include "saydo/ingest.h"

typedef int (*target_fn)(const uint8_t *, size_t);

static const char *fixtures(void)
{
    const char *f = getenv("SAYDO_FIXTURES");
    return f && *f ? f : "fixtures";
}

static int read_file(const char *path, uint8_t **data, size_t *len)
{
    FILE *f = fopen(path, "rb");
    if (!f) return -1;
    size_t cap = 1 << 16, n = 0;
    uint8_t *b = malloc(cap);
    for (;;) {
        if (!b) break;
        size_t got = fread(b + n, 1, cap - n, f);
        n += got;
        if (n < cap) break;
        uint8_t *nb = realloc(b, cap * 2);
        if (!nb) {
            free(b);
            b = NULL;
            break;
        }
        b = nb;
        cap *= 2;
    }
    fclose(f);
    if (!b) return -1;
    *data = b;
    *len = n;
    return 0;
}

/* Runs fn over every regular file in dir whose name ends with suffix ("" = all);
 * returns how many. A missing dir counts 0. */
static int replay_dir(target_fn fn, const char *dir, const char *suffix)
{
    DIR *d = opendir(dir);
    int n = 0;
    if (!d) return 0;
    struct dirent *e;
    while ((e = readdir(d))) {
        char path[4096 + 512];
        struct stat sb;
        size_t nl = strlen(e->d_name), sl = strlen(suffix);
        if (e->d_name[0] == '.' || nl < sl || strcmp(e->d_name + nl - sl, suffix) != 0) continue;
        snprintf(path, sizeof path, "%s/%s", dir, e->d_name);
        if (stat(path, &sb) != 0 || !S_ISREG(sb.st_mode) || sb.st_size > (16 << 20)) continue;
        uint8_t *data = NULL;
        size_t len = 0;
        assert_int_equal(read_file(path, &data, &len), 0);
        fprintf(stderr, "replay %s\n", path);
        fn(data, len);
        free(data);
        n++;
    }
    closedir(d);
    return n;
}

static int replay(target_fn fn, const char *sub, const char *suffix)
{
    char dir[4096];
    snprintf(dir, sizeof dir, "%s/%s", fixtures(), sub);
    return replay_dir(fn, dir, suffix);
}

/* Findings first (each directory must hold the inputs it was given), then seeds. */
static void test_findings(void **state)
{
    (void)state;
    assert_true(replay(fuzz_csv_one, "hostile/fuzz/fuzz_csv", "") >= 1);
    assert_true(replay(fuzz_fieldmap_one, "hostile/fuzz/fuzz_fieldmap", "") >= 1);
    assert_true(replay(fuzz_wdct_one, "hostile/fuzz/fuzz_wdct", "") >= 1);
    replay(fuzz_jsonl_one, "hostile/fuzz/fuzz_jsonl", "");
    replay(fuzz_extract_one, "hostile/fuzz/fuzz_extract", "");
    replay(fuzz_store_one, "hostile/fuzz/fuzz_store", ".store");
    replay(fuzz_store_edit_one, "hostile/fuzz/fuzz_store_edit", "");
    assert_true(replay(fuzz_lmeval_one, "hostile/fuzz/fuzz_lmeval", "") >= 1);
    replay(fuzz_inspect_one, "hostile/fuzz/fuzz_inspect", "");
    assert_true(replay(fuzz_batch_one, "hostile/fuzz/fuzz_batch", "") >= 1);
    replay(fuzz_helm_one, "hostile/fuzz/fuzz_helm", "");
    replay(fuzz_statedrevealed_one, "hostile/fuzz/fuzz_statedrevealed", "");
    assert_true(replay(fuzz_valueaction_one, "hostile/fuzz/fuzz_valueaction", "") >= 1);
    assert_true(replay(fuzz_sniff_one, "hostile/fuzz/fuzz_sniff", "") >= 1);
    assert_true(replay(fuzz_zip_one, "hostile/fuzz/fuzz_zip", "") >= 1);
}

static void test_seeds(void **state)
{
    (void)state;
    assert_true(replay(fuzz_csv_one, "csv", ".csv") >= 1);
    assert_true(replay(fuzz_wdct_one, "wdct", ".csv") >= 1);
    replay(fuzz_csv_one, "hostile", ".csv");
    replay(fuzz_jsonl_one, "hostile", ".jsonl");
    replay(fuzz_valueaction_one, "va", "");
    replay(fuzz_statedrevealed_one, "sr/design/prompts", ".json");
    replay(fuzz_sniff_one, "jsonl", ".jsonl");
    replay(fuzz_sniff_one, "hostile", ".csv");
    /* a few literal inputs for the targets without fixture files */
    static const char *texts[] = {"A\n", "  Answer: B ", "I'm sorry, I cannot answer", "\xC2\xA0" "C)", "", "\xF0\x9F"};
    for (size_t i = 0; i < sizeof texts / sizeof texts[0]; i++)
        fuzz_extract_one((const uint8_t *)texts[i], strlen(texts[i]));
    static const char map[] = "item = q\nside.s = word\n%%\nmodel,q,side,choice\nm,1,s,A\n";
    fuzz_fieldmap_one((const uint8_t *)map, sizeof map - 1);
}

/* A real store (the CSV fixture ingested) through the store target, whole and cut short. */
static void test_store(void **state)
{
    (void)state;
    const char *tmp = getenv("SAYDO_TMP");
    char store[4096], csv[4096];
    snprintf(store, sizeof store, "%s/hostile_fuzz_store.h5", tmp && *tmp ? tmp : ".");
    snprintf(csv, sizeof csv, "%s/csv/basic.csv", fixtures());
    remove(store);
    saydo_ingest_opts_t o;
    saydo_ingest_opts_default(&o);
    o.progress = 0;
    o.read.quiet = 1;
    saydo_ingest_file_t res;
    const char *files[] = {csv};
    assert_int_equal(saydo_ingest_files(store, files, 1, &o, &res), SAYDO_OK);
    assert_true(res.stored > 0);
    uint8_t *data = NULL;
    size_t len = 0;
    assert_int_equal(read_file(store, &data, &len), 0);
    fuzz_store_one(data, len);
    for (size_t cut = 1; cut < 16; cut++) fuzz_store_one(data, len * cut / 16);   /* truncated stores */
    free(data);
    remove(store);
}

/* The edit target: the base store as planted (it must read), then a few edit
 * scripts (format in tests/fuzz/fuzz_store_edit.c; run.sh seeds the fuzzer with more). */
static void test_store_edit(void **state)
{
    (void)state;
    static const struct {
        const char *s;
        size_t n;
    } scripts[] = {
        {"", 0},
        {"\x00\x23\x05\x00\x00\x00\xe7\x03\x00\x00", 10},                     /* an item code outside /dict/item */
        {"\x00\x24\x02\x00\x01\x00\x00\x00\xc0\x7f", 10},                     /* a NaN in logp */
        {"\x03\x0c\x03\x00\x00\x00\x83\x0f\x01\x00\x00\x1e", 12},             /* short /items, wide maps */
        {"\x15\x00\x02\x00\x00\x00", 6},                                      /* saydo_schema 2 */
        {"\x15\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40", 14},     /* a table of 2^62 rows */
        {"\x03\x25\xc3\x00\x00\x00", 6},                                      /* /records/model grown */
        {"\x06\x00\x00\x00\x00\x00", 6},                                      /* /conditions deleted */
    };
    for (size_t i = 0; i < sizeof scripts / sizeof scripts[0]; i++)
        fuzz_store_edit_one((const uint8_t *)scripts[i].s, scripts[i].n);
}

int main(void)
{
    gsl_set_error_handler_off();
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_findings),
        cmocka_unit_test(test_seeds),
        cmocka_unit_test(test_store),
        cmocka_unit_test(test_store_edit),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
