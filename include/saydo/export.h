/* saydo/export.h: records and result tables back out of a store, as JSONL or CSV.
 *
 * One object (row) per record with the default field names of the JSONL
 * ingest, so `saydo export` output ingests again as it is:
 *
 *   model, condition, item, domain, side, trial, variant, n_options,
 *   consistency (0/1) or option_map ([i...]) when the record has a map,
 *   response (when the store kept text), choice (0-based option index, or
 *   null with status "refused", "unparsed" or "missing"), probs (softmax of
 *   the logged values), logprobs (the values as stored), the item's labels
 *   (one field each, by label name), method, round, trained_side.
 *
 * Exactness. The store keeps log-probabilities as float32. Each is written
 * as the shortest decimal that reads back (through a double, as every saydo
 * reader reads numbers) to the same float32, and -inf as -1e999 (JSON has
 * no infinity; strtod and Python's json read it as -inf), so a second ingest
 * stores bit-identical values and a second export is byte-identical. probs
 * come before logprobs, so a reader that takes the last one ingests the
 * exact logprobs. Against the file first ingested, values agree after
 * rounding that file's numbers to float32.
 *
 * Ownership: the functions write to a caller's FILE and keep nothing. */
#ifndef SAYDO_EXPORT_H
#define SAYDO_EXPORT_H

#include <stdint.h>
#include <stdio.h>
#include "saydo/reader.h"
#include "saydo/record.h"
#include "saydo/store.h"

#ifdef __cplusplus
extern "C" {
#endif

typedef enum { SAYDO_EXPORT_JSONL = 0, SAYDO_EXPORT_CSV } saydo_export_format;

typedef struct saydo_export_opts {
    saydo_export_format format;
    const char *const *where;   /* "FIELD=V1|V2" filters (all must hold); fields as in --by, plus side,
                                   trial, status ("ok", "refused", "unparsed", "missing") */
    int n_where;
    int probs;                  /* JSONL: write probs (default 1); CSV: p_A.. columns instead of logp_A.. */
    int text;                   /* write the response text when stored (default 1) */
} saydo_export_opts_t;

void saydo_export_opts_default(saydo_export_opts_t *o);

/** Writes the records of store to out.
 *  @param n_written receives the records written (may be NULL)
 *  @return SAYDO_OK; SAYDO_E_INVAL for a bad --where; store read errors */
saydo_status saydo_export_records(const char *store, const saydo_export_opts_t *o, FILE *out,
                                  int64_t *n_written) SAYDO_MUST_CHECK;

/** Writes the table /results/NAME: JSONL (an object per row) or CSV. */
saydo_status saydo_export_results(const char *store, const char *name, saydo_export_format fmt,
                                  FILE *out) SAYDO_MUST_CHECK;

/** Writes one record as a line of saydo JSONL (the fields above; text when
 *  rec->text is set). Log-probabilities as the shortest decimal that reads
 *  back to the same double (float32: the same float32). For
 *  `saydo ingest --dry-run`, and the record export. */
void saydo_record_print_jsonl(FILE *f, const saydo_record_t *rec, int float32);

/** `saydo ingest --dry-run`: reads up to limit records of each file (0 = all)
 *  as ingest would (ro: format, model, mapping ...) and prints them as saydo
 *  JSONL on out, so a mapping can be checked before a large ingest. Skipped
 *  records go to err with file, line and reason; a line "# FILE: FORMAT
 *  {facts}" on err gives the format read and what the file said about
 *  itself (model, task, ...). Nothing is written to a store.
 *  @return SAYDO_OK, or the first fatal reader error */
saydo_status saydo_export_dry_run(const char *const *files, int n, const saydo_read_opts_t *ro, int64_t limit,
                                  FILE *out, FILE *err) SAYDO_MUST_CHECK;

/** The raw response text of a store's records: text[ends[i-1]:ends[i]] is
 *  row i's (ends[-1] = 0). *text and *ends are malloc'd (caller frees);
 *  *n = 0 and NULLs when the store kept no text. */
saydo_status saydo_store_read_text(const char *store, char **text, int64_t **ends, size_t *n) SAYDO_MUST_CHECK;

#ifdef __cplusplus
}
#endif
#endif
