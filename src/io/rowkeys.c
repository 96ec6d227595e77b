/* The writer's set of record keys, for duplicate detection (store_impl.h).
 *
 * Open addressing with linear probing over 16-byte keys, load <= 0.75. On
 * the benchmark's 2.4M records the table is ~50 MB; an insert that lands on a
 * random cache line was the largest cost of the writing thread. Five things
 * make it cheap:
 *  - the table is sized to the need (a multiple of 2 MB, not a power of two;
 *    a hash maps to a slot by a 64x64->128-bit multiply), since first-touch
 *    page zeroing of fresh memory is itself a visible cost on the benchmark VM;
 *  - the table comes zeroed from mmap (no 0xFF fill pass): a stored key has
 *    bit 63 of lo set, which saydo_key_pack() never does (item codes are < 2^31);
 *  - it asks for transparent huge pages, so random probes miss the TLB less;
 *  - callers hash a batch of keys first and prefetch their slots, then insert
 *    (rowkeys_hash / rowkeys_prefetch / rowkeys_insert), so the cache misses
 *    of a batch overlap instead of following one another;
 *  - neighbouring items share cache lines (see rowkeys_hash). */
#include <stdint.h>
#include <stdlib.h>
#include <string.h>
#include <sys/mman.h>
#include "io/store_impl.h"

#define OCCUPIED (1ull << 63)
#define HUGE_PAGE ((size_t)2 << 20)

void rowkeys_init(rowkeys_t *s) { memset(s, 0, sizeof *s); }

static void table_free(void *base, size_t len)
{
    if (base) munmap(base, len);
}

void rowkeys_free(rowkeys_t *s)
{
    if (!s) return;
    table_free(s->base, s->base_len);
    memset(s, 0, sizeof *s);
}

/* Keys of neighbouring items sit side by side: a key hashes as its "lump"
 * (the same key with the item's low LUMP_BITS cleared) and the item's low
 * bits are the offset from the lump's home slot. Logs list an item's records
 * together and items in order, so consecutive records (word/deed, trials)
 * fill a few neighbouring slots instead of one random cache line each; a lump
 * holds at most 8 keys, so runs stay short (about 10 slots probed per insert
 * on the benchmark, in 2-3 cache lines). The low bits of the hash carry the
 * offset (home() reads the high bits). */
enum { LUMP_BITS = 3 };
#define LUMP_MASK ((1ull << LUMP_BITS) - 1)

uint64_t rowkeys_hash(saydo_key_t k)
{
    uint64_t item_low = k.lo >> 32 & LUMP_MASK, lo = k.lo & ~(LUMP_MASK << 32);
    uint64_t h = k.hi * 0x9E3779B97F4A7C15ull ^ (lo + 0x632BE59BD9B4E019ull) * 0xBF58476D1CE4E5B9ull;
    return ((h ^ h >> 31) & ~LUMP_MASK) | item_low;
}

/* A zeroed table of n_slots, 2 MB aligned for huge pages. */
static saydo_status table_new(size_t n_slots, saydo_key_t **slot, void **base, size_t *base_len)
{
    size_t bytes = n_slots * sizeof(saydo_key_t);
    size_t len = bytes >= HUGE_PAGE ? bytes + HUGE_PAGE : bytes;
    void *m = mmap(NULL, len, PROT_READ | PROT_WRITE, MAP_PRIVATE | MAP_ANONYMOUS, -1, 0);
    if (m == MAP_FAILED) return saydo_set_error(SAYDO_E_NOMEM, "out of memory (duplicate-key table of %zu MB)",
                                                bytes >> 20);
    char *p = m;
    if (bytes >= HUGE_PAGE) {
        p = (char *)(((uintptr_t)m + HUGE_PAGE - 1) & ~(uintptr_t)(HUGE_PAGE - 1));
#ifdef MADV_HUGEPAGE
        madvise(p, bytes, MADV_HUGEPAGE);
#endif
    }
    *slot = (saydo_key_t *)p;
    *base = m;
    *base_len = len;
    return SAYDO_OK;
}

/* The home slot of hash h in a table of n slots: the lump's slot (Lemire's
 * multiply-shift of the high bits) plus the item's offset. */
static size_t home(uint64_t h, size_t n)
{
    size_t i = (size_t)(((unsigned __int128)h * n) >> 64) + (size_t)(h & LUMP_MASK);
    return i >= n ? i - n : i;
}

static void put(saydo_key_t *slot, size_t n, saydo_key_t key)
{
    saydo_key_t plain = {key.hi, key.lo & ~OCCUPIED};   /* hashed as rowkeys_insert() hashed it */
    size_t i = home(rowkeys_hash(plain), n);
    while (slot[i].lo) i = i + 1 == n ? 0 : i + 1;
    slot[i] = key;
}

size_t rowkeys_plan(const rowkeys_t *s, size_t n_keys, size_t max_slots)
{
    if (n_keys * 4 <= s->n_slots * 3) return s->n_slots;
    /* grow at least twofold so a stream of small reserves stays amortised O(1) */
    size_t need = n_keys + n_keys / 3 + 1, ns = s->n_slots * 2 > need ? s->n_slots * 2 : need;
    const size_t per_page = HUGE_PAGE / sizeof(saydo_key_t);
    ns = ns < 1024 ? 1024 : ns < per_page ? ns : (ns + per_page - 1) / per_page * per_page;
    if (ns > max_slots) ns = max_slots;   /* the most allowed, if that will do */
    return need > ns ? 0 : ns;
}

saydo_status rowkeys_resize(rowkeys_t *s, size_t ns)
{
    if (ns <= s->n_slots) return SAYDO_OK;
    saydo_key_t *slot = NULL;
    void *base = NULL;
    size_t base_len = 0;
    saydo_status st = table_new(ns, &slot, &base, &base_len);
    if (st < 0) return st;
    for (size_t i = 0; i < s->n_slots; i++)
        if (s->slot[i].lo) put(slot, ns, s->slot[i]);
    table_free(s->base, s->base_len);
    s->slot = slot;
    s->base = base;
    s->base_len = base_len;
    s->n_slots = ns;
    return SAYDO_OK;
}

saydo_status rowkeys_reserve(rowkeys_t *s, size_t n_keys)
{
    return rowkeys_resize(s, rowkeys_plan(s, n_keys, SIZE_MAX));
}

void rowkeys_prefetch(const rowkeys_t *s, uint64_t h)
{
    __builtin_prefetch(&s->slot[home(h, s->n_slots)], 1);
}

int rowkeys_insert(rowkeys_t *s, saydo_key_t key, uint64_t h)
{
    key.lo |= OCCUPIED;
    const size_t n = s->n_slots;
    size_t i = home(h, n);
    while (s->slot[i].lo) {
        if (s->slot[i].lo == key.lo && s->slot[i].hi == key.hi) return 1;
        i = i + 1 == n ? 0 : i + 1;
    }
    s->slot[i] = key;
    s->n++;
    return 0;
}
