"""Exact money and decimals across the boundary.

Money is an ``int`` of fen (0.01 yuan) or a ``decimal.Decimal`` of yuan;
exact quantities (points, rates, ratios) are ``decimal.Decimal``. Nothing
passes through ``float``: a float argument is refused, because 0.1 is not
0.1 in binary.
"""

import decimal as _decimal
import operator as _operator

from . import capi as _capi

__all__ = [
    "ROUND_HALF_UP", "ROUND_HALF_EVEN", "ROUND_HALF_DOWN", "ROUND_DOWN", "ROUND_UP",
    "ROUND_FLOOR", "ROUND_CEILING", "rounding_mode",
    "parse_money", "format_money", "to_fen", "money_to_decimal", "money_from_decimal",
    "parse_decimal", "to_dec", "from_dec", "money_times_rate", "money_times_ratio",
]

# The names are Python's decimal module's; the values are the library's.
ROUND_HALF_UP = _capi.KPI_ROUND_HALF_UP
ROUND_HALF_EVEN = _capi.KPI_ROUND_HALF_EVEN
ROUND_HALF_DOWN = _capi.KPI_ROUND_HALF_DOWN
ROUND_DOWN = _capi.KPI_ROUND_DOWN
ROUND_UP = _capi.KPI_ROUND_UP
ROUND_FLOOR = _capi.KPI_ROUND_FLOOR
ROUND_CEILING = _capi.KPI_ROUND_CEILING

_FROM_PY = {
    _decimal.ROUND_HALF_UP: ROUND_HALF_UP,
    _decimal.ROUND_HALF_EVEN: ROUND_HALF_EVEN,
    _decimal.ROUND_HALF_DOWN: ROUND_HALF_DOWN,
    _decimal.ROUND_DOWN: ROUND_DOWN,
    _decimal.ROUND_UP: ROUND_UP,
    _decimal.ROUND_FLOOR: ROUND_FLOOR,
    _decimal.ROUND_CEILING: ROUND_CEILING,
}

_DEC_ONE = 10 ** _capi.KPI_DEC_PLACES


def rounding_mode(mode):
    """A library rounding mode from a library constant, a ``decimal`` module
    constant (``decimal.ROUND_HALF_EVEN``) or a name ("half_even")."""
    if isinstance(mode, int) and _capi.kpi_round_name(mode) is not None:
        return mode
    if mode in _FROM_PY:
        return _FROM_PY[mode]
    if isinstance(mode, str):
        return _capi.kpi_round_parse(mode)
    raise TypeError(f"not a rounding mode: {mode!r}")


def parse_money(text):
    """Parses "¥1,234.56", "-0.01", "12" into an int of fen, exactly."""
    return _capi.kpi_money_parse(text)


def format_money(fen, group=False, yuan=False):
    """Formats fen as yuan with two decimals: ``format_money(123456, group=True)``
    gives "1,234.56"; ``yuan=True`` puts "¥" in front."""
    flags = (_capi.KPI_FMT_GROUP if group else 0) | (_capi.KPI_FMT_YUAN if yuan else 0)
    return _capi.kpi_money_format(int(fen), flags)


def to_fen(money):
    """Money as an int of fen, exactly: an int (numpy integers too) is fen
    already; a ``Decimal`` or a str ("1,234.56", "¥12") is yuan and must not
    have more than 2 decimal places. Floats are refused."""
    if isinstance(money, (bool, float)):
        raise TypeError(f"money is an int of fen or a Decimal/str of yuan, not {type(money).__name__}")
    if isinstance(money, str):
        return parse_money(money)
    if isinstance(money, _decimal.Decimal):
        if not money.is_finite():
            raise ValueError(f"{money} is not a finite amount")
        fen = money.scaleb(2)
        if fen != fen.to_integral_value():
            raise ValueError(f"{money} yuan is not a whole number of fen")
        return int(fen)
    try:
        return _operator.index(money)
    except TypeError:
        raise TypeError(f"money is an int of fen or a Decimal/str of yuan, not {type(money).__name__}") from None


def money_to_decimal(fen):
    """An int of fen as a ``Decimal`` of yuan (exact)."""
    return _decimal.Decimal(int(fen)).scaleb(-2)


def money_from_decimal(yuan, rounding=ROUND_HALF_UP):
    """A ``Decimal``, int or str of yuan as an int of fen, rounded once."""
    return _capi.kpi_money_from_dec(to_dec(yuan), rounding_mode(rounding))


def parse_decimal(text):
    """Parses "1.5%", "0.005", "1,234.5", "1.5e-3" into a ``Decimal`` exactly."""
    return from_dec(_capi.kpi_dec_parse(text))


def to_dec(value):
    """The library's exact decimal (an int of 10^-9 units) for a ``Decimal``,
    int or numeric string. Floats are refused: they are not exact."""
    if isinstance(value, bool):
        raise TypeError("a bool is not a number here")
    if isinstance(value, int):
        return _capi.kpi_dec_from_int(value)
    if isinstance(value, _decimal.Decimal):
        if not value.is_finite():
            raise ValueError(f"{value} is not a finite number")
        scaled = value.scaleb(_capi.KPI_DEC_PLACES)
        if scaled != scaled.to_integral_value():
            raise ValueError(f"{value} has more than {_capi.KPI_DEC_PLACES} decimal places")
        return _capi.kpi_dec_parse(str(value))
    if isinstance(value, str):
        return _capi.kpi_dec_parse(value)
    if isinstance(value, float):
        raise TypeError("floats are not exact; pass a Decimal or a string such as '0.1'")
    raise TypeError(f"expected Decimal, int or str, not {type(value).__name__}")


def from_dec(raw):
    """A library decimal (int of 10^-9 units) as an exact ``Decimal``."""
    return _decimal.Decimal(int(raw)).scaleb(-_capi.KPI_DEC_PLACES).normalize() \
        if raw % _DEC_ONE else _decimal.Decimal(int(raw) // _DEC_ONE)


def money_times_rate(fen, rate, rounding=ROUND_HALF_UP):
    """fen x rate (Decimal or "1.5%"), exact, rounded once to the fen."""
    return _capi.kpi_money_mul_rate(int(fen), to_dec(rate), rounding_mode(rounding))


def money_times_ratio(fen, numerator, denominator, rounding=ROUND_HALF_UP):
    """fen x numerator / denominator (Decimals or ints), exact, rounded once."""
    return _capi.kpi_money_mul_ratio(int(fen), to_dec(numerator), to_dec(denominator),
                                     rounding_mode(rounding))
