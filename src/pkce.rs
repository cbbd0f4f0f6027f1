//! PKCE (RFC 7636) with S256 only: Datadog requires SHA-256 and `plain` would only weaken the flow.
//! Verifiers are base64url of CSPRNG bytes; challenges are BASE64URL(SHA256(ASCII(verifier))) without padding.

use crate::error::{Error, ErrorCode, Result};
use crate::secret::Secret;

/// SHA-256 for the full core: the `sha2` crate, unrolled and compiled for speed (bench table 1).
#[cfg(any(feature = "client", feature = "intake"))]
fn sha256(bytes: &[u8]) -> [u8; 32] {
    use sha2::{Digest, Sha256};
    Sha256::digest(bytes).into()
}

/// SHA-256 for the authorization-only core (`/auth`): `compact::sha256`, one verifier per sign-in.
#[cfg(not(any(feature = "client", feature = "intake")))]
use compact::sha256;

/// SHA-256 (FIPS 180-4) with its 64 rounds in a loop. Hand-written for the browser core's size: `sha2`, even at
/// opt-level "z", is ~4 KB of wasm (unrolled rounds, the `digest` buffering); this is ~1 KB, and the tests check it
/// against `sha2`. /auth wasm gzipped: 40106 bytes, against 41073 with `sha2` at "z" and 41539 at 3. Its input, a
/// verifier, is at most 128 bytes.
#[cfg(any(test, not(any(feature = "client", feature = "intake"))))]
mod compact {
    const K: [u32; 64] = [
        0x428a2f98, 0x71374491, 0xb5c0fbcf, 0xe9b5dba5, 0x3956c25b, 0x59f111f1, 0x923f82a4, 0xab1c5ed5, 0xd807aa98, 0x12835b01, 0x243185be, 0x550c7dc3,
        0x72be5d74, 0x80deb1fe, 0x9bdc06a7, 0xc19bf174, 0xe49b69c1, 0xefbe4786, 0x0fc19dc6, 0x240ca1cc, 0x2de92c6f, 0x4a7484aa, 0x5cb0a9dc, 0x76f988da,
        0x983e5152, 0xa831c66d, 0xb00327c8, 0xbf597fc7, 0xc6e00bf3, 0xd5a79147, 0x06ca6351, 0x14292967, 0x27b70a85, 0x2e1b2138, 0x4d2c6dfc, 0x53380d13,
        0x650a7354, 0x766a0abb, 0x81c2c92e, 0x92722c85, 0xa2bfe8a1, 0xa81a664b, 0xc24b8b70, 0xc76c51a3, 0xd192e819, 0xd6990624, 0xf40e3585, 0x106aa070,
        0x19a4c116, 0x1e376c08, 0x2748774c, 0x34b0bcb5, 0x391c0cb3, 0x4ed8aa4a, 0x5b9cca4f, 0x682e6ff3, 0x748f82ee, 0x78a5636f, 0x84c87814, 0x8cc70208,
        0x90befffa, 0xa4506ceb, 0xbef9a3f7, 0xc67178f2,
    ];

    fn compress(h: &mut [u32; 8], block: &[u8]) {
        let mut w = [0u32; 64];
        for (w, c) in w.iter_mut().zip(block.chunks_exact(4)) {
            *w = u32::from_be_bytes([c[0], c[1], c[2], c[3]]);
        }
        for i in 16..64 {
            let s0 = w[i - 15].rotate_right(7) ^ w[i - 15].rotate_right(18) ^ (w[i - 15] >> 3);
            let s1 = w[i - 2].rotate_right(17) ^ w[i - 2].rotate_right(19) ^ (w[i - 2] >> 10);
            w[i] = w[i - 16].wrapping_add(s0).wrapping_add(w[i - 7]).wrapping_add(s1);
        }
        let mut v = *h;
        for (k, w) in K.iter().zip(w) {
            let [a, b, c, d, e, f, g, hh] = v;
            let s1 = e.rotate_right(6) ^ e.rotate_right(11) ^ e.rotate_right(25);
            let ch = (e & f) ^ (!e & g);
            let t1 = hh.wrapping_add(s1).wrapping_add(ch).wrapping_add(*k).wrapping_add(w);
            let s0 = a.rotate_right(2) ^ a.rotate_right(13) ^ a.rotate_right(22);
            let maj = (a & b) ^ (a & c) ^ (b & c);
            v = [t1.wrapping_add(s0).wrapping_add(maj), a, b, c, d.wrapping_add(t1), e, f, g];
        }
        for (h, v) in h.iter_mut().zip(v) {
            *h = h.wrapping_add(v);
        }
    }

    pub fn sha256(bytes: &[u8]) -> [u8; 32] {
        let mut h = [0x6a09e667, 0xbb67ae85, 0x3c6ef372, 0xa54ff53a, 0x510e527f, 0x9b05688c, 0x1f83d9ab, 0x5be0cd19];
        let mut blocks = bytes.chunks_exact(64);
        for block in &mut blocks {
            compress(&mut h, block);
        }
        // The padding: 0x80, zeros, the length in bits as a big-endian u64, over one or two last blocks.
        let rest = blocks.remainder();
        let mut tail = [0u8; 128];
        tail[..rest.len()].copy_from_slice(rest);
        tail[rest.len()] = 0x80;
        let end = if rest.len() < 56 { 64 } else { 128 };
        tail[end - 8..end].copy_from_slice(&(bytes.len() as u64).wrapping_mul(8).to_be_bytes());
        for block in tail[..end].chunks_exact(64) {
            compress(&mut h, block);
        }
        let mut out = [0u8; 32];
        for (o, h) in out.chunks_exact_mut(4).zip(h) {
            o.copy_from_slice(&h.to_be_bytes());
        }
        out
    }
}

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
    Ok(base64url(&sha256(verifier.as_bytes())))
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
    fn compact_sha256_matches_the_sha2_crate() {
        use sha2::{Digest, Sha256};
        // FIPS 180-4's "abc", then every length across the one- and two-block paddings (55, 56, 63, 64...).
        let abc = compact::sha256(b"abc");
        assert_eq!(base64url(&abc), "ungWv48Bz-pBQUDeXa4iI7ADYaOWF3qctBD_YfIAFa0");
        let data: Vec<u8> = (0..300u32).map(|i| (i.wrapping_mul(2_654_435_761) >> 13) as u8).collect();
        for len in 0..data.len() {
            assert_eq!(compact::sha256(&data[..len]), <[u8; 32]>::from(Sha256::digest(&data[..len])), "len {len}");
        }
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
