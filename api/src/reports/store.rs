//! SQL for the dashboard (aggregates only: no person row leaves the database) and for the
//! report downloads (one query, streamed row by row).
//!
//! Queries are built from the validated filters with every value bound as a parameter; the
//! same text runs on SQLite and PostgreSQL (dates are bound as dates, so PostgreSQL compares
//! `DATE` with `DATE` and SQLite compares its ISO text).

use chrono::NaiveDate;
use futures_util::TryStreamExt;
use s117_shared::age::{dob_bounds, AgeBand};
use s117_shared::report::{DateRange, ReportFilter, ReportKind};
use sqlx::{FromRow, Row};

use crate::db::Db;
use crate::on_db;

/// A bound value.
#[derive(Debug, Clone)]
pub enum Bind {
    Text(String),
    Date(NaiveDate),
}

/// Query text with `$n` placeholders and their values.
#[derive(Debug, Default, Clone)]
pub struct Sql {
    pub text: String,
    pub binds: Vec<Bind>,
}

impl Sql {
    fn arg(&mut self, b: Bind) -> String {
        self.binds.push(b);
        format!("${}", self.binds.len())
    }
    fn text(&mut self, s: &str) -> String {
        self.arg(Bind::Text(s.to_string()))
    }
    fn date(&mut self, d: NaiveDate) -> String {
        self.arg(Bind::Date(d))
    }
    /// `(a, b, c)` of bound texts; `None` for an empty list (SQL has no empty `IN ()`).
    fn list(&mut self, items: &[String]) -> Option<String> {
        if items.is_empty() {
            return None;
        }
        let args: Vec<String> = items.iter().map(|i| self.text(i)).collect();
        Some(format!("({})", args.join(", ")))
    }
    /// `column IN (...)`, or a condition that is false for an empty list.
    fn is_in(&mut self, column: &str, items: &[String]) -> String {
        match self.list(items) {
            Some(l) => format!("{column} IN {l}"),
            None => "1 = 0".into(),
        }
    }
}

macro_rules! bind_all {
    ($q:expr, $binds:expr) => {{
        let mut q = $q;
        for b in $binds {
            q = match b {
                Bind::Text(s) => q.bind(s.clone()),
                Bind::Date(d) => q.bind(*d),
            };
        }
        q
    }};
}

/// What the filters are judged against.
#[derive(Debug, Clone)]
pub struct Context {
    pub today: NaiveDate,
    pub home_las: Vec<String>,
    pub home_commissioners: Vec<String>,
    /// The commissioner filter, expanded to every code that rolls up to it.
    pub commissioner_codes: Vec<String>,
}

/// "GP out of county" as SQL over episode `e` (see `s117_shared::report::gp_out_of_county`).
fn gp_out_sql(sql: &mut Sql, ctx: &Context) -> String {
    let home = sql.is_in("e.responsible_commissioner", &ctx.home_commissioners);
    format!("(e.gp_out_of_county OR NOT ({home}))")
}

fn range(sql: &mut Sql, column: &str, r: &DateRange, out: &mut Vec<String>) {
    if let Some(f) = r.from {
        let a = sql.date(f);
        out.push(format!("{column} >= {a}"));
    }
    if let Some(t) = r.to {
        let a = sql.date(t);
        out.push(format!("{column} <= {a}"));
    }
}

fn age_band(sql: &mut Sql, band: AgeBand, today: NaiveDate, out: &mut Vec<String>) {
    let (earliest, latest) = dob_bounds(band, today);
    range(
        sql,
        "p.date_of_birth",
        &DateRange {
            from: earliest,
            to: latest,
        },
        out,
    );
}

