//! The command line as typed (clap), before it is turned into engine calls.

use clap::{Args, Parser, Subcommand};
use std::path::PathBuf;

#[derive(Parser, Debug)]
#[command(
    name = "docseal",
    version,
    about = "Electronic seals for Word and Excel documents"
)]
pub struct Cli {
    #[command(subcommand)]
    pub command: Command,
}

#[derive(Subcommand, Debug)]
pub enum Command {
    /// Add an OOXML package signature (XML-DSig + XAdES) to a DOCX or XLSX.
    Sign(SignArgs),
    /// Check the signatures of DOCX/XLSX files and print a verdict for each.
    Verify(VerifyArgs),
}

#[derive(Args, Debug)]
pub struct KeyArgs {
    /// PKCS#12 file (.p12/.pfx), or a PEM private key together with --cert.
    #[arg(long)]
    pub key: PathBuf,
    /// The signer's certificate (PEM or DER), when the key file does not hold it.
    #[arg(long)]
    pub cert: Option<PathBuf>,
    /// Intermediate certificates to embed (PEM).
    #[arg(long)]
    pub chain: Option<PathBuf>,
    /// Read the PIN or password from this file (else DOCSEAL_PIN, else a prompt).
    #[arg(long)]
    pub pin_file: Option<PathBuf>,
}

#[derive(Args, Debug)]
pub struct SignArgs {
    /// The document to sign.
    pub input: PathBuf,
    /// Where to write the signed copy (never the input itself).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Purpose shown in Office's signature details.
    #[arg(long, default_value = "Sealed with docseal")]
    pub comment: String,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Documents to check.
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Print a JSON array with one report per file.
    #[arg(long)]
    pub json: bool,
    /// A trusted CA certificate (PEM or DER); repeatable.
    #[arg(long = "trust")]
    pub trust: Vec<PathBuf>,
    /// A certificate revocation list (PEM or DER) from the seal center; repeatable.
    #[arg(long = "crl")]
    pub crl: Vec<PathBuf>,
    /// Judge certificate validity at this time (RFC 3339) instead of the signing time.
    #[arg(long)]
    pub at: Option<String>,
}
