#!/bin/sh
# abi_check.sh BASELINE.abi LIBURT.so URT_H - liburt.so keeps the ABI of the
# last release: abidiff against the committed dump (runtime/abi/) finds no
# function or variable removed or changed (added ones are fine), and the
# exported names are exactly urt.h's URT_API calls (so runtime/urt.map's
# explicit lists cannot forget a new call or export a stray one).
# Exit 0 kept, 1 broken, 2 bad arguments, 77 abidiff not installed.
set -u
if [ "${1:-}" = -h ] || [ "${1:-}" = --help ]; then
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
fi
[ $# -eq 3 ] || { echo "usage: abi_check.sh BASELINE.abi LIBURT.so URT_H" >&2; exit 2; }
base=$1 lib=$2 header=$3
for f in "$base" "$lib" "$header"; do
	[ -r "$f" ] || { echo "abi_check: cannot read $f" >&2; exit 2; }
done
if ! command -v abidiff >/dev/null 2>&1; then
	echo "SKIP: abidiff not found (Debian: apt-get install abigail-tools)"
	exit 77
fi
status=0
# struct urt_stats and urt_config may grow at their end (growable.supp says why).
out=$(abidiff --no-show-locs --suppressions "$(dirname "$base")/growable.supp" "$base" "$lib" 2>&1)
rc=$?
echo "$out"
# abidiff: bit 1 error, 2 usage error, 4 some change, 8 incompatible change.
if [ $((rc & 3)) -ne 0 ]; then
	echo "FAIL: abidiff could not compare (exit $rc)"
	exit 1
fi
if [ $((rc & 8)) -ne 0 ]; then
	echo "FAIL: abidiff reports an incompatible change"
	status=1
fi
# Added functions are compatible; anything removed or changed is not.
if echo "$out" | grep -E '^(Functions|Variables) changes summary:' | grep -v ': 0 Removed, 0 Changed' | grep -q . ||
	echo "$out" | grep -E '^(Function|Variable) symbols changes summary:' | grep -v ': 0 Removed' | grep -q .; then
	echo "FAIL: a function or variable was removed or changed"
	status=1
fi
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
# "URT_API <type> [*]name(" across urt.h, declarations only.
sed -n 's/^URT_API[^(]*[ *]\(urt_[a-z0-9_]*\)(.*/\1/p' "$header" | sort -u >"$tmp/declared"
nm -D --defined-only "$lib" | awk '$2 != "A" { sub(/@.*/, "", $3); print $3 }' | sort -u >"$tmp/exported"
if [ ! -s "$tmp/declared" ]; then
	echo "FAIL: no URT_API declaration found in $header"
	exit 1
fi
if ! cmp -s "$tmp/declared" "$tmp/exported"; then
	echo "FAIL: exported names and urt.h's URT_API calls differ (< urt.h only, > exported only):"
	diff "$tmp/declared" "$tmp/exported" | grep '^[<>]'
	status=1
fi
[ $status -eq 0 ] && echo "ok: $(wc -l <"$tmp/exported") exported calls, none removed or changed since $(basename "$base")"
exit $status
