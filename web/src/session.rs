//! The signed-in session: the bearer token, the signed-in user (`GET /api/v1/me`), the idle
//! clock, and what happens when the API says the session is over.
//!
//! The token lives in memory and in `sessionStorage` (so a reload in the same tab keeps the
//! session), never in `localStorage` (shared by every tab and kept after the browser closes).
//!
//! Every page gets its API handle from [`Session::api`]: that handle reports each successful
//! authenticated call (which resets the idle clock, as the server's does) and each 401 (which
//! ends the session and sends the user to sign in, once, here rather than on every page).

use leptos::prelude::*;
use leptos_router::hooks::{use_location, use_navigate};
use leptos_router::NavigateOptions;
use s117_shared::auth::{LoginChallenge, Me, IDLE_WARNING_SECONDS};
use s117_shared::permissions::{Permission, PermissionSet};

use crate::api::{Api, ApiError};

/// The `sessionStorage` key of the bearer token.
pub const TOKEN_KEY: &str = "s117.token";
/// The `sessionStorage` key of a started sign-in (the challenge waiting for its code).
pub const CHALLENGE_KEY: &str = "s117.challenge";

/// Where the user goes when the session ends on its own (idle timeout or a 401).
pub const EXPIRED_PATH: &str = "/sign-in?expired=1";
/// Where the user goes when the server ended the session (a 401 on an authenticated call).
pub const ENDED_PATH: &str = "/sign-in?ended=1";
/// Where the user goes after choosing to sign out.
pub const SIGNED_OUT_PATH: &str = "/sign-in?signed_out=1";

/// The signed-in session, shared through a Leptos context ([`use_session`]). `Copy`: every
/// field is an arena signal.
#[derive(Clone, Copy, Debug, PartialEq)]
pub struct Session {
    /// The bearer token; `None` when signed out.
    pub token: RwSignal<Option<String>>,
    /// The signed-in user; `None` when signed out or while `/api/v1/me` is loading.
    pub me: RwSignal<Option<Me>>,
    /// When the last successful authenticated call started (ms since the epoch, the page's
    /// clock): the idle clock counts from here.
    last_activity: RwSignal<f64>,
    /// True while the "You will be signed out soon" dialog is open.
    warning: RwSignal<bool>,
    /// A navigation the session wants (after it ended); performed inside the router.
    redirect: RwSignal<Option<String>>,
    /// True while the stored token is being checked (`/api/v1/me` after a reload).
    loading: RwSignal<bool>,
    /// Seconds left before the idle timeout, kept while the warning is open.
    remaining: RwSignal<i64>,
    /// A started sign-in waiting for its security code (also in `sessionStorage` until
    /// verified, so a reload of the code page keeps it).
    pub challenge: RwSignal<Option<LoginChallenge>>,
    /// A success message for the next page to show in its notification banner.
    flash: RwSignal<Option<String>>,
    /// How many times the session has ended: a page that saw the session end while it was
    /// shown leaves the navigation to [`provide_session`] (which knows why it ended).
    ends: RwSignal<u32>,
}

impl Session {
    fn new() -> Self {
        Self {
            token: RwSignal::new(None),
            me: RwSignal::new(None),
            last_activity: RwSignal::new(now_ms()),
            warning: RwSignal::new(false),
            redirect: RwSignal::new(None),
            loading: RwSignal::new(false),
            remaining: RwSignal::new(0),
            challenge: RwSignal::new(None),
            flash: RwSignal::new(None),
            ends: RwSignal::new(0),
        }
    }

    /// A mark to compare with [`Session::ended_since`].
    pub fn end_mark(&self) -> u32 {
        self.ends.get_untracked()
    }

    /// True if the session ended (sign-out, expiry, 401) after `mark` was taken: the session
    /// is already taking the user to the sign-in page with the reason.
    pub fn ended_since(&self, mark: u32) -> bool {
        self.ends.get_untracked() != mark
    }

