#!/usr/bin/env bash
# The sanitizer suite: builds saydo with -fsanitize=address,undefined
# (CMake option SAYDO_SANITIZE) into build-asan and runs the whole ctest suite
# (unit and CLI tests) under it. Any ASan or UBSan report fails the run:
# UBSan is built with -fno-sanitize-recover, ASan aborts on its first report.
#
#   bash scripts/ci-asan.sh [ctest args...]     e.g. -R hostile
#
# Env: BUILD_ASAN (default build-asan), JOBS (default nproc), ASAN_CC: a
# compiler to build with instead of the default (ASAN_CC=clang also checks
# what only clang's UBSan knows, such as arithmetic on a null pointer; its
# default build dir is then build-asan-clang).
set -euo pipefail
cd "$(dirname "$0")/.."
cc=()
dir=${BUILD_ASAN:-build-asan}
if [ -n "${ASAN_CC:-}" ]; then
    cc=(-DCMAKE_C_COMPILER="$ASAN_CC")
    dir=${BUILD_ASAN:-build-asan-$(basename "$ASAN_CC")}
fi
jobs=${JOBS:-$(nproc)}
t0=$(date +%s)
cmake -S . -B "$dir" -DCMAKE_BUILD_TYPE=Debug -DSAYDO_SANITIZE=ON "${cc[@]}" > /dev/null
cmake --build "$dir" -j "$jobs"
t1=$(date +%s)
# detect_leaks: LeakSanitizer runs with ASan; leaks in saydo's code fail the test.
# allocator_may_return_null: a hostile size makes malloc return NULL (saydo then
# reports "out of memory") instead of ASan aborting on the request itself.
export ASAN_OPTIONS="detect_leaks=1:abort_on_error=1:allocator_may_return_null=1:strict_string_checks=1:detect_stack_use_after_return=1${ASAN_OPTIONS:+:$ASAN_OPTIONS}"
export UBSAN_OPTIONS="print_stacktrace=1:halt_on_error=1${UBSAN_OPTIONS:+:$UBSAN_OPTIONS}"
export LSAN_OPTIONS="suppressions=$PWD/scripts/lsan.supp${LSAN_OPTIONS:+:$LSAN_OPTIONS}"
rc=0
(cd "$dir" && ctest --output-on-failure -j "$jobs" "$@") || rc=$?
t2=$(date +%s)
echo "ci-asan: build $((t1 - t0)) s, tests $((t2 - t1)) s, exit $rc" >&2
exit $rc
