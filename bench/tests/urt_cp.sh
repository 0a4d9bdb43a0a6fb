#!/bin/sh
# urt_cp.sh URT_CP - urt-cp copies files of awkward sizes byte for byte at
# several queue depths and block sizes, with each method (splice, rw, rw
# with --direct, each also with --verify), keeps the mode, refuses to
# replace an existing destination without --force, and rejects bad input
# with 2.  A sparse source's holes stay holes; a destination that is a
# directory receives DIR/NAME.  --direct really bypasses the page cache (the copy has no cached
# pages).  --verify exits 1 and leaves no destination when the source
# changed under the copy, or bytes appeared in a hole of the source or the
# copy; it does not read holes (a 4 TiB hole verifies at once).  A symlink
# or empty DST is refused (2); a 255-byte DST name is copied; passing
# ulimit -f is exit 1 with no temporary file left.  It never leaves a partial destination: under an
# injected urt/op/error (each method) it exits 1 with no destination (or
# the old one intact, with --force); under urt/read/short and
# urt/write/short (short splices) the copy is still exact; and on SIGINT mid-copy it removes its
# temporary file, says "interrupted" and exits 130.
set -u
cp_bin=$1
dir=$(mktemp -d) || exit 1
trap 'rm -rf "$dir"' EXIT
failures=0
fail() { echo "FAIL $*"; failures=$((failures + 1)); }

# An odd size (not a multiple of any block size), an empty file, one byte.
head -c 3000017 /dev/urandom > "$dir/odd" || exit 1
: > "$dir/empty"
printf 'x' > "$dir/one"
chmod 640 "$dir/odd"

# O_DIRECT: refused by some file systems (an old tmpfs); then say so.
direct=1
if ! "$cp_bin" --direct "$dir/one" "$dir/direct-probe" 2>"$dir/err"; then
	grep -q -- '--direct:' "$dir/err" || fail "--direct probe: $(cat "$dir/err")"
	echo "note: $(stat -f -c %T "$dir") refuses O_DIRECT here; the --direct copies did not run"
	direct=0
fi
rm -f "$dir/direct-probe"

n=0
copy() { # SRC ARGS...: one copy, byte-identical or a failure
	src=$1
	shift
	n=$((n + 1))
	if ! "$cp_bin" "$@" "$dir/$src" "$dir/copy$n"; then
		fail "urt-cp $* $src exited $?"
	elif ! cmp -s "$dir/$src" "$dir/copy$n"; then
		fail "urt-cp $* $src: copy differs"
	fi
}
# Each method at every shape (3m: a block larger than a pipe holds); the
# --verify and --direct variants at a few (each run is a process start).
for src in odd empty one; do
	for args in "--qd 1 --bs 4k" "--qd 8 --bs 64k" "--qd 3 --bs 1000" "--qd 64 --bs 1m" "--qd 2 --bs 3m"; do
		for method in "--method splice" "--method rw"; do
			# shellcheck disable=SC2086
			copy "$src" $method $args
		done
	done
	copy "$src" --verify --qd 4 --bs 64k
	copy "$src" --verify --method rw --qd 8 --bs 64k
	[ "$direct" -eq 0 ] && continue
	copy "$src" --direct --qd 1 --bs 4k
	copy "$src" --direct --verify --qd 8 --bs 64k
	copy "$src" --direct --method rw --qd 64 --bs 1m
done
[ "$(stat -c %a "$dir/copy1")" = 640 ] || fail "mode not kept: $(stat -c %a "$dir/copy1")"

# Splice takes two fds per task: --qd 1024 passes a soft limit of 1024 open
# files, which urt-cp raises towards the hard limit; a hard limit too low
# for it is one clear line, exit 1, no destination.
# shellcheck disable=SC3045 # dash and bash both take ulimit -H/-S/-n
if [ "$(ulimit -Hn)" = unlimited ] || [ "$(ulimit -Hn)" -ge 2200 ]; then
	# shellcheck disable=SC3045
	(ulimit -Sn 1024 && exec "$cp_bin" --qd 1024 --bs 2k "$dir/odd" "$dir/many") &&
		cmp -s "$dir/odd" "$dir/many" || fail "--qd 1024 under ulimit -Sn 1024: no true copy"
	rm -f "$dir/many"
