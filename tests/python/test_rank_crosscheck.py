"""Cross-checks kpiscore's ranks, percentile ranks and quantiles against
pandas and numpy (and, where no library is installed, against the defining
formula in exact fractions), on random data with many ties.

Loads the shared library named by $KPISCORE_LIB through ctypes (meson passes
build/lib/libkpiscore.so).
"""
import ctypes as C
import os
from fractions import Fraction

import numpy as np
import pandas as pd
import pytest

lib = C.CDLL(os.environ.get("KPISCORE_LIB", "build/lib/libkpiscore.so"))
ONE = 10**9
P_DEC = C.POINTER(C.c_int64)


class RankOptions(C.Structure):
    _fields_ = [("size", C.c_size_t), ("method", C.c_int32), ("order", C.c_int32),
                ("pct_kind", C.c_int32), ("significance", C.c_int32), ("pct_round", C.c_int32),
                ("key", P_DEC), ("key_order", C.c_int32), ("group", C.POINTER(C.c_uint32)),
                ("eligible", C.POINTER(C.c_uint8)), ("eligibility", C.c_int32)]


def options(method=0, order=0, kind=0, sig=3, rnd=1, group=None):
    o = RankOptions(C.sizeof(RankOptions), method, order, kind, sig, rnd, None, 0, None, None, 0)
    if group is not None:
        o.group = group.ctypes.data_as(C.POINTER(C.c_uint32))
    return o


lib.kpi_rank.argtypes = [P_DEC, P_DEC, C.POINTER(C.c_double), P_DEC, C.c_size_t, C.POINTER(RankOptions)]
lib.kpi_percentrank_of.argtypes = [P_DEC, C.POINTER(C.c_double), P_DEC, C.c_size_t, P_DEC, C.c_size_t,
                                   C.POINTER(RankOptions)]
lib.kpi_quantile_sorted.argtypes = [P_DEC, C.c_size_t, C.c_int64, C.c_int32, C.c_int32, P_DEC]
lib.kpi_error_last.restype = C.c_void_p
lib.kpi_error_message.argtypes = [C.c_void_p]
lib.kpi_error_message.restype = C.c_char_p

METHODS = {"min": 0, "max": 1, "dense": 2, "first": 3, "average": 4}  # pandas name -> kpi_rank_method
KINDS = {"rank": 0, "strict": 1, "weak": 2, "mean": 3, "scipy_rank": 4, "excel_inc": 5, "excel_exc": 6}
QMETHODS = ["inverted_cdf", "averaged_inverted_cdf", "closest_observation", "interpolated_inverted_cdf",
            "hazen", "weibull", "linear", "median_unbiased", "normal_unbiased", "lower", "higher",
            "midpoint", "nearest"]


def ptr(a):
    return a.ctypes.data_as(P_DEC)


def check(st):
    assert st == 0, lib.kpi_error_message(lib.kpi_error_last()).decode()


