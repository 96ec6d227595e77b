#!/bin/bash
# Duplicate detection past the key budget (issue 2). The same three ingests
# (f1; f2, which repeats part of f1; f1 again with --force), each file with
# duplicates planted inside it, run with the default key budget and with
# SAYDO_KEY_BUDGET_MB so small that the writer turns to deferred mode (the
# duplicates are found on disk at commit): from the start, mid-file after
# its key table was rebuilt, with one and with many partitions, when
# appending to a store written with the default budget, and with the three
# files in one process (one commit after another). Every run must give
# the same summaries (the planted duplicate counts), the same store dataset
# for dataset (provenance time aside), the same export, info and score. A
# planted duplicate differs from its first occurrence (response text, and
# choice), so keeping the wrong one shows. Kills inside the deferred pass
# leave the store as it was and no temporary file behind.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/ingest_spill"
rm -rf "$dir" && mkdir -p "$dir"
cd "$dir" || exit 1
fail=0
die() { echo "FAIL: $*"; fail=1; }

"$SAYDO_BIN" simulate --models 2 --items 300 --trials 2 --seed 3 --quiet -o sim.jsonl || die "simulate"
[ "$(wc -l < sim.jsonl)" = 12000 ] || die "simulate: expected 12000 lines"
# f1: lines 1-8000, a repeat of an earlier line (altered) after every 53rd, 150 in all; its first
# 120 lines carry 9 KB of text, so the line estimate from the file's first MiB is far too low
# and the key table grows (and passes small budgets) in mid-file.
# f2: lines 6001-12000 (2000 of them in f1 too), a repeat after every 59th line, 100 in all.
pad=$(head -c 9000 /dev/zero | tr '\0' x)
awk -v pad="$pad" 'BEGIN { srand(7) }
{ line[NR] = $0 }
END {
    for (i = 1; i <= 8000; i++) {
        s = line[i]
        if (i <= 120) sub(/"response":"/, "\"response\":\"" pad, s)
        print s > "f1.jsonl"
        if (i % 53 == 0 && n1 < 150) {
            s = line[int(rand() * i) + 1]
            sub(/"response":"[^"]*"/, "\"response\":\"DUP " i "\"", s)
            sub(/"choice":"A"/, "\"choice\":\"B\"", s)
            print s > "f1.jsonl"; n1++
        }
    }
    for (i = 6001; i <= 12000; i++) {
        print line[i] > "f2.jsonl"
        if (i % 59 == 0 && n2 < 100) {
            s = line[6000 + int(rand() * (i - 6000)) + 1]
            sub(/"response":"[^"]*"/, "\"response\":\"DUP " i "\"", s)
            print s > "f2.jsonl"; n2++
        }
    }
    print n1, n2 > "planted"
}' sim.jsonl
read -r n1 n2 < planted
[ "$n1" = 150 ] && [ "$n2" = 100 ] || die "generator planted $n1 + $n2 duplicates, expected 150 + 100"
l1=$((8000 + n1)) l2=$((6000 + n2))
expect="f1.jsonl: jsonl, $l1 lines: 8000 records stored, $n1 duplicates, 0 quarantined
f2.jsonl: jsonl, $l2 lines: 4000 records stored, $((2000 + n2)) duplicates, 0 quarantined
f1.jsonl: jsonl, $l1 lines: 0 records stored, $l1 duplicates, 0 quarantined"

# ingest NAME FILE [ENV=V...]: one ingest (options: $extra) into NAME.h5; its summary line to NAME.sum, messages to NAME.log
extra=()
ingest() {
    local name=$1 file=$2
    shift 2
    env "$@" "$SAYDO_BIN" ingest --keep-text --force "${extra[@]}" "$file" -o "$name.h5" 2> "$name.err" ||
        die "$name: ingest $file: $(cat "$name.err")"
    grep -F "$file: jsonl" "$name.err" | sed 's/ ([0-9.]* MB\/s)$//' >> "$name.sum"
    cat "$name.err" >> "$name.log"
}
# run NAME ENV...: the three ingests into a new store
run() {
    local name=$1
    shift
    rm -f "$name".*
    for f in f1.jsonl f2.jsonl f1.jsonl; do ingest "$name" "$f" "$@"; done
}
deferred() { grep -q "duplicates are found on disk" "$1.log"; }

run ref X=1
[ "$(cat ref.sum)" = "$expect" ] || die "default budget: summaries
$(cat ref.sum)
expected
$expect"
deferred ref && die "the default budget went to deferred mode on 12,000 records"
"$SAYDO_BIN" export ref.h5 -o ref.jsonl 2> /dev/null || die "export ref"
grep -q '"DUP ' ref.jsonl && die "a planted duplicate was stored instead of the first occurrence"
[ "$(wc -l < ref.jsonl)" = 12000 ] || die "ref: expected 12000 records"

