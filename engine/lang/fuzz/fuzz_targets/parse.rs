#![no_main]
//! Parsing, lowering, tokenizing and formatting never panic, whatever the
//! input; see `strata_lang::fuzzing`.

libfuzzer_sys::fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        strata_lang::fuzzing::parse_everything(text);
    }
});
