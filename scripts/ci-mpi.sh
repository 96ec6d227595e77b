#!/usr/bin/env bash
# The MPI flavour in CI: installs Open MPI and the parallel HDF5 when missing
# (openmpi-bin libopenmpi-dev libhdf5-openmpi-dev; the serial build keeps
# finding the serial HDF5 beside them), builds the saydo binary of build-mpi
# (cmake -DSAYDO_MPI=ON) and runs the MPI tests there (ctest -R mpi:
# tests/cli/mpi_score.sh, tests/cli/mpi_ingest.sh). When the serial build
# exists too (make test ran before), its MPI tests run again: there they
# compare build-mpi/saydo under mpirun with the serial binary, not the MPI
# binary run without mpirun.
#
#   bash scripts/ci-mpi.sh [ctest args...]
#
# Env: BUILD_MPI (default build-mpi), BUILD (the serial build, default build),
# JOBS (default nproc). About 4-5 minutes on the 2-core VM (busy).
set -euo pipefail
cd "$(dirname "$0")/.."
dir=${BUILD_MPI:-build-mpi}
serial=${BUILD:-build}
jobs=${JOBS:-$(nproc)}
t0=$(date +%s)

pkgs=(openmpi-bin libopenmpi-dev libhdf5-openmpi-dev)
missing=()
for p in "${pkgs[@]}"; do
    dpkg-query -W -f='${Status}' "$p" 2> /dev/null | grep -q "install ok installed" || missing+=("$p")
done
if [ ${#missing[@]} -gt 0 ]; then
    echo "ci-mpi: installing ${missing[*]}" >&2
    SUDO=""
    [ "$(id -u)" -ne 0 ] && SUDO="sudo"
    $SUDO apt-get update -qq
    DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" > /dev/null
fi

# only the binary: the MPI tests are CLI cases (the unit tests run in the serial build)
cmake -S . -B "$dir" -DSAYDO_MPI=ON -DCMAKE_BUILD_TYPE=Release > /dev/null
cmake --build "$dir" -j "$jobs" --target saydo_cli
t1=$(date +%s)

rc=0
(cd "$dir" && ctest --output-on-failure -R mpi "$@") || rc=$?
if [ -f "$serial/CTestTestfile.cmake" ] && [ -x "$serial/saydo" ]; then
    (cd "$serial" && ctest --output-on-failure -R mpi "$@") || rc=$?
else
    echo "ci-mpi: no serial build in $serial: its MPI tests (serial binary against mpirun) not run" >&2
fi
t2=$(date +%s)
echo "ci-mpi: packages + build $((t1 - t0)) s, tests $((t2 - t1)) s, exit $rc" >&2
exit $rc
