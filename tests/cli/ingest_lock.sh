#!/bin/bash
# Writers one at a time, readers never blocked: while an ingest holds
# STORE.lock (stopped mid-write with the SAYDO_TEST_STOP_AT hook, see
# include/saydo/ingest.h), a second writer is refused with a message naming
# the store and the holder's pid, `saydo info` reads the last committed
# state, and a writer with --wait waits and then succeeds. A lock held by
# another program (flock(1)) is honoured the same way.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/ingest_lock"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }
records() { "$SAYDO_BIN" info --format json "$1" | /usr/bin/python3 -c 'import json,sys; print(json.load(sys.stdin)["records"])'; }
st="$dir/s.h5"
pids=()
cleanup() { for p in "${pids[@]}"; do kill -CONT "$p" 2> /dev/null; kill -KILL "$p" 2> /dev/null; done; }
trap cleanup EXIT

"$SAYDO_BIN" ingest -q "$SAYDO_FIXTURES/jsonl/good_a.jsonl" -o "$st" 2> "$dir/err" || die "ingest A: $(cat "$dir/err")"
"$SAYDO_BIN" simulate --models 2 --items 300 --trials 2 --seed 3 --quiet -o "$dir/b.jsonl" || die "simulate"
nb=$(wc -l < "$dir/b.jsonl")
printf '{"model":"gamma","item":"q1","side":"word","choice":"A"}\n' > "$dir/c.jsonl"

# writer B stops itself after 1000 records, holding the lock, its shadow half written
SAYDO_TEST_STOP_AT=records:1000 "$SAYDO_BIN" ingest -q "$dir/b.jsonl" -o "$st" 2> "$dir/errb" &
pb=$!
pids+=("$pb")
for _ in $(seq 1 200); do
    [ "$(awk '{print $3}' "/proc/$pb/stat" 2> /dev/null)" = T ] && break
    sleep 0.05
done
[ "$(awk '{print $3}' "/proc/$pb/stat" 2> /dev/null)" = T ] || die "writer B did not stop at the hook"
[ -e "$st.saydo-tmp" ] || die "writer B has no shadow store"

# a reader sees the committed state: A only
[ "$(records "$st")" = 6 ] || die "reader during a write: expected A's 6 records"
# a second writer is refused, naming the store and B's pid
"$SAYDO_BIN" ingest -q "$dir/c.jsonl" -o "$st" 2> "$dir/errc"; rc=$?
[ $rc -eq 1 ] || die "second writer: exit $rc, expected 1"
grep -qF "$st: another saydo process (pid $pb) is writing to this store" "$dir/errc" ||
    die "refusal message: $(cat "$dir/errc")"
grep -qF -- "--wait" "$dir/errc" || die "the refusal does not mention --wait"
# with --wait it waits for B (it is still running while B is stopped) ...
"$SAYDO_BIN" ingest -q --wait "$dir/c.jsonl" -o "$st" 2> "$dir/errw" &
pw=$!
pids+=("$pw")
sleep 0.5
kill -0 "$pw" 2> /dev/null || die "--wait did not wait: $(cat "$dir/errw")"
[ "$(records "$st")" = 6 ] || die "reader while two writers wait: expected 6"
# ... and both finish once B goes on
kill -CONT "$pb"
wait "$pb" || die "writer B failed after SIGCONT: $(cat "$dir/errb")"
wait "$pw" || die "waiting writer failed: $(cat "$dir/errw")"
[ "$(records "$st")" = $((6 + nb + 1)) ] || die "expected A + B + C = $((6 + nb + 1)) records, got $(records "$st")"
[ -e "$st.saydo-tmp" ] && die "a shadow store was left behind"

# a lock held by another program: refused without --wait, honoured with it
if command -v flock > /dev/null; then
    flock "$st.lock" sleep 1.5 &
    pf=$!
    pids+=("$pf")
    sleep 0.3
    printf '{"model":"delta","item":"q1","side":"word","choice":"A"}\n' > "$dir/d.jsonl"
    "$SAYDO_BIN" ingest -q "$dir/d.jsonl" -o "$st" 2> "$dir/errd"; rc=$?
    [ $rc -eq 1 ] && grep -qF "$st: another saydo process" "$dir/errd" || die "flock holder: exit $rc: $(cat "$dir/errd")"
    "$SAYDO_BIN" ingest -q --wait "$dir/d.jsonl" -o "$st" 2> "$dir/errd" || die "--wait behind flock: $(cat "$dir/errd")"
    wait "$pf"
    [ "$(records "$st")" = $((6 + nb + 2)) ] || die "expected one more record after --wait"
fi
exit $fail
