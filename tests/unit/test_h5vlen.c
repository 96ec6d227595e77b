/* saydo's own vlen string reader (src/io/h5vlen.c) against H5Dread.
 *
 * h5py (Debian's python3-h5py) writes vlen UTF-8 string datasets in every
 * layout the reader must decode itself or leave to HDF5: deflate (the
 * store's), shuffle + deflate, no filter, partial last chunk, chunks never
 * written (nil strings), contiguous, compact (left to HDF5), empty. The
 * strings: ASCII, empty, accented, CJK and emoji UTF-8, and strings of 5000
 * and 70000 bytes (larger than a 4 KB heap collection, so each gets its own),
 * 30000 distinct ones (hundreds of collections). The truth is HDF5's own
 * conversion; every string must be the same. */
#include <stdarg.h>
#include <stddef.h>
#include <setjmp.h>
#include <stdint.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include <unistd.h>
#include <cmocka.h>

#include "io/h5check.h"
#include "py_test_util.h"

static char path[512];

static const char *const script =
    "import sys, h5py\n"
    "s = ['', 'a', 'word', 'd\\u00e9j\\u00e0 vu', '\\u4e2d\\u6587', '\\U0001f600 ok', 'x' * 5000, 'y' * 70000]\n"
    "s += ['item-%d-%s' % (i, 'z' * (i % 37)) for i in range(30000)]\n"
    "t = h5py.string_dtype('utf-8')\n"
    "f = h5py.File(sys.argv[1], 'w', libver=('v110', 'v110'))\n"
    "f.create_dataset('deflate', data=s, dtype=t, chunks=(256,), maxshape=(None,), compression='gzip', compression_opts=1)\n"
    "f.create_dataset('shuffle_deflate', data=s, dtype=t, chunks=(1000,), shuffle=True, compression='gzip')\n"
    "f.create_dataset('plain_chunked', data=s, dtype=t, chunks=(300,), maxshape=(None,))\n"
    "f.create_dataset('contiguous', data=s, dtype=t)\n"
    "sp = f.create_dataset('sparse', shape=(2000,), dtype=t, chunks=(256,))\n"
    "sp[0:256] = s[:256]\n"
    "sp[1500:1600] = s[1000:1100]\n"
    "f.create_dataset('empty', shape=(0,), dtype=t, chunks=(256,), maxshape=(None,))\n"
    "f.close()\n"
    "from h5py import h5d, h5p, h5s, h5t\n"
    "f = h5py.File(sys.argv[1], 'a')\n"
    "pl = h5p.create(h5p.DATASET_CREATE)\n"
    "pl.set_layout(h5d.COMPACT)\n"
    "tid = h5t.py_create(t, logical=True)\n"
    "ds = h5d.create(f.id, b'compact', tid, h5s.create_simple((20,)), dcpl=pl)\n"
    "f['compact'][...] = s[:20]\n"
    "f.close()\n";

static int setup(void **state)
{
    (void)state;
    return py_make_file(script, "h5vlen", path, sizeof path);
}

static int teardown(void **state)
{
    (void)state;
    remove(path);
    return 0;
}

static void test_same_as_h5dread(void **state)
{
    (void)state;
    static const struct {
        const char *name;
        int own;        /* saydo's reader is expected to take it */
        size_t n;
    } cases[] = {
        {"/deflate", 1, 30008},    {"/shuffle_deflate", 1, 30008}, {"/plain_chunked", 1, 30008},
        {"/contiguous", 1, 30008}, {"/sparse", 1, 2000},          {"/empty", 1, 0},
        {"/compact", 0, 0},
    };
    for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
        int same = 0, own = -1;
        size_t n = 0;
        saydo_status st = h5u_selfcheck_strings(path, cases[i].name, &same, &own, &n);
        if (st != SAYDO_OK) fail_msg("%s: %s", cases[i].name, saydo_last_error());
        if (own != cases[i].own)
            fail_msg("%s: saydo's reader %s, expected %s", cases[i].name, own ? "took it" : "left it",
                     cases[i].own ? "to take it" : "to leave it");
        if (own && !same) fail_msg("%s: strings differ from H5Dread", cases[i].name);
        if (own && n != cases[i].n) fail_msg("%s: %zu strings, expected %zu", cases[i].name, n, cases[i].n);
    }
}

int main(void)
{
    if (!py_has("h5py")) {
        printf("skipped: /usr/bin/python3 has no h5py\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_h5dread),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
