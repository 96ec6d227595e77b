/* libFuzzer target: the WDCT result-CSV reader and the file-name parser.
 *
 * The first line of the input (up to 1 KiB) is also parsed as a file name by
 * saydo_wdct_infer: the strings it fills must be NUL-terminated within their
 * arrays. The whole input is then read as a WDCT result file, named so the
 * model and condition are inferred (or given, for some sizes). */
#include <stdint.h>
#include "fuzz_util.h"
#include "saydo/wdct.h"

#define FIELD_OK(a) FUZZ_CHECK(memchr((a), '\0', sizeof(a)) != NULL)

static void check_names(const char *name)
{
    saydo_wdct_names_t nm;
    int ok = saydo_wdct_infer(name, &nm);
    FIELD_OK(nm.dataset);
    FIELD_OK(nm.model);
    FIELD_OK(nm.checkpoint);
    FIELD_OK(nm.condition);
    FIELD_OK(nm.temperature);
    FIELD_OK(nm.setting);
    FIELD_OK(nm.method);
    FIELD_OK(nm.trained_side);
    if (ok) FUZZ_CHECK(nm.model[0] && nm.condition[0]);
    saydo_wdct_condition_facts(name, &nm);
    FIELD_OK(nm.method);
    FIELD_OK(nm.trained_side);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    fuzz_quiet();
    char name[1100];
    size_t n = 0;
    while (n < size && n < 1024 && data[n] != '\n') n++;
    memcpy(name, data, n);
    name[n] = '\0';
    check_names(name);

    saydo_read_opts_t o;
    saydo_reader_t *rd = NULL;
    memset(&o, 0, sizeof o);
    o.format = "wdct";
    o.quiet = 1;
    o.keep_text = (int)(size & 1);
    o.letters = (int)(size % 6) - 1;   /* -1 (all the question lists), 0 (A/B), 1..4 */
    if (size % 5 == 0) o.model = "fuzz-model", o.condition = "act-sft_3";
    if (saydo_reader_open_mem("WDCT_NE_result_toy-1b_toy-1b-lora-dpo_2.0_0.0_normal.csv", data, size, &o, &rd) !=
        SAYDO_OK) {
        FUZZ_CHECK(rd == NULL && saydo_last_error()[0]);
        return 0;
    }
    fuzz_drain(rd, size);
    saydo_reader_free(rd);
    return 0;
}
