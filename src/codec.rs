//! The one JSON codec of the authorization types (Site, Pending, Pkce, Callback, Onboarding, Endpoints,
//! Authorization, Error) and of the authorization operations' arguments: each type's fields are listed once,
//! in `codec!`, and that list yields both its writer (`ToJson`) and its reader (`FromJson`). Serde-based code
//! (connections, lifecycle and intake arguments, `rejected[]`) reaches the same codec through the bridges at the end.

use crate::authorize::{Authorization, AuthorizationParams, Onboarding, Pending};
use crate::callback::{Callback, CallbackOptions};
use crate::endpoints::Endpoints;
use crate::error::{Error, ErrorCode, Result};
use crate::http::RateLimit;
use crate::json::{Fields, FromJson, Json, ObjWriter, ToJson};
use crate::pkce::Pkce;
use crate::secret::Secret;
use crate::site::{CustomSiteSpec, Site, SiteInput};

/// How one kind of field is written: the key and its value, or nothing at all for an absent optional value.
pub trait Write<T: ?Sized> {
    fn write(w: &mut ObjWriter, key: &str, v: &T);
}

/// How one kind of field is read; errors name the field, never its value (it may be a secret).
pub trait Read<T> {
    fn read(f: &Fields, key: &str) -> Result<T>;
}

/// One field list per type: `name: "jsonKey" as Kind`, in the order written and read. `write` types are only
/// answered (results), `read` types only received (arguments); `read write` types travel both ways. A written
/// type's list must name every field (the destructuring below does not compile otherwise), a read one as well
/// (the struct literal), so a field added to a type cannot be forgotten in its JSON.
macro_rules! codec {
    (write $ty:ident { $($field:ident: $key:literal as $kind:ident),* $(,)? }) => {
        impl ToJson for $ty {
            fn write_json(&self, out: &mut String) {
                let $ty { $($field),* } = self;
                let mut w = ObjWriter::new(out);
                $( <$kind as Write<_>>::write(&mut w, $key, $field); )*
                w.end();
            }
        }
    };
    (read $ty:ident { $($field:ident: $key:literal as $kind:ident),* $(,)? }) => {
        impl FromJson for $ty {
            fn read_json(f: &Fields) -> Result<Self> {
                // Every field is read and the first error, in field order, is reported (see `Fields::keep`).
                let v = $ty { $( $field: f.keep(<$kind as Read<_>>::read(f, $key)), )* };
                f.done(v)
            }
        }
    };
    (read write $ty:ident { $($body:tt)* }) => {
        codec!(read $ty { $($body)* });
        codec!(write $ty { $($body)* });
    };
}

// ---- field kinds ----

/// A required string (a secret is written as its value: these objects are data the caller stores).
pub struct Text;
/// A string that may be absent (read as ""); always written.
pub struct TextOrEmpty;
/// An optional value, left out when absent (as serde's `skip_serializing_if`).
pub struct Optional;
/// An optional string the API documents as nullable: written as `null` when absent.
pub struct Nullable;
/// `true`/`false`, absent is `false`.
pub struct Flag;
/// A required non-negative integer.
pub struct Int;
/// A required nested object.
pub struct Nested;
/// An optional nested object, written as `null` when absent.
pub struct NullableNested;
/// An optional nested object, left out when absent.
pub struct OptionalNested;
/// An error code, written as its snake_case name.
pub struct Code;
/// A site as the API accepts it: a name to resolve, or a descriptor to rebuild (`SiteInput`).
pub struct SiteArg;
/// The caller's custom sites (`sites: [...]`), each rebuilt through the custom-site rules.
pub struct Allowlist;
/// An optional array of strings.
pub struct Names;
/// An optional length, clamped so that a huge number is refused by the length check, not by an allocation.
pub struct Length;

impl Write<String> for Text {
    fn write(w: &mut ObjWriter, key: &str, v: &String) {
        w.str(key, v);
    }
}
impl Write<Secret> for Text {
    fn write(w: &mut ObjWriter, key: &str, v: &Secret) {
        w.str(key, v.expose());
    }
}
impl Write<&'static str> for Text {
    fn write(w: &mut ObjWriter, key: &str, v: &&'static str) {
        w.str(key, v);
    }
}
impl Read<String> for Text {
    fn read(f: &Fields, key: &str) -> Result<String> {
        f.str(key).map(str::to_string)
    }
}
impl Read<Secret> for Text {
    fn read(f: &Fields, key: &str) -> Result<Secret> {
        f.str(key).map(Secret::new)
    }
}

