#!/bin/sh
# urtperf.sh: run urt's performance tools (the Python package scripts/urtperf/)
# under an interpreter that has matplotlib and numpy.  The first python3 on
# PATH may be a pyenv build without Debian's packages; find-python.sh picks
# the one that has them, as the other scripts do.
#
#   scripts/urtperf.sh history add results/<ts>/
#   scripts/urtperf.sh history plot [--db STORE] [--out DIR]
#   scripts/urtperf.sh history detect [--db STORE] [--last N]
#   scripts/urtperf.sh -h
here=$(cd "$(dirname "$0")" && pwd)
py=$("$here/find-python.sh" --with numpy) || exit 2
PYTHONPATH="$here${PYTHONPATH:+:$PYTHONPATH}" PYTHONDONTWRITEBYTECODE=1 MPLBACKEND=Agg \
	exec "$py" -m urtperf "$@"
