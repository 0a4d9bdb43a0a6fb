#!/bin/sh
# names.sh URT_BENCH VALIDATOR BENCH_SOURCE_DIR - every backend (a file in
# backends/ or backends_net/) and every workload (a row of workload_table
# in registry.c), read from the sources, is in `urt-bench --list`, in the
# usage (--help, --workload echo --help) and in the error text for an
# unknown name; adding a backend is one file: no other file names its
# source file or its struct; validate_json.py --bench refuses a network
# report whose backend or workload the binary does not register.
# Exit 0 all passed, 1 a check failed, 77 no python3.
set -u
bench=$1
validator=$2
src=$3
py=""
for p in /usr/bin/python3 python3; do
	if command -v "$p" >/dev/null 2>&1; then py=$p; break; fi
done
[ -n "$py" ] || { echo "names: no python3 to run the validator"; exit 77; }
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
fail=0
bad() { echo "FAIL: $*"; fail=1; }

"$bench" --list >"$dir/list" || bad "--list exited $?"
"$bench" --help >"$dir/help" || bad "--help exited $?"
"$bench" --workload echo --help >"$dir/nethelp" || bad "--workload echo --help exited $?"
"$bench" --backend urt-no-such >/dev/null 2>"$dir/err.backend" && bad "an unknown backend was accepted"
"$bench" --workload echo --backend urt-no-such >/dev/null 2>"$dir/err.netbackend" &&
	bad "an unknown network backend was accepted"
"$bench" --workload no-such >/dev/null 2>"$dir/err.workload" && bad "an unknown workload was accepted"

# has FILE NAME: NAME as a whole word (quoted, or between spaces, commas, |, ; and parentheses).
has() { grep -Eq "(^|[\" ,|(])$2([\" ,|);]|\$)" "$1"; }

# name_of FILE: the name a backend file registers.
name_of() { sed -n 's/^[[:space:]]*\.name = "\([^"]*\)",.*/\1/p' "$1" | head -1; }

n_file=0 n_net=0
for f in "$src"/backends/*.c "$src"/backends_net/*.c; do
	case $f in */backends_net/*) net=1 ;; *) net=0 ;; esac
	# backend_raw.c registers two (raw, raw-bare): every name in the file.
	names=$(sed -n 's/^[[:space:]]*\.name = "\([^"]*\)",.*/\1/p' "$f")
	[ -n "$names" ] || { bad "$f registers no backend (.name = \"...\")"; continue; }
	for name in $names; do
		has "$dir/list" "$name" || bad "backend $name ($f) missing from --list"
		if [ $net = 1 ]; then
			n_net=$((n_net + 1))
			grep '^network backends:' "$dir/help" >"$dir/line"
			has "$dir/line" "$name" || bad "network backend $name missing from --help"
			grep '^backends:' "$dir/nethelp" >"$dir/line"
			has "$dir/line" "$name" || bad "network backend $name missing from --workload echo --help"
			has "$dir/err.netbackend" "$name" || bad "network backend $name missing from the unknown-backend error"
		else
			n_file=$((n_file + 1))
			grep '^backends:' "$dir/help" >"$dir/line"
			has "$dir/line" "$name" || bad "backend $name missing from --help"
			has "$dir/err.backend" "$name" || bad "backend $name missing from the unknown-backend error"
		fi
	done
	# One file: the struct it registers and its file name appear nowhere else.
	base=$(basename "$f")
	sym=$(sed -n 's/^\(static \)\{0,1\}const struct \(bench\|net\)_backend \([a-z_0-9]*\) = {.*/\3/p' "$f")
	others=$(find "$src" "$src/../CMakeLists.txt" -path "$src/tests" -prune -o -type f \
		\( -name '*.c' -o -name '*.h' -o -name 'CMakeLists.txt' -o -name '*.cmake' \) -print | grep -v "^$f\$")
	for word in $sym "$base"; do
		# shellcheck disable=SC2086
		hit=$(grep -lwF -- "$word" $others 2>/dev/null)
		[ -z "$hit" ] || bad "$f is not a one-file backend: $word is named in $(echo $hit)"
	done
done
[ $n_file -ge 1 ] && [ $n_net -ge 1 ] || bad "found $n_file file and $n_net network backends in $src"

workloads=$(sed -n '/workload_table\[\] = {/,/^};/s/^[[:space:]]*{ "\([^"]*\)",.*/\1/p' "$src/registry.c")
[ -n "$workloads" ] || bad "no workload rows found in $src/registry.c"
for w in $workloads; do
	has "$dir/list" "$w" || bad "workload $w missing from --list"
	grep '^workloads:' "$dir/help" >"$dir/line"
	has "$dir/line" "$w" || bad "workload $w missing from --help"
	has "$dir/err.workload" "$w" || bad "workload $w missing from the unknown-workload error"
done

# --list is what validate_json.py --bench narrows names to: a network
# report passes, and the same report with a name the binary does not
# register fails.
"$bench" --workload echo --backend epoll --conns 1 --duration 0.05 --warmup 0.01 --quiet --json "$dir/net.json" ||
	bad "a network run exited $?"
"$py" "$validator" "$dir/net.json" --bench "$bench" --expect epoll:echo >"$dir/v.out" 2>&1 ||
	bad "a real network report fails --bench: $(cat "$dir/v.out")"
for field in backend workload; do
	"$py" -c 'import json, sys
d = json.load(open(sys.argv[1])); d["results"][0][sys.argv[2]] = "no-such"
json.dump(d, open(sys.argv[3], "w"))' "$dir/net.json" "$field" "$dir/bad.json"
	"$py" "$validator" "$dir/bad.json" >/dev/null 2>&1 || bad "the mutated report ($field) fails even without --bench"
	"$py" "$validator" "$dir/bad.json" --bench "$bench" >/dev/null 2>&1
	rc=$?
	[ $rc -eq 1 ] || bad "an unregistered network $field passed --bench (exit $rc, want 1)"
done

[ $fail -eq 0 ] && echo "names: $n_file file backends, $n_net network backends and $(echo $workloads | wc -w) workloads listed everywhere"
exit $fail
