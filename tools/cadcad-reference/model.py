"""Faithful transcription of the CURRENTS Credit Management Model V1 notebook.

The policies and state update functions below are copied from the notebook
(seed/currents_credit_model_v1_notebook.txt) without changes to their logic,
their random draw order or the module-level generator list `seeds` that they
read.  Only the cells that configure and execute the simulation are wrapped in
functions so that the parameters can be chosen from the command line.

IMPORTANT: like the notebook, this module keeps one numpy RandomState per
Monte Carlo run in the module-level list `seeds`.  Executing a simulation
consumes those streams, so a second execution in the same process would
continue them instead of starting over.  `run_case` therefore refuses to run
twice in one process; generate.py runs every case in a fresh Python process.

Run r (1-based) draws from RandomState(seed + r - 1).
"""

# Standard libraries: https://docs.python.org/3/library/
import math
from numpy import random
import numpy as np

# Analysis modules
import pandas as pd

# cadCAD configuration modules
from cadCAD.configuration.utils import config_sim
from cadCAD.configuration import Experiment

# cadCAD simulation engine modules
from cadCAD.engine import ExecutionContext, Executor


# 1. State Variables & System Parameters (defaults are the notebook's)

transactionList = []
balanceHistory = []  # a record of the user's running balance'
avgBalanceHistory = []
sendVolHistory = []
time = 365

DEFAULT_INITIAL_CREDIT = 250


def make_initial_state(initial_credit=DEFAULT_INITIAL_CREDIT):
    # states are defined as python dictionaries:
    return {
        'userBalance': 0,
        'avgUserBalance': 0,
        'totalNumTransactions': 0,
        'userCredit': initial_credit,
        'userCapacity': initial_credit,
        'sendVolume': 0,  # volume over X send transactions specified by 'sumVolume' param
        'avgSendVolume': 0,  # used to smooth credit allowance
        'transaction': 0
    }


def make_system_params(integrity_coefficient=1, avg_ammount=100, sum_volume=30):
    # System parameters:
    return {
        'integrity_coefficient': [integrity_coefficient],  # determines user's balance proclivity (max = 1.0 = balanced spending & receiving)
        'AVG_ammount': [avg_ammount],  # Average transaction ammount
        'sumVolume': [sum_volume]  # How many previous transactions to use in credit calculation (i.e. 'send volume')
    }


MONTE_CARLO_RUNS = 10

# The notebook: seeds = [random.RandomState(i) for i in range(MONTE_CARLO_RUNS)]
# Here the list is (re)built by run_case() as
#     seeds = [np.random.RandomState(seed + i) for i in range(runs)]
seeds = []


# Policy functions

# Generate random incoming and outgoing User transactions
def p_transact(params, substep, state_history, previous_state):

    run = previous_state['run']
    integ = params['integrity_coefficient']
    capacity = previous_state['userCapacity']
    avgTransaction = params['AVG_ammount']

    # randomly switch between (-) and (+) transactions, indicating sending or receiving
    posNeg = [-1, 1]
    switch = posNeg[seeds[run-1].randint(0, 2)]

    # generate random transaction amount
    transaction = avgTransaction * (seeds[run-1].rand()+0.5)

    # randomly switch transaction to incoming/outgoing
    transaction = transaction * switch

    y = seeds[run-1].rand()
    # add some random large transactions to the mix
    if(y > 0.9):
        tLarge = transaction*2*y
        if (tLarge < capacity):
            transaction = tLarge

    y = seeds[run-1].rand()
    # Generate some large outgoing transactions based on integrity (limited by available capacity)
    if(y > integ):
        tLarge = transaction * 10
        if(tLarge < capacity):  # ensure not larger than current spend capacity
            transaction = tLarge * (seeds[run-1].uniform(-1, integ))  # make some outgoing (determined by user integrity)

    # update total number of transactions
    x = previous_state['totalNumTransactions'] + 1

    return {'transaction_ammount': transaction, 'totalNumTransactions': x}


def p_updateUserCapacity(params, substep, state_history, previous_state):

    x = previous_state['userBalance'] + previous_state['userCredit']
    return {'newUserCapacity': x}


# Sum X number of outgoing transactions based on 'sumVolume' parameter (informs credit allowance)
def p_calculateSendVolume(params, substep, state_history, previous_state):

    y = params['sumVolume']
    sendVol = 0
    posTransactions = [timestep[-1]["transaction"] for timestep in state_history if (timestep[-1]["transaction"]) > 0]

    # sum X number of outgoing transactions according to sumVolume
    if(y > len(posTransactions)):
        sendVol = np.sum(posTransactions)
    else:
        for x in posTransactions[(-1*y):]:
            sendVol += x

    return {'sendVolume': sendVol}


def p_updateAVGSendVol(params, substep, state_history, previous_state):

    mean_sendVol = np.mean([timestep[-1]["sendVolume"] for timestep in state_history])

    return {'avgSendVolume': mean_sendVol}


# new updateAVGBalance
def p_updateAVGBalance(params, substep, state_history, previous_state):

    mean_balance = np.mean([timestep[-1]["userBalance"] for timestep in state_history])

    return {'avgUserBalance': mean_balance}


# CREDIT MANAGEMENT LOGIC

