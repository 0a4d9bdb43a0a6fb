#!/bin/sh
# test_names.sh URT_FAULTS FAULTS_SOURCE_DIR - every workload (a row of
# wl_table in registry.c) and ring variant (wl_ring_names), read from the
# sources, and every fault point (the schema's list) is in `urt-faults
# --list`, in --help, in the error text for an unknown name and in
# faults/README.md; --list has no name the sources lack; rows are marked
# for the ring variants and for --external.  Exit 0 all
# passed, 1 a check failed.
set -u
exe=$1
src=$2
tmp=$(mktemp -d) || exit 1
trap 'rm -rf "$tmp"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$exe" --list >"$tmp/list" || bad "--list exited $?"
"$exe" --help >"$tmp/help" || bad "--help exited $?"
"$exe" --workloads no-such 2>"$tmp/err.workload" && bad "an unknown --workloads name was accepted"
"$exe" --points urt/no-such 2>"$tmp/err.point" && bad "an unknown --points name was accepted"
"$exe" --cell urt/no-such:copy:0.1 2>"$tmp/err.cellpoint" && bad "an unknown --cell point was accepted"
"$exe" --cell urt/submit:no-such:0.1 2>"$tmp/err.cellwl" && bad "an unknown --cell workload was accepted"
"$exe" --cell urt/submit:copy:0.1:1:no-such 2>"$tmp/err.ring" && bad "an unknown --cell ring was accepted"

# has FILE NAME: NAME as a whole word (quoted, or between spaces, commas, parentheses).
has() { grep -Eq "(^|[\" ,(])$2([\" ,)]|\$)" "$1"; }
py=python3
[ -x /usr/bin/python3 ] && py=/usr/bin/python3
# --list's names (workloads, rings, points: a line each) and the schema's points.
"$py" -c 'import json, sys
d = json.load(open(sys.argv[1]))
for k in ("workloads", "rings", "points"):
    print(" ".join(d[k]))
print(" ".join(json.load(open(sys.argv[2]))["$defs"]["point"]["enum"]))' \
	"$tmp/list" "$src/../schemas/urt-faults-1.schema.json" >"$tmp/names" || bad "--list is not the JSON expected"
listed() { sed -n "$1p" "$tmp/names"; }

workloads=$(sed -n '/wl_table\[\] = {/,/^};/s/^[[:space:]]*{ "\([^"]*\)", wl_.*/\1/p' "$src/registry.c")
rings=$(sed -n 's/^const char \*const wl_ring_names\[WL_RING_COUNT\] = {\(.*\)};/\1/p' "$src/registry.c" | tr -d '",')
points=$(listed 4)
[ "$(echo $workloads | wc -w)" -ge 8 ] || bad "read only '$workloads' as workloads from $src/registry.c"
[ "$(echo $rings | wc -w)" -ge 5 ] || bad "read only '$rings' as rings from $src/registry.c"
[ "$(echo $points | wc -w)" -eq 7 ] || bad "read '$points' as the schema's points"

[ "$(listed 1)" = "$(echo $workloads)" ] || bad "--list workloads: $(listed 1)"
[ "$(listed 2)" = "$(echo $rings)" ] || bad "--list rings: $(listed 2)"
[ "$(listed 3)" = "$(echo $points)" ] || bad "--list points: $(listed 3)"

for w in $workloads; do
	grep -Eq "^  $w +[a-z]" "$tmp/help" || bad "workload $w missing from --help"
	has "$tmp/err.workload" "$w" || bad "workload $w missing from the --workloads error"
	has "$tmp/err.cellwl" "$w" || bad "workload $w missing from the --cell workload error"
	grep -q "^| \`$w\` |" "$src/README.md" || bad "workload $w missing from the workload table of faults/README.md"
done
grep '^ring variants' "$tmp/help" >"$tmp/line"
for r in $rings; do
	has "$tmp/line" "$r" || bad "ring $r missing from --help"
	has "$tmp/err.ring" "$r" || bad "ring $r missing from the --cell ring error"
	grep -q "\`$r\`" "$src/README.md" || bad "ring $r missing from faults/README.md"
done
# The workloads the matrix runs the ring variants on: marked in their row.
marked=$(sed -n '/wl_table\[\] = {/,/^};/s/^[[:space:]]*{ "\([^"]*\)", wl_[a-z]*, [a-z]*, true,.*/\1/p' "$src/registry.c")
[ -n "$marked" ] || bad "no wl_table row runs the ring variants"
for w in $marked; do
	has "$tmp/line" "$w" || bad "ring-variant workload $w missing from --help's ring line"
done
# --external needs a default: at least one row marked for it.
sed -n '/wl_table\[\] = {/,/^};/p' "$src/registry.c" | grep -Eq '^[[:space:]]*\{ "[^"]*", wl_[a-z]*, [a-z]*, [a-z]*, true,' ||
	bad "no wl_table row is marked for --external"
grep '^points:' "$tmp/help" >"$tmp/line"
for p in $points; do
	has "$tmp/line" "$p" || bad "point $p missing from --help"
	has "$tmp/err.point" "$p" || bad "point $p missing from the --points error"
	has "$tmp/err.cellpoint" "$p" || bad "point $p missing from the --cell point error"
done

[ $fail -eq 0 ] && echo "names: $(echo $workloads | wc -w) workloads, $(echo $rings | wc -w) rings, 7 points listed everywhere"
exit $fail
