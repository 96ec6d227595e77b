#!/usr/bin/python3
"""Fixture and golden intervals for `saydo score --ci` (tests/cli/score_ci_scipy.sh).

Writes fixtures/ci/score_ci.csv, a small word/deed study made here with
numpy (seeded): one model, condition base, domains D1 and D2 of 50 items
each, 4 trials per item. Items differ in consistency (p_i ~ Beta(3, 2)), so
trials of one item are correlated and the item is the resampling unit. Each
item has a WDCT option-map flag (`consistency`: 0 = A and B swapped on the
deed side); about 3% of deed answers are missing (the pair is dropped).

Then computes, from the arrays in memory (not from saydo), per domain and
overall, the per-item cluster sums (kept pairs n, matches s, PCS sum) and
scipy.stats.bootstrap intervals of the ratio statistics
    CS = sum s / sum n,   PCS = sum pcs / sum n
with paired=True over items (the item is one observation), 999999 resamples,
methods 'percentile' and 'BCa', confidence 0.95 -- the estimator saydo's
clustered bootstrap implements (boot.h: "without strata this is scipy's
formula exactly"). Also the analytic intervals: statsmodels
proportion_confint(method='wilson') for CS, and the clustered normal interval
of OLS(y, 1).fit(cov_type='cluster', groups=item) for CS and PCS.
Output: tests/reference/score_ci_golden.json.

Usage: score_ci_golden.py   (run from anywhere; paths are relative to this file)
"""
import json
import os
import sys

import numpy as np
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.proportion import proportion_confint

HERE = os.path.dirname(os.path.abspath(__file__))
FIXTURE = os.path.join(HERE, "../../fixtures/ci/score_ci.csv")
OUT = os.path.join(HERE, "score_ci_golden.json")
B = 999999
LEVEL = 0.95


def main():
    rng = np.random.default_rng(20251123)
    rows = []
    clusters = {"D1": [], "D2": []}
    pairs = {"D1": [], "D2": []}   # (item index, match, pcs) of each kept pair
    for dom in ("D1", "D2"):
        for i in range(50):
            item = f"{dom.lower()}-{i:03d}"
            p_i = rng.beta(3, 2)
            flag = int(rng.random() < 0.5)
            n = s = pcs_sum = 0.0
            for t in range(4):
                w = int(rng.integers(2))                   # word answer, 0 = A
                pw = rng.uniform(0.55, 0.97)               # confidence in it
                p_word = np.array([pw, 1 - pw]) if w == 0 else np.array([1 - pw, pw])
                match = rng.random() < p_i
                d = w if match else 1 - w                  # deed answer in word letters
                pd_ = rng.uniform(0.55, 0.97)
                p_deed = np.array([pd_, 1 - pd_]) if d == 0 else np.array([1 - pd_, pd_])
                missing = rng.random() < 0.03
                # written on the deed side: flag 0 swaps A and B
                d_written = d if flag == 1 else 1 - d
                p_written = p_deed if flag == 1 else p_deed[::-1]
                lw = np.round(np.log(p_word), 6)
                ld = np.round(np.log(p_written), 6)
                rows.append(("m1", "base", item, "word", t, "AB"[w], lw[0], lw[1], dom, flag))
                rows.append(("m1", "base", item, "deed", t, "" if missing else "AB"[d_written],
                             ld[0], ld[1], dom, flag))
                if missing:
                    continue
                # PCS from the rounded log-probabilities, as written
                pw_r = np.exp(lw) / np.exp(lw).sum()
                pd_r = np.exp(ld) / np.exp(ld).sum()
                pd_r = pd_r if flag == 1 else pd_r[::-1]
                pcs = 1 - jensenshannon(pw_r, pd_r, base=2) ** 2
                n += 1
                s += match
                pcs_sum += pcs
                pairs[dom].append((len(clusters[dom]) + (0 if dom == "D1" else 1000), float(match), pcs))
            clusters[dom].append((n, s, pcs_sum))
    os.makedirs(os.path.dirname(FIXTURE), exist_ok=True)
    with open(FIXTURE, "w") as f:
        f.write("model,condition,item,side,trial,choice,logprob_A,logprob_B,domain,consistency\n")
        for r in rows:
            f.write("%s,%s,%s,%s,%d,%s,%.6f,%.6f,%s,%d\n" % r)

    def ratio(s, n, axis=-1):
        return s.sum(axis) / n.sum(axis)

    out = {"source": "tests/reference/score_ci_golden.py", "n_resamples": B, "level": LEVEL,
           "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "scipy": scipy.__version__,
                        "statsmodels": statsmodels.__version__},
           "rows": {}}
    groups = {"D1": clusters["D1"], "D2": clusters["D2"], "(all)": clusters["D1"] + clusters["D2"]}
    pair_groups = {"D1": pairs["D1"], "D2": pairs["D2"], "(all)": pairs["D1"] + pairs["D2"]}
    for g, cl in groups.items():
        a = np.array(cl)
        a = a[a[:, 0] > 0]
        n, s, p = a[:, 0], a[:, 1], a[:, 2]
        r = {"n_clusters": int(len(n)), "n": float(n.sum()), "cs": float(s.sum() / n.sum()),
             "pcs": float(p.sum() / n.sum())}
        for name, x in (("cs", s), ("pcs", p)):
            for method in ("percentile", "BCa"):
                res = stats.bootstrap((x, n), ratio, paired=True, vectorized=True, n_resamples=B, batch=20000,
                                      confidence_level=LEVEL, method=method, random_state=7)
                r[f"{name}_{method.lower()}"] = [float(res.confidence_interval.low),
                                                 float(res.confidence_interval.high)]
                r[f"{name}_se"] = float(res.standard_error)
        # analytic: Wilson for CS (pairs as independent), and the clustered normal
        # interval (statsmodels OLS on a constant, cluster covariance by item, CR1)
        pg = np.array(pair_groups[g])
        lo, hi = proportion_confint(int(pg[:, 1].sum()), len(pg), alpha=1 - LEVEL, method="wilson")
        r["cs_wilson"] = [float(lo), float(hi)]
        for name, col in (("cs", 1), ("pcs", 2)):
            fit = sm.OLS(pg[:, col], np.ones(len(pg))).fit(cov_type="cluster", cov_kwds={"groups": pg[:, 0]})
            lo, hi = fit.conf_int(alpha=1 - LEVEL)[0]
            r[f"{name}_cluster"] = [float(lo), float(hi)]
        out["rows"][g] = r
    with open(OUT, "w") as f:
        json.dump(out, f, indent=1)
        f.write("\n")


if __name__ == "__main__":
    main()
