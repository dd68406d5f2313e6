#!/usr/bin/env python3
"""Write what the notebook's credit rule gives on chosen inputs, errors included.

Usage (from tools/cadcad-reference/, in the venv of README.md):

    .venv/bin/python credit_table.py ../../tests/data/python/credit_table.csv

Each row calls the notebook's own `p_updateUserCredit` and then `s_userCredit`
(imported from model.py, the transcription of the notebook) on one previous state.
The two means are numpy.float64, as they are in every cadCAD run after the first
step (they come from `np.mean`), so `s**2`, `round(t, 2)` and `int(round(x))` use
numpy's scalar arithmetic exactly as the notebook does under cadCAD.

Columns:
  case                 a short label
  credit_prev          previous userCredit (a Python int)
  balance_mean_bits    IEEE-754 bits of avgUserBalance (16 hex digits, big-endian)
  send_volume_mean_bits  bits of avgSendVolume
  n                    totalNumTransactions of the previous state
  sum_volume           the sumVolume parameter
  outcome              the new userCredit as a decimal integer (any size), or
                       `raise:<ExceptionName>` when the notebook raises
  t_numpy_bits         bits of the notebook's t = round(-3*(s**2) + 1, 2) when the
                       quadratic branch computes it, else empty
  t_python_bits        bits of Python's round(float(-3*(s**2) + 1), 2) on the same
                       value (what a port using Python's float round would get)

The `near_tie` rows are inputs whose t lies within a few ulps of a decimal tie
(x.xx5), found by scanning neighbouring doubles of avgUserBalance; there numpy's
round (multiply by 100, round half to even, divide) and Python's round (exact
decimal rounding of the binary value) can differ.
"""

import math
import struct
import sys
import warnings

import numpy as np

import model


def bits(x):
    return struct.pack('>d', float(x)).hex()


def notebook_credit(credit_prev, balance_mean, send_volume_mean, n, sum_volume):
    prev = {
        'avgUserBalance': np.float64(balance_mean),
        'avgSendVolume': np.float64(send_volume_mean),
        'userCredit': credit_prev,
        'totalNumTransactions': n,
    }
    params = {'AVG_ammount': 100, 'sumVolume': sum_volume}
    # The window branch reads the previous 8 means of the history; they only feed an
    # unused slope, so a history of copies of the previous state is enough.
    history = [[prev]] * 8
    try:
        with warnings.catch_warnings():
            warnings.simplefilter('ignore')
            policy = model.p_updateUserCredit(params, 0, history, prev)
            _, y = model.s_userCredit(params, 0, history, prev, policy)
        return str(y)
    except Exception as e:  # the notebook's answer is the exception
        return 'raise:' + type(e).__name__


def t_values(balance_mean, send_volume_mean, n, sum_volume):
    if n < 7 or n < sum_volume or send_volume_mean == 0 or math.isnan(send_volume_mean):
        return '', ''
    with warnings.catch_warnings():
        warnings.simplefilter('ignore')
        s = np.float64(balance_mean) / np.float64(send_volume_mean)
        t = -3 * (s ** 2) + 1
        t_np = round(t, 2)
        t_py = round(float(t), 2)
    return bits(t_np), bits(t_py)


