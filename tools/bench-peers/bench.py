#!/usr/bin/env python3
"""currents against the fastest peers: numpy vectorised across runs and numba.

Usage (the `run` script beside this file sets everything up):

    python bench.py --currents PATH/TO/currents [--repeat 3] [--sizes 10000,100000]

1. Check (before any timing). Each rewrite (`numpy_model.py`, `numba_model.py`) and
   currents run CHECK_RUNS runs x STEPS steps of the notebook model at its defaults, and
   the mean over the runs of every column of `currents simulate --summary` (final balance,
   final credit, smallest and largest credit, steps over the limit, steps with zero
   credit, mean |avgUserBalance| over mean avgSendVolume) must agree with currents'
   (`--rng chacha`, streaming) within Monte Carlo error: |z| <= Z_MAX for every column,
   z = (mean_a - mean_b) / sqrt(var_a / n_a + var_b / n_b). currents `--rng numpy` (the
   exact engine) is held to the same test, as a control. The check must also have power:
   the numpy rewrite with integrity POWER_INTEGRITY (the integrity path on 2% of the
   steps) must be rejected (some |z| > Z_MAX). numba `prange` must give exactly the
   numbers of numba `@njit` (same chunks, same streams). And run by run: numba's MT19937
   seeded with s draws exactly what numpy's RandomState(s) draws, so the numba kernel run
   on numpy's streams (run r on seed r - 1) must give, in every run, the same final
   balance (bit for bit), final, smallest and largest credit, steps over the limit and
   steps with zero credit as `currents --rng numpy`, and the ratio of means within
   RATIO_RTOL (the balance mean is a running sum here, numpy's pairwise sum there).

2. Timing, pair by pair, each pair REPEAT times in a row (peer, then currents), median:
   - numba `@njit`, one thread  vs  currents `--rng chacha` (streaming) `--threads 1`
   - numba `prange`, 2 threads   vs  currents `--rng chacha` (streaming) `--threads 2`
   - numpy vectorised            vs  currents `--rng numpy --engine exact` `--threads 1`
   at each size of --sizes runs x STEPS steps. Every measurement is a fresh process:
   its wall time and CPU time (user + system, all threads) are the "whole process"
   figures (Python start, imports and numba's compilation included for the peers). The
   peers also report their in-process compute time: the simulate call alone, timed with
   perf_counter (for numba, a second call after a 1-run call that compiled the kernel).
   currents prints no timing of its own, so its figures are whole process only; its
   start-up (one run of one step) is measured separately to show what that includes.
   Output goes to /dev/null (currents `--summary`; the peers keep their summary arrays).

Prints the tables (Markdown) and the ratios against issue 15's targets.
"""

import argparse
import csv
import json
import os
import statistics
import subprocess
import sys
import tempfile
import time

HERE = os.path.dirname(os.path.abspath(__file__))
STEPS = 365
SEED = 0
CHECK_RUNS = 10_000
Z_MAX = 4.0
POWER_INTEGRITY = 0.98
RATIO_RTOL = 1e-12
# The summary columns compared: the numpy rewrite's, which are currents' `--summary` ones.
from numpy_model import SUMMARY_COLUMNS as COLUMNS  # noqa: E402
PEERS = {
    "numpy": "numpy vectorised",
    "njit": "numba @njit, 1 thread",
    "prange": "numba prange, 2 threads",
}
CURRENTS = {
    "streaming1": (["--threads", "1"], "currents --rng chacha (streaming), 1 thread"),
    "streaming2": (["--threads", "2"], "currents --rng chacha (streaming), 2 threads"),
    "exact1": (["--rng", "numpy", "--engine", "exact", "--threads", "1"],
               "currents --rng numpy (exact), 1 thread"),
}
PAIRS = [("njit", "streaming1"), ("prange", "streaming2"), ("numpy", "exact1")]


# ---------------------------------------------------------------------------------------
# Children: one simulation in a fresh process.

