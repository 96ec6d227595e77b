#!/bin/bash
# saydo compare on the real WDCT data (../shared/wdct_data/repro_mistral-7b):
# base vs the five aligned checkpoints, against tests/reference/compare_golden.json
# (tests/reference/compare_golden.py: pandas straight from the authors' CSVs,
# statsmodels mcnemar / multipletests / cochrans_q / proportion_confint,
# scipy.stats.bootstrap). Counts must be equal; figures, Wilson and clustered
# intervals, p-values, Cohen's h and Cochran's Q agree to 1e-9 relative;
# bootstrap intervals of delta_pcs (BCa) within 1e-5 or 2% of the width (both
# sides Monte Carlo, 99999 resamples) and of delta_cs (percentile) within one
# step of its lattice (1/620). Also checks the output is the same with 1 and
# 2 threads. Skips (77) when the shared data is absent.
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_SRC:?}"
PY=/usr/bin/python3
data="${SAYDO_SHARED:-}/wdct_data/repro_mistral-7b"
[ -d "$data" ] || { echo "skip: no WDCT data in ${SAYDO_SHARED:-../shared}"; exit 77; }
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3"; exit 77; }
dir="$SAYDO_TMP/compare_golden"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" ingest "$data"/WDCT_*.csv -o "$dir/w.h5" 2>/dev/null
against=act-dpo,act-sft,lora-dpo,lora-sft,lora-sft_2.0
run() {   # output name, threads, extra options
    local name=$1 thr=$2
    shift 2
    OMP_NUM_THREADS=$thr "$SAYDO_BIN" compare "$dir/w.h5" --baseline base --against $against --format json \
        --resamples 99999 --seed 11 "$@" > "$dir/$name.json" 2>/dev/null
}
run bca 1 --ci bca
run bca2 2 --ci bca
cmp "$dir/bca.json" "$dir/bca2.json" || { echo "FAIL: output differs between 1 and 2 threads"; exit 1; }
run pct 2 --ci percentile

"$PY" - "$dir" "$SAYDO_SRC/tests/reference/compare_golden.json" <<'EOF'
import json, math, sys
d, gold = sys.argv[1], json.load(open(sys.argv[2]))
bca = {r["condition"]: r for r in json.load(open(f"{d}/bca.json"))}
pct = {r["condition"]: r for r in json.load(open(f"{d}/pct.json"))}
fails = []

def close(what, got, want, rel=1e-9, abs_=1e-12):
    if got is None or want is None or abs(got - want) > max(abs_, rel * abs(want)):
        fails.append(f"{what}: saydo {got!r} vs reference {want!r}")

if sorted(bca) != sorted(gold["rows"]):
    fails.append(f"rows {sorted(bca)} != {sorted(gold['rows'])}")
for name, ref in gold["rows"].items():
    r = bca.get(name)
    if r is None:
        continue
    for k in ("n_pairs", "n_kept_baseline", "n_kept", "n_paired", "n_word_compared", "n_word_changed",
              "n_deed_compared", "n_deed_changed", "n_cc", "n_ci", "n_ic", "n_ii"):
        if r[k] != ref[k]:
            fails.append(f"{name} {k}: {r[k]} != {ref[k]}")
    for k in ("delta_cs", "delta_pcs", "to_consistent_rate", "away_rate", "mcnemar_p", "mcnemar_midp",
              "mcnemar_chi2_p", "p_adjusted"):
        close(f"{name} {k}", r[k], ref[k])
    # figures with an analytic interval: [estimate, lo, hi]
    for k in ("cs_baseline", "cs", "pcs_baseline", "pcs", "word_change_rate", "deed_change_rate", "cohens_h",
              "direct_change_rate", "indirect_change_rate"):
        if k not in ref:   # lora-*: trained side unknown
            if r[k] is not None:
                fails.append(f"{name} {k}: {r[k]} where the trained side is unknown")
            continue
        for part, want in zip(("", "_lo", "_hi"), ref[k]):
            close(f"{name} {k}{part}", r[k + part], want)
    if "odds_ratio" in ref:   # both discordant counts non-zero
        for part, want in zip(("", "_lo", "_hi"), ref["odds_ratio"]):
            close(f"{name} odds_ratio{part}", r["odds_ratio" + part], want)
    # bootstrap intervals, paired over items
    lo, hi = ref["delta_pcs_bca"]
    tol = max(1e-5, 0.02 * (hi - lo))
    close(f"{name} delta_pcs_lo (bca)", r["delta_pcs_lo"], lo, rel=0, abs_=tol)
    close(f"{name} delta_pcs_hi (bca)", r["delta_pcs_hi"], hi, rel=0, abs_=tol)
    lo, hi = ref["delta_cs_percentile"]
    close(f"{name} delta_cs_lo (percentile)", pct[name]["delta_cs_lo"], lo, rel=0, abs_=1 / 620 + 1e-9)
    close(f"{name} delta_cs_hi (percentile)", pct[name]["delta_cs_hi"], hi, rel=0, abs_=1 / 620 + 1e-9)
    # Cochran's Q across baseline + the checkpoints of the row's method
    q = gold["cochran"][ref["method"]]
    close(f"{name} cochran_q", r["cochran_q"], q["q"])
    close(f"{name} cochran_p", r["cochran_p"], q["p"])
    close(f"{name} cochran_df", r["cochran_df"], q["df"])
    if r["n_cochran"] != q["n"]:
        fails.append(f"{name} n_cochran {r['n_cochran']} != {q['n']}")
    if r["seed"] != "11" or r["n_resamples"] != 99999 or r["ci_delta"] != "bca" or r["correction"] != "holm":
        fails.append(f"{name}: settings not recorded ({r['seed']}, {r['n_resamples']}, {r['ci_delta']})")
for f in fails:
    print("FAIL:", f)
print(f"compare vs compare_golden.json: {len(gold['rows'])} comparisons, {len(fails)} failures")
sys.exit(1 if fails else 0)
EOF
