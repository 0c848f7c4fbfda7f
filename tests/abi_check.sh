#!/bin/sh
# abi_check.sh BASELINE LIB INCLUDE_DIR - abidiff against the committed baseline.
# Opaque handles (`typedef struct kpi_x kpi_x;` with no body in a public
# header) are private by design, so changes inside them are suppressed; the
# list is read from the headers, so a public struct can never hide here.
set -eu
baseline=$1 lib=$2 inc=$3
supp=$(mktemp); trap 'rm -f "$supp"' EXIT
for name in $(cat "$inc"/kpiscore/*.h | sed -n 's/^typedef struct \(kpi_[a-z0-9_]*\) \1;$/\1/p' | sort -u); do
  if ! grep -q "^typedef struct $name {\|^struct $name {" "$inc"/kpiscore/*.h; then
    printf '[suppress_type]\n  type_kind = struct\n  name = %s\n\n' "$name" >> "$supp"
  fi
done
echo "opaque types whose insides are private: $(grep -c '^\[suppress_type\]' "$supp")"
abidiff --no-added-syms --suppressions "$supp" "$baseline" "$lib"
