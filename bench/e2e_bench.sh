#!/bin/bash
# The whole analysis on the 2.4M-line workload: JSONL in, CS and PCS per
# (model, condition, domain) with 95% BCa intervals from 9999 resamples out.
#   - saydo:   saydo ingest + saydo score --ci bca --resamples 9999 --no-overall
#              (the peers compute the 48 group rows only; the overall row,
#              which resamples all 600,000 clusters again, is timed once
#              beside it); REPEAT runs (default 5), medians, CPU seconds
#   - pandas:  ../shared/bench/peer_pipeline.py (pandas read_json, h5py,
#              join, scipy.stats.bootstrap BCa); ~13 min and ~17.5 GB, so it
#              runs only with RUN_PANDAS=1, else its numbers come from a
#              `/usr/bin/time -v` record of an earlier run (PANDAS_TIME)
#   - DuckDB + numpy: duckdb_peer.mjs (ingest, pairs) + numpy_boot_peer.py
#              (percentile + BCa for both statistics)
# Without a pandas record it cites the ../shared/bench README's measured
# figure (757 s, 17.5 GB), labelled as such. The load average is printed at
# the start and the end.
# then scaling: saydo at 1 and all threads; the MPI build (build-mpi/saydo)
# at 1, 2 and 4 ranks when present; and cost growth with 10x more items
# (logs of 5,000 / 50,000 / 500,000 items made by gen_logs.py in BENCH_DIR).
# Prints markdown tables: stage, seconds, ratio (peer / saydo), peak memory.
#
# Usage: bench/e2e_bench.sh [SAYDO_BIN]
# Environment: BENCH_DIR (default /work/bench), LOG, SHARED, DUCK_DIR as in
# score_bench.sh; PANDAS_TIME (default $BENCH_DIR/peer/pandas.time);
# RUN_PANDAS=1 to run the pandas pipeline now; REPEAT (default 5); MPI_BIN (default
# build-mpi/saydo next to the repository's build); SKIP_SCALING=1,
# SKIP_GROWTH=1 to leave those parts out, ONLY_GROWTH=1 for the growth alone; GROWTH_RESAMPLES (default 999:
# the growth series bootstraps with fewer resamples, its cost is linear in B).
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/saydo}
bin=$(cd "$(dirname "$bin")" && pwd)/$(basename "$bin")
BENCH_DIR=${BENCH_DIR:-/work/bench}
SHARED=${SHARED:-$here/../../shared/bench}
LOG=${LOG:-$BENCH_DIR/logs.jsonl}
DUCK_DIR=${DUCK_DIR:-$BENCH_DIR/duck}
PANDAS_TIME=${PANDAS_TIME:-$BENCH_DIR/peer/pandas.time}
MPI_BIN=${MPI_BIN:-$here/../build-mpi/saydo}
GROWTH_RESAMPLES=${GROWTH_RESAMPLES:-999}
B=9999
mkdir -p "$BENCH_DIR"
tmp=$(mktemp -d "$BENCH_DIR/e2e_bench.XXXXXX")
trap 'rm -rf "$tmp"' EXIT
[ -x "$bin" ] || { echo "e2e_bench: no saydo binary at $bin" >&2; exit 1; }

gen() {   # items, out
    [ -s "$2" ] && return 0
    echo "e2e_bench: generating $2 ($1 items)" >&2
    # into a temporary name first: an interrupted run must not leave a short log behind
    /usr/bin/python3 "$SHARED/gen_logs.py" "$2.part" --models 4 --conditions 3 --items "$1" --trials 2 2> /dev/null
    mv "$2.part" "$2"
}
gen 50000 "$LOG"
growth_only=${ONLY_GROWTH:-0}   # ONLY_GROWTH=1: just the growth series

# "seconds peakKB cpu" of a command (GNU time; cpu = user + system), its stdout to $tmp/out
run() {
    /usr/bin/time -f "%e %M %U %S" -o "$tmp/t" "$@" > "$tmp/out" 2> "$tmp/err" || { cat "$tmp/err" >&2; return 1; }
    awk '{print $1, $2, $3 + $4}' "$tmp/t"
}
add() { awk -v a="$1" -v b="$2" 'BEGIN {print a + b}'; }
max() { awk -v a="$1" -v b="$2" 'BEGIN {print (a > b) ? a : b}'; }
median() { sort -g | awk '{a[NR] = $1} END {print (NR % 2) ? a[(NR + 1) / 2] : (a[NR / 2] + a[NR / 2 + 1]) / 2}'; }
load() { cut -d' ' -f1-3 /proc/loadavg; }
REPEAT=${REPEAT:-5}
load_start=$(load)
CI=(--by model,condition,domain --metrics cs,pcs --ci bca --resamples $B --seed 1 --format csv)