def simulate(kind, runs, steps, seed, **params):
    sys.path.insert(0, HERE)
    if kind == "numpy":
        import numpy_model
        return numpy_model.simulate(runs, steps, seed, **params)
    import numba_model
    fn = numba_model.simulate_njit if kind == "njit" else numba_model.simulate_prange
    return fn(runs, steps, seed, **params)


def child(kind, runs, steps, seed):
    """Times one simulation in this process; prints JSON with the seconds it took."""
    if kind != "numpy":
        simulate(kind, 1, 1, seed)  # compiles the kernel
    t0, c0 = time.perf_counter(), time.process_time()
    simulate(kind, runs, steps, seed)
    print(json.dumps({"seconds": time.perf_counter() - t0, "cpu": time.process_time() - c0}))


def child_env(kind):
    env = dict(os.environ)
    env["NUMBA_NUM_THREADS"] = "2" if kind == "prange" else "1"
    env["OMP_NUM_THREADS"] = "1"
    return env


# ---------------------------------------------------------------------------------------
# Measuring a process.

LOADS = []


def run_process(cmd, env=None):
    """Runs cmd to completion; returns (wall s, CPU s, stdout)."""
    LOADS.append(os.getloadavg()[0])
    t0 = time.perf_counter()
    p = subprocess.Popen(cmd, stdout=subprocess.PIPE, env=env)
    out = p.stdout.read()
    _, status, usage = os.wait4(p.pid, 0)
    wall = time.perf_counter() - t0
    p.returncode = os.waitstatus_to_exitcode(status)
    p.stdout.close()
    if p.returncode != 0:
        raise SystemExit("failed (exit %d): %s" % (p.returncode, " ".join(cmd)))
    LOADS.append(os.getloadavg()[0])
    return wall, usage.ru_utime + usage.ru_stime, out.decode()


def time_peer(kind, runs):
    cmd = [sys.executable, __file__, "--child", kind, "--runs", str(runs),
           "--steps", str(STEPS), "--seed", str(SEED)]
    wall, cpu, out = run_process(cmd, child_env(kind))
    inner = json.loads(out.strip().splitlines()[-1])
    return {"wall": wall, "cpu": cpu, "inner": inner["seconds"], "inner_cpu": inner["cpu"]}


def time_currents(exe, key, runs, steps=STEPS):
    extra, _ = CURRENTS[key]
    cmd = [exe, "simulate", "--summary", "--runs", str(runs), "--steps", str(steps),
           "--seed", str(SEED), "--out", "/dev/null", *extra]
    wall, cpu, _ = run_process(cmd)
    return {"wall": wall, "cpu": cpu, "inner": None, "inner_cpu": None}


# ---------------------------------------------------------------------------------------
# The check.

def currents_summary(exe, key, runs, tmp):
    extra, _ = CURRENTS[key]
    path = os.path.join(tmp, key + ".csv")
    subprocess.run([exe, "simulate", "--summary", "--runs", str(runs), "--steps", str(STEPS),
                    "--seed", str(SEED), "--out", path, *extra], check=True)
    import numpy as np
    with open(path, newline="") as f:
        rows = list(csv.DictReader(f))
    return {c: np.array([float(r[c]) for r in rows]) for c in COLUMNS}


def z_scores(a, b):
    import numpy as np
    zs = {}
    for c in COLUMNS:
        x, y = a[c], b[c]
        if np.isnan(x).any() or np.isnan(y).any():
            raise SystemExit("check: %s has NaN (a run without a positive transaction)" % c)
        se = np.sqrt(x.var(ddof=1) / len(x) + y.var(ddof=1) / len(y))
        zs[c] = (x.mean() - y.mean()) / se if se > 0 else (0.0 if x.mean() == y.mean()
                                                            else float("inf"))
    return zs


