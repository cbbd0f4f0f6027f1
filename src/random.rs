//! The one source of randomness: the platform CSPRNG (`getrandom`; `crypto.getRandomValues` in wasm).
//! Everything random in the crate goes through `fill`, and every consumer also has a `from_bytes`
//! form so tests can be deterministic. Small requests are served from a pool refilled 4 KB at a time:
//! one `getRandomValues` call costs about 2 µs in Node, a third of a whole PKCE pair.

use crate::error::{Error, ErrorCode, Result};
use std::cell::RefCell;

const POOL: usize = 4096;

struct Pool {
    bytes: [u8; POOL],
    next: usize,
}

thread_local! {
    static POOLED: RefCell<Pool> = const { RefCell::new(Pool { bytes: [0; POOL], next: POOL }) };
}

fn platform(buf: &mut [u8]) -> Result<()> {
    getrandom::fill(buf).map_err(|_| {
        Error::new(ErrorCode::InvalidInput, "the platform has no secure random number generator", "Run in a browser, worker or Node with Web Crypto available.")
    })
}

pub fn fill(buf: &mut [u8]) -> Result<()> {
    if buf.len() > POOL / 4 {
        return platform(buf);
    }
    POOLED.with(|cell| {
        let mut pool = cell.borrow_mut();
        if pool.next + buf.len() > POOL {
            platform(&mut pool.bytes)?;
            pool.next = 0;
        }
        let range = pool.next..pool.next + buf.len();
        buf.copy_from_slice(&pool.bytes[range.clone()]);
        // Bytes handed out are wiped from the pool, so nothing in memory can replay an earlier state or verifier.
        pool.bytes[range].fill(0);
        pool.next += buf.len();
        Ok(())
    })
}

pub fn bytes<const N: usize>() -> Result<[u8; N]> {
    let mut b = [0u8; N];
    fill(&mut b)?;
    Ok(b)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn pooled_bytes_are_never_handed_out_twice() {
        let mut seen = std::collections::HashSet::new();
        for _ in 0..(3 * POOL / 32) {
            assert!(seen.insert(bytes::<32>().unwrap()), "a 32-byte draw repeated");
        }
        let mut big = vec![0u8; POOL];
        fill(&mut big).unwrap();
        assert!(big.iter().any(|b| *b != 0));
    }
}
