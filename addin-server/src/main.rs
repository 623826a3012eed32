//! docseal-server: the Office add-in's local HTTPS server on 127.0.0.1. It serves the task pane
//! and the manifest's assets, and the JSON API the pane calls to verify and seal documents.

mod api;
mod app;
mod center;
mod demo;
mod error;
mod tls;

use std::path::PathBuf;
use std::process::ExitCode;

use actix_web::{web, App, HttpServer};
use clap::Parser;

use error::ServerError;

#[derive(Parser, Debug)]
#[command(
    name = "docseal-server",
    version,
    about = "The docseal Office add-in's local HTTPS server"
)]
pub(crate) struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8443)]
    port: u16,
    /// Where the local CA, certificates, demo seal and sealed copies live.
    #[arg(long)]
    data_dir: Option<PathBuf>,
    /// Print the add-in manifest for this port and exit.
    #[arg(long)]
    manifest: bool,
    /// Do not open sealed copies with the system's handler.
    #[arg(long)]
    no_open: bool,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 100)]
    body_limit_mib: usize,
    /// A seal: --key value for the engine (pkcs11: URI, PKCS#12 or PEM key); repeatable.
    #[arg(long = "seal")]
    seals: Vec<String>,
    /// Certificate for a PEM --seal key.
    #[arg(long = "seal-cert")]
    seal_certs: Vec<PathBuf>,
    /// A trusted seal-center or TSA CA for verification; repeatable.
    #[arg(long)]
    trust: Vec<PathBuf>,
    /// A folder of trusted CA certificates (every .pem, .crt, .cer and .der in it).
    #[arg(long)]
    trust_dir: Option<PathBuf>,
    /// A certificate revocation list from the seal center (PEM or DER); repeatable. Read at start.
    #[arg(long)]
    crl: Vec<PathBuf>,
    /// Fetch no CRL from the certificates' distribution points (and ask no seal center).
    #[arg(long)]
    offline: bool,
    /// Seconds a fetched CRL is used before it is fetched again: the longest a seal suspended at
    /// its center can still show as good here when no center is connected.
    #[arg(long, default_value_t = 60)]
    crl_max_age: u64,
    /// A host whose CRL distribution points may be fetched although its address is loopback or
    /// private: HOST or HOST:PORT; repeatable (the --center host is allowed already).
    #[arg(long = "crl-allow", value_name = "HOST[:PORT]")]
    crl_allow: Vec<String>,
    /// Time-stamp every seal at this RFC 3161 authority (XAdES-T); a failing TSA fails the seal.
    #[arg(long)]
    tsa: Option<String>,
    /// The TSA policy OID to ask for.
    #[arg(long, requires = "tsa")]
    tsa_policy: Option<String>,
    /// The time-stamp's hash: sha256 (default) or sha1.
    #[arg(long, requires = "tsa")]
    tsa_digest: Option<String>,
    /// Long-term validation data in every seal (XAdES-X-L): the chain and the --crl lists,
    /// time-stamped.
    #[arg(long, requires = "tsa")]
    ltv: bool,
    /// Offer a demo seal (a file key made in the data directory, clearly labelled DEMO).
    #[arg(long)]
    demo: bool,
    /// Where taskpane/ and manifest/ are (the repository root).
    #[arg(long)]
    static_root: Option<PathBuf>,
    /// The seal center (https://host:port): its seals for this keeper join the picker, each is
    /// checked there before use, and stamps and verifications go to its audit log.
    #[arg(long)]
    center: Option<String>,
    /// The center's TLS certificate (tls.pem in its data directory).
    #[arg(long, requires = "center")]
    center_ca: Option<PathBuf>,
    /// The keeper's name at the center (password from DOCSEAL_CENTER_PASSWORD).
    #[arg(long, requires = "center", default_value = "admin")]
    center_user: String,
}

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
        let xml = std::fs::read_to_string(&manifest_path)
            .map_err(|e| ServerError::io(&manifest_path, e))?;
        print!(
            "{}",
            xml.replace(
                "https://localhost:8443",
                &format!("https://localhost:{}", a.port)
            )
        );
        return Ok(());
    }
    let dir = data_dir(&a);
    let pki = tls::ensure(&dir.join("tls"))?;
    if pki.created {
        println!("made a local CA for this machine: {}", pki.ca_pem.display());
        println!("{}", tls::trust_instructions(&pki.ca_pem));
    }
    let out_dir = dir.join("sealed");
    std::fs::create_dir_all(&out_dir).map_err(|e| ServerError::io(&out_dir, e))?;

    let mut seals = Vec::new();
    let mut trust = docseal::Validator::default();
    for (i, key) in a.seals.iter().enumerate() {
        seals.push(app::SealConfig {
            id: format!("seal{}", i + 1),
            label: key.clone(),
            key: key.clone(),
            cert: a.seal_certs.get(i).cloned(),
            image: None,
            demo: false,
            center_id: None,
            approval_required: false,
        });
    }
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
    for t in &a.trust {
        trust.anchors.extend(docseal::Cert::load_file(t)?);
    }
    if let Some(d) = &a.trust_dir {
        trust.anchors.extend(docseal::Cert::load_dir(d)?);
    }
    for c in &a.crl {
        trust.crls.push(docseal::Crl::load_file(c)?);
    }
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
            .configure(|c| app::routes(c, limit))
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
