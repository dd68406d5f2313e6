#!/usr/bin/env python3
"""Regenerate one cadCAD reference CSV of the CURRENTS credit model V1.

One case per invocation.  The notebook keeps its random generators in a
module-level list, so a second execution in the same Python process would
continue their streams; every invocation of this script is a fresh process
and runs exactly one simulation (model.run_case refuses a second call).

Example (the notebook's defaults, 10 Monte Carlo runs):

    python generate.py --runs 10 --steps 365 --seed 0 --integrity 1 \
        --avg-amount 100 --sum-volume 30 --out notebook_default.csv

Run r (1-based) uses numpy RandomState(seed + r - 1).  cadCAD's T is
range(steps) and N is runs.  The output is cadCAD's result DataFrame written
with float_format='%.17g' and index=False.
"""

import argparse
import os
import sys


def number(text):
    """Parse '1' as int 1 and '0.8' as float 0.8, as the notebook would spell them."""
    try:
        return int(text)
    except ValueError:
        return float(text)


def main(argv=None):
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--runs', type=int, required=True, help='Monte Carlo runs (cadCAD N)')
    ap.add_argument('--steps', type=int, required=True, help='timesteps (cadCAD T = range(steps))')
    ap.add_argument('--seed', type=int, required=True,
                    help='run r (1-based) uses RandomState(seed + r - 1)')
    ap.add_argument('--integrity', type=number, required=True, help='integrity_coefficient')
    ap.add_argument('--avg-amount', type=number, required=True, help='AVG_ammount')
    ap.add_argument('--sum-volume', type=int, required=True, help='sumVolume')
    ap.add_argument('--initial-credit', type=int, default=250,
                    help='initial userCredit and userCapacity (default 250)')
    ap.add_argument('--out', required=True, help='output CSV file')
    args = ap.parse_args(argv)

    sys.path.insert(0, os.path.dirname(os.path.abspath(__file__)))
    import model

    df = model.run_case(
        runs=args.runs,
        steps=args.steps,
        seed=args.seed,
        integrity_coefficient=args.integrity,
        avg_ammount=args.avg_amount,
        sum_volume=args.sum_volume,
        initial_credit=args.initial_credit,
    )
    if list(df.columns) != model.COLUMNS:
        raise SystemExit('unexpected cadCAD columns: %r' % (list(df.columns),))
    df.to_csv(args.out, float_format='%.17g', index=False)
    print('wrote %d rows to %s' % (len(df), args.out), file=sys.stderr)


if __name__ == '__main__':
    main()
