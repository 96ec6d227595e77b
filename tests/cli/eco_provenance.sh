#!/bin/bash
# What a harness log says about itself is kept in the store's provenance
# (/provenance/meta) and shown by `saydo info`; stores written before that
# column read and append as before; a HELM run directory is one input, with
# one content hash over its files. Expected values are those planted in
# fixtures/eco/make_fixtures.py (results_<date>.json names toy/wd-1b, the
# .eval's header openai/toy-4o, HELM's adapter_spec toy/m).
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_FIXTURES:?}"
dir="$SAYDO_TMP/eco_provenance"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/eco"
PY=/usr/bin/python3
fail=0
die() { echo "FAIL: $*"; fail=1; }
meta() {   # store, python expression over the list m of provenance metas -> printed
    "$SAYDO_BIN" info "$1" --format json > "$dir/info.json" || { die "info $1"; return; }
    "$PY" -c 'import json, sys; m = [p["meta"] for p in json.load(open(sys.argv[1]))["provenance"]]; print(eval(sys.argv[2]))' \
        "$dir/info.json" "$2"
}

# 1. lm-eval (the model from results_<date>.json, no --model) and inspect (the eval's header)
"$SAYDO_BIN" ingest "$fx"/samples_wdct_word_*.jsonl "$fx/inspect_zstd_logprobs.eval" -o "$dir/s.h5" -q 2> "$dir/err" \
    || die "ingest lm-eval + inspect"
[ "$(meta "$dir/s.h5" 'm[0]["model"], m[0]["task"], m[0]["config"]["task"], m[0]["lm_eval_version"]')" = \
  "('toy/wd-1b', 'wdct_word', 'wdct_word', '0.4.9')" ] || die "lm-eval meta: $(cat "$dir/info.json")"
[ "$(meta "$dir/s.h5" 'm[1]["model"], m[1]["task"], m[1]["harness_version"]')" = "('openai/toy-4o', 'wd_word', '0.3.210')" ] \
    || die "inspect meta: $(cat "$dir/info.json")"
"$SAYDO_BIN" info "$dir/s.h5" > "$dir/info.txt" || die "info text"
grep -q '    the file says: {"harness":"lm-evaluation-harness","task":"wdct_word",' "$dir/info.txt" \
    || die "info does not show what the file said: $(cat "$dir/info.txt")"
grep -q '"model":"openai/toy-4o"' "$dir/info.txt" || die "info lacks the inspect model"
# plain saydo JSONL says nothing about itself: meta null
"$SAYDO_BIN" simulate --models 1 --items 3 --trials 1 --seed 1 --quiet -o "$dir/plain.jsonl" || die "simulate"
"$SAYDO_BIN" ingest "$dir/plain.jsonl" -o "$dir/s.h5" -q 2> "$dir/err" || die "ingest plain"
[ "$(meta "$dir/s.h5" 'm[2]')" = "None" ] || die "plain JSONL meta is not null: $(cat "$dir/info.json")"

# 2. a store from before /provenance/meta (the column removed), then appended to
cp "$dir/s.h5" "$dir/old.h5"
"$PY" -c 'import h5py, sys; f = h5py.File(sys.argv[1], "a"); del f["provenance/meta"]; f.close()' "$dir/old.h5" \
    || die "h5py could not remove the column"
[ "$(meta "$dir/old.h5" 'm')" = "[None, None, None]" ] || die "an old store does not read: $(cat "$dir/info.json")"
"$SAYDO_BIN" ingest "$fx"/samples_wdct_deed_*.json -o "$dir/old.h5" -q 2> "$dir/err" || die "append to an old store"
[ "$(meta "$dir/old.h5" '[x and x["task"] for x in m]')" = "[None, None, None, 'wdct_deed']" ] \
    || die "appending to an old store: $(cat "$dir/info.json")"
# a meta column shorter than the sources (an old saydo appended to a new store): padded, rows stay aligned
"$PY" - "$dir/s.h5" <<'EOF' || die "h5py could not shorten the column"
import sys, h5py
f = h5py.File(sys.argv[1], "a")
first = f["provenance/meta"][0]
del f["provenance/meta"]
f["provenance"].create_dataset("meta", data=[first], maxshape=(None,), dtype=h5py.string_dtype())
f.close()
EOF
[ "$(meta "$dir/s.h5" '[x and x["task"] for x in m]')" = "['wdct_word', None, None]" ] \
    || die "a short meta column: $(cat "$dir/info.json")"
"$SAYDO_BIN" ingest "$fx"/samples_wdct_deed_*.json -o "$dir/s.h5" -q 2> "$dir/err" || die "append after a short column"
[ "$(meta "$dir/s.h5" '[x and x["task"] for x in m]')" = "['wdct_word', None, None, 'wdct_deed']" ] \
    || die "append after a short column: $(cat "$dir/info.json")"

# 3. a HELM run directory as one input: read, hashed as a whole, skipped when ingested again
cp -r "$fx/helm_separate" "$dir/run"
"$SAYDO_BIN" ingest "$dir/run" -o "$dir/h.h5" 2> "$dir/err" || die "HELM directory: $(cat "$dir/err")"
grep -q "run: helm, .*3 records stored, 0 duplicates, 0 quarantined" "$dir/err" || die "HELM directory counts: $(cat "$dir/err")"
[ "$(meta "$dir/h.h5" 'm[0]["method"], m[0]["model"]')" = "('multiple_choice_separate_original', 'toy/m')" ] \
    || die "HELM meta: $(cat "$dir/info.json")"
"$SAYDO_BIN" ingest "$dir/run/" -o "$dir/h.h5" 2> "$dir/err" || die "HELM directory again"
grep -q "already in the store" "$dir/err" || die "the same directory was not recognised: $(cat "$dir/err")"
cp -r "$dir/run" "$dir/copy"   # elsewhere: the same content, the same hash
"$SAYDO_BIN" ingest "$dir/copy" -o "$dir/h.h5" 2> "$dir/err" || die "HELM copy"
grep -q "already in the store" "$dir/err" || die "a copy of the directory hashed differently: $(cat "$dir/err")"
echo >> "$dir/copy/run_spec.json"   # a changed member: a new input (its records are duplicates)
"$SAYDO_BIN" ingest "$dir/copy" -o "$dir/h.h5" 2> "$dir/err" || die "changed HELM copy"
grep -q "copy: helm, .*0 records stored, 3 duplicates" "$dir/err" || die "a changed member was not a new input: $(cat "$dir/err")"
exit $fail
