//! `/api/v1/admin/reference...`: drop-down lists as an administrator manages them
//! (`admin.reference`). Values are added, renamed, retired and reinstated; a retired value
//! stays valid on the records that use it but is no longer offered for new entries. Only a
//! value added here and used by no record can be deleted (a bundled one would come back at
//! the next start, so it is retired instead). Every change is audited with the list and code.

use actix_web::{web, HttpResponse};
use s117_shared::problem::Problem;
use s117_shared::reference::{
    validate_display_name, validate_new_value, AdminReferenceItem, AdminReferenceList,
    NewReferenceValue, ReferenceList, ReferenceListSummary, RenameReferenceValue,
};
use s117_shared::validation::FieldErrors;
use serde_json::json;

use super::store::{self, AdminRow};
use crate::audit::{self, Entry, Outcome};
use crate::authn::{perm, Caller, RequestMeta, Require};
use crate::db::{is_unique_violation, Tx};
use crate::error::ApiError;
use crate::startup::AppState;

type RefAdmin = Require<perm::AdminReference>;

fn parse_list(slug: &str) -> Result<ReferenceList, ApiError> {
    ReferenceList::from_slug(slug).ok_or(ApiError::NotFound(
        "There is no reference list with that name.",
    ))
}

fn item(row: AdminRow, in_use: bool) -> AdminReferenceItem {
    AdminReferenceItem {
        code: row.code,
        name: row.name,
        display_name: row.display_name,
        active: row.active,
        sort_order: row.sort_order,
        locally_added: row.locally_added,
        in_use,
    }
}

fn conflict(code: &'static str, title: &'static str, detail: &str) -> ApiError {
    ApiError::Conflict {
        code,
        title,
        detail: detail.into(),
        extensions: Default::default(),
    }
}

