//! User accounts (permission `admin.users`): the list, creating an account (its one-time
//! password is emailed), one account's details, changing its name and permissions, and the
//! confirmed actions (unlock, reset password, disable, enable, end sessions).

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_params_map, use_query_map};
use leptos_router::NavigateOptions;
use s117_shared::admin::{CreateUserRequest, UpdateUserRequest, User, UserStatus};
use s117_shared::email::EmailAddress;
use s117_shared::page::Page;
use s117_shared::permissions::{Permission, PermissionSet, RolePreset};
use s117_shared::validation::FieldErrors;

use super::{ConfirmButtons, FlashBanner, NeedPermission};
use crate::api::ApiError;
use crate::components::{
    BackLink, Button, Cell, HeadCell, PageTitle, Pagination, SummaryList, SummaryRow, Table,
};
use crate::pages::form::{
    when_or, CheckboxGroup, Choice, Field, FormErrorSummary, FormErrors, RadioGroup,
};
use crate::session::use_session;

const NEED: &[Permission] = &[Permission::AdminUsers];
const PER_PAGE: u32 = 25;
const CUSTOM: &str = "custom";

fn encode(text: &str) -> String {
    String::from(js_sys::encode_uri_component(text))
}

/// The status a person reads: a must-change-password account is active but not yet usable.
pub fn status_label(user: &User) -> &'static str {
    match user.status {
        UserStatus::Active if user.must_change_password => "Must change password",
        status => status.label(),
    }
}

fn status_tag(user: &User) -> impl IntoView {
    let class = match user.status {
        UserStatus::Active if user.must_change_password => "govuk-tag govuk-tag--yellow",
        UserStatus::Active => "govuk-tag govuk-tag--green",
        UserStatus::Locked => "govuk-tag govuk-tag--red",
        UserStatus::Disabled => "govuk-tag govuk-tag--grey",
    };
    view! { <strong class=class>{status_label(user)}</strong> }
}

/// "Caseworker", "Custom (3 permissions)" or "No permissions".
pub fn permissions_summary(set: &PermissionSet) -> String {
    match RolePreset::matching(set) {
        Some(preset) => preset.label().to_owned(),
        None if set.is_empty() => "No permissions".to_owned(),
        None if set.len() == 1 => "Custom (1 permission)".to_owned(),
        None => format!("Custom ({} permissions)", set.len()),
    }
}

fn preset_key(preset: RolePreset) -> String {
    serde_json::to_value(preset)
        .ok()
        .and_then(|v| v.as_str().map(str::to_owned))
        .unwrap_or_default()
}

fn preset_from_key(key: &str) -> Option<RolePreset> {
    RolePreset::ALL.into_iter().find(|p| preset_key(*p) == key)
}

fn set_from(checked: &[String]) -> PermissionSet {
    checked
        .iter()
        .filter_map(|name| name.parse::<Permission>().ok())
        .collect()
}

fn names(set: &PermissionSet) -> Vec<String> {
    set.iter().map(|p| p.as_str().to_owned()).collect()
}

/// The "Role" radios (presets, or Custom) and the permission checkboxes they fill in; ticking
/// boxes by hand selects the matching preset, or Custom.
#[component]
fn PermissionFields(
    errors: FormErrors,
    role: RwSignal<String>,
    checked: RwSignal<Vec<String>>,
) -> impl IntoView {
    Effect::new(move |_| {
        let chosen = role.get();
        if let Some(preset) = preset_from_key(&chosen) {
            let wanted = names(&preset.permissions());
            if checked.with_untracked(|c| set_from(c) != preset.permissions()) {
                checked.set(wanted);
            }
        }
    });
    Effect::new(move |_| {
        let set = checked.with(|c| set_from(c));
        let wanted = RolePreset::matching(&set)
            .map(preset_key)
            .unwrap_or_else(|| CUSTOM.to_owned());
        if role.with_untracked(|r| *r != wanted) {
            role.set(wanted);
        }
    });
    let mut roles: Vec<Choice> = RolePreset::ALL
        .into_iter()
        .map(|preset| Choice {
            value: preset_key(preset),
            label: preset.label().to_owned(),
            hint: Some(preset.description().to_owned()),
        })
        .collect();
    roles.push(Choice {
        value: CUSTOM.to_owned(),
        label: "Custom".to_owned(),
        hint: Some("Choose the permissions one by one below".to_owned()),
    });
    let permissions: Vec<Choice> = Permission::ALL
        .into_iter()
        .map(|p| Choice {
            value: p.as_str().to_owned(),
            label: p.label().to_owned(),
            hint: None,
        })
        .collect();
    view! {
        <RadioGroup
            field="role"
            legend="Role"
            hint="A role fills in the permissions below. People hold permissions, not roles."
            errors=errors
            value=role
            choices=roles
        />
        <CheckboxGroup
            field="permissions"
            legend="Permissions"
            hint="Select all that apply."
            errors=errors
            checked=checked
            choices=permissions
        />
    }
}

