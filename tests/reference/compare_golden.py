#!/usr/bin/python3
"""Golden numbers for `saydo compare` on the real WDCT data.

Recomputes, straight from the authors' result CSVs (pandas; no saydo code),
base vs each aligned checkpoint of repro_mistral-7b on WDCT_NE:

  - pairs kept: both extracted answers (`extract_speak_answer`,
    `extract_act_answer`) present, as the authors' analysis keeps them;
  - consistency: flag 1 -> same letter, flag 0 -> different letter
    (the `consistency` column says whether options were swapped on the act side);
  - PCS: 1 - JSD base 2 of softmax(speak logits) and softmax(act logits) read in
    speak-letter order through the flag (scipy.spatial.distance.jensenshannon ** 2);
  - change rates: speak answers compared directly; act answers compared after
    mapping each file's act letter into speak letters through that file's own
    flag (the files share their shuffle, but this does not assume it);
  - Wilson intervals: statsmodels proportion_confint(method='wilson');
  - clustered normal interval of mean PCS: statsmodels OLS(y, 1).fit(
    cov_type='cluster', groups=item), normal quantile (one trial per item, so
    clusters are single pairs);
  - 2x2 transitions, McNemar: statsmodels mcnemar(exact=True) and
    mcnemar(exact=False, correction=True); mid-p via scipy.stats.binom
    (2 cdf(m) - pmf(m), m = min(b, c); 1 - pmf(b)/2 when b = c);
  - holm over the 5 exact McNemar p: statsmodels multipletests(method='holm');
  - Cohen's h: statsmodels proportion_effectsize(cs, cs_baseline), interval
    h -/+ z sqrt(1/n + 1/n_baseline);
  - Cochran's Q: statsmodels cochrans_q over base + the checkpoints of one
    method (sft: act-sft, lora-sft, lora-sft_2.0; dpo: act-dpo, lora-dpo) on
    items kept in all of them;
  - paired bootstrap of delta_pcs (BCa) and delta_cs (percentile) over items:
    scipy.stats.bootstrap(paired=True, n_resamples=99999, random_state=12345)
    of sum(s)/sum(n) - sum(s_b)/sum(n_b).

Usage: compare_golden.py [WDCT_DIR] > compare_golden.json
"""
import json
import math
import os
import sys

import numpy as np
import pandas as pd
import scipy
import statsmodels
import statsmodels.api as sm
from scipy import stats
from scipy.spatial.distance import jensenshannon
from statsmodels.stats.contingency_tables import cochrans_q, mcnemar
from statsmodels.stats.multitest import multipletests
from statsmodels.stats.proportion import proportion_confint, proportion_effectsize

HERE = os.path.dirname(os.path.abspath(__file__))
DIR = sys.argv[1] if len(sys.argv) > 1 else os.path.join(HERE, "../../../shared/wdct_data/repro_mistral-7b")
LEVEL = 0.95
Z = stats.norm.ppf(1 - (1 - LEVEL) / 2)
CKPTS = {  # condition name as saydo infers it -> file tag, method
    "act-dpo": ("mistral-7b-act-dpo", "dpo"),
    "act-sft": ("mistral-7b-act-sft", "sft"),
    "lora-dpo": ("mistral-7b-lora-dpo", "dpo"),
    "lora-sft": ("mistral-7b-lora-sft", "sft"),
    "lora-sft_2.0": ("mistral-7b-lora-sft_2.0", "sft"),
}


def softmax(a, b):
    m = np.maximum(a, b)
    ea, eb = np.exp(a - m), np.exp(b - m)
    return np.stack([ea / (ea + eb), eb / (ea + eb)], axis=1)