    /// Keeps a success message for the next page ("Account created…").
    pub fn set_flash(&self, message: impl Into<String>) {
        self.flash.set(Some(message.into()));
    }

    /// Takes the success message left by the previous page, if any (once).
    pub fn take_flash(&self) -> Option<String> {
        let message = self.flash.get_untracked();
        if message.is_some() {
            self.flash.set(None);
        }
        message
    }

    /// Remembers a started sign-in until its code is verified.
    pub fn set_challenge(&self, challenge: LoginChallenge) {
        if let Ok(json) = serde_json::to_string(&challenge) {
            store(CHALLENGE_KEY, &json);
        }
        self.challenge.set(Some(challenge));
    }

    /// The started sign-in: in memory, else from `sessionStorage` (after a reload).
    pub fn current_challenge(&self) -> Option<LoginChallenge> {
        self.challenge.get_untracked().or_else(|| {
            let challenge: LoginChallenge = serde_json::from_str(&stored(CHALLENGE_KEY)?).ok()?;
            self.challenge.set(Some(challenge.clone()));
            Some(challenge)
        })
    }

    /// Forgets a started sign-in ("Start again", or verified).
    pub fn forget_challenge(&self) {
        remove_stored(CHALLENGE_KEY);
        self.challenge.set(None);
    }

    /// Seconds before the idle timeout signs the user out (meaningful while the warning is
    /// open). Reactive.
    pub fn seconds_left(&self) -> i64 {
        self.remaining.get()
    }

    /// An API handle for the current user: with the bearer token when signed in (reporting
    /// activity and 401s back here), anonymous otherwise.
    pub fn api(&self) -> Api {
        match self.token.get_untracked() {
            Some(token) => Api::with_bearer(token).observed_by(*self),
            None => Api::anonymous(),
        }
    }

    /// What the signed-in user may do; empty when signed out.
    pub fn permissions(&self) -> PermissionSet {
        self.me
            .with(|me| me.as_ref().map(|me| me.permissions.clone()))
            .unwrap_or_default()
    }

    /// Whether the signed-in user holds `p` (false when signed out). Reactive.
    pub fn can(&self, p: Permission) -> bool {
        self.me
            .with(|me| me.as_ref().is_some_and(|me| me.permissions.contains(p)))
    }

    /// Signed in (a token and the user loaded) and free to use the service (no forced
    /// password change pending). Reactive.
    pub fn is_ready(&self) -> bool {
        self.token.with(Option::is_some)
            && self
                .me
                .with(|me| me.as_ref().is_some_and(|me| !me.must_change_password))
    }

    /// True while a stored token is being checked after a reload. Reactive.
    pub fn is_loading(&self) -> bool {
        self.loading.get()
    }

    /// Ends the session on the user's behalf after inactivity or a 401: clears it and goes to
    /// `/sign-in?expired=1` ("You have been signed out because you were inactive").
    pub fn sign_out_expired(&self) {
        self.end(EXPIRED_PATH);
    }

    /// Clears the session (memory and storage) and asks the router to go to `path`.
    pub fn end(&self, path: &str) {
        self.ends.update(|n| *n = n.wrapping_add(1));
        self.clear();
        self.redirect.set(Some(path.to_owned()));
    }

    /// Clears the session (memory and storage) without navigating.
    pub fn clear(&self) {
        remove_stored(TOKEN_KEY);
        self.forget_challenge();
        self.warning.set(false);
        self.token.set(None);
        self.me.set(None);
        self.loading.set(false);
    }

    /// Starts a session with a freshly issued token: stores it and loads `/api/v1/me`.
    /// Resolves to the user (so sign-in can choose where to go next).
    pub async fn start(&self, token: String) -> Result<Me, ApiError> {
        store(TOKEN_KEY, &token);
        self.forget_challenge();
        self.token.set(Some(token));
        self.touch_at(now_ms());
        self.refresh().await
    }

