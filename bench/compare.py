#!/usr/bin/env python3
"""The month-end pipeline side by side: kpiscore in C, kpiscore through the
Python binding, pandas/numpy, Polars and DuckDB (docs/performance.md).

    .venv/bin/python bench/compare.py [--build build] [--sizes 1e5,1e6,1e7,5e7]
                                      [--agents 10000] [--legs ...] [--data DIR]

For each size: one child generates the events (bench/gen_columns.py) and
the plan (bench/compare.py writes it: six metric-backed items, a tier
table, a marginal commission and a score bonus); then each leg runs in its
own child process on the same columns: events -> per-agent metrics with
the exact p90 of response time -> scores -> ranks and percentile ranks ->
tiers -> pay. Every leg writes one line per agent (scores, ranks, pct in
10^-9, pay in fen); the parent checks they are identical, and a check
child compares every agent's p90 with numpy.quantile (linear) of the same
values. Then the table: seconds per stage, events per second, peak memory
(the child's ru_maxrss from wait4; the parent imports no numpy, so it
stays small), and ratios. Legs:

  c          bench_pipeline, 1 thread       c2   the same, 2 threads
  python     kpiscore.Metrics / kpiscore.Run on the numpy columns
  pandas     groupby size/sum + groupby quantile, rank(pct=True), searchsorted
  polars     group_by len/sum + quantile(linear), the same scoring in numpy
  duckdb     GROUP BY count/sum + quantile_cont, the same scoring in numpy
"""
import argparse
import json
import os
import shutil
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
LEGS = ["c", "c2", "python", "pandas", "polars", "duckdb"]
REPLY = 1

# ---- the plan ---------------------------------------------------------------------------------
# One source for the plan file and the analyst's constants below.
P = {
    "completion": 30, "conversion": 25, "conversion_target": (7, 20),      # 35 % = 7/20
    "order_value": 10, "order_value_target": 600,
    "reply_rate": 10, "reply_bands": (980_000_000, 950_000_000, 10, 6),     # >= 98 %: 10, >= 95 %: 6
    "p90": 15, "p90_target": 45, "p90_limit": 110,                         # seconds
    "refund_rate": 10, "refund_bands": (30_000_000, 60_000_000, 10, 5),     # <= 3 %: 10, <= 6 %: 5
    "pass_mark": 70, "tiers": ["待改进", "初级", "中级", "高级"], "tier_bounds": [7000, 8000, 9000],
    "rates_permille": [10, 20, 30], "bonus_pool": 1000,
}


def plan_json(b1, b2):
    linear = lambda i, pts, **kw: {"id": i, "points": pts, "rule": "linear", "input": i, **kw}  # noqa: E731
    return {
        "kpiscore": 1, "name": "基准月度考核", "period": "month",
        "rounding": {"mode": "half_up", "places": 2, "total": "sum_of_rounded"},
        "metrics": {"utc_offset": "+08:00"},
        "inputs": {
            "completion": {"kind": "number", "label": "指标完成率", "metric": "target_completion"},
            "conversion": {"kind": "number", "label": "咨询转化率", "metric": "conversion"},
            "order_value": {"kind": "number", "label": "客单价", "metric": "avg_order_value"},
            "reply_rate": {"kind": "number", "label": "旺旺回复率", "metric": "reply_rate"},
            "p90": {"kind": "number", "label": "响应时间P90", "metric": "response_time_p90"},
            "refund_rate": {"kind": "number", "label": "退单率", "metric": "refund_rate"},
        },
        "rubric": {
            "total": 100, "na": "zero", "pass_mark": P["pass_mark"],
            "items": [
                linear("completion", 30, target="100%"),
                linear("conversion", 25, target="35%"),
                linear("order_value", 10, target=600),
                {"id": "reply_rate", "points": 10, "rule": "bands", "input": "reply_rate",
                 "bands": [{"at_least": "98%", "points": 10},
                           {"at_least": "95%", "below": "98%", "points": 6},
                           {"below": "95%", "points": 0}]},
                linear("p90", 15, better="lower", target=45, limit=110),
                {"id": "refund_rate", "points": 10, "rule": "bands", "input": "refund_rate",
                 "bands": [{"at_most": "3%", "points": 10},
                           {"above": "3%", "at_most": "6%", "points": 5},
                           {"above": "6%", "points": 0}]},
            ],
        },
        "tiers": [{"id": "grade", "label": "等级",
                   "bands": [{"label": "高级", "range": "[90, 100]"}, {"label": "中级", "range": "[80, 90)"},
                             {"label": "初级", "range": "[70, 80)"}, {"label": "待改进", "range": "[0, 70)"}]}],
        "pay": {
            "schedules": {"commission": {"mode": "marginal", "rows": [
                {"range": f"[0, {b1})", "rate": "1%"},
                {"range": f"[{b1}, {b2})", "rate": "2%"},
                {"range": f"[{b2}, )", "rate": "3%"}]}},
            "items": [
                {"id": "commission", "label": "个人提成", "kind": "schedule", "schedule": "commission",
                 "basis": "sales"},
                {"id": "bonus", "label": "绩效奖金", "kind": "score_bonus", "pool": P["bonus_pool"], "gate": "70%"},
            ],
        },
    }


