//! Paging through Datadog's list endpoints (docs/datadog-behaviour.md §7.1): from one page's answer and the query
//! that fetched it, the page's items, the query of the next page (or none: last page) and how long to wait first.
//! Which fields carry the cursor or offset, and when a page is the last, is Datadog knowledge and lives here.

use crate::error::{Error, ErrorCode, Result};
use crate::http::RateLimit;
use serde::{Deserialize, Serialize};
use serde_json::{Map, Value};

/// Cursor parameter of Datadog's v2 cursor-paged lists (`meta.page.after`, `meta.pagination.next_cursor`).
const CURSOR: &str = "page[cursor]";
/// Offset style (incidents, ...): `page[offset]` + `page[size]`, the next offset in `meta.pagination.next_offset`.
const OFFSET: &str = "page[offset]";
/// Numbered styles: v2 `page[number]` + `page[size]`, v1 `page` + `page_size` (monitors).
const NUMBERED: &[(&str, &str)] = &[("page[number]", "page[size]"), ("page", "page_size")];
const SIZE: &str = "page[size]";

#[derive(Deserialize)]
#[serde(rename_all = "camelCase")]
pub struct PageArgs {
    /// The query that fetched this page (what the host sent).
    #[serde(default)]
    pub query: Map<String, Value>,
    /// The page's JSON body (`parseApiResponse`'s `body`).
    #[serde(default)]
    pub body: Value,
    #[serde(default)]
    pub rate_limit: Option<RateLimit>,
    /// With `deadlineAt`: a wait past the deadline fails at once with `retryAfterMs` (policy 20).
    #[serde(default)]
    pub now: Option<u64>,
    #[serde(default)]
    pub deadline_at: Option<u64>,
}

#[derive(Debug, PartialEq, Serialize)]
#[serde(rename_all = "camelCase")]
pub struct Page {
    pub items: Vec<Value>,
    /// The query of the next page; `null` on the last page.
    pub next: Option<Map<String, Value>>,
    /// How long to wait before asking for the next page: the rate-limit window's reset when none is left.
    pub wait_ms: u64,
}

fn as_count(v: Option<&Value>) -> Option<u64> {
    match v? {
        Value::Number(n) => n.as_u64(),
        Value::String(s) => s.trim().parse().ok(),
        _ => None,
    }
}

fn text(v: Option<&Value>) -> Option<&str> {
    v.and_then(Value::as_str).filter(|s| !s.is_empty())
}

fn invalid(message: &str) -> Error {
    Error::new(
        ErrorCode::InvalidResponse,
        format!("the list page cannot be paged on: {message}"),
        "Check that the path is one of Datadog's paginated list endpoints and that the query names its page parameters (page[cursor], page[offset] + page[size], or page[number] + page[size]).",
    )
}

/// The page's items: `data` (v2), the body itself (v1 lists such as monitors), else none.
fn items_of(body: &Value) -> Result<Vec<Value>> {
    match body {
        Value::Array(a) => Ok(a.clone()),
        Value::Object(o) => match o.get("data") {
            Some(Value::Array(a)) => Ok(a.clone()),
            None | Some(Value::Null) => Ok(Vec::new()),
            Some(_) => Err(invalid("`data` is not a list")),
        },
        Value::Null => Ok(Vec::new()),
        _ => Err(invalid("the body is not JSON")),
    }
}

fn with(query: &Map<String, Value>, key: &str, value: Value) -> Map<String, Value> {
    let mut q = query.clone();
    q.insert(key.to_string(), value);
    q
}

/// Where the next page starts, or `None` on the last page.
fn next_query(query: &Map<String, Value>, body: &Value, count: u64) -> Result<Option<Map<String, Value>>> {
    let meta = body.get("meta");
    let cursor = text(meta.and_then(|m| m.pointer("/page/after"))).or_else(|| text(meta.and_then(|m| m.pointer("/pagination/next_cursor"))));
    if let Some(c) = cursor {
        // An empty page ends the list whatever cursor came with it, and the same cursor twice would loop forever.
        if count == 0 {
            return Ok(None);
        }
        if text(query.get(CURSOR)) == Some(c) {
            return Err(invalid("the server sent the same cursor again"));
        }
        return Ok(Some(with(query, CURSOR, Value::String(c.to_string()))));
    }
    let pagination = meta.and_then(|m| m.get("pagination"));
    if query.contains_key(OFFSET) || as_count(pagination.and_then(|p| p.get("next_offset"))).is_some() {
        let offset = as_count(query.get(OFFSET)).unwrap_or(0);
        let size = as_count(query.get(SIZE)).or_else(|| as_count(pagination.and_then(|p| p.get("size")))).unwrap_or(count);
        if count == 0 || count < size {
            return Ok(None);
        }
        let next = as_count(pagination.and_then(|p| p.get("next_offset"))).filter(|n| *n > offset).unwrap_or(offset + count);
        return Ok(Some(with(query, OFFSET, Value::from(next))));
    }
    for (number, size) in NUMBERED {
        if let Some(n) = query.get(*number) {
            let n = as_count(Some(n)).ok_or_else(|| invalid(&format!("`{number}` is not a number")))?;
            let size = as_count(query.get(*size)).unwrap_or(count);
            if count == 0 || count < size {
                return Ok(None);
            }
            return Ok(Some(with(query, number, Value::from(n + 1))));
        }
    }
    // No paging information: a single-page list.
    Ok(None)
}

pub fn next_page(a: &PageArgs) -> Result<Page> {
    let items = items_of(&a.body)?;
    let next = next_query(&a.query, &a.body, items.len() as u64)?;
    let wait_ms = match (&next, &a.rate_limit) {
        (Some(_), Some(rl)) if rl.remaining == Some(0) => rl.reset.unwrap_or(0).saturating_mul(1000),
        _ => 0,
    };
    if let (Some(_), Some(now), Some(deadline)) = (&next, a.now, a.deadline_at) {
        if wait_ms > 0 && now.saturating_add(wait_ms) > deadline {
            let mut e = Error::new(
                ErrorCode::RateLimited,
                format!("the rate limit's window resets in {wait_ms} ms, after this call's deadline"),
                "Datadog's rate limit for this endpoint is used up; continue the listing after retryAfterMs (or raise the deadline).",
            );
            e.retry_after_ms = Some(wait_ms);
            e.rate_limit = a.rate_limit.clone();
            return Err(e);
        }
    }
    Ok(Page { items, next, wait_ms })
}

#[cfg(test)]
mod tests {
    use super::*;
    use serde_json::json;

    fn page(q: Value, body: Value) -> Result<Page> {
        next_page(&serde_json::from_value(json!({ "query": q, "body": body })).unwrap())
    }

    #[test]
    fn cursor_offset_and_number() {
        let p = page(json!({"page[size]": 2}), json!({"data": [1, 2], "meta": {"page": {"after": "c1"}}})).unwrap();
        assert_eq!(p.next.unwrap()["page[cursor]"], "c1");
        assert!(page(json!({"page[offset]": 0, "page[size]": 2}), json!({"data": [1]})).unwrap().next.is_none());
        let p = page(json!({"page": 0, "page_size": 2}), json!([1, 2])).unwrap();
        assert_eq!(p.next.unwrap()["page"], 1);
        assert_eq!(page(json!({"page[cursor]": "c"}), json!({"data": [1], "meta": {"page": {"after": "c"}}})).unwrap_err().code, ErrorCode::InvalidResponse);
    }
}
