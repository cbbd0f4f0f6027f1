//! Reading Datadog's answers tolerantly: error bodies come as OAuth JSON `{error, error_description}`,
//! API JSON `{"errors": [...]}` (strings or `{title, detail}` objects), form-encoded, or plain text, and
//! sometimes with a 200 status. Every non-success becomes one typed `Error` with status, hint and a redacted excerpt;
//! what the answer means (code, hint) is looked up in `meaning`'s table, for the call it answers (`Context`).

use crate::error::Error;
use crate::http::HttpResponse;
pub use crate::meaning::Context;
use crate::meaning::{by_status, documented, from_oauth, in_context};
use crate::redact::quote;
/// Bodies are excerpted by `redact` (named here too, for the intake's and the fuzz targets' existing calls).
pub use crate::redact::redacted_excerpt;
use serde_json::Value;

/// What an error body said, whatever its format.
#[derive(Clone, Debug, Default, PartialEq)]
pub struct ErrorBody {
    pub error: Option<String>,
    pub description: Option<String>,
    pub errors: Vec<String>,
}

fn text_of(v: &Value) -> Option<String> {
    match v {
        Value::String(s) => Some(s.clone()),
        Value::Object(o) => {
            let parts: Vec<String> = ["title", "detail", "message"].iter().filter_map(|k| o.get(*k).and_then(Value::as_str)).map(str::to_string).collect();
            (!parts.is_empty()).then(|| parts.join(": "))
        }
        _ => None,
    }
}

pub fn parse_error_body(body: &str) -> ErrorBody {
    let trimmed = body.trim();
    if let Ok(Value::Object(o)) = serde_json::from_str::<Value>(trimmed) {
        let error = o.get("error").and_then(text_of);
        let description = o.get("error_description").and_then(Value::as_str).map(str::to_string);
        let errors = match o.get("errors") {
            Some(Value::Array(a)) => a.iter().filter_map(text_of).collect(),
            Some(v) => text_of(v).into_iter().collect(),
            None => Vec::new(),
        };
        return ErrorBody { error, description, errors };
    }
    if trimmed.contains("error=") && !trimmed.contains(' ') {
        let mut eb = ErrorBody::default();
        for (k, v) in form_urlencoded::parse(trimmed.as_bytes()) {
            match &*k {
                "error" => eb.error = Some(v.into_owned()),
                "error_description" => eb.description = Some(v.into_owned()),
                _ => {}
            }
        }
        if eb.error.is_some() {
            return eb;
        }
    }
    if trimmed.is_empty() {
        ErrorBody::default()
    } else {
        ErrorBody { errors: vec![trimmed.chars().take(300).collect()], ..Default::default() }
    }
}

/// Milliseconds to wait from a `Retry-After` header given in seconds (HTTP dates are not used by Datadog's APIs
/// as far as documented; they are ignored and the caller falls back to other signals).
pub fn retry_after_ms(resp: &HttpResponse) -> Option<u64> {
    resp.header("retry-after").and_then(|v| v.trim().parse::<f64>().ok()).filter(|s| s.is_finite() && *s >= 0.0).map(|s| (s * 1000.0) as u64)
}

/// The typed error for any non-success response to an API call (or a success status whose body is an OAuth error).
pub fn http_error(resp: &HttpResponse) -> Error {
    error_for(Context::Api, resp)
}

