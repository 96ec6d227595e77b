#!/bin/bash
# Ingest memory against input size (not part of make test): is peak memory
# bounded whatever the log's size?
#
#   bench/ingest_scale.sh [LOG.jsonl] [COPIES...]   (default /work/bench/logs.jsonl, copies 1 2 5)
#
# For each COPIES = n, one `saydo ingest` reads n renamed copies of LOG
# (model-K becomes cC-model-K in copy C, so every record key is new) into one
# fresh store: n x 2.4M records on the default log. A second run appends one
# more copy to the n-copy store, the case where the store's own keys must be
# checked too. The copies are written once to BENCH_OUT and kept. Each run is timed with
# /usr/bin/time -v: wall, user + system CPU seconds, peak resident memory,
# and the records stored and duplicates found are read back from the summary.
# Environment: SAYDO_BUILD (default build-bench, configured when missing),
# BENCH_OUT (default /tmp/saydo-scale-bench; needs the log's size per copy,
# plus ~30 MB of store per 2.4M records).
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
log=${1:-/work/bench/logs.jsonl}
shift || true
copies=("$@")
[ ${#copies[@]} -gt 0 ] || copies=(1 2 5)
out=${BENCH_OUT:-/tmp/saydo-scale-bench}
build=${SAYDO_BUILD:-$here/build-bench}
[ -s "$log" ] || { echo "no log at $log: run bench/ingest_bench.sh once to generate it" >&2; exit 1; }
if [ ! -x "$build/saydo" ]; then
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release > /dev/null &&
        cmake --build "$build" -j2 --target saydo_cli > /dev/null || { echo "build failed" >&2; exit 1; }
fi
saydo="$build/saydo"
mkdir -p "$out"

# copy C: the log with its models renamed, made once
copy() {
    local f="$out/$(basename "$log" .jsonl)-copy$1.jsonl"
    [ -s "$f" ] || sed "s/\"model-/\"c$1-model-/" "$log" > "$f"
    echo "$f"
}

# run NAME FIRST COUNT STORE: one timed ingest of copies FIRST.. into STORE; prints a table row
run() {
    local name=$1 first=$2 count=$3 store=$4 files=() c
    for ((c = first; c < first + count; c++)); do files+=("$(copy "$c")"); done
    cat "${files[@]}" > /dev/null   # warm the page cache
    /usr/bin/time -v -o "$out/run.time" "$saydo" ingest -q "${files[@]}" -o "$store" > "$out/run.out" 2> "$out/run.err"
    local rc=$?
    [ $rc -eq 0 ] || { echo "$name: saydo exited $rc: $(tail -3 "$out/run.err")" >&2; return 1; }
    local cpu wall peak stored dups
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$out/run.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$out/run.time")
    peak=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$out/run.time")
    stored=$(cat "$out/run.out" "$out/run.err" | grep -o '[0-9]* records stored' | awk '{s += $1} END {print s}')
    dups=$(cat "$out/run.out" "$out/run.err" | grep -o '[0-9]* duplicates' | awk '{s += $1} END {print s}')
    printf '| %s | %s | %s | %s | %s | %s | %s |\n' "$name" "$((count * lines))" "$stored" "$dups" "$wall" "$cpu" "$peak"
}

lines=$(wc -l < "$log")
echo "log: $log ($lines lines); saydo: $saydo; load average $(cut -d' ' -f1-3 /proc/loadavg)" >&2
echo "| run | lines in | stored | duplicates | wall s | CPU s | peak MB |"
echo "|---|---|---|---|---|---|---|"
for n in "${copies[@]}"; do
    store="$out/scale$n.h5"
    rm -f "$store" "$store".*
    run "new store, $n copies" 0 "$n" "$store" || exit 1
    run "append 1 copy to it" "$n" 1 "$store" || exit 1
    rm -f "$store" "$store".*
done
echo "load average after: $(cut -d' ' -f1-3 /proc/loadavg)" >&2
