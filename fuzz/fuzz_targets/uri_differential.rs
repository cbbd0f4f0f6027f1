//! Differential: wherever the strict URL parser (src/uri.rs) accepts an input, the `url` crate (WHATWG URL, as
//! browsers read it) reads the same scheme, host, port and path, and a path-absolute reference resolves the same way.
//! The comparison and its intended differences (IDNA, IPv6 text, path percent-encoding) are shared with
//! tests/proptest_uri.rs.
#![no_main]
use libfuzzer_sys::fuzz_target;

#[path = "../../tests/support/uri_agree.rs"]
mod uri_agree;

fuzz_target!(|data: &[u8]| {
    let text = String::from_utf8_lossy(data);
    if let Err(disagreement) = uri_agree::agree(&text) {
        panic!("{disagreement}");
    }
});
