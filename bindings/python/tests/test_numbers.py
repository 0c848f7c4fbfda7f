"""Money, decimals and errors through the binding, checked against Python's decimal."""
import array
import decimal
import random

import pytest

import kpiscore
from kpiscore import capi


def test_version():
    assert kpiscore.__version__ == f"{capi.KPI_VERSION_MAJOR}.{capi.KPI_VERSION_MINOR}.{capi.KPI_VERSION_PATCH}"
    kpiscore.check_version(capi.KPI_VERSION_MAJOR, 0)
    with pytest.raises(kpiscore.VersionError) as err:
        kpiscore.check_version(capi.KPI_VERSION_MAJOR + 1, 0)
    assert err.value.code == capi.KPI_EVERSION
    assert "major version" in err.value.message


def test_money_round_trip_and_format():
    assert kpiscore.parse_money("¥1,234.56") == 123456
    assert kpiscore.parse_money("-0.01") == -1
    assert kpiscore.format_money(-123456789, group=True, yuan=True) == "-¥1,234,567.89"
    assert kpiscore.money_to_decimal(76923) == decimal.Decimal("769.23")
    assert kpiscore.money_from_decimal(decimal.Decimal("0.005")) == 1
    assert kpiscore.money_from_decimal("0.005", decimal.ROUND_HALF_EVEN) == 0


def test_parse_error_carries_location():
    with pytest.raises(kpiscore.ParseError) as err:
        kpiscore.parse_money("12.3x")
    e = err.value
    assert isinstance(e, kpiscore.InputError) and isinstance(e, ValueError)
    assert e.code == capi.KPI_EPARSE
    assert e.column == 5
    assert e.offset == 4
    assert "unexpected character 'x'" in e.message
    assert str(e).startswith("5: ")
    with pytest.raises(kpiscore.OutOfRangeError):
        kpiscore.parse_money("1.234")
    with pytest.raises(kpiscore.OverflowError) as err:
        kpiscore.parse_money("92233720368547758.08")
    assert isinstance(err.value, ArithmeticError)


def test_floats_are_refused():
    with pytest.raises(TypeError):
        kpiscore.to_dec(0.1)
    assert kpiscore.to_dec(decimal.Decimal("0.1")) == 100_000_000
    assert kpiscore.from_dec(kpiscore.to_dec("1.5%")) == decimal.Decimal("0.015")
    assert kpiscore.from_dec(kpiscore.to_dec(90)) == 90
    with pytest.raises(ValueError):
        kpiscore.to_dec(decimal.Decimal("0.0000000001"))


def test_worked_values():
    # seed 001 第9条 and seed 003 (DOMAIN.md §4)
    assert kpiscore.money_times_rate(1_200_000, "1.5%") == 18_000
    assert kpiscore.money_times_ratio(100_000, 117, 130) == 90_000
    assert kpiscore.money_times_ratio(100_000, 100, 130) == 76_923
    assert kpiscore.money_times_ratio(100_000, decimal.Decimal("91"), 130) == 70_000
    with pytest.raises(kpiscore.NotAvailableError):
        kpiscore.money_times_ratio(100, 1, 0)


MODES = [decimal.ROUND_HALF_UP, decimal.ROUND_HALF_EVEN, decimal.ROUND_HALF_DOWN,
         decimal.ROUND_DOWN, decimal.ROUND_UP, decimal.ROUND_FLOOR, decimal.ROUND_CEILING]


def test_rounding_matches_python_decimal():
    """amount x rate rounded once, for every mode, against Python's decimal."""
    rng = random.Random(7)
    ctx = decimal.Context(prec=60)
    for _ in range(20000):
        fen = rng.randint(-10**12, 10**12)
        rate = decimal.Decimal(rng.randint(-10**10, 10**10)).scaleb(-9)
        mode = rng.choice(MODES)
        exact = ctx.multiply(decimal.Decimal(fen), rate)
        expected = int(exact.quantize(decimal.Decimal(1), rounding=mode, context=ctx))
        assert kpiscore.money_times_rate(fen, rate, mode) == expected, (fen, rate, mode)


def test_ratio_rounding_matches_python_decimal():
    rng = random.Random(11)
    ctx = decimal.Context(prec=80)
    for _ in range(20000):
        fen = rng.randint(-10**12, 10**12)
        num = rng.randint(-10**6, 10**6)
        den = rng.choice([d for d in (rng.randint(-997, 997),) if d] or [7])
        mode = rng.choice(MODES)
        exact = ctx.divide(ctx.multiply(decimal.Decimal(fen), num), den)
        expected = int(exact.quantize(decimal.Decimal(1), rounding=mode, context=ctx))
        assert capi.kpi_money_mul_ratio(fen, num, den, kpiscore.rounding_mode(mode)) == expected


def test_quantile_buffer_protocol_and_type_errors():
    data = array.array("q", [kpiscore.to_dec(v) for v in range(1, 11)])
    assert kpiscore.from_dec(kpiscore.quantiles.quantile_sorted_raw(data, "0.9")) == decimal.Decimal("9.1")
    assert kpiscore.from_dec(kpiscore.quantiles.quantile_sorted_raw(memoryview(data), "0.5", "lower")) == 5
    assert kpiscore.quantile(["1", "2", "3", "4"], "0.5", "midpoint") == decimal.Decimal("2.5")
    with pytest.raises(TypeError, match="int64"):
        kpiscore.quantiles.quantile_sorted_raw(array.array("i", [1, 2]), "0.5")
    with pytest.raises(TypeError, match="buffer"):
        kpiscore.quantiles.quantile_sorted_raw([1, 2, 3], "0.5")
    with pytest.raises(kpiscore.NotAvailableError):
        kpiscore.quantiles.quantile_sorted_raw(array.array("q"), "0.5")
    with pytest.raises(kpiscore.OutOfRangeError):
        kpiscore.quantiles.quantile_sorted_raw(data, "1.5")
    assert len(kpiscore.QUANTILE_METHODS) == 13
