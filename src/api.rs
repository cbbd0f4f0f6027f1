//! The JSON surface of the core: one named operation, a JSON input, a JSON output `{"ok": ...}` or
//! `{"error": {code, message, hint, ...}}`. The wasm boundary forwards to `call` unchanged, so the
//! JavaScript API and the native tests exercise exactly the same code. Operation names are the JS names.

use crate::callback::CallbackOptions;
use crate::codec::{authorization_params, custom_sites, custom_spec, pending_from, site_input};
use crate::error::{Error, ErrorCode, Result};
use crate::json::{Fields, FromJson, ToJson};
#[cfg(any(feature = "client", feature = "intake"))]
use serde::{de::DeserializeOwned, Serialize};
use serde_json::Value;

#[cfg(any(feature = "client", feature = "intake"))]
fn bad_args(op: &str, e: serde_json::Error) -> Error {
    // serde's message names the field and the expected type; it may quote a wrong value, which is the
    // caller's own argument, never a server response.
    Error::new(ErrorCode::InvalidInput, format!("{op}: {e}"), format!("Check the arguments of {op}() against the API reference."))
}

/// Decode an operation's arguments from a `Value` (the feature modules' operations).
#[cfg(any(feature = "client", feature = "intake"))]
pub(crate) fn input<T: DeserializeOwned>(op: &str, v: &Value) -> Result<T> {
    T::deserialize(v).map_err(|e| bad_args(op, e))
}

#[cfg(any(feature = "client", feature = "intake"))]
pub(crate) fn out<T: Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorCode::InvalidInput, format!("could not encode the result: {e}"), "This is a bug; please report it."))
}

/// `{"ok": ...}` around a value's JSON text.
fn ok_text(value_json: &str) -> String {
    let mut s = String::with_capacity(value_json.len() + 7);
    s.push_str("{\"ok\":");
    s.push_str(value_json);
    s.push('}');
    s
}

fn ok<T: ToJson>(v: T) -> Result<String> {
    Ok(ok_text(&v.to_json()))
}

/// Request bodies travel after the JSON answer, each after a NUL (`"bodyRef": n` is the n-th): JSON text, the
/// answer's and the bodies', never holds a raw NUL, and the bodies are spared a second escaping and parsing.
#[cfg(feature = "intake")]
fn with_bodies(mut answer: String, bodies: Vec<String>) -> String {
    answer.reserve(bodies.iter().map(|b| b.len() + 1).sum());
    for b in bodies {
        answer.push('\0');
        answer.push_str(&b);
    }
    answer
}

/// Read what `call` returned, with detached bodies put back in place (`batches[].request.bodyRef` becomes `body`).
pub fn read_output(text: &str) -> Result<Value> {
    let mut parts = text.split('\0');
    let head = parts.next().unwrap_or_default();
    let bodies: Vec<&str> = parts.collect();
    let mut v: Value = serde_json::from_str(head).map_err(|e| {
        Error::new(
            ErrorCode::InvalidResponse,
            format!("the result cannot be read back: {e}"),
            "The response is nested too deeply; read it with call() and your own JSON parser.",
        )
    })?;
    if let Some(batches) = v.get_mut("ok").and_then(|ok| ok.get_mut("batches")).and_then(Value::as_array_mut) {
        for b in batches {
            let Some(req) = b.get_mut("request").and_then(Value::as_object_mut) else { continue };
            if let Some(i) = req.remove("bodyRef").and_then(|r| r.as_u64()) {
                req.insert("body".into(), Value::String(bodies.get(i as usize).copied().unwrap_or_default().to_string()));
            }
        }
    }
    Ok(v)
}

/// Operations of the optional features, when compiled in (serde_json based). Out of line so that the first
/// authorization call does not make V8 compile the encoders inlined here (cold start).
#[inline(never)]
fn sub_dispatch(op: &str, json: &str) -> Option<Result<String>> {
    // Metrics and logs are read straight from the text, items already in wire form copied as they are (see
    // `intake::raw`); a re-encode of a selection (`select`, after a 413) takes the general path below.
    #[cfg(feature = "intake")]
    {
        let from_text = match op {
            "encodeMetrics" => crate::intake::metrics::encode_text(json),
            "encodeLogs" => crate::intake::logs::encode_text(json),
            _ => None,
        };
        if let Some(r) = from_text {
            let mut bodies = Vec::new();
            let r = r.map(|e| e.into_value_with(Some(&mut bodies)));
            return Some(r.map(|v| with_bodies(ok_text(&v.to_string()), bodies)));
        }
    }
    // The code table itself, so that a JS test checks the TypeScript `ErrorCode` union against the source.
    #[cfg(feature = "client")]
    if op == "errorCodes" {
        let codes: Vec<&str> = ErrorCode::ALL.iter().map(|c| c.as_str()).collect();
        return Some(Ok(ok_text(&serde_json::to_string(&codes).unwrap_or_default())));
    }
    #[cfg(any(feature = "client", feature = "intake"))]
    {
        let args: Value = match serde_json::from_str(json) {
            Ok(v) => v,
            Err(e) => return Some(Err(bad_args(op, e))),
        };
        // Whatever an answer made of an error, the secrets its request carried are taken out by value.
        let done = |r: Result<Value>| r.map(|v| ok_text(&v.to_string())).map_err(|e| crate::redact::scrub_args(e, &args));
        #[cfg(feature = "client")]
        if let Some(r) = crate::lifecycle::dispatch(op, &args) {
            return Some(done(r));
        }
        #[cfg(feature = "intake")]
        {
            let mut bodies = Vec::new();

            if let Some(r) = crate::intake::dispatch_with(op, &args, Some(&mut bodies)) {
                return Some(r.map(|v| with_bodies(ok_text(&v.to_string()), bodies)).map_err(|e| crate::redact::scrub_args(e, &args)));
            }
        }
    }
    let _ = (op, json);
    None
}

