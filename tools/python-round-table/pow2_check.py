#!/usr/bin/env python3
"""Check whether Python's float s**2 equals s*s (and what numpy.float64 ** 2 gives).

The notebook computes t = -3*(s**2) + 1 with s a numpy.float64; a port that uses
s*s instead reproduces it only if the two agree. Prints a one-line summary.
Needs numpy only for the numpy column (skipped when numpy is missing).
"""
import math
import random
import struct
import sys
from fractions import Fraction

try:
    import numpy as np
except ImportError:
    np = None


def b(x):
    return struct.pack('>d', x)


def main():
    rng = random.Random(12345)
    groups = []
    groups.append(('uniform(-1,1)', 2_000_000, lambda: rng.uniform(-1.0, 1.0)))
    groups.append(('uniform(-1,1)*10**[-6,6]', 1_000_000,
                   lambda: rng.uniform(-1.0, 1.0) * 10.0 ** rng.randint(-6, 6)))

    def wide():
        # random 53-bit significand, |s| in [2**-500, 2**501): s*s stays finite and normal
        s = math.ldexp(rng.getrandbits(52) | (1 << 52), rng.randint(-552, 448))
        return -s if rng.random() < 0.5 else s
    groups.append(('random significand, 2**[-500,500]', 2_000_000, wide))

    total = differ = np_vs_pow = np_vs_mul = pow_worse = 0
    worst = Fraction(0)
    parts = []
    for name, n, gen in groups:
        d = 0
        for _ in range(n):
            s = gen()
            p = s**2
            m = s * s
            if np is not None:
                q = float(np.float64(s) ** 2)
                np_vs_pow += b(q) != b(p)
                np_vs_mul += b(q) != b(m)
            if b(p) != b(m):
                d += 1
                exact = Fraction(s) ** 2
                ep = abs(Fraction(p) - exact) / Fraction(math.ulp(p))
                em = abs(Fraction(m) - exact) / Fraction(math.ulp(m))
                pow_worse += ep > em
                worst = max(worst, ep)
        total += n
        differ += d
        parts.append('%s: %d of %d' % (name, d, n))
    print('checked', total, 'differing', differ, '(' + '; '.join(parts) + ')')
    print('differing cases where s**2 is the less accurate one:', pow_worse,
          'worst s**2 error in ulps: %.4f' % float(worst))
    if np is not None:
        print('numpy', np.__version__, 'float64**2 vs python s**2 differ:', np_vs_pow,
              'numpy float64**2 vs s*s differ:', np_vs_mul)
    print('python', sys.version.split()[0], sys.platform)


if __name__ == '__main__':
    main()
