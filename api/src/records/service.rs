//! Record rules that need the database, in transactions with their audit entries.

use chrono::NaiveDate;
use s117_shared::age::{age_on, AgeBand};
use s117_shared::nhs_number::NhsNumber;
use s117_shared::postcode::Postcode;
use s117_shared::record::{
    validate_end, validate_episode, validate_record, EndEpisodeInput, EndReason, EpisodeInput,
    LearningDisability, RecordInput, ValidEnd, ValidEpisode, ValidRecord,
};
use s117_shared::record_view::{EpisodeView, Record, RecordStatus};
use s117_shared::reference::ReferenceList;
use serde_json::{json, Map, Value};

use super::refs::RefSnapshot;
use super::store::{self, EpisodeRow, PersonRow};
use crate::audit::{self, Entry, Outcome};
use crate::authn::{Caller, RequestMeta};
use crate::db::{is_unique_violation, Tx};
use crate::error::ApiError;
use crate::startup::AppState;

const NOT_FOUND: &str = "There is no record with that ID. It may have been deleted.";

/// `"<id>-<version>"`: the ETag of a record.
pub fn etag(id: i64, version: i64) -> String {
    format!("\"{id}-{version}\"")
}

pub(crate) fn episode_valid(e: &EpisodeRow) -> ValidEpisode {
    ValidEpisode {
        date_detained: e.date_detained,
        qualifying_section: e.qualifying_section.clone(),
        place_detained: e.place_detained.clone(),
        s117_start_date: e.s117_start_date,
        responsible_la: e.responsible_la.clone(),
        responsible_commissioner: e.responsible_commissioner.clone(),
        gp_out_of_county: e.gp_out_of_county,
        cto_start_date: e.cto_start_date,
        cto_end_date: e.cto_end_date,
        last_review_date: e.last_review_date,
        next_review_date: e.next_review_date,
    }
}

/// The stored record as the validated type (for `previous` and for diffs).
pub(crate) fn record_valid(p: &PersonRow, e: &EpisodeRow) -> ValidRecord {
    ValidRecord {
        nhs_number: p
            .nhs_number
            .as_deref()
            .and_then(|n| NhsNumber::parse(n).ok()),
        source_system_id: p.source_system_id.clone(),
        first_name: p.first_name.clone(),
        family_name: p.family_name.clone(),
        date_of_birth: p.date_of_birth,
        gender: p.gender.clone(),
        ethnicity: p.ethnicity.clone(),
        address_line_1: p.address_line_1.clone(),
        address_line_2: p.address_line_2.clone(),
        address_line_3: p.address_line_3.clone(),
        town: p.town.clone(),
        postcode: Postcode::parse(&p.postcode)
            .unwrap_or_else(|_| Postcode::parse("ZZ99 3WZ").expect("pseudo-postcode")),
        learning_disability: LearningDisability::from_input(&p.learning_disability)
            .unwrap_or_default(),
        gp_practice: p.gp_practice.clone(),
        notes: p.notes.clone(),
        episode: episode_valid(e),
    }
}

fn episode_view(e: &EpisodeRow, refs: &RefSnapshot) -> EpisodeView {
    EpisodeView {
        id: e.id,
        date_detained: e.date_detained,
        qualifying_section: refs.coded(ReferenceList::QualifyingSections, &e.qualifying_section),
        place_detained: e
            .place_detained
            .as_deref()
            .map(|p| refs.coded(ReferenceList::PlacesDetained, p)),
        s117_start_date: e.s117_start_date,
        responsible_la: refs.coded(ReferenceList::LocalAuthorities, &e.responsible_la),
        responsible_commissioner: refs
            .coded(ReferenceList::Commissioners, &e.responsible_commissioner),
        gp_out_of_county: e.gp_out_of_county,
        la_out_of_county: refs.la_out_of_county(&e.responsible_la),
        cto_start_date: e.cto_start_date,
        cto_end_date: e.cto_end_date,
        last_review_date: e.last_review_date,
        next_review_date: e.next_review_date,
        end_date: e.end_date,
        end_reason: e.end_reason.as_deref().and_then(EndReason::from_input),
        la_agreed_by: e.la_agreed_by.clone(),
        nhs_agreed_by: e.nhs_agreed_by.clone(),
    }
}