    /// `GET /api/v1/me`: reloads the user (and, server-side, refreshes the session).
    pub async fn refresh(&self) -> Result<Me, ApiError> {
        let me: Me = self.api().get("/api/v1/me").await?;
        self.me.set(Some(me.clone()));
        Ok(me)
    }

    /// The idle warning dialog is open. Reactive.
    pub fn warning_open(&self) -> bool {
        self.warning.get()
    }

    /// "Stay signed in": any authenticated call refreshes the session server-side.
    pub fn stay_signed_in(&self) {
        let session = *self;
        session.warning.set(false);
        leptos::task::spawn_local(async move {
            // A 401 here is handled by the API observer; nothing else to do.
            let _ = session.refresh().await;
        });
    }

    /// Signs out on the user's request: tells the server, clears the session and goes to
    /// `/sign-in?signed_out=1` ("You have signed out").
    pub fn sign_out(&self) {
        let session = *self;
        let api = self.api();
        // Clear first so nothing else runs with the old token while the server answers.
        session.end(SIGNED_OUT_PATH);
        leptos::task::spawn_local(async move {
            let _: Result<(), ApiError> = api.post("/api/v1/auth/logout", &()).await;
        });
    }

    /// Called by [`Api`] after a successful call that carried `token`, started at `started`.
    pub(crate) fn on_success(&self, token: &str, started: f64) {
        if self.token.with_untracked(|t| t.as_deref() == Some(token)) {
            self.touch_at(started);
        }
    }

    /// Called by [`Api`] when a call carrying `token` was refused with 401.
    pub(crate) fn on_unauthorized(&self, token: &str) {
        // Only the current session: a late answer to an old token must not end a new one.
        if self.token.with_untracked(|t| t.as_deref() == Some(token)) {
            self.end(ENDED_PATH);
        }
    }

    fn touch_at(&self, at: f64) {
        if at > self.last_activity.get_untracked() {
            self.last_activity.set(at);
        }
        if self.warning.get_untracked() {
            self.warning.set(false);
        }
    }

    /// Milliseconds of idleness left before the session ends, or `None` when signed out or
    /// the limit is not known yet.
    fn idle_remaining_ms(&self, now: f64) -> Option<f64> {
        if self.token.with_untracked(Option::is_none) {
            return None;
        }
        let minutes = self
            .me
            .with_untracked(|me| me.as_ref().map(|me| me.idle_timeout_minutes))?;
        let limit = f64::from(minutes) * 60_000.0;
        Some(limit - (now - self.last_activity.get_untracked()))
    }

    /// One tick of the idle clock: opens the warning two minutes before the end, ends the
    /// session at the end.
    fn tick(&self, now: f64) {
        let Some(remaining) = self.idle_remaining_ms(now) else {
            return;
        };
        if remaining <= 0.0 {
            self.sign_out_expired();
        } else if remaining <= (IDLE_WARNING_SECONDS * 1000) as f64 {
            let seconds = (remaining / 1000.0).ceil() as i64;
            if self.remaining.get_untracked() != seconds {
                self.remaining.set(seconds);
            }
            if !self.warning.get_untracked() {
                self.warning.set(true);
            }
        } else if self.warning.get_untracked() {
            self.warning.set(false);
        }
    }
}

