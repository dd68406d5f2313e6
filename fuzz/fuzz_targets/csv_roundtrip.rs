//! Fuzz target `csv_roundtrip`: the body is `csv_roundtrip` in `fuzz/bodies.rs`, shared with the stable
//! replay test (`tests/fuzz_replay.rs`).
#![no_main]

#[path = "../bodies.rs"]
mod bodies;

libfuzzer_sys::fuzz_target!(|data: &[u8]| bodies::csv_roundtrip(data));