/// `/admin/users`: search, filter by status, one page of accounts.
#[component]
pub fn Users() -> impl IntoView {
    view! { <NeedPermission any=NEED><UsersPage /></NeedPermission> }
}

#[component]
fn UsersPage() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let q = RwSignal::new(query.with_untracked(|p| p.get("q").unwrap_or_default()));
    let status = RwSignal::new(query.with_untracked(|p| p.get("status").unwrap_or_default()));

    let list_path = move || {
        query.with(|p| {
            let page = p
                .get("page")
                .and_then(|n| n.parse::<u32>().ok())
                .unwrap_or(1)
                .max(1);
            let mut path = format!("/api/v1/admin/users?page={page}&per_page={PER_PAGE}");
            if let Some(q) = p.get("q").filter(|q| !q.trim().is_empty()) {
                path.push_str(&format!("&q={}", encode(q.trim())));
            }
            if let Some(status) = p
                .get("status")
                .filter(|s| UserStatus::parse(s).is_some() || s == "must_change_password")
            {
                path.push_str(&format!("&status={status}"));
            }
            path
        })
    };
    let users = LocalResource::new(move || {
        let path = list_path();
        let api = session.api();
        async move { api.get::<Page<User>>(&path).await }
    });

    let on_search = move |ev: SubmitEvent| {
        ev.prevent_default();
        let mut parts = Vec::new();
        let text = q.get_untracked();
        if !text.trim().is_empty() {
            parts.push(format!("q={}", encode(text.trim())));
        }
        let chosen = status.get_untracked();
        if !chosen.is_empty() {
            parts.push(format!("status={chosen}"));
        }
        let path = if parts.is_empty() {
            "/admin/users".to_owned()
        } else {
            format!("/admin/users?{}", parts.join("&"))
        };
        navigate(&path, NavigateOptions::default());
    };

    let page_href = move |page: u32| {
        let mut parts = vec![format!("page={page}")];
        query.with_untracked(|p| {
            if let Some(q) = p.get("q") {
                parts.push(format!("q={}", encode(&q)));
            }
            if let Some(s) = p.get("status") {
                parts.push(format!("status={}", encode(&s)));
            }
        });
        format!("/admin/users?{}", parts.join("&"))
    };

    let results = move || match users.get() {
        None => view! { <p class="govuk-body" aria-busy="true">"Loading users…"</p> }.into_any(),
        Some(Err(error)) => view! {
            <p class="govuk-body">{format!("The users could not be loaded: {error}.")}</p>
        }
        .into_any(),
        Some(Ok(page)) => {
            let total_pages = (page.total.max(0) as u32).div_ceil(page.per_page.max(1));
            let shown = if page.total == 0 {
                "No users match".to_owned()
            } else {
                let first = (page.page - 1) * page.per_page + 1;
                let last = first + page.items.len() as u32 - 1;
                format!("Showing {first} to {last} of {} users", page.total)
            };
            let rows = page
                .items
                .iter()
                .map(|user| {
                    let href = format!("/admin/users/{}", user.id);
                    let name = user.name.clone();
                    vec![
                        Cell::view(view! { <a class="govuk-link" href=href>{name}</a> }),
                        Cell::text(user.email.clone()),
                        Cell::view(status_tag(user)),
                        Cell::text(when_or(user.last_sign_in_at.as_ref(), "Never")),
                        Cell::text(permissions_summary(&user.permissions)),
                    ]
                })
                .collect();
            view! {
                <p class="govuk-body" role="status">{shown}</p>
                <Table
                    caption="Users"
                    caption_class="govuk-visually-hidden"
                    head=vec![
                        HeadCell::text("Name"),
                        HeadCell::text("Email address"),
                        HeadCell::text("Status"),
                        HeadCell::text("Last sign-in"),
                        HeadCell::text("Permissions"),
                    ]
                    rows=rows
                />
                <Pagination current=page.page total_pages=total_pages href=page_href />
            }
            .into_any()
        }
    };

    view! {
            <PageTitle text="Users" />
            <BackLink href="/admin" />
            <FlashBanner />
            <h1 class="govuk-heading-l">"Users"</h1>
            <Button href="/admin/users/new">"Create user"</Button>
            <form class="s117-filters" novalidate on:submit=on_search>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="q">"Search by name or email address"</label>
                    <input class="govuk-input govuk-input--width-20" id="q" name="q" type="search" spellcheck="false" bind:value=q />
                </div>
                <div class="govuk-form-group">
                    <label class="govuk-label" for="status">"Status"</label>
                    <select class="govuk-select" id="status" name="status" bind:value=status>
                        <option value="">"All"</option>
                        <option value="active">"Active"</option>
                        <option value="locked">"Locked"</option>
                        <option value="disabled">"Disabled"</option>
                        <option value="must_change_password">"Must change password"</option>
                    </select>
                </div>
                <Button kind=crate::components::ButtonKind::Secondary>"Search"</Button>
            </form>
            {results}
    }
}

