#!/bin/sh
# golden.sh KPISCORE SOURCE_ROOT - runs every case of tests/cli/cases.txt and
# compares standard output, standard error and the exit status with
# tests/cli/golden/<case>.out. Set KPI_UPDATE_GOLDEN=1 to rewrite the files
# (then read the diff before committing it: the files are the spec).
set -u
kpiscore=$1 root=$2
cd "$root" || exit 2
tmp=$(mktemp -d); trap 'rm -rf "$tmp"' EXIT
failed=0 total=0
while IFS='|' read -r name args; do
  case "$name" in ''|'#'*) continue ;; esac
  total=$((total + 1))
  # the case's arguments are split by the shell; TMP names a scratch directory
  args=$(printf '%s' "$args" | sed "s|TMP|$tmp|g")
  # shellcheck disable=SC2086
  ( eval "\"$kpiscore\" $args" ) > "$tmp/out" 2> "$tmp/err" < /dev/null
  status=$?
  { cat "$tmp/out"; printf -- '--- stderr\n'; cat "$tmp/err"; printf -- '--- exit %s\n' "$status"; } > "$tmp/actual"
  golden="tests/cli/golden/$name.out"
  if [ "${KPI_UPDATE_GOLDEN:-}" = 1 ]; then
    cp "$tmp/actual" "$golden"
  elif ! diff -u "$golden" "$tmp/actual" > "$tmp/diff" 2>&1; then
    echo "FAIL: $name: kpiscore $args"
    head -n 40 "$tmp/diff"
    failed=$((failed + 1))
  fi
done < tests/cli/cases.txt
echo "$((total - failed)) of $total CLI cases match their golden output"
[ "$failed" -eq 0 ]