# ---- children ---------------------------------------------------------------------------------
def child_gen(n, agents, directory):
    sys.path.insert(0, HERE)
    import gen_columns
    import numpy as np
    cols, expected = gen_columns.generate(n, agents)
    gen_columns.save(cols, directory)
    mean = float(np.mean(expected))
    b1 = max(1, int(round(0.8 * mean)))
    b2 = max(b1 + 1, int(round(1.2 * mean)))
    with open(os.path.join(directory, "plan.json"), "w", encoding="utf-8") as f:
        json.dump(plan_json(b1, b2), f, ensure_ascii=False, indent=1)
    with open(os.path.join(directory, "meta.json"), "w") as f:
        json.dump({"n": n, "agents": agents, "b1": b1, "b2": b2}, f)


def hu(num, den):
    """Half-up division of non-negative int64 arrays: an exact rational rounded once."""
    return (2 * num + den) // (2 * den)


def month_end(cnt, tot, p90_ms, meta):
    """The plan above on per-agent counts and sums (int64 arrays indexed
    [agent, event]) and each agent's p90 in ms (float, NaN when no reply),
    the way an analyst who pays to the fen writes it: figures as integers
    of 10^-9 as the plan rounds them (half up, metrics to 9 places, each
    item to 2), scores in cents, money in fen."""
    import numpy as np
    import pandas as pd
    E9 = 10**9
    consult, reply, order, pay_n, sub_n, refund_n = (cnt[:, k] for k in (0, 1, 2, 3, 4, 5))
    sales, target = tot[:, 3], tot[:, 9]

    def ratio9(num, den):
        return np.where(den > 0, hu(num * E9, np.maximum(den, 1)), -1)   # -1: N/A, scores 0 (na zero)

    def linear(points, v9, t_num, t_den):                  # points x min(v / target, 1)
        full = v9 * t_den >= t_num * E9
        return np.where(v9 < 0, 0, np.where(full, points * E9, hu(points * np.maximum(v9, 0) * t_den, t_num)))

    items = []
    items.append(linear(P["completion"], ratio9(sales, target), 1, 1))
    items.append(linear(P["conversion"], ratio9(order, consult), *P["conversion_target"]))
    aov = np.where(pay_n > 0, hu(sales * 10**7, np.maximum(pay_n, 1)), -1)   # fen -> yuan
    items.append(linear(P["order_value"], aov, P["order_value_target"], 1))
    rr = ratio9(reply, consult)
    hi, mid, p_hi, p_mid = P["reply_bands"]
    items.append(np.select([rr >= hi, rr >= mid], [p_hi * E9, p_mid * E9], 0))
    # the exact p90 has at most one decimal of a ms ((n - 1) x 0.9 has one)
    p9 = np.where(np.isnan(p90_ms), -1, np.rint(np.nan_to_num(p90_ms) * 10).astype(np.int64) * 10**5)
    t9, l9 = P["p90_target"] * E9, P["p90_limit"] * E9
    items.append(np.select([p9 < 0, p9 <= t9, p9 >= l9], [0, P["p90"] * E9, 0],
                           hu(P["p90"] * (l9 - np.clip(p9, t9, l9)), P["p90_limit"] - P["p90_target"])))
    rf = ratio9(refund_n, sub_n)
    lo, mid, p_lo, p_mid = P["refund_bands"]
    items.append(np.select([rf < 0, rf <= lo, rf <= mid], [0, p_lo * E9, p_mid * E9], 0))
    cents = sum(hu(x, 10**7) for x in items)               # each item rounded once, then summed
    score = pd.Series(cents)
    rank = score.rank(method="min", ascending=False).astype(np.int64).to_numpy()
    pct = score.rank(method="min", ascending=False, pct=True).to_numpy()
    tier = np.array(P["tiers"], dtype=object)[np.searchsorted(P["tier_bounds"], cents, side="right")]
    # marginal commission: base of the row + the slice in it x its rate (fen x per mille)
    bounds = np.array([0, meta["b1"] * 100, meta["b2"] * 100], np.int64)
    rate = np.array(P["rates_permille"], np.int64)
    base = np.concatenate([[0], np.cumsum(np.diff(bounds) * rate[:-1])])
    row = np.searchsorted(bounds, sales, side="right") - 1
    commission = hu(base[row] + (sales - bounds[row]) * rate[row], 1000)
    passed = cents >= P["pass_mark"] * 100
    bonus = np.where(passed, hu(P["bonus_pool"] * 100 * cents, 100 * 100), 0)
    return {"score": cents * 10**7, "outcome": np.where(passed, 0, 1), "rank": rank * E9,
            "pct": np.rint(pct * E9).astype(np.int64), "tier": tier, "commission": commission,
            "bonus": bonus, "total": commission + bonus, "p90": p9}


