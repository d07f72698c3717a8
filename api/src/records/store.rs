//! SQL for people, episodes, name tokens and tombstones.

use chrono::{DateTime, NaiveDate, Utc};
use s117_shared::postcode;
use s117_shared::record::{ValidEnd, ValidEpisode, ValidRecord};

use crate::db::{repeated, Db, Tx};
use crate::{insert_chunked, on_db, on_tx};

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct PersonRow {
    pub id: i64,
    pub nhs_number: Option<String>,
    pub source_system_id: Option<String>,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub gender: String,
    pub ethnicity: Option<String>,
    pub address_line_1: Option<String>,
    pub address_line_2: Option<String>,
    pub address_line_3: Option<String>,
    pub town: Option<String>,
    pub postcode: String,
    pub learning_disability: String,
    pub gp_practice: Option<String>,
    pub notes: Option<String>,
    pub status: String,
    pub current_la: String,
    pub current_commissioner: String,
    pub version: i64,
    pub created_at: DateTime<Utc>,
    pub created_by: String,
    pub updated_at: DateTime<Utc>,
    pub updated_by: String,
}

#[derive(Debug, Clone, sqlx::FromRow)]
pub struct EpisodeRow {
    pub id: i64,
    pub person_id: i64,
    pub date_detained: NaiveDate,
    pub qualifying_section: String,
    pub place_detained: Option<String>,
    pub s117_start_date: NaiveDate,
    pub responsible_la: String,
    pub responsible_commissioner: String,
    pub gp_out_of_county: bool,
    pub cto_start_date: Option<NaiveDate>,
    pub cto_end_date: Option<NaiveDate>,
    pub last_review_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<String>,
    pub la_agreed_by: Option<String>,
    pub nhs_agreed_by: Option<String>,
}

const PERSON_COLUMNS: &str = "id, nhs_number, source_system_id, first_name, family_name, date_of_birth, gender, ethnicity,
    address_line_1, address_line_2, address_line_3, town, postcode, learning_disability, gp_practice, notes, status,
    current_la, current_commissioner, version, created_at, created_by, updated_at, updated_by";
const EPISODE_COLUMNS: &str = "id, person_id, date_detained, qualifying_section, place_detained, s117_start_date, responsible_la,
    responsible_commissioner, gp_out_of_county, cto_start_date, cto_end_date, last_review_date, next_review_date, end_date,
    end_reason, la_agreed_by, nhs_agreed_by";

/// The normalised words a person is found by (each name word, and each part of a hyphenated
/// or apostrophised word, plus the whole normalised names).
pub fn name_tokens(first: &str, family: &str) -> Vec<String> {
    use s117_shared::names::normalise_name;
    let mut out: Vec<String> = Vec::new();
    for name in [first, family] {
        let whole = normalise_name(name);
        let words = name.split_whitespace().map(normalise_name);
        let parts = name
            .split(|c: char| !c.is_alphanumeric())
            .map(normalise_name);
        for t in std::iter::once(whole).chain(words).chain(parts) {
            if !t.is_empty() && !out.contains(&t) {
                out.push(t);
            }
        }
    }
    out
}

/// The tokens in byte order (the order of both databases' token indexes), each with the
/// length in characters of its common prefix with the one before (0 for the first).
pub fn with_common_prefixes(mut tokens: Vec<String>) -> Vec<(String, i32)> {
    tokens.sort();
    let mut out: Vec<(String, i32)> = Vec::with_capacity(tokens.len());
    for t in tokens {
        let lcp = out.last().map_or(0, |(prev, _)| {
            prev.chars()
                .zip(t.chars())
                .take_while(|(a, b)| a == b)
                .count()
        });
        out.push((t, lcp as i32));
    }
    out
}

pub fn name_key(first: &str, family: &str) -> String {
    format!(
        "{}|{}",
        s117_shared::names::normalise_name(first),
        s117_shared::names::normalise_name(family)
    )
}

pub fn postcode_key(postcode: &str) -> String {
    postcode
        .chars()
        .filter(|c| c.is_ascii_alphanumeric())
        .collect::<String>()
        .to_uppercase()
}

/// The first person matching any duplicate key (DESIGN.md §3), other than `except`.
pub async fn find_duplicate(
    tx: &mut Tx,
    r: &ValidRecord,
    except: Option<i64>,
) -> Result<Option<(i64, &'static str)>, sqlx::Error> {
    let except = except.unwrap_or(-1);
    let nhs = r.nhs_number.as_ref().map(|n| n.as_str().to_string());
    if let Some(nhs) = &nhs {
        let found: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM people WHERE nhs_number = $1 AND id <> $2").bind(nhs).bind(except).fetch_optional(c).await)?;
        if let Some(id) = found {
            return Ok(Some((id, "nhs_number")));
        }
    }
    if let Some(sid) = &r.source_system_id {
        let found: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM people WHERE source_system_id = $1 AND id <> $2").bind(sid).bind(except).fetch_optional(c).await)?;
        if let Some(id) = found {
            return Ok(Some((id, "source_system_id")));
        }
    }
    let key = name_key(&r.first_name, &r.family_name);
    let found: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM people WHERE name_key = $1 AND date_of_birth = $2 AND id <> $3 ORDER BY id LIMIT 1")
        .bind(&key).bind(r.date_of_birth).bind(except).fetch_optional(c).await)?;
    Ok(found.map(|id| (id, "name_and_date_of_birth")))
}

/// Register IDs for `n` new people, ascending, none ever used before (not even by a deleted
/// record, whose tombstone keeps its ID). Taken inside the writing transaction, so they can be
/// written explicitly, and episodes, name tokens and audit entries can name them, without
/// reading each row back.
/// - SQLite: the transaction holds the write lock (BEGIN IMMEDIATE), so nobody else can take
///   an ID until it ends; the next IDs are those after the larger of the AUTOINCREMENT
///   high-water mark and the largest ID present, which is exactly where AUTOINCREMENT itself
///   would continue (and inserting them moves the high-water mark on).
/// - PostgreSQL: `nextval` of the IDs' own sequence, `n` times; each value is handed out once,
///   to this transaction, whatever else runs (sorted here, so no row order is assumed).
async fn new_person_ids(tx: &mut Tx, n: usize) -> Result<Vec<i64>, sqlx::Error> {
    if n == 0 {
        return Ok(Vec::new());
    }
    match tx {
        Tx::Sqlite(t) => {
            let c: &mut sqlx::SqliteConnection = &mut *t;
            let last: i64 = sqlx::query_scalar(
                "SELECT MAX(COALESCE((SELECT seq FROM sqlite_sequence WHERE name = 'people'), 0),
                            COALESCE((SELECT MAX(id) FROM people), 0))",
            )
            .fetch_one(c)
            .await?;
            Ok((last + 1..=last + n as i64).collect())
        }
        Tx::Postgres(t) => {
            let c: &mut sqlx::PgConnection = &mut *t;
            let mut ids: Vec<i64> = sqlx::query_scalar(
                "SELECT nextval(pg_get_serial_sequence('people', 'id')) FROM generate_series(1, $1)",
            )
            .bind(n as i64)
            .fetch_all(c)
            .await?;
            ids.sort_unstable();
            Ok(ids)
        }
    }
}

/// Which of these records' NHS numbers and source system IDs are already on the register
/// (for loaders that skip people already there).
pub async fn taken_keys(
    tx: &mut Tx,
    records: &[&ValidRecord],
) -> Result<std::collections::HashSet<String>, sqlx::Error> {
    let mut taken = std::collections::HashSet::new();
    let kind = tx.kind();
    for chunk in records.chunks(1000) {
        let list = repeated(kind, "?", chunk.len());
        let nhs: Vec<Option<String>> = chunk
            .iter()
            .map(|r| r.nhs_number.as_ref().map(|n| n.as_str().to_string()))
            .collect();
        let sids: Vec<Option<String>> = chunk.iter().map(|r| r.source_system_id.clone()).collect();
        for (column, values) in [("nhs_number", nhs), ("source_system_id", sids)] {
            let sql = format!("SELECT {column} FROM people WHERE {column} IN ({list})");
            let found: Vec<String> = on_tx!(tx, c => {
                let mut q = sqlx::query_scalar::<_, String>(&sql);
                for v in &values {
                    q = q.bind(v);
                }
                q.fetch_all(c).await
            })?;
            taken.extend(found);
        }
    }
    Ok(taken)
}

