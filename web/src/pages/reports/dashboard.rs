//! The dashboard: the fact sheet's tables (total, age bands, gender, local authority,
//! commissioner, in/out of county, place detained) plus qualifying section, reviews and the
//! last 12 months, each as a chart and a table with right-aligned numbers. The filter (one
//! responsible local authority or commissioner, and how commissioners are grouped) is in the
//! URL, so a filtered dashboard can be bookmarked.

use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use s117_shared::dates::format_long;
use s117_shared::reference::ReferenceList;
use s117_shared::report::{Count, Dashboard as DashboardData};

use super::chart::{BarChart, MonthChart};
use crate::components::{Button, ButtonKind, Radios, Select};
use crate::pages::records::refs::Refs;
use crate::pages::ServiceProblem;
use crate::session::use_session;

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// The dashboard's filter, as in the URL.
#[derive(Debug, Clone, PartialEq, Eq, Default)]
struct Filter {
    responsible_la: String,
    commissioner: String,
    /// `recorded` or `successor`.
    view: String,
}

impl Filter {
    fn query(&self) -> String {
        let mut parts = Vec::new();
        if !self.responsible_la.is_empty() {
            parts.push(format!("responsible_la={}", encode(&self.responsible_la)));
        }
        if !self.commissioner.is_empty() {
            parts.push(format!("commissioner={}", encode(&self.commissioner)));
        }
        if self.view == "successor" {
            parts.push("commissioner_view=successor".to_owned());
        }
        parts.join("&")
    }
}

/// A breakdown as a GOV.UK table, numbers right-aligned.
fn table(caption: &str, heading: &str, counts: &[Count], id: &str) -> impl IntoView {
    let rows = counts
        .iter()
        .map(|c| {
            view! {
                <tr class="govuk-table__row">
                    <th scope="row" class="govuk-table__header">{c.label.clone()}</th>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{c.count}</td>
                </tr>
            }
        })
        .collect_view();
    let empty = counts.is_empty().then(|| {
        view! {
            <tr class="govuk-table__row">
                <td class="govuk-table__cell" colspan="2">"No active records"</td>
            </tr>
        }
    });
    view! {
        <table class="govuk-table s117-report-table" id=id.to_owned()>
            <caption class="govuk-table__caption govuk-table__caption--s">{caption.to_owned()}</caption>
            <thead class="govuk-table__head">
                <tr class="govuk-table__row">
                    <th scope="col" class="govuk-table__header">{heading.to_owned()}</th>
                    <th scope="col" class="govuk-table__header govuk-table__header--numeric">"Records"</th>
                </tr>
            </thead>
            <tbody class="govuk-table__body">{rows}{empty}</tbody>
        </table>
    }
}

/// A section: heading, chart and table side by side on wide screens.
fn section(
    title: &'static str,
    heading: &'static str,
    id: &'static str,
    counts: Vec<Count>,
    note: Option<String>,
) -> impl IntoView {
    view! {
        <section class="s117-report-section" aria-labelledby=format!("{id}-heading")>
            <h2 class="govuk-heading-m" id=format!("{id}-heading")>{title}</h2>
            {note.map(|n| view! { <p class="govuk-body">{n}</p> })}
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-one-half">
                    <BarChart title=title counts=counts.clone() />
                </div>
                <div class="govuk-grid-column-one-half">{table(title, heading, &counts, id)}</div>
            </div>
        </section>
    }
}

fn count(key: &str, label: &str, n: i64) -> Count {
    Count {
        key: key.to_owned(),
        label: label.to_owned(),
        count: n,
    }
}

fn show(d: DashboardData) -> impl IntoView {
    let as_of = format_long(d.as_of);
    let ages_note = format!(
        "Ages are worked out on {as_of}. Each person is in exactly one band: \"16 to 17\" runs \
         from the 16th birthday to the day before the 18th, \"18 to 64\" from the 18th birthday \
         to the day before the 65th, and \"65 and over\" starts on the 65th birthday."
    );
    let county = vec![
        count("la_in", "LA in county", d.county.la_in_county),
        count("la_out", "LA out of county", d.county.la_out_of_county),
        count("gp_in", "GP in county", d.county.gp_in_county),
        count("gp_out", "GP out of county", d.county.gp_out_of_county),
    ];
    let reviews = vec![
        count("overdue", "Reviews overdue", d.reviews.overdue),
        count(
            "due",
            "Reviews due in the next 30 days",
            d.reviews.due_next_30_days,
        ),
    ];
    let commissioner_title =
        if d.commissioner_view == s117_shared::report::CommissionerView::Successor {
            "S117 responsible clinical commissioners (current successor)"
        } else {
            "S117 responsible clinical commissioners (as recorded)"
        };
    let month_rows = d
        .months
        .iter()
        .map(|m| {
            view! {
                <tr class="govuk-table__row">
                    <th scope="row" class="govuk-table__header">{m.label.clone()}</th>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{m.new_entitlements}</td>
                    <td class="govuk-table__cell govuk-table__cell--numeric">{m.ended_entitlements}</td>
                </tr>
            }
        })
        .collect_view();
    view! {
        <div class="s117-report-total">
            <h2 class="govuk-heading-m" id="total-heading">"Total records"</h2>
            <p class="govuk-body"><strong class="s117-report-total__number" id="total-records">{d.total}</strong>
                " active S117 entitlements on " {as_of}</p>
        </div>
        {section("Totals by age", "Age band", "ages", d.by_age_band, Some(ages_note))}
        {section("Totals by gender", "Gender", "genders", d.by_gender,
            Some("\"Other\" counts every gender other than male and female, including not known.".to_owned()))}
        {section("S117 responsible local authority breakdown", "Local authority", "local-authorities", d.by_local_authority, None)}
        {section(commissioner_title, "Clinical commissioner", "commissioners", d.by_commissioner,
            Some("Legacy CCGs can be counted as recorded, or under the body that took them over: choose above.".to_owned()))}
        {section("Totals by in/out of county", "", "county", county,
            Some("\"Out of county\" means the responsible local authority, or the commissioner of the person's GP, is not one of the partnership's own.".to_owned()))}
        {section("Place detained", "Place detained", "places", d.by_place_detained, None)}
        {section("S117 qualifying section", "Section", "sections", d.by_section, None)}
        {section("Reviews", "Reviews", "reviews", reviews, None)}
        <section class="s117-report-section" aria-labelledby="months-heading">
            <h2 class="govuk-heading-m" id="months-heading">"New and ended entitlements, last 12 months"</h2>
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-one-half">
                    <MonthChart months=d.months.clone() />
                </div>
                <div class="govuk-grid-column-one-half">
                    <table class="govuk-table s117-report-table" id="months">
                        <caption class="govuk-table__caption govuk-table__caption--s">"Entitlements started and ended each month"</caption>
                        <thead class="govuk-table__head">
                            <tr class="govuk-table__row">
                                <th scope="col" class="govuk-table__header">"Month"</th>
                                <th scope="col" class="govuk-table__header govuk-table__header--numeric">"New"</th>
                                <th scope="col" class="govuk-table__header govuk-table__header--numeric">"Ended"</th>
                            </tr>
                        </thead>
                        <tbody class="govuk-table__body">{month_rows}</tbody>
                    </table>
                </div>
            </div>
        </section>
    }
}

