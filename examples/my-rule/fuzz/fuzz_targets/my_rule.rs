//! `cargo +nightly fuzz run my_rule` (from examples/my-rule): the body is fuzz/body.rs,
//! shared with the stable replay test.
#![no_main]

#[path = "../body.rs"]
mod body;

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Err(v) = body::check(data) {
        panic!("{v}");
    }
});
