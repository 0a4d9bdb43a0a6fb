#!/usr/bin/env bash
# history-replay.sh - replays the project's own history into a results store:
# for each of the last N first-parent commits of REV, builds urt-bench in a
# scratch worktree, runs one short NOP comparison (urt and raw, qd 32,
# batch 32) from inside that worktree (so the run records that commit), and
# adds the run to the store.  Then `scripts/urtperf.sh history detect` and
# `plot` work on real history instead of synthetic series.
#
#   scripts/history-replay.sh [-h] [--db FILE] [--commits N] [--rev REV] [--out DIR]
#
#   --db FILE     the store (default results/history-replay.sqlite; created)
#   --commits N   how many commits (default 10)
#   --rev REV     where to start (default HEAD)
#   --out DIR     the run folders, one per commit (default: a temp dir)
#
# Exit status: 0 every commit built, ran and was added; 1 some commit failed
# (named on stderr; the others are still added); 2 bad arguments; 130
# interrupted (worktrees removed).
set -euo pipefail
prog=history-replay.sh
die() { echo "$prog: $*" >&2; exit 2; }
here=$(pwd)
top=$(cd "$(dirname "$0")/.." && pwd)
db="" n=10 rev=HEAD out=""
while [ $# -gt 0 ]; do
	case "$1" in
	--db|--commits|--rev|--out)
		[ $# -ge 2 ] && [ -n "$2" ] || die "$1 needs a value (try --help)"
		case "$1" in --db) db=$2 ;; --commits) n=$2 ;; --rev) rev=$2 ;; --out) out=$2 ;; esac
		shift 2 ;;
	--version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" history-replay.sh ;;
	-h|--help) sed -n '2,19p' "$top/scripts/$prog" | sed 's/^# \{0,1\}//'; exit 0 ;;
	*) die "unknown argument '$1' (try --help)" ;;
	esac
done
[[ "$n" =~ ^[1-9][0-9]*$ ]] || die "--commits: '$n' is not a positive whole number"
cd "$top"
git rev-parse -q --verify "$rev^{commit}" >/dev/null || die "--rev: '$rev' is not a commit"
[ -n "$db" ] || db=$top/results/history-replay.sqlite
case "$db" in /*) ;; *) db=$here/$db ;; esac
mkdir -p "$(dirname "$db")" 2>/dev/null && [ -w "$(dirname "$db")" ] || die "--db $db: its folder is not writable"
scratch=$(mktemp -d)
if [ -z "$out" ]; then out=$scratch/runs; else case "$out" in /*) ;; *) out=$here/$out ;; esac; fi
[ ! -e "$out" ] || [ -z "$(ls -A "$out" 2>/dev/null)" ] || die "--out $out: not empty"
mkdir -p "$out" || die "--out $out: cannot create it"
cleanup() {
	for w in "$scratch"/wt-*; do [ -d "$w" ] && git worktree remove --force "$w" >/dev/null 2>&1; done
	git worktree prune >/dev/null 2>&1 || true
	rm -rf "$scratch"
}
trap 'cleanup; echo "$prog: interrupted" >&2; exit 130' INT TERM
trap cleanup EXIT
failed=()
mapfile -t commits < <(git rev-list --first-parent --max-count="$n" "$rev" | tac)
for c in "${commits[@]}"; do
	short=$(git rev-parse --short "$c")
	wt=$scratch/wt-$short
	echo "== $short $(git log -1 --format=%s "$c" | cut -c1-60)"
	if ! git worktree add -q --detach "$wt" "$c" ||
		! (cd "$wt" && cmake --preset release >/dev/null && cmake --build --preset release -j2 --target urt-bench >/dev/null) ||
		! (cd "$wt" && mkdir -p "$out/$short" &&
			build/release/bench/urt-bench --workload nop --backend urt,raw --qd 32 --batch 32 \
				--repeat 3 --duration 0.2 --warmup 0.05 --quiet --json "$out/$short/bench.json" >/dev/null) ||
		! "$top/scripts/urtperf.sh" history add --db "$db" "$out/$short" >/dev/null; then
		echo "$prog: $short failed" >&2
		failed+=("$short")
	fi
	git worktree remove --force "$wt" >/dev/null 2>&1 || true
done
echo "store: $db (${#commits[@]} commits, ${#failed[@]} failed)"
[ ${#failed[@]} -eq 0 ] || exit 1
