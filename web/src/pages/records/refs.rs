//! The reference lists a record form needs (drop-downs), fetched from
//! `GET /api/v1/reference/{list}`, and the browser's [`ReferenceLookup`] over them, so the
//! shared validation runs here exactly as in the API.

use std::collections::HashMap;

use s117_shared::record::ReferenceLookup;
use s117_shared::reference::{ReferenceItem, ReferenceList, ReferenceListResponse};

use crate::api::{Api, ApiError};
use crate::components::SelectOption;

/// The lists of the record form, as fetched.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Refs {
    lists: HashMap<ReferenceList, Vec<ReferenceItem>>,
}

/// The lists a record form offers.
pub const FORM_LISTS: [ReferenceList; 6] = [
    ReferenceList::Genders,
    ReferenceList::EthnicCategories,
    ReferenceList::QualifyingSections,
    ReferenceList::PlacesDetained,
    ReferenceList::LocalAuthorities,
    ReferenceList::Commissioners,
];

impl Refs {
    /// Fetches every form list, retired values included (a record being edited may hold
    /// one); only active ones are offered for new choices.
    pub async fn load(api: &Api, lists: &[ReferenceList]) -> Result<Refs, ApiError> {
        let mut refs = Refs::default();
        for &list in lists {
            let response: ReferenceListResponse = api
                .get(&format!(
                    "/api/v1/reference/{}?include_retired=true",
                    list.slug()
                ))
                .await?;
            refs.lists.insert(list, response.items);
        }
        Ok(refs)
    }

    fn item(&self, list: ReferenceList, code: &str) -> Option<&ReferenceItem> {
        self.lists.get(&list)?.iter().find(|item| item.code == code)
    }

    /// The display name of `code`, or the code itself when the list does not know it.
    pub fn name(&self, list: ReferenceList, code: &str) -> String {
        self.item(list, code)
            .map_or_else(|| code.to_owned(), |item| item.display_name.clone())
    }

    /// The options to offer: active values (only qualifying sections for that list), plus
    /// `keep` (the value already held, even if retired since).
    pub fn options(&self, list: ReferenceList, keep: &str) -> Vec<SelectOption> {
        let Some(items) = self.lists.get(&list) else {
            return Vec::new();
        };
        let mut items: Vec<&ReferenceItem> = items
            .iter()
            .filter(|item| {
                item.code == keep
                    || (item.active
                        && (list != ReferenceList::QualifyingSections || item.qualifies_for_s117()))
            })
            .collect();
        items.sort_by(|a, b| {
            (a.sort_order, a.display_name.as_str()).cmp(&(b.sort_order, b.display_name.as_str()))
        });
        items
            .into_iter()
            .map(|item| {
                let mut text = item.display_name.clone();
                if !item.active {
                    text.push_str(" (no longer in use)");
                }
                SelectOption {
                    value: item.code.clone(),
                    text,
                    keywords: format!("{} {}", item.name, item.aliases.join(" ")),
                }
            })
            .collect()
    }
}

impl Refs {
    /// Every value of the list, retired ones too (marked), for filters over old records.
    pub fn all_options(&self, list: ReferenceList) -> Vec<SelectOption> {
        let mut items: Vec<&ReferenceItem> = self
            .lists
            .get(&list)
            .map(|l| l.iter().collect())
            .unwrap_or_default();
        items.sort_by(|a, b| {
            (!a.active, a.sort_order, a.display_name.as_str()).cmp(&(
                !b.active,
                b.sort_order,
                b.display_name.as_str(),
            ))
        });
        items
            .into_iter()
            .map(|item| {
                let mut text = item.display_name.clone();
                if !item.active && !text.contains("(legacy)") {
                    text.push_str(" (no longer in use)");
                }
                SelectOption::new(item.code.clone(), text)
            })
            .collect()
    }
}

impl ReferenceLookup for Refs {
    fn is_active(&self, list: ReferenceList, code: &str) -> bool {
        self.item(list, code).is_some_and(|item| item.active)
    }
    fn exists(&self, list: ReferenceList, code: &str) -> bool {
        self.item(list, code).is_some()
    }
    fn section_qualifies(&self, code: &str) -> bool {
        self.item(ReferenceList::QualifyingSections, code)
            .is_some_and(ReferenceItem::qualifies_for_s117)
    }
}
