/* Internal: records and bad lines packed into a part (ingest_impl.h) by a
 * producer thread, and walked by the writing thread with ingest_part_next().
 *
 *   ingest_pack_record(pt, &rec, pool, pool_len);   appends to pt->buf, grows it as needed
 *   ingest_pack_bad(pt, bad);
 */
#ifndef SAYDO_INGEST_PACK_H
#define SAYDO_INGEST_PACK_H
#include <stdint.h>
#include "core/ingest_impl.h"

enum { PACK_FIXED = 8 };   /* model condition item side variant domain method trained_side */

/** Appends rec to pt. pool: NULL, or pool_len bytes that hold strings of
 *  rec NUL-terminated (the JSONL parser's arena: saydo_jsonl_chunk_strings()):
 *  copied whole, so the strings inside are not measured or copied one by one. */
saydo_status ingest_pack_record(ingest_part_t *pt, const saydo_record_t *rec, const char *pool,
                                size_t pool_len) SAYDO_MUST_CHECK;
/** Appends a bad line (its reason, and at most 64 KiB of its bytes). */
saydo_status ingest_pack_bad(ingest_part_t *pt, const saydo_bad_t *bad) SAYDO_MUST_CHECK;

#endif