/// Adds one person (with their name tokens); their first episode is [`insert_episode`]'s.
pub async fn insert_person(
    tx: &mut Tx,
    r: &ValidRecord,
    who: &str,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    Ok(insert_people(tx, &[r], who, now).await?[0])
}

/// Adds people (with their name tokens) in a few multi-row statements, and returns their IDs
/// in the order given. A bulk upload of 100,000 people is a few hundred statements this way,
/// not a dozen per person.
pub async fn insert_people(
    tx: &mut Tx,
    records: &[&ValidRecord],
    who: &str,
    now: DateTime<Utc>,
) -> Result<Vec<i64>, sqlx::Error> {
    let ids = new_person_ids(tx, records.len()).await?;
    let rows: Vec<(i64, &ValidRecord)> = ids.iter().copied().zip(records.iter().copied()).collect();
    insert_chunked!(
        tx,
        "INSERT INTO people (id, nhs_number, source_system_id, first_name, family_name, name_key, date_of_birth, gender, ethnicity,
             address_line_1, address_line_2, address_line_3, town, postcode, postcode_key, learning_disability, gp_practice, notes,
             status, current_la, current_commissioner, version, created_at, created_by, updated_at, updated_by)",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, 'active', ?, ?, 1, ?, ?, ?, ?)",
        rows,
        |q, (id, r)| q.bind(id)
            .bind(r.nhs_number.as_ref().map(|n| n.as_str().to_string())).bind(&r.source_system_id).bind(&r.first_name).bind(&r.family_name)
            .bind(name_key(&r.first_name, &r.family_name)).bind(r.date_of_birth).bind(&r.gender).bind(&r.ethnicity)
            .bind(&r.address_line_1).bind(&r.address_line_2).bind(&r.address_line_3).bind(&r.town)
            .bind(r.postcode.as_str()).bind(postcode_key(r.postcode.as_str())).bind(r.learning_disability.as_str())
            .bind(&r.gp_practice).bind(&r.notes).bind(&r.episode.responsible_la).bind(&r.episode.responsible_commissioner)
            .bind(now).bind(who).bind(now).bind(who)
    )?;
    let names: Vec<(i64, &str, &str, &str)> = ids
        .iter()
        .zip(records)
        .map(|(id, r)| (*id, "active", r.first_name.as_str(), r.family_name.as_str()))
        .collect();
    insert_tokens(tx, &names).await?;
    Ok(ids)
}

/// A name token row as written: person, token, lcp, status, family name, first name.
type TokenRow<'a> = (i64, String, i32, &'a str, &'a str, &'a str);

/// Writes the name tokens of people `(id, status, first name, family name)` who have none
/// yet.
async fn insert_tokens(tx: &mut Tx, people: &[(i64, &str, &str, &str)]) -> Result<(), sqlx::Error> {
    // Each token row carries the person's status and names (migration 0007: searches count
    // and sort from the token index alone; a trigger keeps them current), and its
    // common-prefix length with the previous token, which lets a prefix search count each
    // person once. The values are written as given rather than joined from people: as people
    // grows inside a bulk upload's transaction, PostgreSQL's plan for such a join (on stale
    // statistics) scanned the whole table once per statement.
    let tokens: Vec<TokenRow> = people
        .iter()
        .flat_map(|(id, status, first, family)| {
            with_common_prefixes(name_tokens(first, family))
                .into_iter()
                .map(move |(t, lcp)| (*id, t, lcp, *status, *family, *first))
        })
        .collect();
    insert_chunked!(
        tx,
        "INSERT INTO name_tokens (person_id, token, lcp, status, family_name, first_name)",
        "(?, ?, ?, ?, ?, ?)",
        tokens,
        |q, (id, t, lcp, status, family, first)| q
            .bind(id)
            .bind(t)
            .bind(lcp)
            .bind(status)
            .bind(family)
            .bind(first)
    )?;
    // Every ordered pair of a person's different tokens (migration 0012), for two-word
    // searches. A person's tokens are consecutive in `tokens`.
    let pairs: Vec<(&TokenRow, &TokenRow)> = tokens
        .chunk_by(|a, b| a.0 == b.0)
        .flat_map(|person| {
            person.iter().flat_map(move |a| {
                person
                    .iter()
                    .filter(move |b| b.1 != a.1)
                    .map(move |b| (a, b))
            })
        })
        .collect();
    insert_chunked!(
        tx,
        "INSERT INTO name_pairs (person_id, token, other, lcp, other_lcp, status, family_name, first_name)",
        "(?, ?, ?, ?, ?, ?, ?, ?)",
        pairs,
        |q, ((id, t, lcp, status, family, first), (_, other, other_lcp, ..))| q
            .bind(id).bind(t).bind(other).bind(lcp).bind(other_lcp).bind(status).bind(family).bind(first)
    )?;
    // Every different prefix of a person's tokens (migration 0016), for one-word searches.
    let prefixes: Vec<(&TokenRow, &str)> = tokens
        .iter()
        .flat_map(|row| new_prefixes(&row.1, row.2).map(move |p| (row, p)))
        .collect();
    const INSERT_PREFIXES: &str =
        "INSERT INTO name_prefixes (prefix, status, family_name, first_name, person_id)";
    match tx {
        // About eleven rows per person: PostgreSQL takes them as five arrays in one
        // statement. As multi-row VALUES (a parameter per value, parsed and planned anew in
        // an upload's transaction), processing a 20,000-row upload took 5.5 s instead of
        // 5.1 s (4.0 s without the prefixes).
        Tx::Postgres(c) => {
            sqlx::query(&format!(
                "{INSERT_PREFIXES} SELECT * FROM UNNEST($1::text[], $2::text[], $3::text[], $4::text[], $5::int8[])"
            ))
            .bind(prefixes.iter().map(|(_, prefix)| *prefix).collect::<Vec<&str>>())
            .bind(prefixes.iter().map(|(row, _)| row.3).collect::<Vec<&str>>())
            .bind(prefixes.iter().map(|(row, _)| row.4).collect::<Vec<&str>>())
            .bind(prefixes.iter().map(|(row, _)| row.5).collect::<Vec<&str>>())
            .bind(prefixes.iter().map(|(row, _)| row.0).collect::<Vec<i64>>())
            .execute(&mut **c)
            .await
            .map(|_| ())
        }
        Tx::Sqlite(_) => insert_chunked!(
            tx,
            INSERT_PREFIXES,
            "(?, ?, ?, ?, ?)",
            prefixes,
            |q, ((id, _, _, status, family, first), prefix)| q
                .bind(prefix).bind(status).bind(family).bind(first).bind(id)
        ),
    }
}

/// The prefixes of `token` that a person's earlier tokens (in byte order) do not have: those
/// longer than its common prefix `lcp` with the token before it (every prefix shared with an
/// earlier token is shared with that one), in characters.
fn new_prefixes(token: &str, lcp: i32) -> impl Iterator<Item = &str> {
    token
        .char_indices()
        .map(|(i, c)| &token[..i + c.len_utf8()])
        .skip(usize::try_from(lcp).unwrap_or(0))
}

/// Removes a person's name tokens, token pairs and prefixes (before their names are written
/// again, or the person is deleted).
async fn delete_tokens(tx: &mut Tx, id: i64) -> Result<(), sqlx::Error> {
    on_tx!(tx, c => {
        sqlx::query("DELETE FROM name_prefixes WHERE person_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM name_pairs WHERE person_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM name_tokens WHERE person_id = $1").bind(id).execute(&mut *c).await.map(|_| ())
    })
}

