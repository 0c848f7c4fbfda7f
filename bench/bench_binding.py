#!/usr/bin/env python3
"""The Python batch path against the same work in C, in one run (issue 8,
"Performance": the binding may add at most 30 %).

Part 2, ingestion: 10 million event rows (10 000 agents, four event kinds,
one month) into a fresh accumulator of the sample plan's metrics, through
Metrics.add_batch (numpy columns read in place) and through
kpi_metrics_add_batch() called directly (ctypes) on the same arrays,
interleaved, best of 5.

10 million amounts through an 8-row schedule (bench_pay's: rows every
10 000.00 yuan at 1 %, 1.25 %, ... 2.75 %), for each mode:
  - binding: Schedule.evaluate_many(amounts, out=out), numpy buffers read and
    written in place (and once more with the output allocated per call);
  - C: kpi_schedule_eval_batch() on the same arrays and the same schedule,
    called directly through ctypes (no binding layer);
  - C: build/bench/bench_pay run as a subprocess, its "M evals/s batch" figure.
Best of 7, the binding and C interleaved. usage: bench_binding.py [build-dir] [n]
"""
import ctypes as C
import os
import re
import subprocess
import sys
import time

import numpy as np

build = sys.argv[1] if len(sys.argv) > 1 else "build"
n = int(sys.argv[2]) if len(sys.argv) > 2 else 10_000_000
sys.path.insert(0, os.path.join(build, "bindings", "python"))
import kpiscore  # noqa: E402

lib = C.CDLL(os.path.join(build, "lib", "libkpiscore.so"))
lib.kpi_schedule_eval_batch.argtypes = [C.c_void_p, C.c_void_p, C.c_void_p, C.c_size_t, C.c_void_p]
lib.kpi_schedule_eval_batch.restype = C.c_int32


def eight_rows(mode):
    rows = []
    for i in range(8):
        rows.append(kpiscore.Row(i * 1_000_000, None if i == 7 else (i + 1) * 1_000_000,
                                 rate=kpiscore.from_dec(10_000_000 + i * 2_500_000),
                                 base=i * 15_000 if mode == "formula" else 0))
    return kpiscore.Schedule(rows, mode=mode)


def best(f, reps=5):
    times = []
    for _ in range(reps):
        t0 = time.perf_counter()
        f()
        times.append(time.perf_counter() - t0)
    return min(times)


def bench_pay_figures():
    exe = os.path.join(build, "bench", "bench_pay")
    text = subprocess.run([exe, str(n)], check=True, capture_output=True, text=True).stdout
    return {m: float(r) for m, r in re.findall(r"^(\w+)\s+8 rows:\s+([\d.]+) M evals/s batch", text, re.M)}


rng = np.random.default_rng(1)
amounts = rng.integers(0, 10_000_000, size=n, dtype=np.int64)   # 0 .. 100 000.00 yuan
out = np.zeros(n, dtype=np.int64)                                # faulted in before timing
c_out = np.zeros(n, dtype=np.int64)
print(f"{n:,} amounts, best of 7 (binding and C interleaved); kpiscore {kpiscore.__version__}")
c_rates = bench_pay_figures()
worst = 0.0
for mode in ("marginal", "whole", "formula"):
    with eight_rows(mode) as s:
        ptr = int(s._ptr)

        def direct():
            if lib.kpi_schedule_eval_batch(ptr, amounts.ctypes.data, None, n, c_out.ctypes.data):
                raise RuntimeError("kpi_schedule_eval_batch failed")
        # interleaved, so a busy machine slows both sides alike
        t_bind = t_c = float("inf")
        for _ in range(7):
            t_bind = min(t_bind, best(lambda: s.evaluate_many(amounts, out=out), reps=1))
            t_c = min(t_c, best(direct, reps=1))
        t_alloc = best(lambda: s.evaluate_many(amounts))
        assert (out == c_out).all()
    ratio = t_bind / t_c
    worst = max(worst, ratio)
    print(f"{mode:8s} binding {n / t_bind / 1e6:7.1f} M/s, C via ctypes {n / t_c / 1e6:7.1f} M/s "
          f"(binding/C {ratio:.3f}, {(ratio - 1) * 100:+.1f} %); output allocated per call "
          f"{n / t_alloc / 1e6:7.1f} M/s; bench_pay (C exe) {c_rates.get(mode, float('nan')):7.1f} M/s")
m = min(n, 1_000_000)
as_list = amounts[:m].tolist()
with eight_rows("marginal") as s:
    t_list = best(lambda: s.evaluate_many(as_list), reps=3)
    t_buf = best(lambda: s.evaluate_many(amounts[:m], out=out[:m]))
print(f"the same {m:,} amounts as a Python list (converted, copied): {m / t_list / 1e6:.1f} M/s, "
      f"{t_list / t_buf:.0f}x the buffer path's time")
print(f"worst overhead of the binding on the batch path: {(worst - 1) * 100:+.1f} % (goal: at most +30 %)")

# ---- part 2: ingestion ------------------------------------------------------
source = os.path.dirname(os.path.dirname(os.path.abspath(__file__)))
plan = kpiscore.Plan.load(os.path.join(source, "examples", "data", "sample", "plan.json"))
lib.kpi_metrics_add_batch.argtypes = [C.c_void_p] * 5 + [C.c_size_t]
lib.kpi_metrics_add_batch.restype = C.c_int32
kinds = np.array([kpiscore.capi.KPI_EVENT_CONSULT, kpiscore.capi.KPI_EVENT_REPLY,
                  kpiscore.capi.KPI_EVENT_ORDER, kpiscore.capi.KPI_EVENT_PAYMENT], dtype=np.uint16)
agent = rng.integers(0, 10_000, n, dtype=np.uint32)
event = kinds[rng.integers(0, len(kinds), n)]
value = rng.integers(1, 120_000, n, dtype=np.int64)
time_ms = 1_788_192_000_000 + rng.integers(0, 29 * 86_400_000, n, dtype=np.int64)   # September 2026, Beijing


def ingest_binding():
    with kpiscore.Metrics(plan) as m:
        t0 = time.perf_counter()
        m.add_batch(agent, event, value, time_ms)
        return time.perf_counter() - t0, m.to_bytes()


def ingest_c():
    with kpiscore.Metrics(plan) as m:
        ptr = int(m._ptr)
        t0 = time.perf_counter()
        if lib.kpi_metrics_add_batch(ptr, agent.ctypes.data, event.ctypes.data, value.ctypes.data,
                                     time_ms.ctypes.data, n):
            raise RuntimeError("kpi_metrics_add_batch failed")
        return time.perf_counter() - t0, m.to_bytes()


t_bind = t_c = float("inf")
for _ in range(5):
    tb, state_b = ingest_binding()
    tc, state_c = ingest_c()
    t_bind, t_c = min(t_bind, tb), min(t_c, tc)
assert state_b == state_c                       # the same accumulator, bit for bit
ratio = t_bind / t_c
t_plain = best(lambda: int(value.sum()) + int(agent.sum()))
print(f"ingest {n:,} rows: binding {n / t_bind / 1e6:.1f} M rows/s, C via ctypes {n / t_c / 1e6:.1f} M rows/s "
      f"(binding/C {ratio:.3f}, {(ratio - 1) * 100:+.1f} %; goal: at most +30 %); "
      f"numpy summing two columns {n / t_plain / 1e6:.0f} M rows/s")