pub fn view(
    p: &PersonRow,
    episodes: &[EpisodeRow],
    refs: &RefSnapshot,
    today: NaiveDate,
) -> Record {
    let age = age_on(p.date_of_birth, today);
    let views: Vec<EpisodeView> = episodes.iter().map(|e| episode_view(e, refs)).collect();
    Record {
        id: p.id,
        version: p.version,
        status: if p.status == "active" {
            RecordStatus::Active
        } else {
            RecordStatus::Ended
        },
        nhs_number: p.nhs_number.clone(),
        source_system_id: p.source_system_id.clone(),
        first_name: p.first_name.clone(),
        family_name: p.family_name.clone(),
        date_of_birth: p.date_of_birth,
        age,
        age_band: AgeBand::from_age(age),
        gender: refs.coded(ReferenceList::Genders, &p.gender),
        ethnicity: p
            .ethnicity
            .as_deref()
            .map(|e| refs.coded(ReferenceList::EthnicCategories, e)),
        address_line_1: p.address_line_1.clone(),
        address_line_2: p.address_line_2.clone(),
        address_line_3: p.address_line_3.clone(),
        town: p.town.clone(),
        postcode: p.postcode.clone(),
        learning_disability: LearningDisability::from_input(&p.learning_disability)
            .unwrap_or_default(),
        gp_practice: p.gp_practice.clone(),
        notes: p.notes.clone(),
        episode: views.iter().find(|e| e.end_date.is_none()).cloned(),
        episodes: views,
        created_at: p.created_at,
        created_by: p.created_by.clone(),
        updated_at: p.updated_at,
        updated_by: p.updated_by.clone(),
    }
}

/// Field-by-field `{old, new}` of two JSON objects (nested objects flattened with dots).
pub fn diff(old: &Value, new: &Value) -> Value {
    fn walk(prefix: &str, old: &Value, new: &Value, out: &mut Map<String, Value>) {
        match (old, new) {
            (Value::Object(a), Value::Object(b)) => {
                let keys: std::collections::BTreeSet<&String> = a.keys().chain(b.keys()).collect();
                for k in keys {
                    let name = if prefix.is_empty() {
                        k.clone()
                    } else {
                        format!("{prefix}.{k}")
                    };
                    walk(
                        &name,
                        a.get(k).unwrap_or(&Value::Null),
                        b.get(k).unwrap_or(&Value::Null),
                        out,
                    );
                }
            }
            _ if old != new => {
                out.insert(prefix.to_string(), json!({ "old": old, "new": new }));
            }
            _ => {}
        }
    }
    let mut out = Map::new();
    walk("", old, new, &mut out);
    Value::Object(out)
}

fn duplicate(id: i64, key: &str) -> ApiError {
    let mut extensions = std::collections::BTreeMap::new();
    extensions.insert("existing_id".to_string(), json!(id));
    extensions.insert(
        "existing_url".to_string(),
        json!(format!("/api/v1/records/{id}")),
    );
    extensions.insert("matched_on".to_string(), json!(key));
    ApiError::Conflict {
        code: "duplicate-record",
        title: "Duplicate record already exists",
        detail: format!(
            "A record with the same {} is already on the register (ID {id}).",
            match key {
                "nhs_number" => "NHS number",
                "source_system_id" => "system ID",
                _ => "names and date of birth",
            }
        ),
        extensions,
    }
}

fn prefixed(errors: s117_shared::validation::FieldErrors, prefix: &str) -> ApiError {
    ApiError::Validation(
        errors
            .into_map()
            .into_iter()
            .map(|(k, v)| (format!("{prefix}{k}"), v))
            .collect(),
    )
}

async fn refs(state: &AppState) -> Result<std::sync::Arc<RefSnapshot>, ApiError> {
    Ok(state
        .refs
        .get(&state.db, &state.config.home_la_codes)
        .await?)
}

async fn load(tx: &mut Tx, id: i64) -> Result<(PersonRow, Vec<EpisodeRow>), ApiError> {
    let p = store::person(tx, id)
        .await?
        .ok_or(ApiError::NotFound(NOT_FOUND))?;
    let e = store::episodes(tx, id).await?;
    Ok((p, e))
}

fn check_version(p: &PersonRow, if_match: Option<i64>) -> Result<i64, ApiError> {
    let v = if_match.ok_or(ApiError::PreconditionRequired)?;
    if v != p.version {
        return Err(stale(p));
    }
    Ok(v)
}