/// The typed error for a non-success answer to `ctx`'s call: Datadog's OAuth error or documented words first, else
/// what the status means for this call; then the meaning the call gives the answer whatever it said (`in_context`).
pub fn error_for(ctx: Context, resp: &HttpResponse) -> Error {
    let body = parse_error_body(&resp.body);
    let summary = if !body.errors.is_empty() { body.errors.join("; ") } else { body.description.clone().unwrap_or_default() };
    let mut err = if let Some(e) = &body.error {
        from_oauth(e, body.description.as_deref())
    } else if let Some((code, hint)) = documented(&summary) {
        Error::new(code, format!("Datadog answered {}", quote(&redacted_excerpt(&summary))), hint)
    } else {
        let (code, hint, blank) = by_status(ctx, resp.status, &summary);
        let what = if summary.is_empty() { format!("HTTP {}", resp.status) } else { format!("HTTP {}: {}", resp.status, quote(&redacted_excerpt(&summary))) };
        let message = match blank {
            Some(m) if resp.body.trim().is_empty() => m.to_string(),
            _ => format!("Datadog answered {what}"),
        };
        Error::new(code, message, hint)
    };
    if let Some((code, hint, reword)) = in_context(ctx, resp.status, err.code) {
        err.code = code;
        err.hint = hint.into();
        if let Some(r) = reword {
            let said = if body.errors.is_empty() { body.description.clone().or(body.error.clone()).unwrap_or_default() } else { body.errors.join("; ") };
            err.message = if said.is_empty() { format!("{}: {}", r.prefix, r.blank) } else { format!("{}: {}", r.prefix, quote(&redacted_excerpt(&said))) };
        }
    }
    err.status = Some(resp.status);
    err.rate_limit = resp.rate_limit();
    // A 429 without Retry-After still says when its quota window resets (policy 11: the caller schedules from it).
    err.retry_after_ms =
        retry_after_ms(resp).or_else(|| err.rate_limit.as_ref().and_then(|r| r.reset).filter(|_| resp.status == 429).map(|s| s.saturating_mul(1000)));
    if !resp.body.is_empty() {
        err.body = Some(redacted_excerpt(&resp.body));
    }
    err
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::error::ErrorCode;
    fn resp(status: u16, body: &str) -> HttpResponse {
        HttpResponse { status, headers: Default::default(), body: body.into() }
    }
    #[test]
    fn shapes() {
        assert_eq!(http_error(&resp(400, r#"{"error":"invalid_grant","error_description":"Invalid code or code verifier"}"#)).code, ErrorCode::InvalidGrant);
        assert_eq!(http_error(&resp(403, r#"{"errors":["Forbidden"]}"#)).code, ErrorCode::Forbidden);
        assert_eq!(http_error(&resp(400, "error=invalid_request&error_description=Mismatching+redirect+URI")).code, ErrorCode::RedirectUriMismatch);
        assert_eq!(http_error(&resp(400, "invalid_request - Invalid client_id parameter value")).code, ErrorCode::InvalidClient);
        assert_eq!(http_error(&resp(502, "Bad gateway")).code, ErrorCode::ServerError);
        assert_eq!(
            http_error(&resp(400, r#"{"errors":[{"status":"400","title":"Bad Request","detail":"bad ddtags"}]}"#)).message,
            "Datadog answered HTTP 400: \"Bad Request: bad ddtags\""
        );
        assert_eq!(http_error(&resp(401, "")).code, ErrorCode::Unauthorized);
    }
    #[test]
    fn excerpt_hides_tokens() {
        let e = http_error(&resp(400, r#"{"errors":["bad token ddsbx_at_9f8e7d6c5b4a39281706f5e4"]}"#));
        assert!(!e.body.as_deref().unwrap().contains("9f8e7d6c5b4a"));
        assert!(!e.message.contains("9f8e7d6c5b4a"), "{}", e.message);
        assert!(e.message.contains("bad token ***"));
    }

    #[test]
    fn each_call_words_the_same_answer_its_own_way() {
        let bare = resp(401, "");
        let api = http_error(&bare);
        assert_eq!((api.code, api.message.as_str()), (ErrorCode::Unauthorized, "Datadog answered HTTP 401"));
        assert!(api.hint.starts_with("The access token is expired"));
        let token = error_for(Context::Token, &bare);
        assert_eq!((token.code, token.message.as_str()), (ErrorCode::InvalidClient, "the token endpoint answered 401 Unauthorized"));
        // Only a blank body gets the token endpoint's own sentence; `{}` says nothing, but it is not blank.
        assert_eq!(error_for(Context::Refresh, &resp(401, "{}")).message, "Datadog answered HTTP 401");
        let revoke = error_for(Context::Revoke, &bare);
        assert_eq!((revoke.code, revoke.message.as_str()), (ErrorCode::InvalidClient, "Datadog answered HTTP 401"));
        assert!(revoke.hint.starts_with("The revocation was not authenticated"));
        // An OAuth error body wins over the status, in every context.
        assert_eq!(error_for(Context::Token, &resp(401, r#"{"error":"invalid_client"}"#)).code, ErrorCode::InvalidClient);
        assert_eq!(error_for(Context::Revoke, &resp(401, r#"{"error":"access_denied"}"#)).code, ErrorCode::AccessDenied);

        let conflict = error_for(Context::ApiKey, &resp(409, r#"{"errors":["An API key with this name already exists"]}"#));
        assert_eq!(
            (conflict.code, conflict.message.as_str()),
            (ErrorCode::ApiKeyExists, "Datadog answered 409 Conflict: \"An API key with this name already exists\"")
        );
        assert_eq!(error_for(Context::ApiKey, &resp(409, "")).message, "Datadog answered 409 Conflict: an API key for this integration already exists");
        assert_eq!(error_for(Context::ApiKey, &resp(409, r#"{"error":"x_y"}"#)).message, "Datadog answered 409 Conflict: \"x_y\"");
        assert_eq!(http_error(&resp(409, "")).code, ErrorCode::HttpError, "a conflict elsewhere is no key");
        assert!(error_for(Context::ApiKey, &resp(403, r#"{"error":"invalid_scope"}"#)).hint.contains("api_keys_write"));

        // The refresh's own hint for a refused refresh token, whatever carried the invalid_grant.
        for r in [resp(400, r#"{"error":"invalid_grant"}"#), resp(200, r#"{"error":"invalid_grant"}"#), resp(400, "Invalid code or code verifier")] {
            let e = error_for(Context::Refresh, &r);
            assert_eq!(e.code, ErrorCode::InvalidGrant);
            assert!(e.hint.contains("from the integration tile"), "{}", e.hint);
            assert!(!error_for(Context::Token, &r).hint.contains("from the integration tile"));
        }
        let otlp = error_for(Context::OtlpTraces, &resp(403, r#"{"errors":["Forbidden"]}"#));
        assert_eq!((otlp.code, otlp.status), (ErrorCode::TracesNotEnabled, Some(403)));
        assert_eq!(error_for(Context::OtlpTraces, &resp(400, "")).code, ErrorCode::BadRequest);
    }

    #[test]
    fn hostile_bodies_stay_bounded_and_redacted_in_every_context() {
        let huge = format!("{{\"errors\":[\"{}\\u001b[2J ddsbx_at_9f8e7d6c5b4a39281706f5e4\"]}}", "x".repeat(1 << 20));
        for ctx in [Context::Api, Context::Token, Context::Refresh, Context::Revoke, Context::ApiKey, Context::OtlpTraces] {
            for status in [400, 401, 403, 409, 500] {
                let e = error_for(ctx, &resp(status, &huge));
                assert!(e.message.len() < 400 && e.body.as_ref().unwrap().chars().count() <= 301, "{ctx:?} {status}");
                assert!(!e.message.contains('\u{1b}') && !e.body.as_ref().unwrap().contains('\u{1b}'));
            }
        }
        let e = error_for(Context::ApiKey, &resp(409, r#"{"errors":["key ddsbx_at_9f8e7d6c5b4a39281706f5e4 exists"]}"#));
        assert!(!e.message.contains("9f8e7d6c5b4a") && !e.body.unwrap().contains("9f8e7d6c5b4a"));
    }
}
