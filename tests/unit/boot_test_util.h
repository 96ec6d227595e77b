/* Shared helpers of the test_boot*.c programs: a tolerance check that says
 * what failed, and a workspace set up per test. */
#ifndef SAYDO_BOOT_TEST_UTIL_H
#define SAYDO_BOOT_TEST_UTIL_H

#include <math.h>
#include <stdio.h>

/* |got - want| <= rel |want| + abs_tol; NaN must meet NaN, inf its own sign. */
static inline int bt_close(double got, double want, double rel, double abs_tol)
{
    if (isnan(want)) return isnan(got);
    if (isinf(want)) return got == want;
    return fabs(got - want) <= rel * fabs(want) + abs_tol;
}

#define BT_CLOSE(got, want, rel, abs_tol, ...)                                         \
    do {                                                                               \
        double g_ = (got), w_ = (want);                                                \
        if (!bt_close(g_, w_, (rel), (abs_tol))) {                                     \
            char m_[240];                                                              \
            snprintf(m_, sizeof m_, __VA_ARGS__);                                      \
            fail_msg("%s: got %.17g, want %.17g (rel %.3g, abs %.3g)", m_, g_, w_,    \
                     (double)(rel), (double)(abs_tol));                                \
        }                                                                              \
    } while (0)

#define BT_OK(expr)                                                                    \
    do {                                                                               \
        saydo_status st_ = (expr);                                                     \
        if (st_ != SAYDO_OK)                                                           \
            fail_msg("%s -> %s (%s)", #expr, saydo_strerror(st_), saydo_last_error()); \
    } while (0)

#define N_OF(a) (sizeof(a) / sizeof((a)[0]))

#endif
