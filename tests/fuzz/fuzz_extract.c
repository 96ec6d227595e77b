/* libFuzzer target: answer extraction (saydo_extract_answer) and the option
 * line count (saydo_count_options) over arbitrary bytes.
 *
 * Checks: the result is an option below n_letters or a status; and Python's
 * str.strip() semantics, which make surrounding whitespace irrelevant: the
 * answer padded with ASCII and Unicode spaces extracts the same. */
#include <stdint.h>
#include "fuzz_util.h"
#include "saydo/extract.h"

int LLVMFuzzerTestOneInput(const uint8_t *data, size_t size)
{
    saydo_extract_opts_t o;
    saydo_extract_opts_default(&o);
    o.n_letters = 2 + (int)(size % 25);
    const char *text = (const char *)data;
    int c = saydo_extract_answer(text, size, &o);
    FUZZ_CHECK(c == SAYDO_CHOICE_MISSING || c == SAYDO_CHOICE_REFUSED || c == SAYDO_CHOICE_UNPARSED ||
               (c >= 0 && c < o.n_letters));
    FUZZ_CHECK(saydo_extract_answer(NULL, 0, &o) == SAYDO_CHOICE_MISSING);

    /* metamorphic: " \t\n" + U+00A0 + text + U+3000 + "\r " extracts the same. */
    static const char pre[] = " \t\n\xC2\xA0", post[] = "\xE3\x80\x80\r ";
    size_t np = sizeof pre - 1, nq = sizeof post - 1;
    char *padded = malloc(np + size + nq + 1);
    if (padded) {
        memcpy(padded, pre, np);
        if (size) memcpy(padded + np, data, size);
        memcpy(padded + np + size, post, nq);
        /* only when the text does not end inside a multi-byte sequence or
         * start with a continuation byte: then padding would change its characters */
        int clean_edges = 1;
        if (size) {
            unsigned char last = data[size - 1], first = data[0];
            if (last >= 0x80 || (first & 0xC0) == 0x80) clean_edges = 0;
        }
        if (clean_edges) FUZZ_CHECK(saydo_extract_answer(padded, np + size + nq, &o) == c);
        free(padded);
    }

    int n = saydo_count_options(text, size);
    FUZZ_CHECK(n >= 2 && n <= SAYDO_MAX_OPTIONS);
    return 0;
}
