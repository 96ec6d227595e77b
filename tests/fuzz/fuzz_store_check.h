/* Shared by the store targets (fuzz_store.c: the file's bytes mutated;
 * fuzz_store_edit.c: a valid store edited through the HDF5 API): what a store
 * that opens must hold, and everything downstream of the reader run on it.
 * Guarded, since tests/unit/test_hostile_fuzz.c includes every target into one
 * translation unit. */
#ifndef SAYDO_FUZZ_STORE_CHECK_H
#define SAYDO_FUZZ_STORE_CHECK_H

#include <stdint.h>
#include "fuzz_util.h"
#include "saydo/score.h"
#include "saydo/store.h"

static void check_strs(const saydo_strs_t *s)
{
    for (size_t i = 0; i < s->n; i++) fuzz_touch_str(s->s[i], 0);
}

/* The promise of saydo_store_read: every code indexes its dictionary. */
static void check_data(const saydo_data_t *d)
{
    check_strs(&d->models);
    check_strs(&d->conditions);
    check_strs(&d->items);
    check_strs(&d->sides);
    check_strs(&d->variants);
    check_strs(&d->domains);
    check_strs(&d->methods);
    FUZZ_CHECK(d->K >= 0 && d->K <= SAYDO_MAX_OPTIONS);
    for (size_t i = 0; i < d->n; i++) {
        FUZZ_CHECK(d->model[i] >= 0 && (size_t)d->model[i] < d->models.n);
        FUZZ_CHECK(d->condition[i] >= 0 && (size_t)d->condition[i] < d->conditions.n);
        FUZZ_CHECK(d->item[i] >= 0 && (size_t)d->item[i] < d->items.n);
        FUZZ_CHECK(d->variant[i] >= 0 && (size_t)d->variant[i] < d->variants.n);
        FUZZ_CHECK(d->side[i] >= 0 && (size_t)d->side[i] < d->sides.n);
        FUZZ_CHECK(d->choice[i] >= SAYDO_CHOICE_UNPARSED && d->choice[i] < SAYDO_MAX_OPTIONS);
        FUZZ_CHECK(d->n_options[i] >= 0 && d->n_options[i] <= SAYDO_MAX_OPTIONS);
        FUZZ_CHECK(d->omap[i] >= -1 && (d->omap[i] < 0 || (size_t)d->omap[i] < d->n_maps));
    }
    for (size_t i = 0; i < d->items.n; i++) {
        FUZZ_CHECK(d->item_domain[i] >= -1 && (d->item_domain[i] < 0 || (size_t)d->item_domain[i] < d->domains.n));
        FUZZ_CHECK(d->item_n_options[i] >= 0 && d->item_n_options[i] <= SAYDO_MAX_OPTIONS);
    }
    for (int l = 0; l < d->n_labels; l++) {
        fuzz_touch_str(d->label_name[l], 0);
        check_strs(&d->label_values[l]);
        for (size_t i = 0; i < d->items.n; i++)
            FUZZ_CHECK(d->item_label[l][i] >= -1 &&
                       (d->item_label[l][i] < 0 || (size_t)d->item_label[l][i] < d->label_values[l].n));
    }
    for (size_t c = 0; c < d->conditions.n; c++) {
        FUZZ_CHECK(d->cond_method[c] < 0 || (size_t)d->cond_method[c] < d->methods.n);
        FUZZ_CHECK(d->cond_trained_side[c] < 0 || (size_t)d->cond_trained_side[c] < d->sides.n);
    }
    for (size_t k = 0; k < d->n_sources; k++) {
        FUZZ_CHECK(k < d->src_file.n && k < d->src_sha256.n && k < d->src_format.n && k < d->src_time.n &&
                   k < d->src_version.n);
        fuzz_touch_str(d->src_file.s[k], 0);
        fuzz_touch_str(d->src_version.s[k], 0);
    }
}

static void score(const saydo_data_t *d, saydo_pair_unit unit, saydo_missing_policy missing)
{
    saydo_pair_opts_t po;
    saydo_pairs_t *p = NULL;
    saydo_groups_t *g = NULL;
    saydo_table_t *t = NULL;
    static const char *const by[] = {"model", "condition", "domain", "method", "round", "trained_side", "item"};
    saydo_pair_opts_default(&po);
    po.unit = unit;
    po.missing = missing;
    if (saydo_pairs_build(d, &po, &p) != SAYDO_OK) return;
    for (size_t i = 0; i < p->n; i++) FUZZ_CHECK(p->r1[i] >= 0 && (size_t)p->r1[i] < d->n);
    if (saydo_groups_build(d, p, by, 7, &g) == SAYDO_OK &&
        saydo_score_table(d, p, g, SAYDO_M_CS | SAYDO_M_PCS | SAYDO_M_KL | SAYDO_M_JSD | SAYDO_M_ENTROPY |
                                       SAYDO_M_TVD | SAYDO_M_QUANTILES, &t) == SAYDO_OK)
        saydo_table_free(t);
    saydo_groups_free(g);
    saydo_pairs_free(p);
}

/* What both targets run on a file: saydo_store_read (and, when it opens,
 * check_data and scoring with both units), then saydo_store_read_table("t")
 * with every string touched. Returns saydo_store_read's status; *table_ok
 * (when not NULL) tells whether the table read. */
static saydo_status store_run(const char *path, int *table_ok)
{
    saydo_data_t *d = NULL;
    saydo_status st = saydo_store_read(path, &d);
    if (st == SAYDO_OK) {
        check_data(d);
        score(d, SAYDO_UNIT_TRIAL, SAYDO_MISSING_DROP);
        score(d, SAYDO_UNIT_ITEM, SAYDO_MISSING_OPTION);
        saydo_data_free(d);
    } else {
        FUZZ_CHECK(d == NULL && saydo_last_error()[0]);
    }
    saydo_table_t *t = NULL;
    const int tok = saydo_store_read_table(path, "t", &t) == SAYDO_OK;
    if (table_ok) *table_ok = tok;
    if (tok) {
        for (int c = 0; c < t->n_cols; c++) {
            fuzz_touch_str(t->col_name[c], 0);
            if (t->col_is_str[c])
                for (size_t r = 0; r < t->n_rows; r++) fuzz_touch_str(t->str_col[c][r], 1);
        }
        saydo_table_free(t);
    }
    return st;
}

#endif
