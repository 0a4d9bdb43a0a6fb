#!/bin/sh
# Print the path of a Python 3 interpreter that can import jsonschema and
# matplotlib (and any extra modules named with --with; --bare drops
# matplotlib, never jsonschema: every urt-bench/1 reader validates with it),
# one line on stdout.  The one way the project finds Python: every script, CMake and
# urtperf's re-exec (scripts/urtperf/interpreter.py) ask this.
#
# Why this exists: the first python3 on PATH may be a pyenv or venv build
# without Debian's python3-matplotlib, which installs only for the system
# interpreter, and no package index may be reachable.  So we probe the
# candidates in order instead of trusting PATH.
#
# Usage: find-python.sh [--bare] [--with MODULE]...
#   $URT_PYTHON, when set, is tried first.
# Exit 0 and print the interpreter; otherwise exit 1 with one line on stderr
# that says what to install.

modules=matplotlib
while [ $# -gt 0 ]; do
    case "$1" in
        --with)
            [ $# -ge 2 ] || { echo "find-python.sh: --with needs a module name" >&2; exit 2; }
            modules="${modules:+$modules }$2"; shift 2 ;;
        --bare)
            modules=""; shift ;;
        --version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" find-python.sh ;;
        -h|--help)
            sed -n '2,16p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
        *)
            echo "find-python.sh: unknown argument '$1' (try --help)" >&2; exit 2 ;;
    esac
done

# Every tool that reads urt-bench/1 or urt-faults/1 checks it against the
# committed schema (scripts/urtperf/schema.py): jsonschema always.
modules="${modules:+$modules }jsonschema"

# "import a, b" for every module wanted; Agg so probing never needs a display.
probe="import os; os.environ['MPLBACKEND']='Agg'"
for m in $modules; do probe="$probe; import $m"; done

# The system interpreter first: that is where Debian puts python3-matplotlib.
# Then every python3 on PATH (POSIX sh has no "which -a", so walk PATH).
path_pythons=""
old_ifs=$IFS; IFS=:
for dir in $PATH; do
    [ -n "$dir" ] && path_pythons="$path_pythons $dir/python3"
done
IFS=$old_ifs
for candidate in "${URT_PYTHON:-}" /usr/bin/python3 $path_pythons; do
    if [ -z "$candidate" ] || [ ! -x "$candidate" ]; then
        continue
    fi
    if "$candidate" -c "$probe" >/dev/null 2>&1; then
        echo "$candidate"
        exit 0
    fi
done

packages=""
for m in $modules; do packages="$packages python3-$m"; done
echo "no Python 3 interpreter${modules:+ with $modules} found: apt-get install${packages:- python3}" >&2
exit 1