fi
# shellcheck disable=SC3045
(ulimit -n 200 && exec "$cp_bin" --qd 1024 --bs 1k "$dir/odd" "$dir/many") 2>"$dir/err"
status=$?
[ "$status" -eq 1 ] && grep -q 'needs two pipe fds per task' "$dir/err" && [ ! -e "$dir/many" ] ||
	fail "--qd 1024 under ulimit -n 200: status $status, $(cat "$dir/err")"

# --direct bypasses the page cache: its copy has no page in it (the other
# methods leave theirs cached).  On tmpfs every page is the cache itself.
cached() { fincore --bytes --noheadings --output RES "$1" | tr -d " "; }
if [ "$direct" -eq 1 ] && command -v fincore >/dev/null 2>&1 && [ "$(stat -f -c %T "$dir")" != tmpfs ]; then
	"$cp_bin" --direct --qd 4 --bs 64k "$dir/odd" "$dir/direct-copy" || fail "--direct copy exited $?"
	[ "$(cached "$dir/direct-copy")" = 0 ] || fail "--direct left $(cached "$dir/direct-copy") bytes of the copy cached"
	"$cp_bin" --qd 4 --bs 64k "$dir/odd" "$dir/cached-copy" || fail "splice copy exited $?"
	[ "$(cached "$dir/cached-copy")" -gt 0 ] || fail "fincore sees no cached page even without --direct: the check above proves nothing"
	rm -f "$dir/direct-copy" "$dir/cached-copy"
fi

# A sparse source stays sparse: only its data extents are copied (SEEK_DATA /
# SEEK_HOLE) and the copy is cut to its size, so the copy has the same bytes
# (cmp: holes read as zeroes) and no more allocated blocks than the source
# plus a small margin (64 sectors, 32 KiB).  Data at 0, 1 MiB, 33 MiB and a
# 1000-byte piece off any block boundary, then a hole to the end (80 MiB);
# and a file that is one hole.  Filled in, each copy would hold 80 MiB.
sparse_ok=1
rm -f "$dir/sparse"
truncate -s 64M "$dir/sparse" || sparse_ok=0
for mib in 0 1 33; do
	dd if=/dev/urandom of="$dir/sparse" bs=64k count=3 seek=$((mib * 16)) conv=notrunc status=none || sparse_ok=0
done
dd if=/dev/urandom of="$dir/sparse" bs=1000 count=1 seek=5000 conv=notrunc status=none || sparse_ok=0
truncate -s 80M "$dir/sparse" || sparse_ok=0
truncate -s 5M "$dir/allhole" || sparse_ok=0
blocks() { stat -c %b "$1"; }
if [ "$sparse_ok" -eq 1 ] && [ "$(blocks "$dir/sparse")" -lt 20480 ]; then
	sparse_runs="--method splice|--method rw --qd 3 --bs 100k|--verify --qd 2 --bs 64k"
	[ "$direct" -eq 1 ] && sparse_runs="$sparse_runs|--direct --qd 4 --bs 1m"
	IFS='|'
	for args in $sparse_runs; do
		IFS=' '
		for src in sparse allhole; do
			rm -f "$dir/sparse.copy"
			# shellcheck disable=SC2086
			"$cp_bin" $args "$dir/$src" "$dir/sparse.copy" || { fail "sparse $src $args: exit $?"; continue; }
			cmp -s "$dir/$src" "$dir/sparse.copy" || fail "sparse $src $args: the copy differs"
			[ "$(blocks "$dir/sparse.copy")" -le $(($(blocks "$dir/$src") + 64)) ] ||
				fail "sparse $src $args: the copy has $(blocks "$dir/sparse.copy") blocks of 512 B, the source $(blocks "$dir/$src"): holes filled in"
		done
		IFS='|'
	done
	IFS=' '
	rm -f "$dir/sparse.copy"
else
	echo "note: $(stat -f -c %T "$dir") made no sparse file here; the hole checks did not run"
fi
rm -f "$dir/sparse" "$dir/allhole"

# A destination that is a directory means DIR/NAME, as with cp; then the
# usual rules: an existing DIR/NAME is refused without --force (one line
# naming it, exit 2), replaced with it; a DIR/NAME that is a directory is
# refused even with --force, and left alone.
mkdir "$dir/into"
"$cp_bin" "$dir/odd" "$dir/into" && cmp -s "$dir/odd" "$dir/into/odd" || fail "copy into a directory: no true DIR/odd"
"$cp_bin" "$dir/odd" "$dir/into/" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "into/odd: File exists" "$dir/err" ||
	fail "copy into a directory holding the name: status $status, expected 2 and one line naming into/odd: $(cat "$dir/err")"
