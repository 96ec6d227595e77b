/* Internal: a zlib stream for data that is long runs of one byte (zrle.c). */
#ifndef SAYDO_ZRLE_H
#define SAYDO_ZRLE_H
#include <stddef.h>

/** Compresses in[0, n) into out (cap bytes) as a zlib stream (RFC 1950) of
 *  one fixed-Huffman deflate block of a literal and matches for each run:
 *  what deflate makes of long runs, found at memory speed. Returns the
 *  stream's length, or 0 when in is not mostly runs (more than one run per
 *  256 bytes on average) or out is too small: then use a real compressor. */
size_t zrle_compress(const unsigned char *in, size_t n, unsigned char *out, size_t cap);
#endif
