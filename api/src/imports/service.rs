//! Check and process: the rules of a bulk upload, in transactions with their audit entries.
//!
//! Checking reads every row with the shared rules (`s117_shared::import` and
//! `s117_shared::record`), matches it against the register with the records capability's own
//! duplicate detection, and stores the outcome; the register is not touched. Processing
//! applies the stored rows through the records capability's own write functions (each one
//! audited as the change it makes) in one transaction, after checking again that nothing a
//! row relies on has changed; the upload is claimed in the same transaction, so it is
//! applied once, and a crash leaves it unapplied and processable.

use std::collections::HashMap;

use chrono::{Duration, NaiveDate};
use s117_shared::import::{
    column_of_field, CodeResolver, Column, ImportReport, ImportRow, ImportStatus, RowKind,
    RowValues,
};
use s117_shared::nhs_number::NhsNumber;
use s117_shared::permissions::Permission;
use s117_shared::record::{
    validate_end, validate_record, EndEpisodeInput, RecordInput, ValidRecord, MAX_NAME,
};
use s117_shared::reference::{ReferenceItem, ReferenceList};
use serde::{Deserialize, Serialize};
use serde_json::{json, Value};
use sha2::Digest;

use super::read::{self, Encoding};
use super::store::{self, ImportHead, RowOut};
use crate::audit::{self, Entry, Outcome};
use crate::authn::{Caller, RequestMeta};
use crate::db::{is_unique_violation, Tx};
use crate::error::ApiError;
use crate::records::refs::RefSnapshot;
use crate::records::service as records;
use crate::records::store as people;
use crate::startup::AppState;

/// Rows matched against the register per round of queries while checking, and written as
/// one multi-row INSERT (see [`crate::db::repeated`] for why SQLite binds them cheaply).
const CHUNK: usize = 1000;

/// How long a checked upload waits to be processed before it is removed.
pub const EXPIRES_AFTER_HOURS: i64 = 24;

const GONE: &str =
    "There is no checked upload with that ID. Uploads are removed 24 hours after they are checked: upload the file again.";

/// What to apply for one row (stored as JSON beside the report row).
#[derive(Debug, Serialize, Deserialize)]
struct Payload {
    #[serde(default)]
    record_id: Option<i64>,
    #[serde(default)]
    version: Option<i64>,
    /// The record as it will be (new, or an update that changes something).
    #[serde(default)]
    record: Option<RecordInput>,
    #[serde(default)]
    end: Option<EndEpisodeInput>,
}

/// An uploaded file.
pub struct Upload {
    pub file_name: String,
    pub bytes: Vec<u8>,
    pub encoding: Option<Encoding>,
}

/// Everything a row is checked against.
struct Context {
    refs: RefSnapshot,
    resolver: CodeResolver,
    today: NaiveDate,
    agreed_by: String,
}

impl Context {
    /// The display name of a code (or the text as typed when it did not resolve).
    fn name_of(&self, list: ReferenceList, code: Option<&str>, raw: &str) -> String {
        match code {
            Some(code) => self.refs.coded(list, code).name,
            None => raw.trim().to_string(),
        }
    }
}

pub(super) async fn lists(
    state: &AppState,
) -> Result<HashMap<ReferenceList, Vec<ReferenceItem>>, ApiError> {
    let mut out = HashMap::new();
    for list in ReferenceList::ALL {
        out.insert(
            list,
            crate::reference::store::list(&state.db, list, true).await?,
        );
    }
    Ok(out)
}

/// Keys of the people already seen in this file: one person, one row.
#[derive(Default)]
struct Seen {
    nhs: HashMap<String, u32>,
    sid: HashMap<String, u32>,
    name: HashMap<(String, NaiveDate), u32>,
}

impl Seen {
    fn earlier(&self, v: &ValidRecord) -> Option<(u32, &'static str)> {
        if let Some(r) = v.nhs_number.as_ref().and_then(|n| self.nhs.get(n.as_str())) {
            return Some((*r, "NHS number"));
        }
        if let Some(r) = v.source_system_id.as_ref().and_then(|s| self.sid.get(s)) {
            return Some((*r, "system ID"));
        }
        let key = (
            people::name_key(&v.first_name, &v.family_name),
            v.date_of_birth,
        );
        self.name.get(&key).map(|r| (*r, "names and date of birth"))
    }