def check(exe, runs):
    import numpy as np
    with tempfile.TemporaryDirectory() as tmp:
        ref = currents_summary(exe, "streaming1", runs, tmp)
        exact = currents_summary(exe, "exact1", runs, tmp)
    sims = {
        "numpy": simulate("numpy", runs, STEPS, SEED),
        "njit": simulate("njit", runs, STEPS, SEED),
        "prange": simulate("prange", runs, STEPS, SEED),
    }
    if not all(np.array_equal(sims["njit"][c], sims["prange"][c]) for c in COLUMNS):
        raise SystemExit("check: numba prange differs from numba @njit")
    wrong = simulate("numpy", runs, STEPS, SEED + 1, integrity=POWER_INTEGRITY)
    import numba_model
    same_streams = numba_model.simulate_numpy_streams(runs, STEPS, SEED)
    rows = [
        ("currents --rng numpy (exact)", exact, True),
        ("numpy vectorised", sims["numpy"], True),
        ("numba @njit (= prange)", sims["njit"], True),
        ("numpy vectorised, integrity %g (must fail)" % POWER_INTEGRITY, wrong, False),
    ]
    print("## Check: mean over %d runs x %d steps, z against currents --rng chacha "
          "(streaming); |z| <= %g\n" % (runs, STEPS, Z_MAX))
    print("| system | " + " | ".join(COLUMNS) + " | verdict |")
    print("|---" * (len(COLUMNS) + 2) + "|")
    print("| currents --rng chacha (streaming) | "
          + " | ".join("%.4g" % ref[c].mean() for c in COLUMNS) + " | reference |")
    failed = []
    for name, sim, should_agree in rows:
        zs = z_scores(sim, ref)
        agrees = all(abs(z) <= Z_MAX for z in zs.values())
        verdict = "agrees" if agrees else "differs"
        if agrees != should_agree:
            failed.append(name)
            verdict += " (WRONG)"
        print("| %s | " % name + " | ".join("%.4g (z %+.2f)" % (sim[c].mean(), zs[c])
                                           for c in COLUMNS) + " | %s |" % verdict)
    print()
    if failed:
        raise SystemExit("check failed: " + ", ".join(failed))

    # On numpy's streams the numba rewrite draws what currents --rng numpy draws: every
    # ledger column must be equal run by run; the ratio of means differs only by the
    # summation order of the balance mean (running sum against numpy's pairwise sum).
    ratio = "abs_balance_mean_per_send_volume"
    for c in COLUMNS:
        if c != ratio and not np.array_equal(same_streams[c], exact[c]):
            raise SystemExit("check: numba on numpy's streams differs from currents --rng numpy "
                             "in %s (%d runs)" % (c, np.sum(same_streams[c] != exact[c])))
    rel = np.max(np.abs(same_streams[ratio] / exact[ratio] - 1.0))
    if not rel <= RATIO_RTOL:
        raise SystemExit("check: numba on numpy's streams differs from currents --rng numpy in "
                         "%s by %.3g (relative) > %g" % (ratio, rel, RATIO_RTOL))
    print("numba on numpy's streams (run r on RandomState(r - 1)) against currents --rng numpy,"
          " run by run over %d runs: %s equal; %s within %.1e relative (bound %g)\n"
          % (runs, ", ".join(c for c in COLUMNS if c != ratio), ratio, rel, RATIO_RTOL))


# ---------------------------------------------------------------------------------------
# The table.

def ns(seconds, runs):
    return seconds / (runs * STEPS) * 1e9


def fmt(x):
    return "—" if x is None else "{:,.0f}".format(x) if x >= 100 else "%.1f" % x


