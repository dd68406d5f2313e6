#!/usr/bin/env bash
# The template's CI: its tests, then its own binary with its own rules named in `policies`,
# `check`, `compare`, `sweep` and a scenario, and its own model (the variant) through
# `simulate`, `check`, `replay`, `compare`, `sweep`, `scenario`, `plot` and `report`, each
# with the exit code it must give.
#
#   bash examples/my-rule/ci.sh      # from the repository root
#   bash ci.sh                       # from examples/my-rule
#
# To reuse the repository's build (the same dependencies, compiled once), point cargo at
# its target directory (a relative path is taken from where the script is started):
#   CARGO_TARGET_DIR=target bash examples/my-rule/ci.sh
# Outputs go to examples/my-rule/out/ (ignored by git). FUZZ_RUNS=N also runs the fuzz
# target for N inputs (nightly and cargo-fuzz; the committed corpus is read, not written).
set -euo pipefail
if [[ -n "${CARGO_TARGET_DIR:-}" ]]; then
    CARGO_TARGET_DIR="$(realpath -m "$CARGO_TARGET_DIR")"
    export CARGO_TARGET_DIR
fi
cd "$(dirname "${BASH_SOURCE[0]}")"

# A changed snapshot fails the tests; CI never writes one.
export INSTA_UPDATE=no
# --locked: the committed Cargo.lock is complete, so CI leaves the clone clean.
cargo test --locked --release
cargo build --locked --release

mkdir -p out
# expect CODE ARGS...: runs the binary with ARGS and fails unless it exits with CODE.
expect() {
    local want=$1 got=0
    shift
    cargo run --quiet --locked --release -- "$@" >out/last.txt 2>&1 || got=$?
    if [[ $got != "$want" ]]; then
        cat out/last.txt >&2
        echo "ci.sh: \`my-rule $*\` exited $got, expected $want" >&2
        exit 1
    fi
    echo "ok: my-rule $* (exit $got)"
}

expect 0 policies
grep -q '^my-rule ' out/last.txt && grep -q '^my-rule-v2 ' out/last.txt ||
    { echo "ci.sh: \`policies\` does not list my-rule and my-rule-v2" >&2; exit 1; }
expect 0 check --policy my-rule
# Exit 1: version 2 moves metrics, and the gate says so.
expect 1 compare --baseline my-rule --candidate my-rule-v2
expect 0 compare --baseline my-rule --candidate my-rule
expect 1 compare --baseline my-rule:share=0.5 --candidate my-rule-v2:share=0.5,window=10
expect 0 sweep --config sweep.toml --runs 2 --out out/summary.csv
grep -q 'my-rule-v2' out/summary.csv ||
    { echo "ci.sh: the sweep summary has no my-rule-v2 cell" >&2; exit 1; }
# A scenario file as a compare side: version 2 against it still moves metrics.
expect 1 compare --baseline scenarios/my-rule.toml --candidate my-rule-v2

# Your own model, the variant (src/variant/), through every subcommand.
expect 0 simulate --model variant --runs 5 --steps 120 --out out/variant.csv
expect 0 simulate --model variant --summary --runs 5 --out out/variant-summary.csv
# Exit 1: without a clamp, variant-slope lets a payment past the previous limit; the
# harness shrinks it to a short tape and prints the command that replays it.
expect 1 check --model variant --runs 3 --cases 64
replay=$(grep -m1 -o 'replay: .*--invariant payment_within_limit.*' out/last.txt | sed 's/^replay: //')
[[ -n "$replay" ]] || { echo "ci.sh: check printed no replay command for payment_within_limit" >&2; exit 1; }
# The printed command runs as printed: it starts with the binary's path.
out=0; bash -c "$replay" >out/replay.txt 2>&1 || out=$?
[[ $out == 1 ]] || { cat out/replay.txt >&2; echo "ci.sh: the printed replay exited $out, expected 1" >&2; exit 1; }
echo "ok: the printed replay reproduces the violation (exit 1)"
expect 0 check --model variant --policy my-rule --runs 3 --cases 64
# V1 against your model: different models compared on what both share.
expect 1 compare --baseline currents-v1 --candidate variant-slope:model=variant
expect 0 compare --baseline variant-slope:model=variant --candidate variant-slope:model=variant
expect 0 sweep --config variant-sweep.toml --runs 2 --out out/variant-sweep.csv
grep -q '^0,gain,variant,variant-slope,' out/variant-sweep.csv ||
    { echo "ci.sh: the variant sweep summary has no variant-slope cell" >&2; exit 1; }
expect 0 scenario scenarios/variant.toml --out out/variant-scenario.txt
expect 0 plot --input out/variant.csv --out out/variant-charts
expect 0 report --input out/variant.csv --out out/variant-report

if [[ -z "${FUZZ_RUNS:-}" ]]; then
    echo "skipped: fuzzing (set FUZZ_RUNS=N to run the fuzz target for N inputs)"
elif ! cargo +nightly fuzz --version >/dev/null 2>&1; then
    echo "skipped: fuzzing needs the nightly toolchain and cargo-fuzz (cargo install cargo-fuzz)"
else
    mkdir -p out/corpus
    cargo +nightly fuzz run my_rule out/corpus fuzz/corpus/my_rule -- \
        -runs="$FUZZ_RUNS" -seed=1 -max_len=4096 >out/fuzz.txt 2>&1 ||
        { tail -n 40 out/fuzz.txt >&2; echo "ci.sh: the fuzz target failed (input in fuzz/artifacts/my_rule/)" >&2; exit 1; }
    echo "ok: cargo fuzz run my_rule ($FUZZ_RUNS inputs)"
fi