    fn add(&mut self, v: &ValidRecord, row: u32) {
        if let Some(n) = &v.nhs_number {
            self.nhs.insert(n.as_str().to_string(), row);
        }
        if let Some(s) = &v.source_system_id {
            self.sid.insert(s.clone(), row);
        }
        self.name.insert(
            (
                people::name_key(&v.first_name, &v.family_name),
                v.date_of_birth,
            ),
            row,
        );
    }
}

fn key_name(key: &str) -> &'static str {
    match key {
        "nhs_number" => "NHS number",
        "source_system_id" => "system ID",
        _ => "names and date of birth",
    }
}

/// Check mode's wording, as in the fact sheet.
fn check_status(kind: RowKind) -> &'static str {
    match kind {
        RowKind::New => "Upload in check mode, record not added.",
        RowKind::Updated => "Upload in check mode, record not updated.",
        RowKind::Ended => "Upload in check mode, entitlement not ended.",
        RowKind::NoChange => "No change: the register already holds this.",
        RowKind::Error => "Not uploaded: correct the errors and upload the file again.",
    }
}

fn processed_status(kind: RowKind) -> &'static str {
    match kind {
        RowKind::New => "Record added.",
        RowKind::Updated => "Record updated.",
        RowKind::Ended => "Entitlement ended.",
        RowKind::NoChange => "No change.",
        RowKind::Error => "Not uploaded: correct the errors and upload the file again.",
    }
}

/// The errors of a row, each "Column: message", without repeating a column whose cell
/// already could not be read.
fn reasons(
    cell_errors: &[(Column, String)],
    rule_errors: Option<s117_shared::validation::FieldErrors>,
) -> Vec<String> {
    let mut out: Vec<String> = cell_errors
        .iter()
        .map(|(c, m)| format!("{}: {m}", c.header()))
        .collect();
    for (field, message) in rule_errors.into_iter().flatten() {
        match column_of_field(&field) {
            Some(c) if cell_errors.iter().any(|(e, _)| *e == c) => {}
            Some(c) => out.push(format!("{}: {message}", c.header())),
            None => out.push(message),
        }
    }
    out
}

/// A row read and checked on its own, before it is matched against the register.
struct Prepared {
    line: ImportRow,
    values: RowValues,
    input: RecordInput,
    /// `None` when the row has errors (already in `line`).
    valid: Option<ValidRecord>,
}

fn fail(line: &mut ImportRow, errors: Vec<String>) {
    line.kind = RowKind::Error;
    line.status = check_status(RowKind::Error).to_string();
    line.errors = errors;
}

/// Reads one row's cells and applies the record rules to it alone.
fn prepare(ctx: &Context, row: u32, cells: &HashMap<Column, String>) -> Prepared {
    let raw = |c: Column| cells.get(&c).map(|s| s.trim()).unwrap_or("");
    let mut cell_errors = Vec::new();
    let values = RowValues::read(|c| cells.get(&c).cloned(), &ctx.resolver, &mut cell_errors);
    let mut line = ImportRow {
        row,
        kind: RowKind::Error,
        nhs_number: Some(raw(Column::NhsNumber))
            .filter(|s| !s.is_empty())
            .map(|s| {
                NhsNumber::parse(s)
                    .map(|n| n.formatted())
                    .unwrap_or(s.to_string())
            }),
        system_id: values.source_system_id.clone(),
        name: format!("{} {}", raw(Column::FirstName), raw(Column::FamilyName))
            .trim()
            .to_string(),
        date_of_birth: raw(Column::DateOfBirth).to_string(),
        postcode: raw(Column::Postcode).to_string(),
        responsible_la: ctx.name_of(
            ReferenceList::LocalAuthorities,
            values.responsible_la.as_deref(),
            raw(Column::ResponsibleLa),
        ),
        responsible_commissioner: ctx.name_of(
            ReferenceList::Commissioners,
            values.responsible_commissioner.as_deref(),
            raw(Column::ResponsibleCommissioner),
        ),
        status: String::new(),
        errors: Vec::new(),
        record_id: None,
    };
    let input = values.apply(RecordInput::default());
    let valid = match validate_record(&input, None, &ctx.refs, ctx.today) {
        Ok(v) if cell_errors.is_empty() => Some(v),
        Ok(_) => {
            fail(&mut line, reasons(&cell_errors, None));
            None
        }
        Err(e) => {
            fail(&mut line, reasons(&cell_errors, Some(e)));
            None
        }
    };
    let end_details = values.end_details();
    let valid = match valid {
        Some(_) if values.end_date.is_none() && !end_details.is_empty() => {
            fail(
                &mut line,
                vec![format!(
                    "{}: give the date entitlement ended, or leave {} blank",
                    Column::EndDate.header(),
                    end_details
                        .iter()
                        .map(|c| c.header())
                        .collect::<Vec<_>>()
                        .join(" and ")
                )],
            );
            None
        }
        v => v,
    };
    Prepared {
        line,
        values,
        input,
        valid,
    }
}

