#!/bin/sh
# Command-level comparisons with hyperfine, written as JSON for report.py.
#
#   1. urt-cp in its modes against cp and dd, copying the same file (default
#      64 MiB of random data, created in a temp dir under ${TMPDIR:-/tmp} and
#      left in the page cache; the file system's type is noted on stderr).
#      Warm: urt-cp (splice, its default), urt-cp --method rw, urt-cp
#      --verify, cp, and dd with urt-cp's block size; all read cached data,
#      so the comparison is of the copy paths, not the disk.  Cold: urt-cp
#      --direct against dd iflag=direct oflag=direct with the same block
#      size (both bypass the cache: disk speed); left out, with a note, when
#      the file system refuses O_DIRECT or the block size is not a multiple
#      of 4 KiB.  Each copy is checked with cmp afterwards: a wrong copy
#      voids the timing.
#   2. urt-bench against itself across options: submit batch 1 vs 8 on a
#      fixed 2M nops (--ops, --warmup 0), so the option's effect is wall time.
#
# Usage: scripts/compare-commands.sh [--bin DIR] [--out DIR] [--size SIZE]
#                                    [--runs N] [--qd N] [--bs SIZE] [--bench-ops N]
#   --bin DIR   where urt-cp and urt-bench are ($URT_BIN_DIR, else build/release/bench)
#   --out DIR   where the JSON goes (default results/<UTC timestamp>/)
#   --size      size of the file to copy, k/m/g suffixes (default 64m)
#   --runs N    timed runs per command, after one warm-up run (default 10)
#   --qd, --bs  urt-cp's queue depth and block size, dd's bs (default 1, 1m: urt-cp's own)
#   --bench-ops N  nops per urt-bench run in comparison 2 (default 2000000)
#   $HYPERFINE  the hyperfine to run (default: hyperfine on PATH)
#
# Prints the path of each JSON file written, one per line, on stdout; notes
# on stderr.  A missing urt-cp or urt-bench skips that comparison with a
# note.  Exit status: 0 what could run ran and every copy was right; 1 a
# copy was wrong or hyperfine failed; 2 bad arguments (one line, checked
# before anything runs, including an --out that cannot be created);
# 77 nothing could run (no hyperfine, or neither binary), with the reason;
# 130 interrupted: hyperfine and its commands are stopped, the temp dir and
# any JSON this run wrote are removed.  Existing files are never overwritten.
set -eu

prog=compare-commands.sh
root=$(cd "$(dirname "$0")/.." && pwd)
bin=${URT_BIN_DIR:-$root/build/release/bench}
out=""
size=64m
runs=10
bench_ops=2000000
qd=1
bs=1m
hyperfine=${HYPERFINE:-hyperfine}

die() { echo "$prog: $*" >&2; exit 2; }
note() { echo "$prog: $*" >&2; }

# "64m" -> 67108864; empty output for anything else.
bytes_of() {
    case "$1" in
        *[!0-9kmgKMG]* | "" | [kmgKMG]*) return 0 ;;
    esac
    num=${1%[kmgKMG]}
    case "$num" in *[!0-9]* | "") return 0 ;; esac
    case "$1" in
        *[kK]) echo $((num * 1024)) ;;
        *[mM]) echo $((num * 1024 * 1024)) ;;
        *[gG]) echo $((num * 1024 * 1024 * 1024)) ;;
        *) echo "$num" ;;
    esac
}

while [ $# -gt 0 ]; do
    case "$1" in
        --bin|--out|--size|--runs|--qd|--bs|--bench-ops)
            [ $# -ge 2 ] || die "$1 needs a value"
            case "$1" in
                --bin) bin=$2 ;; --out) out=$2 ;; --size) size=$2 ;;
                --runs) runs=$2 ;; --qd) qd=$2 ;; --bs) bs=$2 ;;
                --bench-ops) bench_ops=$2 ;;
            esac
            shift 2 ;;
        --version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" compare-commands.sh ;;
        -h|--help) awk 'NR == 1 { next } /^#/ { sub(/^# ?/, ""); print; next } { exit }' "$0"; exit 0 ;;
        *) die "unknown argument '$1' (try --help)" ;;
    esac
