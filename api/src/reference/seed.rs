//! The bundled reference files (compiled into the binary, so a deployment needs no data
//! folder) and their mapping onto reference values.

use std::collections::BTreeMap;

use s117_shared::reference::{ReferenceItem, ReferenceList};
use serde_json::{Map, Value};

use crate::db::Db;

const LOCAL_AUTHORITIES: &str = include_str!("../../../reference/local_authorities.csv");
const COMMISSIONERS: &str = include_str!("../../../reference/commissioners.csv");
const ETHNIC_CATEGORIES: &str = include_str!("../../../reference/ethnic_categories.csv");
const GENDERS: &str = include_str!("../../../reference/genders.csv");
const QUALIFYING_SECTIONS: &str = include_str!("../../../reference/qualifying_sections.csv");
const PLACES_DETAINED: &str = include_str!("../../../reference/hospitals_staffordshire.csv");
const PLACES_DETAINED_LOCAL: &str = include_str!("../../../reference/places_detained_local.csv");

type Record = BTreeMap<String, String>;

fn rows(csv_text: &str) -> anyhow::Result<Vec<Record>> {
    let mut reader = csv::Reader::from_reader(csv_text.as_bytes());
    let mut out = Vec::new();
    for row in reader.deserialize::<Record>() {
        out.push(row?);
    }
    Ok(out)
}

fn field<'a>(r: &'a Record, k: &str) -> &'a str {
    r.get(k).map(|s| s.trim()).unwrap_or("")
}

fn date(r: &Record, k: &str) -> Option<chrono::NaiveDate> {
    chrono::NaiveDate::parse_from_str(field(r, k), "%Y-%m-%d").ok()
}

fn boolean(r: &Record, k: &str) -> bool {
    field(r, k).eq_ignore_ascii_case("true")
}

/// Copies the named columns into the attributes object (booleans as JSON booleans, empty
/// cells left out).
fn attributes(r: &Record, text: &[&str], bools: &[&str]) -> Map<String, Value> {
    let mut m = Map::new();
    for k in text {
        let v = field(r, k);
        if !v.is_empty() {
            m.insert((*k).into(), Value::String(v.into()));
        }
    }
    for k in bools {
        m.insert((*k).into(), Value::Bool(boolean(r, k)));
    }
    m
}

fn item(code: &str, name: &str, display: &str, active: bool, sort: i64) -> ReferenceItem {
    ReferenceItem {
        code: code.into(),
        name: name.into(),
        display_name: display.into(),
        active,
        sort_order: sort,
        valid_from: None,
        valid_to: None,
        aliases: vec![],
        attributes: Map::new(),
    }
}

/// Sorts by display name and numbers the values in that order (lists without their own
/// order: councils, commissioners, places).
fn number_alphabetically(mut items: Vec<ReferenceItem>) -> Vec<ReferenceItem> {
    items.sort_by(|a, b| {
        a.display_name
            .to_lowercase()
            .cmp(&b.display_name.to_lowercase())
    });
    for (i, it) in items.iter_mut().enumerate() {
        it.sort_order = i as i64 + 1;
    }
    items
}

