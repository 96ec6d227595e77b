/* The parallel chunk reader (src/io/h5chunk.c) against H5Dread.
 *
 * h5py (Debian's python3-h5py, run through /usr/bin/python3) writes one file
 * with datasets in every layout the reader must either decode itself or hand
 * back to H5Dread: shuffle + deflate (the store's own), deflate only, shuffle
 * only, no filter, a partial last chunk, a single chunk larger than the
 * data, 2-D rows, 1-, 2-, 4- and 8-byte types, big-endian storage (needs
 * conversion: fallback), contiguous and compact layouts (fallback), a
 * fletcher32 checksum (fallback), chunks never written (fill value:
 * fallback), and an empty dataset. Every one must give exactly H5Dread's bytes
 * at 1, 2 and 5 threads; the fast path must be taken where it applies. Two
 * damaged copies (one chunk's checksum byte flipped, or a byte in its
 * middle) must fail with the dataset's name.
 * The data come from a fixed numpy seed; the truth is H5Dread itself. */
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
#include "util/threads.h"

static char path[512];

static const char *const script =
    "import sys, numpy as np, h5py\n"
    "r = np.random.default_rng(5)\n"
    "n = 200003\n"
    "f = h5py.File(sys.argv[1], 'w')\n"
    "codes = (np.arange(n) // 7 % 50).astype('<i4')\n"
    "f.create_dataset('sd_i4', data=codes, chunks=(65536,), maxshape=(None,), shuffle=True, compression='gzip', compression_opts=1)\n"
    "f.create_dataset('sd_i4_l9', data=r.integers(-2**31, 2**31 - 1, n, dtype='<i4'), chunks=(4096,), shuffle=True, compression='gzip', compression_opts=9)\n"
    "f.create_dataset('sd_i1', data=r.integers(-3, 26, n).astype('i1'), chunks=(65536,), shuffle=True, compression='gzip')\n"
    "f.create_dataset('sd_i2', data=r.integers(-1, 900, n).astype('<i2'), chunks=(30000,), shuffle=True, compression='gzip')\n"
    "f.create_dataset('sd_i8', data=r.integers(0, 2**62, n, dtype='<i8'), chunks=(10000,), shuffle=True, compression='gzip')\n"
    "f.create_dataset('sd_f4_2d', data=r.normal(size=(n, 2)).astype('<f4'), chunks=(32769, 2), maxshape=(None, None), shuffle=True, compression='gzip', compression_opts=1)\n"
    "f.create_dataset('sd_f8_2d3', data=r.normal(size=(1001, 3)), chunks=(100, 3), shuffle=True, compression='gzip')\n"
    "f.create_dataset('d_only', data=codes, chunks=(50000,), compression='gzip')\n"
    "f.create_dataset('s_only', data=codes, chunks=(50000,), shuffle=True)\n"
    "f.create_dataset('plain_chunked', data=codes, chunks=(65536,))\n"
    "f.create_dataset('one_big_chunk', data=codes[:1000], chunks=(65536,), maxshape=(None,), shuffle=True, compression='gzip')\n"
    "f.create_dataset('be_i4', data=codes.astype('>i4'), chunks=(65536,), shuffle=True, compression='gzip')\n"
    "f.create_dataset('contiguous', data=codes)\n"
    /* h5py has no keyword for a compact layout: the low-level API */
    "sp = h5py.h5s.create_simple((100,)); pl = h5py.h5p.create(h5py.h5p.DATASET_CREATE)\n"
    "pl.set_layout(h5py.h5d.COMPACT)\n"
    "h5py.h5d.create(f.id, b'compact', h5py.h5t.STD_I32LE, sp, pl).write(h5py.h5s.ALL, h5py.h5s.ALL, codes[:100].copy())\n"
    "f.create_dataset('fletcher', data=codes, chunks=(65536,), shuffle=True, compression='gzip', fletcher32=True)\n"
    "d = f.create_dataset('sparse', shape=(n,), dtype='<i4', chunks=(65536,), shuffle=True, compression='gzip', fillvalue=-7)\n"
    "d[70000:70010] = 3\n"
    "f.create_dataset('empty', shape=(0,), maxshape=(None,), dtype='<i4', chunks=(65536,), shuffle=True, compression='gzip')\n"
    "f.create_dataset('cols0', shape=(10, 0), maxshape=(None, None), dtype='<f4', chunks=(100, 1), shuffle=True, compression='gzip')\n"
    "f.close()\n"
    /* damaged copies: the last byte of a chunk (its Adler-32 alone), and bytes in its middle */
    "import shutil\n"
    "with h5py.File(sys.argv[1], 'r') as g:\n"
    "    ci = g['sd_i4_l9'].id.get_chunk_info(3)\n"
    "for suffix, pos in (('.sum', ci.byte_offset + ci.size - 1), ('.mid', ci.byte_offset + ci.size // 2)):\n"
    "    shutil.copy(sys.argv[1], sys.argv[1] + suffix)\n"
    "    with open(sys.argv[1] + suffix, 'r+b') as fh:\n"
    "        fh.seek(pos); b = fh.read(1); fh.seek(pos); fh.write(bytes([b[0] ^ 0x41]))\n";