/// `/admin/users/new`: email, name and permissions; the one-time password is emailed.
#[component]
pub fn NewUser() -> impl IntoView {
    view! { <NeedPermission any=NEED><NewUserPage /></NeedPermission> }
}

#[component]
fn NewUserPage() -> impl IntoView {
    const FIELDS: &[&str] = &["email", "name", "role", "permissions"];
    let session = use_session();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let name = RwSignal::new(String::new());
    let role = RwSignal::new(preset_key(RolePreset::Viewer));
    let checked = RwSignal::new(names(&RolePreset::Viewer.permissions()));
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        let mut found = FieldErrors::new();
        if let Err(message) = EmailAddress::parse(&email.get_untracked()) {
            found.add("email", message);
        }
        if errors.set_fields(found) {
            return;
        }
        let request = CreateUserRequest {
            email: email.get_untracked().trim().to_owned(),
            name: name.get_untracked().trim().to_owned(),
            permissions: checked.with_untracked(|c| set_from(c)),
        };
        let navigate = navigate.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome: Result<User, ApiError> =
                session.api().post("/api/v1/admin/users", &request).await;
            busy.set(false);
            match outcome {
                Ok(user) => {
                    session.set_flash(format!(
                        "Account created. We have emailed the password to {}",
                        user.email
                    ));
                    navigate(
                        &format!("/admin/users/{}", user.id),
                        NavigateOptions::default(),
                    );
                }
                Err(error) => errors.set_api_error(&error),
            }
        });
    };

    view! {
            <PageTitle text="Create user" has_errors=Signal::derive(move || errors.any()) />
            <BackLink href="/admin/users" />
            <div class="govuk-grid-row">
                <div class="govuk-grid-column-two-thirds">
                    <FormErrorSummary errors=errors />
                    <h1 class="govuk-heading-l">"Create user"</h1>
                    <p class="govuk-body">
                        "We will email a one-time password to the address you give. They must change it when they first sign in."
                    </p>
                    <form novalidate on:submit=on_submit.clone()>
                        <Field
                            field="email"
                            label="Email address"
                            hint="This is their username, for example joe.bloggs@staffordshire.gov.uk"
                            errors=errors
                            value=email
                            input_type="email"
                            autocomplete="off"
                            no_spellcheck=true
                        />
                        <Field field="name" label="Full name" errors=errors value=name autocomplete="off" no_spellcheck=true />
                        <PermissionFields errors=errors role=role checked=checked />
                        <Button disabled=busy>"Create user"</Button>
                    </form>
                </div>
            </div>
    }
}

fn user_id() -> Memo<Option<i64>> {
    let params = use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse::<i64>().ok())))
}

fn load_user(id: Memo<Option<i64>>) -> LocalResource<Result<User, ApiError>> {
    let session = use_session();
    LocalResource::new(move || {
        let id = id.get();
        let api = session.api();
        async move {
            match id {
                Some(id) => api.get::<User>(&format!("/api/v1/admin/users/{id}")).await,
                None => Err(ApiError::Unexpected {
                    status: 404,
                    detail: "no such user".into(),
                }),
            }
        }
    })
}

