#!/usr/bin/env bash
# make demo: simulate a WDCT-shaped study (12 models, four domains, base plus
# SFT and DPO rounds), ingest it, score it, and print the tables; then the
# same on the real WDCT files when ../shared/wdct_data is present. The paper
# tables (saydo table with analysis/*.spec) print in Markdown, with LaTeX and
# CSV written to demo-out/tables/.
set -euo pipefail
SAYDO=${1:-build/saydo}
here=$(cd "$(dirname "$0")/.." && pwd)
out=${SAYDO_DEMO_OUT:-$here/demo-out}
mkdir -p "$out"
rm -f "$out"/demo.h5 "$out"/demo.h5.* "$out"/wdct.h5 "$out"/wdct.h5.*

echo "== 1. simulate: 12 models x 1225 items x (base + sft-r1, sft-r2, dpo-r1, dpo-r2), planted truth"
"$SAYDO" simulate --seed 1 -o "$out/demo.jsonl" --truth "$out/demo.truth.json"
echo
echo "== 2. ingest"
"$SAYDO" ingest "$out/demo.jsonl" -o "$out/demo.h5" -q
echo
echo "== 3. score: CS and PCS by model (base), then by condition"
"$SAYDO" score "$out/demo.h5" --by model --where condition=base --metrics cs,pcs
"$SAYDO" score "$out/demo.h5" --by condition --metrics cs,pcs,jsd,kl --save by_condition
"$SAYDO" score "$out/demo.h5" --by model,domain --metrics cs,pcs --format csv > "$out/cs_pcs_by_model_domain.csv"
echo "(CSV written: $out/cs_pcs_by_model_domain.csv)"

echo
echo "== 3b. paper tables (analysis/*.spec): Markdown here; LaTeX and CSV in $out/tables/"
mkdir -p "$out/tables"
paper_table() {   # store, spec name: Markdown on the terminal, .tex and .csv beside, from one computation
  local store=$1 name=$2
  echo
  "$SAYDO" table "$store" --spec "$here/analysis/$name.spec" -o - -o "$out/tables/$name.tex" \
    -o "$out/tables/$name.csv" 2>"$out/tables/$name.log" || { cat "$out/tables/$name.log" >&2; return 1; }
}
paper_table "$out/demo.h5" wdct
paper_table "$out/demo.h5" checkpoints
paper_table "$out/demo.h5" alignment
echo
echo "(LaTeX and CSV written: $out/tables/{wdct,checkpoints,alignment}.{tex,csv}; the .tex need \\usepackage{booktabs})"

shared="$here/../shared/wdct_data/repro_mistral-7b"
if [ -d "$shared" ]; then
  echo
  echo "== 4. the real WDCT files (mistral-7b, full test and five aligned checkpoints)"
  "$SAYDO" ingest "$shared"/WDCT_*.csv -o "$out/wdct.h5" -q
  "$SAYDO" score "$out/wdct.h5" --by variant,condition,domain --metrics cs,pcs
else
  echo
  echo "== 4. skipped: ../shared/wdct_data not found (the real-data part of the demo needs it)"
fi

va="$here/../shared/valueaction_data"
sr="$here/../shared/statedrevealed_data"
echo
if [ -f "$va/gpt-4o-mini_t1.csv" ] && [ -d "$sr/prompts" ]; then
  echo "== 5. the other studies' tables: ValueActionLens (the authors' GPT-4o-mini files) and stated vs revealed"
  echo "   (replies simulated over the authors' prompt design)"
  rm -f "$out"/va.h5 "$out"/va.h5.* "$out"/sr.h5 "$out"/sr.h5.*
  rm -rf "$out/sr_replies"
  "$SAYDO" ingest -q "$va/gpt-4o-mini_t1.csv" "$va/gpt-4o-mini_task2_choices.csv" -o "$out/va.h5" 2>/dev/null
  paper_table "$out/va.h5" valueaction
  paper_table "$out/va.h5" valueaction_topic
  "$SAYDO" simulate --study stated-revealed --design "$sr" -o "$out/sr_replies" --models 3 -q
  find "$out/sr_replies" -name '*.json' -print0 | xargs -0 "$SAYDO" ingest -q -f statedrevealed -o "$out/sr.h5" 2>/dev/null
  paper_table "$out/sr.h5" stated_revealed
  paper_table "$out/sr.h5" stated_revealed_pivot
else
  echo "== 5. skipped: ../shared/valueaction_data or statedrevealed_data not found"
fi
