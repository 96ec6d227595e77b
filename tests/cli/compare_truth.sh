#!/bin/bash
# saydo compare on a simulated study with planted change rates (saydo simulate
# --seed 3: 3 models, 500 items, 2 trials, 3 options; checkpoints d1, d2 (sft
# rounds 1 and 2, trained on the deed side) and w1 (dpo, word side)). Each run
# of an item draws its own option-map flag, so the deed side's letters differ
# between base and checkpoint and must be read through each record's map.
#  - realised counts: n_{word,deed}_{compared,changed} per model and checkpoint
#    equal the truth's pooled counts exactly; cs, cs_baseline equal the
#    realised CS; pcs to 1e-6 (float32 log-probabilities in the store);
#  - planted values: the 99% Wilson intervals of direct_change_rate and
#    indirect_change_rate cover the planted direct/indirect probabilities,
#    and the 99% BCa interval of delta_cs covers the expected change of CS
#    (truth cs_expected of the checkpoint minus planted cs of base);
#  - --by method,round: one row per checkpoint, the sft rows share one
#    Cochran's Q (base, d1, d2) computed on at most the pairs kept in both.
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
dir="$SAYDO_TMP/compare_truth"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" simulate --quiet --seed 3 --models 3 --items 500 --trials 2 --options 3 \
    -c d1:sft:1:deed:0.30:0.10 -c d2:sft:2:deed:0.45:0.15 -c w1:dpo:1:word:0.20:0.05 \
    -o "$dir/sim.jsonl" --truth "$dir/truth.json"
"$SAYDO_BIN" ingest "$dir/sim.jsonl" -o "$dir/s.h5" 2>/dev/null
cmp_opts=(--baseline base --against d1,d2,w1 --level 0.99 --rate-ci wilson --ci bca --resamples 1999 --seed 1
          --format json)
"$SAYDO_BIN" compare "$dir/s.h5" "${cmp_opts[@]}" --by model > "$dir/by_model.json" 2>/dev/null
"$SAYDO_BIN" compare "$dir/s.h5" "${cmp_opts[@]}" --by none > "$dir/pooled.json" 2>/dev/null
"$SAYDO_BIN" compare "$dir/s.h5" "${cmp_opts[@]}" --by method,round > "$dir/rounds.json" 2>/dev/null

"$PY" - "$dir" <<'EOF'
import json, sys
d = sys.argv[1]
truth = json.load(open(f"{d}/truth.json"))
fails = []
def fail(m): fails.append(m)

pooled = {(c["model"], c["condition"]): c for c in truth["pooled"]}
# per model: realised counts and levels
for r in json.load(open(f"{d}/by_model.json")):
    m, c = r["model"], r["condition"]
    t, b = pooled[(m, c)], pooled[(m, "base")]
    for side in ("word", "deed"):
        for what in ("compared", "changed"):
            if r[f"n_{side}_{what}"] != t[f"n_{what}_{side}"]:
                fail(f"{m} {c} n_{side}_{what}: {r[f'n_{side}_{what}']} != truth {t[f'n_{what}_{side}']}")
    for k, want in (("cs", t["cs"]), ("cs_baseline", b["cs"]), ("n_kept", t["n_kept"]),
                    ("n_kept_baseline", b["n_kept"]), ("n_pairs", t["n_pairs"])):
        if abs(r[k] - want) > 1e-12:
            fail(f"{m} {c} {k}: {r[k]} != truth {want}")
    for k, want in (("pcs", t["pcs"]), ("pcs_baseline", b["pcs"])):
        if abs(r[k] - want) > 1e-6:
            fail(f"{m} {c} {k}: {r[k]} != truth {want}")

# pooled over models: planted values inside the 99% intervals
cells = truth["pooled"]
def weighted(cond, key):
    rows = [x for x in cells if x["condition"] == cond]
    return sum(x[key] * x["n_pairs"] for x in rows) / sum(x["n_pairs"] for x in rows)
ck = {k["name"]: k for k in truth["checkpoints"]}
rows = json.load(open(f"{d}/pooled.json"))
if sorted(r["condition"] for r in rows) != ["d1", "d2", "w1"]:
    fail(f"pooled rows: {[r['condition'] for r in rows]}")
for r in rows:
    k = ck[r["condition"]]
    if r["trained_side"] != k["trained_side"]:
        fail(f"{k['name']} trained_side {r['trained_side']}")
    for fig, planted, realised in (("direct_change_rate", k["direct"], k["change_trained"]),
                                   ("indirect_change_rate", k["indirect"], k["change_other"])):
        if abs(r[fig] - realised) > 1e-12:
            fail(f"{k['name']} {fig} {r[fig]} != realised {realised}")
        if not r[fig + "_lo"] <= planted <= r[fig + "_hi"]:
            fail(f"{k['name']} {fig}: planted {planted} outside [{r[fig + '_lo']}, {r[fig + '_hi']}]")
    expect = weighted(k["name"], "cs_expected") - weighted("base", "cs_param")
    if not r["delta_cs_lo"] <= expect <= r["delta_cs_hi"]:
        fail(f"{k['name']} delta_cs: expected {expect:.4f} outside [{r['delta_cs_lo']:.4f}, {r['delta_cs_hi']:.4f}]")
    if not r["delta_cs_lo"] <= r["delta_cs"] <= r["delta_cs_hi"]:
        fail(f"{k['name']} delta_cs estimate outside its interval")

# round by round
rr = {(r["method"], r["round"]): r for r in json.load(open(f"{d}/rounds.json"))}
if sorted(rr) != [("dpo", "1"), ("sft", "1"), ("sft", "2")]:
    fail(f"--by method,round rows: {sorted(rr)}")
else:
    s1, s2, w = rr[("sft", "1")], rr[("sft", "2")], rr[("dpo", "1")]
    if s1["condition"] != "d1" or s2["condition"] != "d2" or w["condition"] != "w1":
        fail("--by method,round: wrong condition in a row")
    if s1["cochran_q"] != s2["cochran_q"] or s1["n_cochran"] != s2["n_cochran"] or s1["cochran_df"] != 2:
        fail(f"sft rounds: Cochran's Q not shared over base, d1, d2: {s1['cochran_q']} {s2['cochran_q']}")
    if not 0 < s1["n_cochran"] <= min(s1["n_paired"], s2["n_paired"]) or w["cochran_df"] != 1:
        fail(f"Cochran units {s1['n_cochran']} / df {w['cochran_df']}")
    if not s1["cochran_p"] < 1e-6:   # CS falls by about 0.19 (d1) and 0.26 (d2): Q must see it
        fail(f"sft Cochran p {s1['cochran_p']}")
for f in fails:
    print("FAIL:", f)
print(f"compare vs planted truth: {len(fails)} failures")
sys.exit(1 if fails else 0)
EOF
