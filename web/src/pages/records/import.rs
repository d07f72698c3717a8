//! Add / manage multiple records (`/records/import`, fact sheet "Uploading Multiple Records –
//! CSV file"): download the template, choose a file, upload it (with progress) to be checked,
//! read the report (four tabs and their counts), then "Process CSV Data" after a
//! confirmation, and the result.

use leptos::prelude::*;
use leptos::task::spawn_local;
use s117_shared::import::{ImportReport, ImportStatus, RowKind};
use s117_shared::permissions::Permission;

use crate::api::{Api, ApiError};
use crate::components::{Button, ButtonKind, ErrorItem, ErrorSummary, PageTitle, Panel};
use crate::session::{use_session, RequireSignIn};

use super::{focus_selector, when_allowed};

const TABS: [RowKind; 4] = [
    RowKind::New,
    RowKind::Updated,
    RowKind::Ended,
    RowKind::Error,
];

#[component]
pub fn ImportRecordsPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            {when_allowed(Permission::RecordsImport, || view! { <ImportRecords /> }.into_any())}
        </RequireSignIn>
    }
}

fn problem_text(error: &ApiError) -> String {
    match error {
        ApiError::Problem(p) => p.detail.clone().unwrap_or_else(|| p.title.clone()),
        ApiError::Unavailable => {
            "The service is not available at the moment. Try again later.".to_owned()
        }
        ApiError::Unexpected { .. } => "Something went wrong. Try again.".to_owned(),
    }
}

/// Downloads a file the API serves behind sign-in (a plain link would not send the token),
/// under the file name the server gives it.
fn download(api: Api, path: String, problem: RwSignal<Option<String>>) {
    spawn_local(async move {
        match api.get_file(&path).await {
            Ok(file) => {
                if crate::download::save(&file).is_err() {
                    problem.set(Some("Your browser could not save the file.".to_owned()));
                }
            }
            Err(e) => problem.set(Some(problem_text(&e))),
        }
    });
}

#[derive(Clone, Copy, PartialEq)]
enum Step {
    Choose,
    Uploading,
    Report,
    Confirm,
    Processing,
    Done,
}

