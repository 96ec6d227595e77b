/* Whole-column reads with parallel decompression (h5u_read_columns).
 *
 * H5Dread decompresses a dataset chunk by chunk on one thread, through two
 * intermediate buffers (inflate, then unshuffle, then a copy into the
 * caller's array). For the store's record columns (chunked, shuffle +
 * deflate, no type conversion) this file does the same work itself: it asks
 * HDF5 for each chunk's raw bytes (H5Dget_chunk_info_by_coord +
 * H5Dread_chunk, on the calling thread, since HDF5 serialises its API
 * anyway), then inflates and unshuffles every chunk of every requested
 * column in saydo_threads() threads (pthreads: src/io is built without
 * OpenMP) straight into the destination rows, checking each chunk's Adler-32
 * as zlib would. Chunks are independent and each writes its own rows, so the
 * bytes are those of H5Dread for any thread count (test_h5chunk.c checks
 * this, and that damaged chunks are refused).
 *
 * Anything unusual falls back to H5Dread for that column: a contiguous or
 * compact layout, filters other than [shuffle], [deflate] or [shuffle,
 * deflate], a chunk that is not as wide as a 2-D dataset, an unallocated
 * chunk (fill value), or a file type that needs conversion. */
#include <stdatomic.h>
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "io/h5check.h"
#include "io/h5util.h"
#include "util/bigmem.h"
#include "util/threads.h"
#include "util/try.h"

/* Which path the last h5u_read_columns() call took for its first column (for h5u_selfcheck). */
static _Thread_local int last_fast;

/* One stored chunk: its raw bytes in the shared buffer and its rows. */
typedef struct {
    int col;
    size_t raw_off, raw_len;
    size_t row0, rows;        /* destination rows [row0, row0 + rows) */
    unsigned skipped;         /* filter mask: bit i = filter i was not applied */
    int direct;               /* stored as is and whole: copied into its rows as read */
} chunk_t;

/* What the fast path needs to know about a column. */
typedef struct {
    int fast;                 /* 0: read with H5Dread */
    int shuffle_pos, deflate_pos;   /* position in the pipeline, -1 = absent */
    size_t chunk_rows, cols, esz;
    size_t chunk_bytes;       /* chunk_rows * cols * esz: the inflated size */
    unsigned char *dst;
} plan_t;

/* Filters the fast path can undo: shuffle (first, if present) then deflate. */
static int plan_filters(hid_t dcpl, plan_t *pl)
{
    int nf = H5Pget_nfilters(dcpl);
    if (nf < 0 || nf > 2) return 0;
    pl->shuffle_pos = pl->deflate_pos = -1;
    for (int i = 0; i < nf; i++) {
        unsigned flags = 0, cd[8];
        size_t ncd = 8;
        char name[64];
        H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, sizeof name, name, NULL);
        if (f == H5Z_FILTER_SHUFFLE && i == 0) pl->shuffle_pos = i;
        else if (f == H5Z_FILTER_DEFLATE && i == nf - 1) pl->deflate_pos = i;
        else return 0;
    }
    return 1;
}

