#!/bin/sh
# version_help.sh SOURCE_DIR BUILD_DIR - every installed program, every
# program built for the benchmarks, and every user-facing script answers
# --version and -h (programs also --help; in the scripts -h and --help are
# one case) with exit 0 and something on stdout;
# --version's first line names the project version.  The installed set
# must hold urt-bench, urt-cp and urt-faults, and their man pages when
# help2man was found.  Test scripts (*/tests/*, test_*.sh) are not tools
# and are left out.
set -u
src=$1 build=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
version=$(sed -n 's/^project(urt VERSION \([0-9.]*\).*/\1/p' "$src/CMakeLists.txt")
[ -n "$version" ] || { echo "FAIL: no project(VERSION) in $src/CMakeLists.txt"; exit 1; }
fail=0 checked=0

# check PROGRAM OPTION...: 0 when each option exits 0 and prints to stdout,
# and --version's first line is "<name> <version>".
check() {
	p=$1
	shift
	for opt in "$@"; do
		(cd "$tmp/cwd" && timeout 30 "$p" "$opt" </dev/null >"$tmp/out" 2>"$tmp/err")
		rc=$?
		if [ $rc -ne 0 ] || [ ! -s "$tmp/out" ]; then
			echo "FAIL: $p $opt: exit $rc, $(wc -c <"$tmp/out") bytes on stdout; stderr: $(head -c 200 "$tmp/err")"
			return 1
		fi
		if [ "$opt" = --version ] && ! head -1 "$tmp/out" | grep -q " $version\$"; then
			echo "FAIL: $p --version: first line '$(head -1 "$tmp/out")' does not end in the version $version"
			return 1
		fi
	done
	return 0
}
mkdir "$tmp/cwd"

# The checker itself can fail: a program that prints nothing, and one that
# exits 1, must be refused.
printf '#!/bin/sh\nexit 0\n' >"$tmp/silent" && printf '#!/bin/sh\necho x; exit 1\n' >"$tmp/fails" &&
	chmod +x "$tmp/silent" "$tmp/fails"
for p in "$tmp/silent" "$tmp/fails"; do
	if check "$p" --version -h >/dev/null; then
		echo "FAIL: the check passed $(basename "$p")"
		fail=1
	fi
done

cmake --install "$build" --prefix "$tmp/prefix" >/dev/null || { echo "FAIL: cmake --install"; exit 1; }
for need in urt-bench urt-cp urt-faults; do
	[ -x "$tmp/prefix/bin/$need" ] || { echo "FAIL: cmake --install did not install $need"; fail=1; }
	if command -v help2man >/dev/null 2>&1 && [ ! -s "$tmp/prefix/share/man/man1/$need.1" ]; then
		echo "FAIL: no man page share/man/man1/$need.1"
		fail=1
	fi
done
for p in "$tmp/prefix/bin/"* "$build/bench/micro/urt-micro" "$build/bench/urt-tasks" "$build/faults/faultfs/urt-faultfs"; do
	[ -x "$p" ] || continue
	check "$p" --version -h --help || fail=1
	checked=$((checked + 1))
done
for p in "$src"/scripts/*.sh "$src"/scripts/*.py "$src"/bench/*.sh "$src"/bench/*.py "$src"/faults/*.py \
	"$src"/faults/faultfs/overhead.sh; do
	[ -f "$p" ] || continue
	check "$p" --version -h || fail=1
	checked=$((checked + 1))
done
[ $fail -eq 0 ] && echo "ok: $checked programs and scripts answer --version and -h"
exit $fail
