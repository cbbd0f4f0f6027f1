//! The one table of operations. Each row is an operation's JS name, how its arguments are read (which also says
//! whether errors are scrubbed of the secrets they carry and whether request bodies travel detached) and its
//! handler; the group a row sits in is the cargo feature that compiles it in. `run` dispatches through the table,
//! `listOps` answers it (tests/hostile.rs, the fuzz target and tests/js/ops.test.mjs take their op lists from
//! there), `intakeKinds` tells the host how each intake authenticates. Adding an operation is one row plus its handler.

use crate::error::{Error, ErrorCode, Result};
use crate::json::{Fields, ToJson};
#[cfg(any(feature = "client", feature = "intake"))]
use crate::args::Args;
#[cfg(any(feature = "client", feature = "intake"))]
use serde_json::Value;

/// One operation: its name (the JS name) and how it runs.
pub(crate) struct Op {
    pub name: &'static str,
    pub run: Run,
}

/// How an operation's arguments are read and its answer written.
pub(crate) enum Run {
    /// Read by the hand-written `json` reader (no serde in the authorization-only build); the handler (the row's in
    /// `authorization!`) writes the answer's JSON text. These arguments hold no secret an error could echo.
    Fields,
    /// Read by serde_json; a failure is scrubbed of every secret the arguments carry (`redact::scrub_args`). The
    /// function is the handler, or for the `client!` rows the match that calls it.
    #[cfg(feature = "intake")]
    Value(fn(&str, &Value) -> Result<Value>),
    /// Read straight from the text by serde, else like `Value` (`args::Args`); the handler (for the `client!`
    /// rows the match that calls it) answers the `{"ok": ...}` text. Failures scrubbed as `Value`'s are.
    #[cfg(any(feature = "client", feature = "intake"))]
    Typed(fn(&str, &Args) -> Result<String>),
    /// An intake encoder: read like `Value` (or straight from the text where it can be), request bodies detached.
    #[cfg(feature = "intake")]
    Encode(&'static Intake),
}

/// What the host needs to know about one intake, and the encoder behind it.
#[cfg(feature = "intake")]
pub(crate) struct Intake {
    /// The data type as the host's submit functions and `parseIntakeResponse`'s `kind` name it.
    pub kind: &'static str,
    /// The argument that holds the items.
    pub key: &'static str,
    /// One item (an incident), not an array: no `select`, nothing to halve after a 413.
    pub single: bool,
    /// What an item is cut into when it alone is too large (metric series: points, traces: spans), or `None`.
    pub pieces: Option<Pieces>,
    /// The credential the encoder reads from the connection: "apiKey", or "bearer" (an access token, which the host
    /// refreshes when it is due and after a 401).
    pub auth: &'static str,
    /// Whether the encoder takes `compress`.
    pub compress: bool,
    pub encode: fn(&Value) -> Result<Encoded>,
    /// Reads the arguments straight from the JSON text, items already in wire form copied as they are (see
    /// `intake::raw`); `None` from it (a `select`, a non-canonical shape) falls back to `encode`.
    pub from_text: Option<ReadText>,
}

#[cfg(feature = "intake")]
use crate::intake::select::{Pieces, Shape};
#[cfg(feature = "intake")]
use crate::intake::Encoded;

#[cfg(feature = "intake")]
impl Intake {
    /// How `select` reads this intake's items; `None` for a single-item intake, which takes no `select`.
    fn shape(&self) -> Option<Shape> {
        (!self.single).then_some(Shape { key: self.key, pieces: self.pieces })
    }
}

/// An encoder's reader of the arguments' JSON text: `None` when it leaves them to serde.
#[cfg(feature = "intake")]
type ReadText = fn(&str) -> Option<Result<Encoded>>;

/// Every operation of this build, by feature. "auth" is the authorization half every build has.
const TABLE: &[(&str, &[Op])] = &[
    ("auth", AUTHORIZATION),
    #[cfg(feature = "client")]
    ("client", CLIENT),
    #[cfg(feature = "intake")]
    ("intake", INTAKE),
];

/// The authorization operations: each row `name => handler`. The rows become both the table and one `match` that
/// calls the handlers directly, each writing its answer straight after `{"ok":`. Measured on the /auth wasm, whose
/// budget allows no growth: handlers behind function pointers returning their own text cost 0.6 KB gzipped more
/// (47.2 KB against 46.6 KB before the table, scripts/size.mjs); this form is 46.6 KB with `listOps` included.
macro_rules! authorization {
    ($($name:literal => $handler:path,)*) => {
        const AUTHORIZATION: &[Op] = &[$(Op { name: $name, run: Run::Fields }),*];

        fn run_authorization(op: &str, f: &Fields, out: &mut String) -> Result<()> {
            match op {
                $($name => $handler(f, out),)*
                _ => Err(unknown(op)),
            }
        }
    };
}

authorization! {
    "sites" => sites,
    "resolveSite" => resolve_site,
    "customSite" => custom_site,
    "endpoints" => endpoints,
    "createPkce" => create_pkce,
    "pkceChallenge" => pkce_challenge,
    "createState" => create_state,
    "parseOnboardingUrl" => parse_onboarding_url,
    "startAuthorization" => start_authorization,
    "parseCallback" => parse_callback,
    "hostError" => host_error,
    "listOps" => list_ops,
}

/// The token-lifecycle operations, `name => handler`, read by serde. Like the authorization rows, one `match` calls
/// the handlers (each row's `Run::Typed` is that match, `run_client`), so they share one function: a pointer per
/// handler made the full wasm 1.3 KB larger gzipped (218.4 KB against 217.2 KB, measured), each handler's own frame
/// and copies of its large `Result`.
#[cfg(feature = "client")]
macro_rules! client {
    ($($name:literal => $handler:path,)*) => {
        const CLIENT: &[Op] = &[$(Op { name: $name, run: Run::Typed(run_client) }),*];

        fn run_client(op: &str, args: &Args) -> Result<String> {
            use crate::lifecycle as l;
            match op {
                $($name => $handler(op, args),)*
                _ => Err(unknown(op)),
            }
        }
    };
}

#[cfg(feature = "client")]
client! {
    "parseConnection" => l::parse_connection,
    "refreshDue" => l::refresh_due,
    "tokenRequest" => l::token_request,
    "parseTokenResponse" => l::parse_token_response,
    "refreshRequest" => l::refresh_request,
    "parseRefreshResponse" => l::parse_refresh_response,
    "revokeRequest" => l::revoke_request,
    "parseRevokeResponse" => l::parse_revoke_response,
    "currentUserRequest" => l::current_user_request,
    "parseCurrentUserResponse" => l::parse_current_user_response,
    "apiKeyRequest" => l::api_key_request,
    "parseApiKeyResponse" => l::parse_api_key_response,
    "apiRequest" => l::api_request,
    "parseApiResponse" => l::parse_api_response,
    "nextPage" => l::next_page,
    "retryDecision" => l::retry_decision,
    "classifyNetworkError" => l::classify_network_error_op,
    "errorCodes" => error_codes,
}

#[cfg(feature = "intake")]
const INTAKE: &[Op] = {
    use crate::intake::{events, incidents, logs, metrics, service_checks, traces};
    &[
        Op {
            name: "encodeMetrics",
            run: Run::Encode(&Intake {
                kind: "metrics",
                key: "series",
                single: false, pieces: Some(Pieces::Points),
                auth: "apiKey",
                compress: true,
                encode: metrics::encode,
                from_text: Some(metrics::encode_text),
            }),
        },
        Op {
            name: "encodeLogs",
            run: Run::Encode(&Intake {
                kind: "logs",
                key: "logs",
                single: false, pieces: None,
                auth: "apiKey",
                compress: true,
                encode: logs::encode,
                from_text: Some(logs::encode_text),
            }),
        },
        Op {
            name: "encodeEvents",
            run: Run::Encode(&Intake { kind: "events", key: "events", single: false, pieces: None, auth: "apiKey", compress: true, encode: events::encode, from_text: None }),
        },
        Op {
            name: "encodeServiceChecks",
            run: Run::Encode(&Intake {
                kind: "serviceChecks",
                key: "checks",
                single: false, pieces: None,
                auth: "apiKey",
                compress: true,
                encode: service_checks::encode,
                from_text: None,
            }),
        },
        Op {
            name: "encodeIncident",
            run: Run::Encode(&Intake {
                kind: "incidents",
                key: "incident",
                single: true, pieces: None,
                auth: "bearer",
                compress: false,
                encode: incidents::encode,
                from_text: None,
            }),
        },
        Op {
            name: "encodeTraces",
            run: Run::Encode(&Intake { kind: "traces", key: "traces", single: false, pieces: Some(Pieces::Spans), auth: "apiKey", compress: true, encode: traces::encode, from_text: None }),
        },
        Op { name: "parseIntakeResponse", run: Run::Typed(parse_intake_response) },
        Op { name: "splitSelection", run: Run::Value(split_selection) },
        Op { name: "intakeKinds", run: Run::Value(intake_kinds) },
    ]
};

fn find(op: &str) -> Option<&'static Op> {
    for (_, ops) in TABLE {
        for o in *ops {
            if o.name == op {
                return Some(o);
            }
        }
    }
    None
}

