"""Metric accumulators, the agent map, events CSV, states and sketches
through the binding: zero copy, exact values against a pandas oracle,
thread and merge invariance, and serialisation."""
import array
import os
from decimal import ROUND_HALF_UP, Decimal

import numpy as np
import pandas as pd
import pytest

import kpiscore
import kpiscore.pandas as kpd
from kpiscore import capi

ROOT = os.environ["KPISCORE_SOURCE_ROOT"]
SAMPLE = os.path.join(ROOT, "examples", "data", "sample")
EVENTS = os.path.join(SAMPLE, "events.csv")
SEP_2026 = 1_788_192_000_000   # 2026-09-01 00:00 in Beijing (2026-08-31 16:00 UTC), as UTC ms


@pytest.fixture(scope="module")
def plan():
    return kpiscore.Plan.load(os.path.join(SAMPLE, "plan.json"))


def _agents():
    ids = pd.read_csv(os.path.join(SAMPLE, "agents.csv"), dtype=str)
    return kpiscore.Agents(zip(ids["agent"], ids["team"], ids["centre"]))


def _columns(n=100_000, agents=50, seed=7):
    rng = np.random.default_rng(seed)
    agent = rng.integers(0, agents, n, dtype=np.uint32)
    event = rng.choice(np.array([capi.KPI_EVENT_CONSULT, capi.KPI_EVENT_ORDER, capi.KPI_EVENT_REPLY,
                                 capi.KPI_EVENT_PAYMENT], dtype=np.uint16), n)
    value = rng.integers(1, 100_000, n, dtype=np.int64)
    time_ms = SEP_2026 + rng.integers(0, 29 * 86_400_000, n, dtype=np.int64)
    return agent, event, value, time_ms


def test_add_batch_reads_numpy_columns_in_place(plan):
    agent, event, value, time_ms = _columns(1000)
    m = kpiscore.Metrics(plan)
    m.add_batch(agent, event, value, time_ms)
    seen = [capi.kpi_bind_seen_address(i) for i in range(4)]
    assert seen == [agent.ctypes.data, event.ctypes.data, value.ctypes.data, time_ms.ctypes.data]
    # datetime64[ms] is viewed, not converted: the same memory reaches C
    stamps = time_ms.view("datetime64[ms]")
    m.add_batch(agent, event, value, stamps)
    assert capi.kpi_bind_seen_address(3) == stamps.ctypes.data
    # array.array and memoryview are buffers too
    a = array.array("I", agent.tolist())
    m.add_batch(memoryview(a), event, value, time_ms)
    assert capi.kpi_bind_seen_address(0) == a.buffer_info()[0]
    assert m.periods == ["2026-09"] and m.agent_count == 50


def test_add_batch_refuses_wrong_columns(plan):
    agent, event, value, time_ms = _columns(10)
    m = kpiscore.Metrics(plan)
    with pytest.raises(TypeError, match="uint16"):
        m.add_batch(agent, event.astype(np.int32), value, time_ms)
    with pytest.raises(TypeError, match="uint32"):
        m.add_batch(agent.astype(np.int64), event, value, time_ms)
    with pytest.raises(TypeError):
        m.add_batch(agent, event, value[::2].repeat(2), time_ms[::-1])   # a stride is not contiguous
    with pytest.raises(ValueError, match="value has 9 elements where 10 are needed"):
        m.add_batch(agent, event, value[:9], time_ms)
    bad = event.copy()
    bad[3] = 60                                         # no such event kind
    with pytest.raises(kpiscore.InvalidArgumentError) as err:
        m.add_batch(agent, bad, value, time_ms)
    assert err.value.offset == 3
    assert m.periods == []                              # nothing was added


