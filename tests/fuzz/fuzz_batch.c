/* libFuzzer target: the "batch" reader (a harness log) over a memory buffer.
 * Options vary with the input length: keep_text, a model given or not. */
#include <stdint.h>
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.keep_text = (int)(size & 1);
    o.model = size % 3 == 0 ? "fuzz-model" : NULL;
    o.letters = (int)(size % 4) - 1;
    fuzz_reader_run("batch", "fuzz.batch", data, size, &o);
    return 0;
}
