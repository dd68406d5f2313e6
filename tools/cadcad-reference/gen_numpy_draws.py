"""Write tests/data/python/numpy_draws.csv: numpy's own legacy RandomState draws.

For a few seeds, an interleaved sequence of the three draws the notebook makes
(randint(0, 2), rand(), uniform(-1, x)), in the order listed, with the results' bits.
Run with the cadcad-reference venv (numpy 1.26.3):

    .venv/bin/python gen_numpy_draws.py ../../tests/data/python/numpy_draws.csv
"""
import struct
import sys

import numpy as np

PATTERN = ["randint", "rand", "rand", "uniform:0.5", "rand", "uniform:-3", "randint", "rand"]


def bits(x):
    return struct.pack(">d", float(x)).hex()


out = sys.argv[1]
with open(out, "w") as f:
    f.write("seed,index,draw,value_repr,value_bits_hex\n")
    for seed in [0, 1, 42, 2026, 4294967295]:
        rs = np.random.RandomState(seed)
        for i in range(64):
            kind = PATTERN[i % len(PATTERN)]
            if kind == "randint":
                v = rs.randint(0, 2)
                f.write(f"{seed},{i},randint,{int(v)},\n")
            elif kind == "rand":
                v = rs.rand()
                f.write(f"{seed},{i},rand,{float(v)!r},{bits(v)}\n")
            else:
                hi = float(kind.split(":")[1])
                v = rs.uniform(-1, hi)
                f.write(f"{seed},{i},{kind},{float(v)!r},{bits(v)}\n")
