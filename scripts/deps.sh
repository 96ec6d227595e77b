#!/usr/bin/env bash
# Installs the Debian packages saydo builds, tests and benchmarks with,
# when any is missing. Safe to run again: it does nothing when all are there.
set -euo pipefail
# time: /usr/bin/time -v, which the hostile-input tests' peak-RSS bounds use
pkgs=(build-essential cmake pkg-config zlib1g-dev time
      libgsl-dev libhdf5-dev hdf5-tools libopenblas-dev libcmocka-dev libyajl-dev
      libzip-dev libzstd-dev libxxhash-dev libdeflate-dev
      python3 python3-numpy python3-scipy python3-h5py python3-pandas python3-statsmodels)
[ "${1:-}" = "--extra" ] && pkgs+=(valgrind clang libclang-rt-14-dev
      jupyter-nbconvert python3-nbformat python3-ipykernel python3-matplotlib
      openmpi-bin libopenmpi-dev libhdf5-openmpi-dev)
missing=()
for p in "${pkgs[@]}"; do
  dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed" || missing+=("$p")
done
[ ${#missing[@]} -eq 0 ] && exit 0
echo "deps: installing ${missing[*]}" >&2
SUDO=""; [ "$(id -u)" -ne 0 ] && SUDO="sudo"
$SUDO apt-get update -qq
DEBIAN_FRONTEND=noninteractive $SUDO apt-get install -y -qq --no-install-recommends "${missing[@]}" >/dev/null