#[component]
pub fn Dashboard() -> impl IntoView {
    let session = use_session();
    let navigate = StoredValue::new_local(use_navigate());
    let params = use_query_map();
    let filter = Memo::new(move |_| {
        params.with(|p| Filter {
            responsible_la: p.get("responsible_la").unwrap_or_default(),
            commissioner: p.get("commissioner").unwrap_or_default(),
            view: p
                .get("commissioner_view")
                .filter(|v| v == "successor")
                .unwrap_or_else(|| "recorded".to_owned()),
        })
    });
    let la = RwSignal::new(String::new());
    let commissioner = RwSignal::new(String::new());
    let view_choice = RwSignal::new("recorded".to_owned());
    Effect::new(move |_| {
        let f = filter.get();
        la.set(f.responsible_la);
        commissioner.set(f.commissioner);
        view_choice.set(f.view);
    });

    let refs = LocalResource::new(move || {
        let api = session.api();
        async move {
            Refs::load(
                &api,
                &[
                    ReferenceList::LocalAuthorities,
                    ReferenceList::Commissioners,
                ],
            )
            .await
        }
    });
    let data = LocalResource::new(move || {
        let query = filter.get().query();
        let api = session.api();
        async move {
            let path = if query.is_empty() {
                "/api/v1/reports/dashboard".to_owned()
            } else {
                format!("/api/v1/reports/dashboard?{query}")
            };
            api.get::<DashboardData>(&path).await
        }
    });
    let options = move |list| {
        Signal::derive(move || {
            refs.get()
                .and_then(Result::ok)
                .map(|r| r.all_options(list))
                .unwrap_or_default()
        })
    };
    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let next = Filter {
            responsible_la: la.get_untracked(),
            commissioner: commissioner.get_untracked(),
            view: view_choice.get_untracked(),
        };
        let href = match next.query() {
            q if q.is_empty() => "/reports".to_owned(),
            q => format!("/reports?{q}"),
        };
        navigate.with_value(|go| go(&href, NavigateOptions::default()));
    };
    let body = move || {
        match data.get() {
        None => view! { <p class="govuk-body" aria-busy="true">"Loading the dashboard…"</p> }.into_any(),
        Some(Ok(d)) => show(d).into_any(),
        Some(Err(e)) if e.status() == Some(422) => view! {
            <p class="govuk-body">"That filter is not valid. Choose from the lists and apply it again."</p>
        }
        .into_any(),
        Some(Err(_)) => view! { <ServiceProblem /> }.into_any(),
    }
    };
    view! {
        <form class="s117-report-filter" on:submit=on_submit aria-label="Dashboard filter">
            <h2 class="govuk-heading-m">"Filter by"</h2>
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-one-half">
                    <Select id="dashboard-la" label="Responsible Local Authority" label_class="govuk-label--s"
                        value=la options=options(ReferenceList::LocalAuthorities)
                        placeholder="All local authorities" />
                </div>
                <div class="govuk-grid-column-one-half">
                    <Select id="dashboard-commissioner" label="Clinical Commissioner" label_class="govuk-label--s"
                        hint="A current body includes the legacy CCG it took over"
                        value=commissioner options=options(ReferenceList::Commissioners)
                        placeholder="All commissioners" />
                </div>
            </div>
            <Radios id="commissioner-view" legend="Count commissioners" legend_class="govuk-fieldset__legend--s"
                value=view_choice inline=true
                options=vec![("recorded", "As recorded"), ("successor", "By current successor")] />
            <Button kind=ButtonKind::Secondary>"Apply filter"</Button>
        </form>
        {body}
    }
}
