#!/bin/sh
# urt_tasks.sh URT_TASKS - urt-tasks measures each mode on a small run (exit
# 0, its result line), and refuses bad arguments with one line on stderr and
# exit 2.
set -u
bin=$1
tmp=$(mktemp -d) || exit 2
trap 'rm -rf "$tmp"' EXIT
fail=0

ok() { # ok PATTERN ARGS...: exit 0 and PATTERN on stdout
	pat=$1; shift
	if "$bin" "$@" >"$tmp/out" 2>"$tmp/err" && grep -q "$pat" "$tmp/out"; then
		echo "ok: $* -> $(cat "$tmp/out")"
	else
		echo "FAIL: urt-tasks $* (want exit 0 and '$pat')"; cat "$tmp/out" "$tmp/err"; fail=1
	fi
}
bad() { # bad ARGS...: exit 2, one line on stderr, nothing on stdout
	"$bin" "$@" >"$tmp/out" 2>"$tmp/err"
	rc=$?
	if [ $rc -eq 2 ] && [ "$(wc -l <"$tmp/err")" -eq 1 ] && [ ! -s "$tmp/out" ]; then
		echo "ok: refused $*: $(cat "$tmp/err")"
	else
		echo "FAIL: urt-tasks $* gave exit $rc (want 2, one line on stderr, no stdout)"; cat "$tmp/out" "$tmp/err"; fail=1
	fi
}

ok '^churn: 2000 tasks, up to 100 alive' churn 2000 100
ok '^urt: 200 sleepers: .* 0 early' sleepers 200 20
ok '^raw liburing: 200 sleepers' raw-timeouts 200 20
ok '^memory: stack 64 KiB, 100 tasks' memory 64 100
bad
bad churn 10
bad churn 0 10
bad churn 10 x
bad churn -5 10
bad sleepers 10 0
bad sleepers 1000001 10
bad raw-timeouts 0 10
bad memory 1 10
bad memory 64 0
bad walk 1 1
exit $fail
