//! `datamimic check` on arbitrary bytes: must never panic, whatever the input.
#![no_main]

use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    if let Ok(text) = std::str::from_utf8(data) {
        let (sources, _model, diags) = datamimic::check::check_text(std::path::Path::new("fuzz/model.xml"), text);
        let _ = datamimic::diag::render::plain(&diags, &sources);
        let _ = datamimic::diag::render::json(&diags, &sources);
    }
});
