#!/usr/bin/env bash
# Compares this checkout's credit rule with the one in another checkout (the main branch).
#
# Usage: examples/ci/compare-with-main.sh BASE_CHECKOUT [REPORT.md]
#
# The rule is the first line of examples/ci/rule.txt in each checkout: a rule spec such as
# `turnover:k=1.5,alpha=0.3` or the path of a scenario .toml file (relative to the checkout).
# Writes the markdown report and exits as `currents compare` does: 0 no significant change,
# 1 a significant change, 2 bad input. Set CURRENTS to the binary (default:
# target/release/currents) and COMPARE_FLAGS to extra flags (e.g. "--allow credit_final").
set -euo pipefail
base="${1:?usage: compare-with-main.sh BASE_CHECKOUT [REPORT.md]}"
report="${2:-compare-report.md}"
bin="${CURRENTS:-target/release/currents}"
rule_file=examples/ci/rule.txt

baseline="$(head -n 1 "$base/$rule_file")"
candidate="$(head -n 1 "$rule_file")"
# A scenario file is read from its own checkout.
case "$baseline" in *.toml) baseline="$base/$baseline" ;; esac

# shellcheck disable=SC2086 # COMPARE_FLAGS holds several flags on purpose.
"$bin" compare --baseline "$baseline" --candidate "$candidate" \
  --runs 20 --steps 365 --seed 0 --format markdown --out "$report" ${COMPARE_FLAGS:-}
