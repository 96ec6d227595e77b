#!/bin/bash
# `saydo ingest` of the 2.4M-line benchmark log cut into FILES files (default
# 8, in line order), under mpirun -n 1, 2 and 4 of the MPI build: wall
# seconds (median of RUNS, default 3), CPU seconds and peak memory of rank 0
# and of the largest other rank (/usr/bin/time -v around each rank). -n 1 is
# the serial ingest (one rank takes saydo's serial path, its parse threads:
# THREADS, default the CPUs); with more ranks each rank parses its files on
# CPUs / ranks-per-node threads. Every store is checked against the -n 1 one
# (`saydo export` byte for byte). Workload and stores go to BENCH_DIR.
# Usage: bench/mpi_ingest_bench.sh [SAYDO_BIN]   (the MPI binary: SAYDO_MPI_BIN,
# else build-mpi/saydo beside the source). Skips when there is no MPI build.
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
mpi_bin=${SAYDO_MPI_BIN:-$here/../build-mpi/saydo}
BENCH_DIR=${BENCH_DIR:-/work/bench}
files_n=${FILES:-8}
runs=${RUNS:-3}
ranks=${RANKS:-1 2 4}
if [ ! -x "$mpi_bin" ] || ! command -v mpirun > /dev/null; then
    echo "skipped: no MPI build at $mpi_bin or no mpirun (cmake -S . -B build-mpi -DSAYDO_MPI=ON)"
    exit 0
fi
log=$BENCH_DIR/logs.jsonl
if [ ! -s "$log" ]; then
    /usr/bin/python3 "$here/../../shared/bench/gen_logs.py" "$log" --models 4 --conditions 3 --items 50000 --trials 2 \
        > /dev/null 2>&1 || { echo "cannot generate $log"; exit 1; }
fi
dir=$BENCH_DIR/mpi_ingest
mkdir -p "$dir"
if [ ! -s "$dir/part_$(printf %02d $((files_n - 1))).jsonl" ]; then
    rm -f "$dir"/part_*.jsonl
    split -d -n "l/$files_n" --additional-suffix=.jsonl "$log" "$dir/part_"
fi
parts=("$dir"/part_*.jsonl)
mpi() { mpirun --oversubscribe --allow-run-as-root -n "$@"; }

echo "| ranks | seconds (median of $runs) | CPU s, all ranks | peak memory rank 0 | peak memory other ranks (max) |"
echo "|---|---|---|---|---|"
for n in $ranks; do
    secs=()
    for ((r = 0; r < runs; r++)); do
        rm -f "$dir/s$n.h5" "$dir/s$n.h5".*
        rm -f "$dir"/time.*
        t0=$(date +%s.%N)
        mpi "$n" bash -c 'exec /usr/bin/time -v -o "$0/time.$OMPI_COMM_WORLD_RANK" "$@"' "$dir" \
            "$mpi_bin" ingest -q ${THREADS:+--threads "$THREADS"} "${parts[@]}" -o "$dir/s$n.h5" 2> "$dir/err.$n" ||
            { echo "mpirun -n $n failed: $(tail -2 "$dir/err.$n")"; exit 1; }
        t1=$(date +%s.%N)
        secs+=("$(echo "$t1 - $t0" | bc)")
    done
    med=$(printf '%s\n' "${secs[@]}" | sort -n | sed -n "$(((runs + 1) / 2))p")
    cpu=0 rss0=0 rssk=0
    for f in "$dir"/time.*; do
        k=${f##*.}
        u=$(awk -F': ' '/User time/ {u=$2} /System time/ {s=$2} END {print u + s}' "$f")
        m=$(awk -F': ' '/Maximum resident/ {print $2}' "$f")
        cpu=$(echo "$cpu + $u" | bc)
        if [ "$k" = 0 ]; then rss0=$m; elif [ "$m" -gt "$rssk" ]; then rssk=$m; fi
    done
    other=$([ "$n" -gt 1 ] && echo "$((rssk / 1024)) MB" || echo "-")
    printf '| %d | %.2f | %.1f | %d MB | %s |\n' "$n" "$med" "$cpu" "$((rss0 / 1024))" "$other"
    "$mpi_bin" export "$dir/s$n.h5" 2> /dev/null | md5sum > "$dir/export.$n"
done
first=$(set -- $ranks; echo "$1")
for n in $ranks; do
    cmp -s "$dir/export.$first" "$dir/export.$n" || { echo "FAIL: the store of -n $n differs from -n $first"; exit 1; }
done
echo "(the $files_n files: $(du -ch "${parts[@]}" | tail -1 | cut -f1); every store's export is the same bytes)"
