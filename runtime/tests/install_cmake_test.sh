#!/bin/sh
# install_cmake_test.sh BUILD_DIR - installs the build into a temporary
# prefix and builds install_consumer.c with find_package(urt 0.2 REQUIRED),
# as a CMake project outside this repository would: once against urt::urt
# (shared) and once against urt::urt_static, and runs both.  Also checks
# that find_package(urt 1) refuses this 0.x package (SameMajorVersion).
set -eu
build_dir=$1
src_dir=$(cd "$(dirname "$0")" && pwd)
tmp=$(mktemp -d)
trap 'rm -rf "$tmp"' EXIT
cmake --install "$build_dir" --prefix "$tmp/prefix" >/dev/null
mkdir "$tmp/consumer"
cp "$src_dir/install_consumer.c" "$tmp/consumer/"
cat >"$tmp/consumer/CMakeLists.txt" <<'EOT'
cmake_minimum_required(VERSION 3.21)
project(urt_consumer LANGUAGES C)
find_package(urt ${WANT} REQUIRED)
add_executable(consumer_shared install_consumer.c)
target_link_libraries(consumer_shared PRIVATE urt::urt)
add_executable(consumer_static install_consumer.c)
target_link_libraries(consumer_static PRIVATE urt::urt_static)
EOT
cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DWANT=0.2 -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/log" 2>&1 ||
	{ cat "$tmp/log"; echo "FAIL: find_package(urt 0.2) did not configure"; exit 1; }
cmake --build "$tmp/consumer/build" >"$tmp/log" 2>&1 || { cat "$tmp/log"; echo "FAIL: consumer did not build"; exit 1; }
"$tmp/consumer/build/consumer_shared"
ldd "$tmp/consumer/build/consumer_shared" | grep -q "$tmp/prefix/.*liburt.so" ||
	{ ldd "$tmp/consumer/build/consumer_shared"; echo "FAIL: consumer_shared does not load the installed liburt.so"; exit 1; }
"$tmp/consumer/build/consumer_static"
if ldd "$tmp/consumer/build/consumer_static" | grep -q liburt; then
	echo "FAIL: consumer_static loads liburt.so"
	exit 1
fi
rm -rf "$tmp/consumer/build"
if cmake -S "$tmp/consumer" -B "$tmp/consumer/build" -DWANT=1.0 -DCMAKE_PREFIX_PATH="$tmp/prefix" >"$tmp/log" 2>&1; then
	cat "$tmp/log"
	echo "FAIL: find_package(urt 1.0) accepted a 0.x package"
	exit 1
fi
echo "ok: find_package(urt) consumers (shared and static) build and run; urt 1.0 refused"
