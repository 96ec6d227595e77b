#!/bin/bash
# Hostile JSONL (fixtures/hostile/*.jsonl, written by make_fixtures.py):
# encodings, control bytes ("\u0000" too), numbers that are not allowed and
# nesting 5000 deep. Each bad line is quarantined with its file, line and reason; the
# good lines are stored; the store opens; --strict stops at the first bad
# line and leaves the store byte for byte as it was.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/hostile_json"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/hostile"
fail=0
die() { echo "FAIL: $*"; fail=1; }

# q FILE LINE REASON: the quarantine holds that line of FILE with a reason containing REASON
q() {
    grep -aF "\"line\":$2," "$dir/s.h5.quarantine.jsonl" | grep -aF "$(basename "$1")" |
        sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' | grep -aqF "$3" ||
        die "$(basename "$1"):$2 not quarantined as '$3'"
}
# crashed RC: a signal or a sanitizer report is never an answer
crashed() { [ "$1" -ge 128 ] || grep -qE "Sanitizer|runtime error" "$dir/err"; }

# a good store first, so "intact" means something
printf '{"model":"m","item":"base%d","side":"word","choice":"A"}\n' 1 2 3 > "$dir/good.jsonl"
"$SAYDO_BIN" ingest -q "$dir/good.jsonl" -o "$dir/s.h5" 2> "$dir/err" || die "good ingest"

"$SAYDO_BIN" ingest -q "$fx/bytes.jsonl" "$fx/numbers.jsonl" "$fx/deep.jsonl" -o "$dir/s.h5" 2> "$dir/err"
rc=$?
crashed $rc && die "ingest crashed (exit $rc)"
[ $rc -eq 0 ] || die "ingest of hostile JSONL: exit $rc: $(cat "$dir/err")"

f="$fx/bytes.jsonl"
q "$f" 3 "NUL byte in the line"
q "$f" 4 "UTF"
q "$f" 5 "UTF"
q "$f" 8 "truncated JSON object"
q "$f" 9 "line is not a JSON object"
q "$f" 10 "more than one JSON value on the line"
q "$f" 12 "NUL"
q "$f" 13 "NUL"
grep -aF "bytes.jsonl" "$dir/s.h5.quarantine.jsonl" | grep -aqF '"line":6,' && die "a blank line was quarantined"
f="$fx/numbers.jsonl"
q "$f" 1 "a log-probability is NaN or +inf"
q "$f" 3 "invalid JSON"
q "$f" 4 "trial, round and n_options must be whole numbers"
q "$f" 6 "a probability is negative or not finite"
q "$f" 7 "a numeric choice must be an option index"
q "$f" 8 "invalid JSON"
q "$f" 11 "a probability is above 1"
f="$fx/deep.jsonl"
q "$f" 2 "JSON nested deeper than 64 levels"
q "$f" 3 "line is not a JSON object"
q "$f" 4 "no model field"

# what was stored: 3 good + bytes (bom, crlf, tab, last) + numbers (negzero, t0, tiny, neginf)
# + deep (before, after)
"$SAYDO_BIN" info --format json "$dir/s.h5" > "$dir/info.json" 2> "$dir/err" || die "info after hostile ingest"
n=$(/usr/bin/python3 -c 'import json,sys; print(json.load(open(sys.argv[1]))["records"])' "$dir/info.json")
[ "$n" = 13 ] || die "expected 13 records, got $n"
/usr/bin/python3 - "$dir/s.h5" <<'PY' || die "stored values"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
items = [s.decode() for s in f["dict/item"][...]]
for want in ["base1", "bom", "crlf", "tab\tescape", "last", "negzero", "t0", "tiny", "neginf", "before", "after"]:
    assert want in items, (want, items)
for bad in ["raw", "trunc", "big", "nan", "pbig", "inf", "c", "trial", "x", "pabove", "deep"]:
    assert bad not in items, bad
code = {s: i for i, s in enumerate(items)}
rows = {int(c): r for r, c in enumerate(f["records/item"][...])}
lp = f["records/logp"][...]
assert lp[rows[code["negzero"]], 0] == 0 and np.signbit(lp[rows[code["negzero"]], 0])
assert np.isneginf(lp[rows[code["neginf"]], 0])
assert f["records/trial"][rows[code["t0"]]] == 0 and f["records/choice"][rows[code["t0"]]] == 0
PY

# --strict: the first bad line stops the ingest; nothing of the file is stored, the store is unchanged
cp "$dir/s.h5" "$dir/before.h5"
"$SAYDO_BIN" ingest -q --strict --force "$fx/bytes.jsonl" -o "$dir/s.h5" 2> "$dir/err"
rc=$?
crashed $rc && die "--strict crashed (exit $rc)"
[ $rc -eq 1 ] || die "--strict on a bad file: exit $rc, expected 1"
grep -qF "bytes.jsonl:3: NUL byte in the line (--strict" "$dir/err" || die "--strict message: $(cat "$dir/err")"
cmp -s "$dir/s.h5" "$dir/before.h5" || die "--strict failure changed the store"
[ -e "$dir/s.h5.saydo-tmp" ] && die "a shadow store was left behind"
"$SAYDO_BIN" info "$dir/s.h5" > /dev/null 2>&1 || die "store unreadable after a failed ingest"
exit $fail
