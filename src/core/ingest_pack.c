/* Packed entries of a part (see ingest_pack.h): the hand-off between a parse
 * thread and the writing thread. Each record is written once as packed bytes
 * and read once in place: the writer gets pointers into the part. The JSONL
 * parser keeps a line's strings together in one arena; that block is copied
 * whole, so its strings cost neither a strlen nor a copy each. */
#include <stdlib.h>
#include <string.h>
#include "core/ingest_pack.h"
#include "util/try.h"

enum { ENT_REC = 1, ENT_BAD = 2 };
enum { RAW_KEEP = 65536 };
#define IN_POOL SIZE_MAX        /* ingest_pack_record(): a string inside the caller's pool */
#define EMPTY (SIZE_MAX - 1)    /* an empty string: the entry's text NUL */              /* the quarantine keeps at most this much of a bad line */

/* Entry header; the payload follows. A record: logp (doubles), option map
 * (26 bytes), the text and a NUL, then a uint32 for each present fixed
 * string (in field order) and for each label name and value: where the
 * string starts, from the entry's start; then the strings: the caller's pool
 * copied whole, and the strings from elsewhere, NUL-terminated. A bad line:
 * its reason, then the raw bytes kept, each NUL-terminated. Entries are
 * padded to 8 bytes. */
typedef struct ent_head {
    uint32_t size;                       /* bytes of the entry, header included */
    uint8_t kind, n_logp, n_labels, has_map;
    int64_t line;
    int32_t trial, choice, n_options, round;
    uint32_t strmask;                    /* bit f: fixed string f is present */
    uint32_t text_len;                   /* record text, or the raw bytes kept of a bad line */
    uint64_t raw_len;                    /* a bad line's full length */
} ent_head_t;

static saydo_status part_reserve(ingest_part_t *pt, size_t need)
{
    if (pt->len + need <= pt->cap) return SAYDO_OK;
    size_t nc = pt->cap ? pt->cap : (size_t)1 << 20;
    while (nc < pt->len + need) nc *= 2;
    char *nb = realloc(pt->buf, nc);
    if (!nb) return saydo_set_error(SAYDO_E_NOMEM, "out of memory");
    pt->buf = nb;
    pt->cap = nc;
    return SAYDO_OK;
}

static size_t pad8(size_t n) { return (n + 7) & ~(size_t)7; }

/* n doubles (n <= 26): a few 16-byte moves; memcpy() of a variable size
 * becomes `rep movs` here, whose start-up costs more than the copy. */
static void copy_logp(char *d, const char *s, int n)
{
    for (int i = 0; i + 1 < n; i += 2) {
        double two[2];
        memcpy(two, s + 8 * i, 16);
        memcpy(d + 8 * i, two, 16);
        __asm__("" ::: "memory");   /* keeps gcc from folding the loop back into memcpy() */
    }
    if (n & 1) memcpy(d + 8 * (n - 1), s + 8 * (n - 1), 8);
}

static char *put_str(char *d, const char *s, size_t n)
{
    memcpy(d, s, n);
    d[n] = '\0';
    return d + n + 1;
}

saydo_status ingest_pack_record(ingest_part_t *pt, const saydo_record_t *rec, const char *pool, size_t pool_len)
{
    enum { MAX_STR = PACK_FIXED + 2 * SAYDO_MAX_LABELS };
    const char *fixed[PACK_FIXED] = {rec->model, rec->condition, rec->item, rec->side, rec->variant,
                                     rec->domain, rec->method, rec->trained_side};
    const char *str[MAX_STR];
    size_t len[MAX_STR];   /* strings from outside the pool; IN_POOL, or EMPTY: the text's NUL will do */
    int n_logp = rec->n_logp < 0 ? 0 : rec->n_logp > SAYDO_MAX_OPTIONS ? SAYDO_MAX_OPTIONS : rec->n_logp;
    int n_labels = rec->n_labels < 0 ? 0 : rec->n_labels > SAYDO_MAX_LABELS ? SAYDO_MAX_LABELS : rec->n_labels;
    size_t text_len = rec->text ? rec->text_len : 0;
    uint32_t mask = 0;
    int n = 0;
    for (int f = 0; f < PACK_FIXED; f++)
        if (fixed[f]) {
            mask |= 1u << f;
            str[n++] = fixed[f];
        }
    for (int k = 0; k < n_labels; k++) {
        str[n++] = rec->label_name[k];
        str[n++] = rec->label_value[k];
    }
    const uintptr_t lo = (uintptr_t)pool, hi = lo + (pool ? pool_len : 0);
    const size_t head = sizeof(ent_head_t) + (size_t)n_logp * sizeof(double) +
                        (rec->has_option_map ? SAYDO_MAX_OPTIONS : 0) + text_len + 1;
    size_t need = head + (size_t)n * sizeof(uint32_t) + (pool ? pool_len : 0);
    for (int i = 0; i < n; i++) {
        uintptr_t a = (uintptr_t)str[i];
        if (a >= lo && a < hi) len[i] = IN_POOL;   /* NUL-terminated inside the pool */
        else if (!str[i][0]) len[i] = EMPTY;     /* variant "" of most records */
        else need += (len[i] = strlen(str[i])) + 1;
    }
    need = pad8(need);
    if (need > UINT32_MAX) return saydo_set_error(SAYDO_E_NOMEM, "a record too large to pack");
    saydo_status st = part_reserve(pt, need);
    if (st < 0) return st;
    char *base = pt->buf + pt->len;
    ent_head_t *h = (ent_head_t *)base;
    h->size = (uint32_t)need;
    h->kind = ENT_REC;
    h->n_logp = (uint8_t)n_logp;
    h->n_labels = (uint8_t)n_labels;
    h->has_map = (uint8_t)(rec->has_option_map != 0);
    h->line = rec->line;
    h->trial = rec->trial;
    h->choice = rec->choice;
    h->n_options = rec->n_options;
    h->round = rec->round;
    h->strmask = mask;
    h->text_len = (uint32_t)text_len;
    h->raw_len = 0;
    char *d = (char *)(h + 1);
    copy_logp(d, (const char *)rec->logp, n_logp);
    d += (size_t)n_logp * sizeof(double);
    if (h->has_map) {
        memcpy(d, rec->option_map, SAYDO_MAX_OPTIONS);
        d += SAYDO_MAX_OPTIONS;
    }
    d = put_str(d, text_len ? rec->text : "", text_len);
    const uint32_t empty_at = (uint32_t)(d - 1 - base);
    char *sp = d + (size_t)n * sizeof(uint32_t);   /* the strings */
    const size_t pool_at = (size_t)(sp - base);
    if (pool && pool_len) {
        memcpy(sp, pool, pool_len);
        sp += pool_len;
    }
    for (int i = 0; i < n; i++) {
        uint32_t at;
        if (len[i] == IN_POOL) at = (uint32_t)(pool_at + (size_t)(str[i] - pool));
        else if (len[i] == EMPTY) at = empty_at;
        else {
            at = (uint32_t)(sp - base);
            sp = put_str(sp, str[i], len[i]);
        }
        memcpy(d, &at, sizeof at);
        d += sizeof at;
    }
    pt->len += need;
    return SAYDO_OK;
}

