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

/// The snapshot record views, creates and edits share. Reading every list (about 500 values,
/// with their attributes as JSON) was most of the work of viewing a record; the lists change
/// only when an administrator edits them, which calls [`RefCache::forget`], so on one server
/// a change applies to the next request, and on other instances within a second.
#[derive(Default)]
pub struct RefCache {
    current: Mutex<Option<(Instant, Arc<RefSnapshot>)>>,
}

impl std::fmt::Debug for RefCache {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RefCache").finish_non_exhaustive()
    }
}

impl RefCache {
    fn lock(&self) -> std::sync::MutexGuard<'_, Option<(Instant, Arc<RefSnapshot>)>> {
        // The guarded value is replaced whole, so a poisoned lock still holds a sound one.
        self.current.lock().unwrap_or_else(|e| e.into_inner())
    }

    /// The current snapshot, read from the database if the shared one is over a second old.
    pub async fn get(&self, db: &Db, home_las: &[String]) -> Result<Arc<RefSnapshot>, sqlx::Error> {
        if let Some((read_at, snapshot)) = &*self.lock() {
            if read_at.elapsed() < FRESH_FOR {
                return Ok(snapshot.clone());
            }
        }
        let read_at = Instant::now();
        let snapshot = Arc::new(RefSnapshot::load(db, home_las).await?);
        *self.lock() = Some((read_at, snapshot.clone()));
        Ok(snapshot)
    }

    /// Drops the shared snapshot: a list has changed.
    pub fn forget(&self) {
        *self.lock() = None;
    }
}
