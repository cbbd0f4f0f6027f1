//! datadog-oauth-wasm: a sans-IO core for Datadog OAuth2 (PKCE) partner integrations on every Datadog site.
//! Inputs in, request descriptions and typed results out; no fetching, sleeping or storing happens here.
//! `api` is the JSON-in/JSON-out surface the wasm boundary (`wasm`) and the tests share; `ops` is its table of operations.
//! Features: `client` (token lifecycle, marketplace key, retry) and `intake` (payloads), both default; the
//! browser build leaves them out, since a frontend only needs the authorization half.

// `Error` is deliberately rich (code, message, hint, HTTP status, field, redacted body excerpt, rate limit): it is what
// every call answers across the wasm boundary, and boxing it would only add an allocation to each failure.
#![allow(clippy::result_large_err)]

pub mod api;
#[cfg(feature = "client")]
pub mod api_key;
#[cfg(any(feature = "client", feature = "intake"))]
mod args;
pub mod authorize;
pub mod callback;
#[cfg(feature = "client")]
pub mod connection;
#[cfg(feature = "client")]
pub mod current_user;
pub mod endpoints;
pub mod error;
pub mod http;
#[cfg(feature = "intake")]
pub mod intake;
pub mod json;
#[cfg(feature = "client")]
pub mod lifecycle;
pub mod oauth_error;
mod ops;
#[cfg(feature = "client")]
pub mod paginate;
pub mod pkce;
pub mod random;
#[cfg(any(feature = "client", feature = "intake"))]
pub mod redact;
pub mod response;
#[cfg(feature = "client")]
pub mod retry;
#[cfg(feature = "client")]
#[cfg(feature = "client")]
pub mod routes;
pub mod secret;
pub mod site;
pub mod state;
#[cfg(feature = "client")]
pub mod token;
pub mod uri;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorCode, Result};
pub use secret::Secret;
pub use site::{resolve_site, sites, Site};
