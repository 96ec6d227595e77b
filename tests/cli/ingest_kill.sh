#!/bin/bash
# Crash consistency with a real kill -9. A store holds file A; an ingest of
# file B (80,000 lines, more than one 65,536-row write buffer) is killed
# ~20 times: at fixed points through the SAYDO_TEST_KILL_AT hook (after the
# first records, after a buffer flush, between the fsync of the new store and
# its rename, right after the rename; see include/saydo/ingest.h) and at
# random moments. After every kill `saydo info` reads the store and it holds
# exactly A, or exactly A + B when B had committed (the rename is the commit
# point): never a part of B. The leftover STORE.saydo-tmp and the stale lock
# never stop the next ingest, and the final ingest of B completes with
# records = A + B exactly, no duplicate keys.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/ingest_kill"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }
st="$dir/s.h5"
info_records() { "$SAYDO_BIN" info --format json "$st" 2> "$dir/info.err" |
    /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])' 2> /dev/null; }

"$SAYDO_BIN" ingest -q "$SAYDO_FIXTURES/jsonl/good_a.jsonl" -o "$st" 2> "$dir/err" || die "ingest A: $(cat "$dir/err")"
na=6
cp "$st" "$dir/a_only.h5"
"$SAYDO_BIN" simulate --models 2 --items 2000 --trials 2 --seed 11 --quiet -o "$dir/b.jsonl" || die "simulate B"
nb=$(wc -l < "$dir/b.jsonl")
[ "$nb" -gt 65536 ] || die "B must span more than one write buffer"

committed=0
# check LABEL: the store reads and holds A or A + B; a committed B is rolled back for the next kill
check() {
    local n
    n=$(info_records)
    if [ -z "$n" ]; then
        die "$1: saydo info failed: $(cat "$dir/info.err")"
    elif [ "$n" = "$na" ]; then
        :
    elif [ "$n" = $((na + nb)) ]; then
        committed=$((committed + 1))
        cp "$dir/a_only.h5" "$st"   # keep the shadow and lock leftovers: the next run must cope
    else
        die "$1: $n records, expected $na (A) or $((na + nb)) (A + B)"
    fi
}

# fixed points
for at in records:1 records:40000 records:70000 commit-fsync commit-rename; do
    SAYDO_TEST_KILL_AT=$at "$SAYDO_BIN" ingest -q "$dir/b.jsonl" -o "$st" 2> "$dir/err"
    rc=$?
    [ $rc -eq 137 ] || die "kill at $at: exit $rc, expected 137 (SIGKILL): $(cat "$dir/err")"
    case $at in
    commit-fsync) [ -e "$st.saydo-tmp" ] || die "commit-fsync: no shadow left (the kill came too late?)" ;;
    esac
    before=$committed
    check "kill at $at"
    case $at in
    commit-rename) [ $committed -gt "$before" ] || die "killed after the rename, yet B is not in the store" ;;
    *) [ $committed -eq "$before" ] || die "killed at $at, before the commit, yet B is in the store" ;;
    esac
done

# random moments: 16 kills spread over an ingest's run time (a few are after it ended);
# SAYDO_KILL_ROUNDS=N for more (by hand: 300, docs/hardening.md)
rounds=${SAYDO_KILL_ROUNDS:-16}
for k in $(seq 1 "$rounds"); do
    "$SAYDO_BIN" ingest -q "$dir/b.jsonl" -o "$st" 2> "$dir/err" &
    pid=$!
    sleep "0.$(printf '%03d' $((RANDOM % 700)))"
    kill -9 "$pid" 2> /dev/null
    wait "$pid" 2> /dev/null
    check "random kill $k"
done

# the ingest of B after all that: complete, no duplicate, nothing left behind
"$SAYDO_BIN" ingest -q "$dir/b.jsonl" -o "$st" 2> "$dir/err" || die "final ingest of B: $(cat "$dir/err")"
grep -qF "$nb lines: $nb records stored, 0 duplicates, 0 quarantined" "$dir/err" || die "final summary: $(cat "$dir/err")"
[ "$(info_records)" = $((na + nb)) ] || die "after the final ingest: expected $((na + nb)) records"
[ -e "$st.saydo-tmp" ] && die "a shadow store was left behind"
"$SAYDO_BIN" ingest -q "$dir/b.jsonl" -o "$st" 2> "$dir/err" || die "re-run of B"
grep -qF "already in the store" "$dir/err" || die "B again was not skipped by its hash"
/usr/bin/python3 - "$st" <<'PY' || die "keys or provenance after the kills"
import sys, h5py, numpy as np
f = h5py.File(sys.argv[1], "r")
r = f["records"]
keys = np.stack([r[c][...].astype(np.int64) for c in ("model", "condition", "item", "side", "trial", "variant")], 1)
assert len(np.unique(keys, axis=0)) == len(keys), "duplicate keys"
p = f["provenance"]
assert list(p["row_start"][...]) == [0, 6] and int(p["row_end"][-1]) == len(keys), (p["row_start"][...], p["row_end"][...])
assert set(np.unique(r["batch"][...])) == {0, 1}
PY
echo "kills: $((5 + rounds)), B committed before a kill $committed times"
exit $fail
