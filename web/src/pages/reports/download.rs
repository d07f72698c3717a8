//! "Report / data download" (fact sheet): choose a report, set any filters, "Generate
//! report". The file is fetched with the session's bearer token and offered as a `blob:`
//! link (started at once, and kept on the page in case the browser held it back).

use leptos::prelude::*;
use s117_shared::age::AgeBand;
use s117_shared::dates::DateInput as TypedDate;
use s117_shared::record::LearningDisability;
use s117_shared::reference::ReferenceList;
use s117_shared::report::{ReportFilterInput, ReportKind};
use s117_shared::validation::FieldErrors;
use wasm_bindgen::JsCast;

use crate::components::{
    BannerKind, Button, DateFields, DateInput, NotificationBanner, Radios, Select, SelectOption,
};
use crate::pages::form::{FormErrorSummary, FormErrors};
use crate::pages::records::refs::Refs;
use crate::session::use_session;

const FIELDS: &[&str] = &[
    "report",
    "format",
    "gender",
    "age_band",
    "ethnicity",
    "learning_disability",
    "responsible_la",
    "commissioner",
    "la_out_of_county",
    "gp_out_of_county",
    "detained_from",
    "detained_to",
    "ended_from",
    "ended_to",
    "started_from",
    "started_to",
    "section",
];

/// The date boxes of the form: (field, legend, boxes).
type DateBoxes = [(&'static str, &'static str, DateFields); 6];

fn encode(value: &str) -> String {
    String::from(js_sys::encode_uri_component(value))
}

/// Clicks the download link so the browser saves the file straight away.
fn start_download(id: &str) {
    let link = web_sys::window()
        .and_then(|w| w.document())
        .and_then(|d| d.get_element_by_id(id))
        .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok());
    if let Some(link) = link {
        link.click();
    }
}

#[derive(Debug, Clone, PartialEq)]
struct Ready {
    url: String,
    file_name: String,
    title: &'static str,
    size: usize,
}

fn size_text(bytes: usize) -> String {
    if bytes < 1024 {
        format!("{bytes} bytes")
    } else if bytes < 1024 * 1024 {
        format!("{} KB", bytes.div_ceil(1024))
    } else {
        format!("{:.1} MB", bytes as f64 / (1024.0 * 1024.0))
    }
}

