/* libFuzzer target: the store opener. The input is written to a scratch file
 * and opened as a store (saydo_store_read) and as a results table
 * (saydo_store_read_table). When a store opens, everything downstream of the
 * reader runs on it: pairing (trial and item units), grouping and the score
 * table, so a store that passes validation but would send those out of bounds
 * is found here.
 *
 * Seeds are real stores (tests/fuzz/run.sh makes them from fixtures/); most
 * mutations hit libhdf5's own parsing, which is not instrumented: a crash
 * inside libhdf5 is reported as a finding against HDF5, not saydo.
 * fuzz_store_edit.c keeps the file valid HDF5 and edits what is in it. The
 * checks and the scoring both run are in fuzz_store_check.h. */
#include <stdint.h>
#include "fuzz_store_check.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    const char *path = fuzz_scratch_path("store");
    if (fuzz_write_file(path, data, size) != 0) return 0;
    (void)store_run(path, NULL);
    unlink(path);
    return 0;
}
