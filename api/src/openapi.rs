//! The OpenAPI document, generated from the code (utoipa) and checked in as
//! `openapi/openapi.json` by `s117 openapi --write openapi/openapi.json`; a test fails when
//! the checked-in file and the code disagree.
//!
//! Both security schemes are declared here, once: `bearer` (a user's token from
//! `/api/v1/auth/verify`) and `client_credentials` (OAuth 2.0, token from
//! `/api/v1/auth/token`), so the docs' Authorize button works for both kinds of caller.

use utoipa::openapi::security::{
    ClientCredentials, Flow, HttpAuthScheme, HttpBuilder, OAuth2, Scopes, SecurityScheme,
};
use utoipa::{Modify, OpenApi};

#[derive(OpenApi)]
#[openapi(
    info(
        title = "S117 Register API",
        description = "The shared register of people entitled to section 117 Mental Health Act 1983 aftercare: \
who is responsible for them and when entitlement started and ended.\n\n\
**Signing in.** People sign in with `POST /api/v1/auth/login` (email and password; a 6-digit code is emailed) \
then `POST /api/v1/auth/verify` (the code), and send the returned token as `Authorization: Bearer <token>`. \
Other council systems use the OAuth 2.0 client credentials grant at `POST /api/v1/auth/token`.\n\n\
**Errors** are RFC 9457 `application/problem+json` with a stable `type` (`urn:s117:problem:<code>`) and, \
for 422, one message per field in `errors`.",
        license(name = "MIT"),
    ),
    modifiers(&SecuritySchemes),
    paths(
        crate::health::health,
        crate::health::ready,
        crate::reference::routes::get_list,
        crate::auth::routes::login,
        crate::auth::routes::verify,
        crate::auth::routes::resend,
        crate::auth::routes::logout,
        crate::auth::routes::token,
        crate::auth::routes::me,
        crate::auth::routes::change_password,
        crate::auth::routes::client,
        crate::admin::users::list,
        crate::admin::users::get,
        crate::admin::users::create,
        crate::admin::users::update,
        crate::admin::users::disable,
        crate::admin::users::enable,
        crate::admin::users::unlock,
        crate::admin::users::reset_password,
        crate::admin::users::end_sessions,
        crate::admin::clients::list,
        crate::admin::clients::create,
        crate::admin::clients::rotate,
        crate::admin::clients::revoke,
        crate::records::routes::list,
        crate::records::routes::create,
        crate::records::routes::get,
        crate::records::routes::update,
        crate::records::routes::delete,
        crate::records::routes::end,
        crate::records::routes::new_episode,
        crate::records::routes::history,
        crate::admin::system::status,
        crate::admin::system::test_email,
        crate::reference::admin::lists,
        crate::reference::admin::list,
        crate::reference::admin::add,
        crate::reference::admin::rename,
        crate::reference::admin::retire,
        crate::reference::admin::reinstate,
        crate::reference::admin::delete,
        crate::audit::routes::search,
        crate::audit::routes::export,
        crate::support::contact,
        crate::reports::routes::dashboard,
        crate::reports::routes::download,
        crate::imports::routes::template,
        crate::imports::routes::upload,
        crate::imports::routes::get,
        crate::imports::routes::process,
    ),
    components(schemas(
        s117_shared::problem::Problem,
        s117_shared::system::HealthStatus,
        s117_shared::reference::ReferenceList,
        s117_shared::reference::ReferenceItem,
        s117_shared::reference::ReferenceListResponse,
        s117_shared::auth::LoginRequest,
        s117_shared::auth::LoginChallenge,
        s117_shared::auth::VerifyRequest,
        s117_shared::auth::ResendRequest,
        s117_shared::auth::TokenResponse,
        s117_shared::auth::ClientTokenResponse,
        s117_shared::auth::ChangePasswordRequest,
        s117_shared::auth::Me,
        s117_shared::auth::ClientIdentity,
        s117_shared::admin::User,
        s117_shared::admin::UserStatus,
        s117_shared::admin::CreateUserRequest,
        s117_shared::admin::UpdateUserRequest,
        s117_shared::admin::ApiClient,
        s117_shared::admin::CreateClientRequest,
        s117_shared::admin::ClientSecret,
        crate::auth::routes::TokenForm,
        s117_shared::record::RecordInput,
        s117_shared::record::EpisodeInput,
        s117_shared::record::EndEpisodeInput,
        s117_shared::record::EndReason,
        s117_shared::record::LearningDisability,
        s117_shared::record_view::Record,
        s117_shared::record_view::RecordSummary,
        s117_shared::record_view::EpisodeView,
        s117_shared::record_view::Coded,
        s117_shared::record_view::RecordStatus,
        s117_shared::record_view::HistoryEntry,
        s117_shared::age::AgeBand,
        s117_shared::system::SystemStatus,
        s117_shared::system::SystemCounts,
        s117_shared::system::TestEmailRequest,
        s117_shared::system::TestEmailResult,
        s117_shared::system::SupportContact,
        s117_shared::reference::ReferenceListSummary,
        s117_shared::reference::AdminReferenceItem,
        s117_shared::reference::AdminReferenceList,
        s117_shared::reference::NewReferenceValue,
        s117_shared::reference::RenameReferenceValue,
        s117_shared::audit::AuditEntry,
        s117_shared::report::Dashboard,
        s117_shared::report::Count,
        s117_shared::report::CountyTotals,
        s117_shared::report::ReviewTotals,
        s117_shared::report::MonthCount,
        s117_shared::report::CommissionerView,
        s117_shared::report::ReportKind,
        s117_shared::import::ImportReport,
        s117_shared::import::ImportRow,
        s117_shared::import::ImportCounts,
        s117_shared::import::ImportStatus,
        s117_shared::import::RowKind,
    )),
    tags(
        (name = "system", description = "Liveness and readiness"),
        (name = "auth", description = "Signing in (password + emailed code), sessions, machine clients"),
        (name = "reference", description = "Drop-down lists: councils, commissioners, codes"),
        (name = "records", description = "The register: people, entitlement episodes, search, history"),
        (name = "admin", description = "User accounts, API clients and system status"),
        (name = "audit", description = "The append-only audit log: search and CSV export"),
        (name = "reports", description = "Reporting dashboard and filtered report downloads (CSV, XLSX)"),
        (name = "imports", description = "CSV bulk upload: template, check, report, process once"),
    )
)]
pub struct ApiDoc;