fn stale(p: &PersonRow) -> ApiError {
    ApiError::PreconditionFailed(format!(
        "Someone else changed this record since you opened it. Its current version is {}: load it again to see their changes.",
        p.version
    ))
}

/// Adds the person and their first episode, and the `record.created` audit entry, in `tx`.
/// The caller has checked for duplicates; a unique-index violation (a duplicate that raced
/// in) comes back as the database error. `extra` goes into the entry's details (an import
/// names itself and the row).
pub async fn apply_create(
    tx: &mut Tx,
    caller: &Caller,
    meta: &RequestMeta,
    now: chrono::DateTime<chrono::Utc>,
    valid: &ValidRecord,
    extra: Option<Value>,
) -> Result<i64, sqlx::Error> {
    Ok(apply_create_many(tx, caller, meta, now, &[(valid, extra)]).await?[0])
}

/// [`apply_create`] for many people at once (a bulk upload's new rows): the same rows and
/// the same entries, one per person in the order given, written a few statements per
/// thousand people. Returns their IDs in that order.
pub async fn apply_create_many(
    tx: &mut Tx,
    caller: &Caller,
    meta: &RequestMeta,
    now: chrono::DateTime<chrono::Utc>,
    creates: &[(&ValidRecord, Option<Value>)],
) -> Result<Vec<i64>, sqlx::Error> {
    let records: Vec<&ValidRecord> = creates.iter().map(|(v, _)| *v).collect();
    let ids = store::insert_people(tx, &records, &caller.label(), now).await?;
    let episodes: Vec<(i64, &ValidEpisode)> = ids
        .iter()
        .zip(&records)
        .map(|(id, v)| (*id, &v.episode))
        .collect();
    store::insert_episodes(tx, &episodes, now).await?;
    let entry = Entry::new("record.created", Outcome::Success, Some(caller), meta, now);
    let entries: Vec<Entry> = ids
        .iter()
        .zip(creates)
        .map(|(id, (_, extra))| {
            let e = entry.clone().record(*id);
            match extra {
                Some(extra) => e.details(extra.clone()),
                None => e,
            }
        })
        .collect();
    audit::store::insert_many(tx, &entries.iter().collect::<Vec<_>>()).await?;
    Ok(ids)
}

/// Writes an edit of person `p` (at `version`) and its `current` episode, with the
/// `record.updated` entry listing each changed field, in `tx`.
#[allow(clippy::too_many_arguments)]
pub async fn apply_update(
    tx: &mut Tx,
    caller: &Caller,
    meta: &RequestMeta,
    now: chrono::DateTime<chrono::Utc>,
    p: &PersonRow,
    version: i64,
    current: &EpisodeRow,
    before: &ValidRecord,
    valid: &ValidRecord,
    extra: Option<Value>,
) -> Result<(), ApiError> {
    let who = caller.label();
    match store::update_person(tx, p.id, version, valid, &who, now).await {
        Ok(true) => {}
        Ok(false) => return Err(stale(p)),
        Err(e) if is_unique_violation(&e) => return Err(duplicate(0, "nhs_number")),
        Err(e) => return Err(e.into()),
    }
    store::update_episode(tx, current.id, &valid.episode, now).await?;
    let status = if current.end_date.is_none() {
        "active"
    } else {
        "ended"
    };
    store::set_current(
        tx,
        p.id,
        status,
        &valid.episode.responsible_la,
        &valid.episode.responsible_commissioner,
    )
    .await?;
    let changes = diff(
        &serde_json::to_value(before).unwrap_or_default(),
        &serde_json::to_value(valid).unwrap_or_default(),
    );
    let mut details = json!({ "changes": changes });
    merge(&mut details, extra);
    let entry = Entry::new("record.updated", Outcome::Success, Some(caller), meta, now)
        .record(p.id)
        .details(details);
    audit::write(tx, &entry).await?;
    Ok(())
}

