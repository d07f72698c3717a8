//! `/sign-in/code`: the emailed security code (step 2 of 2, "Two Factor Authentication").
//!
//! The started sign-in (its challenge id) lives in the session, in memory and in
//! `sessionStorage` until verified. "Not received a code?" offers a new code or starting
//! again.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use s117_shared::auth::{LoginChallenge, ResendRequest, TokenResponse, VerifyRequest, PIN_LENGTH};

use super::{detail, too_many_message};
use crate::api::ApiError;
use crate::components::{BannerKind, Button, NotificationBanner, PageTitle};
use crate::pages::form::{Field, FormErrorSummary, FormErrors};
use crate::session::{safe_next, use_session, CHANGE_PASSWORD_PATH};

const FIELDS: &[&str] = &["pin"];

/// The code without the spaces people type or paste ("123 456").
fn without_spaces(code: &str) -> String {
    code.chars().filter(|c| !c.is_whitespace()).collect()
}

/// What is wrong with a typed code before asking the server, if anything.
fn check_code(code: &str) -> Option<String> {
    let code = without_spaces(code);
    if code.is_empty() {
        Some("Enter the security code".to_owned())
    } else if code.chars().count() != PIN_LENGTH || !code.chars().all(|c| c.is_ascii_digit()) {
        Some(format!("The security code must be {PIN_LENGTH} numbers"))
    } else {
        None
    }
}

fn minutes(n: u32) -> String {
    if n == 1 {
        "1 minute".to_owned()
    } else {
        format!("{n} minutes")
    }
}

