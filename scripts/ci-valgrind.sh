#!/usr/bin/env bash
# valgrind memcheck over the CLI on small inputs: ingest (JSONL, CSV, WDCT,
# the hostile fixtures, a damaged store), info, score and simulate. Zero
# errors and no definite or indirect leak is the bar; what is left in use at
# exit by libraries (HDF5's free lists, libgomp's thread pool) is not a leak
# of saydo's and is listed in scripts/valgrind.supp.
#
#   bash scripts/ci-valgrind.sh            (build dir: BUILD_VALGRIND, default build-valgrind)
set -uo pipefail
cd "$(dirname "$0")/.."
root=$PWD
dir=${BUILD_VALGRIND:-build-valgrind}
command -v valgrind > /dev/null || { echo "valgrind missing (bash scripts/deps.sh --extra)" >&2; exit 1; }
t0=$(date +%s)
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=RelWithDebInfo > /dev/null || exit 1
cmake --build "$dir" -j "${JOBS:-$(nproc)}" --target saydo_cli 2>&1 | grep -E "error" && exit 1
t1=$(date +%s)
bin="$root/$dir/saydo"
work="$root/$dir/valgrind-tmp"
rm -rf "$work" && mkdir -p "$work/logs"
export OMP_NUM_THREADS=2
vg=(valgrind --tool=memcheck --leak-check=full --show-leak-kinds=definite,indirect
    --errors-for-leak-kinds=definite,indirect --track-origins=yes --error-exitcode=99
    --suppressions="$root/scripts/valgrind.supp" --gen-suppressions=all -q)
fail=0
n=0
# run NAME EXPECTED_EXIT saydo-args...: one command under memcheck
run() {
    local name=$1 want=$2
    shift 2
    n=$((n + 1))
    "${vg[@]}" --log-file="$work/logs/$name.log" "$bin" "$@" > "$work/logs/$name.out" 2> "$work/logs/$name.err"
    local rc=$?
    if [ $rc -eq 99 ] || [ -s "$work/logs/$name.log" ]; then
        echo "valgrind: $name: memcheck errors (exit $rc):"
        sed -n 1,60p "$work/logs/$name.log"
        fail=1
    elif [ $rc -ne "$want" ]; then
        echo "valgrind: $name: exit $rc, expected $want: $(head -3 "$work/logs/$name.err")"
        fail=1
    fi
}
fx=fixtures
s="$work/s.h5"
run simulate 0 simulate --quiet --models 2 --items 20 --trials 2 --seed 3 -o "$work/sim.jsonl"
run ingest_jsonl 0 ingest -q "$work/sim.jsonl" -o "$s"
run ingest_csv 0 ingest -q "$fx/csv/basic.csv" -o "$work/c.h5"
run ingest_csv_model 0 ingest -q -m m2 "$fx/csv/bom_crlf.csv" -o "$work/c.h5"
run ingest_wdct 0 ingest -q --keep-text "$fx"/wdct/*.csv -o "$work/w.h5"
run ingest_hostile 0 ingest -q "$fx"/hostile/*.jsonl "$fx/hostile/ragged.csv" "$fx/hostile/bytes.csv" -o "$work/h.h5"
run ingest_strict 1 ingest -q --strict "$fx/hostile/bytes.jsonl" -o "$work/h2.h5"
run ingest_noheader 1 ingest -q "$fx/hostile/no_header.csv" -o "$s"
run ingest_skip 0 ingest -q "$work/sim.jsonl" -o "$s"
run info_text 0 info "$s"
run info_json 0 info --format json "$work/w.h5"
run score 0 score "$s"
run score_all 0 score "$s" -m all --by model,condition,domain,method,round,trained_side
run score_item 0 score "$work/w.h5" --unit item --missing option -f csv
run score_save 0 score "$s" --save t
run info_saved 0 info "$s"
printf 'not a store' > "$work/bad.h5"
run info_bad 1 info "$work/bad.h5"
run score_bad 1 score "$work/bad.h5"
head -c 5000 "$s" > "$work/trunc.h5"
run info_trunc 1 info "$work/trunc.h5"
t2=$(date +%s)
echo "ci-valgrind: $n commands, build $((t1 - t0)) s, memcheck $((t2 - t1)) s, $([ $fail -eq 0 ] && echo "no errors, no leaks" || echo FAILED)" >&2
exit $fail
