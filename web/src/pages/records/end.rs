//! End entitlement (`/records/:id/end`, fact sheet: Ending the Record): the date of
//! discharge / end of S117 entitlement, why, and who agreed for each body; "Continue" asks
//! for confirmation ("Yes – confirm" / "No – cancel"), then `POST /records/{id}/end` with
//! `If-Match`. The person leaves the active register but stays findable.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use s117_shared::dates::format_long;
use s117_shared::permissions::Permission;
use s117_shared::record::{validate_end, EndEpisodeInput, EndReason};
use s117_shared::record_view::Record;
use s117_shared::validation::FieldErrors;

use crate::api::ApiError;
use crate::components::{
    Button, ButtonKind, DateFields, DateInput, ErrorItem, ErrorSummary, PageTitle, Radios,
    TextInput,
};
use crate::session::{use_session, RequireSignIn};

use super::form::{date_parts, episode_valid, error_for, read_date, summary_items};
use super::{
    focus_selector, full_name, load_problem, record_api, route_id, set_flash, today, when_allowed,
    SaveError,
};

#[component]
pub fn EndEntitlementPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            {when_allowed(Permission::RecordsEnd, || view! { <EndEntitlement /> }.into_any())}
        </RequireSignIn>
    }
}

#[derive(Clone)]
struct Loaded {
    record: Record,
    etag: String,
}

async fn load(api: crate::api::Api, id: i64) -> Result<Loaded, ApiError> {
    let (record, etag) = api.get_with_etag::<Record>(&record_api(id)).await?;
    let etag = etag.unwrap_or_else(|| format!("\"{}-{}\"", record.id, record.version));
    Ok(Loaded { record, etag })
}