/// The register record a valid row matches, as duplicate detection matches: NHS number,
/// then system ID, then names and date of birth.
fn matched(m: &store::Matches, v: &ValidRecord) -> Option<i64> {
    v.nhs_number
        .as_ref()
        .and_then(|n| m.nhs.get(n.as_str()))
        .or_else(|| v.source_system_id.as_ref().and_then(|s| m.sid.get(s)))
        .or_else(|| {
            m.name.get(&(
                people::name_key(&v.first_name, &v.family_name),
                v.date_of_birth,
            ))
        })
        .copied()
}

/// Classifies a prepared row: its kind, its report line, and what processing would apply.
async fn classify(
    tx: &mut Tx,
    ctx: &Context,
    seen: &mut Seen,
    prepared: Prepared,
    matches: &store::Matches,
) -> Result<(RowKind, ImportRow, Option<Payload>), ApiError> {
    let Prepared {
        mut line,
        values,
        input,
        valid,
    } = prepared;
    let Some(valid) = valid else {
        return Ok((RowKind::Error, line, None));
    };
    let row = line.row;
    if let Some((earlier, key)) = seen.earlier(&valid) {
        fail(
            &mut line,
            vec![format!(
                "Row {earlier} is the same person (same {key}): give each person one row"
            )],
        );
        return Ok((RowKind::Error, line, None));
    }
    seen.add(&valid, row);

    // Who agreed the end, as the file says; a file without the columns (or a blank cell)
    // records that the uploader confirmed it.
    let end_input = values.end_date.map(|end_date| EndEpisodeInput {
        end_date: Some(end_date),
        reason: values.end_reason,
        la_agreed_by: values
            .la_agreed_by
            .clone()
            .unwrap_or_else(|| ctx.agreed_by.clone()),
        nhs_agreed_by: values
            .nhs_agreed_by
            .clone()
            .unwrap_or_else(|| ctx.agreed_by.clone()),
    });

    let Some(id) = matched(matches, &valid) else {
        if end_input.is_some() {
            fail(
                &mut line,
                vec![format!(
                    "{}: there is no record on the register for this person whose entitlement could end; add the record first",
                    Column::EndDate.header()
                )],
            );
            return Ok((RowKind::Error, line, None));
        }
        line.kind = RowKind::New;
        line.status = check_status(RowKind::New).to_string();
        let payload = Payload {
            record_id: None,
            version: None,
            record: Some(input),
            end: None,
        };
        return Ok((RowKind::New, line, Some(payload)));
    };

    // Matched: the row updates that record. Blank cells and fields the template lacks keep
    // their stored values.
    line.record_id = Some(id);
    let Some(p) = people::person(tx, id).await? else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "matched person vanished"
        )));
    };
    let episodes = people::episodes(tx, id).await?;
    let Some(current) = episodes.first() else {
        return Err(ApiError::Internal(anyhow::anyhow!(
            "person without episode"
        )));
    };
    let before = records::record_valid(&p, current);
    let merged = values.apply(before.to_input());
    let after = match validate_record(&merged, Some(&before), &ctx.refs, ctx.today) {
        Ok(v) => v,
        Err(e) => {
            fail(&mut line, reasons(&[], Some(e)));
            return Ok((RowKind::Error, line, None));
        }
    };
    if let Some((other, key)) = people::find_duplicate(tx, &after, Some(id)).await? {
        fail(
            &mut line,
            vec![format!(
                "This row matches record {id}, but its {} is record {other}'s",
                key_name(key)
            )],
        );
        return Ok((RowKind::Error, line, None));
    }
    let changes = records::diff(
        &serde_json::to_value(&before).unwrap_or_default(),
        &serde_json::to_value(&after).unwrap_or_default(),
    );
    let changed = changes.as_object().is_some_and(|m| !m.is_empty());
    let update = changed.then_some(merged);

    let kind = match end_input {
        None if changed => RowKind::Updated,
        None => RowKind::NoChange,
        Some(end) => {
            let open = episodes.iter().find(|e| e.end_date.is_none());
            match open {
                Some(open) => {
                    // The end is checked against the episode as the row leaves it.
                    let mut episode = records::episode_valid(open);
                    if current.id == open.id {
                        episode = after.episode.clone();
                    }
                    if let Err(e) = validate_end(&end, &episode, ctx.today) {
                        fail(&mut line, reasons(&[], Some(e)));
                        return Ok((RowKind::Error, line, None));
                    }
                    line.kind = RowKind::Ended;
                    line.status = check_status(RowKind::Ended).to_string();
                    let payload = Payload {
                        record_id: Some(id),
                        version: Some(p.version),
                        record: update,
                        end: Some(end),
                    };
                    return Ok((RowKind::Ended, line, Some(payload)));
                }
                None if current.end_date == end.end_date && !changed => RowKind::NoChange,
                None => {
                    fail(
                        &mut line,
                        vec![format!(
                            "{}: this record's entitlement has already ended{}",
                            Column::EndDate.header(),
                            current
                                .end_date
                                .map(|d| format!(" (on {})", s117_shared::dates::format_uk(d)))
                                .unwrap_or_default()
                        )],
                    );
                    return Ok((RowKind::Error, line, None));
                }
            }
        }
    };
    line.kind = kind;
    line.status = check_status(kind).to_string();
    let payload = (kind == RowKind::Updated).then_some(Payload {
        record_id: Some(id),
        version: Some(p.version),
        record: update,
        end: None,
    });
    Ok((kind, line, payload))
}

