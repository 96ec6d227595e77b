#!/bin/bash
# saydo export --format csv: a header, one row per record; with --logprobs the
# CSV ingests again into a store whose JSONL export equals the first store's
# (the CSV reader takes logp_A.. columns, option_map "2 0 1", status words);
# the default p_A.. columns hold the softmax (each row sums to 1).
# --results NAME writes a table `score --save` stored.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/export_csv"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }

"$SAYDO_BIN" simulate --models 2 --items 60 --trials 2 --options 3 --seed 5 --quiet -o "$dir/sim.jsonl" || die simulate
"$SAYDO_BIN" ingest "$dir/sim.jsonl" -q -o "$dir/a.h5" || die ingest
"$SAYDO_BIN" export "$dir/a.h5" --format csv --logprobs -o "$dir/a.csv" 2> /dev/null || die "export csv"
head -1 "$dir/a.csv" | grep -q '^model,condition,item,side,trial,variant,choice,status,n_options,domain' || die "header: $(head -1 "$dir/a.csv")"
head -1 "$dir/a.csv" | grep -q ',logp_A,logp_B,logp_C$' || die "no logp columns: $(head -1 "$dir/a.csv")"
[ "$(($(wc -l < "$dir/a.csv") - 1))" -eq "$(wc -l < "$dir/sim.jsonl")" ] || die "row count"
"$SAYDO_BIN" ingest "$dir/a.csv" -q -o "$dir/b.h5" || die "ingest csv"
"$SAYDO_BIN" export "$dir/a.h5" -o "$dir/a.jsonl" 2> /dev/null
"$SAYDO_BIN" export "$dir/b.h5" -o "$dir/b.jsonl" 2> /dev/null
cmp -s "$dir/a.jsonl" "$dir/b.jsonl" || die "CSV round trip changed records: $(diff "$dir/a.jsonl" "$dir/b.jsonl" | head -4)"

"$SAYDO_BIN" export "$dir/a.h5" --format csv -o "$dir/p.csv" 2> /dev/null || die "export csv probs"
awk -F, 'NR == 1 { for (i = 1; i <= NF; i++) if ($i ~ /^p_/) c[++n] = i; next }
         $c[1] != "" { s = 0; for (k = 1; k <= n; k++) s += $c[k]; if (s < 0.99999 || s > 1.00001) bad++ }
         END { exit bad > 0 }' "$dir/p.csv" || die "p_ columns do not sum to 1"

"$SAYDO_BIN" score "$dir/a.h5" --by model --save bymodel > /dev/null 2>&1 || die "score --save"
"$SAYDO_BIN" export "$dir/a.h5" --results bymodel --format csv > "$dir/r.csv" 2> /dev/null || die "--results csv"
"$SAYDO_BIN" score "$dir/a.h5" --by model --format csv > "$dir/s.csv" 2> /dev/null
cmp -s "$dir/r.csv" "$dir/s.csv" || die "--results CSV differs from score's CSV"
"$SAYDO_BIN" export "$dir/a.h5" --results bymodel > "$dir/r.jsonl" 2> /dev/null || die "--results jsonl"
[ "$(wc -l < "$dir/r.jsonl")" -eq 3 ] || die "--results JSONL: expected 2 models + overall"
grep -q '"model":"m01"' "$dir/r.jsonl" || die "--results JSONL lacks m01"
"$SAYDO_BIN" export "$dir/a.h5" --results nosuch > /dev/null 2>&1 && die "a missing results table exported"
exit $fail
