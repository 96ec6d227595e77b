#!/bin/bash
# `mpirun -n 2` and `-n 4` of the MPI build's `saydo ingest FILE... -o STORE`
# (files split across ranks, one store written with parallel HDF5) make the
# store a serial ingest of the same files in the same order makes: every
# dataset of the two stores holds the same values (dictionaries, records,
# items, conditions, option maps, provenance; /provenance/time aside),
# `saydo export` and `saydo score` print the same bytes, the quarantine file
# and the per-file summaries are the same. Cases: simulated logs with 2 and 3
# options (the logp column widens), duplicates across files, bad and blank
# lines, a second copy of a file (skipped by its hash), the fixtures' WDCT,
# ValueActionLens and lm-eval files (option maps, checkpoint facts, labels,
# provenance meta), small parse ranges (many parts per file), --keep-text, an
# append to a store a serial ingest made (its last chunk half full), a serial
# append to a store the MPI ingest made, more ranks than files. Failures: a
# malformed file under --strict, and a rank failing after its rows are in the
# shadow (SAYDO_TEST_MPI_FAIL), leave the earlier store as it was (same
# bytes, no shadow left, the lock free), and a new store is not created.
# The MPI binary and the serial one are found as in mpi_score.sh. Skips (77)
# when there is no MPI build or no mpirun.
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
is_mpi() { ldd "$1" 2> /dev/null | grep -q libmpi; }
mpi_bin=${SAYDO_MPI_BIN:-}
if [ -z "$mpi_bin" ]; then
    if is_mpi "$SAYDO_BIN"; then mpi_bin=$SAYDO_BIN; else mpi_bin=${SAYDO_SRC:-.}/build-mpi/saydo; fi
fi
if [ ! -x "$mpi_bin" ] || ! command -v mpirun > /dev/null; then
    echo "skipped: no MPI build at $mpi_bin or no mpirun (cmake -S . -B build-mpi -DSAYDO_MPI=ON)"
    exit 77
fi
serial=$SAYDO_BIN
is_mpi "$serial" && serial=$mpi_bin
fx=${SAYDO_FIXTURES:-${SAYDO_SRC:-.}/fixtures}
PY=/usr/bin/python3
dir="$SAYDO_TMP/mpi_ingest"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }
mpi() { mpirun --oversubscribe --allow-run-as-root -n "$@"; }   # ranks inherit the environment (one node)
# small parse ranges: every simulated file is many parts, in both builds alike;
# and the ranks write their rows 5,000 at a time (many collective writes, their
# slices crossing from one file's rows to the next)
export SAYDO_INGEST_CHUNK=65536 SAYDO_MPI_WRITE_ROWS=5000

# ---- the inputs -------------------------------------------------------------
sim() { "$serial" simulate --quiet "$@" || die "simulate $*"; }
sim --models 2 --items 300 --trials 2 --seed 1 --domains Alpha:1:al -o "$dir/a.jsonl"
sim --models 2 --items 200 --trials 1 --seed 2 --options 3 --domains Beta:1:be -o "$dir/b.jsonl"
sim --models 3 --items 150 --trials 1 --seed 3 --domains Gamma:1:ga --no-checkpoints -o "$dir/c.jsonl"
# records of a and b again (duplicates across files), a bad line and a blank one
{ sed -n '2001,2600p' "$dir/a.jsonl"; echo '{"model":"m01","item":'; echo; sed -n '1,300p' "$dir/b.jsonl"; } > "$dir/d.jsonl"
cp "$dir/c.jsonl" "$dir/c_again.jsonl"   # the same content: skipped by its hash
files=("$dir/a.jsonl" "$fx/wdct/WDCT_NE_result_toy-1b_toy-1b-lora-sft_2.0_0.0_3_shot_cot.csv" "$dir/b.jsonl"
       "$fx/va/toyA_t1.csv" "$dir/d.jsonl" "$fx/wdct/WDCT_result_toy-1b_0.7_normal.csv" "$dir/c.jsonl"
       "$fx"/eco/samples_wdct_word_*.jsonl "$dir/c_again.jsonl" "$fx/jsonl/bad_mixed.jsonl")

