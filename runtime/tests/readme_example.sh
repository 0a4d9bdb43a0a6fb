#!/bin/sh
# readme_example.sh CC CFLAGS INCLUDE_DIR LIBS README - the README's "Using it"
# program compiles as shown (-Wall -Wextra -Werror) against the in-tree
# library, copies a file byte for byte, and under an injected urt/op/error
# (fiu-run, 1 %) reports the error and exits non-zero.
set -u
cc=$1 cflags=$2 inc=$3 libs=$4 readme=$5
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# The first C block after the "## Using it" heading.
awk '/^## Using it/ { s = 1 } s == 1 && /^```c$/ { s = 2; next } s == 2 && /^```$/ { exit } s == 2 { print }' \
	"$readme" >"$tmp/example.c"
[ -s "$tmp/example.c" ] || { echo "FAIL: no C block under '## Using it' in $readme"; exit 1; }
# shellcheck disable=SC2086
if ! $cc $cflags -Wall -Wextra -Werror -I"$inc" "$tmp/example.c" $libs -o "$tmp/example" 2>"$tmp/cc.err"; then
	echo "FAIL: the README example does not compile:"
	cat "$tmp/cc.err"
	exit 1
fi
head -c 32000000 /dev/urandom >"$tmp/src" || exit 1
if ! "$tmp/example" "$tmp/src" "$tmp/dst" || ! cmp -s "$tmp/src" "$tmp/dst"; then
	echo "FAIL: the README example did not copy the file byte for byte"
	exit 1
fi
echo "ok: compiles, copies 32 MB byte for byte"
"$tmp/example" "$tmp/src" 2>"$tmp/err"
[ $? -eq 2 ] || { echo "FAIL: a missing argument must exit 2"; exit 1; }
if ! command -v fiu-run >/dev/null 2>&1; then
	echo "SKIP: fiu-run not found (Debian: apt-get install fiu-utils): the error path was not run"
	exit 77
fi
# fiu-run preloads a library: ASan must not insist on being first.
ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0:detect_leaks=0"
export ASAN_OPTIONS
# -x (libfiu's POSIX wrappers) as a user would type it; not under ASan,
# whose interceptors it crashes.  The urt/ points need neither.
fiu_x=-x
ldd "$tmp/example" 2>/dev/null | grep -q libasan && fiu_x=
# 32 MB in 64 KiB blocks is about 1000 operations: at 1 % a run without a
# single fault is a 1-in-20 000 event; the seed makes this run repeatable.
FIU_PRNG_SEED=7 fiu-run $fiu_x -c 'enable_random name=urt/op/error,probability=0.01' \
	"$tmp/example" "$tmp/src" "$tmp/dst2" 2>"$tmp/err"
rc=$?
if [ "$rc" -eq 0 ] || ! grep -q 'Input/output error' "$tmp/err"; then
	echo "FAIL: under urt/op/error the example exited $rc with: $(cat "$tmp/err")"
	exit 1
fi
echo "ok: under urt/op/error at 1 % it exits $rc with: $(head -n 1 "$tmp/err")"