"$cp_bin" --force --qd 3 --bs 64k "$dir/odd" "$dir/into/" && cmp -s "$dir/odd" "$dir/into/odd" ||
	fail "--force copy into a directory did not replace DIR/odd"
rm -f "$dir/into/odd"
mkdir "$dir/into/odd"
"$cp_bin" --force "$dir/odd" "$dir/into" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "into/odd: is a directory" "$dir/err" ||
	fail "DIR/odd is a directory: status $status, expected 2 and one line 'is a directory': $(cat "$dir/err")"
[ -d "$dir/into/odd" ] && [ -z "$(ls -A "$dir/into/odd")" ] || fail "DIR/odd, a directory, was changed"
for t in "$dir"/into/*.tmp.* "$dir"/into/.*.tmp.*; do
	[ ! -e "$t" ] || fail "temporary file left in the directory: $t"
done
rm -rf "$dir/into"

# An existing destination is left alone without --force, replaced with it.
printf 'keep me\n' > "$dir/dest"
"$cp_bin" "$dir/odd" "$dir/dest" 2>/dev/null
status=$?
[ "$status" -eq 2 ] || fail "existing destination: status $status, expected 2"
[ "$(cat "$dir/dest")" = "keep me" ] || fail "existing destination was modified"
"$cp_bin" --force --qd 4 --bs 128k "$dir/odd" "$dir/dest" && cmp -s "$dir/odd" "$dir/dest" ||
	fail "--force did not replace the destination with a true copy"

for bad in "--qd 0" "--bs 0" "--qd x" "--bogus" "extra-arg" "--method" "--method copy" \
	"--direct --method splice" "--direct --bs 1000"; do
	# shellcheck disable=SC2086
	"$cp_bin" $bad "$dir/odd" "$dir/never" 2>/dev/null
	status=$?
	[ "$status" -eq 2 ] || fail "'$bad': status $status, expected 2"
	[ ! -e "$dir/never" ] || { fail "'$bad' created the destination"; rm -f "$dir/never"; }
done
"$cp_bin" "$dir/missing" "$dir/never" 2>/dev/null
[ $? -eq 2 ] || fail "missing source: expected status 2"
# A FIFO source: refused at once (exit 2), not a wait for a writer for ever.
mkfifo "$dir/fifo" || fail "mkfifo"
timeout 10 "$cp_bin" "$dir/fifo" "$dir/never" 2>"$dir/fifo.err"
status=$?
[ "$status" -eq 2 ] && [ "$(wc -l <"$dir/fifo.err")" -eq 1 ] ||
	fail "FIFO source: status $status (124 = hung), expected 2 and one line: $(cat "$dir/fifo.err")"
[ ! -e "$dir/never" ] || { fail "FIFO source created the destination"; rm -f "$dir/never"; }
rm -f "$dir/fifo"
# A file whose size reads 0 but which has content (/proc): refused, even with
# --verify (it would be copied as an empty file); a truly empty file is copied.
for v in "" --verify; do
	# shellcheck disable=SC2086
	"$cp_bin" $v /proc/self/status "$dir/never" 2>"$dir/proc.err"
	status=$?
	[ "$status" -eq 2 ] && grep -q "size is not known" "$dir/proc.err" ||
		fail "/proc/self/status $v: status $status, expected 2 'size is not known': $(cat "$dir/proc.err")"
	[ ! -e "$dir/never" ] || { fail "/proc source created the destination"; rm -f "$dir/never"; }
done
: >"$dir/empty"
"$cp_bin" --verify "$dir/empty" "$dir/empty.copy" && [ -f "$dir/empty.copy" ] && [ ! -s "$dir/empty.copy" ] ||
	fail "an empty regular file was not copied"
rm -f "$dir/empty" "$dir/empty.copy"
"$cp_bin" --force "$dir/odd" "$dir/odd" 2>/dev/null
[ $? -eq 2 ] && cmp -s "$dir/odd" "$dir/copy1" || fail "copy onto itself must be refused and leave the file intact"

# Onto itself through its directory (DIR/odd is odd): refused the same way.
"$cp_bin" --force "$dir/odd" "$dir" 2>"$dir/err"
[ $? -eq 2 ] && grep -q "are the same file" "$dir/err" && cmp -s "$dir/odd" "$dir/copy1" ||
	fail "copy onto itself through its directory must be refused: $(cat "$dir/err")"
# A destination in a directory that does not exist: one line, exit 2, nothing made.
"$cp_bin" "$dir/odd" "$dir/nodir/x" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && [ ! -e "$dir/nodir" ] ||
	fail "destination in a missing directory: status $status, expected 2 and one line: $(cat "$dir/err")"

# A symbolic link DST, dangling or not, with or without --force: refused
# up front (exit 2, one line), the link and its target left alone.
printf 'old target\n' >"$dir/target"
ln -s "$dir/target" "$dir/link"
ln -s "$dir/nowhere" "$dir/dangling"
for dst in link dangling; do
	for force in "" --force; do
		# shellcheck disable=SC2086
		"$cp_bin" $force "$dir/odd" "$dir/$dst" 2>"$dir/err"
		status=$?
		[ "$status" -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "is a symbolic link" "$dir/err" ||
			fail "symlink DST $dst $force: status $status, expected 2 and one 'is a symbolic link' line: $(cat "$dir/err")"
		[ -L "$dir/$dst" ] || fail "symlink DST $dst $force: the link was replaced"
	done
done
[ "$(cat "$dir/target")" = "old target" ] || fail "symlink DST: the link's target was changed"
[ ! -e "$dir/nowhere" ] || fail "dangling symlink DST: its target was created"
rm -f "$dir/target" "$dir/link" "$dir/dangling"
# An empty DST: bad input, refused before anything is copied.
"$cp_bin" "$dir/odd" "" 2>"$dir/err"
status=$?
[ "$status" -eq 2 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] || fail "empty DST: status $status, expected 2: $(cat "$dir/err")"
# A DST name of 255 bytes (NAME_MAX) is valid: DST.tmp.XXXXXX would not be,
# so the copy is made under a short temporary name and renamed.
long=$(printf '%0255d' 0)
"$cp_bin" "$dir/odd" "$dir/$long" 2>"$dir/err" && cmp -s "$dir/odd" "$dir/$long" ||
	fail "a 255-byte DST name: no true copy: $(cat "$dir/err")"
rm -f "$dir/$long"
# Past ulimit -f: SIGXFSZ must not kill urt-cp with its temporary file in
# place; exit 1, one line, no DST, no temporary file.  A hole-ended source
# (the limit is passed by the final ftruncate) and a dense one (by a write).
truncate -s 10M "$dir/holey" || fail "truncate"
for src in holey odd; do
	# shellcheck disable=SC3045
	(ulimit -f 1000 && exec "$cp_bin" "$dir/$src" "$dir/toobig") 2>"$dir/err"
	status=$?
	[ "$status" -eq 1 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "File too large" "$dir/err" ||
		fail "$src past ulimit -f: status $status, expected 1 and one 'File too large' line: $(cat "$dir/err")"
	[ ! -e "$dir/toobig" ] || fail "$src past ulimit -f: left a destination"
	for t in "$dir"/toobig.tmp.*; do
		[ ! -e "$t" ] || { fail "$src past ulimit -f: left $t"; rm -f "$t"; }
	done
done
rm -f "$dir/holey"

leftovers() { ls -A "$dir" | grep -c '\.tmp\.'; }
# Until copy PID has its temporary file (it is writing), has ended, or 5 s.
wait_for_tmp() {
	i=0
	while [ "$(leftovers)" -eq 0 ] && kill -0 "$1" 2>/dev/null && [ "$i" -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
}
[ "$(leftovers)" -eq 0 ] || fail "temporary files left behind: $(ls -A "$dir" | grep '\.tmp\.')"

# An I/O error mid-copy (the runtime's urt/op/error fault point, armed by
# fiu-run's environment): exit 1, no destination, the old one intact.
if command -v fiu-run >/dev/null 2>&1; then
	# fiu-run preloads a library: ASan must not insist on being first.
	ASAN_OPTIONS="${ASAN_OPTIONS:-}${ASAN_OPTIONS:+:}verify_asan_link_order=0:detect_leaks=0"
	export ASAN_OPTIONS
	# -x (libfiu's POSIX wrappers) as a user would type it; not under ASan,
	# whose interceptors it crashes.  The urt/ points need neither.
	fiu_x=-x
	ldd "$cp_bin" 2>/dev/null | grep -q libasan && fiu_x=
	inject() { fiu-run $fiu_x -c 'enable_random name=urt/op/error,probability=0.05' "$cp_bin" "$@"; }
	for method in splice rw; do
		inject --method "$method" --bs 4k "$dir/odd" "$dir/faulted" 2>"$dir/err"
		status=$?
		[ "$status" -eq 1 ] || fail "injected urt/op/error, $method: status $status, expected 1"
		grep -q 'Input/output error' "$dir/err" || fail "injected urt/op/error, $method: no error message: $(cat "$dir/err")"
		[ ! -e "$dir/faulted" ] || fail "injected urt/op/error, $method: left a destination of $(stat -c %s "$dir/faulted") bytes"
	done
	# Short splices (urt/read/short cuts a splice out of SRC, urt/write/short
	# one into DST): a chain stops at each, urt-cp finishes the piece and the
	# ones after it one splice at a time; the copy is still byte for byte.
	for point in urt/read/short urt/write/short; do
		for shape in "--bs 4k" "--qd 3 --bs 100k"; do
			rm -f "$dir/shortlog" "$dir/shorted"
			# shellcheck disable=SC2086 # $shape is two options
			URT_FAULT_LOG="$dir/shortlog" fiu-run $fiu_x -c "enable_random name=$point,probability=0.3" \
				"$cp_bin" $shape "$dir/odd" "$dir/shorted" 2>"$dir/err" ||
				fail "$point, splice $shape: status $?, $(cat "$dir/err")"
			cmp -s "$dir/odd" "$dir/shorted" || fail "$point, splice $shape: the copy differs"
			[ -s "$dir/shortlog" ] || fail "$point, splice $shape: the point never fired"
		done
	done
	# Every splice out of SRC short, past ulimit -f: the error of the
	# one-splice-at-a-time path that finishes a stopped chain is reported
	# as it is (File too large), not as a made-up EIO.
	# The fault lengths follow FIU_PRNG_SEED: seeds 1 and 3 end in that
	# path (with the defect they said "Input/output error"), 2 does not.
	for seed in 1 2 3; do
		# shellcheck disable=SC3045
		(ulimit -f 514 && FIU_PRNG_SEED=$seed exec fiu-run $fiu_x -c "enable name=urt/read/short" \
			"$cp_bin" --bs 4k "$dir/odd" "$dir/toobig") 2>"$dir/err"
		status=$?
		[ "$status" -eq 1 ] && grep -q "File too large" "$dir/err" ||
			fail "short splices past ulimit -f, seed $seed: status $status, expected 1 and 'File too large': $(cat "$dir/err")"
		[ ! -e "$dir/toobig" ] || fail "short splices past ulimit -f: left a destination"
	done
	printf 'old contents\n' > "$dir/old"
	inject --force --bs 4k "$dir/odd" "$dir/old" 2>/dev/null
	status=$?
	[ "$status" -eq 1 ] || fail "injected urt/op/error with --force: status $status, expected 1"
	[ "$(cat "$dir/old")" = "old contents" ] || fail "a failed --force copy damaged the old destination"
	[ "$(leftovers)" -eq 0 ] || fail "a failed copy left its temporary file"
else
	echo "note: fiu-run missing, the injected-error checks did not run"
fi

# SIGINT mid-copy: wait until the temporary file is being written, then
# interrupt.  1 KiB blocks at depth 1 make the copy take long enough.
head -c 64000000 /dev/urandom > "$dir/big" || exit 1
caught=0
for attempt in 1 2 3; do
	"$cp_bin" --qd 1 --bs 1k "$dir/big" "$dir/big.copy" 2>"$dir/err" &
	pid=$!
	wait_for_tmp "$pid"
	kill -INT "$pid" 2>/dev/null
	wait "$pid"
	status=$?
	if [ "$status" -eq 0 ] && [ -e "$dir/big.copy" ]; then
		rm -f "$dir/big.copy" # finished before the signal: try again
		continue
	fi
	caught=1
	[ "$status" -eq 130 ] || fail "SIGINT: status $status, expected 130"
	grep -qx 'urt-cp: interrupted' "$dir/err" || fail "SIGINT: no 'interrupted' line: $(cat "$dir/err")"
	[ ! -e "$dir/big.copy" ] || fail "SIGINT left a destination"
	[ "$(leftovers)" -eq 0 ] || fail "SIGINT left the temporary file"
	break
done
[ "$caught" -eq 1 ] || fail "SIGINT: the copy always finished before the signal; nothing was checked"

# At depth 1 urt-cp holds itself (and so the io-wq workers it creates) to
# one CPU, when it may use more; --no-pin and --qd 2 leave its CPUs alone.
# Read from /proc while a slow copy runs.
cpus_of() { sed -n 's/^Cpus_allowed_list:[[:space:]]*//p' "/proc/$1/status"; }
mine=$(cpus_of $$)
case "$mine" in
*[-,]*)
	for opts in "--qd 1" "--qd 1 --no-pin" "--qd 2"; do
		rm -f "$dir/pinned"
		# shellcheck disable=SC2086 # $opts is several options
		"$cp_bin" $opts --bs 1k "$dir/big" "$dir/pinned" 2>"$dir/err" &
		pid=$!
		wait_for_tmp "$pid"
		theirs=$(cpus_of "$pid" 2>/dev/null)
		kill -INT "$pid" 2>/dev/null
		wait "$pid"
		rm -f "$dir/pinned"
		[ -n "$theirs" ] || { fail "pinning, $opts: the copy ended before it could be looked at"; continue; }
		case "$opts:$theirs" in
		"--qd 1:"*[-,]*) fail "--qd 1: still allowed CPUs $theirs (want one)" ;;
		"--qd 1:"*) ;;
		*) [ "$theirs" = "$mine" ] || fail "$opts: CPUs $theirs, want those it was given ($mine)" ;;
		esac
	done
	;;