def test_values_against_a_pandas_oracle(plan):
    agents = _agents()
    m = kpiscore.Metrics(plan)
    result = m.ingest_csv(EVENTS, agents, threads=2)
    assert (result.rows, result.added, result.new_agents) == (29016, 29016, 0)
    assert m.periods == ["2026-07", "2026-08", "2026-09"]
    df = pd.read_csv(EVENTS, dtype={"agent": str})
    df["period"] = df["time"].str[:7]                  # times are local (+08:00), as the plan's zone
    counts = df.pivot_table(index=["agent", "period"], columns="event", values="value",
                            aggfunc="size", fill_value=0)
    pay = df[df["event"] == "payment"].groupby(["agent", "period"])["value"].agg(["sum", "size"])
    nine = Decimal("1e-9")
    checked = 0
    for (agent_id, period), row in counts.iterrows():
        index = agents.find(agent_id)
        assert m.value(index, period, "consultations") == int(row["consult"])
        conv = (Decimal(int(row["order"])) / Decimal(int(row["consult"]))).quantize(nine, ROUND_HALF_UP)
        assert m.value(index, period, "conversion") == conv
        s, n = pay.loc[(agent_id, period)]
        aov = (Decimal(int(s)) / 100 / Decimal(int(n))).quantize(nine, ROUND_HALF_UP)   # yuan
        assert m.value(index, period, "avg_order_value") == aov
        checked += 1
    assert checked == 72                                # 24 agents x 3 months
    # an agent with no rows reads as empty: a ratio is N/A (None), a count 0
    assert m.value(agents.add("A999"), "2026-09", "conversion") is None
    assert m.value(agents.find("A999"), "2026-09", "consultations") == 0


def test_threads_merge_and_state_are_exact(plan):
    cols = _columns()
    one = kpiscore.Metrics(plan).add_batch(*cols)
    two = kpiscore.Metrics(plan).add_batch(*cols, threads=2)
    assert two.to_bytes() == one.to_bytes()            # bit for bit
    # halves merged in either order equal the whole
    half = len(cols[0]) // 2
    a = kpiscore.Metrics(plan).add_batch(*(c[:half] for c in cols))
    b = kpiscore.Metrics(plan).add_batch(*(c[half:] for c in cols))
    c = kpiscore.Metrics(plan).add_batch(*(c[half:] for c in cols))
    c.merge(kpiscore.Metrics(plan).add_batch(*(c[:half] for c in cols)))
    assert a.merge(b).to_bytes() == one.to_bytes() == c.to_bytes()
    data = one.to_bytes()
    back = kpiscore.Metrics.from_bytes(plan, data)
    assert back.to_bytes() == data and back.value(3, 0, "conversion") == one.value(3, 0, "conversion")
    assert data[:4] != b"\0\0\0\0" and len(data) > 1000


def test_csv_from_bytes_stream_and_pandas_agree(plan):
    with open(EVENTS, "rb") as f:
        raw = f.read()
    whole = kpiscore.Metrics(plan)
    whole.ingest_csv(EVENTS, _agents())
    from_bytes = kpiscore.Metrics(plan)
    from_bytes.ingest_csv(raw, _agents(), threads=2)
    streamed = kpiscore.Metrics(plan)
    with streamed.csv_stream(_agents(), name="events.csv") as s:
        for i in range(0, len(raw), 4093):             # pieces split anywhere
            s.feed(raw[i:i + 4093])
        result = s.finish()
    assert result.rows == 29016 and result.bytes == len(raw)
    df = pd.read_csv(EVENTS, dtype={"agent": str})
    framed = kpiscore.Metrics(plan)
    assert kpd.events_frame_to_metrics(df, framed, _agents()) == 29016
    dated = kpiscore.Metrics(plan)                     # naive datetime64: local time, as in the CSV
    kpd.events_frame_to_metrics(df.assign(time=pd.to_datetime(df["time"])), dated, _agents(), threads=2)
    for m in (whole, from_bytes, streamed, framed, dated):
        m.compact()
    expected = whole.to_bytes()
    assert [m.to_bytes() == expected for m in (from_bytes, streamed, framed, dated)] == [True] * 4