saydo_status ingest_pack_bad(ingest_part_t *pt, const saydo_bad_t *bad)
{
    size_t rlen = strlen(bad->reason);
    size_t keep = bad->raw ? (bad->raw_len < RAW_KEEP ? bad->raw_len : RAW_KEEP) : 0;
    size_t need = sizeof(ent_head_t) + rlen + 1 + keep + 1;
    saydo_status st = part_reserve(pt, pad8(need));
    if (st < 0) return st;
    ent_head_t *h = (ent_head_t *)(pt->buf + pt->len);
    memset(h, 0, sizeof *h);
    h->size = (uint32_t)pad8(need);
    h->kind = ENT_BAD;
    h->line = bad->line;
    h->has_map = bad->raw != NULL;       /* for a bad entry: whether raw bytes were given */
    h->text_len = (uint32_t)keep;
    h->raw_len = bad->raw ? bad->raw_len : 0;
    char *d = put_str((char *)(h + 1), bad->reason, rlen);
    put_str(d, keep ? bad->raw : "", keep);
    pt->len += h->size;
    return SAYDO_OK;
}

int ingest_part_next(const ingest_part_t *pt, size_t *off, saydo_record_t *rec, saydo_bad_t *bad)
{
    if (*off >= pt->len) return 0;
    const ent_head_t *h = (const ent_head_t *)(pt->buf + *off);
    const char *d = (const char *)(h + 1);
    *off += h->size;
    if (h->kind == ENT_BAD) {
        bad->line = h->line;
        bad->reason = d;
        d += strlen(d) + 1;
        bad->raw = h->has_map ? d : NULL;
        bad->raw_len = h->has_map ? (size_t)h->raw_len : 0;
        return 2;
    }
    rec->line = h->line;
    rec->trial = h->trial;
    rec->choice = h->choice;
    rec->n_options = h->n_options;
    rec->round = h->round;
    rec->n_logp = h->n_logp;
    copy_logp((char *)rec->logp, d, h->n_logp);
    d += (size_t)h->n_logp * sizeof(double);
    rec->has_option_map = h->has_map;
    if (h->has_map) {
        memcpy(rec->option_map, d, SAYDO_MAX_OPTIONS);
        d += SAYDO_MAX_OPTIONS;
    }
    rec->text = h->text_len ? d : NULL;
    rec->text_len = h->text_len;
    d += h->text_len + 1;
    const char *base = (const char *)h;
    const char **fixed[PACK_FIXED] = {&rec->model, &rec->condition, &rec->item, &rec->side, &rec->variant,
                                      &rec->domain, &rec->method, &rec->trained_side};
    uint32_t at;
    for (int f = 0; f < PACK_FIXED; f++) {
        if (h->strmask >> f & 1) {
            memcpy(&at, d, sizeof at);
            d += sizeof at;
            *fixed[f] = base + at;
        } else *fixed[f] = NULL;
    }
    rec->n_labels = h->n_labels;
    for (int k = 0; k < h->n_labels; k++) {
        memcpy(&at, d, sizeof at);
        rec->label_name[k] = base + at;
        memcpy(&at, d + sizeof at, sizeof at);
        rec->label_value[k] = base + at;
        d += 2 * sizeof at;
    }
    return 1;
}
