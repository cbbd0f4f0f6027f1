//! The JSON surface of the core: one named operation, a JSON input, a JSON output `{"ok": ...}` or
//! `{"error": {code, message, hint, ...}}`. The wasm boundary forwards to `call` unchanged, so the
//! JavaScript API and the native tests exercise exactly the same code. Operation names are the JS names.

use crate::authorize::{Authorization, AuthorizationParams, Onboarding, Pending};
use crate::callback::Callback;
use crate::endpoints::Endpoints;
use crate::error::{Error, ErrorCode, Result};
use crate::json::{Fields, Json, ObjWriter, ToJson};
use crate::pkce::Pkce;
use crate::secret::Secret;
use crate::site::{CustomSiteSpec, Site, SiteInput};
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

// ---- JSON for the authorization types (see `json`: no serde in the browser build) ----

impl ToJson for Site {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .str("id", &self.id)
            .str("name", &self.name)
            .str("site", &self.site)
            .str("appOrigin", &self.app_origin)
            .str("apiOrigin", &self.api_origin)
            .str("logsOrigin", &self.logs_origin)
            .str("eventIntakeOrigin", &self.event_intake_origin)
            .str("otlpOrigin", &self.otlp_origin)
            .str("authorizeOrigin", &self.authorize_origin)
            .opt_str("vanity", self.vanity.as_deref())
            .bool("custom", self.custom)
            .opt_str("location", self.location.as_deref())
            .end();
    }
}

/// A site descriptor handed back to us. Only the fields that identify it are read; `from_descriptor`
/// rebuilds the rest, so a tampered descriptor cannot smuggle in a foreign host.
fn site_from(f: &Fields) -> Result<Site> {
    let s = |k: &str| -> Result<String> { Ok(f.opt_str(k)?.unwrap_or_default().to_string()) };
    Ok(Site {
        id: s("id")?,
        name: s("name")?,
        site: f.str("site")?.to_string(),
        app_origin: s("appOrigin")?,
        api_origin: s("apiOrigin")?,
        logs_origin: s("logsOrigin")?,
        event_intake_origin: s("eventIntakeOrigin")?,
        otlp_origin: s("otlpOrigin")?,
        authorize_origin: s("authorizeOrigin")?,
        vanity: f.opt_str("vanity")?.map(str::to_string),
        custom: f.opt_bool("custom")?.unwrap_or(false),
        location: f.opt_str("location")?.map(str::to_string),
    })
}

fn site_input(f: &Fields, key: &str) -> Result<Option<SiteInput>> {
    match f.get(key) {
        None => Ok(None),
        Some(Json::Str(t)) => Ok(Some(SiteInput::Text(t.clone()))),
        Some(v @ Json::Obj(_)) => Ok(Some(SiteInput::Descriptor(Box::new(site_from(&Fields::of(f.op, key, v)?)?)))),
        Some(_) => Err(f.err(key, "a site name or a site descriptor")),
    }
}

/// The caller's custom sites (`sites: [...]`), each rebuilt through the custom-site rules.
fn custom_sites(f: &Fields) -> Result<Vec<Site>> {
    let listed = f.opt_list("sites")?.iter().map(|v| site_from(&Fields::of(f.op, "sites[]", v)?)).collect::<Result<Vec<_>>>()?;
    crate::site::allowlist(&listed)
}

fn custom_spec(f: &Fields) -> Result<CustomSiteSpec> {
    let o = |k: &str| -> Result<Option<String>> { Ok(f.opt_str(k)?.map(str::to_string)) };
    Ok(CustomSiteSpec {
        id: o("id")?,
        name: o("name")?,
        site: f.str("site")?.to_string(),
        app_origin: f.str("appOrigin")?.to_string(),
        api_origin: f.str("apiOrigin")?.to_string(),
        logs_origin: o("logsOrigin")?,
        event_intake_origin: o("eventIntakeOrigin")?,
        otlp_origin: o("otlpOrigin")?,
    })
}

