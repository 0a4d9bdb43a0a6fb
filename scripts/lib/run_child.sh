# run_child.sh - sourced (bash) by the scripts that run long stages (ab.sh,
# main.sh).  run_child COMMAND... runs a stage in its own session (setsid)
# and returns its status, so an interrupt (INT, TERM) stops the stage and
# everything it started (builds, urt-bench, fio, hyperfine, fault cells),
# not just the script.  The interrupted script then runs on_interrupt (its
# own clean-up, when it defines one), says "NAME: interrupted" and exits 130.
child=""
child_prog=${0##*/}
# The handler may run inside a redirected stage (its log): fd 9 is the real
# stderr, so "interrupted" reaches the user.
exec 9>&2
on_signal() {
	trap '' INT TERM
	if [ -n "$child" ]; then
		kill -s TERM -- "-$child" 2>/dev/null || true
		wait "$child" 2>/dev/null || true
	fi
	if declare -F on_interrupt >/dev/null; then on_interrupt; fi
	echo "$child_prog: interrupted" >&9
	exit 130
}
trap on_signal INT TERM
run_child() {
	setsid "$@" 9>&- &
	child=$!
	local status=0
	wait "$child" || status=$?
	child=""
	return $status
}
