#!/bin/bash
# The MPI build (build-mpi, cmake -DSAYDO_MPI=ON) under `mpirun -n 2` and
# `-n 4` prints the same bytes as the serial build for `saydo score` (point
# estimates, BCa intervals, a stratified percentile bootstrap) and `saydo
# compare` (paired bootstrap deltas), same seeds. The truth is the serial
# build's output. Skips (77) when there is no MPI build or no mpirun.
# The MPI binary: SAYDO_MPI_BIN, else SAYDO_BIN when it links libmpi, else
# $SAYDO_SRC/build-mpi/saydo. The serial one: SAYDO_BIN when it does not link
# libmpi, else the MPI binary run without mpirun (one rank).
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
dir="$SAYDO_TMP/mpi_score"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }
mpi() { mpirun --oversubscribe --allow-run-as-root -n "$@"; }

"$serial" simulate --quiet --models 3 --items 300 --trials 2 --seed 11 -o "$dir/sim.jsonl" || die simulate
"$serial" ingest -q "$dir/sim.jsonl" -o "$dir/s.h5" || die ingest

check() {   # name, arguments of saydo...
    local name=$1
    shift
    "$serial" "$@" --format csv > "$dir/$name.serial" 2> "$dir/$name.err" || die "$name serial: $(head -2 "$dir/$name.err")"
    [ -s "$dir/$name.serial" ] || die "$name: no serial output"
    for n in 2 4; do
        mpi $n "$mpi_bin" "$@" --threads 1 --format csv > "$dir/$name.n$n" 2> "$dir/$name.err" ||
            die "$name -n $n: $(head -3 "$dir/$name.err")"
        cmp -s "$dir/$name.serial" "$dir/$name.n$n" ||
            die "$name: mpirun -n $n differs from serial: $(diff "$dir/$name.serial" "$dir/$name.n$n" | head -3)"
    done
}
check score_point score "$dir/s.h5" --by model,condition,domain --metrics all
check score_bca score "$dir/s.h5" --by model,condition --ci bca --resamples 999 --seed 5
check score_strata score "$dir/s.h5" --by model --ci percentile --resamples 499 --strata domain
check compare compare "$dir/s.h5" --by model --resamples 499 --seed 3
# only rank 0 saves: the store gets one /results table, readable
mpi 2 "$mpi_bin" score "$dir/s.h5" --by model --ci bca --resamples 199 --save mpi_t > /dev/null 2> "$dir/save.err" ||
    die "--save under mpirun: $(head -2 "$dir/save.err")"
"$serial" export "$dir/s.h5" --results mpi_t --format csv > "$dir/saved.csv" 2> /dev/null || die "the saved table cannot be read"
[ "$(wc -l < "$dir/saved.csv")" -eq 5 ] || die "saved table: $(wc -l < "$dir/saved.csv") lines, expected 5"
exit $fail
