/* Generators and weight drawing for the bootstrap's general path.
 *
 * A resample of C clusters is C uniform cluster indices counted into a weight
 * row. The cost is the generator, so each block runs eight taus2 streams in
 * the eight 32-bit lanes of an AVX2 register (one step ~ 20 vector ops for
 * eight outputs) and maps each output to [0, len) with Lemire's multiply-shift
 * (Lemire 2019, "Fast random integer generation in an interval"): the high
 * word of u * len, rejecting u when the low word is below 2^32 mod len, which
 * makes every index exactly equally likely. */
#include <immintrin.h>
#include <string.h>
#include "boot_internal.h"

uint64_t saydo_boot_splitmix64(uint64_t *x)
{
    uint64_t z = (*x += 0x9E3779B97F4A7C15ull);
    z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ull;
    z = (z ^ (z >> 27)) * 0x94D049BB133111EBull;
    return z ^ (z >> 31);
}

void saydo_boot_taus2_seed(uint64_t seed, uint64_t block, uint32_t stream, uint32_t st[3])
{
    /* Three chained splitmix64 keys so (seed, block, stream) triples that differ
     * in any part give unrelated states. */
    uint64_t x = seed;
    uint64_t k = saydo_boot_splitmix64(&x);
    x = k ^ (block * 0xD1B54A32D192ED03ull);
    k = saydo_boot_splitmix64(&x);
    x = k ^ ((uint64_t)stream * 0xA0761D6478BD642Full);
    uint64_t a = saydo_boot_splitmix64(&x), b = saydo_boot_splitmix64(&x);
    uint32_t s1 = (uint32_t)a, s2 = (uint32_t)(a >> 32), s3 = (uint32_t)b;
    /* taus2 needs s1 > 1, s2 > 7, s3 > 15; GSL's taus_set fixes them the same way */
    if (s1 < 2) s1 += 2;
    if (s2 < 8) s2 += 8;
    if (s3 < 16) s3 += 16;
    for (int i = 0; i < 6; i++) (void)saydo_boot_taus2_next(&s1, &s2, &s3);  /* as taus_set */
    st[0] = s1;
    st[1] = s2;
    st[2] = s3;
}

void saydo_boot_rng8_seed(saydo_boot_rng8_t *g, uint64_t seed, uint64_t block)
{
    for (uint32_t l = 0; l < SAYDO_BOOT_LANES; l++) {
        uint32_t st[3];
        saydo_boot_taus2_seed(seed, block, l, st);
        g->s1[l] = st[0];
        g->s2[l] = st[1];
        g->s3[l] = st[2];
    }
}

/* One index in [0, n) from lane l, redrawing while rejected. */
static inline uint32_t lane_index(saydo_boot_rng8_t *g, int l, uint32_t u, uint32_t n, uint32_t thr)
{
    uint64_t m = (uint64_t)u * n;
    while ((uint32_t)m < thr) {
        u = saydo_boot_taus2_next(&g->s1[l], &g->s2[l], &g->s3[l]);
        m = (uint64_t)u * n;
    }
    return (uint32_t)(m >> 32);
}

void saydo_boot_draw_counts_scalar(saydo_boot_rng8_t *g, const saydo_boot_span_t *strata,
                                   size_t n_strata, const uint32_t *map, uint32_t *cnt)
{
    for (size_t h = 0; h < n_strata; h++) {
        const size_t len = strata[h].len;
        if (len == 0) continue;
        uint32_t *cp = cnt + strata[h].off;
        const uint32_t *mp = map ? map + strata[h].off : NULL;
        const uint32_t n = (uint32_t)len, thr = (uint32_t)(0u - n) % n;
        for (size_t i = 0; i < len; i += SAYDO_BOOT_LANES) {
            const size_t used = len - i < SAYDO_BOOT_LANES ? len - i : SAYDO_BOOT_LANES;
            for (int l = 0; l < SAYDO_BOOT_LANES; l++) {
                uint32_t u = saydo_boot_taus2_next(&g->s1[l], &g->s2[l], &g->s3[l]);
                if ((size_t)l >= used) continue;
                const uint32_t i_ = lane_index(g, l, u, n, thr);
                if (mp) cnt[mp[i_]]++;
                else cp[i_]++;
            }
        }
    }
}