# ---- saydo ------------------------------------------------------------------
if [ "$growth_only" != 1 ]; then
: > "$tmp/runs"
for rep in $(seq "$REPEAT"); do
    read -r si_s si_kb si_c < <(run "$bin" ingest -q "$LOG" -o "$tmp/e2e.h5")
    read -r sc_s sc_kb sc_c < <(run "$bin" score "$tmp/e2e.h5" "${CI[@]}" --no-overall)
    if [ "$rep" = 1 ]; then
        cp "$tmp/out" "$tmp/saydo_ci.csv"
    else
        cmp -s "$tmp/out" "$tmp/saydo_ci.csv" || echo "e2e_bench: WARNING: run $rep printed other intervals" >&2
    fi
    echo "$si_s $si_c $sc_s $sc_c $(add "$si_s" "$sc_s") $(add "$si_c" "$sc_c") $(max "$si_kb" "$sc_kb")" >> "$tmp/runs"
    [ "$rep" = "$REPEAT" ] || rm -f "$tmp/e2e.h5" "$tmp/e2e.h5.lock"
done
col() { awk -v c="$1" '{print $c}' "$tmp/runs" | median; }
si_s=$(col 1) si_c=$(col 2) sc_s=$(col 3) sc_c=$(col 4) saydo_s=$(col 5) saydo_c=$(col 6) saydo_kb=$(col 7)
# the overall row beside it (once): the same group rows, plus one row over all clusters
read -r ov_s ov_kb ov_c < <(run "$bin" score "$tmp/e2e.h5" "${CI[@]}")
grep -v '(all)' "$tmp/out" | cmp -s - "$tmp/saydo_ci.csv" ||
    echo "e2e_bench: WARNING: the group rows differ with the overall row" >&2

# ---- DuckDB + numpy -----------------------------------------------------------
duck_line="| DuckDB + numpy | not run (no node or @duckdb/node-api in $DUCK_DIR) | | | | | |"
if command -v node > /dev/null && [ -d "$DUCK_DIR/node_modules/@duckdb/node-api" ]; then
    cp "$SHARED/duckdb_peer.mjs" "$DUCK_DIR/"
    read -r dd_s dd_kb dd_c < <(cd "$DUCK_DIR" && run node duckdb_peer.mjs "$LOG" "$tmp/d.duckdb" --threads "$(nproc)" \
                                    --pairs-out "$tmp/pairs.csv")
    read -r nb_s nb_kb nb_c < <(run /usr/bin/python3 "$SHARED/numpy_boot_peer.py" "$tmp/pairs.csv" --resamples $B)
    duck_s=$(add "$dd_s" "$nb_s")
    duck_c=$(add "$dd_c" "$nb_c")
    duck_kb=$(max "$dd_kb" "$nb_kb")
    duck_line=$(awk -v a="$dd_s" -v b="$nb_s" -v t="$duck_s" -v c="$duck_c" -v m="$duck_kb" -v s="$saydo_s" \
        -v sc="$saydo_c" -v sm="$saydo_kb" \
        'BEGIN {printf "| DuckDB + numpy bootstrap (%.1f s DuckDB ingest+pairs+CSV, %.1f s numpy; one run) | %.1f | %.1f | %.1fx | %.1fx | %.0f MB | %.1fx |", a, b, t, c, t / s, c / sc, m / 1024, m / sm}')
    rm -f "$tmp/d.duckdb" "$tmp/pairs.csv"
fi

# ---- pandas + scipy ---------------------------------------------------------------
if [ "${RUN_PANDAS:-0}" = 1 ]; then
    mkdir -p "$(dirname "$PANDAS_TIME")"
    echo "e2e_bench: running peer_pipeline.py (~13 min, ~17.5 GB)" >&2
    /usr/bin/time -v /usr/bin/python3 "$SHARED/peer_pipeline.py" "$LOG" "$tmp/peer.h5" > "$tmp/pandas.csv" 2> "$PANDAS_TIME"
fi
if [ -s "$PANDAS_TIME" ] && grep -q "Elapsed" "$PANDAS_TIME"; then
    p_s=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, a, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + a[i]; print s}' "$PANDAS_TIME")
    p_c=$(awk -F': ' '/User time/ {u = $2} /System time/ {s = $2} END {print u + s}' "$PANDAS_TIME")
    p_kb=$(awk -F': ' '/Maximum resident set size/ {print $2}' "$PANDAS_TIME")
    pandas_line=$(awk -v t="$p_s" -v c="$p_c" -v m="$p_kb" -v s="$saydo_s" -v sc="$saydo_c" -v sm="$saydo_kb" \
        'BEGIN {printf "| pandas + scipy (peer_pipeline.py, one recorded run) | %.1f | %.1f | %.0fx | %.0fx | %.0f MB | %.0fx |", t, c, t / s, c / sc, m / 1024, m / sm}')
else
    # ../shared/bench/README.md: measured on this workload and machine, quiet (757 s, 17.5 GB peak)
    pandas_line=$(awk -v s="$saydo_s" -v sc="$saydo_c" -v sm="$saydo_kb" \
        'BEGIN {printf "| pandas + scipy (peer_pipeline.py; the ../shared/bench figure, not run here) | 757 | - | %.0fx | - | 17,500 MB | %.0fx |", 757 / s, 17.5e6 / sm}')
fi

