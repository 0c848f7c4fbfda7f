#!/usr/bin/env python3
"""Ranks and percentile ranks of 1 million scores with kpiscore (through
ctypes) beside numpy's argsort and pandas' rank on the same array, in one
process. usage: bench_rank.py build/lib/libkpiscore.so [n]"""
import ctypes as C
import sys
import time

import numpy as np
import pandas as pd

lib = C.CDLL(sys.argv[1] if len(sys.argv) > 1 else "build/lib/libkpiscore.so")
n = int(sys.argv[2]) if len(sys.argv) > 2 else 1_000_000
P = C.POINTER(C.c_int64)


class Opt(C.Structure):
    _fields_ = [("size", C.c_size_t), ("method", C.c_int32), ("order", C.c_int32), ("pct_kind", C.c_int32),
                ("significance", C.c_int32), ("pct_round", C.c_int32), ("key", P), ("key_order", C.c_int32),
                ("group", C.c_void_p), ("eligible", C.c_void_p), ("eligibility", C.c_int32)]


lib.kpi_rank.argtypes = [P, P, C.c_void_p, P, C.c_size_t, C.POINTER(Opt)]
rng = np.random.default_rng(1)
scores = rng.integers(0, 10001, size=n).astype(np.int64) * 10_000_000  # 0.00..100.00
as_float = scores / 1e9
ranks, pcts = np.empty(n, np.int64), np.empty(n, np.int64)
opt = Opt(C.sizeof(Opt), 4, 1, 0, 3, 1, None, 0, None, None, 0)  # fractional, ascending, pandas pct


def best(f, reps=5):
    t = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        t.append(time.perf_counter() - t0)
    return min(t)


t_argsort = best(lambda: np.argsort(as_float))
t_argsort_i = best(lambda: np.argsort(scores))
t_stable = best(lambda: np.argsort(scores, kind="stable"))
t_kpi = best(lambda: lib.kpi_rank(ranks.ctypes.data_as(P), pcts.ctypes.data_as(P), None,
                                  scores.ctypes.data_as(P), n, C.byref(opt)))
s = pd.Series(as_float)
t_pandas = best(lambda: s.rank(method="average", pct=True))
assert np.array_equal(ranks / 1e9, s.rank(method="average").to_numpy())
print(f"n = {n:,} scores, best of 5 (numpy {np.__version__}, pandas {pd.__version__})")
print(f"numpy argsort float64          {t_argsort*1e3:8.2f} ms")
print(f"numpy argsort int64            {t_argsort_i*1e3:8.2f} ms")
print(f"numpy argsort int64 stable     {t_stable*1e3:8.2f} ms")
print(f"kpi_rank (rank + pct, ctypes)  {t_kpi*1e3:8.2f} ms  = {t_kpi/t_argsort:.2f}x argsort(float64), "
      f"{t_kpi/t_argsort_i:.2f}x argsort(int64)")
print(f"pandas rank(average, pct)      {t_pandas*1e3:8.2f} ms  = {t_pandas/t_kpi:.2f}x kpi_rank")
