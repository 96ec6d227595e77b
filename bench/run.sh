#!/bin/bash
# `make bench`: every benchmark script in bench/ (score_bench.sh, e2e_bench.sh,
# ingest_bench.sh when present, and any other *_bench.sh), one after the
# other, against the saydo binary given. Tables go to stdout and to
# $BENCH_DIR/results-DATE.md. Workloads are generated into BENCH_DIR (default
# /work/bench), never into the repository. Not part of `make test`: the
# whole run takes tens of minutes (see bench/README.md).
# Usage: bench/run.sh [SAYDO_BIN]   (environment: see each script)
set -uo pipefail
here=$(cd "$(dirname "$0")" && pwd)
bin=${1:-$here/../build/saydo}
export BENCH_DIR=${BENCH_DIR:-/work/bench}
mkdir -p "$BENCH_DIR"
out="$BENCH_DIR/results-$(date +%Y%m%d-%H%M%S).md"
rc=0
for script in "$here"/ingest_bench.sh "$here"/score_bench.sh "$here"/e2e_bench.sh; do
    [ -f "$script" ] || continue
    echo "## $(basename "$script")" | tee -a "$out"
    bash "$script" "$bin" 2>&1 | tee -a "$out"
    [ "${PIPESTATUS[0]}" = 0 ] || rc=1
    echo | tee -a "$out"
done
for script in "$here"/*_bench.sh; do
    case "$(basename "$script")" in ingest_bench.sh | score_bench.sh | e2e_bench.sh) continue ;; esac
    echo "## $(basename "$script")" | tee -a "$out"
    bash "$script" "$bin" 2>&1 | tee -a "$out"
    [ "${PIPESTATUS[0]}" = 0 ] || rc=1
done
echo "results: $out"
exit $rc
