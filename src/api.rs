//! The JSON surface of the core: one named operation, a JSON input, a JSON output `{"ok": ...}` or
//! `{"error": {code, message, hint, ...}}`. The wasm boundary forwards to `call` unchanged, so the
//! JavaScript API and the native tests exercise exactly the same code. Operation names are the JS names.

use crate::error::{Error, ErrorCode, Result};
use crate::site::{Site, SiteInput};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

fn bad_args(op: &str, e: serde_json::Error) -> Error {
    // serde's message names the field and the expected type; it may quote a wrong value, which is the
    // caller's own argument, never a server response.
    Error::new(ErrorCode::InvalidInput, format!("{op}: {e}"), format!("Check the arguments of {op}() against the API reference."))
}

/// Decode an operation's arguments from a `Value` (the feature modules' operations).
pub(crate) fn input<T: DeserializeOwned>(op: &str, v: &Value) -> Result<T> {
    T::deserialize(v).map_err(|e| bad_args(op, e))
}

pub(crate) fn out<T: Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorCode::InvalidInput, format!("could not encode the result: {e}"), "This is a bug; please report it."))
}

/// Decode arguments straight from the JSON text: no intermediate `Value` tree, which is both faster and
/// keeps the generic `Value` code out of the authorization-only wasm.
fn parse<T: DeserializeOwned>(op: &str, json: &str) -> Result<T> {
    serde_json::from_str(json).map_err(|e| bad_args(op, e))
}

/// `{"ok": v}` as JSON text.
fn ok<T: Serialize>(v: T) -> Result<String> {
    #[derive(Serialize)]
    struct Ok<T> {
        ok: T,
    }
    serde_json::to_string(&Ok { ok: v }).map_err(|e| Error::new(ErrorCode::InvalidInput, format!("could not encode the result: {e}"), "This is a bug; please report it."))
}

#[derive(Deserialize)]
struct SiteArgs {
    site: SiteInput,
    #[serde(default)]
    sites: Vec<Site>,
}

#[derive(Deserialize)]
struct TextArgs {
    text: String,
    #[serde(default)]
    sites: Vec<Site>,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct PkceArgs {
    #[serde(default)]
    length: Option<usize>,
}

#[derive(Deserialize)]
struct VerifierArgs {
    verifier: String,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallbackArgs {
    url: String,
    pending: crate::authorize::Pending,
    #[serde(default)]
    sites: Vec<Site>,
    #[serde(default)]
    max_age_ms: Option<u64>,
    now: u64,
}

/// Operations of the optional features, when compiled in.
fn sub_dispatch(op: &str, json: &str) -> Option<Result<String>> {
    #[cfg(any(feature = "client", feature = "intake"))]
    {
        let args: Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => return Some(Err(bad_args(op, e))),
        };
        #[cfg(feature = "client")]
        if let Some(r) = crate::lifecycle::dispatch(op, &args) {
            return Some(r.and_then(ok));
        }
        #[cfg(feature = "intake")]
        if let Some(r) = crate::intake::dispatch(op, &args) {
            return Some(r.and_then(ok));
        }
    }
    let _ = (op, json);
    None
}

/// Run one operation on JSON arguments, giving `{"ok": ...}` as JSON text. Unknown operations are an error.
fn run(op: &str, json: &str) -> Result<String> {
    match op {
        "sites" => ok(crate::site::sites()),
        "resolveSite" => {
            let a: SiteArgs = parse(op, json)?;
            ok(a.site.resolve(&a.sites)?)
        }
        "customSite" => {
            let spec: crate::site::CustomSiteSpec = parse(op, json)?;
            ok(crate::site::custom_site(&spec)?)
        }
        "endpoints" => {
            let a: SiteArgs = parse(op, json)?;
            ok(crate::endpoints::endpoints(&a.site.resolve(&a.sites)?))
        }
        "createPkce" => {
            let a: PkceArgs = parse(op, json)?;
            ok(crate::pkce::create(a.length)?)
        }
        "pkceChallenge" => {
            let a: VerifierArgs = parse(op, json)?;
            ok(crate::pkce::challenge(&a.verifier)?)
        }
        "createState" => ok(crate::state::create()?),
        "parseOnboardingUrl" => {
            let a: TextArgs = parse(op, json)?;
            ok(crate::authorize::parse_onboarding_url(&a.text, &a.sites)?)
        }
        "startAuthorization" => {
            let a: crate::authorize::AuthorizationParams = parse(op, json)?;
            ok(crate::authorize::start_authorization(&a, a.now)?)
        }
        "parseCallback" => {
            let a: CallbackArgs = parse(op, json)?;
            let opts = crate::callback::CallbackOptions { sites: a.sites, max_age_ms: a.max_age_ms };
            ok(crate::callback::parse_callback(&a.url, &a.pending, a.now, &opts)?)
        }
        _ => sub_dispatch(op, json).unwrap_or_else(|| {
            Err(Error::new(ErrorCode::InvalidInput, format!("unknown operation {}", crate::error::quote(op)), "The JS host and the wasm core are from different versions; reinstall the package."))
        }),
    }
}

/// The whole boundary in one function: JSON text in, JSON text out, never a panic for bad input.
pub fn call(op: &str, json: &str) -> String {
    match run(op, if json.is_empty() { "{}" } else { json }) {
        Ok(text) => text,
        Err(e) => {
            #[derive(Serialize)]
            struct Failed<'a> {
                error: &'a Error,
            }
            serde_json::to_string(&Failed { error: &e }).unwrap_or_else(|_| r#"{"error":{"code":"invalid_input","message":"unencodable error","hint":""}}"#.into())
        }
    }
}

/// The same operation with `Value`s in and out, for Rust callers and tests: goes through `call`'s exact path.
pub fn dispatch(op: &str, args: Value) -> Result<Value> {
    let text = run(op, &args.to_string())?;
    let mut v: Value = serde_json::from_str(&text).expect("run() emits JSON");
    Ok(v["ok"].take())
}