run tiny SAYDO_KEY_BUDGET_MB=0.01                            # deferred from the first add, ~12 partitions
run tiny1 SAYDO_KEY_BUDGET_MB=0.01 SAYDO_DEDUP_PARTITIONS=1  # one partition
run mid SAYDO_KEY_BUDGET_MB=0.1 SAYDO_DEDUP_PARTITIONS=3     # table rebuilt, then deferred in mid-f1
run rebuilt SAYDO_KEY_BUDGET_MB=0.3                          # table rebuilt once, never deferred
# appending in deferred mode to a store written with the default budget (the budget as an option)
rm -f app.*
ingest app f1.jsonl X=1
extra=(--key-memory 0.01)
for f in f2.jsonl f1.jsonl; do ingest app "$f" SAYDO_KEY_BUDGET_MB=1000; done
extra=()
# the three files in one process: commits one after another in deferred mode
rm -f one.*
SAYDO_KEY_BUDGET_MB=0.01 "$SAYDO_BIN" ingest --keep-text --force f1.jsonl f2.jsonl f1.jsonl -o one.h5 2> one.log ||
    die "one process: $(cat one.log)"
grep -F ": jsonl, " one.log | sed 's/ ([0-9.]* MB\/s)$//' > one.sum
for v in tiny tiny1 mid app one; do deferred "$v" || die "$v: never went to deferred mode"; done
deferred rebuilt && die "rebuilt: went to deferred mode"

info() { "$SAYDO_BIN" info --format json "$1" | sed 's/"time": "[^"]*"//'; }
info ref.h5 > ref.info
"$SAYDO_BIN" score ref.h5 > ref.score 2>&1 || die "score ref"
for v in tiny tiny1 mid rebuilt app one; do
    [ "$(cat "$v.sum")" = "$expect" ] || die "$v: summaries
$(cat "$v.sum")"
    "$SAYDO_BIN" export "$v.h5" -o "$v.jsonl" 2> /dev/null || die "export $v"
    cmp -s ref.jsonl "$v.jsonl" || die "$v: export differs from the default budget's"
    info "$v.h5" > "$v.info"
    cmp -s ref.info "$v.info" || die "$v: info differs: $(diff ref.info "$v.info" | head -5)"
    "$SAYDO_BIN" score "$v.h5" > "$v.score" 2>&1 || die "score $v"
    cmp -s ref.score "$v.score" || die "$v: score differs"
done

# every dataset of the store, bit for bit (provenance time aside)
if /usr/bin/python3 -c 'import h5py' 2> /dev/null; then
    /usr/bin/python3 - ref.h5 tiny.h5 tiny1.h5 mid.h5 rebuilt.h5 app.h5 one.h5 <<'PY' || die "stores differ"
import sys, h5py, numpy as np
def load(p):
    out = {}
    with h5py.File(p, "r") as f:
        f.visititems(lambda n, o: out.__setitem__(n, o[...]) if isinstance(o, h5py.Dataset) and n != "provenance/time" else None)
    return out
ref = load(sys.argv[1])
bad = 0
for p in sys.argv[2:]:
    d = load(p)
    diff = sorted(set(ref) ^ set(d)) + [k for k in ref if k in d and (ref[k].shape != d[k].shape or
           not np.array_equal(ref[k], d[k], equal_nan=ref[k].dtype.kind == "f"))]
    if diff:
        print(p, "differs in", diff)
        bad = 1
sys.exit(bad)
PY
fi

# kills inside the deferred pass: the store stays as it was, nothing is left behind
for at in dedup-scan dedup-compact; do
    rm -f kill.*
    ingest kill f1.jsonl X=1
    before=$(info kill.h5)
    SAYDO_KEY_BUDGET_MB=0.01 SAYDO_TEST_KILL_AT=$at "$SAYDO_BIN" ingest -q --keep-text f2.jsonl -o kill.h5 2> /dev/null
    rc=$?
    [ $rc -eq 137 ] || die "kill at $at: exit $rc, expected 137 (SIGKILL)"
    [ "$(info kill.h5)" = "$before" ] || die "kill at $at: the store changed"
    ls -A | grep -q saydo-dedup && die "kill at $at: a temporary file was left behind"
    SAYDO_KEY_BUDGET_MB=0.01 "$SAYDO_BIN" ingest --keep-text f2.jsonl -o kill.h5 2> kill.err || die "after the kill at $at: $(cat kill.err)"
    grep -qF "f2.jsonl: jsonl, $l2 lines: 4000 records stored, $((2000 + n2)) duplicates" kill.err ||
        die "after the kill at $at: $(cat kill.err)"
done
exit $fail
