//! Submit New Record (`/records/new`): the record form; the shared rules run in the browser,
//! then `POST /api/v1/records`. A duplicate (409) keeps everything typed and links to the
//! record already on the register; success goes to the new record ("Record created").

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use s117_shared::permissions::Permission;
use s117_shared::record::validate_record;
use s117_shared::record_view::Record;
use s117_shared::validation::FieldErrors;

use crate::components::{Button, ErrorItem, ErrorSummary, PageTitle};
use crate::session::{use_session, RequireSignIn};

use super::form::{summary_items, EpisodeFields, PersonFields, RecordForm};
use super::refs::{Refs, FORM_LISTS};
use super::{load_problem, set_flash, today, when_allowed, DuplicateSummary, SaveError};

#[component]
pub fn SubmitRecordPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            {when_allowed(Permission::RecordsCreate, || view! { <SubmitRecord /> }.into_any())}
        </RequireSignIn>
    }
}

#[component]
fn SubmitRecord() -> impl IntoView {
    let session = use_session();
    let refs =
        LocalResource::new(move || async move { Refs::load(&session.api(), &FORM_LISTS).await });
    let form = RecordForm::new();
    let errors = RwSignal::new(FieldErrors::new());
    let duplicate = RwSignal::new(None::<i64>);
    let other = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let navigate = StoredValue::new_local(use_navigate());

    let submit = move |refs: Refs| {
        move |ev: leptos::ev::SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            duplicate.set(None);
            other.set(None);
            let (input, mut found) = form.read();
            if let Err(rule_errors) = validate_record(&input, None, &refs, today()) {
                found.merge_prefixed("", rule_errors);
            }
            if !found.is_empty() {
                errors.set(found);
                return;
            }
            errors.set(FieldErrors::new());
            busy.set(true);
            let api = session.api();
            spawn_local(async move {
                let outcome: Result<Record, _> = api.post("/api/v1/records", &input).await;
                busy.set(false);
                match outcome {
                    Ok(record) => {
                        let path = format!("/records/{}", record.id);
                        set_flash(&path, "Record created");
                        navigate.try_with_value(|go| go(&path, NavigateOptions::default()));
                    }
                    Err(error) => match SaveError::from_api(error) {
                        SaveError::Fields(fields) => errors.set(fields),
                        SaveError::Duplicate(id) => duplicate.set(Some(id)),
                        SaveError::Stale => other.set(Some("Try again.".to_owned())),
                        SaveError::Other(text) => other.set(Some(text)),
                    },
                }
            });
        }
    };

    let has_errors = Signal::derive(move || {
        duplicate.with(Option::is_some)
            || other.with(Option::is_some)
            || errors.with(|e| !e.is_empty())
    });
    let summary = move || {
        if let Some(id) = duplicate.get() {
            return view! { <DuplicateSummary existing_id=id /> }.into_any();
        }
        let mut items = errors.with(summary_items);
        if let Some(text) = other.get() {
            items.push(ErrorItem::general(text));
        }
        (!items.is_empty())
            .then(|| view! { <ErrorSummary errors=items /> })
            .into_any()
    };

    view! {
        <PageTitle text="Submit New Record" has_errors=has_errors />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                {summary}
                <h1 class="govuk-heading-l">"Submit New Record"</h1>
                <p class="govuk-body">"Please complete the form to add a record to the system."</p>
                <p class="govuk-body">"Fields marked with * must be completed."</p>
                {move || session.can(Permission::RecordsImport).then(|| view! {
                    <p class="govuk-body">
                        "To add multiple records at once, "
                        <a class="govuk-link" href="/records/import">"upload a CSV file"</a>
                    </p>
                })}
                {move || match refs.get() {
                    None => view! { <p class="govuk-body" aria-busy="true">"Loading the form…"</p> }.into_any(),
                    Some(Err(error)) => load_problem(&error),
                    Some(Ok(refs)) => view! {
                        <form novalidate on:submit=submit(refs.clone())>
                            <PersonFields form=form.person errors=errors refs=refs.clone() />
                            <EpisodeFields form=form.episode errors=errors refs=refs.clone() prefix="episode." />
                            <Button disabled=busy>"Submit Record"</Button>
                        </form>
                    }
                    .into_any(),
                }}
            </div>
        </div>
    }
}
