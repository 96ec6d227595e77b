#!/bin/bash
# A full disk during an ingest: the ingest fails with a clear message (exit 1,
# never a crash), the store is byte for byte what it was, it still opens, and
# no shadow copy is left. Two ways to fill the disk:
#  - small tmpfs mounts (mount -t tmpfs; skipped with a message where mounting is refused),
#  - a file-size limit (ulimit -f, with SIGXFSZ ignored so writes fail with EFBIG).
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/hostile_diskfull"
mnt="$dir/mnt"
cleanup() { mountpoint -q "$mnt" 2> /dev/null && umount "$mnt"; rm -rf "$dir"; }
cleanup
mkdir -p "$mnt"
trap cleanup EXIT
fail=0
ran=0
die() { echo "FAIL: $*"; fail=1; }
crashed() { [ "$1" -ge 128 ] || grep -qE "Sanitizer|runtime error|Segmentation" "$2"; }

printf '{"model":"m","item":"q%d","side":"word","choice":"A"}\n' 1 2 3 > "$dir/small.jsonl"
"$SAYDO_BIN" simulate --quiet --models 2 --items 600 --trials 3 --seed 4 -o "$dir/big.jsonl" || die "simulate"

# check_full LABEL STORE [env...]: ingest big.jsonl into STORE (which holds small.jsonl) on a full disk
check_full() {
    local label=$1 store=$2
    shift 2
    cp "$store" "$dir/before.h5"
    (trap '' XFSZ; "$@" "$SAYDO_BIN" ingest -q "$dir/big.jsonl" -o "$store") 2> "$dir/err"
    local rc=$?
    if crashed $rc "$dir/err"; then
        die "$label: ingest crashed (exit $rc): $(head -3 "$dir/err")"
    elif [ $rc -ne 1 ]; then
        die "$label: ingest on a full disk: exit $rc, expected 1"
    fi
    grep -qiE "disk full|no space left|file too large|write failed" "$dir/err" ||
        die "$label: unclear message: $(cat "$dir/err")"
    echo "$label: $(head -1 "$dir/err")"
    cmp -s "$store" "$dir/before.h5" || die "$label: the store changed"
    [ -e "$store.saydo-tmp" ] && die "$label: a shadow copy was left behind"
    "$SAYDO_BIN" info "$store" 2> "$dir/err" | grep -q "^records *3$" ||
        die "$label: store unreadable afterwards: $(cat "$dir/err")"
    ran=1
}

# 1. small tmpfs mounts: (a) a new store that does not fit (it takes ~770 KB); then the small store
#    with room for (b) less than its shadow copy, (c) the copy but not the new batch
"$SAYDO_BIN" ingest -q "$dir/small.jsonl" -o "$dir/small.h5" 2> "$dir/err" || die "small ingest"
small_kb=$(( $(stat -c %s "$dir/small.h5") / 1024 + 1 ))
if mount -t tmpfs -o size=256k tmpfs "$mnt" 2> "$dir/mount.err"; then
    "$SAYDO_BIN" ingest -q "$dir/big.jsonl" -o "$mnt/new.h5" 2> "$dir/err"
    rc=$?
    crashed $rc "$dir/err" && die "tmpfs new store: crashed (exit $rc): $(head -3 "$dir/err")"
    [ $rc -eq 1 ] || die "tmpfs new store: exit $rc, expected 1"
    grep -qiE "disk full|no space left" "$dir/err" || die "tmpfs new store: unclear message: $(cat "$dir/err")"
    [ -e "$mnt/new.h5" ] && die "tmpfs new store: a failed first ingest left a store"
    [ -e "$mnt/new.h5.saydo-tmp" ] && die "tmpfs new store: a shadow copy was left behind"
    umount "$mnt"
    for kb in $((small_kb + 128)) $((2 * small_kb + 128)); do
        mount -t tmpfs -o size=${kb}k tmpfs "$mnt" || { die "mount ${kb}k"; continue; }
        cp "$dir/small.h5" "$mnt/s.h5" || die "copy into the ${kb}k tmpfs"
        check_full "tmpfs ${kb}k" "$mnt/s.h5"
        umount "$mnt"
    done
else
    echo "skip tmpfs: mount refused: $(cat "$dir/mount.err")"
fi

# 2. a file-size limit (KiB blocks): the store is made without it, the big ingest under it
"$SAYDO_BIN" ingest -q "$dir/small.jsonl" -o "$dir/u.h5" 2> "$dir/err" || die "ulimit: small ingest"
size_kb=$(( $(stat -c %s "$dir/u.h5") / 1024 + 64 ))
check_full "ulimit -f $size_kb" "$dir/u.h5" bash -c "ulimit -f $size_kb && exec \"\$0\" \"\$@\""

[ $ran -eq 1 ] || { echo "skip: no way to fill a disk here"; exit 77; }
exit $fail