def test_csv_errors_have_locations(plan):
    m = kpiscore.Metrics(plan)
    with pytest.raises(kpiscore.NotFoundError) as err:
        m.ingest_csv(b"agent,time,event,value\nA001,2026-09-01 10:00:00,consult,1\nZZZ,2026-09-01,consult,1\n",
                     _agents(), name="mine.csv")
    e = err.value
    assert (e.source, e.line, e.column) == ("mine.csv", 3, 1) and "ZZZ" in e.message
    assert m.periods == []                              # unchanged on failure
    with pytest.raises(OSError):                        # Python opens the file: FileNotFoundError
        m.ingest_csv(os.path.join(SAMPLE, "missing.csv"), _agents())
    with pytest.raises(kpiscore.NotFoundError, match="unknown event kind"):
        kpd.events_frame_to_metrics(pd.DataFrame({"agent": ["A001"], "time": ["2026-09-01"],
                                                  "event": ["teleport"], "value": [1]}), m, _agents())


def test_agents_map():
    agents = _agents()
    assert len(agents) == 24 and agents.find("A001") == 0 and "A024" in agents and "B1" not in agents
    assert agents.ids("team") == ["一组", "二组", "三组"] and agents.team_of("A002") == "二组"
    assert agents.add("A001", "一组", "杭州客服中心") == 0        # found, same team
    with pytest.raises(kpiscore.InputError, match="一组"):
        agents.add("A001", "二组", "杭州客服中心")
    assert agents.indexes(["A003", "A001", "A003"]).tolist() == [2, 0, 2]
    assert agents.indexes(["N1"], add=True).dtype == np.uint32 and agents.find("N1") == 24


def test_team_rollup_and_quantile(plan):
    agents = _agents()
    m = kpiscore.Metrics(plan)
    m.ingest_csv(EVENTS, agents)
    teams = m.rollup(agents, "team")
    total = sum(m.value(agents.find(f"A{i:03d}"), "2026-09", "consultations") for i in range(1, 25))
    assert sum(teams.value(t, "2026-09", "consultations") for t in range(3)) == total
    assert [i.id for i in m.registry.metrics if i.kind == "quantile"] == ["response_time_p90"]
    df = pd.read_csv(EVENTS, dtype={"agent": str})
    sel = df[(df["agent"] == "A001") & (df["time"].str[:7] == "2026-09") & (df["event"] == "reply")]
    ms = sel["value"].to_numpy()
    for q, method in (("0.9", "linear"), ("0.5", "lower"), ("0.25", "hazen")):
        # numpy on the milliseconds, exact in Decimal: every position is a multiple of 1/4 or 1/20
        exact = Decimal(repr(float(np.quantile(ms, float(q), method=method)))) / 1000
        assert abs(m.quantile(0, "2026-09", "response_time_p90", q, method) - exact) < Decimal("1e-9")
    assert m.quantile(0, "2026-09", "response_time_p90", "0.9") == m.value(0, "2026-09", "response_time_p90")
    assert m.quantile(agents.add("A999"), "2026-09", "response_time_p90", "0.9") is None


def test_sketch():
    rng = np.random.default_rng(3)
    x = rng.lognormal(3, 1, 200_000)
    s = kpiscore.Sketch(alpha=0.01)
    s.add_many(x)
    assert capi.kpi_bind_seen_address(0) == x.ctypes.data        # read in place
    for q in ("0.5", "0.9", "0.99"):
        exact = np.quantile(x, float(q), method="lower")
        assert abs(s.quantile(q) - exact) <= 0.01 * exact
    a, b = kpiscore.Sketch(), kpiscore.Sketch()
    a.add_many(x[:1000])
    b.add_many(x[1000:])
    assert a.merge(b).to_bytes() == s.to_bytes()                # merge is exact
    back = kpiscore.Sketch.from_bytes(s.to_bytes())
    assert back.stats.count == 200_000 and back.quantile("0.5") == s.quantile("0.5")
    with pytest.raises(kpiscore.InvalidArgumentError) as err:
        s.add_many(np.array([1.0, 2.0, np.nan]))
    assert err.value.offset == 2 and len(s) == 200_000
    with pytest.raises(kpiscore.MismatchError):
        s.merge(kpiscore.Sketch(alpha=0.02))
    with pytest.raises(kpiscore.NotAvailableError):
        kpiscore.Sketch().quantile("0.5")
    with pytest.raises(TypeError, match="float64"):
        s.add_many(np.array([1, 2], dtype=np.int64))
    s.add_many([1, 2.5])                                         # a list is converted
    assert len(s) == 200_002
