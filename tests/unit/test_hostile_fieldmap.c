/* A mapping file that fails to load must leave the map as it was.
 *
 * Finding of the hardening work (issue 10) against src/io/fieldmap.c:
 * saydo_fieldmap_load() writes each line into the caller's map as it goes
 * and, at an error on a later line, frees the file's text that the entries
 * already written point into. The map then holds dangling names: a lookup
 * reads freed memory (ASan: heap-use-after-free) and the defaults it
 * overwrote are gone. The CLI exits at once on a bad mapping, so only library
 * callers (and a future "--map A --map B") meet it. Fix: parse into a copy
 * of the map and copy it back only on success.
 *
 * The expected values are the defaults of saydo_fieldmap_default(). */
#include <setjmp.h>
#include <stdarg.h>
#include <stddef.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <cmocka.h>
#include "saydo/reader.h"

static void test_failed_load_keeps_map(void **state)
{
    (void)state;
    const char *tmp = getenv("SAYDO_TMP");
    char path[4096];
    snprintf(path, sizeof path, "%s/hostile_fieldmap.map", tmp && *tmp ? tmp : ".");
    FILE *f = fopen(path, "w");
    assert_non_null(f);
    /* line 1 is good and replaces the item names; line 3 is not `field = source` */
    fputs("item = question_id\nside.stated = word\nthis line has no equals sign\n", f);
    assert_int_equal(fclose(f), 0);

    saydo_fieldmap_t map;
    int label;
    saydo_fieldmap_default(&map);
    assert_int_equal(saydo_fieldmap_load(path, &map), SAYDO_E_PARSE);
    assert_non_null(strstr(saydo_last_error(), ":3: expected `field = source`"));
    /* the defaults are still there, and nothing of the failed file */
    assert_int_equal(saydo_fieldmap_lookup(&map, "item", 4, &label), SAYDO_F_ITEM);
    assert_int_equal(saydo_fieldmap_lookup(&map, "item_id", 7, &label), SAYDO_F_ITEM);
    assert_int_equal(saydo_fieldmap_lookup(&map, "question_id", 11, &label), SAYDO_F_NONE);
    assert_string_equal(saydo_fieldmap_side(&map, "stated"), "stated");
    saydo_fieldmap_free(&map);
    remove(path);
}

int main(void)
{
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_failed_load_keeps_map),
    };
    return cmocka_run_group_tests(tests, NULL, NULL);
}
