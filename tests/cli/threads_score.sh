#!/bin/bash
# `saydo score` and `saydo compare` print the same bytes at 1, 2 and 4
# threads (--threads and OMP_NUM_THREADS), for point estimates, every metric,
# quantiles, per-item groups, bootstrap intervals and a stratified bootstrap,
# on a simulated store with shuffled records (so the hash join runs as well
# as the neighbour pairing). The truth is the 1-thread output.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/threads_score"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }

"$SAYDO_BIN" simulate --quiet --models 2 --items 200 --trials 2 --options 3 --seed 4 -o "$dir/sim.jsonl" || die simulate
# shuffle the lines (fixed seed) so word and deed records are not neighbours
/usr/bin/python3 -c '
import random, sys
lines = open(sys.argv[1]).readlines()
random.Random(3).shuffle(lines)
open(sys.argv[2], "w").writelines(lines)' "$dir/sim.jsonl" "$dir/shuf.jsonl" || die shuffle
"$SAYDO_BIN" ingest -q "$dir/shuf.jsonl" -o "$dir/s.h5" || die ingest

run() {   # name, command...   (--threads N; the first case also OMP_NUM_THREADS=N)
    local name=$1 f
    shift
    for t in 1 2 4; do
        "$@" --threads $t --format csv > "$dir/$name.t$t" 2> "$dir/$name.err" || die "$name --threads $t: $(head -2 "$dir/$name.err")"
        [ "$name" = score_default ] && { OMP_NUM_THREADS=$t "$@" --format csv > "$dir/$name.e$t" 2> "$dir/$name.err" || die "$name OMP_NUM_THREADS=$t"; }
    done
    [ -s "$dir/$name.t1" ] || die "$name: no output"
    for f in t2 t4 e1 e2 e4; do
        [ -e "$dir/$name.$f" ] || continue
        cmp -s "$dir/$name.t1" "$dir/$name.$f" ||
            die "$name: output at $f differs from 1 thread: $(diff "$dir/$name.t1" "$dir/$name.$f" | head -3)"
    done
}
run score_default "$SAYDO_BIN" score "$dir/s.h5"
run score_all "$SAYDO_BIN" score "$dir/s.h5" --by model,condition,domain --metrics all
run score_item "$SAYDO_BIN" score "$dir/s.h5" --by item --metrics cs,pcs,jsd,quantiles
run score_unit_item "$SAYDO_BIN" score "$dir/s.h5" --unit item --metrics all
run score_bca "$SAYDO_BIN" score "$dir/s.h5" --by model,condition --ci bca --resamples 299 --seed 7
run score_strata "$SAYDO_BIN" score "$dir/s.h5" --by model --ci percentile --resamples 199 --strata domain
run compare "$SAYDO_BIN" compare "$dir/s.h5" --by model --resamples 199

# the shuffled store pairs like the ordered one (the hash join against the
# neighbour pass): same groups and counts, means equal to 1e-12 (the codes of
# the dictionaries, and so the order of pairs in each sum, differ)
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/o.h5" || die "ingest ordered"
"$SAYDO_BIN" score "$dir/o.h5" --by model,condition,domain --metrics all --format csv > "$dir/ordered.csv" 2> /dev/null
/usr/bin/python3 - "$dir/ordered.csv" "$dir/score_all.t1" <<'PY' || die "shuffled and ordered stores score differently"
import csv, math, sys
def rows(f):
    return {(r["model"], r["condition"], r["domain"]): r for r in csv.DictReader(open(f))}
a, b = rows(sys.argv[1]), rows(sys.argv[2])
assert a.keys() == b.keys() and len(a) > 15, (len(a), len(b))
for k in a:
    for c in a[k]:
        x, y = a[k][c], b[k][c]
        if c in ("model", "condition", "domain"):
            continue
        x, y = float(x), float(y)
        assert (math.isnan(x) and math.isnan(y)) or abs(x - y) <= 1e-12 * max(1.0, abs(x)), (k, c, x, y)
PY

"$SAYDO_BIN" score "$dir/s.h5" --threads -1 > /dev/null 2>&1
[ $? -eq 2 ] || die "--threads -1 was accepted"
exit $fail
