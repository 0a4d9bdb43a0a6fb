#!/bin/sh
# abi_supp_check.sh SUPP - the suppression that lets struct urt_stats and
# struct urt_config grow (runtime/abi/growable.supp) hides a member appended
# at the end and nothing else: two tiny libraries are compared with abidiff
# through it, one that appends a member (must pass) and one that inserts a
# member in the middle (must still be reported).
# Exit 0 as intended, 1 the suppression hides too much or too little,
# 2 bad arguments, 77 abidiff or cc missing.
set -u
[ $# -eq 1 ] && [ -r "$1" ] || { echo "usage: abi_supp_check.sh SUPP" >&2; exit 2; }
supp=$1
command -v abidiff >/dev/null 2>&1 || { echo "SKIP: abidiff not found"; exit 77; }
cc=${CC:-cc}
command -v "$cc" >/dev/null 2>&1 || { echo "SKIP: no C compiler"; exit 77; }
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
body='void urt_get_stats(struct urt_stats *s) { s->a = 1; }'
printf 'struct urt_stats { long a; long b; };\n%s\n' "$body" >"$tmp/base.c"
printf 'struct urt_stats { long a; long b; long c; };\n%s\n' "$body" >"$tmp/end.c"
printf 'struct urt_stats { long a; long x; long b; };\n%s\n' "$body" >"$tmp/mid.c"
for v in base end mid; do
	"$cc" -g -shared -fPIC -o "$tmp/lib$v.so" "$tmp/$v.c" || { echo "FAIL: cannot build lib$v.so"; exit 1; }
done
status=0
abidiff --suppressions "$supp" "$tmp/libbase.so" "$tmp/libend.so" >/dev/null
rc=$?
[ "$rc" -eq 0 ] || { echo "FAIL: a member appended at the end is reported (abidiff exit $rc)"; status=1; }
abidiff --suppressions "$supp" "$tmp/libbase.so" "$tmp/libmid.so" >/dev/null
rc=$?
[ $((rc & 4)) -ne 0 ] || { echo "FAIL: a member inserted in the middle is hidden (abidiff exit $rc)"; status=1; }
[ $status -eq 0 ] && echo "ok: appended members pass, inserted ones are reported"
exit $status
