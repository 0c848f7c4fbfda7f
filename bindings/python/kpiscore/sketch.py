"""A mergeable relative-error quantile sketch (分位数草图, docs/sketch.md):
for dashboards and unbounded streams; scores and pay read exact quantiles."""

import array as _array
from dataclasses import dataclass

from . import _arrays
from . import capi as _capi
from ._handle import Owner
from .numbers import to_dec

__all__ = ["Sketch", "SketchStats"]


@dataclass(frozen=True)
class SketchStats:
    count: int
    zeros: int
    negatives: int
    min: float
    max: float
    sum: float
    collapsed: int   # values in buckets that absorbed collapsed ones (0: the bound holds)
    buckets: int
    memory: int


class Sketch(Owner):
    """``Sketch(alpha=0.01, max_buckets=2048)``: ``quantile(q)`` is within
    ``alpha`` x |x| of the exact quantile x by numpy's "lower" method.
    Single writer; merge sketches made on several threads or machines."""

    __slots__ = ()

    def __init__(self, alpha=0.01, max_buckets=2048, _ptr=None):
        if _ptr is None:
            o = _capi.kpi_sketch_options()
            o.alpha = float(alpha)
            o.max_buckets = max_buckets
            _ptr = _capi.kpi_sketch_new(o)
        super().__init__(_ptr, _capi.kpi_sketch_free)

    def add(self, value):
        _capi.kpi_sketch_add(self._ptr, float(value))
        return self

    def add_many(self, values):
        """Adds a float64 buffer (numpy array, ``array('d')``) read in place,
        or a sequence of numbers (converted). NaN or an infinity: nothing is
        added, and the error's offset is its index."""
        if not _arrays.is_buffer(values):
            values = _array.array("d", [float(v) for v in values])
        _capi.kpi_bind_sketch_add_n(self._ptr, values)
        return self

    def quantile(self, q):
        """The approximate ``q`` quantile (q a Decimal/str/int in [0, 1]) as a
        float; NotAvailableError for an empty sketch."""
        return _capi.kpi_sketch_quantile(self._ptr, to_dec(q))

    def merge(self, other):
        """Adds ``other``'s values (MismatchError for other settings)."""
        _capi.kpi_sketch_merge(self._ptr, other._ptr)
        return self

    def reset(self):
        _capi.kpi_sketch_reset(self._ptr)

    @property
    def stats(self):
        s = _capi.kpi_sketch_stats()
        _capi.kpi_sketch_stats_get(self._ptr, s)
        return SketchStats(s.count, s.zeros, s.negatives, s.min, s.max, s.sum, s.collapsed,
                           s.buckets, s.memory)

    def __len__(self):
        return self.stats.count

    def to_bytes(self):
        """The versioned, checksummed serialisation (equal sketches, equal bytes)."""
        buf = bytearray(_capi.kpi_bind_sketch_size(self._ptr))
        n = _capi.kpi_bind_sketch_serialize(self._ptr, buf)
        return bytes(memoryview(buf)[:n])

    @classmethod
    def from_bytes(cls, data):
        """A sketch from ``to_bytes()`` output (CorruptStateError with the offset)."""
        return cls(_ptr=_capi.kpi_bind_sketch_deserialize(data))

    def __repr__(self):
        return "<Sketch closed>" if self.closed else f"<Sketch {len(self)} values>"
