"""Schedules, pools, bonuses, fines and pay slips through the binding, with
the worked figures of DOMAIN.md §4 (seed 001 第9条/第10条, seed 003)."""
import array
import decimal
import gc

import numpy as np
import pytest

import kpiscore
from kpiscore import capi

D = decimal.Decimal

# seed 001 第9条 as written (docs/pay.md): fen bounds, formula rows
SEED_001 = [
    kpiscore.Row(0, 1_500_000, "1.5%", 0, 0, "[)"),
    kpiscore.Row(1_500_000, 2_000_000, "2%", 15_000, None, "[]"),
    {"from": 2_000_100, "to": 2_500_000, "rate": "4%", "base": 25_000, "anchor": 2_000_000, "ends": "[]"},
    (D("25000"), None, D("0.02"), 0, 0, "(]"),   # yuan as Decimal
]


@pytest.fixture
def seed001():
    with kpiscore.Schedule(SEED_001, mode="formula") as s:
        yield s


def test_seed_001_worked_values(seed001):
    assert seed001.evaluate(1_200_000) == 18_000           # 12 000 -> 180.00
    assert seed001.evaluate("18,000") == 21_000            # 18 000 -> 210.00
    assert seed001.evaluate(D("22000")) == 33_000          # 22 000 -> 330.00
    assert seed001.evaluate(3_000_000) == 60_000           # 30 000 -> 600.00
    e = seed001.explain(2_200_000)
    assert (e.value, e.rule, e.row, e.rate, e.base, e.anchor) == (33_000, "formula", 2, D("0.04"), 25_000, 2_000_000)
    assert str(e) == "250.00 + (22,000.00 - 20,000.00) x 4% (rows[2], formula, half_up)"
    assert e.rounding == "half_up" and e.flags == frozenset()


def test_money_is_never_a_float(seed001):
    with pytest.raises(TypeError):
        seed001.evaluate(12000.0)
    with pytest.raises(ValueError, match="whole number of fen"):
        seed001.evaluate(D("0.001"))


def test_evaluate_many_matches_scalar_and_writes_in_place(seed001):
    rng = np.random.default_rng(3)
    amounts = rng.integers(0, 4_000_000, size=5000, dtype=np.int64)
    amounts = amounts[(amounts < 2_000_000) | (amounts > 2_000_100)]     # no gap bases
    out = np.full(amounts.shape, -1, dtype=np.int64)
    assert seed001.evaluate_many(amounts, out=out) is out
    assert out.tolist() == [seed001.evaluate(int(a)) for a in amounts]
    got = seed001.evaluate_many(amounts)                  # returned buffer follows numpy
    assert isinstance(got, np.ndarray) and got.dtype == np.int64 and (got == out).all()
    arr = array.array("q", [1_200_000, 3_000_000])
    assert seed001.evaluate_many(arr).tolist() == [18_000, 60_000]
    assert seed001.evaluate_many([1_200_000, "22,000"]).tolist() == [18_000, 33_000]


def test_evaluate_many_failure_names_the_element_and_writes_nothing(seed001):
    basis = np.array([1_200_000, 2_000_050, 3_000_000], dtype=np.int64)
    out = np.zeros(3, dtype=np.int64)
    with pytest.raises(kpiscore.NotFoundError) as err:
        seed001.evaluate_many(basis, out=out)
    assert err.value.code == capi.KPI_ENOTFOUND
    assert "basis[1]" in err.value.message and "no row covers 20,000.50" in err.value.message
    assert out.tolist() == [0, 0, 0]


def test_zero_copy_buffers(seed001):
    a = np.arange(10, dtype=np.int64)
    assert capi.kpi_bind_address(a) == a.ctypes.data
    view = a[2:]                                          # a contiguous slice is the same memory
    assert capi.kpi_bind_address(view) == a.ctypes.data + 16
    arr = array.array("q", range(5))
    assert capi.kpi_bind_address(arr) == arr.buffer_info()[0]
    assert capi.kpi_bind_address(memoryview(arr)) == arr.buffer_info()[0]
    out = np.zeros(4, dtype=np.int64)
    assert capi.kpi_bind_address_out(out) == out.ctypes.data