#[cfg(test)]
fn all() -> impl Iterator<Item = (&'static str, &'static Op)> {
    TABLE.iter().flat_map(|(feature, ops)| ops.iter().map(move |op| (*feature, op)))
}

/// Run one operation on its JSON arguments, giving `{"ok": ...}` as JSON text (and detached bodies after it).
pub(crate) fn run(op: &str, json: &str) -> Result<String> {
    #[cfg(any(feature = "client", feature = "intake"))]
    return run_answer(op, json).map(|a| a.text);
    #[cfg(not(any(feature = "client", feature = "intake")))]
    run_answer(op, json)
}

/// An answer's text, and where its NULs are (each before a detached body): known as the answer is assembled, so
/// the wasm boundary need not search 400 KB of body for them (1.7% of a 10k-point `encodeMetrics` in the profile).
#[cfg(any(feature = "client", feature = "intake"))]
pub(crate) struct Answer {
    pub text: String,
    pub nuls: Vec<usize>,
}

/// The authorization core answers in strings and has no bodies (and its bytes are budgeted).
#[cfg(not(any(feature = "client", feature = "intake")))]
pub(crate) type Answer = String;

#[cfg(any(feature = "client", feature = "intake"))]
impl From<String> for Answer {
    fn from(text: String) -> Answer {
        Answer { text, nuls: Vec::new() }
    }
}

