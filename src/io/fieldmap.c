/* Field mapping: which source field feeds which record field.
 * Defaults cover saydo's own JSONL and common variants; a mapping file
 * overrides them (see saydo_fieldmap_load in saydo/reader.h).
 *
 * The harness readers (lm-eval, inspect, batch, HELM) also take options from
 * the mapping file: `options = Yes|No` and `FORMAT.NAME = VALUE` lines for
 * FORMAT in lmeval, inspect, batch, helm, zip, harness. They live in the same
 * allocation as the file's text (a small header before it), so the public
 * struct needs no new member and saydo_fieldmap_free() frees them too. */
#include <ctype.h>
#include <errno.h>
#include <stdio.h>
#include <stdlib.h>
#include <string.h>
#include "io/reader_impl.h"
#include "saydo/reader.h"
#include "util/try.h"

static const char *field_names[SAYDO_F_COUNT] = {
    "model", "condition", "item", "side", "trial", "variant", "choice", "logprobs",
    "probs", "response", "domain", "consistency", "option_map", "n_options", "status",
    "method", "round", "trained_side",
};

void saydo_fieldmap_default(saydo_fieldmap_t *map)
{
    memset(map, 0, sizeof *map);
    for (int f = 0; f < SAYDO_F_COUNT; f++) map->name[f][0] = field_names[f];
    map->name[SAYDO_F_ITEM][1] = "item_id";
    map->name[SAYDO_F_ITEM][2] = "id";
    map->name[SAYDO_F_VARIANT][1] = "prompt_variant";
    map->name[SAYDO_F_VARIANT][2] = "prompt_index";
    map->name[SAYDO_F_CHOICE][1] = "answer";
    map->name[SAYDO_F_LOGPROBS][1] = "logits";
    map->name[SAYDO_F_RESPONSE][1] = "text";
    map->name[SAYDO_F_DOMAIN][1] = "category";
    map->name[SAYDO_F_DOMAIN][2] = "Type";
    static const char *labels[] = {"culture", "country", "topic", "value", "filter"};
    for (size_t i = 0; i < sizeof labels / sizeof labels[0]; i++) {
        map->label_src[i] = labels[i];
        map->label_dst[i] = labels[i];
    }
    map->n_labels = (int)(sizeof labels / sizeof labels[0]);
}

enum { FM_MAX_OPTS = 32 };
static const char fm_magic[8] = "saydoFM";

typedef struct fm_block {
    char magic[8];
    int n_opt;
    struct fm_block *prev;   /* an earlier load whose names the map may still use */
    const char *opt_key[FM_MAX_OPTS], *opt_val[FM_MAX_OPTS];
    char text[];   /* the mapping file, cut into NUL-terminated names */
} fm_block;

static int is_option_key(const char *key)
{
    static const char *ns[] = {"lmeval.", "inspect.", "batch.", "helm.", "zip.", "harness."};
    if (strcmp(key, "options") == 0) return 1;
    for (size_t i = 0; i < sizeof ns / sizeof ns[0]; i++)
        if (strncmp(key, ns[i], strlen(ns[i])) == 0 && key[strlen(ns[i])]) return 1;
    return 0;
}

const char *saydo_fieldmap_option(const saydo_fieldmap_t *map, const char *key)
{
    if (!map || !map->owned) return NULL;
    const fm_block *b = (const fm_block *)(const void *)map->owned;
    if (memcmp(b->magic, fm_magic, sizeof fm_magic) != 0) return NULL;
    for (; b; b = b->prev)   /* a later load, and a later line, wins */
        for (int i = b->n_opt - 1; i >= 0; i--)
            if (strcmp(b->opt_key[i], key) == 0) return b->opt_val[i];
    return NULL;
}

const char *const *saydo_fieldmap_user_names(const saydo_fieldmap_t *map, saydo_field f)
{
    saydo_fieldmap_t def;
    if (!map || f < 0 || f >= SAYDO_F_COUNT) return NULL;
    saydo_fieldmap_default(&def);
    for (int a = 0; a < SAYDO_MAX_ALIASES; a++) {
        const char *x = map->name[f][a], *y = def.name[f][a];
        if (!x && !y) break;
        if (!x || !y || strcmp(x, y) != 0) return map->name[f];
    }
    return NULL;
}

/* Whether name equals the len bytes of key. A key may hold NUL bytes (a
 * hostile header or a "\u0000" escape): lengths are compared first, so the
 * comparison never reads past the end of name. */
static int name_is(const char *name, const char *key, size_t len)
{
    return strlen(name) == len && memcmp(name, key, len) == 0;
}

saydo_field saydo_fieldmap_lookup(const saydo_fieldmap_t *map, const char *key, size_t len, int *label_index)
{
    *label_index = -1;
    for (int f = 0; f < SAYDO_F_COUNT; f++)
        for (int a = 0; a < SAYDO_MAX_ALIASES && map->name[f][a]; a++)
            if (name_is(map->name[f][a], key, len)) return (saydo_field)f;
    for (int i = 0; i < map->n_labels; i++)
        if (name_is(map->label_src[i], key, len)) {
            *label_index = i;
            return SAYDO_F_NONE;
        }
    return SAYDO_F_NONE;
}

