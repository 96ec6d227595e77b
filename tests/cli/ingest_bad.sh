#!/bin/bash
# Bad input lines (fixtures/jsonl/bad_mixed.jsonl, see make_fixtures.py for
# the case on each line): each is quarantined in STORE.quarantine.jsonl with
# file, line and reason and counted; blank lines are counted apart; the
# summary adds up (stored + duplicates + quarantined + blank = lines); the
# same file parsed on 1 or 3 threads in 64-byte ranges gives the same store,
# quarantine and content hash (one thread hashes while it parses); --strict stops at the first bad line with file:line: reason
# and leaves the store as it was; a duplicate key is stored once; a file
# already ingested is skipped by its hash; a new model appends; -q keeps the
# summary but drops the inference messages.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/ingest_bad"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/jsonl"
bad="$fx/bad_mixed.jsonl"
fail=0
die() { echo "FAIL: $*"; fail=1; }
records() { "$SAYDO_BIN" info --format json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }

"$SAYDO_BIN" ingest -q --max-line 300 "$bad" -o "$dir/s.h5" 2> "$dir/err"; rc=$?
[ $rc -eq 0 ] || die "ingest: exit $rc: $(cat "$dir/err")"
grep -qF "bad_mixed.jsonl: jsonl, 15 lines: 4 records stored, 1 duplicates, 8 quarantined, 2 blank lines" "$dir/err" ||
    die "summary: $(cat "$dir/err")"
grep -qF "1 duplicate records" "$dir/err" || die "the duplicate is not reported"
grep -qF "8 bad records quarantined in $dir/s.h5.quarantine.jsonl" "$dir/err" || die "quarantine not reported"
[ "$(records "$dir/s.h5")" = 4 ] || die "expected 4 records stored"

# every bad line with its reason; nothing else in the quarantine
/usr/bin/python3 - "$dir/s.h5.quarantine.jsonl" "$bad" <<'PY' || die "quarantine content"
import json, sys
want = {4: "truncated JSON object", 5: "no item field", 6: "a probability is negative or not finite",
        7: "a probability is negative or not finite", 8: "choice outside the item's options",
        9: "invalid UTF-8", 10: "NUL byte in the line", 12: "line too long"}
got = {}
for line in open(sys.argv[1], "rb"):
    r = json.loads(line.decode("utf-8"))
    assert r["file"] == sys.argv[2], r["file"]
    got[r["line"]] = r["reason"]
    if r["line"] != 12:
        assert "raw" in r, r   # the offending input is kept (the over-long line is not)
assert sorted(got) == sorted(want), sorted(got)
for n, reason in want.items():
    assert got[n].startswith(reason), (n, got[n])
PY

# the store holds lines 1, 2, 14, 15 (the first copy of the duplicate key)
/usr/bin/python3 - "$dir/s.h5" <<'PY' || die "stored records"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
items = [s.decode() for s in f["dict/item"][...]]
sides = [s.decode() for s in f["dict/side"][...]]
r = f["records"]
got = [(items[i], sides[s], int(t), int(c)) for i, s, t, c in zip(r["item"], r["side"], r["trial"], r["choice"])]
assert got == [("q1", "word", 0, 0), ("q1", "deed", 0, 1), ("q7", "deed", 1, 0), ("q7", "word", 1, 1)], got
lp = r["logp"][...]
assert abs(lp[0, 0] - np.log(np.float32(0.7))) < 1e-6 and abs(lp[2, 1] + 2.4) < 1e-6, lp
p = f["provenance"]
assert [int(p[k][0]) for k in ("lines", "records", "quarantined", "duplicates", "blank")] == [15, 5, 8, 1, 2]
PY

# the same input on 1 and 3 threads, in ranges of 64 bytes (most lines cross a range end): same result
for j in 1 3; do
    SAYDO_INGEST_CHUNK=64 "$SAYDO_BIN" ingest -q -j $j --max-line 300 "$bad" -o "$dir/j$j.h5" 2> "$dir/err$j" ||
        die "-j $j: $(cat "$dir/err$j")"
    grep -qF "15 lines: 4 records stored, 1 duplicates, 8 quarantined, 2 blank lines" "$dir/err$j" ||
        die "-j $j summary: $(cat "$dir/err$j")"
    cmp -s "$dir/s.h5.quarantine.jsonl" "$dir/j$j.h5.quarantine.jsonl" || die "-j $j: another quarantine"
    /usr/bin/python3 - "$dir/s.h5" "$dir/j$j.h5" <<'PY' || die "-j $j: another store"
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
for k in a["records"]:
    assert np.array_equal(a["records"][k][...], b["records"][k][...], equal_nan=a["records"][k].dtype.kind == "f"), k