struct SecuritySchemes;

impl Modify for SecuritySchemes {
    fn modify(&self, openapi: &mut utoipa::openapi::OpenApi) {
        // Every operation can also fail in ways common to all (bad JSON, body too large,
        // wrong content type, rate limits, database away): say so once, as the `default`
        // response, so the document promises exactly what clients will see.
        let problem = utoipa::openapi::ResponseBuilder::new()
            .description("Any other error, as RFC 9457 problem details")
            .content(
                s117_shared::problem::PROBLEM_JSON,
                utoipa::openapi::ContentBuilder::new()
                    .schema(Some(utoipa::openapi::Ref::from_schema_name("Problem")))
                    .build(),
            )
            .build();
        for item in openapi.paths.paths.values_mut() {
            for op in [
                &mut item.get,
                &mut item.put,
                &mut item.post,
                &mut item.delete,
                &mut item.patch,
            ]
            .into_iter()
            .flatten()
            {
                op.responses
                    .responses
                    .entry("default".to_string())
                    .or_insert_with(|| problem.clone().into());
            }
        }
        let components = openapi.components.get_or_insert_with(Default::default);
        components.add_security_scheme(
            "bearer",
            SecurityScheme::Http(
                HttpBuilder::new()
                    .scheme(HttpAuthScheme::Bearer)
                    .bearer_format("JWT")
                    .build(),
            ),
        );
        let scopes = Scopes::from_iter(
            s117_shared::permissions::Permission::ALL
                .into_iter()
                .filter(|p| s117_shared::admin::client_may_hold(*p))
                .map(|p| (p.as_str(), p.label())),
        );
        components.add_security_scheme(
            "client_credentials",
            SecurityScheme::OAuth2(OAuth2::new([Flow::ClientCredentials(
                ClientCredentials::new("/api/v1/auth/token", scopes),
            )])),
        );
    }
}

/// The spec as pretty JSON with a trailing newline (the checked-in file's exact form).
pub fn spec_json() -> String {
    let mut s = ApiDoc::openapi()
        .to_pretty_json()
        .expect("the OpenAPI document serialises");
    s.push('\n');
    s
}