fn import_details(h: &ImportHead) -> Value {
    json!({
        "import_id": h.id, "file_name": h.file_name, "sha256": h.sha256, "encoding": h.encoding,
        "total_rows": h.total_rows, "new": h.count_new, "updated": h.count_updated, "ended": h.count_ended,
        "errors": h.count_errors, "no_change": h.count_no_change,
    })
}

/// Check mode: reads and classifies every row, stores the outcome, writes nothing to the
/// register.
pub async fn check(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    upload: Upload,
) -> Result<ImportReport, ApiError> {
    let now = state.clock.now();
    store::remove_expired(&state.db, now).await?;
    let sha256 = hex::encode(sha2::Sha256::digest(&upload.bytes));
    let decoded = read::decode(upload.bytes, upload.encoding)?;
    let mut rows = read::Rows::new(&decoded.text);
    let header = match rows.next_row()? {
        Some((_, cells)) => read::header(cells)?,
        None => return Err(read::unreadable("The file is empty.")),
    };
    let lists = lists(state).await?;
    let ctx = Context {
        refs: RefSnapshot::load(&state.db, &state.config.home_la_codes).await?,
        resolver: CodeResolver::new(lists.iter().map(|(l, items)| (*l, items.as_slice()))),
        today: state.clock.today(),
        agreed_by: format!("Confirmed in a CSV upload by {}", caller.label())
            .chars()
            .take(MAX_NAME)
            .collect(),
    };
    let mut head = ImportHead {
        id: crate::auth::secrets::id(),
        file_name: upload.file_name.chars().take(255).collect(),
        sha256,
        encoding: decoded.encoding.to_string(),
        uploaded_by: caller.user_id(),
        uploaded_by_label: caller.label(),
        status: "checked".into(),
        total_rows: 0,
        count_new: 0,
        count_updated: 0,
        count_ended: 0,
        count_errors: 0,
        count_no_change: 0,
        ignored_columns: header.ignored.join("|"),
        created_at: now,
        expires_at: now + Duration::hours(EXPIRES_AFTER_HOURS),
        processed_at: None,
    };
    let mut counts = s117_shared::import::ImportCounts::default();
    let mut seen = Seen::default();
    let mut tx = state.db.begin().await?;
    tx.plan_each_statement().await?;
    store::insert_head(&mut tx, &head).await?;
    // Rows are read, checked on their own, matched against the register a chunk at a time,
    // then classified in file order; at most one chunk is held in memory. A chunk's report
    // rows are written while the next chunk is read and checked: reading is this thread's
    // work and writing the database's (SQLite's own thread, or the PostgreSQL server), so
    // on two cores the two overlap instead of taking turns.
    let mut chunk: Vec<Prepared> = Vec::with_capacity(CHUNK);
    let mut checked: Vec<RowOut> = Vec::with_capacity(CHUNK);
    let mut more = true;
    while more {
        chunk.clear();
        let read = async {
            while chunk.len() < CHUNK {
                let Some((row, record)) = rows.next_row()? else {
                    return Ok::<bool, ApiError>(false);
                };
                let cells: HashMap<Column, String> = header
                    .positions
                    .iter()
                    .filter_map(|(c, i)| record.get(*i).map(|v| (*c, v.to_string())))
                    .collect();
                chunk.push(prepare(&ctx, row, &cells));
            }
            Ok(true)
        };
        let (written, read) = tokio::join!(store::insert_rows(&mut tx, &head.id, &checked), read);
        written?;
        more = read?;
        checked.clear();
        let valid = || chunk.iter().filter_map(|p| p.valid.as_ref());
        let nhs: Vec<String> = valid()
            .filter_map(|v| v.nhs_number.as_ref().map(|n| n.as_str().to_string()))
            .collect();
        let sids: Vec<String> = valid().filter_map(|v| v.source_system_id.clone()).collect();
        let names: Vec<String> = valid()
            .map(|v| people::name_key(&v.first_name, &v.family_name))
            .collect();
        let matches = store::matches(&mut tx, &nhs, &sids, &names).await?;
        for prepared in chunk.drain(..) {
            let row = prepared.line.row;
            let (kind, line, payload) =
                classify(&mut tx, &ctx, &mut seen, prepared, &matches).await?;
            counts.add(kind);
            checked.push(RowOut {
                row_number: row as i64,
                kind: kind.as_str(),
                report: serde_json::to_string(&line).map_err(anyhow::Error::from)?,
                payload: payload
                    .map(|p| serde_json::to_string(&p))
                    .transpose()
                    .map_err(anyhow::Error::from)?,
            });
        }
    }
    store::insert_rows(&mut tx, &head.id, &checked).await?;
    if counts == Default::default() {
        return Err(read::unreadable(
            "The file has a header row but no records. Add a row for each person.",
        ));
    }
    head.count_new = counts.new;
    head.count_updated = counts.updated;
    head.count_ended = counts.ended;
    head.count_errors = counts.errors;
    head.count_no_change = counts.no_change;
    head.total_rows = counts.new + counts.updated + counts.ended + counts.errors + counts.no_change;
    store::set_counts(&mut tx, &head).await?;
    let entry = Entry::new("import.checked", Outcome::Success, Some(caller), meta, now)
        .details(import_details(&head));
    audit::write(&mut tx, &entry).await?;
    tx.commit().await?;
    tracing::info!(import_id = %head.id, rows = head.total_rows, errors = head.count_errors, "import checked");
    report(state, caller, &head.id, RowKind::New, 1, 25).await
}

