//! `/sign-in`: email address and password (step 1 of 2). A security code is then emailed
//! and the user goes on to `/sign-in/code`.

use leptos::ev::SubmitEvent;
use leptos::prelude::*;
use leptos_router::hooks::{use_navigate, use_query_map};
use leptos_router::NavigateOptions;
use s117_shared::auth::{LoginChallenge, LoginRequest};
use s117_shared::email::EmailAddress;
use s117_shared::validation::FieldErrors;

use super::{detail, too_many_message};
use crate::api::ApiError;
use crate::components::{Button, NotificationBanner, PageTitle};
use crate::pages::form::{Field, FormErrorSummary, FormErrors};
use crate::session::{safe_next, use_session};

const FIELDS: &[&str] = &["email", "password"];

/// Why the user is here, from the query string (after a sign-out or an expiry).
fn notice(expired: bool, ended: bool, signed_out: bool) -> Option<&'static str> {
    if expired {
        Some("You have been signed out because you were inactive")
    } else if ended {
        Some("You have been signed out")
    } else if signed_out {
        Some("You have signed out")
    } else {
        None
    }
}

#[component]
pub fn SignIn() -> impl IntoView {
    let session = use_session();
    let query = use_query_map();
    let navigate = use_navigate();
    let email = RwSignal::new(String::new());
    let password = RwSignal::new(String::new());
    let errors = FormErrors::new(FIELDS);
    let wrong_credentials = RwSignal::new(false);
    let busy = RwSignal::new(false);

    let next = move || query.with_untracked(|q| q.get("next"));
    // Signed in already (a bookmark of the sign-in page): carry on.
    {
        let navigate = navigate.clone();
        Effect::new(move |_| {
            if session.is_ready() {
                navigate(&safe_next(next().as_deref()), NavigateOptions::default());
            }
        });
    }

    let notice = move || {
        query.with(|q| {
            notice(
                q.get("expired").is_some(),
                q.get("ended").is_some(),
                q.get("signed_out").is_some(),
            )
        })
    };

    let on_submit = move |ev: SubmitEvent| {
        ev.prevent_default();
        if busy.get_untracked() {
            return;
        }
        wrong_credentials.set(false);
        let mut found = FieldErrors::new();
        if let Err(message) = EmailAddress::parse(&email.get_untracked()) {
            found.add("email", message);
        }
        if password.with_untracked(String::is_empty) {
            found.add("password", "Enter your password");
        }
        if errors.set_fields(found) {
            return;
        }
        let request = LoginRequest {
            email: email.get_untracked().trim().to_owned(),
            password: password.get_untracked(),
        };
        let navigate = navigate.clone();
        busy.set(true);
        leptos::task::spawn_local(async move {
            let outcome: Result<LoginChallenge, ApiError> =
                session.api().post("/api/v1/auth/login", &request).await;
            busy.set(false);
            match outcome {
                Ok(challenge) => {
                    session.set_challenge(challenge);
                    let target = match next() {
                        Some(next) => format!(
                            "/sign-in/code?next={}",
                            String::from(js_sys::encode_uri_component(&next))
                        ),
                        None => "/sign-in/code".to_owned(),
                    };
                    navigate(&target, NavigateOptions::default());
                }
                Err(error) => {
                    password.set(String::new());
                    match error.status() {
                        Some(401) => {
                            wrong_credentials.set(true);
                            errors.set_field(
                                "email",
                                detail(&error).unwrap_or_else(|| {
                                    "Enter a correct email address and password".to_owned()
                                }),
                            );
                        }
                        Some(429) => errors.set_general(too_many_message(&error)),
                        _ => errors.set_api_error(&error),
                    }
                }
            }
        });
    };

    view! {
        <PageTitle text="Sign in" has_errors=Signal::derive(move || errors.any()) />
        <div class="govuk-grid-row">
            <div class="govuk-grid-column-two-thirds">
                {move || {
                    notice()
                        .map(|text| view! { <NotificationBanner heading=text /> })
                }}
                <FormErrorSummary errors=errors />
                <h1 class="govuk-heading-l">"Sign in"</h1>
                {move || {
                    wrong_credentials
                        .get()
                        .then(|| {
                            view! {
                                <div class="govuk-inset-text">
                                    "If you enter your password incorrectly 5 times your account will be \
                                     locked and you will receive an email telling you. Should this happen, \
                                     contact your helpdesk to unlock your account."
                                </div>
                            }
                        })
                }}
                <p class="govuk-body">
                    "Your username is the email address your account was created with."
                </p>
                <form novalidate on:submit=on_submit>
                    <Field
                        field="email"
                        label="Email address"
                        errors=errors
                        value=email
                        input_type="email"
                        autocomplete="username"
                        no_spellcheck=true
                    />
                    <Field
                        field="password"
                        label="Password"
                        errors=errors
                        value=password
                        input_type="password"
                        autocomplete="current-password"
                    />
                    <Button disabled=busy>"Sign in"</Button>
                </form>
            </div>
        </div>
    }
}

#[cfg(test)]
mod tests {
    use super::notice;

    #[test]
    fn the_reason_for_signing_in_again_is_given() {
        assert_eq!(
            notice(true, false, false),
            Some("You have been signed out because you were inactive")
        );
        assert_eq!(notice(false, true, false), Some("You have been signed out"));
        assert_eq!(notice(false, false, true), Some("You have signed out"));
        assert_eq!(notice(false, false, false), None);
    }
}