def load(path):
    d = pd.read_csv(path, keep_default_na=False, na_values=[""])
    d = d.set_index("id")
    w, a, flag = d["extract_speak_answer"], d["extract_act_answer"], d["consistency"].astype(int)
    out = pd.DataFrame(index=d.index)
    out["word"] = w.where(w.isin(["A", "B"]))
    # the act answer in speak letters: flag 0 swaps A and B on the act side
    swap = {"A": "B", "B": "A"}
    out["deed"] = [x if f == 1 else swap.get(x) for x, f in zip(a.where(a.isin(["A", "B"])), flag)]
    out["deed"] = out["deed"].where(out["deed"].isin(["A", "B"]))
    out["kept"] = out["word"].notna() & out["deed"].notna()
    out["match"] = out["kept"] & (out["word"] == out["deed"])
    pw = softmax(d["speak_a_prob"].to_numpy(float), d["speak_b_prob"].to_numpy(float))
    pd_ = softmax(d["act_a_prob"].to_numpy(float), d["act_b_prob"].to_numpy(float))
    pd_ = np.where((flag.to_numpy() == 1)[:, None], pd_, pd_[:, ::-1])
    out["pcs"] = [1 - jensenshannon(p, q, base=2) ** 2 for p, q in zip(pw, pd_)]
    return out


def wilson(k, n):
    lo, hi = proportion_confint(k, n, alpha=1 - LEVEL, method="wilson")
    return [k / n, float(lo), float(hi)]


def cluster_mean(y):
    y = np.asarray(y, float)
    fit = sm.OLS(y, np.ones_like(y)).fit(cov_type="cluster", cov_kwds={"groups": np.arange(len(y))})
    lo, hi = fit.conf_int(alpha=1 - LEVEL)[0]
    return [float(fit.params[0]), float(lo), float(hi)]


def midp(b, c):
    n, m = b + c, min(b, c)
    if n == 0:
        return 1.0
    if b == c:
        return float(1 - stats.binom.pmf(b, n, 0.5) / 2)
    return float(2 * stats.binom.cdf(m, n, 0.5) - stats.binom.pmf(m, n, 0.5))


def boot_delta(sa, na, sb, nb, method):
    def stat(sa, na, sb, nb, axis=-1):
        return sa.sum(axis) / na.sum(axis) - sb.sum(axis) / nb.sum(axis)
    keep = (na + nb) > 0
    r = stats.bootstrap((sa[keep], na[keep], sb[keep], nb[keep]), stat, paired=True, vectorized=True,
                        n_resamples=99999, confidence_level=LEVEL, method=method, random_state=12345)
    return [float(r.confidence_interval.low), float(r.confidence_interval.high)]