/// Creates the session (once, inside the router, from the app's shell): restores a token
/// kept in `sessionStorage` by a reload and loads the user, starts the idle clock, and
/// performs the session's navigations (after a sign-out or expiry).
pub fn provide_session() {
    let session = Session::new();
    provide_context(session);

    if let Some(token) = stored(TOKEN_KEY) {
        session.token.set(Some(token));
        session.loading.set(true);
        leptos::task::spawn_local(async move {
            let outcome = session.refresh().await;
            session.loading.set(false);
            if let Err(err) = outcome {
                if !err.is_unauthorized() {
                    // The server could not say; keep nothing half-signed-in.
                    session.clear();
                }
            }
        });
    }

    // The idle clock: once a second (the page's own timers, so a test's fake clock drives it).
    let interval = gloo_timers::callback::Interval::new(1_000, move || session.tick(now_ms()));
    let interval = StoredValue::new_local(Some(interval));
    on_cleanup(move || interval.update_value(|interval| drop(interval.take())));

    let navigate = use_navigate();
    Effect::new(move |_| {
        if let Some(path) = session.redirect.get() {
            session.redirect.set(None);
            navigate(&path, NavigateOptions::default());
        }
    });
}

/// The session provided by [`provide_session`].
pub fn use_session() -> Session {
    expect_context::<Session>()
}

/// Renders `children` when signed in and free to use the service; otherwise sends the user to
/// sign in (`/sign-in?next=<this page>`), or to the forced password change.
#[component]
pub fn RequireSignIn(children: ChildrenFn) -> impl IntoView {
    let session = use_session();
    let location = use_location();
    let navigate = use_navigate();
    let mark = session.end_mark();
    let replace = NavigateOptions {
        replace: true,
        ..Default::default()
    };

    Effect::new(move |_| {
        if session.is_loading() {
            return;
        }
        if session.token.with(Option::is_none) {
            if session.ended_since(mark) {
                return;
            }
            // The router's `search` has no leading "?".
            let search = location.search.get_untracked();
            let here = if search.is_empty() {
                location.pathname.get_untracked()
            } else {
                format!("{}?{search}", location.pathname.get_untracked())
            };
            navigate(&sign_in_path(&here), replace.clone());
        } else if session
            .me
            .with(|me| me.as_ref().is_some_and(|me| me.must_change_password))
        {
            navigate(CHANGE_PASSWORD_PATH, replace.clone());
        }
    });

    // A Memo, so that refreshing the user ("Stay signed in") does not re-create the page and
    // lose what was typed: only a change of the answer does.
    let ready = Memo::new(move |_| session.is_ready());
    move || {
        if ready.get() {
            children().into_any()
        } else {
            view! { <div class="s117-loading" aria-busy="true"></div> }.into_any()
        }
    }
}

/// The forced (and voluntary) password change.
pub const CHANGE_PASSWORD_PATH: &str = "/account/password";

/// `/sign-in?next=<path>` (no `next` for Home).
pub fn sign_in_path(next: &str) -> String {
    if next.is_empty() || next == "/" {
        "/sign-in".to_owned()
    } else {
        format!(
            "/sign-in?next={}",
            String::from(js_sys::encode_uri_component(next))
        )
    }
}

/// A safe place to go after signing in: a same-origin path (never `//host` or a URL), not a
/// sign-in page.
pub fn safe_next(next: Option<&str>) -> String {
    match next {
        Some(path)
            if path.starts_with('/')
                && !path.starts_with("//")
                && !path.starts_with("/\\")
                && !path.starts_with("/sign-in") =>
        {
            path.to_owned()
        }
        _ => "/".to_owned(),
    }
}

/// The page's clock (ms since the epoch): `Date.now()`, so a test's fake clock drives it.
pub fn now_ms() -> f64 {
    js_sys::Date::now()
}

fn session_storage() -> Option<web_sys::Storage> {
    web_sys::window()?.session_storage().ok().flatten()
}

/// Reads `key` from `sessionStorage`.
pub fn stored(key: &str) -> Option<String> {
    session_storage()?.get_item(key).ok().flatten()
}

/// Writes `key` to `sessionStorage` (silently does nothing when storage is unavailable: the
/// session then lasts until the page is reloaded).
pub fn store(key: &str, value: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.set_item(key, value);
    }
}

/// Removes `key` from `sessionStorage`.
pub fn remove_stored(key: &str) {
    if let Some(storage) = session_storage() {
        let _ = storage.remove_item(key);
    }
}
