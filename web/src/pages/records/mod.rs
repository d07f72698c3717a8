//! The register's records (fact sheet: Submit New Record, Manage Records, Edit Record,
//! Ending the Record): one module per page, the record form they share, and the reference
//! lists behind its drop-downs.
//!
//! Every page asks the API through the signed-in session (`use_session().api()`), which
//! handles an expired session (401) itself; the pages handle everything else. The rules are
//! the shared ones (`s117_shared::record`), run here before anything is sent, so the user
//! sees the API's own words without a round trip.

mod delete;
mod edit;
mod end;
mod episode;
pub mod form;
mod import;
mod list;
mod new;
pub mod refs;
mod view;

use std::cell::RefCell;

use chrono::NaiveDate;
use leptos::prelude::*;
use s117_shared::permissions::Permission;

use crate::api::ApiError;
use crate::components::PageTitle;
use crate::pages::ServiceProblem;
use crate::session::use_session;

pub use delete::DeleteRecordPage;
pub use edit::EditRecordPage;
pub use end::EndEntitlementPage;
pub use episode::NewEpisodePage;
pub use import::ImportRecordsPage;
pub use list::ManageRecordsPage;
pub use new::SubmitRecordPage;
pub use view::ViewRecordPage;

/// Today in the browser's calendar (the rules take `today`; the API uses its own).
pub fn today() -> NaiveDate {
    let now = js_sys::Date::new_0();
    NaiveDate::from_ymd_opt(
        i32::try_from(now.get_full_year()).unwrap_or(1970),
        now.get_month() + 1,
        now.get_date(),
    )
    .unwrap_or_default()
}

thread_local! {
    /// The success message for the page the user is being sent to (one at most).
    static FLASH: RefCell<Option<(String, String)>> = const { RefCell::new(None) };
}

/// Leaves `message` for the page at `path` (shown once, in a success banner).
pub fn set_flash(path: &str, message: impl Into<String>) {
    FLASH.with(|flash| *flash.borrow_mut() = Some((path.to_owned(), message.into())));
}

/// The message left for `path`, if any; taken, so a later visit does not show it again.
pub fn take_flash(path: &str) -> Option<String> {
    FLASH.with(|flash| {
        let mut flash = flash.borrow_mut();
        match flash.as_ref() {
            Some((for_path, _)) if for_path == path => flash.take().map(|(_, message)| message),
            _ => {
                *flash = None;
                None
            }
        }
    })
}

/// The API path of record `id`.
pub fn record_api(id: i64) -> String {
    format!("/api/v1/records/{id}")
}

/// The record id in the route (`/records/:id`), if it is a number.
pub fn route_id() -> Memo<Option<i64>> {
    let params = leptos_router::hooks::use_params_map();
    Memo::new(move |_| params.with(|p| p.get("id").and_then(|id| id.parse().ok())))
}

/// What a page shows when it cannot show the record: not found, not allowed, or the service
/// is broken (a 401 never gets here: the session sends the user to sign in).
pub fn load_problem(error: &ApiError) -> AnyView {
    match error.status() {
        Some(404) => view! {
            <PageTitle text="Record not found" />
            <h1 class="govuk-heading-l">"Record not found"</h1>
            <p class="govuk-body">
                "There is no record with this ID. It may have been deleted."
            </p>
            <p class="govuk-body">
                <a class="govuk-link" href="/records">"Go to Manage Records"</a>
            </p>
        }
        .into_any(),
        Some(403) => no_permission().into_any(),
        _ => view! { <ServiceProblem /> }.into_any(),
    }
}

/// The page for someone without the permission a page needs.
pub fn no_permission() -> impl IntoView {
    view! {
        <PageTitle text="You cannot use this page" />
        <h1 class="govuk-heading-l">"You cannot use this page"</h1>
        <p class="govuk-body">
            "Your account does not allow this. If you need it, ask your manager to contact the \
             helpdesk."
        </p>
    }
}

/// Renders `page` when the user holds `permission`, else says they cannot.
pub fn when_allowed(
    permission: Permission,
    page: impl Fn() -> AnyView + Send + Sync + 'static,
) -> impl IntoView {
    let session = use_session();
    move || {
        if session.can(permission) {
            page()
        } else {
            no_permission().into_any()
        }
    }
}

/// "Alan Harbour".
pub fn full_name(first: &str, family: &str) -> String {
    format!("{first} {family}")
}

/// Puts focus on the first element matching `selector` once the page has drawn it (after a
/// step within one route, e.g. the confirmation of ending, where no navigation moves focus).
pub fn focus_selector(selector: &'static str) {
    request_animation_frame(move || {
        use wasm_bindgen::JsCast;
        if let Some(element) = document()
            .query_selector(selector)
            .ok()
            .flatten()
            .and_then(|e| e.dyn_into::<web_sys::HtmlElement>().ok())
        {
            crate::components::focus::focus_temporarily(&element, None);
        }
    });
}

/// The error summary of a refused duplicate (fact sheet, Duplicate Detection), in its
/// words, linking to the record already on the register. Takes focus when shown.
#[component]
pub fn DuplicateSummary(existing_id: i64) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    Effect::new(move |_| {
        if let Some(root) = root.get() {
            let root: &web_sys::HtmlElement = &root;
            crate::components::focus::focus_temporarily(root, None);
        }
    });
    view! {
        <div class="govuk-error-summary" data-module="govuk-error-summary" node_ref=root>
            <div role="alert">
                <h2 class="govuk-error-summary__title">"There is a problem"</h2>
                <div class="govuk-error-summary__body">
                    <ul class="govuk-list govuk-error-summary__list">
                        <li>
                            "Duplicate record already exists. To view this record "
                            <a href=format!("/records/{existing_id}")>"click here"</a>
                        </li>
                    </ul>
                </div>
            </div>
        </div>
    }
}

/// How a save went wrong, for the page to show.
pub enum SaveError {
    /// Field errors (the browser's, or a 422's), keyed as the API keys them.
    Fields(s117_shared::validation::FieldErrors),
    /// 409: the same person is already on the register.
    Duplicate(i64),
    /// 412: someone changed the record since it was loaded.
    Stale,
    /// Anything else, as one sentence for the error summary.
    Other(String),
}

impl SaveError {
    /// Sorts an API refusal into what the page shows.
    pub fn from_api(error: ApiError) -> SaveError {
        match error {
            ApiError::Problem(problem)
                if problem.status == 409 && problem.code() == "duplicate-record" =>
            {
                match problem
                    .extensions
                    .get("existing_id")
                    .and_then(serde_json::Value::as_i64)
                {
                    Some(id) => SaveError::Duplicate(id),
                    None => SaveError::Other(problem.detail.unwrap_or(problem.title)),
                }
            }
            ApiError::Problem(problem) if problem.status == 412 => SaveError::Stale,
            ApiError::Problem(problem) if !problem.errors.is_empty() => {
                SaveError::Fields(problem.errors.into_iter().collect())
            }
            ApiError::Problem(problem) if problem.status < 500 => {
                SaveError::Other(problem.detail.unwrap_or(problem.title))
            }
            _ => SaveError::Other(
                "Sorry, there is a problem with the service. Nothing was saved. Try again later."
                    .to_owned(),
            ),
        }
    }
}
