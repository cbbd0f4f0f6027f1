//! Arguments and results of the serde-read operations (token lifecycle, intake): an operation's arguments decoded
//! from a `Value` with a typed `invalid_input` naming the operation, and a result encoded back to a `Value`. Below
//! both `lifecycle` and `intake` (and the `ops` table above them), so none of them imports another's plumbing.

use crate::error::{Error, ErrorCode, Result};
use serde::de::DeserializeOwned;
use serde_json::Value;

/// Arguments that are not what `op` takes (or not JSON at all).
pub(crate) fn bad_args(op: &str, e: serde_json::Error) -> Error {
    // serde's message names the field and the expected type; it may quote a wrong value, which is the
    // caller's own argument, never a server response.
    Error::new(ErrorCode::InvalidInput, format!("{op}: {e}"), format!("Check the arguments of {op}() against the API reference."))
}

/// Decode an operation's arguments (or a part of them, named by `op`) from a `Value`.
pub(crate) fn input<T: DeserializeOwned>(op: &str, v: &Value) -> Result<T> {
    T::deserialize(v).map_err(|e| bad_args(op, e))
}

/// An operation's result as a `Value`.
#[cfg(feature = "client")]
pub(crate) fn out<T: serde::Serialize>(v: T) -> Result<Value> {
    serde_json::to_value(v).map_err(|e| Error::new(ErrorCode::InvalidInput, format!("could not encode the result: {e}"), "This is a bug; please report it."))
}
