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
    /// Draw a round seal picture, or make a scanned seal transparent.
    Image(ImageArgs),
    /// Place a seal picture into a DOCX or XLSX and sign it, in one pass.
    Stamp(StampArgs),
    /// Seal every document of a folder (templates become documents) with one PIN entry.
    Batch(BatchArgs),
    /// Seal slots: places for each party's seal, added while the document is drafted.
    Slot(SlotArgs),
    /// List PKCS#11 tokens and the seal certificates on them, with the URI to use for each.
    Tokens(TokensArgs),
    /// The seal center: its CA, the seal registry, keepers, the CRL and the audit log.
    Center(crate::center::CenterArgs),
}

#[derive(Args, Debug)]
pub struct TokensArgs {
    /// The PKCS#11 module (else DOCSEAL_PKCS11_MODULE, p11-kit's proxy, SoftHSM2).
    #[arg(long)]
    pub module: Option<String>,
}

#[derive(Args, Debug)]
pub struct ImageArgs {
    /// The unit name along the upper arc.
    #[arg(
        long,
        required_unless_present = "from_scan",
        conflicts_with = "from_scan"
    )]
    pub name: Option<String>,
    /// A line of text below the star ("Contract Seal").
    #[arg(long)]
    pub text: Option<String>,
    /// A serial number along the lower arc.
    #[arg(long)]
    pub serial: Option<String>,
    /// Diameter (width for the oval) in millimetres.
    #[arg(long, default_value_t = 42.0)]
    pub size_mm: f32,
    /// Ink colour.
    #[arg(long, default_value = "#d40000")]
    pub color: String,
    /// Resolution of the picture.
    #[arg(long, default_value_t = 600)]
    pub dpi: u32,
    /// Draw the oval finance seal instead of the round one.
    #[arg(long)]
    pub oval: bool,
    /// Make this scanned seal (PNG or JPEG, on white paper) transparent instead of drawing one.
    #[arg(long)]
    pub from_scan: Option<PathBuf>,
    /// The PNG to write.
    #[arg(short, long)]
    pub output: PathBuf,
}

#[derive(Args, Debug)]
pub struct StampArgs {
    /// The document to seal.
    pub input: PathBuf,
    /// Where to write the sealed copy (never the input itself).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub key: KeyArgs,
    /// The seal picture (PNG with transparency).
    #[arg(long, conflicts_with = "name")]
    pub image: Option<PathBuf>,
    /// Draw the seal picture with this unit name instead of --image.
    #[arg(long)]
    pub name: Option<String>,
    #[command(flatten)]
    pub tsa: TsaArgs,
    #[command(flatten)]
    pub place: PlaceArgs,
    /// Purpose shown in Office's signature details.
    #[arg(long, default_value = docseal_keeper::DEFAULT_COMMENT)]
    pub comment: String,
    /// Make Word and Excel open the docseal task pane with the sealed document (where the add-in
    /// is installed); the pane's parts are covered by the seal's signature.
    #[arg(long)]
    pub open_pane: bool,
    /// Seal into the empty seal slot with this label, leaving the document as it is: every
    /// earlier seal stays valid. The placement options are not used.
    #[arg(long, conflicts_with_all = ["at_text", "at_cell", "at_end"])]
    pub into_slot: Option<String>,
    /// Reserve a seal slot for another party before sealing: LABEL@TEXT (centred on the text) or
    /// LABEL@cell:Sheet1!C5. May be given several times.
    #[arg(long, value_name = "LABEL@TEXT")]
    pub reserve: Vec<String>,
    #[command(flatten)]
    pub center: crate::link::CenterUseArgs,
}

#[derive(Args, Debug)]
pub struct SlotArgs {
    #[command(subcommand)]
    pub command: SlotCommand,
}

#[derive(Subcommand, Debug)]
pub enum SlotCommand {
    /// Add an empty seal slot (an Office signature line) with a label, before anyone seals.
    Add(SlotAddArgs),
    /// List the seal slots of a document.
    List(SlotListArgs),
}

#[derive(Args, Debug)]
pub struct SlotAddArgs {
    /// The draft document.
    pub input: PathBuf,
    /// Where to write the copy with the slot (never the input itself).
    #[arg(short, long)]
    pub output: PathBuf,
    /// The party the slot is for ("Party B"): `stamp --into-slot` names it so.
    #[arg(long)]
    pub label: String,
    /// Who is expected to seal there ("Northwind Ltd."), shown under the label.
    #[arg(long)]
    pub signer_hint: Option<String>,
    /// Where the slot goes, and its size (square: a round seal fits it).
    #[command(flatten)]
    pub place: PlaceArgs,
}