*) echo "note: this shell may use one CPU only ($mine): pinning not checked" ;;
esac

# A destination that appears while the copy runs is not replaced without
# --force: exit 1, one line saying so, the newcomer intact, no temporary file.
caught=0
for attempt in 1 2 3; do
	rm -f "$dir/late"
	"$cp_bin" --qd 1 --bs 1k "$dir/big" "$dir/late" 2>"$dir/err" &
	pid=$!
	wait_for_tmp "$pid"
	printf 'came first\n' >"$dir/late"
	wait "$pid"
	status=$?
	[ "$status" -eq 0 ] && continue # finished before the file appeared: try again
	caught=1
	[ "$status" -eq 1 ] && [ "$(wc -l <"$dir/err")" -eq 1 ] && grep -q "appeared during the copy" "$dir/err" ||
		fail "destination appearing mid-copy: status $status, expected 1 and one line: $(cat "$dir/err")"
	[ "$(cat "$dir/late")" = "came first" ] || fail "destination appearing mid-copy was replaced"
	[ "$(leftovers)" -eq 0 ] || fail "destination appearing mid-copy: temporary file left"
	break
done
[ "$caught" -eq 1 ] || fail "destination appearing mid-copy: the copy always finished first; nothing was checked"
rm -f "$dir/late"

