#!/bin/bash
# saydo table computes what it says, checked against an independent Python
# recomputation from the simulated JSONL (json + math for the pairs; scipy
# 1.10 and statsmodels 0.13 for the intervals and tests), sharing no code with
# saydo:
#  - CS and PCS per (model, condition) and per (model, domain);
#  - Wilson intervals for CS: statsmodels proportion_confint(method='wilson');
#    PCS under ci = wilson falls back to the item-clustered normal interval:
#    statsmodels OLS(y, 1).fit(cov_type='cluster', groups=item).conf_int();
#  - stars against condition = base: McNemar exact (statsmodels mcnemar,
#    exact=True) for CS and Wilcoxon signed-rank (scipy.stats.wilcoxon) for
#    PCS on pairs matched by (model, item, trial, variant), Holm-adjusted
#    (statsmodels multipletests) over all 24 tests; the stars follow the
#    adjusted p;
#  - against domain = Opinion (items differ): the pooled z-test
#    (statsmodels proportions_ztest), no correction;
#  - percentile bootstrap intervals equal those of `saydo score --ci` for the
#    same groups and seed (that engine is checked against scipy by
#    score_ci_scipy.sh).
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
PY=/usr/bin/python3
"$PY" -c "import scipy, statsmodels" 2>/dev/null || { echo "skipped: $PY lacks scipy/statsmodels" >&2; exit 77; }
dir="$SAYDO_TMP/table_reference"
rm -rf "$dir" && mkdir -p "$dir"

"$SAYDO_BIN" simulate --quiet --seed 11 --models 3 --items 120 --trials 2 --refusal 0.03 -o "$dir/sim.jsonl"
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/sim.h5" 2>/dev/null
T() { "$SAYDO_BIN" table "$dir/sim.h5" "$@" 2>/dev/null; }
T --rows model --cols condition --cells cs,pcs --ci wilson --baseline condition=base -f json > "$dir/cond.json"
T --rows model --cols domain --cells cs --ci exact --baseline domain=Opinion --correction none -f json > "$dir/dom.json"
T --rows model --cols condition --cells cs,pcs --ci percentile --resamples 500 --seed 5 -f json > "$dir/boot.json"
"$SAYDO_BIN" score "$dir/sim.h5" --by model,condition --metrics cs,pcs --ci percentile --resamples 500 --seed 5 \
    -f csv > "$dir/score.csv" 2>/dev/null

"$PY" - "$dir" <<'EOF'
import csv, json, math, sys
from collections import defaultdict
import numpy as np
import scipy.stats
import statsmodels.api as sm
from statsmodels.stats.contingency_tables import mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportions_ztest

d = sys.argv[1]
fails = []
def close(a, b, what, tol):
    if a is None or b is None or not (abs(a - b) <= tol * max(1.0, abs(b))):
        fails.append(f"{what}: saydo {a!r}, reference {b!r}")

def softmax(lp):
    mx = max(lp); e = [math.exp(x - mx) for x in lp]; s = sum(e)
    return [x / s for x in e]
def one_minus_jsd2(p, q):
    js = 0.0
    for a, b in zip(p, q):
        m = 0.5 * (a + b)
        if a > 0: js += 0.5 * a * math.log2(a / m)
        if b > 0: js += 0.5 * b * math.log2(b / m)
    return 1 - js
def omap(flag, i):   # WDCT flag 1: identity; 0: A and B swapped
    return i if flag == 1 or i > 1 else 1 - i

# pairs: (model, condition, item, trial) -> word and deed records
recs = defaultdict(dict)
for line in open(f"{d}/sim.jsonl"):
    r = json.loads(line)
    recs[(r["model"], r["condition"], r["item"], r["trial"])][r["side"]] = r
pairs = {}   # key -> (domain, match, pcs) for kept pairs
for key, s in recs.items():
    w, dd = s["word"], s["deed"]
    if w.get("choice") is None or dd.get("choice") is None:
        continue
    L = [chr(65 + i) for i in range(w["n_options"])]
    flag = w["consistency"]
    cw, cd = L.index(w["choice"]), omap(flag, L.index(dd["choice"]))
    p = softmax([w["logprobs"][x] for x in L])
    qd = softmax([dd["logprobs"][x] for x in L])
    q = [qd[omap(flag, i)] for i in range(len(L))]
    pairs[key] = (w["domain"], int(cw == cd), one_minus_jsd2(p, q))

def cells(js):
    out = {}
    for e in js["data"]:
        out[(tuple(e["row"].values()) + tuple(e["col"].values()), e["metric"])] = e
    return out