#[derive(Args, Debug)]
pub struct SlotListArgs {
    /// The document.
    pub input: PathBuf,
    /// Print JSON.
    #[arg(long)]
    pub json: bool,
}

/// Where the seal goes, for `stamp` and `batch`.
#[derive(Args, Debug)]
pub struct PlaceArgs {
    /// Centre the seal on this text (found across runs, in tables, headers and footers, cells).
    #[arg(long, group = "place")]
    pub at_text: Option<String>,
    /// Which occurrence of --at-text: first, last or a number (1 = first).
    #[arg(long, default_value = "first", requires = "at_text")]
    pub occurrence: String,
    /// Centre the seal on this cell (XLSX): Sheet1!E20, or E20 on the first visible sheet.
    #[arg(long, group = "place")]
    pub at_cell: Option<String>,
    /// Put the seal after the last paragraph, right-aligned (DOCX), or below the used range of the
    /// first visible sheet, at its right edge (XLSX).
    #[arg(long, group = "place")]
    pub at_end: bool,
    /// Size of the seal on the page, in millimetres.
    #[arg(long, default_value_t = docseal_keeper::DEFAULT_SIZE_MM)]
    pub size_mm: f64,
    /// Move the seal from its place by X,Y millimetres (right, down).
    #[arg(long, allow_hyphen_values = true)]
    pub offset_mm: Option<String>,
}

/// `docseal batch IN_DIR -o OUT_DIR`: seal every document of a folder with one PIN entry.
#[derive(Args, Debug)]
pub struct BatchArgs {
    /// The folder of documents (.docx .docm .dotx .dotm .xlsx .xlsm .xltx .xltm).
    pub input: PathBuf,
    /// The folder for the sealed copies (templates become documents: .dotx → .docx ...).
    #[arg(short, long)]
    pub output: PathBuf,
    #[command(flatten)]
    pub key: KeyArgs,
    /// The seal picture (PNG with transparency).
    #[arg(long, conflicts_with_all = ["name", "sign_only"])]
    pub image: Option<PathBuf>,
    /// Draw the seal picture with this unit name instead of --image.
    #[arg(long, conflicts_with = "sign_only")]
    pub name: Option<String>,
    #[command(flatten)]
    pub place: PlaceArgs,
    /// Sign only, without a seal picture.
    #[arg(long)]
    pub sign_only: bool,
    /// Seal the documents of subfolders too; the tree is mirrored under the output folder.
    #[arg(long)]
    pub recursive: bool,
    /// Files sealed at once (default: the number of cores).
    #[arg(long)]
    pub jobs: Option<usize>,
    /// Write a report of every file: FILE.json or FILE.csv.
    #[arg(long)]
    pub report: Option<PathBuf>,
    /// Replace outputs that exist and are not this key's finished seal.
    #[arg(long)]
    pub force: bool,
    /// Print only errors.
    #[arg(long)]
    pub quiet: bool,
    #[command(flatten)]
    pub tsa: TsaArgs,
    /// Purpose shown in Office's signature details.
    #[arg(long, default_value = docseal_keeper::DEFAULT_COMMENT)]
    pub comment: String,
    /// Make Word and Excel open the docseal task pane with the sealed documents.
    #[arg(long)]
    pub open_pane: bool,
    #[command(flatten)]
    pub center: crate::link::CenterUseArgs,
}

/// An RFC 3161 time-stamp on the seal (XAdES-T), for `sign`, `stamp` and `batch`.
#[derive(Args, Debug)]
pub struct TsaArgs {
    /// Time-stamp the seal at this RFC 3161 authority (http or https URL): proves when it was
    /// made, so it stays valid after its certificate expires or is revoked. If the authority
    /// fails, nothing is written.
    #[arg(long)]
    pub tsa: Option<String>,
    /// The policy OID to ask the authority for.
    #[arg(long, requires = "tsa")]
    pub tsa_policy: Option<String>,
    /// The time-stamp's hash: sha256 (the default) or sha1 (what Office asks for by default).
    #[arg(long, requires = "tsa")]
    pub tsa_digest: Option<String>,
    /// Trust this certificate (PEM) for an https:// TSA instead of the public roots: the seal
    /// center's tls.pem, for `--tsa https://center:8443/tsa`.
    #[arg(long, requires = "tsa")]
    pub tsa_ca: Option<PathBuf>,
    /// Long-term validation data (XAdES-X-L): embed the chain and the CRLs given with --crl, and
    /// time-stamp them, so the seal can be checked when the seal center is long gone.
    #[arg(long, requires = "tsa")]
    pub ltv: bool,
    /// A CRL from the seal center to embed with --ltv (PEM or DER); repeatable.
    #[arg(long = "crl", requires = "ltv")]
    pub crl: Vec<PathBuf>,
}