# --verify against a source that changes under the copy: once the copy
# holds more than its first block (depth 1 copies blocks in order), the
# source's first bytes are overwritten, so the finished copy no longer
# matches it.  --verify must exit 1, say where, and leave no destination.
# A run that finished before the change proves nothing: try again.
caught=0
for attempt in 1 2 3 4 5; do
	head -c 16000000 "$dir/big" > "$dir/vsrc"
	"$cp_bin" --verify --qd 1 --bs 1k "$dir/vsrc" "$dir/vcopy" 2>"$dir/err" &
	pid=$!
	i=0
	while [ "$(find "$dir" -name 'vcopy.tmp.*' -size +64k | wc -l)" -eq 0 ] && kill -0 "$pid" 2>/dev/null &&
		[ "$i" -lt 500 ]; do
		sleep 0.01
		i=$((i + 1))
	done
	printf 'changed under the copy' | dd of="$dir/vsrc" conv=notrunc status=none
	wait "$pid"
	status=$?
	if [ "$status" -eq 0 ]; then
		rm -f "$dir/vcopy" # copied and verified before the change: try again
		continue
	fi
	caught=1
	[ "$status" -eq 1 ] || fail "--verify of a changed source: status $status, expected 1: $(cat "$dir/err")"
	# The first differing byte is among the 22 overwritten (one of them
	# may happen to equal the random byte it replaced).
	grep -Eq "verify: the copy differs from .* at byte ([0-9]|1[0-9]|2[01]) " "$dir/err" ||
		fail "--verify of a changed source: no 'differs at byte 0..21' line: $(cat "$dir/err")"
	[ ! -e "$dir/vcopy" ] || fail "--verify found a difference but left the destination"
	[ "$(leftovers)" -eq 0 ] || fail "--verify found a difference but left the temporary file"
	break