/// Ends the `open` episode of person `p` (at `version`), with the `record.ended` entry, in `tx`.
#[allow(clippy::too_many_arguments)]
pub async fn apply_end(
    tx: &mut Tx,
    caller: &Caller,
    meta: &RequestMeta,
    now: chrono::DateTime<chrono::Utc>,
    p: &PersonRow,
    version: i64,
    open: &EpisodeRow,
    valid: &ValidEnd,
    extra: Option<Value>,
) -> Result<(), ApiError> {
    store::end_episode(tx, open.id, valid, now).await?;
    if !store::bump(
        tx,
        p.id,
        version,
        "ended",
        &open.responsible_la,
        &open.responsible_commissioner,
        &caller.label(),
        now,
    )
    .await?
    {
        return Err(stale(p));
    }
    let mut details = json!({
        "episode_id": open.id, "end_date": valid.end_date, "reason": valid.reason.as_str(),
        "la_agreed_by": valid.la_agreed_by, "nhs_agreed_by": valid.nhs_agreed_by,
    });
    merge(&mut details, extra);
    let entry = Entry::new("record.ended", Outcome::Success, Some(caller), meta, now)
        .record(p.id)
        .details(details);
    audit::write(tx, &entry).await?;
    Ok(())
}

fn merge(details: &mut Value, extra: Option<Value>) {
    if let (Value::Object(d), Some(Value::Object(e))) = (details, extra) {
        d.extend(e);
    }
}

pub async fn create(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    input: RecordInput,
) -> Result<Record, ApiError> {
    let refs = refs(state).await?;
    let today = state.clock.today();
    let valid = validate_record(&input, None, &*refs, today)
        .map_err(|e| ApiError::Validation(e.into_map()))?;
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    if let Some((id, key)) = store::find_duplicate(&mut tx, &valid, None).await? {
        return Err(duplicate(id, key));
    }
    let id = match apply_create(&mut tx, caller, meta, now, &valid, None).await {
        Ok(id) => id,
        Err(e) if is_unique_violation(&e) => {
            drop(tx);
            let mut tx = state.db.begin().await?;
            let (id, key) = store::find_duplicate(&mut tx, &valid, None)
                .await?
                .unwrap_or((0, "nhs_number"));
            return Err(duplicate(id, key));
        }
        Err(e) => return Err(e.into()),
    };
    let (p, e) = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view(&p, &e, &refs, today))
}

pub async fn get(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: i64,
) -> Result<Record, ApiError> {
    let refs = refs(state).await?;
    let mut tx = state.db.begin().await?;
    let (p, e) = load(&mut tx, id).await?;
    audit::write(
        &mut tx,
        &Entry::new(
            "record.viewed",
            Outcome::Success,
            Some(caller),
            meta,
            state.clock.now(),
        )
        .record(id),
    )
    .await?;
    tx.commit().await?;
    Ok(view(&p, &e, &refs, state.clock.today()))
}

pub async fn update(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: i64,
    if_match: Option<i64>,
    input: RecordInput,
) -> Result<Record, ApiError> {
    let refs = refs(state).await?;
    let today = state.clock.today();
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (p, episodes) = load(&mut tx, id).await?;
    let version = check_version(&p, if_match)?;
    // The open episode, or (for an ended record) the latest one, is the one edited here.
    let current = episodes.first().ok_or(ApiError::NotFound(NOT_FOUND))?;
    let before = record_valid(&p, current);
    let valid = validate_record(&input, Some(&before), &*refs, today)
        .map_err(|e| ApiError::Validation(e.into_map()))?;
    if let Some((other, key)) = store::find_duplicate(&mut tx, &valid, Some(id)).await? {
        return Err(duplicate(other, key));
    }
    apply_update(
        &mut tx, caller, meta, now, &p, version, current, &before, &valid, None,
    )
    .await?;
    let (p, e) = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view(&p, &e, &refs, today))
}

pub async fn end(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: i64,
    if_match: Option<i64>,
    input: EndEpisodeInput,
) -> Result<Record, ApiError> {
    let refs = refs(state).await?;
    let today = state.clock.today();
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (p, episodes) = load(&mut tx, id).await?;
    let version = check_version(&p, if_match)?;
    let open = episodes.iter().find(|e| e.end_date.is_none()).ok_or_else(|| ApiError::Conflict {
        code: "already-ended",
        title: "Entitlement has already ended",
        detail: "This record has no open entitlement to end. Record a new qualifying detention to open one.".into(),
        extensions: Default::default(),
    })?;
    let valid: ValidEnd = validate_end(&input, &episode_valid(open), today)
        .map_err(|e| ApiError::Validation(e.into_map()))?;
    apply_end(&mut tx, caller, meta, now, &p, version, open, &valid, None).await?;
    let (p, e) = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view(&p, &e, &refs, today))
}

