//! Fuzz target `config`: the body is `config` in `fuzz/bodies.rs`, shared with the stable
//! replay test (`tests/fuzz_replay.rs`).
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::config(data));
