//! datadog-oauth-wasm: a sans-IO core for Datadog OAuth2 (PKCE) partner integrations on every Datadog site.
//! Inputs in, request descriptions and typed results out; no fetching, sleeping or storing happens here.
//! `api` is the JSON-in/JSON-out surface the wasm boundary (`wasm`) and the tests share.

pub mod api;
pub mod authorize;
pub mod callback;
pub mod endpoints;
pub mod error;
pub mod http;
pub mod intake;
pub mod lifecycle;
pub mod oauth_error;
pub mod pkce;
pub mod random;
pub mod response;
pub mod secret;
pub mod site;
pub mod state;

#[cfg(target_arch = "wasm32")]
mod wasm;

pub use error::{Error, ErrorCode, Result};
pub use secret::Secret;
pub use site::{resolve_site, sites, Site};
