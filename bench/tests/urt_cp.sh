#!/bin/sh
# urt_cp.sh URT_CP - urt-cp copies files of awkward sizes byte for byte at
# several queue depths and block sizes, keeps the mode, refuses to replace
# an existing destination without --force, and rejects bad input with 2.
set -u
cp_bin=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# An odd size (not a multiple of any block size), an empty file, one byte.
head -c 3000017 /dev/urandom > "$dir/odd" || exit 1
: > "$dir/empty"
printf 'x' > "$dir/one"
chmod 640 "$dir/odd"

n=0
for src in odd empty one; do
	for args in "--qd 1 --bs 4k" "--qd 8 --bs 64k" "--qd 3 --bs 1000" "--qd 64 --bs 1m"; do
		n=$((n + 1))
		# shellcheck disable=SC2086
		if ! "$cp_bin" $args "$dir/$src" "$dir/copy$n"; then
			fail "urt-cp $args $src exited $?"
		elif ! cmp -s "$dir/$src" "$dir/copy$n"; then
			fail "urt-cp $args $src: copy differs"
		fi
	done
done
[ "$(stat -c %a "$dir/copy1")" = 640 ] || fail "mode not kept: $(stat -c %a "$dir/copy1")"

# An existing destination is left alone without --force, replaced with it.
printf 'keep me\n' > "$dir/dest"
"$cp_bin" "$dir/odd" "$dir/dest" 2>/dev/null
status=$?
[ "$status" -eq 2 ] || fail "existing destination: status $status, expected 2"
[ "$(cat "$dir/dest")" = "keep me" ] || fail "existing destination was modified"
"$cp_bin" --force --qd 4 --bs 128k "$dir/odd" "$dir/dest" && cmp -s "$dir/odd" "$dir/dest" ||
	fail "--force did not replace the destination with a true copy"

for bad in "--qd 0" "--bs 0" "--qd x" "--bogus" "extra-arg"; do
	# shellcheck disable=SC2086
	"$cp_bin" $bad "$dir/odd" "$dir/never" 2>/dev/null
	status=$?
	[ "$status" -eq 2 ] || fail "'$bad': status $status, expected 2"
	[ ! -e "$dir/never" ] || { fail "'$bad' created the destination"; rm -f "$dir/never"; }
done
"$cp_bin" "$dir/missing" "$dir/never" 2>/dev/null
[ $? -eq 2 ] || fail "missing source: expected status 2"
"$cp_bin" --force "$dir/odd" "$dir/odd" 2>/dev/null
[ $? -eq 2 ] && cmp -s "$dir/odd" "$dir/copy1" || fail "copy onto itself must be refused and leave the file intact"

[ "$failures" -eq 0 ] || { echo "urt_cp: $failures failure(s)"; exit 1; }
echo "urt_cp: $n copies byte-identical; refusals ok"
