#!/usr/bin/python3
"""Independent reading of the harness logs in ../shared/ecosystem_samples.

Reads every file with Python's own json and zipfile modules (zstd members
through the `zstd` command-line tool, since Debian's python3 has no zstd
module) following each tool's documented layout (FORMATS.md there), and
writes what saydo must find: the record count per file and, per record, the
chosen option and the per-option probabilities.

  lm-eval:  one record per line; ll_k = float(filtered_resps[k][0]) (float()
            reads the stringified "-10.125"); choice = numpy.argmax(ll) (the
            harness's own `acc` rule); probs = softmax(ll).
  inspect:  one record per samples/<id>_epoch_<n>.json member (or per sample
            of a .json log); choice = letter of scores.choice.answer when the
            sample has choices; no option distribution (no logprobs logged).
  HELM:     one record per request state (joint method); choice = the letter
            of the completion text in output_mapping; no distribution (HELM's
            HF client logged only the sampled token, logprob 0). The run
            directory is one input; its per_instance_stats.json, named alone,
            reads the scenario_state.json beside it (the same records).
  companion files, written beside the logs with no per-sample records: 0
            records (lm-eval's results_<date>.json, which only aggregates;
            HELM's run_spec.json, scenario.json and stats.json).

Non-multiple-choice samples (no choices) are written with choice "-".
Usage: eco_golden.py SHARED_DIR > eco_golden.tsv
"""
import json
import os
import struct
import subprocess
import sys
import zipfile

import numpy as np


def softmax(x):
    x = np.asarray(x, dtype=np.float64)
    e = np.exp(x - x.max())
    return e / e.sum()


def lmeval(path):
    rows = []
    with open(path, encoding="utf-8") as f:
        for line in f:
            if not line.strip():
                continue
            d = json.loads(line)
            ll = [float(r[0]) for r in d["filtered_resps"]]
            rows.append((str(d["doc_id"]), 0, int(np.argmax(ll)), softmax(ll)))
    return rows


def zip_member(path, info):
    if info.compress_type != 93:
        with zipfile.ZipFile(path) as z:
            return z.read(info.filename)
    with open(path, "rb") as f:   # zstd: the raw member after its local header
        f.seek(info.header_offset)
        h = f.read(30)
        nl, el = struct.unpack("<HH", h[26:30])
        f.seek(info.header_offset + 30 + nl + el)
        raw = f.read(info.compress_size)
    return subprocess.run(["zstd", "-d", "-c"], input=raw, capture_output=True, check=True).stdout


def inspect_sample(s):
    choice = "-"
    if s.get("choices"):
        ans = (s.get("scores") or {}).get("choice", {}).get("answer")
        choice = ord(ans) - ord("A")
    return (str(s["id"]), s["epoch"] - 1, choice, None)


def inspect(path):
    if zipfile.is_zipfile(path):
        with zipfile.ZipFile(path) as z:
            infos = [i for i in z.infolist() if i.filename.startswith("samples/")]
        return [inspect_sample(json.loads(zip_member(path, i))) for i in infos]
    with open(path, encoding="utf-8") as f:
        return [inspect_sample(s) for s in json.load(f)["samples"]]


def helm(path):
    with open(os.path.join(path, "scenario_state.json"), encoding="utf-8") as f:
        st = json.load(f)
    rows = []
    for rs in st["request_states"]:
        letter = rs["result"]["completions"][0]["text"].strip()
        keys = list(rs["output_mapping"].keys())
        rows.append((rs["instance"]["id"], rs["train_trial_index"], keys.index(letter), None))
    return rows


def no_records(path):
    """A companion file: aggregates or set-up, no per-sample list in it."""
    with open(path, encoding="utf-8") as f:
        d = json.load(f)
    if isinstance(d, dict):
        assert "samples" not in d and "request_states" not in d, path
    else:   # HELM stats.json: aggregate stats, one per metric name and split
        assert all("count" in x and "name" in x for x in d), path
    return []


def main():
    base = os.path.join(sys.argv[1], "ecosystem_samples")
    files = []
    for sub, reader in (("lm_eval_harness", lmeval), ("inspect_ai", inspect)):
        for name in sorted(os.listdir(os.path.join(base, sub))):
            if name.endswith((".jsonl", ".json", ".eval")):
                files.append((f"{sub}/{name}", no_records if "results_" in name else reader))
    for name in sorted(os.listdir(os.path.join(base, "helm"))):
        if os.path.isdir(os.path.join(base, "helm", name)):
            files.append((f"helm/{name}", helm))
            for member in sorted(os.listdir(os.path.join(base, "helm", name))):
                rel = f"helm/{name}/{member}"
                if member == "per_instance_stats.json":
                    files.append((rel, lambda p: helm(os.path.dirname(p))))
                elif member != "scenario_state.json":   # that one is the directory's records, above
                    files.append((rel, no_records))
    print("# written by tests/reference/eco_golden.py from ../shared/ecosystem_samples; do not edit")
    print("# records<TAB>file<TAB>count | rec<TAB>file<TAB>item<TAB>trial<TAB>choice<TAB>probs (comma-separated, - = none)")
    for rel, reader in files:
        rows = reader(os.path.join(base, rel))
        print(f"records\t{rel}\t{len(rows)}")
        for item, trial, choice, p in sorted(rows, key=lambda r: (r[0], r[1])):
            ps = "-" if p is None else ",".join(repr(float(v)) for v in p)
            print(f"rec\t{rel}\t{item}\t{trial}\t{choice}\t{ps}")


if __name__ == "__main__":
    main()
