use proptest::prelude::*;
proptest! {
    #[test]
    fn t(s in ".*") { let _ = datadog_oauth_wasm::resolve_site(&s); }
}
