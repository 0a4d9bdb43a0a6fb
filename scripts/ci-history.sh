#!/bin/sh
# ci-history.sh: the CI side of the results history.  After a run folder has
# been written (scripts/main.sh), this adds it to the store, keeps the store
# for the next CI run, draws the trends, looks for change points and writes
# what it found where CI shows it.
#
#   scripts/ci-history.sh [--db FILE] [--branch NAME [--remote R] [--push]]
#                         [--last N] [--out DIR] RUN_DIR...
#
# Keeping the SQLite file between CI runs, two ways:
#  * artifact: the workflow downloads the last run's artifact into --db before
#    this script and uploads --db after it (GitHub Actions: a download step for
#    the previous workflow run's "urt-history" artifact, then
#    actions/upload-artifact with path results/history.sqlite).  Artifacts
#    expire (90 days by default): fine for a trend, not for an archive.
#  * branch (--branch NAME, no --db): the store lives as history.sqlite on a
#    branch of its own (never merged).  This script fetches it from --remote
#    (default origin) into a temp dir, adds the runs and, with --push, pushes
#    a new commit on that branch (one per CI run; the job needs write access;
#    a branch moved meanwhile makes the push fail rather than lose a run).
#    Everything git does here happens in a scratch repository in a temp dir:
#    the work tree and its .git are not touched.
# Or a PostgreSQL server shared by the runners: --db postgresql://...
#
# Instructions per operation get into the history when the run folder holds
# the instruction gate's measurement; before this script:
#   scripts/gate_instructions.py --micro build/release/bench/micro/urt-micro \
#       --baseline RUN_DIR/instructions.json --update
#
# Where things go:
#   OUT/history_*.png           trend figures (default OUT: RUN_DIR/history/, the first RUN_DIR)
#   OUT/change-points.md        `urtperf history detect --markdown` output
#   OUT/bmf.json, OUT/gab-bigger.json, OUT/gab-smaller.json
#                               the run in Bencher's and github-action-benchmark's
#                               formats (scripts/export_metrics.py), when it has bench.json
#                               (the last RUN_DIR that has one)
#   OUT/report/RUN/report.html|.md  each run's report, with its History section
#                               (main.sh's RUN_DIR/report.html is left as it is)
#   $GITHUB_STEP_SUMMARY        the change points and the figures' names, when set
# Everything written goes under OUT, which belongs to this script: a rerun on
# the same folder replaces its own earlier outputs and nothing else.
#
# Exit status: that of `urtperf history detect`: 0 checked, no regression
# change point in the last N commits; 1 there is one; 2 bad input, or too few
# runs in the store to judge yet (a young history: treat as you see fit).
# When detect said 0 but a report or an export then failed: 2.
set -eu
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
db=$top/results/history.sqlite
branch="" remote=origin push=0 last=10 out="" db_given=0

usage() { sed -n '2,46p' "$0" | sed 's/^# \{0,1\}//'; }
bad() { echo "ci-history.sh: $*" >&2; exit 2; }
while [ $# -gt 0 ]; do
	case "$1" in
		--db) [ $# -ge 2 ] || bad "--db needs a value"; db=$2; db_given=1; shift 2 ;;
		--branch) [ $# -ge 2 ] || bad "--branch needs a value"; branch=$2; shift 2 ;;
		--remote) [ $# -ge 2 ] || bad "--remote needs a value"; remote=$2; shift 2 ;;
		--push) push=1; shift ;;
		--last) [ $# -ge 2 ] || bad "--last needs a value"; last=$2; shift 2 ;;
		--out) [ $# -ge 2 ] || bad "--out needs a value"; out=$2; shift 2 ;;
		--version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" ci-history.sh ;;
		-h|--help) usage; exit 0 ;;
		--) shift; break ;;
		-*) bad "unknown option '$1' (try --help)" ;;
		*) break ;;
	esac
