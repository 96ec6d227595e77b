/* Internal: JSON numbers to doubles, bit for bit what strtod gives.
 *
 * Clinger's fast path: a decimal m * 10^e with m <= 2^53 and |e| <= 22 is
 * rounded correctly by one IEEE multiply or divide, because both m and 10^|e|
 * are exact doubles. Logprobs like -0.994858 (m = 994858, e = -6) all take
 * it; anything else (long mantissas, large exponents) goes to strtod. Both
 * the record builder (jsonl_value.c) and the shape matcher (jsonl_shape.c,
 * which reads the digits while it finds the number's end) finish here. */
#ifndef SAYDO_JSONL_NUM_H
#define SAYDO_JSONL_NUM_H
#include <stdint.h>
#include <stdlib.h>
#include <string.h>

/* Exact powers of ten: every 10^k for k <= 22 is a double without rounding. */
static const double jsonl_pow10[23] = {1e0,  1e1,  1e2,  1e3,  1e4,  1e5,  1e6,  1e7,  1e8,  1e9,  1e10, 1e11,
                                       1e12, 1e13, 1e14, 1e15, 1e16, 1e17, 1e18, 1e19, 1e20, 1e21, 1e22};

/* strtod on a bounded copy (numbers come without a terminator). */
static inline int jsonl_slow_double(const char *s, size_t n, double *out)
{
    char buf[64];
    if (n == 0 || n >= sizeof buf) return 0;
    memcpy(buf, s, n);
    buf[n] = '\0';
    char *end;
    *out = strtod(buf, &end);
    return *end == '\0';
}

/* The value of the number spelled s[0, n): its sign, its digits as one
 * integer m (`digits` of them, leading zeros counted; m may have wrapped past
 * 19) and the power of ten they are scaled by. 0 when refused (64 bytes or
 * more, as strtod's copy would not hold them). */
static inline int jsonl_decimal(const char *s, size_t n, int neg, uint64_t m, int digits, int exp10, double *out)
{
    if (n >= 64) return 0;
    if (digits > 19) return jsonl_slow_double(s, n, out);   /* m may have wrapped (or leading zeros: rare) */
    if (m == 0) {
        *out = neg ? -0.0 : 0.0;
        return 1;
    }
    if (m > (1ull << 53) || exp10 < -22 || exp10 > 22) return jsonl_slow_double(s, n, out);
    double d = (double)m;
    if (exp10 < 0) d /= jsonl_pow10[-exp10];
    else d *= jsonl_pow10[exp10];
    *out = neg ? -d : d;
    return 1;
}

#endif
