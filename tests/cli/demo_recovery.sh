#!/bin/bash
# The demo's tables recover the planted truth: a smaller demo-like flow
# (saydo simulate: 8 models x 400 items x base and four aligned checkpoints ->
# ingest -> saydo table --rows model --cols condition --cells cs) and, for
# every (model, condition) cell, the planted CS of the simulator's truth JSON
# (pooled[].cs_expected: the planted consistency after the planted changes,
# weighted by the cell's pairs) against the table's percentile bootstrap
# interval: inside the 95% interval for at least 95% of the 40 cells, and
# inside the 99.9% interval for all of them.
# With nominal coverage a cell misses the 95% interval with probability 0.05,
# so "at least 95% of 40" (at most two misses) is a criterion that a correct
# engine fails for some seeds: cells of one model share the base answers, so
# misses come in clusters. The seed is fixed (3, chosen before looking), so
# the outcome is deterministic. SAYDO_RECOVERY_SEED=S runs another seed; over
# seeds 1..30: 53 of 1200 cells outside their 95% intervals (4.4%) and 1 of
# 1200 outside its 99.9% interval; the 95% criterion held for 21 seeds, the
# 99.9% one for 29.
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skipped: no $PY" >&2; exit 77; }
seed=${SAYDO_RECOVERY_SEED:-3}
dir="$SAYDO_TMP/demo_recovery.$seed"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" simulate --quiet --seed "$seed" --models 8 --items 400 -o "$dir/sim.jsonl" --truth "$dir/truth.json"
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/sim.h5" 2>/dev/null
for level in 0.95 0.999; do
    "$SAYDO_BIN" table "$dir/sim.h5" --rows model --cols condition --cells cs --ci percentile --level $level \
        --resamples 9999 --seed 1 -f json -o "$dir/table.$level.json" 2>/dev/null
done
"$PY" - "$dir" <<'PYEOF'
import json, sys
d = sys.argv[1]
truth = json.load(open(f"{d}/truth.json"))
planted = {(c["model"], c["condition"]): c["cs_expected"] for c in truth["pooled"]}
def cells(level):
    js = json.load(open(f"{d}/table.{level}.json"))
    assert js["interval"]["level"] == float(level), js["interval"]
    return {(e["row"]["model"], e["col"]["condition"]): e for e in js["data"] if e["metric"] == "cs"}
c95, c999 = cells("0.95"), cells("0.999")
if set(c95) != set(planted) or set(c999) != set(planted):
    print("the table's cells and the truth's differ:", sorted(set(c95) ^ set(planted)))
    sys.exit(1)
def inside(e, v):
    return e["lo"] <= v <= e["hi"]
miss95 = [k for k in planted if not inside(c95[k], planted[k])]
miss999 = [k for k in planted if not inside(c999[k], planted[k])]
n = len(planted)
for k in miss95:
    e = c95[k]
    print(f"outside the 95% interval: {k} planted {planted[k]:.4f}, table {e['estimate']:.4f} [{e['lo']:.4f}, {e['hi']:.4f}]")
# the intervals are not degenerate: widths of a binomial share over ~400 pairs
w = sorted(c95[k]["hi"] - c95[k]["lo"] for k in planted)
ok = len(miss95) <= 0.05 * n and not miss999 and 0.04 < w[0] and w[-1] < 0.2
print(f"{n - len(miss95)}/{n} planted CS inside the 95% intervals, {n - len(miss999)}/{n} inside the 99.9% ones; "
      f"95% widths {w[0]:.3f}..{w[-1]:.3f}")
sys.exit(0 if ok else 1)
PYEOF
