//! The JSON API: handlers translate HTTP to engine calls and back, nothing more. The shapes are
//! written down in `openapi.json`, served at /api/openapi.json.

use std::path::{Path, PathBuf};

use actix_web::{web, HttpRequest, HttpResponse};
use serde::Deserialize;

use crate::app::AppState;
use crate::error::error_response;

pub const OPENAPI: &str = include_str!("openapi.json");

pub async fn openapi() -> HttpResponse {
    HttpResponse::Ok()
        .content_type("application/json")
        .body(OPENAPI)
}

pub async fn seals(state: web::Data<AppState>) -> HttpResponse {
    let list: Vec<_> = state
        .seals
        .iter()
        .map(|s| {
            serde_json::json!({
                "id": s.id, "label": s.label, "demo": s.demo, "token": s.key.starts_with("pkcs11:"),
                "picture": format!("/api/seals/{}/picture", s.id),
                "approval_required": s.approval_required,
            })
        })
        .collect();
    HttpResponse::Ok().json(serde_json::json!({ "seals": list }))
}

/// A seal's picture for the picker: the one the center issued or the keeper configured, else
/// the round seal drawn with its name — what a stamp with it would place.
pub async fn seal_picture(state: web::Data<AppState>, id: web::Path<String>) -> HttpResponse {
    let Some(seal) = state.seals.iter().find(|s| s.id == *id).cloned() else {
        return error_response(404, "unknown-seal", "no such seal");
    };
    let png = web::block(move || match &seal.image {
        Some(p) => std::fs::read(p).map_err(|e| docseal::Error::io(p, e)),
        None => docseal::pictures::render_png(&docseal::pictures::SealSpec::new(&seal.label)),
    })
    .await;
    match png {
        Ok(Ok(png)) => HttpResponse::Ok()
            .content_type("image/png")
            .insert_header(("Cache-Control", "private, max-age=3600"))
            .body(png),
        Ok(Err(e)) => error_response(crate::error::http_status(&e), e.code(), &e.to_string()),
        Err(e) => error_response(500, "internal", &e.to_string()),
    }
}

#[derive(Deserialize)]
pub struct VerifyQuery {
    name: Option<String>,
}

pub async fn verify(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<VerifyQuery>,
    body: web::Bytes,
) -> HttpResponse {
    if let Err(r) = state.check_request(&req) {
        return *r;
    }
    let name = q.name.clone().unwrap_or_else(|| "document".into());
    let opts = state.verify.clone();
    let bytes = body.to_vec();
    let st = state.clone();
    match web::block(move || {
        let digest = st
            .center
            .is_some()
            .then(|| docseal::DigestAlg::Sha256.digest(&bytes));
        let r = docseal::verify_bytes(&name, bytes, &opts);
        let verdict = serde_json::to_value(r.verdict)
            .ok()
            .and_then(|v| v.as_str().map(str::to_string))
            .unwrap_or_default();
        if let Some(digest) = digest {
            report(&st, "verify", None, &name, digest, &verdict);
        }
        r
    })
    .await
    {
        Ok(report) => HttpResponse::Ok().json(report),
        Err(e) => error_response(500, "internal", &e.to_string()),
    }
}

#[derive(Deserialize)]
pub struct StampQuery {
    /// The document's file name ("contract.docx").
    name: String,
    /// Its local path (Office.context.document.url), when it has one.
    path: Option<String>,
    seal: String,
    /// "text", "cell", "end", or "slot" (with the slot's label as the value).
    place: String,
    value: Option<String>,
    occurrence: Option<String>,
}

fn hex(b: &[u8]) -> String {
    b.iter().map(|x| format!("{x:02x}")).collect()
}

/// Reports to the seal center's audit log, when one is configured; never fails the request
/// (the report waits in the journal).
fn report(
    st: &AppState,
    action: &str,
    seal: Option<&String>,
    document: &str,
    sha256: Vec<u8>,
    outcome: &str,
) {
    let Some(c) = &st.center else { return };
    let Ok(mut client) = c.lock() else { return };
    let Ok(mut r) = docseal_center_client::client::Report::new(action, outcome) else {
        return;
    };
    r.event.seal_id = seal.cloned();
    r.event.document = Path::new(document)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned());
    r.event.document_sha256 = Some(hex(&sha256));
    r.event.client = Some(format!("docseal-server {}", env!("CARGO_PKG_VERSION")));
    if let Err(e) = client.report(&r) {
        eprintln!("docseal-server: report to the seal center: {e}");
    }
}

