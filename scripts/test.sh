#!/bin/sh
# The test command: installs what is missing, builds the release and the
# asan+ubsan presets, and runs every test through one ctest run, so the
# last line printed is ctest's summary.  The release run includes the
# asan+ubsan suite as one test (label asan) and the regression gates.
# JUnit XML for CI goes to the output folder, $URT_TEST_OUT (default
# build/test-results): ctest.xml (one case per ctest test) and, when the
# fault matrix ran, faults-release.xml / faults-asan.xml (one case per
# matrix cell, from urt-faults --junit).  Arguments go to ctest.
case ${1:-} in
-h | --help) sed -n '2,10p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
--version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" test.sh ;;
esac
set -eu
caller=$(pwd)
cd "$(dirname "$0")/.."
scripts/install-deps.sh
jobs=$(nproc 2>/dev/null || echo 2)
for preset in release asan; do
	cmake --preset "$preset" >/dev/null
	cmake --build --preset "$preset" -j "$jobs" >/dev/null
done
out=${URT_TEST_OUT:-build/test-results}
case $out in
/*) ;;
*) [ -n "${URT_TEST_OUT:-}" ] && out=$caller/$out ;; # the caller's relative path
esac
mkdir -p "$out"
out=$(cd "$out" && pwd)
# Only this run's matrix results: remove what an earlier run left.
rm -f "$out/ctest.xml" "$out/faults-release.xml" "$out/faults-asan.xml" \
	build/release/faults/faults-ctest.junit.xml build/asan/faults/faults-ctest.junit.xml
rc=0
ctest --preset release --output-junit "$out/ctest.xml" "$@" || rc=$?
for b in release asan; do
	if [ -f "build/$b/faults/faults-ctest.junit.xml" ]; then
		cp "build/$b/faults/faults-ctest.junit.xml" "$out/faults-$b.xml"
	fi
done
exit $rc
