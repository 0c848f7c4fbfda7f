"""Columnar month-end events for the pipeline benchmark (bench/compare.py).

The distributions are those of examples/data/gen_events.c, drawn with numpy
instead of row by row, so 5*10^7 events take seconds and any count of
events per agent is possible (gen_events always writes two shift rows per
working day, about 43 per agent and month, so 10^5 events cannot hold
10 000 agents there):

  - each agent has a skill in [0.7, 1.3) and a month's form = skill x
    [0.9, 1.1); its share of the consultations is proportional to a weight
    in [0.8, 1.2) (gen_events: 120 x scale x [0.8, 1.2) consultations);
  - per consultation: a first reply with probability 0.97 after
    40 / form x exp(0.35 N(0, 1)) seconds (written in whole ms); an order
    with probability 0.30 x form; then a payment (and its sub-order, same
    amount) with probability 0.85 + 0.1 (form - 1), paid
    [120, 900] x 100 x (0.8 + 0.4 form) fen; a refund of 4 % and a set sold
    of 5 % of the payments;
  - listings: 20 per 120 consultations, 3 % of them with an error;
  - one sales target per agent, the expected sales of its consultations x
    [0.8, 1.2), whole yuan.
Shift rows (gen_events' attendance) are left out: the benchmark plan does
not read them.

Rows are shuffled (an event log in time order interleaves agents and kinds)
and every time falls in September 2026 at UTC+08:00. The same (n, agents,
seed) give the same columns.
"""
import numpy as np

EVENTS = {"consult": 0, "reply": 1, "order": 2, "payment": 3, "suborder": 4, "refund": 5,
          "listing": 6, "listing_error": 7, "set_sold": 8, "sales_target": 9}
MONTH_START_MS = 1_788_192_000_000          # 2026-09-01 00:00 at UTC+08:00 = 2026-08-31T16:00Z
MONTH_MS = 30 * 86_400_000
MEAN_PAID_FEN = 510 * 100 * 1.2             # E[between(120, 900)] x 100 x (0.8 + 0.4 x 1)
EVENTS_PER_CONSULT = 1 + 0.97 + 0.3 + 0.3 * 0.85 * 2.09 + (20 / 120) * 1.03


def agent_ids(agents):
    return [f"A{i + 1:05d}" for i in range(agents)]


def generate(n, agents=10_000, seed=1):
    """Returns (columns, expected_sales_yuan): columns agent (uint32),
    event (uint16), value (int64), time_ms (int64), exactly n rows."""
    if n <= agents:
        raise ValueError(f"{n} events cannot hold {agents} agents' sales targets and more")
    rng = np.random.default_rng(seed)
    skill = 0.7 + 0.6 * rng.random(agents)
    form = skill * (0.9 + 0.2 * rng.random(agents))
    weight = 0.8 + 0.4 * rng.random(agents)
    share = weight / weight.sum()

    consults = int(1.03 * (n - agents) / EVENTS_PER_CONSULT) + 16
    c_agent = rng.choice(agents, size=consults, p=share).astype(np.uint32)
    f = form[c_agent]
    replied = rng.random(consults) < 0.97
    reply_ms = (40.0 / f[replied] * np.exp(0.35 * rng.standard_normal(int(replied.sum()))) * 1000).astype(np.int64)
    ordered = rng.random(consults) < 0.30 * f
    paid = ordered & (rng.random(consults) < 0.85 + 0.1 * (f - 1.0))
    fp = f[paid]
    amount = (rng.integers(120, 901, size=fp.size) * 100 * (0.8 + 0.4 * fp)).astype(np.int64)
    p_agent = c_agent[paid]
    refunded = rng.random(fp.size) < 0.04
    sets = rng.random(fp.size) < 0.05
    listings = rng.random(consults) < 20 / 120
    l_agent = c_agent[listings]
    l_error = rng.random(l_agent.size) < 0.03

    parts = [  # (agent, event, value)
        (c_agent, EVENTS["consult"], 1),
        (c_agent[replied], EVENTS["reply"], reply_ms),
        (c_agent[ordered], EVENTS["order"], 1),
        (p_agent, EVENTS["payment"], amount),
        (p_agent, EVENTS["suborder"], amount),
        (p_agent[refunded], EVENTS["refund"], amount[refunded]),
        (p_agent[sets], EVENTS["set_sold"], 1),
        (l_agent, EVENTS["listing"], 1),
        (l_agent[l_error], EVENTS["listing_error"], 1),
    ]
    total = sum(p[0].size for p in parts)
    agent = np.empty(total, np.uint32)
    event = np.empty(total, np.uint16)
    value = np.empty(total, np.int64)
    at = 0
    for a, e, v in parts:
        agent[at:at + a.size] = a
        event[at:at + a.size] = e
        value[at:at + a.size] = v
        at += a.size
    keep = rng.permutation(total)[: n - agents]      # a random n - agents of them, shuffled
    agent, event, value = agent[keep], event[keep], value[keep]

    expected = consults * share * 0.3 * form * (0.85 + 0.1 * (form - 1.0)) * MEAN_PAID_FEN / 100
    target_yuan = np.maximum(1, np.rint(expected * (0.8 + 0.4 * rng.random(agents)))).astype(np.int64)
    cols = {
        "agent": np.concatenate([np.arange(agents, dtype=np.uint32), agent]),
        "event": np.concatenate([np.full(agents, EVENTS["sales_target"], np.uint16), event]),
        "value": np.concatenate([target_yuan * 100, value]),
        "time_ms": MONTH_START_MS + rng.integers(0, MONTH_MS, size=n, dtype=np.int64),
    }
    return cols, expected


def save(cols, directory):
    """One raw little-endian file per column (agent.u32, event.u16, value.i64,
    time.i64): what bench_pipeline.c and every Python leg read."""
    import os
    for name, ext in (("agent", "u32"), ("event", "u16"), ("value", "i64"), ("time_ms", "i64")):
        cols[name].tofile(os.path.join(directory, f"{name.split('_')[0]}.{ext}"))


def load(directory, mmap=False):
    import os
    kinds = (("agent", "u32", np.uint32), ("event", "u16", np.uint16), ("value", "i64", np.int64),
             ("time_ms", "i64", np.int64))
    out = {}
    for name, ext, dt in kinds:
        path = os.path.join(directory, f"{name.split('_')[0]}.{ext}")
        out[name] = np.memmap(path, dtype=dt, mode="r") if mmap else np.fromfile(path, dtype=dt)
    return out
