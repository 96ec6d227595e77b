#!/usr/bin/env bash
# saydo power against statsmodels' NormalIndPower (unpaired) and Connor's
# McNemar formulas computed with scipy (paired): the numbers in
# tests/reference/power_golden.json, made by power_golden.py there.
# Also: the usage errors name what is wrong, and a difference no n can
# detect prints "none" rather than a number.
set -euo pipefail
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skip: no /usr/bin/python3 (needed to read the golden JSON)"; exit 77; }
"$PY" - "$SAYDO_BIN" "$SAYDO_SRC/tests/reference/power_golden.json" <<'PYEOF'
import json, math, subprocess, sys
saydo, golden = sys.argv[1], json.load(open(sys.argv[2]))
bad = 0
for case in golden:
    out = subprocess.run([saydo, "power", *case["args"], "--format", "json"], check=True,
                         capture_output=True, text=True).stdout
    got = json.loads(out)
    for key, want in case.items():
        if key == "args":
            continue
        have = got.get(key)
        tol = 0 if key.endswith("_rounded") else 1e-6 * max(1.0, abs(want))
        if have is None or abs(have - want) > tol:
            print(f"FAIL {' '.join(case['args'])}: {key} = {have}, statsmodels/scipy {want}")
            bad += 1
print(f"{len(golden)} cases, {bad} mismatches")
sys.exit(1 if bad else 0)
PYEOF
# a study too small for any difference at this psi
out=$("$SAYDO_BIN" power --paired --psi 0.01 --n 10)
grep -q 'min_detectable_delta *none' <<<"$out" || { echo "FAIL: expected none: $out"; exit 1; }
# usage errors exit 2 and say why
set +e
err=$("$SAYDO_BIN" power --p0 1.5 --p1 0.5 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'needs --p0 in (0, 1)' <<<"$err" || { echo "FAIL: bad --p0: rc $rc: $err"; exit 1; }
set +e
err=$("$SAYDO_BIN" power --paired --delta 0.1 2>&1); rc=$?
set -e
[ $rc -eq 2 ] && grep -q 'needs --psi' <<<"$err" || { echo "FAIL: paired without psi: rc $rc: $err"; exit 1; }
echo "power: ok"
