#!/bin/bash
# Ingest benchmark: saydo against the reference pipeline's read stage and
# DuckDB's ingest, in one run, on the same JSONL log (not part of make test).
#
#   bench/ingest_bench.sh [LOG.jsonl]      (default /work/bench/logs.jsonl)
#
# A missing LOG is generated first with ../shared/bench/gen_logs.py --models 4
# --conditions 3 --items 50000 --trials 2 (2.4M lines, 522 MB). Every run is
# timed with /usr/bin/time -v (wall seconds, user + system CPU seconds, peak
# resident memory); each saydo run is repeated BENCH_REPS times (default 5)
# and the medians are reported (peak memory: the largest), because wall time
# on a shared machine drifts with the load:
#   saydo ingest          the default: JSONL parsed on one thread per CPU, the
#                         writing (dedupe, HDF5, deflate) on one more
#   saydo ingest -j 1     one parse thread + the writing thread (--threads 1): its
#                         "CPU MB/s" (file bytes / user + system seconds) is the
#                         one-core figure, steady under load where wall time is not
#   saydo ingest, 1 core  the default pinned to one CPU with taskset
#   saydo parse only      bench/parse_bench.c, one thread, no store: the chunk parser over
#                         a mapping of the file (what each ingest parse thread runs), and
#                         the ordinary reader (read(2) into a line buffer); by hand,
#                         `parse_bench LOG pipe` gives the ingest's parse side exactly
#                         (pread, hash, packed parts, unpacking) in CPU seconds
#   pandas read stage     exactly peer_pipeline.py's read: pd.read_json(lines=True) +
#                         json_normalize + the h5py column writes (gzip + shuffle)
#   DuckDB ingest         duckdb_peer.mjs: read_json into a database file + CHECKPOINT
#                         (its own ingest_s; peak memory is of the whole node process)
# and a table compares them. The page cache is warmed first so every reader
# starts from memory. Environment:
#   SAYDO_BUILD  a configured build folder (default: build-bench beside this repo's
#                sources, configured and built when missing)
#   BENCH_OUT    where stores and logs go (default /tmp/saydo-ingest-bench)
#   BENCH_DUCK   folder with node_modules/@duckdb/node-api (default /work/bench/duck;
#                `npm install @duckdb/node-api@1.5.6-r.1` there when missing)
#   SKIP_PANDAS=1 / SKIP_DUCKDB=1 leave a peer out (pandas needs ~10 GB on the full log)
set -uo pipefail
here=$(cd "$(dirname "$0")/.." && pwd)
shared=${SAYDO_SHARED:-$here/../shared}
log=${1:-/work/bench/logs.jsonl}
out=${BENCH_OUT:-/tmp/saydo-ingest-bench}
build=${SAYDO_BUILD:-$here/build-bench}
duck=${BENCH_DUCK:-/work/bench/duck}
mkdir -p "$out"

if [ ! -s "$log" ]; then
    echo "generating $log (gen_logs.py --models 4 --conditions 3 --items 50000 --trials 2)" >&2
    mkdir -p "$(dirname "$log")"
    /usr/bin/python3 "$shared/bench/gen_logs.py" "$log" --models 4 --conditions 3 --items 50000 --trials 2 \
        2> "$out/gen.err" || { echo "gen_logs.py failed: $(cat "$out/gen.err")" >&2; exit 1; }
fi
if [ ! -x "$build/saydo" ]; then
    echo "building saydo in $build" >&2
    cmake -S "$here" -B "$build" -DCMAKE_BUILD_TYPE=Release > "$out/cmake.log" 2>&1 &&
        cmake --build "$build" -j2 --target saydo_cli >> "$out/cmake.log" 2>&1 ||
        { echo "build failed: see $out/cmake.log" >&2; exit 1; }
fi
saydo="$build/saydo"
gcc -O2 -I"$here/include" -I"$here/src" -I"$build/generated" "$here/bench/parse_bench.c" \
    "$build/libsaydo.a" "$build/libsaydo_io.a" "$build/libsaydo_util.a" \
    $(pkg-config --libs yajl libxxhash libzip libzstd hdf5) -lpthread -lm \
    -o "$out/parse_bench" || { echo "cannot build parse_bench" >&2; exit 1; }

bytes=$(stat -c %s "$log")
mb=$(awk -v b="$bytes" 'BEGIN {printf "%.1f", b / 1e6}')
lines=$(wc -l < "$log")
load_before=$(cut -d' ' -f1-3 /proc/loadavg)
echo "log: $log, $lines lines, $mb MB; $(nproc) CPUs; load average $load_before" >&2
cat "$log" > /dev/null   # warm the page cache

