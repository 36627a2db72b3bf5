#![no_main]

libfuzzer_sys::fuzz_target!(|bytes: &[u8]| hashpin_audit::fuzz::advisory(bytes));
