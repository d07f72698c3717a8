//! GOV.UK Frontend's footer (`govuk-footer`), unbranded: no crown, no Open Government
//! Licence text, no Crown copyright (none of them apply to a council/NHS service).

use leptos::prelude::*;

/// One link in the footer's meta list.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct FooterLink {
    pub text: &'static str,
    pub href: &'static str,
    /// A page the server renders itself (e.g. the API docs), not one of the SPA's routes.
    /// `rel="external"` tells the router to let the browser load it.
    pub external: bool,
}

#[component]
pub fn Footer(
    /// The support links, in display order.
    links: Vec<FooterLink>,
) -> impl IntoView {
    let items = links
        .into_iter()
        .map(
            |FooterLink {
                 text,
                 href,
                 external,
             }| {
                view! {
                    <li class="govuk-footer__inline-list-item">
                        <a class="govuk-footer__link" href=href rel=external.then_some("external")>
                            {text}
                        </a>
                    </li>
                }
            },
        )
        .collect_view();
    view! {
        <div class="govuk-footer">
            <div class="govuk-width-container">
                <div class="govuk-footer__meta">
                    <div class="govuk-footer__meta-item govuk-footer__meta-item--grow">
                        <h2 class="govuk-visually-hidden">"Support links"</h2>
                        <ul class="govuk-footer__inline-list">{items}</ul>
                    </div>
                </div>
            </div>
        </div>
    }
}
