#!/usr/bin/env python3
"""Writes the bad events CSV files (csv/) and bad states (states/) of the
catalogue from a few lines each, so every case can be reread and regenerated.
The states start from real ones written by tests/fuzz/gen_state_seeds.c
(tests/fuzz/seeds/state/). Expectations are in csv/expected.tsv and
states/expected.tsv, checked by tests/test_bad_inputs.c.

Usage: tests/bad/make_bad.py   (from anywhere)
"""
import os
import zlib

HERE = os.path.dirname(os.path.abspath(__file__))
SEEDS = os.path.join(HERE, "..", "fuzz", "seeds", "state")
HEAD = b"agent,time,event,value\n"
ROW = b"a1,2026-07-01 09:00:00,consult,1\n"

CSV = {
    "empty.csv": b"",
    "only-bom.csv": b"\xef\xbb\xbf",
    "bom-then-rows.csv": b"\xef\xbb\xbf" + HEAD + ROW,
    "utf16-bom.csv": "agent,time,event,value\n".encode("utf-16"),
    "header-only-no-newline.csv": b"agent,time,event,value",
    "no-value-column.csv": b"agent,time,event\na1,2026-07-01 09:00:00,consult\n",
    "no-agent-column.csv": b"who,time,event,value\na1,2026-07-01 09:00:00,consult,1\n",
    "duplicate-column.csv": b"agent,time,event,value,value\na1,2026-07-01 09:00:00,consult,1,2\n",
    "truncated-quote.csv": HEAD + b'a1,2026-07-01 09:00:00,consult,"1\n',
    "truncated-row.csv": HEAD + ROW + b"a1,2026-07-01 09:0",
    "short-row.csv": HEAD + ROW + b"a1,2026-07-01 09:00:00,consult\n",
    "long-row.csv": HEAD + ROW + b"a1,2026-07-01 09:00:00,consult,1,extra\n",
    "value-word.csv": HEAD + b"a1,2026-07-01 09:00:00,consult,one\n",
    "value-nan.csv": HEAD + b"a1,2026-07-01 09:00:00,consult,NaN\n",
    "value-inf.csv": HEAD + b"a1,2026-07-01 09:00:00,reply,Infinity\n",
    "value-minus-inf.csv": HEAD + b"a1,2026-07-01 09:00:00,reply,-inf\n",
    "value-huge.csv": HEAD + b"a1,2026-07-01 09:00:00,payment,99999999999999999999\n",
    "value-exponent.csv": HEAD + b"a1,2026-07-01 09:00:00,payment,1e3\n",
    "value-decimal.csv": HEAD + b"a1,2026-07-01 09:00:00,consult,1.5\n",
    "value-negative-count.csv": HEAD + b"a1,2026-07-01 09:00:00,consult,-3\n",
    "value-sum-overflow.csv": HEAD + b"a1,2026-07-01 09:00:00,payment,9223372036854775807\n"
                              b"a1,2026-07-02 09:00:00,payment,9223372036854775807\n",
    "value-spaces.csv": HEAD + b"a1,2026-07-01 09:00:00,consult, 1\n",
    "value-nul.csv": HEAD + b"a1,2026-07-01 09:00:00,consult,1\x002\n",
    "value-fullwidth.csv": HEAD + "a1,2026-07-01 09:00:00,consult,１２\n".encode(),
    "value-huge-long.csv": HEAD + b"a1,2026-07-01 09:00:00,payment," + b"12345" * 10 + b"\n",
    "time-fullwidth-offset.csv": HEAD + "a1,2026-07-01T09:00:00＋08:00,consult,1\n".encode(),
    "time-month-13.csv": HEAD + b"a1,2026-13-01 09:00:00,consult,1\n",
    "time-feb-30.csv": HEAD + b"a1,2026-02-30 09:00:00,consult,1\n",
    "time-empty.csv": HEAD + b"a1,,consult,1\n",
    "time-words.csv": HEAD + b"a1,yesterday,consult,1\n",
    "unknown-event.csv": HEAD + b"a1,2026-07-01 09:00:00,consultation,1\n",
    "unknown-agent.csv": HEAD + ROW + b"zz9,2026-07-01 09:00:00,consult,1\n",
    "empty-agent.csv": HEAD + b",2026-07-01 09:00:00,consult,1\n",
    "excused-two.csv": b"agent,time,event,value,excused\na1,2026-07-01 09:00:00,consult,1,2\n",
    "invalid-utf8-agent.csv": HEAD + b"a\xff1,2026-07-01 09:00:00,consult,1\n",
    "invalid-utf8-header.csv": b"agent,t\xc3ime,event,value\n" + ROW,
    "overlong-utf8.csv": HEAD + b"a\xc0\xaf,2026-07-01 09:00:00,consult,1\n",
    "nul-byte.csv": HEAD + b"a1,2026-07-01 09:00:00,cons\x00ult,1\n",
    "quote-inside-field.csv": HEAD + b'a"1,2026-07-01 09:00:00,consult,1\n',
    "text-after-quote.csv": HEAD + b'"a1"x,2026-07-01 09:00:00,consult,1\n',
    "too-many-fields.csv": b",".join([b"c%d" % i for i in range(5000)]) + b"\n",
    "plan-given-as-csv.csv": b'{"kpiscore": 1, "name": "not events"}\n',
}