def main():
    base = load(os.path.join(DIR, "WDCT_NE_result_mistral-7b_0.0_normal.csv"))
    res = {"source": "tests/reference/compare_golden.py on repro_mistral-7b WDCT_NE CSVs",
           "versions": {"python": sys.version.split()[0], "numpy": np.__version__, "pandas": pd.__version__,
                        "scipy": scipy.__version__, "statsmodels": statsmodels.__version__},
           "level": LEVEL, "rows": {}}
    runs = {}
    for name, (tag, method) in CKPTS.items():
        c = load(os.path.join(DIR, f"WDCT_NE_result_mistral-7b_{tag}_0.0_normal.csv"))
        b = base.loc[c.index]
        runs[name] = c
        r = {"method": method, "n_pairs": len(c)}
        r["n_kept_baseline"], r["n_kept"] = int(b.kept.sum()), int(c.kept.sum())
        both = b.kept & c.kept
        r["n_paired"] = int(both.sum())
        kb, kc = int(b.match.sum()), int(c.match.sum())
        r["cs_baseline"] = wilson(kb, r["n_kept_baseline"])
        r["cs"] = wilson(kc, r["n_kept"])
        r["delta_cs"] = r["cs"][0] - r["cs_baseline"][0]
        r["pcs_baseline"] = cluster_mean(b.pcs[b.kept])
        r["pcs"] = cluster_mean(c.pcs[c.kept])
        r["delta_pcs"] = r["pcs"][0] - r["pcs_baseline"][0]
        for side in ("word", "deed"):
            ok = b[side].notna() & c[side].notna()
            n, k = int(ok.sum()), int((b[side][ok] != c[side][ok]).sum())
            r[f"n_{side}_compared"], r[f"n_{side}_changed"] = n, k
            r[f"{side}_change_rate"] = wilson(k, n)
        # act-* checkpoints are trained on the deed side; lora-* have no trained side in the file names
        if name.startswith("act-"):
            r["direct_change_rate"], r["indirect_change_rate"] = r["deed_change_rate"], r["word_change_rate"]
        mb, mc = b.match[both], c.match[both]
        r["n_cc"] = int((mb & mc).sum())
        r["n_ci"] = int((mb & ~mc).sum())
        r["n_ic"] = int((~mb & mc).sum())
        r["n_ii"] = int((~mb & ~mc).sum())
        r["to_consistent_rate"] = r["n_ic"] / (r["n_ic"] + r["n_ii"])
        r["away_rate"] = r["n_ci"] / (r["n_cc"] + r["n_ci"])
        table = np.array([[r["n_cc"], r["n_ci"]], [r["n_ic"], r["n_ii"]]])
        r["mcnemar_p"] = float(mcnemar(table, exact=True).pvalue)
        r["mcnemar_chi2_p"] = float(mcnemar(table, exact=False, correction=True).pvalue)
        r["mcnemar_midp"] = midp(r["n_ci"], r["n_ic"])
        h = float(proportion_effectsize(r["cs"][0], r["cs_baseline"][0]))
        half = Z * math.sqrt(1 / r["n_kept"] + 1 / r["n_kept_baseline"])
        r["cohens_h"] = [h, h - half, h + half]
        # paired odds ratio n_ic / n_ci, exact: Clopper-Pearson on n_ic / (n_ic + n_ci), p -> p / (1 - p)
        if r["n_ci"] > 0 and r["n_ic"] > 0:
            lo, hi = proportion_confint(r["n_ic"], r["n_ic"] + r["n_ci"], alpha=1 - LEVEL, method="beta")
            r["odds_ratio"] = [r["n_ic"] / r["n_ci"], lo / (1 - lo), hi / (1 - hi)]
        # paired bootstrap over items (one pair per item here)
        sa, na = c.match.astype(float).where(c.kept, 0).to_numpy(), c.kept.astype(float).to_numpy()
        sb, nb = b.match.astype(float).where(b.kept, 0).to_numpy(), b.kept.astype(float).to_numpy()
        r["delta_cs_percentile"] = boot_delta(sa, na, sb, nb, "percentile")
        pa, pb = c.pcs.where(c.kept, 0).to_numpy(), b.pcs.where(b.kept, 0).to_numpy()
        r["delta_pcs_bca"] = boot_delta(pa, na, pb, nb, "BCa")
        res["rows"][name] = r
    names = list(CKPTS)
    adj = multipletests([res["rows"][n]["mcnemar_p"] for n in names], method="holm")[1]
    for n, p in zip(names, adj):
        res["rows"][n]["p_adjusted"] = float(p)
    res["cochran"] = {}
    for method in ("sft", "dpo"):
        members = [n for n in names if CKPTS[n][1] == method]
        frames = [base] + [runs[n] for n in members]
        idx = runs[members[0]].index
        kept = np.logical_and.reduce([f.loc[idx].kept.to_numpy() for f in frames])
        x = np.column_stack([f.loc[idx].match.to_numpy()[kept] for f in frames]).astype(int)
        q = cochrans_q(x)
        res["cochran"][method] = {"conditions": members, "n": int(kept.sum()), "q": float(q.statistic),
                                  "df": float(q.df), "p": float(q.pvalue)}
    json.dump(res, sys.stdout, indent=1)
    sys.stdout.write("\n")


if __name__ == "__main__":
    main()
