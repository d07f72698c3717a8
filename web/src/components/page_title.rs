//! The document `<title>` of a page: "<Page> – S117 Register", prefixed "Error: " while the
//! page's form shows errors (GOV.UK: the title is the first thing a screen reader announces).

use leptos::prelude::*;
use leptos_meta::Title;

use crate::SERVICE_NAME;

/// The full title for a page, shared with the tests.
pub fn page_title(page: &str, has_errors: bool) -> String {
    let prefix = if has_errors { "Error: " } else { "" };
    format!("{prefix}{page} – {SERVICE_NAME}")
}

#[component]
pub fn PageTitle(
    /// The page's name, usually its `<h1>`.
    #[prop(into)]
    text: Signal<String>,
    /// True while the page shows an error summary.
    #[prop(into, optional)]
    has_errors: Signal<bool>,
) -> impl IntoView {
    view! { <Title text=move || page_title(&text.get(), has_errors.get()) /> }
}

#[cfg(test)]
mod tests {
    use super::page_title;

    #[test]
    fn titles_name_the_page_then_the_service() {
        assert_eq!(page_title("Home", false), "Home – S117 Register");
    }

    #[test]
    fn a_page_with_errors_says_so_first() {
        assert_eq!(
            page_title("Submit New Record", true),
            "Error: Submit New Record – S117 Register"
        );
    }
}