/// The uploader and administrators may see and process an upload; nobody else learns it
/// exists.
async fn visible(state: &AppState, caller: &Caller, id: &str) -> Result<ImportHead, ApiError> {
    let head = store::head(&state.db, id)
        .await?
        .filter(|h| h.expires_at > state.clock.now())
        .ok_or(ApiError::NotFound(GONE))?;
    let own = match head.uploaded_by {
        Some(user) => caller.user_id() == Some(user),
        None => caller.user_id().is_none() && head.uploaded_by_label == caller.label(),
    };
    if !own && !caller.can(Permission::AdminUsers) {
        return Err(ApiError::Forbidden(
            "Only the person who uploaded this file, or an administrator, can see or process it.",
        ));
    }
    Ok(head)
}

fn rows_of(head: &ImportHead, json_rows: Vec<String>) -> Vec<ImportRow> {
    json_rows
        .iter()
        .filter_map(|r| serde_json::from_str::<ImportRow>(r).ok())
        .map(|mut r| {
            if head.status == "processed" {
                r.status = processed_status(r.kind).to_string();
            }
            r
        })
        .collect()
}

/// The report: counts and one tab's rows, a page at a time.
pub async fn report(
    state: &AppState,
    caller: &Caller,
    id: &str,
    tab: RowKind,
    page: u32,
    per_page: u32,
) -> Result<ImportReport, ApiError> {
    let (limit, offset) = s117_shared::page::limit_offset(page, per_page)?;
    let head = visible(state, caller, id).await?;
    let json_rows = store::report_rows(&state.db, id, Some(tab.as_str()), limit, offset).await?;
    let rows = rows_of(&head, json_rows);
    Ok(ImportReport {
        id: head.id.clone(),
        file_name: head.file_name.clone(),
        sha256: head.sha256.clone(),
        encoding: head.encoding.clone(),
        total_rows: head.total_rows,
        counts: head.counts(),
        status: if head.status == "processed" {
            ImportStatus::Processed
        } else {
            ImportStatus::Checked
        },
        ignored_columns: head
            .ignored_columns
            .split('|')
            .filter(|s| !s.is_empty())
            .map(String::from)
            .collect(),
        uploaded_by: head.uploaded_by_label.clone(),
        created_at: head.created_at,
        expires_at: head.expires_at,
        processed_at: head.processed_at,
        tab,
        rows,
        rows_total: head.counts().of(tab),
        page,
        per_page,
    })
}