def write_rows(path, ids, r):
    with open(path, "w", encoding="utf-8") as f:
        for i, a in enumerate(ids):
            p = "" if r["p90"][i] < 0 else str(r["p90"][i])
            f.write(f"{a},{r['score'][i]},{r['outcome'][i]},{r['rank'][i]},{r['pct'][i]},{r['tier'][i]},"
                    f"{r['commission'][i]},{r['bonus'][i]},{r['total'][i]},{p}\n")


def child_leg(leg, directory, out):
    sys.path.insert(0, HERE)
    import gen_columns
    import numpy as np
    with open(os.path.join(directory, "meta.json")) as f:
        meta = json.load(f)
    A = meta["agents"]
    cols = gen_columns.load(directory)
    ids = gen_columns.agent_ids(A)
    times = {}
    if leg == "python":
        times.update(leg_binding(directory, cols, ids, out))
    else:
        import pandas as pd                                 # month_end's rank; imported before timing
        t0 = time.perf_counter()
        frame = None
        if leg == "pandas":
            frame = pd.DataFrame(cols)
        elif leg == "polars":
            import polars as pl
            frame = pl.DataFrame(cols)
        else:
            import duckdb
            con = duckdb.connect()
            con.execute("SET threads TO 1")
            frame = cols
        times["frame"] = time.perf_counter() - t0
        cnt = np.zeros((A, 10), np.int64)
        tot = np.zeros((A, 10), np.int64)
        t0 = time.perf_counter()
        if leg == "pandas":
            g = frame.groupby(["agent", "event"], sort=False)["value"].agg(["size", "sum"])
            a, e = g.index.get_level_values(0).to_numpy(), g.index.get_level_values(1).to_numpy()
            cnt[a, e], tot[a, e] = g["size"].to_numpy(), g["sum"].to_numpy()
        elif leg == "polars":
            g = frame.group_by(["agent", "event"]).agg(pl.len().alias("n"), pl.col("value").sum().alias("s"))
            a, e = g["agent"].to_numpy(), g["event"].to_numpy()
            cnt[a, e], tot[a, e] = g["n"].to_numpy(), g["s"].to_numpy()
        else:
            ev = frame  # noqa: F841 (scanned by name)
            g = con.execute("SELECT agent, event, count(*), sum(value)::BIGINT FROM ev GROUP BY ALL").fetchnumpy()
            a, e = g["agent"].astype(np.int64), g["event"].astype(np.int64)
            cnt[a, e], tot[a, e] = g["count_star()"], g["CAST(sum(\"value\") AS BIGINT)"]
        t1 = time.perf_counter()
        p90 = np.full(A, np.nan)
        if leg == "pandas":
            q = frame[frame["event"] == REPLY].groupby("agent")["value"].quantile(0.9)
            p90[q.index.to_numpy()] = q.to_numpy()
        elif leg == "polars":
            q = frame.filter(pl.col("event") == REPLY).group_by("agent").agg(
                pl.col("value").quantile(0.9, interpolation="linear"))
            p90[q["agent"].to_numpy()] = q["value"].to_numpy()
        else:
            q = con.execute(f"SELECT agent, quantile_cont(value, 0.9) AS q FROM ev WHERE event = {REPLY} "
                            "GROUP BY agent").fetchnumpy()
            p90[q["agent"].astype(np.int64)] = q["q"]
        t2 = time.perf_counter()
        r = month_end(cnt, tot, p90, meta)
        t3 = time.perf_counter()
        times.update(ingest=t1 - t0, p90=t2 - t1, evaluate=t3 - t2, total=t3 - t0)
        write_rows(out, ids, r)
    times["leg"] = leg
    times["events"] = int(cols["agent"].size)
    print(json.dumps(times))


