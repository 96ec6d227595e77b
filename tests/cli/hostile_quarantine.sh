#!/bin/bash
# The quarantine file (STORE.quarantine.jsonl) is JSONL that any JSON reader
# accepts, whatever the bad lines held: NUL bytes, control characters and
# bytes that are not UTF-8 (fixtures/hostile/bytes.jsonl lines 3-5,
# bytes.csv rows 3-4) must be escaped, not copied, and each entry names the
# file, the line and the reason.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/hostile_quarantine"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/hostile"
fail=0
die() { echo "FAIL: $*"; fail=1; }
"$SAYDO_BIN" ingest -q "$fx/bytes.jsonl" "$fx/bytes.csv" -o "$dir/s.h5" 2> "$dir/err" || die "ingest: $(cat "$dir/err")"
/usr/bin/python3 - "$dir/s.h5.quarantine.jsonl" <<'PY' || die "the quarantine file is not JSONL (see above)"
import json, sys
want = {("bytes.jsonl", 3), ("bytes.jsonl", 4), ("bytes.jsonl", 5), ("bytes.csv", 3), ("bytes.csv", 4)}
seen = set()
ok = True
for n, line in enumerate(open(sys.argv[1], "rb"), 1):
    try:
        r = json.loads(line.decode("utf-8"))
    except (UnicodeDecodeError, ValueError) as e:
        print("quarantine line %d: %s: %r" % (n, e, line[:120]))
        ok = False
        continue
    assert {"file", "line", "reason"} <= set(r), r
    seen.add((r["file"].rsplit("/", 1)[-1], r["line"]))
missing = want - seen
if missing:
    print("not in the quarantine:", sorted(missing))
sys.exit(0 if ok and not missing else 1)
PY
exit $fail