/// Every drop-down list with how many values are offered and retired.
#[utoipa::path(get, path = "/api/v1/admin/reference", operation_id = "reference_admin_lists", tag = "reference", security(("bearer" = [])),
    responses((status = 200, body = Vec<ReferenceListSummary>),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn lists(state: web::Data<AppState>, _admin: RefAdmin) -> Result<HttpResponse, ApiError> {
    let counts = store::counts(&state.db).await?;
    let count = |list: ReferenceList, active: bool| {
        counts
            .iter()
            .filter(|(l, a, _)| l == list.slug() && *a == active)
            .map(|(_, _, n)| *n)
            .sum::<i64>()
    };
    let out: Vec<ReferenceListSummary> = ReferenceList::ALL
        .into_iter()
        .map(|list| ReferenceListSummary {
            list,
            title: list.title().into(),
            active: count(list, true),
            retired: count(list, false),
        })
        .collect();
    Ok(HttpResponse::Ok().json(out))
}

/// Every value of one list, retired ones included, with whether records use it.
#[utoipa::path(get, path = "/api/v1/admin/reference/{list}", operation_id = "reference_admin_list", tag = "reference", security(("bearer" = [])),
    params(("list" = ReferenceList, Path)),
    responses((status = 200, body = AdminReferenceList),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn list(
    state: web::Data<AppState>,
    _admin: RefAdmin,
    path: web::Path<String>,
) -> Result<HttpResponse, ApiError> {
    let list = parse_list(&path)?;
    let used = store::codes_in_use(&state.db, list).await?;
    let items = store::admin_list(&state.db, list)
        .await?
        .into_iter()
        .map(|r| {
            let u = used.contains(&r.code);
            item(r, u)
        })
        .collect();
    Ok(HttpResponse::Ok().json(AdminReferenceList {
        list,
        title: list.title().into(),
        items,
    }))
}

async fn audited(
    mut tx: Tx,
    action: &'static str,
    admin: &Caller,
    meta: &RequestMeta,
    state: &AppState,
    details: serde_json::Value,
) -> Result<(), ApiError> {
    audit::write(
        &mut tx,
        &Entry::new(
            action,
            Outcome::Success,
            Some(admin),
            meta,
            state.clock.now(),
        )
        .details(details),
    )
    .await?;
    tx.commit().await?;
    // Records read the lists through a cache (records/refs.rs): the change applies to the
    // next request.
    state.refs.forget();
    Ok(())
}

async fn answer(
    state: &AppState,
    list: ReferenceList,
    code: &str,
    created: bool,
) -> Result<HttpResponse, ApiError> {
    let mut tx = state.db.begin().await?;
    let row = store::value(&mut tx, list, code)
        .await?
        .ok_or(ApiError::NotFound("There is no such value in this list."))?;
    let in_use = store::in_use(&mut tx, list, code).await?;
    tx.commit().await?;
    let body = item(row, in_use);
    Ok(if created {
        HttpResponse::Created().json(body)
    } else {
        HttpResponse::Ok().json(body)
    })
}

/// Adds a value (offered in drop-downs at once). Without a code, one is made from the name.
#[utoipa::path(post, path = "/api/v1/admin/reference/{list}", operation_id = "reference_admin_add", tag = "reference", security(("bearer" = [])),
    params(("list" = ReferenceList, Path)), request_body = NewReferenceValue,
    responses((status = 201, body = AdminReferenceItem),
              (status = 409, description = "The code or name is already in the list", body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn add(
    state: web::Data<AppState>,
    admin: RefAdmin,
    meta: RequestMeta,
    path: web::Path<String>,
    body: web::Json<NewReferenceValue>,
) -> Result<HttpResponse, ApiError> {
    let list = parse_list(&path)?;
    let code = validate_new_value(&body)?;
    let display_name = body.display_name.trim();
    let mut tx = state.db.begin().await?;
    if store::display_name_taken(&mut tx, list, display_name, &code).await? {
        return Err(conflict(
            "duplicate-value",
            "This list already has a value with that name",
            "Find it in the list (it may be retired: reinstate it instead).",
        ));
    }
    match store::insert_local(&mut tx, list, &code, display_name).await {
        Ok(()) => {}
        Err(e) if is_unique_violation(&e) => {
            return Err(conflict(
                "duplicate-value",
                "This list already has a value with that code",
                "Choose another code, or find the existing value in the list.",
            ))
        }
        Err(e) => return Err(e.into()),
    }
    audited(
        tx,
        "reference.value_added",
        &admin.0,
        &meta,
        &state,
        json!({ "list": list.slug(), "code": code, "display_name": display_name }),
    )
    .await?;
    answer(&state, list, &code, true).await
}

async fn load(tx: &mut Tx, list: ReferenceList, code: &str) -> Result<AdminRow, ApiError> {
    store::value(tx, list, code)
        .await?
        .ok_or(ApiError::NotFound("There is no such value in this list."))
}

/// Changes the name shown in drop-downs (the stored code never changes, so records keep
/// pointing at the value).
#[utoipa::path(put, path = "/api/v1/admin/reference/{list}/{code}", operation_id = "reference_admin_rename", tag = "reference", security(("bearer" = [])),
    params(("list" = ReferenceList, Path), ("code" = String, Path)), request_body = RenameReferenceValue,
    responses((status = 200, body = AdminReferenceItem),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 422, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn rename(
    state: web::Data<AppState>,
    admin: RefAdmin,
    meta: RequestMeta,
    path: web::Path<(String, String)>,
    body: web::Json<RenameReferenceValue>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let list = parse_list(&slug)?;
    let mut errors = FieldErrors::new();
    validate_display_name(&mut errors, &body.display_name);
    if !errors.is_empty() {
        return Err(errors.into());
    }
    let display_name = body.display_name.trim();
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, list, &code).await?;
    if store::display_name_taken(&mut tx, list, display_name, &code).await? {
        return Err(conflict(
            "duplicate-value",
            "This list already has a value with that name",
            "Choose a name no other value in the list has.",
        ));
    }
    store::rename(&mut tx, list, &code, display_name).await?;
    audited(
        tx,
        "reference.value_renamed",
        &admin.0,
        &meta,
        &state,
        json!({ "list": list.slug(), "code": code,
                "display_name": { "old": before.display_name, "new": display_name } }),
    )
    .await?;
    answer(&state, list, &code, false).await
}

async fn set_active(
    state: &AppState,
    admin: &Caller,
    meta: &RequestMeta,
    slug: &str,
    code: &str,
    active: bool,
) -> Result<HttpResponse, ApiError> {
    let list = parse_list(slug)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, list, code).await?;
    if before.active == active {
        return Err(if active {
            conflict(
                "not-retired",
                "This value is not retired",
                "Only a retired value can be reinstated.",
            )
        } else {
            conflict(
                "already-retired",
                "This value is already retired",
                "It is not offered for new entries.",
            )
        });
    }
    store::set_active(&mut tx, list, code, active).await?;
    let action = if active {
        "reference.value_reinstated"
    } else {
        "reference.value_retired"
    };
    audited(
        tx,
        action,
        admin,
        meta,
        state,
        json!({ "list": list.slug(), "code": code, "display_name": before.display_name }),
    )
    .await?;
    answer(state, list, code, false).await
}

/// Retires a value: records that use it keep it; new entries can no longer choose it.
#[utoipa::path(post, path = "/api/v1/admin/reference/{list}/{code}/retire", operation_id = "reference_admin_retire", tag = "reference", security(("bearer" = [])),
    params(("list" = ReferenceList, Path), ("code" = String, Path)),
    responses((status = 200, body = AdminReferenceItem),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn retire(
    state: web::Data<AppState>,
    admin: RefAdmin,
    meta: RequestMeta,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    set_active(&state, &admin.0, &meta, &path.0, &path.1, false).await
}

/// Reinstates a retired value: it is offered in drop-downs again.
#[utoipa::path(post, path = "/api/v1/admin/reference/{list}/{code}/reinstate", operation_id = "reference_admin_reinstate", tag = "reference", security(("bearer" = [])),
    params(("list" = ReferenceList, Path), ("code" = String, Path)),
    responses((status = 200, body = AdminReferenceItem),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn reinstate(
    state: web::Data<AppState>,
    admin: RefAdmin,
    meta: RequestMeta,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    set_active(&state, &admin.0, &meta, &path.0, &path.1, true).await
}

/// Deletes a value added here by mistake. A value any record uses is never deleted (409
/// `value-in-use`: retire it instead), nor is a bundled one (409 `bundled-value`).
#[utoipa::path(delete, path = "/api/v1/admin/reference/{list}/{code}", operation_id = "reference_admin_delete", tag = "reference", security(("bearer" = [])),
    params(("list" = ReferenceList, Path), ("code" = String, Path)),
    responses((status = 204, description = "Deleted"),
              (status = 409, body = Problem, content_type = "application/problem+json"),
              (status = 404, body = Problem, content_type = "application/problem+json"),
              (status = 401, body = Problem, content_type = "application/problem+json"),
              (status = 403, body = Problem, content_type = "application/problem+json")))]
pub async fn delete(
    state: web::Data<AppState>,
    admin: RefAdmin,
    meta: RequestMeta,
    path: web::Path<(String, String)>,
) -> Result<HttpResponse, ApiError> {
    let (slug, code) = path.into_inner();
    let list = parse_list(&slug)?;
    let mut tx = state.db.begin().await?;
    let before = load(&mut tx, list, &code).await?;
    if store::in_use(&mut tx, list, &code).await? {
        return Err(conflict(
            "value-in-use",
            "This value is used by records and cannot be deleted",
            "Retire it instead: records that use it keep it, and it is no longer offered for new entries.",
        ));
    }
    if !before.locally_added {
        return Err(conflict(
            "bundled-value",
            "This value comes with the register and cannot be deleted",
            "Retire it instead, so it is no longer offered for new entries.",
        ));
    }
    store::delete(&mut tx, list, &code).await?;
    audited(
        tx,
        "reference.value_deleted",
        &admin.0,
        &meta,
        &state,
        json!({ "list": list.slug(), "code": code, "display_name": before.display_name }),
    )
    .await?;
    Ok(HttpResponse::NoContent().finish())
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/admin/reference").route(web::get().to(lists)))
        .service(
            web::resource("/admin/reference/{list}")
                .route(web::get().to(list))
                .route(web::post().to(add)),
        )
        .service(
            web::resource("/admin/reference/{list}/{code}")
                .route(web::put().to(rename))
                .route(web::delete().to(delete)),
        )
        .service(
            web::resource("/admin/reference/{list}/{code}/retire").route(web::post().to(retire)),
        )
        .service(
            web::resource("/admin/reference/{list}/{code}/reinstate")
                .route(web::post().to(reinstate)),
        );
}