impl TsaArgs {
    pub fn request(&self) -> Result<Option<docseal::TsaRequest>, docseal::Error> {
        self.tsa
            .as_deref()
            .map(|url| {
                let root = match &self.tsa_ca {
                    Some(f) => Some(std::fs::read(f).map_err(|e| docseal::Error::io(f, e))?),
                    None => None,
                };
                let http = docseal_keeper::HttpTsa::new(
                    url,
                    std::time::Duration::from_secs(15),
                    root.as_deref(),
                )?;
                docseal::TsaRequest::from_options(
                    std::sync::Arc::new(http),
                    self.tsa_policy.as_deref(),
                    self.tsa_digest.as_deref(),
                )
            })
            .transpose()
    }

    pub fn long_term(&self) -> Result<Option<docseal::LongTermData>, docseal::Error> {
        if !self.ltv {
            return Ok(None);
        }
        let mut data = docseal::LongTermData::default();
        for c in &self.crl {
            data.crls.push(docseal::Crl::load_file(c)?);
        }
        Ok(Some(data))
    }
}

#[derive(Args, Debug)]
pub struct KeyArgs {
    /// PKCS#12 file (.p12/.pfx), a PEM private key with --cert, or a token key as an RFC 7512 URI
    /// (pkcs11:token=SealKey;object=Official%20Seal).
    #[arg(long)]
    pub key: Option<String>,
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
    pub tsa: TsaArgs,
    #[command(flatten)]
    pub key: KeyArgs,
    /// Purpose shown in Office's signature details.
    #[arg(long, default_value = docseal_keeper::DEFAULT_COMMENT)]
    pub comment: String,
    #[command(flatten)]
    pub center: crate::link::CenterUseArgs,
}

#[derive(Args, Debug)]
pub struct VerifyArgs {
    /// Documents to check (folders, with --recursive).
    #[arg(required = true)]
    pub files: Vec<PathBuf>,
    /// Verify every document under the folders given, in parallel, with a summary.
    #[arg(long)]
    pub recursive: bool,
    /// With --recursive: a report of every file, FILE.json or FILE.csv.
    #[arg(long, requires = "recursive")]
    pub report: Option<PathBuf>,
    /// With --recursive: files verified at once (default: the number of cores).
    #[arg(long, requires = "recursive")]
    pub jobs: Option<usize>,
    /// With --recursive: print only the summary and the files that are not valid.
    #[arg(long)]
    pub quiet: bool,
    /// Print a JSON array with one report per file.
    #[arg(long)]
    pub json: bool,
    /// A trusted CA certificate (PEM or DER); repeatable.
    #[arg(long = "trust")]
    pub trust: Vec<PathBuf>,
    /// A folder of trusted CA certificates (every .pem, .crt, .cer and .der in it).
    #[arg(long)]
    pub trust_dir: Option<PathBuf>,
    /// A CA trusted for time-stamping authorities only (PEM or DER); repeatable.
    #[arg(long)]
    pub tsa_trust: Vec<PathBuf>,
    /// A certificate revocation list (PEM or DER) from the seal center; repeatable.
    #[arg(long = "crl")]
    pub crl: Vec<PathBuf>,
    /// Do not fetch the CRLs at the certificates' distribution points. Otherwise the http: and
    /// https: points of a signer whose path reaches a trusted anchor are fetched (public
    /// addresses only, no redirects, 16 MiB and 5 s at most).
    #[arg(long)]
    pub offline: bool,
    /// A host whose CRL distribution points may be fetched although its address is loopback or
    /// private (an intranet seal center): HOST or HOST:PORT; repeatable.
    #[arg(long = "crl-allow", value_name = "HOST[:PORT]")]
    pub crl_allow: Vec<String>,
    /// Judge trust at this time (RFC 3339) when no trusted time-stamp proves one; the report
    /// names it an assertion.
    #[arg(long)]
    pub at: Option<String>,
    /// A seal picture that no seal center issued (no GB/T 38540 seal data: a scanned or drawn
    /// seal) makes the document invalid instead of drawing a warning.
    #[arg(long)]
    pub require_issued_seals: bool,
    /// Write a copy of the (single) FILE with every seal that is not validly bound crossed out
    /// and the signatures removed.
    #[arg(long)]
    pub mark: Option<PathBuf>,
}
