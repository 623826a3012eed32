//! docseal-server's command line.

use std::path::PathBuf;

use clap::Parser;

#[derive(Parser, Debug)]
#[command(
    name = "docseal-server",
    version,
    about = "The docseal Office add-in's local HTTPS server"
)]
pub(crate) struct Args {
    /// Port on 127.0.0.1.
    #[arg(long, default_value_t = 8443)]
    pub(crate) port: u16,
    /// Where the local CA, certificates, demo seal and sealed copies live.
    #[arg(long)]
    pub(crate) data_dir: Option<PathBuf>,
    /// Print the add-in manifest for this port and exit.
    #[arg(long)]
    pub(crate) manifest: bool,
    /// Do not open sealed copies with the system's handler.
    #[arg(long)]
    pub(crate) no_open: bool,
    /// Largest request body, in MiB.
    #[arg(long, default_value_t = 100)]
    pub(crate) body_limit_mib: usize,
    /// A seal: --key value for the engine (pkcs11: URI, PKCS#12 or PEM key); repeatable.
    #[arg(long = "seal")]
    pub(crate) seals: Vec<String>,
    /// Certificate for a PEM --seal key.
    #[arg(long = "seal-cert")]
    pub(crate) seal_certs: Vec<PathBuf>,
    /// A trusted seal-center or TSA CA for verification; repeatable.
    #[arg(long)]
    pub(crate) trust: Vec<PathBuf>,
    /// A folder of trusted CA certificates (every .pem, .crt, .cer and .der in it).
    #[arg(long)]
    pub(crate) trust_dir: Option<PathBuf>,
    /// A certificate revocation list from the seal center (PEM or DER); repeatable. Read at start.
    #[arg(long)]
    pub(crate) crl: Vec<PathBuf>,
    /// Fetch no CRL from the certificates' distribution points (and ask no seal center).
    #[arg(long)]
    pub(crate) offline: bool,
    /// Seconds a fetched CRL is used before it is fetched again: the longest a seal suspended at
    /// its center can still show as good here when no center is connected.
    #[arg(long, default_value_t = 60)]
    pub(crate) crl_max_age: u64,
    /// A host whose CRL distribution points may be fetched although its address is loopback or
    /// private: HOST or HOST:PORT; repeatable (the --center host is allowed already).
    #[arg(long = "crl-allow", value_name = "HOST[:PORT]")]
    pub(crate) crl_allow: Vec<String>,
    /// Time-stamp every seal at this RFC 3161 authority (XAdES-T); a failing TSA fails the seal.
    #[arg(long)]
    pub(crate) tsa: Option<String>,
    /// The TSA policy OID to ask for.
    #[arg(long, requires = "tsa")]
    pub(crate) tsa_policy: Option<String>,
    /// The time-stamp's hash: sha256 (default) or sha1.
    #[arg(long, requires = "tsa")]
    pub(crate) tsa_digest: Option<String>,
    /// Long-term validation data in every seal (XAdES-X-L): the chain and the --crl lists,
    /// time-stamped.
    #[arg(long, requires = "tsa")]
    pub(crate) ltv: bool,
    /// Offer a demo seal (a file key made in the data directory, clearly labelled DEMO).
    #[arg(long)]
    pub(crate) demo: bool,
    /// Where taskpane/ and manifest/ are (the repository root).
    #[arg(long)]
    pub(crate) static_root: Option<PathBuf>,
    /// The seal center (https://host:port): its seals for this keeper join the picker, each is
    /// checked there before use, and stamps and verifications go to its audit log.
    #[arg(long)]
    pub(crate) center: Option<String>,
    /// The center's TLS certificate (tls.pem in its data directory).
    #[arg(long, requires = "center")]
    pub(crate) center_ca: Option<PathBuf>,
    /// The keeper's name at the center (password from DOCSEAL_CENTER_PASSWORD).
    #[arg(long, requires = "center", default_value = "admin")]
    pub(crate) center_user: String,
}
