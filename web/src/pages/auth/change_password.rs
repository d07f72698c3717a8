//! `/account/password` ("Update password" in the fact sheet): reached from "User logged in:
//! <name>" in the menu, and forced at first sign-in and after a reset (nothing else is
//! reachable until it is done).
//!
//! The rules are the shared crate's (`PasswordRule::CHECKLIST`), shown as a checklist that
//! ticks itself as the user types; the full check (`validate_new_password`) runs here before
//! the request, so the same words appear before and after a round trip.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use s117_shared::auth::ChangePasswordRequest;
use s117_shared::password::{email_context_words, validate_new_password, PasswordRule};

use crate::api::ApiError;
use crate::components::{BannerKind, Button, NotificationBanner, PageTitle};
use crate::pages::form::{Field, FormErrorSummary, FormErrors};
use crate::session::{safe_next, sign_in_path, use_session, CHANGE_PASSWORD_PATH};

const FIELDS: &[&str] = &["current_password", "new_password", "confirm_password"];
const CHECKLIST_ID: &str = "password-rules";
pub const UPDATED: &str = "Successfully updated password. Use this when logging in next.";

/// "3 of 5 requirements met", for screen readers as the user types.
fn progress(password: &str) -> String {
    let met = PasswordRule::CHECKLIST
        .iter()
        .filter(|rule| rule.is_met(password))
        .count();
    format!(
        "{met} of {} password requirements met",
        PasswordRule::CHECKLIST.len()
    )
}

#[component]
pub fn ChangePassword() -> impl IntoView {
    let session = use_session();
    let navigate = use_navigate();
    let query = use_query_map();
    let current = RwSignal::new(String::new());
    let new = RwSignal::new(String::new());
    let confirm = RwSignal::new(String::new());
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let updated = RwSignal::new(false);

    // Only for the signed in (a forced change counts).
    {
        let navigate = navigate.clone();
        let mark = session.end_mark();
        Effect::new(move |_| {
            if !session.is_loading()
                && session.token.with(Option::is_none)
                && !session.ended_since(mark)
            {
                navigate(
                    &sign_in_path(CHANGE_PASSWORD_PATH),
                    NavigateOptions::default(),
                );
            }
        });
    }
    let forced = move || {
        session
            .me
            .with(|me| me.as_ref().is_some_and(|me| me.must_change_password))
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        updated.set(false);
        let email = session
            .me
            .with_untracked(|me| me.as_ref().map(|me| me.email.clone()))
            .unwrap_or_default();
        let words = email_context_words(&email);
        let words: Vec<&str> = words.iter().map(String::as_str).collect();
        let found = validate_new_password(
            &current.get_untracked(),
            &new.get_untracked(),
            Some(&confirm.get_untracked()),
            &words,
        );
        if errors.set_fields(found) {
            return;
        }
        let request = ChangePasswordRequest {
            current_password: current.get_untracked(),
            new_password: new.get_untracked(),
        };
        let was_forced = forced();
        let navigate = navigate.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome: Result<(), ApiError> =
                session.api().put("/api/v1/me/password", &request).await;
            let outcome = match outcome {
                Ok(()) => session.refresh().await.map(drop),
                Err(error) => Err(error),
            };
            busy.set(false);
            match outcome {
                Ok(()) => {
                    current.set(String::new());
                    new.set(String::new());
                    confirm.set(String::new());
                    if was_forced {
                        session.set_flash(UPDATED);
                        let next = query.with_untracked(|q| q.get("next"));
                        navigate(&safe_next(next.as_deref()), NavigateOptions::default());
                    } else {
                        updated.set(true);
                    }
                }
                Err(error) => errors.set_api_error(&error),
            }
        });
    };

    let checklist = move || {
        let typed = new.get();
        PasswordRule::CHECKLIST
            .into_iter()
            .map(|rule| {
                let met = rule.is_met(&typed);
                let (class, mark, state) = if met {
                    (
                        "s117-checklist__item s117-checklist__item--met",
                        "✓",
                        "Done: ",
                    )
                } else {
                    ("s117-checklist__item", "✗", "Not yet: ")
                };
                view! {
                    <li class=class>
                        <span class="s117-checklist__mark" aria-hidden="true">{mark}</span>
                        <span class="govuk-visually-hidden">{state}</span>
                        {rule.hint()}
                    </li>
                }
            })
            .collect_view()
    };

    view! {
        <PageTitle text="Update password" has_errors=Signal::derive(move || errors.any()) />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                {move || {
                    updated
                        .get()
                        .then(|| view! { <NotificationBanner kind=BannerKind::Success heading=UPDATED /> })
                }}
                <FormErrorSummary errors=errors />
                <h1 class="govuk-heading-l">"Update password"</h1>
                {move || {
                    forced()
                        .then(|| {
                            view! {
                                <div class="govuk-inset-text">
                                    "You must choose a new password before you can use the register. \
                                     Your current password is the one-time password we emailed you."
                                </div>
                            }
                        })
                }}
                <form novalidate on:submit=on_submit>
                    <Field
                        field="current_password"
                        label="Current password"
                        errors=errors
                        value=current
                        input_type="password"
                        autocomplete="current-password"
                    />
                    <div class="govuk-form-group">
                        <p class="govuk-body govuk-!-margin-bottom-1" id="password-rules-heading">
                            "Your new password must have:"
                        </p>
                        <ul class="govuk-list s117-checklist" id=CHECKLIST_ID aria-labelledby="password-rules-heading">
                            {checklist}
                        </ul>
                        <p class="govuk-visually-hidden" role="status" aria-live="polite">
                            {move || {
                                let typed = new.get();
                                (!typed.is_empty()).then(|| progress(&typed))
                            }}
                        </p>
                    </div>
                    <Field
                        field="new_password"
                        label="New password"
                        errors=errors
                        value=new
                        input_type="password"
                        autocomplete="new-password"
                        extra_describedby=CHECKLIST_ID
                    />
                    <Field
                        field="confirm_password"
                        label="Confirm new password"
                        errors=errors
                        value=confirm
                        input_type="password"
                        autocomplete="new-password"
                    />
                    <Button disabled=busy>"Update password"</Button>
                </form>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::progress;

    #[test]
    fn progress_counts_the_rules_met() {
        assert_eq!(progress(""), "0 of 5 password requirements met");
        assert_eq!(progress("Harbour#2025"), "5 of 5 password requirements met");
        assert_eq!(progress("harbour"), "1 of 5 password requirements met");
    }
}