done
[ $# -ge 1 ] || bad "no RUN_DIR given (try --help)"
for run in "$@"; do
	[ -d "$run" ] || bad "$run: not a run folder"
done
[ -z "$branch" ] || [ "$db_given" = 0 ] || bad "--branch brings its own store: no --db with it"
[ -n "$out" ] || out=$1/history
urtperf=$here/urtperf.sh

scratch=""
# shellcheck disable=SC2317  # called by the trap
cleanup() { [ -z "$scratch" ] || rm -rf "$scratch"; }
trap cleanup EXIT
trap 'exit 130' INT TERM

# 1. The store as the previous CI run left it.
if [ -n "$branch" ]; then
	scratch=$(mktemp -d "${TMPDIR:-/tmp}/urt-history.XXXXXX")
	db=$scratch/history.sqlite
	git init -q --bare "$scratch/git"
	g() { git --git-dir="$scratch/git" "$@"; }
	found=0
	g ls-remote --exit-code --heads "$remote" "$branch" >/dev/null 2>&1 || found=$?
	case "$found" in
		0) g fetch -q "$remote" "refs/heads/$branch:refs/heads/$branch"
		   if g cat-file -e "refs/heads/$branch:history.sqlite" 2>/dev/null; then
			   g show "refs/heads/$branch:history.sqlite" >"$db"
			   echo "ci-history: store from $remote $branch"
		   fi ;;
		2) echo "ci-history: no branch $branch on $remote yet: starting a new store" ;;
		*) bad "cannot reach $remote (git ls-remote exit $found)" ;;
	esac
fi

# Before the store is touched (or pushed): the outputs must have somewhere to go.
if ! mkdir -p "$out" 2>/dev/null || [ ! -w "$out" ]; then bad "$out: cannot create or write the output folder"; fi

# 2. Add the runs (a run already in the store adds nothing).
"$urtperf" history add "$@" --db "$db"

# 3. Keep it: a new commit on the branch.
if [ -n "$branch" ]; then
	blob=$(g hash-object -w "$db")
	tree=$(printf '100644 blob %s\thistory.sqlite\n' "$blob" | g mktree)
	parent=""
	if g rev-parse -q --verify "refs/heads/$branch" >/dev/null; then
		parent="-p $(g rev-parse "refs/heads/$branch")"
	fi
	# shellcheck disable=SC2086
	commit=$(GIT_AUTHOR_NAME=${GIT_AUTHOR_NAME:-urt-ci} GIT_AUTHOR_EMAIL=${GIT_AUTHOR_EMAIL:-urt-ci@localhost} \
		GIT_COMMITTER_NAME=${GIT_COMMITTER_NAME:-urt-ci} GIT_COMMITTER_EMAIL=${GIT_COMMITTER_EMAIL:-urt-ci@localhost} \
		g commit-tree "$tree" $parent -m "history: add $(basename "$1")")
	if [ "$push" = 1 ]; then
		g push -q "$remote" "$commit:refs/heads/$branch"
		echo "ci-history: pushed the store to $remote $branch ($commit)"
	else
		echo "ci-history: store commit $commit made, not pushed (--push pushes it to $remote $branch)"
	fi
fi

# 4. Trends, change points, the report's History section, the dashboards' formats.
# The verdict and the summary first: a report that fails later loses neither.
"$urtperf" history plot --db "$db" --out "$out" --detect --force >/dev/null
status=0
"$urtperf" history detect --db "$db" --last "$last" --markdown >"$out/change-points.md" || status=$?
[ "$status" -le 2 ] || { cat "$out/change-points.md" >&2; exit "$status"; }
cat "$out/change-points.md"
if [ -n "${GITHUB_STEP_SUMMARY:-}" ]; then
	{
		cat "$out/change-points.md"
		echo
		printf 'Trend figures (keep %s as an artifact):' "$out"
		for f in "$out"/history_*.png; do printf ' %s' "$(basename "$f")"; done
		echo
	} >>"$GITHUB_STEP_SUMMARY"
fi
failed=0
for run in "$@"; do
	if [ -f "$run/bench.json" ]; then
		# --force only ever replaces this script's own earlier outputs in OUT.
		rep=$out/report/$(basename "$(cd "$run" && pwd)")
		"$here/report.py" "$run" --history "$db" --out "$rep" --force >/dev/null ||
			{ echo "ci-history.sh: warning: report.py failed for $run" >&2; failed=1; }
		for f in bmf gab-bigger gab-smaller; do
			"$here/export_metrics.py" --format "$f" "$run/bench.json" -o "$out/$f.json" --force ||
				{ echo "ci-history.sh: warning: export_metrics.py --format $f failed for $run" >&2; failed=1; }
		done
	fi
done
[ "$status" != 0 ] || [ "$failed" = 0 ] || status=2
exit "$status"
