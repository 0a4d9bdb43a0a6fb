#!/bin/sh
# overhead.sh URT_FAULTFS URT_BENCH [SECONDS] - FUSE overhead: the same
# urt-bench workloads (4 KiB random reads and writes on a 64 MiB file, the
# urt backend at QD 16 and psync at QD 1) on a plain directory, then through
# urt-faultfs with no rules (direct_io, the default), then with --cache.
# Prints urt-bench's summary lines; a benchmark, not a test.
case ${1:-} in
-h | --help) sed -n '2,6p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
--version) exec sh "$(cd "$(dirname "$0")" && pwd)/../../scripts/version.sh" overhead.sh ;;
esac
set -eu
ffs=$1
bench=$2
secs=${3:-2}
tmp=$(mktemp -d)
pid=
cleanup() {
	[ -n "$pid" ] && kill "$pid" 2>/dev/null && wait "$pid" 2>/dev/null
	grep -q " $tmp/m " /proc/self/mountinfo && fusermount3 -u -z "$tmp/m"
	rm -rf "$tmp"
}
trap cleanup EXIT
trap 'exit 1' INT TERM
mkdir "$tmp/b" "$tmp/m"
run() { # DIR
	"$bench" --workload randread,randwrite --backend urt,psync --qd 16 --bs 4k --duration "$secs" --warmup 0.5 \
		--file "$1/data" --size 64m | grep -E '^(randread|randwrite) '
	rm -f "$tmp/b/data"
}
mount_ffs() {
	"$ffs" --die-with-parent "$@" "$tmp/b" "$tmp/m" &
	pid=$!
	while [ ! -e "$tmp/m/.faultfs/ctl" ]; do
		kill -0 "$pid" 2>/dev/null || { echo "urt-faultfs did not mount" >&2; exit 1; }
		sleep 0.01
	done
}
unmount_ffs() {
	kill "$pid"
	wait "$pid" || true
	pid=
}
echo "== direct: $(df -T "$tmp" | awk 'NR == 2 { print $2 }') at $tmp/b"
run "$tmp/b"
mount_ffs
echo "== through urt-faultfs, no rules (direct_io)"
run "$tmp/m"
unmount_ffs
mount_ffs --cache
echo "== through urt-faultfs --cache"
run "$tmp/m"
unmount_ffs
echo "nproc $(nproc); $(uptime)"
