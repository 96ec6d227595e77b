/* libFuzzer target: a field-mapping file (saydo_fieldmap_load) and the
 * readers driven by it.
 *
 * The input is "MAPPING\n%%\nDATA": the mapping part is written to a scratch
 * file and loaded over the defaults; when it loads, DATA is read as CSV and
 * as JSONL through that map (renamed fields, aliases, labels, side renames).
 * Without a "%%" line the whole input is the mapping. */
#include <stdint.h>
#include "fuzz_util.h"

static void read_with_map(const saydo_fieldmap_t *map, const char *fmt, const uint8_t *data, size_t size)
{
    saydo_read_opts_t o;
    saydo_reader_t *rd = NULL;
    memset(&o, 0, sizeof o);
    o.format = fmt;
    o.quiet = 1;
    o.map = map;
    o.model = "fuzz-model";
    if (saydo_reader_open_mem(fmt, data, size, &o, &rd) != SAYDO_OK) return;
    fuzz_drain(rd, size);
    saydo_reader_free(rd);
}

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    static const char sep[] = "\n%%\n";
    fuzz_quiet();
    size_t mlen = size;
    const uint8_t *rest = NULL;
    size_t rlen = 0;
    for (size_t i = 0; i + 4 <= size; i++)
        if (memcmp(data + i, sep, 4) == 0) {
            mlen = i + 1;   /* keep the mapping's last '\n' */
            rest = data + i + 4;
            rlen = size - i - 4;
            break;
        }
    const char *path = fuzz_scratch_path("map");
    if (fuzz_write_file(path, data, mlen) != 0) return 0;
    saydo_fieldmap_t map;
    saydo_fieldmap_default(&map);
    saydo_status st = saydo_fieldmap_load(path, &map);
    unlink(path);
    if (st == SAYDO_OK) {
        /* every name the map holds must be a readable string */
        for (int f = 0; f < SAYDO_F_COUNT; f++)
            for (int a = 0; a < SAYDO_MAX_ALIASES && map.name[f][a]; a++) fuzz_touch_str(map.name[f][a], 0);
        FUZZ_CHECK(map.n_labels >= 0 && map.n_labels <= SAYDO_MAX_LABELS);
        for (int i = 0; i < map.n_labels; i++) {
            fuzz_touch_str(map.label_src[i], 0);
            fuzz_touch_str(map.label_dst[i], 0);
        }
        FUZZ_CHECK(map.n_side_renames >= 0 && map.n_side_renames <= SAYDO_MAX_SIDE_RENAMES);
        for (int i = 0; i < map.n_side_renames; i++) {
            fuzz_touch_str(map.side_from[i], 0);
            fuzz_touch_str(map.side_to[i], 0);
        }
        if (rest) {
            read_with_map(&map, "csv", rest, rlen);
            read_with_map(&map, "jsonl", rest, rlen);
        }
    } else {
        FUZZ_CHECK(saydo_last_error()[0]);
    }
    saydo_fieldmap_free(&map);
    return 0;
}