#[component]
pub fn ReportForm() -> impl IntoView {
    let session = use_session();
    let errors = FormErrors::new(FIELDS);
    let report = RwSignal::new(ReportKind::AllEntitled.slug().to_owned());
    let format = RwSignal::new("csv".to_owned());
    let select = || RwSignal::new(String::new());
    let (gender, age_band, ethnicity, learning_disability) =
        (select(), select(), select(), select());
    let (responsible_la, commissioner, la_out, gp_out, section) =
        (select(), select(), select(), select(), select());
    let dates: DateBoxes = [
        ("detained_from", "Date detained from", DateFields::new()),
        ("detained_to", "Date detained to", DateFields::new()),
        ("ended_from", "End of S117 from", DateFields::new()),
        ("ended_to", "End of S117 to", DateFields::new()),
        ("started_from", "Start of S117 from", DateFields::new()),
        ("started_to", "Start of S117 to", DateFields::new()),
    ];
    let busy = RwSignal::new(false);
    let ready = RwSignal::new(None::<Ready>);

    let refs = LocalResource::new(move || {
        let api = session.api();
        async move {
            Refs::load(
                &api,
                &[
                    ReferenceList::Genders,
                    ReferenceList::EthnicCategories,
                    ReferenceList::LocalAuthorities,
                    ReferenceList::Commissioners,
                    ReferenceList::QualifyingSections,
                ],
            )
            .await
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
    let reports: Vec<SelectOption> = ReportKind::ALL
        .into_iter()
        .map(|k| SelectOption::new(k.slug(), k.title()))
        .collect();
    let ages: Vec<SelectOption> = AgeBand::ALL
        .into_iter()
        .map(|b| SelectOption::new(b.slug(), b.label()))
        .collect();
    let disability: Vec<SelectOption> = LearningDisability::ALL
        .into_iter()
        .map(|l| SelectOption::new(l.as_str(), l.label()))
        .collect();
    let yes_no = || {
        vec![
            SelectOption::new("yes", "Yes"),
            SelectOption::new("no", "No"),
        ]
    };

    let on_submit = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut problems = FieldErrors::new();
        let mut iso = |field: &'static str, legend: &str, boxes: &DateFields| {
            let typed = TypedDate {
                day: boxes.day.get_untracked(),
                month: boxes.month.get_untracked(),
                year: boxes.year.get_untracked(),
            };
            match typed.parse(&legend.to_lowercase()) {
                Ok(date) => date.map(|d| d.format("%Y-%m-%d").to_string()),
                Err(message) => {
                    problems.add(field, message);
                    None
                }
            }
        };
        let [d0, d1, d2, d3, d4, d5] = &dates;
        let value = |s: RwSignal<String>| Some(s.get_untracked()).filter(|v| !v.is_empty());
        let input = ReportFilterInput {
            gender: value(gender),
            age_band: value(age_band),
            ethnicity: value(ethnicity),
            learning_disability: value(learning_disability),
            responsible_la: value(responsible_la),
            commissioner: value(commissioner),
            la_out_of_county: value(la_out),
            gp_out_of_county: value(gp_out),
            detained_from: iso(d0.0, d0.1, &d0.2),
            detained_to: iso(d1.0, d1.1, &d1.2),
            ended_from: iso(d2.0, d2.1, &d2.2),
            ended_to: iso(d3.0, d3.1, &d3.2),
            started_from: iso(d4.0, d4.1, &d4.2),
            started_to: iso(d5.0, d5.1, &d5.2),
            section: value(section),
        };
        if let Some(Ok(refs)) = refs.get_untracked() {
            if let Err(more) = input.validate(&refs) {
                problems.merge_prefixed("", more);
            }
        }
        if errors.set_fields(problems) {
            return;
        }
        let Some(kind) = ReportKind::from_slug(&report.get_untracked()) else {
            errors.set_field("report", "Select a report");
            return;
        };
        let mut query: Vec<String> = vec![format!("format={}", encode(&format.get_untracked()))];
        query.extend(
            input
                .pairs()
                .into_iter()
                .map(|(k, v): (&str, String)| format!("{k}={}", encode(&v))),
        );
        let path = format!("/api/v1/reports/{}?{}", kind.slug(), query.join("&"));
        let api = session.api();
        busy.set(true);
        if let Some(old) = ready.get_untracked() {
            let _ = web_sys::Url::revoke_object_url(&old.url);
        }
        ready.set(None);
        leptos::task::spawn_local(async move {
            match api.get_file(&path).await {
                Ok(file) => match crate::download::blob_url(&file) {
                    Some(url) => {
                        ready.set(Some(Ready {
                            url,
                            size: file.bytes.len(),
                            file_name: file.file_name,
                            title: kind.title(),
                        }));
                        request_animation_frame(|| start_download("report-download"));
                    }
                    None => {
                        errors.set_general("Your browser could not save the report. Try again.")
                    }
                },
                Err(e) => errors.set_api_error(&e),
            }
            busy.set(false);
        });
    };

    let date_inputs = dates
        .iter()
        .map(|(field, legend, boxes)| {
            view! {
                <DateInput id=crate::pages::form::field_id(field) legend=*legend
                    legend_class="govuk-fieldset__legend--s" hint="For example, 27 3 2024"
                    name_prefix=crate::pages::form::field_id(field)
                    error=errors.for_field(field) fields=*boxes />
            }
        })
        .collect_view();

    view! {
        <section class="s117-report-section" aria-labelledby="download-heading">
            <h2 class="govuk-heading-l" id="download-heading">"Report / data download"</h2>
            {move || ready.get().map(|r| view! {
                <NotificationBanner kind=BannerKind::Success heading="Your report is ready">
                    <p class="govuk-body">
                        <a class="govuk-notification-banner__link" id="report-download"
                            href=r.url.clone() download=r.file_name.clone()>
                            "Download " {r.title} " (" {r.file_name.clone()} ", " {size_text(r.size)} ")"
                        </a>
                    </p>
                </NotificationBanner>
            })}
            <FormErrorSummary errors=errors />
            <form on:submit=on_submit novalidate aria-label="Report download">
                <Select id="report" label="Select report" label_class="govuk-label--s"
                    value=report options=Signal::stored(reports) error=errors.for_field("report") />
                <Radios id="format" legend="File format" legend_class="govuk-fieldset__legend--s"
                    value=format inline=true options=vec![("csv", "CSV (Excel and other programs)"), ("xlsx", "Excel workbook (XLSX)")] />
                <h3 class="govuk-heading-m">"Report filters"</h3>
                <p class="govuk-body">"Leave a filter empty to include everyone."</p>
                <Select id="gender" label="Gender" value=gender options=options(ReferenceList::Genders)
                    placeholder="Select option" error=errors.for_field("gender") />
                <Select id="age-band" label="Age" value=age_band options=Signal::stored(ages)
                    placeholder="All ages" hint="Age today. Bands do not overlap: 18 to 64 ends the day before the 65th birthday."
                    error=errors.for_field("age_band") />
                <Select id="ethnicity" label="Ethnicity" value=ethnicity options=options(ReferenceList::EthnicCategories)
                    placeholder="Select option" error=errors.for_field("ethnicity") />
                <Select id="learning-disability" label="Learning Disability" value=learning_disability
                    options=Signal::stored(disability) placeholder="Select option" error=errors.for_field("learning_disability") />
                <Select id="responsible-la" label="Responsible Local Authority" value=responsible_la
                    options=options(ReferenceList::LocalAuthorities) placeholder="Select option"
                    error=errors.for_field("responsible_la") />
                <Select id="commissioner" label="Responsible Clinical Commissioners" value=commissioner
                    options=options(ReferenceList::Commissioners) placeholder="Select option"
                    hint="A current body includes the legacy CCG it took over"
                    error=errors.for_field("commissioner") />
                <Select id="la-out-of-county" label="LA out of County" value=la_out options=Signal::stored(yes_no())
                    placeholder="Select option" error=errors.for_field("la_out_of_county") />
                <Select id="gp-out-of-county" label="GP Out of County" value=gp_out options=Signal::stored(yes_no())
                    placeholder="Select option" error=errors.for_field("gp_out_of_county") />
                {date_inputs}
                <Select id="section" label="S117 Qualifying Section" value=section
                    options=options(ReferenceList::QualifyingSections) placeholder="Select option"
                    error=errors.for_field("section") />
                <Button>{move || if busy.get() { "Generating report…" } else { "Generate report" }}</Button>
            </form>
        </section>
    }
}
