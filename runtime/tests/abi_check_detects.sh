#!/bin/sh
# abi_check_detects.sh BASELINE.abi LIBURT.a URT_H URT_MAP - abi_check.sh
# fails a library that dropped a 0.1 call: liburt.so relinked from the
# static library with urt_yield left out of the version script must exit 1
# and name urt_yield.
set -u
[ $# -eq 4 ] || { echo "usage: abi_check_detects.sh BASELINE.abi LIBURT.a URT_H URT_MAP" >&2; exit 2; }
command -v abidiff >/dev/null 2>&1 || { echo "SKIP: abidiff not found"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
grep -v '^[[:space:]]*urt_yield;' "$4" >"$tmp/broken.map"
${CC:-cc} -shared -o "$tmp/liburt.so" -Wl,-soname,liburt.so.0 -Wl,--whole-archive "$2" -Wl,--no-whole-archive \
	-Wl,--version-script="$tmp/broken.map" $(pkg-config --libs liburing libfiu 2>/dev/null || echo -luring) || exit 1
sh "$(dirname "$0")/abi_check.sh" "$1" "$tmp/liburt.so" "$3" >"$tmp/out" 2>&1
rc=$?
cat "$tmp/out"
if [ $rc -ne 1 ] || ! grep -q 'urt_yield' "$tmp/out"; then
	echo "FAIL: abi_check.sh passed (exit $rc) a library without urt_yield"
	exit 1
fi
echo "ok: a library without urt_yield fails the ABI check"
