"""The V1 notebook model rewritten with numba: one compiled loop per run.

The same model as `numpy_model.py` (see its docstring: same draws in distribution, same
lags, same rounding, running sums and a ring of the last `sumVolume` positive
transactions instead of the full history), written the way a numba user would: scalar
code over one run at a time, compiled with `@njit`.

The runs are cut into `N_CHUNKS` chunks; chunk c draws from numba's MT19937 seeded with
`seed * N_CHUNKS + c` at its start. `simulate_njit` runs the chunks one after the other
on one thread; `simulate_prange` runs them with `prange` on numba's thread pool (numba's
generator state is per thread, and a chunk runs on one thread, so each chunk sees the
same stream). The two therefore give identical numbers for any thread count, which
`bench.py` checks.

`simulate_numpy_streams` runs the same kernel with run r seeded `seed + r - 1`: numba's
MT19937 then draws exactly what numpy's `RandomState(seed + r - 1)` draws (the same
`randint(0, 2)` and `random()`), the streams of cadCAD and `currents --rng numpy`, which
lets `bench.py` compare the rewrite with currents run by run, not only in distribution.
"""

import numpy as np
from numba import njit, prange

N_CHUNKS = 64
WARMUP = 7


@njit(inline="always")
def _run_chunk(first, count, chunk_seed, n_steps, integrity, avg_amount, sum_volume,
               initial_credit, out):
    np.random.seed(chunk_seed)
    k = sum_volume
    ring = np.zeros(k)
    for r in range(first, first + count):
        ring[:] = 0.0
        head = 0
        window_sum = 0.0
        balance = 0.0
        balance_mean = 0.0
        send_volume_mean = 0.0
        credit = float(initial_credit)
        capacity = float(initial_credit)
        balance_sum = 0.0
        send_volume_sum = 0.0
        over = 0
        zero = 0
        credit_min = np.inf
        credit_max = -np.inf
        abs_mean_sum = 0.0
        send_mean_sum = 0.0
        for t in range(1, n_steps + 1):
            sign = 1.0 if np.random.randint(0, 2) == 1 else -1.0
            amount = avg_amount * (np.random.random() + 0.5) * sign
            y = np.random.random()
            if y > 0.9:
                big = amount * 2.0 * y
                if big < capacity:
                    amount = big
            y = np.random.random()
            if y > integrity:
                big = amount * 10.0
                if big < capacity:
                    amount = big * np.random.uniform(-1.0, integrity)

            capacity_new = np.rint(balance + credit)
            send_volume_new = window_sum
            balance_mean_new = balance_sum / t
            send_volume_mean_new = send_volume_sum / t
            n_prev = t - 1
            credit_new = credit
            if n_prev >= WARMUP and n_prev >= sum_volume:
                x = 0.0
                if send_volume_mean != 0.0:
                    s = balance_mean / send_volume_mean
                    factor = np.rint((-3.0 * (s * s) + 1.0) * 100.0) / 100.0
                    x = factor * send_volume_mean
                if x >= 0.0:
                    credit_new = np.rint(x)
            balance = balance + amount
            transaction = np.rint(amount)

            balance_mean = balance_mean_new
            send_volume_mean = send_volume_mean_new
            credit = credit_new
            capacity = capacity_new

            balance_sum += balance
            send_volume_sum += send_volume_new
            if transaction > 0.0:
                window_sum += transaction - ring[head]
                ring[head] = transaction
                head += 1
                if head == k:
                    head = 0

            if balance < -credit:
                over += 1
            if credit == 0.0:
                zero += 1
            credit_min = min(credit_min, credit)
            credit_max = max(credit_max, credit)
            abs_mean_sum += abs(balance_mean)
            send_mean_sum += send_volume_mean
        out[0, r] = balance
        out[1, r] = credit
        out[2, r] = credit_min
        out[3, r] = credit_max
        out[4, r] = over
        out[5, r] = zero
        out[6, r] = abs_mean_sum / send_mean_sum if send_mean_sum != 0.0 else np.nan


@njit
def _njit(n_runs, n_steps, seed, integrity, avg_amount, sum_volume, initial_credit, out):
    per = (n_runs + N_CHUNKS - 1) // N_CHUNKS
    for c in range(N_CHUNKS):
        first = min(c * per, n_runs)
        count = min(per, n_runs - first)
        _run_chunk(first, count, seed * N_CHUNKS + c, n_steps, integrity, avg_amount,
                   sum_volume, initial_credit, out)


@njit(parallel=True)
def _prange(n_runs, n_steps, seed, integrity, avg_amount, sum_volume, initial_credit, out):
    per = (n_runs + N_CHUNKS - 1) // N_CHUNKS
    for c in prange(N_CHUNKS):
        first = min(c * per, n_runs)
        count = min(per, n_runs - first)
        _run_chunk(first, count, seed * N_CHUNKS + c, n_steps, integrity, avg_amount,
                   sum_volume, initial_credit, out)


# The summary columns compared: the numpy rewrite's, which are currents' `--summary` ones.
from numpy_model import SUMMARY_COLUMNS as COLUMNS  # noqa: E402


def _simulate(kernel, n_runs, n_steps, seed, integrity, avg_amount, sum_volume,
              initial_credit):
    out = np.empty((len(COLUMNS), n_runs))
    kernel(n_runs, n_steps, seed, float(integrity), float(avg_amount), int(sum_volume),
           int(initial_credit), out)
    return dict(zip(COLUMNS, out))


def simulate_njit(n_runs, n_steps, seed, integrity=1.0, avg_amount=100.0, sum_volume=30,
                  initial_credit=250):
    """All runs on one thread (`@njit`); returns the per-run summary columns."""
    return _simulate(_njit, n_runs, n_steps, seed, integrity, avg_amount, sum_volume,
                     initial_credit)


def simulate_prange(n_runs, n_steps, seed, integrity=1.0, avg_amount=100.0, sum_volume=30,
                    initial_credit=250):
    """The chunks of runs with `prange` on numba's threads (`NUMBA_NUM_THREADS`)."""
    return _simulate(_prange, n_runs, n_steps, seed, integrity, avg_amount, sum_volume,
                     initial_credit)


@njit
def _numpy_streams(n_runs, n_steps, seed, integrity, avg_amount, sum_volume, initial_credit,
                   out):
    for r in range(n_runs):
        _run_chunk(r, 1, seed + r, n_steps, integrity, avg_amount, sum_volume,
                   initial_credit, out)


def simulate_numpy_streams(n_runs, n_steps, seed, integrity=1.0, avg_amount=100.0,
                           sum_volume=30, initial_credit=250):
    """Run r (1-based) on numba's MT19937 seeded with `seed + r - 1`, which draws exactly
    what numpy's `RandomState(seed + r - 1)` draws: cadCAD's and `currents --rng numpy`'s
    streams."""
    return _simulate(_numpy_streams, n_runs, n_steps, seed, integrity, avg_amount,
                     sum_volume, initial_credit)
