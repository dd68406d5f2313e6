#!/usr/bin/env python3
"""Time the notebook model under cadCAD 0.5.3 and radCAD 0.14, and the same workload in
currents, and print the ratios.

Usage (the `run` script beside this file sets everything up):

    python bench.py --currents PATH/TO/currents [--repeat 5]

cadCAD: each repetition is a fresh Python process (the notebook's module-level generator
list must be rebuilt), timing only `Executor.execute()` of 10 runs x 365 steps.
radCAD: the same policies and state updates in radCAD's `Simulation`, timing `run()`.
Both results are checked against each other before timing counts.
currents: the binary, `simulate --rng numpy` (exact engine), timed as whole processes:
the notebook workload itself (10 x 365, process start included), and 10,000 runs x 365
on one thread, divided by 1,000 to give the cost of the same 10 runs without the
process start. Each with `--summary` and with full CSV output (written to /dev/null).
"""

import argparse
import json
import os
import statistics
import subprocess
import sys
import time

HERE = os.path.dirname(os.path.abspath(__file__))
MODEL_DIR = os.path.join(HERE, '..', 'cadcad-reference')
RUNS, STEPS = 10, 365


def child_cadcad():
    """One cadCAD execution in this process; prints the seconds execute() took."""
    sys.path.insert(0, MODEL_DIR)
    import model
    from cadCAD.engine import Executor
    timings = []
    original = Executor.execute

    def timed(self):
        t0 = time.perf_counter()
        result = original(self)
        timings.append(time.perf_counter() - t0)
        return result

    Executor.execute = timed
    df = model.run_case(runs=RUNS, steps=STEPS, seed=0, integrity_coefficient=1,
                        avg_ammount=100, sum_volume=30)
    print(json.dumps({'seconds': timings[0], 'final_balances': final_balances(df)}))


def child_radcad():
    """One radCAD execution in this process; prints the seconds run() took."""
    sys.path.insert(0, MODEL_DIR)
    import numpy as np
    import pandas as pd
    import model
    from radcad import Model, Simulation
    model.seeds = [np.random.RandomState(i) for i in range(RUNS)]
    m = Model(initial_state=model.make_initial_state(),
              state_update_blocks=model.partial_state_update_blocks,
              params=model.make_system_params())
    sim = Simulation(model=m, timesteps=STEPS, runs=RUNS)
    t0 = time.perf_counter()
    result = sim.run()
    seconds = time.perf_counter() - t0
    print(json.dumps({'seconds': seconds, 'final_balances': final_balances(pd.DataFrame(result))}))


def final_balances(df):
    last = df[df['timestep'] == STEPS].sort_values('run')
    return [float(x) for x in last['userBalance']]


def in_child(kind):
    out = subprocess.run([sys.executable, __file__, '--child', kind],
                         check=True, capture_output=True, text=True)
    return json.loads(out.stdout.strip().splitlines()[-1])


def time_process(cmd, repeat):
    best = []
    for _ in range(repeat):
        t0 = time.perf_counter()
        subprocess.run(cmd, check=True, stdout=subprocess.DEVNULL)
        best.append(time.perf_counter() - t0)
    return statistics.median(best)


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument('--currents', help='path to the currents binary (release build)')
    ap.add_argument('--repeat', type=int, default=5)
    ap.add_argument('--child', choices=['cadcad', 'radcad'], help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child == 'cadcad':
        return child_cadcad()
    if args.child == 'radcad':
        return child_radcad()
    if not args.currents:
        ap.error('--currents is required')

    cad = [in_child('cadcad') for _ in range(args.repeat)]
    rad = [in_child('radcad') for _ in range(args.repeat)]
    if cad[0]['final_balances'] != rad[0]['final_balances']:
        raise SystemExit('cadCAD and radCAD disagree: %r vs %r'
                         % (cad[0]['final_balances'], rad[0]['final_balances']))
    t_cad = statistics.median(c['seconds'] for c in cad)
    t_rad = statistics.median(r['seconds'] for r in rad)

    base = [args.currents, 'simulate', '--rng', 'numpy', '--engine', 'exact', '--steps', str(STEPS),
            '--out', '/dev/null']
    big = 10_000
    rows = []
    for label, extra in [('--summary', ['--summary']), ('full CSV', [])]:
        t_small = time_process(base + ['--runs', str(RUNS)] + extra, args.repeat)
        t_big = time_process(base + ['--runs', str(big), '--threads', '1'] + extra, args.repeat)
        per_workload = t_big / (big / RUNS)
        rows.append((label, t_small, per_workload))

    print('workload: %d runs x %d steps of the notebook model (numpy seeds 0..9)' % (RUNS, STEPS))
    print('cadCAD 0.5.3 execute():  %9.1f ms' % (t_cad * 1e3))
    print('radCAD 0.14 run():       %9.1f ms' % (t_rad * 1e3))
    for label, t_small, per in rows:
        print('currents exact %-9s  %9.3f ms as one process (x%.0f vs cadCAD, x%.0f vs radCAD)'
              % (label, t_small * 1e3, t_cad / t_small, t_rad / t_small))
        print('currents exact %-9s  %9.4f ms per 10 runs, amortised over %d runs on 1 thread '
              '(x%.0f vs cadCAD, x%.0f vs radCAD)'
              % (label, per * 1e3, big, t_cad / per, t_rad / per))


if __name__ == '__main__':
    main()
