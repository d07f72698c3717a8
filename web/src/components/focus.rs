//! Moving keyboard focus the way GOV.UK Frontend's JavaScript does.
//!
//! GOV.UK Frontend scans the page once at load, which a single-page app outlives, so we do
//! not run it; the few behaviours that matter for keyboard and screen-reader users (skip
//! link, error summary, success banner) are re-implemented here, in one place.

use wasm_bindgen::{closure::Closure, JsCast};
use web_sys::{AddEventListenerOptions, HtmlElement};

/// Focuses `element` even if it is not normally focusable (a `<main>`, a `<div>`), the way
/// GOV.UK's `setFocus` helper does: add `tabindex="-1"` (and optionally a class) only for as
/// long as the element keeps focus, so a mouse click inside it later does not outline it.
pub fn focus_temporarily(element: &HtmlElement, class_while_focused: Option<&'static str>) {
    // Natively focusable elements (inputs, links, buttons) report tabIndex 0: leave them be.
    if element.tab_index() < 0 && !element.has_attribute("tabindex") {
        let _ = element.set_attribute("tabindex", "-1");
        let on_blur_element = element.clone();
        let on_blur = Closure::once_into_js(move || {
            let _ = on_blur_element.remove_attribute("tabindex");
            if let Some(class) = class_while_focused {
                let _ = on_blur_element.class_list().remove_1(class);
            }
        });
        let options = AddEventListenerOptions::new();
        options.set_once(true);
        let _ = element.add_event_listener_with_callback_and_add_event_listener_options(
            "blur",
            on_blur.unchecked_ref(),
            &options,
        );
    }
    if let Some(class) = class_while_focused {
        let _ = element.class_list().add_1(class);
    }
    let _ = element.focus();
}

/// Focuses the element with `id`; returns false if there is none. Used for in-page links
/// (`#main-content`, `#date-of-birth-day`) that the router would otherwise treat as
/// navigation.
///
/// Like GOV.UK's error summary, it first scrolls the field's question into view (the
/// fieldset's legend, else the field's label) so the user sees what the field is for, not
/// just the box.
pub fn focus_by_id(id: &str, class_while_focused: Option<&'static str>) -> bool {
    let document = leptos::prelude::document();
    let Some(element) = document
        .get_element_by_id(id)
        .and_then(|element| element.dyn_into::<HtmlElement>().ok())
    else {
        return false;
    };
    let legend = element
        .closest("fieldset")
        .ok()
        .flatten()
        .and_then(|fieldset| fieldset.query_selector("legend").ok().flatten());
    let label = || {
        document
            .query_selector(&format!("label[for='{id}']"))
            .ok()
            .flatten()
    };
    match legend.or_else(label) {
        Some(question) => question.scroll_into_view(),
        None => element.scroll_into_view(),
    }
    focus_temporarily(&element, class_while_focused);
    true
}
