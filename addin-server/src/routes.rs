//! Every URL docseal-server answers, and which handler answers it: the task pane's files, the
//! manifest's assets, Office.js, and the JSON API.

use actix_web::http::header;
use actix_web::{web, HttpResponse};

use crate::{api, app};

async fn home() -> HttpResponse {
    HttpResponse::Found()
        .insert_header((header::LOCATION, "/taskpane/taskpane.html"))
        .finish()
}

pub fn routes(cfg: &mut web::ServiceConfig, body_limit: usize) {
    cfg.app_data(web::PayloadConfig::new(body_limit))
        .route("/", web::get().to(home))
        .route("/taskpane/{path:.*}", web::get().to(app::taskpane))
        .route("/manifest/{path:.*}", web::get().to(app::manifest_files))
        .route("/office/{path:.*}", web::get().to(app::office_js))
        .route("/api/openapi.json", web::get().to(api::openapi))
        .route("/api/seals", web::get().to(api::seals))
        .route("/api/seals/{id}/picture", web::get().to(api::seal_picture))
        .route("/api/verify", web::post().to(api::verify))
        .route("/api/stamp", web::post().to(api::stamp))
        .route("/api/slot", web::post().to(api::slot))
        .route("/api/slot-ooxml", web::get().to(api::slot_ooxml))
        .route(
            "/api/request-approval",
            web::post().to(api::request_approval),
        )
        .route("/api/download/{name}", web::get().to(api::download));
}