/// `run`, with the answer's NUL offsets.
// In the authorization core `Answer` is `String`, so `into` converts nothing there.
#[cfg_attr(not(any(feature = "client", feature = "intake")), allow(clippy::useless_conversion))]
pub(crate) fn run_answer(op: &str, json: &str) -> Result<Answer> {
    let Some(row) = find(op) else { return Err(unknown(op)) };
    match &row.run {
        Run::Fields => {
            let args = crate::json::parse(json)?;
            let mut out = String::from("{\"ok\":");
            run_authorization(op, &Fields::of(op, "", &args)?, &mut out)?;
            out.push('}');
            Ok(out.into())
        }
        #[cfg(feature = "intake")]
        Run::Value(handler) => run_value(op, *handler, json).map(Answer::from),
        #[cfg(any(feature = "client", feature = "intake"))]
        Run::Typed(handler) => run_typed(op, *handler, json).map(Answer::from),
        #[cfg(feature = "intake")]
        Run::Encode(intake) => run_encode(op, intake, json),
    }
}

fn unknown(op: &str) -> Error {
    Error::new(
        ErrorCode::InvalidInput,
        format!("unknown operation {}", crate::error::quote(op)),
        "The JS host and the wasm core are from different versions; reinstall the package.",
    )
}

/// Out of line (as is `run_encode`), so that the first authorization call does not make V8 compile serde_json's
/// reader and the encoders inlined into `run` (cold start).
#[cfg(feature = "intake")]
#[inline(never)]
fn run_value(op: &str, handler: fn(&str, &Value) -> Result<Value>, json: &str) -> Result<String> {
    let args: Value = serde_json::from_str(json).map_err(|e| crate::args::bad_args(op, e))?;
    // Whatever an answer made of an error, the secrets its request carried are taken out by value.
    handler(op, &args).map(|v| ok_text(&v.to_string())).map_err(|e| crate::redact::scrub_args(e, &args))
}