/* Checks the column for the fast path and collects its chunks' sizes. */
static saydo_status plan_column(hid_t d, const h5u_col_t *c, int ci, plan_t *pl, chunk_t **chunks, size_t *nch,
                                size_t *cap, size_t *raw_total)
{
    saydo_status st = SAYDO_OK;
    hid_t ft = -1, fs = -1, dcpl = -1;
    pl->fast = 0;
    ft = H5Dget_type(d);
    fs = H5Dget_space(d);
    dcpl = H5Dget_create_plist(d);
    if (ft < 0 || fs < 0 || dcpl < 0) goto cleanup;
    if (H5Tequal(ft, c->memtype) <= 0 || H5Tget_size(ft) != c->esz) goto cleanup;
    hsize_t dims[2] = {0, 1}, chunk[2] = {0, 1};
    int rank = h5u_dims2(fs, dims);
    if (rank < 1 || rank > 2 || H5Pget_layout(dcpl) != H5D_CHUNKED) goto cleanup;
    if (H5Pget_chunk(dcpl, rank, chunk) != rank || chunk[0] == 0) goto cleanup;
    if (rank == 2 && chunk[1] != dims[1]) goto cleanup;   /* a chunk must hold whole rows */
    if (!plan_filters(dcpl, pl)) goto cleanup;
    pl->chunk_rows = (size_t)chunk[0];
    pl->cols = rank == 2 ? (size_t)dims[1] : 1;
    pl->esz = c->esz;
    pl->chunk_bytes = pl->chunk_rows * pl->cols * pl->esz;
    size_t n = (size_t)dims[0], first = *nch, raw_first = *raw_total;
    if (pl->cols == 0) n = 0;   /* no columns: nothing stored, nothing to read */
    for (size_t r0 = 0; r0 < n; r0 += pl->chunk_rows) {
        hsize_t off[2] = {(hsize_t)r0, 0};
        unsigned mask = 0;
        haddr_t addr = HADDR_UNDEF;
        hsize_t size = 0;
        if (H5Dget_chunk_info_by_coord(d, off, &mask, &addr, &size) < 0 || addr == HADDR_UNDEF || size == 0) {
            *nch = first;   /* unallocated (fill value) or unknown: let H5Dread do it */
            *raw_total = raw_first;
            goto cleanup;
        }
        /* deflate adds at most a few bytes per 16 KB: a larger chunk is a
         * damaged chunk index (1.8-format stores have no checksum on it) */
        SAYDO_FAIL_IF(size > pl->chunk_bytes + pl->chunk_bytes / 64 + 1024, SAYDO_E_SCHEMA,
                      "dataset %s: a chunk of %llu bytes where %zu fit (damaged file)", c->name,
                      (unsigned long long)size, pl->chunk_bytes);
        if (*nch == *cap) {
            size_t nc = *cap ? 2 * *cap : 256;
            chunk_t *nb = realloc(*chunks, nc * sizeof *nb);
            SAYDO_FAIL_IF(!nb, SAYDO_E_NOMEM, "out of memory");
            *chunks = nb;
            *cap = nc;
        }
        chunk_t *k = &(*chunks)[(*nch)++];
        k->col = ci;
        k->raw_off = *raw_total;
        k->raw_len = (size_t)size;
        k->row0 = r0;
        k->rows = n - r0 < pl->chunk_rows ? n - r0 : pl->chunk_rows;
        k->skipped = mask;
        k->direct = 0;
        *raw_total += (size_t)size;
    }
    pl->fast = 1;
cleanup:
    if (dcpl >= 0) H5Pclose(dcpl);
    if (fs >= 0) H5Sclose(fs);
    if (ft >= 0) H5Tclose(ft);
    return st;
}

/* ---- Adler-32 ----------------------------------------------------------
 * The chunks are zlib streams: deflate data plus an Adler-32 of the output.
 * zlib checks it at about 1 GB/s, a sixth of `saydo score`'s CPU time on the
 * benchmark store; the AVX2 sum below does the same check at about 4 GB/s
 * (same value: test_h5chunk.c reads every dataset through it). Without AVX2
 * zlib's adler32() does it. */
enum { ADLER_MOD = 65521, ADLER_NMAX = 5552 };

