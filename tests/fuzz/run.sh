#!/usr/bin/env bash
# Builds the libFuzzer targets (clang, ASan+UBSan) and runs each for a while.
#
#   bash tests/fuzz/run.sh [TARGET...]        (default: every tests/fuzz/fuzz_*.c)
#
# Env:
#   FUZZ_SECONDS  seconds per target (default 60; CI smoke: 10)
#   FUZZ_BUILD    build directory (default build-fuzz)
#   FUZZ_REGRESS  1: only replay the seeds and the saved findings, no fuzzing
#
# Corpora: $FUZZ_BUILD/fuzz/corpus/TARGET grows across runs; it is seeded
# from fixtures/ (and fixtures/hostile/), and stores are made from fixtures
# with the saydo binary of the fuzz build. A crash, leak, timeout or sanitizer
# report leaves the input in $FUZZ_BUILD/fuzz/crashes/TARGET/ and fails the
# run; turn each into a fixture under fixtures/hostile/fuzz/TARGET/ (replayed
# by tests/unit/test_hostile_fuzz.c in every `make test`).
# The summary line of each target: executions, seconds, corpus size, result.
set -uo pipefail
root=$(cd "$(dirname "$0")/../.." && pwd)
cd "$root"
secs=${FUZZ_SECONDS:-60}
build=${FUZZ_BUILD:-build-fuzz}
regress=${FUZZ_REGRESS:-0}

if ! command -v clang > /dev/null; then
    echo "fuzz: clang is missing (bash scripts/deps.sh --extra, or apt-get install clang libclang-rt-14-dev)" >&2
    exit 1
fi
cmake -S . -B "$build" -DCMAKE_C_COMPILER=clang -DCMAKE_BUILD_TYPE=RelWithDebInfo -DSAYDO_FUZZ=ON > /dev/null || exit 1

