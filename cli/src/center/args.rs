//! The `docseal center` command line: its subcommands and their arguments.

use clap::{Args, Subcommand, ValueEnum};
use docseal_center::registry::Reason;
use docseal_center::Error;
use std::path::{Path, PathBuf};

#[derive(Args, Debug)]
pub struct CenterArgs {
    /// The center's data directory (CA, configuration, and the SQLite store).
    #[arg(long, default_value = "docseal-center")]
    pub data_dir: PathBuf,
    /// Work through a running docseal-center instead (https://host:port): seal list, show,
    /// suspend, reinstate and revoke, crl, and audit.
    #[arg(long, conflicts_with = "data_dir")]
    pub center: Option<String>,
    /// The center's TLS certificate (tls.pem in its data directory), with --center.
    #[arg(long, requires = "center")]
    pub center_ca: Option<PathBuf>,
    /// Who acts (the password comes from DOCSEAL_PASSWORD, else a prompt).
    #[arg(long, default_value = docseal_center::ADMIN, global = true)]
    pub user: String,
    /// Print JSON instead of text.
    #[arg(long, global = true)]
    pub json: bool,
    #[command(subcommand)]
    pub command: CenterCommand,
}

#[derive(Subcommand, Debug)]
pub enum CenterCommand {
    /// Create the center: a CA (or the organisation's), the store, and the administrator
    /// (password from DOCSEAL_ADMIN_PASSWORD, else a prompt).
    Init(InitArgs),
    /// Make a seal on a token: a key generated there (never extractable), a certificate
    /// request signed there, the certificate issued by the center and written back beside the
    /// key, and the seal registered with its picture. Prints the seal id on its last line.
    Enroll(EnrollArgs),
    /// The seal registry.
    #[command(subcommand)]
    Seal(SealCommand),
    /// Keepers, administrators and auditors.
    #[command(subcommand)]
    Keeper(KeeperCommand),
    /// Write the current CRL (DER), re-issued first if it is a day old.
    Crl {
        #[arg(short, long)]
        output: PathBuf,
    },
    /// List the audit log, or check its chain and signed head with --verify.
    Audit(AuditArgs),
    /// Ask to use a seal whose policy requires approval on DOC (its exact bytes); prints the
    /// request id on its last line.
    Request {
        #[arg(long)]
        seal: String,
        doc: PathBuf,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Approve a request (the approver role); the approval is good for seven days, once.
    Approve {
        request: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// Reject a request (the approver role).
    Reject {
        request: String,
        #[arg(long)]
        reason: Option<String>,
    },
    /// The approval requests (a keeper sees their own).
    Approvals {
        /// pending, approved, rejected or used.
        #[arg(long)]
        status: Option<String>,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum KeyTypeArg {
    Ec,
    Rsa,
}

#[derive(Args, Debug)]
pub struct InitArgs {
    /// The CA's name.
    #[arg(long, default_value = "docseal Seal Center")]
    pub name: String,
    /// EC P-256 or RSA-3072.
    #[arg(long, value_enum, default_value = "ec")]
    pub key_type: KeyTypeArg,
    /// Import the organisation's CA certificate (PEM) instead of creating one…
    #[arg(long, requires = "ca_key")]
    pub ca_cert: Option<PathBuf>,
    /// …and its key: a PKCS#8 PEM file, or a `pkcs11:` URI of a key on an HSM. A `pkcs11:` URI
    /// without --ca-cert makes a new CA key on that token (never extractable).
    #[arg(long)]
    pub ca_key: Option<String>,
    /// The HSM's PIN in a file (else DOCSEAL_CA_PIN, else a prompt); the center remembers
    /// the file's path to sign CRLs and certificates later.
    #[arg(long)]
    pub ca_pin_file: Option<PathBuf>,
    /// A PostgreSQL store (postgres://user:pass@host/db) instead of SQLite in the data directory.
    #[arg(long)]
    pub database: Option<String>,
    /// The CRL distribution point written into seal certificates.
    #[arg(long)]
    pub crl_url: Option<String>,
    /// Generate the time-stamp authority's key on an HSM (a `pkcs11:` URI) instead of
    /// `tsa.key` in the data directory.
    #[arg(long)]
    pub tsa_key: Option<String>,
    /// That HSM's PIN in a file (else DOCSEAL_TSA_PIN, else DOCSEAL_CA_PIN, else a prompt).
    #[arg(long, requires = "tsa_key")]
    pub tsa_pin_file: Option<PathBuf>,
}

#[derive(Subcommand, Debug)]
pub enum SealCommand {
    /// Register a seal whose certificate exists; prints the new id on its last line.
    Add(SealAddArgs),
    /// Issue a seal certificate for a public key and register it; prints the id last.
    Issue(SealIssueArgs),
    List,
    Show {
        id: String,
    },
    /// Report a seal lost or stolen: suspended at once (certificateHold on the CRL).
    Suspend {
        id: String,
        #[arg(long, value_enum)]
        reason: ReasonArg,
    },
    /// The token was found: take the seal off the CRL.
    Reinstate {
        id: String,
    },
    /// Revoke for good (keyCompromise for lost or stolen, cessationOfOperation for retired).
    Revoke {
        id: String,
        #[arg(long, value_enum)]
        reason: ReasonArg,
    },
    /// Change a seal's policy: whether each use needs an approver's approval.
    Policy {
        id: String,
        #[arg(long, value_parser = ["none", "required"])]
        approval: String,
    },
}

#[derive(Clone, Copy, Debug, ValueEnum)]
pub enum ReasonArg {
    Lost,
    Stolen,
    Retired,
}

impl From<ReasonArg> for Reason {
    fn from(r: ReasonArg) -> Reason {
        match r {
            ReasonArg::Lost => Reason::Lost,
            ReasonArg::Stolen => Reason::Stolen,
            ReasonArg::Retired => Reason::Retired,
        }
    }
}

#[derive(Args, Debug)]
pub struct SealFields {
    /// The keeper who holds the seal's token.
    #[arg(long)]
    pub holder: String,
    /// The seal's name (default: the certificate's common name).
    #[arg(long)]
    pub name: Option<String>,
    /// The unit the seal belongs to.
    #[arg(long)]
    pub unit: Option<String>,
    /// official, contract, finance, …
    #[arg(long, default_value = "official")]
    pub kind: String,
    /// The seal picture (PNG).
    #[arg(long)]
    pub image: Option<PathBuf>,
    /// Whether each use needs an approver's approval.
    #[arg(long, value_parser = ["none", "required"], default_value = "none")]
    pub approval: String,
    /// Where the seal's key is (a pkcs11: URI or a file), for clients that pick the seal.
    #[arg(long)]
    pub key_uri: Option<String>,
}

#[derive(Args, Debug)]
pub struct SealAddArgs {
    /// The seal certificate (PEM or DER).
    #[arg(long)]
    pub cert: PathBuf,
    #[command(flatten)]
    pub fields: SealFields,
}

#[derive(Args, Debug)]
pub struct SealIssueArgs {
    /// The seal's public key (SubjectPublicKeyInfo, PEM or DER) or a certificate holding it.
    #[arg(long)]
    pub public_key: PathBuf,
    /// Write the issued certificate here (PEM).
    #[arg(short, long)]
    pub output: Option<PathBuf>,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 3 * 365)]
    pub days: i64,
    #[command(flatten)]
    pub fields: SealFields,
}

#[derive(Args, Debug)]
pub struct EnrollArgs {
    /// The keeper's token (pkcs11:token=LABEL, with module-path= if not the default module).
    #[arg(long)]
    pub token: String,
    /// The token's PIN in a file (else DOCSEAL_PIN or a prompt).
    #[arg(long)]
    pub pin_file: Option<PathBuf>,
    /// The key's label on the token (default: the seal's name).
    #[arg(long)]
    pub label: Option<String>,
    #[arg(long, value_enum, default_value = "ec")]
    pub key_type: KeyTypeArg,
    /// A line of text under the star of the drawn seal ("Contract Seal").
    #[arg(long)]
    pub text: Option<String>,
    /// Days the certificate is valid.
    #[arg(long, default_value_t = 3 * 365)]
    pub days: i64,
    #[command(flatten)]
    pub fields: SealFields,
}

#[derive(Subcommand, Debug)]
pub enum KeeperCommand {
    /// Add a user (password from DOCSEAL_NEW_PASSWORD, else a prompt).
    Add {
        name: String,
        #[arg(long, value_parser = ["keeper", "approver", "auditor", "administrator"], default_value = "keeper")]
        role: String,
    },
    List,
    Disable {
        name: String,
    },
}

#[derive(Args, Debug)]
pub struct AuditArgs {
    #[arg(long)]
    pub seal: Option<String>,
    /// Only entries at or after this time (RFC 3339, or Unix seconds).
    #[arg(long)]
    pub since: Option<String>,
    /// Check the chain and the signed head; exit 1 naming the first broken row.
    #[arg(long)]
    pub verify: bool,
    /// Print CSV.
    #[arg(long, conflicts_with = "json")]
    pub csv: bool,
}

/// A request for `doc`: its name and the SHA-256 of its bytes.
pub(crate) fn approval_request(
    seal: &str,
    doc: &Path,
    reason: Option<String>,
) -> Result<docseal_center::approvals::NewRequest, Error> {
    let bytes = read_file(doc)?;
    Ok(docseal_center::approvals::NewRequest {
        seal_id: seal.to_string(),
        document: doc
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default(),
        document_sha256: docseal_center::audit::hex(&docseal::DigestAlg::Sha256.digest(&bytes)),
        reason,
    })
}

pub(crate) fn since(au: &AuditArgs) -> Result<Option<i64>, Error> {
    Ok(match &au.since {
        None => None,
        Some(s) => Some(match s.parse::<i64>() {
            Ok(n) => n,
            Err(_) => {
                time::OffsetDateTime::parse(s, &time::format_description::well_known::Rfc3339)
                    .map_err(|e| Error::Invalid(format!("--since {s:?}: {e}")))?
                    .unix_timestamp()
            }
        }),
    })
}

pub(super) fn read_file(p: &Path) -> Result<Vec<u8>, Error> {
    std::fs::read(p).map_err(|e| Error::Io(format!("cannot read {}: {e}", p.display())))
}
