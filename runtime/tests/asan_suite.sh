#!/bin/sh
# asan_suite.sh SOURCE_DIR - runs the asan+ubsan preset's tests (except the
# gates and this one; the option matrix's sanitizer cells included) as one
# test of the release build.  When the asan build
# is missing nothing was checked: under CI (CI set and not "false") that is
# a failure, so a CI run can never report "100% tests passed" without the
# sanitizers; elsewhere it is a skip (77, listed by ctest as "Skipped").
set -u
src=$1
if [ ! -f "$src/build/asan/CTestTestfile.cmake" ]; then
	echo "asan build missing: cmake --preset asan && cmake --build --preset asan"
	case "${CI:-}" in
	"" | false | 0) exit 77 ;;
	*) echo "FAIL: CI=$CI and the asan+ubsan suite cannot run"; exit 1 ;;
	esac
fi
cd "$src" || exit 2
exec ctest --preset asan -LE 'asan|gate'
