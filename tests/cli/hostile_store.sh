#!/bin/bash
# Damaged stores (fixtures/hostile/damage_store.py makes them with h5py from a
# good store): truncated, not HDF5, a dataset removed, of the wrong type or
# shape, codes outside their dictionaries, values outside their range.
# Every command that reads a store (`saydo info`, `score`, `export`, `compare`,
# `table`) must exit 1 with the store's path and what is wrong (never a crash
# or a sanitizer report), and an ingest into a store it cannot read must leave
# it byte for byte as it was.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/hostile_store"
rm -rf "$dir" && mkdir -p "$dir"
/usr/bin/python3 -c 'import h5py' 2> /dev/null || { echo "skip: /usr/bin/python3 has no h5py"; exit 77; }
fail=0
die() { echo "FAIL: $*"; fail=1; }
crashed() { [ "$1" -ge 128 ] || grep -qE "Sanitizer|runtime error|Segmentation" "$2"; }

"$SAYDO_BIN" simulate --quiet --models 2 --items 12 --trials 1 --seed 9 -o "$dir/sim.jsonl" || die "simulate"
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/good.h5" 2> "$dir/err" || die "ingest good store"
"$SAYDO_BIN" info "$dir/good.h5" > /dev/null || die "info on the good store"
/usr/bin/python3 "$SAYDO_FIXTURES/hostile/damage_store.py" "$dir/good.h5" "$dir/dmg" > "$dir/cases.tsv" ||
    die "damage_store.py failed"
[ "$(wc -l < "$dir/cases.tsv")" -ge 30 ] || die "too few damaged stores"
printf '{"model":"m","item":"new","side":"word","choice":"A"}\n' > "$dir/new.jsonl"

while IFS=$'\t' read -r name want; do
    s="$dir/dmg/$name.h5"
    for cmd in info score export compare table; do
        args=()
        case $cmd in
        compare) args=(--baseline base) ;;
        table) args=(--spec "${SAYDO_SRC:-$SAYDO_FIXTURES/..}/analysis/wdct.spec") ;;
        esac
        "$SAYDO_BIN" $cmd "$s" "${args[@]}" > /dev/null 2> "$dir/err"
        rc=$?
        if crashed $rc "$dir/err"; then
            die "$name: saydo $cmd crashed (exit $rc): $(head -3 "$dir/err")"
        elif [ $rc -ne 1 ]; then
            die "$name: saydo $cmd exit $rc, expected 1"
        elif ! grep -qF "saydo $cmd: $s: " "$dir/err" || ! grep -qF "$want" "$dir/err"; then
            die "$name: saydo $cmd said '$(head -1 "$dir/err")', expected '$s: ...$want'"
        fi
    done
    # an ingest into it: refused, or (when the damage is in data the writer does not
    # read back) appended; it never crashes, and a refusal leaves the file untouched
    cp "$s" "$dir/w.h5"
    "$SAYDO_BIN" ingest -q "$dir/new.jsonl" -o "$dir/w.h5" 2> "$dir/err"
    rc=$?
    if crashed $rc "$dir/err"; then
        die "$name: ingest crashed (exit $rc): $(head -3 "$dir/err")"
    elif [ $rc -ne 0 ]; then
        [ $rc -eq 1 ] || die "$name: ingest exit $rc"
        [ -s "$dir/err" ] || die "$name: ingest failed without a message"
        cmp -s "$s" "$dir/w.h5" || die "$name: a failed ingest changed the store"
    fi
    [ -e "$dir/w.h5.saydo-tmp" ] && die "$name: a shadow store was left behind"
    rm -f "$dir/w.h5" "$dir/w.h5.lock" "$dir/w.h5.quarantine.jsonl"
done < "$dir/cases.tsv"

# a store that is a directory, or missing
mkdir -p "$dir/adir.h5"
for s in "$dir/adir.h5" "$dir/missing.h5"; do
    "$SAYDO_BIN" info "$s" > /dev/null 2> "$dir/err"
    rc=$?
    crashed $rc "$dir/err" && die "$s: info crashed"
    [ $rc -eq 1 ] || die "$s: info exit $rc, expected 1"
    grep -qF "$s" "$dir/err" || die "$s: message does not name the store: $(cat "$dir/err")"
done
exit $fail