fn not_found(error: &ApiError) -> AnyView {
    let text = if error.status() == Some(404) {
        "There is no user with that id.".to_owned()
    } else {
        format!("The user could not be loaded: {error}.")
    };
    view! {
        <PageTitle text="User not found" />
        <h1 class="govuk-heading-l">"User not found"</h1>
        <p class="govuk-body">{text}</p>
        <p class="govuk-body"><a class="govuk-link" href="/admin/users">"Back to users"</a></p>
    }
    .into_any()
}

/// The confirmed actions on an account: path segment, question, button, what they achieve.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Action {
    Unlock,
    ResetPassword,
    Disable,
    Enable,
    EndSessions,
}

impl Action {
    pub const ALL: [Action; 5] = [
        Action::Unlock,
        Action::ResetPassword,
        Action::Disable,
        Action::Enable,
        Action::EndSessions,
    ];

    pub fn slug(self) -> &'static str {
        match self {
            Action::Unlock => "unlock",
            Action::ResetPassword => "reset-password",
            Action::Disable => "disable",
            Action::Enable => "enable",
            Action::EndSessions => "end-sessions",
        }
    }

    fn from_slug(slug: &str) -> Option<Self> {
        Self::ALL.into_iter().find(|a| a.slug() == slug)
    }

    /// The link on the account's page.
    pub fn link_text(self) -> &'static str {
        match self {
            Action::Unlock => "Unlock account",
            Action::ResetPassword => "Reset password",
            Action::Disable => "Disable account",
            Action::Enable => "Enable account",
            Action::EndSessions => "Sign out everywhere",
        }
    }

    fn question(self, name: &str) -> String {
        match self {
            Action::Unlock => format!("Are you sure you want to unlock {name}’s account?"),
            Action::ResetPassword => format!("Are you sure you want to reset {name}’s password?"),
            Action::Disable => format!("Are you sure you want to disable {name}’s account?"),
            Action::Enable => format!("Are you sure you want to enable {name}’s account?"),
            Action::EndSessions => format!("Are you sure you want to sign {name} out everywhere?"),
        }
    }

    fn explanation(self, email: &str) -> String {
        match self {
            Action::Unlock => format!("They will be able to sign in again. We will email {email} to say so."),
            Action::ResetPassword => format!(
                "We will email a new one-time password to {email}. Their current password stops working, they are signed out, and they must choose a new password when they next sign in."
            ),
            Action::Disable => "They will be signed out and will not be able to sign in until the account is enabled again.".to_owned(),
            Action::Enable => "They will be able to sign in again with their current password.".to_owned(),
            Action::EndSessions => "They will be signed out on every device and must sign in again.".to_owned(),
        }
    }

    fn yes(self) -> &'static str {
        match self {
            Action::Unlock => "Yes, unlock account",
            Action::ResetPassword => "Yes, reset password",
            Action::Disable => "Yes, disable account",
            Action::Enable => "Yes, enable account",
            Action::EndSessions => "Yes, sign them out",
        }
    }

    fn done(self, user: &User) -> String {
        match self {
            Action::Unlock => format!("Account unlocked. We have emailed {} to say so", user.email),
            Action::ResetPassword => format!(
                "Password reset. We have emailed a new one-time password to {}",
                user.email
            ),
            Action::Disable => format!("Account disabled. {} can no longer sign in", user.name),
            Action::Enable => format!("Account enabled. {} can sign in again", user.name),
            Action::EndSessions => format!("{} has been signed out everywhere", user.name),
        }
    }

    fn warning(self) -> bool {
        matches!(
            self,
            Action::Disable | Action::ResetPassword | Action::EndSessions
        )
    }

    /// Whether the action applies to an account in this state.
    pub fn applies(self, user: &User) -> bool {
        match self {
            Action::Unlock => user.status == UserStatus::Locked,
            Action::Enable => user.status == UserStatus::Disabled,
            Action::Disable => user.status != UserStatus::Disabled,
            Action::ResetPassword | Action::EndSessions => user.status != UserStatus::Disabled,
        }
    }
}

/// `/admin/users/:id`: the account, with Change links and its actions.
#[component]
pub fn UserDetail() -> impl IntoView {
    view! { <NeedPermission any=NEED><UserDetailPage /></NeedPermission> }
}