#if defined(__GNUC__) && (defined(__x86_64__) || defined(__i386__))
#include <immintrin.h>
#define HAVE_ADLER_AVX2 1
__attribute__((target("avx2"))) static uint32_t adler_avx2(const unsigned char *p, size_t n)
{
    uint32_t s1 = 1, s2 = 0;
    /* s2 gains 32 * (s1 before each 32-byte block) plus the block's bytes weighted 32 .. 1 */
    const __m256i w = _mm256_setr_epi8(32, 31, 30, 29, 28, 27, 26, 25, 24, 23, 22, 21, 20, 19, 18, 17, 16, 15, 14, 13,
                                       12, 11, 10, 9, 8, 7, 6, 5, 4, 3, 2, 1);
    const __m256i ones = _mm256_set1_epi16(1), zero = _mm256_setzero_si256();
    while (n >= 32) {
        /* at most NMAX bytes between reductions: no 32-bit lane can overflow */
        size_t blocks = (n < ADLER_NMAX ? n : ADLER_NMAX) / 32;
        n -= blocks * 32;
        __m256i vs1 = zero, vs2 = zero, vps = zero;
        s2 += s1 * (uint32_t)(blocks * 32);
        for (size_t b = 0; b < blocks; b++, p += 32) {
            __m256i x = _mm256_loadu_si256((const __m256i *)(const void *)p);
            vps = _mm256_add_epi32(vps, vs1);
            vs1 = _mm256_add_epi32(vs1, _mm256_sad_epu8(x, zero));
            vs2 = _mm256_add_epi32(vs2, _mm256_madd_epi16(_mm256_maddubs_epi16(x, w), ones));
        }
        vs2 = _mm256_add_epi32(vs2, _mm256_slli_epi32(vps, 5));
        uint32_t t1[8], t2[8];
        _mm256_storeu_si256((__m256i *)(void *)t1, vs1);
        _mm256_storeu_si256((__m256i *)(void *)t2, vs2);
        uint64_t a1 = 0, a2 = 0;
        for (int i = 0; i < 8; i++) {
            a1 += t1[i];
            a2 += t2[i];
        }
        s1 = (uint32_t)((s1 + a1) % ADLER_MOD);
        s2 = (uint32_t)((s2 + a2) % ADLER_MOD);
    }
    while (n--) {
        s1 += *p++;
        s2 += s1;
    }
    return (s1 % ADLER_MOD) | (s2 % ADLER_MOD) << 16;
}
#endif

static uint32_t adler(const unsigned char *p, size_t n)
{
#ifdef HAVE_ADLER_AVX2
    if (__builtin_cpu_supports("avx2")) return adler_avx2(p, n);
#endif
    uint32_t a = (uint32_t)adler32(0L, Z_NULL, 0);
    while (n) {   /* uInt-sized pieces */
        uInt k = n > (1u << 30) ? 1u << 30 : (uInt)n;
        a = (uint32_t)adler32(a, p, k);
        p += k;
        n -= k;
    }
    return a;
}

/* Undoes HDF5's shuffle: byte j of element i sits at src[j * N + i] (N
 * elements in the whole chunk); only the first `count` elements are wanted.
 * The 2- and 4-byte cases interleave 16 elements at a time with SSE2 byte
 * and word unpacks (x86-64 always has SSE2; -O2 leaves the scalar loops
 * scalar), which the scalar tail loops repeat one element at a time. */
#if defined(__SSE2__)
#include <emmintrin.h>
#endif
static void unshuffle(unsigned char *restrict dst, const unsigned char *restrict src, size_t N, size_t count,
                      size_t esz)
{
    size_t i = 0;
    if (esz == 1) {
        memcpy(dst, src, count);
    } else if (esz == 2) {
        const unsigned char *b0 = src, *b1 = src + N;
#if defined(__SSE2__)
        for (; i + 16 <= count; i += 16) {
            const __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(b0 + i));
            const __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(b1 + i));
            _mm_storeu_si128((__m128i *)(void *)(dst + 2 * i), _mm_unpacklo_epi8(x0, x1));
            _mm_storeu_si128((__m128i *)(void *)(dst + 2 * i + 16), _mm_unpackhi_epi8(x0, x1));
        }
#endif
        for (; i < count; i++) {
            dst[2 * i] = b0[i];
            dst[2 * i + 1] = b1[i];
        }
    } else if (esz == 4) {
        const unsigned char *b0 = src, *b1 = src + N, *b2 = src + 2 * N, *b3 = src + 3 * N;
#if defined(__SSE2__)
        for (; i + 16 <= count; i += 16) {
            const __m128i x0 = _mm_loadu_si128((const __m128i *)(const void *)(b0 + i));
            const __m128i x1 = _mm_loadu_si128((const __m128i *)(const void *)(b1 + i));
            const __m128i x2 = _mm_loadu_si128((const __m128i *)(const void *)(b2 + i));
            const __m128i x3 = _mm_loadu_si128((const __m128i *)(const void *)(b3 + i));
            /* bytes 0,1 and 2,3 of each element as 16-bit halves, then the halves as words */
            const __m128i lo01 = _mm_unpacklo_epi8(x0, x1), hi01 = _mm_unpackhi_epi8(x0, x1);
            const __m128i lo23 = _mm_unpacklo_epi8(x2, x3), hi23 = _mm_unpackhi_epi8(x2, x3);
            unsigned char *o = dst + 4 * i;
            _mm_storeu_si128((__m128i *)(void *)o, _mm_unpacklo_epi16(lo01, lo23));
            _mm_storeu_si128((__m128i *)(void *)(o + 16), _mm_unpackhi_epi16(lo01, lo23));
            _mm_storeu_si128((__m128i *)(void *)(o + 32), _mm_unpacklo_epi16(hi01, hi23));
            _mm_storeu_si128((__m128i *)(void *)(o + 48), _mm_unpackhi_epi16(hi01, hi23));
        }
#endif
        /* a little-endian word from its four bytes */
        uint32_t *o = (uint32_t *)(void *)dst;
        for (; i < count; i++)
            o[i] = (uint32_t)b0[i] | (uint32_t)b1[i] << 8 | (uint32_t)b2[i] << 16 | (uint32_t)b3[i] << 24;
    } else {
        for (size_t j = 0; j < esz; j++) {
            const unsigned char *b = src + j * N;
            for (size_t i = 0; i < count; i++) dst[i * esz + j] = b[i];
        }
    }
}

