//! `s117 demo-data --records N`: fills a database with realistic synthetic people for demos
//! and benchmarks. Never real data: NHS numbers are all in the 999 test range (with valid
//! check digits), names come from short common-name lists, and the codes are real reference
//! codes. Deterministic for a given `--seed`, so benchmark runs are comparable.

use chrono::{Duration, NaiveDate, Utc};
use rand::rngs::StdRng;
use rand::{Rng, SeedableRng};
use s117_shared::nhs_number::check_digit;
use s117_shared::postcode::Postcode;
use s117_shared::record::{LearningDisability, ValidEpisode, ValidRecord};

use crate::db::Db;
use crate::records::store;

const FIRST: &[&str] = &[
    "Oliver",
    "George",
    "Harry",
    "Jack",
    "Jacob",
    "Noah",
    "Charlie",
    "Thomas",
    "Oscar",
    "William",
    "James",
    "Leo",
    "Alfie",
    "Henry",
    "Joshua",
    "Freddie",
    "Archie",
    "Ethan",
    "Isaac",
    "Alexander",
    "Olivia",
    "Amelia",
    "Isla",
    "Ava",
    "Emily",
    "Sophia",
    "Grace",
    "Mia",
    "Poppy",
    "Ella",
    "Lily",
    "Evie",
    "Isabella",
    "Sophie",
    "Ivy",
    "Freya",
    "Harper",
    "Willow",
    "Zoë",
    "Siobhan",
    "Aisha",
    "Mohammed",
    "Priya",
    "Wiktoria",
    "Dylan",
    "Rhys",
    "Megan",
    "Cerys",
    "Alan",
    "Steve",
    "Ellen",
    "Rosemary",
    "Margaret",
    "Susan",
    "David",
    "Paul",
    "Karen",
    "Janet",
    "Gareth",
    "Bethan",
];
const FAMILY: &[&str] = &[
    "Smith",
    "Jones",
    "Taylor",
    "Brown",
    "Williams",
    "Wilson",
    "Johnson",
    "Davies",
    "Robinson",
    "Wright",
    "Thompson",
    "Evans",
    "Walker",
    "White",
    "Roberts",
    "Green",
    "Hall",
    "Wood",
    "Jackson",
    "Clarke",
    "Patel",
    "Khan",
    "Lewis",
    "James",
    "Phillips",
    "Mason",
    "Mitchell",
    "Rose",
    "Davis",
    "Rodriguez",
    "Cox",
    "Alexander",
    "O'Neil",
    "Harbour",
    "Lowther",
    "Trent",
    "Billings",
    "Hughes",
    "Edwards",
    "Turner",
    "Hill",
    "Moore",
    "Cooper",
    "Ward",
    "Morris",
    "King",
    "Baker",
    "Harrison",
    "Morgan",
    "Allen",
    "Bell",
    "Young",
    "Collins",
    "Stewart",
    "Kowalski",
    "Nowak",
    "Begum",
    "Ali",
    "Smith-Jones",
    "Fitzgerald",
];
const POSTCODE_AREAS: &[&str] = &[
    "ST1", "ST2", "ST3", "ST4", "ST5", "ST6", "ST7", "ST10", "ST14", "ST16", "ST17", "ST18",
    "ST19", "WS11", "WS12", "WS13", "WS15", "B77", "B78", "B79", "DE13", "DE14", "WV8", "SK16",
    "B15",
];
const INWARD_LETTERS: &[u8] = b"ABDEFGHJLNPQRSTUWXYZ";
const LAS: &[(&str, u32)] = &[
    ("E10000028", 60),
    ("E06000021", 25),
    ("E08000025", 3),
    ("E08000030", 3),
    ("E08000031", 3),
    ("E06000051", 3),
    ("E10000007", 3),
];
const COMMISSIONERS: &[(&str, u32)] = &[
    ("sicbl:05G", 20),
    ("sicbl:05W", 20),
    ("sicbl:05V", 15),
    ("sicbl:04Y", 12),
    ("sicbl:05D", 10),
    ("sicbl:05Q", 10),
    ("icb:QHL", 5),
    ("icb:QUA", 4),
    ("lhb:7A1", 2),
    ("ccg:05G", 2),
];
const SECTIONS: &[(&str, u32)] = &[
    ("s3", 70),
    ("s37", 12),
    ("s37/41", 8),
    ("s47", 3),
    ("s47/49", 3),
    ("s45A", 2),
    ("s48/49", 2),
];
const PLACES: &[&str] = &[
    "harplands",
    "darwin-centre",
    "st-georges-stafford",
    "hatherton-centre",
    "other-out-of-area",
];
const ETHNIC: &[&str] = &[
    "A", "A", "A", "A", "A", "B", "C", "D", "H", "J", "K", "M", "N", "R", "S", "Z", "99",
];

