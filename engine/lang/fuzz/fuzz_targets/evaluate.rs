#![no_main]
//! Evaluating any expression never panics; see `strata_lang::fuzzing`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        strata_lang::fuzzing::evaluate_expression(text);
    }
});