/// The text path first (`args::Args`), the `Value` path for whatever it declines. Out of line like `run_value`.
#[cfg(any(feature = "client", feature = "intake"))]
#[inline(never)]
fn run_typed(op: &str, handler: fn(&str, &Args) -> Result<String>, json: &str) -> Result<String> {
    if crate::args::plain(json) {
        let args = Args::text(json);
        match handler(op, &args) {
            Ok(text) => return Ok(text),
            // The operation itself failed on arguments both paths read alike. Errors are rare, so only now is the
            // text parsed into a `Value`, for `scrub_args` to take the secrets it carries out by value.
            Err(e) if !args.declined() => {
                return Err(match serde_json::from_str::<Value>(json) {
                    Ok(v) => crate::redact::scrub_args(e, &v),
                    Err(pe) => crate::args::bad_args(op, pe),
                })
            }
            Err(_) => {}
        }
    }
    let args: Value = serde_json::from_str(json).map_err(|e| crate::args::bad_args(op, e))?;
    handler(op, &Args::value(&args, &args.to_string())).map_err(|e| crate::redact::scrub_args(e, &args))
}

#[cfg(feature = "intake")]
#[inline(never)]
fn run_encode(op: &str, intake: &Intake, json: &str) -> Result<Answer> {
    let mut bodies = Vec::new();
    if let Some(r) = intake.from_text.and_then(|read| read(json)) {
        let text = r?.into_ok_text(&mut bodies);
        // The answer written without a `Value` is the text the `Value` would print: canonical JSON, keys sorted.
        #[cfg(debug_assertions)]
        debug_assert_eq!(serde_json::from_str::<Value>(&text).map(|v| v.to_string()).ok().as_deref(), Some(text.as_str()));
        return Ok(with_bodies(text, bodies));
    }
    let args: Value = serde_json::from_str(json).map_err(|e| crate::args::bad_args(op, e))?;
    crate::intake::encode_op(op, intake.encode, intake.shape(), &args, Some(&mut bodies))
        .map(|v| with_bodies(ok_text(&v.to_string()), bodies))
        .map_err(|e| crate::redact::scrub_args(e, &args))
}

/// `{"ok": ...}` around a value's JSON text.
#[cfg(any(feature = "client", feature = "intake"))]
fn ok_text(value_json: &str) -> String {
    let mut s = String::with_capacity(value_json.len() + 7);
    s.push_str("{\"ok\":");
    s.push_str(value_json);
    s.push('}');
    s
}

/// Request bodies travel after the JSON answer, each after a NUL (`"bodyRef": n` is the n-th): JSON text, the
/// answer's and the bodies', never holds a raw NUL, and the bodies are spared a second escaping and parsing.
#[cfg(feature = "intake")]
fn with_bodies(mut answer: String, bodies: Vec<String>) -> Answer {
    answer.reserve(bodies.iter().map(|b| b.len() + 1).sum());
    let mut nuls = Vec::with_capacity(bodies.len());
    for b in bodies {
        nuls.push(answer.len());
        answer.push('\0');
        answer.push_str(&b);
    }
    Answer { text: answer, nuls }
}