#[component]
fn ImportRecords() -> impl IntoView {
    let session = use_session();
    let step = RwSignal::new(Step::Choose);
    let progress = RwSignal::new(0.0_f64);
    let problem = RwSignal::new(None::<String>);
    let no_file = RwSignal::new(false);
    let report = RwSignal::new(None::<ImportReport>);
    let tab = RwSignal::new(RowKind::New);
    let input = NodeRef::<leptos::html::Input>::new();

    let errors = Signal::derive(move || {
        let mut items = Vec::new();
        if no_file.get() {
            items.push(ErrorItem::field("file", "Select a CSV file to upload"));
        }
        if let Some(p) = problem.get() {
            items.push(ErrorItem::general(p));
        }
        items
    });

    let upload = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        problem.set(None);
        let file = input
            .get()
            .and_then(|i| i.files())
            .and_then(|files| files.get(0));
        let Some(file) = file else {
            no_file.set(true);
            return;
        };
        no_file.set(false);
        step.set(Step::Uploading);
        progress.set(0.0);
        let api = session.api();
        let path = format!(
            "/api/v1/imports?file_name={}",
            String::from(js_sys::encode_uri_component(&file.name()))
        );
        spawn_local(async move {
            let answer = api
                .upload_file::<ImportReport>(&path, &file, move |p| progress.set(p))
                .await;
            match answer {
                Ok(r) => {
                    report.set(Some(r));
                    tab.set(RowKind::New);
                    step.set(Step::Report);
                    focus_selector("#report-heading");
                }
                Err(e) => {
                    problem.set(Some(problem_text(&e)));
                    step.set(Step::Choose);
                }
            }
        });
    };

    let load_tab = move |kind: RowKind| {
        tab.set(kind);
        let Some(id) = report.with_untracked(|r| r.as_ref().map(|r| r.id.clone())) else {
            return;
        };
        let api = session.api();
        spawn_local(async move {
            match api
                .get::<ImportReport>(&format!(
                    "/api/v1/imports/{id}?tab={}&per_page=100",
                    kind.as_str()
                ))
                .await
            {
                Ok(r) => report.set(Some(r)),
                Err(e) => problem.set(Some(problem_text(&e))),
            }
        });
    };

    let process = move |_| {
        let Some(id) = report.with_untracked(|r| r.as_ref().map(|r| r.id.clone())) else {
            return;
        };
        step.set(Step::Processing);
        problem.set(None);
        let api = session.api();
        spawn_local(async move {
            match api
                .post::<(), ImportReport>(&format!("/api/v1/imports/{id}/process"), &())
                .await
            {
                Ok(r) => {
                    report.set(Some(r));
                    tab.set(RowKind::New);
                    step.set(Step::Done);
                    focus_selector(".govuk-panel__title");
                }
                Err(e) => {
                    problem.set(Some(problem_text(&e)));
                    step.set(Step::Report);
                }
            }
        });
    };

    let chooser = move || {
        view! {
            <h1 class="govuk-heading-l">"Add / manage multiple records"</h1>
            <p class="govuk-body">
                "To add a single record "
                <a class="govuk-link" href="/records/new">"click here"</a>
            </p>
            <p class="govuk-body">
                "To download the CSV template file "
                <a class="govuk-link" href="#" id="template-link" on:click=move |ev| {
                    ev.prevent_default();
                    download(session.api(), "/api/v1/imports/template".into(), problem);
                }>"click here"</a>
                " (and the "
                <a class="govuk-link" href="#" id="guidance-link" on:click=move |ev| {
                    ev.prevent_default();
                    download(session.api(), "/api/v1/imports/template?part=guidance".into(), problem);
                }>"guidance on what each column takes"</a>
                ")"
            </p>
            <p class="govuk-body">
                <a class="govuk-link" href="#" id="template-xlsx-link" on:click=move |ev| {
                    ev.prevent_default();
                    download(session.api(), "/api/v1/imports/template?format=xlsx".into(), problem);
                }>"Download template (Excel)"</a>
                ": the same columns with drop-down lists and the guidance. Save it as "
                "\"CSV UTF-8\" before you upload it."
            </p>
            <form novalidate on:submit=upload>
                <div class=move || if no_file.get() { "govuk-form-group govuk-form-group--error" } else { "govuk-form-group" }>
                    <h2 class="govuk-label-wrapper">
                        <label class="govuk-label govuk-label--m" for="file">"Upload file"</label>
                    </h2>
                    <div id="file-hint" class="govuk-hint">
                        "Select the CSV file to upload. When you've selected the CSV file you wish to upload, click 'Upload file' button below."
                    </div>
                    {move || no_file.get().then(|| view! {
                        <p id="file-error" class="govuk-error-message">
                            <span class="govuk-visually-hidden">"Error: "</span>"Select a CSV file to upload"
                        </p>
                    })}
                    <input class="govuk-file-upload" id="file" name="file" type="file" accept=".csv,text/csv"
                        aria-describedby=move || if no_file.get() { "file-hint file-error" } else { "file-hint" }
                        node_ref=input />
                </div>
                <Button>"Upload file"</Button>
            </form>
        }
    };

    let uploading = move || {
        view! {
            <h1 class="govuk-heading-l">"Checking your file"</h1>
            <label class="govuk-label" for="upload-progress">
                {move || if progress.get() < 100.0 {
                    format!("Uploading: {}%", progress.get())
                } else {
                    "Uploaded. Checking every row…".to_owned()
                }}
            </label>
            <progress id="upload-progress" class="s117-progress" max="100" prop:value=move || progress.get()></progress>
        }
    };

    let table = move |r: &ImportReport| {
        let rows = r.rows.clone();
        let title = r.tab.tab_title();
        view! {
            <table class="govuk-table s117-import-table">
                <caption class="govuk-table__caption govuk-table__caption--s">
                    {format!("{title}: {} of {}", rows.len(), r.rows_total)}
                </caption>
                <thead class="govuk-table__head">
                    <tr class="govuk-table__row">
                        {["Row number", "NHS number", "System ID", "Name", "D.O.B", "Post code",
                          "S117 responsible local authority", "S117 responsible clinical commissioners", "Status"]
                            .into_iter()
                            .map(|h| view! { <th scope="col" class="govuk-table__header">{h}</th> })
                            .collect_view()}
                    </tr>
                </thead>
                <tbody class="govuk-table__body">
                    {rows.into_iter().map(|row| {
                        let status = if row.errors.is_empty() {
                            view! { <span>{row.status.clone()}</span> }.into_any()
                        } else {
                            view! {
                                <ul class="govuk-list govuk-list--bullet">
                                    {row.errors.iter().map(|e| view! { <li>{e.clone()}</li> }).collect_view()}
                                </ul>
                            }.into_any()
                        };
                        view! {
                            <tr class="govuk-table__row">
                                <td class="govuk-table__cell">{row.row}</td>
                                <td class="govuk-table__cell">{row.nhs_number.clone().unwrap_or_default()}</td>
                                <td class="govuk-table__cell">{row.system_id.clone().unwrap_or_default()}</td>
                                <td class="govuk-table__cell">{row.name.clone()}</td>
                                <td class="govuk-table__cell">{row.date_of_birth.clone()}</td>
                                <td class="govuk-table__cell">{row.postcode.clone()}</td>
                                <td class="govuk-table__cell">{row.responsible_la.clone()}</td>
                                <td class="govuk-table__cell">{row.responsible_commissioner.clone()}</td>
                                <td class="govuk-table__cell">{status}</td>
                            </tr>
                        }
                    }).collect_view()}
                </tbody>
            </table>
        }
    };

    let tabs = move || {
        report.get().map(|r| {
            let counts = r.counts;
            view! {
                <div class="govuk-tabs">
                    <ul class="govuk-tabs__list" role="tablist" aria-label="Results">
                        {TABS.into_iter().map(|kind| {
                            let selected = move || tab.get() == kind;
                            view! {
                                <li role="presentation" class=move || if selected() { "govuk-tabs__list-item govuk-tabs__list-item--selected" } else { "govuk-tabs__list-item" }>
                                    <button type="button" role="tab" class="govuk-tabs__tab s117-tab-button"
                                        id=format!("tab-{}", kind.as_str())
                                        aria-controls="import-rows"
                                        aria-selected=move || selected().to_string()
                                        tabindex=move || if selected() { "0" } else { "-1" }
                                        on:click=move |_| load_tab(kind)>
                                        {format!("{} {}", kind.tab_title(), counts.of(kind))}
                                    </button>
                                </li>
                            }
                        }).collect_view()}
                    </ul>
                    <div class="govuk-tabs__panel" id="import-rows" role="tabpanel"
                        aria-labelledby=move || format!("tab-{}", tab.get().as_str())>
                        {table(&r)}
                        {(counts.no_change > 0).then(|| view! {
                            <p class="govuk-body">{format!("{} rows would change nothing (no change).", counts.no_change)}</p>
                        })}
                    </div>
                </div>
            }
        })
    };

    let summary = move || {
        report.get().map(|r| {
            let id = r.id.clone();
            view! {
                <dl class="govuk-summary-list govuk-summary-list--no-border">
                    {TABS.into_iter().map(|kind| view! {
                        <div class="govuk-summary-list__row">
                            <dt class="govuk-summary-list__key">{kind.tab_title()}</dt>
                            <dd class="govuk-summary-list__value">{r.counts.of(kind)}</dd>
                        </div>
                    }).collect_view()}
                </dl>
                <p class="govuk-body">{format!("File name: {}", r.file_name)}</p>
                <p class="govuk-body">{format!("Total records in file: {}", r.total_rows)}</p>
                {(!r.ignored_columns.is_empty()).then(|| view! {
                    <p class="govuk-body">{format!("Columns ignored (not in the template): {}", r.ignored_columns.join(", "))}</p>
                })}
                <p class="govuk-body">
                    <a class="govuk-link" href="#" id="report-download" on:click=move |ev| {
                        ev.prevent_default();
                        download(session.api(), format!("/api/v1/imports/{id}?format=csv"), problem);
                    }>"Download this report (CSV)"</a>
                </p>
            }
        })
    };

    let report_step = move || {
        let checked = report.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.status == ImportStatus::Checked)
        });
        let applicable = report.with(|r| {
            r.as_ref()
                .is_some_and(|r| r.counts.new + r.counts.updated + r.counts.ended > 0)
        });
        view! {
            <h1 class="govuk-heading-l" id="report-heading" tabindex="-1">"Upload results"</h1>
            {summary}
            {(checked && applicable).then(|| view! {
                <p class="govuk-body">"Depending upon the errors you encounter you may need to amend your data and upload the file again. When you are happy with the upload results click Process CSV Data to insert the records into the register."</p>
                <p class="govuk-body">"Click the button below to run CSV data."</p>
                <Button button_type="button" on:click=move |_| { step.set(Step::Confirm); focus_selector("#confirm-heading"); }>"Process CSV Data"</Button>
            })}
            {(checked && !applicable).then(|| view! {
                <p class="govuk-body">"There is nothing in this file to add or change. Correct the errors and upload the file again."</p>
            })}
            <p class="govuk-body"><a class="govuk-link" href="/records/import" on:click=move |ev| {
                ev.prevent_default();
                report.set(None);
                step.set(Step::Choose);
            }>"Upload another file"</a></p>
            {tabs}
        }
    };

    let confirm = move || {
        let counts = report
            .with(|r| r.as_ref().map(|r| r.counts))
            .unwrap_or_default();
        view! {
            <h1 class="govuk-heading-l" id="confirm-heading" tabindex="-1">"Are you sure you want to process this file?"</h1>
            <ul class="govuk-list govuk-list--bullet">
                <li>{format!("{} new records will be added", counts.new)}</li>
                <li>{format!("{} records will be updated", counts.updated)}</li>
                <li>{format!("{} entitlements will be ended", counts.ended)}</li>
                <li>{format!("{} rows with errors will not be uploaded", counts.errors)}</li>
            </ul>
            <div class="govuk-button-group">
                <Button button_type="button" disabled=Signal::derive(move || step.get() == Step::Processing) on:click=process>
                    "Yes – process CSV data"
                </Button>
                <Button kind=ButtonKind::Secondary button_type="button" on:click=move |_| step.set(Step::Report)>"Cancel"</Button>
            </div>
        }
    };

    let done = move || {
        let counts = report
            .with(|r| r.as_ref().map(|r| r.counts))
            .unwrap_or_default();
        view! {
            <Panel title="CSV data processed">
                {format!("{} added, {} updated, {} ended", counts.new, counts.updated, counts.ended)}
            </Panel>
            <p class="govuk-body"><a class="govuk-link" href="/records">"Go to Manage Records"</a></p>
            {summary}
            {tabs}
        }
    };

    view! {
        <PageTitle text="Add / manage multiple records" has_errors=Signal::derive(move || !errors.get().is_empty()) />
        {move || (!errors.get().is_empty()).then(|| view! { <ErrorSummary errors=errors /> })}
        {move || match step.get() {
            Step::Choose => chooser().into_any(),
            Step::Uploading => uploading().into_any(),
            Step::Report => report_step().into_any(),
            Step::Confirm | Step::Processing => confirm().into_any(),
            Step::Done => done().into_any(),
        }}
    }
}
