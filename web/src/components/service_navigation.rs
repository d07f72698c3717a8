//! GOV.UK Frontend's service navigation (`govuk-service-navigation`).
//!
//! Marks the link to the current page with `aria-current="page"` (and a section's landing
//! link with `aria-current="true"` when the user is deeper inside it), and re-implements the
//! library's small-screen "Menu" toggle, which GOV.UK's own script would otherwise provide.

use leptos::prelude::*;
use wasm_bindgen::{closure::Closure, JsCast};

/// One link in the service navigation.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct NavLink {
    pub text: String,
    pub href: String,
}

/// How a navigation link relates to the page being shown.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Current {
    /// The link points at the page being shown.
    Page,
    /// The page being shown is inside the link's section (`/records` for `/records/42`).
    Section,
}

/// Where `href` stands relative to `path`. `/` is only ever current as the page itself,
/// otherwise Home would be "active" everywhere.
pub fn current(href: &str, path: &str) -> Option<Current> {
    let path = path.trim_end_matches('/');
    let href = href.trim_end_matches('/');
    if path == href {
        Some(Current::Page)
    } else if !href.is_empty() && path.starts_with(href) && path[href.len()..].starts_with('/') {
        Some(Current::Section)
    } else {
        None
    }
}

/// GOV.UK's tablet breakpoint (641px = 40.0625rem): below it the list collapses behind the
/// "Menu" button, as `govuk-frontend`'s ServiceNavigation script does.
const WIDE_QUERY: &str = "(min-width: 40.0625rem)";

#[component]
pub fn ServiceNavigation(
    /// The links, in display order.
    #[prop(into)]
    links: Signal<Vec<NavLink>>,
    /// The path of the page being shown (from the router).
    #[prop(into)]
    current_path: Signal<String>,
) -> impl IntoView {
    let wide = RwSignal::new(true);
    let open = RwSignal::new(false);
    watch_media_query(WIDE_QUERY, wide);
    // A page change in a SPA does not reload the page: close the menu as a reload would.
    Effect::new(move |_| {
        current_path.track();
        open.set(false);
    });

    let items = move || {
        let path = current_path.get();
        links
            .get()
            .into_iter()
            .map(|NavLink { text, href }| {
                let current = current(&href, &path);
                let class = if current.is_some() {
                    "govuk-service-navigation__item govuk-service-navigation__item--active"
                } else {
                    "govuk-service-navigation__item"
                };
                let aria_current = current.map(|current| match current {
                    Current::Page => "page",
                    Current::Section => "true",
                });
                // The <strong> keeps the active item distinguishable when CSS is off.
                let text = if current.is_some() {
                    view! { <strong class="govuk-service-navigation__active-fallback">{text}</strong> }
                        .into_any()
                } else {
                    text.into_any()
                };
                view! {
                    <li class=class>
                        <a class="govuk-service-navigation__link" href=href aria-current=aria_current>
                            {text}
                        </a>
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <div class="govuk-service-navigation" data-module="govuk-service-navigation">
            <div class="govuk-width-container">
                <div class="govuk-service-navigation__container">
                    <nav aria-label="Menu" class="govuk-service-navigation__wrapper">
                        <button
                            type="button"
                            class="govuk-service-navigation__toggle govuk-js-service-navigation-toggle"
                            aria-controls="navigation"
                            hidden=move || wide.get()
                            aria-hidden=move || wide.get().then_some("true")
                            aria-expanded=move || (!wide.get()).then(|| open.get().to_string())
                            on:click=move |_| open.update(|open| *open = !*open)
                        >
                            "Menu"
                        </button>
                        <ul
                            class="govuk-service-navigation__list"
                            id="navigation"
                            hidden=move || !wide.get() && !open.get()
                        >
                            {items}
                        </ul>
                    </nav>
                </div>
            </div>
        </div>
    }
}

/// Keeps `matches` equal to whether `query` matches the viewport.
fn watch_media_query(query: &str, matches: RwSignal<bool>) {
    let Ok(Some(list)) = window().match_media(query) else {
        return; // No matchMedia: stay in the wide layout (the list always visible).
    };
    matches.set(list.matches());
    let on_change = {
        let list = list.clone();
        Closure::<dyn Fn()>::new(move || matches.set(list.matches()))
    };
    let _ = list.add_event_listener_with_callback("change", on_change.as_ref().unchecked_ref());
    // The navigation lives as long as the app; leaking one listener is the simplest
    // correct lifetime (a Closure is not Send, so it cannot move into on_cleanup).
    on_change.forget();
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn home_is_current_only_on_the_home_page() {
        assert_eq!(current("/", "/"), Some(Current::Page));
        assert_eq!(current("/", "/help"), None);
    }

    #[test]
    fn a_section_link_is_current_below_it_but_not_beside_it() {
        assert_eq!(current("/records", "/records"), Some(Current::Page));
        assert_eq!(current("/records", "/records/"), Some(Current::Page));
        assert_eq!(current("/records", "/records/42"), Some(Current::Section));
        assert_eq!(current("/records", "/records-archive"), None);
    }
}
