//! Drop-down lists (permission `admin.reference`): every reference list with its counts,
//! one list's values (offered or retired, in use or not), adding a value, renaming one, and
//! the confirmed actions: retire, reinstate, and delete (only for a value added here by
//! mistake that no record uses; the API has the last word).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;
use s117_shared::permissions::Permission;
use s117_shared::reference::{
    validate_display_name, validate_new_value, AdminReferenceItem, AdminReferenceList,
    NewReferenceValue, ReferenceList, ReferenceListSummary, RenameReferenceValue,
};
use s117_shared::validation::FieldErrors;

use super::{ConfirmButtons, FlashBanner, NeedPermission};
use crate::api::ApiError;
use crate::components::{BackLink, Button, Cell, HeadCell, PageTitle, Table};
use crate::pages::form::{Field, FormErrorSummary, FormErrors};
use crate::session::use_session;

const NEED: &[Permission] = &[Permission::AdminReference];

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// A route parameter as typed (the router may hand it over still percent-encoded).
fn decoded(text: &str) -> String {
    js_sys::decode_uri_component(text)
        .map(String::from)
        .unwrap_or_else(|_| text.to_owned())
}

fn list_param() -> Memo<Option<ReferenceList>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("list").and_then(|l| ReferenceList::from_slug(&l))))
}

fn code_param() -> Memo<String> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| decoded(&p.get("code").unwrap_or_default())))
}

fn list_path(list: ReferenceList) -> String {
    format!("/admin/reference/{}", list.slug())
}

fn load_list(
    list: Memo<Option<ReferenceList>>,
) -> LocalResource<Option<Result<AdminReferenceList, ApiError>>> {
    let session = use_session();
    LocalResource::new(move || {
        let list = list.get();
        let api = session.api();
        async move {
            match list {
                Some(list) => Some(
                    api.get::<AdminReferenceList>(&format!(
                        "/api/v1/admin/reference/{}",
                        list.slug()
                    ))
                    .await,
                ),
                None => None,
            }
        }
    })
}

/// `/admin/reference`: every list, with how many values are offered and retired.
#[component]
pub fn ReferenceLists() -> impl IntoView {
    view! { <NeedPermission any=NEED><ReferenceListsPage /></NeedPermission> }
}

#[component]
fn ReferenceListsPage() -> impl IntoView {
    let session = use_session();
    let lists = LocalResource::new(move || {
        let api = session.api();
        async move {
            api.get::<Vec<ReferenceListSummary>>("/api/v1/admin/reference")
                .await
        }
    });
    let table = move || match lists.get() {
        None => view! { <p class="govuk-body" aria-busy="true">"Loading drop-down lists…"</p> }
            .into_any(),
        Some(Err(error)) => view! {
            <p class="govuk-body">{format!("The drop-down lists could not be loaded: {error}.")}</p>
        }
        .into_any(),
        Some(Ok(lists)) => {
            let rows = lists
                .into_iter()
                .map(|l| {
                    let href = list_path(l.list);
                    vec![
                        Cell::view(view! { <a class="govuk-link" href=href>{l.title}</a> }),
                        Cell::numeric(l.active.to_string()),
                        Cell::numeric(l.retired.to_string()),
                    ]
                })
                .collect();
            view! {
                <Table
                    caption="Drop-down lists"
                    caption_class="govuk-visually-hidden"
                    head=vec![
                        HeadCell::text("List"),
                        HeadCell::numeric("Offered"),
                        HeadCell::numeric("Retired"),
                    ]
                    rows=rows
                />
            }
            .into_any()
        }
    };
    view! {
        <PageTitle text="Drop-down lists" />
        <BackLink href="/admin" />
        <h1 class="govuk-heading-l">"Drop-down lists"</h1>
        <p class="govuk-body">
            "Add values that are missing, correct how a value is shown, and retire values that \
             should no longer be chosen. A retired value stays on the records that use it. \
             Places detained and GP practices are the lists most often extended."
        </p>
        {table}
    }
}

/// `/admin/reference/:list`: one list's values and what can be done with each.
#[component]
pub fn ReferenceValues() -> impl IntoView {
    view! { <NeedPermission any=NEED><ReferenceValuesPage /></NeedPermission> }
}

