//! A snapshot of the reference lists, for validation and for names beside codes, and the
//! cache that lets requests share one.

use std::collections::HashMap;
use std::sync::{Arc, Mutex};
use std::time::{Duration, Instant};

use s117_shared::record::ReferenceLookup;
use s117_shared::record_view::Coded;
use s117_shared::reference::ReferenceList;

use crate::db::Db;

struct Value {
    name: String,
    active: bool,
    qualifies: bool,
}

pub struct RefSnapshot {
    values: HashMap<(ReferenceList, String), Value>,
    home_las: Vec<String>,
}

impl RefSnapshot {
    pub async fn load(db: &Db, home_las: &[String]) -> Result<RefSnapshot, sqlx::Error> {
        let mut values = HashMap::new();
        for list in ReferenceList::ALL {
            for item in crate::reference::store::list(db, list, true).await? {
                let qualifies = item.qualifies_for_s117();
                values.insert(
                    (list, item.code.clone()),
                    Value {
                        name: item.display_name,
                        active: item.active,
                        qualifies,
                    },
                );
            }
        }
        Ok(RefSnapshot {
            values,
            home_las: home_las.to_vec(),
        })
    }

    /// The code with its display name (the code itself if the list does not know it).
    pub fn coded(&self, list: ReferenceList, code: &str) -> Coded {
        let name = self
            .values
            .get(&(list, code.to_string()))
            .map(|v| v.name.clone())
            .unwrap_or_else(|| code.to_string());
        Coded {
            code: code.to_string(),
            name,
        }
    }

    pub fn la_out_of_county(&self, la: &str) -> bool {
        !self.home_las.iter().any(|h| h == la)
    }
}

impl ReferenceLookup for RefSnapshot {
    fn is_active(&self, list: ReferenceList, code: &str) -> bool {
        self.values
            .get(&(list, code.to_string()))
            .is_some_and(|v| v.active)
    }
    fn exists(&self, list: ReferenceList, code: &str) -> bool {
        self.values.contains_key(&(list, code.to_string()))
    }
    fn section_qualifies(&self, code: &str) -> bool {
        self.values
            .get(&(ReferenceList::QualifyingSections, code.to_string()))
            .is_some_and(|v| v.qualifies)
    }
}

/// How long a snapshot is shared before it is read again.
const FRESH_FOR: Duration = Duration::from_secs(1);

/// The snapshot record views, searches, creates and edits share. Reading every list (about
/// 500 values, with their attributes as JSON) was most of the work of viewing a record; the
/// lists change only when an administrator edits them, which calls [`RefCache::forget`], so
/// on one server a change applies to the next request, and on other instances within a
/// second (or, under load, once the one request reading them again has finished).
pub type RefCache = Shared<RefSnapshot>;

impl RefCache {
    /// The current snapshot, read from the database if the shared one is over a second old.
    pub async fn get(&self, db: &Db, home_las: &[String]) -> Result<Arc<RefSnapshot>, sqlx::Error> {
        self.get_or_load(|| RefSnapshot::load(db, home_las)).await
    }
}

/// A value many requests share, read again by one of them once it is [`FRESH_FOR`] old.
///
/// While one request reads it again, the others go on with the one they have: when every
/// request that found it old read it itself, a search benchmark's p99 went from 27 to 61 ms,
/// one stampede of 32 reloads a second.
pub struct Shared<T> {
    state: Mutex<SharedState<T>>,
}

struct SharedState<T> {
    current: Option<(Instant, Arc<T>)>,
    refreshing: bool,
    /// Bumped by `forget`, so a read that began before it is not kept.
    generation: u64,
}

impl<T> Default for Shared<T> {
    fn default() -> Self {
        Shared {
            state: Mutex::new(SharedState {
                current: None,
                refreshing: false,
                generation: 0,
            }),
        }
    }
}

impl<T> std::fmt::Debug for Shared<T> {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Shared").finish_non_exhaustive()
    }
}

/// Ends a refresh however its request ends (done, failed or dropped).
struct Refreshing<'a, T>(&'a Shared<T>);

