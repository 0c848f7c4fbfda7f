#!/bin/sh
# check_exports.sh LIB MAP INCLUDE_DIR
# Keeps three lists in step: the functions declared KPI_API in the public
# headers, the names in the linker version script, and the dynamic symbols
# the shared library exports. Also checks the SONAME.
set -eu
lib=$1 map=$2 incdir=$3
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT

# declared: "KPI_API <type> [*]kpi_name(" possibly across lines
cat "$incdir"/kpiscore.h "$incdir"/kpiscore/*.h | tr '\n' ' ' | sed 's/;/;\n/g' |
  grep 'KPI_API' | grep -o 'kpi_[a-z0-9_]*[ ]*(' | sed 's/[ (]//g' | sort -u > "$tmp/declared"
# in the map: lines like "    kpi_name;"
grep -o '^[[:space:]]*kpi_[a-z0-9_]*;' "$map" | tr -d ' \t;' | sort > "$tmp/mapped"
sort -u "$tmp/mapped" > "$tmp/mapped_u"
if ! cmp -s "$tmp/mapped" "$tmp/mapped_u"; then
  echo "FAIL: a name appears twice in $map:"; comm -23 "$tmp/mapped" "$tmp/mapped_u"; exit 1
fi
if ! cmp -s "$tmp/declared" "$tmp/mapped_u"; then
  echo "FAIL: KPI_API declarations and $map differ (< header only, > map only):"
  diff "$tmp/declared" "$tmp/mapped_u" || true
  exit 1
fi
# exported: every defined dynamic symbol is a kpi_ function in a KPISCORE_ node
nm -D --defined-only "$lib" | awk '{print $3}' | sort > "$tmp/dyn"
bad=$(grep -v -E '^(kpi_[a-z0-9_]+@@KPISCORE_1\.[0-9]+|KPISCORE_1\.[0-9]+)$' "$tmp/dyn" || true)
if [ -n "$bad" ]; then
  echo "FAIL: unexpected exported symbols:"; echo "$bad"; exit 1
fi
sed -n 's/@@.*//p' "$tmp/dyn" | sort > "$tmp/exported"
if ! cmp -s "$tmp/exported" "$tmp/mapped_u"; then
  echo "FAIL: exported symbols and $map differ (< exported, > map):"
  diff "$tmp/exported" "$tmp/mapped_u" || true
  exit 1
fi
soname=$(readelf -d "$lib" | sed -n 's/.*Library soname: \[\(.*\)\].*/\1/p')
if [ "$soname" != "libkpiscore.so.1" ]; then
  echo "FAIL: SONAME is '$soname', expected libkpiscore.so.1"; exit 1
fi
echo "ok: $(wc -l < "$tmp/exported") symbols, all kpi_*, versioned, SONAME $soname"
