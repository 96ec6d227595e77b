#!/bin/bash
# Ingest throughput of a large lm-evaluation-harness samples file against
# plain saydo JSONL (not part of `make test`).
#
#   bash bench/eco_bench.sh [SAYDO_BIN] [N_DOCS]      (defaults: build/saydo, 40000)
#
# The samples file (v0.4.x shape: stringified filtered_resps, gen_args dict,
# hashes, a prose passage repeated in each request's context, ~13 KB a line)
# comes from a fixed seed (eco_gen_lmeval.py). The plain JSONL is what
# `saydo export` writes from the lm-eval store: the same records (model, item,
# side, trial, choice, probs, logprobs, gold) in saydo's own field names, so
# both ingests store the same rows. That file is 1/60 of the samples file's
# bytes, so its MB/s is mostly a store's fixed cost; the third workload is
# plain JSONL of the same size in bytes as the samples file: those records
# repeated under 64 model names (bench-1 ... bench-64), which measures plain
# JSONL's steady rate (2 parse threads + the writer). Workloads go to
# $BENCH_DIR/eco (default /work/bench/eco), never into the repository, and
# are reused when present.
#
# Each ingest goes to a fresh store, 5 runs each, interleaved (lm-eval, JSONL,
# lm-eval, ...) so a change in machine load hits both alike; the median run
# counts. /usr/bin/time gives wall seconds and CPU seconds (user + system):
# the 2 cores are shared, so the wall time moves with other people's load and
# the CPU time much less. Reported: MB/s and records/s over wall time, MB/s
# over CPU time, and the ratios lm-eval / JSONL.
set -euo pipefail
BIN="${1:-build/saydo}"
N="${2:-40000}"
RUNS="${RUNS:-5}"
PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
here=$(cd "$(dirname "$0")" && pwd)
dir="${BENCH_DIR:-/work/bench}/eco"
mkdir -p "$dir"
samples="$dir/samples_bench_2025-01-01T00-00-00.000000.jsonl"
plain="$dir/plain_same_records.jsonl"
big="$dir/plain_same_bytes.jsonl"
# a new N makes new workloads
if [ ! -s "$samples" ] || [ "$(cat "$dir/n_docs" 2> /dev/null)" != "$N" ]; then
    echo "generating $samples ($N documents)" >&2
    "$PY" "$here/eco_gen_lmeval.py" "$N" "$samples"
    rm -f "$plain" "$big"
    echo "$N" > "$dir/n_docs"
fi
if [ ! -s "$plain" ]; then
    rm -f "$dir/ref.h5"*
    "$BIN" ingest "$samples" -o "$dir/ref.h5" -m bench -q
    "$BIN" export "$dir/ref.h5" --format jsonl -o "$plain" 2> /dev/null
    rm -f "$dir/ref.h5"* "$big"
fi
if [ ! -s "$big" ]; then
    for k in $(seq 64); do sed "s/^{\"model\":\"bench\"/{\"model\":\"bench-$k\"/" "$plain"; done > "$big"
fi
cat "$samples" "$plain" "$big" > /dev/null   # warm the page cache

one() {   # file, extra args -> "wall cpu records"
    local f="$1"; shift
    rm -f "$dir/s.h5" "$dir/s.h5.lock" "$dir/s.h5.quarantine.jsonl"
    /usr/bin/time -f "%e %U %S" -o "$dir/time" "$BIN" ingest "$f" -o "$dir/s.h5" -q "$@" 2> "$dir/err"
    local recs
    recs=$(grep -o '[0-9]* records stored' "$dir/err" | cut -d' ' -f1)
    awk -v r="$recs" '{printf "%s %.3f %s\n", $1, $2 + $3, r}' "$dir/time"
}
: > "$dir/lmeval.runs"
: > "$dir/jsonl.runs"
: > "$dir/big.runs"
for _ in $(seq "$RUNS"); do
    one "$samples" -m bench >> "$dir/lmeval.runs"
    one "$plain" >> "$dir/jsonl.runs"
    one "$big" >> "$dir/big.runs"
done
rm -f "$dir/s.h5" "$dir/s.h5.lock" "$dir/s.h5.quarantine.jsonl"
median() { sort -n | awk '{v[NR] = $1} END {print (NR % 2) ? v[(NR + 1) / 2] : (v[NR / 2] + v[NR / 2 + 1]) / 2}'; }
lw=$(cut -d' ' -f1 "$dir/lmeval.runs" | median); lc=$(cut -d' ' -f2 "$dir/lmeval.runs" | median)
jw=$(cut -d' ' -f1 "$dir/jsonl.runs" | median); jc=$(cut -d' ' -f2 "$dir/jsonl.runs" | median)
bw=$(cut -d' ' -f1 "$dir/big.runs" | median); bc=$(cut -d' ' -f2 "$dir/big.runs" | median)
lr=$(head -1 "$dir/lmeval.runs" | cut -d' ' -f3); jr=$(head -1 "$dir/jsonl.runs" | cut -d' ' -f3)
br=$(head -1 "$dir/big.runs" | cut -d' ' -f3)
lb=$(stat -c %s "$samples"); jb=$(stat -c %s "$plain"); bb=$(stat -c %s "$big")
echo "$(nproc) CPUs, load average $(cut -d' ' -f1-3 /proc/loadavg); median of $RUNS runs each (interleaved)"
awk -v lw="$lw" -v lc="$lc" -v lr="$lr" -v lb="$lb" -v jw="$jw" -v jc="$jc" -v jr="$jr" -v jb="$jb" \
    -v bw="$bw" -v bc="$bc" -v br="$br" -v bb="$bb" 'BEGIN {
    f = "%-28s %7.1f MB %8d records  wall %6.2f s %7.1f MB/s %8.0f rec/s  CPU %6.2f s %7.1f MB/s\n"
    printf f, "lm-eval samples:", lb/1e6, lr, lw, lb/1e6/lw, lr/lw, lc, lb/1e6/lc
    printf f, "plain JSONL, same records:", jb/1e6, jr, jw, jb/1e6/jw, jr/jw, jc, jb/1e6/jc
    printf f, "plain JSONL, same bytes:", bb/1e6, br, bw, bb/1e6/bw, br/bw, bc, bb/1e6/bc
    printf "lm-eval / JSONL same records: MB/s over wall %.2f, over CPU %.2f; records/s over wall %.3f\n",
           (lb/lw) / (jb/jw), (lb/lc) / (jb/jc), (lr/lw) / (jr/jw)
    printf "lm-eval / JSONL same bytes:   MB/s over wall %.2f, over CPU %.2f\n", (lb/lw) / (bb/bw), (lb/lc) / (bb/bc)
}'