targets=("$@")
if [ ${#targets[@]} -eq 0 ]; then
    for f in tests/fuzz/fuzz_*.c; do targets+=("$(basename "$f" .c)"); done
fi
cmake --build "$build" -j "${JOBS:-2}" --target saydo_cli "${targets[@]}" 2>&1 | grep -E "error|Error" && exit 1

fz="$build/fuzz"
saydo="$build/saydo"
mkdir -p "$fz/seeds"

# ---- seeds -----------------------------------------------------------------
seed_dir() {   # seed_dir TARGET: a fresh seed folder for TARGET
    rm -rf "$fz/seeds/$1" && mkdir -p "$fz/seeds/$1" && echo "$fz/seeds/$1"
}
copy_seeds() {   # copy_seeds DIR FILE...: copies existing files (fixtures over 1 MiB are skipped)
    local d=$1; shift
    for f in "$@"; do
        [ -f "$f" ] && [ "$(stat -c %s "$f")" -le 1048576 ] && cp "$f" "$d/$(echo "$f" | tr '/' '_')"
    done
    return 0
}
make_seeds() {
    local t=$1 d
    d=$(seed_dir "$t")
    shopt -s nullglob globstar
    case $t in
    fuzz_jsonl)
        copy_seeds "$d" fixtures/**/*.jsonl fixtures/hostile/*.jsonl
        printf '{"model":"m","condition":"base","item":"q1","side":"word","trial":0,"choice":"A","logprobs":{"A":-0.1,"B":-2.3},"domain":"d","culture":"de"}\n{"model":"m","item":"q1","side":"deed","response":"Answer: B","probs":[0.2,0.8],"option_map":[1,0],"n_options":2,"status":"ok"}\n' > "$d/inline1.jsonl"
        printf '{"model":"m","item":"q2","side":"word","choice":null,"status":"refused","consistency":0,"variant":"v1","method":"sft","round":2,"trained_side":"deed"}\n\n{"item_id":"q3","side":"deed","answer":2,"logits":[-1,-2,-3]}\n' > "$d/inline2.jsonl"
        ;;
    fuzz_csv)
        copy_seeds "$d" fixtures/csv/*.csv fixtures/hostile/*.csv
        ;;
    fuzz_wdct)
        copy_seeds "$d" fixtures/wdct/*.csv
        ;;
    fuzz_extract)
        # the golden answers (hex in column 3) are the seeds
        local i=0
        while IFS=$'\t' read -r _ _ hex; do
            [ -n "$hex" ] || continue
            printf '%s' "$hex" | xxd -r -p > "$d/golden$i" 2> /dev/null || printf '%s' "$hex" > "$d/golden$i"
            i=$((i + 1))
            [ $i -ge 400 ] && break
        done < <(grep -v '^#' tests/reference/extract_golden.tsv)
        ;;
    fuzz_fieldmap)
        printf 'item = question_id, qid\nside = kind\nchoice = pick\nlabel.culture = country\nside.stated = word\nside.revealed = deed\n# comment\n%%%%\nmodel,question_id,kind,pick,country\nm,q1,stated,A,de\nm,q1,revealed,B,de\n' > "$d/map_csv"
        printf 'model = llm\nitem = id, item\nresponse = output\n%%%%\n{"llm":"m","id":"q1","side":"word","output":"A."}\n{"llm":"m","item":"q1","side":"deed","output":"B)"}\n' > "$d/map_jsonl"
        printf 'bogus line\n' > "$d/map_bad"
        ;;
    fuzz_store)
        # real stores: the fixtures ingested, one scored with a saved table /results/t.
        # The saydo of this build has ASan + UBSan (clang): a report here is a
        # finding in the CLI, and the run checks all three stores were made.
        local tmp log=$fz/seeds/fuzz_store.log
        tmp=$(mktemp -d)
        : > "$log"
        "$saydo" ingest -q fixtures/csv/basic.csv -o "$tmp/csv.h5" > /dev/null 2>> "$log" && cp "$tmp/csv.h5" "$d/csv.h5"
        "$saydo" ingest -q fixtures/wdct/*.csv -o "$tmp/wdct.h5" > /dev/null 2>> "$log" &&
            "$saydo" score "$tmp/wdct.h5" --save t > /dev/null 2>> "$log" && cp "$tmp/wdct.h5" "$d/wdct.h5"
        "$saydo" simulate --quiet --models 1 --items 4 --trials 2 --seed 1 -o "$tmp/sim.jsonl" 2>> "$log" &&
            "$saydo" ingest -q "$tmp/sim.jsonl" -o "$tmp/sim.h5" > /dev/null 2>> "$log" && cp "$tmp/sim.h5" "$d/sim.h5"
        rm -rf "$tmp"
        ;;
    fuzz_store_edit)
        # edit scripts (format in tests/fuzz/fuzz_store_edit.c): op, dataset index, 4-byte
        # position (little-endian), payload. Indices in the base store's dataset list
        # (FUZZ_EDIT_LIST=1 prints it): 0 conditions/method, 6 dict/label_culture,
        # 12 items/domain, 15 option_maps, 20 provenance/file, 30 provenance/sha256,
        # 33 records/choice, 35 records/item, 36 records/logp, 37 records/model,
        # 39 records/option_map, 40 records/side; group 6 results/t
        : > "$d/base"
        printf '\x00\x23\x05\x00\x00\x00\xe7\x03\x00\x00' > "$d/item_code_999"
        printf '\x00\x21\x03\x00\x00\x00\x7f\x00\x24\x02\x00\x01\x00\x00\x00\xc0\x7f' > "$d/choice_127_logp_nan"
        printf '\x03\x0c\x03\x00\x00\x00\x83\x0f\x01\x00\x00\x1e' > "$d/short_items_wide_maps"
        printf '\x04\x06\x00\x00\x00\x00' > "$d/no_label_dict"
        printf '\x15\x00\x02\x00\x00\x00' > "$d/schema_2"
        printf '\x15\x02\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x00\x40' > "$d/table_rows_2e62"
        printf '\x00\x14\x01\x00\x00\x00\x02x\xff\x03\x1e\x01\x00\x00\x00' > "$d/provenance_short"
        printf '\x07\x28\x05\x00\x00\x00\x02\x00\x00\x00\x01\x00\xfb\xff\xff\xff' > "$d/side_2d_cond_method_neg"
        printf '\x06\x06\x00\x00\x00\x00\x00\x27\x04\x00\x00\x00\x07\x00' > "$d/no_table_omap_7"
        printf '\x03\x25\xc3\x00\x00\x00\x35\x01\x00\x00\x00\x00\x03\x01\x02' > "$d/model_grown_version_str"
        ;;
    fuzz_statedrevealed)
        copy_seeds "$d" fixtures/sr/**/*.json
        ;;
    fuzz_valueaction)
        copy_seeds "$d" fixtures/va/*.csv fixtures/va/*.jsonl
        ;;
    fuzz_lmeval | fuzz_batch | fuzz_helm | fuzz_inspect | fuzz_zip | fuzz_sniff)
        # fixtures named after the format when the harness readers bring them, plus inline seeds
        local fmt=${t#fuzz_}
        copy_seeds "$d" fixtures/"$fmt"/** fixtures/hostile/"$fmt"*
        [ "$t" = fuzz_sniff ] && copy_seeds "$d" fixtures/csv/*.csv fixtures/jsonl/*.jsonl fixtures/wdct/*.csv \
            fixtures/va/*.csv fixtures/sr/**/*.json fixtures/hostile/*.jsonl fixtures/hostile/*.csv
        python3 - "$d" "$t" <<'PY'
import json, os, sys, zipfile, io, warnings
warnings.simplefilter("ignore")   # the duplicate member is on purpose
d, t = sys.argv[1], sys.argv[2]
def put(name, data):
    with open(os.path.join(d, name), "wb") as f:
        f.write(data if isinstance(data, bytes) else data.encode())
lm = [{"doc_id": i, "doc": {"question": "Q%d" % i, "choices": ["yes", "no"]}, "target": "A",
       "arguments": [["Q", " A"], ["Q", " B"]],
       "resps": [[["-1.5", "False"]], [["-0.5", "True"]]],
       "filtered_resps": [["-1.5", "False"], ["-0.5", "True"]], "acc": 0.0} for i in range(2)]
lm_native = [{"doc_id": 3, "target": 1, "arguments": [["Q", " A"], ["Q", " B"]],
              "resps": [[[-1.5, False]], [[-0.5, True]]], "filtered_resps": [[-1.5, False], [-0.5, True]]}]
if t in ("fuzz_lmeval", "fuzz_sniff"):
    put("lmeval_lines.jsonl", "\n".join(json.dumps(x) for x in lm) + "\n")
    put("lmeval_array.jsonl", json.dumps(lm, indent=2))
    put("lmeval_native.jsonl", json.dumps(lm_native[0]) + "\n")
if t in ("fuzz_batch", "fuzz_sniff"):
    oa = {"id": "b1", "custom_id": "word:q1:0", "response": {"status_code": 200, "request_id": "r1", "body": {
        "object": "chat.completion", "choices": [{"index": 0, "message": {"role": "assistant", "content": "A"},
        "logprobs": {"content": [{"token": "A", "logprob": -0.1, "top_logprobs": [
            {"token": "A", "logprob": -0.1}, {"token": "B", "logprob": -2.4}]}]}}]}}, "error": None}
    err = {"id": "b2", "custom_id": "deed:q1:0", "response": None, "error": {"code": "x", "message": "failed"}}
    an = {"custom_id": "deed:q1:0", "result": {"type": "succeeded", "message": {"content": [{"type": "text", "text": "B."}]}}}
    put("batch_openai.jsonl", json.dumps(oa) + "\n" + json.dumps(err) + "\n")
    put("batch_anthropic.jsonl", json.dumps(an) + "\n")
if t in ("fuzz_helm", "fuzz_sniff"):
    st = {"adapter_spec": {"method": "multiple_choice_joint", "model": "org/m"}, "request_states": [
        {"instance": {"id": "id1", "input": {"text": "Q"}, "references": [{"output": {"text": "a"}, "tags": ["correct"]},
         {"output": {"text": "b"}, "tags": []}], "split": "test"}, "train_trial_index": 0,
         "output_mapping": {"A": "a", "B": "b"}, "request": {"prompt": "Q\nA. a\nB. b\nAnswer:"},
         "result": {"success": True, "completions": [{"text": " B", "logprob": -0.1, "tokens": [
             {"text": " B", "logprob": -0.1, "top_logprobs": {" A": -2.3, " B": -0.1}}]}]}}]}
    put("scenario_state.json", json.dumps(st))
sample = {"id": 1, "epoch": 1, "input": "Q\nA) yes\nB) no", "choices": ["yes", "no"], "target": "A",
          "output": {"model": "m", "choices": [{"message": {"role": "assistant", "content": "ANSWER: B"},
                     "stop_reason": "stop"}], "completion": "ANSWER: B"},
          "scores": {"choice": {"value": "I", "answer": "B"}}}
header = {"version": 2, "status": "success", "eval": {"task": "probe", "model": "m", "run_id": "r"}}
def eval_zip(members, method=zipfile.ZIP_DEFLATED):
    b = io.BytesIO()
    with zipfile.ZipFile(b, "w", method) as z:
        for name, obj in members:
            z.writestr(name, obj if isinstance(obj, str) else json.dumps(obj))
    return b.getvalue()
if t in ("fuzz_inspect", "fuzz_zip", "fuzz_sniff"):
    members = [("header.json", header), ("samples/1_epoch_1.json", sample),
               ("samples/1_epoch_2.json", dict(sample, epoch=2))]
    put("log.eval", eval_zip(members))
    put("log_stored.eval", eval_zip(members, zipfile.ZIP_STORED))
    put("unfinished.eval", eval_zip([("_journal/start.json", {"eval": header["eval"]}), members[1]]))
    put("log.json", json.dumps(dict(header, samples=[sample])))
if t in ("fuzz_zip", "fuzz_inspect"):
    put("dotdot.eval", eval_zip([("../evil.json", sample), ("samples/2_epoch_1.json", sample)]))
    put("dup.eval", eval_zip([("header.json", header), ("header.json", header)]))
    put("bomb.eval", eval_zip([("samples/1_epoch_1.json", " " * (4 << 20))]))
    whole = eval_zip(members)
    put("cut_central_directory.eval", whole[: len(whole) - 30])
PY
        ;;
    *)
        local fmt=${t#fuzz_}
        copy_seeds "$d" fixtures/"$fmt"/** fixtures/hostile/"$fmt"*
        ;;
    esac
    # saved findings are seeds too, so a fixed bug stays covered
    copy_seeds "$d" fixtures/hostile/fuzz/"$t"/*
    # libFuzzer needs at least one input
    [ -n "$(ls -A "$d")" ] || printf '\n' > "$d/empty"
    echo "$d"
}

# ---- run -------------------------------------------------------------------
export ASAN_OPTIONS="abort_on_error=1:detect_leaks=1:allocator_may_return_null=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$root/scripts/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
export SAYDO_TMP=${SAYDO_TMP:-$(mktemp -d)}
fail=0
summary=()
for t in "${targets[@]}"; do
    bin="$fz/$t"
    [ -x "$bin" ] || { echo "fuzz: $bin not built" >&2; fail=1; continue; }
    seeds=$(make_seeds "$t" | tail -1)
    if [ "$t" = fuzz_store ] && [ "$(ls "$seeds"/*.h5 2> /dev/null | wc -l)" -lt 3 ]; then
        echo "fuzz: fuzz_store: the fuzz build's saydo failed to make the seed stores:" >&2
        head -20 "$fz/seeds/fuzz_store.log" >&2
        summary+=("fuzz_store       FINDING: the seed stores were not made (the CLI failed: $fz/seeds/fuzz_store.log)")
        fail=1
    fi
    corpus="$fz/corpus/$t"
    crashes="$fz/crashes/$t"
    mkdir -p "$corpus" "$crashes"
    dict=()
    [ -f "tests/fuzz/${t#fuzz_}.dict" ] && dict=(-dict="tests/fuzz/${t#fuzz_}.dict")
    log="$fz/$t.log"
    # libFuzzer's default -max_len is the largest seed (at least 4096); FUZZ_MAX_LEN overrides it
    maxlen=()
    [ -n "${FUZZ_MAX_LEN:-}" ] && maxlen=(-max_len="$FUZZ_MAX_LEN")
    if [ "$regress" = 1 ]; then
        args=(-runs=0 "$seeds")
    else
        args=(-max_total_time="$secs" "${maxlen[@]}" -timeout=20 -rss_limit_mb=2048 -print_final_stats=1
              "${dict[@]}" "$corpus" "$seeds")
    fi
    t0=$(date +%s)
    "$bin" -artifact_prefix="$crashes/" "${args[@]}" > "$log" 2>&1
    rc=$?
    t1=$(date +%s)
    execs=$(grep -oE 'stat::number_of_executed_units: [0-9]+' "$log" | awk '{print $2}' | tail -1)
    [ -n "$execs" ] || execs=$(grep -oE '^#[0-9]+' "$log" | tail -1 | tr -d '#')
    ncorp=$(ls "$corpus" | wc -l)
    if [ $rc -eq 0 ]; then res=ok; else res="FINDING (exit $rc, see $log and $crashes)"; fail=1; fi
    line=$(printf '%-16s %10s execs %5d s  corpus %5d  %s' "$t" "${execs:-?}" $((t1 - t0)) "$ncorp" "$res")
    summary+=("$line")
    echo "$line"
done
if [ "$regress" = 1 ]; then echo "---- fuzz summary (replay of seeds and saved findings) ----"
else echo "---- fuzz summary (${secs}s per target) ----"; fi
printf '%s\n' "${summary[@]}"
exit $fail
