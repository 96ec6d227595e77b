#!/bin/bash
# Every harness fixture (fixtures/eco) through `saydo ingest` with its format
# sniffed from the content (never the name), the records counted, and the
# values `saydo export` gives back for a few of them (planted in
# make_fixtures.py; probs are numpy's softmax of the float32 values, printed
# as repr(numpy.float32(p)), the shortest float32 spelling).
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}" "${SAYDO_FIXTURES:?}"
dir="$SAYDO_TMP/eco_formats"
rm -rf "$dir" && mkdir -p "$dir"
fx="$SAYDO_FIXTURES/eco"
fail=0
die() { echo "FAIL: $*"; fail=1; }
n=0
ingest() {   # file, format, stored, quarantined [extra args]
    local f="$1" fmt="$2" stored="$3" q="$4"; shift 4
    n=$((n + 1))
    "$SAYDO_BIN" ingest "$fx/$f" -o "$dir/s$n.h5" -m given "$@" 2> "$dir/err$n" || { die "$f: $(cat "$dir/err$n")"; return; }
    grep -q ": $fmt, .*: $stored records stored, 0 duplicates, $q quarantined" "$dir/err$n" \
        || die "$f: expected $fmt, $stored stored, $q quarantined: $(cat "$dir/err$n")"
    "$SAYDO_BIN" export "$dir/s$n.h5" > "$dir/s$n.jsonl" 2> /dev/null || die "$f: export"
}
has() { grep -qF -- "$2" "$dir/s$n.jsonl" || die "$1: export lacks $2"; }

ingest "samples_wdct_word_2025-01-02T03-04-05.678901.jsonl" lmeval 6 0
has word '"item":"2","side":"wdct_word","trial":0,"variant":"","n_options":2,"choice":0,"probs":[0.9168273,0.083172694],"logprobs":[-0.1,-2.5],"gold":"A","culture":"US"'
ingest "samples_wdct_deed_2025-01-02T03-04-05.678901.json" lmeval 6 0
ingest "samples_gen_mc_2025-01-02T03-04-05.678901.jsonl" lmeval 6 0
has filters '"item":"1","side":"gen_mc","trial":0,"variant":"strict-match","n_options":4,"choice":null,"status":"unparsed"'
has filters '"item":"1","side":"gen_mc","trial":0,"variant":"flexible-extract","n_options":4,"choice":2'
ingest "samples_repeats_2025-01-02T03-04-05.678901.jsonl" lmeval 11 0
has repeats '"item":"0","side":"repeats","trial":1,"variant":"keep-3","n_options":4,"choice":3'
has repeats '"item":"1","side":"repeats","trial":2,"variant":"","n_options":4,"choice":null,"status":"refused"'
ingest lmeval_specials.jsonl lmeval 4 0
has specials '"logprobs":[-1e-05,-1e999]'
ingest inspect_zstd_logprobs.eval inspect 5 0 --keep-text
has zstd '"item":"1","side":"wd_word","trial":0,"variant":"","n_options":3,"response":"ANSWER: B","choice":1,"probs":[0.2201069,0.7798931,0],"logprobs":[-1.5,-0.23495644,-1e999]'
ingest inspect_unfinished.eval inspect 2 0
ingest inspect_journal_only.eval inspect 3 0
ingest openai_batch_output.jsonl batch 4 3 --map "$fx/openai_batch.map"
has openai '"item":"p3","side":"deed","trial":0,"variant":"","n_options":3,"choice":2,"probs":[0,0.04109128,0.95890874],"logprobs":[-1e999,-3.2,-0.05]'
ingest anthropic_batch_results.jsonl batch 1 2
ingest helm_separate/scenario_state.json helm 3 0
has helm '"item":"id2","side":"wdq:side=word,method=multiple_choice_separate_original","trial":0,"variant":"","n_options":2,"choice":1'
# files beside the logs with no per-sample records: recognised, nothing stored, nothing quarantined
ingest "results_2025-01-02T03-04-05.678901.json" lmeval-results 0 0
grep -q "aggregate results, no per-sample records: nothing to ingest" "$dir/err$n" || die "results: no message"
ingest helm_separate/run_spec.json helm-aux 0 0

# the content decides: an lm-eval file named .csv is still lm-eval; --format forces a reader
cp "$fx/lmeval_specials.jsonl" "$dir/looks_like.csv"
"$SAYDO_BIN" ingest "$dir/looks_like.csv" -o "$dir/c.h5" -m given 2> "$dir/errc" || die "misnamed file: $(cat "$dir/errc")"
grep -q ": lmeval, " "$dir/errc" || die "a misnamed lm-eval file was not sniffed: $(cat "$dir/errc")"
"$SAYDO_BIN" ingest "$fx/lmeval_specials.jsonl" -o "$dir/d.h5" -m given --format jsonl 2> "$dir/errd"
grep -q ": jsonl, .*0 records stored, 0 duplicates, 4 quarantined" "$dir/errd" || die "--format jsonl was not obeyed: $(cat "$dir/errd")"
# --dry-run prints the first records as saydo reads them, and stores nothing
"$SAYDO_BIN" ingest "$fx"/samples_wdct_word_*.jsonl "$fx"/inspect_zstd_logprobs.eval --map "$fx/wdct_lmeval.map" \
    --dry-run=2 -q -o "$dir/dry.h5" > "$dir/dry.out" 2> "$dir/dry.err" || die "--dry-run: $(cat "$dir/dry.err")"
[ "$(wc -l < "$dir/dry.out")" -eq 4 ] || die "--dry-run=2 over two files printed $(wc -l < "$dir/dry.out") lines"
grep -q '^{"model":"toy/wd-1b","condition":"base","item":"p1","domain":"Opinion","side":"word",' "$dir/dry.out" \
    || die "--dry-run does not show the mapped record: $(head -1 "$dir/dry.out")"
grep -q 'samples_wdct_word_.*: lmeval {"harness":"lm-evaluation-harness","task":"wdct_word",' "$dir/dry.err" \
    || die "--dry-run does not say what the file is: $(cat "$dir/dry.err")"
grep -q 'inspect_zstd_logprobs.eval: inspect {.*"model":"openai/toy-4o"' "$dir/dry.err" || die "--dry-run lacks the eval facts"
[ -e "$dir/dry.h5" ] && die "--dry-run wrote a store"
exit $fail
