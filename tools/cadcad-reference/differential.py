#!/usr/bin/env python3
"""Differential check: currents against cadCAD on random parameter sets and seeds.

For each case, draws parameters at random (fixed --seed for the draw of cases), runs the
notebook's model under cadCAD with generate.py (a fresh process per case) and
`currents simulate --rng numpy` with the same parameters, and compares every value of
every column: integers exactly, floats as IEEE-754 doubles (exact equality).

    .venv/bin/python differential.py --currents ../../target/release/currents --cases 20

Tooling, not run in CI. Exit status 1 when any case differs.
"""

import argparse
import csv
import os
import random
import subprocess
import sys
import tempfile

HERE = os.path.dirname(os.path.abspath(__file__))
FLOAT_COLS = {"userBalance", "avgUserBalance", "avgSendVolume"}


def read(path):
    with open(path, newline="") as f:
        return list(csv.DictReader(f))


def compare(expected, got):
    if len(expected) != len(got):
        return f"row count: expected {len(expected)}, got {len(got)}"
    for e, g in zip(expected, got):
        for col in e:
            if col in FLOAT_COLS:
                same = float(e[col]) == float(g[col])
            else:
                same = int(float(e[col])) == int(float(g[col]))
            if not same:
                return f"run {e['run']}, timestep {e['timestep']}, column {col}: expected {e[col]}, got {g[col]}"
    return None


def main():
    ap = argparse.ArgumentParser(description=__doc__, formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--currents", required=True, help="path to the currents binary")
    ap.add_argument("--cases", type=int, default=20)
    ap.add_argument("--seed", type=int, default=2026, help="seed for drawing the cases")
    args = ap.parse_args()
    rng = random.Random(args.seed)
    failures = 0
    with tempfile.TemporaryDirectory() as tmp:
        for i in range(args.cases):
            runs = rng.randint(1, 3)
            case = {
                "runs": runs,
                "steps": rng.randint(30, 400),
                "seed": rng.randint(0, 2**32 - 1 - runs),
                "integrity": rng.choice([1, 0.9, 0.5, 0, -0.5, 1.5, round(rng.uniform(-1, 1.2), 3)]),
                "avg-amount": rng.choice([1, 10, 100, 250, 1000, round(rng.uniform(0.5, 5000), 2)]),
                "sum-volume": rng.choice([1, 2, 7, 8, 30, 100, rng.randint(1, 60)]),
                "initial-credit": rng.choice([0, 250, rng.randint(0, 5000)]),
            }
            flags = [x for k, v in case.items() for x in (f"--{k}", str(v))]
            ref = os.path.join(tmp, f"ref{i}.csv")
            ours = os.path.join(tmp, f"ours{i}.csv")
            subprocess.run([sys.executable, os.path.join(HERE, "generate.py"), *flags, "--out", ref],
                           check=True, stdout=subprocess.DEVNULL, stderr=subprocess.DEVNULL)
            subprocess.run([args.currents, "simulate", "--rng", "numpy", *flags, "--out", ours], check=True)
            diff = compare(read(ref), read(ours))
            status = "ok" if diff is None else f"DIFFERS: {diff}"
            failures += diff is not None
            print(f"case {i}: {' '.join(flags)}: {status}", flush=True)
    print(f"{args.cases - failures} passed, {failures} failed")
    return 1 if failures else 0


if __name__ == "__main__":
    sys.exit(main())
