#!/usr/bin/env python3
"""Write a table of Python's round() results for tests of a Rust port.

Usage: python3 gen_round_table.py OUT.csv

Columns: x_repr,x_bits_hex,round0,round2_repr,round2_bits_hex
  x_repr          repr(x)
  x_bits_hex      IEEE-754 bits of x, 16 lowercase hex digits (struct.pack('>d'))
  round0          round(x) as an integer (ties to even); empty for inf/nan
  round2_repr     repr(round(x, 2))
  round2_bits_hex IEEE-754 bits of round(x, 2)

Uses only the standard library; the random values come from random.Random(20240607),
so the output depends only on the Python version (CPython 3.11 was used).
Rows are unique by x_bits_hex, in the order they were generated.
"""

import math
import random
import struct
import sys


def bits(x):
    return struct.pack('>d', x).hex()


def values():
    # hand-picked ties and hard cases
    yield from [
        0.0, -0.0, 0.125, 0.375, 0.625, 0.875, 2.675, 1.005, 1.015, 1.025, 1.035, 1.045,
        -0.5, 0.5, 1.5, 2.5, 3.5, -1.5, -2.5, -3.5, 0.49999999999999994, -0.49999999999999994,
        0.005, -0.005, 0.015, -0.015, 0.025, -0.025, 0.035, 0.045, 0.055, 0.065, 0.075,
        0.085, 0.095, 0.105, 0.115, 1.115, 2.345, 8.345, 0.285, 1.285, 10.005, 100.005,
        1234.565, -1234.565, 0.995, -0.995, 9.995, 99.995, 999.995,
        1e15 + 0.5, 1e15 + 1.5, 1e15 + 0.25, 1e15 - 0.5, 1e14 + 0.005, 1e13 + 0.125,
        2.0**52 + 0.5, 2.0**52 - 0.5, 2.0**52 + 1.0, 2.0**51 + 0.5, 2.0**51 + 1.5,
        2.0**53, 2.0**53 + 2.0, -(2.0**52 + 0.5), -(2.0**51 + 0.5), 2.0**63, 2.0**64,
        1e16, 1e17, 1e20, 1e22, 1e23, 1e100, 1e300, -1e300, 1.7976931348623157e308,
        -1.7976931348623157e308,
        5e-324, -5e-324, 1e-300, -1e-300, 2.2250738585072014e-308, 1e-10, -1e-10,
        0.004999999999999999, 0.0050000000000000001, 0.01, -0.01, 0.1, 0.2, 0.3,
        1 / 3, -1 / 3, 2 / 3, math.pi, -math.pi, math.e, 0.7 + 0.1, 0.1 + 0.2,
        1.0 - 2.0**-53, 1.0 + 2.0**-52, -1.0, 1.0, 2.0, 250.0, 249.5, 250.5, 251.5,
    ]
    for k in range(-100, 101):
        yield k / 8
    for k in range(-1200, 1201):
        yield k / 1000
    for k in range(-300, 301):
        yield k / 100
    for k in range(0, 200):
        yield (2 * k + 1) / 2000  # 0.0005, 0.0015, ...
    for k in range(0, 200):
        yield 1000 + (2 * k + 1) / 200  # 1000.005, 1000.015, ...

    rng = random.Random(20240607)

    # generic random doubles of various magnitudes
    for _ in range(800):
        e = rng.randint(-12, 18)
        yield rng.uniform(-1.0, 1.0) * 10.0**e
    # random finite bit patterns
    n = 0
    while n < 200:
        x = struct.unpack('>d', rng.getrandbits(64).to_bytes(8, 'big'))[0]
        if math.isfinite(x):
            n += 1
            yield x
    # values next to the x.xx5 boundaries (a few ulps either side)
    for _ in range(100):
        e = rng.randint(0, 12)
        m = rng.randint(-10**e, 10**e)
        c = (2 * m + 1) / 200
        yield c
        lo = hi = c
        for _ in range(2):
            lo = math.nextafter(lo, -math.inf)
            hi = math.nextafter(hi, math.inf)
            yield lo
            yield hi
    # the notebook's quadratic t = -3*(s**2) + 1 for random s in [-1, 1]
    for _ in range(500):
        s = rng.uniform(-1.0, 1.0)
        yield -3 * (s**2) + 1


def main(argv):
    if len(argv) != 2:
        sys.exit('usage: gen_round_table.py OUT.csv')
    seen = set()
    rows = ['x_repr,x_bits_hex,round0,round2_repr,round2_bits_hex']
    for x in values():
        b = bits(x)
        if b in seen:
            continue
        seen.add(b)
        r2 = round(x, 2)
        rows.append(','.join([repr(x), b, str(round(x)), repr(r2), bits(r2)]))
    for x in (math.inf, -math.inf, math.nan):
        r2 = round(x, 2)  # inf -> inf, nan -> nan; round(x) would raise
        rows.append(','.join([repr(x), bits(x), '', repr(r2), bits(r2)]))
    with open(argv[1], 'w', newline='\n') as f:
        f.write('\n'.join(rows) + '\n')


if __name__ == '__main__':
    main(sys.argv)