def p_updateUserCredit(params, substep, state_history, previous_state):

    # fetch appropriate variables
    avgBalance = previous_state['avgUserBalance']
    avgSendVol = previous_state['avgSendVolume']
    x = previous_state['userCredit']
    avgTrans = params['AVG_ammount']

    numTransactions = previous_state['totalNumTransactions']
    delta = 7  # average slope over Time = delta (increase for more general trendline)

    # Before we have enough behavioural data, adjust credit allowance according to deriviative

    if(numTransactions < delta):
        x = previous_state['userCredit']

    elif(numTransactions < params['sumVolume']):

        # mean_balance = np.mean([timestep[-1]["userBalance"] for timestep in state_history])
        sensitivityA = 1

        avgBalanceList = [timestep[-1]["avgUserBalance"] for timestep in state_history]

        y1 = avgBalanceList[(-1*(delta+1)):][0]
        y2 = avgBalanceList[-1:][0]

        delta_y = y2 - y1
        slope = delta_y / delta
        q = 0

        # if the slope is approaching zero avg balance, increase credit limit according to the angle of slope
        if(avgBalance > 0):
            q = (-1*slope)*sensitivityA
        else:  # avgBalance is below zero
            q = slope*sensitivityA

    else:

        t = 0

        if(avgSendVol != 0):
            s = avgBalance/avgSendVol  # if balance is low, s will be high
            t = -3*(s**2) + 1  # quadratic (c was = 1)
            t = round(t, 2)

        x = t*avgSendVol

        # activate line below to remove Credit Management:
        # x = previous_state['userCredit']

    # ensure credit allowance doesn't go below zero
    if(x < 0):
        x = previous_state['userCredit']

    return {'userCredit': x}


# State Update Functions

# Update current balance based previous transaction
def s_userBalance(params, substep, state_history, previous_state, policy_input):

    newBalance = previous_state['userBalance'] + policy_input['transaction_ammount']

    return ('userBalance', newBalance)


# update current average balance (note: distinct from current 'userBalance')
def s_AVGBalance(params, substep, state_history, previous_state, policy_input):
    x = policy_input['avgUserBalance']

    return ('avgUserBalance', x)


def s_totalNumTransactions(params, substep, state_history, previous_state, policy_input):
    x = policy_input['totalNumTransactions']
    return ('totalNumTransactions', x)


def s_userCapacity(params, substep, state_history, previous_state, policy_input):
    x = policy_input['newUserCapacity']
    y = int(round(x))
    return ('userCapacity', y)


def s_userSendVolume(params, substep, state_history, previous_state, policy_input):
    x = policy_input['sendVolume']

    return ('sendVolume', x)


def s_avgSendVolume(params, substep, state_history, previous_state, policy_input):
    x = policy_input['avgSendVolume']
    return ('avgSendVolume', x)


def s_userCredit(params, substep, state_history, previous_state, policy_input):
    x = policy_input['userCredit']
    y = int(round(x))
    return ('userCredit', y)


def s_transaction(params, substep, state_history, previous_state, policy_input):

    x = policy_input['transaction_ammount']
    y = int(round(x))
    transactionList.append(y)

    return ('transaction', y)


partial_state_update_blocks = [
    {
        'policies': {
            'transact': p_transact,
            'updateUserCapacity': p_updateUserCapacity,
            'calculateSendVolume': p_calculateSendVolume,
            'avgSendVolume': p_updateAVGSendVol,
            'avgUserBalance': p_updateAVGBalance,
            'updateUserCredit': p_updateUserCredit
        },
        'variables': {
            'userBalance': s_userBalance,
            'avgUserBalance': s_AVGBalance,
            'userCredit': s_userCredit,
            'userCapacity': s_userCapacity,
            'sendVolume': s_userSendVolume,
            'avgSendVolume': s_avgSendVolume,
            'transaction': s_transaction,
            'totalNumTransactions': s_totalNumTransactions

        }
    }
]


COLUMNS = ['userBalance', 'avgUserBalance', 'totalNumTransactions', 'userCredit',
           'userCapacity', 'sendVolume', 'avgSendVolume', 'transaction',
           'simulation', 'subset', 'run', 'substep', 'timestep']

_already_ran = False


def run_case(runs, steps, seed, integrity_coefficient, avg_ammount, sum_volume,
             initial_credit=DEFAULT_INITIAL_CREDIT):
    """Configure and execute one simulation; return cadCAD's result DataFrame.

    May be called only once per process (see the module docstring).
    """
    global seeds, _already_ran
    if _already_ran:
        raise RuntimeError('run_case() may be called only once per process: '
                           'the module-level generators would continue their streams')
    _already_ran = True

    # one generator per Monte Carlo run; run r (1-based) uses RandomState(seed + r - 1)
    seeds = [np.random.RandomState(seed + i) for i in range(runs)]

    from cadCAD import configs
    del configs[:]  # Clear any prior configs

    # reset global variables
    transactionList.clear()
    balanceHistory.clear()
    avgBalanceHistory.clear()
    sendVolHistory.clear()

    sim_config = config_sim({
        'N': runs,
        'T': range(steps),
        'M': make_system_params(integrity_coefficient, avg_ammount, sum_volume)
    })

    experiment = Experiment()
    experiment.append_configs(
        initial_state=make_initial_state(initial_credit),
        partial_state_update_blocks=partial_state_update_blocks,
        sim_configs=sim_config
    )

    exec_context = ExecutionContext()
    # The notebook passes `configs` (cadCAD's module-level list, imported above).
    # Under cadCAD 0.5.x, Experiment().append_configs() fills the new
    # experiment's own list instead, so cadCAD.configs stays empty; the
    # experiment's list is the one that holds this simulation's configurations.
    run = Executor(exec_context=exec_context, configs=experiment.configs)

    (system_events, tensor_field, sessions) = run.execute()

    simulation_result = pd.DataFrame(system_events)
    return simulation_result
