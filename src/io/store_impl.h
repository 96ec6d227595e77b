/* Internal: the writer's state, shared by h5writer.c (records, commit) and
 * h5state.c (dictionaries, items, conditions, option maps, provenance). */
#ifndef SAYDO_STORE_IMPL_H
#define SAYDO_STORE_IMPL_H
#include <hdf5.h>
#include "saydo/store.h"
#include "util/keyset.h"
#include "util/strmap.h"

/* Record keys already stored or added, for duplicate detection (rowkeys.c).
 * Reserve room first, then hash, prefetch and insert. */
typedef struct rowkeys {
    saydo_key_t *slot;             /* lo == 0: empty */
    size_t n, n_slots;
    void *base;                    /* the mapping behind slot */
    size_t base_len;
} rowkeys_t;
void rowkeys_init(rowkeys_t *s);
void rowkeys_free(rowkeys_t *s);
/** Room for n_keys keys in all, at load <= 0.75 (grows, never shrinks). */
saydo_status rowkeys_reserve(rowkeys_t *s, size_t n_keys) SAYDO_MUST_CHECK;
/** The slots rowkeys_reserve(s, n_keys) would leave (s->n_slots when there is
 *  room: check that first, an empty table has 0), at most max_slots; 0 when
 *  n_keys do not fit in max_slots. */
size_t rowkeys_plan(const rowkeys_t *s, size_t n_keys, size_t max_slots);
/** Grows the table to ns slots (rehashing; old and new tables coexist meanwhile). */
saydo_status rowkeys_resize(rowkeys_t *s, size_t ns) SAYDO_MUST_CHECK;
uint64_t rowkeys_hash(saydo_key_t k);
void rowkeys_prefetch(const rowkeys_t *s, uint64_t h);
/** Inserts key (h = rowkeys_hash(key)); 1 when it was there already. Needs reserved room. */
int rowkeys_insert(rowkeys_t *s, saydo_key_t key, uint64_t h);

/* The last two values of a dictionary, so alternating values (word, deed)
 * skip the hash look-up. */
typedef struct dict_cache {
    const char *s[2];              /* the dictionary's own copies */
    int32_t code[2];
} dict_cache_t;

typedef struct pending_source {
    char *file, *sha256, *format, *time, *model, *condition, *meta;
    int64_t lines, bytes, records, quarantined, duplicates, blank, row_start, row_end;
} pending_source_t;

struct saydo_writer {
    char *path, *shadow, *lockpath;
    int lock_fd;
    saydo_writer_opts_t opts;
    hid_t file, g_rec;
    int loaded;                    /* dictionaries etc. read from the store */

    saydo_strmap_t d_model, d_condition, d_item, d_side, d_variant, d_domain, d_method, d_label_names;
    saydo_strmap_t d_label[SAYDO_MAX_LABELS];
    /* entries of each dictionary already in the file (appends start there) */
    size_t p_model, p_condition, p_item, p_side, p_variant, p_domain, p_method, p_label_names;
    size_t p_label[SAYDO_MAX_LABELS];
    saydo_strmap_t sources;        /* sha256 of every ingested source */

    int32_t *item_domain, *item_label[SAYDO_MAX_LABELS];
    int8_t *item_nopt;
    size_t item_cap;
    int32_t *cond_method, *cond_round, *cond_tside;
    size_t cond_cap;
    int8_t *maps;                  /* n_maps x SAYDO_MAX_OPTIONS */
    size_t n_maps, maps_cap;
    int16_t last_map;
    int64_t conflicts;             /* item/condition facts that disagreed with stored ones */

    rowkeys_t keys;
    /* KEYS_LIVE: every stored key is in `keys`; KEYS_UNLOADED: the store's
     * keys are not read yet (h5keys.c reads them at the first add);
     * KEYS_DEFERRED: they would not fit key_budget, so rows are appended
     * unchecked and the commit finds the duplicates on disk (dedup.c) */
    int keys_mode;
    size_t key_budget;             /* bytes the key table may take (old + new while it grows) */
    size_t key_hint;               /* records saydo_writer_reserve() announced before the keys were read */
    int64_t rows_committed;        /* rows of the committed store; the shadow's new rows follow them */
    int64_t late_dups;             /* duplicates the last commit found on disk (deferred mode) */
    dict_cache_t c_model, c_condition, c_item, c_side, c_variant;
    int64_t rows;                  /* rows written to the shadow */
    int64_t text_total;
    int K_store, K_buf;

