/* For tests (test_h5chunk.c): the parallel chunk reader against H5Dread,
 * without hdf5.h (tests are built without HDF5's include directory). */
#ifndef SAYDO_H5CHECK_H
#define SAYDO_H5CHECK_H
#include <stddef.h>
#include "saydo/status.h"

/** Reads dataset `name` (a path inside the file, e.g. "/records/item") of the
 *  HDF5 file at path whole, once through h5u_read_columns() and (when both)
 *  once through H5Dread, in the dataset's native type.
 *  @param both   1: also read through H5Dread and compare; 0: only the first read
 *  @param same   out: 1 when both gave the same shape and bytes (1 when !both)
 *  @param fast   out: 1 when the chunk path was taken (0: it fell back to H5Dread)
 *  @param n      out: elements read
 *  @return SAYDO_OK, or the error of either read */
saydo_status h5u_selfcheck(const char *path, const char *name, int both, int *same, int *fast,
                           size_t *n) SAYDO_MUST_CHECK;
/** Reads vlen string dataset `name` of the file at path once through
 *  h5u_read_vlen_strings() and, when that path takes it, once through
 *  H5Dread (nil strings as "").
 *  @param same   out: 1 when both gave the same strings
 *  @param own    out: 1 when saydo's reader took it (0: a layout left to HDF5)
 *  @param n      out: strings read */
saydo_status h5u_selfcheck_strings(const char *path, const char *name, int *same, int *own,
                                   size_t *n) SAYDO_MUST_CHECK;
#endif
