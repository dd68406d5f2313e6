#!/usr/bin/env python3
"""Write tests/data/python/lowess_table.csv: statsmodels' lowess on fixed inputs.

The notebook's third chart is plotly's `trendline="lowess"`, which calls
`statsmodels.nonparametric.lowess(y, x, frac=2/3)` (it=3, delta=0). This table lets a test
check that currents' `plot::stats::lowess` fits the same curve.

Usage: python gen_lowess_table.py [OUT.csv]   (needs statsmodels; see README.md)

Columns: case,frac,it,x,y,fitted  (floats as repr, i.e. shortest round-trip form)
"""
import random
import sys

import numpy as np
import statsmodels.api as sm

rng = random.Random(20261124)
cases = []

# 1. Unique x, a noisy curve: frac 2/3 (plotly's) and 0.3, with and without robustness.
x1 = [float(i) for i in range(60)]
y1 = [0.02 * (i - 30) ** 2 + rng.gauss(0, 3) for i in range(60)]
for frac, it in [(2 / 3, 3), (2 / 3, 0), (0.3, 3)]:
    cases.append((frac, it, x1, y1))

# 2. A line with one gross outlier.
x2 = [float(i) for i in range(40)]
y2 = [0.5 * i + rng.uniform(-1, 1) for i in range(40)]
y2[20] = 1000.0
cases.append((0.5, 3, x2, y2))

# 3. The chart's shape: several runs' balances at the same timesteps (ties in x).
runs = 4
walks = []
for _ in range(runs):
    b, w = 0.0, []
    for t in range(50):
        w.append(b)
        b += rng.uniform(-100, 100)
    walks.append(w)
pts = sorted((float(t), walks[r][t]) for r in range(runs) for t in range(50))
cases.append((2 / 3, 3, [p[0] for p in pts], [p[1] for p in pts]))

out = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/python/lowess_table.csv'
with open(out, 'w') as f:
    f.write('case,frac,it,x,y,fitted\n')
    for k, (frac, it, x, y) in enumerate(cases):
        fitted = sm.nonparametric.lowess(
            np.array(y), np.array(x), frac=frac, it=it, delta=0.0, return_sorted=False
        )
        for xi, yi, fi in zip(x, y, fitted):
            f.write(f'{k},{frac!r},{it},{xi!r},{yi!r},{float(fi)!r}\n')
