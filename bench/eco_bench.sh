#!/bin/bash
# Ingest throughput of a large lm-evaluation-harness samples file against
# plain saydo JSONL (not part of `make test`). Both inputs come from fixed
# seeds; each ingest goes to a fresh store; the best of 3 runs counts.
#   bash bench/eco_bench.sh [SAYDO_BIN] [N_DOCS]
# Reports MB/s and records/s for both, and the ratio (lm-eval / JSONL).
set -euo pipefail
BIN="${1:-build/saydo}"
N="${2:-40000}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
dir=$(mktemp -d "${TMPDIR:-/tmp}/eco_bench.XXXXXX")
trap 'rm -rf "$dir"' EXIT
here=$(cd "$(dirname "$0")" && pwd)

"$PY" "$here/eco_gen_lmeval.py" "$N" "$dir/samples_bench_2025-01-01T00-00-00.000000.jsonl"
"$BIN" simulate --models 9 --items 2000 --trials 3 --seed 1 --quiet -o "$dir/plain.jsonl"

run() {   # file, extra args -> "seconds records bytes" of the best of 3
    local best="" f="$1"; shift
    for _ in 1 2 3; do
        rm -f "$dir/s.h5" "$dir/s.h5.lock" "$dir/s.h5.quarantine.jsonl"
        local t0 t1
        t0=$(date +%s.%N)
        "$BIN" ingest "$f" -o "$dir/s.h5" -q "$@" 2> "$dir/err"
        t1=$(date +%s.%N)
        local s
        s=$(echo "$t1 - $t0" | bc -l)
        if [ -z "$best" ] || [ "$(echo "$s < $best" | bc -l)" = 1 ]; then best=$s; fi
    done
    local recs
    recs=$(grep -o '[0-9]* records stored' "$dir/err" | cut -d' ' -f1)
    echo "$best $recs $(stat -c %s "$f")"
}
read -r ts tr tb < <(run "$dir"/samples_bench_*.jsonl -m bench)
read -r js jr jb < <(run "$dir/plain.jsonl")
awk -v ts="$ts" -v tr="$tr" -v tb="$tb" -v js="$js" -v jr="$jr" -v jb="$jb" 'BEGIN {
    printf "lm-eval samples: %8.1f MB  %8d records  %6.2f s  %7.1f MB/s  %9.0f records/s\n", tb/1e6, tr, ts, tb/1e6/ts, tr/ts
    printf "plain JSONL:     %8.1f MB  %8d records  %6.2f s  %7.1f MB/s  %9.0f records/s\n", jb/1e6, jr, js, jb/1e6/js, jr/js
    printf "lm-eval / JSONL throughput (MB/s): %.2f\n", (tb/ts) / (jb/js)
}'
