#!/bin/sh
# The adversarial suite: installs the build into a temporary prefix, builds
# every program in this directory against the installed library only
# (pkg-config, as an outside user would) and runs each with a timeout.
# Prints one line per program (PASS, FAIL, SKIP, TIMEOUT) and exits 1 if any
# failed, 0 otherwise.  Usage: run.sh BUILD_DIR [PROGRAM...]
set -u
build_dir=${1:?usage: run.sh BUILD_DIR [PROGRAM...]}
shift
src_dir=$(cd "$(dirname "$0")" && pwd)
cc=${CC:-cc}
limit=${URT_ADV_TIMEOUT:-40}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
if ! cmake --install "$build_dir" --prefix "$prefix" >/dev/null; then
	echo "run.sh: cmake --install $build_dir failed" >&2
	exit 2
fi
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig:$(ls -d "$prefix"/lib/*/pkgconfig 2>/dev/null | tr '\n' ':')"
if ! flags=$(pkg-config --cflags --libs urt); then
	echo "run.sh: pkg-config cannot find the installed urt" >&2
	exit 2
fi
libdir=$(pkg-config --variable=libdir urt)
if [ $# -eq 0 ]; then
	set -- $(cd "$src_dir" && ls *.c | sed 's/\.c$//')
fi
failed=0 passed=0 skipped=0
for name in "$@"; do
	# shellcheck disable=SC2086
	if ! $cc -std=gnu11 -O1 -g -Wall -Wextra -Werror -o "$prefix/$name" "$src_dir/$name.c" $flags -lpthread \
		-Wl,-rpath,"$libdir" 2>"$prefix/$name.cc"; then
		echo "FAIL    $name (does not build against the installed urt.h)"
		sed 's/^/        /' "$prefix/$name.cc"
		failed=$((failed + 1))
		continue
	fi
	(cd "$prefix" && timeout -k 5 "$limit" "./$name" >"$prefix/$name.out" 2>&1)
	rc=$?
	case $rc in
	0) echo "PASS    $name"; passed=$((passed + 1)) ;;
	77) echo "SKIP    $name: $(tail -n 1 "$prefix/$name.out")"; skipped=$((skipped + 1)) ;;
	124|137) echo "TIMEOUT $name (killed after ${limit} s)"; failed=$((failed + 1)) ;;
	*) echo "FAIL    $name (exit $rc)"; failed=$((failed + 1)) ;;
	esac
	if [ $rc -ne 0 ] && [ $rc -ne 77 ]; then
		tail -n 20 "$prefix/$name.out" | sed 's/^/        /'
	fi
done
echo "adversarial: $passed passed, $failed failed, $skipped skipped"
[ $failed -eq 0 ]
