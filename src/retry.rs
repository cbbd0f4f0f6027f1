//! Whether and when to send a request again (policy 11): a pure function of the outcome, the headers, the attempt
//! number, the request's replay class and the call's deadline. The host only waits; time (`now`, `deadline`) and
//! jitter (`random`) come in as arguments, so every decision is reproducible in tests.

use crate::error::{Error, ErrorCode, Result};
use crate::http::Replay;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::BTreeMap;

pub const DEFAULT_BASE_MS: u64 = 500;
pub const DEFAULT_CAP_MS: u64 = 30_000;
pub const DEFAULT_MAX_ATTEMPTS: u32 = 5;
/// A server asking for a longer wait than this is reported rather than obeyed: no caller wants a hidden 1-hour sleep.
pub const DEFAULT_MAX_SERVER_DELAY_MS: u64 = 5 * 60 * 1000;
/// One call's whole budget, all attempts and waits together (policy 11, 20): the host's `retry.deadlineMs` default.
pub const DEFAULT_DEADLINE_MS: u64 = 60_000;

#[derive(Clone, Debug, Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct RetryInput {
    /// `None` for a network error or a dropped connection: the outcome is unknown.
    #[serde(default)]
    pub status: Option<u16>,
    /// Header values as the host has them; numbers are accepted too.
    #[serde(default)]
    pub headers: BTreeMap<String, Value>,
    /// 1 for the first retry.
    pub attempt: u32,
    #[serde(deserialize_with = "replay_as_from_value")]
    pub replay: Replay,
    /// In [0, 1): the jitter source.
    pub random: f64,
    /// Milliseconds since the epoch; needed to read a `Retry-After` HTTP date and to keep the deadline.
    #[serde(default)]
    pub now: Option<u64>,
    /// When the whole call must be over (ms since the epoch, with `now`): no wait or retry may end after it.
    #[serde(default)]
    pub deadline: Option<u64>,
    #[serde(default)]
    pub base_ms: Option<u64>,
    #[serde(default)]
    pub cap_ms: Option<u64>,
    #[serde(default)]
    pub max_attempts: Option<u32>,
    #[serde(default)]
    pub max_server_delay_ms: Option<u64>,
}

