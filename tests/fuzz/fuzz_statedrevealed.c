/* libFuzzer target: the "statedrevealed" reader (one reply file of Gu et
 * al.'s layout: a JSON object) over a memory buffer, named as a stated or as
 * a revealed reply by the input's length. */
#include <stdint.h>
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.keep_text = (int)(size & 1);
    o.model = size % 3 == 0 ? "fuzz-model" : NULL;
    fuzz_reader_run("statedrevealed",
                    size % 2 ? "EF_1_base_prompt_questions_fuzz-model.json" : "EF_1_fuzz-model.json", data, size, &o);
    return 0;
}
