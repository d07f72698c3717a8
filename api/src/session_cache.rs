//! Sessions read in the last second, so that a burst of requests with one token costs one
//! database read, and so that only one of them records the session's activity.
//!
//! Why: every request checks its session (authn.rs). Under load that was one more query per
//! request, and when a session's activity was due to be recorded every request in flight
//! with that token wrote the same row at once: on SQLite they queued for the one write lock
//! (sleeping in SQLite's busy handler, up to 100 ms a time) and on PostgreSQL for the row
//! lock, which showed as latency spikes of hundreds of milliseconds.
//!
//! What a cached entry may change: a session's state is re-read at least once a second
//! ([`FRESH_FOR`]); every check that depends on the time (idle limit, absolute expiry) is
//! still made on each request against the cached timestamps. Everything this server does
//! that ends a session or changes what a user may do (sign-out, password change or reset,
//! disabling, permission changes, ending sessions) calls [`SessionCache::forget_all`] once
//! its transaction has committed, so on one server it applies to the very next request. A
//! change made elsewhere (another instance, the CLI, SQL) applies within a second.

use std::collections::HashMap;
use std::sync::Mutex;
use std::time::{Duration, Instant};

use chrono::{DateTime, Utc};

/// How long a session read stays good for.
pub const FRESH_FOR: Duration = Duration::from_secs(1);
/// Entries kept before stale ones are dropped (a bound on memory, not on correctness).
const PRUNE_AT: usize = 10_000;

/// What a request needs to know about its session and its user.
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct SessionRow {
    pub user_id: i64,
    pub last_seen_at: DateTime<Utc>,
    pub expires_at: DateTime<Utc>,
    pub revoked_at: Option<DateTime<Utc>>,
    pub email: String,
    pub name: String,
    pub status: String,
    pub permissions: String,
    pub must_change_password: bool,
}

struct Cached {
    row: SessionRow,
    read_at: Instant,
}

#[derive(Default)]
pub struct SessionCache {
    entries: Mutex<HashMap<String, Cached>>,
}

impl std::fmt::Debug for SessionCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("SessionCache").finish_non_exhaustive()
    }
}

impl SessionCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, HashMap<String, Cached>> {
        // A panic while holding the lock cannot leave a half-written entry behind (each
        // operation is one insert or remove), so a poisoned map is still sound.
        self.entries.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The session as read less than [`FRESH_FOR`] ago, if it was.
    pub fn get(&self, session_id: &str) -> Option<SessionRow> {
        let entries = self.lock();
        let cached = entries.get(session_id)?;
        (cached.read_at.elapsed() < FRESH_FOR).then(|| cached.row.clone())
    }

    /// Keeps a session just read from the database.
    pub fn put(&self, session_id: &str, row: SessionRow) {
        let mut entries = self.lock();
        if entries.len() >= PRUNE_AT {
            entries.retain(|_, c| c.read_at.elapsed() < FRESH_FOR);
        }
        entries.insert(
            session_id.to_string(),
            Cached {
                row,
                read_at: Instant::now(),
            },
        );
    }

    /// True for exactly one caller while the session's activity (seen at `seen`, older than
    /// `now` by the touch interval) is due to be written: it marks the activity as recorded
    /// at `now`, so requests after it see the session as just touched.
    pub fn claim_touch(&self, session_id: &str, seen: DateTime<Utc>, now: DateTime<Utc>) -> bool {
        let mut entries = self.lock();
        match entries.get_mut(session_id) {
            Some(c) if c.row.last_seen_at > seen => false,
            Some(c) => {
                c.row.last_seen_at = now;
                true
            }
            None => true,
        }
    }

    /// Drops every entry: a session ended or a user changed, so the next request reads afresh.
    pub fn forget_all(&self) {
        self.lock().clear();
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn row(last_seen_at: DateTime<Utc>) -> SessionRow {
        SessionRow {
            user_id: 1,
            last_seen_at,
            expires_at: last_seen_at,
            revoked_at: None,
            email: "a@x.gov.uk".into(),
            name: "A".into(),
            status: "active".into(),
            permissions: String::new(),
            must_change_password: false,
        }
    }

    #[test]
    fn an_entry_is_served_until_forgotten() {
        let cache = SessionCache::default();
        let t = Utc::now();
        assert!(cache.get("s").is_none());
        cache.put("s", row(t));
        assert_eq!(cache.get("s").unwrap().last_seen_at, t);
        cache.forget_all();
        assert!(cache.get("s").is_none());
    }

    #[test]
    fn only_one_caller_claims_a_due_touch() {
        let cache = SessionCache::default();
        let seen = Utc::now();
        let now = seen + chrono::Duration::seconds(20);
        cache.put("s", row(seen));
        assert!(cache.claim_touch("s", seen, now));
        assert!(!cache.claim_touch("s", seen, now));
        assert_eq!(cache.get("s").unwrap().last_seen_at, now);
    }

    #[test]
    fn an_entry_goes_stale() {
        let cache = SessionCache::default();
        cache.put("s", row(Utc::now()));
        cache.lock().get_mut("s").unwrap().read_at = Instant::now() - FRESH_FOR;
        assert!(cache.get("s").is_none());
    }
}