const char *saydo_fieldmap_side(const saydo_fieldmap_t *map, const char *side)
{
    for (int i = 0; i < map->n_side_renames; i++)
        if (strcmp(map->side_from[i], side) == 0) return map->side_to[i];
    return side;
}

static char *trim(char *s)
{
    while (isspace((unsigned char)*s)) s++;
    char *e = s + strlen(s);
    while (e > s && isspace((unsigned char)e[-1])) *--e = '\0';
    return s;
}

saydo_status saydo_fieldmap_load(const char *path, saydo_fieldmap_t *map)
{
    saydo_status st = SAYDO_OK;
    FILE *f = fopen(path, "r");
    fm_block *block = NULL;
    char *text = NULL;
    long size = 0;
    /* parse into a copy: a bad line must leave the caller's map untouched */
    saydo_fieldmap_t work = *map;
    SAYDO_FAIL_IF(!f, SAYDO_E_IO, "%s: cannot open mapping: %s", path, strerror(errno));
    SAYDO_FAIL_IF(fseek(f, 0, SEEK_END) != 0 || (size = ftell(f)) < 0 || fseek(f, 0, SEEK_SET) != 0,
                  SAYDO_E_IO, "%s: cannot read mapping", path);
    SAYDO_FAIL_IF(size > (1 << 20), SAYDO_E_INVAL, "%s: mapping file larger than 1 MiB", path);
    block = calloc(1, sizeof *block + (size_t)size + 1);
    SAYDO_FAIL_IF(!block, SAYDO_E_NOMEM, "out of memory");
    memcpy(block->magic, fm_magic, sizeof fm_magic);
    text = block->text;
    SAYDO_FAIL_IF(fread(text, 1, (size_t)size, f) != (size_t)size, SAYDO_E_IO, "%s: short read", path);
    text[size] = '\0';
    int lineno = 0;
    for (char *line = text, *next; line; line = next) {
        next = strchr(line, '\n');
        if (next) *next++ = '\0';
        lineno++;
        char *hash = strchr(line, '#');
        if (hash) *hash = '\0';
        char *s = trim(line);
        if (!*s) continue;
        char *eq = strchr(s, '=');
        SAYDO_FAIL_IF(!eq, SAYDO_E_PARSE, "%s:%d: expected `field = source`", path, lineno);
        *eq = '\0';
        char *key = trim(s), *val = trim(eq + 1);
        SAYDO_FAIL_IF(!*key || !*val, SAYDO_E_PARSE, "%s:%d: empty field or source name", path, lineno);
        if (strncmp(key, "label.", 6) == 0) {
            SAYDO_FAIL_IF(work.n_labels >= SAYDO_MAX_LABELS, SAYDO_E_INVAL, "%s:%d: more than %d labels",
                          path, lineno, SAYDO_MAX_LABELS);
            work.label_dst[work.n_labels] = key + 6;
            work.label_src[work.n_labels++] = val;
        } else if (is_option_key(key)) {
            SAYDO_FAIL_IF(block->n_opt >= FM_MAX_OPTS, SAYDO_E_INVAL, "%s:%d: more than %d options", path, lineno,
                          FM_MAX_OPTS);
            block->opt_key[block->n_opt] = key;
            block->opt_val[block->n_opt++] = val;
        } else if (strncmp(key, "side.", 5) == 0) {
            SAYDO_FAIL_IF(work.n_side_renames >= SAYDO_MAX_SIDE_RENAMES, SAYDO_E_INVAL,
                          "%s:%d: more than %d side renames", path, lineno, SAYDO_MAX_SIDE_RENAMES);
            work.side_from[work.n_side_renames] = key + 5;
            work.side_to[work.n_side_renames++] = val;
        } else {
            int f = -1;
            for (int k = 0; k < SAYDO_F_COUNT; k++)
                if (strcmp(field_names[k], key) == 0) f = k;
            SAYDO_FAIL_IF(f < 0, SAYDO_E_PARSE, "%s:%d: unknown field '%s'", path, lineno, key);
            memset((void *)work.name[f], 0, sizeof work.name[f]);
            int a = 0;
            for (char *tok = strtok(val, ","); tok && a < SAYDO_MAX_ALIASES; tok = strtok(NULL, ","))
                work.name[f][a++] = trim(tok);
        }
    }
    block->prev = (fm_block *)(void *)map->owned;   /* kept: unchanged names point into it */
    work.owned = (char *)block;
    *map = work;
    block = NULL;
cleanup:
    if (f) fclose(f);
    free(block);
    return st;
}

void saydo_fieldmap_free(saydo_fieldmap_t *map)
{
    if (!map) return;
    for (fm_block *b = (fm_block *)(void *)map->owned, *prev; b; b = prev) {
        prev = b->prev;
        free(b);
    }
    map->owned = NULL;
}