def fnv1a(data):
    h = 0xCBF29CE484222325
    for b in data:
        h = ((h ^ b) * 0x100000001B3) & 0xFFFFFFFFFFFFFFFF
    return h


def fix_metrics(b):
    return b[:-8] + fnv1a(b[:-8]).to_bytes(8, "little")


def fix_sketch(b):
    return b[:-4] + zlib.crc32(b[:-4]).to_bytes(4, "little")


def seed(name):
    with open(os.path.join(SEEDS, name), "rb") as f:
        return f.read()


def states():
    m = seed("metrics-month")
    s = seed("sketch-mixed")
    body = 48  # the first period key, a varint
    last = body
    while m[last] & 0x80:
        last += 1  # its last byte
    out = {
        "metrics-empty-file.state": b"",
        "metrics-magic-only.state": b"KPIMSTAT",
        "metrics-bad-magic.state": b"KPIMSTAX" + m[8:],
        "metrics-plan-json.state": b'{"kpiscore": 1, "name": "not a state"}\n',
        "metrics-truncated-header.state": m[:30],
        "metrics-truncated-body.state": fix_metrics(m[:-40] + m[-8:]),
        "metrics-cut-last-byte.state": m[:-1],
        "metrics-version-0.state": fix_metrics(m[:8] + b"\x00\x00" + m[10:]),
        "metrics-version-9.state": fix_metrics(m[:8] + b"\x09\x00" + m[10:]),
        "metrics-foreign-registry.state": fix_metrics(m[:16] + bytes(8) + m[24:]),
        "metrics-bad-period.state": fix_metrics(m[:24] + b"\x09" + m[25:]),
        "metrics-utc-offset.state": fix_metrics(m[:28] + (2000).to_bytes(4, "little") + m[32:]),
        "metrics-huge-agents.state": fix_metrics(m[:32] + (0xFFFFFFFF).to_bytes(4, "little") + m[36:]),
        "metrics-checksum.state": m[:-1] + bytes([m[-1] ^ 1]),
        "metrics-flipped-body.state": m[:body + 5] + bytes([m[body + 5] ^ 0x10]) + m[body + 6:],
        "metrics-trailing-bytes.state": fix_metrics(m[:-8] + b"\x00\x00" + m[-8:]),
        "metrics-overlong-number.state": fix_metrics(m[:last] + bytes([m[last] | 0x80]) + b"\x00"
                                                     + m[last + 1:]),
        "sketch-empty-file.state": b"",
        "sketch-truncated.state": s[:40],
        "sketch-version-9.state": fix_sketch(s[:4] + b"\x09\x00" + s[6:]),
        "sketch-checksum.state": s[:-1] + bytes([s[-1] ^ 0x80]),
        "sketch-trailing-bytes.state": s + b"\x00",
        "sketch-length-lies.state": fix_sketch(s[:8] + (len(s) + 100).to_bytes(4, "little") + s[12:]),
        "sketch-nan-alpha.state": fix_sketch(s[:12] + bytes.fromhex("000000000000f87f") + s[20:]),
    }
    return out


def write(sub, files):
    for name, data in files.items():
        with open(os.path.join(HERE, sub, name), "wb") as f:
            f.write(data)


if __name__ == "__main__":
    write("csv", CSV)
    write("states", states())
