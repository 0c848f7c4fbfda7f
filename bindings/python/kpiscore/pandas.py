"""pandas helpers: DataFrames of events into accumulators, runs into DataFrames.

``import kpiscore.pandas`` needs pandas (ImportError otherwise); the rest
of kpiscore does not.

- :func:`events_frame_to_metrics` adds a DataFrame with the columns of an
  events CSV (``agent``, ``time``, ``event``, ``value``, optional
  ``excused``) to a :class:`kpiscore.Metrics`: ids and event names are
  mapped once per distinct value (categoricals), the columns are built as
  numpy arrays and handed to ``Metrics.add_batch`` without a further copy
  (an int64 ``value`` column is read in place).
- :func:`run_frame` gives an evaluated :class:`kpiscore.Run` as a
  DataFrame: scores as exact ``Decimal`` objects and as the plan's rounded
  text, pay as int64 fen and as yuan text.
"""

import numpy as np
import pandas as pd

from . import capi as _capi
from .numbers import format_money, rounding_mode, to_dec

__all__ = ["events_frame_to_columns", "events_frame_to_metrics", "run_frame"]

_MS_PER_MINUTE = 60_000
_NS_PER_MS = 1_000_000


def _codes(column, lookup, dtype, what):
    """Each distinct value of ``column`` looked up once; the codes as ``dtype``."""
    cat = column.astype("category")
    codes = cat.cat.codes.to_numpy()
    if (codes < 0).any():
        row = int(np.argmax(codes < 0))
        raise ValueError(f"{what} is missing in row {row}")
    lut = np.fromiter((lookup(str(v)) for v in cat.cat.categories), dtype=dtype,
                      count=len(cat.cat.categories))
    return lut[codes]


def _time_ms(column, utc_offset_minutes):
    """UTC milliseconds since 1970 from datetime64 (naive: local time at the
    plan's offset, as in an events CSV; aware: converted), strings (parsed
    by pandas, then the same) or integers (already UTC milliseconds)."""
    if pd.api.types.is_integer_dtype(column.dtype):
        return column.to_numpy(dtype=np.int64)
    if not pd.api.types.is_datetime64_any_dtype(column.dtype):
        column = pd.to_datetime(column)
    offset = utc_offset_minutes
    if getattr(column.dt, "tz", None) is not None:
        column = column.dt.tz_convert("UTC").dt.tz_localize(None)
        offset = 0
    if column.isna().any():
        raise ValueError(f"time is missing in row {int(np.argmax(column.isna().to_numpy()))}")
    ns = column.to_numpy(dtype="datetime64[ns]").view(np.int64)
    # digits past the millisecond are dropped toward the past, as the CSV reader does
    return ns // _NS_PER_MS - offset * _MS_PER_MINUTE


def events_frame_to_columns(df, metrics, agents, add_agents=False):
    """The four batch columns (agent uint32, event uint16, value int64,
    time_ms int64 or None) of an events DataFrame, for
    ``metrics.add_batch(*columns)`` (or for a worker to ship)."""
    registry = metrics.registry
    look = agents.add if add_agents else agents.find
    agent = _codes(df["agent"], look, np.uint32, "agent")
    if pd.api.types.is_integer_dtype(df["event"].dtype):
        event = df["event"].to_numpy(dtype=np.uint16)
    else:
        event = _codes(df["event"], registry.event_code, np.uint16, "event")
    if "excused" in df.columns:
        excused = df["excused"].fillna(0).to_numpy(dtype=bool)
        event = event | np.where(excused, np.uint16(_capi.KPI_EVENT_EXCUSED), np.uint16(0))
    value = df["value"].to_numpy(dtype=np.int64)
    time_ms = _time_ms(df["time"], metrics.utc_offset_minutes) if "time" in df.columns else None
    return agent, event.astype(np.uint16, copy=False), value, time_ms


def events_frame_to_metrics(df, metrics, agents, add_agents=False, threads=1):
    """Adds the events of ``df`` to ``metrics``; returns the number of rows.
    Agent ids go through ``agents`` (added with ``add_agents``; NotFoundError
    otherwise), event names through the accumulator's registry."""
    metrics.add_batch(*events_frame_to_columns(df, metrics, agents, add_agents), threads=threads)
    return len(df)


def _rounded(value, places, mode):
    return _capi.kpi_dec_format(to_dec(value), places, mode)


def run_frame(run):
    """The evaluated period of ``run`` as a DataFrame, one row per agent in
    rank order: rank, team_rank, pct (Decimal or None), agent, name, team,
    centre, outcome, score (Decimal), score_text (the plan's places), one
    column per tier classification (its label), pay_fen (int64) and
    pay_yuan ("1234.56")."""
    mode, places = run.plan.rounding
    mode = rounding_mode(mode)
    rows = run.rows
    tiers = run.tier_names
    data = {
        "rank": [r.rank for r in rows],
        "agent": [r.id for r in rows],
        "name": [r.name for r in rows],
        "team": [r.team for r in rows],
        "centre": [r.centre for r in rows],
        "outcome": [r.outcome for r in rows],
        "score": [r.score for r in rows],
        "score_text": [_rounded(r.score, places, mode) for r in rows],
        "team_rank": [r.team_rank for r in rows],
        "pct": [r.pct for r in rows],
    }
    for name in tiers:
        data[name] = [run.tiers(r.agent)[name].label or None for r in rows]
    data["pay_fen"] = np.array([r.pay for r in rows], dtype=np.int64)
    data["pay_yuan"] = [format_money(r.pay) for r in rows]
    return pd.DataFrame(data)