/// The filter as conditions on person `p` and episode `e`.
fn conditions(sql: &mut Sql, f: &ReportFilter, ctx: &Context) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(g) = &f.gender {
        let a = sql.text(g);
        out.push(format!("p.gender = {a}"));
    }
    if let Some(b) = f.age_band {
        age_band(sql, b, ctx.today, &mut out);
    }
    if let Some(v) = &f.ethnicity {
        let a = sql.text(v);
        out.push(format!("p.ethnicity = {a}"));
    }
    if let Some(v) = f.learning_disability {
        let a = sql.text(v.as_str());
        out.push(format!("p.learning_disability = {a}"));
    }
    if let Some(v) = &f.responsible_la {
        let a = sql.text(v);
        out.push(format!("e.responsible_la = {a}"));
    }
    if f.commissioner.is_some() {
        out.push(sql.is_in("e.responsible_commissioner", &ctx.commissioner_codes));
    }
    if let Some(out_of_county) = f.la_out_of_county {
        let home = sql.is_in("e.responsible_la", &ctx.home_las);
        out.push(if out_of_county {
            format!("NOT ({home})")
        } else {
            home
        });
    }
    if let Some(out_of_county) = f.gp_out_of_county {
        let gp_out = gp_out_sql(sql, ctx);
        out.push(if out_of_county {
            gp_out
        } else {
            format!("NOT {gp_out}")
        });
    }
    range(sql, "e.date_detained", &f.detained, &mut out);
    range(sql, "e.end_date", &f.ended, &mut out);
    range(sql, "e.s117_start_date", &f.started, &mut out);
    if let Some(v) = &f.section {
        let a = sql.text(v);
        out.push(format!("e.qualifying_section = {a}"));
    }
    out
}

// --- reports ------------------------------------------------------------------------------

/// One report row, borrowing its text from the database row (no copy per column).
#[derive(Debug, Clone, sqlx::FromRow)]
pub struct ReportRow<'r> {
    pub id: i64,
    pub nhs_number: Option<&'r str>,
    pub source_system_id: Option<&'r str>,
    pub first_name: &'r str,
    pub family_name: &'r str,
    pub date_of_birth: NaiveDate,
    pub gender: &'r str,
    pub ethnicity: Option<&'r str>,
    pub address_line_1: Option<&'r str>,
    pub address_line_2: Option<&'r str>,
    pub address_line_3: Option<&'r str>,
    pub town: Option<&'r str>,
    pub postcode: &'r str,
    pub learning_disability: &'r str,
    pub gp_practice: Option<&'r str>,
    pub status: &'r str,
    pub date_detained: NaiveDate,
    pub qualifying_section: &'r str,
    pub place_detained: Option<&'r str>,
    pub s117_start_date: NaiveDate,
    pub responsible_la: &'r str,
    pub responsible_commissioner: &'r str,
    pub gp_out_of_county: bool,
    pub last_review_date: Option<NaiveDate>,
    pub next_review_date: Option<NaiveDate>,
    pub end_date: Option<NaiveDate>,
    pub end_reason: Option<&'r str>,
}

/// The episode a person is reported by: the open one (found through the one-open-episode
/// index), or when there is none, the latest to end (COALESCE only runs that second lookup
/// for ended records).
const LATEST_EPISODE: &str = "COALESCE(
     (SELECT e1.id FROM episodes e1 WHERE e1.person_id = p.id AND e1.end_date IS NULL),
     (SELECT e2.id FROM episodes e2 WHERE e2.person_id = p.id
      ORDER BY e2.end_date DESC, e2.date_detained DESC, e2.id DESC LIMIT 1))";

/// The query of one report: one row per person (with their open episode, or the latest to
/// end), except new entitlements, one row per episode started in the period. Ordered by
/// register ID.
pub fn report_query(kind: ReportKind, f: &ReportFilter, ctx: &Context) -> Sql {
    let mut sql = Sql::default();
    let (from, mut wheres) = match kind {
        ReportKind::AllEntitled => (
            "people p JOIN episodes e ON e.person_id = p.id AND e.end_date IS NULL".to_string(),
            vec!["p.status = 'active'".to_string()],
        ),
        ReportKind::ReviewsOverdue => {
            let today = sql.date(ctx.today);
            (
                "people p JOIN episodes e ON e.person_id = p.id AND e.end_date IS NULL".to_string(),
                vec![
                    "p.status = 'active'".to_string(),
                    format!("e.next_review_date < {today}"),
                ],
            )
        }
        ReportKind::Ended => (
            format!("people p JOIN episodes e ON e.id = {LATEST_EPISODE}"),
            vec!["p.status = 'ended'".to_string()],
        ),
        ReportKind::AllRecords => (
            format!("people p JOIN episodes e ON e.id = {LATEST_EPISODE}"),
            vec![],
        ),
        ReportKind::NewEntitlements => (
            "episodes e JOIN people p ON p.id = e.person_id".to_string(),
            vec![],
        ),
    };
    wheres.extend(conditions(&mut sql, f, ctx));
    let filter = if wheres.is_empty() {
        "1 = 1".to_string()
    } else {
        wheres.join(" AND ")
    };
    sql.text = format!(
        "SELECT p.id, p.nhs_number, p.source_system_id, p.first_name, p.family_name, p.date_of_birth, p.gender, p.ethnicity,
                p.address_line_1, p.address_line_2, p.address_line_3, p.town, p.postcode, p.learning_disability, p.gp_practice,
                p.status, e.date_detained, e.qualifying_section, e.place_detained, e.s117_start_date, e.responsible_la,
                e.responsible_commissioner, e.gp_out_of_county, e.last_review_date, e.next_review_date, e.end_date, e.end_reason
         FROM {from} WHERE {filter} ORDER BY p.id, e.id"
    );
    sql
}