def datasets():
    rng = np.random.default_rng(20261123)
    for n in (1, 2, 3, 7, 30, 257, 2000):
        # many ties: half-point scores from a narrow range
        yield rng.integers(120, 200, size=n) * (ONE // 2)
        yield rng.integers(0, 4, size=n) * ONE
    yield np.array([-5 * ONE, 0, 0, 7, 7, 7], dtype=np.int64)


def kpi_rank(scores, method, order, kind=0, sig=3, group=None):
    n = len(scores)
    s = np.ascontiguousarray(scores, dtype=np.int64)
    ranks, pcts, f64 = np.zeros(n, np.int64), np.zeros(n, np.int64), np.zeros(n, np.float64)
    o = options(method, order, kind, sig, 1, group)
    check(lib.kpi_rank(ptr(ranks), ptr(pcts), f64.ctypes.data_as(C.POINTER(C.c_double)), ptr(s), n, C.byref(o)))
    return ranks, pcts, f64


def round_half_even_9(fr):
    return round(fr * ONE)  # Python's round on a Fraction is half-even


@pytest.mark.parametrize("ascending", [True, False])
@pytest.mark.parametrize("pmethod", list(METHODS))
def test_ranks_and_pct_match_pandas(pmethod, ascending):
    for scores in datasets():
        ranks, pcts, f64 = kpi_rank(scores, METHODS[pmethod], 1 if ascending else 0, KINDS["rank"])
        ser = pd.Series(scores.astype(np.float64) / ONE)  # exact: half points
        want = ser.rank(method=pmethod, ascending=ascending).to_numpy()
        assert np.array_equal(ranks / ONE, want)
        want_pct = ser.rank(method=pmethod, ascending=ascending, pct=True).to_numpy()
        assert np.array_equal(f64, want_pct)  # to the last bit
        assert np.all(np.abs(pcts - np.round(want_pct * ONE)) <= 1)


def test_groups_match_pandas_groupby():
    rng = np.random.default_rng(7)
    scores = rng.integers(0, 10, size=500).astype(np.int64) * ONE
    team = rng.integers(0, 13, size=500).astype(np.uint32)
    for pmethod, m in METHODS.items():
        ranks, _, f64 = kpi_rank(scores, m, 0, KINDS["rank"], group=team)
        df = pd.DataFrame({"s": scores / ONE, "g": team})
        want = df.groupby("g")["s"].rank(method=pmethod, ascending=False).to_numpy()
        assert np.array_equal(ranks / ONE, want)
        want_pct = df.groupby("g")["s"].rank(method=pmethod, ascending=False, pct=True).to_numpy()
        assert np.array_equal(f64, want_pct)


def percentileofscore(a, x, kind):
    """scipy.stats.percentileofscore's definitions, as fractions of 1 (scipy gives percent)."""
    n = len(a)
    left = sum(1 for v in a if v < x)
    right = sum(1 for v in a if v <= x)
    if kind == "strict":
        return Fraction(left, n)
    if kind == "weak":
        return Fraction(right, n)
    if kind == "mean":
        return Fraction(left + right, 2 * n)
    return Fraction(left + right + (1 if right > left else 0), 2 * n)  # "rank"


def excel(a, x, exc, sig):
    """PERCENTRANK.INC/.EXC: exact count ratio, interpolated between neighbours, truncated."""
    a = sorted(a)
    n = len(a)
    below = sum(1 for v in a if v < x)
    if n == 1:
        fr = Fraction(1)
    elif x in a:
        fr = Fraction(below + exc, n - 1 + 2 * exc)
    else:
        lo, hi = a[below - 1], a[below]
        r1 = Fraction(below - 1 + exc, n - 1 + 2 * exc)
        r2 = Fraction(below + exc, n - 1 + 2 * exc)
        fr = r1 + (r2 - r1) * Fraction(x - lo, hi - lo)
    return (fr * 10**sig).__floor__() * 10**(9 - sig)


def test_percentrank_kinds_match_definitions():
    rng = np.random.default_rng(11)
    for scores in datasets():
        vals = [int(v) for v in scores]
        lo, hi = min(vals), max(vals)
        xs = sorted(set(vals)) + [int(v) for v in rng.integers(lo, hi + 1, size=20)]
        xs = np.array(xs, dtype=np.int64)
        for kind in ("strict", "weak", "mean", "scipy_rank"):
            out, f64 = np.zeros(len(xs), np.int64), np.zeros(len(xs))
            o = options(kind=KINDS[kind])
            s = np.ascontiguousarray(scores)
            check(lib.kpi_percentrank_of(ptr(out), f64.ctypes.data_as(C.POINTER(C.c_double)), ptr(s),
                                         len(s), ptr(xs), len(xs), C.byref(o)))
            for x, got, gotf in zip(xs, out, f64):
                fr = percentileofscore(vals, int(x), "rank" if kind == "scipy_rank" else kind)
                assert got == round_half_even_9(fr)
                assert gotf == float(fr)
        # where scipy's kinds coincide with pandas: weak = pct of "max", rank = pct of "average"
        _, _, weak = kpi_rank(scores, 0, 1, KINDS["weak"])
        _, _, avg = kpi_rank(scores, 0, 1, KINDS["scipy_rank"])
        ser = pd.Series(scores / ONE)
        assert np.array_equal(weak, ser.rank(method="max", pct=True).to_numpy())
        assert np.array_equal(avg, ser.rank(method="average", pct=True).to_numpy())
        for exc in (0, 1):
            for sig in (1, 3, 6):
                out = np.zeros(len(xs), np.int64)
                o = options(kind=KINDS["excel_exc" if exc else "excel_inc"], sig=sig)
                s = np.ascontiguousarray(scores)
                check(lib.kpi_percentrank_of(ptr(out), None, ptr(s), len(s), ptr(xs), len(xs), C.byref(o)))
                assert [int(v) for v in out] == [excel(vals, int(x), exc, sig) for x in xs]
                # and every member's own percentile rank through kpi_rank
                _, pcts, _ = kpi_rank(scores, 0, 1, o.pct_kind, sig)
                assert [int(v) for v in pcts] == [excel(vals, v, exc, sig) for v in vals]


def test_quantiles_match_numpy():
    qs = [Fraction(k, 64) for k in range(65)]
    for scores in datasets():
        srt = np.sort(scores)
        data = srt.astype(np.float64) / ONE
        for m, name in enumerate(QMETHODS):
            want = np.quantile(data, [float(q) for q in qs], method=name)
            for q, w in zip(qs, want):
                out = C.c_int64()
                check(lib.kpi_quantile_sorted(ptr(srt), len(srt), int(q * ONE), m, 1, C.byref(out)))
                # numpy's float64 result, to the 9th place (H&F 8/9 carry thirds and eighths)
                assert abs(out.value - w * ONE) <= 1 + abs(w) * ONE * 1e-15, (name, float(q), out.value, w)
