#!/bin/sh
# test_junit.sh URT_FAULTS - --junit writes one JUnit testcase per cell: a
# passing cell is a bare testcase, a cell broken on purpose
# (URT_FAULTS_SABOTAGE) carries a <failure> with its replay command; an
# existing --junit file is refused (exit 2) without --force.
set -u
exe=$1
py=/usr/bin/python3
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
fail=0
# count FILE -> "tests failures testcases failure-elements first-replay"
count() {
	"$py" - "$1" <<'EOP'
import sys, xml.etree.ElementTree as ET
root = ET.parse(sys.argv[1]).getroot()
s = root.find("testsuite")
cases = s.findall("testcase")
fails = [c.find("failure") for c in cases if c.find("failure") is not None]
print(s.get("tests"), s.get("failures"), len(cases), len(fails), "replay" if fails and "--cell" in (fails[0].text or "") else "-")
EOP
}
"$exe" --seed 9 --cell urt/read/short:copy:0.1 --scale 0.05 --json "$tmp/ok.json" --junit "$tmp/ok.xml" >"$tmp/out" 2>&1
rc=$?
got=$(count "$tmp/ok.xml" 2>&1)
if [ $rc -ne 0 ] || [ "$got" != "1 0 1 0 -" ]; then
	echo "FAIL: passing cell: exit $rc, junit '$got' (want '1 0 1 0 -')"
	cat "$tmp/out"
	fail=1
else
	echo "ok: a passing cell is one testcase without failure"
fi
URT_FAULTS_SABOTAGE=corrupt "$exe" --seed 9 --cell urt/read/short:copy:0.1 --scale 0.05 --watchdog 2 \
	--json "$tmp/bad.json" --junit "$tmp/bad.xml" >"$tmp/out" 2>&1
rc=$?
got=$(count "$tmp/bad.xml" 2>&1)
if [ $rc -ne 1 ] || [ "$got" != "1 1 1 1 replay" ]; then
	echo "FAIL: sabotaged cell: exit $rc, junit '$got' (want '1 1 1 1 replay')"
	cat "$tmp/out"
	fail=1
else
	echo "ok: a failed cell is a testcase with a <failure> naming its replay command"
fi
"$exe" --seed 9 --cell urt/read/short:copy:0.1 --scale 0.05 --json "$tmp/again.json" --junit "$tmp/ok.xml" >"$tmp/out" 2>&1
rc=$?
if [ $rc -ne 2 ] || [ -e "$tmp/again.json" ] || ls "$tmp"/again.json.tmp.* >/dev/null 2>&1; then
	echo "FAIL: an existing --junit file: exit $rc (want 2, and no JSON written, not even a temporary one)"
	cat "$tmp/out"
	fail=1
else
	echo "ok: an existing --junit file is refused without --force"
fi
exit $fail