def leg_binding(directory, cols, ids, out):
    import kpiscore
    plan = kpiscore.Plan.load(os.path.join(directory, "plan.json"))
    agents = kpiscore.Agents(ids)
    m = kpiscore.Metrics(plan)
    run = kpiscore.Run(plan)
    for a in ids:
        run.add_agent(a)
    t0 = time.perf_counter()
    m.add_batch(cols["agent"], cols["event"], cols["value"], cols["time_ms"])
    t1 = t2 = time.perf_counter()  # no compact(): each p90 is selected when evaluate reads it
    run.set_metrics(m, agents)
    run.evaluate()
    t3 = time.perf_counter()
    outcome = {"pass": 0, "fail": 1, "not_assessed": 2}
    dec = kpiscore.to_dec
    r = {k: [None] * len(ids) for k in ("score", "outcome", "rank", "pct", "tier", "commission", "bonus",
                                       "total", "p90")}
    tier_name = run.tier_names[0]
    for row in run.rows:
        a = row.agent
        r["score"][a], r["outcome"][a] = dec(row.score), outcome[row.outcome]
        r["rank"][a] = dec(row.rank) if row.rank is not None else 0
        r["pct"][a] = dec(row.pct) if row.pct is not None else 0
        t = run.tiers(a)[tier_name]
        r["tier"][a] = t.label if t.tier is not None else ""
        r["commission"][a], r["bonus"][a] = (line.amount for line in run.payslip(a).lines)
        r["total"][a] = row.pay
        p90 = m.value(a, 0, "response_time_p90")
        r["p90"][a] = -1 if p90 is None else dec(p90)
    write_rows(out, ids, r)
    return {"ingest": t1 - t0, "p90": t2 - t1, "evaluate": t3 - t2, "total": t3 - t0}


def child_check(directory, out):
    """Every agent's p90 from the C leg against numpy.quantile (linear) of
    its response times, in the library's unit (seconds, 10^-9)."""
    sys.path.insert(0, HERE)
    import gen_columns
    import numpy as np
    cols = gen_columns.load(directory)
    sel = cols["event"] == REPLY
    a, v = cols["agent"][sel].astype(np.int64), cols["value"][sel]
    order = np.lexsort((v, a))
    a, v = a[order], v[order]
    starts = np.searchsorted(a, np.arange(a.max() + 2 if a.size else 1))
    lib = {}
    with open(out, encoding="utf-8") as f:
        for i, line in enumerate(f):
            lib[i] = line.rstrip("\n").split(",")[-1]
    bad = 0
    for i in range(len(lib)):
        seg = v[starts[i]:starts[i + 1]] if i + 1 < len(starts) else v[:0]
        if seg.size == 0:
            want = ""
        else:
            q = float(np.quantile(seg, 0.9))                   # method="linear"
            tenths = round(q * 10)
            assert abs(q * 10 - tenths) < 1e-6, q
            want = str(tenths * 10**5)
        bad += want != lib[i]
        if want != lib[i] and bad <= 5:
            print(f"p90 of agent {i}: kpiscore {lib[i]}, numpy {want}", file=sys.stderr)
    print(json.dumps({"p90_checked": len(lib), "p90_mismatches": bad}))


# ---- the parent -------------------------------------------------------------------------------
def run_child(cmd, env):
    """Runs one child; returns (its JSON line, its peak RSS in MiB from wait4)."""
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, text=True, env=env)
    text = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    p.returncode = os.waitstatus_to_exitcode(status)
    if p.returncode != 0:
        raise SystemExit(f"compare.py: {' '.join(cmd)} failed ({p.returncode})")
    lines = [ln for ln in text.splitlines() if ln.startswith("{")]
    return (json.loads(lines[-1]) if lines else {}), usage.ru_maxrss / 1024


def parse_size(s):
    return int(float(s))


def machine():
    model = "?"
    with open("/proc/cpuinfo") as f:
        for ln in f:
            if ln.startswith("model name"):
                model = ln.split(":", 1)[1].strip()
                break
    with open("/proc/loadavg") as f:
        load = " ".join(f.read().split()[:3])
    return f"{os.cpu_count()} CPUs ({model}), load average {load}"


