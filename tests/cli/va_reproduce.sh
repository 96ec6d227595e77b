#!/bin/bash
# ValueActionLens on the authors' GPT-4o-mini files (../shared/valueaction_data):
# the Task 1 CSV with either Task 2 input reproduces every figure of
# expected/gpt-4o-mini_notebook.json (--missing as-positive) and
# expected/gpt-4o-mini_clean.json (default), overall, per country, per topic,
# per scenario and the distance matrices / rankings, to 1e-12, for both
# positive classes; the misaligned counts are 729 and 415 the authors' way.
# The expected files were computed by the data's curators from the authors'
# code (see the data README); they are read in place, never copied.
# Also: the log read with --legacy-flipped and the joined choices CSV give
# stores whose figures are identical, and the log read without the flag
# gives the mirror image (every choice flipped).
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
DATA="${SAYDO_SHARED:-}/valueaction_data"
if [ ! -f "$DATA/gpt-4o-mini_t1.csv" ]; then
    echo "skipped: $DATA (the authors' ValueActionLens files) is not there" >&2
    exit 77
fi
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skipped: no $PY" >&2; exit 77; }
dir="$SAYDO_TMP/va_reproduce"
rm -rf "$dir" && mkdir -p "$dir"

"$SAYDO_BIN" ingest -q -o "$dir/log.h5" "$DATA/gpt-4o-mini_t1.csv" "$DATA/gpt-4o-mini_task2_eval_log.jsonl" \
    --actions "$DATA/gpt-4o-mini_task2_index_map.csv" --legacy-flipped 2>"$dir/ingest_log.txt"
"$SAYDO_BIN" ingest -q -o "$dir/csv.h5" "$DATA/gpt-4o-mini_t1.csv" "$DATA/gpt-4o-mini_task2_choices.csv" \
    2>"$dir/ingest_csv.txt"
"$SAYDO_BIN" ingest -q -o "$dir/unflipped.h5" "$DATA/gpt-4o-mini_t1.csv" \
    "$DATA/gpt-4o-mini_task2_eval_log.jsonl" --actions "$DATA/gpt-4o-mini_task2_index_map.csv" 2>/dev/null
# the one unparsable Task 1 row (a truncated answer) is quarantined with its line
grep -q '"line":62426,"reason":"no JSON object in the response' "$dir/log.h5.quarantine.jsonl"
[ "$(wc -l < "$dir/log.h5.quarantine.jsonl")" -eq 1 ]

for store in log csv unflipped; do
    for mode in drop as-positive; do
        for pos in disagree agree; do
            out="$dir/$store.$mode.$pos"
            "$SAYDO_BIN" score "$dir/$store.h5" --metrics va_f1,va_distance --missing "$mode" --positive "$pos" \
                --by country,topic,scenario -f json > "$out.json" 2>/dev/null
            # csv: the figures table, then the ranking table under its own header
            "$SAYDO_BIN" score "$dir/$store.h5" --metrics va --missing "$mode" --positive "$pos" --ranking -f csv \
                > "$out.ranking.csv" 2>/dev/null
        done
    done
done

"$PY" - "$dir" "$DATA/expected" <<'PYEOF'
import csv, io, json, math, sys
d, exp_dir = sys.argv[1], sys.argv[2]
fails = []
worst = [0.0, ""]

def close(got, want, what, tol=1e-12):
    if got is None or want is None or (isinstance(got, float) and math.isnan(got)):
        if not (got is None and want is None):
            fails.append(f"{what}: got {got!r}, expected {want!r}")
        return
    dev = abs(got - want)
    if dev > worst[0]:
        worst[0], worst[1] = dev, what
    if dev > tol:
        fails.append(f"{what}: got {got!r}, expected {want!r} (|diff| {dev:.3g})")

def load(store, mode, pos):
    return json.load(open(f"{d}/{store}.{mode}.{pos}.json"))

def ranking(path):
    text = open(path).read()
    # the csv output holds the figures table, then the ranking table with its own header
    lines = text.strip().split("\n")
    start = max(i for i, l in enumerate(lines) if l.startswith("model,condition,level,"))
    return list(csv.DictReader(io.StringIO("\n".join(lines[start:]))))

