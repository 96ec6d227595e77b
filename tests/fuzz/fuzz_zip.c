/* libFuzzer target: the ZIP member reader (src/io/zipread.c) over a memory
 * buffer, with small limits so the zip-bomb guards trip on small inputs.
 *
 * Checks: member names are safe (no "../" component, no leading '/', no
 * backslash) and unique; a member read is NUL-terminated, within the
 * member limit, and readable to its end; a refused read names the member. */
#include <stdint.h>
#include "fuzz_util.h"
#include "io/zipread.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    saydo_src_t *src = NULL;
    saydo_zip_t *z = NULL;
    saydo_zip_limits_t lim = {.max_member = 1 << 20, .max_ratio = size % 2 ? 50.0 : 0.0};
    fuzz_quiet();
    if (saydo_src_open_mem("fuzz.eval", data, size, &src) != SAYDO_OK) return 0;
    if (saydo_zip_open(src, &lim, &z) != SAYDO_OK) {
        FUZZ_CHECK(z == NULL && saydo_last_error()[0]);
        saydo_src_free(src);
        return 0;
    }
    int64_t n = saydo_zip_count(z);
    FUZZ_CHECK(n >= 0);
    for (int64_t i = 0; i < n && i < 4096; i++) {
        const char *name = saydo_zip_name(z, i);
        FUZZ_CHECK(name != NULL);
        FUZZ_CHECK(name[0] != '/' && !strchr(name, '\\'));
        FUZZ_CHECK(strncmp(name, "../", 3) != 0 && !strstr(name, "/../") && strcmp(name, "..") != 0);
        size_t nl = strlen(name);
        FUZZ_CHECK(!(nl >= 3 && strcmp(name + nl - 3, "/..") == 0));
        FUZZ_CHECK(saydo_zip_find(z, name) == i);   /* unique names: find gives this member */
        const char *d = NULL;
        size_t len = 0;
        saydo_status st = saydo_zip_read(z, i, &d, &len);
        if (st == SAYDO_OK) {
            FUZZ_CHECK(d != NULL && d[len] == '\0' && len <= lim.max_member);
            volatile unsigned char x = 0;
            for (size_t k = 0; k < len; k++) x ^= (unsigned char)d[k];
            (void)x;
        } else {
            FUZZ_CHECK(st < 0 && saydo_last_error()[0]);
        }
    }
    FUZZ_CHECK(saydo_zip_find(z, "no such member \x01") == -1);
    saydo_zip_free(z);
    saydo_src_free(src);
    return 0;
}
