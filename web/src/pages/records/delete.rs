//! Delete record (`/records/:id/delete`): a confirmation page for a record entered in error,
//! then `DELETE` with `If-Match` and back to Manage Records ("Record deleted"). The record's
//! history stays in the audit log.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use s117_shared::dates::format_long;
use s117_shared::permissions::Permission;
use s117_shared::record_view::Record;

use crate::api::ApiError;
use crate::components::{Button, ButtonKind, ErrorItem, ErrorSummary, PageTitle};
use crate::session::{use_session, RequireSignIn};

use super::form::spaced_nhs;
use super::{full_name, load_problem, record_api, route_id, set_flash, when_allowed, SaveError};

#[component]
pub fn DeleteRecordPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            {when_allowed(Permission::RecordsDelete, || view! { <DeleteRecord /> }.into_any())}
        </RequireSignIn>
    }
}

#[component]
fn DeleteRecord() -> impl IntoView {
    let session = use_session();
    let id = route_id();
    let navigate = StoredValue::new_local(use_navigate());
    let problem = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let loaded = LocalResource::new(move || {
        let api = session.api();
        let id = id.get();
        async move {
            match id {
                Some(id) => api.get_with_etag::<Record>(&record_api(id)).await,
                None => Err(ApiError::Unexpected {
                    status: 404,
                    detail: String::new(),
                }),
            }
        }
    });

    let delete = move |record: Record, etag: String| {
        move |_| {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            problem.set(None);
            let api = session.api();
            let etag = etag.clone();
            let id = record.id;
            spawn_local(async move {
                match api.delete_if_match(&record_api(id), &etag).await {
                    Ok(()) => {
                        busy.set(false);
                        set_flash("/records", "Record deleted");
                        navigate.try_with_value(|go| go("/records", NavigateOptions::default()));
                    }
                    Err(error) => {
                        busy.set(false);
                        problem.set(Some(match SaveError::from_api(error) {
                            SaveError::Stale => "Someone else has changed this record since you \
                                opened it. Check the record before deleting it."
                                .to_owned(),
                            SaveError::Other(text) => text,
                            _ => "The record could not be deleted.".to_owned(),
                        }));
                    }
                }
            });
        }
    };

    let page = move |record: Record, etag: Option<String>| {
        let etag = etag.unwrap_or_else(|| format!("\"{}-{}\"", record.id, record.version));
        let name = full_name(&record.first_name, &record.family_name);
        let back = format!("/records/{}", record.id);
        let on_delete = delete(record.clone(), etag);
        view! {
            {move || problem.get().map(|text| view! { <ErrorSummary errors=vec![ErrorItem::general(text)] /> })}
            <span class="govuk-caption-l">{name.clone()}</span>
            <h1 class="govuk-heading-l">"Are you sure you want to delete this record?"</h1>
            <dl class="govuk-summary-list">
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">"Register ID"</dt>
                    <dd class="govuk-summary-list__value">{record.id}</dd>
                </div>
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">"Name"</dt>
                    <dd class="govuk-summary-list__value">{name}</dd>
                </div>
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">"NHS number"</dt>
                    <dd class="govuk-summary-list__value">
                        {record.nhs_number.as_deref().map(spaced_nhs).unwrap_or_else(|| "Not recorded".to_owned())}
                    </dd>
                </div>
                <div class="govuk-summary-list__row">
                    <dt class="govuk-summary-list__key">"Date of birth"</dt>
                    <dd class="govuk-summary-list__value">{format_long(record.date_of_birth)}</dd>
                </div>
            </dl>
            <div class="govuk-warning-text">
                <span class="govuk-warning-text__icon" aria-hidden="true">"!"</span>
                <strong class="govuk-warning-text__text">
                    <span class="govuk-visually-hidden">"Warning"</span>
                    "Only delete a record entered in error. To take someone off the active \
                     register, end their entitlement instead. A deleted record cannot be brought back."
                </strong>
            </div>
            <div class="govuk-button-group">
                <Button kind=ButtonKind::Warning button_type="button" disabled=busy on:click=on_delete>
                    "Yes – delete record"
                </Button>
                <a class="govuk-button govuk-button--secondary" role="button" draggable="false"
                    data-module="govuk-button" href=back>"No – cancel"</a>
            </div>
        }
    };

    view! {
        <PageTitle text="Delete record" has_errors=Signal::derive(move || problem.with(Option::is_some)) />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                {move || match loaded.get() {
                    None => view! { <p class="govuk-body" aria-busy="true">"Loading the record…"</p> }.into_any(),
                    Some(Ok((record, etag))) => page(record, etag).into_any(),
                    Some(Err(error)) => load_problem(&error),
                }}
            </div>
        </div>
    }
}