/// Updates the person if `version` is still current; false when someone changed it first.
pub async fn update_person(
    tx: &mut Tx,
    id: i64,
    version: i64,
    r: &ValidRecord,
    who: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE people SET nhs_number = $3, source_system_id = $4, first_name = $5, family_name = $6, name_key = $7,
                 date_of_birth = $8, gender = $9, ethnicity = $10, address_line_1 = $11, address_line_2 = $12, address_line_3 = $13,
                 town = $14, postcode = $15, postcode_key = $16, learning_disability = $17, gp_practice = $18, notes = $19,
                 version = version + 1, updated_at = $20, updated_by = $21
               WHERE id = $1 AND version = $2 RETURNING status";
    let status: Option<String> = on_tx!(tx, c => sqlx::query_scalar(sql)
        .bind(id).bind(version)
        .bind(r.nhs_number.as_ref().map(|n| n.as_str().to_string())).bind(&r.source_system_id).bind(&r.first_name).bind(&r.family_name)
        .bind(name_key(&r.first_name, &r.family_name)).bind(r.date_of_birth).bind(&r.gender).bind(&r.ethnicity)
        .bind(&r.address_line_1).bind(&r.address_line_2).bind(&r.address_line_3).bind(&r.town)
        .bind(r.postcode.as_str()).bind(postcode_key(r.postcode.as_str())).bind(r.learning_disability.as_str())
        .bind(&r.gp_practice).bind(&r.notes).bind(now).bind(who)
        .fetch_optional(c).await)?;
    let Some(status) = status else {
        return Ok(false);
    };
    delete_tokens(tx, id).await?;
    insert_tokens(tx, &[(id, &status, &r.first_name, &r.family_name)]).await?;
    Ok(true)
}

/// Moves the version on (a change to an episode is a change to the record) if it is still
/// `version`, and records status and current responsibility.
pub async fn bump(
    tx: &mut Tx,
    id: i64,
    version: i64,
    status: &str,
    la: &str,
    commissioner: &str,
    who: &str,
    now: DateTime<Utc>,
) -> Result<bool, sqlx::Error> {
    let sql = "UPDATE people SET version = version + 1, status = $3, current_la = $4, current_commissioner = $5, updated_at = $6, updated_by = $7
               WHERE id = $1 AND version = $2";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(version).bind(status).bind(la).bind(commissioner).bind(now).bind(who)
        .execute(c).await.map(|r| r.rows_affected() == 1))
}

pub async fn set_current(
    tx: &mut Tx,
    id: i64,
    status: &str,
    la: &str,
    commissioner: &str,
) -> Result<(), sqlx::Error> {
    let sql =
        "UPDATE people SET status = $2, current_la = $3, current_commissioner = $4 WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(status).bind(la).bind(commissioner).execute(c).await.map(|_| ()))
}

/// Adds an episode and returns its ID.
pub async fn insert_episode(
    tx: &mut Tx,
    person: i64,
    e: &ValidEpisode,
    now: DateTime<Utc>,
) -> Result<i64, sqlx::Error> {
    insert_episodes(tx, &[(person, e)], now).await?;
    // The episode just added is the person's only open one (a unique index says so).
    on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM episodes WHERE person_id = $1 AND end_date IS NULL")
        .bind(person).fetch_one(c).await)
}

/// Adds episodes `(person, episode)` in a few multi-row statements.
pub async fn insert_episodes(
    tx: &mut Tx,
    episodes: &[(i64, &ValidEpisode)],
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    insert_chunked!(
        tx,
        "INSERT INTO episodes (person_id, date_detained, qualifying_section, place_detained, s117_start_date, responsible_la,
             responsible_commissioner, gp_out_of_county, cto_start_date, cto_end_date, last_review_date, next_review_date, created_at, updated_at)",
        "(?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?, ?)",
        episodes,
        |q, (person, e)| q.bind(person).bind(e.date_detained).bind(&e.qualifying_section).bind(&e.place_detained).bind(e.s117_start_date)
            .bind(&e.responsible_la).bind(&e.responsible_commissioner).bind(e.gp_out_of_county).bind(e.cto_start_date)
            .bind(e.cto_end_date).bind(e.last_review_date).bind(e.next_review_date).bind(now).bind(now)
    )
}

pub async fn update_episode(
    tx: &mut Tx,
    id: i64,
    e: &ValidEpisode,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE episodes SET date_detained = $2, qualifying_section = $3, place_detained = $4, s117_start_date = $5,
                 responsible_la = $6, responsible_commissioner = $7, gp_out_of_county = $8, cto_start_date = $9, cto_end_date = $10,
                 last_review_date = $11, next_review_date = $12, updated_at = $13
               WHERE id = $1";
    on_tx!(tx, c => sqlx::query(sql)
        .bind(id).bind(e.date_detained).bind(&e.qualifying_section).bind(&e.place_detained).bind(e.s117_start_date)
        .bind(&e.responsible_la).bind(&e.responsible_commissioner).bind(e.gp_out_of_county).bind(e.cto_start_date)
        .bind(e.cto_end_date).bind(e.last_review_date).bind(e.next_review_date).bind(now)
        .execute(c).await.map(|_| ()))
}

pub async fn end_episode(
    tx: &mut Tx,
    id: i64,
    end: &ValidEnd,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "UPDATE episodes SET end_date = $2, end_reason = $3, la_agreed_by = $4, nhs_agreed_by = $5, updated_at = $6
               WHERE id = $1 AND end_date IS NULL";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(end.end_date).bind(end.reason.as_str()).bind(&end.la_agreed_by)
        .bind(&end.nhs_agreed_by).bind(now).execute(c).await.map(|_| ()))
}

pub async fn person(tx: &mut Tx, id: i64) -> Result<Option<PersonRow>, sqlx::Error> {
    let sql = format!("SELECT {PERSON_COLUMNS} FROM people WHERE id = $1");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(id).fetch_optional(c).await)
}

pub async fn episodes(tx: &mut Tx, person: i64) -> Result<Vec<EpisodeRow>, sqlx::Error> {
    let sql = format!("SELECT {EPISODE_COLUMNS} FROM episodes WHERE person_id = $1 ORDER BY end_date IS NULL DESC, date_detained DESC, id DESC");
    on_tx!(tx, c => sqlx::query_as(&sql).bind(person).fetch_all(c).await)
}

pub async fn delete_person(tx: &mut Tx, id: i64, version: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = on_tx!(tx, c => sqlx::query_scalar("SELECT id FROM people WHERE id = $1 AND version = $2")
        .bind(id).bind(version).fetch_optional(c).await)?;
    if found.is_none() {
        return Ok(false);
    }
    delete_tokens(tx, id).await?;
    on_tx!(tx, c => {
        sqlx::query("DELETE FROM episodes WHERE person_id = $1").bind(id).execute(&mut *c).await?;
        sqlx::query("DELETE FROM people WHERE id = $1").bind(id).execute(&mut *c).await?;
        Ok::<_, sqlx::Error>(true)
    })
}

pub async fn tombstone(
    tx: &mut Tx,
    id: i64,
    who: &str,
    user: Option<i64>,
    now: DateTime<Utc>,
) -> Result<(), sqlx::Error> {
    let sql = "INSERT INTO record_tombstones (record_id, deleted_at, deleted_by, deleted_by_user) VALUES ($1, $2, $3, $4)";
    on_tx!(tx, c => sqlx::query(sql).bind(id).bind(now).bind(who).bind(user).execute(c).await.map(|_| ()))
}

pub async fn is_tombstoned(db: &Db, id: i64) -> Result<bool, sqlx::Error> {
    let found: Option<i64> = on_db!(db, p => sqlx::query_scalar("SELECT record_id FROM record_tombstones WHERE record_id = $1").bind(id).fetch_optional(p).await)?;
    Ok(found.is_some())
}

