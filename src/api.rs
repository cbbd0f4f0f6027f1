//! The JSON surface of the core: one named operation, a JSON input, a JSON output `{"ok": ...}` or
//! `{"error": {code, message, hint, ...}}`. The wasm boundary forwards to `call` unchanged, so the
//! JavaScript API and the native tests exercise exactly the same code. Operation names are the JS names.

use crate::error::{Error, ErrorCode, Result};
use crate::site::{Site, SiteInput};
use serde::de::DeserializeOwned;
use serde::{Deserialize, Serialize};
use serde_json::Value;

/// Decode an operation's arguments. Borrowing the `Value` avoids copying large payload trees.
pub(crate) fn input<T: DeserializeOwned>(op: &str, v: &Value) -> Result<T> {
    T::deserialize(v).map_err(|e| {
        // serde's message names the field and the expected type, never a value, so it is safe to show.
        Error::new(ErrorCode::InvalidInput, format!("{op}: {e}"), format!("Check the arguments of {op}() against the API reference."))
    })
}

pub(crate) fn out<T: Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorCode::InvalidInput, format!("could not encode the result: {e}"), "This is a bug; please report it."))
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
struct Now<T> {
    now: u64,
    #[serde(flatten)]
    rest: T,
}

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
struct CallbackArgs {
    url: String,
    pending: crate::authorize::Pending,
    #[serde(default, flatten)]
    options: crate::callback::CallbackOptions,
}

/// Run one operation. Unknown operations are an error, not a panic.
pub fn dispatch(op: &str, args: Value) -> Result<Value> {
    match op {
        "sites" => out(crate::site::sites()),
        "resolveSite" => {
            let a: SiteArgs = input(op, &args)?;
            out(a.site.resolve(&a.sites)?)
        }
        "customSite" => {
            let spec: crate::site::CustomSiteSpec = input(op, &args)?;
            out(crate::site::custom_site(&spec)?)
        }
        "endpoints" => {
            let a: SiteArgs = input(op, &args)?;
            out(crate::endpoints::endpoints(&a.site.resolve(&a.sites)?))
        }
        "createPkce" => {
            let a: PkceArgs = input(op, &args)?;
            out(crate::pkce::create(a.length)?)
        }
        "pkceChallenge" => {
            let a: VerifierArgs = input(op, &args)?;
            out(crate::pkce::challenge(&a.verifier)?)
        }
        "createState" => out(crate::state::create()?),
        "parseOnboardingUrl" => {
            let a: TextArgs = input(op, &args)?;
            out(crate::authorize::parse_onboarding_url(&a.text, &a.sites)?)
        }
        "startAuthorization" => {
            let a: Now<crate::authorize::AuthorizationParams> = input(op, &args)?;
            out(crate::authorize::start_authorization(&a.rest, a.now)?)
        }
        "parseCallback" => {
            let a: Now<CallbackArgs> = input(op, &args)?;
            out(crate::callback::parse_callback(&a.rest.url, &a.rest.pending, a.now, &a.rest.options)?)
        }
        _ => crate::lifecycle::dispatch(op, &args).or_else(|| crate::intake::dispatch(op, &args)).unwrap_or_else(|| Err(Error::new(ErrorCode::InvalidInput, format!("unknown operation {}", crate::error::quote(op)), "The JS host and the wasm core are from different versions; reinstall the package."))),
    }
}

/// The whole boundary in one function: JSON text in, JSON text out, never a panic for bad input.
pub fn call(op: &str, json: &str) -> String {
    let result = serde_json::from_str::<Value>(if json.is_empty() { "{}" } else { json })
        .map_err(|e| Error::new(ErrorCode::InvalidInput, format!("arguments are not JSON: {e}"), "Pass plain objects."))
        .and_then(|v| dispatch(op, v));
    let v = match result {
        Ok(v) => serde_json::json!({ "ok": v }),
        Err(e) => serde_json::json!({ "error": e }),
    };
    v.to_string()
}
