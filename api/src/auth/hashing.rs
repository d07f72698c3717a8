//! Password (and client secret) hashing: argon2id with OWASP's parameters (m = 19 MiB,
//! t = 2, p = 1), run on the blocking pool so the async workers stay free, and capped: at
//! most `permits` hashes at once, so a burst of sign-ins cannot exhaust memory. A request
//! that cannot get a permit within a few seconds is answered 503 with Retry-After.

use std::sync::Arc;
use std::time::Duration;

use argon2::password_hash::{
    rand_core::OsRng, PasswordHash, PasswordHasher as _, PasswordVerifier as _, SaltString,
};
use argon2::{Algorithm, Argon2, Params, Version};
use tokio::sync::Semaphore;

use crate::error::ApiError;

const WAIT_FOR_PERMIT: Duration = Duration::from_secs(5);

#[derive(Clone)]
pub struct Hasher {
    permits: Arc<Semaphore>,
    /// A real hash of a random string: an unknown email is verified against it, so it costs
    /// exactly one verification like a known one.
    dummy: Arc<String>,
}

fn argon2() -> Argon2<'static> {
    Argon2::new(
        Algorithm::Argon2id,
        Version::V0x13,
        Params::new(19_456, 2, 1, None).expect("valid argon2 params"),
    )
}

pub fn hash_blocking(secret: &str) -> String {
    argon2()
        .hash_password(secret.as_bytes(), &SaltString::generate(&mut OsRng))
        .expect("argon2 hashing")
        .to_string()
}

fn verify_blocking(secret: &str, phc: &str) -> bool {
    PasswordHash::new(phc)
        .map(|h| argon2().verify_password(secret.as_bytes(), &h).is_ok())
        .unwrap_or(false)
}

impl Hasher {
    pub fn new(permits: usize) -> Hasher {
        let random: String = uuid::Uuid::new_v4().to_string();
        Hasher {
            permits: Arc::new(Semaphore::new(permits.max(1))),
            dummy: Arc::new(hash_blocking(&random)),
        }
    }

    async fn run<T: Send + 'static>(
        &self,
        f: impl FnOnce() -> T + Send + 'static,
    ) -> Result<T, ApiError> {
        let permit = tokio::time::timeout(WAIT_FOR_PERMIT, self.permits.clone().acquire_owned())
            .await
            .map_err(|_| ApiError::TooManyRequests {
                retry_after_seconds: 2,
                detail: "The service is busy signing people in. Try again in a moment.",
            })?
            .map_err(|_| ApiError::Unavailable("The service is shutting down.".into()))?;
        let out = tokio::task::spawn_blocking(move || {
            let out = f();
            drop(permit);
            out
        })
        .await
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("hashing task failed: {e}")))?;
        Ok(out)
    }

    pub async fn hash(&self, secret: &str) -> Result<String, ApiError> {
        let secret = secret.to_string();
        self.run(move || hash_blocking(&secret)).await
    }

    pub async fn verify(&self, secret: &str, phc: &str) -> Result<bool, ApiError> {
        let (secret, phc) = (secret.to_string(), phc.to_string());
        self.run(move || verify_blocking(&secret, &phc)).await
    }

    /// One verification whose answer is ignored (same cost as a real one).
    pub async fn verify_dummy(&self, secret: &str) -> Result<(), ApiError> {
        let dummy = self.dummy.clone();
        let secret = secret.to_string();
        self.run(move || {
            let _ = verify_blocking(&secret, &dummy);
        })
        .await
    }
}
