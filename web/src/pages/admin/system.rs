//! System status (permission `admin.users`): version, database and migration level, where
//! mail goes, a few counts, and a test email whose result shows the mail server's answer.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use s117_shared::email::EmailAddress;
use s117_shared::permissions::Permission;
use s117_shared::system::{SystemStatus, TestEmailRequest, TestEmailResult};

use super::NeedPermission;
use crate::api::ApiError;
use crate::components::{
    BackLink, BannerKind, Button, Cell, HeadCell, NotificationBanner, PageTitle, SummaryList,
    SummaryRow, Table,
};
use crate::pages::form::{Field, FormErrorSummary, FormErrors};
use crate::session::use_session;

const NEED: &[Permission] = &[Permission::AdminUsers];

/// `/admin/system`.
#[component]
pub fn SystemStatusPage() -> impl IntoView {
    view! { <NeedPermission any=NEED><StatusPage /></NeedPermission> }
}

#[component]
fn StatusPage() -> impl IntoView {
    const FIELDS: &[&str] = &["to"];
    let session = use_session();
    let status = LocalResource::new(move || {
        let api = session.api();
        async move { api.get::<SystemStatus>("/api/v1/admin/system").await }
    });
    let to = RwSignal::new(String::new());
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let result = RwSignal::new(None::<TestEmailResult>);

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        errors.clear();
        result.set(None);
        let address = to.get_untracked().trim().to_owned();
        if !address.is_empty() {
            if let Err(message) = EmailAddress::parse(&address) {
                errors.set_field("to", message);
                return;
            }
        }
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome: Result<TestEmailResult, ApiError> = session
                .api()
                .post(
                    "/api/v1/admin/system/test-email",
                    &TestEmailRequest { to: address },
                )
                .await;
            busy.set(false);
            match outcome {
                Ok(r) => result.set(Some(r)),
                Err(error) => errors.set_api_error(&error),
            }
        });
    };

    let details = move || match status.get() {
        None => view! { <p class="govuk-body" aria-busy="true">"Loading the system status…"</p> }
            .into_any(),
        Some(Err(error)) => view! {
            <p class="govuk-body">{format!("The system status could not be loaded: {error}.")}</p>
        }
        .into_any(),
        Some(Ok(s)) => {
            let database = match s.database.as_str() {
                "postgres" => "PostgreSQL",
                "sqlite" => "SQLite",
                other => other,
            }
            .to_owned();
            let migrations = if s.migration_level == s.latest_migration {
                format!("{} (up to date)", s.migration_level)
            } else {
                format!("{} of {}", s.migration_level, s.latest_migration)
            };
            let mail = if s.mail_mode == "smtp" {
                format!("SMTP: {}", s.mail_destination)
            } else {
                format!("Development: emails are not sent, they are written to the server's log and outbox ({})", s.mail_destination)
            };
            let c = &s.counts;
            let counts = [
                ("Active records", c.active_records),
                ("Ended records", c.ended_records),
                ("Active users", c.active_users),
                ("Locked users", c.locked_users),
                ("Disabled users", c.disabled_users),
                ("Active API clients", c.active_api_clients),
                ("Audit log entries", c.audit_entries),
                ("Emails waiting to be sent", c.mail_waiting),
            ]
            .into_iter()
            .map(|(k, v)| vec![Cell::text(k), Cell::numeric(v.to_string())])
            .collect();
            view! {
                <SummaryList rows=vec![
                    SummaryRow::text("Version", s.version.clone()),
                    SummaryRow::text("Database", database),
                    SummaryRow::text("Database migration", migrations),
                    SummaryRow::text("Mail", mail),
                ] />
                <Table
                    caption="Counts"
                    caption_class="govuk-table__caption--m"
                    head=vec![HeadCell::text("What"), HeadCell::numeric("Number")]
                    rows=counts
                />
            }
            .into_any()
        }
    };

    let outcome = move || {
        result.get().map(|r| {
            if r.sent {
                view! {
                    <NotificationBanner kind=BannerKind::Success heading=format!("Test email sent to {}", r.to)>
                        <p class="govuk-body">"The mail server answered: " <code class="s117-code" id="mail-answer">{r.answer}</code></p>
                    </NotificationBanner>
                }
                .into_any()
            } else {
                view! {
                    <NotificationBanner kind=BannerKind::Important heading=format!("The test email to {} was not sent", r.to)>
                        <p class="govuk-body">"Why: " <code class="s117-code" id="mail-answer">{r.answer}</code></p>
                    </NotificationBanner>
                }
                .into_any()
            }
        })
    };

    view! {
        <PageTitle text="System status" has_errors=Signal::derive(move || errors.any()) />
        <BackLink href="/admin" />
        <FormErrorSummary errors=errors />
        {outcome}
        <h1 class="govuk-heading-l">"System status"</h1>
        {details}
        <h2 class="govuk-heading-m">"Send a test email"</h2>
        <form novalidate on:submit=on_submit>
            <Field field="to" label="Email address" hint="Leave empty to send it to yourself"
                errors=errors value=to input_type="email" autocomplete="email" no_spellcheck=true />
            <Button disabled=busy>"Send test email"</Button>
        </form>
    }
}
