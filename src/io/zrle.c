/* Run-length deflate (see zrle.h).
 *
 * Most chunks of the store's code columns, once shuffled, are a few runs of
 * one byte each (one model, condition, variant or batch across 64K rows;
 * the high bytes of every code). Deflate stores a run as a literal and
 * matches that copy it forward; a general compressor still hashes every
 * position to find them, about 0.3 ms per 256 KB chunk, where scanning for
 * the run's end 16 bytes at a time takes some microseconds. The output is
 * plain deflate (RFC 1951, one block with the fixed codes of section 3.2.6)
 * in a zlib wrapper with its Adler-32 (libdeflate's, vectorised), so any
 * inflater reads it. */
#include <libdeflate.h>
#include <stdint.h>
#include <string.h>
#include "io/zrle.h"
#if defined(__SSE2__)
#include <emmintrin.h>
#endif

typedef struct {
    uint64_t acc;             /* pending bits, the first at bit 0 */
    int nbits;
    unsigned char *p, *end;
} bitw_t;

/* Appends the low n (<= 32) bits of v; 0 when out is full. */
static int put(bitw_t *b, uint32_t v, int n)
{
    b->acc |= (uint64_t)v << b->nbits;
    b->nbits += n;
    while (b->nbits >= 8) {
        if (b->p == b->end) return 0;
        *b->p++ = (unsigned char)b->acc;
        b->acc >>= 8;
        b->nbits -= 8;
    }
    return 1;
}

/* Huffman codes go out most significant bit first: reversed into the LSB-first stream. */
static uint32_t rev(uint32_t code, int len)
{
    uint32_t r = 0;
    for (int i = 0; i < len; i++) r |= (code >> i & 1u) << (len - 1 - i);
    return r;
}

/* The fixed literal/length code of symbol s (0..287), reversed. */
static void fixed_code(int s, uint32_t *code, int *len)
{
    if (s < 144) *code = 0x30u + (uint32_t)s, *len = 8;
    else if (s < 256) *code = 0x190u + (uint32_t)(s - 144), *len = 9;
    else if (s < 280) *code = (uint32_t)(s - 256), *len = 7;
    else *code = 0xC0u + (uint32_t)(s - 280), *len = 8;
    *code = rev(*code, *len);
}

/* Length symbols 257..285: base lengths and extra bits (RFC 1951 3.2.5). */
static const uint16_t len_base[29] = {3,  4,  5,  6,  7,  8,  9,  10, 11,  13,  15,  17,  19,  23, 27,
                                      31, 35, 43, 51, 59, 67, 83, 99, 115, 131, 163, 195, 227, 258};
static const uint8_t len_extra[29] = {0, 0, 0, 0, 0, 0, 0, 0, 1, 1, 1, 1, 2, 2, 2,
                                      2, 3, 3, 3, 3, 4, 4, 4, 4, 5, 5, 5, 5, 0};

/* Distance codes 0..29: base distances and extra bits (RFC 1951 3.2.5). */
static const uint16_t dist_base[30] = {1,    2,    3,    4,    5,    7,    9,    13,    17,    25,
                                       33,   49,   65,   97,   129,  193,  257,  385,   513,   769,
                                       1025, 1537, 2049, 3073, 4097, 6145, 8193, 12289, 16385, 24577};
static const uint8_t dist_extra[30] = {0, 0, 0, 0, 1, 1, 2, 2, 3, 3, 4, 4, 5, 5, 6,
                                       6, 7, 7, 8, 8, 9, 9, 10, 10, 11, 11, 12, 12, 13, 13};

/* A match of length m (3..258) at distance dist (1..32768). */
static int put_match(bitw_t *b, unsigned m, unsigned dist)
{
    int i = 28, j = 29;
    while (len_base[i] > m) i--;
    while (dist_base[j] > dist) j--;
    uint32_t code;
    int len;
    fixed_code(257 + i, &code, &len);
    /* fixed distance codes are the 5-bit code number itself */
    return put(b, code, len) && put(b, m - len_base[i], len_extra[i]) && put(b, rev((uint32_t)j, 5), 5) &&
           put(b, dist - dist_base[j], dist_extra[j]);
}

static int put_literal(bitw_t *b, unsigned char v)
{
    uint32_t code;
    int len;
    fixed_code(v, &code, &len);
    return put(b, code, len);
}

/* Index of the first byte at or after i that differs from v (n if none). */
static size_t run_end(const unsigned char *in, size_t i, size_t n, unsigned char v)
{
#if defined(__SSE2__)
    const __m128i pv = _mm_set1_epi8((char)v);
    for (; i + 16 <= n; i += 16) {
        const __m128i x = _mm_loadu_si128((const __m128i *)(const void *)(in + i));
        unsigned m = (unsigned)_mm_movemask_epi8(_mm_cmpeq_epi8(x, pv));
        if (m != 0xFFFFu) return i + (size_t)__builtin_ctz(~m & 0xFFFFu);
    }
#endif
    while (i < n && in[i] == v) i++;
    return i;
}

size_t zrle_compress(const unsigned char *in, size_t n, unsigned char *out, size_t cap)
{
    if (cap < 6 + 4) return 0;
    bitw_t b = {0, 0, out + 2, out + cap - 4};
    out[0] = 0x78;   /* deflate, 32 KB window */
    out[1] = 0x01;   /* no dictionary, "fastest" (0x7801 % 31 == 0) */
    size_t max_runs = n / 256 + 1, runs = 0;
    if (!put(&b, 1, 1) || !put(&b, 1, 2)) return 0;   /* BFINAL, BTYPE = 01 (fixed codes) */
    for (size_t i = 0; i < n;) {
        if (++runs > max_runs) return 0;
        const unsigned char v = in[i];
        size_t e = run_end(in, i + 1, n, v), rem = e - i - 1;
        if (!put_literal(&b, v)) return 0;
        /* the first 258 bytes from the literal (distance 1), the rest from
         * them (distance 258): zlib's inflate copies an overlapping match a
         * byte at a time, 30x slower than these */
        size_t done = 1;
        while (rem >= 3) {
            size_t m = rem > 258 ? 258 : rem;
            if (rem - m > 0 && rem - m < 3) m = rem - 3;   /* leave a whole match, not 1 or 2 bytes */
            unsigned dist = done >= 258 ? 258 : 1;
            if (dist == 1 && m > 258 - done) m = 258 - done < 3 ? m : 258 - done;
            if (!put_match(&b, (unsigned)m, dist)) return 0;
            rem -= m;
            done += m;
        }
        for (; rem; rem--)
            if (!put_literal(&b, v)) return 0;
        i = e;
    }
    if (!put(&b, 0, 7)) return 0;   /* end of block: symbol 256, seven 0 bits */
    size_t len = (size_t)(b.p - out);
    if (b.nbits > 0) {   /* the last bits, padded with 0 to a whole byte */
        if (b.p == b.end) return 0;
        out[len++] = (unsigned char)b.acc;
    }
    uint32_t a = libdeflate_adler32(1, in, n);
    out[len++] = (unsigned char)(a >> 24);
    out[len++] = (unsigned char)(a >> 16);
    out[len++] = (unsigned char)(a >> 8);
    out[len++] = (unsigned char)a;
    return len;
}