#[component]
fn UserDetailPage() -> impl IntoView {
    let id = user_id();
    let user = load_user(id);
    let content = move || match user.get() {
        None => view! { <div class="s117-loading" aria-busy="true"></div> }.into_any(),
        Some(Err(error)) => not_found(&error),
        Some(Ok(user)) => {
            let change = format!("/admin/users/{}/change", user.id);
            let rows = vec![
                SummaryRow::text("Name", user.name.clone()).with_action(
                    "Change",
                    change.clone(),
                    "name",
                ),
                SummaryRow::text("Email address", user.email.clone()),
                SummaryRow {
                    key: "Status".into(),
                    value: status_tag(&user).into_any(),
                    actions: Vec::new(),
                },
                SummaryRow::text("Role", permissions_summary(&user.permissions)).with_action(
                    "Change",
                    change.clone(),
                    "role",
                ),
                SummaryRow {
                    key: "Permissions".into(),
                    value: permission_list(&user.permissions).into_any(),
                    actions: Vec::new(),
                }
                .with_action("Change", change, "permissions"),
                SummaryRow::text("Created", when_or(Some(&user.created_at), "")),
                SummaryRow::text(
                    "Last sign-in",
                    when_or(user.last_sign_in_at.as_ref(), "Never"),
                ),
            ];
            let actions = Action::ALL
                .into_iter()
                .filter(|action| action.applies(&user))
                .map(|action| {
                    let href = format!("/admin/users/{}/{}", user.id, action.slug());
                    let class = if action.warning() {
                        "govuk-button govuk-button--warning"
                    } else {
                        "govuk-button govuk-button--secondary"
                    };
                    view! {
                        <a href=href role="button" draggable="false" class=class data-module="govuk-button">
                            {action.link_text()}
                        </a>
                    }
                })
                .collect_view();
            view! {
                <PageTitle text=user.name.clone() />
                <span class="govuk-caption-l">"User"</span>
                <h1 class="govuk-heading-l">{user.name.clone()}</h1>
                <SummaryList rows=rows />
                <h2 class="govuk-heading-m">"Actions"</h2>
                <div class="govuk-button-group">{actions}</div>
                {audit_links(user.id)}
            }
            .into_any()
        }
    };
    view! {
            <BackLink href="/admin/users" />
            <FlashBanner />
            {content}
    }
}

/// Links into the audit log for someone who may read it: what this user did and viewed.
fn audit_links(id: i64) -> impl IntoView {
    use_session().can(Permission::AuditView).then(|| {
        view! {
            <h2 class="govuk-heading-m">"Activity"</h2>
            <ul class="govuk-list">
                <li><a class="govuk-link" href=format!("/admin/audit?user_id={id}&action=record.viewed")>"Records this user viewed"</a></li>
                <li><a class="govuk-link" href=format!("/admin/audit?user_id={id}")>"Everything this user did"</a></li>
                <li><a class="govuk-link" href=format!("/admin/audit?target_user_id={id}")>"Changes to this account"</a></li>
            </ul>
        }
    })
}

fn permission_list(set: &PermissionSet) -> impl IntoView {
    if set.is_empty() {
        return view! { <span>"None"</span> }.into_any();
    }
    let items = set
        .iter()
        .map(|p| view! { <li>{p.label()}</li> })
        .collect_view();
    view! { <ul class="govuk-list">{items}</ul> }.into_any()
}

/// `/admin/users/:id/change`: name and permissions.
#[component]
pub fn EditUser() -> impl IntoView {
    view! { <NeedPermission any=NEED><EditUserPage /></NeedPermission> }
}

#[component]
fn EditUserPage() -> impl IntoView {
    let id = user_id();
    let user = load_user(id);
    let content = move || match user.get() {
        None => view! { <div class="s117-loading" aria-busy="true"></div> }.into_any(),
        Some(Err(error)) => not_found(&error),
        Some(Ok(user)) => view! { <EditUserForm user=user /> }.into_any(),
    };
    view! { {content} }
}

