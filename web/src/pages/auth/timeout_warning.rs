//! The idle-timeout warning (HMRC's pattern): two minutes before the session ends for
//! inactivity, a modal dialog says so and offers "Stay signed in" (one authenticated call,
//! which refreshes the session on the server; whatever the user typed stays on the page) or
//! "Sign out". Escape means stay.
//!
//! A native `<dialog>` opened with `showModal()`: the browser keeps focus inside it and makes
//! the page behind it inert, which a `<div role="dialog">` would have to imitate.

use leptos::prelude::*;
use web_sys::HtmlElement;

use crate::components::focus::focus_temporarily;
use crate::session::use_session;

/// "2 minutes", "1 minute 5 seconds", "40 seconds".
pub fn countdown(seconds: i64) -> String {
    let seconds = seconds.max(0);
    let (m, s) = (seconds / 60, seconds % 60);
    let unit = |n: i64, word: &str| {
        if n == 1 {
            format!("1 {word}")
        } else {
            format!("{n} {word}s")
        }
    };
    match (m, s) {
        (0, s) => unit(s, "second"),
        (m, 0) => unit(m, "minute"),
        (m, s) => format!("{} {}", unit(m, "minute"), unit(s, "second")),
    }
}

#[component]
pub fn TimeoutWarning() -> impl IntoView {
    let session = use_session();
    let dialog = NodeRef::<leptos::html::Dialog>::new();
    let heading = NodeRef::<leptos::html::H2>::new();

    Effect::new(move |_| {
        let open = session.warning_open();
        let Some(dialog) = dialog.get() else { return };
        if open && !dialog.open() {
            let _ = dialog.show_modal();
            // Start reading at the heading, as HMRC's dialog does.
            if let Some(heading) = heading.get_untracked() {
                let heading: &HtmlElement = &heading;
                focus_temporarily(heading, None);
            }
        } else if !open && dialog.open() {
            dialog.close();
        }
    });

    let stay = move || session.stay_signed_in();
    view! {
        <dialog
            class="s117-timeout-dialog"
            role="dialog"
            aria-modal="true"
            aria-labelledby="s117-timeout-heading"
            aria-describedby="s117-timeout-text"
            node_ref=dialog
            on:cancel=move |ev: leptos::ev::Event| {
                // Escape: stay signed in (and keep the dialog ours to close).
                ev.prevent_default();
                stay();
            }
        >
            <h2 class="govuk-heading-m" id="s117-timeout-heading" node_ref=heading>
                "You will be signed out soon"
            </h2>
            <p class="govuk-body" id="s117-timeout-text">
                "For your security, we will sign you out in "
                <strong>{move || countdown(session.seconds_left())}</strong>
                " if you do nothing. Anything you have typed will stay on the page."
            </p>
            <div class="govuk-button-group">
                <button type="button" class="govuk-button" data-module="govuk-button" on:click=move |_| stay()>
                    "Stay signed in"
                </button>
                <button
                    type="button"
                    class="govuk-button govuk-button--secondary"
                    data-module="govuk-button"
                    on:click=move |_| session.sign_out()
                >
                    "Sign out"
                </button>
            </div>
        </dialog>
    }
}

#[cfg(test)]
mod tests {
    use super::countdown;

    #[test]
    fn the_countdown_reads_naturally() {
        assert_eq!(countdown(120), "2 minutes");
        assert_eq!(countdown(65), "1 minute 5 seconds");
        assert_eq!(countdown(1), "1 second");
        assert_eq!(countdown(-3), "0 seconds");
    }
}