/// Where streamed rows go. `push` answers false to stop early (the client went away).
pub trait RowSink {
    fn push(&mut self, row: &ReportRow<'_>) -> impl std::future::Future<Output = bool>;
}

/// Streams the query's rows into `sink` one at a time (never all in memory); returns how
/// many were pushed and whether the sink took them all.
pub async fn stream_rows<S: RowSink>(
    db: &Db,
    sql: &Sql,
    sink: &mut S,
) -> Result<(u64, bool), sqlx::Error> {
    on_db!(db, p => {
        let q = bind_all!(sqlx::query(&sql.text), &sql.binds);
        let mut rows = q.fetch(p);
        let mut n = 0u64;
        while let Some(row) = rows.try_next().await? {
            if !sink.push(&ReportRow::from_row(&row)?).await {
                return Ok((n, false));
            }
            n += 1;
        }
        Ok((n, true))
    })
}

// --- the dashboard ------------------------------------------------------------------------

/// The dashboard's filter, as conditions on the active person `p` and open episode `e`.
pub struct DashboardScope {
    pub responsible_la: Option<String>,
    /// Codes counted for the commissioner filter (the chosen one and those it succeeded).
    pub commissioner_codes: Option<Vec<String>>,
}

fn scope_conditions(sql: &mut Sql, s: &DashboardScope, la: &str, cm: &str) -> Vec<String> {
    let mut out = Vec::new();
    if let Some(v) = &s.responsible_la {
        let a = sql.text(v);
        out.push(format!("{la} = {a}"));
    }
    if let Some(codes) = &s.commissioner_codes {
        out.push(sql.is_in(cm, codes));
    }
    out
}

/// Which rows a dashboard count runs over. Active people and open episodes are the same
/// entitlements (a person is active exactly while one episode is open, and its LA and
/// commissioner are copied onto the person), so each count reads one table, never a join,
/// through a narrow covering index (migration 0006): no person row is read in full.
#[derive(Debug, Clone, Copy)]
pub enum Over {
    /// `people p` with `p.status = 'active'`: age, gender, current LA and commissioner.
    ActivePeople,
    /// `episodes e` with `e.end_date IS NULL`: section, place, GP flag, reviews.
    OpenEpisodes,
}

impl Over {
    /// `FROM` and `WHERE` of a count. On SQLite the index is named (`INDEXED BY`): without
    /// statistics its planner would rather use a one-column index and then read every wide
    /// row for the filter; PostgreSQL plans from its statistics. `index` serves the whole
    /// register; a filtered count uses the index led by LA and commissioner.
    fn source_and_filter(
        self,
        db: &Db,
        sql: &mut Sql,
        scope: &DashboardScope,
        index: &str,
    ) -> (String, String) {
        let filtered = scope.responsible_la.is_some() || scope.commissioner_codes.is_some();
        let (from, first, la, cm) = match self {
            Over::ActivePeople => (
                "people p",
                "p.status = 'active'",
                "p.current_la",
                "p.current_commissioner",
            ),
            Over::OpenEpisodes => (
                "episodes e",
                "e.end_date IS NULL",
                "e.responsible_la",
                "e.responsible_commissioner",
            ),
        };
        let conds = scope_conditions(sql, scope, la, cm);
        let from = match (db, filtered, self) {
            (Db::Postgres(_), _, _) => from.to_string(),
            (Db::Sqlite(_), false, _) => format!("{from} INDEXED BY {index}"),
            (Db::Sqlite(_), true, Over::ActivePeople) => format!("{from} INDEXED BY people_report"),
            (Db::Sqlite(_), true, Over::OpenEpisodes) => {
                format!("{from} INDEXED BY episodes_open_report")
            }
        };
        (from, where_clause(conds, first))
    }
}

fn where_clause(mut conds: Vec<String>, first: &str) -> String {
    conds.insert(0, first.to_string());
    conds.join(" AND ")
}

/// How many active entitlements meet each of the conditions `build` writes, counted in one
/// pass over the index (not one pass per condition). `build` also writes a condition that
/// each of them implies, so that SQLite reads only that range of the index.
pub async fn active_counts(
    db: &Db,
    over: Over,
    index: &str,
    scope: &DashboardScope,
    build: impl FnOnce(&mut Sql) -> (Vec<String>, String),
) -> Result<Vec<i64>, sqlx::Error> {
    let mut sql = Sql::default();
    let (conditions, range) = build(&mut sql);
    let (from, filter) = over.source_and_filter(db, &mut sql, scope, index);
    sql.text = format!(
        "SELECT {} FROM {from} WHERE {filter} AND {range}",
        sums(&conditions)
    );
    let n = conditions.len();
    on_db!(db, p => {
        let row = bind_all!(sqlx::query(&sql.text), &sql.binds).fetch_one(p).await?;
        (0..n).map(|i| row.try_get::<i64, _>(i)).collect()
    })
}

/// `COUNT(*) FILTER (WHERE c)` for each condition, in SQL both databases run.
fn sums(conditions: &[String]) -> String {
    conditions
        .iter()
        .map(|c| format!("COALESCE(SUM(CASE WHEN {c} THEN 1 ELSE 0 END), 0)"))
        .collect::<Vec<_>>()
        .join(", ")
}

/// Active people with the same current LA, commissioner and gender, and how many of them
/// are in each age band ([`AgeBand::ALL`] order).
#[derive(Debug)]
pub struct PeopleGroup {
    pub la: Option<String>,
    pub commissioner: Option<String>,
    pub gender: Option<String>,
    pub count: i64,
    pub bands: Vec<i64>,
}

/// Every person-level count of the dashboard (total, age bands, gender, LA, commissioner)
/// from one pass over `people_report`, grouped in that index's own order (no sort), instead
/// of seven counts that each read the index again: filtered to one large LA, those seven
/// were most of the dashboard's time.
pub async fn active_people_groups(
    db: &Db,
    scope: &DashboardScope,
    today: NaiveDate,
) -> Result<Vec<PeopleGroup>, sqlx::Error> {
    let mut sql = Sql::default();
    let bands: Vec<String> = AgeBand::ALL
        .into_iter()
        .map(|band| exprs::age_band(&mut sql, band, today))
        .collect();
    let (from, filter) = Over::ActivePeople.source_and_filter(db, &mut sql, scope, "people_report");
    sql.text = format!(
        "SELECT p.current_la, p.current_commissioner, p.gender, COUNT(*), {} FROM {from}
         WHERE {filter} GROUP BY p.current_la, p.current_commissioner, p.gender",
        sums(&bands)
    );
    let n = bands.len();
    on_db!(db, p => {
        let rows = bind_all!(sqlx::query(&sql.text), &sql.binds).fetch_all(p).await?;
        rows.iter()
            .map(|r| {
                Ok(PeopleGroup {
                    la: r.try_get(0)?,
                    commissioner: r.try_get(1)?,
                    gender: r.try_get(2)?,
                    count: r.try_get(3)?,
                    bands: (0..n).map(|i| r.try_get::<i64, _>(4 + i)).collect::<Result<_, _>>()?,
                })
            })
            .collect()
    })
}

/// Open episodes by (GP out of county ticked, responsible commissioner): the rule of "GP out
/// of county" (`s117_shared::report::gp_out_of_county`) is then applied to each group.
pub async fn open_gp_groups(
    db: &Db,
    scope: &DashboardScope,
) -> Result<Vec<(bool, String, i64)>, sqlx::Error> {
    let mut sql = Sql::default();
    let (from, filter) =
        Over::OpenEpisodes.source_and_filter(db, &mut sql, scope, "episodes_open_gp");
    sql.text = format!(
        "SELECT e.gp_out_of_county, e.responsible_commissioner, COUNT(*) FROM {from} WHERE {filter}
         GROUP BY e.gp_out_of_county, e.responsible_commissioner"
    );
    on_db!(db, p => bind_all!(sqlx::query_as::<_, (bool, String, i64)>(&sql.text), &sql.binds).fetch_all(p).await)
}

/// Active entitlements grouped by one column: (value, count).
pub async fn active_grouped(
    db: &Db,
    over: Over,
    index: &str,
    scope: &DashboardScope,
    column: &str,
) -> Result<Vec<(Option<String>, i64)>, sqlx::Error> {
    let mut sql = Sql::default();
    let (from, filter) = over.source_and_filter(db, &mut sql, scope, index);
    sql.text =
        format!("SELECT {column} AS k, COUNT(*) AS n FROM {from} WHERE {filter} GROUP BY {column}");
    on_db!(db, p => {
        let rows = bind_all!(sqlx::query(&sql.text), &sql.binds).fetch_all(p).await?;
        rows.iter().map(|r| Ok((r.try_get::<Option<String>, _>(0)?, r.try_get::<i64, _>(1)?))).collect()
    })
}

/// Episodes started and ended in each period (inclusive date ranges), whatever the person's
/// status now, within the scope (judged on each episode's own LA and commissioner).
pub async fn started_and_ended(
    db: &Db,
    scope: &DashboardScope,
    periods: &[(NaiveDate, NaiveDate)],
) -> Result<Vec<(i64, i64)>, sqlx::Error> {
    let (started, ended) = tokio::try_join!(
        per_period(db, scope, periods, "s117_start_date", "episodes_started"),
        per_period(db, scope, periods, "end_date", "episodes_ended"),
    )?;
    Ok(started.into_iter().zip(ended).collect())
}

/// Episodes whose `column` date falls in each period, read from `index` (date first, then LA
/// and commissioner: the index alone answers).
async fn per_period(
    db: &Db,
    scope: &DashboardScope,
    periods: &[(NaiveDate, NaiveDate)],
    column: &str,
    index: &str,
) -> Result<Vec<i64>, sqlx::Error> {
    let Some(first) = periods.first().map(|p| p.0) else {
        return Ok(vec![]);
    };
    let mut sql = Sql::default();
    let cols: Vec<String> = periods
        .iter()
        .map(|(from, to)| {
            let (f, t) = (sql.date(*from), sql.date(*to));
            format!("COALESCE(SUM(CASE WHEN e.{column} >= {f} AND e.{column} <= {t} THEN 1 ELSE 0 END), 0)")
        })
        .collect();
    let lo = sql.date(first);
    let conds = scope_conditions(
        &mut sql,
        scope,
        "e.responsible_la",
        "e.responsible_commissioner",
    );
    let hint = match db {
        Db::Sqlite(_) => format!(" INDEXED BY {index}"),
        Db::Postgres(_) => String::new(),
    };
    sql.text = format!(
        "SELECT {} FROM episodes e{hint} WHERE {}",
        cols.join(", "),
        where_clause(conds, &format!("e.{column} >= {lo}"))
    );
    let n = periods.len();
    on_db!(db, p => {
        let row = bind_all!(sqlx::query(&sql.text), &sql.binds).fetch_one(p).await?;
        (0..n).map(|i| row.try_get::<i64, _>(i)).collect()
    })
}

/// Builders for the one-pass sums (used by the service).
pub mod exprs {
    use super::*;

    /// The condition that `p` is in `band` today.
    pub fn age_band(sql: &mut Sql, band: AgeBand, today: NaiveDate) -> String {
        let mut c = Vec::new();
        super::age_band(sql, band, today, &mut c);
        if c.is_empty() {
            "1 = 1".into()
        } else {
            c.join(" AND ")
        }
    }

    pub fn review_before(sql: &mut Sql, day: NaiveDate) -> String {
        let a = sql.date(day);
        format!("e.next_review_date < {a}")
    }

    pub fn review_between(sql: &mut Sql, from: NaiveDate, to: NaiveDate) -> String {
        let (f, t) = (sql.date(from), sql.date(to));
        format!("e.next_review_date >= {f} AND e.next_review_date <= {t}")
    }

    pub fn review_until(sql: &mut Sql, day: NaiveDate) -> String {
        let a = sql.date(day);
        format!("e.next_review_date <= {a}")
    }
}
