#!/usr/bin/env bash
# notebooks/run.sh [SAYDO_BIN] [STORE]: executes the notebooks headless
# (jupyter nbconvert --to notebook --execute) and leaves their PNGs in
# $SAYDO_FIG_DIR (default notebooks/figures) and the executed notebooks in
# $SAYDO_FIG_DIR/executed.
#
#   bash notebooks/run.sh build/saydo            # `make notebooks`: a demo store, then the notebooks
#   bash notebooks/run.sh build/saydo STORE      # your store
#   bash notebooks/run.sh STORE                  # the same with build/saydo
#
# The notebooks read SAYDO_STORE. forest.ipynb needs /results/forest and
# change_rates.ipynb /results/change_rates in the store; when they are
# missing this script makes them with saydo:
#   saydo table STORE --spec analysis/wdct.spec --save forest
#   saydo compare STORE --by method,round --ci percentile --rate-ci percentile --save change_rates
# (SAYDO_NB_RESAMPLES sets their bootstrap resamples, default 9999; for a
# store without a base condition, make them yourself and set SAYDO_FOREST /
# SAYDO_CHANGE to their names).
# Needs jupyter-nbconvert, python3-nbformat, python3-ipykernel, python3-matplotlib and
# python3-h5py (bash scripts/deps.sh --extra); exits 77 when jupyter is missing.
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$here")
saydo="" store=""
for a in "$@"; do
  if [ -f "$a" ] && [ -x "$a" ] && [[ "$a" != *.h5 ]]; then saydo=$a; else store=$a; fi
done
saydo=${saydo:-$root/build/saydo}
fig=${SAYDO_FIG_DIR:-$here/figures}
PY=/usr/bin/python3
if ! command -v jupyter >/dev/null || ! jupyter nbconvert --version >/dev/null 2>&1; then
  echo "notebooks: jupyter nbconvert is not installed (bash scripts/deps.sh --extra)" >&2
  exit 77
fi
mkdir -p "$fig/executed"

if [ -z "$store" ]; then   # the demo store: the demo's simulated study
  store="$fig/demo.h5"
  rm -f "$store" "$store".*
  echo "notebooks: simulating a demo store ($store)"
  "$saydo" simulate --quiet --seed 1 -o "$fig/demo.jsonl"
  "$saydo" ingest -q "$fig/demo.jsonl" -o "$store"
fi
[ -f "$store" ] || { echo "notebooks: no store $store" >&2; exit 1; }
store=$(cd "$(dirname "$store")" && pwd)/$(basename "$store")   # the kernels run in notebooks/
fig=$(cd "$fig" && pwd)
has() { "$PY" -c 'import h5py, sys; sys.exit(0 if ("results/" + sys.argv[2]) in h5py.File(sys.argv[1], "r") else 1)' "$store" "$1"; }
if ! has "${SAYDO_FOREST:-forest}"; then
  "$saydo" table "$store" --spec "$root/analysis/wdct.spec" --resamples "${SAYDO_NB_RESAMPLES:-9999}" \
    --save "${SAYDO_FOREST:-forest}" -o /dev/null
fi
if ! has "${SAYDO_CHANGE:-change_rates}"; then
  "$saydo" compare "$store" --by method,round --ci percentile --rate-ci percentile \
    --resamples "${SAYDO_NB_RESAMPLES:-9999}" \
    --save "${SAYDO_CHANGE:-change_rates}" -f csv > /dev/null
fi

export SAYDO_STORE=$store SAYDO_FIG_DIR=$fig PYDEVD_DISABLE_FILE_VALIDATION=1
echo "notebooks: executing forest, divergence, change_rates (store $store)"
jupyter nbconvert --to notebook --execute --ExecutePreprocessor.timeout=600 \
  --ExecutePreprocessor.kernel_name=python3 --output-dir "$fig/executed" \
  "$here/forest.ipynb" "$here/divergence.ipynb" "$here/change_rates.ipynb" 2>"$fig/executed/nbconvert.log" || {
    cat "$fig/executed/nbconvert.log" >&2
    exit 1
  }
echo "notebooks: figures in $fig: $(cd "$fig" && ls *.png | tr '\n' ' ')"