static int setup(void **state)
{
    (void)state;
    return py_make_file(script, "h5chunk", path, sizeof path);
}

static int teardown(void **state)
{
    (void)state;
    char p2[600];
    remove(path);
    snprintf(p2, sizeof p2, "%s.sum", path);
    remove(p2);
    snprintf(p2, sizeof p2, "%s.mid", path);
    remove(p2);
    return 0;
}

typedef struct {
    const char *name;
    int fast;   /* the chunk path is expected */
} case_t;

static void test_same_as_h5dread(void **state)
{
    (void)state;
    static const case_t cases[] = {
        {"/sd_i4", 1},        {"/sd_i4_l9", 1},     {"/sd_i1", 1},        {"/sd_i2", 1},
        {"/sd_i8", 1},        {"/sd_f4_2d", 1},     {"/sd_f8_2d3", 1},    {"/d_only", 1},
        {"/s_only", 1},       {"/plain_chunked", 1}, {"/one_big_chunk", 1}, {"/be_i4", 0},
        {"/contiguous", 0},   {"/compact", 0},      {"/fletcher", 0},     {"/sparse", 0},
        {"/empty", 1},        {"/cols0", 0},
    };
    static const int threads[] = {1, 2, 5};
    for (size_t t = 0; t < sizeof threads / sizeof threads[0]; t++) {
        saydo_threads_set(threads[t]);
        for (size_t i = 0; i < sizeof cases / sizeof cases[0]; i++) {
            int same = 0, fast = -1;
            size_t n = 0;
            saydo_status st = h5u_selfcheck(path, cases[i].name, 1, &same, &fast, &n);
            if (st != SAYDO_OK) fail_msg("%s: %s", cases[i].name, saydo_last_error());
            if (!same) fail_msg("%s at %d threads: bytes differ from H5Dread", cases[i].name, threads[t]);
            if (fast != cases[i].fast)
                fail_msg("%s: chunk path %s, expected %s", cases[i].name, fast ? "taken" : "not taken",
                         cases[i].fast ? "taken" : "not taken");
        }
    }
    saydo_threads_set(0);
}

/* A damaged chunk is an error naming the dataset, never wrong data or a crash;
 * a flipped checksum byte alone must be caught too (the Adler-32 check). */
static void test_damaged_chunk(void **state)
{
    (void)state;
    static const char *const suffix[] = {".sum", ".mid"};
    for (int i = 0; i < 2; i++) {
        char p2[600];
        snprintf(p2, sizeof p2, "%s%s", path, suffix[i]);
        int same = 0, fast = 0;
        size_t n = 0;
        saydo_status st = h5u_selfcheck(p2, "/sd_i4_l9", 0, &same, &fast, &n);   /* the chunk path alone */
        if (st == SAYDO_OK) fail_msg("%s: a damaged chunk was read without an error", suffix[i]);
        assert_non_null(strstr(saydo_last_error(), "sd_i4_l9"));
        /* the other datasets of the file still read */
        assert_int_equal(h5u_selfcheck(p2, "/sd_i4", 1, &same, &fast, &n), SAYDO_OK);
        assert_true(same && fast);
    }
}

int main(void)
{
    if (!py_has("h5py, numpy")) {
        printf("skipped: /usr/bin/python3 has no h5py or numpy\n");
        return 77;
    }
    const struct CMUnitTest tests[] = {
        cmocka_unit_test(test_same_as_h5dread),
        cmocka_unit_test(test_damaged_chunk),
    };
    return cmocka_run_group_tests(tests, setup, teardown);
}
