//! Record a new detention (`/records/:id/episodes/new`): a new qualifying detention opens a
//! new entitlement episode, and the current one ends on the new date detained
//! (Worcestershire [2023] UKSC 31). `POST /records/{id}/episodes` with `If-Match`.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use s117_shared::dates::format_long;
use s117_shared::permissions::Permission;
use s117_shared::record::validate_episode;
use s117_shared::record_view::Record;
use s117_shared::reference::ReferenceList;
use s117_shared::validation::FieldErrors;

use crate::api::ApiError;
use crate::components::{Button, ErrorItem, ErrorSummary, PageTitle};
use crate::session::{use_session, RequireSignIn};

use super::form::{summary_items, EpisodeFields, EpisodeForm};
use super::refs::{Refs, FORM_LISTS};
use super::{
    focus_selector, full_name, load_problem, record_api, route_id, set_flash, today, when_allowed,
    SaveError,
};

#[component]
pub fn NewEpisodePage() -> impl IntoView {
    view! {
        <RequireSignIn>
            {when_allowed(Permission::RecordsEdit, || view! { <NewEpisode /> }.into_any())}
        </RequireSignIn>
    }
}

#[derive(Clone)]
struct Loaded {
    record: Record,
    etag: String,
    refs: Refs,
}

#[component]
fn NewEpisode() -> impl IntoView {
    let session = use_session();
    let id = route_id();
    let navigate = StoredValue::new_local(use_navigate());
    let form = EpisodeForm::new();
    let errors = RwSignal::new(FieldErrors::new());
    let other = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    let current = RwSignal::new(None::<Loaded>);
    let failed = RwSignal::new(None::<ApiError>);

    let start = LocalResource::new(move || {
        let api = session.api();
        let id = id.get();
        async move {
            let Some(id) = id else {
                return Err(ApiError::Unexpected {
                    status: 404,
                    detail: String::new(),
                });
            };
            let (record, etag) = api.get_with_etag::<Record>(&record_api(id)).await?;
            let etag = etag.unwrap_or_else(|| format!("\"{}-{}\"", record.id, record.version));
            let refs = Refs::load(&api, &FORM_LISTS).await?;
            Ok(Loaded { record, etag, refs })
        }
    });
    Effect::new(move |_| match start.get() {
        Some(Ok(loaded)) => current.set(Some(loaded)),
        Some(Err(error)) => failed.set(Some(error)),
        None => {}
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let Some(loaded) = current.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        other.set(None);
        let mut found = FieldErrors::new();
        let input = form.read("", &mut found);
        if let Err(rule_errors) = validate_episode(
            &input,
            Some(loaded.record.date_of_birth),
            None,
            &loaded.refs,
            today(),
        ) {
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
            let record_id = loaded.record.id;
            let outcome: Result<(Record, _), _> = api
                .post_if_match(
                    &format!("{}/episodes", record_api(record_id)),
                    &input,
                    &loaded.etag,
                )
                .await;
            busy.set(false);
            match outcome {
                Ok(_) => {
                    let path = format!("/records/{record_id}");
                    set_flash(&path, "New detention recorded");
                    navigate.try_with_value(|go| go(&path, NavigateOptions::default()));
                }
                Err(error) => {
                    match SaveError::from_api(error) {
                        SaveError::Fields(fields) => errors.set(fields),
                        SaveError::Stale => {
                            if let Ok((record, Some(etag))) =
                                api.get_with_etag::<Record>(&record_api(record_id)).await
                            {
                                current.set(Some(Loaded {
                                    record,
                                    etag,
                                    ..loaded
                                }));
                            }
                            other.set(Some(
                                "Someone else has changed this record since you opened it. \
                                 Check the details, then save again."
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
    // Drawn once per load (not on every reload after a conflict: the boxes keep their values
    // either way, but redrawing would lose focus).
    let loaded_once = Memo::new(move |_| current.with(|c| c.as_ref().map(|l| l.refs.clone())));

    let explanation = move || {
        current.with(|c| {
            c.as_ref().map(|l| {
                let name = full_name(&l.record.first_name, &l.record.family_name);
                let text = match &l.record.episode {
                    Some(open) => format!(
                        "{name}'s current episode (detained {}, {}) will end on the new date \
                         detained, with the reason \"New qualifying detention\". The new \
                         episode's responsible local authority and clinical commissioner are \
                         those at the new detention.",
                        format_long(open.date_detained),
                        l.refs
                            .name(ReferenceList::LocalAuthorities, &open.responsible_la.code),
                    ),
                    None => format!(
                        "{name}'s entitlement has ended. Recording a new qualifying detention \
                         puts them back on the active register."
                    ),
                };
                view! {
                    <span class="govuk-caption-l">{name}</span>
                    <h1 class="govuk-heading-l">"Record a new detention"</h1>
                    <div class="govuk-inset-text">{text}</div>
                }
            })
        })
    };

    view! {
        <PageTitle text="Record a new detention" has_errors=has_errors />
        <a href=back class="govuk-back-link">"Back to the record"</a>
        {move || failed.get().map(|error| load_problem(&error))}
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                {summary}
                {explanation}
                {move || match loaded_once.get() {
                    None => failed.with(Option::is_none).then(|| view! {
                        <p class="govuk-body" aria-busy="true">"Loading the record…"</p>
                    }).into_any(),
                    Some(refs) => view! {
                        <p class="govuk-body">"Fields marked with * must be completed."</p>
                        <form novalidate on:submit=save>
                            <EpisodeFields form=form errors=errors refs=refs prefix="" />
                            <div class="govuk-button-group">
                                <Button disabled=busy>"Save new detention"</Button>
                                <a class="govuk-link" href=back>"Cancel"</a>
                            </div>
                        </form>
                    }.into_any(),
                }}
            </div>
        </div>
    }
}