/// A new qualifying detention: ends the open episode (reason "new qualifying detention", on
/// the new date detained) and opens a new one, possibly with other responsible bodies
/// (Worcestershire [2023] UKSC 31). For an ended record this reinstates it.
pub async fn new_episode(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: i64,
    if_match: Option<i64>,
    input: EpisodeInput,
) -> Result<Record, ApiError> {
    let refs = refs(state).await?;
    let today = state.clock.today();
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (p, episodes) = load(&mut tx, id).await?;
    let version = check_version(&p, if_match)?;
    let valid = validate_episode(&input, Some(p.date_of_birth), None, &*refs, today)
        .map_err(|e| prefixed(e, ""))?;
    if let Some(latest) = episodes.first() {
        let after = latest.end_date.unwrap_or(latest.date_detained);
        if valid.date_detained < after
            || (latest.end_date.is_none() && valid.date_detained <= latest.date_detained)
        {
            return Err(ApiError::validation(
                "date_detained",
                "The new date detained must be after the current episode's date detained and end",
            ));
        }
    }
    let mut ended = None;
    if let Some(open) = episodes.iter().find(|e| e.end_date.is_none()) {
        let end = ValidEnd {
            end_date: valid.date_detained,
            reason: EndReason::NewQualifyingDetention,
            la_agreed_by: "New qualifying detention".into(),
            nhs_agreed_by: "New qualifying detention".into(),
        };
        store::end_episode(&mut tx, open.id, &end, now).await?;
        ended = Some(open.id);
    }
    let new_id = store::insert_episode(&mut tx, id, &valid, now).await?;
    if !store::bump(
        &mut tx,
        id,
        version,
        "active",
        &valid.responsible_la,
        &valid.responsible_commissioner,
        &caller.label(),
        now,
    )
    .await?
    {
        return Err(stale(&p));
    }
    let entry = Entry::new("record.episode_opened", Outcome::Success, Some(caller), meta, now)
        .record(id)
        .details(json!({ "episode_id": new_id, "ended_episode_id": ended, "date_detained": valid.date_detained,
                         "responsible_la": valid.responsible_la, "responsible_commissioner": valid.responsible_commissioner }));
    audit::write(&mut tx, &entry).await?;
    let (p, e) = load(&mut tx, id).await?;
    tx.commit().await?;
    Ok(view(&p, &e, &refs, today))
}

pub async fn delete(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: i64,
    if_match: Option<i64>,
) -> Result<(), ApiError> {
    let now = state.clock.now();
    let mut tx = state.db.begin().await?;
    let (p, _) = load(&mut tx, id).await?;
    let version = check_version(&p, if_match)?;
    if !store::delete_person(&mut tx, id, version).await? {
        return Err(stale(&p));
    }
    store::tombstone(&mut tx, id, &caller.label(), caller.user_id(), now).await?;
    // The entry names the record by its ID only: the person's details are gone on purpose.
    audit::write(
        &mut tx,
        &Entry::new("record.deleted", Outcome::Success, Some(caller), meta, now).record(id),
    )
    .await?;
    tx.commit().await?;
    Ok(())
}

/// Reads the one search box: an NHS number (with or without spaces), a register ID, a source
/// system ID, a postcode (or its start), or names (each word the start of a name, any order).
pub fn interpret(q: &str) -> store::Search {
    let q = q.trim();
    let mut s = store::Search::default();
    if q.is_empty() {
        return s;
    }
    let compact: String = q.chars().filter(|c| !c.is_whitespace()).collect();
    s.source_system_id = Some(q.to_string());
    if compact.chars().all(|c| c.is_ascii_digit()) {
        if compact.len() == 10 {
            s.nhs_number = Some(compact.clone());
        }
        if let Ok(id) = compact.parse::<i64>() {
            s.register_id = Some(id);
        }
        return s;
    }
    let upper = compact.to_uppercase();
    let postcode_like = (2..=7).contains(&upper.len())
        && upper
            .chars()
            .next()
            .is_some_and(|c| c.is_ascii_alphabetic())
        && upper.chars().any(|c| c.is_ascii_digit())
        && upper.chars().all(|c| c.is_ascii_alphanumeric());
    if postcode_like {
        s.postcode_prefix = Some(upper);
    }
    s.name_tokens = s117_shared::names::search_tokens(q);
    s
}