// --- search -----------------------------------------------------------------------------

/// What the search box and filters ask for, already interpreted.
#[derive(Debug, Default)]
pub struct Search {
    pub nhs_number: Option<String>,
    pub register_id: Option<i64>,
    pub source_system_id: Option<String>,
    /// Prefix of the postcode without its space.
    pub postcode_prefix: Option<String>,
    /// Every token must be a prefix of one of the person's name words.
    pub name_tokens: Vec<String>,
    pub status: Option<&'static str>,
    pub responsible_la: Option<String>,
    pub commissioner: Option<String>,
    pub order_by: &'static str,
    pub limit: i64,
    pub offset: i64,
}

/// A person as the Manage Records table shows them. The names of their responsible LA and
/// commissioner are not read with them: the caller has them in its reference snapshot, and
/// two joins per row were a quarter of a PostgreSQL search's time.
#[derive(Debug, serde::Deserialize, sqlx::FromRow)]
pub struct SummaryRow {
    pub id: i64,
    pub nhs_number: Option<String>,
    pub source_system_id: Option<String>,
    pub first_name: String,
    pub family_name: String,
    pub date_of_birth: NaiveDate,
    pub postcode: String,
    pub current_la: String,
    pub current_commissioner: String,
    pub status: String,
}

/// The string just after every string that starts with `prefix` (for an index range scan).
fn prefix_end(prefix: &str) -> String {
    let mut chars: Vec<char> = prefix.chars().collect();
    while let Some(last) = chars.pop() {
        if let Some(next) = char::from_u32(last as u32 + 1) {
            chars.push(next);
            return chars.into_iter().collect();
        }
    }
    String::from("\u{10FFFF}")
}

/// Numbered placeholders (`$1`, `$2`, ...) for a query built piece by piece.
#[derive(Default)]
struct Binds(Vec<String>);

impl Binds {
    fn arg(&mut self, v: impl Into<String>) -> String {
        self.0.push(v.into());
        format!("${}", self.0.len())
    }
}

/// `$query` (any sqlx query type) with `$binds`' values bound in order.
macro_rules! bound {
    ($query:expr, $binds:expr) => {{
        let mut q = $query;
        for v in &$binds.0 {
            q = q.bind(v);
        }
        q
    }};
}

/// `order_by` in terms of the name-sort columns every search alternative yields
/// (`family_name, first_name, id`), or `None` when it sorts by anything else.
fn name_order(order_by: &str) -> Option<String> {
    let cols = order_by
        .split(',')
        .map(|part| part.split_whitespace().next().unwrap_or(""));
    let by_name = cols
        .into_iter()
        .all(|c| matches!(c, "p.family_name" | "p.first_name" | "p.id"));
    by_name.then(|| order_by.replace("p.", "m."))
}

/// Every status a person can have (`people.status`): a search of every status reads each
/// one's entries, which are in name order within it.
const STATUSES: [&str; 2] = ["active", "ended"];

const SUMMARY_COLUMNS: &str = "p.id, p.nhs_number, p.source_system_id, p.first_name, p.family_name, p.date_of_birth, p.postcode,
    p.current_la, p.current_commissioner, p.status";
/// The names a page is sorted by when sorted by responsible LA or commissioner.
const REFERENCE_SORT_COLUMNS: &str =
    ", la.display_name AS la_name, cm.display_name AS commissioner_name";
const REFERENCE_JOINS: &str = "LEFT JOIN reference_values la ON la.list = 'local-authorities' AND la.code = p.current_la
    LEFT JOIN reference_values cm ON cm.list = 'commissioners' AND cm.code = p.current_commissioner";

/// A page of search results on SQLite as one row: the total, and the page's rows as a JSON
/// array.
///
/// One row rather than one per person: sqlx's SQLite driver copies every value of every row
/// on its connection thread and hands each row over a channel to the request's thread, which
/// cost about 20 µs per row under load (more than the whole query), whereas one JSON text
/// crosses once and is parsed here in microseconds.
#[derive(sqlx::FromRow)]
struct JsonPage {
    total: i64,
    items: String,
}

/// A page row on PostgreSQL, with the total beside it.
#[derive(sqlx::FromRow)]
struct CountedRow {
    total: i64,
    #[sqlx(flatten)]
    row: SummaryRow,
}

/// Runs `[with] SELECT total_sql, page_sql` as one statement and returns the page (in
/// `order_by`'s order, written as everywhere here over `p`, `la` and `cm`) and the total.
/// `page_sql` yields [`SUMMARY_COLUMNS`] (and [`REFERENCE_SORT_COLUMNS`] if it sorts by them).
///
/// PostgreSQL returns the page as rows, each carrying the total (an InitPlan, computed once):
/// building and parsing JSON there cost as much as finding the page (0.41 → 0.21 ms per
/// search with the reference joins gone, pgbench, one client). Only a page past the end
/// then needs a second statement for its total (an empty first page has none).
async fn fetch_page(
    db: &Db,
    with: &str,
    total_sql: &str,
    page_sql: &str,
    order_by: &str,
    offset: i64,
    binds: &Binds,
) -> Result<(Vec<SummaryRow>, i64), sqlx::Error> {
    let order = order_by
        .replace("la.display_name", "r.la_name")
        .replace("cm.display_name", "r.commissioner_name")
        .replace("p.", "r.");
    match db {
        Db::Sqlite(pool) => {
            let fields = SUMMARY_COLUMNS
                .split(',')
                .map(|col| {
                    let f = col.trim().trim_start_matches("p.");
                    format!("'{f}', r.{f}")
                })
                .collect::<Vec<_>>()
                .join(", ");
            let sql = format!(
                "{with}SELECT {total_sql} AS total,
                 (SELECT json_group_array(json_object({fields}) ORDER BY {order}) FROM ({page_sql}) AS r) AS items"
            );
            let page: JsonPage = bound!(sqlx::query_as(&sql), binds).fetch_one(pool).await?;
            let rows =
                serde_json::from_str(&page.items).map_err(|e| sqlx::Error::Decode(Box::new(e)))?;
            Ok((rows, page.total))
        }
        Db::Postgres(pool) => {
            let sql = format!(
                "{with}SELECT {total_sql} AS total, r.* FROM ({page_sql}) AS r ORDER BY {order}"
            );
            let rows: Vec<CountedRow> = bound!(sqlx::query_as(&sql), binds).fetch_all(pool).await?;
            let total = match rows.first() {
                Some(first) => first.total,
                // Nothing on the first page: nothing matches.
                None if offset == 0 => 0,
                None => {
                    let sql = format!("{with}SELECT {total_sql}");
                    bound!(sqlx::query_scalar(&sql), binds)
                        .fetch_one(pool)
                        .await?
                }
            };
            Ok((rows.into_iter().map(|r| r.row).collect(), total))
        }
    }
}