#[derive(Deserialize)]
pub struct ApprovalQuery {
    seal: String,
    name: String,
    reason: Option<String>,
}

/// The keeper asks the seal center for approval to use a seal on this document: its name and
/// the SHA-256 of its exact bytes (the bytes the pane would seal).
pub async fn request_approval(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<ApprovalQuery>,
    body: web::Bytes,
) -> HttpResponse {
    if let Err(r) = state.check_request(&req) {
        return *r;
    }
    let Some(id) = state
        .seals
        .iter()
        .find(|s| s.id == q.seal)
        .and_then(|s| s.center_id.clone())
    else {
        return error_response(404, "unknown-seal", "no seal of the seal center by this id");
    };
    if state.center.is_none() {
        return error_response(
            409,
            "no-center",
            "docseal-server runs without a seal center",
        );
    }
    let st = state.clone();
    let request = docseal_center_client::approvals::NewRequest {
        seal_id: id,
        document: Path::new(&q.name)
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_else(|| "document".into()),
        document_sha256: hex(&docseal::DigestAlg::Sha256.digest(&body)),
        reason: q.reason.clone(),
    };
    let answer = web::block(move || {
        let Some(c) = &st.center else {
            return Err(docseal_center_client::Error::Unreachable(
                "no center".into(),
            ));
        };
        let client = c.lock().map_err(|_| {
            docseal_center_client::Error::Unreachable("the center client is poisoned".into())
        })?;
        client.request_approval(&request)
    })
    .await;
    match answer {
        Ok(Ok(a)) => HttpResponse::Ok().json(a),
        Ok(Err(e)) => error_response(502, e.code(), &e.to_string()),
        Err(e) => error_response(500, "internal", &e.to_string()),
    }
}

/// A name for the sealed copy that does not overwrite anything: NAME.sealed.EXT, then (2), (3)...
/// Where a seal or slot goes: `place` text (with the keyword as `value`, and which occurrence),
/// cell (with the cell) or end; anything else is a 400 naming what is expected.
fn placement(
    place: &str,
    value: Option<String>,
    occurrence: Option<&str>,
) -> Result<docseal::Placement, Box<HttpResponse>> {
    let bad = |why: &str| Box::new(error_response(400, "bad-placement", why));
    match (place, value) {
        ("text", Some(v)) => Ok(docseal::Placement::Text {
            needle: v,
            occurrence: docseal::Occurrence::parse(occurrence.unwrap_or("first"))
                .map_err(|e| bad(&e.to_string()))?,
        }),
        ("cell", Some(v)) => Ok(docseal::Placement::Cell(v)),
        ("end", _) => Ok(docseal::Placement::End),
        _ => Err(bad(
            "place must be text (with value), cell (with value), end, or slot (with its label) when sealing",
        )),
    }
}

/// Where a copy goes: beside the original when it is a local file, else in the output folder.
fn output_dir(state: &AppState, path: Option<&str>) -> PathBuf {
    path.map(|p| p.trim_start_matches("file://"))
        .map(Path::new)
        .filter(|p| p.is_absolute())
        .and_then(Path::parent)
        .filter(|d| d.is_dir())
        .map(Path::to_path_buf)
        .unwrap_or_else(|| state.out_dir.clone())
}

fn sealed_name(dir: &Path, name: &str) -> PathBuf {
    named_copy(dir, name, "sealed")
}

/// NAME.WHAT.EXT in `dir`, or NAME.WHAT (2).EXT ... when taken: an existing file is never replaced.
fn named_copy(dir: &Path, name: &str, what: &str) -> PathBuf {
    let file = Path::new(name)
        .file_name()
        .map(|f| f.to_string_lossy().into_owned())
        .unwrap_or_else(|| "document.docx".into());
    let (stem, ext) = file.rsplit_once('.').unwrap_or((&file, "docx"));
    let mut n = 1;
    loop {
        let candidate = if n == 1 {
            format!("{stem}.{what}.{ext}")
        } else {
            format!("{stem}.{what} ({n}).{ext}")
        };
        let p = dir.join(candidate);
        if !p.exists() {
            return p;
        }
        n += 1;
    }
}