def near_tie_inputs():
    """Inputs whose quadratic lands next to a decimal tie where the two rounds differ."""
    targets = [-0.005, 0.005, 0.015, 0.125, 0.245, 0.335, 0.505, 0.675, 0.865, 0.995]
    for send_volume_mean in [1000.0, 733.0]:
        for t0 in targets:
            s0 = math.sqrt((1 - t0) / 3)
            b = s0 * send_volume_mean
            found = 0
            # walk `span` doubles up from b - span/2 ulps
            span = 400
            x = b
            for _ in range(span // 2):
                x = math.nextafter(x, -math.inf)
            for _ in range(span):
                t_np, t_py = t_values(x, send_volume_mean, 30, 30)
                if t_np != t_py:
                    yield ('near_tie', 250, x, send_volume_mean, 30, 30)
                    found += 1
                    if found == 2:
                        break
                x = math.nextafter(x, math.inf)


def inputs():
    inf, nan = math.inf, math.nan
    big = 2.0 ** 63
    rows = [
        # ordinary values, every branch
        ('warm_up', 250, 12.5, 40.0, 3, 30),
        ('window', 250, 12.5, 40.0, 10, 30),
        ('quadratic', 250, 0.0, 1000.0, 30, 30),
        ('quadratic', 250, 120.0, 800.0, 30, 30),
        ('quadratic', 250, -350.5, 1234.5, 200, 30),
        ('quadratic_ties_at_zero_digits', 250, 0.0, 2.5, 30, 30),
        ('quadratic_ties_at_zero_digits', 250, 0.0, 3.5, 30, 30),
        ('negative_fallback', 250, 1000.0, 1000.0, 30, 30),
        ('zero_send_volume', 250, 5.0, 0.0, 30, 30),
        ('negative_zero_send_volume', 250, 5.0, -0.0, 30, 30),
        ('negative_zero_balance', 250, -0.0, 100.0, 30, 30),
        ('window_one', 0, 1.0, 3.0, 7, 1),
        # t rounds to -0.0: numpy gives -0.0 * avg = -0.0, not < 0, so credit 0
        ('t_rounds_to_negative_zero', 250, 577.3502691896257, 1000.0, 30, 30),
        # non-finite means, every branch
        ('nan_balance_warm_up', 250, nan, 40.0, 3, 30),
        ('nan_balance_window', 250, nan, 40.0, 10, 30),
        ('nan_balance_quadratic', 250, nan, 40.0, 30, 30),
        ('nan_send_volume_quadratic', 250, 1.0, nan, 30, 30),
        ('inf_balance_quadratic', 250, inf, 40.0, 30, 30),
        ('neg_inf_balance_quadratic', 250, -inf, 40.0, 30, 30),
        ('inf_send_volume_quadratic', 250, 1.0, inf, 30, 30),
        ('neg_inf_send_volume_quadratic', 250, 1.0, -inf, 30, 30),
        ('inf_both_quadratic', 250, inf, inf, 30, 30),
        # overflow inside the formula
        ('s_overflows', 250, 1e300, 1e-300, 30, 30),
        ('s_squared_overflows', 250, 1e200, 1.0, 30, 30),
        ('s_squared_overflows_negative_avg', 250, 1e200, -1.0, 30, 30),
        ('subnormal_send_volume', 250, 1.0, 5e-324, 30, 30),
        ('subnormal_balance', 250, 5e-324, 1.0, 30, 30),
        ('credit_above_i64', 250, 0.0, 1e19, 30, 30),
        ('credit_at_2_63', 250, 0.0, big, 30, 30),
        ('credit_below_2_63', 250, 0.0, 9223372036854774784.0, 30, 30),
        ('credit_huge', 250, 0.0, 1e300, 30, 30),
        ('negative_avg_positive_x', 250, 2000.0, -1000.0, 30, 30),
        ('negative_avg_huge_positive_x', 250, 1e150, -1e150, 30, 30),
        ('max_double_send_volume', 250, 0.0, 1.7976931348623157e308, 30, 30),
        ('quadratic_times_avg_overflows', 250, -1e200, -1e200, 30, 30),
        # a negative previous credit (never produced by the model)
        ('negative_previous_warm_up', -5, 0.0, 100.0, 3, 30),
        ('negative_previous_fallback', -5, 1000.0, 1000.0, 30, 30),
    ]
    yield from rows
    yield from near_tie_inputs()


def main(out):
    with open(out, 'w', newline='') as f:
        f.write('case,credit_prev,balance_mean_bits,send_volume_mean_bits,n,sum_volume,'
                'outcome,t_numpy_bits,t_python_bits\n')
        for case, credit_prev, b, v, n, k in inputs():
            outcome = notebook_credit(credit_prev, b, v, n, k)
            t_np, t_py = t_values(b, v, n, k)
            f.write(f'{case},{credit_prev},{bits(b)},{bits(v)},{n},{k},{outcome},{t_np},{t_py}\n')


if __name__ == '__main__':
    main(sys.argv[1])
