//! The one source of randomness: the platform CSPRNG (`getrandom`; `crypto.getRandomValues` in wasm).
//! Everything random in the crate goes through `fill`, and every consumer also has a `from_bytes`
//! form so tests can be deterministic.

use crate::error::{Error, ErrorCode, Result};

pub fn fill(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| {
        Error::new(ErrorCode::InvalidInput, "the platform has no secure random number generator", "Run in a browser, worker or Node with Web Crypto available.")
    })
}

pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    fill(&mut b)?;
    Ok(b)
}