/// One page of matching people and the total count. Each kind of key becomes an indexed
/// lookup (equality, or a range on an index for prefixes).
///
/// The common case, a search term sorted by name with at most a status filter, never visits a
/// row of people per match and never sorts or de-duplicates every match: the term's matches
/// are split into disjoint parts, each read from one index that also holds the status and the
/// name-sort columns (migrations 0007 and 0012), and combined with UNION ALL:
/// 1. postcode: a prefix ending in a digit is one name-ordered walk per district that starts
///    with it and one for the sector that is it (`people_postcode_district`,
///    `people_postcode_sector`; see `postcode::district_or_sector_matches`), counted from
///    `postcode_sector_counts`; any other prefix is a range on `people_postcode_search`;
/// 2. names (minus people already in part 1), see [`NamePlan`]: one word is one key of
///    `name_prefixes` (one row per person and prefix, in name order), counted from
///    `name_token_counts`; two or more words are a range on `name_pairs` (its key) for two of
///    them, any others checked per match on `name_tokens_person`;
/// 3. the exact keys (NHS number, register ID, system ID: a few rows at most); minus people
///    already in parts 1 or 2.
///
/// The total is the sum of the parts' counts, the page a top-N sort of their entries, and only
/// the page's rows (at most 100) are read from people. Everything else (other sorts, LA or
/// commissioner filters, no term at all) takes [`search_general`].
pub async fn search(db: &Db, s: &Search) -> Result<(Vec<SummaryRow>, i64), sqlx::Error> {
    let has_term = s.nhs_number.is_some()
        || s.register_id.is_some()
        || s.source_system_id.is_some()
        || s.postcode_prefix.is_some()
        || !s.name_tokens.is_empty();
    let order = name_order(s.order_by);
    let (true, Some(m_order), None, None) = (
        has_term,
        order,
        s.responsible_la.as_ref(),
        s.commissioner.as_ref(),
    ) else {
        return search_general(db, s).await;
    };
    let c = collate(db);
    let mut b = Binds::default();
    let status = |b: &mut Binds, col: &str| match s.status {
        Some(st) => format!(" AND {col} = {}", b.arg(st)),
        None => String::new(),
    };
    let range = |b: &mut Binds, col: &str, p: &String| {
        let lo = b.arg(p.clone());
        let hi = b.arg(prefix_end(p));
        format!("{col} >= {lo}{c} AND {col} < {hi}{c}")
    };
    // "p matches every name word", for excluding a person from a later part who is already
    // in an earlier one, or checking the words a name part does not read from its index.
    let has_word = |b: &mut Binds, person: &str, t: &String| {
        let r = range(b, "w.token", t);
        format!("EXISTS (SELECT 1 FROM name_tokens w WHERE w.person_id = {person} AND {r})")
    };
    // " AND person is not in the postcode part" when there is one (a name part leaves out
    // the people the postcode part already holds).
    let not_in_postcode_part = |b: &mut Binds, person: &str| match &s.postcode_prefix {
        Some(p) => {
            let r = range(b, "q.postcode_key", p);
            format!(" AND NOT EXISTS (SELECT 1 FROM people q WHERE q.id = {person} AND {r})")
        }
        None => String::new(),
    };
    let mut parts = Parts::new(db);
    // What a name part's index entries `t` must also satisfy: the status, `lcps` (each person
    // once), the words not read from the index, and not being in the postcode part.
    let name_filter = |b: &mut Binds, lcps: String, others: &[&String]| {
        let mut rest = status(b, "t.status");
        rest += &format!(" AND {lcps}");
        for w in others {
            rest += &format!(" AND {}", has_word(b, "t.person_id", w));
        }
        rest += &not_in_postcode_part(b, "t.person_id");
        rest
    };
    // Every name_tokens entry starting with `word` that passes `rest`.
    let token_range = |b: &mut Binds, word: &String, rest: &str| {
        let r = range(b, "t.token", word);
        format!(
            "SELECT t.family_name, t.first_name, t.person_id AS id FROM name_tokens t WHERE {r}{rest}"
        )
    };
    let t_order = m_order.replace("m.id", "t.person_id").replace("m.", "t.");
    let top = s.offset + s.limit;
    if let Some(p) = &s.postcode_prefix {
        // Everyone whose `column` (an indexed postcode column of people) starts with the
        // prefix, to be sorted for the page.
        let all = |b: &mut Binds, column: &str| {
            let r = range(b, column, p);
            let st = status(b, "status");
            format!("SELECT family_name, first_name, id FROM people WHERE {r}{st}")
        };
        if !postcode::prefix_within_sector(p) {
            // Within a unit's letters ("ST51G"): a handful of people.
            parts.both(all(&mut b, "postcode_key"));
        } else {
            // A person matches when their district starts with the prefix or their sector
            // is it (postcode::district_or_sector_matches). Each district's and each
            // sector's people are in name order in people_postcode_district and
            // people_postcode_sector (migrations 0014 and 0013), so the page is the top of a
            // few short index walks, and the matches are counted per sector.
            let r = range(&mut b, "k.sector", p);
            let st = status(&mut b, "k.status");
            parts.count(sum_of_counters(&format!(
                "postcode_sector_counts k WHERE {r}{st}"
            )));
            let st = status(&mut b, "z.status");
            let z_order = m_order.replace("m.", "z.");
            let walk = |column: &str, key: &str| {
                format!(
                    "SELECT z.family_name, z.first_name, z.id FROM people z
                     WHERE z.{column} = {key}{c}{st} ORDER BY {z_order} LIMIT {top}"
                )
            };
            let sector = b.arg(p.clone());
            parts.page(format!(
                "SELECT * FROM ({}) AS zs",
                walk("postcode_sector", &sector)
            ));
            match db {
                // Every district, however many: the walks never read more entries than the
                // matches (a district of fewer people than the page is read whole), and a
                // fallback's plan would cost every search its setting up.
                Db::Postgres(_) => {
                    let districts =
                        distinct_cte(&mut b, "d0", "people.postcode_district", p, None, c);
                    parts.ctes.push(districts);
                    parts.page(format!(
                        "SELECT x.family_name, x.first_name, x.id
                         FROM (SELECT word FROM d0 WHERE word IS NOT NULL) AS v CROSS JOIN LATERAL ({}) AS x",
                        walk("postcode_district", "v.word")
                    ));
                }
                Db::Sqlite(_) => match distinct_districts(db, p).await? {
                    Some(districts) => {
                        for (i, district) in districts.into_iter().enumerate() {
                            let district = b.arg(district);
                            parts.page(format!(
                                "SELECT * FROM ({}) AS z{i}",
                                walk("postcode_district", &district)
                            ));
                        }
                    }
                    // Many districts: every match but the sector's, sorted.
                    None => parts.page(all(&mut b, "postcode_district")),
                },
            }
        }
    }
    match NamePlan::new(db, &s.name_tokens).await? {
        NamePlan::None => {}
        NamePlan::Word { word } => {
            // Everyone with a name token starting with the word has one name_prefixes row
            // for it (migration 0016), in name order under each status: the page is the top
            // of one index walk per status, and no list of the tokens that start with the
            // word has to be read first. It replaced a walk per token that starts with the
            // word (a recursive CTE of the tokens, with a sort of every match as the fallback
            // for many). Measured on "harb" (1,391 of 100k people) on PostgreSQL: the
            // statement alone 6,462 → 8,816 per second (pgbench, generic plan, 2 clients);
            // through the server 4,405 → 5,293 searches/s, p99 13.1 → 10.9 ms, and "smi"
            // 4,236 → 5,002 (bench/search.sh, 32 connections, the same hour).
            let w = b.arg(word.clone());
            let not_in_postcode_part = not_in_postcode_part(&mut b, "t.person_id");
            if s.postcode_prefix.is_some() {
                let st = status(&mut b, "t.status");
                parts.count(count_of(&format!(
                    "SELECT t.person_id FROM name_prefixes t WHERE t.prefix = {w}{c}{st}{not_in_postcode_part}"
                )));
            } else {
                // Without a postcode to leave out, the matches are counted per token
                // (migration 0012): a few counters, not an index entry per match.
                let len = word.chars().count();
                let r = range(&mut b, "k.token", word);
                let st = status(&mut b, "k.status");
                parts.count(sum_of_counters(&format!(
                    "name_token_counts k WHERE {r}{st} AND k.lcp < {len}"
                )));
            }
            let statuses: &[&str] = match s.status {
                Some(st) => &[st],
                None => &STATUSES,
            };
            for (i, st) in statuses.iter().enumerate() {
                let st = b.arg(*st);
                parts.page(format!(
                    "SELECT * FROM (SELECT t.family_name, t.first_name, t.person_id AS id FROM name_prefixes t
                     WHERE t.prefix = {w}{c} AND t.status = {st}{not_in_postcode_part}
                     ORDER BY {t_order} LIMIT {top}) AS n{i}"
                ));
            }
        }
        NamePlan::Pair {
            lead,
            lead_words,
            other,
            rest: others,
        } => {
            let lcps = format!(
                "t.lcp < {} AND t.other_lcp < {}",
                lead.chars().count(),
                other.chars().count()
            );
            let mut rest = name_filter(&mut b, lcps, &others);
            rest += &format!(" AND {}", range(&mut b, "t.other", other));
            // One short range per word starting with the lead word; the pairs in it are
            // exactly the people who match (not in name order: their other tokens differ).
            let pairs = |token: &str| {
                format!(
                    "SELECT t.family_name, t.first_name, t.person_id AS id FROM name_pairs t
                     WHERE t.token = {token}{c}{rest}"
                )
            };
            let ranges: Vec<String> = lead_words.into_iter().map(|w| pairs(&b.arg(w))).collect();
            if !ranges.is_empty() {
                parts.both(ranges.join(" UNION ALL "));
            }
        }
        NamePlan::Probe { driver, others } => {
            let len = driver.chars().count();
            let rest = name_filter(&mut b, format!("t.lcp < {len}"), &others);
            parts.both(token_range(&mut b, driver, &rest));
        }
    }
    let mut exact: Vec<String> = Vec::new();
    if let Some(n) = &s.nhs_number {
        exact.push(format!("nhs_number = {}", b.arg(n.clone())));
    }
    if let Some(id) = s.register_id {
        exact.push(format!("id = CAST({} AS BIGINT)", b.arg(id.to_string())));
    }
    if let Some(sid) = &s.source_system_id {
        exact.push(format!("source_system_id = {}", b.arg(sid.clone())));
    }
    if !exact.is_empty() {
        let st = status(&mut b, "e.status");
        let mut sql = format!(
            "SELECT e.family_name, e.first_name, e.id FROM people e WHERE ({}){st}",
            exact
                .iter()
                .map(|x| format!("e.{x}"))
                .collect::<Vec<_>>()
                .join(" OR ")
        );
        if let Some(p) = &s.postcode_prefix {
            sql += &format!(" AND NOT ({})", range(&mut b, "e.postcode_key", p));
        }
        if !s.name_tokens.is_empty() {
            let words: Vec<String> = s
                .name_tokens
                .iter()
                .map(|t| has_word(&mut b, "e.id", t))
                .collect();
            sql += &format!(" AND NOT ({})", words.join(" AND "));
        }
        parts.both(sql);
    }
    if parts.page.is_empty() {
        return Ok((Vec::new(), 0));
    }
    // How the page's rows are read from people differs by database, each measured:
    // - SQLite reads them by `id IN` rather than by joining the page: it then keeps the top
    //   of the sort in its sorter instead of an ephemeral index, which took a third of the
    //   whole query's time (590 → 410 µs for a name with 1,391 matches). The copies in
    //   name_tokens and name_pairs sort exactly as people's own columns do, so ordering the
    //   page's rows by the latter keeps its order.
    // - PostgreSQL joins the page to people (one index lookup per row, in the page's order)
    //   and takes the names from the page itself, so the rows come out already in order:
    //   with `id IN` it built a hash of the page's ids and sorted the rows again, and the
    //   statement served 10-20% fewer searches a second ("harb": 9,635 → 11,533 per second
    //   for the statement alone, pgbench, median of 8 interleaved runs). The page's names
    //   are people's own (postcode and exact-key parts) or their copies in name_tokens and
    //   name_pairs, which the triggers of migrations 0007 and 0012 keep equal to them within
    //   the same transaction, so the statement's one snapshot shows the same names either way.
    // Repeating `$n` placeholders is fine on both databases.
    let total_sql = parts.counts.join(" + ");
    let m_page = parts.page.join(" UNION ALL ");
    let with = match parts.ctes.is_empty() {
        true => String::new(),
        false => format!("WITH RECURSIVE {} ", parts.ctes.join(", ")),
    };
    let page = format!(
        "SELECT m.family_name, m.first_name, m.id FROM ({m_page}) AS m ORDER BY {m_order} LIMIT {} OFFSET {}",
        s.limit, s.offset
    );
    let page_sql = match db {
        Db::Sqlite(_) => format!(
            "SELECT {SUMMARY_COLUMNS} FROM people p WHERE p.id IN (SELECT page.id FROM ({page}) AS page)"
        ),
        Db::Postgres(_) => {
            // SUMMARY_COLUMNS with the page's own id and names.
            let columns = SUMMARY_COLUMNS
                .split(',')
                .map(|col| match col.trim() {
                    c @ ("p.id" | "p.first_name" | "p.family_name") => c.replacen("p.", "page.", 1),
                    c => c.to_string(),
                })
                .collect::<Vec<_>>()
                .join(", ");
            format!("SELECT {columns} FROM ({page}) AS page JOIN people p ON p.id = page.id")
        }
    };
    fetch_page(
        db,
        &with,
        &format!("({total_sql})"),
        &page_sql,
        s.order_by,
        s.offset,
        &b,
    )
    .await
}