impl Write<String> for TextOrEmpty {
    fn write(w: &mut ObjWriter, key: &str, v: &String) {
        w.str(key, v);
    }
}
impl Read<String> for TextOrEmpty {
    fn read(f: &Fields, key: &str) -> Result<String> {
        Ok(f.opt_str(key)?.unwrap_or_default().to_string())
    }
}

impl Write<Option<String>> for Optional {
    fn write(w: &mut ObjWriter, key: &str, v: &Option<String>) {
        w.opt_str(key, v.as_deref());
    }
}
impl Read<Option<String>> for Optional {
    fn read(f: &Fields, key: &str) -> Result<Option<String>> {
        Ok(f.opt_str(key)?.map(str::to_string))
    }
}
impl Write<Option<u64>> for Optional {
    fn write(w: &mut ObjWriter, key: &str, v: &Option<u64>) {
        if let Some(n) = v {
            w.num(key, *n);
        }
    }
}
impl Read<Option<u64>> for Optional {
    fn read(f: &Fields, key: &str) -> Result<Option<u64>> {
        f.opt_u64(key)
    }
}
impl Write<Option<u16>> for Optional {
    fn write(w: &mut ObjWriter, key: &str, v: &Option<u16>) {
        Optional::write(w, key, &v.map(u64::from));
    }
}
impl Write<Option<usize>> for Optional {
    fn write(w: &mut ObjWriter, key: &str, v: &Option<usize>) {
        Optional::write(w, key, &v.map(|n| n as u64));
    }
}

impl Write<Option<String>> for Nullable {
    fn write(w: &mut ObjWriter, key: &str, v: &Option<String>) {
        w.str_or_null(key, v.as_deref());
    }
}
impl Read<Option<String>> for Nullable {
    fn read(f: &Fields, key: &str) -> Result<Option<String>> {
        Optional::read(f, key)
    }
}

impl Write<bool> for Flag {
    fn write(w: &mut ObjWriter, key: &str, v: &bool) {
        w.bool(key, *v);
    }
}
impl Read<bool> for Flag {
    fn read(f: &Fields, key: &str) -> Result<bool> {
        Ok(f.opt_bool(key)?.unwrap_or(false))
    }
}

impl Write<u64> for Int {
    fn write(w: &mut ObjWriter, key: &str, v: &u64) {
        w.num(key, *v);
    }
}
impl Read<u64> for Int {
    fn read(f: &Fields, key: &str) -> Result<u64> {
        f.u64(key)
    }
}

impl<T: ToJson> Write<T> for Nested {
    fn write(w: &mut ObjWriter, key: &str, v: &T) {
        w.with(key, |o| v.write_json(o));
    }
}
impl<T: FromJson> Read<T> for Nested {
    fn read(f: &Fields, key: &str) -> Result<T> {
        T::read_json(&f.obj(key)?.ok_or_else(|| f.err(key, "an object"))?)
    }
}

impl<T: ToJson> Write<Option<T>> for NullableNested {
    fn write(w: &mut ObjWriter, key: &str, v: &Option<T>) {
        w.with(key, |o| v.write_json(o));
    }
}
impl<T: FromJson> Read<Option<T>> for NullableNested {
    fn read(f: &Fields, key: &str) -> Result<Option<T>> {
        f.obj(key)?.map(|sub| T::read_json(&sub)).transpose()
    }
}

impl<T: ToJson> Write<Option<T>> for OptionalNested {
    fn write(w: &mut ObjWriter, key: &str, v: &Option<T>) {
        if let Some(v) = v {
            Nested::write(w, key, v);
        }
    }
}

impl Write<ErrorCode> for Code {
    fn write(w: &mut ObjWriter, key: &str, v: &ErrorCode) {
        w.str(key, v.as_str());
    }
}

impl Read<Option<SiteInput>> for SiteArg {
    fn read(f: &Fields, key: &str) -> Result<Option<SiteInput>> {
        site_input(f, key)
    }
}

impl Read<Vec<Site>> for Allowlist {
    fn read(f: &Fields, key: &str) -> Result<Vec<Site>> {
        let listed = f.opt_list(key)?.iter().map(|v| Site::read_json(&Fields::of(f.op, "sites[]", v)?)).collect::<Result<Vec<_>>>()?;
        crate::site::allowlist(&listed)
    }
}

