/* Appends that write whole chunks themselves (h5u_append_chunks).
 *
 * Through H5Dwrite, every chunk of a store column goes through HDF5's chunk
 * cache and filter pipeline: a copy into the cache, the shuffle filter into
 * a second buffer, zlib's deflate (set up anew for each chunk, which costs
 * more than compressing these) into a third. Here the rows that fill whole
 * chunks are shuffled once into a reused buffer, deflated into another
 * (zrle.c when the chunk is a few runs, as most are; else one reused zlib
 * stream), and handed to H5Dwrite_chunk, which stores the bytes as they
 * are. They are what the filters would have stored: a shuffled chunk in a
 * zlib stream (RFC 1950), which HDF5's deflate filter, h5py and h5chunk.c
 * read alike. Rows before the first chunk boundary and after the last one
 * go through H5Dwrite.
 *
 * Not libdeflate's compressor: at its level 3 it is as fast as zlib's 1 on
 * the chunks zrle declines, but it codes long runs as overlapping matches
 * (distance 1-4), which zlib's inflate, used by HDF5 and h5chunk.c, copies a
 * byte at a time: 0.4 ms to read an item-code chunk, against 0.06 ms for
 * zlib's own stream. */
#include <stdlib.h>
#include <string.h>
#include <zlib.h>
#include "io/h5util.h"
#include "io/zrle.h"
#include "util/try.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

struct h5u_chunker {
    z_stream zs;
    int zs_level;             /* the level zs was set up for, -1: none */
    unsigned char *shuf, *out;
    size_t shuf_cap, out_cap;
};

h5u_chunker_t *h5u_chunker_new(void)
{
    h5u_chunker_t *z = calloc(1, sizeof *z);
    if (z) z->zs_level = -1;
    return z;
}

void h5u_chunker_free(h5u_chunker_t *z)
{
    if (!z) return;
    if (z->zs_level >= 0) deflateEnd(&z->zs);
    free(z->shuf);
    free(z->out);
    free(z);
}

/* How a column's chunks are stored: which of the two filters, in that order. */
typedef struct {
    int ok;                   /* 0: only H5Dwrite may write this column */
    int shuffle, level;       /* level -1: no deflate */
    hsize_t chunk_rows;
    size_t cols, esz;
} layout_t;

static layout_t column_layout(hid_t d, hid_t memtype, int rank, const hsize_t *dims)
{
    layout_t L = {0, 0, -1, 0, 1, 0};
    hid_t dcpl = H5Dget_create_plist(d), ft = H5Dget_type(d);
    hsize_t chunk[2] = {0, 0};
    if (dcpl < 0 || ft < 0 || H5Pget_layout(dcpl) != H5D_CHUNKED) goto done;
    /* the buffer's bytes must be the file's: no conversion, whole rows per chunk */
    if (H5Tequal(ft, memtype) <= 0 || H5Pget_chunk(dcpl, rank, chunk) != rank || chunk[0] == 0) goto done;
    if (rank == 2 && chunk[1] != dims[1]) goto done;
    int nf = H5Pget_nfilters(dcpl);
    for (int i = 0; i < nf; i++) {
        unsigned flags = 0, cd[8] = {0};
        size_t ncd = 8;
        H5Z_filter_t f = H5Pget_filter2(dcpl, (unsigned)i, &flags, &ncd, cd, 0, NULL, NULL);
        if (f == H5Z_FILTER_SHUFFLE && i == 0) L.shuffle = 1;
        else if (f == H5Z_FILTER_DEFLATE && i == nf - 1) L.level = ncd ? (int)cd[0] : 6;
        else goto done;
    }
    L.chunk_rows = chunk[0];
    L.cols = rank == 2 ? (size_t)dims[1] : 1;
    L.esz = H5Tget_size(ft);
    L.ok = L.esz > 0 && L.cols > 0;
done:
    if (ft >= 0) H5Tclose(ft);
    if (dcpl >= 0) H5Pclose(dcpl);
    return L;
}

