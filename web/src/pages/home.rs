//! Home: what the register is, and a card for each area the user may use ("tabs and widgets
//! to different areas of the Register", fact sheet).

use leptos::prelude::*;

use crate::components::PageTitle;
use crate::nav;
use crate::pages::admin::FlashBanner;
use crate::session::use_session;

#[component]
pub fn Home() -> impl IntoView {
    // Only what the user's permissions allow; Home itself and Logout need no card.
    let session = use_session();
    let permissions = session.permissions();
    let cards = nav::visible(Some(&permissions))
        .filter(|entry| entry.path != "/" && entry.path != nav::SIGN_OUT_PATH)
        .map(|entry| {
            view! {
                <li class="s117-card">
                    <h2 class="govuk-heading-s">
                        <a class="govuk-link govuk-link--no-visited-state" href=entry.path>
                            {entry.label}
                        </a>
                    </h2>
                    <p class="govuk-body">{entry.summary}</p>
                </li>
            }
        })
        .collect_view();
    view! {
        <PageTitle text="Home" />
        <FlashBanner />
        <h1 class="govuk-heading-xl">"S117 Register"</h1>
        <p class="govuk-body-l">
            "The shared register of everyone entitled to section 117 aftercare, who is \
             responsible for them, and when entitlement started and ended."
        </p>
        <ul class="s117-cards">{cards}</ul>
    }
}
