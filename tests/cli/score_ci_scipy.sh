#!/bin/bash
# saydo score --ci on fixtures/ci/score_ci.csv (1 model, 2 domains x 50 items,
# 4 trials per item; made by tests/reference/score_ci_golden.py) against the
# numbers in tests/reference/score_ci_golden.json:
#  - percentile and BCa intervals of CS and PCS per domain and overall vs
#    scipy.stats.bootstrap(paired over items, 999999 resamples): both sides
#    have Monte Carlo error, so PCS endpoints must agree within 2e-4 (its
#    percentile and BCa endpoints differ by 6e-4 to 2e-3) and CS endpoints within
#    1e-3 (the bootstrap distribution of a ratio of counts has atoms, and a
#    quantile may land on the neighbouring one; CS percentile and BCa
#    endpoints differ by 1.5e-3 to 4e-3);
#  - wilson (statsmodels proportion_confint) and cluster (statsmodels OLS
#    cluster covariance by item) intervals to 1e-8;
#  - bit-identical CSV output with OMP_NUM_THREADS=1 and 2, and the seed and
#    resample columns recorded.
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_SRC:?}"
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
dir="$SAYDO_TMP/score_ci_scipy"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" ingest "$SAYDO_SRC/fixtures/ci/score_ci.csv" -o "$dir/s.h5" 2>/dev/null

for m in percentile bca; do
    for thr in 1 2; do
        OMP_NUM_THREADS=$thr "$SAYDO_BIN" score "$dir/s.h5" --by domain --metrics cs,pcs --ci $m \
            --resamples 999999 --seed 5 --format csv > "$dir/$m.$thr.csv" 2>/dev/null
    done
    cmp "$dir/$m.1.csv" "$dir/$m.2.csv" || { echo "FAIL: $m output differs between 1 and 2 threads"; exit 1; }
done
for m in wilson cluster; do
    "$SAYDO_BIN" score "$dir/s.h5" --by domain --metrics cs,pcs --ci $m --format csv > "$dir/$m.1.csv" 2>/dev/null
done

"$PY" - "$dir" "$SAYDO_SRC/tests/reference/score_ci_golden.json" <<'EOF'
import csv, json, sys
d, gold = sys.argv[1], json.load(open(sys.argv[2]))["rows"]
fails = []

def rows(name):
    return {r["domain"]: r for r in csv.DictReader(open(f"{d}/{name}.1.csv"))}

tol = {"cs": 1e-3, "pcs": 2e-4}
for method, key in (("percentile", "percentile"), ("bca", "bca"), ("wilson", "wilson"), ("cluster", "cluster")):
    got = rows(method)
    for g, ref in gold.items():
        r = got[g]
        if r["ci_method"] != method:
            fails.append(f"{method} {g}: ci_method {r['ci_method']}")
        if method in ("percentile", "bca") and (r["n_resamples"] != "999999" or r["seed"] != "5"):
            fails.append(f"{method} {g}: resamples/seed not recorded: {r['n_resamples']} {r['seed']}")
        for fig in ("cs", "pcs"):
            if abs(float(r[fig]) - ref[fig]) > 1e-9:
                fails.append(f"{g} {fig}: {r[fig]} != {ref[fig]}")
            want = ref.get(f"{fig}_{key}")
            if want is None:   # wilson applies to cs only; pcs then gets the clustered interval
                want = ref[f"{fig}_cluster"]
            t = tol[fig] if method in ("percentile", "bca") else 1e-8
            for part, w in zip(("lo", "hi"), want):
                v = float(r[f"{fig}_{part}"])
                if abs(v - w) > t:
                    fails.append(f"{method} {g} {fig}_{part}: saydo {v:.6f} vs reference {w:.6f} (tol {t})")
for f in fails:
    print("FAIL:", f)
print(f"score --ci vs scipy/statsmodels: {len(fails)} failures")
sys.exit(1 if fails else 0)
EOF