/// The answer's value, written after `{"ok":`.
fn ok<T: ToJson>(out: &mut String, v: T) -> Result<()> {
    v.write_json(out);
    Ok(())
}

// ---- the authorization operations: arguments read through `json::Fields`, protocol in the named modules ----

use crate::codec::{authorization_params, custom_sites, custom_spec, pending_from, site_input};
use crate::json::FromJson;

fn sites(_: &Fields, out: &mut String) -> Result<()> {
    ok(out, crate::site::sites())
}

fn resolve_site(f: &Fields, out: &mut String) -> Result<()> {
    let site = site_input(f, "site")?.ok_or_else(|| f.err("site", "a site name or a site descriptor"))?;
    ok(out, site.resolve(&custom_sites(f)?)?)
}

fn custom_site(f: &Fields, out: &mut String) -> Result<()> {
    ok(out, crate::site::custom_site(&custom_spec(f)?)?)
}

fn endpoints(f: &Fields, out: &mut String) -> Result<()> {
    let site = site_input(f, "site")?.ok_or_else(|| f.err("site", "a site name or a site descriptor"))?;
    ok(out, crate::endpoints::endpoints(&site.resolve(&custom_sites(f)?)?))
}

fn create_pkce(f: &Fields, out: &mut String) -> Result<()> {
    ok(out, crate::pkce::create(f.opt_u64("length")?.map(|n| n.min(100_000) as usize))?)
}

fn pkce_challenge(f: &Fields, out: &mut String) -> Result<()> {
    ok(out, crate::pkce::challenge(f.str("verifier")?)?.to_string())
}

fn create_state(_: &Fields, out: &mut String) -> Result<()> {
    ok(out, crate::state::create()?)
}

fn parse_onboarding_url(f: &Fields, out: &mut String) -> Result<()> {
    ok(out, crate::authorize::parse_onboarding_url(f.str("text")?, &custom_sites(f)?)?)
}

fn start_authorization(f: &Fields, out: &mut String) -> Result<()> {
    let p = authorization_params(f)?;
    ok(out, crate::authorize::start_authorization(&p, p.now)?)
}

fn parse_callback(f: &Fields, out: &mut String) -> Result<()> {
    let pending = pending_from(&f.obj("pending")?.ok_or_else(no_pending)?)?;
    let opts = crate::callback::CallbackOptions::read_json(f)?;
    ok(out, crate::callback::parse_callback(f.str("url")?, &pending, f.u64("now")?, &opts)?)
}

fn no_pending() -> Error {
    Error::new(ErrorCode::NoPendingAuthorization, "no pending authorization", "Start the authorization again.")
}

/// The typed error for a failure the JS host detected itself, as the result for the host to throw.
fn host_error(f: &Fields, out: &mut String) -> Result<()> {
    let code = f.str("code")?;
    if let Some(e) = crate::meaning::host_error(code, f.opt_str("detail")?.unwrap_or_default()) {
        return ok(out, e);
    }
    // Codes worded by the host itself (client, store and routes), with their hint from the full core's table;
    // `case` names which of a code's host-raised cases it is (`invalid_grant`: `needs_reauth`).
    #[cfg(feature = "client")]
    if let Some(e) = crate::meaning::host_hinted(code, f.opt_str("case")?, f.opt_str("message")?) {
        return ok(out, e);
    }
    Err(f.err("code", "a code the host raises"))
}

