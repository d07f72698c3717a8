//! API clients (permission `admin.clients`): other council and NHS systems that use the API
//! with OAuth 2.0 client credentials. Creating one, or rotating its secret, shows the secret
//! this once (with a copy button); revoking is for good.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map};
use leptos_router::NavigateOptions;
use s117_shared::admin::{client_may_hold, ApiClient, ClientSecret, CreateClientRequest};
use s117_shared::permissions::{Permission, PermissionSet};

use super::{ConfirmButtons, FlashBanner, NeedPermission};
use crate::api::ApiError;
use crate::components::{
    BackLink, BannerKind, Button, Cell, HeadCell, NotificationBanner, PageTitle, Table,
};
use crate::pages::form::{
    when, when_or, CheckboxGroup, Choice, Field, FormErrorSummary, FormErrors,
};
use crate::session::use_session;

const NEED: &[Permission] = &[Permission::AdminClients];

fn scopes_text(scopes: &PermissionSet) -> String {
    if scopes.is_empty() {
        "None".to_owned()
    } else {
        scopes
            .iter()
            .map(Permission::as_str)
            .collect::<Vec<_>>()
            .join(", ")
    }
}

fn load_clients() -> LocalResource<Result<Vec<ApiClient>, ApiError>> {
    let session = use_session();
    LocalResource::new(move || {
        let api = session.api();
        async move { api.get::<Vec<ApiClient>>("/api/v1/admin/clients").await }
    })
}

/// `/admin/clients`: every client, revoked ones last.
#[component]
pub fn Clients() -> impl IntoView {
    view! { <NeedPermission any=NEED><ClientsPage /></NeedPermission> }
}

#[component]
fn ClientsPage() -> impl IntoView {
    let clients = load_clients();
    let table = move || match clients.get() {
        None => {
            view! { <p class="govuk-body" aria-busy="true">"Loading API clients…"</p> }.into_any()
        }
        Some(Err(error)) => view! {
            <p class="govuk-body">{format!("The API clients could not be loaded: {error}.")}</p>
        }
        .into_any(),
        Some(Ok(list)) if list.is_empty() => {
            view! { <p class="govuk-body">"There are no API clients yet."</p> }.into_any()
        }
        Some(Ok(list)) => {
            let rows = list
                .iter()
                .map(|client| {
                    let status = if client.revoked_at.is_some() {
                        view! { <strong class="govuk-tag govuk-tag--grey">"Revoked"</strong> }
                    } else {
                        view! { <strong class="govuk-tag govuk-tag--green">"Active"</strong> }
                    };
                    let actions = client.revoked_at.is_none().then(|| {
                        let id = String::from(js_sys::encode_uri_component(&client.client_id));
                        let name = client.name.clone();
                        let name2 = client.name.clone();
                        view! {
                            <ul class="govuk-list">
                                <li>
                                    <a class="govuk-link" href=format!("/admin/clients/{id}/rotate")>
                                        "Rotate secret"
                                        <span class="govuk-visually-hidden">{format!(" of {name}")}</span>
                                    </a>
                                </li>
                                <li>
                                    <a class="govuk-link" href=format!("/admin/clients/{id}/revoke")>
                                        "Revoke"
                                        <span class="govuk-visually-hidden">{format!(" {name2}")}</span>
                                    </a>
                                </li>
                            </ul>
                        }
                    });
                    vec![
                        Cell::text(client.name.clone()),
                        Cell::view(view! { <code class="s117-code">{client.client_id.clone()}</code> }),
                        Cell::text(scopes_text(&client.scopes)),
                        Cell::text(when(&client.created_at)),
                        Cell::text(when_or(client.last_used_at.as_ref(), "Never")),
                        Cell::view(status),
                        Cell::view(actions),
                    ]
                })
                .collect();
            view! {
                <Table
                    caption="API clients"
                    caption_class="govuk-visually-hidden"
                    head=vec![
                        HeadCell::text("Name"),
                        HeadCell::text("Client ID"),
                        HeadCell::text("Scopes"),
                        HeadCell::text("Created"),
                        HeadCell::text("Last used"),
                        HeadCell::text("Status"),
                        HeadCell::text("Actions"),
                    ]
                    rows=rows
                />
            }
            .into_any()
        }
    };
    view! {
            <PageTitle text="API clients" />
            <BackLink href="/admin" />
            <FlashBanner />
            <h1 class="govuk-heading-l">"API clients"</h1>
            <p class="govuk-body">
                "Other systems sign in to the API with a client ID and secret (OAuth 2.0 client \
                 credentials) and may do only what their scopes allow."
            </p>
            <Button href="/admin/clients/new">"Create API client"</Button>
            {table}
    }
}

