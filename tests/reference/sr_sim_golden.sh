#!/bin/bash
# Makes tests/reference/sr_sim_golden.json: the stated-vs-revealed figures of
# a simulated study on fixtures/sr/design, recomputed with scipy by
# sr_recompute.py from the reply files `saydo simulate` wrote (seed 7, one
# model, 12 samples, 5% refusals), for eps 0 / base 2 and eps 1e-6 / base e.
# tests/cli/sr_fixture.sh simulates the same study and compares saydo's table.
#   SAYDO_BIN=build/saydo tests/reference/sr_sim_golden.sh
set -euo pipefail
here=$(cd "$(dirname "$0")" && pwd)
root=$(dirname "$(dirname "$here")")
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
"${SAYDO_BIN:?}" simulate --study stated-revealed --design "$root/fixtures/sr/design" -o "$tmp/sim" \
    --truth "$tmp/truth.json" --seed 7 --models 1 --samples 12 --refusal 0.05 -q
/usr/bin/python3 "$here/sr_recompute.py" "$tmp/sim" 0 2 > "$tmp/a.json"
/usr/bin/python3 "$here/sr_recompute.py" "$tmp/sim" 1e-6 e > "$tmp/b.json"
/usr/bin/python3 - "$tmp" > "$here/sr_sim_golden.json" <<'PY'
import json, sys
t = sys.argv[1]
print(json.dumps({"generator": "tests/reference/sr_sim_golden.sh (saydo simulate seed 7, sr_recompute.py)",
                  "eps0_base2": json.load(open(f"{t}/a.json")), "eps1e-6_basee": json.load(open(f"{t}/b.json"))},
                 indent=1))
PY
