//! The dashboard and the downloads: validation, SQL aggregates, streaming, audit.

use std::collections::HashMap;

use actix_web::http::header;
use actix_web::web::{self, Bytes};
use actix_web::HttpResponse;
use chrono::{Datelike, Duration, Months, NaiveDate};
use s117_shared::age::AgeBand;
use s117_shared::record::ReferenceLookup;
use s117_shared::reference::{ReferenceItem, ReferenceList};
use s117_shared::report::{
    commissioner_successors, CommissionerView, Count, CountyTotals, Dashboard, DashboardQuery,
    MonthCount, ReportFilterInput, ReportFormat, ReportKind, ReviewTotals,
};
use serde_json::{json, Map, Value};
use tokio::sync::mpsc;

use super::export::{self, Cell, CsvEncoder};
use super::store::{self, exprs, Context, DashboardScope, Over, ReportRow, RowSink};
use crate::audit::{self, Entry, Outcome};
use crate::authn::{Caller, RequestMeta};
use crate::error::ApiError;
use crate::startup::AppState;

/// The reference lists a report needs, with names, successors and the home codes.
pub struct ReportRefs {
    lists: HashMap<ReferenceList, Vec<ReferenceItem>>,
    names: HashMap<ReferenceList, HashMap<String, String>>,
    successors: HashMap<String, String>,
    pub home_las: Vec<String>,
    pub home_commissioners: Vec<String>,
}

impl ReportRefs {
    pub async fn load(state: &AppState) -> Result<ReportRefs, sqlx::Error> {
        let mut lists = HashMap::new();
        let mut names = HashMap::new();
        for list in ReferenceList::ALL {
            let items = crate::reference::store::list(&state.db, list, true).await?;
            for i in &items {
                names
                    .entry(list)
                    .or_insert_with(HashMap::new)
                    .insert(i.code.clone(), i.display_name.clone());
            }
            lists.insert(list, items);
        }
        let successors = commissioner_successors(&lists[&ReferenceList::Commissioners]);
        Ok(ReportRefs {
            lists,
            names,
            successors,
            home_las: state.config.home_la_codes.clone(),
            home_commissioners: state.config.home_commissioner_codes.clone(),
        })
    }

    pub fn items(&self, list: ReferenceList) -> &[ReferenceItem] {
        self.lists.get(&list).map_or(&[], Vec::as_slice)
    }

    /// The display name (the code itself if the list does not know it).
    pub fn name<'a>(&'a self, list: ReferenceList, code: &'a str) -> &'a str {
        self.names
            .get(&list)
            .and_then(|m| m.get(code))
            .map_or(code, String::as_str)
    }

    /// The current successor of a commissioner (itself when it has none).
    pub fn successor<'a>(&'a self, code: &'a str) -> &'a str {
        self.successors.get(code).map_or(code, String::as_str)
    }

    /// `code` and every commissioner that rolls up to it.
    pub fn rolled_into(&self, code: &str) -> Vec<String> {
        let mut out = vec![code.to_string()];
        out.extend(
            self.successors
                .iter()
                .filter(|(_, s)| s.as_str() == code)
                .map(|(c, _)| c.clone()),
        );
        out.sort();
        out
    }

    fn context(&self, today: NaiveDate, commissioner: Option<&str>) -> Context {
        Context {
            today,
            home_las: self.home_las.clone(),
            home_commissioners: self.home_commissioners.clone(),
            commissioner_codes: commissioner
                .map(|c| self.rolled_into(c))
                .unwrap_or_default(),
        }
    }
}

impl ReferenceLookup for ReportRefs {
    fn is_active(&self, list: ReferenceList, code: &str) -> bool {
        self.items(list).iter().any(|i| i.code == code && i.active)
    }
    fn exists(&self, list: ReferenceList, code: &str) -> bool {
        self.names.get(&list).is_some_and(|m| m.contains_key(code))
    }
    fn section_qualifies(&self, code: &str) -> bool {
        self.items(ReferenceList::QualifyingSections)
            .iter()
            .any(|i| {
                i.code == code
                    && i.attributes
                        .get("qualifies_for_s117")
                        .and_then(Value::as_bool)
                        .unwrap_or(false)
            })
    }
}