impl<T> Drop for Refreshing<'_, T> {
    fn drop(&mut self) {
        self.0.lock().refreshing = false;
    }
}

impl<T> Shared<T> {
    fn lock(&self) -> std::sync::MutexGuard<'_, SharedState<T>> {
        // The guarded value is replaced whole, so a poisoned lock still holds a sound one.
        self.state.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The shared value; `load` reads it when there is none, or when it is old and no other
    /// request is reading it already.
    pub async fn get_or_load<F, Fut, E>(&self, load: F) -> Result<Arc<T>, E>
    where
        F: FnOnce() -> Fut,
        Fut: std::future::Future<Output = Result<T, E>>,
    {
        let generation = {
            let mut state = self.lock();
            if let Some((read_at, value)) = &state.current {
                if read_at.elapsed() < FRESH_FOR || state.refreshing {
                    return Ok(value.clone());
                }
            }
            state.refreshing = true;
            state.generation
        };
        let _refreshing = Refreshing(self);
        let read_at = Instant::now();
        let value = Arc::new(load().await?);
        let mut state = self.lock();
        if state.generation == generation {
            state.current = Some((read_at, value.clone()));
        }
        Ok(value)
    }

    /// Drops the shared value: the next request reads it again.
    pub fn forget(&self) {
        let mut state = self.lock();
        state.current = None;
        state.generation += 1;
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::atomic::{AtomicU32, Ordering};

    /// Makes the shared value as old as it may be before it is read again.
    fn age(shared: &Shared<u32>) {
        shared.lock().current.as_mut().unwrap().0 -= FRESH_FOR;
    }

    async fn slow_count(loads: &AtomicU32) -> Result<u32, ()> {
        let n = loads.fetch_add(1, Ordering::SeqCst) + 1;
        tokio::time::sleep(Duration::from_millis(50)).await;
        Ok(n)
    }

    #[tokio::test]
    async fn one_request_reads_an_old_value_again_while_the_others_use_it() {
        let shared = Shared::<u32>::default();
        let loads = AtomicU32::new(0);
        assert_eq!(*shared.get_or_load(|| slow_count(&loads)).await.unwrap(), 1);
        age(&shared);
        let got = futures_util::future::join_all(
            (0..32).map(|_| shared.get_or_load(|| slow_count(&loads))),
        )
        .await;
        assert_eq!(
            loads.load(Ordering::SeqCst),
            2,
            "one reload, not one per request"
        );
        let values: Vec<u32> = got.into_iter().map(|v| *v.unwrap()).collect();
        assert_eq!(values.iter().filter(|v| **v == 2).count(), 1);
        assert_eq!(values.iter().filter(|v| **v == 1).count(), 31);
        assert_eq!(*shared.get_or_load(|| slow_count(&loads)).await.unwrap(), 2);
    }

    #[tokio::test]
    async fn a_forgotten_value_is_read_again_and_a_read_begun_before_is_not_kept() {
        let shared = Shared::<u32>::default();
        let loads = AtomicU32::new(0);
        shared.get_or_load(|| slow_count(&loads)).await.unwrap();
        shared.forget();
        assert_eq!(*shared.get_or_load(|| slow_count(&loads)).await.unwrap(), 2);
        // A read that was under way when the lists changed answers its own request only.
        age(&shared);
        let early = shared.get_or_load(|| async {
            let v = slow_count(&loads).await;
            shared.forget();
            v
        });
        assert_eq!(*early.await.unwrap(), 3);
        assert_eq!(*shared.get_or_load(|| slow_count(&loads)).await.unwrap(), 4);
    }

    #[tokio::test]
    async fn a_failed_read_lets_the_next_request_try() {
        let shared = Shared::<u32>::default();
        let loads = AtomicU32::new(0);
        shared.get_or_load(|| slow_count(&loads)).await.unwrap();
        age(&shared);
        assert!(shared
            .get_or_load(|| async { Err::<u32, ()>(()) })
            .await
            .is_err());
        assert_eq!(*shared.get_or_load(|| slow_count(&loads)).await.unwrap(), 2);
    }
}
