//! `docseal-center`: the seal center's server. HTTPS API on loopback unless told otherwise,
//! and, when asked, the CRL over plain HTTP for verifiers.

use actix_web::{web, App, HttpServer};
use clap::Parser;
use docseal_center::{routes, tls, Center};
use std::path::PathBuf;
use std::process::ExitCode;
use std::sync::Arc;

#[derive(Parser)]
#[command(
    version,
    about = "The docseal seal center: registry, CRL and audit log over HTTPS"
)]
struct Args {
    /// The center's data directory (made by `docseal center init`).
    #[arg(long)]
    data_dir: PathBuf,
    /// Where the HTTPS API listens.
    #[arg(long, default_value = "127.0.0.1:8444")]
    listen: String,
    /// Also serve GET /crl/… over plain HTTP here (for the CRL distribution point).
    #[arg(long)]
    crl_listen: Option<String>,
    /// More host names for the generated TLS certificate.
    #[arg(long = "tls-name")]
    tls_names: Vec<String>,
    /// The organisation's TLS certificate and key (PEM) instead of the generated ones.
    #[arg(long, requires = "tls_key")]
    tls_cert: Option<PathBuf>,
    #[arg(long, requires = "tls_cert")]
    tls_key: Option<PathBuf>,
    /// Failed logins one client address may make in --client-login-window seconds, whatever
    /// names it tries, before it is told to wait.
    #[arg(long, default_value_t = 20)]
    client_login_failures: usize,
    #[arg(long, default_value_t = 600)]
    client_login_window: i64,
}

fn main() -> ExitCode {
    let a = Args::parse();
    match run(a) {
        Ok(()) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("docseal-center: {e}");
            ExitCode::from(2)
        }
    }
}

fn run(a: Args) -> Result<(), String> {
    let rt = actix_web::rt::System::new();
    rt.block_on(async move {
        let center = Arc::new(Center::open(&a.data_dir).await.map_err(|e| e.to_string())?);
        center.set_client_limit(docseal_center::ClientLimit {
            failures: a.client_login_failures,
            window_seconds: a.client_login_window,
        });
        // The TSA's key is opened now, not at the first request: a token's PIN is asked here, on
        // the terminal, never in the middle of serving. Without it the center still serves, and
        // /tsa answers that it cannot sign.
        if let Err(e) = center.tsa() {
            eprintln!("docseal-center: the time-stamp authority is not available: {e}");
        }
        let (cert, key) = match (&a.tls_cert, &a.tls_key) {
            (Some(c), Some(k)) => (c.clone(), k.clone()),
            _ => tls::ensure(&a.data_dir, &a.tls_names).map_err(|e| e.to_string())?,
        };
        let config = tls::server_config(&cert, &key).map_err(|e| e.to_string())?;
        // A CRL at least daily (RFC 5280 §5.1.2.5: nextUpdate, here two days out, must not pass
        // without a new one): the CRL is re-issued whenever it is read a day old, and this timer
        // reads it every hour, so a quiet center keeps publishing.
        let timer = center.clone();
        actix_web::rt::spawn(async move {
            loop {
                actix_web::rt::time::sleep(std::time::Duration::from_secs(3600)).await;
                if let Err(e) = timer.crl().await {
                    eprintln!("docseal-center: re-issuing the CRL: {e}");
                }
            }
        });
        let data = web::Data::new(center);
        let api_data = data.clone();
        let https = HttpServer::new(move || {
            App::new()
                .app_data(api_data.clone())
                .app_data(web::JsonConfig::default().limit(64 * 1024))
                .configure(routes::api)
        })
        .workers(2)
        .bind_rustls_0_23(a.listen.as_str(), config)
        .map_err(|e| format!("cannot listen on {}: {e}", a.listen))?;
        let addrs = https.addrs();
        let https = https.run();
        let http = match &a.crl_listen {
            Some(listen) => {
                let crl_data = data.clone();
                let s = HttpServer::new(move || {
                    App::new()
                        .app_data(crl_data.clone())
                        .configure(routes::crl_only)
                })
                .workers(1)
                .bind(listen.as_str())
                .map_err(|e| format!("cannot listen on {listen}: {e}"))?;
                let crl_addrs = s.addrs();
                println!(
                    "docseal-center: CRL on http://{}/crl/center.crl",
                    crl_addrs.first().map(|x| x.to_string()).unwrap_or_default()
                );
                Some(s.run())
            }
            None => None,
        };
        println!(
            "docseal-center: listening on https://{} (TLS certificate {})",
            addrs.first().map(|x| x.to_string()).unwrap_or_default(),
            cert.display()
        );
        match http {
            Some(h) => {
                let (x, y) = futures_join(https, h).await;
                x.and(y).map_err(|e| e.to_string())
            }
            None => https.await.map_err(|e| e.to_string()),
        }
    })
}

async fn futures_join(
    a: actix_web::dev::Server,
    b: actix_web::dev::Server,
) -> (std::io::Result<()>, std::io::Result<()>) {
    let hb = b.handle();
    let ta = actix_web::rt::spawn(a);
    let rb = b.await;
    let ra = match ta.await {
        Ok(r) => r,
        Err(e) => Err(std::io::Error::other(e.to_string())),
    };
    hb.stop(true).await;
    (ra, rb)
}
