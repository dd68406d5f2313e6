"""Write tests/data/python/pow2_cases.csv: doubles s with the bits of Python's s**2.

Python (and numpy, for np.float64) computes s**2 with the C library's pow(), which is not
always the correctly rounded s*s. The table holds every case among the first draws of a
fixed-seed stream where the two differ, plus as many where they agree, so a test can check
that currents squares exactly as the notebook does.
"""
import random
import struct
import sys

def bits(x):
    return struct.pack('>d', x).hex()

rng = random.Random(20261124)
differ, agree = [], []
while len(differ) < 300 or len(agree) < 300:
    s = rng.uniform(-1.0, 1.0) * 10.0 ** rng.randint(-3, 3)
    if s ** 2 != s * s:
        if len(differ) < 300:
            differ.append(s)
    elif len(agree) < 300:
        agree.append(s)
out = sys.argv[1] if len(sys.argv) > 1 else 'tests/data/python/pow2_cases.csv'
with open(out, 'w') as f:
    f.write('s_bits_hex,pow2_bits_hex,differs_from_mul\n')
    for s in differ + agree:
        f.write(f'{bits(s)},{bits(s ** 2)},{int(s ** 2 != s * s)}\n')
