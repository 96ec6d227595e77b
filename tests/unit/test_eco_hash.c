/* saydo_file_hash() (src/io/hash.c) on a file and on a directory (a HELM run
 * directory is one input). The expected digests are computed here, apart
 * from hash.c, with xxhash's one-shot XXH3_128bits() over the bytes the
 * documented framing gives: for a file its bytes; for a directory, its
 * regular files in byte order of their relative paths, each as path, NUL,
 * size (8 bytes, little-endian), contents. */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <sys/stat.h>
#include <unistd.h>
#include <cmocka.h>
#include <xxhash.h>
#include "saydo/ingest.h"

static char root[1024];

static void put(const char *rel, const char *content)
{
    char p[2048];
    snprintf(p, sizeof p, "%s/%s", root, rel);
    FILE *f = fopen(p, "wb");
    assert_non_null(f);
    fwrite(content, 1, strlen(content), f);
    fclose(f);
}

static void hex_of(const void *data, size_t n, char hex[33])
{
    XXH128_hash_t h = XXH3_128bits(data, n);
    snprintf(hex, 33, "%016llx%016llx", (unsigned long long)h.high64, (unsigned long long)h.low64);
}

/* Appends one framed member to buf. */
static size_t frame(unsigned char *buf, size_t at, const char *rel, const char *content)
{
    size_t pl = strlen(rel) + 1, cl = strlen(content);
    memcpy(buf + at, rel, pl);
    at += pl;
    for (int k = 0; k < 8; k++) buf[at++] = (unsigned char)((uint64_t)cl >> (8 * k));
    memcpy(buf + at, content, cl);
    return at + cl;
}

static void test_file(void **state)
{
    (void)state;
    char path[2048], got[33], want[33];
    const char *body = "{\"request_states\": []}\n";
    put("single.json", body);
    snprintf(path, sizeof path, "%s/single.json", root);
    assert_int_equal(saydo_file_hash(path, got), SAYDO_OK);
    hex_of(body, strlen(body), want);   /* the same digest as before directories were hashed */
    assert_string_equal(got, want);
    put("empty.json", "");
    snprintf(path, sizeof path, "%s/empty.json", root);
    assert_int_equal(saydo_file_hash(path, got), SAYDO_OK);
    hex_of("", 0, want);
    assert_string_equal(got, want);
}

static void test_directory(void **state)
{
    (void)state;
    char dir[2048], sub[2200], got[33], want[33], again[33];
    snprintf(dir, sizeof dir, "%s/run", root);
    assert_int_equal(mkdir(dir, 0755), 0);
    snprintf(sub, sizeof sub, "%s/run/sub", root);
    assert_int_equal(mkdir(sub, 0755), 0);
    /* written out of order: readdir's order must not matter */
    put("run/stats.json", "[1, 2]\n");
    put("run/scenario_state.json", "{\"request_states\": []}\n");
    put("run/sub/x.txt", "x");
    put("run/run_spec.json", "{\"name\": \"mmlu:subject=philosophy\"}\n");
    put("run/per_instance_stats.json", "");
    /* byte order: per_instance_stats.json < run_spec.json < scenario_state.json < stats.json < sub/x.txt */
    unsigned char buf[1024];
    size_t n = 0;
    n = frame(buf, n, "per_instance_stats.json", "");
    n = frame(buf, n, "run_spec.json", "{\"name\": \"mmlu:subject=philosophy\"}\n");
    n = frame(buf, n, "scenario_state.json", "{\"request_states\": []}\n");
    n = frame(buf, n, "stats.json", "[1, 2]\n");
    n = frame(buf, n, "sub/x.txt", "x");
    hex_of(buf, n, want);
    assert_int_equal(saydo_file_hash(dir, got), SAYDO_OK);
    assert_string_equal(got, want);

    /* a trailing slash names the same directory */
    char slash[2100];
    snprintf(slash, sizeof slash, "%s/", dir);
    assert_int_equal(saydo_file_hash(slash, again), SAYDO_OK);
    assert_string_equal(again, want);

    /* a link to a file counts as the file; a link to a directory is not followed */
    char target[2300], link[2300];
    snprintf(target, sizeof target, "%s/run/stats.json", root);
    snprintf(link, sizeof link, "%s/run/zz_link.json", root);
    assert_int_equal(symlink(target, link), 0);
    snprintf(link, sizeof link, "%s/run/zz_dir", root);
    assert_int_equal(symlink(dir, link), 0);
    n = frame(buf, n, "zz_link.json", "[1, 2]\n");
    hex_of(buf, n, want);
    assert_int_equal(saydo_file_hash(dir, got), SAYDO_OK);
    assert_string_equal(got, want);

    /* one byte changed in one member changes the digest */
    put("run/stats.json", "[1, 3]\n");
    assert_int_equal(saydo_file_hash(dir, again), SAYDO_OK);
    assert_string_not_equal(again, got);
}

static void test_errors(void **state)
{
    (void)state;
    char path[2048], got[33];
    snprintf(path, sizeof path, "%s/absent", root);
    assert_int_equal(saydo_file_hash(path, got), SAYDO_E_IO);
    assert_non_null(strstr(saydo_last_error(), "absent"));
}

int main(void)
{
    const char *tmp = getenv("SAYDO_TMP");
    snprintf(root, sizeof root, "%s/eco_hash.XXXXXX", tmp ? tmp : "/tmp");
    if (!mkdtemp(root)) {
        perror(root);
        return 1;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_file),
        cmocka_unit_test(test_directory),
        cmocka_unit_test(test_errors),
    };
    int rc = cmocka_run_group_tests(tests, NULL, NULL);
    char cmd[1100];
    snprintf(cmd, sizeof cmd, "rm -rf '%s'", root);
    if (rc == 0 && system(cmd) != 0) rc = 1;
    return rc;
}