same_store() {   # serial store, other store: every dataset and the root and /records attributes
    "$PY" - "$1" "$2" <<'PY'
import sys, h5py, numpy as np
a, b = h5py.File(sys.argv[1], "r"), h5py.File(sys.argv[2], "r")
def walk(g, path, out):
    for k in g:
        p = path + "/" + k
        walk(g[k], p, out) if isinstance(g[k], h5py.Group) else out.__setitem__(p, g[k])
    return out
da, db = walk(a, "", {}), walk(b, "", {})
bad = [("datasets only in one", sorted(set(da) ^ set(db)))] if set(da) != set(db) else []
for p in sorted(set(da) & set(db)):
    if p == "/provenance/time":
        continue
    x, y = da[p][...], db[p][...]
    if x.dtype != y.dtype or x.shape != y.shape:
        bad.append((p, x.dtype, x.shape, y.dtype, y.shape))
    elif x.dtype.kind == "f":   # the bits: NaN cells too
        if not np.array_equal(x.view("u%d" % x.dtype.itemsize), y.view("u%d" % y.dtype.itemsize)):
            bad.append((p, "values"))
    elif not np.array_equal(x, y):
        bad.append((p, "values"))
for p in ("/", "/records"):
    ka, kb = dict(a[p].attrs), dict(b[p].attrs)
    if sorted(ka) != sorted(kb) or any(np.any(ka[k] != kb[k]) for k in ka):
        bad.append((p, "attributes", ka, kb))
if len(da) < 20:
    bad.append(("too few datasets", len(da)))
for x in bad:
    print(x)
sys.exit(1 if bad else 0)
PY
}

summary() {   # the per-file lines and totals, without speeds, reader notes and the store's name
    sed -e 's/ ([0-9.]* MB\/s)$//' -e '/^saydo: /d' -e 's/quarantined in .*/quarantined in STORE/' "$1"
}

compare() {   # name, serial store, MPI store, ranks
    local name=$1 s=$2 p=$3
    same_store "$s" "$p" > "$dir/$name.h5diff" 2>&1 || die "$name: the stores differ: $(head -5 "$dir/$name.h5diff")"
    "$serial" export "$s" > "$dir/$name.s.export" 2> /dev/null || die "$name: export of the serial store"
    "$serial" export "$p" > "$dir/$name.p.export" 2> /dev/null || die "$name: export of the MPI store"
    [ -s "$dir/$name.s.export" ] && cmp -s "$dir/$name.s.export" "$dir/$name.p.export" ||
        die "$name: export differs: $(diff "$dir/$name.s.export" "$dir/$name.p.export" | head -3)"
    "$serial" score "$s" --by model,condition,domain --metrics cs,pcs --format csv > "$dir/$name.s.score" 2>&1 ||
        die "$name: score of the serial store: $(head -2 "$dir/$name.s.score")"
    "$serial" score "$p" --by model,condition,domain --metrics cs,pcs --format csv > "$dir/$name.p.score" 2>&1 ||
        die "$name: score of the MPI store"
    [ "$(wc -l < "$dir/$name.s.score")" -gt 5 ] && cmp -s "$dir/$name.s.score" "$dir/$name.p.score" ||
        die "$name: score differs: $(diff "$dir/$name.s.score" "$dir/$name.p.score" | head -3)"
    if [ -e "$s.quarantine.jsonl" ] || [ -e "$p.quarantine.jsonl" ]; then
        cmp -s "$s.quarantine.jsonl" "$p.quarantine.jsonl" || die "$name: the quarantine files differ"
    fi
    [ ! -e "$p.saydo-tmp" ] || die "$name: a shadow file was left"
}

# ---- 1. a new store from every file, serial against 2 and 4 ranks --------------
"$serial" ingest "${files[@]}" -o "$dir/s.h5" 2> "$dir/s.err" || die "serial ingest: $(tail -2 "$dir/s.err")"
grep -q "c_again.jsonl: already in the store" "$dir/s.err" || die "serial: the copy was not skipped"
grep -q "d.jsonl: jsonl, 902 lines: 0 records stored, 900 duplicates, 1 quarantined, 1 blank lines" "$dir/s.err" ||
    die "serial: d.jsonl summary: $(grep d.jsonl "$dir/s.err")"
for n in 2 4; do
    mpi $n "$mpi_bin" ingest "${files[@]}" -o "$dir/p$n.h5" 2> "$dir/p$n.err" || die "-n $n: $(tail -3 "$dir/p$n.err")"
    compare "new-n$n" "$dir/s.h5" "$dir/p$n.h5"
    cmp -s <(summary "$dir/s.err") <(summary "$dir/p$n.err") ||
        die "-n $n: the summaries differ: $(diff <(summary "$dir/s.err") <(summary "$dir/p$n.err") | head -4)"
done

# ---- 2. --keep-text (the text column), 3 ranks ----------------------------------
"$serial" ingest -q --keep-text "$dir/a.jsonl" "$dir/d.jsonl" "$dir/b.jsonl" -o "$dir/ts.h5" 2> /dev/null ||
    die "serial --keep-text"