#[component]
fn ReferenceValuesPage() -> impl IntoView {
    let list = list_param();
    let values = load_list(list);
    let filter = RwSignal::new(String::new());
    let content = move || match (list.get(), values.get()) {
        (None, _) => view! { <crate::pages::NotFound /> }.into_any(),
        (_, None) | (_, Some(None)) => {
            view! { <div class="s117-loading" aria-busy="true"></div> }.into_any()
        }
        (Some(_), Some(Some(Err(error)))) => view! {
            <PageTitle text="Drop-down lists" />
            <p class="govuk-body">{format!("The list could not be loaded: {error}.")}</p>
        }
        .into_any(),
        (Some(which), Some(Some(Ok(data)))) => {
            let items = StoredValue::new(data.items);
            let title = data.title.clone();
            let rows = move || {
                let needle = filter.get().trim().to_lowercase();
                let rows: Vec<Vec<Cell>> = items.with_value(|items| {
                    items
                        .iter()
                        .filter(|i| {
                            needle.is_empty()
                                || i.display_name.to_lowercase().contains(&needle)
                                || i.code.to_lowercase().contains(&needle)
                        })
                        .map(|i| value_row(which, i))
                        .collect()
                });
                let shown = rows.len();
                view! {
                    <p class="govuk-body" role="status">{format!("{shown} values shown")}</p>
                    <Table
                        caption=format!("Values of {}", which.title())
                        caption_class="govuk-visually-hidden"
                        head=vec![
                            HeadCell::text("Name shown"),
                            HeadCell::text("Code"),
                            HeadCell::text("Status"),
                            HeadCell::text("Used by records"),
                            HeadCell::text("Actions"),
                        ]
                        rows=rows
                    />
                }
            };
            view! {
                <PageTitle text=title.clone() />
                <span class="govuk-caption-l">"Drop-down list"</span>
                <h1 class="govuk-heading-l">{title}</h1>
                <Button href=format!("{}/new", list_path(which))>"Add a value"</Button>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="filter">"Find a value"</label>
                    <input class="govuk-input govuk-input--width-20" id="filter" type="search"
                        spellcheck="false" bind:value=filter />
                </div>
                {rows}
            }
            .into_any()
        }
    };
    view! {
        <BackLink href="/admin/reference" />
        <FlashBanner />
        {content}
    }
}

fn value_row(list: ReferenceList, i: &AdminReferenceItem) -> Vec<Cell> {
    let base = format!("{}/{}", list_path(list), encode(&i.code));
    let name = i.display_name.clone();
    let status = if i.active {
        view! { <strong class="govuk-tag govuk-tag--green">"Offered"</strong> }
    } else {
        view! { <strong class="govuk-tag govuk-tag--grey">"Retired"</strong> }
    };
    let mut links = vec![("rename", "Rename")];
    links.push(if i.active {
        ("retire", "Retire")
    } else {
        ("reinstate", "Reinstate")
    });
    if i.locally_added && !i.in_use {
        links.push(("delete", "Delete"));
    }
    let actions = links
        .into_iter()
        .map(|(slug, text)| {
            let href = format!("{base}/{slug}");
            let name = name.clone();
            view! {
                <li>
                    <a class="govuk-link" href=href>
                        {text}
                        <span class="govuk-visually-hidden">{format!(" {name}")}</span>
                    </a>
                </li>
            }
        })
        .collect_view();
    vec![
        Cell::text(i.display_name.clone()),
        Cell::view(view! { <code class="s117-code">{i.code.clone()}</code> }),
        Cell::view(status),
        Cell::text(if i.in_use { "Yes" } else { "No" }),
        Cell::view(view! { <ul class="govuk-list">{actions}</ul> }),
    ]
}

/// `/admin/reference/:list/new`: the name shown, and optionally the code to store.
#[component]
pub fn NewReferenceValuePage() -> impl IntoView {
    view! { <NeedPermission any=NEED><NewValueForm /></NeedPermission> }
}