/* Inflates and unshuffles one chunk into its rows. scratch holds chunk_bytes. */
static int decode_chunk(const chunk_t *k, const plan_t *pl, const unsigned char *raw, unsigned char *scratch,
                        z_stream *zs)
{
    const unsigned char *plain = raw + k->raw_off;
    int deflated = pl->deflate_pos >= 0 && !(k->skipped & (1u << pl->deflate_pos));
    int shuffled = pl->shuffle_pos >= 0 && !(k->skipped & (1u << pl->shuffle_pos));
    size_t count = k->rows * pl->cols, N = pl->chunk_rows * pl->cols;
    unsigned char *dst = pl->dst + k->row0 * pl->cols * pl->esz;
    if (deflated) {
        /* a zlib stream (RFC 1950) as HDF5's deflate filter writes it: a
         * 2-byte header, raw deflate data, the Adler-32 of the output */
        if (k->raw_len < 6 || (plain[0] & 0x0f) != 8 || (plain[0] >> 4) > 7 || (plain[1] & 0x20) ||
            ((unsigned)plain[0] << 8 | plain[1]) % 31 != 0)
            return 0;
        if (inflateReset(zs) != Z_OK) return 0;
        zs->next_in = (unsigned char *)(uintptr_t)(plain + 2);
        zs->avail_in = (uInt)(k->raw_len - 2);
        /* unshuffled output can go straight to the destination, but only the
         * valid rows fit there: the tail chunk goes through scratch */
        unsigned char *out = shuffled || count != N ? scratch : dst;
        zs->next_out = out;
        zs->avail_out = (uInt)pl->chunk_bytes;
        if (inflate(zs, Z_FINISH) != Z_STREAM_END || zs->total_out != pl->chunk_bytes || zs->avail_in < 4) return 0;
        const unsigned char *t = zs->next_in;
        uint32_t want = (uint32_t)t[0] << 24 | (uint32_t)t[1] << 16 | (uint32_t)t[2] << 8 | t[3];
        if (adler(out, pl->chunk_bytes) != want) return 0;
        if (shuffled) unshuffle(dst, scratch, N, count, pl->esz);
        else if (out != dst) memcpy(dst, scratch, count * pl->esz);
        return 1;
    }
    if (k->raw_len != pl->chunk_bytes) return 0;
    if (shuffled) unshuffle(dst, plain, N, count, pl->esz);
    else memcpy(dst, plain, count * pl->esz);
    return 1;
}

/* The parallel part: chunks are handed out one at a time through a shared
 * counter (they differ in cost: logp barely compresses). */
typedef struct {
    const chunk_t *chunks;
    size_t nch;
    const plan_t *pl;
    const unsigned char *raw;
    size_t max_chunk;
    atomic_size_t next;
    atomic_long bad;          /* lowest failed chunk, -1 = none */
} decode_job_t;