done

case "$runs" in ''|*[!0-9]*|0) die "--runs: expected a positive integer, got '$runs'" ;; esac
case "$qd" in ''|*[!0-9]*|0) die "--qd: expected a positive integer, got '$qd'" ;; esac
case "$bench_ops" in ''|*[!0-9]*|0) die "--bench-ops: expected a positive integer, got '$bench_ops'" ;; esac
size_bytes=$(bytes_of "$size")
if [ -z "$size_bytes" ] || [ "$size_bytes" -eq 0 ]; then
    die "--size: expected a size like 64m, got '$size'"
fi
bs_bytes=$(bytes_of "$bs")
[ -n "$bs_bytes" ] && [ "$bs_bytes" -gt 0 ] || die "--bs: expected a size like 1m, got '$bs'"
[ -z "$out" ] && out="$root/results/$(date -u +%Y%m%dT%H%M%SZ)"
[ -e "$out" ] && [ ! -d "$out" ] && die "--out $out: exists and is not a directory"
# The folder is created only when there is a result to put in it, but
# whether it can be must be known before minutes of timing, not after.
probe=$out
while [ ! -e "$probe" ]; do probe=$(dirname "$probe"); done
[ -d "$probe" ] && [ -w "$probe" ] || die "--out $out: cannot create it ($probe is not a writable directory)"

cp_json="$out/hyperfine_cp.json"
bench_json="$out/hyperfine_bench_batch.json"
for f in "$cp_json" "$bench_json"; do
    [ -e "$f" ] && die "$f exists; not overwriting it (choose another --out)"
done

if ! command -v "$hyperfine" >/dev/null 2>&1; then
    note "skipped: hyperfine not found (apt-get install hyperfine)"
    exit 77
fi
[ -d "$bin" ] || note "note: --bin $bin is not a directory; urt-cp and urt-bench will be missing"
# The commands run in the temp dir: a relative --bin must not go with them.
[ ! -d "$bin" ] || bin=$(cd "$bin" && pwd)
if [ ! -x "$bin/urt-cp" ] && [ ! -x "$bin/urt-bench" ]; then
    note "skipped urt-cp vs cp vs dd and urt-bench --batch 1 vs 8: neither $bin/urt-cp nor $bin/urt-bench found (build them, or pass --bin DIR)"
    exit 77
fi

tmp=$(mktemp -d "${TMPDIR:-/tmp}/urt-compare.XXXXXX")
written=""
child=""
made_out=""
[ -d "$out" ] || made_out=1
trap 'rm -rf "$tmp"' EXIT
# hyperfine runs in its own session, so an interrupt stops it and the command
# it is timing together; the JSON this run already wrote goes too, so an
# interrupted run leaves nothing that looks like a finished one.
on_signal() {
    trap '' INT TERM
    if [ -n "$child" ]; then
        kill -s TERM -- "-$child" 2>/dev/null || true
        wait "$child" 2>/dev/null || true
    fi
    for f in $written; do rm -f "$f"; done
    [ -z "$made_out" ] || rmdir "$out" 2>/dev/null || true
    echo "$prog: interrupted" >&2
    exit 130
}
trap on_signal INT TERM
# in_tmp CMD...: run CMD in the temp dir, in its own session, until it ends.
in_tmp() {
    ( cd "$tmp" && exec setsid "$@" ) >&2 &
    child=$!
    rc=0
    wait "$child" || rc=$?
    child=""
    return $rc
}

# Each copy goes to a file its own --prepare removed first (one --prepare per
# command, in command order), so every run creates its destination like the
# others and the last run's output is left for cmp.
# The commands run with the binaries' directory first on PATH and the temp
# dir as working directory, so the JSON shows short, readable commands.
export PATH="$bin:$PATH"