pub async fn stamp(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<StampQuery>,
    body: web::Bytes,
) -> HttpResponse {
    if let Err(r) = state.check_request(&req) {
        return *r;
    }
    let Some(seal) = state.seals.iter().find(|s| s.id == q.seal).cloned() else {
        return error_response(404, "unknown-seal", "no such seal");
    };
    if let Err(wait) = state.pin_gate(&seal.id) {
        return error_response(
            429,
            "pin-backoff",
            &format!("three wrong PINs in a row: wait {wait} s before trying this seal again"),
        );
    }
    // The PIN travels in a header, is used once, and is never logged or kept.
    let pin = req
        .headers()
        .get("x-docseal-pin")
        .and_then(|v| v.to_str().ok())
        .map(|s| zeroize::Zeroizing::new(s.to_string()));
    // Sealing into a slot places nothing.
    let into_slot = (q.place == "slot").then(|| q.value.clone()).flatten();
    let placement = match &into_slot {
        Some(_) => docseal::Placement::End,
        None => match placement(&q.place, q.value.clone(), q.occurrence.as_deref()) {
            Ok(p) => p,
            Err(r) => return *r,
        },
    };
    let dir = output_dir(&state, q.path.as_deref());
    let out = sealed_name(&dir, &q.name);
    let bytes = body.to_vec();
    let st = state.clone();
    let seal_id = seal.id.clone();
    let result = web::block(move || -> Result<docseal::Report, docseal_keeper::Error> {
        let mut keeper = docseal_keeper::Keeper::open(keeper_setup(&st, &seal, pin)?)?;
        for n in keeper.notices() {
            eprintln!("docseal-server: {n}");
        }
        let how = docseal_keeper::Stamping {
            open_pane: into_slot.is_none(),
            into_slot: into_slot.as_deref(),
            ..docseal_keeper::Stamping::at(placement)
        };
        let sealed = keeper.stamp(bytes, &how)?;
        docseal::write_bytes_atomically(&out, &sealed.bytes)?;
        let name = out
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if let Some(Err(e)) = keeper.record("stamp", &name, &sealed.bytes, "ok") {
            eprintln!("docseal-server: report to the seal center: {e}");
        }
        Ok(docseal::verify_bytes(
            &out.display().to_string(),
            sealed.bytes,
            &st.verify,
        ))
    })
    .await;
    match result {
        Ok(Ok(report)) => {
            state.pin_result(&seal_id, false);
            if state.open_files {
                let _ = std::process::Command::new(if cfg!(target_os = "macos") {
                    "open"
                } else {
                    "xdg-open"
                })
                .arg(&report.file)
                .spawn();
            }
            let file = PathBuf::from(&report.file);
            let download = file
                .file_name()
                .map(|f| format!("/api/download/{}", f.to_string_lossy()));
            HttpResponse::Ok().json(serde_json::json!({ "saved_to": report.file, "download": download, "report": report }))
        }
        Ok(Err(e)) => {
            let wrong_pin = matches!(
                e.engine(),
                Some(docseal::Error::WrongPin { .. } | docseal::Error::WrongPassword { .. })
            );
            state.pin_result(&seal_id, wrong_pin);
            error_response(crate::error::keeper_status(&e), e.code(), &e.to_string())
        }
        Err(e) => error_response(500, "internal", &e.to_string()),
    }
}

/// The keeper's session for one of the configured seals: the PIN only from the request, the
/// seal center (when the seal is registered there), the TSA and the clock the server started
/// with.
fn keeper_setup(
    st: &AppState,
    seal: &crate::app::SealConfig,
    pin: Option<zeroize::Zeroizing<String>>,
) -> Result<docseal_keeper::Setup, docseal_keeper::Error> {
    let registered = seal.center_id.clone().filter(|_| st.center.is_some());
    let center = match (&registered, &st.center) {
        (Some(_), Some(c)) => Some(Box::new(c.clone()) as Box<dyn docseal_keeper::CenterLink>),
        _ => None,
    };
    let picture = match &seal.image {
        Some(p) => docseal_keeper::PictureSource::Png(
            std::fs::read(p).map_err(|e| docseal::Error::io(p, e))?,
        ),
        None => docseal_keeper::PictureSource::Drawn(seal.label.clone()),
    };
    Ok(docseal_keeper::Setup {
        seal: registered,
        center,
        cert: seal.cert.clone(),
        picture,
        stamps: true,
        tsa: st.tsa.clone(),
        ltv: st.ltv.clone(),
        clock: st.clock,
        client: Some(format!("docseal-server {}", env!("CARGO_PKG_VERSION"))),
        ..docseal_keeper::Setup::new(
            Some(seal.key.clone()),
            docseal::keys::Unlock {
                secret: pin,
                module: st.pkcs11_module.clone(),
                ..Default::default()
            },
        )
    })
}

