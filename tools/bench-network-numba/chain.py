"""The unit-payment chain on the complete graph, written straight in numba (`@njit`).

n members, each at limit c (a balance may go down to -c), every balance 0 at the start.
Each payment: the payer uniform among the n members, the payee uniform among the n - 1
others (every ordered pair of distinct members equally likely), one unit, refused when
the payer is at -c. Returns the number of refused payments.

This is the comparison for `currents simulate --model network --summary` in BENCHMARKS.md
("The network"): the same chain, written as a Python user would write it for speed. It
draws from numba's own generator (MT19937, as numpy's legacy `np.random`), so its numbers
are not currents' (which draws from ChaCha8); both must agree with the exact refusal share
of Dandekar et al. (n - 1) / (n (c + 1) - 1) in steady state, which this script prints
beside the simulated share.

Usage: python chain.py --members 1000000 --limit 1 --payments 100000000 [--seed 0] [--repeat 3]

The kernel is compiled and run once on a small network first (the warm-up), so the timed
runs measure the payments only, not numba's compilation; each timed run allocates its own
balances (that allocation, 8 bytes a member, is inside the timing, as currents' is).
"""

import argparse
import time

import numpy as np
from numba import njit


@njit(cache=False)
def chain(n, c, payments, seed):
    np.random.seed(seed)
    balance = np.zeros(n, dtype=np.int64)
    refused = 0
    for _ in range(payments):
        payer = np.random.randint(0, n)
        payee = np.random.randint(0, n - 1)
        if payee >= payer:
            payee += 1
        if balance[payer] - 1 < -c:
            refused += 1
        else:
            balance[payer] -= 1
            balance[payee] += 1
    return refused


def main():
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    parser.add_argument("--members", type=int, default=1_000_000)
    parser.add_argument("--limit", type=int, default=1)
    parser.add_argument("--payments", type=int, default=100_000_000)
    parser.add_argument("--seed", type=int, default=0)
    parser.add_argument("--repeat", type=int, default=3)
    args = parser.parse_args()
    n, c, t = args.members, args.limit, args.payments
    # Warm-up: compiles the kernel (not timed).
    chain(10, 1, 1000, 0)
    times, cpu_times = [], []
    for r in range(args.repeat):
        start, start_cpu = time.perf_counter(), time.process_time()
        refused = chain(n, c, t, args.seed + r)
        times.append(time.perf_counter() - start)
        cpu_times.append(time.process_time() - start_cpu)
    times.sort()
    cpu_times.sort()
    median = times[len(times) // 2]
    median_cpu = cpu_times[len(cpu_times) // 2]
    exact = (n - 1) / (n * (c + 1) - 1)
    print(
        f"members={n} limit={c} payments={t} repeat={args.repeat} "
        f"median_s={median:.3f} min_s={times[0]:.3f} max_s={times[-1]:.3f} "
        f"ns_per_payment={median / t * 1e9:.2f} cpu_ns_per_payment={median_cpu / t * 1e9:.2f} "
        f"refused_share={refused / t:.6f} exact_steady_state={exact:.6f}"
    )


if __name__ == "__main__":
    main()