done
[ "$caught" -eq 1 ] || fail "--verify: every copy finished before the source changed; nothing was checked"

# --verify reads only SRC's data: a hole is checked to read as zeroes in
# both files by SEEK_DATA, not by reading it, so a 4 TiB file that is one
# hole verifies as fast as it copies (read whole, it would take hours; the
# 20 s timeout only stops such a run, it is no speed limit).
if truncate -s 4T "$dir/huge" 2>/dev/null && [ "$(blocks "$dir/huge")" -eq 0 ]; then
	for args in --verify "--verify --method rw --qd 4" "--verify --direct"; do
		[ "$direct" -eq 0 ] && [ "$args" = "--verify --direct" ] && continue
		rm -f "$dir/huge.copy"
		# shellcheck disable=SC2086
		timeout 20 "$cp_bin" $args "$dir/huge" "$dir/huge.copy" 2>"$dir/err"
		status=$?
		[ "$status" -eq 0 ] && [ "$(stat -c %s "$dir/huge.copy")" = "$(stat -c %s "$dir/huge")" ] ||
			fail "4 TiB hole, $args: status $status (124: it read the hole), expected 0: $(cat "$dir/err")"
	done
	rm -f "$dir/huge.copy"
else
	echo "note: $(stat -f -c %T "$dir") made no 4 TiB sparse file; the large-hole --verify check did not run"