impl ToJson for Pending {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .str("state", &self.state)
            .str("codeVerifier", self.code_verifier.expose())
            .with("site", |o| self.site.write_json(o))
            .str("redirectUri", &self.redirect_uri)
            .str("clientId", &self.client_id)
            .num("createdAt", self.created_at)
            .end();
    }
}

fn pending_from(f: &Fields) -> Result<Pending> {
    let site = match f.obj("site")? {
        Some(sf) => Some(site_from(&sf)?),
        None => None,
    };
    Ok(Pending {
        state: f.str("state")?.to_string(),
        code_verifier: Secret::new(f.str("codeVerifier")?),
        site,
        redirect_uri: f.str("redirectUri")?.to_string(),
        client_id: f.opt_str("clientId")?.unwrap_or_default().to_string(),
        created_at: f.u64("createdAt")?,
    })
}

fn authorization_params(f: &Fields) -> Result<AuthorizationParams> {
    Ok(AuthorizationParams {
        client_id: f.str("clientId")?.to_string(),
        redirect_uri: f.str("redirectUri")?.to_string(),
        site: site_input(f, "site")?,
        scopes: f.opt_str_list("scopes")?.map(|v| v.into_iter().map(str::to_string).collect()),
        org_id: f.opt_str("orgId")?.map(str::to_string),
        sites: custom_sites(f)?,
        verifier_length: f.opt_u64("verifierLength")?.map(|n| n.min(100_000) as usize),
        now: f.u64("now")?,
    })
}

impl ToJson for Authorization {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out).str("url", &self.url).with("pending", |o| self.pending.write_json(o)).end();
    }
}

impl ToJson for Callback {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .str("code", self.code.expose())
            .str("domain", &self.domain)
            .with("site", |o| self.site.write_json(o))
            .str_or_null("orgId", self.org_id.as_deref())
            .str_or_null("orgName", self.org_name.as_deref())
            .str("state", &self.state)
            .end();
    }
}

impl ToJson for Onboarding {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out).with("site", |o| self.site.write_json(o)).str_or_null("domain", self.domain.as_deref()).end();
    }
}

impl ToJson for Pkce {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out).str("verifier", self.verifier.expose()).str("challenge", &self.challenge).str("method", self.method).end();
    }
}

impl ToJson for Endpoints {
    fn write_json(&self, out: &mut String) {
        ObjWriter::new(out)
            .str("authorize", &self.authorize)
            .str("token", &self.token)
            .str("revoke", &self.revoke)
            .str("apiKey", &self.api_key)
            .str("validate", &self.validate)
            .str("metricsV2", &self.metrics_v2)
            .str("metricsV1", &self.metrics_v1)
            .str("logs", &self.logs)
            .str("eventsV1", &self.events_v1)
            .str("eventsV2", &self.events_v2)
            .str("serviceChecks", &self.service_checks)
            .str("incidents", &self.incidents)
            .str("otlpTraces", &self.otlp_traces)
            .end();
    }
}

impl ToJson for Error {
    fn write_json(&self, out: &mut String) {
        let mut w = ObjWriter::new(out);
        w.str("code", self.code.as_str()).str("message", &self.message).str("hint", &self.hint);
        if let Some(s) = self.status {
            w.num("status", s.into());
        }
        w.opt_str("field", self.field.as_deref()).opt_str("body", self.body.as_deref());
        if let Some(ms) = self.retry_after_ms {
            w.num("retryAfterMs", ms);
        }
        if let Some(rl) = &self.rate_limit {
            w.with("rateLimit", |o| {
                let mut r = ObjWriter::new(o);
                for (k, v) in [("limit", rl.limit), ("period", rl.period), ("remaining", rl.remaining), ("reset", rl.reset)] {
                    if let Some(v) = v {
                        r.num(k, v);
                    }
                }
                r.opt_str("name", rl.name.as_deref()).end();
            });
        }
        if let Some(i) = self.index {
            w.num("index", i as u64);
        }
        w.end();
    }
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
            let opts = crate::callback::CallbackOptions { sites: custom_sites(&f)?, max_age_ms: f.opt_u64("maxAgeMs")? };
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