// --- dashboard ----------------------------------------------------------------------------

/// Counts sorted largest first, then by name.
fn ranked(mut counts: Vec<Count>) -> Vec<Count> {
    counts.sort_by(|a, b| b.count.cmp(&a.count).then_with(|| a.label.cmp(&b.label)));
    counts
}

/// The first and last day of each of the 12 months up to and including `today`'s.
fn last_12_months(today: NaiveDate) -> Vec<(NaiveDate, NaiveDate)> {
    let this_month = today.with_day(1).expect("day 1 exists");
    (0..12u32)
        .rev()
        .map(|back| {
            let first = this_month - Months::new(back);
            let last = first + Months::new(1) - Duration::days(1);
            (first, last)
        })
        .collect()
}

pub async fn dashboard(state: &AppState, query: &DashboardQuery) -> Result<Dashboard, ApiError> {
    let refs = ReportRefs::load(state).await?;
    let filter = query.validate(&refs)?;
    let today = state.clock.today();
    let scope = DashboardScope {
        responsible_la: filter.responsible_la.clone(),
        commissioner_codes: filter.commissioner.as_deref().map(|c| refs.rolled_into(c)),
    };
    let genders = refs.items(ReferenceList::Genders);
    // Each count reads one narrow index (migration 0006), never the wide rows: one pass over
    // active people for age, gender, LA and commissioner; open episodes for the rest.
    // The counts are independent: they run at once, on several pooled connections.
    let db = &state.db;
    let periods = last_12_months(today);
    let (people, gp_rows, reviews, place_rows, section_rows, monthly) = tokio::try_join!(
        store::active_people_groups(db, &scope, today),
        store::open_gp_groups(db, &scope),
        store::active_counts(
            db,
            Over::OpenEpisodes,
            "episodes_open_review",
            &scope,
            |sql| {
                let overdue = exprs::review_before(sql, today);
                let due = exprs::review_between(sql, today, today + Duration::days(30));
                let range = exprs::review_until(sql, today + Duration::days(30));
                (vec![overdue, due], range)
            }
        ),
        store::active_grouped(
            db,
            Over::OpenEpisodes,
            "episodes_open_place",
            &scope,
            "e.place_detained"
        ),
        store::active_grouped(
            db,
            Over::OpenEpisodes,
            "episodes_open_section",
            &scope,
            "e.qualifying_section"
        ),
        store::started_and_ended(db, &scope, &periods),
    )?;
    // The person-level breakdowns, summed from the (LA, commissioner, gender) groups.
    let mut bands = vec![0i64; AgeBand::ALL.len()];
    let mut gender_rows: HashMap<Option<String>, i64> = HashMap::new();
    let mut la_rows: HashMap<Option<String>, i64> = HashMap::new();
    let mut cm_rows: HashMap<Option<String>, i64> = HashMap::new();
    for g in people {
        for (sum, n) in bands.iter_mut().zip(&g.bands) {
            *sum += n;
        }
        *gender_rows.entry(g.gender).or_default() += g.count;
        *la_rows.entry(g.la).or_default() += g.count;
        *cm_rows.entry(g.commissioner).or_default() += g.count;
    }
    let by_age_band: Vec<Count> = AgeBand::ALL
        .into_iter()
        .zip(bands)
        .map(|(band, n)| Count {
            key: band.slug().into(),
            label: band.label().into(),
            count: n,
        })
        .collect();
    let total: i64 = by_age_band.iter().map(|c| c.count).sum();
    let mut by_gender = vec![
        Count {
            key: "male".into(),
            label: "Male".into(),
            count: 0,
        },
        Count {
            key: "female".into(),
            label: "Female".into(),
            count: 0,
        },
        Count {
            key: "other".into(),
            label: "Other".into(),
            count: 0,
        },
    ];
    for (code, n) in gender_rows {
        let group = s117_shared::report::gender_group(genders, code.as_deref().unwrap_or(""));
        let slot = match group {
            "Male" => 0,
            "Female" => 1,
            _ => 2,
        };
        by_gender[slot].count += n;
    }
    let gp_out: i64 = gp_rows
        .into_iter()
        .filter(|(ticked, code, _)| {
            s117_shared::report::gp_out_of_county(*ticked, code, &refs.home_commissioners)
        })
        .map(|(_, _, n)| n)
        .sum();
    let reviews = ReviewTotals {
        overdue: reviews[0],
        due_next_30_days: reviews[1],
    };
    let named = |list: ReferenceList, rows: Vec<(Option<String>, i64)>, none: &str| {
        ranked(
            rows.into_iter()
                .map(|(code, n)| match code {
                    Some(code) => Count {
                        label: refs.name(list, &code).to_string(),
                        key: code,
                        count: n,
                    },
                    None => Count {
                        key: String::new(),
                        label: none.to_string(),
                        count: n,
                    },
                })
                .collect(),
        )
    };
    let by_place_detained = named(ReferenceList::PlacesDetained, place_rows, "Not recorded");
    let by_section = named(
        ReferenceList::QualifyingSections,
        section_rows,
        "Not recorded",
    );

    let la_in: i64 = la_rows
        .iter()
        .filter(|(code, _)| code.as_ref().is_some_and(|c| refs.home_las.contains(c)))
        .map(|(_, n)| n)
        .sum();
    let by_local_authority = ranked(
        la_rows
            .into_iter()
            .map(|(code, n)| {
                let code = code.unwrap_or_default();
                Count {
                    label: refs
                        .name(ReferenceList::LocalAuthorities, &code)
                        .to_string(),
                    key: code,
                    count: n,
                }
            })
            .collect(),
    );

    let mut by_commissioner: HashMap<String, i64> = HashMap::new();
    for (code, n) in cm_rows {
        let code = code.unwrap_or_default();
        let key = match filter.commissioner_view {
            CommissionerView::Recorded => code,
            CommissionerView::Successor => refs.successor(&code).to_string(),
        };
        *by_commissioner.entry(key).or_default() += n;
    }
    let by_commissioner = ranked(
        by_commissioner
            .into_iter()
            .map(|(code, n)| Count {
                label: refs.name(ReferenceList::Commissioners, &code).to_string(),
                key: code,
                count: n,
            })
            .collect(),
    );

    let months = periods
        .iter()
        .zip(monthly)
        .map(|((first, _), (new, ended))| MonthCount {
            month: first.format("%Y-%m").to_string(),
            label: first.format("%b %Y").to_string(),
            new_entitlements: new,
            ended_entitlements: ended,
        })
        .collect();

    Ok(Dashboard {
        as_of: today,
        responsible_la: filter.responsible_la,
        commissioner: filter.commissioner,
        commissioner_view: filter.commissioner_view,
        total,
        by_age_band,
        by_gender,
        by_local_authority,
        by_commissioner,
        county: CountyTotals {
            la_in_county: la_in,
            la_out_of_county: total - la_in,
            gp_in_county: total - gp_out,
            gp_out_of_county: gp_out,
        },
        by_place_detained,
        by_section,
        reviews,
        months,
    })
}

