#!/bin/sh
# embed_test.sh BUILD_DIR EMBED_C MESON CC
# Installs the library into a scratch directory and builds a program the way
# an embedder would: only with `pkg-config --cflags --libs kpiscore`.
set -eu
build=$1 src=$2 meson=$3 cc=$4
dest=$(mktemp -d); trap 'rm -rf "$dest"' EXIT
"$meson" install -C "$build" --destdir "$dest" --no-rebuild --quiet >/dev/null
pc=$(find "$dest" -name kpiscore.pc | head -n 1)
[ -n "$pc" ] || { echo "FAIL: kpiscore.pc was not installed"; exit 1; }
export PKG_CONFIG_PATH="$(dirname "$pc")" PKG_CONFIG_SYSROOT_DIR="$dest"
flags=$(pkg-config --cflags --libs kpiscore)
echo "pkg-config: $flags"
"$cc" -std=c99 -Wall -Werror "$src" -o "$dest/embed" $flags
libdir=$(pkg-config --variable=libdir kpiscore)
LD_LIBRARY_PATH="$libdir" "$dest/embed" > "$dest/out.txt"
cat "$dest/out.txt"
grep -q "kpiscore $(pkg-config --modversion kpiscore)" "$dest/out.txt" || { echo "FAIL: version line missing"; exit 1; }
# (pkgconf already puts the sysroot in front of libdir)
# the program must have loaded the staged library, not one from the system
LD_LIBRARY_PATH="$libdir" ldd "$dest/embed" | grep -q "$dest" || { echo "FAIL: did not load the staged library"; exit 1; }
# static linking works from the same .pc
"$cc" -std=c99 -Wall -Werror "$src" -o "$dest/embed_static" $(pkg-config --cflags kpiscore) \
  "$libdir/libkpiscore.a" $(pkg-config --static --libs-only-l kpiscore | sed 's/-lkpiscore//')
"$dest/embed_static" > "$dest/out_static.txt"
cmp "$dest/out.txt" "$dest/out_static.txt"
echo "ok"
