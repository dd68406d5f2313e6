//! Fuzz target `credit_formula`: the body is `credit_formula` in `fuzz/bodies.rs`, shared with the stable
//! replay test (`tests/fuzz_replay.rs`).
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::credit_formula(data));
