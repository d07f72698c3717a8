//! Help and Support: the fact sheet's page, with the first-line support contact and the
//! helpdesk's email address as the operator set them (`GET /api/v1/support`), and a short
//! guide to each task written for caseworkers. Public: people who cannot sign in need it most.

use leptos::prelude::*;
use s117_shared::system::SupportContact;

use crate::api::Api;
use crate::components::PageTitle;

/// One task's guide: a heading and its steps, in the words of the fact sheet.
struct Guide {
    id: &'static str,
    title: &'static str,
    steps: &'static [&'static str],
    note: Option<&'static str>,
}

const GUIDES: &[Guide] = &[
    Guide {
        id: "sign-in",
        title: "Signing in",
        steps: &[
            "Your user name is your work email address. Your first password is emailed to you when your account is created.",
            "Enter your email address and password, then select Continue.",
            "We email you a 6-digit security code each time you sign in. Enter it to finish signing in.",
            "The first time you sign in you must choose a new password: at least 8 characters, with a number, a capital letter, a small letter and one of # ? ! @ $ % ^ & * -.",
            "To change your password later, select your name (User logged in) in the menu.",
        ],
        note: Some("After 5 wrong passwords your account is locked and you get an email. Contact the helpdesk to unlock it. If you do nothing for a while you are signed out, to keep the register safe."),
    },
    Guide {
        id: "submit",
        title: "Submitting a new record",
        steps: &[
            "Select Submit New Record.",
            "Complete the form. Questions marked as optional can be left blank; all others are needed.",
            "If the value you need is not in a drop-down list, choose the closest one and tell the helpdesk.",
            "Select Submit record.",
        ],
        note: Some("If the person is already on the register you will see a message with a link to their record: open it and update it instead."),
    },
    Guide {
        id: "search",
        title: "Finding and updating a record",
        steps: &[
            "Select Manage Records.",
            "Search by NHS number, system ID, name, date of birth or postcode.",
            "Select View beside the person to see their record.",
            "If your permissions allow, select Change, make your changes and select Update record.",
        ],
        note: None,
    },
    Guide {
        id: "end",
        title: "Ending an entitlement",
        steps: &[
            "Find the record in Manage Records and open it.",
            "Select End S117 entitlement.",
            "Enter the end date, the reason, and who agreed it for the local authority and for the NHS.",
            "Check the details and confirm. The record stays on the register as ended and can still be found.",
        ],
        note: None,
    },
    Guide {
        id: "upload",
        title: "Uploading many records (CSV file)",
        steps: &[
            "You need the upload permission: ask the helpdesk if you or your manager think you need it.",
            "Download the CSV template and add your data to it. Save a copy on your computer.",
            "Choose the file and upload it. The register checks it first and shows new records, updated records, entitlements ended and errors, without changing anything.",
            "Correct any errors and upload the file again. When you are happy with the results, select Process CSV Data.",
        ],
        note: None,
    },
    Guide {
        id: "report",
        title: "Reports",
        steps: &[
            "Select Reporting to see the dashboard: active records by age, gender, local authority, commissioner and in or out of county.",
            "Use the filters to narrow the figures.",
            "Download a report as a file to open in a spreadsheet.",
        ],
        note: Some("Reports hold personal information: keep downloaded files secure and delete them when you no longer need them."),
    },
];

#[component]
pub fn HelpAndSupport() -> impl IntoView {
    let contact = LocalResource::new(|| async {
        Api::anonymous()
            .get::<SupportContact>("/api/v1/support")
            .await
    });
    let support = move || match contact.get() {
        None => view! { <p class="govuk-body" aria-busy="true">"Loading contact details…"</p> }
            .into_any(),
        // The fact sheet's own words, should the contact details not load.
        Some(Err(_)) => view! {
            <p class="govuk-body">
                "For help and support please speak to your local first line support team."
            </p>
        }
        .into_any(),
        Some(Ok(c)) => {
            let mailto = format!("mailto:{}", c.helpdesk_email);
            view! {
                <p class="govuk-body" id="support-text">{c.support_text}</p>
                <p class="govuk-body">
                    "To unlock your account, for a new account, or for permission to upload records, \
                     email the helpdesk at "
                    <a class="govuk-link" id="helpdesk-email" href=mailto>{c.helpdesk_email}</a>
                    "."
                </p>
            }
            .into_any()
        }
    };
    let contents = GUIDES
        .iter()
        .map(|g| view! { <li><a class="govuk-link" href=format!("#{}", g.id)>{g.title}</a></li> })
        .collect_view();
    let guides = GUIDES
        .iter()
        .map(|g| {
            let steps = g
                .steps
                .iter()
                .map(|s| view! { <li>{*s}</li> })
                .collect_view();
            let note = g
                .note
                .map(|n| view! { <div class="govuk-inset-text">{n}</div> });
            view! {
                <h3 class="govuk-heading-s" id=g.id>{g.title}</h3>
                <ol class="govuk-list govuk-list--number">{steps}</ol>
                {note}
            }
        })
        .collect_view();
    view! {
        <PageTitle text="Help and Support" />
        <h1 class="govuk-heading-l">"Help and Support"</h1>
        {support}
        <h2 class="govuk-heading-m">"How to"</h2>
        <ul class="govuk-list">{contents}</ul>
        {guides}
        <h2 class="govuk-heading-m">"Connecting another system"</h2>
        <p class="govuk-body">
            "Systems that exchange records with the register use its API. Read the "
            // Served by the API itself, not a route of this app: rel="external" makes the
            // router leave the click to the browser.
            <a class="govuk-link" href="/api/docs" rel="external">"API documentation"</a>
            "."
        </p>
    }
}