/// `replay` worded as `from_value` worded it: retryDecision's arguments are read by the text decoder now
/// (`args::input`), whose enum errors differ ("expected value" for what `from_value` calls "invalid type: null,
/// expected string or map"); `args::tests::input_reads_as_from_value` holds them to the same answers.
fn replay_as_from_value<'de, D: serde::Deserializer<'de>>(d: D) -> std::result::Result<Replay, D::Error> {
    let v = Value::deserialize(d)?;
    Replay::deserialize(&v).map_err(serde::de::Error::custom)
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Reason {
    // Retrying.
    NetworkError,
    RequestTimeout,
    RateLimited,
    ServerError,
    // Not retrying.
    Success,
    NotRetryable,
    ReplayNever,
    CreateNotSafe,
    MaxAttempts,
    DelayTooLong,
    /// The next wait would end after the call's deadline.
    Deadline,
    /// A single-use request (Replay::Once) failed in a way that would otherwise be retried; see `error`.
    SingleUse,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum DelaySource {
    RetryAfter,
    RateLimitReset,
    Backoff,
}

#[derive(Clone, Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Decision {
    pub retry: bool,
    pub delay_ms: u64,
    pub reason: Reason,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub source: Option<DelaySource>,
    /// The error the host throws instead of handing the response to a parser (single-use requests).
    #[serde(skip_serializing_if = "Option::is_none")]
    pub error: Option<Error>,
}

fn stop(reason: Reason) -> Decision {
    Decision { retry: false, delay_ms: 0, reason, source: None, error: None }
}

/// The authorization code may have been consumed by a request whose answer we never saw (or a 5xx), and a 429
/// leaves too little of a code's short life to be worth the wait: either way the user starts again.
fn exchange_interrupted(input: &RetryInput) -> Error {
    let what = match input.status {
        None => "got no answer (network failure or timeout)".to_string(),
        Some(s) => format!("was answered HTTP {s}"),
    };
    let mut e = Error::new(
        ErrorCode::ExchangeInterrupted,
        format!("the authorization-code exchange {what}; the code is single-use and may already have been used, so it was not sent again"),
        "Start the authorization again (send the user back to Datadog's authorize page, or the integration tile): a new code is needed.",
    );
    e.status = input.status;
    e.retry_after_ms = server_delay(input).map(|(ms, _)| ms);
    e
}

fn header(h: &BTreeMap<String, Value>, name: &str) -> Option<String> {
    h.iter().find(|(k, _)| k.eq_ignore_ascii_case(name)).and_then(|(_, v)| match v {
        Value::String(s) => Some(s.trim().to_string()),
        Value::Number(n) => Some(n.to_string()),
        _ => None,
    })
}

fn seconds_ms(text: &str) -> Option<u64> {
    let s: f64 = text.parse().ok()?;
    (s.is_finite() && s >= 0.0).then(|| (s * 1000.0).min(u64::MAX as f64 / 2.0) as u64)
}

/// Days since 1970-01-01 for a proleptic Gregorian date (H. Hinnant's days_from_civil).
fn days_from_civil(y: i64, m: i64, d: i64) -> i64 {
    let y = if m <= 2 { y - 1 } else { y };
    let era = y.div_euclid(400);
    let yoe = y - era * 400;
    let doy = (153 * (m + if m > 2 { -3 } else { 9 }) + 2) / 5 + d - 1;
    let doe = yoe * 365 + yoe / 4 - yoe / 100 + doy;
    era * 146_097 + doe - 719_468
}

/// An IMF-fixdate (`Sun, 06 Nov 1994 08:49:37 GMT`, RFC 9110 §5.6.7) as ms since the epoch; the obsolete
/// RFC 850 and asctime forms are not produced by any current server, so they count as unreadable.
pub fn http_date_ms(text: &str) -> Option<u64> {
    let parts: Vec<&str> = text.split_whitespace().collect();
    let [_, day, mon, year, time, "GMT"] = parts.as_slice() else { return None };
    const MONTHS: [&str; 12] = ["jan", "feb", "mar", "apr", "may", "jun", "jul", "aug", "sep", "oct", "nov", "dec"];
    let m = MONTHS.iter().position(|x| x.eq_ignore_ascii_case(mon))? as i64 + 1;
    let d: i64 = day.parse().ok().filter(|d| (1..=31).contains(d))?;
    let y: i64 = year.parse().ok().filter(|y| (1970..=9999).contains(y))?;
    let hms: Vec<i64> = time.split(':').map(|p| p.parse().ok()).collect::<Option<_>>()?;
    let [h, mi, s] = hms.as_slice() else { return None };
    if !(0..24).contains(h) || !(0..60).contains(mi) || !(0..61).contains(s) {
        return None;
    }
    let secs = days_from_civil(y, m, d) * 86_400 + h * 3600 + mi * 60 + s;
    u64::try_from(secs).ok().map(|s| s * 1000)
}

/// The wait the server asked for, if it said: `Retry-After` (seconds or a date), else for a 429 the rate
/// limit's reset. `X-RateLimit-Reset` describes the quota window, so it says nothing about a 5xx.
fn server_delay(input: &RetryInput) -> Option<(u64, DelaySource)> {
    if let Some(v) = header(&input.headers, "retry-after") {
        if let Some(ms) = seconds_ms(&v) {
            return Some((ms, DelaySource::RetryAfter));
        }
        if let (Some(at), Some(now)) = (http_date_ms(&v), input.now) {
            return Some((at.saturating_sub(now), DelaySource::RetryAfter));
        }
    }
    if input.status == Some(429) {
        if let Some(ms) = header(&input.headers, "x-ratelimit-reset").and_then(|v| seconds_ms(&v)) {
            return Some((ms, DelaySource::RateLimitReset));
        }
    }
    None
}

/// Full jitter (AWS architecture blog, "Exponential Backoff And Jitter"): spreads retrying clients out.
fn backoff_ms(attempt: u32, base: u64, cap: u64, random: f64) -> u64 {
    let exp = (base as f64) * 2f64.powi(attempt.saturating_sub(1).min(62) as i32);
    (random * exp.min(cap as f64)).floor() as u64
}

pub fn decide(input: &RetryInput) -> Result<Decision> {
    if !(0.0..1.0).contains(&input.random) {
        return Err(Error::invalid_input("random", "`random` must be a number in [0, 1)"));
    }
    if input.attempt == 0 {
        return Err(Error::invalid_input("attempt", "`attempt` counts retries from 1"));
    }
    let reason = match input.status {
        None => Reason::NetworkError,
        Some(200..=299) => return Ok(stop(Reason::Success)),
        Some(408) => Reason::RequestTimeout,
        Some(429) => Reason::RateLimited,
        Some(500..=599) => Reason::ServerError,
        Some(_) => return Ok(stop(Reason::NotRetryable)),
    };
    match input.replay {
        Replay::Never => return Ok(stop(Reason::ReplayNever)),
        Replay::Once => return Ok(Decision { error: Some(exchange_interrupted(input)), ..stop(Reason::SingleUse) }),
        // Only a 429 says the request was not processed; after a timeout, 5xx or lost connection the thing
        // may exist already, and creating it twice is worse than reporting the failure.
        Replay::CreateOnce if reason != Reason::RateLimited => return Ok(stop(Reason::CreateNotSafe)),
        _ => {}
    }
    if input.attempt > input.max_attempts.unwrap_or(DEFAULT_MAX_ATTEMPTS) {
        return Ok(stop(Reason::MaxAttempts));
    }
    // What is left of the call; a wait that would end at or after the deadline is not started.
    let left = match (input.deadline, input.now) {
        (Some(d), Some(now)) => Some(d.saturating_sub(now)),
        (Some(_), None) => return Err(Error::invalid_input("now", "`deadline` needs `now`")),
        _ => None,
    };
    let past = |ms: u64| left.is_some_and(|l| ms >= l);
    if let Some((ms, source)) = server_delay(input) {
        if ms > input.max_server_delay_ms.unwrap_or(DEFAULT_MAX_SERVER_DELAY_MS) || past(ms) {
            return Ok(Decision { source: Some(source), delay_ms: ms, ..stop(Reason::DelayTooLong) });
        }
        return Ok(Decision { retry: true, delay_ms: ms, reason, source: Some(source), error: None });
    }
    let ms = backoff_ms(input.attempt, input.base_ms.unwrap_or(DEFAULT_BASE_MS), input.cap_ms.unwrap_or(DEFAULT_CAP_MS), input.random);
    if past(ms) {
        return Ok(Decision { source: Some(DelaySource::Backoff), delay_ms: ms, ..stop(Reason::Deadline) });
    }
    Ok(Decision { retry: true, delay_ms: ms, reason, source: Some(DelaySource::Backoff), error: None })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn decide_json(v: Value) -> Decision {
        decide(&serde_json::from_value(v).unwrap()).unwrap()
    }

    #[test]
    fn http_dates() {
        assert_eq!(http_date_ms("Sun, 06 Nov 1994 08:49:37 GMT"), Some(784_111_777_000));
        assert_eq!(http_date_ms("Thu, 01 Jan 1970 00:00:00 GMT"), Some(0));
        assert_eq!(http_date_ms("Sunday, 06-Nov-94 08:49:37 GMT"), None);
        assert_eq!(http_date_ms("Sun, 06 Nov 1994 25:49:37 GMT"), None);
    }

    #[test]
    fn backoff_is_capped_and_jittered() {
        assert_eq!(backoff_ms(1, 500, 30_000, 0.5), 250);
        assert_eq!(backoff_ms(4, 500, 30_000, 0.999), 3996);
        assert_eq!(backoff_ms(200, 500, 30_000, 0.5), 15_000);
    }

    #[test]
    fn classes() {
        let d = decide_json(json!({"status": 503, "attempt": 1, "replay": "create_once", "random": 0.1}));
        assert_eq!((d.retry, d.reason), (false, Reason::CreateNotSafe));
        let d = decide_json(json!({"status": 429, "attempt": 1, "replay": "create_once", "random": 0.1, "headers": {"X-RateLimit-Reset": 3}}));
        assert_eq!((d.retry, d.delay_ms, d.source), (true, 3000, Some(DelaySource::RateLimitReset)));
        let d = decide_json(json!({"attempt": 6, "replay": "retry", "random": 0.1}));
        assert_eq!(d.reason, Reason::MaxAttempts);
        assert!(decide(&serde_json::from_value(json!({"attempt": 1, "replay": "retry", "random": 1.0})).unwrap()).is_err());
    }

    #[test]
    fn the_deadline_bounds_every_wait() {
        // 120 s is under the 5-minute cap but past a 60 s deadline: fails at once, saying how long to wait.
        let d = decide_json(
            json!({"status": 429, "attempt": 1, "replay": "retry", "random": 0.1, "headers": {"retry-after": "120"}, "now": 1000, "deadline": 61_000}),
        );
        assert_eq!((d.retry, d.reason, d.delay_ms), (false, Reason::DelayTooLong, 120_000));
        let d = decide_json(
            json!({"status": 429, "attempt": 1, "replay": "retry", "random": 0.1, "headers": {"retry-after": "59"}, "now": 1000, "deadline": 61_000}),
        );
        assert!(d.retry);
        // Backoff that would end after the deadline stops instead.
        let d = decide_json(json!({"status": 503, "attempt": 3, "replay": "retry", "random": 0.9, "now": 60_000, "deadline": 61_000}));
        assert_eq!((d.retry, d.reason), (false, Reason::Deadline));
        let d = decide_json(json!({"status": 503, "attempt": 1, "replay": "retry", "random": 0.5, "now": 1000, "deadline": 61_000}));
        assert!(d.retry);
        assert!(decide(&serde_json::from_value(json!({"status": 503, "attempt": 1, "replay": "retry", "random": 0.5, "deadline": 5})).unwrap()).is_err());
    }

    #[test]
    fn single_use_is_never_resent() {
        for (status, headers) in [(Value::Null, json!({})), (json!(503), json!({})), (json!(408), json!({})), (json!(429), json!({"retry-after": "1"}))] {
            let d = decide_json(json!({"status": status, "headers": headers, "attempt": 1, "replay": "once", "random": 0.1}));
            assert_eq!((d.retry, d.reason), (false, Reason::SingleUse));
            let e = d.error.unwrap();
            assert_eq!(e.code, ErrorCode::ExchangeInterrupted);
            assert!(e.hint.contains("Start the authorization again"));
            assert_eq!(e.status, status.as_u64().map(|s| s as u16));
        }
        let d = decide_json(json!({"status": 400, "attempt": 1, "replay": "once", "random": 0.1}));
        assert_eq!((d.retry, d.reason, d.error), (false, Reason::NotRetryable, None));
    }
}