/// The secret, shown once, with a button that copies it.
#[component]
fn SecretShown(secret: ClientSecret, #[prop(into)] heading: String) -> impl IntoView {
    let copied = RwSignal::new(false);
    let value = secret.client_secret.clone();
    let copy = move |_| {
        let clipboard = window().navigator().clipboard();
        let promise = clipboard.write_text(&value);
        leptos::task::spawn_local(async move {
            let done = wasm_bindgen_futures::JsFuture::from(promise).await.is_ok();
            copied.set(done);
        });
    };
    view! {
        <NotificationBanner kind=BannerKind::Success heading=heading />
        <h1 class="govuk-heading-l">{secret.client.name.clone()}</h1>
        <dl class="govuk-summary-list">
            <div class="govuk-summary-list__row">
                <dt class="govuk-summary-list__key">"Client ID"</dt>
                <dd class="govuk-summary-list__value"><code class="s117-code" id="client-id">{secret.client.client_id.clone()}</code></dd>
            </div>
            <div class="govuk-summary-list__row">
                <dt class="govuk-summary-list__key">"Scopes"</dt>
                <dd class="govuk-summary-list__value">{scopes_text(&secret.client.scopes)}</dd>
            </div>
        </dl>
        <div class="govuk-inset-text">
            <h2 class="govuk-heading-s">"Client secret"</h2>
            <p class="govuk-body"><code class="s117-code s117-secret" id="client-secret">{secret.client_secret.clone()}</code></p>
            <button type="button" class="govuk-button govuk-button--secondary" data-module="govuk-button" on:click=copy>
                "Copy secret"
            </button>
            <p class="govuk-body" role="status" aria-live="polite">
                {move || copied.get().then_some("Copied")}
            </p>
        </div>
        <div class="govuk-warning-text">
            <span class="govuk-warning-text__icon" aria-hidden="true">"!"</span>
            <strong class="govuk-warning-text__text">
                <span class="govuk-visually-hidden">"Warning"</span>
                "This is the only time you will see the secret. Copy it now and give it to the \
                 system's administrators securely. If it is lost, rotate the secret."
            </strong>
        </div>
        <p class="govuk-body"><a class="govuk-link" href="/admin/clients">"Back to API clients"</a></p>
    }
}

/// `/admin/clients/new`: name and scopes; then the secret, once.
#[component]
pub fn NewClient() -> impl IntoView {
    view! { <NeedPermission any=NEED><NewClientPage /></NeedPermission> }
}

#[component]
fn NewClientPage() -> impl IntoView {
    const FIELDS: &[&str] = &["name", "scopes"];
    let session = use_session();
    let name = RwSignal::new(String::new());
    let checked = RwSignal::new(Vec::<String>::new());
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let created = RwSignal::new(None::<ClientSecret>);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let request = CreateClientRequest {
            name: name.get_untracked().trim().to_owned(),
            scopes: checked.with_untracked(|c| {
                c.iter()
                    .filter_map(|s| s.parse::<Permission>().ok())
                    .collect()
            }),
        };
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome: Result<ClientSecret, ApiError> =
                session.api().post("/api/v1/admin/clients", &request).await;
            busy.set(false);
            match outcome {
                Ok(secret) => created.set(Some(secret)),
                Err(error) => errors.set_api_error(&error),
            }
        });
    };

    let scopes: Vec<Choice> = Permission::ALL
        .into_iter()
        .filter(|p| client_may_hold(*p))
        .map(|p| Choice {
            value: p.as_str().to_owned(),
            label: p.label().to_owned(),
            hint: Some(format!("Scope {}", p.as_str())),
        })
        .collect();

    let form = move || {
        let scopes = scopes.clone();
        view! {
            <PageTitle text="Create API client" has_errors=Signal::derive(move || errors.any()) />
            <BackLink href="/admin/clients" />
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-two-thirds">
                    <FormErrorSummary errors=errors />
                    <h1 class="govuk-heading-l">"Create API client"</h1>
                    <form novalidate on:submit=on_submit>
                        <Field
                            field="name"
                            label="Name"
                            hint="The system that will use it, for example Mosaic case management"
                            errors=errors
                            value=name
                            autocomplete="off"
                        />
                        <CheckboxGroup
                            field="scopes"
                            legend="Scopes"
                            hint="What the system may do. Administration is never available to a system."
                            errors=errors
                            checked=checked
                            choices=scopes
                        />
                        <Button disabled=busy>"Create API client"</Button>
                    </form>
                </div>
            </div>
        }
    };

    view! {
            {move || match created.get() {
                Some(secret) => view! {
                    <PageTitle text="API client created" />
                    <SecretShown secret=secret heading="API client created" />
                }
                .into_any(),
                None => form().into_any(),
            }}
    }
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Action {
    Rotate,
    Revoke,
}

