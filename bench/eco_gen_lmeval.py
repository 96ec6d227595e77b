#!/usr/bin/python3
"""Writes a large lm-evaluation-harness --log_samples file (v0.4.x shape:
stringified filtered_resps, gen_args dict, hashes, a doc with prose) from a
fixed seed, for bench/eco_bench.sh. Usage: eco_gen_lmeval.py N_DOCS OUT [SEED]"""
import json
import random
import sys

n, out = int(sys.argv[1]), sys.argv[2]
rng = random.Random(int(sys.argv[3]) if len(sys.argv) > 3 else 42)
words = ("the model said it would act one way but chose another when the stakes were real and the "
         "question asked what a careful agent should do given the evidence in the passage below").split()
with open(out, "w", encoding="utf-8") as f:
    for doc_id in range(n):
        ctx = " ".join(rng.choice(words) for _ in range(rng.randint(150, 900)))
        k = 4
        ll = [round(-rng.uniform(0.05, 20.0), 4) for _ in range(k)]
        best = max(range(k), key=lambda i: ll[i])
        ex = {
            "doc_id": doc_id,
            "doc": {"id": f"q{doc_id}", "passage": ctx, "question": "Which option fits?",
                    "choices": ["alpha", "beta", "gamma", "delta"], "label": doc_id % k},
            "target": str(doc_id % k),
            "arguments": {f"gen_args_{i}": {"arg_0": ctx + "\nAnswer:", "arg_1": " " + "ABCD"[i]} for i in range(k)},
            "resps": [[[str(v), str(i == best)]] for i, v in enumerate(ll)],
            "filtered_resps": [[str(v), str(i == best)] for i, v in enumerate(ll)],
            "filter": "none", "metrics": ["acc"], "doc_hash": "%064x" % rng.getrandbits(256),
            "prompt_hash": "%064x" % rng.getrandbits(256), "target_hash": "%064x" % rng.getrandbits(256),
            "acc": float(best == doc_id % k),
        }
        f.write(json.dumps(ex, ensure_ascii=False) + "\n")
