#!/bin/sh
# test_report_render.sh FIXTURE CHROMIUM PYTHON
#
# Proves the HTML report renders: writes the fixture month's report, checks
# it is self-contained, screenshots it with headless Chromium (the command
# of docs/cli-report.md) and checks the PNG: signature, IHDR size, file size
# and that the decoded pixels are not one flat colour.
set -eu
fixture=$1 chromium=$2 python=$3
work=$(mktemp -d)
trap 'rm -rf "$work"' EXIT

# Without a CJK font every Chinese character is a tofu box, which no pixel
# check below would notice: insist on one (Debian fonts-noto-cjk).
if command -v fc-list >/dev/null && [ -z "$(fc-list :lang=zh family)" ]; then
    echo "FAIL: no font covers Chinese (install fonts-noto-cjk)" >&2
    exit 1
fi

"$fixture" "$work/report.html" --open
test -s "$work/report.html"
if grep -E -n 'https?:|src=|url\(|@import|<script' "$work/report.html"; then
    echo "FAIL: the report refers to something outside itself" >&2
    exit 1
fi

# Headless Chromium as root needs --no-sandbox; the rest keep it off the
# network and quiet. ~2 s. Its dbus/launcher noise on stderr is harmless.
"$chromium" --headless --no-sandbox --disable-gpu --disable-dev-shm-usage \
    --disable-quic --no-first-run --disable-background-networking \
    --disable-component-update --disable-sync --hide-scrollbars \
    --user-data-dir="$work/profile" --window-size=1100,3200 \
    --screenshot="$work/report.png" "file://$work/report.html" \
    >"$work/chromium.log" 2>&1 || { cat "$work/chromium.log" >&2; exit 1; }

"$python" - "$work/report.png" <<'PY'
import struct, sys, zlib
data = open(sys.argv[1], "rb").read()
assert data[:8] == b"\x89PNG\r\n\x1a\n", "not a PNG"
w, h, depth, colour = struct.unpack(">IIBB", data[16:26])
assert data[12:16] == b"IHDR", "no IHDR"
assert (w, h) == (1100, 3200), f"unexpected size {w}x{h}"
assert len(data) > 100_000, f"only {len(data)} bytes: blank page?"
idat, pos = b"", 8
while pos < len(data):
    n, kind = struct.unpack(">I4s", data[pos:pos + 8])
    if kind == b"IDAT":
        idat += data[pos + 8:pos + 8 + n]
    pos += 12 + n
raw = zlib.decompress(idat)
stride = len(raw) // h
# Undo nothing: count rows whose filtered bytes are not all zero/one value.
busy = sum(1 for y in range(h) if len(set(raw[y * stride + 1:(y + 1) * stride])) > 2)
assert busy > h // 4, f"only {busy} of {h} rows have content"
print(f"ok: {w}x{h} PNG, {len(data)} bytes, {busy} rows with content")
PY
if [ -n "${KPI_KEEP_SCREENSHOT:-}" ]; then
    cp "$work/report.png" "$work/report.html" "$KPI_KEEP_SCREENSHOT"/
fi