/* HDF5's shuffle: byte j of element i goes to dst[j * n + i]. The 2- and
 * 4-byte cases take 16 elements at a time with SSE2 (x86-64 always has it):
 * 2 bytes split by masks and packs; 4 bytes gather each element's bytes by
 * 32-bit shuffles and byte and word unpacks, then transpose 4 x 4 words
 * (as c-blosc's shuffle4_sse2). 8 bytes: 8 x 8 byte transposes in 64-bit
 * words. The scalar loops do the rest. */
static void shuffle(unsigned char *restrict dst, const unsigned char *restrict src, size_t n, size_t esz)
{
    size_t i = 0;
#if defined(__SSE2__)
    if (esz == 2) {
        const __m128i lo = _mm_set1_epi16(0xFF);
        for (; i + 16 <= n; i += 16) {
            const __m128i a = _mm_loadu_si128((const __m128i *)(const void *)(src + 2 * i));
            const __m128i b = _mm_loadu_si128((const __m128i *)(const void *)(src + 2 * i + 16));
            _mm_storeu_si128((__m128i *)(void *)(dst + i),
                             _mm_packus_epi16(_mm_and_si128(a, lo), _mm_and_si128(b, lo)));
            _mm_storeu_si128((__m128i *)(void *)(dst + n + i),
                             _mm_packus_epi16(_mm_srli_epi16(a, 8), _mm_srli_epi16(b, 8)));
        }
    } else if (esz == 4) {
        for (; i + 16 <= n; i += 16) {
            __m128i x[4], y[4];
            for (int k = 0; k < 4; k++) {   /* each vector: its 4 elements' byte 0s, 1s, 2s, 3s */
                x[k] = _mm_loadu_si128((const __m128i *)(const void *)(src + 4 * i + 16 * (size_t)k));
                y[k] = _mm_shuffle_epi32(x[k], 0xd8);
                x[k] = _mm_shuffle_epi32(x[k], 0x8d);
                x[k] = _mm_unpacklo_epi8(y[k], x[k]);
                y[k] = _mm_shuffle_epi32(x[k], 0x4e);
                x[k] = _mm_unpacklo_epi16(x[k], y[k]);
            }
            for (int k = 0; k < 2; k++) {
                y[2 * k] = _mm_unpacklo_epi32(x[2 * k], x[2 * k + 1]);
                y[2 * k + 1] = _mm_unpackhi_epi32(x[2 * k], x[2 * k + 1]);
            }
            for (int k = 0; k < 2; k++) {
                _mm_storeu_si128((__m128i *)(void *)(dst + (size_t)(2 * k) * n + i),
                                 _mm_unpacklo_epi64(y[k], y[k + 2]));
                _mm_storeu_si128((__m128i *)(void *)(dst + (size_t)(2 * k + 1) * n + i),
                                 _mm_unpackhi_epi64(y[k], y[k + 2]));
            }
        }
    }
#endif
    if (esz == 8) {   /* 8 elements at a time: an 8 x 8 byte transpose in three rounds of swaps */
        for (; i + 8 <= n; i += 8) {
            uint64_t r[8], t;
            memcpy(r, src + 8 * i, sizeof r);
            for (int k = 0; k < 4; k++) {
                t = ((r[k] >> 32) ^ r[k + 4]) & 0x00000000FFFFFFFFull;
                r[k] ^= t << 32;
                r[k + 4] ^= t;
            }
            for (int q = 0; q < 4; q++) {
                const int k = q < 2 ? q : q + 2;   /* 0, 1, 4, 5 */
                t = ((r[k] >> 16) ^ r[k + 2]) & 0x0000FFFF0000FFFFull;
                r[k] ^= t << 16;
                r[k + 2] ^= t;
            }
            for (int k = 0; k < 8; k += 2) {
                t = ((r[k] >> 8) ^ r[k + 1]) & 0x00FF00FF00FF00FFull;
                r[k] ^= t << 8;
                r[k + 1] ^= t;
            }
            for (size_t j = 0; j < 8; j++) memcpy(dst + j * n + i, &r[j], 8);   /* r[j]: byte j of each */
        }
    }
    for (; i < n; i++)
        for (size_t j = 0; j < esz; j++) dst[j * n + i] = src[i * esz + j];
}

