//! The OAuth `state` value: 256 bits from the CSPRNG, base64url, checked on the callback in constant time
//! so a forged callback learns nothing from how long the comparison took.

use crate::error::Result;
use subtle::ConstantTimeEq;

pub fn from_bytes(random: &[u8; 32]) -> String {
    crate::pkce::base64url(random)
}

pub fn create() -> Result<String> {
    Ok(from_bytes(&crate::random::bytes::<32>()?))
}

/// Constant-time in the content; the length (public: always 43 for ours) may leak.
pub fn matches(expected: &str, received: &str) -> bool {
    expected.len() == received.len() && bool::from(expected.as_bytes().ct_eq(received.as_bytes()))
}

#[cfg(test)]
mod tests {
    use super::*;
    #[test]
    fn state_has_256_bits_and_compares() {
        let a = create().unwrap();
        let b = create().unwrap();
        assert_eq!(a.len(), 43);
        assert_ne!(a, b);
        assert!(matches(&a, &a.clone()));
        assert!(!matches(&a, &b));
        assert!(!matches(&a, ""));
    }
}
