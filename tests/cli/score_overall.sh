#!/bin/bash
# `saydo score --no-overall` and the direct path of `saydo score`.
# - --no-overall prints the same group rows, byte for byte, as the run with
#   the overall row, without the "(all)" row: point estimates, and bootstrap
#   intervals (BCa, percentile with strata), whose group row k keeps seed
#   S + k; at 1 and 2 threads.
# - Without --ci and --where, score computes the table straight from the
#   records (saydo_score_table_direct); --where with every model forces the
#   per-pair path: both must print the same bytes, for cs; cs,pcs,jsd; jsd
#   in nats; and on a store whose records are shuffled (the direct path
#   declines, the hash join pairs).
# - --timings prints every stage on stderr and leaves stdout alone.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/score_overall"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }

"$SAYDO_BIN" simulate --quiet --models 3 --items 300 --trials 2 --seed 5 -o "$dir/sim.jsonl" || die simulate
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/s.h5" || die ingest
/usr/bin/python3 -c '
import random, sys
lines = open(sys.argv[1]).readlines()
random.Random(8).shuffle(lines)
open(sys.argv[2], "w").writelines(lines)' "$dir/sim.jsonl" "$dir/shuf.jsonl" || die shuffle
"$SAYDO_BIN" ingest -q "$dir/shuf.jsonl" -o "$dir/shuf.h5" || die "ingest shuffled"
models=$("$SAYDO_BIN" score "$dir/s.h5" --by model --format csv 2> /dev/null | awk -F, 'NR > 1 && $1 != "(all)" {printf "%s%s", s, $1; s = "|"}')
[ -n "$models" ] || die "no models"

# the group rows of a run with the overall row, against the run without it
check_overall() {   # name, score options...
    local name=$1 t
    shift
    for t in 1 2; do
        "$SAYDO_BIN" score "$dir/s.h5" "$@" --threads $t --format csv > "$dir/$name.with.$t" 2> /dev/null ||
            die "$name: score failed"
        "$SAYDO_BIN" score "$dir/s.h5" "$@" --threads $t --format csv --no-overall > "$dir/$name.without.$t" 2> /dev/null ||
            die "$name: score --no-overall failed"
        grep -q '(all)' "$dir/$name.with.$t" || die "$name: no overall row to leave out"
        grep -q '(all)' "$dir/$name.without.$t" && die "$name: --no-overall printed the overall row"
        grep -v '(all)' "$dir/$name.with.$t" > "$dir/$name.groups.$t"
        cmp -s "$dir/$name.groups.$t" "$dir/$name.without.$t" ||
            die "$name ($t threads): group rows differ: $(diff "$dir/$name.groups.$t" "$dir/$name.without.$t" | head -3)"
        [ "$(wc -l < "$dir/$name.without.$t")" -ge 10 ] || die "$name: too few rows"
    done
    cmp -s "$dir/$name.without.1" "$dir/$name.without.2" || die "$name: --no-overall differs between 1 and 2 threads"
}
check_overall point --metrics cs,pcs,jsd
check_overall bca --metrics cs,pcs --ci bca --resamples 199 --seed 11
check_overall strata --by model,condition --metrics cs,pcs --ci percentile --resamples 149 --seed 3 --strata domain
# the intervals are really there, and the text title names no overall seed
grep -q 'cs_lo' "$dir/bca.without.1" || die "no interval columns"
"$SAYDO_BIN" score "$dir/s.h5" --ci bca --resamples 99 --no-overall 2> /dev/null | head -1 > "$dir/title"
grep -q 'overall' "$dir/title" && die "the title of a table without the overall row mentions its seed: $(cat "$dir/title")"

# the direct path against the per-pair path (--where with every model)
for metrics in cs cs,pcs cs,pcs,jsd pcs,jsd; do
    for store in s shuf; do
        for t in 1 2 4; do
            extra=()
            [ "$metrics" = pcs,jsd ] && extra=(--base e)
            "$SAYDO_BIN" score "$dir/$store.h5" --metrics $metrics "${extra[@]}" --threads $t --format csv \
                > "$dir/direct" 2> "$dir/direct.err" || die "score $metrics $store"
            "$SAYDO_BIN" score "$dir/$store.h5" --metrics $metrics "${extra[@]}" --threads $t --format csv \
                --where "model=$models" > "$dir/general" 2> "$dir/general.err" || die "score --where $metrics $store"
            cmp -s "$dir/direct" "$dir/general" ||
                die "$metrics on $store, $t threads: the direct path differs: $(diff "$dir/direct" "$dir/general" | head -3)"
            cmp -s "$dir/direct.err" "$dir/general.err" || die "$metrics on $store: the pair counts differ"
        done
    done
done

# --timings: every stage on stderr, stdout unchanged
"$SAYDO_BIN" score "$dir/s.h5" --format csv > "$dir/plain" 2> /dev/null
"$SAYDO_BIN" score "$dir/s.h5" --format csv --timings=2 > "$dir/timed" 2> "$dir/timed.err" || die "--timings=2"
cmp -s "$dir/plain" "$dir/timed" || die "--timings changed stdout"
for stage in read pair group metrics bootstrap print total "stage run 1 of 2"; do
    grep -q "$stage" "$dir/timed.err" || die "--timings printed no '$stage'"
done
SAYDO_TIMINGS=1 "$SAYDO_BIN" score "$dir/s.h5" > /dev/null 2> "$dir/env.err" || die "SAYDO_TIMINGS=1"
grep -q "timings" "$dir/env.err" || die "SAYDO_TIMINGS=1 printed no timings"
"$SAYDO_BIN" score "$dir/s.h5" --timings=0 > /dev/null 2>&1
[ $? -eq 2 ] || die "--timings=0 was accepted"
exit $fail