def main():
    ap = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    ap.add_argument("--build", default="build")
    ap.add_argument("--sizes", default="1e5,1e6,1e7,5e7")
    ap.add_argument("--agents", type=int, default=10_000)
    ap.add_argument("--legs", default=",".join(LEGS))
    ap.add_argument("--data", help="directory for the columns (default: a temporary one, removed)")
    ap.add_argument("--child", nargs="+", help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        kind, rest = args.child[0], args.child[1:]
        if kind == "gen":
            return child_gen(int(rest[0]), int(rest[1]), rest[2])
        if kind == "check":
            return child_check(*rest)
        return child_leg(kind, *rest)

    build = os.path.abspath(args.build)
    legs = [x for x in args.legs.split(",") if x]
    for x in legs:
        if x not in LEGS:
            ap.error(f"unknown leg '{x}' (known: {', '.join(LEGS)})")
    env = dict(os.environ)
    env["PYTHONPATH"] = os.pathsep.join(filter(None, [os.path.join(build, "bindings", "python"),
                                                      env.get("PYTHONPATH")]))
    me = [sys.executable, os.path.abspath(__file__)]
    root = args.data or tempfile.mkdtemp(prefix="kpiscore-bench-")
    print(f"# {machine()}", flush=True)
    print(f"# {' '.join(sys.argv)}", flush=True)
    ok = True
    try:
        for size in (parse_size(s) for s in args.sizes.split(",")):
            d = os.path.join(root, str(size))
            os.makedirs(d, exist_ok=True)
            t0 = time.perf_counter()
            subprocess.run(me + ["--child", "gen", str(size), str(args.agents), d], check=True)
            print(f"\n## {size:,} events, {args.agents:,} agents (generated in {time.perf_counter() - t0:.1f} s)",
                  flush=True)
            results = {}
            for leg in legs:
                out = os.path.join(d, f"{leg}.csv")
                if leg in ("c", "c2"):
                    cmd = [os.path.join(build, "bench", "bench_pipeline"), d, str(args.agents),
                           "2" if leg == "c2" else "1", out]
                else:
                    cmd = me + ["--child", leg, d, out]
                r, rss = run_child(cmd, env)
                r["rss"] = rss
                r["out"] = out
                results[leg] = r
            ok &= verify(results, d, me, env)
            table(results, size)
            if not args.data:
                shutil.rmtree(d)
    finally:
        if not args.data:
            shutil.rmtree(root, ignore_errors=True)
    return 0 if ok else 1


def verify(results, d, me, env):
    ref_leg = next(iter(results))
    with open(results[ref_leg]["out"], encoding="utf-8") as f:
        ref = f.read().splitlines()
    ok = True
    for leg, r in results.items():
        with open(r["out"], encoding="utf-8") as f:
            got = f.read().splitlines()
        diff = [i for i, (x, y) in enumerate(zip(ref, got)) if x != y]
        if len(got) != len(ref) or diff:
            ok = False
            print(f"MISMATCH {leg} vs {ref_leg}: {len(diff)} agents differ, {len(got)} vs {len(ref)} rows")
            for i in diff[:3]:
                print(f"  {ref_leg}: {ref[i]}\n  {leg}: {got[i]}")
    c, _ = run_child(me + ["--child", "check", d, results[ref_leg]["out"]], env)
    ok &= c["p90_mismatches"] == 0
    same = "identical" if ok else "NOT identical"
    print(f"check: scores, outcomes, ranks, pct, tiers and pay of {len(ref):,} agents {same} across "
          f"{', '.join(results)}; p90 of {c['p90_checked']:,} agents vs numpy.quantile: "
          f"{c['p90_mismatches']} mismatches", flush=True)
    return ok


def table(results, n):
    plain = next((r["plain"] for r in results.values() if "plain" in r), None)
    pandas = results.get("pandas", {}).get("total")
    c = results.get("c", {}).get("total")
    print(f"{'leg':<8} {'frame':>7} {'ingest':>8} {'p90':>8} {'evaluate':>8} {'total':>8} {'events/s':>10} "
          f"{'peak MiB':>9} {'pandas/x':>8} {'x/C':>6} {'ingest/plain':>12}")
    for leg, r in results.items():
        fr = f"{r['frame']:.3f}" if "frame" in r else "-"
        print(f"{leg:<8} {fr:>7} {r['ingest']:8.3f} {r['p90']:8.3f} {r['evaluate']:8.3f} {r['total']:8.3f} "
              f"{n / r['total']:10.3g} {r['rss']:9.0f} "
              f"{pandas / r['total'] if pandas else float('nan'):8.2f} "
              f"{r['total'] / c if c else float('nan'):6.2f} "
              f"{r['ingest'] / plain if plain else float('nan'):12.2f}")
    if plain:
        print(f"plain pass summing the 4 columns (C, best of 3): {plain:.3f} s, {n / plain:.3g} events/s")
    if "c" in results and "c2" in results:
        print(f"ingestion on 2 threads: speed-up {results['c']['ingest'] / results['c2']['ingest']:.2f}")
    sys.stdout.flush()


if __name__ == "__main__":
    sys.exit(main())
