#!/usr/bin/env bash
# Regenerates docs/findings.md (and docs/questions-summary.csv and docs/network-summary.csv,
# the numbers behind it): V1's answers to the notebook's questions from the sweep in
# examples/questions.toml, then the network's (questions 2 and 3 between high- and
# low-volume members) from examples/network-questions.toml, appended. Deterministic: the
# same seeds give the same report on any machine and thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
currents="${CARGO_TARGET_DIR:-target}/release/currents"
"$currents" sweep --config examples/questions.toml --out docs/questions-summary.csv
"$currents" sweep --config examples/network-questions.toml --out docs/network-summary.csv
# Both reports rendered before docs/findings.md is replaced: a failure leaves it as it was.
network=$(mktemp)
trap 'rm -f "$network"' EXIT
"$currents" findings --summary docs/network-summary.csv --out "$network"
"$currents" findings --summary docs/questions-summary.csv --out docs/findings.md
cat "$network" >> docs/findings.md
