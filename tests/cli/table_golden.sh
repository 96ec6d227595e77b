#!/bin/bash
# saydo table: golden outputs. A fixed simulated store (saydo simulate --seed 7
# --models 3 --items 200, ingested) laid out by analysis/wdct.spec in every
# format, by tests/golden/table/conditions.spec (stars against base, margins,
# ± style) and by analysis/alignment.spec (compare change rates), compared
# byte for byte with tests/golden/table/*.
#
# The expected files were checked by eye once (numbers against `saydo score`,
# layout, stars, bold, footnotes) and compiled with pdflatex. Regenerate them,
# after a change that is meant to alter the output, with
#   SAYDO_BIN=build/saydo SAYDO_TMP=/tmp SAYDO_SRC=$PWD SAYDO_GOLDEN_UPDATE=1 bash tests/cli/table_golden.sh
# and look at the diff before committing.
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
src=${SAYDO_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
golden="$src/tests/golden/table"
dir="$SAYDO_TMP/table_golden"
rm -rf "$dir" && mkdir -p "$dir"

"$SAYDO_BIN" simulate --quiet --seed 7 --models 3 --items 200 -o "$dir/sim.jsonl" --truth "$dir/truth.json"
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/sim.h5" 2>/dev/null

run() {   # output name, then saydo table options
    local name=$1
    shift
    "$SAYDO_BIN" table "$dir/sim.h5" "$@" -o "$dir/$name" 2>"$dir/$name.err" || {
        echo "saydo table $* failed:" >&2
        cat "$dir/$name.err" >&2
        exit 1
    }
}
for fmt in markdown latex csv json; do
    ext=$fmt; [ $fmt = markdown ] && ext=md; [ $fmt = latex ] && ext=tex
    run "wdct.$ext" --spec "$src/analysis/wdct.spec" --format $fmt
done
run conditions.md --spec "$golden/conditions.spec"
run conditions.tex --spec "$golden/conditions.spec" --format latex
run conditions.json --spec "$golden/conditions.spec" --format json
run alignment.md --spec "$src/analysis/alignment.spec" --resamples 2000
run alignment.csv --spec "$src/analysis/alignment.spec" --resamples 2000 --format csv

fails=0
for f in wdct.md wdct.tex wdct.csv wdct.json conditions.md conditions.tex conditions.json alignment.md alignment.csv; do
    if [ -n "${SAYDO_GOLDEN_UPDATE:-}" ]; then
        cp "$dir/$f" "$golden/$f"
        echo "updated $golden/$f"
    elif ! cmp -s "$dir/$f" "$golden/$f"; then
        echo "differs from the golden file: $f" >&2
        diff "$golden/$f" "$dir/$f" | head -20 >&2 || true
        fails=$((fails + 1))
    fi
done
[ $fails -eq 0 ] || exit 1
echo "ok: 9 golden outputs"
