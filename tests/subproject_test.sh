#!/bin/sh
# subproject_test.sh SOURCE_ROOT MESON EMBED_C
# Builds a throwaway parent project that finds kpiscore with a plain
# dependency('kpiscore') from subprojects/, as a vendoring embedder would.
set -eu
src=$1 meson=$2 embed=$3
dir=$(mktemp -d); trap 'rm -rf "$dir"' EXIT
mkdir -p "$dir/parent/subprojects"
ln -s "$src" "$dir/parent/subprojects/kpiscore"
cp "$embed" "$dir/parent/embed.c"
cat > "$dir/parent/meson.build" <<'MESON'
project('crm', 'c', default_options: ['kpiscore:tests=false', 'kpiscore:python=disabled', 'kpiscore:java=disabled'])
kpi = dependency('kpiscore')
executable('crm', 'embed.c', dependencies: kpi)
MESON
"$meson" setup "$dir/b" "$dir/parent" > "$dir/setup.log" 2>&1 || { cat "$dir/setup.log"; exit 1; }
grep -q "Dependency kpiscore found: YES" "$dir/setup.log" || grep -q "kpiscore.*overridden" "$dir/setup.log" ||
  { echo "FAIL: dependency('kpiscore') was not satisfied by the subproject"; cat "$dir/setup.log"; exit 1; }
"$meson" compile -C "$dir/b" > "$dir/compile.log" 2>&1 || { cat "$dir/compile.log"; exit 1; }
"$dir/b/crm" | tee "$dir/out.txt"
grep -q "KPI bonus for 117/130" "$dir/out.txt"
echo ok
