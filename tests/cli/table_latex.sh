#!/bin/bash
# saydo table --format latex is well-formed LaTeX: for several layouts (one and
# two header levels, several metrics per column, margins, stars, negative
# numbers, two row fields, special characters, table* and \resizebox) every
# environment closes, braces and math shifts balance, every tabular row has
# as many cells as the column spec (\multicolumn spans counted), the rules are
# booktabs' and caption and label are there. Compiling is
# tests/cli/table_pdflatex.sh (skipped without pdflatex).
set -euo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
src=${SAYDO_SRC:-$(cd "$(dirname "$0")/../.." && pwd)}
PY=/usr/bin/python3
[ -x "$PY" ] || { echo "skipped: no $PY" >&2; exit 77; }
dir="$SAYDO_TMP/table_latex"
rm -rf "$dir" && mkdir -p "$dir"
"$SAYDO_BIN" simulate --quiet --seed 7 --models 3 --items 200 -o "$dir/sim.jsonl"
"$SAYDO_BIN" ingest -q "$dir/sim.jsonl" -o "$dir/sim.h5" 2>/dev/null
T() {
    local out=$1
    shift
    "$SAYDO_BIN" table "$dir/sim.h5" --resamples 500 -f latex -o "$dir/$out" "$@" 2>"$dir/err" || {
        echo "saydo table $* failed:" >&2; cat "$dir/err" >&2; exit 1; }
}
T wdct.tex --spec "$src/analysis/wdct.spec"
T conditions.tex --spec "$src/tests/golden/table/conditions.spec"
T alignment.tex --spec "$src/analysis/alignment.spec"
T deltas.tex --rows model --cols condition --cells delta_cs,delta_pcs --ci bca --set wide=yes --set fit=yes \
    --title '50% & more_of {it} ~ #1' --label tab:deltas
T two_rows.tex --rows model,domain --cols condition --cells cs --baseline model=m01 --bold auto --margins both \
    --ci-style pm --test signflip --resamples 300 --title "CS by model and domain"
T counts.tex --rows model --cols method,round --cells n,n_dropped --ci none --caption 'Counts, $n$ in pairs'
"$PY" - "$dir"/*.tex <<'PYEOF'
import re, sys
fails = []
def strip_escapes(s):
    return re.sub(r"\\[{}&$%#_]", "", s)
for path in sys.argv[1:]:
    tex = open(path).read()
    name = path.rsplit("/", 1)[1]
    body = strip_escapes(tex)
    # environments
    stack = []
    for m in re.finditer(r"\\(begin|end)\{([^}]*)\}", tex):
        if m.group(1) == "begin": stack.append(m.group(2))
        elif not stack or stack.pop() != m.group(2): fails.append(f"{name}: \\end{{{m.group(2)}}} unmatched")
    if stack: fails.append(f"{name}: unclosed {stack}")
    # braces
    depth = 0
    for ch in body:
        depth += (ch == "{") - (ch == "}")
        if depth < 0: fails.append(f"{name}: '}}' without '{{'"); break
    if depth: fails.append(f"{name}: {depth} unclosed braces")
    for rule in ("\\toprule", "\\midrule", "\\bottomrule"):
        if rule not in tex: fails.append(f"{name}: no {rule}")
    if "\\hline" in tex: fails.append(f"{name}: \\hline (booktabs rules only)")
    if "\\caption{" not in tex: fails.append(f"{name}: no caption")
    # cells per row
    m = re.search(r"\\begin\{tabular\}\{(.*?)\}\n(.*?)\\end\{tabular\}", tex, re.S)
    if not m: fails.append(f"{name}: no tabular"); continue
    spec = re.sub(r"@\{[^}]*\}", "", m.group(1))
    ncol = len(re.findall(r"[lcr]", spec))
    rows = m.group(2).split("\\\\\n")
    for row in rows[:-1]:
        row = re.sub(r"\\(toprule|midrule|bottomrule|cmidrule\(lr\)\{[^}]*\})\n?", "", row)
        r = strip_escapes(row)
        cells = r.count("&") + 1 + sum(int(k) - 1 for k in re.findall(r"\\multicolumn\{(\d+)\}", r))
        if cells != ncol: fails.append(f"{name}: {cells} cells, {ncol} columns in: {row[:120]}")
        if r.count("$") % 2: fails.append(f"{name}: unbalanced $ in: {row[:120]}")
    note = tex[tex.index("\\end{tabular}"):]
    if strip_escapes(note).count("$") % 2: fails.append(f"{name}: unbalanced $ in the footnote")
tex = open([p for p in sys.argv[1:] if p.endswith("deltas.tex")][0]).read()
for want in ("\\begin{table*}", "\\resizebox{\\linewidth}{!}{%", "\\caption{50\\% \\& more\\_of \\{it\\} \\textasciitilde{} \\#1}",
             "\\label{tab:deltas}", "$-$"):
    if want not in tex: fails.append(f"deltas.tex lacks {want}")
if "\\caption{Counts, $n$ in pairs}" not in open([p for p in sys.argv[1:] if p.endswith("counts.tex")][0]).read():
    fails.append("a caption is written as given (LaTeX)")
if fails:
    print(len(fails), "problems:", *fails[:20], sep="\n  ")
    sys.exit(1)
print(f"ok: {len(sys.argv) - 1} LaTeX tables well-formed")
PYEOF