#define AVX2 __attribute__((target("avx2")))

AVX2 static inline __m256i taus8(__m256i *s1, __m256i *s2, __m256i *s3)
{
    __m256i b;
    b = _mm256_srli_epi32(_mm256_xor_si256(_mm256_slli_epi32(*s1, 13), *s1), 19);
    *s1 = _mm256_xor_si256(_mm256_slli_epi32(_mm256_and_si256(*s1, _mm256_set1_epi32((int)4294967294u)), 12), b);
    b = _mm256_srli_epi32(_mm256_xor_si256(_mm256_slli_epi32(*s2, 2), *s2), 25);
    *s2 = _mm256_xor_si256(_mm256_slli_epi32(_mm256_and_si256(*s2, _mm256_set1_epi32((int)4294967288u)), 4), b);
    b = _mm256_srli_epi32(_mm256_xor_si256(_mm256_slli_epi32(*s3, 3), *s3), 11);
    *s3 = _mm256_xor_si256(_mm256_slli_epi32(_mm256_and_si256(*s3, _mm256_set1_epi32((int)4294967280u)), 17), b);
    return _mm256_xor_si256(_mm256_xor_si256(*s1, *s2), *s3);
}

/* Eight indices in [0, n): high words of u * n into *hi_out; returns the mask
 * of lanes whose low word is below thr (to be redrawn). */
AVX2 static inline int lemire8(__m256i u, __m256i nv, __m256i thr_biased, __m256i *hi_out)
{
    const __m256i sign = _mm256_set1_epi32((int)0x80000000u);
    __m256i even = _mm256_mul_epu32(u, nv);                          /* lanes 0,2,4,6 */
    __m256i odd = _mm256_mul_epu32(_mm256_srli_epi64(u, 32), nv);    /* lanes 1,3,5,7 */
    __m256i hi = _mm256_blend_epi32(_mm256_srli_epi64(even, 32), odd, 0xAA);
    __m256i lo = _mm256_mullo_epi32(u, nv);
    *hi_out = hi;
    /* unsigned lo < thr as a signed compare of sign-flipped values */
    __m256i rej = _mm256_cmpgt_epi32(thr_biased, _mm256_xor_si256(lo, sign));
    return _mm256_movemask_ps(_mm256_castsi256_ps(rej));
}

/* Rare path: redraw the rejected lanes one by one from their own streams.
 * The state goes through memory only here, so the hot loop keeps it in
 * registers. */
__attribute__((noinline)) static void fix_rejected(saydo_boot_rng8_t *g, int mask, uint32_t n,
                                                   uint32_t thr, uint32_t *idx)
{
    for (int l = 0; l < SAYDO_BOOT_LANES; l++)
        if (mask & (1 << l)) {
            uint32_t u = saydo_boot_taus2_next(&g->s1[l], &g->s2[l], &g->s3[l]);
            idx[l] = lane_index(g, l, u, n, thr);
        }
}

#define FIX_REJECTED(rej)                                                            \
    do {                                                                             \
        saydo_boot_rng8_t t_;                                                        \
        _mm256_store_si256((__m256i *)t_.s1, s1);                                    \
        _mm256_store_si256((__m256i *)t_.s2, s2);                                    \
        _mm256_store_si256((__m256i *)t_.s3, s3);                                    \
        _mm256_store_si256((__m256i *)idx, hi);                                      \
        fix_rejected(&t_, (rej), n, thr, idx);                                       \
        hi = _mm256_load_si256((const __m256i *)idx);                                \
        s1 = _mm256_load_si256((const __m256i *)t_.s1);                              \
        s2 = _mm256_load_si256((const __m256i *)t_.s2);                              \
        s3 = _mm256_load_si256((const __m256i *)t_.s3);                              \
    } while (0)