#[component]
fn NewValueForm() -> impl IntoView {
    const FIELDS: &[&str] = &["display_name", "code"];
    let session = use_session();
    let navigate = use_navigate();
    let list = list_param();
    let display_name = RwSignal::new(String::new());
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        let Some(which) = list.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let request = NewReferenceValue {
            display_name: display_name.get_untracked().trim().to_owned(),
            code: code.get_untracked().trim().to_owned(),
        };
        if let Err(problems) = validate_new_value(&request) {
            errors.set_fields(problems);
            return;
        }
        busy.set(true);
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let outcome: Result<AdminReferenceItem, ApiError> = session
                .api()
                .post(
                    &format!("/api/v1/admin/reference/{}", which.slug()),
                    &request,
                )
                .await;
            busy.set(false);
            match outcome {
                Ok(item) => {
                    session.set_flash(format!("{} added to {}", item.display_name, which.title()));
                    navigate(&list_path(which), NavigateOptions::default());
                }
                Err(error) => errors.set_api_error(&error),
            }
        });
    };
    move || match list.get() {
        None => view! { <crate::pages::NotFound /> }.into_any(),
        Some(which) => {
            let on_submit = on_submit.clone();
            view! {
            <PageTitle text=format!("Add a value to {}", which.title()) has_errors=Signal::derive(move || errors.any()) />
            <BackLink href=list_path(which) />
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-two-thirds">
                    <FormErrorSummary errors=errors />
                    <span class="govuk-caption-l">{which.title()}</span>
                    <h1 class="govuk-heading-l">"Add a value"</h1>
                    <form novalidate on:submit=on_submit>
                        <Field field="display_name" label="Name to show in the drop-down" errors=errors
                            value=display_name autocomplete="off" />
                        <Field field="code" label="Code (optional)"
                            hint="The code other systems know it by, such as an ODS code. Leave it empty and one is made from the name. It cannot be changed later."
                            errors=errors value=code autocomplete="off" width="govuk-input--width-20" no_spellcheck=true />
                        <Button disabled=busy>"Add value"</Button>
                    </form>
                </div>
            </div>
        }
        .into_any()
        }
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Rename,
    Retire,
    Reinstate,
    Delete,
}

impl Action {
    fn from_slug(slug: &str) -> Option<Action> {
        match slug {
            "rename" => Some(Action::Rename),
            "retire" => Some(Action::Retire),
            "reinstate" => Some(Action::Reinstate),
            "delete" => Some(Action::Delete),
            _ => None,
        }
    }
}

/// `/admin/reference/:list/:code/:action`: rename (a form), or retire, reinstate, delete
/// (each confirmed).
#[component]
pub fn ReferenceValueAction() -> impl IntoView {
    view! { <NeedPermission any=NEED><ReferenceValueActionPage /></NeedPermission> }
}

#[component]
fn ReferenceValueActionPage() -> impl IntoView {
    let params = use_params_map();
    let list = list_param();
    let code = code_param();
    let values = load_list(list);
    let action =
        Memo::new(move |_| params.with(|p| p.get("action").and_then(|a| Action::from_slug(&a))));
    move || match (list.get(), action.get(), values.get()) {
        (None, _, _) | (_, None, _) => view! { <crate::pages::NotFound /> }.into_any(),
        (_, _, None) | (_, _, Some(None)) => {
            view! { <div class="s117-loading" aria-busy="true"></div> }.into_any()
        }
        (Some(_), Some(_), Some(Some(Err(error)))) => view! {
            <PageTitle text="Drop-down lists" />
            <p class="govuk-body">{format!("The list could not be loaded: {error}.")}</p>
        }
        .into_any(),
        (Some(which), Some(action), Some(Some(Ok(data)))) => {
            let wanted = code.get();
            match data.items.into_iter().find(|i| i.code == wanted) {
                None => view! {
                    <PageTitle text="Value not found" />
                    <h1 class="govuk-heading-l">"Value not found"</h1>
                    <p class="govuk-body">"There is no such value in this list."</p>
                    <p class="govuk-body"><a class="govuk-link" href=list_path(which)>"Back to the list"</a></p>
                }
                .into_any(),
                Some(item) if action == Action::Rename => {
                    view! { <RenameValue list=which item=item /> }.into_any()
                }
                Some(item) => view! { <ConfirmValueAction list=which item=item action=action /> }.into_any(),
            }
        }
    }
}

