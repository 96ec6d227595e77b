/* The records' raw response text (/records/text and /records/text_end), for
 * saydo export: the store reader (h5reader.c) leaves text out of memory. */
#include <stdlib.h>
#include <string.h>
#include "io/h5util.h"
#include "saydo/export.h"
#include "util/try.h"

saydo_status saydo_store_read_text(const char *store, char **text, int64_t **ends, size_t *n)
{
    saydo_status st = SAYDO_OK;
    hid_t f = -1, g = -1;
    size_t ne = 0, nt = 0;
    *text = NULL;
    *ends = NULL;
    *n = 0;
    h5u_quiet();
    f = H5Fopen(store, H5F_ACC_RDONLY, H5P_DEFAULT);
    SAYDO_FAIL_IF(f < 0, SAYDO_E_SCHEMA, "%s: not an HDF5 file, or a damaged one", store);
    g = h5u_group(f, "records", 0);
    SAYDO_FAIL_IF(g < 0, SAYDO_E_SCHEMA, "%s: no /records", store);
    if (h5u_rows(g, "text_end") < 0) goto cleanup;
    SAYDO_TRY(h5u_read(g, "text_end", H5T_NATIVE_INT64, sizeof(int64_t), (void **)ends, &ne, NULL));
    if (ne == 0 || (*ends)[ne - 1] == 0) goto cleanup;   /* no record kept text */
    SAYDO_TRY(h5u_read(g, "text", H5T_NATIVE_UINT8, 1, (void **)text, &nt, NULL));
    for (size_t i = 0; i < ne; i++)
        SAYDO_FAIL_IF((*ends)[i] < (i ? (*ends)[i - 1] : 0) || (uint64_t)(*ends)[i] > nt, SAYDO_E_SCHEMA,
                      "%s: /records/text_end[%zu] is outside /records/text", store, i);
    *n = ne;
cleanup:
    if (g >= 0) H5Gclose(g);
    if (f >= 0) H5Fclose(f);
    if (st < 0 || *n == 0) {
        free(*text);
        free(*ends);
        *text = NULL;
        *ends = NULL;
        *n = 0;
    }
    return st;
}