@pytest.mark.parametrize("bad, fragment", [
    (np.arange(4, dtype=np.float64), "int64"),
    (np.arange(4, dtype=np.int32), "int64"),
    (np.arange(8, dtype=np.int64).reshape(2, 4), "one-dimensional"),
    (np.arange(8, dtype=np.int64)[::2], "contiguous"),
    (b"12345678", "int64"),
])
def test_wrong_dtype_or_shape_is_a_type_error(seed001, bad, fragment):
    with pytest.raises(TypeError, match=fragment):
        seed001.evaluate_many(bad, out=np.zeros(4, dtype=np.int64))


def test_readonly_out_and_length_mismatch(seed001):
    basis = np.array([1_200_000, 1_800_000], dtype=np.int64)
    ro = np.zeros(2, dtype=np.int64)
    ro.flags.writeable = False
    with pytest.raises(TypeError, match="writable"):
        seed001.evaluate_many(basis, out=ro)
    with pytest.raises(ValueError, match="results has 3 elements where 2 are needed"):
        seed001.evaluate_many(basis, out=np.zeros(3, dtype=np.int64))


def test_marginal_whole_increment_ratio():
    rows = [(0, 1_000_000, "1%"), (1_000_000, None, "2%")]
    with kpiscore.Schedule(rows) as marginal, kpiscore.Schedule(rows, mode="whole") as whole:
        assert marginal.evaluate(1_200_000) == 14_000      # 140.00
        assert whole.evaluate(1_200_000) == 24_000         # 240.00
        assert marginal.increment(800_000, 300_000) == 4_000   # 40.00 (docs/pay.md)
    with kpiscore.Schedule(rows, negative="clawback") as claw:
        assert claw.evaluate(-1_200_000) == -14_000
        assert "clawback" in claw.explain(-1_200_000).flags
    ratio_rows = [(None, "1", "3%"), ("1", None, "5%")]
    with kpiscore.Schedule(ratio_rows, mode="whole", basis="ratio") as att:
        assert att.evaluate_ratio("1", 2_000_000) == 100_000          # 1 000.00
        assert att.explain("0.99", 2_000_000).value == 60_000
        basis = np.array([kpiscore.to_dec("0.5"), kpiscore.to_dec("1.2")], dtype=np.int64)
        amounts = np.array([1_000_000, 1_000_000], dtype=np.int64)
        assert att.evaluate_many(basis, amounts).tolist() == [30_000, 50_000]
        with pytest.raises(kpiscore.InvalidArgumentError) as err:
            att.evaluate(100)                               # a ratio schedule read as an amount one
        assert err.value.code == capi.KPI_EINVAL


def test_step_bonus_fixed_rows():
    rows = [kpiscore.Row(None, "0.25", base=0), kpiscore.Row("0.25", "0.5", base=5_000),
            kpiscore.Row("0.5", None, base=10_000)]
    with kpiscore.Schedule(rows, mode="fixed", basis="ratio") as s:
        assert [s.evaluate_ratio(g) for g in ("0.2", "0.25", "0.6")] == [0, 5_000, 10_000]


def test_lint_reports_the_three_seed_problems():
    found = kpiscore.Schedule.lint(SEED_001, mode="formula")
    codes = [f.code for f in found]
    assert codes.count("bracket-jump") == 2 and "bracket-gap" in codes
    gap = next(f for f in found if f.code == "bracket-gap")
    assert gap.severity == "warning" and gap.path == "rows[2].from"
    assert "(20,000.00, 20,001.00)" in gap.message
    assert any("rows[0].rate 1% instead of 1.5%" in f.message for f in found)


def test_plan_error_names_the_row():
    with pytest.raises(kpiscore.PlanError) as err:
        kpiscore.Schedule([(10_000, 20_000, "1%"), (5_000, None, "2%")])
    e = err.value
    assert e.code == capi.KPI_EPLAN and e.path == "rows[1].from"
    assert "rows must be sorted by from" in e.message
    with pytest.raises(kpiscore.LimitError) as err:
        kpiscore.Schedule([(i, i + 1, "1%") for i in range(capi.KPI_SCHEDULE_MAX_ROWS + 1)])
    assert err.value.code == capi.KPI_ELIMIT
    with pytest.raises(ValueError, match="mode must be one of"):
        kpiscore.Schedule(SEED_001, mode="progressive")


def test_overflow():
    with kpiscore.Schedule([(0, None, "1000")]) as s:
        with pytest.raises(kpiscore.OverflowError) as err:
            s.evaluate(2 ** 62)
    assert err.value.code == capi.KPI_EOVERFLOW and err.value.message


