#!/usr/bin/env python3
"""oracle_pay.py - the pay tests' expected figures, computed independently
with Python's decimal module (exact decimal arithmetic, one quantize per
figure). Run it and compare with the constants in tests/test_schedule.c,
tests/test_pool.c and tests/test_payslip.c.
"""
from decimal import Decimal as D, ROUND_HALF_UP, ROUND_DOWN, ROUND_UP

FEN = D("0.01")


def q(x, places=FEN, mode=ROUND_HALF_UP):
    return x.quantize(places, rounding=mode)


def seed001(s, first=D("0.015")):
    """Seed 001 第9条 as written; None where no row covers s."""
    if s < 15000:
        return s * first
    if s <= 20000:
        return (s - 15000) * D("0.02") + 150
    if 20001 <= s <= 25000:
        return (s - 20000) * D("0.04") + 250
    if s > 25000:
        return s * D("0.02")
    return None


def marginal(s, rows):
    total = D(0)
    for lo, hi, rate in rows:
        if s > lo:
            total += (min(s, hi) - lo) * rate
    return total


def largest_remainder(pool_fen, weights):
    tot = sum(weights)
    exact = [D(pool_fen) * w / tot for w in weights]
    floors = [int(e) for e in exact]
    left = pool_fen - sum(floors)
    order = sorted(range(len(weights)), key=lambda i: (-(exact[i] - floors[i]), i))
    for i in order[:left]:
        floors[i] += 1
    return floors


print("seed 001 第9条 as written")
for s in ["12000", "18000", "22000", "30000", "14999.99", "15000", "20000", "20001",
          "25000", "25000.01"]:
    print(f"  {s:>9} -> {q(seed001(D(s)))}")
print("  limits at 15000: just below", q(D(15000) * D("0.015")), "at", q(seed001(D(15000))),
      "| 1 % reading:", q(D(15000) * D("0.01")))
print("  at 25000:", q(seed001(D(25000))), "just above", q(D(25000) * D("0.02")),
      "| rate making them meet:", D(450) / D(25000))
m = [(D(0), D(10000), D("0.01")), (D(10000), D(50000), D("0.02")), (D(50000), D("1e30"), D("0.03"))]
print("marginal 1 % / 2 % / 3 %")
for s in ["5000", "10000", "60000", "12345.67"]:
    print(f"  {s:>9} -> {q(marginal(D(s), m))}")
print("whole 1 % / 2 % at 10000: 9999.99 ->", q(D("9999.99") * D("0.01")), "; 10000 ->",
      q(D(10000) * D("0.02")))
print("places 0: 1250 x 1 % ->", q(D(1250) * D("0.01"), D(1)), "; 1249.99 ->",
      q(D("1249.99") * D("0.01"), D(1)), "; places 1 down 1259.99 ->",
      q(D("1259.99") * D("0.01"), D("0.1"), ROUND_DOWN))
print("attainment 0.999999999 x 19999.99 x 3 % ->", q(D("19999.99") * D("0.03")))
print("MTD 8000 + 3000 on 1 %/2 % @10000:", q(D(2000) * D("0.01") + D(1000) * D("0.02")))
print("pool 1 000 000 x 0.5 % =", q(D(1000000) * D("0.005")), "; 1234.57 x 0.5 % =",
      q(D("1234.57") * D("0.005")), "/ up", q(D("1234.57") * D("0.005"), mode=ROUND_UP))
print("split 5000.00 / 3:", [D(f) / 100 for f in largest_remainder(500000, [1, 1, 1])])
print("split 7 fen by 1,2,3,4:", largest_remainder(7, [1, 2, 3, 4]))
print("split -101 fen by 0,5,0,5:", [-f for f in largest_remainder(101, [0, 5, 0, 5])])
print("seed 003 bonus 1000 x score / 130, gate 70 % =", D("0.7") * 130)
for sc in ["117", "100", "91", "135"]:
    print(f"  {sc:>5} -> {q(1000 * D(sc) / 130)}")
print("  100 in whole yuan ->", q(1000 * D(100) / 130, D(1)))
print("fines 50, 100, 200: 3 ->", 50 + 100 + 200, "; 5 (repeat last) ->", 350 + 2 * 200)
print("pay slip: 2500 + 280 + 1666.67 + 769.23 + 100 + 200 - 350 =",
      D(2500) + q((D(22000) - 20000) * D("0.04") + 200) + D("1666.67") + D("769.23") + 100 + 200 - 350)