def main():
    ap = argparse.ArgumentParser(description=__doc__,
                                 formatter_class=argparse.RawDescriptionHelpFormatter)
    ap.add_argument("--currents", help="path to the currents binary (release build)")
    ap.add_argument("--repeat", type=int, default=3, help="repetitions of each pair (median)")
    ap.add_argument("--sizes", default="10000,100000", help="runs, comma-separated")
    ap.add_argument("--check-runs", type=int, default=CHECK_RUNS)
    ap.add_argument("--child", choices=sorted(PEERS), help=argparse.SUPPRESS)
    ap.add_argument("--runs", type=int, help=argparse.SUPPRESS)
    ap.add_argument("--steps", type=int, default=STEPS, help=argparse.SUPPRESS)
    ap.add_argument("--seed", type=int, default=SEED, help=argparse.SUPPRESS)
    args = ap.parse_args()
    if args.child:
        return child(args.child, args.runs, args.steps, args.seed)
    if not args.currents:
        ap.error("--currents is required")
    if args.repeat < 1:
        ap.error("--repeat must be at least 1")
    sizes = [int(s) for s in args.sizes.split(",")]
    if any(s < 64 for s in sizes):
        ap.error("--sizes: each size must be at least 64 runs")

    LOADS.append(os.getloadavg()[0])
    os.environ["NUMBA_NUM_THREADS"] = "2"
    check(args.currents, args.check_runs)

    results = {}
    for runs in sizes:
        for peer, ours in PAIRS:
            for _ in range(args.repeat):
                results.setdefault((peer, runs), []).append(time_peer(peer, runs))
                results.setdefault((ours, runs), []).append(time_currents(args.currents, ours,
                                                                         runs))
    startup = [time_currents(args.currents, "streaming1", 1, 1) for _ in range(args.repeat)]

    def med(key, runs, field):
        xs = [r[field] for r in results[(key, runs)]]
        return None if xs[0] is None else statistics.median(xs)

    print("## Timing: median of %d, ns per run-step (%d steps)\n" % (args.repeat, STEPS))
    print("| system | runs | whole process, wall | whole process, CPU | in-process, wall "
          "| in-process, CPU |")
    print("|---|---|---|---|---|---|")
    for runs in sizes:
        for peer, ours in PAIRS:
            for key, label in ((peer, PEERS[peer]), (ours, CURRENTS[ours][1])):
                inner, inner_cpu = med(key, runs, "inner"), med(key, runs, "inner_cpu")
                print("| %s | %s | %s | %s | %s | %s |" % (
                    label, "{:,}".format(runs), fmt(ns(med(key, runs, "wall"), runs)),
                    fmt(ns(med(key, runs, "cpu"), runs)),
                    fmt(None if inner is None else ns(inner, runs)),
                    fmt(None if inner_cpu is None else ns(inner_cpu, runs))))
    print("\ncurrents start-up (1 run x 1 step, whole process): %.1f ms wall"
          % (statistics.median(s["wall"] for s in startup) * 1e3))
    print("load average (1 min) during the run: %.1f to %.1f on %d cores\n"
          % (min(LOADS), max(LOADS), os.cpu_count()))

    targets = [
        ("streaming, 1 thread, >= 3x faster than numba @njit in-process", "njit",
         "streaming1", 3.0),
        ("streaming, 2 threads, ahead of numba prange (2 threads) in-process", "prange",
         "streaming2", 1.0),
        ("exact, 1 thread, faster than numpy vectorised in-process", "numpy", "exact1", 1.0),
    ]
    print("## Ratios: peer time / currents whole-process time (> 1: currents is faster)\n")
    print("| target | runs | vs peer in-process (wall) | vs peer whole process (wall) "
          "| vs peer in-process (CPU) | needed | met (in-process wall) |")
    print("|---|---|---|---|---|---|---|")
    for label, peer, ours, needed in targets:
        for runs in sizes:
            inner = med(peer, runs, "inner") / med(ours, runs, "wall")
            whole = med(peer, runs, "wall") / med(ours, runs, "wall")
            cpu = med(peer, runs, "inner_cpu") / med(ours, runs, "cpu")
            print("| %s | %s | %.2f | %.2f | %.2f | %g | %s |" % (
                label, "{:,}".format(runs), inner, whole, cpu, needed,
                "yes" if inner >= needed and inner > 1.0 else "no"))

if __name__ == "__main__":
    sys.exit(main())
