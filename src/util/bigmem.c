/* Large allocations, optionally backed by transparent huge pages (bigmem.h). */
#include "util/bigmem.h"

#include <stdint.h>
#include <stdlib.h>
#if defined(__linux__)
#include <sys/mman.h>
#endif

/* SAYDO_HUGEPAGES=1 in the environment asks for huge pages (bigmem.h says why not by default) */
static int hugepages_wanted(void)
{
    const char *e = getenv("SAYDO_HUGEPAGES");
    return e && e[0] == '1';
}

void *saydo_big_malloc(size_t bytes)
{
    if (bytes < SAYDO_BIG_BYTES || !hugepages_wanted()) return malloc(bytes ? bytes : 1);
    void *p = NULL;
    const size_t huge = (size_t)2 << 20;
    if (posix_memalign(&p, huge, bytes) != 0) return NULL;
#if defined(__linux__) && defined(MADV_HUGEPAGE)
    /* advice only: without THP support this fails and nothing changes */
    (void)madvise(p, bytes, MADV_HUGEPAGE);
#endif
    return p;
}

void *saydo_big_array(size_t count, size_t size)
{
    if (size && count > SIZE_MAX / size) return NULL;
    return saydo_big_malloc(count * size);
}