/// The whole report (or one tab) as CSV, every cell neutralised against formulas.
pub async fn report_csv(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: &str,
    tab: Option<RowKind>,
) -> Result<(String, Vec<u8>), ApiError> {
    let n = |v: &str| s117_shared::spreadsheet::neutralise_cell(v).into_owned();
    let head = visible(state, caller, id).await?;
    let mut w = csv::WriterBuilder::new()
        .terminator(csv::Terminator::CRLF)
        .from_writer(Vec::new());
    let io = |e: csv::Error| ApiError::Internal(anyhow::Error::new(e));
    w.write_record([
        "ROW NUMBER",
        "RESULT",
        "NHS NUMBER",
        "SYSTEM ID",
        "NAME",
        "D.O.B",
        "POST CODE",
        "S117 RESPONSIBLE LOCAL AUTHORITY",
        "S117 RESPONSIBLE CLINICAL COMMISSIONERS",
        "STATUS",
    ])
    .map_err(io)?;
    let mut offset = 0;
    loop {
        let page = store::report_rows(&state.db, id, tab.map(|t| t.as_str()), 5000, offset).await?;
        if page.is_empty() {
            break;
        }
        offset += page.len() as i64;
        for r in rows_of(&head, page) {
            let status = if r.errors.is_empty() {
                r.status.clone()
            } else {
                r.errors.join("; ")
            };
            w.write_record([
                r.row.to_string(),
                r.kind.tab_title().to_string(),
                n(r.nhs_number.as_deref().unwrap_or("")),
                n(r.system_id.as_deref().unwrap_or("")),
                n(&r.name),
                n(&r.date_of_birth),
                n(&r.postcode),
                n(&r.responsible_la),
                n(&r.responsible_commissioner),
                n(&status),
            ])
            .map_err(io)?;
        }
    }
    let bytes = w
        .into_inner()
        .map_err(|e| ApiError::Internal(anyhow::anyhow!("{e}")))?;
    audit::write_alone(
        &state.db,
        &Entry::new(
            "import.report_downloaded",
            Outcome::Success,
            Some(caller),
            meta,
            state.clock.now(),
        )
        .details(json!({ "import_id": id, "tab": tab.map(|t| t.as_str()) })),
    )
    .await?;
    let stem = head
        .file_name
        .trim_end_matches(".csv")
        .chars()
        .filter(|c| c.is_ascii_alphanumeric() || matches!(c, '-' | '_'))
        .collect::<String>();
    Ok((format!("{stem}-report.csv"), bytes))
}

