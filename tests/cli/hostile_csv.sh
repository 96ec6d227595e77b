#!/bin/bash
# Hostile CSV (fixtures/hostile/*.csv, written by make_fixtures.py): a quoted
# newline, ragged rows, a missing header, a header only, a BOM with CRLF,
# NUL bytes, invalid UTF-8 and numbers that are no log-probabilities. Bad rows
# are quarantined with file, line and reason; a file that cannot be read at
# all fails with a reason and leaves the store byte for byte as it was.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/hostile_csv"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/hostile"
fail=0
die() { echo "FAIL: $*"; fail=1; }
q() {
    grep -aF "\"line\":$2," "$dir/s.h5.quarantine.jsonl" | grep -aF "$(basename "$1")" |
        sed -n 's/.*"reason":"\([^"]*\)".*/\1/p' | grep -aqF "$3" ||
        die "$(basename "$1"):$2 not quarantined as '$3'"
}
crashed() { [ "$1" -ge 128 ] || grep -qE "Sanitizer|runtime error" "$dir/err"; }
records() { "$SAYDO_BIN" info --format json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }

printf 'model,item,side,choice\nm,g1,word,A\nm,g1,deed,B\n' > "$dir/good.csv"
"$SAYDO_BIN" ingest -q "$dir/good.csv" -o "$dir/s.h5" 2> "$dir/err" || die "good ingest"

"$SAYDO_BIN" ingest -q "$fx/quoted_newline.csv" "$fx/ragged.csv" "$fx/header_only.csv" "$fx/bytes.csv" \
    -o "$dir/s.h5" 2> "$dir/err"
rc=$?
crashed $rc && die "ingest crashed (exit $rc)"
[ $rc -eq 0 ] || die "ingest of hostile CSV: exit $rc: $(cat "$dir/err")"
q "$fx/quoted_newline.csv" 6 "unterminated quoted field at end of input"
q "$fx/ragged.csv" 2 "4 fields where the header has 5"
q "$fx/ragged.csv" 3 "6 fields where the header has 5"
q "$fx/bytes.csv" 3 "NUL byte in the row"
q "$fx/bytes.csv" 4 "not valid UTF-8"
q "$fx/bytes.csv" 5 "option A: '1e999' is not a number"
q "$fx/bytes.csv" 7 "option A: log-probability inf is out of range"
grep -aq "header_only.csv" "$dir/s.h5.quarantine.jsonl" && die "header_only.csv quarantined something"
grep -q "header_only.csv: csv, 1 lines: 0 records stored" "$dir/err" || die "header only: $(grep header_only "$dir/err")"
# 2 good + quoted_newline (q1 word, q1 deed) + ragged (q2 word, q2 deed) + bytes (b1 word, b2 deed, b3 deed)
n=$(records "$dir/s.h5")
[ "$n" = 9 ] || die "expected 9 records, got $n"
/usr/bin/python3 - "$dir/s.h5" <<'PY' || die "stored values"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
items = [s.decode() for s in f["dict/item"][...]]
assert sorted(items) == ["b1", "b2", "b3", "g1", "q1", "q2"], items
ch = f["records/choice"][...]
it = f["records/item"][...]
sd = [f["dict/side"][k].decode() for k in f["records/side"][...]]
# quoted_newline.csv line 2: the answer spans two lines and reads B
row = [r for r in range(len(ch)) if items[it[r]] == "q1" and sd[r] == "word"][0]
assert ch[row] == 1, ch[row]
PY

# a file without a header: a clear error naming the file, and the store unchanged
cp "$dir/s.h5" "$dir/before.h5"
"$SAYDO_BIN" ingest -q "$fx/no_header.csv" -o "$dir/s.h5" 2> "$dir/err"
rc=$?
crashed $rc && die "no header: crashed (exit $rc)"
[ $rc -eq 1 ] || die "no header: exit $rc, expected 1"
grep -qF "no_header.csv: no item column (looked for: item, item_id, id)" "$dir/err" || die "no header: $(cat "$dir/err")"
cmp -s "$dir/s.h5" "$dir/before.h5" || die "a failed ingest changed the store"
# the same into no store: no store is created
"$SAYDO_BIN" ingest -q "$fx/no_header.csv" -o "$dir/new.h5" 2> "$dir/err"
[ $? -eq 1 ] || die "no header into a new store: not exit 1"
[ -e "$dir/new.h5" ] && die "a failed first ingest left a store"
# an empty file
: > "$dir/empty.csv"
"$SAYDO_BIN" ingest -q "$dir/empty.csv" -o "$dir/s.h5" 2> "$dir/err"
[ $? -eq 1 ] || die "empty file: not exit 1"
grep -qF "empty.csv: empty file: a CSV needs a header row" "$dir/err" || die "empty: $(cat "$dir/err")"
cmp -s "$dir/s.h5" "$dir/before.h5" || die "a failed ingest changed the store"
exit $fail
