#!/bin/sh
# Installs the build into a temporary prefix and builds a program against it
# with pkg-config, as a user outside this repository would.
set -eu
build_dir=$1
src_dir=$(dirname "$0")
cc=${CC:-cc}
prefix=$(mktemp -d)
trap 'rm -rf "$prefix"' EXIT
cmake --install "$build_dir" --prefix "$prefix" >/dev/null
export PKG_CONFIG_PATH="$prefix/lib/pkgconfig:$prefix/lib64/pkgconfig:$(ls -d "$prefix"/lib/*/pkgconfig 2>/dev/null | tr '\n' ':')"
flags=$(pkg-config --cflags --libs urt)
echo "pkg-config --cflags --libs urt: $flags"
# shellcheck disable=SC2086
$cc -o "$prefix/consumer" "$src_dir/install_consumer.c" $flags -Wl,-rpath,"$(pkg-config --variable=libdir urt)"
"$prefix/consumer"
# only exported names leave the shared library
if nm -D --defined-only "$(pkg-config --variable=libdir urt)/liburt.so" | awk '$2 != "A" {print $3}' | grep -v '^urt_' | grep -q .; then
	echo "liburt.so exports names outside urt_*:" >&2
	nm -D --defined-only "$(pkg-config --variable=libdir urt)/liburt.so" | grep -v ' urt_' >&2
	exit 1
fi