/// Stops processing: the register has moved on since the check, so this row no longer
/// applies as checked. The transaction is dropped (rolled back) by the caller's `?`.
fn stale(row: i64, why: impl std::fmt::Display) -> ApiError {
    let mut extensions = std::collections::BTreeMap::new();
    extensions.insert("row".to_string(), json!(row));
    ApiError::Conflict {
        code: "import-stale",
        title: "The register has changed since this file was checked",
        detail: format!(
            "Row {row}: {why}. Nothing has been changed. Upload the file again to check it against the register as it is now."
        ),
        extensions,
    }
}

fn already_processed() -> ApiError {
    ApiError::Conflict {
        code: "import-already-processed",
        title: "This upload has already been processed",
        detail: "This file has already been applied to the register. To make further changes, upload a new file and check it.".into(),
        extensions: Default::default(),
    }
}

/// The error of a row that no longer passes the rules it passed when checked.
fn no_longer_valid(row: i64, e: s117_shared::validation::FieldErrors) -> ApiError {
    stale(
        row,
        format!(
            "it no longer passes the checks ({})",
            e.iter().map(|(_, m)| m).collect::<Vec<_>>().join("; ")
        ),
    )
}

/// What an import writes into the details of each row's entry.
fn row_details(import_id: &str, row: i64) -> Value {
    json!({ "import_id": import_id, "row": row })
}

/// Adds the new people of consecutive rows `(row, record)` together, each with its
/// `record.created` entry naming the import and the row, exactly as one by one.
async fn create_rows(
    tx: &mut Tx,
    caller: &Caller,
    meta: &RequestMeta,
    now: chrono::DateTime<chrono::Utc>,
    import_id: &str,
    rows: &mut Vec<(i64, ValidRecord)>,
) -> Result<(), ApiError> {
    let Some(&(first, _)) = rows.first() else {
        return Ok(());
    };
    let creates: Vec<(&ValidRecord, Option<Value>)> = rows
        .iter()
        .map(|(row, valid)| (valid, Some(row_details(import_id, *row))))
        .collect();
    match records::apply_create_many(tx, caller, meta, now, &creates).await {
        Ok(_) => {}
        // Only a concurrent add on PostgreSQL gets here (each row was matched against the
        // register in this transaction); which of the rows it hit is not known.
        Err(e) if is_unique_violation(&e) => {
            return Err(stale(
                first,
                format!(
                    "a record for the person in this row or in one of the {} rows after it was added since the check",
                    rows.len() - 1
                ),
            ))
        }
        Err(e) => return Err(e.into()),
    }
    rows.clear();
    Ok(())
}

/// Applies one checked row that changes a record already on the register (updated or
/// ended) inside the processing transaction.
#[allow(clippy::too_many_arguments)]
async fn apply_row(
    tx: &mut Tx,
    ctx: &(RefSnapshot, NaiveDate),
    caller: &Caller,
    meta: &RequestMeta,
    now: chrono::DateTime<chrono::Utc>,
    import_id: &str,
    row: i64,
    payload: Payload,
) -> Result<(), ApiError> {
    let (refs, today) = ctx;
    let extra = || Some(row_details(import_id, row));
    let rules = |e| no_longer_valid(row, e);
    let id = payload.record_id.unwrap_or_default();
    let Some(p) = people::person(tx, id).await? else {
        return Err(stale(
            row,
            format!("record {id} has been deleted since the check"),
        ));
    };
    let mut version = payload.version.unwrap_or_default();
    if p.version != version {
        return Err(stale(
            row,
            format!("record {id} was changed by someone else since the check"),
        ));
    }
    if let Some(input) = payload.record {
        let episodes = people::episodes(tx, id).await?;
        let current = episodes
            .first()
            .ok_or_else(|| stale(row, format!("record {id} has no entitlement episode")))?;
        let before = records::record_valid(&p, current);
        let valid = validate_record(&input, Some(&before), refs, *today).map_err(rules)?;
        if let Some((other, key)) = people::find_duplicate(tx, &valid, Some(id)).await? {
            return Err(stale(
                row,
                format!("its {} now belongs to record {other}", key_name(key)),
            ));
        }
        records::apply_update(
            tx,
            caller,
            meta,
            now,
            &p,
            version,
            current,
            &before,
            &valid,
            extra(),
        )
        .await?;
        version += 1;
    }
    if let Some(end) = payload.end {
        let episodes = people::episodes(tx, id).await?;
        let open = episodes
            .iter()
            .find(|e| e.end_date.is_none())
            .ok_or_else(|| stale(row, format!("record {id}'s entitlement has already ended")))?;
        let valid = validate_end(&end, &records::episode_valid(open), *today).map_err(rules)?;
        records::apply_end(tx, caller, meta, now, &p, version, open, &valid, extra()).await?;
    }
    Ok(())
}

