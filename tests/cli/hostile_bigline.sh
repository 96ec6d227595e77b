#!/bin/bash
# A single line of 320 MB (JSONL), a single CSV record of 320 MB and one
# lm-eval sample line of 320 MB (a harness log: the JSON splitter of
# jsontree.c), made on the fly in SAYDO_TMP and deleted afterwards: the line is longer than the
# default limit (64 MiB), so it is skipped with its line number and the lines
# around it are stored, with memory bounded: peak RSS below 256 MB (measured
# with /usr/bin/time -v when present). The line is longer than the limit, so
# a reader whose memory grows with the line fails here (file pages mapped with
# mmap count: they are charged to the process, and to its cgroup).
# SAYDO_BIGLINE_MB changes the size (the 1 GB run by hand: SAYDO_BIGLINE_MB=1024).
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/hostile_bigline"
rm -rf "$dir" && mkdir -p "$dir"
trap 'rm -rf "$dir"' EXIT
mb=${SAYDO_BIGLINE_MB:-320}
limit_kb=$((256 * 1024))
fail=0
die() { echo "FAIL: $*"; fail=1; }
avail=$(df -Pk "$dir" | awk 'NR == 2 {print $4}')
[ "$avail" -gt $((mb * 1024 * 2 + 65536)) ] || { echo "skip: not enough space in $dir for a ${mb} MB line"; exit 77; }
timer=()
[ -x /usr/bin/time ] && timer=(/usr/bin/time -v -o "$dir/time.txt")
# under ASan the allocator keeps freed memory in quarantine (256 MB by default): no RSS bound to check
if grep -q __asan_init "$SAYDO_BIN"; then
    echo "note: an ASan build: peak RSS not checked"
    timer=()
fi

# rss_ok LABEL: peak RSS of the last timed run is below the limit
rss_ok() {
    [ ${#timer[@]} -eq 0 ] && return 0
    local kb
    kb=$(awk -F: '/Maximum resident set size/ {gsub(/ /, "", $2); print $2}' "$dir/time.txt")
    echo "$1: peak RSS ${kb} kB for a ${mb} MB line"
    [ -n "$kb" ] && [ "$kb" -lt $limit_kb ] || die "$1: peak RSS ${kb} kB, limit $limit_kb kB"
}

# JSONL: line 2 is one object whose response string is the whole size
{
    printf '{"model":"m","item":"a","side":"word","choice":"A"}\n'
    printf '{"model":"m","item":"big","side":"word","response":"'
    head -c $((mb * 1024 * 1024)) /dev/zero | tr '\0' 'x'
    printf '"}\n{"model":"m","item":"z","side":"deed","choice":"B"}\n'
} > "$dir/big.jsonl"
"${timer[@]}" "$SAYDO_BIN" ingest -q "$dir/big.jsonl" -o "$dir/s.h5" 2> "$dir/err"
rc=$?
[ $rc -eq 0 ] || die "jsonl: exit $rc: $(tail -3 "$dir/err")"
rss_ok jsonl
grep -F '"line":2,' "$dir/s.h5.quarantine.jsonl" | grep -qF '"reason":"line too long' ||
    grep -F '"line":2,' "$dir/s.h5.quarantine.jsonl" | grep -qF 'longer than' ||
    die "jsonl: line 2 not quarantined as too long: $(head -c 300 "$dir/s.h5.quarantine.jsonl")"
qsize=$(stat -c %s "$dir/s.h5.quarantine.jsonl")
[ "$qsize" -lt 200000 ] || die "jsonl: the quarantine holds $qsize bytes for one line (unbounded)"
"$SAYDO_BIN" info "$dir/s.h5" | grep -q "^records *2$" || die "jsonl: lines 1 and 3 not stored"
rm -f "$dir/big.jsonl"

# CSV: row 3 holds one quoted field of the whole size, with line breaks inside
{
    printf 'model,item,side,choice,response\nm,a,word,A,x\nm,big,word,,"'
    head -c $((mb * 1024 * 1024)) /dev/zero | tr '\0' 'y' | fold -w 100000
    printf '"\nm,z,deed,B,x\n'
} > "$dir/big.csv"
"${timer[@]}" "$SAYDO_BIN" ingest -q "$dir/big.csv" -o "$dir/c.h5" 2> "$dir/err"
rc=$?
[ $rc -eq 0 ] || die "csv: exit $rc: $(tail -3 "$dir/err")"
rss_ok csv
grep -F '"line":3,' "$dir/c.h5.quarantine.jsonl" | grep -qF "longer than the maximum record size" ||
    die "csv: record 3 not quarantined as too long: $(head -c 300 "$dir/c.h5.quarantine.jsonl")"
"$SAYDO_BIN" info "$dir/c.h5" | grep -q "^records *2$" || die "csv: rows 2 and the last not stored"
rm -f "$dir/big.csv"

# lm-eval --log_samples: line 2 is a sample whose doc holds the whole size
lm='"target": "A", "arguments": [["Q", " A"], ["Q", " B"]], "filtered_resps": [["-1.5", "False"], ["-0.5", "True"]]}'
{
    printf '{"doc_id": 0, "doc": {"question": "Q"}, %s\n{"doc_id": 1, "doc": {"question": "' "$lm"
    head -c $((mb * 1024 * 1024)) /dev/zero | tr '\0' 'x'
    printf '"}, %s\n{"doc_id": 2, "doc": {"question": "Q"}, %s\n' "$lm" "$lm"
} > "$dir/samples_big.jsonl"
"${timer[@]}" "$SAYDO_BIN" ingest -q --format lmeval -m m "$dir/samples_big.jsonl" -o "$dir/l.h5" 2> "$dir/err"
rc=$?
[ $rc -eq 0 ] || die "lmeval: exit $rc: $(tail -3 "$dir/err")"
rss_ok lmeval
grep -F '"line":2,' "$dir/l.h5.quarantine.jsonl" | grep -qF 'longer than' ||
    die "lmeval: line 2 not quarantined as too long: $(head -c 300 "$dir/l.h5.quarantine.jsonl")"
"$SAYDO_BIN" info "$dir/l.h5" | grep -q "^records *2$" || die "lmeval: lines 1 and 3 not stored"
exit $fail
