/* Internal: reading the members of a ZIP archive (inspect_ai's .eval logs).
 *
 * libzip reads the central directory; members are DEFLATE (method 8) or
 * stored (0), which libzip inflates, or zstd (method 93, inspect >= 0.3.206),
 * which libzip hands over raw and libzstd inflates (multi-frame). Guards:
 * a member whose inflated size passes max_member, or whose declared size
 * passes max_ratio times its compressed size, is refused (zip bombs); member
 * names with "../", a leading '/' or a backslash are refused, and so are two
 * members of one name. An archive without a readable central directory (a
 * cut copy, a run that is still writing) is refused with the member the data
 * ends in, found by walking the local headers.
 *
 * Ownership: saydo_zip_open() / saydo_zip_free() (NULL is a no-op). */
#ifndef SAYDO_IO_ZIPREAD_H
#define SAYDO_IO_ZIPREAD_H

#include <stddef.h>
#include <stdint.h>
#include "io/reader_impl.h"

typedef struct saydo_zip saydo_zip_t;

typedef struct saydo_zip_limits {
    uint64_t max_member;   /* bytes of one inflated member; 0 = 1 GiB */
    double max_ratio;      /* inflated / compressed size; 0 = 1000 (members under 1 MiB are exempt) */
} saydo_zip_limits_t;

/** Opens the archive behind src (a file or memory source, borrowed).
 *  @return SAYDO_OK; SAYDO_E_PARSE with a message naming the file and the
 *          member for a damaged archive or unsafe names; SAYDO_E_IO/NOMEM */
saydo_status saydo_zip_open(saydo_src_t *src, const saydo_zip_limits_t *lim, saydo_zip_t **out) SAYDO_MUST_CHECK;

int64_t saydo_zip_count(const saydo_zip_t *z);
/** Name of member i (valid until saydo_zip_free). */
const char *saydo_zip_name(const saydo_zip_t *z, int64_t i);
/** Index of the member called name, or -1. */
int64_t saydo_zip_find(const saydo_zip_t *z, const char *name);
/** Member i inflated and NUL-terminated into a buffer the archive owns
 *  (valid until the next read).
 *  @return SAYDO_OK, or SAYDO_E_PARSE naming the member (over the limits, a
 *          damaged stream, an unknown method) */
saydo_status saydo_zip_read(saydo_zip_t *z, int64_t i, const char **data, size_t *len) SAYDO_MUST_CHECK;
void saydo_zip_free(saydo_zip_t *z);

/** Parses a size with an optional K/M/G suffix ("512M"); 0 when invalid. */
uint64_t saydo_zip_parse_size(const char *s);

#endif
