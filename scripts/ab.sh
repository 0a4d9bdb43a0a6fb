#!/usr/bin/env bash
# ab.sh - did revision B get slower than revision A?  Builds both, runs them
# interleaved, and lets compare.py give a verdict with statistics.
#
#   scripts/ab.sh [options] REV_A REV_B [urt-bench options]
#   scripts/ab.sh [options] --hyperfine 'COMMAND' REV_A REV_B
#
# Each revision is checked out in its own detached git worktree under a temp
# directory and built there (release, only the targets needed).  Then, round
# after round, A runs and B runs (A B A B ...), so slow drifts of the machine
# (another job starting, thermal state) land on both sides alike instead of
# on whichever ran second.  The samples of each side are merged into A.json
# and B.json and compared by scripts/compare.py: per configuration the
# change of the median, a confidence interval and a Mann-Whitney U p-value;
# a regression is a change beyond the threshold with p < 0.01.
#
# Options:
#   --repeats N      rounds (default 6; below 5 no p-value can reach 0.01)
#   --threshold PCT  noise threshold for compare.py (default 3)
#   --out DIR        where A.json, B.json and report.md go
#                    (default results/ab-<timestamp>; must not exist yet)
#   --markdown       Markdown report (for CI job summaries)
#   --keep           keep the worktrees and builds (printed at the end)
#   --hyperfine CMD  time a whole command with hyperfine instead of urt-bench;
#                    {build} in CMD is replaced by each revision's build dir,
#                    e.g. '{build}/bench/urt-cp --qd 8 big.dat /tmp/copy'
#   --targets LIST   CMake targets to build in --hyperfine mode (default: all)
#   --runs K         hyperfine runs per round (default 3)
# urt-bench options default to: --workload nop --backend urt,urt-futures --qd 1,32 --duration 0.3
#
# Everything is checked before the first build: the options, the revisions,
# --out (created at once; it must not exist, and is removed again if the run
# does not finish), and the urt-bench options (parsed by this tree's urt-bench,
# $URT_BENCH or build/release/bench/urt-bench, when there is one, and always
# by revision A's before revision B is built).
#
# Exit status: 0 no regression, 1 regression, 2 bad input, a revision that
# does not build, a benchmark that fails, or a comparison that judged nothing
# (too few rounds); 130 interrupted (SIGINT/SIGTERM: the running build or
# benchmark is stopped, the worktrees and --out are removed).
set -euo pipefail

die() { echo "ab.sh: $*" >&2; exit 2; }

script_dir=$(cd "$(dirname "$0")" && pwd)
repo=$(git -C "$script_dir" rev-parse --show-toplevel 2>/dev/null) || die "not inside a git repository"
py=$("$script_dir/find-python.sh" --bare) || die "python3 is needed"

repeats=6 threshold=3 out="" markdown="" keep=0 hf_cmd="" targets="" runs=3
need_value() { [ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value"; }
while [ $# -gt 0 ]; do
	case "$1" in
	--repeats) need_value "$@"; repeats=$2; shift 2 ;;
	--threshold) need_value "$@"; threshold=$2; shift 2 ;;
	--out) need_value "$@"; out=$2; shift 2 ;;
	--markdown) markdown=--markdown; shift ;;
	--keep) keep=1; shift ;;
	--hyperfine) need_value "$@"; hf_cmd=$2; shift 2 ;;
	--targets) need_value "$@"; targets=$2; shift 2 ;;
	--runs) need_value "$@"; runs=$2; shift 2 ;;
	--version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" ab.sh ;;
	-h|--help) sed -n '2,43p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
	--) shift; break ;;
	-*) die "unknown option '$1' (try --help)" ;;
	*) break ;;
	esac
done
[ $# -ge 2 ] || die "expected REV_A REV_B (try --help)"
rev_a=$1 rev_b=$2
shift 2
bench_args=("$@")
for a in "${bench_args[@]}"; do
	case "$a" in --json|--csv) die "ab.sh chooses $a itself; leave it out of the urt-bench options" ;; esac