/// The names of every operation of this build, in table order (tests/js/ops.test.mjs checks the host against it).
/// Names only, written straight into the answer: objects with each row's feature cost the /auth wasm 77 bytes
/// gzipped more, and its budget allows no growth; the features are the table's groups, in this file.
fn list_ops(_: &Fields, out: &mut String) -> Result<()> {
    let mut sep = '[';
    for (_, ops) in TABLE {
        for o in *ops {
            out.push(sep);
            sep = ',';
            crate::json::write_str(out, o.name);
        }
    }
    out.push(']');
    Ok(())
}

// ---- small operations of the full core that are about the table itself ----

/// The code table itself, so that a JS test checks the TypeScript `ErrorCode` union against the source.
#[cfg(feature = "client")]
fn error_codes(_: &str, args: &Args) -> Result<String> {
    // The `Value` path, so that its arguments are still parsed (and refused when they are not JSON).
    args.as_value()?;
    crate::args::reply_value(Value::Array(ErrorCode::ALL.iter().map(|c| Value::String(c.as_str().into())).collect()))
}

#[cfg(feature = "intake")]
fn intakes() -> impl Iterator<Item = &'static Intake> {
    INTAKE.iter().filter_map(|o| match &o.run {
        Run::Encode(i) => Some(*i),
        _ => None,
    })
}

/// `parseIntakeResponse`, for the kinds of this table.
#[cfg(feature = "intake")]
fn parse_intake_response(_: &str, args: &Args) -> Result<String> {
    let kinds: Vec<&str> = intakes().map(|i| i.kind).collect();
    crate::intake::parse_intake_response(args, &kinds)
}

/// `splitSelection`: the halves of a selection of `op`'s items, cut as that encoder's row says.
#[cfg(feature = "intake")]
fn split_selection(_: &str, args: &Value) -> Result<Value> {
    let inner = args.get("op").and_then(Value::as_str).unwrap_or("");
    let shape = match find(inner).map(|o| &o.run) {
        Some(Run::Encode(intake)) => intake.shape(),
        _ => None,
    };
    let shape = shape.ok_or_else(|| Error::invalid_input("select", format!("{inner}() does not take `select`")))?;
    crate::intake::select::split(inner, shape, args)
}