# timed NAME CMD...: runs CMD under /usr/bin/time -v; sets secs_NAME, cpu_NAME (user + system s) and peak_NAME (MB)
timed() {
    local name=$1
    shift
    /usr/bin/time -v -o "$out/$name.time" "$@" > "$out/$name.out" 2> "$out/$name.err"
    local rc=$?
    [ $rc -eq 0 ] || echo "warning: $name exited $rc: $(tail -2 "$out/$name.err")" >&2
    local wall peak cpu
    cpu=$(awk -F': ' '/User time|System time/ {s += $2} END {printf "%.2f", s}' "$out/$name.time")
    wall=$(awk -F': ' '/Elapsed \(wall clock\)/ {n = split($2, t, ":"); s = 0; for (i = 1; i <= n; i++) s = s * 60 + t[i]; print s}' "$out/$name.time")
    peak=$(awk -F': ' '/Maximum resident set size/ {printf "%.0f", $2 / 1024}' "$out/$name.time")
    printf -v "secs_$name" '%s' "$wall"
    printf -v "peak_$name" '%s' "$peak"
    printf -v "cpu_$name" '%s' "$cpu"
    echo "  $name: ${wall}s wall, ${cpu}s CPU, peak ${peak} MB" >&2
}

# median of the arguments
median() { printf '%s\n' "$@" | sort -g | awk '{a[NR] = $1} END {print a[int((NR + 1) / 2)]}'; }

# timed_reps NAME STORE CMD...: timed, BENCH_REPS times (STORE removed before each run); medians of
# wall and CPU seconds, the largest peak
reps=${BENCH_REPS:-5}
timed_reps() {
    local name=$1 store=$2 w=() c=() p=() r v
    shift 2
    for ((r = 0; r < reps; r++)); do
        rm -f "$store" "$store".*
        timed "$name" "$@"
        v=secs_$name; w+=("${!v}")
        v=cpu_$name; c+=("${!v}")
        v=peak_$name; p+=("${!v}")
    done
    printf -v "secs_$name" '%s' "$(median "${w[@]}")"
    printf -v "cpu_$name" '%s' "$(median "${c[@]}")"
    printf -v "peak_$name" '%s' "$(printf '%s\n' "${p[@]}" | sort -g | tail -1)"
    echo "  $name, median of $reps: $(median "${w[@]}") s wall (${w[*]}), $(median "${c[@]}") s CPU (${c[*]})" >&2
}

rm -f "$out"/s*.h5 "$out"/s*.h5.*
echo "saydo" >&2
timed_reps saydo "$out/s.h5" "$saydo" ingest -q "$log" -o "$out/s.h5"
timed_reps saydo_j1 "$out/s1.h5" "$saydo" ingest -q -j 1 "$log" -o "$out/s1.h5"
if command -v taskset > /dev/null; then
    timed_reps saydo_core1 "$out/sc.h5" taskset -c 0 "$saydo" ingest -q "$log" -o "$out/sc.h5"
else
    secs_saydo_core1=""
    peak_saydo_core1=""
    cpu_saydo_core1=""
fi
timed saydo_parse "$out/parse_bench" "$log" mapped
timed saydo_reader "$out/parse_bench" "$log" jsonl

secs_pandas=""
peak_pandas=""
cpu_pandas=""
avail_kb=$(awk '/MemAvailable/ {print $2}' /proc/meminfo)
if [ "${SKIP_PANDAS:-0}" != 1 ] && [ $((avail_kb / 1024)) -lt $((bytes / 1000000 * 16)) ]; then
    echo "skipping pandas: it needs ~16x the log in memory, $((avail_kb / 1024)) MB available" >&2
    SKIP_PANDAS=1
fi
if [ "${SKIP_PANDAS:-0}" != 1 ]; then
    echo "pandas (peer_pipeline.py read stage)" >&2
    timed pandas /usr/bin/python3 -c '
import sys, time
import numpy as np, pandas as pd, h5py
t0 = time.time()
df = pd.read_json(sys.argv[1], lines=True)
lp = pd.json_normalize(df.pop("logprobs")); df["lpA"] = lp["A"]; df["lpB"] = lp["B"]
t1 = time.time()
with h5py.File(sys.argv[2], "w") as h:
    for col in df.columns:
        v = df[col].values
        if v.dtype == object:
            codes, uniq = pd.factorize(df[col]); h.create_dataset(col, data=codes, compression="gzip", shuffle=True)
            h.create_dataset(col + "_dict", data=np.array(uniq, dtype="S"))
        else:
            h.create_dataset(col, data=v, compression="gzip", shuffle=True)
t2 = time.time()
print("read %.3f hdf5 %.3f" % (t1 - t0, t2 - t1))
' "$log" "$out/p.h5"
    # the stage itself, from inside the process (without the interpreter start-up)
    secs_pandas=$(awk '{printf "%.2f", $2 + $4}' "$out/pandas.out")
fi