done
[ ${#bench_args[@]} -gt 0 ] || bench_args=(--workload nop --backend urt,urt-futures --qd 1,32 --duration 0.3)

[[ $repeats =~ ^[0-9]+$ ]] && [ "$repeats" -ge 1 ] && [ "$repeats" -le 1000 ] || die "--repeats must be an integer in 1..1000"
[[ $runs =~ ^[0-9]+$ ]] && [ "$runs" -ge 1 ] && [ "$runs" -le 1000 ] || die "--runs must be an integer in 1..1000"
[[ $threshold =~ ^[0-9]+([.][0-9]+)?$ ]] || die "--threshold must be a non-negative number (percent)"
# Every option compare.py gets at the end is checked by compare.py now, not
# after two builds and every round.
# shellcheck disable=SC2086
cmp_err=$("$py" "$script_dir/compare.py" --check-args --threshold "$threshold" $markdown 2>&1) ||
	die "${cmp_err#compare.py: }"
if [ -n "$hf_cmd" ]; then
	command -v hyperfine >/dev/null || die "--hyperfine needs hyperfine on PATH"
	[[ $hf_cmd == *"{build}"* ]] || die "the --hyperfine command must use {build} to pick each revision's binary"
	[ $# -eq 0 ] || die "urt-bench options make no sense with --hyperfine"
fi
commit_a=$(git -C "$repo" rev-parse --verify --quiet "$rev_a^{commit}") || die "unknown revision '$rev_a'"
commit_b=$(git -C "$repo" rev-parse --verify --quiet "$rev_b^{commit}") || die "unknown revision '$rev_b'"
# urt-bench options: the tree's own urt-bench parses them (stopping at --help,
# so nothing runs), long before two builds would reveal a typo.
check_bench_args() {
	local bench=$1 err
	[ -z "$hf_cmd" ] || return 0
	err=$("$bench" "${bench_args[@]}" --help 2>&1 >/dev/null) ||
		die "bad urt-bench options (checked with $bench): $(printf '%s' "$err" | tail -n 1)"
}
here_bench=${URT_BENCH:-$repo/build/release/bench/urt-bench}
if [ -z "$hf_cmd" ] && [ -x "$here_bench" ]; then
	check_bench_args "$here_bench"
fi
[ -n "$out" ] || out=$repo/results/ab-$(date -u +%Y%m%d-%H%M%S)
[ ! -e "$out" ] || die "$out already exists; choose another --out"
mkdir -p "$out" 2>/dev/null || die "--out $out: cannot create it"
made_out=$out finished=0
{ : >"$out/.probe" && rm -f "$out/.probe"; } 2>/dev/null || { rmdir "$out"; die "--out $out: not writable"; }
[ "$repeats" -ge 5 ] || echo "ab.sh: warning: with $repeats rounds no p-value can reach 0.01: expect no verdict" >&2

work=$(mktemp -d "${TMPDIR:-/tmp}/urt-ab.XXXXXX")
cleanup() {
	# A run that did not finish leaves no --out that looks like a result.
	[ $finished = 1 ] || rm -rf "$made_out"
	if [ $keep = 1 ]; then
		echo "ab.sh: kept worktrees and builds in $work (remove with: git worktree remove --force $work/src-a; git worktree remove --force $work/src-b)"
		return
	fi
	for side in a b; do
		[ -d "$work/src-$side" ] && git -C "$repo" worktree remove --force "$work/src-$side" >/dev/null 2>&1
	done
	git -C "$repo" worktree prune >/dev/null 2>&1 || true
	rm -rf "$work"
}
trap cleanup EXIT
# Builds and benchmarks run in their own session (run_child).
. "$script_dir/lib/run_child.sh"

build_side() {
	local side=$1 commit=$2 src=$work/src-$1 build=$work/build-$1
	echo "ab.sh: building $side = ${commit:0:12} in $build" >&2
	git -C "$repo" worktree add --detach --quiet "$src" "$commit" || die "git worktree add failed for $commit"
	run_child cmake -S "$src" -B "$build" -DCMAKE_BUILD_TYPE=Release -DURT_BUILD_TESTS=OFF >"$work/cmake-$side.log" 2>&1 \
		|| die "revision ${commit:0:12} does not configure (log: $work/cmake-$side.log; use --keep to keep it)"
	local t=()
	if [ -n "$hf_cmd" ]; then
		[ -z "$targets" ] || t=(--target ${targets//,/ })
	else
		t=(--target urt-bench)
	fi
	run_child cmake --build "$build" "${t[@]}" -j2 >"$work/build-$side.log" 2>&1 \
		|| die "revision ${commit:0:12} does not build ${t[*]} (log: $work/build-$side.log; use --keep)"
	if [ -z "$hf_cmd" ] && [ ! -x "$build/bench/urt-bench" ]; then
		die "revision ${commit:0:12} has no bench/urt-bench"
	fi
}
build_side a "$commit_a"
# Revision A's urt-bench may take other options than this tree's: check with
# it too, before spending a second build.
[ -n "$hf_cmd" ] || check_bench_args "$work/build-a/bench/urt-bench"
build_side b "$commit_b"

for ((i = 0; i < repeats; i++)); do
	echo "ab.sh: round $((i + 1))/$repeats" >&2
	if [ -n "$hf_cmd" ]; then
		# Both commands in one hyperfine call per round; the rounds interleave.
		run_child hyperfine --style none --runs "$runs" --warmup 1 --export-json "$work/hf-$i.json" \
			-n A "${hf_cmd//\{build\}/$work/build-a}" -n B "${hf_cmd//\{build\}/$work/build-b}" >/dev/null \
			|| die "hyperfine failed in round $((i + 1)) (does the command work?)"
	else
		for side in a b; do
			run_child "$work/build-$side/bench/urt-bench" "${bench_args[@]}" --json "$work/$side-$i.json" --quiet \
				>"$work/run-$side-$i.log" 2>&1 \
				|| die "urt-bench of side $side failed in round $((i + 1)): $(tail -1 "$work/run-$side-$i.log")"
		done
	fi
done

# Merge the rounds: one file per side whose samples are all the rounds.
"$py" - "$work" "$out" "$repeats" "${hf_cmd:+hyperfine}" "$commit_a" "$commit_b" "$rev_a" "$rev_b" "$hf_cmd" <<'EOF'
import json, os, sys
work, out, repeats, mode, ca, cb, ra, rb, command = sys.argv[1:10]
repeats = int(repeats)
for side, commit, rev in (("a", ca, ra), ("b", cb, rb)):
    if mode == "hyperfine":
        times = []
        for i in range(repeats):
            doc = json.load(open(os.path.join(work, f"hf-{i}.json")))
            times += next(r["times"] for r in doc["results"] if r["command"] == side.upper())
        merged = {"results": [{"command": command, "times": times, "mean": sum(times) / len(times)}],
                  "ab": {"side": side.upper(), "rev": rev, "commit": commit}}
    else:
        merged = None
        for i in range(repeats):
            doc = json.load(open(os.path.join(work, f"{side}-{i}.json")))
            per_round = 1 + max((r.get("repeat") or 0) for r in doc["results"]) if doc["results"] else 1
            for r in doc["results"]:
                r["repeat"] = i * per_round + (r.get("repeat") or 0)
            if merged is None:
                merged = doc
                merged["meta"]["ab"] = {"side": side.upper(), "rev": rev, "commit": commit, "rounds": repeats}
            else:
                merged["results"] += doc["results"]
    with open(os.path.join(out, f"{side.upper()}.json"), "w") as f:
        json.dump(merged, f, indent=1)
EOF

echo "ab.sh: A = $rev_a (${commit_a:0:12}), B = $rev_b (${commit_b:0:12}), $repeats interleaved rounds" >&2
set +e
"$py" "$script_dir/compare.py" --threshold "$threshold" $markdown "$out/A.json" "$out/B.json" | tee "$out/report.md"
status=${PIPESTATUS[0]}
set -e
# Only a comparison that produced its report counts as finished: anything
# else removes --out (cleanup) rather than leave a result-looking folder.
if [ "$status" -le 2 ] && [ -s "$out/report.md" ]; then
	finished=1
	echo "ab.sh: results in $out" >&2
else
	echo "ab.sh: compare.py failed (exit $status): --out $out removed" >&2
	[ "$status" -ne 0 ] || status=2
fi
exit "$status"
