//! JSON operations of data intake (metrics, logs, events, service checks, incidents, traces).
//! Placeholder until the intake work lands: knows no operation yet.

use crate::error::Result;
use serde_json::Value;

pub fn dispatch(_op: &str, _args: &Value) -> Option<Result<Value>> {
    None
}
