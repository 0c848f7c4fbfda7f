#!/bin/sh
# install_test.sh BUILD_DIR MESON PYTHON PY_INSTALL_DIR
# `meson install` puts the package where that Python finds it: stage an
# install of the python-runtime files, import it from there (not from the
# build tree) and use it.
set -eu
build=$1 meson=$2 python=$3 site=$4
dest=$(mktemp -d); trap 'rm -rf "$dest"' EXIT
"$meson" install -C "$build" --destdir "$dest" --no-rebuild --quiet --tags python-runtime >/dev/null
[ -d "$dest$site/kpiscore" ] || { echo "FAIL: nothing installed in $site/kpiscore"; find "$dest"; exit 1; }
cd "$dest"
PYTHONPATH="$dest$site" "$python" -c "
import kpiscore, sys
assert kpiscore.__file__.startswith('$dest'), kpiscore.__file__
assert kpiscore.money_times_ratio(100000, 117, 130) == 90000
print('installed kpiscore', kpiscore.__version__, 'from', kpiscore.__file__)
"
