#!/bin/bash
# Pairing + CS/PCS per (model, condition, domain) on the 2.4M-line workload,
# saydo against the same stage of the two peers in ../shared/bench, in one
# run on the same data, two ways:
#   - stage against stage: saydo's pair + group + CS/PCS from the columns in
#     memory, as `saydo score --timings` reports it (wall and CPU seconds of
#     the whole process, all threads), against
#       - pandas + scipy: peer_pipeline.py's join + probs + jensenshannon +
#         group means (bench/pandas_stage.py; the data frame is built first
#         and NOT timed; best of 3, with its CPU seconds);
#       - DuckDB: duckdb_peer.mjs's score_s (its tables are in the database
#         already; the JSONL load is its ingest_s, not timed here);
#   - saydo's whole command (process start, reading the HDF5 store, the
#     stage, printing) against the same peer stages.
# saydo runs REPEAT times at 1 thread and at all cores; medians. Prints a
# table: seconds, CPU seconds (user + system, GNU time), ratios (peer /
# saydo) by seconds and by CPU seconds, peak memory (max RSS), and the load
# average at the start and the end (wall seconds on a shared machine are
# inflated by the load; CPU seconds much less).
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

# one saydo run: whole-command wall s, peak KB, user s, system s (GNU time)
# and the stage times `saydo score --timings` prints (wall/CPU per stage)
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
load_start=$(load)

# Per thread setting, REPEAT runs; each line of $tmp/saydo.rows:
# label wall cpu peakKB stage_wall stage_cpu read_wall read_cpu (medians)
: > "$tmp/saydo.rows"
for threads in 1 0; do
    : > "$tmp/runs"
    for _ in $(seq "$REPEAT"); do
        /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$bin" score "$STORE" --by model,condition,domain \
            --metrics cs,pcs --threads $threads --timings > /dev/null 2> "$tmp/err" || { cat "$tmp/err" >&2; exit 1; }
        read -r s kb u sy < "$tmp/t"
        # "... read W/C/F pair ...; stage (pair+group+metrics) W/C/F; total ..."
        read -r rw rc sw sc < <(awk '/timings/ {
            for (i = 1; i <= NF; i++) {
                if ($i == "read") split($(i + 1), r, "/");
                if ($i == "(pair+group+metrics)") split($(i + 1), g, "/");
            }
            print r[1], r[2], g[1], g[2] }' "$tmp/err")
        echo "$s $(awk -v u="$u" -v s="$sy" 'BEGIN {print u + s}') $kb $sw $sc $rw $rc" >> "$tmp/runs"
    done
    label=$([ $threads = 0 ] && echo "all_$(nproc)_cores" || echo "1_thread")
    row=$label
    for col in 1 2 3 4 5 6 7; do row="$row $(awk -v c=$col '{print $c}' "$tmp/runs" | median)"; done
    echo "$row" >> "$tmp/saydo.rows"
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

load_end=$(load)
/usr/bin/python3 - "$tmp/saydo.rows" "$tmp/pandas.json" "$duck_s" "$duck_kb" "$(nproc)" "$REPEAT" "$load_start" "$load_end" <<'PY'
import json, sys
rows = {}
for l in open(sys.argv[1]):
    r = l.split()
    rows[r[0]] = dict(zip(("wall", "cpu", "kb", "stage_wall", "stage_cpu", "read_wall", "read_cpu"), map(float, r[1:])))
pd_ = json.load(open(sys.argv[2]))
ncores, rep = sys.argv[5], sys.argv[6]
one, alls = rows["1_thread"], rows["all_%s_cores" % ncores]
ps, pc = pd_["stage_s"], pd_["stage_cpu_s"]
print("Pairing + CS/PCS per (model, condition, domain), 2.4M records, %s cores; load average %s at the start, %s at the end"
      % (ncores, sys.argv[7], sys.argv[8]))
print("(saydo: medians of %s runs; stage = pair + group + CS/PCS from the columns in memory, as `saydo score --timings`"
      " reports it; whole = the command, process start and HDF5 read included. pandas: the stage alone, best of 3, data"
      " frame built first. DuckDB: score_s, median of 3, tables loaded first.)\n" % rep)
print("| what | seconds | CPU s | ratio peer / saydo (seconds) | ratio peer / saydo (CPU s) | peak memory |")
print("|---|---|---|---|---|---|")
for name, r in (("1 thread", one), ("all %s cores" % ncores, alls)):
    print(f"| saydo stage, {name} | {r['stage_wall']:.4f} | {r['stage_cpu']:.4f} | - | - | - |")
for name, r in (("1 thread", one), ("all %s cores" % ncores, alls)):
    print(f"| saydo whole command, {name} (read {r['read_wall']:.3f} s / {r['read_cpu']:.3f} CPU s) | {r['wall']:.3f} | "
          f"{r['cpu']:.3f} | - | - | {r['kb'] / 1024:.0f} MB |")
print(f"| pandas + scipy stage (peer_pipeline.py's) | {ps:.3f} | {pc:.3f} | stage: {ps / alls['stage_wall']:.0f}x; "
      f"whole: {ps / alls['wall']:.1f}x | stage: {pc / alls['stage_cpu']:.0f}x; whole: {pc / alls['cpu']:.1f}x | "
      f"{pd_['peak_rss_mb']:.0f} MB (process, data frame incl.) |")
if sys.argv[3]:
    d = float(sys.argv[3])
    print(f"| DuckDB score_s (duckdb_peer.mjs) | {d:.3f} | - | stage: {d / alls['stage_wall']:.1f}x; whole: "
          f"{d / alls['wall']:.2f}x | - | {float(sys.argv[4]) / 1024:.0f} MB (process, ingest incl.) |")
else:
    print("| DuckDB | not run (no node or no @duckdb/node-api) | | | | |")
PY
