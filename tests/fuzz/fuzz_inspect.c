/* libFuzzer target: the "inspect" reader (inspect_ai .eval logs: a ZIP of
 * JSON members) over a memory buffer; the zip member reader underneath is
 * fuzzed on its own in fuzz_zip.c. */
#include <stdint.h>
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.keep_text = (int)(size & 1);
    o.model = size % 3 == 0 ? "fuzz-model" : NULL;
    fuzz_reader_run("inspect", "fuzz.eval", data, size, &o);
    return 0;
}
