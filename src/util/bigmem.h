/* Internal: allocation of large arrays (columns, per-pair arrays).
 *
 * Every such array is written element by element right after allocation,
 * so it is never zeroed (malloc, not calloc). Transparent huge pages are
 * opt-in (SAYDO_HUGEPAGES=1 in the environment: 2 MB alignment plus
 * MADV_HUGEPAGE for arrays of at least SAYDO_BIG_BYTES): they cut the page
 * faults of `saydo score` on the 2.4M-record store fourfold, but on the
 * benchmark VM the kernel then spent 0.53 s instead of 0.16 s clearing
 * freshly backed 2 MB pages (mean of 6 alternating runs), so the default is
 * plain malloc. The memory is freed with plain free() either way. */
#ifndef SAYDO_BIGMEM_H
#define SAYDO_BIGMEM_H
#include <stddef.h>

enum { SAYDO_BIG_BYTES = 4 << 20 };

/** Like malloc(bytes) (contents undefined); NULL when out of memory. bytes == 0 gives a 1-byte block. */
void *saydo_big_malloc(size_t bytes);
/** count * size bytes, NULL on overflow or when out of memory. */
void *saydo_big_array(size_t count, size_t size);
#endif
