#!/bin/bash
# Stated vs revealed on a simulated study of fixtures/sr/design (seed 7):
# saydo's principle figures (distributions, KL both ways, JSD, pivot rate,
# counts) for eps 0 / base 2 and eps 1e-6 / base e equal the scipy numbers in
# tests/reference/sr_sim_golden.json (made by sr_sim_golden.sh with
# sr_recompute.py from the same files), to 1e-12; category and overall rows
# are the means of their principles; --per-context gives one row per context.
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_SRC:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skipped: no $PY" >&2; exit 77; }
dir="$SAYDO_TMP/sr_fixture"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" simulate --study stated-revealed --design "$SAYDO_FIXTURES/sr/design" -o "$dir/sim" \
    --truth "$dir/truth.json" --seed 7 --models 1 --samples 12 --refusal 0.05 -q
"$SAYDO_BIN" ingest -q -o "$dir/s.h5" --format statedrevealed "$dir"/sim/vr_result/*.json \
    "$dir"/sim/base_prompt_question_list_reply/*/*.json 2>/dev/null
"$SAYDO_BIN" score "$dir/s.h5" --metrics sr --eps 0 --base 2 -f json > "$dir/a.json"
"$SAYDO_BIN" score "$dir/s.h5" --metrics sr_kl,sr_jsd,sr_pivot --eps 1e-6 --base e --per-context -f json > "$dir/b.json"
"$PY" - "$dir" "$SAYDO_SRC/tests/reference/sr_sim_golden.json" <<'PYEOF'
import json, math, sys
d, gold = sys.argv[1], json.load(open(sys.argv[2]))
fails = []
def val(x):
    return math.inf if x == "inf" else x
for key, f in (("eps0_base2", "a.json"), ("eps1e-6_basee", "b.json")):
    S = json.load(open(f"{d}/{f}"))
    prin = [x for x in S if x["level"] == "principle"]
    for g in gold[key]:
        r = [x for x in prin if x["model"] == g["model"] and x["principle"] == g["principle"]]
        if len(r) != 1:
            fails.append(f"{key}: no row for {g['principle']}")
            continue
        r = r[0]
        for k in ("kl_sr", "kl_rs", "jsd", "pivot_rate", "n_stated", "n_revealed", "n_options"):
            a, b = val(r[k]), val(g[k])
            if a is None or b is None or math.isinf(a) or math.isinf(b):
                if a != b:
                    fails.append(f"{key} {g['principle']} {k}: {a} != {b}")
            elif abs(a - b) > 1e-12 * max(1, abs(b)):
                fails.append(f"{key} {g['principle']} {k}: saydo {a!r}, scipy {b!r}")
        for j in range(g["n_options"]):
            for side in ("stated", "revealed"):
                a, b = r[f"{side}_{chr(65 + j)}"], g[side][j]
                if abs(a - b) > 1e-12:
                    fails.append(f"{key} {g['principle']} {side}_{chr(65 + j)}: {a} != {b}")
    # category and overall rows: means over their principles
    for lvl in ("category", "all"):
        for r in (x for x in S if x["level"] == lvl):
            members = [x for x in prin if lvl == "all" or x["category"] == r["category"]]
            for k in ("kl_sr", "kl_rs", "jsd"):
                vals = [val(x[k]) for x in members]
                m = sum(vals) / len(vals)
                if abs(val(r[k]) - m) > 1e-12 * max(1, abs(m)):
                    fails.append(f"{key} {lvl} {r['category']} {k}: {r[k]} != mean {m}")
ctx = [x for x in json.load(open(f"{d}/b.json")) if x["level"] == "context"]
truth = json.load(open(f"{d}/truth.json"))
if len(ctx) != sum(p["n_contexts"] for p in truth["principles"]):
    fails.append(f"{len(ctx)} context rows, expected {sum(p['n_contexts'] for p in truth['principles'])}")
if fails:
    print("\n".join(fails))
    sys.exit(1)
print("stated vs revealed on the fixture study: saydo equals scipy (KL both ways, JSD, pivot rate) to 1e-12")
PYEOF
