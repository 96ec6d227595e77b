#!/bin/bash
# Hostile inspect_ai .eval archives (fixtures/hostile/make_zips.py makes them
# in SAYDO_TMP): a zip bomb, a member over the size cap, a member that
# inflates past its declared size, member names with ../, an absolute path or
# backslashes, two members of one name, a cut central directory, a cut
# member. Each is refused with the archive's name, the member and the reason,
# in bounded memory (no member is inflated past its declared size, and none
# over the caps at all), and leaves the store byte for byte as it was. The
# caps can be raised from the --map file (zip.max_ratio, zip.max_member).
set -uo pipefail
: "${SAYDO_BIN:?}" "${SAYDO_FIXTURES:?}" "${SAYDO_TMP:?}"
dir="$SAYDO_TMP/hostile_zip"
rm -rf "$dir" && mkdir -p "$dir"
fail=0
die() { echo "FAIL: $*"; fail=1; }
crashed() { [ "$1" -ge 128 ] || grep -qE "Sanitizer|runtime error|Segmentation" "$dir/err"; }
python3 "$SAYDO_FIXTURES/hostile/make_zips.py" "$dir/z" || { echo "FAIL: make_zips.py"; exit 1; }
timer=()
[ -x /usr/bin/time ] && ! grep -q __asan_init "$SAYDO_BIN" && timer=(/usr/bin/time -f %M -o "$dir/rss")

"$SAYDO_BIN" ingest -q "$dir/z/good.eval" -o "$dir/s.h5" 2> "$dir/err" || die "good.eval: $(cat "$dir/err")"
"$SAYDO_BIN" info "$dir/s.h5" | grep -q "^records *2$" || die "good.eval: expected 2 records"
cp "$dir/s.h5" "$dir/before.h5"

# refused NAME 'message fragment' [ingest options]: the archive is refused, the store unchanged
refused() {
    local name=$1 want=$2
    shift 2
    "${timer[@]}" "$SAYDO_BIN" ingest -q --force "$@" "$dir/z/$name.eval" -o "$dir/s.h5" 2> "$dir/err"
    local rc=$?
    if crashed $rc; then
        die "$name: crashed (exit $rc): $(head -3 "$dir/err")"
    elif [ $rc -ne 1 ]; then
        die "$name: exit $rc, expected 1 (refused)"
    elif ! grep -qF "$name.eval: " "$dir/err" || ! grep -qF -- "$want" "$dir/err"; then
        die "$name: said '$(cat "$dir/err")', expected '$name.eval: ...$want'"
    fi
    cmp -s "$dir/s.h5" "$dir/before.h5" || die "$name: the store changed"
    if [ ${#timer[@]} -gt 0 ]; then
        local kb
        kb=$(tail -1 "$dir/rss")
        [ "$kb" -lt 65536 ] || die "$name: peak RSS $kb kB for a refused archive"
    fi
}
refused bomb "member samples/3_epoch_1.json inflates 1002 times"
refused lying "member samples/3_epoch_1.json inflates past its declared 100 bytes"
refused dotdot "member name '../evil.json' points outside the archive"
refused abs "member name '/etc/evil.json' points outside the archive"
refused backslash "points outside the archive"
refused dup "two members are called samples/1_epoch_1.json"
refused cut_directory "the last one samples/2_epoch_1.json, then no readable central directory"
refused cut_member "the file ends inside member samples/2_epoch_1.json"
printf 'zip.max_member = 1M\n' > "$dir/cap.map"
refused big "member samples/3_epoch_1.json inflates to" --map "$dir/cap.map"

# the caps are options: raised, the same archives are read (a third sample each)
printf 'zip.max_ratio = 100000\n' > "$dir/ratio.map"
"$SAYDO_BIN" ingest -q --map "$dir/ratio.map" "$dir/z/bomb.eval" -o "$dir/r.h5" 2> "$dir/err" ||
    die "bomb.eval with zip.max_ratio raised: $(cat "$dir/err")"
"$SAYDO_BIN" info "$dir/r.h5" 2> /dev/null | grep -q "^records *3$" || die "bomb.eval with the cap raised: expected 3 records"
"$SAYDO_BIN" ingest -q "$dir/z/big.eval" -o "$dir/b.h5" 2> "$dir/err" || die "big.eval under the default cap: $(cat "$dir/err")"
"$SAYDO_BIN" info "$dir/b.h5" 2> /dev/null | grep -q "^records *3$" || die "big.eval: expected 3 records"
exit $fail
