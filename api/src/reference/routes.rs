//! `GET /api/v1/reference/{list}`.

use actix_web::{web, HttpResponse};
use s117_shared::reference::{ReferenceList, ReferenceListResponse};
use serde::Deserialize;

use crate::authn::SignedIn;
use crate::error::ApiError;
use crate::startup::AppState;

#[derive(Debug, Deserialize, utoipa::IntoParams)]
#[into_params(parameter_in = Query)]
pub struct ListQuery {
    /// Also return retired values (still valid on old records, not offered for new ones).
    #[serde(default)]
    pub include_retired: bool,
}

/// The values of one reference list (drop-down), active ones by default.
#[utoipa::path(get, path = "/api/v1/reference/{list}", tag = "reference", security(("bearer" = []), ("client_credentials" = [])),
    params(("list" = ReferenceList, Path, description = "Which list"), ListQuery),
    responses(
        (status = 200, description = "The list's values in display order", body = ReferenceListResponse),
        (status = 401, description = "Not signed in", body = s117_shared::problem::Problem, content_type = "application/problem+json"),
        (status = 404, description = "No such list", body = s117_shared::problem::Problem, content_type = "application/problem+json"),
    ))]
pub async fn get_list(
    state: web::Data<AppState>,
    _caller: SignedIn,
    path: web::Path<String>,
    query: web::Query<ListQuery>,
) -> Result<HttpResponse, ApiError> {
    let list = ReferenceList::from_slug(&path).ok_or(ApiError::NotFound(
        "There is no reference list with that name.",
    ))?;
    let items = super::store::list(&state.db, list, query.include_retired).await?;
    Ok(HttpResponse::Ok().json(ReferenceListResponse {
        list,
        title: list.title().into(),
        items,
    }))
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/reference/{list}").route(web::get().to(get_list)));
}
