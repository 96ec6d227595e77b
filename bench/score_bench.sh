#!/bin/bash
# Pairing + CS/PCS per (model, condition, domain) on the 2.4M-line workload:
# saydo score (the whole command: process start, reading the HDF5 store,
# pairing, grouping, printing) against the same stage of the two peers in
# ../shared/bench, in one run on the same data:
#   - pandas + scipy: peer_pipeline.py's join + probs + jensenshannon + group
#     means (bench/pandas_stage.py; the data frame is built first and NOT
#     timed, so the peer gets its stage alone);
#   - DuckDB: duckdb_peer.mjs's score_s (its tables are in the database
#     already; the JSONL load is its ingest_s, not timed here).
# Prints a table: stage, seconds (median of REPEAT runs; best for the pandas
# stage), ratio (peer / saydo), peak memory (max RSS of the process).
#
# Usage: bench/score_bench.sh [SAYDO_BIN]
# Environment: BENCH_DIR (default /work/bench; the workload lives there, never
# in the repository), LOG (default $BENCH_DIR/logs.jsonl, made with
# gen_logs.py --models 4 --conditions 3 --items 50000 --trials 2 when
# missing), STORE (default $BENCH_DIR/s.h5, ingested when missing), DUCK_DIR
# (default $BENCH_DIR/duck, where `npm install @duckdb/node-api@1.5.6-r.1` is
# done when needed), REPEAT (default 5), SHARED (default ../shared/bench).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/saydo}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
BENCH_DIR=${BENCH_DIR:-/work/bench}
SHARED=${SHARED:-$here/../../shared/bench}
LOG=${LOG:-$BENCH_DIR/logs.jsonl}
STORE=${STORE:-$BENCH_DIR/s.h5}
DUCK_DIR=${DUCK_DIR:-$BENCH_DIR/duck}
REPEAT=${REPEAT:-5}
mkdir -p "$BENCH_DIR"
tmp=$(mktemp -d "$BENCH_DIR/score_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT

[ -x "$bin" ] || { echo "score_bench: no saydo binary at $bin (make build first)" >&2; exit 1; }
if [ ! -s "$LOG" ]; then
    echo "score_bench: generating $LOG (2.4M lines, ~1 min)" >&2
    /usr/bin/python3 "$SHARED/gen_logs.py" "$LOG.part" --models 4 --conditions 3 --items 50000 --trials 2 2> /dev/null
    mv "$LOG.part" "$LOG"
fi
if [ ! -s "$STORE" ]; then
    echo "score_bench: ingesting $LOG into $STORE" >&2
    "$bin" ingest -q "$LOG" -o "$STORE"
fi

# seconds and peak KB of one command, through GNU time
measure() {   # out-file, command...
    local out=$1
    shift
    /usr/bin/time -f "%e %M %U %S" -o "$out" "$@" > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; return 1; }
}
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }

: > "$tmp/saydo.rows"
for threads in 1 0; do
    : > "$tmp/s"
    : > "$tmp/m"
    : > "$tmp/c"
    for _ in $(seq "$REPEAT"); do
        measure "$tmp/t" "$bin" score "$STORE" --by model,condition,domain --metrics cs,pcs --threads $threads
        read -r s kb u sy < "$tmp/t"
        echo "$s" >> "$tmp/s"
        echo "$kb" >> "$tmp/m"
        awk -v u="$u" -v s="$sy" 'BEGIN {print u + s}' >> "$tmp/c"
    done
    label=$([ $threads = 0 ] && echo "all $(nproc) cores" || echo "1 thread")
    echo "$label $(median < "$tmp/s") $(median < "$tmp/m") $(median < "$tmp/c")" >> "$tmp/saydo.rows"
done

echo "score_bench: pandas stage (builds a 2.4M-row data frame first, ~1 min)" >&2
/usr/bin/python3 "$here/pandas_stage.py" "$STORE" --repeat 3 > "$tmp/pandas.json"

duck_s="" duck_kb=""
if command -v node > /dev/null; then
    if [ ! -d "$DUCK_DIR/node_modules/@duckdb/node-api" ]; then
        mkdir -p "$DUCK_DIR"
        (cd "$DUCK_DIR" && npm install --silent @duckdb/node-api@1.5.6-r.1 > /dev/null 2>&1) || true
    fi
    if [ -d "$DUCK_DIR/node_modules/@duckdb/node-api" ]; then
        cp "$SHARED/duckdb_peer.mjs" "$DUCK_DIR/"
        : > "$tmp/ds"
        : > "$tmp/dm"
        for _ in $(seq 3); do
            (cd "$DUCK_DIR" && /usr/bin/time -f "%M" -o "$tmp/dt" node duckdb_peer.mjs "$LOG" "$tmp/duck.db" --threads "$(nproc)" > "$tmp/duck.json" 2> "$tmp/err")
            /usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["score_s"])' "$tmp/duck.json" >> "$tmp/ds"
            cat "$tmp/dt" >> "$tmp/dm"
            rm -f "$tmp/duck.db" "$tmp/duck.db.wal"
        done
        duck_s=$(median < "$tmp/ds")
        duck_kb=$(median < "$tmp/dm")
    fi
fi

/usr/bin/python3 - "$tmp/saydo.rows" "$tmp/pandas.json" "$duck_s" "$duck_kb" "$(nproc)" <<'PY'
import json, sys
rows = [l.split() for l in open(sys.argv[1])]
saydo = [(" ".join(r[:-3]), float(r[-3]), float(r[-2]) / 1024, float(r[-1])) for r in rows]
pd_ = json.load(open(sys.argv[2]))
best = min(s for _, s, _, _ in saydo)
print("Pairing + CS/PCS per (model, condition, domain), 2.4M records, %s cores" % sys.argv[5])
print("(saydo: the whole `saydo score` command incl. reading the HDF5 store; peers: the stage alone)\n")
print("| stage | seconds | CPU s | ratio (peer / saydo all cores) | peak memory |")
print("|---|---|---|---|---|")
for name, s, mb, cpu in saydo:
    print(f"| saydo score, {name} | {s:.3f} | {cpu:.2f} | - | {mb:.0f} MB |")
ref = saydo[-1][1]
print(f"| pandas + scipy (peer_pipeline.py stage) | {pd_['stage_s']:.3f} | {pd_['stage_cpu_s']:.2f} | {pd_['stage_s'] / ref:.0f}x | {pd_['peak_rss_mb']:.0f} MB (process, data frame incl.) |")
if sys.argv[3]:
    print(f"| DuckDB (duckdb_peer.mjs score_s) | {float(sys.argv[3]):.3f} | - | {float(sys.argv[3]) / ref:.1f}x | {float(sys.argv[4]) / 1024:.0f} MB (process, ingest incl.) |")
else:
    print("| DuckDB | not run (no node or no @duckdb/node-api) | | | |")
PY
