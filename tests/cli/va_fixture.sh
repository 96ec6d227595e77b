#!/bin/bash
# ValueActionLens on fixtures/va (invented files in the authors' layouts):
#  - the readers quarantine, with file:line, exactly the bad inputs planted
#    by fixtures/va/make_fixtures.py (a refusal row, a rating 5, an unknown
#    value, a value rated twice; a log line outside the action table, a line
#    that is not JSON, two lines that contradict each other);
#  - every figure, both missing policies and both positive classes, and the
#    rankings equal tests/reference/va_golden.json (pandas, from the files;
#    1e-12), and the Task 2 log (--legacy-flipped) and choices CSV give the
#    same output;
#  - the paired F1 test of two models equals scipy (wilcoxon, exact
#    permutation_test), and the scenario-bootstrap intervals of F1 and of the
#    distance agree with the script's resampling within Monte Carlo error.
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_SRC:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skipped: no $PY" >&2; exit 77; }
F="$SAYDO_FIXTURES/va"
GOLD="$SAYDO_SRC/tests/reference/va_golden.json"
dir="$SAYDO_TMP/va_fixture"
rm -rf "$dir" && mkdir -p "$dir"

"$SAYDO_BIN" ingest -q -o "$dir/log.h5" "$F/toyA_t1.csv" "$F/toyA_task2_log.jsonl" \
    --actions "$F/toyA_task2_index_map.csv" --legacy-flipped 2>/dev/null
"$SAYDO_BIN" ingest -q -o "$dir/csv.h5" "$F/toyA_t1.csv" "$F/toyA_task2_choices.csv" 2>/dev/null
"$SAYDO_BIN" ingest -q -o "$dir/two.h5" "$F/toyA_t1.csv" "$F/toyA_task2_choices.csv" "$F/toyB_t1.csv" \
    "$F/toyB_task2_choices.csv" 2>/dev/null
"$SAYDO_BIN" ingest -q -o "$dir/big.h5" "$F/big_t1.csv" "$F/big_task2_choices.csv" 2>/dev/null

for store in log csv; do
    for mode in drop as-positive; do
        for pos in disagree agree; do
            "$SAYDO_BIN" score "$dir/$store.h5" --metrics va --missing "$mode" --positive "$pos" -f json \
                > "$dir/$store.$mode.$pos.json" 2>/dev/null
        done
        "$SAYDO_BIN" score "$dir/$store.h5" --metrics va --missing "$mode" --ranking -f csv \
            > "$dir/$store.$mode.ranking.csv" 2>/dev/null
    done
done
for pos in disagree agree; do
    "$SAYDO_BIN" score "$dir/two.h5" --metrics va --positive "$pos" --compare toyA,toyB --resamples 999 -f csv \
        > "$dir/compare.$pos.csv" 2>/dev/null
done
"$SAYDO_BIN" score "$dir/big.h5" --metrics va --ci percentile --resamples 20000 --seed 7 -f json \
    > "$dir/big.json" 2>/dev/null

"$PY" - "$dir" "$GOLD" <<'PYEOF'
import csv, io, json, math, sys
d, gold = sys.argv[1], json.load(open(sys.argv[2]))
fails = []

def close(got, want, what, tol=1e-12):
    if want is None:
        if got is not None:
            fails.append(f"{what}: got {got!r}, expected none")
        return
    if got is None or abs(got - want) > tol * max(1.0, abs(want)):
        fails.append(f"{what}: got {got!r}, expected {want!r}")

def tables(path):
    lines = open(path).read().strip().split("\n")
    starts = [i for i, l in enumerate(lines) if l.startswith(("model,", "model_a,"))] + [len(lines)]
    return [list(csv.DictReader(io.StringIO("\n".join(lines[a:b])))) for a, b in zip(starts, starts[1:])]

# quarantine: one entry per planted problem, with its line
q = [json.loads(l) for l in open(f"{d}/log.h5.quarantine.jsonl")]
want = [("toyA_t1.csv", "no JSON object in the response"), ("toyA_t1.csv", "rating 5 is outside the scale"),
        ("toyA_t1.csv", "unknown value name 'Happiness'"), ("toyA_t1.csv", "value 'Equality' rated twice"),
        ("toyA_task2_log.jsonl", "index 999 is not in the action table"),
        ("toyA_task2_log.jsonl", "not a JSON object"), ("toyA_task2_log.jsonl", "disagree on the action chosen")]
