//! Random secrets: PINs, one-time passwords, client secrets, ids. All from the OS CSPRNG.

use rand::rngs::OsRng;
use rand::seq::SliceRandom;
use rand::{Rng, RngCore};

/// A uniformly random 6-digit PIN (leading zeros allowed).
pub fn pin() -> String {
    format!("{:06}", OsRng.gen_range(0..1_000_000u32))
}

/// 32 random bytes, hex: session and challenge ids.
pub fn id() -> String {
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    hex::encode(b)
}

/// A one-time password that meets the password policy: 16 characters from unambiguous
/// letters and digits plus one allowed symbol, with each required class present.
pub fn one_time_password() -> String {
    const UPPER: &[u8] = b"ABCDEFGHJKLMNPQRSTUVWXYZ";
    const LOWER: &[u8] = b"abcdefghijkmnpqrstuvwxyz";
    const DIGIT: &[u8] = b"23456789";
    const SYMBOL: &[u8] = b"#?!@$%^&*-";
    let mut rng = OsRng;
    let mut out: Vec<u8> = vec![
        UPPER[rng.gen_range(0..UPPER.len())],
        LOWER[rng.gen_range(0..LOWER.len())],
        DIGIT[rng.gen_range(0..DIGIT.len())],
        SYMBOL[rng.gen_range(0..SYMBOL.len())],
    ];
    let all: Vec<u8> = [UPPER, LOWER, DIGIT].concat();
    while out.len() < 16 {
        out.push(all[rng.gen_range(0..all.len())]);
    }
    out.shuffle(&mut rng);
    String::from_utf8(out).expect("ASCII")
}

/// An API client's secret: 32 random bytes, base64url.
pub fn client_secret() -> String {
    use base64::Engine;
    let mut b = [0u8; 32];
    OsRng.fill_bytes(&mut b);
    base64::engine::general_purpose::URL_SAFE_NO_PAD.encode(b)
}

/// An API client's public id.
pub fn client_id() -> String {
    let mut b = [0u8; 8];
    OsRng.fill_bytes(&mut b);
    format!("s117c_{}", hex::encode(b))
}

#[cfg(test)]
mod tests {
    #[test]
    fn one_time_passwords_meet_the_policy() {
        for _ in 0..200 {
            let p = super::one_time_password();
            assert!(s117_shared::password::check_policy(&p).is_empty(), "{p}");
        }
    }

    #[test]
    fn pins_are_six_digits() {
        for _ in 0..200 {
            let p = super::pin();
            assert_eq!(p.len(), 6);
            assert!(p.chars().all(|c| c.is_ascii_digit()));
        }
    }
}