fi
rm -f "$dir/huge"

# ...yet a hole can still fail verification: bytes that appear during the
# copy where SRC's map said hole, in the copy (its temporary file) or in
# SRC, make --verify exit 1 naming that offset (24 MiB), no destination.
# 16 MB of data copied in 1 KiB blocks, then a hole to 32 MiB.
for where in copy source; do
	caught=0
	for attempt in 1 2 3 4 5; do
		head -c 16000000 "$dir/big" >"$dir/hsrc"
		truncate -s 32M "$dir/hsrc"
		rm -f "$dir/hcopy"
		"$cp_bin" --verify --qd 1 --bs 1k "$dir/hsrc" "$dir/hcopy" 2>"$dir/err" &
		pid=$!
		i=0
		while [ "$(find "$dir" -name 'hcopy.tmp.*' -size +64k | wc -l)" -eq 0 ] && kill -0 "$pid" 2>/dev/null &&
			[ "$i" -lt 500 ]; do
			sleep 0.01
			i=$((i + 1))
		done
		target=$dir/hsrc
		[ "$where" = copy ] && target=$(find "$dir" -name 'hcopy.tmp.*' | head -1)
		[ -n "$target" ] && printf 'not a hole' | dd of="$target" bs=1M seek=24 conv=notrunc,nocreat status=none 2>/dev/null
		wait "$pid"
		status=$?
		[ "$status" -eq 0 ] && continue # verified before the bytes appeared: try again
		caught=1
		[ "$status" -eq 1 ] && grep -q "differs from .* at byte 25165824 " "$dir/err" ||
			fail "bytes in a hole of the $where: status $status, expected 1 'differs ... at byte 25165824': $(cat "$dir/err")"
		[ ! -e "$dir/hcopy" ] || fail "bytes in a hole of the $where: --verify left the destination"
		[ "$(leftovers)" -eq 0 ] || fail "bytes in a hole of the $where: the temporary file was left"
		break
	done
	[ "$caught" -eq 1 ] || fail "bytes in a hole of the $where: every copy verified first; nothing was checked"
done
rm -f "$dir/hsrc" "$dir/hcopy"

[ "$failures" -eq 0 ] || { echo "urt_cp: $failures failure(s)"; exit 1; }
echo "urt_cp: $n copies byte-identical; refusals, --direct, --verify, injected errors and SIGINT ok"