/// `{ [kind]: { op, key, single, auth, compress } }`: what the host's delivery loop needs to know of each intake.
#[cfg(feature = "intake")]
fn intake_kinds(_: &str, _: &Value) -> Result<Value> {
    let mut m = serde_json::Map::new();
    for (op, i) in INTAKE.iter().filter_map(|o| match &o.run {
        Run::Encode(i) => Some((o.name, *i)),
        _ => None,
    }) {
        let spec = serde_json::json!({ "op": op, "key": i.key, "single": i.single, "auth": i.auth, "compress": i.compress });
        m.insert(i.kind.into(), spec);
    }
    Ok(Value::Object(m))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn names_are_unique() {
        let mut names: Vec<&str> = all().map(|(_, o)| o.name).collect();
        let n = names.len();
        names.sort_unstable();
        names.dedup();
        assert_eq!(names.len(), n, "an operation is listed twice");
    }

    #[test]
    fn unknown_operations_are_refused_by_name() {
        for op in ["nope", "", "exchangeCode", "__trap"] {
            let e = run(op, "{}").unwrap_err();
            assert_eq!(e.code, ErrorCode::InvalidInput);
            assert!(e.message.starts_with("unknown operation"), "{op}: {}", e.message);
        }
    }

    #[test]
    fn list_ops_is_the_table() {
        let listed = run("listOps", "{}").unwrap();
        let names: Vec<String> = all().map(|(_, o)| format!("\"{}\"", o.name)).collect();
        assert_eq!(listed, format!("{{\"ok\":[{}]}}", names.join(",")));
        assert!(listed.starts_with("{\"ok\":[\"sites\",\"resolveSite\","), "{listed}");
        assert_eq!(all().filter(|(f, _)| *f == "auth").count(), AUTHORIZATION.len());
        // Its arguments are read like any other's.
        assert_eq!(run("listOps", "[").unwrap_err().code, ErrorCode::InvalidInput);
    }

    #[cfg(feature = "client")]
    #[test]
    fn host_raised_codes_take_their_hint_from_the_core() {
        // Through the one `hostError` operation, as the host calls it (moved here from lifecycle.rs with the operation).
        let v: Value =
            serde_json::from_str(&crate::api::call("hostError", r#"{"code":"authorization_used","message":"the authorization already completed"}"#)).unwrap();
        assert_eq!((v["ok"]["code"].as_str(), v["ok"]["message"].as_str()), (Some("authorization_used"), Some("the authorization already completed")));
        assert!(v["ok"]["hint"].as_str().unwrap().contains("Start again from the integration tile or your Connect button"), "{v}");
        let v: Value = serde_json::from_str(&crate::api::call("hostError", r#"{"code":"invalid_grant"}"#)).unwrap();
        assert_eq!(v["error"]["code"].as_str(), Some("invalid_input"), "only host-raised codes");
    }

    /// The NUL offsets an answer carries are exactly its NULs, for encoders with bodies (verbatim and checked
    /// paths, several batches) and without, and for errors.
    #[cfg(feature = "intake")]
    #[test]
    fn answer_nuls_are_the_nuls() {
        let conn = serde_json::json!({ "site": crate::site::resolve_site("us1").unwrap(), "apiKey": "k".repeat(32) });
        let now = 1_700_000_000_000i64;
        let points: Vec<Value> = (0..20_000).map(|j| serde_json::json!({ "timestamp": now / 1000 - j % 3000, "value": j })).collect();
        let cases = [
            ("encodeMetrics", serde_json::json!({ "connection": conn, "now": now, "series": [{ "metric": "a", "points": [{ "timestamp": now / 1000, "value": 1 }] }] })),
            ("encodeMetrics", serde_json::json!({ "connection": conn, "now": now, "series": [{ "metric": "big", "tags": ["t".repeat(300)], "points": points }] })),
            ("encodeMetrics", serde_json::json!({ "connection": conn, "now": now, "version": 1, "series": [{ "metric": "a", "type": "gauge", "points": [[now / 1000, 1]] }] })),
            ("encodeMetrics", serde_json::json!({ "connection": conn, "now": now, "series": [] })),
            ("encodeLogs", serde_json::json!({ "connection": conn, "now": now, "logs": [{ "message": "a" }, { "message": "b" }] })),
            ("encodeLogs", serde_json::json!({ "connection": conn, "now": now, "logs": 3 })),
            ("sites", serde_json::json!({})),
        ];
        let mut with_bodies = 0;
        for (op, args) in cases {
            let (text, nuls) = match run_answer(op, &args.to_string()) {
                Ok(a) => (a.text, a.nuls),
                Err(_) => continue,
            };
            let found: Vec<usize> = text.match_indices('\0').map(|(i, _)| i).collect();
            assert_eq!(nuls, found, "{op} {}", &text[..text.len().min(200)]);
            with_bodies += usize::from(nuls.len() > 1);
        }
        assert!(with_bodies >= 1, "a split series gives several bodies");
    }

    #[cfg(feature = "intake")]
    #[test]
    fn intake_kinds_come_from_the_rows() {
        let v = intake_kinds("intakeKinds", &Value::Null).unwrap();
        assert_eq!(v["incidents"], serde_json::json!({ "op": "encodeIncident", "key": "incident", "single": true, "auth": "bearer", "compress": false }));
        assert_eq!(v["metrics"]["key"], "series");
        assert_eq!(v.as_object().unwrap().len(), 6);
        // Each kind's op is an encoder of this table.
        for spec in v.as_object().unwrap().values() {
            assert!(matches!(all().find(|(_, o)| o.name == spec["op"]).map(|(_, o)| &o.run), Some(Run::Encode(_))), "{spec}");
        }
    }
}