impl Read<Option<Vec<String>>> for Names {
    fn read(f: &Fields, key: &str) -> Result<Option<Vec<String>>> {
        Ok(f.opt_str_list(key)?.map(|v| v.into_iter().map(str::to_string).collect()))
    }
}

impl Read<Option<usize>> for Length {
    fn read(f: &Fields, key: &str) -> Result<Option<usize>> {
        Ok(f.opt_u64(key)?.map(|n| n.min(100_000) as usize))
    }
}

// ---- the types ----

// A site descriptor handed back to us (from `sites()`, a pending authorization, a stored connection, `sites: [...]`)
// is never trusted as it is: `site::from_descriptor` rebuilds it from the table (or the caller's allowlist) by
// its identifying fields. So the reader requires only `site`, the one field every rebuild starts from; the others
// are read when present (a wrong type is still an error) and default to empty. The same rule on every path:
// the authorization operations here and, through the serde bridge below, connections and the Node operations.
codec!(read write Site {
    id: "id" as TextOrEmpty,
    name: "name" as TextOrEmpty,
    site: "site" as Text,
    app_origin: "appOrigin" as TextOrEmpty,
    api_origin: "apiOrigin" as TextOrEmpty,
    logs_origin: "logsOrigin" as TextOrEmpty,
    event_intake_origin: "eventIntakeOrigin" as TextOrEmpty,
    otlp_origin: "otlpOrigin" as TextOrEmpty,
    authorize_origin: "authorizeOrigin" as TextOrEmpty,
    vanity: "vanity" as Optional,
    custom: "custom" as Flag,
    location: "location" as Optional,
});

codec!(read CustomSiteSpec {
    id: "id" as Optional,
    name: "name" as Optional,
    site: "site" as Text,
    app_origin: "appOrigin" as Text,
    api_origin: "apiOrigin" as Text,
    logs_origin: "logsOrigin" as Optional,
    event_intake_origin: "eventIntakeOrigin" as Optional,
    otlp_origin: "otlpOrigin" as Optional,
});

codec!(read write Pending {
    state: "state" as Text,
    code_verifier: "codeVerifier" as Text,
    site: "site" as NullableNested,
    redirect_uri: "redirectUri" as Text,
    client_id: "clientId" as TextOrEmpty,
    created_at: "createdAt" as Int,
});

codec!(read AuthorizationParams {
    client_id: "clientId" as Text,
    redirect_uri: "redirectUri" as Text,
    site: "site" as SiteArg,
    scopes: "scopes" as Names,
    org_id: "orgId" as Optional,
    sites: "sites" as Allowlist,
    verifier_length: "verifierLength" as Length,
    now: "now" as Int,
});

codec!(write Authorization {
    url: "url" as Text,
    pending: "pending" as Nested,
});

codec!(read CallbackOptions {
    sites: "sites" as Allowlist,
    max_age_ms: "maxAgeMs" as Optional,
});

codec!(write Callback {
    code: "code" as Text,
    domain: "domain" as Text,
    site: "site" as Nested,
    org_id: "orgId" as Nullable,
    org_name: "orgName" as Nullable,
    state: "state" as Text,
});

codec!(write Onboarding {
    site: "site" as NullableNested,
    domain: "domain" as Nullable,
});

codec!(write Pkce {
    verifier: "verifier" as Text,
    challenge: "challenge" as Text,
    method: "method" as Text,
});

codec!(write Endpoints {
    authorize: "authorize" as Text,
    token: "token" as Text,
    revoke: "revoke" as Text,
    api_key: "apiKey" as Text,
    validate: "validate" as Text,
    metrics_v2: "metricsV2" as Text,
    metrics_v1: "metricsV1" as Text,
    logs: "logs" as Text,
    events_v1: "eventsV1" as Text,
    events_v2: "eventsV2" as Text,
    service_checks: "serviceChecks" as Text,
    incidents: "incidents" as Text,
    otlp_traces: "otlpTraces" as Text,
});

codec!(write Error {
    code: "code" as Code,
    message: "message" as Text,
    hint: "hint" as Text,
    status: "status" as Optional,
    field: "field" as Optional,
    body: "body" as Optional,
    retry_after_ms: "retryAfterMs" as Optional,
    rate_limit: "rateLimit" as OptionalNested,
    index: "index" as Optional,
});

codec!(write RateLimit {
    limit: "limit" as Optional,
    period: "period" as Optional,
    remaining: "remaining" as Optional,
    reset: "reset" as Optional,
    name: "name" as Optional,
});

