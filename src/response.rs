//! Reading Datadog's answers tolerantly: error bodies come as OAuth JSON `{error, error_description}`,
//! API JSON `{"errors": [...]}` (strings or `{title, detail}` objects), form-encoded, or plain text, and
//! sometimes with a 200 status. Every non-success becomes one typed `Error` with status, hint and a redacted excerpt.

use crate::error::{quote, Error, ErrorCode};
use crate::http::HttpResponse;
use crate::oauth_error::{documented, from_oauth};
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

/// A short excerpt of a body for an error, with anything token-like replaced: long runs of token characters
/// mixing letters and digits (access tokens, API keys, codes) become `***`, so an echoing server cannot leak a secret into our errors.
pub fn redacted_excerpt(body: &str) -> String {
    const MAX: usize = 300;
    let mut out = String::new();
    let mut run = String::new();
    let flush = |run: &mut String, out: &mut String| {
        let token_like = run.len() >= 20 && run.bytes().any(|b| b.is_ascii_digit()) && run.bytes().any(|b| b.is_ascii_alphabetic());
        if token_like {
            out.push_str("***");
        } else {
            out.push_str(run);
        }
        run.clear();
    };
    for c in body.chars().take(MAX * 4) {
        if c.is_ascii_alphanumeric() || matches!(c, '_' | '-' | '.' | '~' | '+' | '/' | '=') {
            run.push(c);
        } else {
            flush(&mut run, &mut out);
            out.push(if c.is_control() { ' ' } else { c });
        }
    }
    flush(&mut run, &mut out);
    if out.chars().count() > MAX {
        out = out.chars().take(MAX).collect::<String>() + "…";
    }
    out
}

/// Milliseconds to wait from a `Retry-After` header given in seconds (HTTP dates are not used by Datadog's APIs
/// as far as documented; they are ignored and the caller falls back to other signals).
pub fn retry_after_ms(resp: &HttpResponse) -> Option<u64> {
    resp.header("retry-after").and_then(|v| v.trim().parse::<f64>().ok()).filter(|s| s.is_finite() && *s >= 0.0).map(|s| (s * 1000.0) as u64)
}

/// The typed error for any non-success response (or a success status whose body is an OAuth error).
pub fn http_error(resp: &HttpResponse) -> Error {
    let body = parse_error_body(&resp.body);
    let summary = if !body.errors.is_empty() { body.errors.join("; ") } else { body.description.clone().unwrap_or_default() };
    let mut err = if let Some(e) = &body.error {
        from_oauth(e, body.description.as_deref())
    } else if let Some((code, hint)) = documented(&summary) {
        Error::new(code, format!("Datadog answered {}", quote(&redacted_excerpt(&summary))), hint)
    } else {
        let (code, hint) = status_meaning(resp.status, &summary);
        let what = if summary.is_empty() { format!("HTTP {}", resp.status) } else { format!("HTTP {}: {}", resp.status, quote(&redacted_excerpt(&summary))) };
        Error::new(code, format!("Datadog answered {what}"), hint)
    };
    // A 401 from the token endpoint without an OAuth error code is the documented "client_secret missing" case.
    if resp.status == 401 && err.code == ErrorCode::Unauthorized && body.error.is_none() {
        err.hint = "The access token is expired or revoked (refresh it), or, at the token endpoint, the client_secret is missing or wrong.".into();
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

fn status_meaning(status: u16, summary: &str) -> (ErrorCode, &'static str) {
    match status {
        400 => (ErrorCode::BadRequest, "Datadog rejected the request as malformed; the message says which field."),
        401 => (ErrorCode::Unauthorized, ""),
        403 if summary.eq_ignore_ascii_case("forbidden") || summary.is_empty() => (
            ErrorCode::Forbidden,
            "Datadog answered Forbidden: the token lacks the OAuth scope this endpoint needs (the client's scopes in the Developer Platform, and what the user granted), or the token or API key is invalid, expired or for another site, or an application key was sent instead of a Bearer token. Check the granted scopes and the connection's site, refresh the token, or create the API key again.",
        ),
        403 => (ErrorCode::Forbidden, "The credentials lack permission for this call (a missing OAuth scope, or an API key where a token is needed)."),
        404 => (ErrorCode::NotFound, "The path does not exist on this site's API host."),
        408 => (ErrorCode::RequestTimeout, "Datadog timed out reading the request; it can be sent again."),
        409 => (ErrorCode::HttpError, "Datadog reports a conflict with existing state."),
        413 => (ErrorCode::PayloadTooLarge, "The request body is over Datadog's size limit; send fewer items per request."),
        429 => (ErrorCode::RateLimited, "Datadog's rate limit was hit; wait for the reset (see rateLimit) before sending again."),
        500..=599 => (ErrorCode::ServerError, "Datadog had a problem; the request can be tried again later."),
        _ => (ErrorCode::HttpError, "An unexpected HTTP status; see the status and body."),
    }
}

#[cfg(test)]
mod tests {
    use super::*;
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
        assert_eq!(redacted_excerpt("unsupported_response_type"), "unsupported_response_type");
    }
}
