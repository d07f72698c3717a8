//! In-memory sliding-window rate limits (per IP, per account). DESIGN.md §6 allows these
//! counters to live in one process: with several instances each enforces its own window,
//! which still bounds what one source can do. Time comes from the injected clock.

use std::collections::{HashMap, VecDeque};
use std::sync::Mutex;

use chrono::{DateTime, Duration, Utc};

/// Keys kept at most; beyond this, empty windows are dropped first (memory stays bounded
/// under a flood of distinct keys).
const MAX_KEYS: usize = 100_000;

/// The limits the server enforces, each over a 10-minute window.
pub struct Limits {
    pub login_per_ip: RateLimiter,
    pub login_per_account: RateLimiter,
    pub verify_per_ip: RateLimiter,
    /// PIN emails per account: the sign-in's own plus "send a new code" (3 more).
    pub pin_emails: RateLimiter,
    pub token_per_ip: RateLimiter,
}

impl Limits {
    pub fn from_config(c: &crate::config::Config) -> Limits {
        let ten = Duration::minutes(10);
        Limits {
            login_per_ip: RateLimiter::new(c.login_limit_per_ip, ten),
            login_per_account: RateLimiter::new(c.login_limit_per_account, ten),
            verify_per_ip: RateLimiter::new(c.login_limit_per_ip.saturating_mul(2), ten),
            pin_emails: RateLimiter::new(c.pin_email_limit, ten),
            token_per_ip: RateLimiter::new(c.login_limit_per_ip.saturating_mul(10), ten),
        }
    }
}

pub struct RateLimiter {
    limit: usize,
    window: Duration,
    hits: Mutex<HashMap<String, VecDeque<DateTime<Utc>>>>,
}

impl RateLimiter {
    pub fn new(limit: u32, window: Duration) -> RateLimiter {
        RateLimiter {
            limit: limit as usize,
            window,
            hits: Mutex::new(HashMap::new()),
        }
    }

    /// Counts a hit for `key`; `Err(seconds)` says how long until the next one is allowed.
    pub fn hit(&self, key: &str, now: DateTime<Utc>) -> Result<(), u64> {
        let mut hits = self.hits.lock().expect("rate limiter lock");
        if hits.len() >= MAX_KEYS {
            let cutoff = now - self.window;
            hits.retain(|_, q| q.back().is_some_and(|t| *t > cutoff));
            if hits.len() >= MAX_KEYS {
                hits.clear();
            }
        }
        let q = hits.entry(key.to_string()).or_default();
        while q.front().is_some_and(|t| *t <= now - self.window) {
            q.pop_front();
        }
        if q.len() >= self.limit {
            let oldest = *q.front().expect("non-empty at limit");
            let wait = (oldest + self.window - now).num_seconds().max(1);
            return Err(wait as u64);
        }
        q.push_back(now);
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use chrono::TimeZone;

    #[test]
    fn limits_within_the_window_and_frees_after_it() {
        let rl = RateLimiter::new(2, Duration::minutes(1));
        let t = Utc.with_ymd_and_hms(2026, 1, 1, 0, 0, 0).unwrap();
        assert!(rl.hit("a", t).is_ok());
        assert!(rl.hit("a", t).is_ok());
        assert_eq!(rl.hit("a", t + Duration::seconds(10)), Err(50));
        assert!(rl.hit("b", t).is_ok());
        assert!(rl.hit("a", t + Duration::seconds(61)).is_ok());
    }
}
