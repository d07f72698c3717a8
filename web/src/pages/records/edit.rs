//! Edit record (`/records/:id/edit`): the record form filled from the stored record;
//! "Update record" sends `PUT` with the `If-Match` of the version that was loaded. If
//! someone else saved first (412), the user's edits stay in the form, the current record is
//! reloaded and the differences shown, and the user chooses: save theirs over it (with the
//! new version) or take the current one.

use leptos::prelude::*;
use leptos::task::spawn_local;
use leptos_router::hooks::use_navigate;
use leptos_router::NavigateOptions;
use s117_shared::dates::format_uk;
use s117_shared::permissions::Permission;
use s117_shared::record::{validate_record, RecordInput};
use s117_shared::record_view::Record;
use s117_shared::reference::ReferenceList;
use s117_shared::validation::FieldErrors;
use serde_json::Value;

use crate::api::ApiError;
use crate::components::focus::focus_by_id;
use crate::components::{
    BannerKind, Button, ButtonKind, ErrorItem, ErrorSummary, NotificationBanner, PageTitle,
};
use crate::session::{use_session, RequireSignIn};

use super::form::{
    label_of, record_input, record_valid, summary_items, EpisodeFields, PersonFields, RecordForm,
};
use super::refs::{Refs, FORM_LISTS};
use super::{
    focus_selector, full_name, load_problem, record_api, route_id, set_flash, today, when_allowed,
    DuplicateSummary, SaveError,
};

#[component]
pub fn EditRecordPage() -> impl IntoView {
    view! {
        <RequireSignIn>
            {when_allowed(Permission::RecordsEdit, || view! { <EditRecord /> }.into_any())}
        </RequireSignIn>
    }
}

/// The record and its version as last read from the API.
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

/// A field's value as compared and shown: trimmed, blanks as `None`, NHS numbers as digits,
/// postcodes in capitals, codes as names, dates dd/mm/yyyy.
fn flatten(input: &RecordInput, refs: &Refs) -> Vec<(String, Option<String>)> {
    let mut out = Vec::new();
    let value = serde_json::to_value(input).unwrap_or(Value::Null);
    fn walk(prefix: &str, value: &Value, out: &mut Vec<(String, Value)>) {
        match value {
            Value::Object(map) => {
                for (key, value) in map {
                    let key = if prefix.is_empty() {
                        key.clone()
                    } else {
                        format!("{prefix}.{key}")
                    };
                    walk(&key, value, out);
                }
            }
            other => out.push((prefix.to_owned(), other.clone())),
        }
    }
    let mut pairs = Vec::new();
    walk("", &value, &mut pairs);
    for (key, value) in pairs {
        let text = match value {
            Value::Null => None,
            Value::Bool(b) => Some(if b { "Yes" } else { "No" }.to_owned()),
            Value::String(s) => {
                let s = s.trim().to_owned();
                (!s.is_empty()).then_some(s)
            }
            other => Some(other.to_string()),
        };
        let list = match key.trim_start_matches("episode.") {
            "gender" => Some(ReferenceList::Genders),
            "ethnicity" => Some(ReferenceList::EthnicCategories),
            "qualifying_section" => Some(ReferenceList::QualifyingSections),
            "place_detained" => Some(ReferenceList::PlacesDetained),
            "responsible_la" => Some(ReferenceList::LocalAuthorities),
            "responsible_commissioner" => Some(ReferenceList::Commissioners),
            _ => None,
        };
        let text = text.map(|t| match (key.as_str(), list) {
            (_, Some(list)) => refs.name(list, &t),
            ("nhs_number", _) => t.replace([' ', '-'], ""),
            ("postcode", _) => t
                .to_uppercase()
                .split_whitespace()
                .collect::<Vec<_>>()
                .join(" "),
            ("learning_disability", _) => s117_shared::record::LearningDisability::from_input(&t)
                .map_or(t, |l| l.label().to_owned()),
            _ => match chrono::NaiveDate::parse_from_str(&t, "%Y-%m-%d") {
                Ok(date) => format_uk(date),
                Err(_) => t,
            },
        });
        out.push((key, text));
    }
    out
}

