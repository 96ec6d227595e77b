#!/bin/bash
# End to end: a word/deed study run as two lm-evaluation-harness tasks
# (fixtures/eco: wdct_word as stringified NDJSON, wdct_deed as a JSON array
# named .json, doc_ids in rank order), ingested with a mapping and scored.
# Expected CS, by hand from the log-likelihoods planted in make_fixtures.py:
#   p1 A/A yes, p2 B/A no, p3 A/B yes (consistency 0 swaps A and B),
#   p4 B/B yes, p5 A/B no, p6 tie->A / A yes        => CS = 4/6
#   Opinion {p1, p2, p3} = 2/3; Action {p4, p5, p6} = 2/3
#   culture UK {p1, p2} = 1/2, US {p3, p4} = 2/2, JP {p5, p6} = 1/2
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_FIXTURES:?}"
dir="$SAYDO_TMP/eco_e2e"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/eco"
fail=0
die() { echo "FAIL: $*"; fail=1; }
near() { awk -v a="$1" -v b="$2" 'BEGIN { d = a - b; if (d < 0) d = -d; exit !(d < 1e-9) }'; }

"$SAYDO_BIN" ingest "$fx"/samples_wdct_word_*.jsonl "$fx"/samples_wdct_deed_*.json --map "$fx/wdct_lmeval.map" \
    -o "$dir/wd.h5" 2> "$dir/ingest.err" || die "ingest: $(cat "$dir/ingest.err")"
grep -q "task wdct_word, model toy/wd-1b" "$dir/ingest.err" || die "the results file's model was not reported"
[ "$(grep -c "6 records stored" "$dir/ingest.err")" -eq 2 ] || die "expected 6 records per task: $(cat "$dir/ingest.err")"

"$SAYDO_BIN" score "$dir/wd.h5" --by model --format csv > "$dir/all.csv" 2> /dev/null || die "score"
row=$(grep '^toy/wd-1b,' "$dir/all.csv")
[ -n "$row" ] || die "no row for model toy/wd-1b: $(cat "$dir/all.csv")"
hdr=$(head -1 "$dir/all.csv")
col() { echo "$hdr" | tr ',' '\n' | grep -nx "$1" | cut -d: -f1; }
n_pairs=$(echo "$row" | cut -d, -f"$(col n_pairs)")
cs=$(echo "$row" | cut -d, -f"$(col cs)")
[ "$n_pairs" = 6 ] || die "n_pairs $n_pairs, expected 6"
near "$cs" 0.66666666666666667 || die "CS $cs, expected 4/6"

"$SAYDO_BIN" score "$dir/wd.h5" --by domain --format csv > "$dir/dom.csv" 2> /dev/null || die "score by domain"
for d in Opinion Action; do
    v=$(grep "^$d," "$dir/dom.csv" | cut -d, -f"$(head -1 "$dir/dom.csv" | tr ',' '\n' | grep -nx cs | cut -d: -f1)")
    near "$v" 0.66666666666666667 || die "CS for $d is $v, expected 2/3"
done
"$SAYDO_BIN" score "$dir/wd.h5" --by culture --format csv > "$dir/cul.csv" 2> /dev/null || die "score by culture"
c=$(head -1 "$dir/cul.csv" | tr ',' '\n' | grep -nx cs | cut -d: -f1)
for pair in UK:0.5 US:1 JP:0.5; do
    v=$(grep "^${pair%%:*}," "$dir/cul.csv" | cut -d, -f"$c")
    near "$v" "${pair##*:}" || die "CS for culture ${pair%%:*} is $v, expected ${pair##*:}"
done
exit $fail
