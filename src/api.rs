//! The JSON surface of the core: one named operation, a JSON input, a JSON output `{"ok": ...}` or
//! `{"error": {code, message, hint, ...}}`. The wasm boundary forwards to `call` unchanged, so the
//! JavaScript API and the native tests exercise exactly the same code. The operations are the rows of `ops`.

use crate::authorize::{Authorization, AuthorizationParams, Onboarding, Pending};
use crate::callback::Callback;
use crate::endpoints::Endpoints;
use crate::error::{Error, ErrorCode, Result};
use crate::json::{Fields, Json, ObjWriter, ToJson};
use crate::pkce::Pkce;
use crate::secret::Secret;
use crate::site::{CustomSiteSpec, Site, SiteInput};
use serde_json::Value;

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

pub(crate) fn site_input(f: &Fields, key: &str) -> Result<Option<SiteInput>> {
    match f.get(key) {
        None => Ok(None),
        Some(Json::Str(t)) => Ok(Some(SiteInput::Text(t.clone()))),
        Some(v @ Json::Obj(_)) => Ok(Some(SiteInput::Descriptor(Box::new(site_from(&Fields::of(f.op, key, v)?)?)))),
        Some(_) => Err(f.err(key, "a site name or a site descriptor")),
    }
}

/// The caller's custom sites (`sites: [...]`), each rebuilt through the custom-site rules.
pub(crate) fn custom_sites(f: &Fields) -> Result<Vec<Site>> {
    let listed = f.opt_list("sites")?.iter().map(|v| site_from(&Fields::of(f.op, "sites[]", v)?)).collect::<Result<Vec<_>>>()?;
    crate::site::allowlist(&listed)
}

pub(crate) fn custom_spec(f: &Fields) -> Result<CustomSiteSpec> {
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

pub(crate) fn pending_from(f: &Fields) -> Result<Pending> {
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

pub(crate) fn authorization_params(f: &Fields) -> Result<AuthorizationParams> {
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

/// The whole boundary in one function: JSON text in, JSON text out, never a panic for bad input.
pub fn call(op: &str, json: &str) -> String {
    answer(crate::ops::run(op, if json.is_empty() { "{}" } else { json }))
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
    let text = crate::ops::run(op, &args.to_string())?;
    let mut v = read_output(&text)?;
    Ok(v["ok"].take())
}