/// Run one operation on JSON arguments, giving `{"ok": ...}` as JSON text. Unknown operations are an error.
fn run(op: &str, json: &str) -> Result<String> {
    const AUTH_OPS: &[&str] = &[
        "sites",
        "resolveSite",
        "customSite",
        "endpoints",
        "createPkce",
        "pkceChallenge",
        "createState",
        "parseOnboardingUrl",
        "startAuthorization",
        "parseCallback",
        "hostError",
    ];
    if !AUTH_OPS.contains(&op) {
        return sub_dispatch(op, json).unwrap_or_else(|| {
            Err(Error::new(
                ErrorCode::InvalidInput,
                format!("unknown operation {}", crate::error::quote(op)),
                "The JS host and the wasm core are from different versions; reinstall the package.",
            ))
        });
    }
    let args = crate::json::parse(json)?;
    let f = Fields::of(op, "", &args)?;
    match op {
        "sites" => ok(crate::site::sites()),
        "resolveSite" => {
            let site = site_input(&f, "site")?.ok_or_else(|| f.err("site", "a site name or a site descriptor"))?;
            ok(site.resolve(&custom_sites(&f)?)?)
        }
        "customSite" => ok(crate::site::custom_site(&custom_spec(&f)?)?),
        "endpoints" => {
            let site = site_input(&f, "site")?.ok_or_else(|| f.err("site", "a site name or a site descriptor"))?;
            ok(crate::endpoints::endpoints(&site.resolve(&custom_sites(&f)?)?))
        }
        "createPkce" => ok(crate::pkce::create(f.opt_u64("length")?.map(|n| n.min(100_000) as usize))?),
        "pkceChallenge" => ok(crate::pkce::challenge(f.str("verifier")?)?.to_string()),
        "createState" => ok(crate::state::create()?),
        "parseOnboardingUrl" => ok(crate::authorize::parse_onboarding_url(f.str("text")?, &custom_sites(&f)?)?),
        "startAuthorization" => {
            let p = authorization_params(&f)?;
            ok(crate::authorize::start_authorization(&p, p.now)?)
        }
        "parseCallback" => {
            let pending = pending_from(&f.obj("pending")?.ok_or_else(no_pending)?)?;
            let opts = CallbackOptions::read_json(&f)?;
            ok(crate::callback::parse_callback(f.str("url")?, &pending, f.u64("now")?, &opts)?)
        }
        // The typed error for a failure the JS host detected itself, as the result for the host to throw.
        "hostError" => {
            let code = f.str("code")?;
            if let Some(e) = crate::meaning::host_error(code, f.opt_str("detail")?.unwrap_or_default()) {
                return ok(e);
            }
            // Codes worded by the host itself (client, store and routes), with their hint from the full core's table;
            // `case` names which of a code's host-raised cases it is (`invalid_grant`: `needs_reauth`).
            #[cfg(feature = "client")]
            if let Some(e) = crate::meaning::host_hinted(code, f.opt_str("case")?, f.opt_str("message")?) {
                return ok(e);
            }
            Err(f.err("code", "a code the host raises"))
        }
        _ => unreachable!("listed in AUTH_OPS"),
    }
}

fn no_pending() -> Error {
    Error::new(ErrorCode::NoPendingAuthorization, "no pending authorization", "Start the authorization again.")
}

/// The whole boundary in one function: JSON text in, JSON text out, never a panic for bad input.
pub fn call(op: &str, json: &str) -> String {
    answer(run(op, if json.is_empty() { "{}" } else { json }))
}

/// `call` on the UTF-8 bytes of the JSON text (what the host wrote with `TextEncoder.encodeInto`).
pub fn call_utf8(op: &str, json: &[u8]) -> String {
    match std::str::from_utf8(json) {
        Ok(text) => call(op, text),
        Err(_) => {
            answer(Err(Error::new(ErrorCode::InvalidInput, format!("{op}: the arguments are not UTF-8"), "Pass the JSON text as TextEncoder encodes it.")))
        }
    }
}

fn answer(result: Result<String>) -> String {
    match result {
        Ok(text) => text,
        Err(e) => {
            let mut s = String::from("{\"error\":");
            e.write_json(&mut s);
            s.push('}');
            s
        }
    }
}

/// The same operation with `Value`s in and out, for Rust callers and tests: goes through `call`'s exact path.
pub fn dispatch(op: &str, args: Value) -> Result<Value> {
    let text = run(op, &args.to_string())?;
    let mut v = read_output(&text)?;
    Ok(v["ok"].take())
}