for mode, name in (("as-positive", "notebook"), ("drop", "clean")):
    E = json.load(open(f"{exp_dir}/gpt-4o-mini_{name}.json"))
    for store in ("log", "csv"):
        tag = f"{store}/{name}"
        rows = {pos: load(store, mode, pos) for pos in ("disagree", "agree")}
        def pick(pos, country, topic):
            r = [x for x in rows[pos] if x["country"] == country and x["topic"] == topic]
            assert len(r) == 1, (pos, country, topic)
            return r[0]
        o, oa = pick("disagree", "(all)", "(all)"), pick("agree", "(all)", "(all)")
        eo = E["overall"]
        close(o["f1"], eo["f1_pos_disagree"], f"{tag} overall f1 (disagree)")
        close(oa["f1"], eo["f1_pos_agree"], f"{tag} overall f1 (agree)")
        close(o["accuracy"], eo["accuracy"], f"{tag} overall accuracy")
        close(oa["accuracy"], eo["accuracy"], f"{tag} overall accuracy (agree run)")
        close(o["distance"], eo["distance_country_grand_mean"], f"{tag} distance by country")
        close(o["distance_topics"], eo["distance_topic_grand_mean"], f"{tag} distance by topic")
        close(o["gap"], eo["scenario_mean_abs_gap"], f"{tag} scenario mean |v - a|")
        close(o["misaligned_stated_agree"], eo["misaligned_AD_t1agree_t2disagree"], f"{tag} misaligned AD", 0)
        close(o["misaligned_stated_disagree"], eo["misaligned_DA_t1disagree_t2agree"], f"{tag} misaligned DA", 0)
        close(o["n_cells"], eo["cells"], f"{tag} cells", 0)
        close(100.0 * (o["misaligned_stated_agree"] + o["misaligned_stated_disagree"]) / o["n_cells"],
              eo["misaligned_pct"], f"{tag} misaligned %")
        close(o["stated_disagree_share"], eo["t1_disagree_share"], f"{tag} t1 disagree share")
        close(o["action_negative_share"], eo["t2_negative_share"], f"{tag} t2 negative share")
        close(o["stated_ties"], eo["t1_ties_at_0.5"], f"{tag} t1 ties at 0.5", 0)
        close(o["n_missing"], 0 if name == "notebook" else E["parse"]["task2"]["missing_choice_cells"],
              f"{tag} missing cells", 0)
        for level, key, col in (("per_country", "country", "country"), ("per_topic", "topic", "topic")):
            for g, eg in E[level].items():
                r = pick("disagree", g if col == "country" else "(all)", g if col == "topic" else "(all)")
                ra = pick("agree", g if col == "country" else "(all)", g if col == "topic" else "(all)")
                close(r["f1"], eg["f1_pos_disagree"], f"{tag} {g} f1 (disagree)")
                close(ra["f1"], eg["f1_pos_agree"], f"{tag} {g} f1 (agree)")
                close(r["accuracy"], eg["accuracy"], f"{tag} {g} accuracy")
                close(r["distance"], eg["distance_mean_over_values"], f"{tag} {g} distance")
        # the ranking: top 5 per country and topic, and the mean over countries
        rk = ranking(f"{d}/{store}.{mode}.disagree.ranking.csv")
        for level, ekey in (("country", "ranking_country"), ("topic", "ranking_topic")):
            for g, eg in E[ekey].items():
                mine = [x for x in rk if x["level"] == level and x["group"] == g]
                for i, (val, dist) in enumerate(eg["top"]):
                    close(float(mine[i]["distance"]), dist, f"{tag} {level} {g} rank {i + 1} distance")
                    # names must agree unless the authors' order sits inside a tie
                    if mine[i]["value"] != val and mine[i]["tied"] != "1":
                        fails.append(f"{tag} {level} {g} rank {i + 1}: {mine[i]['value']} != {val}")
        allr = {x["value"]: x for x in rk if x["level"] == "all"}
        for val, dist in E["top_misaligned_values"]["by_mean_country_distance"]:
            close(float(allr[val]["distance"]), dist, f"{tag} mean country distance of {val}")
        for val, cnt in E["top_misaligned_values"]["by_misaligned_scenarios"]:
            close(float(allr[val]["n_misaligned"]), cnt, f"{tag} misaligned scenarios of {val}", 0)
        # matrices (notebook file only): distance by country / topic per value, F1 per scenario
        if "matrices" in E:
            M = E["matrices"]
            countries, topics = list(E["per_country"]), list(E["per_topic"])
            for level, names, key in (("country", countries, "distance_country"), ("topic", topics, "distance_topic")):
                for gi, g in enumerate(names):
                    mine = sorted(float(x["distance"]) for x in rk if x["level"] == level and x["group"] == g)
                    want = sorted(v for v in M[key][gi] if v is not None)
                    if len(mine) != len(want):
                        fails.append(f"{tag} {key} {g}: {len(mine)} values, expected {len(want)}")
                    for a, b in zip(mine, want):
                        close(a, b, f"{tag} {key} {g} (sorted)")
            for pos, key in (("disagree", "f1_pos_disagree_scenario"), ("agree", "f1_pos_agree_scenario")):
                for ci, c in enumerate(countries):
                    for ti, t in enumerate(topics):
                        close(pick(pos, c, t)["f1"], M[key][ci][ti], f"{tag} f1 {pos} of {c}/{t}")

# the two Task 2 inputs give identical figures, row for row
for mode in ("drop", "as-positive"):
    for pos in ("disagree", "agree"):
        a, b = load("log", mode, pos), load("csv", mode, pos)
        if a != b:
            fails.append(f"log (--legacy-flipped) and choices CSV differ ({mode}, {pos})")
        ra = open(f"{d}/log.{mode}.{pos}.ranking.csv").read()
        rb = open(f"{d}/csv.{mode}.{pos}.ranking.csv").read()
        if ra != rb:
            fails.append(f"rankings of the log and the choices CSV differ ({mode}, {pos})")
# without --legacy-flipped every choice is the other one: action shares mirror
u = [x for x in load("unflipped", "drop", "disagree") if x["country"] == "(all)" and x["topic"] == "(all)"][0]
c = [x for x in load("csv", "drop", "disagree") if x["country"] == "(all)" and x["topic"] == "(all)"][0]
close(u["action_negative_share"], 1 - c["action_negative_share"], "unflipped log mirrors the fixed one")
if fails:
    print("\n".join(fails[:40]))
    print(f"{len(fails)} failures")
    sys.exit(1)
print(f"ValueActionLens reproduced: every figure within 1e-12 (max |deviation| {worst[0]:.3g} at {worst[1]})")
PYEOF
