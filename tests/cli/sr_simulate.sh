#!/bin/bash
# Stated vs revealed on the real design (../shared/statedrevealed_data, the
# authors' prompt files): `saydo simulate --study stated-revealed` plants
# stated and revealed distributions for every principle and writes replies
# in the authors' layout; saydo ingests them and
#  - every principle's KL (both directions), JSD and pivot rate, for eps 0 /
#    base 2 and eps 1e-3 / base e, equals scipy recomputing them from the
#    reply files (tests/reference/sr_recompute.py), to 1e-12;
#  - the planted KL (truth JSON, from the planted distributions) lies inside
#    saydo's 95% interval (paraphrases and contexts resampled) for at least
#    85% of the principles asked more than one paraphrase (the nominal rate
#    is 95%; a single paraphrase has no resampling variability), and inside
#    each model's overall interval (the mean over principles).
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_SRC:?}"
DESIGN="${SAYDO_SHARED:-}/statedrevealed_data"
if [ ! -d "$DESIGN/prompts" ]; then
    echo "skipped: $DESIGN (the authors' prompt files) is not there" >&2
    exit 77
fi
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skipped: no $PY" >&2; exit 77; }
dir="$SAYDO_TMP/sr_simulate"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" simulate --study stated-revealed --design "$DESIGN" -o "$dir/sim" --truth "$dir/truth.json" \
    --seed 20251123 --models 2 --samples 30 --refusal 0.02 -q
"$SAYDO_BIN" ingest -q -o "$dir/s.h5" --format statedrevealed "$dir"/sim/vr_result/*.json \
    "$dir"/sim/base_prompt_question_list_reply/*/*.json 2>/dev/null
"$SAYDO_BIN" score "$dir/s.h5" --metrics sr --eps 0 --base 2 --ci percentile --resamples 1999 --seed 3 -f json \
    > "$dir/a.json"
"$SAYDO_BIN" score "$dir/s.h5" --metrics sr --eps 1e-3 --base e -f json > "$dir/b.json"
"$PY" - "$dir" "$SAYDO_SRC/tests/reference" <<'PYEOF'
import json, math, sys
d, ref = sys.argv[1], sys.argv[2]
sys.path.insert(0, ref)
import sr_recompute
fails = []
worst = 0.0
def val(x):
    return math.inf if x == "inf" else x
for f, eps, base in (("a.json", 0.0, 2.0), ("b.json", 1e-3, math.e)):
    S = [x for x in json.load(open(f"{d}/{f}")) if x["level"] == "principle"]
    for g in sr_recompute.recompute(f"{d}/sim", eps, base):
        r = [x for x in S if x["model"] == g["model"] and x["principle"] == g["principle"]][0]
        for k in ("kl_sr", "kl_rs", "jsd", "pivot_rate", "n_stated", "n_revealed"):
            a, b = val(r[k]), g[k]
            if a is None or b is None or math.isinf(a) or math.isinf(b):
                if a != b:
                    fails.append(f"{f} {g['model']} {g['principle']} {k}: {a} != {b}")
                continue
            worst = max(worst, abs(a - b))
            if abs(a - b) > 1e-12 * max(1, abs(b)):
                fails.append(f"{f} {g['model']} {g['principle']} {k}: saydo {a!r}, scipy {b!r}")
truth = json.load(open(f"{d}/truth.json"))["principles"]
S = json.load(open(f"{d}/a.json"))
inside = total = 0
for t in truth:
    if t["n_paraphrases"] < 2:
        continue
    r = [x for x in S if x["model"] == t["model"] and x["principle"] == t["principle"] and x["level"] == "principle"][0]
    for k in ("kl_sr", "kl_rs"):
        total += 1
        inside += r[k + "_lo"] <= t[k + "_2"] <= r[k + "_hi"]
if inside < 0.85 * total:
    fails.append(f"planted KL inside its interval for {inside} of {total} (principle, direction) pairs")
for m in sorted({t["model"] for t in truth}):
    planted = [t["kl_sr_2"] for t in truth if t["model"] == m]
    mean = sum(planted) / len(planted)
    r = [x for x in S if x["model"] == m and x["level"] == "all"][0]
    if not r["kl_sr_lo"] <= mean <= r["kl_sr_hi"]:
        fails.append(f"{m}: planted mean KL {mean:.4f} outside [{r['kl_sr_lo']:.4f}, {r['kl_sr_hi']:.4f}]")
if fails:
    print("\n".join(fails))
    sys.exit(1)
print(f"stated vs revealed on the real design: saydo = scipy (max |diff| {worst:.2g}); planted KL inside "
      f"{inside}/{total} intervals")
PYEOF
