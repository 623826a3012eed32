//! docseal-server: the Office add-in's local HTTPS server on 127.0.0.1. It serves the task pane
//! and the manifest's assets, and the JSON API the pane calls to verify and seal documents.

mod api;
mod app;
mod args;
mod center;
mod demo;
mod error;
mod routes;
mod tls;

use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::{web, App, HttpServer};
use clap::Parser;

use args::Args;
use error::ServerError;

fn data_dir(a: &Args) -> PathBuf {
    a.data_dir.clone().unwrap_or_else(|| {
        let base = std::env::var_os("XDG_DATA_HOME")
            .map(PathBuf::from)
            .or_else(|| std::env::var_os("HOME").map(|h| PathBuf::from(h).join(".local/share")))
            .unwrap_or_else(|| PathBuf::from("."));
        base.join("docseal")
    })
}

fn main() -> ExitCode {
    let a = Args::parse();
    match run(a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("docseal-server: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(a: Args) -> Result<(), ServerError> {
    let root = a
        .static_root
        .clone()
        .unwrap_or_else(|| PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".."));
    let manifest_path = root.join("manifest/manifest.xml");
    if a.manifest {
        return print_manifest(&manifest_path, a.port);
    }
    let dir = data_dir(&a);
    let pki = tls::ensure(&dir.join("tls"))?;
    if pki.created {
        println!("made a local CA for this machine: {}", pki.ca_pem.display());
        println!("{}", tls::trust_instructions(&pki.ca_pem));
    }
    let out_dir = dir.join("sealed");
    std::fs::create_dir_all(&out_dir).map_err(|e| ServerError::io(&out_dir, e))?;

    let mut seals = configured_seals(&a);
    let mut trust = docseal::Validator::default();
    let center = match &a.center {
        Some(url) => Some(std::sync::Arc::new(std::sync::Mutex::new(center::connect(
            url, &a, &dir, &mut seals, &mut trust,
        )?))),
        None => None,
    };
    trust.revocation = (!a.offline).then(|| center::revocation_sources(&a, center.as_ref()));
    if a.demo {
        let d = demo::ensure(&dir.join("demo"))?;
        trust.anchors.extend(docseal::Cert::load_file(&d.ca)?);
        seals.push(d.seal);
    }
    add_trust(&a, &mut trust)?;
    let tsa = a
        .tsa
        .as_deref()
        .map(|url| {
            docseal::TsaRequest::from_options(
                docseal_keeper::HttpTsa::at(url)?,
                a.tsa_policy.as_deref(),
                a.tsa_digest.as_deref(),
            )
        })
        .transpose()?;
    let ltv = a.ltv.then(|| docseal::LongTermData {
        crls: trust.crls.clone(),
    });
    let state = web::Data::new(app::AppState {
        root,
        port: a.port,
        out_dir,
        open_files: !a.no_open,
        seals,
        tsa,
        ltv,
        verify: docseal::VerifyOptions {
            trust,
            // With a seal center, a seal picture no center issued is an error.
            require_issued_seals: center.is_some(),
            ..Default::default()
        },
        csrf: Default::default(),
        backoff: Default::default(),
        center,
        // The one piece of the environment the server takes for keys: which PKCS#11 module
        // holds the tokens. A PIN only ever comes with the request (DOCSEAL_PIN is ignored).
        pkcs11_module: std::env::var_os("DOCSEAL_PKCS11_MODULE").map(PathBuf::from),
        clock: docseal_keeper::Clock::from_env()?,
    });
    let config = tls::server_config(&pki)?;
    let limit = a.body_limit_mib << 20;
    println!("docseal-server on https://127.0.0.1:{}/ (task pane: https://localhost:{}/taskpane/taskpane.html)", a.port, a.port);
    println!(
        "add-in manifest: {} (docseal-server --manifest prints it for this port)",
        manifest_path.display()
    );
    let st = state.clone();
    let server = HttpServer::new(move || {
        let guard = st.clone();
        App::new()
            .app_data(st.clone())
            // Origin and CSRF are checked before anything else of a state-changing request is
            // read: a foreign page learns nothing from how its query or body would be parsed.
            .wrap_fn(move |req, srv| {
                use actix_web::dev::Service;
                let safe = matches!(
                    *req.method(),
                    actix_web::http::Method::GET | actix_web::http::Method::HEAD
                );
                let refusal = if safe {
                    None
                } else {
                    guard.check_request(req.request()).err()
                };
                let call = match refusal {
                    None => Ok(srv.call(req)),
                    Some(resp) => Err(req.into_response((*resp).map_into_right_body())),
                };
                async move {
                    match call {
                        Ok(fut) => fut.await.map(|r| r.map_into_left_body()),
                        Err(refused) => Ok(refused),
                    }
                }
            })
            .configure(|c| routes::routes(c, limit))
    })
    .workers(2)
    // Loopback only: nothing else on the network can reach the keeper's token.
    .bind_rustls_0_23(("127.0.0.1", a.port), config)
    .map_err(|e| ServerError::Setup(format!("cannot listen on 127.0.0.1:{}: {e}", a.port)))?
    .run();
    actix_web::rt::System::new()
        .block_on(server)
        .map_err(|e| ServerError::Setup(e.to_string()))
}

/// `--manifest`: the add-in manifest with this server's port.
fn print_manifest(path: &std::path::Path, port: u16) -> Result<(), ServerError> {
    let xml = std::fs::read_to_string(path).map_err(|e| ServerError::io(path, e))?;
    print!(
        "{}",
        xml.replace(
            "https://localhost:8443",
            &format!("https://localhost:{port}")
        )
    );
    Ok(())
}

/// The seals `--seal` (and `--seal-cert`) name, in order: seal1, seal2, …, each called by what
/// a person would call it (its certificate's common name), never by its key's URI or path.
fn configured_seals(a: &Args) -> Vec<app::SealConfig> {
    a.seals
        .iter()
        .enumerate()
        .map(|(i, key)| app::SealConfig {
            id: format!("seal{}", i + 1),
            label: seal_name(key, a.seal_certs.get(i).map(PathBuf::as_path)),
            key: key.clone(),
            cert: a.seal_certs.get(i).cloned(),
            image: None,
            demo: false,
            center_id: None,
            approval_required: false,
        })
        .collect()
}

/// `--trust`, `--trust-dir` and `--crl`, read at start.
fn add_trust(a: &Args, trust: &mut docseal::Validator) -> Result<(), ServerError> {
    for t in &a.trust {
        trust.anchors.extend(docseal::Cert::load_file(t)?);
    }
    if let Some(d) = &a.trust_dir {
        trust.anchors.extend(docseal::Cert::load_dir(d)?);
    }
    for c in &a.crl {
        trust.crls.push(docseal::Crl::load_file(c)?);
    }
    Ok(())
}

/// A configured seal's name: its certificate's common name (the `--seal-cert` file, or the
/// certificate beside the key on its token, read without a PIN); else the key object's label or
/// the key file's name.
fn seal_name(key: &str, cert: Option<&std::path::Path>) -> String {
    let from_cert = match cert {
        Some(c) => docseal::Cert::load_file(c)
            .ok()
            .and_then(|l| l.into_iter().next()),
        None => docseal::keys::Pkcs11Uri::parse(key).ok().and_then(|uri| {
            let module = std::env::var_os("DOCSEAL_PKCS11_MODULE").map(PathBuf::from);
            docseal::keys::public_certificate(&uri, module.as_deref())
                .ok()
                .flatten()
        }),
    };
    if let Some(c) = from_cert {
        return c.common_name();
    }
    match docseal::keys::Pkcs11Uri::parse(key) {
        Ok(uri) => uri.object.or(uri.token).unwrap_or_else(|| key.to_string()),
        Err(_) => std::path::Path::new(key)
            .file_stem()
            .map(|s| s.to_string_lossy().into_owned())
            .unwrap_or_else(|| key.to_string()),
    }
}
