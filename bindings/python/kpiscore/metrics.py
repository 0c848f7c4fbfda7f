"""Metric accumulators: events in as columns, exact per-agent, per-period
metrics out (docs/metrics.md).

``Metrics(plan)`` makes an accumulator with the plan's metric registry,
period and time zone. Rows go in as numpy columns read in place
(``add_batch``) or from an events CSV (``ingest_csv``, ``csv_stream``);
states merge exactly and serialise to bytes, so partial results made on
many machines (Dask, issue 9) combine into one.
"""

import mmap as _mmap
import os as _os
from dataclasses import dataclass

from . import _arrays
from . import capi as _capi
from ._handle import Owner, borrowed
from .errors import NotAvailableError
from .numbers import from_dec, to_dec
from .plan import MetricRegistry

__all__ = ["Agents", "Metrics", "IngestResult", "CsvStream", "LEVELS"]

LEVELS = {"agent": _capi.KPI_LEVEL_AGENT, "team": _capi.KPI_LEVEL_TEAM, "centre": _capi.KPI_LEVEL_CENTRE}

try:
    import numpy as _np
except ImportError:  # pragma: no cover - numpy is in the project's venv
    _np = None


class Agents(Owner):
    """Agent ids mapped to dense indexes 0, 1, 2, ... (the agent column of
    a batch), each in one team, each team in one centre. Single writer."""

    __slots__ = ()

    def __init__(self, agents=()):
        """``agents``: ids, or (id, team[, centre]) tuples, added in order."""
        super().__init__(_capi.kpi_agents_new(), _capi.kpi_agents_free)
        for a in agents:
            if isinstance(a, str):
                self.add(a)
            else:
                self.add(*a)

    def add(self, agent_id, team="", centre=""):
        """Adds an agent (or finds it, when already there in the same team);
        returns its index. InputError when it is already in another team."""
        return _capi.kpi_agents_add(self._ptr, agent_id, team, centre)

    def find(self, agent_id, level="agent"):
        """The index of an agent (team, centre) id; NotFoundError otherwise."""
        return _capi.kpi_agents_find(self._ptr, _arrays.choice(LEVELS, level, "level"), agent_id)

    def ids(self, level="agent"):
        """The ids at that level, by index."""
        ptr, lv = self._ptr, _arrays.choice(LEVELS, level, "level")
        return [_capi.kpi_agents_id(ptr, lv, i) for i in range(_capi.kpi_agents_count(ptr, lv))]

    def team_of(self, agent_id):
        """The team id of an agent."""
        ptr = self._ptr
        team = _capi.kpi_agents_parent(ptr, _capi.KPI_LEVEL_AGENT, self.find(agent_id))
        return _capi.kpi_agents_id(ptr, _capi.KPI_LEVEL_TEAM, team)

    def indexes(self, ids, add=False):
        """A uint32 numpy array of the indexes of ``ids`` (each distinct id
        looked up once); with ``add=True`` unknown ids are added."""
        uniques, inverse = _np.unique(_np.asarray(ids, dtype=object), return_inverse=True)
        look = self.add if add else self.find
        lut = _np.fromiter((look(str(u)) for u in uniques), dtype=_np.uint32, count=len(uniques))
        return lut[inverse].astype(_np.uint32, copy=False)

    def __len__(self):
        return _capi.kpi_agents_count(self._ptr, _capi.KPI_LEVEL_AGENT)

    def __contains__(self, agent_id):
        try:
            self.find(agent_id)
        except LookupError:
            return False
        return True

    def __repr__(self):
        return "<Agents closed>" if self.closed else f"<Agents {len(self)}>"


@dataclass(frozen=True)
class IngestResult:
    """What an events-CSV ingest read."""
    rows: int        # data rows read (header excluded)
    added: int       # rows added to the accumulator
    skipped: int     # rows skipped for an unknown event (skip_unknown_events)
    new_agents: int  # agents added to the map (add_agents)
    bytes: int       # bytes read

    @classmethod
    def of(cls, r):
        return cls(r.rows, r.added, r.skipped, r.new_agents, r.bytes)


def _csv_flags(money_yuan, add_agents, skip_unknown_events):
    return ((_capi.KPI_METRICS_CSV_MONEY_YUAN if money_yuan else 0)
            | (_capi.KPI_METRICS_CSV_ADD_AGENTS if add_agents else 0)
            | (_capi.KPI_METRICS_CSV_SKIP_UNKNOWN_EVENTS if skip_unknown_events else 0))


def _delimiter(d):
    if not isinstance(d, str) or len(d) != 1 or ord(d) > 127:
        raise ValueError(f"delimiter must be one ASCII character, not {d!r}")
    return ord(d)


