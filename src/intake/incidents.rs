//! `encodeIncident`: one incident to `POST /api/v2/incidents` with the OAuth bearer token (scope `incident_write`).
//! Creating is not idempotent, so the request is marked CreateOnce: the host resends it only when Datadog said it
//! did not process it. Attributes beyond the checked ones pass through, as the incident schema keeps growing.

use super::auth;
use super::validate::{self as v, object};
use super::{invalid, Batch, Encoded};
use crate::error::{Error, Result};
use serde_json::{Map, Value};

const SCALAR_FIELDS: &[&str] = &["dropdown", "textbox"];
const LIST_FIELDS: &[&str] = &["multiselect", "textarray", "metrictag", "autocomplete"];

/// Normalise to the full JSON:API document, accepting either it or just its attributes. Also returns how the
/// caller spelled the attributes' path, so errors name the field as the caller wrote it.
fn document(val: &Value) -> Result<(Value, &'static str)> {
    let field = "incident";
    let o = object(val, field, "{data: {type: \"incidents\", attributes}} or the attributes")?;
    let Some(data) = o.get("data") else {
        return Ok((serde_json::json!({ "data": { "type": "incidents", "attributes": o } }), "incident"));
    };
    let d = object(data, "incident.data", "{type: \"incidents\", attributes, relationships?}")?;
    if let Some(t) = d.get("type") {
        v::one_of(v::string(t, "incident.data.type")?, &["incidents"], "incident.data.type")?;
    }
    let mut d = d.clone();
    d.insert("type".into(), Value::String("incidents".into()));
    let mut doc = Map::new();
    doc.insert("data".into(), Value::Object(d));
    Ok((Value::Object(doc), "incident.data.attributes"))
}

fn check(doc: &Value, af: &str) -> Result<()> {
    let a = object(doc.pointer("/data/attributes").unwrap_or(&Value::Null), af, "the incident attributes")?;
    v::non_empty(v::req_str(a, af, "title")?, &format!("{af}.title"))?;
    let cf = format!("{af}.customer_impacted");
    let impacted = v::required(a, af, "customer_impacted")?
        .as_bool()
        .ok_or_else(|| invalid(&cf, format!("{cf} must be true or false"), "Say whether customers are impacted."))?;
    if impacted {
        let scope = v::opt_str(a, af, "customer_impact_scope")?.unwrap_or("");
        if scope.trim().is_empty() {
            let f = format!("{af}.customer_impact_scope");
            return Err(invalid(&f, format!("{f} is required when customer_impacted is true"), "Describe which customers are impacted."));
        }
    }
    if let Some(fields) = a.get("fields").filter(|f| !f.is_null()) {
        let ff = format!("{af}.fields");
        for (name, fv) in object(fields, &ff, "{name: {type, value}}")? {
            let f = format!("{ff}.{}", v::bounded(name));
            let fo = object(fv, &f, "{type, value}")?;
            let ty = v::req_str(fo, &f, "type")?;
            let value = fo.get("value").unwrap_or(&Value::Null);
            let ok = if SCALAR_FIELDS.contains(&ty) {
                value.is_string() || value.is_null()
            } else if LIST_FIELDS.contains(&ty) {
                value.is_null() || value.as_array().is_some_and(|a| a.iter().all(Value::is_string))
            } else {
                return Err(invalid(
                    format!("{f}.type"),
                    format!("{f}.type must be one of {}, {}", SCALAR_FIELDS.join(", "), LIST_FIELDS.join(", ")),
                    "e.g. {\"severity\": {\"type\": \"dropdown\", \"value\": \"SEV-5\"}}",
                ));
            };
            if !ok {
                return Err(invalid(
                    format!("{f}.value"),
                    format!("{f}.value must be a string for {ty} fields, an array of strings for list fields"),
                    "e.g. {\"type\": \"dropdown\", \"value\": \"SEV-5\"}",
                ));
            }
        }
    }
    if let Some(handles) = a.get("notification_handles").filter(|h| !h.is_null()) {
        let hf = format!("{af}.notification_handles");
        let arr = handles
            .as_array()
            .ok_or_else(|| invalid(&hf, format!("{hf} must be an array of {{display_name, handle}}"), "e.g. [{\"handle\": \"@oncall@example.com\"}]"))?;
        for (j, h) in arr.iter().enumerate() {
            let f = format!("{hf}[{j}]");
            let ho = object(h, &f, "{display_name, handle}")?;
            v::req_str(ho, &f, "handle")?;
            v::opt_str(ho, &f, "display_name")?;
        }
    }
    Ok(())
}

