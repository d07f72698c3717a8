//! Signing in and out, the security code, the password change and the idle-timeout warning
//! (DESIGN.md §4). The session itself (token, user, idle clock) is `crate::session`.

mod change_password;
mod security_code;
mod sign_in;
mod sign_out;
mod timeout_warning;

pub use change_password::ChangePassword;
pub use security_code::SecurityCode;
pub use sign_in::SignIn;
pub use sign_out::SignOut;
pub use timeout_warning::TimeoutWarning;

use crate::api::ApiError;

/// "Too many attempts…" for a 429, in minutes from the API's `Retry-After`.
pub(crate) fn too_many_message(error: &ApiError) -> String {
    let seconds = match error {
        ApiError::Problem(problem) => problem
            .extensions
            .get(crate::api::RETRY_AFTER_EXTENSION)
            .and_then(serde_json::Value::as_u64),
        _ => None,
    };
    match seconds.map(|s| s.div_ceil(60).max(1)) {
        Some(1) => "Too many attempts. Wait 1 minute and try again.".to_owned(),
        Some(minutes) => format!("Too many attempts. Wait {minutes} minutes and try again."),
        None => "Too many attempts. Wait a few minutes and try again.".to_owned(),
    }
}

/// The API's own words for a refused request, if it gave any.
pub(crate) fn detail(error: &ApiError) -> Option<String> {
    match error {
        ApiError::Problem(problem) => problem.detail.clone(),
        _ => None,
    }
}