// --- downloads ----------------------------------------------------------------------------

type Chunk = Result<Bytes, std::io::Error>;

/// Sends rows' cells onward; false once the receiver has gone (the client disconnected).
struct CellSink<'a> {
    refs: &'a ReportRefs,
    today: NaiveDate,
    to: Target,
}

enum Target {
    Csv {
        encoder: Box<CsvEncoder>,
        body: mpsc::Sender<Chunk>,
    },
    Xlsx {
        batch: Vec<Vec<Cell<'static>>>,
        rows: mpsc::Sender<Vec<Vec<Cell<'static>>>>,
    },
}

impl RowSink for CellSink<'_> {
    async fn push(&mut self, row: &ReportRow<'_>) -> bool {
        let cells = export::cells(row, self.refs, self.today);
        match &mut self.to {
            Target::Csv { encoder, body } => {
                encoder.row(&cells);
                match encoder.take(false) {
                    Some(chunk) => body.send(Ok(chunk)).await.is_ok(),
                    None => !body.is_closed(),
                }
            }
            Target::Xlsx { batch, rows } => {
                batch.push(cells.into_iter().map(Cell::into_owned).collect());
                if batch.len() < export::XLSX_BATCH {
                    return !rows.is_closed();
                }
                let full = std::mem::replace(batch, Vec::with_capacity(export::XLSX_BATCH));
                rows.send(full).await.is_ok()
            }
        }
    }
}