/// Every bundled list, parsed.
pub fn bundled() -> anyhow::Result<Vec<(ReferenceList, Vec<ReferenceItem>)>> {
    let mut out = Vec::new();

    let las = rows(LOCAL_AUTHORITIES)?
        .iter()
        .map(|r| {
            let mut it = item(
                field(r, "ons_code"),
                field(r, "official_name"),
                field(r, "name"),
                boolean(r, "active"),
                0,
            );
            it.valid_from = date(r, "start_date");
            it.valid_to = date(r, "end_date");
            it.aliases = vec![field(r, "official_name").to_string()];
            it.attributes = attributes(
                r,
                &["la_type", "nation", "registry_code", "replaced_by"],
                &[],
            );
            it
        })
        .collect();
    out.push((ReferenceList::LocalAuthorities, number_alphabetically(las)));

    let commissioners = rows(COMMISSIONERS)?
        .iter()
        .map(|r| {
            let mut it = item(
                field(r, "id"),
                field(r, "name"),
                field(r, "display_name"),
                boolean(r, "active"),
                0,
            );
            it.valid_from = date(r, "valid_from");
            it.valid_to = date(r, "valid_to");
            it.aliases = field(r, "aliases")
                .split('|')
                .map(str::trim)
                .filter(|a| !a.is_empty())
                .map(String::from)
                .collect();
            it.attributes = attributes(
                r,
                &[
                    "kind",
                    "ods_code",
                    "parent_ods_code",
                    "ons_code",
                    "ons_code_alt",
                    "nhs_region",
                    "nation",
                    "successor_ods_codes",
                ],
                &["needs_review"],
            );
            it
        })
        .collect();
    out.push((
        ReferenceList::Commissioners,
        number_alphabetically(commissioners),
    ));

    let ethnic = rows(ETHNIC_CATEGORIES)?
        .iter()
        .map(|r| {
            let mut it = item(
                field(r, "code"),
                field(r, "display_label"),
                field(r, "display_label"),
                true,
                field(r, "sort_order").parse().unwrap_or(0),
            );
            it.attributes = attributes(r, &["group", "label", "code_type"], &[]);
            it
        })
        .collect();
    out.push((ReferenceList::EthnicCategories, ethnic));

    let genders = rows(GENDERS)?
        .iter()
        .map(|r| {
            let mut it = item(
                field(r, "code"),
                field(r, "label"),
                field(r, "short_label"),
                true,
                field(r, "sort_order").parse().unwrap_or(0),
            );
            it.attributes = attributes(r, &["dashboard_group", "code_type"], &[]);
            it
        })
        .collect();
    out.push((ReferenceList::Genders, genders));

    let sections = rows(QUALIFYING_SECTIONS)?
        .iter()
        .map(|r| {
            let mut it = item(
                field(r, "code"),
                field(r, "label"),
                field(r, "label"),
                true,
                field(r, "sort_order").parse().unwrap_or(0),
            );
            it.attributes = attributes(
                r,
                &["part", "description"],
                &["qualifies_for_s117", "restricted"],
            );
            it
        })
        .collect();
    out.push((ReferenceList::QualifyingSections, sections));

    let mut places: Vec<ReferenceItem> = rows(PLACES_DETAINED)?
        .iter()
        .chain(rows(PLACES_DETAINED_LOCAL)?.iter())
        .map(|r| {
            let mut it = item(
                field(r, "id"),
                field(r, "name"),
                field(r, "name"),
                boolean(r, "active"),
                0,
            );
            it.attributes = attributes(
                r,
                &[
                    "site_ods_code",
                    "trust_ods_code",
                    "trust_name",
                    "town",
                    "postcode",
                    "local_authority_ons_code",
                    "unit_type",
                ],
                &[],
            );
            it
        })
        .collect();
    places = number_alphabetically(places);
    // "Other (out of area)" goes last, whatever its name sorts as.
    if let Some(pos) = places.iter().position(|p| p.code == "other-out-of-area") {
        let mut other = places.remove(pos);
        other.sort_order = 10_000;
        places.push(other);
    }
    out.push((ReferenceList::PlacesDetained, places));

    // GP practices start empty: administrators add the practices their area uses.
    out.push((ReferenceList::GpPractices, Vec::new()));
    Ok(out)
}

/// Adds bundled values that are not in the database yet.
pub async fn load(db: &Db) -> anyhow::Result<()> {
    for (list, items) in bundled()? {
        let added = super::store::insert_missing(db, list, &items).await?;
        if added > 0 {
            tracing::info!(list = list.slug(), added, "reference values loaded");
        }
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bundled_files_parse_with_expected_counts() {
        let lists: BTreeMap<_, _> = bundled().unwrap().into_iter().collect();
        assert_eq!(lists[&ReferenceList::LocalAuthorities].len(), 183);
        assert_eq!(lists[&ReferenceList::Commissioners].len(), 267);
        assert_eq!(lists[&ReferenceList::EthnicCategories].len(), 18);
        assert_eq!(lists[&ReferenceList::Genders].len(), 4);
        assert_eq!(lists[&ReferenceList::QualifyingSections].len(), 17);
        assert!(lists[&ReferenceList::PlacesDetained]
            .iter()
            .any(|p| p.code == "other-out-of-area"));
        let s2 = lists[&ReferenceList::QualifyingSections]
            .iter()
            .find(|s| s.code == "s2")
            .unwrap();
        assert_eq!(s2.attributes["qualifies_for_s117"], Value::Bool(false));
        let bcu = lists[&ReferenceList::Commissioners]
            .iter()
            .find(|c| c.code == "lhb:7A1")
            .unwrap();
        assert!(bcu
            .aliases
            .iter()
            .any(|a| a.eq_ignore_ascii_case("BETSI CADWALADR UNIVERSITY LHB")));
    }
}