echo "Whole analysis: 2.4M lines -> CS and PCS per (model, condition, domain), 95% BCa, $B resamples ($(nproc) cores)"
echo "load average $load_start at the start, $(load) at the end; saydo: medians of $REPEAT runs"
echo
echo "| pipeline | seconds | CPU s | ratio (peer / saydo, seconds) | ratio (CPU s) | peak memory | memory ratio |"
echo "|---|---|---|---|---|---|---|"
awk -v a="$si_s" -v b="$sc_s" -v t="$saydo_s" -v c="$saydo_c" -v ac="$si_c" -v bc="$sc_c" -v m="$saydo_kb" \
    'BEGIN {printf "| saydo (ingest %.1f s / %.1f CPU s, score --ci bca --no-overall %.1f s / %.1f CPU s) | %.1f | %.1f | 1 | 1 | %.0f MB | 1 |\n", a, ac, b, bc, t, c, m / 1024}'
awk -v t="$ov_s" -v c="$ov_c" -v m="$ov_kb" \
    'BEGIN {printf "| (saydo score --ci bca with the overall row too, not in the peers: one run) | %.1f | %.1f | | | %.0f MB | |\n", t, c, m / 1024}'
echo "$pandas_line"
echo "$duck_line"

if [ "${SKIP_SCALING:-0}" != 1 ]; then
# ---- threads and ranks ------------------------------------------------------
echo
echo "Scaling of \`saydo score --ci bca --resamples $B --no-overall\` (2.4M lines; point estimates + 48 bootstrap rows)"
echo
echo "| run | seconds | speed-up | peak memory |"
echo "|---|---|---|---|"
base=""
for t in 1 $(nproc); do
    read -r s kb _ < <(run "$bin" score "$tmp/e2e.h5" "${CI[@]}" --no-overall --threads $t)
    cmp -s "$tmp/out" "$tmp/saydo_ci.csv" || echo "e2e_bench: WARNING: output at $t threads differs" >&2
    base=${base:-$s}
    awk -v t="$t" -v s="$s" -v b="$base" -v m="$kb" 'BEGIN {printf "| %d thread(s) | %.1f | %.2f | %.0f MB |\n", t, s, b / s, m / 1024}'
done
if [ -x "$MPI_BIN" ] && command -v mpirun > /dev/null; then
    for n in 1 2 4; do
        read -r s kb _ < <(run mpirun --oversubscribe --allow-run-as-root -n $n "$MPI_BIN" score "$tmp/e2e.h5" \
                               "${CI[@]}" --no-overall --threads 1)
        cmp -s "$tmp/out" "$tmp/saydo_ci.csv" || echo "e2e_bench: WARNING: output at $n ranks differs" >&2
        [ $n = 1 ] && rbase=$s
        awk -v n="$n" -v s="$s" -v b="$rbase" -v m="$kb" \
            'BEGIN {printf "| mpirun -n %d, 1 thread each | %.1f | %.2f | %.0f MB (rank 0) |\n", n, s, b / s, m / 1024}'
    done
else
    echo "| MPI ranks | not run: no MPI build at $MPI_BIN | | |"
fi
fi   # SKIP_SCALING

fi   # growth_only
[ "${SKIP_GROWTH:-0}" = 1 ] && exit 0

# ---- growth with items ------------------------------------------------------------
echo
echo "Cost growth as items grow 10x (4 models x 3 conditions x 2 trials; bootstrap: bca, $GROWTH_RESAMPLES resamples;"
echo "a cluster = one item of one group, 2 pairs; every cluster is resampled twice: in its group row and the overall row)"
echo
echo "| items | records | ingest s | score s | score --ci s | ns / record (ingest + score) | ns / (cluster x resample) | peak memory |"
echo "|---|---|---|---|---|---|---|---|"
for items in 5000 50000 500000; do
    log=$BENCH_DIR/logs_i$((items / 1000))k.jsonl
    [ $items = 50000 ] && log=$LOG
    gen $items "$log"
    recs=$((items * 48))   # 4 models x 3 conditions x 2 trials x 2 sides
    read -r gi_s gi_kb _ < <(run "$bin" ingest -q "$log" -o "$tmp/g.h5")
    read -r gs_s gs_kb _ < <(run "$bin" score "$tmp/g.h5")
    read -r gc_s gc_kb _ < <(run "$bin" score "$tmp/g.h5" --ci bca --resamples "$GROWTH_RESAMPLES")
    peak=$(max "$(max "$gi_kb" "$gs_kb")" "$gc_kb")
    awk -v i="$items" -v r="$recs" -v a="$gi_s" -v b="$gs_s" -v c="$gc_s" -v m="$peak" -v B="$GROWTH_RESAMPLES" \
        'BEGIN {cl = r / 4; printf "| %d | %d | %.2f | %.2f | %.1f | %.0f | %.2f | %.0f MB |\n", i, r, a, b, c, 1e9 * (a + b) / r, 1e9 * (c - b) / (2 * cl * B), m / 1024}'
    rm -f "$tmp/g.h5" "$tmp/g.h5.lock"
done