/* The drawing loop, specialised by the compiler for mapped = 0 and 1. */
AVX2 __attribute__((always_inline)) static inline void
draw_avx2(saydo_boot_rng8_t *g, const saydo_boot_span_t *strata, size_t n_strata,
          const uint32_t *map, uint32_t *cnt, const int mapped)
{
    __m256i s1 = _mm256_load_si256((const __m256i *)g->s1);
    __m256i s2 = _mm256_load_si256((const __m256i *)g->s2);
    __m256i s3 = _mm256_load_si256((const __m256i *)g->s3);
    uint32_t idx[SAYDO_BOOT_LANES] __attribute__((aligned(32)));
    for (size_t h = 0; h < n_strata; h++) {
        const size_t len = strata[h].len;
        if (len == 0) continue;
        uint32_t *cp = cnt + strata[h].off;
        const uint32_t *mp = mapped ? map + strata[h].off : NULL;
#define BUMP(i) (mapped ? cnt[mp[i]]++ : cp[i]++)
        const uint32_t n = (uint32_t)len, thr = (uint32_t)(0u - n) % n;
        const __m256i nv = _mm256_set1_epi32((int)n);
        const __m256i tb = _mm256_set1_epi32((int)(thr ^ 0x80000000u));
        size_t i = 0;
        for (; i + SAYDO_BOOT_LANES <= len; i += SAYDO_BOOT_LANES) {
            __m256i hi;
            int rej = lemire8(taus8(&s1, &s2, &s3), nv, tb, &hi);
            if (rej) FIX_REJECTED(rej);
            /* indices leave the vector as 64-bit pairs: a vector store read
             * back as eight 32-bit loads stalls store forwarding */
            const __m128i h0 = _mm256_castsi256_si128(hi), h1 = _mm256_extracti128_si256(hi, 1);
            const uint64_t q0 = (uint64_t)_mm_cvtsi128_si64(h0), q1 = (uint64_t)_mm_extract_epi64(h0, 1);
            const uint64_t q2 = (uint64_t)_mm_cvtsi128_si64(h1), q3 = (uint64_t)_mm_extract_epi64(h1, 1);
            BUMP((uint32_t)q0); BUMP(q0 >> 32); BUMP((uint32_t)q1); BUMP(q1 >> 32);
            BUMP((uint32_t)q2); BUMP(q2 >> 32); BUMP((uint32_t)q3); BUMP(q3 >> 32);
        }
        if (i < len) {  /* partial round: unused lanes step, output discarded */
            const size_t used = len - i;
            __m256i hi;
            int rej = lemire8(taus8(&s1, &s2, &s3), nv, tb, &hi) & ((1 << used) - 1);
            if (rej) FIX_REJECTED(rej);
            _mm256_store_si256((__m256i *)idx, hi);
            for (size_t l = 0; l < used; l++) BUMP(idx[l]);
        }
#undef BUMP
    }
    _mm256_store_si256((__m256i *)g->s1, s1);
    _mm256_store_si256((__m256i *)g->s2, s2);
    _mm256_store_si256((__m256i *)g->s3, s3);
}

int saydo_boot_have_avx2(void)
{
    /* reads the CPU model libgcc's constructor filled in: cheap and race-free */
    return __builtin_cpu_supports("avx2") && __builtin_cpu_supports("fma");
}

AVX2 void saydo_boot_draw_counts_avx2(saydo_boot_rng8_t *g, const saydo_boot_span_t *strata,
                                      size_t n_strata, const uint32_t *map, uint32_t *cnt)
{
    if (map) draw_avx2(g, strata, n_strata, map, cnt, 1);
    else draw_avx2(g, strata, n_strata, NULL, cnt, 0);
}

void saydo_boot_draw_counts(saydo_boot_rng8_t *g, const saydo_boot_span_t *strata,
                            size_t n_strata, const uint32_t *map, uint32_t *cnt)
{
    if (saydo_boot_have_avx2()) saydo_boot_draw_counts_avx2(g, strata, n_strata, map, cnt);
    else saydo_boot_draw_counts_scalar(g, strata, n_strata, map, cnt);
}
