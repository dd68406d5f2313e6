"""The V1 notebook model rewritten with numpy, vectorised across runs.

What a competent numpy user would write instead of cadCAD: every run is one lane of a
set of arrays, and one step advances all runs at once. The history the notebook rescans
every step is kept as running sums (the balance and send-volume means) and a ring of the
last `sumVolume` positive transactions per run, so a step is O(1) per run.

Same model as `currents simulate` (MODEL.md, "One step"): the same draws in distribution
(a fair sign, the amount, the large-transaction test, the integrity test and its
`uniform(-1, integrity)`), the same lags (capacity from the previous balance and credit,
the credit from the previous averages, the averages over states 0 .. t-1), the same
rounding (half to even; the credit factor rounded to 2 decimals as numpy does). Not the
same streams: the draws come from numpy's `Generator` (PCG64), one stream for all runs,
and the means are plain running sums, so the numbers agree with currents' in
distribution, not bit for bit. `bench.py` checks that agreement before timing anything.

Every function returns the per-run summary `currents simulate --summary` writes, as a
dict of arrays keyed by its column names (see `SUMMARY_COLUMNS`).
"""

import numpy as np

SUMMARY_COLUMNS = (
    "final_balance",
    "final_credit",
    "min_credit",
    "max_credit",
    "steps_over_limit",
    "steps_zero_credit",
    "abs_balance_mean_per_send_volume",
)

WARMUP = 7
# Runs stepped together: a block's arrays stay in cache. At 100,000 runs, blocks of 8,192
# took 84-91 ns of CPU per run-step against 103-154 ns for one block of every run
# (measured on the project's shared machine, under load).
BLOCK_RUNS = 8192


def simulate(n_runs, n_steps, seed, integrity=1.0, avg_amount=100.0, sum_volume=30,
             initial_credit=250):
    """Runs `n_runs` runs of `n_steps` steps; returns the per-run summary columns.

    The runs go in blocks of `BLOCK_RUNS`, one after the other, all drawing from one
    generator seeded with `seed`.
    """
    rng = np.random.default_rng(seed)
    blocks = [_simulate_block(rng, min(BLOCK_RUNS, n_runs - first), n_steps, integrity,
                              avg_amount, sum_volume, initial_credit)
              for first in range(0, n_runs, BLOCK_RUNS)]
    return {c: np.concatenate([b[c] for b in blocks]) for c in SUMMARY_COLUMNS}


def _simulate_block(rng, n, n_steps, integrity, avg_amount, sum_volume, initial_credit):
    k = sum_volume
    lanes = np.arange(n)

    # The previous state, one lane per run (integers held as exact doubles).
    balance = np.zeros(n)
    balance_mean = np.zeros(n)
    send_volume_mean = np.zeros(n)
    credit = np.full(n, float(initial_credit))
    capacity = np.full(n, float(initial_credit))
    # The history (genesis included): running sums and the ring of positive transactions.
    balance_sum = np.zeros(n)
    send_volume_sum = np.zeros(n)
    ring = np.zeros((k, n))
    head = np.zeros(n, dtype=np.int64)
    window_sum = np.zeros(n)

    over = np.zeros(n, dtype=np.int64)
    zero = np.zeros(n, dtype=np.int64)
    credit_min = np.full(n, np.inf)
    credit_max = np.full(n, -np.inf)
    abs_mean_sum = np.zeros(n)
    send_mean_sum = np.zeros(n)

    for t in range(1, n_steps + 1):
        # The draw, against the previous state's stored capacity.
        sign = rng.integers(0, 2, n, dtype=np.int8) * 2.0 - 1.0
        u = rng.random((4, n))
        amount = avg_amount * (u[0] + 0.5) * sign
        big = amount * 2.0 * u[1]
        amount = np.where((u[1] > 0.9) & (big < capacity), big, amount)
        big = amount * 10.0
        integrity_path = (u[2] > integrity) & (big < capacity)
        amount = np.where(integrity_path, big * (-1.0 + (integrity + 1.0) * u[3]), amount)

        # The new state from the previous one and the history of states 0 .. t-1.
        capacity_new = np.rint(balance + credit)
        send_volume_new = window_sum.copy()
        balance_mean_new = balance_sum / t
        send_volume_mean_new = send_volume_sum / t
        n_prev = t - 1
        if n_prev >= WARMUP and n_prev >= sum_volume:
            moving = send_volume_mean != 0.0
            s = balance_mean / np.where(moving, send_volume_mean, 1.0)
            factor = np.rint((-3.0 * (s * s) + 1.0) * 100.0) / 100.0
            x = np.where(moving, factor * send_volume_mean, 0.0)
            credit_new = np.where(x < 0.0, credit, np.rint(x))
        else:
            credit_new = credit
        balance = balance + amount
        transaction = np.rint(amount)

        balance_mean, send_volume_mean = balance_mean_new, send_volume_mean_new
        credit, capacity = credit_new, capacity_new

        # Push the new state into the history.
        balance_sum += balance
        send_volume_sum += send_volume_new
        positive = transaction > 0.0
        old = ring[head, lanes]
        new = np.where(positive, transaction, old)
        ring[head, lanes] = new
        window_sum += new - old
        head = np.where(positive, head + 1, head)
        head[head == k] = 0

        # The summary, over timesteps 1 .. T.
        over += balance < -credit
        zero += credit == 0.0
        np.minimum(credit_min, credit, out=credit_min)
        np.maximum(credit_max, credit, out=credit_max)
        abs_mean_sum += np.abs(balance_mean)
        send_mean_sum += send_volume_mean

    with np.errstate(invalid="ignore", divide="ignore"):
        ratio = abs_mean_sum / send_mean_sum
    return {
        "final_balance": balance,
        "final_credit": credit,
        "min_credit": credit_min,
        "max_credit": credit_max,
        "steps_over_limit": over.astype(np.float64),
        "steps_zero_credit": zero.astype(np.float64),
        "abs_balance_mean_per_send_volume": np.where(send_mean_sum == 0.0, np.nan, ratio),
    }
