#!/usr/bin/python3
"""Golden numbers for `saydo power` (tests/cli/power_golden.sh).

Unpaired: statsmodels NormalIndPower on Cohen's h (proportion_effectsize).
Paired: McNemar sample size and power from Connor (1987), written here from
the paper's formulas with scipy's normal distribution, the minimum
detectable delta by brentq on that power. Run: /usr/bin/python3 power_golden.py > power_golden.json
"""
import json
import math
from scipy.optimize import brentq
from scipy.stats import norm
from statsmodels.stats.power import NormalIndPower
from statsmodels.stats.proportion import proportion_effectsize

ALPHA, POWER = 0.05, 0.8
pw = NormalIndPower()


def solve_root(f, lo, hi):
    return brentq(f, lo, hi, xtol=1e-14, rtol=1e-14, maxiter=500)


def unpaired_n(p0, p1, alpha=ALPHA, power=POWER):
    h = proportion_effectsize(p1, p0)
    n = solve_root(lambda n: pw.power(h, n, alpha, ratio=1) - power, 1.0, 1e9)
    return {"args": ["--p0", str(p0), "--p1", str(p1), "--alpha", str(alpha), "--power", str(power)],
            "cohens_h": h, "n_per_group": n, "n_per_group_rounded": math.ceil(n)}


def unpaired_mdd(p0, n, alpha=ALPHA, power=POWER):
    mdh = solve_root(lambda h: pw.power(h, n, alpha, ratio=1) - power, 1e-9, math.pi)
    up = math.sin(math.asin(math.sqrt(p0)) + mdh / 2) ** 2
    down = p0 - math.sin(math.asin(math.sqrt(p0)) - mdh / 2) ** 2
    return {"args": ["--p0", str(p0), "--n", str(n), "--alpha", str(alpha), "--power", str(power)],
            "min_detectable_h": mdh, "min_detectable_increase": up - p0, "min_detectable_decrease": down}


def unpaired_power(p0, p1, n, alpha=ALPHA):
    h = proportion_effectsize(p1, p0)
    return {"args": ["--p0", str(p0), "--p1", str(p1), "--n", str(n), "--alpha", str(alpha)],
            "cohens_h": h, "power": pw.power(h, n, alpha, ratio=1)}


def connor_power(delta, psi, n, alpha=ALPHA):
    z = norm.ppf(1 - alpha / 2)
    return norm.cdf((abs(delta) * math.sqrt(n) - z * math.sqrt(psi)) / math.sqrt(psi - delta * delta))


def paired_n(delta, psi, alpha=ALPHA, power=POWER):
    z, zb = norm.ppf(1 - alpha / 2), norm.ppf(power)
    n = (z * math.sqrt(psi) + zb * math.sqrt(psi - delta * delta)) ** 2 / (delta * delta)
    return {"args": ["--paired", "--psi", str(psi), "--delta", str(delta), "--alpha", str(alpha),
                     "--power", str(power)], "n_pairs": n, "n_pairs_rounded": math.ceil(n)}


def paired_mdd(psi, n, alpha=ALPHA, power=POWER):
    d = solve_root(lambda d: connor_power(d, psi, n, alpha) - power, 1e-12, psi * (1 - 1e-12))
    return {"args": ["--paired", "--psi", str(psi), "--n", str(n), "--alpha", str(alpha), "--power", str(power)],
            "min_detectable_delta": d}


def paired_power(delta, psi, n, alpha=ALPHA):
    return {"args": ["--paired", "--psi", str(psi), "--delta", str(delta), "--n", str(n), "--alpha", str(alpha)],
            "power": connor_power(delta, psi, n, alpha)}


cases = [
    unpaired_n(0.64, 0.69), unpaired_n(0.5, 0.45, alpha=0.01, power=0.9), unpaired_n(0.9, 0.95),
    unpaired_mdd(0.64, 1225), unpaired_mdd(0.3, 200, alpha=0.01, power=0.9),
    unpaired_power(0.64, 0.69, 1225), unpaired_power(0.5, 0.4, 100, alpha=0.1),
    paired_n(0.05, 0.2), paired_n(-0.03, 0.1, alpha=0.01, power=0.9),
    paired_mdd(0.2, 1225), paired_mdd(0.05, 624, power=0.9),
    paired_power(0.05, 0.2, 1225), paired_power(0.02, 0.06, 300, alpha=0.1),
]
print(json.dumps(cases, indent=1))