static void decode_worker(void *ctx, int t)
{
    decode_job_t *job = ctx;
    (void)t;
    unsigned char *scratch = malloc(job->max_chunk ? job->max_chunk : 1);
    z_stream zs;
    memset(&zs, 0, sizeof zs);
    int ok = scratch && inflateInit2(&zs, -15) == Z_OK;   /* raw deflate: the header and check are ours */
    for (;;) {
        size_t j = atomic_fetch_add(&job->next, 1);
        if (j >= job->nch) break;
        const chunk_t *k = &job->chunks[j];
        if (!job->pl[k->col].fast || k->direct) continue;
        if (!ok || !decode_chunk(k, &job->pl[k->col], job->raw, scratch, &zs)) {
            long want = (long)j, cur = atomic_load(&job->bad);
            while ((cur < 0 || want < cur) && !atomic_compare_exchange_weak(&job->bad, &cur, want)) {
            }
        }
    }
    if (ok) inflateEnd(&zs);
    free(scratch);
}

saydo_status h5u_read_columns(hid_t loc, h5u_col_t *c, int n_cols)
{
    saydo_status st = SAYDO_OK;
    hid_t *d = NULL;
    plan_t *pl = NULL;
    chunk_t *chunks = NULL;
    unsigned char *raw = NULL, *bounce = NULL;
    size_t nch = 0, cap = 0, raw_total = 0, max_chunk = 0;
    SAYDO_NEW(d, (size_t)n_cols);
    SAYDO_NEW(pl, (size_t)n_cols);
    for (int i = 0; i < n_cols; i++) {
        d[i] = -1;
        *c[i].out = NULL;
        c[i].n = 0;
        c[i].cols = 1;
    }
    for (int i = 0; i < n_cols; i++) {
        SAYDO_FAIL_IF(H5Lexists(loc, c[i].name, H5P_DEFAULT) <= 0, SAYDO_E_SCHEMA, "dataset %s is missing",
                      c[i].name);
        d[i] = H5Dopen2(loc, c[i].name, H5P_DEFAULT);
        SAYDO_FAIL_IF(d[i] < 0, SAYDO_E_SCHEMA, "dataset %s cannot be opened", c[i].name);
        SAYDO_TRY(plan_column(d[i], &c[i], i, &pl[i], &chunks, &nch, &cap, &raw_total));
        if (i == 0) last_fast = pl[i].fast;
        if (!pl[i].fast) {
            /* the general path validates type and shape itself */
            size_t *cols = c[i].allow_2d ? &c[i].cols : NULL;
            SAYDO_TRY(h5u_read(loc, c[i].name, c[i].memtype, c[i].esz, c[i].out, &c[i].n, cols));
            continue;
        }
        hid_t fs = H5Dget_space(d[i]);
        hsize_t dims[2] = {0, 1};
        int rank = h5u_dims2(fs, dims);
        H5Sclose(fs);
        SAYDO_FAIL_IF(rank == 2 && !c[i].allow_2d, SAYDO_E_SCHEMA, "dataset %s has the wrong shape", c[i].name);
        c[i].n = (size_t)dims[0];
        c[i].cols = pl[i].cols;
        size_t elems = c[i].n * c[i].cols;
        pl[i].dst = saydo_big_array(elems > 0 ? elems : 1, c[i].esz);
        SAYDO_FAIL_IF(!pl[i].dst, SAYDO_E_NOMEM, "out of memory reading %s", c[i].name);
        *c[i].out = pl[i].dst;
        if (pl[i].chunk_bytes > max_chunk) max_chunk = pl[i].chunk_bytes;
    }
    /* A chunk stored without any filter applied and holding whole rows (all
     * but a partial last one) is the destination's bytes already (the
     * store's logp column is such): it goes through one reused chunk-sized
     * buffer into its rows instead of through the raw buffer, which saves
     * the raw buffer's 19 MB. (Reading it straight into its rows costs more
     * on the benchmark VM: pages the kernel filled fault again at their
     * first touch from user space, in the next stage; the copy through a
     * warm buffer measured 0.45 s against 0.48 s of CPU for `saydo score`,
     * median of 6 alternating runs.) The others' raw bytes go to the buffer. */
    raw_total = 0;
    for (size_t j = 0; j < nch; j++) {
        chunk_t *k = &chunks[j];
        const plan_t *q = &pl[k->col];
        if (!q->fast) continue;
        const int deflated = q->deflate_pos >= 0 && !(k->skipped & (1u << q->deflate_pos));
        const int shuffled = q->shuffle_pos >= 0 && !(k->skipped & (1u << q->shuffle_pos));
        k->direct = !deflated && !shuffled && k->rows == q->chunk_rows && k->raw_len == q->chunk_bytes;
        if (k->direct) continue;
        k->raw_off = raw_total;
        raw_total += k->raw_len;
    }
    /* the chunks' bytes, read through HDF5 on this thread */
    bounce = malloc(max_chunk ? max_chunk : 1);
    SAYDO_FAIL_IF(!bounce, SAYDO_E_NOMEM, "out of memory");
    raw = saydo_big_malloc(raw_total);
    SAYDO_FAIL_IF(!raw, SAYDO_E_NOMEM, "out of memory");
    for (size_t j = 0; j < nch; j++) {
        const chunk_t *k = &chunks[j];
        const plan_t *q = &pl[k->col];
        if (!q->fast) continue;
        hsize_t off[2] = {(hsize_t)k->row0, 0};
        uint32_t mask = 0;
        unsigned char *to = k->direct ? bounce : raw + k->raw_off;
        SAYDO_FAIL_IF(H5Dread_chunk(d[k->col], H5P_DEFAULT, off, &mask, to) < 0 || mask != k->skipped,
                      SAYDO_E_SCHEMA, "dataset %s cannot be read (damaged file?)", c[k->col].name);
        if (k->direct) memcpy(q->dst + k->row0 * q->cols * q->esz, bounce, k->raw_len);
    }
    decode_job_t job = {chunks, nch, pl, raw, max_chunk, 0, -1};
    int nt = saydo_threads();
    saydo_threads_run(nt < (int)nch ? nt : (int)(nch ? nch : 1), decode_worker, &job);
    long bad = job.bad;
    SAYDO_FAIL_IF(bad >= 0, SAYDO_E_SCHEMA, "dataset %s: chunk at row %zu cannot be decompressed (damaged file?)",
                  c[chunks[bad].col].name, chunks[bad].row0);
cleanup:
    if (st < 0 && c)
        for (int i = 0; i < n_cols; i++) {
            free(*c[i].out);
            *c[i].out = NULL;
        }
    for (int i = 0; d && i < n_cols; i++)
        if (d[i] >= 0) H5Dclose(d[i]);
    free(d);
    free(pl);
    free(chunks);
    free(raw);
    free(bounce);
    return st;
}

