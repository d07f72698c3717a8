//! A snapshot of the reference lists, for validation and for names beside codes.

use std::collections::HashMap;

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