#[component]
fn EditUserForm(user: User) -> impl IntoView {
    const FIELDS: &[&str] = &["name", "role", "permissions"];
    let session = use_session();
    let navigate = use_navigate();
    let name = RwSignal::new(user.name.clone());
    let role = RwSignal::new(
        RolePreset::matching(&user.permissions)
            .map(preset_key)
            .unwrap_or_else(|| CUSTOM.to_owned()),
    );
    let checked = RwSignal::new(names(&user.permissions));
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let id = user.id;
    let back = format!("/admin/users/{id}");

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        let request = UpdateUserRequest {
            name: name.get_untracked().trim().to_owned(),
            permissions: checked.with_untracked(|c| set_from(c)),
        };
        let navigate = navigate.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome: Result<User, ApiError> = session
                .api()
                .put(&format!("/api/v1/admin/users/{id}"), &request)
                .await;
            busy.set(false);
            match outcome {
                Ok(user) => {
                    session.set_flash(format!("{}’s account has been updated", user.name));
                    navigate(&format!("/admin/users/{id}"), NavigateOptions::default());
                }
                Err(error) => errors.set_api_error(&error),
            }
        });
    };

    view! {
        <PageTitle text=format!("Change {}", user.name) has_errors=Signal::derive(move || errors.any()) />
        <BackLink href=back.clone() />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                <FormErrorSummary errors=errors />
                <span class="govuk-caption-l">{user.email.clone()}</span>
                <h1 class="govuk-heading-l">{format!("Change {}", user.name)}</h1>
                <form novalidate on:submit=on_submit>
                    <Field field="name" label="Full name" errors=errors value=name autocomplete="off" no_spellcheck=true />
                    <PermissionFields errors=errors role=role checked=checked />
                    <div class="govuk-button-group">
                        <Button disabled=busy>"Save changes"</Button>
                        <a class="govuk-link" href=back>"Cancel"</a>
                    </div>
                </form>
            </div>
        </div>
    }
}

/// `/admin/users/:id/:action`: "Are you sure…?" then the action, and back to the account
/// with a success banner.
#[component]
pub fn UserAction() -> impl IntoView {
    view! { <NeedPermission any=NEED><UserActionPage /></NeedPermission> }
}

#[component]
fn UserActionPage() -> impl IntoView {
    let params = use_params_map();
    let id = user_id();
    let user = load_user(id);
    let action =
        Memo::new(move |_| params.with(|p| p.get("action").and_then(|a| Action::from_slug(&a))));
    let content = move || match (action.get(), user.get()) {
        (_, None) => view! { <div class="s117-loading" aria-busy="true"></div> }.into_any(),
        (None, Some(_)) => view! { <crate::pages::NotFound /> }.into_any(),
        (Some(_), Some(Err(error))) => not_found(&error),
        (Some(action), Some(Ok(user))) => {
            view! { <ConfirmUserAction action=action user=user /> }.into_any()
        }
    };
    view! { {content} }
}

#[component]
fn ConfirmUserAction(action: Action, user: User) -> impl IntoView {
    const FIELDS: &[&str] = &[];
    let session = use_session();
    let navigate = use_navigate();
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let back = format!("/admin/users/{}", user.id);
    let question = action.question(&user.name);
    let on_yes = {
        let user = user.clone();
        move || {
            if busy.get_untracked() {
                return;
            }
            busy.set(true);
            errors.clear();
            let path = format!("/api/v1/admin/users/{}/{}", user.id, action.slug());
            let navigate = navigate.clone();
            let user = user.clone();
            leptos::task::spawn_local(async move {
                let outcome: Result<serde_json::Value, ApiError> =
                    session.api().post(&path, &()).await;
                busy.set(false);
                match outcome {
                    Ok(_) => {
                        session.set_flash(action.done(&user));
                        navigate(
                            &format!("/admin/users/{}", user.id),
                            NavigateOptions::default(),
                        );
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
                <span class="govuk-caption-l">{format!("{} ({})", user.name, user.email)}</span>
                <h1 class="govuk-heading-l">{question}</h1>
                <p class="govuk-body">{action.explanation(&user.email)}</p>
                <ConfirmButtons yes=action.yes() back=back warning=action.warning() busy=busy on_yes=on_yes />
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_role_shown_is_the_matching_preset_or_custom() {
        assert_eq!(
            permissions_summary(&RolePreset::Caseworker.permissions()),
            "Caseworker"
        );
        assert_eq!(permissions_summary(&PermissionSet::new()), "No permissions");
        let mut set = PermissionSet::new();
        set.insert(Permission::AuditView);
        assert_eq!(permissions_summary(&set), "Custom (1 permission)");
        set.insert(Permission::ReportsView);
        assert_eq!(permissions_summary(&set), "Custom (2 permissions)");
    }

    #[test]
    fn presets_round_trip_through_their_keys() {
        for preset in RolePreset::ALL {
            assert_eq!(preset_from_key(&preset_key(preset)), Some(preset));
        }
        assert_eq!(preset_from_key(CUSTOM), None);
    }

    #[test]
    fn every_action_has_its_own_path() {
        for action in Action::ALL {
            assert_eq!(Action::from_slug(action.slug()), Some(action));
        }
    }
}