/// Applies the checked rows in one transaction, once.
///
/// Rows are read a thousand at a time. A new row's record is validated once and matched
/// against the register as it is now (a match means someone added the person since the
/// check); runs of consecutive new rows are then added together ([`create_rows`]), and
/// updated or ended rows one by one ([`apply_row`]), in file order, so the audit entries
/// come in row order just as if every row were applied on its own.
pub async fn process(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    id: &str,
) -> Result<ImportReport, ApiError> {
    let head = visible(state, caller, id).await?;
    if head.status != "checked" {
        return Err(already_processed());
    }
    let ctx = (
        RefSnapshot::load(&state.db, &state.config.home_la_codes).await?,
        state.clock.today(),
    );
    let now = state.clock.now();
    let result = async {
        let mut tx = state.db.begin().await?;
        tx.plan_each_statement().await?;
        if !store::claim(&mut tx, id, now).await? {
            return Err(already_processed());
        }
        let mut after = 0;
        let mut new_rows: Vec<(i64, ValidRecord)> = Vec::new();
        loop {
            let batch = store::payloads(&mut tx, id, after, 1000).await?;
            let Some(last) = batch.last() else { break };
            after = last.0;
            let mut parsed = Vec::with_capacity(batch.len());
            for (row, kind, payload) in batch {
                let payload: Payload =
                    serde_json::from_str(&payload).map_err(anyhow::Error::from)?;
                let new = (kind == "new").then(|| {
                    let input = payload.record.clone().unwrap_or_default();
                    validate_record(&input, None, &ctx.0, ctx.1)
                });
                parsed.push((row, payload, new));
            }
            let new = || {
                parsed
                    .iter()
                    .filter_map(|(_, _, v)| v.as_ref()?.as_ref().ok())
            };
            let matches = store::matches(
                &mut tx,
                &new()
                    .filter_map(|v| v.nhs_number.as_ref().map(|n| n.as_str().to_string()))
                    .collect::<Vec<_>>(),
                &new()
                    .filter_map(|v| v.source_system_id.clone())
                    .collect::<Vec<_>>(),
                &new()
                    .map(|v| people::name_key(&v.first_name, &v.family_name))
                    .collect::<Vec<_>>(),
            )
            .await?;
            for (row, payload, new) in parsed {
                match new {
                    Some(valid) => {
                        let valid = valid.map_err(|e| no_longer_valid(row, e))?;
                        if let Some(id) = matched(&matches, &valid) {
                            return Err(stale(
                                row,
                                format!("record {id}, the same person, was added since the check"),
                            ));
                        }
                        new_rows.push((row, valid));
                    }
                    None => {
                        create_rows(&mut tx, caller, meta, now, id, &mut new_rows).await?;
                        apply_row(&mut tx, &ctx, caller, meta, now, id, row, payload).await?;
                    }
                }
            }
            create_rows(&mut tx, caller, meta, now, id, &mut new_rows).await?;
        }
        let entry = Entry::new(
            "import.processed",
            Outcome::Success,
            Some(caller),
            meta,
            now,
        )
        .details(import_details(&head));
        audit::write(&mut tx, &entry).await?;
        tx.commit().await?;
        Ok::<(), ApiError>(())
    }
    .await;
    if let Err(e @ ApiError::Conflict { .. }) = &result {
        let mut details = import_details(&head);
        details["refused"] = json!(e.problem().detail);
        audit::write_alone(
            &state.db,
            &Entry::new(
                "import.processed",
                Outcome::Failure,
                Some(caller),
                meta,
                now,
            )
            .details(details),
        )
        .await?;
    }
    result?;
    tracing::info!(import_id = %id, "import processed");
    report(state, caller, id, RowKind::New, 1, 25).await
}
