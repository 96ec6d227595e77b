/* libFuzzer target: the ValueActionLens readers over a memory buffer: Task 1
 * and Task 2 result CSVs and the Task 2 log (JSONL joined to an action
 * table, written once to a scratch file), chosen by the input's length. */
#include <stdint.h>
#include "fuzz_reader.h"

static const char *actions_table(void)
{
    static const char table[] = "index,country,topic,value,polarity\n"
                                "0,Alphaland,Work,Equality,positive\n"
                                "1,Alphaland,Work,Equality,negative\n"
                                "2,Alphaland,Work,Wealth,positive\n"
                                "3,Alphaland,Work,Wealth,negative\n"
                                "4,Betaland,Home,Equality,positive\n"
                                "5,Betaland,Home,Equality,negative\n";
    static int written;
    const char *path = fuzz_scratch_path("va-actions");
    if (!written && fuzz_write_file(path, (const uint8_t *)table, sizeof table - 1) == 0) written = 1;
    return path;
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fmts[] = {"valueaction-t1", "valueaction-t2", "valueaction-t2-log"};
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.keep_text = (int)(size & 1);
    o.model = size % 5 == 0 ? "fuzz-model" : NULL;
    o.legacy_flipped = size % 7 == 0;
    int k = (int)(size % 3);
    if (k == 2) o.actions_path = actions_table();
    fuzz_reader_run(fmts[k], k == 2 ? "toyA_task2_log.jsonl" : k ? "toyA_task2_choices.csv" : "toyA_t1.csv", data,
                    size, &o);
    return 0;
}
