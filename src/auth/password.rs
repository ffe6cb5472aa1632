//! Argon2id password hashing, always off the async threads.

use crate::error::{ApiError, FieldCode, FieldError};
use argon2::Argon2;
use argon2::password_hash::{
    PasswordHash, PasswordHasher, PasswordVerifier, SaltString, rand_core::OsRng,
};
use std::sync::OnceLock;

pub const MIN_LEN: usize = 10;
pub const MAX_LEN: usize = 128;

/// Checks a new password's length; returns the field error to report.
pub fn check_strength(field: &str, pw: &str) -> Option<FieldError> {
    let n = pw.chars().count();
    if n < MIN_LEN {
        Some(FieldError::of(field, FieldCode::TooShort).param("min", MIN_LEN))
    } else if n > MAX_LEN {
        Some(FieldError::of(field, FieldCode::TooLong).param("max", MAX_LEN))
    } else {
        None
    }
}

fn hash_blocking(password: &str) -> String {
    let salt = SaltString::generate(&mut OsRng);
    Argon2::default()
        .hash_password(password.as_bytes(), &salt)
        .expect("argon2 with default parameters hashes any input")
        .to_string()
}

/// A hash of a random string: verifying against it costs the same as a real check.
fn dummy_hash() -> &'static str {
    static DUMMY: OnceLock<String> = OnceLock::new();
    DUMMY.get_or_init(|| hash_blocking("dutydesk-dummy-password-for-timing"))
}

pub async fn hash(password: String) -> Result<String, ApiError> {
    Ok(tokio::task::spawn_blocking(move || hash_blocking(&password)).await?)
}

/// Verifies `password` against `hash`; with no hash (unknown user) it spends the same time and fails.
pub async fn verify(password: String, hash: Option<String>) -> Result<bool, ApiError> {
    Ok(tokio::task::spawn_blocking(move || {
        let known = hash.is_some();
        let stored = hash.unwrap_or_else(|| dummy_hash().to_owned());
        let ok = PasswordHash::new(&stored)
            .map(|parsed| {
                Argon2::default()
                    .verify_password(password.as_bytes(), &parsed)
                    .is_ok()
            })
            .unwrap_or(false);
        known && ok
    })
    .await?)
}

/// Hashes synchronously; for the CLI and seeding only.
pub fn hash_sync(password: &str) -> String {
    hash_blocking(password)
}