mpi 3 "$mpi_bin" ingest -q --keep-text "$dir/a.jsonl" "$dir/d.jsonl" "$dir/b.jsonl" -o "$dir/tp.h5" 2> "$dir/tp.err" ||
    die "--keep-text -n 3: $(tail -2 "$dir/tp.err")"
compare keep-text "$dir/ts.h5" "$dir/tp.h5"
grep -q '"response":"' "$dir/keep-text.p.export" || die "--keep-text: no response text exported"

# ---- 3. appending to a store a serial ingest made ------------------------------
"$serial" ingest -q "$dir/c.jsonl" "$dir/d.jsonl" -o "$dir/as.h5" 2> /dev/null || die "serial base store"
cp "$dir/as.h5" "$dir/ap.h5"
cp "$dir/as.h5.quarantine.jsonl" "$dir/ap.h5.quarantine.jsonl"
"$serial" ingest -q "${files[@]}" -o "$dir/as.h5" 2> /dev/null || die "serial append"
mpi 2 "$mpi_bin" ingest -q "${files[@]}" -o "$dir/ap.h5" 2> "$dir/ap.err" || die "-n 2 append: $(tail -2 "$dir/ap.err")"
compare append "$dir/as.h5" "$dir/ap.h5"
# and a serial ingest appending to the store the ranks wrote
"$serial" ingest -q --force "$dir/b.jsonl" "$fx/jsonl/good_a.jsonl" -o "$dir/p2.h5" 2> /dev/null || die "serial append to the MPI store"
"$serial" ingest -q --force "$dir/b.jsonl" "$fx/jsonl/good_a.jsonl" -o "$dir/s.h5" 2> /dev/null || die "serial append"
compare serial-after-mpi "$dir/s.h5" "$dir/p2.h5"

# ---- 4. more ranks than files ---------------------------------------------------
"$serial" ingest -q "$dir/b.jsonl" -o "$dir/one_s.h5" 2> /dev/null || die "serial, one file"
mpi 4 "$mpi_bin" ingest -q "$dir/b.jsonl" -o "$dir/one_p.h5" 2> "$dir/one.err" || die "-n 4, one file: $(tail -2 "$dir/one.err")"
compare one-file "$dir/one_s.h5" "$dir/one_p.h5"

# ---- 5. failures leave the earlier store as it was -------------------------------
cp "$dir/as.h5" "$dir/keep.h5"
cp "$dir/as.h5" "$dir/f.h5"
sim --models 1 --items 40 --trials 1 --seed 9 --domains Delta:1:de -o "$dir/e.jsonl"
{ head -n 30 "$dir/e.jsonl"; echo '{"model":"m01","item":"x","side":"word","choice":7,"n_options":2}'; } > "$dir/e_bad.jsonl"
mpi 2 "$mpi_bin" ingest --strict "$dir/e.jsonl" "$dir/c.jsonl" "$dir/e_bad.jsonl" -o "$dir/f.h5" > /dev/null 2> "$dir/strict.err" &&
    die "--strict with a malformed file: exit 0"
grep -q "e_bad.jsonl:31: .*--strict: stopping" "$dir/strict.err" || die "--strict: no file:line reason: $(tail -2 "$dir/strict.err")"
cmp -s "$dir/f.h5" "$dir/keep.h5" || die "--strict under mpirun changed the store"
SAYDO_TEST_MPI_FAIL=1 mpi 2 "$mpi_bin" ingest "$dir/e.jsonl" "$dir/a.jsonl" -o "$dir/f.h5" > /dev/null 2> "$dir/rank.err" &&
    die "a failing rank: exit 0"
grep -q "rank 1: failing on purpose" "$dir/rank.err" || die "a failing rank: not reported: $(tail -2 "$dir/rank.err")"
cmp -s "$dir/f.h5" "$dir/keep.h5" || die "a failing rank changed the store"
[ ! -e "$dir/f.h5.saydo-tmp" ] || die "a failed ingest left its shadow"
SAYDO_TEST_MPI_FAIL=0 mpi 2 "$mpi_bin" ingest "$dir/e.jsonl" "$dir/a.jsonl" -o "$dir/new.h5" > /dev/null 2>&1 &&
    die "a failing rank 0: exit 0"
[ ! -e "$dir/new.h5" ] || die "a failed ingest created the store"
# the lock was released: the same ingest now goes through, as a serial one does
mpi 2 "$mpi_bin" ingest -q "$dir/e.jsonl" -o "$dir/f.h5" 2> "$dir/after.err" || die "after the failures: $(tail -2 "$dir/after.err")"
"$serial" ingest -q "$dir/e.jsonl" -o "$dir/keep.h5" 2> /dev/null || die "serial e.jsonl"
compare after-failures "$dir/keep.h5" "$dir/f.h5"
exit $fail
