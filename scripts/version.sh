#!/bin/sh
# version.sh NAME - the --version text of urt's scripts: NAME, the project
# version (CMakeLists.txt's project(VERSION)) and the git revision of the
# source tree the script runs from.  A script is not built: the tree it is
# run from is the program, so its revision is read now ("unknown" outside a
# git checkout).  The compiled tools stamp theirs at build time instead
# (common/build_stamp.h).
case ${1:-} in
-h | --help)
	sed -n '2,7p' "$0" | sed 's/^# \{0,1\}//'
	exit 0
	;;
--version) set -- version.sh ;;
"")
	echo "usage: version.sh NAME" >&2
	exit 2
	;;
esac
root=$(cd "$(dirname "$0")/.." && pwd)
version=$(sed -n 's/^project(urt VERSION \([0-9.]*\).*/\1/p' "$root/CMakeLists.txt")
rev=$(git -C "$root" describe --always --dirty 2>/dev/null) || rev=unknown
echo "$1 ${version:-unknown}"
echo "git revision $rev (the source tree the script runs from)"
