#!/bin/bash
# saydo table --format latex compiles: pdflatex (-halt-on-error) on a document
# holding the tables of analysis/wdct.spec and alignment.spec, the golden
# conditions spec (stars, margins, ±), a table* scaled with \resizebox with
# negative numbers and special characters, two row fields and three header
# levels. Skipped when pdflatex or booktabs.sty is not installed
# (texlive-latex-base + texlive-latex-recommended: ~45 MB download).
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
src=${SAYDO_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
command -v pdflatex >/dev/null || { echo "skipped: no pdflatex (apt-get install texlive-latex-base texlive-latex-recommended)" >&2; exit 77; }
command -v kpsewhich >/dev/null && kpsewhich booktabs.sty >/dev/null || { echo "skipped: no booktabs.sty" >&2; exit 77; }
dir="$SAYDO_TMP/table_pdflatex"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" simulate --quiet --seed 7 --models 3 --items 200 -o "$dir/sim.jsonl"
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/sim.h5" 2>/dev/null
T() {
    local out=$1
    shift
    "$SAYDO_BIN" table "$dir/sim.h5" --resamples 300 -f latex -o "$dir/$out" "$@" 2>"$dir/err" || {
        echo "saydo table $* failed:" >&2; cat "$dir/err" >&2; exit 1; }
}
T wdct.tex --spec "$src/analysis/wdct.spec"
T alignment.tex --spec "$src/analysis/alignment.spec"
T conditions.tex --spec "$src/tests/golden/table/conditions.spec"
T deltas.tex --rows model --cols condition --cells delta_cs,delta_pcs --set wide=yes --set fit=yes \
    --title '50% & more_of {it} ~ #1 <x> ^' --label tab:deltas --note 'Deltas: $\Delta$ = checkpoint $-$ base.'
T two_rows.tex --rows model,domain --cols condition --cells cs --baseline model=m01 --bold auto --margins both \
    --ci-style pm --title 'CS by model and domain'
T counts.tex --rows model --cols method,round --cells n,n_dropped --ci none --caption 'Counts, $n$ in pairs'
cat > "$dir/doc.tex" <<'TEX'
\documentclass{article}
\usepackage[T1]{fontenc}
\usepackage[utf8]{inputenc}
\usepackage{booktabs}
\usepackage{graphicx}
\begin{document}
\input{wdct.tex}
\input{alignment.tex}
\input{conditions.tex}
\input{deltas.tex}
\input{two_rows.tex}
\input{counts.tex}
\end{document}
TEX
(cd "$dir" && pdflatex -interaction=nonstopmode -halt-on-error doc.tex > pdflatex.out 2>&1) || {
    echo "pdflatex failed:" >&2
    grep -A5 '^!' "$dir/doc.log" >&2 || tail -30 "$dir/pdflatex.out" >&2
    exit 1
}
[ -s "$dir/doc.pdf" ] || { echo "no PDF" >&2; exit 1; }
if grep -E 'Undefined control sequence|Missing .* inserted|Runaway argument' "$dir/doc.log" >&2; then exit 1; fi
pages=$(grep -o 'Output written on doc.pdf ([0-9]* page' "$dir/doc.log" | grep -o '[0-9]* page' | grep -o '[0-9]*')
[ "${pages:-0}" -ge 2 ] || { echo "only ${pages:-0} pages" >&2; exit 1; }
if command -v pdftotext >/dev/null; then   # the numbers made it into the PDF
    pdftotext "$dir/doc.pdf" "$dir/doc.txt"
    for want in "Consistency between words and deeds" "0.75" "round 1" "50% & more_of {it}"; do
        grep -qF "$want" "$dir/doc.txt" || { echo "the PDF lacks '$want'" >&2; exit 1; }
    done
fi
echo "ok: 6 tables compiled, $pages pages"