// ---- argument decoders of the authorization operations ----

/// `key` as a site name or a site descriptor; absent is `None`.
pub fn site_input(f: &Fields, key: &str) -> Result<Option<SiteInput>> {
    match f.get(key) {
        None => Ok(None),
        Some(Json::Str(t)) => Ok(Some(SiteInput::Text(t.clone()))),
        Some(v @ Json::Obj(_)) => Ok(Some(SiteInput::Descriptor(Box::new(Site::read_json(&Fields::of(f.op, key, v)?)?)))),
        Some(_) => Err(f.err(key, "a site name or a site descriptor")),
    }
}

/// The caller's custom sites (`sites: [...]`), each rebuilt through the custom-site rules.
pub fn custom_sites(f: &Fields) -> Result<Vec<Site>> {
    Allowlist::read(f, "sites")
}

pub fn custom_spec(f: &Fields) -> Result<CustomSiteSpec> {
    CustomSiteSpec::read_json(f)
}

pub fn pending_from(f: &Fields) -> Result<Pending> {
    Pending::read_json(f)
}

pub fn authorization_params(f: &Fields) -> Result<AuthorizationParams> {
    AuthorizationParams::read_json(f)
}

// ---- the serde bridge: serde-based code reads and writes these types through the codec above ----

/// What a serde error says a descriptor had to be, as serde's own derive worded it.
const SITE_EXPECTED: &str = "struct Site";

impl serde::Serialize for Site {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        crate::json::parse(&self.to_json()).map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

impl<'de> serde::Deserialize<'de> for Site {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Site, D::Error> {
        let v = Json::deserialize(d)?;
        site_from_json::<D::Error>(&v)
    }
}

fn site_from_json<E: serde::de::Error>(v: &Json) -> std::result::Result<Site, E> {
    if !matches!(v, Json::Obj(_)) {
        return Err(E::invalid_type(v.unexpected(), &SITE_EXPECTED));
    }
    // The codec's message names the field and what it must be ("a site descriptor: `site` must be a string").
    Fields::of("a site descriptor", "", v).and_then(|f| Site::read_json(&f)).map_err(|e| E::custom(e.message))
}

impl<'de> serde::Deserialize<'de> for SiteInput {
    fn deserialize<D: serde::Deserializer<'de>>(d: D) -> std::result::Result<SiteInput, D::Error> {
        match Json::deserialize(d)? {
            Json::Str(t) => Ok(SiteInput::Text(t)),
            v @ Json::Obj(_) => site_from_json::<D::Error>(&v).map(|s| SiteInput::Descriptor(Box::new(s))),
            v => Err(serde::de::Error::invalid_type(v.unexpected(), &"a site name or a site descriptor")),
        }
    }
}