/// `SELECT COUNT(*)` of a query's rows.
fn count_of(sql: &str) -> String {
    format!("(SELECT COUNT(*) FROM ({sql}) AS c)")
}

/// The sum of the counters `k.n` of `from` (a counter table aliased `k`, and any condition),
/// as a count: 0 when there are none.
fn sum_of_counters(from: &str) -> String {
    format!("(SELECT CAST(COALESCE(SUM(k.n), 0) AS BIGINT) FROM {from})")
}

/// The disjoint parts of a search's matches as [`search`] puts them together: their counts
/// (SQL expressions, added up for the total), the queries whose union holds the page (a name
/// part may be split by word), and the CTEs they read.
struct Parts {
    counts: Vec<String>,
    page: Vec<String>,
    ctes: Vec<String>,
    /// Whether a part both counted and paged is run once into a MATERIALIZED CTE.
    materialize: bool,
}

impl Parts {
    fn new(db: &Db) -> Self {
        Self {
            counts: Vec::new(),
            page: Vec::new(),
            ctes: Vec::new(),
            // PostgreSQL otherwise runs such a part twice, once to count it and once for the
            // page: materialized, "ali smi" served 3,450-3,650 req/s instead of 2,980-3,320
            // (100k people, 32 connections). SQLite, in-process, showed no difference either
            // way (4,370 vs 4,325 req/s for "ali smi", 6,395 vs 6,391 for an NHS number), so
            // its parts stay plain subqueries.
            materialize: matches!(db, Db::Postgres(_)),
        }
    }

    fn count(&mut self, sql: String) {
        self.counts.push(sql);
    }

    fn page(&mut self, sql: String) {
        self.page.push(sql);
    }

    /// A part whose rows are both counted and candidates for the page.
    fn both(&mut self, sql: String) {
        if self.materialize {
            let name = format!("part{}", self.ctes.len());
            self.ctes.push(format!("{name} AS MATERIALIZED ({sql})"));
            self.counts.push(format!("(SELECT COUNT(*) FROM {name})"));
            self.page.push(format!("SELECT * FROM {name}"));
        } else {
            self.counts.push(count_of(&sql));
            self.page.push(sql);
        }
    }
}

/// A recursive CTE `name(word, n)` of the tokens that start with `prefix` (bound in `b`),
/// found by one index seek each, stopping after [`MAX_WORDS`] + 1 (so "more" shows).
fn tokens_cte(b: &mut Binds, name: &str, prefix: &str, c: &str) -> String {
    distinct_cte(b, name, "name_tokens.token", prefix, Some(MAX_WORDS), c)
}

