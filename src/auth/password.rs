//! Argon2id password hashing, always off the async threads and bounded by [`Hasher`].

use crate::error::{ApiError, Code, FieldCode, FieldError};
use argon2::password_hash::{PasswordHash, PasswordHasher, SaltString, rand_core::OsRng};
use argon2::{Algorithm, Argon2, Block, Params, Version};
use std::sync::{Arc, Mutex, OnceLock};
use std::time::Duration;
use tokio::sync::{OwnedSemaphorePermit, Semaphore};

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

/// How many passwords are hashed at once when not configured: one per CPU.
pub fn default_slots() -> usize {
    std::thread::available_parallelism().map_or(2, |n| n.get())
}

/// Bounds password hashing: at most `slots` hashes run at once (each takes ~19 MiB and a CPU
/// for tens of milliseconds), on the blocking pool. A login or password check waits at most
/// `wait` for a slot and is otherwise refused at once with `503 busy` and `Retry-After`, so a
/// flood of logins neither grows memory nor queues without end. Hold no database connection
/// while calling these: hashing is the slow part.
pub struct Hasher {
    slots: Arc<Semaphore>,
    wait: Duration,
    /// Argon2's working memory, one buffer per slot, reused: a check allocates nothing large,
    /// so the allocator has nothing to keep after a flood.
    buffers: Arc<Mutex<Vec<Vec<Block>>>>,
}

/// `503 busy`: every slot stayed taken for the whole wait.
pub fn busy() -> ApiError {
    let mut e = ApiError::of(Code::Busy);
    e.retry_after_secs = Some(1);
    e
}

impl Hasher {
    pub fn new(slots: usize, wait: Duration) -> Hasher {
        Hasher {
            slots: Arc::new(Semaphore::new(slots.max(1))),
            wait,
            buffers: Arc::new(Mutex::new(Vec::new())),
        }
    }

    /// A slot within the wait, or `busy`.
    async fn slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        match tokio::time::timeout(self.wait, self.slots.clone().acquire_owned()).await {
            Ok(Ok(permit)) => Ok(permit),
            Ok(Err(_)) => Err(ApiError::internal()),
            Err(_) => Err(busy()),
        }
    }

    /// A slot, however long it takes (office admins creating accounts: bounded, not refused).
    async fn queued_slot(&self) -> Result<OwnedSemaphorePermit, ApiError> {
        self.slots
            .clone()
            .acquire_owned()
            .await
            .map_err(|_| ApiError::internal())
    }

    /// Verifies `password` against `hash`; with no hash (unknown user) it spends the same time
    /// (a dummy hash, through the same bound) and fails. `busy` when no slot frees in time.
    pub async fn verify(&self, password: String, hash: Option<String>) -> Result<bool, ApiError> {
        let permit = self.slot().await?;
        let buffers = self.buffers.clone();
        // The permit moves into the task: a client that hangs up does not free the slot early.
        Ok(tokio::task::spawn_blocking(move || {
            let _permit = permit;
            let known = hash.is_some();
            let stored = hash.unwrap_or_else(|| dummy_hash().to_owned());
            let ok = verify_reusing(&buffers, password.as_bytes(), &stored);
            known && ok
        })
        .await?)
    }

    /// Hashes a new password; `busy` when no slot frees in time (a user's own change).
    pub async fn hash(&self, password: String) -> Result<String, ApiError> {
        let permit = self.slot().await?;
        run_hash(permit, password).await
    }

    /// Hashes a new password, waiting for a slot as long as it takes (office admins' creations,
    /// resets and imports).
    pub async fn hash_queued(&self, password: String) -> Result<String, ApiError> {
        let permit = self.queued_slot().await?;
        run_hash(permit, password).await
    }
}

/// Verifies against a stored PHC string with working memory taken from (and given back to)
/// `buffers`; false for anything unreadable.
fn verify_reusing(buffers: &Mutex<Vec<Vec<Block>>>, password: &[u8], stored: &str) -> bool {
    let Ok(parsed) = PasswordHash::new(stored) else {
        return false;
    };
    let (Some(salt), Some(expected)) = (parsed.salt, parsed.hash) else {
        return false;
    };
    let (Ok(algorithm), Ok(params)) = (
        Algorithm::try_from(parsed.algorithm),
        Params::try_from(&parsed),
    ) else {
        return false;
    };
    let version = parsed
        .version
        .and_then(|v| Version::try_from(v).ok())
        .unwrap_or_default();
    let mut salt_buf = [0u8; 64];
    let Ok(salt) = salt.decode_b64(&mut salt_buf) else {
        return false;
    };
    let mut memory = buffers
        .lock()
        .map(|mut b| b.pop())
        .ok()
        .flatten()
        .unwrap_or_default();
    memory.resize(params.block_count(), Block::default());
    let mut out = vec![0u8; expected.len()];
    let ok = Argon2::new(algorithm, version, params)
        .hash_password_into_with_memory(password, salt, &mut out, &mut memory[..])
        .is_ok()
        && argon2::password_hash::Output::new(&out).is_ok_and(|o| o == expected);
    if let Ok(mut b) = buffers.lock() {
        b.push(memory);
    }
    ok
}

async fn run_hash(permit: OwnedSemaphorePermit, password: String) -> Result<String, ApiError> {
    Ok(tokio::task::spawn_blocking(move || {
        let _permit = permit;
        hash_blocking(&password)
    })
    .await?)
}

/// Hashes synchronously; for the CLI and seeding only.
pub fn hash_sync(password: &str) -> String {
    hash_blocking(password)
}
