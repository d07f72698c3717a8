//! `GET /api/v1/support`: who to contact for help, as the operator configured it
//! (`S117_SUPPORT_TEXT`, `S117_HELPDESK_EMAIL`). Public: the Help and Support page is for
//! people who cannot sign in too.

use actix_web::{web, HttpResponse};
use s117_shared::system::SupportContact;

use crate::startup::AppState;

/// The first-line support sentence and the helpdesk's email address.
#[utoipa::path(get, path = "/api/v1/support", operation_id = "support_contact", tag = "system",
    responses((status = 200, body = SupportContact)))]
pub async fn contact(state: web::Data<AppState>) -> HttpResponse {
    HttpResponse::Ok().json(SupportContact {
        support_text: state.config.support_text.clone(),
        helpdesk_email: state.config.helpdesk_email.clone(),
    })
}

pub fn configure(cfg: &mut web::ServiceConfig) {
    cfg.service(web::resource("/support").route(web::get().to(contact)));
}
