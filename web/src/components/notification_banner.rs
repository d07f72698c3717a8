//! GOV.UK Frontend's notification banner (`govuk-notification-banner`). One per page at most.
//!
//! The success variant reports the outcome of what the user just did ("Record updated"):
//! it is an alert and takes focus when shown, as GOV.UK's script makes it do.

use leptos::prelude::*;
use web_sys::HtmlElement;

use super::focus::focus_temporarily;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Default)]
pub enum BannerKind {
    /// Information the user needs to know ("Important").
    #[default]
    Important,
    /// The outcome of the user's last action ("Success").
    Success,
}

#[component]
pub fn NotificationBanner(
    #[prop(optional)] kind: BannerKind,
    /// The headline (`govuk-notification-banner__heading`).
    #[prop(into)]
    heading: String,
    /// More content under the heading (paragraphs, a link).
    #[prop(optional)]
    children: Option<Children>,
) -> impl IntoView {
    let root = NodeRef::<leptos::html::Div>::new();
    let (class, role, title) = match kind {
        BannerKind::Important => ("govuk-notification-banner", "region", "Important"),
        BannerKind::Success => (
            "govuk-notification-banner govuk-notification-banner--success",
            "alert",
            "Success",
        ),
    };
    if kind == BannerKind::Success {
        Effect::new(move |_| {
            if let Some(root) = root.get() {
                let root: &HtmlElement = &root;
                focus_temporarily(root, None);
            }
        });
    }
    view! {
        <div
            class=class
            role=role
            aria-labelledby="govuk-notification-banner-title"
            data-module="govuk-notification-banner"
            node_ref=root
        >
            <div class="govuk-notification-banner__header">
                <h2 class="govuk-notification-banner__title" id="govuk-notification-banner-title">
                    {title}
                </h2>
            </div>
            <div class="govuk-notification-banner__content">
                <p class="govuk-notification-banner__heading">{heading}</p>
                {children.map(|children| children())}
            </div>
        </div>
    }
}