impl serde::Serialize for Error {
    fn serialize<S: serde::Serializer>(&self, s: S) -> std::result::Result<S::Ok, S::Error> {
        crate::json::parse(&self.to_json()).map_err(serde::ser::Error::custom)?.serialize(s)
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn read<T: FromJson>(text: &str) -> Result<T> {
        let v = crate::json::parse(text)?;
        T::read_json(&Fields::of("test", "", &v)?)
    }

    #[test]
    fn a_site_round_trips_and_serde_sees_the_same_json() {
        for s in crate::site::sites().into_iter().chain([crate::site::resolve_site("acme.datadoghq.eu").unwrap()]) {
            let text = s.to_json();
            assert_eq!(read::<Site>(&text).unwrap(), s);
            let via_serde = serde_json::to_value(&s).unwrap();
            assert_eq!(via_serde, serde_json::from_str::<serde_json::Value>(&text).unwrap());
            assert_eq!(serde_json::from_value::<Site>(via_serde).unwrap(), s);
        }
    }

    #[test]
    fn every_path_reads_a_descriptor_by_the_same_rule() {
        // Only `site` is required; a wrong type is an error on both paths, and the same field is named.
        let minimal = json!({ "site": "datadoghq.eu" });
        assert_eq!(read::<Site>(&minimal.to_string()).unwrap().site, "datadoghq.eu");
        assert_eq!(serde_json::from_value::<Site>(minimal).unwrap().site, "datadoghq.eu");
        for (bad, field) in [
            (json!({ "id": "eu1" }), "site"),
            (json!({ "site": "datadoghq.eu", "apiOrigin": 5 }), "apiOrigin"),
            (json!({ "site": "x", "custom": "yes" }), "custom"),
        ] {
            let e = read::<Site>(&bad.to_string()).unwrap_err();
            assert_eq!((e.code, e.field.as_deref()), (ErrorCode::InvalidInput, Some(field)), "{bad}");
            let e = serde_json::from_value::<Site>(bad.clone()).unwrap_err().to_string();
            assert!(e.contains(&format!("`{field}`")), "{bad}: {e}");
        }
        for hostile in [json!("eu1"), json!(5), json!(null), json!([{ "site": "datadoghq.eu" }])] {
            assert!(serde_json::from_value::<Site>(hostile.clone()).unwrap_err().to_string().contains("expected struct Site"), "{hostile}");
        }
        assert!(matches!(serde_json::from_value::<SiteInput>(json!("eu1")).unwrap(), SiteInput::Text(t) if t == "eu1"));
        assert!(matches!(serde_json::from_value::<SiteInput>(json!({ "site": "datadoghq.eu" })).unwrap(), SiteInput::Descriptor(_)));
        assert!(serde_json::from_value::<SiteInput>(json!(1)).unwrap_err().to_string().contains("a site name or a site descriptor"));
    }

    #[test]
    fn an_error_is_written_one_way() {
        let mut e = Error::new(ErrorCode::RateLimited, "m \"q\"", "h").with_status(429).with_field("series[1]");
        e.retry_after_ms = Some(1500);
        e.rate_limit = Some(RateLimit { limit: Some(10), remaining: Some(0), name: Some("n".into()), ..Default::default() });
        e.index = Some(3);
        let text = e.to_json();
        assert_eq!(
            text,
            r#"{"code":"rate_limited","message":"m \"q\"","hint":"h","status":429,"field":"series[1]","retryAfterMs":1500,"rateLimit":{"limit":10,"remaining":0,"name":"n"},"index":3}"#
        );
        assert_eq!(serde_json::to_value(&e).unwrap(), serde_json::from_str::<serde_json::Value>(&text).unwrap());
        assert_eq!(Error::new(ErrorCode::InvalidSite, "m", "h").to_json(), r#"{"code":"invalid_site","message":"m","hint":"h"}"#);
    }

    #[test]
    fn the_first_bad_field_in_list_order_is_the_one_reported() {
        // Every field is read (see `Fields::keep`); the error is still the one a field-by-field read would return.
        let e = read::<AuthorizationParams>(r#"{"clientId":1,"redirectUri":2,"now":"x"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("clientId"));
        let e = read::<AuthorizationParams>(r#"{"clientId":"c","redirectUri":"r","scopes":"a","sites":[{"custom":true}]}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("scopes"));
        let e = read::<AuthorizationParams>(r#"{"clientId":"c","redirectUri":"r","sites":[{"site":"x"}]}"#).unwrap_err();
        assert_eq!(e.code, ErrorCode::InvalidSite);
        let p = read::<AuthorizationParams>(r#"{"clientId":"c","redirectUri":"r","now":5,"verifierLength":1e400}"#);
        assert_eq!(p.unwrap_err().field.as_deref(), Some("verifierLength"));
        let p = read::<AuthorizationParams>(r#"{"clientId":"c","redirectUri":"r","now":5,"verifierLength":99999999999}"#).unwrap();
        assert_eq!((p.now, p.verifier_length), (5, Some(100_000)));
    }

    #[test]
    fn pending_reads_what_it_writes_and_names_the_bad_field() {
        let p = Pending {
            state: "s".into(),
            code_verifier: Secret::new("v".repeat(43)),
            site: None,
            redirect_uri: "https://p.example/cb".into(),
            client_id: "cid".into(),
            created_at: 7,
        };
        let text = p.to_json();
        assert_eq!(
            text,
            format!(r#"{{"state":"s","codeVerifier":"{}","site":null,"redirectUri":"https://p.example/cb","clientId":"cid","createdAt":7}}"#, "v".repeat(43))
        );
        let back: Pending = read(&text).unwrap();
        assert_eq!((back.state, back.created_at, back.site), (p.state, 7, None));
        let e = read::<Pending>(r#"{"state":"s","codeVerifier":"v","redirectUri":"r","createdAt":-1}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("createdAt"));
        let e = read::<Pending>(r#"{"state":"s","codeVerifier":"v","redirectUri":"r","createdAt":1,"site":"eu1"}"#).unwrap_err();
        assert_eq!(e.field.as_deref(), Some("site"));
    }
}