#[derive(Deserialize)]
pub struct SlotQuery {
    /// The party the slot is for ("Party B").
    label: String,
    /// Who is expected to seal there.
    hint: Option<String>,
    /// For `POST /api/slot`: the document's name and path, and where the slot goes ("text",
    /// "cell" or "end", with a value for the first two).
    name: Option<String>,
    path: Option<String>,
    place: Option<String>,
    value: Option<String>,
}

/// A new seal slot as Flat OPC, for Word's `insertOoxml` at the selection ("Add seal slot
/// here"): Word inserts signature lines into the open document itself.
pub async fn slot_ooxml(q: web::Query<SlotQuery>) -> HttpResponse {
    let q = q.into_inner();
    match web::block(move || {
        docseal::slots::word_flat_opc(&q.label, q.hint.as_deref(), (42.0, 42.0))
    })
    .await
    {
        Ok(Ok(xml)) => HttpResponse::Ok()
            .content_type("application/xml; charset=utf-8")
            .body(xml),
        Ok(Err(e)) => error_response(crate::error::http_status(&e), e.code(), &e.to_string()),
        Err(e) => error_response(500, "internal", &e.to_string()),
    }
}

/// Adds a seal slot to a copy of the posted document, written beside the original (else in the
/// output folder) as NAME.slots.EXT: Excel's JavaScript API cannot insert a signature line.
pub async fn slot(
    state: web::Data<AppState>,
    req: HttpRequest,
    q: web::Query<SlotQuery>,
    body: web::Bytes,
) -> HttpResponse {
    if let Err(r) = state.check_request(&req) {
        return *r;
    }
    let q = q.into_inner();
    let placement = match placement(q.place.as_deref().unwrap_or("end"), q.value.clone(), None) {
        Ok(p) => p,
        Err(r) => return *r,
    };
    let dir = output_dir(&state, q.path.as_deref());
    let out = named_copy(&dir, q.name.as_deref().unwrap_or("document.docx"), "slots");
    let bytes = body.to_vec();
    let request = docseal::slots::SlotRequest {
        label: q.label.clone(),
        signer_hint: q.hint.clone(),
        placement,
        size_mm: (42.0, 42.0),
        offset_mm: (0.0, 0.0),
    };
    let result = web::block(move || -> Result<(String, PathBuf), docseal::Error> {
        let (added, copy) = docseal::slots::add_bytes(bytes, &request)?;
        docseal::write_bytes_atomically(&out, &copy)?;
        Ok((added.id, out))
    })
    .await;
    match result {
        Ok(Ok((id, out))) => HttpResponse::Ok().json(serde_json::json!({
            "saved_to": out.display().to_string(),
            "slot": { "label": q.label, "id": id },
        })),
        Ok(Err(e)) => error_response(crate::error::http_status(&e), e.code(), &e.to_string()),
        Err(e) => error_response(500, "internal", &e.to_string()),
    }
}

/// Sealed copies in the output folder, and only there.
pub async fn download(state: web::Data<AppState>, name: web::Path<String>) -> HttpResponse {
    let name = name.into_inner();
    if name.contains('/') || name.contains('\\') || name.starts_with('.') {
        return error_response(404, "not-found", "no such file");
    }
    match std::fs::read(state.out_dir.join(&name)) {
        Ok(b) => HttpResponse::Ok()
            .content_type("application/octet-stream")
            .insert_header((
                "Content-Disposition",
                format!("attachment; filename=\"{name}\""),
            ))
            .body(b),
        Err(_) => error_response(404, "not-found", "no such file"),
    }
}