/// SQL that is true when the token `word` starts a run for a prefix of `len` characters:
/// some person has it with a common prefix shorter than `len` with their token before.
/// A token that always follows a shorter one that the prefix also starts ("smithjones"
/// after "smith" for "smi") never does, and reading its pairs only to skip each one is
/// reading for nothing.
fn starts_a_run(word: &str, len: usize, c: &str) -> String {
    // A scalar subquery, not EXISTS: PostgreSQL turns EXISTS into a semi-join, and its
    // generic plan for that read the whole of name_token_counts instead of one key per
    // token.
    format!(
        "(SELECT 1 FROM name_token_counts k WHERE k.token = {word}{c} AND k.lcp < {len} AND k.n > 0 LIMIT 1) IS NOT NULL"
    )
}

/// How the name words of a search are read.
enum NamePlan<'a> {
    /// No name words.
    None,
    /// One word: a key of `name_prefixes` (migration 0016), whose walk gives the page.
    Word { word: &'a String },
    /// Two words of which neither starts the other, `lead` having at most [`MAX_WORDS`]
    /// tokens starting with it (`lead_words`): ranges on `name_pairs`'s key; any further
    /// words (`rest`) checked per match.
    Pair {
        lead: &'a String,
        lead_words: Vec<String>,
        other: &'a String,
        rest: Vec<&'a String>,
    },
    /// Words whose pairs cannot be read as a few ranges (one starts another, or every word
    /// is too short): a range for `driver`, the longest, the others checked per candidate.
    Probe {
        driver: &'a String,
        others: Vec<&'a String>,
    },
}

/// Whether few names hold `word`'s start: names seldom hold digits, so few tokens start with
/// a word that does (a postcode's "st5", a "1"). Among several words, such a word drives a
/// probe (one range, no token list read first): when one-word searches still took that path,
/// "ST5" served 1,610 → 1,710 req/s on PostgreSQL and 1,590 → 1,735 on SQLite with it (100k
/// people, 32 connections, three runs each, interleaved).
fn rare_in_names(word: &str) -> bool {
    word.chars().any(|c| c.is_ascii_digit())
}

/// A search's words longest first (the longest likely has the fewest matches; ties go to the
/// first typed), and the first two of them of which neither starts the other.
fn ranked(words: &[String]) -> (Vec<&String>, Option<(&String, &String)>) {
    let mut by_length: Vec<&String> = words.iter().collect();
    by_length.sort_by_key(|w| std::cmp::Reverse(w.chars().count()));
    let unrelated =
        |a: &String, b: &String| !a.starts_with(b.as_str()) && !b.starts_with(a.as_str());
    let pair = by_length.iter().enumerate().find_map(|(i, a)| {
        by_length[i + 1..]
            .iter()
            .find(|b| unrelated(a, b))
            .map(|b| (*a, *b))
    });
    (by_length, pair)
}

impl<'a> NamePlan<'a> {
    /// The plan, with the tokens it needs read beforehand.
    async fn new(db: &Db, words: &'a [String]) -> Result<Self, sqlx::Error> {
        let (by_length, pair) = ranked(words);
        let Some(&driver) = by_length.first() else {
            return Ok(Self::None);
        };
        if words.len() == 1 {
            return Ok(Self::Word { word: driver });
        }
        // A word that names seldom hold drives a probe at once, without a round trip to read
        // its tokens: few tokens start with it, and its part stays small (see
        // [`rare_in_names`]).
        if let Some(i) = by_length.iter().position(|w| rare_in_names(w)) {
            let mut by_rarity = by_length.clone();
            let rare = by_rarity.remove(i);
            by_rarity.insert(0, rare);
            return Ok(Self::probe(&by_rarity));
        }
        let Some((x, y)) = pair else {
            return Ok(Self::probe(&by_length));
        };
        Ok(match distinct_words(db, [x, y]).await? {
            [Some(xs), Some(ys)] if ys.len() < xs.len() => Self::pair(&by_length, y, x, ys),
            [Some(xs), _] => Self::pair(&by_length, x, y, xs),
            [None, Some(ys)] => Self::pair(&by_length, y, x, ys),
            [None, None] => Self::probe(&by_length),
        })
    }

    fn pair(
        by_length: &[&'a String],
        lead: &'a String,
        other: &'a String,
        lead_words: Vec<String>,
    ) -> Self {
        let rest = by_length
            .iter()
            .copied()
            .filter(|w| *w != lead && *w != other)
            .collect();
        Self::Pair {
            lead,
            lead_words,
            other,
            rest,
        }
    }

    fn probe(by_length: &[&'a String]) -> Self {
        Self::Probe {
            driver: by_length[0],
            others: by_length[1..].to_vec(),
        }
    }
}

/// For each prefix, the words in name_tokens that start with it and start a run for it
/// ([`starts_a_run`]), if at most [`MAX_WORDS`] words start with it (found by one index
/// seek each; `None` when there are more), all in one statement.
async fn distinct_words<const N: usize>(
    db: &Db,
    prefixes: [&String; N],
) -> Result<[Option<Vec<String>>; N], sqlx::Error> {
    let c = collate(db);
    let mut b = Binds::default();
    let mut ctes = Vec::new();
    let mut selects = Vec::new();
    for (i, prefix) in prefixes.iter().enumerate() {
        ctes.push(tokens_cte(&mut b, &format!("w{i}"), prefix, c));
        let walkable = starts_a_run(&format!("w{i}.word"), prefix.chars().count(), c);
        selects.push(format!(
            "SELECT {i} AS k, word, CASE WHEN {walkable} THEN 1 ELSE 0 END AS walkable FROM w{i} WHERE word IS NOT NULL"
        ));
    }
    let sql = format!(
        "WITH RECURSIVE {} {}",
        ctes.join(", "),
        selects.join(" UNION ALL ")
    );
    let rows: Vec<(i32, String, i32)> =
        on_db!(db, p => bound!(sqlx::query_as(&sql), b).fetch_all(p).await)?;
    let mut words: [Vec<(String, bool)>; N] = std::array::from_fn(|_| Vec::new());
    for (k, word, walkable) in rows {
        words[k as usize].push((word, walkable == 1));
    }
    // Few or many by every token; of few, only those that start a run (see
    // [`starts_a_run`]) are worth reading.
    Ok(words.map(|w| {
        (w.len() <= MAX_WORDS).then(|| {
            w.into_iter()
                .filter(|(_, walkable)| *walkable)
                .map(|(word, _)| word)
                .collect()
        })
    }))
}

/// Above this many different words for a prefix, the page is found by sorting every match.
const MAX_WORDS: usize = 8;
/// Above this many postcode districts for a prefix, SQLite finds the page by sorting every
/// match (a prefix like "B1" has eleven: B1 and B10 to B19; SQLite takes at most 500 queries
/// in one compound SELECT).
const MAX_DISTRICTS: usize = 64;

/// A recursive CTE `name(word, n)` of the different values of `column` (`table.column`,
/// indexed) that start with `prefix` (bound in `b`), found by one index seek each, stopping
/// after `max` + 1 if given (so "more" shows).
fn distinct_cte(
    b: &mut Binds,
    name: &str,
    column: &str,
    prefix: &str,
    max: Option<usize>,
    c: &str,
) -> String {
    let (table, col) = column.split_once('.').expect("table.column");
    let lo = b.arg(prefix);
    let hi = b.arg(prefix_end(prefix));
    let more = max.map_or(String::new(), |max| format!(" AND {name}.n <= {max}"));
    format!(
        "{name}(word, n) AS (
         SELECT (SELECT MIN({col}) FROM {table} WHERE {col} >= {lo}{c} AND {col} < {hi}{c}), 1
         UNION ALL
         SELECT (SELECT MIN({col}) FROM {table} WHERE {col} > {name}.word{c} AND {col} < {hi}{c}), {name}.n + 1
         FROM {name} WHERE {name}.word IS NOT NULL{more})"
    )
}

/// The postcode districts that start with `prefix`, if at most [`MAX_DISTRICTS`] do (`None`
/// when there are more), read before the search's statement (SQLite: no LATERAL to walk them
/// in it).
async fn distinct_districts(db: &Db, prefix: &str) -> Result<Option<Vec<String>>, sqlx::Error> {
    let c = collate(db);
    let mut b = Binds::default();
    let cte = distinct_cte(
        &mut b,
        "d0",
        "people.postcode_district",
        prefix,
        Some(MAX_DISTRICTS),
        c,
    );
    let sql = format!("WITH RECURSIVE {cte} SELECT word FROM d0 WHERE word IS NOT NULL");
    let districts: Vec<String> =
        on_db!(db, p => bound!(sqlx::query_scalar(&sql), b).fetch_all(p).await)?;
    Ok((districts.len() <= MAX_DISTRICTS).then_some(districts))
}

/// Prefix ranges must compare bytewise to use their indexes; PostgreSQL compares a text
/// parameter in the database's locale unless told (the columns are COLLATE "C").
fn collate(db: &Db) -> &'static str {
    if matches!(db, Db::Postgres(_)) {
        " COLLATE \"C\""
    } else {
        ""
    }
}