# 1. by (model, condition): estimates, Wilson / clustered intervals, McNemar and Wilcoxon against base, Holm
cj = json.load(open(f"{d}/cond.json"))
c = cells(cj)
models = sorted({k[0] for k in pairs}); conds = ["base", "sft-r1", "sft-r2", "dpo-r1", "dpo-r2"]
raw, where = [], []
for m in models:
    for cond in conds:
        ks = [k for k in pairs if k[0] == m and k[1] == cond]
        y = np.array([pairs[k][1] for k in ks], float)
        z = np.array([pairs[k][2] for k in ks], float)
        e = c[((m, cond), "cs")]
        close(e["estimate"], y.mean(), f"cs {m}/{cond}", 1e-5)
        lo, hi = proportion_confint(int(y.sum()), len(y), alpha=0.05, method="wilson")
        close(e["lo"], lo, f"wilson lo {m}/{cond}", 1e-5); close(e["hi"], hi, f"wilson hi {m}/{cond}", 1e-5)
        e = c[((m, cond), "pcs")]
        close(e["estimate"], z.mean(), f"pcs {m}/{cond}", 1e-5)
        items = np.array([hash(k[2]) for k in ks])
        fit = sm.OLS(z, np.ones_like(z)).fit(cov_type="cluster", cov_kwds={"groups": items})
        lo, hi = fit.conf_int(alpha=0.05)[0]
        close(e["lo"], lo, f"clustered lo {m}/{cond}", 1e-5); close(e["hi"], hi, f"clustered hi {m}/{cond}", 1e-5)
        if cond == "base":
            continue
        both = [(k, (m, "base") + k[2:]) for k in ks if (m, "base") + k[2:] in pairs]
        b = sum(1 for k, kb in both if pairs[k][1] == 1 and pairs[kb][1] == 0)
        cc = sum(1 for k, kb in both if pairs[k][1] == 0 and pairs[kb][1] == 1)
        raw.append(mcnemar([[0, b], [cc, 0]], exact=True).pvalue); where.append(((m, cond), "cs"))
        # differences at rounding level (the same distribution through a swapped option map) are zeros
        dif = [pairs[k][2] - pairs[kb][2] for k, kb in both]
        dif = [0.0 if abs(x) < 1e-12 else x for x in dif]
        raw.append(scipy.stats.wilcoxon(dif).pvalue); where.append(((m, cond), "pcs"))
adj = multipletests(raw, method="holm")[1]
if cj["test"]["n_tests"] != len(raw) or cj["test"]["correction"] != "holm":
    fails.append(f"test block {cj['test']}")
for (key, p) in zip(where, adj):
    e = c[key]
    close(e["p"], p, f"holm-adjusted p {key}", 1e-4)
    want = int(p < 0.05) + int(p < 0.01) + int(p < 0.001)
    if e["stars"] != want: fails.append(f"stars {key}: {e['stars']} for p {p}")
if not any(c[k]["stars"] for k in where):
    fails.append("no cell was significant: the check of the stars is empty")

# 2. by (model, domain) against domain = Opinion: the z-test (items differ), Clopper-Pearson intervals
dj = cells(json.load(open(f"{d}/dom.json")))
doms = ["Opinion", "NonEthV", "EthV", "Theory"]
for m in models:
    cnt = {}
    for dn in doms:
        y = [v[1] for k, v in pairs.items() if k[0] == m and v[0] == dn]
        cnt[dn] = (sum(y), len(y))
        e = dj[((m, dn), "cs")]
        close(e["estimate"], sum(y) / len(y), f"cs {m}/{dn}", 1e-5)
        lo, hi = proportion_confint(sum(y), len(y), alpha=0.05, method="beta")
        close(e["lo"], lo, f"exact lo {m}/{dn}", 1e-5); close(e["hi"], hi, f"exact hi {m}/{dn}", 1e-5)
    for dn in doms[1:]:
        k1, n1 = cnt[dn]; k2, n2 = cnt["Opinion"]
        p = proportions_ztest([k1, k2], [n1, n2])[1]
        close(dj[((m, dn), "cs")]["p"], p, f"z-test {m}/{dn}", 1e-4)
    if dj[((m, "Opinion"), "cs")]["p"] is not None: fails.append("the baseline cell was tested")

# 3. bootstrap intervals: the same as saydo score --ci for the same groups and seed
bj = cells(json.load(open(f"{d}/boot.json")))
for row in csv.DictReader(open(f"{d}/score.csv")):
    if row["model"] == "(all)": continue
    for met in ("cs", "pcs"):
        e = bj[((row["model"], row["condition"]), met)]
        for part in ("lo", "hi"):
            close(e[part], float(row[f"{met}_{part}"]), f"bootstrap {met}_{part} {row['model']}/{row['condition']}", 1e-5)

if fails:
    print(f"{len(fails)} failures:", *fails[:25], sep="\n  ")
    sys.exit(1)
print(f"ok: {len(pairs)} kept pairs; {len(raw)} tests against base; z-tests and intervals agree")
EOF