#[component]
fn EndEntitlement() -> impl IntoView {
    let session = use_session();
    let id = route_id();
    let navigate = StoredValue::new_local(use_navigate());
    let end_date = DateFields::new();
    let reason = RwSignal::new(String::new());
    let la_agreed_by = RwSignal::new(String::new());
    let nhs_agreed_by = RwSignal::new(String::new());
    let errors = RwSignal::new(FieldErrors::new());
    let other = RwSignal::new(None::<String>);
    // The checked end, waiting for "Yes – confirm".
    let confirming = RwSignal::new(None::<EndEpisodeInput>);
    let busy = RwSignal::new(false);
    let current = RwSignal::new(None::<Loaded>);
    let failed = RwSignal::new(None::<ApiError>);

    let start = LocalResource::new(move || {
        let api = session.api();
        let id = id.get();
        async move {
            match id {
                Some(id) => load(api, id).await,
                None => Err(ApiError::Unexpected {
                    status: 404,
                    detail: String::new(),
                }),
            }
        }
    });
    Effect::new(move |_| match start.get() {
        Some(Ok(loaded)) => current.set(Some(loaded)),
        Some(Err(error)) => failed.set(Some(error)),
        None => {}
    });

    let on_continue = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(loaded) = current.get_untracked() else {
            return;
        };
        let Some(open) = loaded.record.episode.as_ref() else {
            return;
        };
        other.set(None);
        let mut found = FieldErrors::new();
        let date = read_date(
            end_date,
            "date of discharge / end of S117 entitlement",
            "end_date",
            &mut found,
        );
        let input = EndEpisodeInput {
            end_date: date,
            reason: EndReason::from_input(&reason.get_untracked()),
            la_agreed_by: la_agreed_by.get_untracked(),
            nhs_agreed_by: nhs_agreed_by.get_untracked(),
        };
        if let Err(rule_errors) = validate_end(&input, &episode_valid(open), today()) {
            found.merge_prefixed("", rule_errors);
        }
        if found.is_empty() {
            errors.set(found);
            confirming.set(Some(input));
            focus_selector("main h1");
        } else {
            errors.set(found);
        }
    };

    let confirm = move |_| {
        let (Some(loaded), Some(input)) = (current.get_untracked(), confirming.get_untracked())
        else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        busy.set(true);
        let api = session.api();
        spawn_local(async move {
            let record_id = loaded.record.id;
            let outcome: Result<(Record, _), _> = api
                .post_if_match(
                    &format!("{}/end", record_api(record_id)),
                    &input,
                    &loaded.etag,
                )
                .await;
            busy.set(false);
            match outcome {
                Ok((record, _)) => {
                    let path = format!("/records/{record_id}");
                    set_flash(
                        &path,
                        format!(
                            "Entitlement ended. {} has been removed from the active register.",
                            full_name(&record.first_name, &record.family_name)
                        ),
                    );
                    navigate.try_with_value(|go| go(&path, NavigateOptions::default()));
                }
                Err(error) => {
                    confirming.set(None);
                    match SaveError::from_api(error) {
                        SaveError::Fields(fields) => errors.set(fields),
                        SaveError::Stale => {
                            if let Ok(now) = load(api, record_id).await {
                                current.set(Some(now));
                            }
                            other.set(Some(
                                "Someone else has changed this record since you opened it. \
                                 Check the record, then continue again."
                                    .to_owned(),
                            ));
                        }
                        SaveError::Duplicate(_) => {}
                        SaveError::Other(text) => other.set(Some(text)),
                    }
                    focus_selector(".govuk-error-summary");
                }
            }
        });
    };

    let has_errors =
        Signal::derive(move || other.with(Option::is_some) || errors.with(|e| !e.is_empty()));
    let summary = move || {
        let mut items = errors.with(summary_items);
        if let Some(text) = other.get() {
            items.push(ErrorItem::general(text));
        }
        (!items.is_empty()).then(|| view! { <ErrorSummary errors=items /> })
    };
    let back = move || {
        id.get()
            .map(|id| format!("/records/{id}"))
            .unwrap_or_else(|| "/records".to_owned())
    };
    let title = Signal::derive(move || {
        if confirming.with(Option::is_some) {
            "Confirm the end of S117 entitlement".to_owned()
        } else {
            "End S117 entitlement".to_owned()
        }
    });

    let form = move |loaded: Loaded| {
        let name = full_name(&loaded.record.first_name, &loaded.record.family_name);
        if loaded.record.episode.is_none() {
            return view! {
                <span class="govuk-caption-l">{name}</span>
                <h1 class="govuk-heading-l">"This entitlement has already ended"</h1>
                <p class="govuk-body">
                    <a class="govuk-link" href=back>"Back to the record"</a>
                </p>
            }
            .into_any();
        }
        let reasons: Vec<(&'static str, &'static str)> = EndReason::ALL
            .iter()
            .map(|r| (r.as_str(), r.label()))
            .collect();
        view! {
            {summary}
            <span class="govuk-caption-l">{name}</span>
            <h1 class="govuk-heading-l">"End S117 entitlement"</h1>
            <div class="govuk-warning-text">
                <span class="govuk-warning-text__icon" aria-hidden="true">"!"</span>
                <strong class="govuk-warning-text__text">
                    <span class="govuk-visually-hidden">"Warning"</span>
                    "Entering a date will remove the record from the entitlement register. When \
                     a person turns 18 and moves to adult services, do not end their entitlement \
                     unless it has ended."
                </strong>
            </div>
            <form novalidate on:submit=on_continue>
                <DateInput
                    id="end-date"
                    legend="Date of discharge / end of S117 entitlement*"
                    legend_class="govuk-fieldset__legend--s"
                    hint="For example, 1 11 2026"
                    name_prefix="end-date"
                    error=error_for(errors, "end_date".to_owned())
                    error_parts=date_parts(errors, "end_date".to_owned())
                    fields=end_date
                />
                <Radios id="reason" legend="Reason" required=true value=reason
                    error=error_for(errors, "reason".to_owned()) options=reasons />
                <TextInput id="la-agreed-by" name="la_agreed_by"
                    label="Who agreed for the local authority" required=true
                    hint="Name and role" value=la_agreed_by
                    error=error_for(errors, "la_agreed_by".to_owned()) autocomplete="off" />
                <TextInput id="nhs-agreed-by" name="nhs_agreed_by"
                    label="Who agreed for the NHS body" required=true
                    hint="Name and role, for the integrated care board or local health board"
                    value=nhs_agreed_by error=error_for(errors, "nhs_agreed_by".to_owned())
                    autocomplete="off" />
                <div class="govuk-button-group">
                    <Button>"Continue"</Button>
                    <a class="govuk-link" href=back>"Cancel"</a>
                </div>
            </form>
        }
        .into_any()
    };

    let confirmation = move |loaded: Loaded, input: EndEpisodeInput| {
        let name = full_name(&loaded.record.first_name, &loaded.record.family_name);
        let date = input.end_date.map(format_long).unwrap_or_default();
        let reason = input.reason.map(EndReason::label).unwrap_or_default();
        view! {
            <span class="govuk-caption-l">{name.clone()}</span>
            <h1 class="govuk-heading-l">
                {format!("Are you sure you want to end this S117 entitlement on {date}?")}
            </h1>
            <dl class="govuk-summary-list">
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">"Reason"</dt>
                    <dd class="govuk-summary-list__value">{reason}</dd>
                </div>
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">"Agreed for the local authority by"</dt>
                    <dd class="govuk-summary-list__value">{input.la_agreed_by.clone()}</dd>
                </div>
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">"Agreed for the NHS by"</dt>
                    <dd class="govuk-summary-list__value">{input.nhs_agreed_by.clone()}</dd>
                </div>
            </dl>
            <p class="govuk-body">
                {format!("{name} will be removed from the active register. The record can still be found by including ended entitlements.")}
            </p>
            <div class="govuk-button-group">
                <Button kind=ButtonKind::Warning button_type="button" disabled=busy on:click=confirm>
                    "Yes – confirm"
                </Button>
                <a class="govuk-button govuk-button--secondary" role="button" draggable="false"
                    data-module="govuk-button" href=back>"No – cancel"</a>
            </div>
        }
    };

    view! {
        <PageTitle text=title has_errors=has_errors />
        <a href=back class="govuk-back-link">"Back to the record"</a>
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                {move || match (failed.get(), current.get(), confirming.get()) {
                    (Some(error), _, _) => load_problem(&error),
                    (None, None, _) => view! { <p class="govuk-body" aria-busy="true">"Loading the record…"</p> }.into_any(),
                    (None, Some(loaded), Some(input)) => confirmation(loaded, input).into_any(),
                    (None, Some(loaded), None) => form(loaded),
                }}
            </div>
        </div>
    }
}