secs_duck=""
peak_duck=""
cpu_duck=""
if [ "${SKIP_DUCKDB:-0}" != 1 ]; then
    if [ ! -d "$duck/node_modules/@duckdb/node-api" ]; then
        echo "installing @duckdb/node-api in $duck" >&2
        mkdir -p "$duck" && (cd "$duck" && npm install @duckdb/node-api@1.5.6-r.1 > "$out/npm.log" 2>&1) ||
            echo "warning: npm install failed, see $out/npm.log" >&2
    fi
    if [ -d "$duck/node_modules/@duckdb/node-api" ]; then
        echo "DuckDB (duckdb_peer.mjs)" >&2
        cp "$shared/bench/duckdb_peer.mjs" "$duck/duckdb_peer.mjs"   # resolves node_modules from there
        timed duck node "$duck/duckdb_peer.mjs" "$log" "$out/d.duckdb"
        secs_duck=$(sed -n 's/.*"ingest_s":\([0-9.]*\).*/\1/p' "$out/duck.out")
    fi
fi

# the stores agree on what they hold
n_saydo=$("$saydo" info --format json "$out/s.h5" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])')
for s in s1 sc; do
    [ -e "$out/$s.h5" ] || continue
    cmp -s <("$saydo" info --format json "$out/s.h5" | grep -v '"time"') \
           <("$saydo" info --format json "$out/$s.h5" | grep -v '"time"' | sed "s|$out/$s.h5|$out/s.h5|") ||
        echo "warning: $s.h5 differs from s.h5 in saydo info" >&2
done

rate() { [ -n "$1" ] && awk -v b="$bytes" -v s="$1" 'BEGIN {printf "%.0f", b / 1e6 / s}' || printf -- "-"; }
ratio() { [ -n "$1" ] && [ -n "$2" ] && awk -v p="$1" -v s="$2" 'BEGIN {printf "%.1fx", p / s}' || printf -- "-"; }
orx() { [ -n "$1" ] && printf '%s' "$1" || printf -- "-"; }
echo
echo "## JSONL -> stored columns: $log ($lines lines, $mb MB; saydo stored $n_saydo records)"
echo
echo "| stage | peer s | peer MB/s | peer CPU s | peer peak MB | saydo s | saydo MB/s | saydo CPU s | saydo CPU MB/s | saydo peak MB | peer/saydo |"
echo "|---|---|---|---|---|---|---|---|---|---|---|"
row() {   # label, peer secs, peer cpu, peer peak, saydo secs, saydo cpu, saydo peak
    echo "| $1 | $(orx "$2") | $(rate "$2") | $(orx "$3") | $(orx "$4") | $(orx "$5") | $(rate "$5") | $(orx "$6") | $(rate "$6") | $(orx "$7") | $(ratio "$2" "$5") |"
}
row "pandas read_json + json_normalize + h5py vs saydo ingest" "$secs_pandas" "$cpu_pandas" "$peak_pandas" \
    "$secs_saydo" "$cpu_saydo" "$peak_saydo"
row "pandas read stage vs saydo ingest -j 1 (one parse thread + writer)" "$secs_pandas" "$cpu_pandas" \
    "$peak_pandas" "$secs_saydo_j1" "$cpu_saydo_j1" "$peak_saydo_j1"
row "DuckDB read_json + CHECKPOINT vs saydo ingest" "$secs_duck" "$cpu_duck" "$peak_duck" \
    "$secs_saydo" "$cpu_saydo" "$peak_saydo"
row "DuckDB vs saydo ingest -j 1 (one parse thread + writer)" "$secs_duck" "$cpu_duck" "$peak_duck" \
    "$secs_saydo_j1" "$cpu_saydo_j1" "$peak_saydo_j1"
row "DuckDB vs saydo ingest on one core (taskset -c 0)" "$secs_duck" "$cpu_duck" "$peak_duck" \
    "$secs_saydo_core1" "$cpu_saydo_core1" "$peak_saydo_core1"
row "saydo parse only (one thread, mapped file, no store)" "" "" "" "$secs_saydo_parse" "$cpu_saydo_parse" "$peak_saydo_parse"
row "saydo parse only (one thread, saydo_reader_next, no store)" "" "" "" "$secs_saydo_reader" "$cpu_saydo_reader" "$peak_saydo_reader"
echo
echo "peer/saydo: how many times longer the peer took. Seconds are wall time of the stage (pandas: timed inside"
echo "the process; DuckDB: its ingest_s); CPU s is user + system of the whole process (DuckDB: ingest and scoring)."
echo "saydo: medians of $reps runs. saydo CPU MB/s = file bytes / CPU s: the one-core rate of the -j 1 row."
echo "Peak memory: /usr/bin/time -v maximum resident set size of the process."
echo "Load average before / after the runs: $load_before / $(cut -d' ' -f1-3 /proc/loadavg) on $(nproc) CPUs (other work on"
echo "the machine slows every row)."