for f, reason in want:
    if not any(x["file"].endswith(f) and reason in x["reason"] and x["line"] > 0 for x in q):
        fails.append(f"quarantine lacks {f}: {reason}")
if len(q) != len(want):
    fails.append(f"{len(q)} quarantined records, expected {len(want)}: {[x['reason'] for x in q]}")

for mode in ("drop", "as-positive"):
    G = gold["toyA"][mode]
    for store in ("log", "csv"):
        rows = {pos: json.load(open(f"{d}/{store}.{mode}.{pos}.json")) for pos in ("disagree", "agree")}
        for g in G["rows"]:
            for pos in ("disagree", "agree"):
                r = [x for x in rows[pos] if x["country"] == g["country"] and x["topic"] == g["topic"]]
                if len(r) != 1:
                    fails.append(f"{store} {mode}: no row {g['country']}/{g['topic']}")
                    continue
                r = r[0]
                tag = f"{store} {mode} {pos} {g['country']}/{g['topic']}"
                close(r["f1"], g["f1_" + pos], tag + " f1")
                for k in ("n_scenarios", "n_cells", "accuracy", "gap", "distance", "distance_topics",
                          "misaligned_stated_agree", "misaligned_stated_disagree", "stated_disagree_share",
                          "action_negative_share"):
                    close(r[k], g[k], f"{tag} {k}")
                if "n_missing" in g:
                    close(r["n_missing"], g["n_missing"], tag + " n_missing")
                    close(r["stated_ties"], gold["toyA"]["stated_ties"], tag + " stated_ties")
        rk = tables(f"{d}/{store}.{mode}.ranking.csv")[1]
        for g in G["ranking"]:
            mine = [x for x in rk if x["level"] == g["level"] and x["group"] == g["group"]]
            if [x["value"] for x in mine] != g["values"]:
                fails.append(f"{store} {mode} ranking {g['level']} {g['group']}: {[x['value'] for x in mine]} "
                             f"!= {g['values']}")
            for x, dv in zip(mine, g["distance"]):
                close(float(x["distance"]), dv, f"{store} {mode} ranking {g['group']} {x['value']}")
    for pos in ("disagree", "agree"):
        if open(f"{d}/log.{mode}.{pos}.json").read() != open(f"{d}/csv.{mode}.{pos}.json").read():
            fails.append(f"log and choices CSV differ ({mode}, {pos})")

for pos in ("disagree", "agree"):
    c = tables(f"{d}/compare.{pos}.csv")[-1][0]
    g = gold["compare"][pos]
    close(float(c["n_scenarios"]), g["n_scenarios"], f"compare {pos} n")
    for k in ("f1_a", "f1_b", "diff"):
        close(float(c[k]), g[k], f"compare {pos} {k}")
    close(float(c["p_signflip"]), g["p_signflip"], f"compare {pos} sign-flip p", 1e-9)
    close(float(c["p_wilcoxon"]), g["p_wilcoxon"], f"compare {pos} Wilcoxon p", 1e-9)
    if not float(c["diff_lo"]) <= float(c["diff"]) <= float(c["diff_hi"]):
        fails.append(f"compare {pos}: diff outside its interval")

b = [x for x in json.load(open(f"{d}/big.json")) if x["country"] == "(all)" and x["topic"] == "(all)"][0]
G = gold["big"]
close(b["f1"], G["f1"], "big f1")
close(b["distance"], G["distance"], "big distance")
for k in ("f1_lo", "f1_hi", "distance_lo", "distance_hi"):
    tol = 4 * math.sqrt(2) * G[k + "_sd"] + 1e-4
    if abs(b[k] - G[k]) > tol:
        fails.append(f"big {k}: saydo {b[k]:.6f}, resampling script {G[k]:.6f} (allowed {tol:.2g})")
if fails:
    print("\n".join(fails))
    sys.exit(1)
print("ValueActionLens fixtures: readers, figures, rankings, paired test and intervals agree with the golden file")
PYEOF
