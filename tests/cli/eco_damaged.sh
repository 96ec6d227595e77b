#!/bin/bash
# Damaged and hostile harness logs: a clear error naming the file and the
# member (ZIP) or line, and nothing already in the store is lost (the
# failing file leaves no trace, a bad line is quarantined with its number).
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_FIXTURES:?}"
dir="$SAYDO_TMP/eco_damaged"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/eco"
fail=0
die() { echo "FAIL: $*"; fail=1; }
records() { "$SAYDO_BIN" export "$dir/s.h5" 2> /dev/null | wc -l; }

"$SAYDO_BIN" ingest "$fx"/samples_wdct_word_*.jsonl -o "$dir/s.h5" -q || die "first ingest"
[ "$(records)" -eq 6 ] || die "expected 6 records after the first ingest"
cp "$dir/s.h5" "$dir/before.h5"

check_refused() {   # file, then strings the error must hold
    local f="$1"; shift
    "$SAYDO_BIN" ingest "$fx/$f" -o "$dir/s.h5" -q -m m 2> "$dir/err"; local rc=$?
    [ $rc -eq 1 ] || die "$f: exit $rc, expected 1"
    for want in "$f" "$@"; do
        grep -qF -- "$want" "$dir/err" || die "$f: the error does not say '$want': $(cat "$dir/err")"
    done
    [ "$(records)" -eq 6 ] || die "$f: the store lost or gained records"
    cmp -s "$dir/s.h5" "$dir/before.h5" || die "$f: the store file changed"
    [ -e "$dir/s.h5.saydo-tmp" ] && die "$f: a shadow copy was left behind"
}
check_refused inspect_truncated.eval "ends inside member samples/" "whole members"
check_refused inspect_dup.eval "two members are called samples/1_epoch_2.json"
check_refused inspect_evil.eval "samples/../../evil.json"
check_refused inspect_bomb.eval "member samples/1_epoch_2.json" "zip.max_ratio"

# a HELM run directory whose scenario_state.json is cut, and a cut inspect .json log: the file and line, "truncated"
mkdir -p "$dir/cut_run"
cp "$fx"/helm_separate/*.json "$dir/cut_run/"
head -c 1500 "$fx/helm_separate/scenario_state.json" > "$dir/cut_run/scenario_state.json"
printf '{"version": 2, "status": "success", "eval": {"task": "t", "model": "m"},\n "samples": [{"id": 1, "epoch": 1,\n' \
    > "$dir/cut_log.json"
for cut in "cut_run:cut_run/scenario_state.json:" "cut_log.json:cut_log.json:3:"; do
    f=${cut%%:*}; want=${cut#*:}
    "$SAYDO_BIN" ingest "$dir/$f" -o "$dir/s.h5" -q 2> "$dir/err"; rc=$?
    [ $rc -eq 1 ] || die "$f: exit $rc, expected 1"
    grep -qF -- "$want" "$dir/err" || die "$f: the error does not name '$want': $(cat "$dir/err")"
    grep -q "truncated?" "$dir/err" || die "$f: the error does not say the file is cut: $(cat "$dir/err")"
    [ "$(records)" -eq 6 ] || die "$f: the store lost or gained records"
    cmp -s "$dir/s.h5" "$dir/before.h5" || die "$f: the store file changed"
done

# a JSONL cut inside its last line: the whole lines go in, the cut one is quarantined with its number
"$SAYDO_BIN" ingest "$fx/lmeval_truncated.jsonl" -o "$dir/s.h5" -m other 2> "$dir/err" || die "truncated jsonl: $(cat "$dir/err")"
grep -q "5 records stored, 0 duplicates, 1 quarantined" "$dir/err" || die "truncated jsonl counts: $(cat "$dir/err")"
grep -q '"line":6' "$dir/s.h5.quarantine.jsonl" || die "quarantine lacks line 6"
grep -q 'lmeval_truncated.jsonl' "$dir/s.h5.quarantine.jsonl" || die "quarantine lacks the file"
[ "$(records)" -eq 11 ] || die "expected 6 + 5 records"
# --strict stops at the bad line and stores nothing of that file
cp "$dir/s.h5" "$dir/before.h5"
"$SAYDO_BIN" ingest "$fx/lmeval_truncated.jsonl" -o "$dir/s.h5" -m third --strict --force -q 2> "$dir/err"; rc=$?
[ $rc -eq 1 ] || die "--strict: exit $rc"
grep -q "lmeval_truncated.jsonl:6" "$dir/err" || die "--strict error lacks file:line: $(cat "$dir/err")"
[ "$(records)" -eq 11 ] || die "--strict stored records"
# failed batch lines are quarantined with their error
"$SAYDO_BIN" ingest "$fx/openai_batch_output.jsonl" --map "$fx/openai_batch.map" -o "$dir/b.h5" -q 2> "$dir/err" \
    || die "batch ingest: $(cat "$dir/err")"
grep -q 'rate_limit_exceeded: Too many tokens' "$dir/b.h5.quarantine.jsonl" || die "the batch error is not quarantined"
grep -q '"line":4,"reason":"request deed:p1:0 failed with HTTP status 400' "$dir/b.h5.quarantine.jsonl" \
    || die "the HTTP 400 line is not quarantined"
exit $fail
