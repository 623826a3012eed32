//! Routes and the rules every request obeys: loopback only, state changes only from our own
//! origin with a per-page CSRF token, bodies capped, PINs never logged or stored.

use std::collections::{HashMap, HashSet};
use std::path::{Path, PathBuf};
use std::sync::Mutex;
use std::time::{Duration, Instant};

use actix_web::http::header;
use actix_web::{web, HttpRequest, HttpResponse};

/// A seal the keeper can use.
#[derive(Clone, Debug)]
pub struct SealConfig {
    pub id: String,
    pub label: String,
    /// `--key` of the engine: a PKCS#11 URI, a PKCS#12 file or a PEM key.
    pub key: String,
    pub cert: Option<PathBuf>,
    pub image: Option<PathBuf>,
    pub demo: bool,
    /// The seal's id at the seal center, when the center listed it.
    pub center_id: Option<String>,
    /// The center's policy asks for an approval before each use (as listed at start; the
    /// stamp checks the live policy).
    pub approval_required: bool,
}

pub struct AppState {
    pub root: PathBuf,
    pub port: u16,
    pub out_dir: PathBuf,
    pub open_files: bool,
    pub seals: Vec<SealConfig>,
    /// Time-stamp every seal here (XAdES-T).
    pub tsa: Option<docseal::TsaRequest>,
    /// Embed long-term validation data (XAdES-X-L) with these CRLs.
    pub ltv: Option<docseal::LongTermData>,
    pub verify: docseal::VerifyOptions,
    pub csrf: Mutex<HashSet<String>>,
    /// Wrong PINs in a row per seal, and until when further tries wait.
    pub backoff: Mutex<HashMap<String, (u32, Option<Instant>)>>,
    /// The seal center: seals are checked there before use, and stamps and verifications are
    /// reported to its audit log (through the journal).
    pub center: Option<std::sync::Arc<Mutex<docseal_center_client::client::Client>>>,
    /// The PKCS#11 module for token seals whose URI names none.
    pub pkcs11_module: Option<PathBuf>,
    /// The signing clock (SOURCE_DATE_EPOCH fixes it, as for the command line).
    pub clock: docseal_keeper::Clock,
}

pub fn random_hex(n: usize) -> String {
    use std::io::Read;
    let mut buf = vec![0u8; n];
    if let Ok(mut f) = std::fs::File::open("/dev/urandom") {
        let _ = f.read_exact(&mut buf);
    }
    buf.iter().map(|b| format!("{b:02x}")).collect()
}

impl AppState {
    pub fn origins(&self) -> [String; 2] {
        [
            format!("https://127.0.0.1:{}", self.port),
            format!("https://localhost:{}", self.port),
        ]
    }

    /// A new token for a page just served; the oldest are forgotten past a thousand.
    pub fn new_csrf(&self) -> String {
        let t = random_hex(24);
        if let Ok(mut set) = self.csrf.lock() {
            if set.len() > 1000 {
                set.clear();
            }
            set.insert(t.clone());
        }
        t
    }

    /// State-changing requests must come from our own page: same origin and a token it was given.
    pub fn check_request(&self, req: &HttpRequest) -> Result<(), Box<HttpResponse>> {
        let h = |n: header::HeaderName| {
            req.headers()
                .get(n)
                .and_then(|v| v.to_str().ok())
                .map(str::to_string)
        };
        let origins = self.origins();
        let from_us = match (h(header::ORIGIN), h(header::REFERER)) {
            (Some(o), _) => origins.contains(&o),
            (None, Some(r)) => origins.iter().any(|o| r.starts_with(&format!("{o}/"))),
            (None, None) => false,
        };
        if !from_us {
            return Err(Box::new(crate::error::error_response(
                403,
                "forbidden-origin",
                "requests must come from the docseal page served by this server",
            )));
        }
        let token = req
            .headers()
            .get("x-csrf-token")
            .and_then(|v| v.to_str().ok())
            .unwrap_or("");
        let known = self.csrf.lock().map(|s| s.contains(token)).unwrap_or(false);
        if token.is_empty() || !known {
            return Err(Box::new(crate::error::error_response(
                403,
                "bad-csrf-token",
                "missing or unknown CSRF token; reload the page",
            )));
        }
        Ok(())
    }

    /// Refuses a PIN try while the seal is in back-off; says how long to wait.
    pub fn pin_gate(&self, seal: &str) -> Result<(), u64> {
        let map = self.backoff.lock().map_err(|_| 1u64)?;
        match map.get(seal) {
            Some((_, Some(until))) if *until > Instant::now() => {
                Err(until.duration_since(Instant::now()).as_secs() + 1)
            }
            _ => Ok(()),
        }
    }

    /// Records a PIN outcome: three wrong in a row start a back-off that doubles each time.
    pub fn pin_result(&self, seal: &str, wrong: bool) {
        if let Ok(mut map) = self.backoff.lock() {
            let e = map.entry(seal.to_string()).or_insert((0, None));
            if wrong {
                e.0 += 1;
                if e.0 >= 3 {
                    let secs = 30u64 << (e.0 - 3).min(6);
                    e.1 = Some(Instant::now() + Duration::from_secs(secs));
                }
            } else {
                *e = (0, None);
            }
        }
    }
}

fn content_type(path: &Path) -> &'static str {
    match path.extension().and_then(|e| e.to_str()).unwrap_or("") {
        "html" => "text/html; charset=utf-8",
        "js" => "text/javascript; charset=utf-8",
        "css" => "text/css; charset=utf-8",
        "png" => "image/png",
        "svg" => "image/svg+xml",
        "json" => "application/json",
        "xml" => "application/xml",
        _ => "application/octet-stream",
    }
}

/// A file under `base`, by a relative path that may not climb out of it.
fn serve_file(base: &Path, rel: &str, state: &AppState) -> HttpResponse {
    if rel
        .split('/')
        .any(|s| s == ".." || s.is_empty() && !rel.is_empty())
        || rel.contains('\\')
    {
        return crate::error::error_response(404, "not-found", "no such file");
    }
    let path = base.join(rel);
    match std::fs::read(&path) {
        Ok(bytes) => {
            let mut body = bytes;
            // The task pane gets a fresh CSRF token in its page.
            if path.extension().is_some_and(|e| e == "html") {
                let text =
                    String::from_utf8_lossy(&body).replace("{{CSRF_TOKEN}}", &state.new_csrf());
                body = text.into_bytes();
            }
            HttpResponse::Ok()
                .content_type(content_type(&path))
                .insert_header((header::CACHE_CONTROL, "no-store"))
                .insert_header(("X-Content-Type-Options", "nosniff"))
                .body(body)
        }
        Err(_) => crate::error::error_response(404, "not-found", "no such file"),
    }
}

pub async fn taskpane(state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    serve_file(&state.root.join("taskpane"), &path, &state)
}

pub async fn manifest_files(state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    serve_file(&state.root.join("manifest"), &path, &state)
}

/// office.js from the npm package @microsoft/office-js when it is installed under taskpane/
/// (`npm install` there), so the add-in works with no internet; the page falls back to the CDN.
pub async fn office_js(state: web::Data<AppState>, path: web::Path<String>) -> HttpResponse {
    serve_file(
        &state
            .root
            .join("taskpane/node_modules/@microsoft/office-js/dist"),
        &path,
        &state,
    )
}
