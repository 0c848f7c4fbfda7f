"""Quantiles with numpy's 13 methods, exact."""

from . import capi as _capi
from .numbers import ROUND_HALF_EVEN, from_dec, rounding_mode, to_dec

__all__ = ["METHODS", "quantile_sorted_raw", "quantile"]

METHODS = tuple(_capi.kpi_quantile_method_name(m) for m in range(_capi.KPI_QUANTILE_NEAREST + 1))


def quantile_sorted_raw(values, q, method="linear", rounding=ROUND_HALF_EVEN):
    """The q quantile of ascending library decimals (a contiguous int64 buffer
    such as a numpy array, read without copying); returns a library decimal."""
    return _capi.kpi_quantile_sorted(values, to_dec(q), _capi.kpi_quantile_method_parse(method),
                                     rounding_mode(rounding))


def quantile(values, q, method="linear", rounding=ROUND_HALF_EVEN):
    """The q quantile (q a Decimal or str in [0, 1]) of Decimals/ints/strs, exactly."""
    from array import array
    raw = array("q", sorted(to_dec(v) for v in values))
    return from_dec(quantile_sorted_raw(raw, q, method, rounding))
