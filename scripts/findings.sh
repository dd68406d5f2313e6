#!/usr/bin/env bash
# Regenerates docs/findings.md (and docs/questions-summary.csv, the numbers behind it)
# from the sweep in examples/questions.toml. Deterministic: the same seed gives the same
# report on any machine and thread count.
set -euo pipefail
cd "$(dirname "$0")/.."
cargo build --release --quiet
./target/release/currents sweep --config examples/questions.toml --out docs/questions-summary.csv
./target/release/currents findings --summary docs/questions-summary.csv --out docs/findings.md