static int grow(unsigned char **buf, size_t *cap, size_t need)
{
    if (need <= *cap) return 1;
    unsigned char *nb = realloc(*buf, need);
    if (!nb) return 0;
    *buf = nb;
    *cap = need;
    return 1;
}

/* Writes the chunk at row r0 (rows r0 .. r0 + chunk_rows of data). */
static saydo_status write_chunk(h5u_chunker_t *z, hid_t d, const char *name, const layout_t *L, hsize_t r0,
                                const unsigned char *data)
{
    const size_t len = (size_t)L->chunk_rows * L->cols * L->esz, n = len / L->esz;
    const unsigned char *p = data;
    if (L->shuffle && L->esz > 1) {   /* HDF5's shuffle leaves 1-byte elements alone */
        if (!grow(&z->shuf, &z->shuf_cap, len)) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        shuffle(z->shuf, p, n, L->esz);
        p = z->shuf;
    }
    size_t out_len = len;
    if (L->level >= 0) {
        if (z->zs_level != L->level) {
            if (z->zs_level >= 0) deflateEnd(&z->zs);
            memset(&z->zs, 0, sizeof z->zs);
            z->zs_level = -1;
            /* compress2()'s settings, as HDF5's filter uses them */
            if (deflateInit2(&z->zs, L->level > 9 ? 9 : L->level, Z_DEFLATED, 15, 8, Z_DEFAULT_STRATEGY) != Z_OK)
                return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
            z->zs_level = L->level;
        }
        if (!grow(&z->out, &z->out_cap, deflateBound(&z->zs, (uLong)len) + 16))
            return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
        out_len = zrle_compress(p, len, z->out, z->out_cap);   /* most chunks are a few runs */
        if (out_len == 0) {
            deflateReset(&z->zs);
            z->zs.next_in = (Bytef *)(uintptr_t)p;
            z->zs.avail_in = (uInt)len;
            z->zs.next_out = z->out;
            z->zs.avail_out = (uInt)z->out_cap;
            if (deflate(&z->zs, Z_FINISH) != Z_STREAM_END)
                return saydo_set_error(SAYDO_E_HDF5, "cannot compress a chunk of %s", name);
            out_len = z->zs.total_out;
        }
        p = z->out;
    }
    hsize_t off[2] = {r0, 0};
    if (H5Dwrite_chunk(d, H5P_DEFAULT, 0, off, out_len, p) < 0)
        return saydo_set_error(SAYDO_E_HDF5, "cannot write dataset %s (disk full?)", name);
    return SAYDO_OK;
}

saydo_status h5u_append_chunks(h5u_chunker_t *z, hid_t loc, const char *name, hid_t memtype, const void *data,
                               hsize_t n)
{
    saydo_status st = SAYDO_OK;
    hid_t d = -1;
    int rank;
    hsize_t dims[2];
    SAYDO_TRY(h5u_open_extend(loc, name, n, 1, &d, &rank, dims));
    const hsize_t r0 = dims[0];
    layout_t L = z && n ? column_layout(d, memtype, rank, dims) : (layout_t){0, 0, -1, 0, 1, 0};
    if (!L.ok) {
        SAYDO_TRY(h5u_write_slab(d, name, memtype, rank, dims, r0, n, data));
        goto cleanup;
    }
    /* head: up to the first chunk boundary; then whole chunks; the tail */
    const size_t row_bytes = L.cols * L.esz;
    hsize_t head = (L.chunk_rows - r0 % L.chunk_rows) % L.chunk_rows;
    if (head > n) head = n;
    SAYDO_TRY(h5u_write_slab(d, name, memtype, rank, dims, r0, head, data));
    hsize_t r = head;
    for (; n - r >= L.chunk_rows; r += L.chunk_rows)
        SAYDO_TRY(write_chunk(z, d, name, &L, r0 + r, (const unsigned char *)data + (size_t)r * row_bytes));
    const unsigned char *tail = (const unsigned char *)data + (size_t)r * row_bytes;
    SAYDO_TRY(h5u_write_slab(d, name, memtype, rank, dims, r0 + r, n - r, tail));
cleanup:
    if (d >= 0) H5Dclose(d);
    return st;
}