# ---- 1. urt-cp vs cp vs dd --------------------------------------------------
if [ -x "$bin/urt-cp" ]; then
    head -c "$size_bytes" /dev/urandom > "$tmp/src.bin"
    # findmnt names ext4 as such; stat -f says "ext2/ext3" for all three.
    fs=$(findmnt -n -o FSTYPE -T "$tmp" 2>/dev/null || stat -f -c %T "$tmp")
    note "copying $size on $fs ($tmp)"
    # Each command: its --prepare, the command, its destination for cmp.
    set -- --prepare 'rm -f dst-urt.bin' "urt-cp --qd $qd --bs $bs src.bin dst-urt.bin" \
        --prepare 'rm -f dst-urt-rw.bin' "urt-cp --method rw --qd $qd --bs $bs src.bin dst-urt-rw.bin" \
        --prepare 'rm -f dst-urt-verify.bin' "urt-cp --verify --qd $qd --bs $bs src.bin dst-urt-verify.bin" \
        --prepare 'rm -f dst-cp.bin' "cp src.bin dst-cp.bin" \
        --prepare 'rm -f dst-dd.bin' "dd if=src.bin of=dst-dd.bin bs=$bs_bytes status=none"
    copies="dst-urt.bin dst-urt-rw.bin dst-urt-verify.bin dst-cp.bin dst-dd.bin"
    if [ $((bs_bytes % 4096)) -ne 0 ]; then
        note "left out urt-cp --direct vs dd oflag=direct: --bs $bs is not a multiple of 4k"
    elif ! (cd "$tmp" && head -c 4096 src.bin > probe.bin && urt-cp --direct probe.bin probe-copy.bin &&
            dd if=probe.bin of=probe-dd.bin bs=4096 iflag=direct oflag=direct status=none) 2>/dev/null; then
        note "left out urt-cp --direct vs dd oflag=direct: $fs refuses O_DIRECT"
    else
        set -- "$@" --prepare 'rm -f dst-urt-direct.bin' "urt-cp --direct --qd $qd --bs $bs src.bin dst-urt-direct.bin" \
            --prepare 'rm -f dst-dd-direct.bin' \
            "dd if=src.bin of=dst-dd-direct.bin bs=$bs_bytes iflag=direct oflag=direct status=none"
        copies="$copies dst-urt-direct.bin dst-dd-direct.bin"
    fi
    in_tmp "$hyperfine" --warmup 1 --runs "$runs" --style basic --export-json "$tmp/cp.json" "$@" \
        || { note "hyperfine failed on the copy comparison (see above)"; exit 1; }
    for copy in $copies; do
        if ! cmp -s "$tmp/src.bin" "$tmp/$copy"; then
            note "$copy differs from the source: the copy is wrong, so its timing is void (no JSON written)"
            exit 1
        fi
    done
    mkdir -p "$out" || die "--out $out: cannot create directory"
    written="$cp_json"
    mv "$tmp/cp.json" "$cp_json"
    echo "$cp_json"
else
    note "skipped urt-cp vs cp vs dd: $bin/urt-cp not found (build it, or pass --bin DIR)"
fi

# ---- 2. urt-bench against itself: submit batch 1 vs 8 -----------------------
if [ -x "$bin/urt-bench" ]; then
    in_tmp "$hyperfine" --warmup 1 --runs "$runs" --style basic \
        --export-json "$tmp/bench.json" --parameter-list batch 1,8 \
        "urt-bench --workload nop --backend urt --qd 32 --batch {batch} --ops $bench_ops --warmup 0 --quiet" \
        || { note "hyperfine failed on the urt-bench comparison (see above)"; exit 1; }
    mkdir -p "$out" || die "--out $out: cannot create directory"
    written="$written $bench_json"
    mv "$tmp/bench.json" "$bench_json"
    echo "$bench_json"
else
    note "skipped urt-bench --batch 1 vs 8: $bin/urt-bench not found (build it, or pass --bin DIR)"
fi
