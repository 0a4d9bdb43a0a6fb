#!/bin/sh
# Installs the Debian packages urt needs, when any is missing.  Needs root
# for apt-get; without it, says what to install and fails.
case ${1:-} in
-h | --help) sed -n '2,3p' "$0" | sed 's/^# \{0,1\}//'; exit 0 ;;
--version) exec sh "$(cd "$(dirname "$0")" && pwd)/version.sh" install-deps.sh ;;
esac
set -eu
packages="build-essential cmake pkg-config liburing-dev libfiu-dev fiu-utils valgrind \
python3 python3-matplotlib python3-pytest python3-numpy flake8 hyperfine fio \
postgresql python3-psycopg2 \
gcc-aarch64-linux-gnu libc6-dev-arm64-cross qemu-user \
libfuse3-dev fuse3 libjansson-dev \
abigail-tools help2man"
missing=""
for p in $packages; do
	if ! dpkg-query -W -f='${Status}' "$p" 2>/dev/null | grep -q "install ok installed"; then
		missing="$missing $p"
	fi
done
[ -z "$missing" ] && exit 0
if [ "$(id -u)" -ne 0 ]; then
	echo "urt: missing Debian packages:$missing; run as root or: sudo apt-get install$missing" >&2
	exit 1
fi
echo "urt: installing$missing"
export DEBIAN_FRONTEND=noninteractive
apt-get update -qq
# shellcheck disable=SC2086
apt-get install -y -qq --no-install-recommends $missing >/dev/null
