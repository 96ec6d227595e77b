/* libFuzzer target: format sniffing and every reader behind it. The format
 * is "auto" (sniffed from the bytes and the name) or named, by the input's
 * length, so one corpus reaches all readers, and inputs a sniffer sends to
 * the wrong reader are covered. */
#include <stdint.h>
#include "fuzz_reader.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char *const fmts[] = {"auto", "jsonl", "csv", "wdct", "wdct-metrics", "lmeval", "inspect",
                                       "batch", "helm", "statedrevealed", "valueaction-t1", "valueaction-t2",
                                       "auto", "auto"};
    static const char *const names[] = {"x.jsonl", "x.csv", "x.json", "x.eval", "x",
                                        "WDCT_result_m_0.0_normal.csv", "EF_1_m.json"};
    enum { NF = sizeof fmts / sizeof fmts[0], NN = sizeof names / sizeof names[0] };
    saydo_read_opts_t o;
    memset(&o, 0, sizeof o);
    o.model = size % 2 ? "fuzz-model" : NULL;
    fuzz_reader_run(fmts[size % NF], names[(size / NF) % NN], data, size, &o);
    return 0;
}
