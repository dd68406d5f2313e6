#!/usr/bin/env bash
# The power note of docs/compare.md: how often `currents compare` flags credit_mean when the
# candidate is currents-v1 with another quad-coef, by number of paired runs, over 40 seeds.
# Usage: scripts/power.sh   (after cargo build --release; needs python3 to read the JSON)
set -euo pipefail
cd "$(dirname "$0")/.."
bin=target/release/currents
n_seeds=40
printf "quad-coef\truns\tmean change of credit_mean\tflagged (of %s seeds)\n" "$n_seeds"
for q in -2.95 -2.9 -2.75 -2.5; do
  for runs in 3 5 10 20; do
    flagged=0
    change_sum=0
    for seed in $(seq 0 $((n_seeds - 1))); do
      json="$($bin compare --baseline currents-v1 --candidate "currents-v1:quad-coef=$q" \
        --runs "$runs" --seed "$seed" --format json || true)"
      read -r fails rel < <(printf '%s' "$json" | python3 -c '
import json, sys
m = next(m for m in json.load(sys.stdin)["metrics"] if m["name"] == "credit_mean")
print(int(m["fails"]), m["rel_change"])')
      flagged=$((flagged + fails))
      change_sum="$(awk -v a="$change_sum" -v b="$rel" 'BEGIN { print a + b }')"
    done
    change="$(awk -v s="$change_sum" -v n="$n_seeds" 'BEGIN { printf "%+.2f%%", 100 * s / n }')"
    printf "%s\t%s\t%s\t%s\n" "$q" "$runs" "$change" "$flagged"
  done
done