// Kept out of line: V8 compiles wasm functions on first call, so a first login need not compile the encoders.
#[inline(never)]
pub fn encode(args: &Value) -> Result<Encoded> {
    const OP: &str = "encodeIncident";
    let c = super::common(OP, args, super::Compression::None)?;
    let token = auth::access_token(c.connection)?;
    let incident = args.get("incident").filter(|i| !i.is_null()).ok_or_else(|| Error::invalid_input("incident", "encodeIncident() needs `incident`"))?;
    let mut out = Encoded::default();
    match document(incident).and_then(|(doc, af)| check(&doc, af).map(|()| doc)) {
        Err(e) => out.reject(0, e),
        Ok(doc) => {
            // Never compressed: one small JSON:API document, and the endpoint documents no Content-Encoding.
            let request = auth::bearer_request(c.site.incidents_url(), &token, doc.to_string());
            out.batches.push(Batch { request, items: vec![0], parts: Vec::new() });
        }
    }
    Ok(out)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    use crate::http::Replay;
    use serde_json::json;

    fn run(incident: Value, token: Value) -> Result<Encoded> {
        encode(
            &json!({ "connection": { "site": crate::site::resolve_site("datadoghq.eu").unwrap(), "apiKey": "k", "accessToken": token }, "now": 1, "incident": incident, "compress": "gzip" }),
        )
    }

    #[test]
    fn attributes_or_document_give_the_same_request() {
        let attrs = json!({"title": "DB down", "customer_impacted": true, "customer_impact_scope": "EU users", "fields": {"severity": {"type": "dropdown", "value": "SEV-2"}}});
        let a = run(attrs.clone(), json!("tok")).unwrap();
        let b = run(json!({"data": {"attributes": attrs}}), json!("tok")).unwrap();
        let r = &a.batches[0].request;
        assert_eq!(r.url, "https://api.datadoghq.eu/api/v2/incidents");
        assert_eq!(r.headers["authorization"], "Bearer tok");
        assert!(!r.headers.contains_key("dd-api-key"));
        assert_eq!(r.replay, Replay::CreateOnce);
        assert!(r.compress.is_none() && !r.headers.contains_key("content-encoding"));
        assert_eq!(serde_json::from_str::<Value>(r.body.as_ref().unwrap()).unwrap(), json!({"data": {"type": "incidents", "attributes": attrs}}));
        assert_eq!(r.body, b.batches[0].request.body);
    }

    #[test]
    fn validation() {
        let cases = [
            (json!({"customer_impacted": false}), "incident.title"),
            (json!({"title": "t"}), "incident.customer_impacted"),
            (json!({"title": "t", "customer_impacted": true}), "incident.customer_impact_scope"),
            (json!({"title": "t", "customer_impacted": false, "fields": {"sev": {"type": "dropdown", "value": ["a"]}}}), "incident.fields.sev.value"),
            (json!({"title": "t", "customer_impacted": false, "fields": {"sev": {"type": "color", "value": "a"}}}), "incident.fields.sev.type"),
            (json!({"data": {"type": "incident", "attributes": {}}}), "incident.data.type"),
            (json!({"data": {"attributes": {"title": "t"}}}), "incident.data.attributes.customer_impacted"),
        ];
        for (inc, field) in cases {
            let out = run(inc, json!("tok")).unwrap();
            assert!(out.batches.is_empty());
            assert_eq!(out.rejected[0].error.field.as_deref(), Some(field));
        }
        let ok =
            run(json!({"title": "t", "customer_impacted": false, "fields": {"teams": {"type": "multiselect", "value": ["a"]}}, "is_test": true}), json!("tok"))
                .unwrap();
        assert_eq!(ok.batches[0].items, vec![0]);
    }

    #[test]
    fn token_required_and_never_printed() {
        let e = run(json!({"title": "t", "customer_impacted": false}), Value::Null).err().unwrap();
        assert_eq!(e.code, ErrorCode::MissingAccessToken);
        let secret = "ddat_0123456789abcdef0123456789abcdef";
        let out = run(json!({"title": 5}), json!(secret)).unwrap();
        let dump = format!("{out:?}") + &out.into_value().to_string();
        assert!(!dump.contains(secret));
    }
}
