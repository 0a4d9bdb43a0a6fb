# prologue.sh - sourced (sh) first by the bench scripts, with their own
# arguments: -h/--help prints the script's header comment (from line 2 to
# the first line that is not a comment) and --version the project version
# and git revision (scripts/version.sh), both exiting 0; otherwise it sets
# here (the script's folder) and top (the repository above it) and returns.
case ${1:-} in
-h | --help) awk 'NR > 1 && /^#/ { sub(/^# ?/, ""); print; next } NR > 1 { exit }' "$0"; exit 0 ;;
--version) exec sh "$(cd "$(dirname "$0")" && pwd)/../scripts/version.sh" "${0##*/}" ;;
esac
here=$(cd "$(dirname "$0")" && pwd)
top=$(dirname "$here")
