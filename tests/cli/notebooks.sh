#!/bin/bash
# The notebooks run headless on a small simulated store (notebooks/run.sh:
# jupyter nbconvert --execute) and draw real figures: forest.png,
# divergence.png and change_rates.png exist, are PNGs of a sensible size
# with more than a few colours and ink on a good share of the canvas; and
# divergence.ipynb's numpy recomputation from /records (its
# divergence_means.csv) agrees with `saydo score --by condition --metrics
# jsd,kl` to 1e-9. Skipped (77) when jupyter nbconvert is not installed
# (bash scripts/deps.sh --extra).
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
src=${SAYDO_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
if ! command -v jupyter >/dev/null || ! jupyter nbconvert --version >/dev/null 2>&1; then
    echo "skipped: jupyter nbconvert is not installed (bash scripts/deps.sh --extra)" >&2
    exit 77
fi
"$PY" -c "import matplotlib, h5py, nbformat" 2>/dev/null || { echo "skipped: $PY lacks matplotlib/h5py/nbformat" >&2; exit 77; }
dir="$SAYDO_TMP/notebooks"
rm -rf "$dir" && mkdir -p "$dir/fig"
"$SAYDO_BIN" simulate --quiet --seed 5 --models 3 --items 200 -o "$dir/sim.jsonl"
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/sim.h5" 2>/dev/null
SAYDO_FIG_DIR="$dir/fig" SAYDO_NB_RESAMPLES=999 bash "$src/notebooks/run.sh" "$SAYDO_BIN" "$dir/sim.h5" > "$dir/run.log" 2>&1 || {
    cat "$dir/run.log" >&2
    exit 1
}
"$SAYDO_BIN" score "$dir/sim.h5" --by condition --metrics jsd,kl -f csv > "$dir/score.csv" 2>/dev/null
"$PY" - "$dir" <<'PYEOF'
import csv, sys
import numpy as np
import matplotlib.image as mpimg
d = sys.argv[1]
fails = []
for name in ("forest", "divergence", "change_rates"):
    path = f"{d}/fig/{name}.png"
    try:
        raw = open(path, "rb").read()
    except OSError:
        fails.append(f"{name}.png missing"); continue
    if raw[:8] != b"\x89PNG\r\n\x1a\n" or len(raw) < 10000:
        fails.append(f"{name}.png: not a PNG or only {len(raw)} bytes"); continue
    img = mpimg.imread(path)[..., :3]
    h, w = img.shape[:2]
    colours = len(np.unique((img.reshape(-1, 3) * 255).astype(np.uint8), axis=0))
    ink = float((img.mean(axis=2) < 0.9).mean())   # share of pixels that are not (near) white
    if not (w >= 600 and h >= 250 and colours >= 20 and 0.01 < ink < 0.6):
        fails.append(f"{name}.png: {w}x{h}, {colours} colours, {ink:.1%} ink")
    print(f"{name}.png: {w}x{h}, {colours} colours, {ink:.1%} ink")
ref = {r["condition"]: r for r in csv.DictReader(open(f"{d}/score.csv"))}
rows = list(csv.DictReader(open(f"{d}/fig/divergence_means.csv")))
if len(rows) != 5: fails.append(f"{len(rows)} groups in divergence_means.csv")
for r in rows:
    s = ref[r["condition"]]
    if int(r["n"]) != int(float(s["n"])): fails.append(f"{r['condition']}: n {r['n']} vs {s['n']}")
    for a, b in (("jsd", "jsd"), ("kl_12", "kl_12")):
        x, y = float(r[a]), float(s[b])
        if abs(x - y) > 1e-9 * max(1, abs(y)): fails.append(f"{r['condition']} {a}: numpy {x} vs saydo {y}")
if fails:
    print(*fails, sep="\n"); sys.exit(1)
print("ok: 3 figures; the notebook's numpy JSD/KL means equal saydo score's")
PYEOF