/// (field, current value, your value) for every field that differs.
fn differences(
    current: &RecordInput,
    mine: &RecordInput,
    refs: &Refs,
) -> Vec<(String, String, String)> {
    let current = flatten(current, refs);
    let mine = flatten(mine, refs);
    current
        .into_iter()
        .zip(mine)
        .filter(|((_, a), (_, b))| {
            a.as_deref().map(str::to_lowercase) != b.as_deref().map(str::to_lowercase)
        })
        .map(|((key, a), (_, b))| {
            let show = |v: Option<String>| v.unwrap_or_else(|| "(blank)".to_owned());
            (label_of(&key), show(a), show(b))
        })
        .collect()
}

#[component]
fn EditRecord() -> impl IntoView {
    let session = use_session();
    let id = route_id();
    let navigate = StoredValue::new_local(use_navigate());
    let form = RecordForm::new();
    let errors = RwSignal::new(FieldErrors::new());
    let duplicate = RwSignal::new(None::<i64>);
    let other = RwSignal::new(None::<String>);
    let busy = RwSignal::new(false);
    // Set when a save was refused because the record changed: the current version.
    let stale = RwSignal::new(false);
    let current = RwSignal::new(None::<Loaded>);
    let refs = RwSignal::new(None::<Refs>);
    let held = StoredValue::new(RecordInput::default());
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
            let loaded = load(api.clone(), id).await?;
            let refs = Refs::load(&api, &FORM_LISTS).await?;
            Ok((loaded, refs))
        }
    });
    Effect::new(move |_| match start.get() {
        Some(Ok((loaded, loaded_refs))) => {
            let input = record_input(&loaded.record);
            form.fill(&input);
            held.set_value(input);
            current.set(Some(loaded));
            refs.set(Some(loaded_refs));
            // A "Change" link names the field: put focus there once the form is drawn.
            let hash = window().location().hash().unwrap_or_default();
            if let Some(field) = hash.strip_prefix('#').filter(|f| !f.is_empty()) {
                let field = field.to_owned();
                request_animation_frame(move || {
                    focus_by_id(&field, None);
                });
            }
        }
        Some(Err(error)) => failed.set(Some(error)),
        None => {}
    });

    let save = move |ev: leptos::ev::SubmitEvent| {
        ev.prevent_default();
        let (Some(loaded), Some(refs)) = (current.get_untracked(), refs.get_untracked()) else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        duplicate.set(None);
        other.set(None);
        let (input, mut found) = form.read();
        let previous = record_valid(&loaded.record);
        if let Err(rule_errors) = validate_record(&input, previous.as_ref(), &refs, today()) {
            found.merge_prefixed("", rule_errors);
        }
        if !found.is_empty() {
            errors.set(found);
            return;
        }
        errors.set(FieldErrors::new());
        busy.set(true);
        let api = session.api();
        let record_id = loaded.record.id;
        spawn_local(async move {
            let outcome: Result<(Record, _), _> = api
                .put_if_match(&record_api(record_id), &input, &loaded.etag)
                .await;
            match outcome {
                Ok(_) => {
                    busy.set(false);
                    let path = format!("/records/{record_id}");
                    set_flash(&path, "Record updated");
                    navigate.try_with_value(|go| go(&path, NavigateOptions::default()));
                }
                Err(error) => match SaveError::from_api(error) {
                    SaveError::Stale => {
                        // Keep what the user typed; fetch what is there now.
                        match load(api, record_id).await {
                            Ok(now) => {
                                current.set(Some(now));
                                stale.set(true);
                                focus_selector(".govuk-notification-banner");
                            }
                            Err(_) => other.set(Some(
                                "Someone else has changed this record. Reload the page to see their changes."
                                    .to_owned(),
                            )),
                        }
                        busy.set(false);
                    }
                    SaveError::Fields(fields) => {
                        busy.set(false);
                        errors.set(fields);
                    }
                    SaveError::Duplicate(id) => {
                        busy.set(false);
                        duplicate.set(Some(id));
                    }
                    SaveError::Other(text) => {
                        busy.set(false);
                        other.set(Some(text));
                    }
                },
            }
        });
    };

    let use_current = move |_| {
        if let Some(loaded) = current.get_untracked() {
            let input = record_input(&loaded.record);
            form.fill(&input);
            errors.set(FieldErrors::new());
            stale.set(false);
        }
    };

    let stale_banner = move || {
        if !stale.get() {
            return None;
        }
        let (loaded, refs) = (current.get()?, refs.get()?);
        let (mine, _) = form.read();
        let rows = differences(&record_input(&loaded.record), &mine, &refs)
            .into_iter()
            .map(|(field, theirs, yours)| {
                view! {
                    <tr class="govuk-table__row">
                        <th scope="row" class="govuk-table__header">{field}</th>
                        <td class="govuk-table__cell">{theirs}</td>
                        <td class="govuk-table__cell">{yours}</td>
                    </tr>
                }
            })
            .collect_view();
        Some(view! {
            <NotificationBanner kind=BannerKind::Important
                heading="Someone else has changed this record since you opened it">
                <p class="govuk-body">
                    "Your changes have not been saved. The record now holds the current values \
                     below; your version is still in the form."
                </p>
                <table class="govuk-table">
                    <caption class="govuk-table__caption govuk-table__caption--s">
                        "Where the current record and your version differ"
                    </caption>
                    <thead class="govuk-table__head">
                        <tr class="govuk-table__row">
                            <th scope="col" class="govuk-table__header">"Field"</th>
                            <th scope="col" class="govuk-table__header">"Current record"</th>
                            <th scope="col" class="govuk-table__header">"Your version"</th>
                        </tr>
                    </thead>
                    <tbody class="govuk-table__body">{rows}</tbody>
                </table>
                <p class="govuk-body">
                    "To save your version over the current record, check it and select Update \
                     record. Or:"
                </p>
                <Button kind=ButtonKind::Secondary button_type="button" on:click=use_current>
                    "Discard my changes and use the current record"
                </Button>
            </NotificationBanner>
        })
    };

    let has_errors = Signal::derive(move || {
        duplicate.with(Option::is_some)
            || other.with(Option::is_some)
            || errors.with(|e| !e.is_empty())
    });
    let summary = move || {
        if let Some(existing) = duplicate.get() {
            return view! { <DuplicateSummary existing_id=existing /> }.into_any();
        }
        let mut items = errors.with(summary_items);
        if let Some(text) = other.get() {
            items.push(ErrorItem::general(text));
        }
        (!items.is_empty())
            .then(|| view! { <ErrorSummary errors=items /> })
            .into_any()
    };
    let caption = move || {
        current.with(|c| {
            c.as_ref()
                .map(|l| full_name(&l.record.first_name, &l.record.family_name))
                .unwrap_or_default()
        })
    };
    let back = move || {
        id.get()
            .map(|id| format!("/records/{id}"))
            .unwrap_or_else(|| "/records".to_owned())
    };

    view! {
        <PageTitle text="Edit record" has_errors=has_errors />
        <a href=back class="govuk-back-link">"Back to the record"</a>
        {move || failed.get().map(|error| load_problem(&error))}
        {move || failed.with(Option::is_none).then(|| view! {
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-two-thirds">
                    {stale_banner}
                    {summary}
                    <span class="govuk-caption-l">{caption}</span>
                    <h1 class="govuk-heading-l">"Edit record"</h1>
                    <p class="govuk-body">"Fields marked with * must be completed."</p>
                    {move || match refs.get() {
                        None => view! { <p class="govuk-body" aria-busy="true">"Loading the record…"</p> }.into_any(),
                        Some(refs) => {
                            let held = held.get_value();
                            view! {
                                <form novalidate on:submit=save>
                                    <PersonFields form=form.person errors=errors refs=refs.clone() held=held.clone() />
                                    <EpisodeFields form=form.episode errors=errors refs=refs prefix="episode."
                                        held=held.episode.clone() />
                                    <div class="govuk-button-group">
                                        <Button disabled=busy>"Update record"</Button>
                                        <a class="govuk-link" href=back>"Cancel"</a>
                                    </div>
                                </form>
                            }
                            .into_any()
                        }
                    }}
                </div>
            </div>
        })}
    }
}