#[component]
fn RenameValue(list: ReferenceList, item: AdminReferenceItem) -> impl IntoView {
    const FIELDS: &[&str] = &["display_name"];
    let session = use_session();
    let navigate = use_navigate();
    let display_name = RwSignal::new(item.display_name.clone());
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let code = item.code.clone();
    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let request = RenameReferenceValue {
            display_name: display_name.get_untracked().trim().to_owned(),
        };
        let mut problems = FieldErrors::new();
        validate_display_name(&mut problems, &request.display_name);
        if errors.set_fields(problems) {
            return;
        }
        busy.set(true);
        let path = format!("/api/v1/admin/reference/{}/{}", list.slug(), encode(&code));
        let navigate = navigate.clone();
        leptos::task::spawn_local(async move {
            let outcome: Result<AdminReferenceItem, ApiError> =
                session.api().put(&path, &request).await;
            busy.set(false);
            match outcome {
                Ok(item) => {
                    session.set_flash(format!("Renamed to {}", item.display_name));
                    navigate(&list_path(list), NavigateOptions::default());
                }
                Err(error) => errors.set_api_error(&error),
            }
        });
    };
    view! {
        <PageTitle text=format!("Rename {}", item.display_name) has_errors=Signal::derive(move || errors.any()) />
        <BackLink href=list_path(list) />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <FormErrorSummary errors=errors />
                <span class="govuk-caption-l">{list.title()}</span>
                <h1 class="govuk-heading-l">{format!("Rename {}", item.display_name)}</h1>
                <p class="govuk-body">
                    "Records keep pointing at this value (code "
                    <code class="s117-code">{item.code.clone()}</code>
                    "): they show the new name at once."
                </p>
                <form novalidate on:submit=on_submit>
                    <Field field="display_name" label="Name to show in the drop-down" errors=errors
                        value=display_name autocomplete="off" />
                    <Button disabled=busy>"Save name"</Button>
                </form>
            </div>
        </div>
    }
}

#[component]
fn ConfirmValueAction(
    list: ReferenceList,
    item: AdminReferenceItem,
    action: Action,
) -> impl IntoView {
    const FIELDS: &[&str] = &[];
    let session = use_session();
    let navigate = use_navigate();
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let name = item.display_name.clone();
    let (question, explanation, yes, done, warning) = match action {
        Action::Retire => (
            format!("Are you sure you want to retire {name}?"),
            "Records that already use it keep it. It will no longer be offered when people enter new records. You can reinstate it later.",
            "Yes, retire it",
            format!("{name} retired"),
            true,
        ),
        Action::Reinstate => (
            format!("Are you sure you want to reinstate {name}?"),
            "It will be offered again when people enter new records.",
            "Yes, reinstate it",
            format!("{name} reinstated"),
            false,
        ),
        _ => (
            format!("Are you sure you want to delete {name}?"),
            "It was added here and no record uses it, so it can be removed for good. This cannot be undone.",
            "Yes, delete it",
            format!("{name} deleted"),
            true,
        ),
    };
    let back = list_path(list);
    let on_yes = {
        let code = item.code.clone();
        let back = back.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            errors.clear();
            let base = format!("/api/v1/admin/reference/{}/{}", list.slug(), encode(&code));
            let navigate = navigate.clone();
            let done = done.clone();
            let back = back.clone();
            leptos::task::spawn_local(async move {
                let api = session.api();
                let outcome: Result<(), ApiError> = match action {
                    Action::Retire => api
                        .post::<(), AdminReferenceItem>(&format!("{base}/retire"), &())
                        .await
                        .map(|_| ()),
                    Action::Reinstate => api
                        .post::<(), AdminReferenceItem>(&format!("{base}/reinstate"), &())
                        .await
                        .map(|_| ()),
                    _ => api.delete(&base).await,
                };
                busy.set(false);
                match outcome {
                    Ok(()) => {
                        session.set_flash(done);
                        navigate(&back, NavigateOptions::default());
                    }
                    Err(error) => errors.set_api_error(&error),
                }
            });
        }
    };
    view! {
        <PageTitle text=question.clone() has_errors=Signal::derive(move || errors.any()) />
        <BackLink href=back.clone() />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <FormErrorSummary errors=errors />
                <span class="govuk-caption-l">{list.title()}</span>
                <h1 class="govuk-heading-l">{question}</h1>
                <p class="govuk-body">{explanation}</p>
                <ConfirmButtons yes=yes back=back warning=warning busy=busy on_yes=on_yes />
            </div>
        </div>
    }
}