saydo_status h5u_selfcheck(const char *path, const char *name, int both, int *same, int *fast, size_t *n)
{
    saydo_status st = SAYDO_OK;
    hid_t f = -1, d = -1, ft = -1, mt = -1;
    void *a = NULL, *b = NULL;
    *same = *fast = 0;
    *n = 0;
    h5u_quiet();
    f = H5Fopen(path, H5F_ACC_RDONLY, H5P_DEFAULT);
    SAYDO_FAIL_IF(f < 0, SAYDO_E_IO, "%s: cannot open", path);
    d = H5Dopen2(f, name, H5P_DEFAULT);
    SAYDO_FAIL_IF(d < 0, SAYDO_E_SCHEMA, "%s: no dataset %s", path, name);
    ft = H5Dget_type(d);
    mt = H5Tget_native_type(ft, H5T_DIR_ASCEND);
    SAYDO_FAIL_IF(mt < 0, SAYDO_E_SCHEMA, "%s: no native type", name);
    size_t esz = H5Tget_size(mt), na = 0, ca = 1, nb = 0, cb = 1;
    h5u_col_t col = {name, mt, esz, 1, &a, 0, 0};
    SAYDO_TRY(h5u_read_columns(f, &col, 1));
    *fast = last_fast;
    na = col.n;
    ca = col.cols;
    *n = na * ca;
    *same = 1;
    if (!both) goto cleanup;
    SAYDO_TRY(h5u_read(f, name, mt, esz, &b, &nb, &cb));
    *same = na == nb && ca == cb && memcmp(a, b, na * ca * esz) == 0;
cleanup:
    free(a);
    free(b);
    if (mt >= 0) H5Tclose(mt);
    if (ft >= 0) H5Tclose(ft);
    if (d >= 0) H5Dclose(d);
    if (f >= 0) H5Fclose(f);
    return st;
}
