//! The one source of randomness: the platform CSPRNG (`getrandom`; `crypto.getRandomValues` in wasm).
//! Everything random in the crate goes through `fill`; tests make it deterministic with `script` (one thread-local
//! check per draw in shipped code), and every consumer also has a `from_bytes` form. Small requests are served
//! from a pool refilled 4 KB at a time: one `getRandomValues` call costs about 2 µs in Node, a third of a PKCE pair.

use crate::error::{Error, ErrorCode, Result};
use std::cell::{Cell, RefCell};

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

thread_local! {
    /// Bytes a test scripted (see `script`), served before the platform is asked; `None` in every shipped use.
    static SCRIPTED: Cell<Option<Vec<u8>>> = const { Cell::new(None) };
}

/// Serve the next `fill`s on this thread from `bytes`, in order, until the guard is dropped: the seam that lets the
/// shared vectors run `startAuthorization`, `createPkce` and `createState` through `api::call` and compare exact
/// URLs. Nothing reachable from the JSON surface or the JS host installs it; a draw past the end of the script is an
/// error, never a fallback to the platform, so a vector cannot silently test random output.
#[doc(hidden)]
pub fn script(bytes: impl Into<Vec<u8>>) -> Scripted {
    let mut bytes = bytes.into();
    bytes.reverse();
    set_script(Some(bytes));
    Scripted(())
}

/// Uninstalls the script when dropped.
#[doc(hidden)]
pub struct Scripted(());

impl Drop for Scripted {
    fn drop(&mut self) {
        set_script(None);
    }
}

// The thread-locals are reached with `try_with` and `Cell`/`try_borrow_mut`, never `with`/`borrow_mut`: nothing
// here re-enters or runs during thread teardown, and those panics' messages and formatting cost the `/auth` wasm
// (with json.rs's `Cell`: 41539 -> 41073 bytes gzipped). Were a thread-local ever unreachable, `fill` asks the platform.
fn set_script(bytes: Option<Vec<u8>>) {
    let _ = SCRIPTED.try_with(|s| s.set(bytes));
}

/// `Some` when a script is installed: its next bytes, or an error once it has run out.
fn scripted(buf: &mut [u8]) -> Option<Result<()>> {
    let mut left = SCRIPTED.try_with(Cell::take).ok().flatten()?;
    let r = if left.len() < buf.len() {
        Err(Error::new(ErrorCode::InvalidInput, "the scripted random bytes ran out", "A test drew more random bytes than it scripted."))
    } else {
        for b in buf.iter_mut() {
            *b = left.pop().unwrap_or_default();
        }
        Ok(())
    };
    set_script(Some(left));
    Some(r)
}

pub fn fill(buf: &mut [u8]) -> Result<()> {
    if let Some(r) = scripted(buf) {
        return r;
    }
    if buf.len() > POOL / 4 {
        return platform(buf);
    }
    let pooled = POOLED.try_with(|cell| {
        let Ok(mut pool) = cell.try_borrow_mut() else { return None };
        if pool.next + buf.len() > POOL {
            if let Err(e) = platform(&mut pool.bytes) {
                return Some(Err(e));
            }
            pool.next = 0;
        }
        let range = pool.next..pool.next + buf.len();
        buf.copy_from_slice(&pool.bytes[range.clone()]);
        // Bytes handed out are wiped from the pool, so nothing in memory can replay an earlier state or verifier.
        pool.bytes[range].fill(0);
        pool.next += buf.len();
        Some(Ok(()))
    });
    pooled.ok().flatten().unwrap_or_else(|| platform(buf))
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
    #[test]
    fn a_script_is_served_in_order_then_refused_and_removed_with_its_guard() {
        {
            let _g = script([1, 2, 3, 4, 5]);
            assert_eq!(bytes::<2>().unwrap(), [1, 2]);
            assert_eq!(bytes::<3>().unwrap(), [3, 4, 5]);
            assert_eq!(bytes::<1>().unwrap_err().code, ErrorCode::InvalidInput);
        }
        // Back to the platform: two draws differ.
        assert_ne!(bytes::<32>().unwrap(), bytes::<32>().unwrap());
    }
}