#[component]
pub fn SecurityCode() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let code = RwSignal::new(String::new());
    let errors = FormErrors::new(FIELDS);
    let busy = RwSignal::new(false);
    let resent = RwSignal::new(false);
    let challenge = RwSignal::new(session.current_challenge());

    // No sign-in under way (a bookmark, or it was verified): start at the beginning.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if challenge.with(Option::is_none) {
                navigate(
                    "/sign-in",
                    NavigateOptions {
                        replace: true,
                        ..Default::default()
                    },
                );
            }
        });
    }
    let next = move || query.with_untracked(|q| q.get("next"));
    let ttl = move || challenge.with(|c| c.as_ref().map(|c| c.pin_ttl_minutes).unwrap_or(10));

    let on_submit = {
        let navigate = navigate.clone();
        move |ev: SubmitEvent| {
            ev.prevent_default();
            if busy.get_untracked() {
                return;
            }
            resent.set(false);
            if let Some(message) = check_code(&code.get_untracked()) {
                errors.set_field("pin", message);
                return;
            }
            errors.clear();
            let Some(current) = challenge.get_untracked() else {
                return;
            };
            let request = VerifyRequest {
                challenge_id: current.challenge_id,
                pin: without_spaces(&code.get_untracked()),
            };
            let navigate = navigate.clone();
            busy.set(true);
            leptos::task::spawn_local(async move {
                let verified: Result<TokenResponse, ApiError> = crate::api::Api::anonymous()
                    .post("/api/v1/auth/verify", &request)
                    .await;
                let outcome = match verified {
                    Ok(token) => session.start(token.access_token).await,
                    Err(error) => Err(error),
                };
                busy.set(false);
                match outcome {
                    Ok(me) if me.must_change_password => {
                        let target = match next() {
                            Some(next) => format!(
                                "{CHANGE_PASSWORD_PATH}?next={}",
                                String::from(js_sys::encode_uri_component(&next))
                            ),
                            None => CHANGE_PASSWORD_PATH.to_owned(),
                        };
                        navigate(&target, NavigateOptions::default());
                    }
                    Ok(_) => navigate(&safe_next(next().as_deref()), NavigateOptions::default()),
                    Err(error) => {
                        code.set(String::new());
                        match error.status() {
                            Some(401) => errors.set_field(
                                "pin",
                                detail(&error).unwrap_or_else(|| {
                                    "The security code is not right or has expired".to_owned()
                                }),
                            ),
                            Some(429) => errors.set_general(too_many_message(&error)),
                            _ => errors.set_api_error(&error),
                        }
                    }
                }
            });
        }
    };

    let send_new_code = move |_| {
        let Some(current) = challenge.get_untracked() else {
            return;
        };
        if busy.get_untracked() {
            return;
        }
        resent.set(false);
        busy.set(true);
        let request = ResendRequest {
            challenge_id: current.challenge_id,
        };
        leptos::task::spawn_local(async move {
            let outcome: Result<LoginChallenge, ApiError> = crate::api::Api::anonymous()
                .post("/api/v1/auth/resend", &request)
                .await;
            busy.set(false);
            match outcome {
                Ok(fresh) => {
                    errors.clear();
                    code.set(String::new());
                    session.set_challenge(fresh.clone());
                    challenge.set(Some(fresh));
                    resent.set(true);
                }
                Err(error) => match error.status() {
                    Some(401) => errors.set_general(
                        "Your sign-in has expired. Start again to get a new security code.",
                    ),
                    Some(429) => errors.set_general(
                        "Too many codes have been sent. Wait a few minutes, then start again.",
                    ),
                    _ => errors.set_api_error(&error),
                },
            }
        });
    };

    let start_again = move |_| session.forget_challenge();

    view! {
        <PageTitle text="Check your email" has_errors=Signal::derive(move || errors.any()) />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                {move || {
                    resent
                        .get()
                        .then(|| {
                            view! {
                                <NotificationBanner
                                    kind=BannerKind::Success
                                    heading="We have sent you a new security code"
                                >
                                    <p class="govuk-body">
                                        "Codes sent before it no longer work."
                                    </p>
                                </NotificationBanner>
                            }
                        })
                }}
                <FormErrorSummary errors=errors />
                <span class="govuk-caption-l">"Two Factor Authentication"</span>
                <h1 class="govuk-heading-l">"Check your email"</h1>
                <p class="govuk-body">
                    {move || {
                        format!(
                            "We have sent a {PIN_LENGTH}-digit security code to your email. The code lasts {}.",
                            minutes(ttl()),
                        )
                    }}
                </p>
                <p class="govuk-body">"A new code is sent each time you sign in."</p>
                <form novalidate on:submit=on_submit>
                    <Field
                        field="pin"
                        label="Security code"
                        hint="The code is 6 numbers, for example 123 456. You can type it with or without spaces."
                        errors=errors
                        value=code
                        autocomplete="one-time-code"
                        inputmode="numeric"
                        width="govuk-input--width-10"
                        no_spellcheck=true
                    />
                    <Button disabled=busy>"Verify"</Button>
                </form>
                <details class="govuk-details">
                    <summary class="govuk-details__summary">
                        <span class="govuk-details__summary-text">"Not received a code?"</span>
                    </summary>
                    <div class="govuk-details__text">
                        <p class="govuk-body">
                            "Emails can take a few minutes to arrive. Check your spam or junk folder."
                        </p>
                        <Button kind=crate::components::ButtonKind::Secondary button_type="button" on:click=send_new_code>
                            "Send a new code"
                        </Button>
                        <p class="govuk-body">
                            "If you still have no code, or typed the wrong email address, "
                            <a class="govuk-link" href="/sign-in" on:click=start_again>"start again"</a>
                            "."
                        </p>
                    </div>
                </details>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spaces_in_the_code_are_allowed() {
        assert_eq!(check_code("123 456"), None);
        assert_eq!(check_code(" 123456 "), None);
        assert_eq!(without_spaces("12 34 56"), "123456");
    }

    #[test]
    fn a_missing_or_malformed_code_is_refused_before_asking() {
        assert_eq!(check_code("  ").as_deref(), Some("Enter the security code"));
        assert_eq!(
            check_code("12345").as_deref(),
            Some("The security code must be 6 numbers")
        );
        assert_eq!(
            check_code("12345a").as_deref(),
            Some("The security code must be 6 numbers")
        );
    }

    #[test]
    fn how_long_the_code_lasts_reads_naturally() {
        assert_eq!(minutes(1), "1 minute");
        assert_eq!(minutes(10), "10 minutes");
    }
}