def _times(time_ms):
    """int64 milliseconds since 1970 (UTC): an int64 buffer as it is; a
    numpy datetime64 array viewed as int64 (converted to ms only if its unit
    differs); a sequence of ints converted."""
    if _np is not None and isinstance(time_ms, _np.ndarray) and time_ms.dtype.kind == "M":
        if time_ms.dtype != _np.dtype("datetime64[ms]"):
            time_ms = time_ms.astype("datetime64[ms]")
        return time_ms.view(_np.int64)
    return _arrays.integers(time_ms, "q")


class Metrics(Owner):
    """Per-(agent, period) accumulators for every metric of a plan.

    Single writer: add from one thread at a time (``threads=`` splits one
    batch over C threads). Reads may run on many threads once writing
    stops. Merging is exact, associative and commutative.
    """

    __slots__ = ("plan", "utc_offset_minutes")

    def __init__(self, plan, _ptr=None):
        options = plan.metrics_options()
        if _ptr is None:
            _ptr = _capi.kpi_metrics_new(_capi.kpi_plan_metric_registry(plan._ptr), options)
        super().__init__(_ptr, _capi.kpi_metrics_free)
        self.plan = plan  # kept alive: runs and from_bytes read its registry
        self.utc_offset_minutes = options.utc_offset_minutes

    # ---- in -------------------------------------------------------------

    def add_batch(self, agent, event, value, time_ms=None, threads=1):
        """Adds n rows from columns of one length, read in place when they
        are buffers: ``agent`` uint32 (Agents indexes), ``event`` uint16
        (event codes, optionally | KPI_EVENT_EXCUSED), ``value`` int64 (the
        event kind's unit: fen, ms, ...), ``time_ms`` int64 ms since 1970 UTC
        or numpy datetime64 (None only for a plan with period "all").
        Another dtype is a TypeError; different lengths a ValueError. The
        whole batch is checked first: nothing is added on a bad row."""
        _capi.kpi_bind_metrics_add_batch(self._ptr, _arrays.integers(agent, "I"),
                                         _arrays.integers(event, "H"), _arrays.integers(value, "q"),
                                         _times(time_ms), threads)
        return self

    def ingest_csv(self, source, agents, threads=1, money_yuan=False, add_agents=False,
                   skip_unknown_events=False, name=None, delimiter=","):
        """Adds the rows of an events CSV (agent,time,event,value[,excused]):
        ``source`` is a path (mapped into memory, not copied) or the file's
        bytes. Agent ids go through ``agents`` (added with ``add_agents``).
        Returns an :class:`IngestResult`. On failure nothing changes and the
        error has the file, line, column and byte offset."""
        flags = _csv_flags(money_yuan, add_agents, skip_unknown_events)
        result = _capi.kpi_metrics_csv_result()
        if isinstance(source, (str, _os.PathLike)):
            path = _os.fspath(source)
            with open(path, "rb") as f:
                size = _os.fstat(f.fileno()).st_size
                data = _mmap.mmap(f.fileno(), 0, access=_mmap.ACCESS_READ) if size else b""
            try:
                _capi.kpi_bind_metrics_ingest_csv(self._ptr, agents._ptr, data, name or path, flags,
                                                  threads, _delimiter(delimiter), result)
            finally:
                if size:
                    data.close()
        else:
            _capi.kpi_bind_metrics_ingest_csv(self._ptr, agents._ptr, source, name, flags, threads,
                                              _delimiter(delimiter), result)
        return IngestResult.of(result)

    def csv_stream(self, agents, money_yuan=False, add_agents=False, skip_unknown_events=False,
                   name=None, delimiter=","):
        """A :class:`CsvStream` into this accumulator: ``feed()`` pieces of
        any size, then ``finish()``. Constant memory in the file's size."""
        return CsvStream(self, agents, _csv_flags(money_yuan, add_agents, skip_unknown_events),
                         name, _delimiter(delimiter))

    def merge(self, other):
        """Adds everything in ``other`` (exact). MismatchError when it was
        made for other metric definitions, period or time zone."""
        _capi.kpi_metrics_merge(self._ptr, other._ptr)
        return self

    def reset(self):
        _capi.kpi_metrics_reset(self._ptr)

    def compact(self):
        """Sorts exact-quantile stores into runs (optional): reads then never
        allocate and repeated values take less memory; a quantile read once
        is as fast without it (it selects in the unsorted values)."""
        _capi.kpi_metrics_compact(self._ptr)

    # ---- state ----------------------------------------------------------

    def to_bytes(self):
        """The state (docs/metrics.md "State format"): versioned,
        little-endian, checksummed; equal accumulators give equal bytes."""
        size = _capi.kpi_bind_metrics_save_size(self._ptr)
        buf = bytearray(size)
        written = _capi.kpi_bind_metrics_save(self._ptr, buf)
        return bytes(memoryview(buf)[:written])

    @classmethod
    def from_bytes(cls, plan, data, max_bytes=0):
        """An accumulator from ``to_bytes()`` output, for ``plan``'s metrics.
        CorruptStateError / VersionError (with the byte offset) for bad bytes,
        MismatchError for another plan's state."""
        ptr = _capi.kpi_bind_metrics_load(_capi.kpi_plan_metric_registry(plan._ptr), data, max_bytes)
        return cls(plan, _ptr=ptr)

    def __reduce__(self):
        # a C handle cannot be pickled; Dask and databases carry the bytes
        raise TypeError("pickle Metrics.to_bytes() and rebuild with Metrics.from_bytes(plan, data)")

    # ---- out ------------------------------------------------------------

    @property
    def registry(self):
        """The accumulator's own copy of its :class:`MetricRegistry`."""
        return borrowed(MetricRegistry, _capi.kpi_metrics_registry(self._ptr), self)

    @property
    def periods(self):
        """Labels of the periods with data, in time order ("2026-09")."""
        ptr = self._ptr
        return [_capi.kpi_bind_metrics_period_label(ptr, i)
                for i in range(_capi.kpi_metrics_period_count(ptr))]

    @property
    def agent_count(self):
        return _capi.kpi_metrics_agent_count(self._ptr)

    @property
    def memory(self):
        """Bytes the accumulator holds."""
        return _capi.kpi_metrics_memory(self._ptr)

    def _period(self, period):
        if isinstance(period, str):
            try:
                return self.periods.index(period)
            except ValueError:
                raise KeyError(f"no data for period {period!r}; periods: {self.periods}") from None
        return period

    def _metric(self, metric):
        if isinstance(metric, str):
            return _capi.kpi_metric_registry_find(_capi.kpi_metrics_registry(self._ptr), metric)
        return metric

    def value(self, agent, period, metric):
        """The value of ``metric`` (id or index) for agent index ``agent`` in
        ``period`` (label or index), a Decimal in the metric's unit, or None
        when it is not available (a zero denominator, no values)."""
        try:
            return from_dec(_capi.kpi_metrics_value(self._ptr, agent, self._period(period),
                                                    self._metric(metric)))
        except NotAvailableError:
            return None

    def quantile(self, agent, period, metric, q, method="linear"):
        """The exact ``q`` quantile of a quantile metric by numpy's ``method``,
        a Decimal, or None with no values."""
        try:
            return from_dec(_capi.kpi_metrics_quantile(self._ptr, agent, self._period(period),
                                                       self._metric(metric), to_dec(q),
                                                       _capi.kpi_quantile_method_parse(method)))
        except NotAvailableError:
            return None

    def raw(self, agent, period, metric):
        """(num, den, min, max): the raw integers behind a value."""
        r = _capi.kpi_metric_raw()
        _capi.kpi_metrics_raw(self._ptr, agent, self._period(period), self._metric(metric), r)
        return r.num, r.den, r.min, r.max

    def rollup(self, agents, level="team"):
        """A new accumulator whose agents are the teams (or centres) of ``agents``."""
        ptr = _capi.kpi_metrics_rollup(self._ptr, agents._ptr, _arrays.choice(LEVELS, level, "level"))
        return Metrics(self.plan, _ptr=ptr)

    def __repr__(self):
        if self.closed:
            return "<Metrics closed>"
        return f"<Metrics {self.agent_count} agents, periods {self.periods}>"


class CsvStream(Owner):
    """A streaming events-CSV ingest (``Metrics.csv_stream``): rows go to a
    private accumulator that ``finish()`` merges, so the target changes
    only on success. Keeps the accumulator and the agent map alive."""

    __slots__ = ("_metrics", "_agents", "result")

    def __init__(self, metrics, agents, flags, name, delimiter):
        ptr = _capi.kpi_bind_metrics_csv_new(metrics._ptr, agents._ptr, name, flags, delimiter)
        super().__init__(ptr, _capi.kpi_metrics_csv_free, (metrics, agents))
        self._metrics, self._agents, self.result = metrics, agents, None

    def feed(self, data):
        """Reads the next piece (bytes or any byte buffer); any split works."""
        _capi.kpi_bind_metrics_csv_feed(self._ptr, data)
        return self

    def finish(self):
        """Ends the stream, merges into the accumulator; an :class:`IngestResult`."""
        r = _capi.kpi_metrics_csv_result()
        _capi.kpi_metrics_csv_finish(self._ptr, r)
        self.result = IngestResult.of(r)
        self.close()
        return self.result