pub async fn search(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    q: &str,
    mut s: store::Search,
) -> Result<(Vec<s117_shared::record_view::RecordSummary>, i64), ApiError> {
    let term = interpret(q);
    s.nhs_number = term.nhs_number;
    s.register_id = term.register_id;
    s.source_system_id = term.source_system_id;
    s.postcode_prefix = term.postcode_prefix;
    s.name_tokens = term.name_tokens;
    let (rows, total) = store::search(&state.db, &s).await?;
    let entry = Entry::new("records.searched", Outcome::Success, Some(caller), meta, state.clock.now()).details(json!({
        "q": q, "status": s.status, "responsible_la": s.responsible_la, "commissioner": s.commissioner, "results": total,
    }));
    // Nothing is returned unless the entry is committed (see audit/batch.rs for why this
    // goes through the group-commit writer and why the guarantee holds).
    state.audit.write(entry).await?;
    let refs = refs(state).await?;
    let items = rows
        .into_iter()
        .map(|r| s117_shared::record_view::RecordSummary {
            responsible_la: refs.coded(ReferenceList::LocalAuthorities, &r.current_la),
            responsible_commissioner: refs
                .coded(ReferenceList::Commissioners, &r.current_commissioner),
            id: r.id,
            nhs_number: r.nhs_number,
            source_system_id: r.source_system_id,
            first_name: r.first_name,
            family_name: r.family_name,
            date_of_birth: r.date_of_birth,
            postcode: r.postcode,
            status: if r.status == "active" {
                RecordStatus::Active
            } else {
                RecordStatus::Ended
            },
        })
        .collect();
    Ok((items, total))
}

#[derive(sqlx::FromRow)]
struct HistoryRow {
    at: chrono::DateTime<chrono::Utc>,
    actor_label: String,
    action: String,
    details: String,
}

/// A record's audit trail, newest first (views included: who looked at it).
pub async fn history(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: i64,
) -> Result<Vec<s117_shared::record_view::HistoryEntry>, ApiError> {
    let exists = {
        let mut tx = state.db.begin().await?;
        store::person(&mut tx, id).await?.is_some()
    };
    if !exists && !store::is_tombstoned(&state.db, id).await? {
        return Err(ApiError::NotFound(NOT_FOUND));
    }
    let sql = "SELECT at, actor_label, action, details FROM audit_log WHERE record_id = $1 ORDER BY at DESC, id DESC LIMIT 500";
    let rows: Vec<HistoryRow> =
        crate::on_db!(&state.db, p => sqlx::query_as(sql).bind(id).fetch_all(p).await)?;
    audit::write_alone(
        &state.db,
        &Entry::new(
            "record.history_viewed",
            Outcome::Success,
            Some(caller),
            meta,
            state.clock.now(),
        )
        .record(id),
    )
    .await?;
    Ok(rows
        .into_iter()
        .map(|r| s117_shared::record_view::HistoryEntry {
            at: r.at,
            who: r.actor_label,
            action: r.action,
            details: serde_json::from_str(&r.details).unwrap_or(Value::Null),
        })
        .collect())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_search_box_understands_each_kind_of_key() {
        let s = interpret("999 000 0018");
        assert_eq!(s.nhs_number.as_deref(), Some("9990000018"));
        let s = interpret("42");
        assert_eq!(s.register_id, Some(42));
        assert!(s.nhs_number.is_none());
        let s = interpret("st5 1ds");
        assert_eq!(s.postcode_prefix.as_deref(), Some("ST51DS"));
        let s = interpret("Harbour alan");
        assert_eq!(
            s.name_tokens,
            vec!["harbour".to_string(), "alan".to_string()]
        );
        assert!(s.postcode_prefix.is_none());
    }

    #[test]
    fn diff_lists_changed_fields_with_old_and_new() {
        let d = diff(
            &json!({"a": 1, "e": {"x": "p"}}),
            &json!({"a": 2, "e": {"x": "p"}}),
        );
        assert_eq!(d, json!({"a": {"old": 1, "new": 2}}));
    }
}