fn weighted<'a>(rng: &mut StdRng, items: &'a [(&'a str, u32)]) -> &'a str {
    let total: u32 = items.iter().map(|(_, w)| w).sum();
    let mut pick = rng.gen_range(0..total);
    for (item, w) in items {
        if pick < *w {
            return item;
        }
        pick -= w;
    }
    items[0].0
}

/// The n-th valid 999-range NHS number.
pub fn test_nhs_number(n: u32) -> Option<String> {
    let nine = format!("999{:06}", n % 1_000_000);
    let digits: Vec<u8> = nine.bytes().map(|b| b - b'0').collect();
    let check = check_digit(&digits.clone().try_into().ok()?)?;
    Some(format!("{nine}{check}"))
}

fn postcode(rng: &mut StdRng) -> Postcode {
    let area = POSTCODE_AREAS[rng.gen_range(0..POSTCODE_AREAS.len())];
    let inward = format!(
        "{}{}{}",
        rng.gen_range(1..10),
        INWARD_LETTERS[rng.gen_range(0..INWARD_LETTERS.len())] as char,
        INWARD_LETTERS[rng.gen_range(0..INWARD_LETTERS.len())] as char
    );
    Postcode::parse(&format!("{area} {inward}"))
        .unwrap_or_else(|_| Postcode::parse("ZZ99 3WZ").expect("pseudo-postcode"))
}

/// One synthetic person with NHS number `nhs`, and the date their entitlement ended (about
/// one in six) or `None`.
fn person(
    rng: &mut StdRng,
    today: NaiveDate,
    nhs: &str,
    number: u32,
) -> (ValidRecord, Option<NaiveDate>) {
    let dob = today - Duration::days(rng.gen_range(12 * 365..90 * 365));
    let detained = today - Duration::days(rng.gen_range(30..3000));
    let start = detained + Duration::days(rng.gen_range(14..120));
    let start = start.min(today);
    let record = ValidRecord {
        nhs_number: s117_shared::nhs_number::NhsNumber::parse(nhs).ok(),
        source_system_id: Some(format!("SYS{number:07}")),
        first_name: FIRST[rng.gen_range(0..FIRST.len())].to_string(),
        family_name: FAMILY[rng.gen_range(0..FAMILY.len())].to_string(),
        date_of_birth: dob,
        gender: if rng.gen_bool(0.52) {
            "1"
        } else if rng.gen_bool(0.97) {
            "2"
        } else {
            "9"
        }
        .to_string(),
        ethnicity: Some(ETHNIC[rng.gen_range(0..ETHNIC.len())].to_string()),
        address_line_1: Some(format!("{} High Street", rng.gen_range(1..200))),
        address_line_2: None,
        address_line_3: None,
        town: None,
        postcode: postcode(rng),
        learning_disability: if rng.gen_bool(0.1) {
            LearningDisability::Yes
        } else {
            LearningDisability::No
        },
        gp_practice: None,
        notes: None,
        episode: ValidEpisode {
            date_detained: detained,
            qualifying_section: weighted(rng, SECTIONS).to_string(),
            place_detained: Some(PLACES[rng.gen_range(0..PLACES.len())].to_string()),
            s117_start_date: start,
            responsible_la: weighted(rng, LAS).to_string(),
            responsible_commissioner: weighted(rng, COMMISSIONERS).to_string(),
            gp_out_of_county: rng.gen_bool(0.1),
            cto_start_date: None,
            cto_end_date: None,
            last_review_date: None,
            next_review_date: Some(start + Duration::days(rng.gen_range(90..400))),
        },
    };
    let end_date = rng
        .gen_bool(0.15)
        .then(|| (start + Duration::days(rng.gen_range(30..900))).min(today));
    (record, end_date)
}

/// Inserts `count` synthetic people (each with one episode; about one in six ended), in
/// batches through the bulk path a CSV upload's new rows take ([`store::insert_people`],
/// [`store::insert_episodes`]). People already there (same NHS number or system ID: a re-run
/// with the same seed) are skipped.
pub async fn fill(db: &Db, count: u32, seed: u64) -> anyhow::Result<u32> {
    let mut rng = StdRng::seed_from_u64(seed);
    let today = Utc::now().date_naive();
    let now = Utc::now();
    let mut inserted = 0;
    let mut next_number = rng.gen_range(0..500_000u32);
    let batch = 2_000;
    let mut done = 0;
    let mut analyzed_at: u32 = 0;
    while done < count {
        let mut people: Vec<(ValidRecord, Option<NaiveDate>)> = Vec::with_capacity(batch as usize);
        for _ in 0..batch.min(count - done) {
            done += 1;
            let nhs = loop {
                next_number += 1;
                if let Some(n) = test_nhs_number(next_number) {
                    break n;
                }
            };
            let (record, end_date) = person(&mut rng, today, &nhs, next_number);
            people.push((record, end_date));
        }
        let mut tx = db.begin().await?;
        let taken =
            store::taken_keys(&mut tx, &people.iter().map(|(r, _)| r).collect::<Vec<_>>()).await?;
        people.retain(|(r, _)| {
            let nhs = r.nhs_number.as_ref().map(|n| n.as_str().to_string());
            !nhs.is_some_and(|n| taken.contains(&n))
                && !r
                    .source_system_id
                    .as_ref()
                    .is_some_and(|s| taken.contains(s))
        });
        let records: Vec<&ValidRecord> = people.iter().map(|(r, _)| r).collect();
        let ids = store::insert_people(&mut tx, &records, "s117 demo-data", now).await?;
        let episodes: Vec<(i64, &ValidEpisode)> = ids
            .iter()
            .zip(&records)
            .map(|(id, r)| (*id, &r.episode))
            .collect();
        store::insert_episodes(&mut tx, &episodes, now).await?;
        for (id, (record, end_date)) in ids.iter().zip(&people) {
            let Some(end_date) = end_date else { continue };
            let end = s117_shared::record::ValidEnd {
                end_date: *end_date,
                reason: s117_shared::record::EndReason::NoLongerNeedsAftercare,
                la_agreed_by: "Demo data".into(),
                nhs_agreed_by: "Demo data".into(),
            };
            let eps = store::episodes(&mut tx, *id).await?;
            store::end_episode(&mut tx, eps[0].id, &end, now).await?;
            store::set_current(
                &mut tx,
                *id,
                "ended",
                &record.episode.responsible_la,
                &record.episode.responsible_commissioner,
            )
            .await?;
        }
        tx.commit().await?;
        inserted += ids.len() as u32;
        // PostgreSQL plans (and caches the plan of) each batch's duplicate check by the
        // statistics it last had: from an empty table, a sequential scan of people per batch,
        // which took 1 to 3 s per statement by 100,000 records. Fresh statistics each time the
        // table has doubled keep it on the indexes.
        if let Db::Postgres(p) = db {
            if inserted > 0 && inserted >= analyzed_at.saturating_mul(2) {
                sqlx::query("ANALYZE people").execute(p).await?;
                analyzed_at = inserted;
            }
        }
    }
    // Fresh statistics after a bulk load: without them PostgreSQL plans (and caches plans)
    // as if the tables were still tiny until autovacuum catches up. On PostgreSQL also a
    // VACUUM, which marks the new pages all-visible so searches get the index-only scans
    // they are built for (autovacuum would do the same a little later).
    //
    // On SQLite only the table-level statistics are kept: with the per-value ones
    // (sqlite_stat4) the planner marks every statement whose plan might depend on a bound
    // value as expired whenever its parameters are bound again, so each search and each
    // session check would be parsed and planned afresh (a third of a search's CPU time).
    match db {
        Db::Sqlite(p) => {
            sqlx::query("ANALYZE").execute(p).await?;
            let stat4: Option<String> = sqlx::query_scalar(
                "SELECT name FROM sqlite_master WHERE type = 'table' AND name = 'sqlite_stat4'",
            )
            .fetch_optional(p)
            .await?;
            if stat4.is_some() {
                sqlx::query("DELETE FROM sqlite_stat4").execute(p).await?;
            }
        }
        Db::Postgres(p) => {
            sqlx::query("VACUUM ANALYZE").execute(p).await?;
        }
    }
    Ok(inserted)
}

#[cfg(test)]
mod tests {
    #[test]
    fn test_numbers_are_valid_and_in_the_test_range() {
        let mut found = 0;
        for n in 0..100 {
            if let Some(num) = super::test_nhs_number(n) {
                let parsed = s117_shared::nhs_number::NhsNumber::parse(&num).unwrap();
                assert!(parsed.is_test_range());
                found += 1;
            }
        }
        assert!(found > 80);
    }
}