/// What the audit entry says about a download.
struct Download {
    kind: ReportKind,
    format: ReportFormat,
    filters: Map<String, Value>,
}

async fn audit_download(
    state: &AppState,
    caller: &Caller,
    meta: &RequestMeta,
    d: &Download,
    rows: u64,
    failure: Option<&str>,
) {
    let outcome = if failure.is_some() {
        Outcome::Failure
    } else {
        Outcome::Success
    };
    let mut details = json!({
        "report": d.kind.slug(),
        "title": d.kind.title(),
        "format": d.format.extension(),
        "filters": Value::Object(d.filters.clone()),
        "rows": rows,
    });
    if let Some(reason) = failure {
        details["error"] = json!(reason);
    }
    let entry = Entry::new(
        "reports.downloaded",
        outcome,
        Some(caller),
        meta,
        state.clock.now(),
    )
    .details(details);
    if let Err(e) = audit::write_alone(&state.db, &entry).await {
        tracing::error!(error = %e, report = d.kind.slug(), "could not audit a report download");
    }
}

/// Validates the request and answers with the file, streamed: rows go from the database
/// cursor through the encoder to the client in chunks, with a small bounded channel between
/// them, so memory does not grow with the number of rows. The audit entry (report, filters,
/// row count) is written when the last row has been read, before the last chunk is sent.
pub async fn download(
    state: web::Data<AppState>,
    caller: Caller,
    meta: RequestMeta,
    kind: ReportKind,
    format: ReportFormat,
    input: ReportFilterInput,
) -> Result<HttpResponse, ApiError> {
    let refs = ReportRefs::load(&state).await?;
    let filter = input.validate(&refs)?;
    let today = state.clock.today();
    let ctx = refs.context(today, filter.commissioner.as_deref());
    let sql = store::report_query(kind, &filter, &ctx);
    let download = Download {
        kind,
        format,
        filters: input
            .pairs()
            .into_iter()
            .map(|(k, v)| (k.to_string(), Value::String(v)))
            .collect(),
    };
    let (body_tx, mut body_rx) = mpsc::channel::<Chunk>(4);
    let task_state = state.clone();
    actix_web::rt::spawn(async move {
        let state = task_state;
        match format {
            ReportFormat::Csv => {
                let mut sink = CellSink {
                    refs: &refs,
                    today,
                    to: Target::Csv {
                        encoder: Box::new(CsvEncoder::new()),
                        body: body_tx.clone(),
                    },
                };
                let result = store::stream_rows(&state.db, &sql, &mut sink).await;
                let Target::Csv { mut encoder, .. } = sink.to else {
                    unreachable!("a CSV sink")
                };
                match result {
                    Ok((rows, true)) => {
                        audit_download(&state, &caller, &meta, &download, rows, None).await;
                        if let Some(last) = encoder.take(true) {
                            let _ = body_tx.send(Ok(last)).await;
                        }
                    }
                    Ok((rows, false)) => {
                        audit_download(
                            &state,
                            &caller,
                            &meta,
                            &download,
                            rows,
                            Some("interrupted"),
                        )
                        .await;
                    }
                    Err(e) => {
                        tracing::error!(error = %e, "report query failed");
                        audit_download(
                            &state,
                            &caller,
                            &meta,
                            &download,
                            0,
                            Some("database error"),
                        )
                        .await;
                        let _ = body_tx
                            .send(Err(std::io::Error::other("report failed")))
                            .await;
                    }
                }
            }
            ReportFormat::Xlsx => {
                let (rows_tx, mut rows_rx) = mpsc::channel(2);
                let title = kind.title();
                let writer =
                    tokio::task::spawn_blocking(move || export::write_xlsx(&mut rows_rx, title));
                let mut sink = CellSink {
                    refs: &refs,
                    today,
                    to: Target::Xlsx {
                        batch: Vec::with_capacity(export::XLSX_BATCH),
                        rows: rows_tx,
                    },
                };
                let result = store::stream_rows(&state.db, &sql, &mut sink).await;
                if let Target::Xlsx { batch, rows } = sink.to {
                    if matches!(result, Ok((_, true))) && !batch.is_empty() {
                        let _ = rows.send(batch).await;
                    }
                }
                let written = writer.await;
                match (result, written) {
                    (Ok((rows, true)), Ok(Ok((file, _)))) => {
                        audit_download(&state, &caller, &meta, &download, rows, None).await;
                        send_file(file, &body_tx).await;
                    }
                    (Err(e), _) => {
                        tracing::error!(error = %e, "report query failed");
                        audit_download(
                            &state,
                            &caller,
                            &meta,
                            &download,
                            0,
                            Some("database error"),
                        )
                        .await;
                        let _ = body_tx
                            .send(Err(std::io::Error::other("report failed")))
                            .await;
                    }
                    (Ok((rows, _)), other) => {
                        if let Ok(Err(e)) = &other {
                            tracing::error!(error = %e, "writing the workbook failed");
                        }
                        audit_download(
                            &state,
                            &caller,
                            &meta,
                            &download,
                            rows,
                            Some("workbook not written"),
                        )
                        .await;
                        let _ = body_tx
                            .send(Err(std::io::Error::other("report failed")))
                            .await;
                    }
                }
            }
        }
    });
    let body = futures_util::stream::poll_fn(move |cx| body_rx.poll_recv(cx));
    let file_name = kind.file_name(today, format);
    Ok(HttpResponse::Ok()
        .content_type(format.media_type())
        .insert_header((
            header::CONTENT_DISPOSITION,
            format!("attachment; filename=\"{file_name}\""),
        ))
        .insert_header((header::CACHE_CONTROL, "no-store"))
        .streaming(body))
}

/// Streams a finished workbook file to the response in chunks.
async fn send_file(file: std::fs::File, body: &mpsc::Sender<Chunk>) {
    use tokio::io::AsyncReadExt;
    let mut file = tokio::fs::File::from_std(file);
    loop {
        let mut buf = vec![0u8; 64 * 1024];
        match file.read(&mut buf).await {
            Ok(0) => return,
            Ok(n) => {
                buf.truncate(n);
                if body.send(Ok(Bytes::from(buf))).await.is_err() {
                    return;
                }
            }
            Err(e) => {
                let _ = body.send(Err(e)).await;
                return;
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn twelve_months_end_with_this_one() {
        let d = |y, m, d| NaiveDate::from_ymd_opt(y, m, d).unwrap();
        let months = last_12_months(d(2026, 3, 31));
        assert_eq!(months.len(), 12);
        assert_eq!(months[0], (d(2025, 4, 1), d(2025, 4, 30)));
        assert_eq!(months[10], (d(2026, 2, 1), d(2026, 2, 28)));
        assert_eq!(months[11], (d(2026, 3, 1), d(2026, 3, 31)));
    }
}
