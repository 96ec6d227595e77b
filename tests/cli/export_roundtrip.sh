#!/bin/bash
# JSONL -> store -> JSONL loses nothing. A simulated study (every line with
# an explicit choice, refusals and unparsed answers included, response text
# kept) is ingested and exported; the export ingested into a new store and
# exported again is byte-identical; and every field of the export equals the
# original line's: strings and integers exactly, the choice letter as its
# 0-based index (null + status for refused/unparsed), the consistency flag,
# and each logprob equal after rounding the original to float32 (the
# store's precision; export writes the float's shortest decimal, which
# reads back to the same float32).
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/export_roundtrip"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }

"$SAYDO_BIN" simulate --models 3 --items 120 --trials 2 --choice-share 1 --seed 11 --quiet -o "$dir/orig.jsonl" || die simulate
"$SAYDO_BIN" ingest "$dir/orig.jsonl" --keep-text -q -o "$dir/a.h5" || die "ingest 1"
"$SAYDO_BIN" export "$dir/a.h5" -o "$dir/a.jsonl" 2> /dev/null || die "export 1"
"$SAYDO_BIN" ingest "$dir/a.jsonl" --keep-text -q -o "$dir/b.h5" || die "ingest 2"
"$SAYDO_BIN" export "$dir/b.h5" -o "$dir/b.jsonl" 2> /dev/null || die "export 2"
cmp -s "$dir/a.jsonl" "$dir/b.jsonl" || die "the second export differs from the first"
[ "$(wc -l < "$dir/a.jsonl")" -eq "$(wc -l < "$dir/orig.jsonl")" ] || die "record count changed"
grep -q '"status":"refused"' "$dir/a.jsonl" || die "no refusal in the sample (the test would not cover statuses)"
# the scores agree too (same float32 values, same pairs)
"$SAYDO_BIN" score "$dir/a.h5" --by model --metrics cs,pcs,kl --format csv > "$dir/sa.csv" 2> /dev/null
"$SAYDO_BIN" score "$dir/b.h5" --by model --metrics cs,pcs,kl --format csv > "$dir/sb.csv" 2> /dev/null
cmp -s "$dir/sa.csv" "$dir/sb.csv" || die "scores differ between the two stores"

PY=/usr/bin/python3
[ -x "$PY" ] || PY=python3
"$PY" - "$dir/orig.jsonl" "$dir/a.jsonl" <<'PYEOF' || die "field-by-field comparison"
import json, struct, sys
f32 = lambda x: struct.unpack("f", struct.pack("f", x))[0]
key = lambda d: (d["model"], d["condition"], d["item"], d["side"], d["trial"], d["variant"])
orig = {key(d): d for d in map(json.loads, open(sys.argv[1]))}
bad = 0
for e in map(json.loads, open(sys.argv[2])):
    o = orig.pop(key(e))
    for f in ("domain", "n_options", "consistency", "response", "method", "round", "trained_side"):
        if o.get(f) != e.get(f):
            bad += 1; print("field", f, o.get(f), e.get(f))
    if o.get("status"):
        ok = e["choice"] is None and e["status"] == o["status"]
    else:
        ok = e["choice"] == ord(o["choice"]) - ord("A") and "status" not in e
    if not ok:
        bad += 1; print("choice", o.get("choice"), o.get("status"), e["choice"], e.get("status"))
    lp = [o["logprobs"][c] for c in sorted(o["logprobs"])] if "logprobs" in o else None
    if (lp is None) != ("logprobs" not in e) or (lp and [f32(v) for v in lp] != [f32(v) for v in e["logprobs"]]):
        bad += 1; print("logprobs", lp, e.get("logprobs"))
    if "probs" in e and abs(sum(e["probs"]) - 1) > 1e-6:
        bad += 1; print("probs do not sum to 1", e["probs"])
if orig:
    bad += 1; print(len(orig), "original lines not exported")
sys.exit(1 if bad else 0)
PYEOF

# --where keeps what it names
"$SAYDO_BIN" export "$dir/a.h5" --where side=deed --where model=m02 > "$dir/w.jsonl" 2> /dev/null || die "--where"
n=$(wc -l < "$dir/w.jsonl")
[ "$n" -gt 0 ] && [ "$n" -eq "$(grep -c '"model":"m02".*"side":"deed"' "$dir/w.jsonl")" ] || die "--where kept other records"
[ "$n" -eq "$(grep -c '"model":"m02".*"side":"deed"' "$dir/a.jsonl")" ] || die "--where lost records"
"$SAYDO_BIN" export "$dir/a.h5" --where status=refused 2> /dev/null | grep -vq '"status":"refused"' && die "status=refused kept others"
"$SAYDO_BIN" export "$dir/a.h5" --where nosuch=1 > /dev/null 2>&1; rc=$?
[ $rc -eq 1 ] || die "an unknown --where field: exit $rc"
"$SAYDO_BIN" export > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || die "no arguments: exit $rc, expected 2"
"$SAYDO_BIN" export "$dir/a.h5" --format xml > /dev/null 2>&1; rc=$?
[ $rc -eq 2 ] || die "a bad --format: exit $rc, expected 2"
exit $fail
