//! PKCE (RFC 7636) with S256 only: Datadog requires SHA-256 and `plain` would only weaken the flow.
//! Verifiers are base64url of CSPRNG bytes; challenges are BASE64URL(SHA256(ASCII(verifier))) without padding.

use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;
use sha2::{Digest, Sha256};

/// Unpadded base64url (RFC 4648 §5). Hand-written: the `base64` crate's generic engine costs ~1.5 KB
/// gzipped of browser wasm for these few lines; the tests check it against that crate.
pub(crate) fn base64url(bytes: &[u8]) -> String {
    const ABC: &[u8; 64] = b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_";
    let sym = |n: u32, shift: u32| ABC[(n >> shift & 63) as usize];
    let mut out = Vec::with_capacity(bytes.len().div_ceil(3) * 4);
    let mut chunks = bytes.chunks_exact(3);
    // Whole 3-byte groups without per-byte loops: this is most of a PKCE pair's time outside SHA-256.
    for c in &mut chunks {
        let n = u32::from(c[0]) << 16 | u32::from(c[1]) << 8 | u32::from(c[2]);
        out.extend_from_slice(&[sym(n, 18), sym(n, 12), sym(n, 6), sym(n, 0)]);
    }
    match *chunks.remainder() {
        [a] => out.extend_from_slice(&[sym(u32::from(a) << 16, 18), sym(u32::from(a) << 16, 12)]),
        [a, b] => {
            let n = u32::from(a) << 16 | u32::from(b) << 8;
            out.extend_from_slice(&[sym(n, 18), sym(n, 12), sym(n, 6)]);
        }
        _ => {}
    }
    // Only alphabet bytes were pushed: always valid UTF-8.
    String::from_utf8(out).unwrap_or_default()
}

pub const MIN_LEN: usize = 43;
pub const MAX_LEN: usize = 128;
pub const DEFAULT_LEN: usize = 43;

#[derive(Clone, Debug)]
pub struct Pkce {
    pub verifier: Secret,
    pub challenge: String,
    pub method: &'static str,
}

fn invalid(message: String) -> Error {
    Error::new(
        ErrorCode::InvalidVerifier,
        message,
        "A code verifier is 43 to 128 characters of A-Z, a-z, 0-9, '-', '.', '_' and '~' (RFC 7636 §4.1); use createPkce() to make one.",
    )
}

/// The S256 challenge of a verifier; rejects anything RFC 7636 §4.1 does not allow.
pub fn challenge(verifier: &str) -> Result<String> {
    let len = verifier.len();
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(invalid(format!("the code verifier has {len} characters; it must have 43 to 128")));
    }
    if let Some(pos) = verifier.bytes().position(|b| !(b.is_ascii_alphanumeric() || matches!(b, b'-' | b'.' | b'_' | b'~'))) {
        // The verifier is a secret: name the position, never the character.
        return Err(invalid(format!("the code verifier has a character outside the unreserved set at position {pos}")));
    }
    Ok(base64url(&Sha256::digest(verifier.as_bytes())))
}

/// A verifier of `len` characters made from the given random bytes (at least ceil(len * 6 / 8) of them).
pub fn from_random(random: &[u8], len: usize) -> Result<Pkce> {
    if !(MIN_LEN..=MAX_LEN).contains(&len) {
        return Err(invalid(format!("a code verifier of {len} characters was requested; it must have 43 to 128")));
    }
    let mut verifier = base64url(random);
    if verifier.len() < len {
        return Err(Error::new(ErrorCode::InvalidInput, "not enough random bytes for the verifier length", "Internal: pass ceil(len*6/8) bytes."));
    }
    verifier.truncate(len);
    let challenge = challenge(&verifier)?;
    Ok(Pkce { verifier: Secret::new(verifier), challenge, method: "S256" })
}

/// A fresh verifier/challenge pair from the platform CSPRNG. `len` defaults to 43 (32 random bytes).
pub fn create(len: Option<usize>) -> Result<Pkce> {
    let len = len.unwrap_or(DEFAULT_LEN);
    let mut buf = [0u8; 96];
    let need = (len * 6).div_ceil(8).min(buf.len());
    crate::random::fill(&mut buf[..need])?;
    from_random(&buf[..need], len)
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn rfc7636_appendix_b() {
        assert_eq!(challenge("dBjftJeZ4CVP-mB92K27uhbUJU1p1r_wW1gFWFOEjXk").unwrap(), "E9Melhoa2OwvFrEMTJguCHaoeK1t8URWbuGJSstw-cM");
    }
    #[test]
    fn base64url_matches_the_base64_crate() {
        use base64::engine::general_purpose::URL_SAFE_NO_PAD;
        use base64::Engine;
        let data: Vec<u8> = (0..=255u8).chain((0..=255u8).rev()).collect();
        for len in 0..data.len() {
            assert_eq!(base64url(&data[..len]), URL_SAFE_NO_PAD.encode(&data[..len]), "len {len}");
        }
    }
    #[test]
    fn lengths() {
        for len in [43, 64, 100, 128] {
            let p = create(Some(len)).unwrap();
            assert_eq!(p.verifier.expose().len(), len);
            assert_eq!(p.challenge.len(), 43);
        }
        assert_eq!(create(Some(42)).unwrap_err().code, ErrorCode::InvalidVerifier);
        assert_eq!(create(Some(129)).unwrap_err().code, ErrorCode::InvalidVerifier);
    }
}
