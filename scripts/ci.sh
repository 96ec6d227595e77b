#!/usr/bin/env bash
# The whole CI, in stages (.ci/run calls this on a fresh clone, maybe a fresh
# Debian 12 machine, as root):
#
#   deps        scripts/deps.sh --extra: what the later stages need beyond
#               make test's packages (clang + libFuzzer's runtime, valgrind, MPI)
#   test        make test: the build and the whole ctest suite
#   fuzz-replay every fuzz target over its seeds and the saved findings
#               (fixtures/hostile/fuzz/TARGET), libFuzzer build with ASan+UBSan
#   fuzz-smoke  make fuzz FUZZ_SECONDS=10: every target fuzzed 10 s
#   asan        scripts/ci-asan.sh: the whole ctest suite under ASan+UBSan (gcc)
#   valgrind    scripts/ci-valgrind.sh: memcheck over the CLI commands
#   mpi         scripts/ci-mpi.sh, when it exists
#
# Each stage prints its name, then its result, elapsed time and CPU time (user +
# system of its processes: on a busy machine the elapsed time grows, the CPU
# time much less); the run ends with a table of all stages. Every stage runs even when an earlier one failed
# (CI_FAIL_FAST=1 stops at the first failure); any failure makes the exit 1.
#
#   bash scripts/ci.sh [STAGE...]      (default: all, in the order above)
#
# Env: JOBS (default nproc), CI_FUZZ_SECONDS (fuzz-smoke seconds per target,
# default 10; 0 skips the smoke), CI_FAIL_FAST.
set -uo pipefail
cd "$(dirname "$0")/.."
export JOBS=${JOBS:-$(nproc)}
fuzz_secs=${CI_FUZZ_SECONDS:-10}

all=(deps test fuzz-replay fuzz-smoke asan valgrind mpi)
stages=("$@")
[ ${#stages[@]} -gt 0 ] || stages=("${all[@]}")

run_stage() {   # the commands of one stage; their exit code is the stage's
    case $1 in
    deps) bash scripts/deps.sh --extra ;;
    test) make test JOBS="$JOBS" ;;
    fuzz-replay) FUZZ_REGRESS=1 bash tests/fuzz/run.sh ;;
    fuzz-smoke)
        if [ "$fuzz_secs" -gt 0 ]; then make fuzz FUZZ_SECONDS="$fuzz_secs" JOBS="$JOBS"; else echo "skipped (CI_FUZZ_SECONDS=0)"; fi ;;
    asan) bash scripts/ci-asan.sh ;;
    valgrind) bash scripts/ci-valgrind.sh ;;
    mpi)
        if [ -f scripts/ci-mpi.sh ]; then bash scripts/ci-mpi.sh; else echo "skipped (no scripts/ci-mpi.sh)"; fi ;;
    *) echo "ci: unknown stage '$1' (stages: ${all[*]})" >&2; return 2 ;;
    esac
}

# children_cpu: user + system seconds of the finished child processes so far
# (the second line of `times`; run in this shell, not in a $(...) subshell,
# whose children are none), into $cpu_now
cpu_file=$(mktemp)
trap 'rm -f "$cpu_file"' EXIT
children_cpu() {
    times > "$cpu_file"
    cpu_now=$(tail -1 "$cpu_file" | awk '{ for (i = 1; i <= 2; i++) { split($i, a, /[ms]/); t += a[1] * 60 + a[2] } printf "%d", t }')
}

t_all=$(date +%s)
summary=()
failed=()
for s in "${stages[@]}"; do
    echo
    echo "==== ci: stage $s ($(date '+%H:%M:%S')) ===="
    t0=$(date +%s)
    children_cpu
    c0=$cpu_now
    run_stage "$s" < /dev/null
    rc=$?
    dt=$(($(date +%s) - t0))
    children_cpu
    cpu=$((cpu_now - c0))
    if [ $rc -eq 0 ]; then
        res=ok
    else
        res="FAILED (exit $rc)"
        failed+=("$s")
    fi
    echo "==== ci: stage $s: $res, $dt s (cpu $cpu s) ===="
    summary+=("$(printf '%-12s %6d s  cpu %6d s  %s' "$s" "$dt" "$cpu" "$res")")
    [ $rc -ne 0 ] && [ "${CI_FAIL_FAST:-0}" = 1 ] && break
done

echo
children_cpu
echo "==== ci: summary ($(($(date +%s) - t_all)) s in all, cpu $cpu_now s, $JOBS jobs, load $(cut -d' ' -f1-3 /proc/loadavg)) ===="
printf '%s\n' "${summary[@]}"
if [ ${#failed[@]} -gt 0 ]; then
    echo "ci: FAILED stages: ${failed[*]} (the output above each '==== ci: stage ...: FAILED' line says why)"
    exit 1
fi
echo "ci: all ${#summary[@]} stages passed"
