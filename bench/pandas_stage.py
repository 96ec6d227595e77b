#!/usr/bin/python3
"""The pairing + CS/PCS stage of the reference pipeline, timed alone.

pandas_stage.py STORE.h5 [--repeat R]

Does exactly what ../shared/bench/peer_pipeline.py does between its HDF5
write and its bootstrap: the word/deed join on (model, condition, item,
trial, domain), the per-pair label and PCS (softmax of the two logprobs,
1 - scipy jensenshannon(base=2)**2), and the per-group means of label (CS)
and PCS by (model, condition, domain). The data frame is built first, with
the column types pandas.read_json gives (strings as Python objects), from a
saydo store via h5py, so the JSONL read (49 s) is not timed; only the stage
is. Prints one JSON line: stage_s (the fastest of R runs) and its CPU seconds, groups, peak_rss_mb
(the whole process, data frame included), and the first group's figures.
Needs Debian's python3-numpy, -pandas, -scipy, -h5py.
"""
import argparse, json, resource, time
import h5py, numpy as np, pandas as pd
from scipy.spatial.distance import jensenshannon

ap = argparse.ArgumentParser()
ap.add_argument("store"); ap.add_argument("--repeat", type=int, default=3)
a = ap.parse_args()

with h5py.File(a.store, "r") as h:
    r, dct = h["records"], h["dict"]
    def strs(name):
        return np.array([s.decode() if isinstance(s, bytes) else s for s in dct[name][...]], dtype=object)
    models, conds, items, sides, domains = (strs(x) for x in ("model", "condition", "item", "side", "domain"))
    item_dom = h["items/domain"][...]
    item = r["item"][...]
    choice = r["choice"][...]
    logp = r["logp"][...].astype(np.float64)
    letters = np.array([None] + [chr(65 + i) for i in range(26)], dtype=object)
    df = pd.DataFrame({
        "model": models[r["model"][...]], "condition": conds[r["condition"][...]], "item": items[item],
        "domain": domains[item_dom[item]], "side": sides[r["side"][...]], "trial": r["trial"][...].astype(np.int64),
        "choice": letters[np.where(choice >= 0, choice + 1, 0)], "lpA": logp[:, 0], "lpB": logp[:, 1]})

def stage(df):
    # peer_pipeline.py, lines "key = ..." to the group loop, without the bootstrap
    key = ["model", "condition", "item", "trial", "domain"]
    w = df[df.side == "word"].set_index(key); d = df[df.side == "deed"].set_index(key)
    j = w.join(d, lsuffix="_w", rsuffix="_d", how="inner").reset_index()
    j["label"] = (j.choice_w == j.choice_d).astype(float)
    def probs(a_, b_):
        m = np.maximum(a_, b_); ea = np.exp(a_ - m); eb = np.exp(b_ - m); s = ea + eb
        return np.stack([ea / s, eb / s], axis=1)
    P = probs(j.lpA_w.values, j.lpB_w.values); Q = probs(j.lpA_d.values, j.lpB_d.values)
    j["pcs"] = 1 - jensenshannon(P, Q, base=2, axis=1) ** 2
    rows = []
    for g, s in j.groupby(["model", "condition", "domain"]):
        rows.append(list(g) + [s["label"].values.mean(), s["pcs"].values.mean(), len(s)])
    return rows

best = cpu = None
for _ in range(a.repeat):
    t0, c0 = time.perf_counter(), time.process_time(); rows = stage(df)
    t1, c1 = time.perf_counter(), time.process_time()
    if best is None or t1 - t0 < best:
        best, cpu = t1 - t0, c1 - c0
peak = resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024
print(json.dumps({"stage_s": round(best, 3), "stage_cpu_s": round(cpu, 3), "groups": len(rows), "peak_rss_mb": round(peak, 1),
                  "first": {"group": rows[0][:3], "cs": rows[0][3], "pcs": rows[0][4], "n": rows[0][5]}}))