for k in a["dict"]:
    assert list(a["dict"][k][...]) == list(b["dict"][k][...]), k
# one parse thread hashes the file as it parses it (over-long line included): the same content hash
assert list(a["provenance"]["sha256"][...]) == list(b["provenance"]["sha256"][...]), "content hash"
PY
done

# --strict: stops at line 4 with file:line: reason; nothing stored, the store unchanged
cp "$dir/s.h5" "$dir/before.h5"
"$SAYDO_BIN" ingest -q --strict --force --max-line 300 "$bad" -o "$dir/s.h5" 2> "$dir/err"; rc=$?
[ $rc -eq 1 ] || die "--strict: exit $rc, expected 1"
grep -qF "$bad:4: truncated JSON object" "$dir/err" || die "--strict message: $(cat "$dir/err")"
cmp -s "$dir/s.h5" "$dir/before.h5" || die "--strict changed the store"
"$SAYDO_BIN" ingest -q --strict "$fx/good_a.jsonl" -o "$dir/strict.h5" 2> "$dir/err" || die "--strict on a good file"

# the same file again: skipped by its hash, with a message; the store unchanged
"$SAYDO_BIN" ingest -q --max-line 300 "$bad" -o "$dir/s.h5" 2> "$dir/err" || die "re-ingest: $(cat "$dir/err")"
grep -qF "bad_mixed.jsonl: already in the store (same content hash" "$dir/err" || die "no skip message: $(cat "$dir/err")"
cmp -s "$dir/s.h5" "$dir/before.h5" || die "a skipped file changed the store"

# appending: a new model, and a file whose every record is a duplicate
"$SAYDO_BIN" ingest -q "$fx/good_a.jsonl" -o "$dir/a.h5" 2> "$dir/err" || die "good_a"
"$SAYDO_BIN" ingest -q "$fx/model_b.jsonl" -o "$dir/a.h5" 2> "$dir/err" || die "model_b: $(cat "$dir/err")"
grep -qF "6 lines: 6 records stored, 0 duplicates, 0 quarantined" "$dir/err" || die "model_b summary: $(cat "$dir/err")"
"$SAYDO_BIN" info --format json "$dir/a.h5" > "$dir/a.json" || die "info after append"
/usr/bin/python3 - "$dir/a.json" <<'PY' || die "append: $(cat "$dir/a.json")"
import json, sys
d = json.load(open(sys.argv[1]))
assert d["records"] == 12 and d["models"] == ["alpha", "beta"] and d["items"] == 3, d
PY
cp "$fx/good_a.jsonl" "$dir/copy.jsonl" && echo >> "$dir/copy.jsonl"   # other bytes, same records
"$SAYDO_BIN" ingest -q "$dir/copy.jsonl" -o "$dir/a.h5" 2> "$dir/err" || die "copy"
grep -qF "7 lines: 0 records stored, 6 duplicates, 0 quarantined, 1 blank lines" "$dir/err" || die "copy: $(cat "$dir/err")"
[ "$(records "$dir/a.h5")" = 12 ] || die "duplicates were stored"

# -q: the summary stays, the inference messages go
w="$SAYDO_FIXTURES/wdct/WDCT_result_toy-1b_0.7_normal.csv"
"$SAYDO_BIN" ingest "$w" -o "$dir/w1.h5" 2> "$dir/err" || die "wdct: $(cat "$dir/err")"
grep -q "inferred" "$dir/err" || die "no inference message without -q: $(cat "$dir/err")"
"$SAYDO_BIN" ingest -q "$w" -o "$dir/w2.h5" 2> "$dir/err" || die "wdct -q"
grep -q "inferred" "$dir/err" && die "-q printed an inference message"
grep -q "records stored" "$dir/err" || die "-q dropped the summary"
exit $fail