    /* column buffers, BUF_ROWS each */
    size_t nbuf;
    int32_t *b_model, *b_cond, *b_item, *b_trial, *b_variant, *b_batch;
    int8_t *b_side, *b_choice, *b_nopt;
    int16_t *b_omap;
    float *b_logp;
    int64_t *b_text_end;
    char *b_text;
    size_t text_len, text_cap;
    struct h5u_chunker *chunker;   /* whole chunks of a flush are written directly (h5direct.c) */

    /* sizes of the committed sources (/provenance/bytes), for saydo_writer_may_hold_size() */
    int64_t *src_bytes;
    size_t n_src_bytes;
    int src_bytes_unknown;         /* the store does not say: every size may be held */

    int32_t batch;
    int64_t source_row_start;
    size_t n_sources_stored;
    pending_source_t *pending;
    size_t n_pending, pending_cap;
};

void saydo_writer_state_init(saydo_writer_t *w);
void saydo_writer_state_free(saydo_writer_t *w);
saydo_status saydo_writer_load_state(saydo_writer_t *w) SAYDO_MUST_CHECK;
saydo_status saydo_writer_save_state(saydo_writer_t *w) SAYDO_MUST_CHECK;
saydo_status saydo_writer_flush(saydo_writer_t *w) SAYDO_MUST_CHECK;
/* room for item (condition) code need - 1; new items have no labels yet */
saydo_status saydo_writer_grow_items(saydo_writer_t *w, size_t need) SAYDO_MUST_CHECK;
saydo_status saydo_writer_grow_conds(saydo_writer_t *w, size_t need) SAYDO_MUST_CHECK;
void saydo_writer_committed(saydo_writer_t *w);
saydo_status saydo_writer_note_item(saydo_writer_t *w, int32_t item, const saydo_record_t *rec) SAYDO_MUST_CHECK;
saydo_status saydo_writer_note_condition(saydo_writer_t *w, int32_t cond, const saydo_record_t *rec) SAYDO_MUST_CHECK;
saydo_status saydo_writer_map_code(saydo_writer_t *w, const int8_t *map, int16_t *code) SAYDO_MUST_CHECK;
int64_t saydo_writer_logp_cols(saydo_writer_t *w);

/* ---- duplicate keys within a memory budget (h5keys.c, dedup.c, h5compact.c) ---- */
enum { KEYS_LIVE, KEYS_UNLOADED, KEYS_DEFERRED };
/** The key budget in bytes: opts.key_budget_mb, else $SAYDO_KEY_BUDGET_MB, else 96 MB. */
size_t saydo_writer_key_budget(const saydo_writer_opts_t *o);
/** Room in the key table for `more` keys: reads the store's keys at first use,
 *  grows the table within the budget, or (may_defer) switches to
 *  KEYS_DEFERRED when it cannot; without may_defer that is an error. */
saydo_status saydo_writer_keys_room(saydo_writer_t *w, size_t more, int may_defer) SAYDO_MUST_CHECK;
/** Calls fn on the keys of rows [from, to) of the shadow, a block at a time,
 *  in row order (keys[i] is row first + i). */
typedef saydo_status (*keys_fn)(void *ctx, const saydo_key_t *keys, int64_t first, size_t n);
saydo_status saydo_writer_scan_keys(saydo_writer_t *w, int64_t from, int64_t to, keys_fn fn, void *ctx)
    SAYDO_MUST_CHECK;
/** Deferred mode, at commit (after the last flush): finds the new rows whose
 *  key an earlier row has, removes them from the shadow and the pending
 *  sources' counts; w->late_dups = how many. */
saydo_status saydo_writer_dedup(saydo_writer_t *w) SAYDO_MUST_CHECK;
/** Removes the rows of [first, *rows) whose bit is set in drop (bit i: row
 *  first + i) from every /records column; *rows and *text_total become the
 *  new lengths. */
saydo_status h5_compact_rows(hid_t g_rec, int64_t first, int64_t *rows, int64_t *text_total,
                             const uint64_t *drop) SAYDO_MUST_CHECK;
#endif
