//! datadog-oauth-wasm: a sans-IO core for Datadog OAuth2 (PKCE) partner integrations on every Datadog site.
//! Inputs in, request descriptions and typed results out; no fetching, sleeping or storing happens here.
//! `api` is the JSON-in/JSON-out surface the wasm boundary (`wasm`) and the tests share; `ops` is its table of operations.
//! Features: `client` (token lifecycle, marketplace key, retry) and `intake` (payloads), both default; the
//! browser build leaves them out, since a frontend only needs the authorization half.

// `Error` is deliberately rich (code, message, hint, HTTP status, field, redacted body excerpt, rate limit): it is what
// every call answers across the wasm boundary, and boxing it would only add an allocation to each failure.
#![allow(clippy::result_large_err)]

// The public API is what a Rust user needs: `api` (call, call_utf8, dispatch, read_output, the JSON surface the wasm
// boundary also uses) and the re-exports below. Every other module is crate-private; the `internals` feature makes
// them `pub` for the integration tests, property tests and fuzz targets (Cargo.toml's self dev-dependency and
// fuzz/Cargo.toml enable it), so the shipped crate keeps a small surface and tests still reach the parsers directly.
macro_rules! internal {
    ($($(#[$cfg:meta])* mod $name:ident;)*) => {$(
        $(#[$cfg])* #[cfg(feature = "internals")] pub mod $name;
        // Without `internals`, items only the tests and fuzz targets call are unused inside the crate (no warning was
        // raised for them while every module was `pub`); the linker drops them from the wasm either way.
        $(#[$cfg])* #[cfg(not(feature = "internals"))] #[allow(dead_code)] mod $name;
    )*};
}

pub mod api;

internal! {
    #[cfg(feature = "client")]
    mod api_key;
    #[cfg(any(feature = "client", feature = "intake"))]
    mod args;
    mod authorize;
    mod callback;
    mod codec;
    #[cfg(feature = "client")]
    mod connection;
    #[cfg(feature = "client")]
    mod current_user;
    mod endpoints;
    mod error;
    mod http;
    #[cfg(feature = "intake")]
    mod intake;
    mod json;
    #[cfg(feature = "client")]
    mod lifecycle;
    mod meaning;
    mod ops;
    #[cfg(feature = "client")]
    mod paginate;
    mod pkce;
    mod random;
    mod redact;
    mod response;
    #[cfg(feature = "client")]
    mod retry;
    mod secret;
    mod site;
    mod state;
    #[cfg(feature = "client")]
    mod token;
    mod uri;
}

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorCode, Result};
pub use secret::Secret;
pub use site::{resolve_site, sites, Site};
