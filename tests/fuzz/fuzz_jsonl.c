/* libFuzzer target: the JSONL reader over a memory buffer.
 *
 * The reader options vary with the input length (so seeds need no prefix
 * byte): a tiny max_line exercises the over-long-line skip, keep_text the
 * response pointers, letters the extraction width, a model given or not. */
#include <stdint.h>
#include "fuzz_util.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    saydo_read_opts_t o;
    saydo_reader_t *rd = NULL;
    fuzz_quiet();
    memset(&o, 0, sizeof o);
    o.format = "jsonl";
    o.quiet = 1;
    o.keep_text = (int)(size & 1);
    o.max_line = size % 3 == 0 ? 48 : 0;
    o.letters = (int)(size % 5) - 1;   /* -1 (all), 0 (default), 1..3 */
    o.model = size % 7 == 0 ? "fuzz-model" : NULL;
    o.trained_side = size % 11 == 0 ? "deed" : NULL;
    if (saydo_reader_open_mem("fuzz.jsonl", data, size, &o, &rd) != SAYDO_OK) {
        FUZZ_CHECK(rd == NULL && saydo_last_error()[0]);
        return 0;
    }
    FUZZ_CHECK(strcmp(saydo_reader_format(rd), "jsonl") == 0);
    fuzz_drain(rd, size);
    saydo_reader_free(rd);
    return 0;
}