def test_pools_seed_001():
    assert kpiscore.pool_amount("1,000,000.00", "0.5%") == 500_000
    parts = kpiscore.split_pool(500_000, 3)
    assert parts == [166_667, 166_667, 166_666] and sum(parts) == 500_000
    # with keys the cents follow the people, whatever the order
    assert kpiscore.split_pool(500_000, [1, 1, 1], keys=[30, 10, 20]) == [166_666, 166_667, 166_667]
    assert kpiscore.split_pool(-101, [0, 5, 0, 5]) == [0, -51, 0, -50]
    why = kpiscore.split_pool(500_000, 3, explain=True)
    assert [w.value for w in why] == parts and why[2].rule == "pool_share"
    assert str(why[0]) == "part 1 of 3 of pool 5,000.00, equal shares, largest remainder"
    scores = np.array([kpiscore.to_dec(s) for s in ("117", "100", "91")], dtype=np.int64)
    assert sum(kpiscore.split_pool(100_000, scores)) == 100_000
    assert kpiscore.split_pool(1_000, [D("1.5"), D("0.5")]) == [750, 250]


def test_pool_errors_carry_paths():
    with pytest.raises(kpiscore.InputError) as err:
        kpiscore.split_pool(100, [1, -1])
    assert err.value.code == capi.KPI_EINPUT and "weights[1]" in err.value.message
    with pytest.raises(kpiscore.InputError, match="keys"):
        kpiscore.split_pool(100, 2, keys=[7, 7])
    with pytest.raises(ValueError, match="keys has 1 elements where 2 are needed"):
        kpiscore.split_pool(100, 2, keys=[7])


def test_score_bonus_seed_003():
    bonus = dict(pool=100_000, total=130, gate="0.7")
    assert [kpiscore.score_bonus(s, **bonus) for s in (117, 100, 91, "90.9", 135)] == \
        [90_000, 76_923, 70_000, 0, 103_846]
    e = kpiscore.score_bonus("90.9", explain=True, **bonus)
    assert e.value == 0 and "gated" in e.flags and e.rule == "score_bonus"
    with pytest.raises(kpiscore.InputError):
        kpiscore.score_bonus(-1, **bonus)


def test_fines_seed_003():
    ladder = ["50", "100", "200"]
    assert kpiscore.fine_total(1, ladder) == -5_000
    assert kpiscore.fine_total(3, ladder) == -35_000
    e = kpiscore.fine_total(5, ladder, explain=True)
    assert e.value == -75_000 and "past_ladder" in e.flags
    with pytest.raises(kpiscore.LimitError) as err:
        kpiscore.fine_total(3, ["10", "30"], past="fail")
    assert err.value.code == capi.KPI_ELIMIT and err.value.message
    with pytest.raises(ValueError, match="negative"):
        kpiscore.fine_total(-1, ladder)


def test_payslip(seed001):
    bonus = kpiscore.score_bonus(100, pool=100_000, total=130, gate="0.7", explain=True)
    with kpiscore.Payslip() as slip:
        slip.add("岗位工资", 250_000).add("个人提成", seed001.explain(2_200_000))
        slip.add("公共提成", kpiscore.split_pool(500_000, 3, explain=True)[0])
        slip.add("绩效奖金", bonus).add("罚款", kpiscore.fine_total(3, ["50", "100", "200"], explain=True))
        assert len(slip) == 5 and slip.total == 250_000 + 33_000 + 166_667 + 76_923 - 35_000
        lines = slip.lines
        assert [line.label for line in lines] == ["岗位工资", "个人提成", "公共提成", "绩效奖金", "罚款"]
        assert lines[3].amount == 76_923 and lines[3].explanation.rule == "score_bonus"
        text = slip.explain()
        assert text.splitlines()[-1] == "合计\t4,915.90"
        assert "绩效奖金\t769.23\t1,000.00 x 100 / 130 (gate 91, half_up)" in text
        assert len(text) > 128                           # not cut at a fixed buffer
        with pytest.raises(kpiscore.InvalidArgumentError):
            slip.add("", 1)


def test_handles_free_once():
    s = kpiscore.Schedule(SEED_001, mode="formula")
    s.close()
    s.close()                                             # a second close is a no-op
    assert s.closed
    with pytest.raises(ValueError, match="closed"):
        s.evaluate(1)
    for _ in range(200):                                  # freed by the collector
        kpiscore.Payslip().add("x", 1)
        kpiscore.Schedule(SEED_001, mode="formula")
    gc.collect()
