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
#endif
