//! JSON operations of the token lifecycle (exchange, refresh, revoke, marketplace API key, retry decisions).
//! Placeholder until the token-lifecycle work lands: knows no operation yet.

use crate::error::Result;
use serde_json::Value;

pub fn dispatch(_op: &str, _args: &Value) -> Option<Result<Value>> {
    None
}