/// `/admin/clients/:id/:action` (rotate, revoke): confirm, then do it.
#[component]
pub fn ClientAction() -> impl IntoView {
    view! { <NeedPermission any=NEED><ClientActionPage /></NeedPermission> }
}

#[component]
fn ClientActionPage() -> impl IntoView {
    let params = use_params_map();
    let clients = load_clients();
    let content = move || {
        let (id, action) = params.with(|p| {
            (
                p.get("id").unwrap_or_default(),
                match p.get("action").as_deref() {
                    Some("rotate") => Some(Action::Rotate),
                    Some("revoke") => Some(Action::Revoke),
                    _ => None,
                },
            )
        });
        match (action, clients.get()) {
            (None, _) => view! { <crate::pages::NotFound /> }.into_any(),
            (_, None) => view! { <div class="s117-loading" aria-busy="true"></div> }.into_any(),
            (Some(_), Some(Err(error))) => view! {
                <PageTitle text="API clients" />
                <p class="govuk-body">{format!("The API clients could not be loaded: {error}.")}</p>
            }
            .into_any(),
            (Some(action), Some(Ok(list))) => {
                match list.into_iter().find(|c| c.client_id == id && c.revoked_at.is_none()) {
                    Some(client) => view! { <ConfirmClientAction action=action client=client /> }.into_any(),
                    None => view! {
                        <PageTitle text="API client not found" />
                        <h1 class="govuk-heading-l">"API client not found"</h1>
                        <p class="govuk-body">"There is no active API client with that id."</p>
                        <p class="govuk-body"><a class="govuk-link" href="/admin/clients">"Back to API clients"</a></p>
                    }
                    .into_any(),
                }
            }
        }
    };
    view! { {content} }
}

#[component]
fn ConfirmClientAction(action: Action, client: ApiClient) -> impl IntoView {
    const FIELDS: &[&str] = &[];
    let session = use_session();
    let navigate = use_navigate();
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let rotated = RwSignal::new(None::<ClientSecret>);
    let (question, explanation, yes) = match action {
        Action::Rotate => (
            format!("Are you sure you want to rotate the secret of {}?", client.name),
            "A new secret will be made. The old secret, and any tokens issued with it, stop working at once.",
            "Yes, rotate secret",
        ),
        Action::Revoke => (
            format!("Are you sure you want to revoke {}?", client.name),
            "The system will not be able to use the API again: its tokens stop working at once. This cannot be undone.",
            "Yes, revoke",
        ),
    };
    let on_yes = {
        let client = client.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            errors.clear();
            let id = String::from(js_sys::encode_uri_component(&client.client_id));
            let name = client.name.clone();
            let navigate = navigate.clone();
            leptos::task::spawn_local(async move {
                match action {
                    Action::Rotate => {
                        let outcome: Result<ClientSecret, ApiError> = session
                            .api()
                            .post(&format!("/api/v1/admin/clients/{id}/rotate"), &())
                            .await;
                        busy.set(false);
                        match outcome {
                            Ok(secret) => rotated.set(Some(secret)),
                            Err(error) => errors.set_api_error(&error),
                        }
                    }
                    Action::Revoke => {
                        let outcome: Result<ApiClient, ApiError> = session
                            .api()
                            .post(&format!("/api/v1/admin/clients/{id}/revoke"), &())
                            .await;
                        busy.set(false);
                        match outcome {
                            Ok(_) => {
                                session.set_flash(format!("API client {name} revoked"));
                                navigate("/admin/clients", NavigateOptions::default());
                            }
                            Err(error) => errors.set_api_error(&error),
                        }
                    }
                }
            });
        }
    };
    let confirm = view! {
        <PageTitle text=question.clone() has_errors=Signal::derive(move || errors.any()) />
        <BackLink href="/admin/clients" />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <FormErrorSummary errors=errors />
                <span class="govuk-caption-l">{client.client_id.clone()}</span>
                <h1 class="govuk-heading-l">{question}</h1>
                <p class="govuk-body">{explanation}</p>
                <ConfirmButtons yes=yes back="/admin/clients" warning=true busy=busy on_yes=on_yes />
            </div>
        </div>
    }
    .into_any();
    let confirm = StoredValue::new_local(Some(confirm));
    move || match rotated.get() {
        Some(secret) => view! {
            <PageTitle text="Secret rotated" />
            <SecretShown secret=secret heading="Secret rotated. The old secret no longer works" />
        }
        .into_any(),
        None => confirm
            .try_update_value(|c| c.take())
            .flatten()
            .map(IntoAny::into_any)
            .unwrap_or_else(|| ().into_any()),
    }
}