/// Any search, sort and filter: the matching ids first (each alternative on its own index),
/// then people by those ids.
async fn search_general(db: &Db, s: &Search) -> Result<(Vec<SummaryRow>, i64), sqlx::Error> {
    let mut alternatives: Vec<String> = Vec::new();
    let c = collate(db);
    let mut b = Binds::default();
    if let Some(n) = &s.nhs_number {
        let a = b.arg(n.clone());
        alternatives.push(format!("SELECT id FROM people WHERE nhs_number = {a}"));
    }
    if let Some(id) = s.register_id {
        let a = b.arg(id.to_string());
        alternatives.push(format!(
            "SELECT id FROM people WHERE id = CAST({a} AS BIGINT)"
        ));
    }
    if let Some(sid) = &s.source_system_id {
        let a = b.arg(sid.clone());
        alternatives.push(format!(
            "SELECT id FROM people WHERE source_system_id = {a}"
        ));
    }
    if let Some(p) = &s.postcode_prefix {
        let lo = b.arg(p.clone());
        let hi = b.arg(prefix_end(p));
        alternatives.push(format!(
            "SELECT id FROM people WHERE postcode_key >= {lo}{c} AND postcode_key < {hi}{c}"
        ));
    }
    if !s.name_tokens.is_empty() {
        let parts: Vec<String> = s
            .name_tokens
            .iter()
            .map(|t| {
                let lo = b.arg(t.clone());
                let hi = b.arg(prefix_end(t));
                format!(
                    "SELECT person_id AS id FROM name_tokens WHERE token >= {lo}{c} AND token < {hi}{c}"
                )
            })
            .collect();
        alternatives.push(parts.join(" INTERSECT "));
    }
    let mut filters: Vec<String> = Vec::new();
    if let Some(st) = s.status {
        filters.push(format!("p.status = {}", b.arg(st)));
    }
    if let Some(la) = &s.responsible_la {
        filters.push(format!("p.current_la = {}", b.arg(la.clone())));
    }
    if let Some(cm) = &s.commissioner {
        filters.push(format!("p.current_commissioner = {}", b.arg(cm.clone())));
    }
    let filter = if filters.is_empty() {
        "1 = 1".to_string()
    } else {
        filters.join(" AND ")
    };
    // With a search term, the matching ids are found first (each alternative on its own
    // index) and people are looked up by them, so the planner never walks all of people to
    // test each row against the term. SQLite keeps the left table of a CROSS JOIN outermost;
    // PostgreSQL gets the ids as a MATERIALIZED CTE (planned and run on its own).
    let union: Vec<String> = alternatives
        .iter()
        .enumerate()
        .map(|(i, a)| format!("SELECT id FROM ({a}) AS alt{i}"))
        .collect();
    let (with, from, join_on) = match (alternatives.is_empty(), db) {
        (true, _) => (String::new(), "people p".to_string(), String::new()),
        (false, Db::Sqlite(_)) => (
            String::new(),
            format!("({}) AS m CROSS JOIN people p", union.join(" UNION ")),
            " AND p.id = m.id".to_string(),
        ),
        (false, Db::Postgres(_)) => (
            format!("WITH m AS MATERIALIZED ({}) ", union.join(" UNION ")),
            "m JOIN people p ON p.id = m.id".to_string(),
            String::new(),
        ),
    };
    // The reference names are joined only to sort by them.
    let (sort_columns, joins) = if s.order_by.contains("display_name") {
        (REFERENCE_SORT_COLUMNS, REFERENCE_JOINS)
    } else {
        ("", "")
    };
    let list_sql = format!(
        "SELECT {SUMMARY_COLUMNS}{sort_columns}
         FROM {from}
         {joins}
         WHERE {filter}{join_on} ORDER BY {} LIMIT {} OFFSET {}",
        s.order_by, s.limit, s.offset
    );
    let total_sql =
        if alternatives.is_empty() && s.responsible_la.is_none() && s.commissioner.is_none() {
            // The whole register, or everyone of one status (the list as Manage Records opens):
            // counted per postcode sector (migration 0013), a few hundred counters instead of an
            // index entry per person (85,000 of 100,000).
            let st = match s.status {
                Some(st) => format!(" WHERE k.status = {}", b.arg(st)),
                None => String::new(),
            };
            sum_of_counters(&format!("postcode_sector_counts k{st}"))
        } else {
            format!("(SELECT COUNT(*) FROM {from} WHERE {filter}{join_on})")
        };
    fetch_page(db, &with, &total_sql, &list_sql, s.order_by, s.offset, &b).await
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_words_parts_and_whole_names() {
        let t = name_tokens("Mary Jane", "O’Neil-Smith");
        for want in [
            "maryjane",
            "mary",
            "jane",
            "oneilsmith",
            "o",
            "neil",
            "smith",
        ] {
            assert!(t.contains(&want.to_string()), "{want} not in {t:?}");
        }
    }

    #[test]
    fn exactly_one_token_per_person_starts_a_run_for_any_prefix() {
        let tokens = with_common_prefixes(name_tokens("Mary Jane", "Smith-Smithson"));
        let names: Vec<&str> = tokens.iter().map(|(t, _)| t.as_str()).collect();
        assert_eq!(
            names,
            [
                "jane",
                "mary",
                "maryjane",
                "smith",
                "smithsmithson",
                "smithson"
            ]
        );
        for q in [
            "m", "mar", "mary", "maryj", "s", "smith", "smiths", "j", "x",
        ] {
            let matching = tokens.iter().filter(|(t, _)| t.starts_with(q)).count();
            let counted = tokens
                .iter()
                .filter(|(t, lcp)| t.starts_with(q) && (*lcp as usize) < q.chars().count())
                .count();
            assert_eq!(counted, usize::from(matching > 0), "{q}");
        }
    }

    #[test]
    fn each_prefix_of_a_persons_tokens_is_written_once() {
        let tokens = with_common_prefixes(name_tokens("Zoë Mary", "Smith-Smithson"));
        let written: Vec<&str> = tokens
            .iter()
            .flat_map(|(t, lcp)| new_prefixes(t, *lcp))
            .collect();
        let mut every: Vec<String> = tokens
            .iter()
            .flat_map(|(t, _)| (1..=t.chars().count()).map(|n| t.chars().take(n).collect()))
            .collect();
        every.sort();
        every.dedup();
        let mut sorted = written.clone();
        sorted.sort();
        assert_eq!(sorted, every);
        // Characters, not bytes (a token of another script keeps its letters).
        let cut: Vec<&str> = new_prefixes("żak", 1).collect();
        assert_eq!(cut, ["ża", "żak"]);
    }

    #[test]
    fn prefix_end_is_the_next_string() {
        assert_eq!(prefix_end("harb"), "harc");
        assert_eq!(prefix_end("ST5"), "ST6");
    }
}
