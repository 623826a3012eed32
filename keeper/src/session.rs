//! The seal keeper's session: everything a front end (the command line, docseal-server, a
//! later WPS add-in or Windows service) does to seal, in one order that never changes —
//!
//! 1. the seal center checks the seal, before any key is touched;
//! 2. the seal the center issued brings its picture, size and token;
//! 3. the picture is settled before a PIN is asked for;
//! 4. the key is opened once, with the PIN the front end brings;
//! 5. the key must be the registered and issued seal's;
//! 6. per document: the approval for its exact bytes is taken last, when nothing else can
//!    refuse (it is consumed, once); then the seal is placed and signed at the clock's time;
//! 7. each use is recorded at the center (through its journal while it is away).
//!
//! Each front end only translates its input into a [`Setup`] and the session's answers into
//! its own output.

use std::path::PathBuf;

use docseal::keys::{LoadedKey, Unlock};
use docseal::pictures::SealPicture;
use docseal::slots::SlotRequest;
use docseal::{LongTermData, Placed, Placement, SignOptions, StampOptions, TsaRequest};
use docseal_center_client::client::Report;

use crate::clock::Clock;
use crate::error::{Error, Mismatch, Result};
use crate::issued::IssuedSeal;
use crate::link::{CenterLink, Recorded};

/// A seal's size on the page when neither the seal data nor the keeper gives one: the 42 mm of
/// a Chinese official seal (GA 241-2000 §4.1).
pub const DEFAULT_SIZE_MM: f64 = 42.0;
/// The purpose shown in Office's signature details unless the keeper writes another.
pub const DEFAULT_COMMENT: &str = "Sealed with docseal";

/// Where the picture comes from when the center issues none.
#[derive(Debug, Clone, Default)]
pub enum PictureSource {
    /// A PNG the keeper gave.
    Png(Vec<u8>),
    /// The round seal drawn with this name.
    Drawn(String),
    /// None: the session signs only, or the issued seal brings one.
    #[default]
    None,
}

/// What the front end asks for.
pub struct Setup {
    /// The registered seal (its id at the center), checked and reported through `center`.
    pub seal: Option<String>,
    pub center: Option<Box<dyn CenterLink>>,
    /// The key (a PKCS#12 or PEM file, a `pkcs11:` URI); else the issued seal's token.
    pub key: Option<String>,
    pub cert: Option<PathBuf>,
    pub chain: Option<PathBuf>,
    pub unlock: Unlock,
    pub picture: PictureSource,
    /// Whether this session places pictures (stamp) or only signs.
    pub stamps: bool,
    /// The size asked for; the issued seal's wins.
    pub size_mm: Option<f64>,
    pub tsa: Option<TsaRequest>,
    pub ltv: Option<LongTermData>,
    pub clock: Clock,
    pub comment: Option<String>,
    /// The approved request to use (default: the one for the document's bytes).
    pub approval: Option<String>,
    /// Who reports ("docseal-server 0.1.0"), for the audit log.
    pub client: Option<String>,
}

impl Setup {
    /// A session with `key` and nothing else: no center, no TSA, the system clock.
    pub fn new(key: Option<String>, unlock: Unlock) -> Setup {
        Setup {
            seal: None,
            center: None,
            key,
            cert: None,
            chain: None,
            unlock,
            picture: PictureSource::None,
            stamps: false,
            size_mm: None,
            tsa: None,
            ltv: None,
            clock: Clock::System,
            comment: None,
            approval: None,
            client: None,
        }
    }
}

/// Where and how one document is sealed.
#[derive(Debug, Clone)]
pub struct Stamping<'a> {
    pub placement: Placement,
    pub offset_mm: (f64, f64),
    /// Make Word and Excel open docseal's pane with the sealed document.
    pub open_pane: bool,
    /// Slots reserved for the other parties, placed before this seal.
    pub reserve: &'a [SlotRequest],
    /// Seal into this party's slot instead of placing a picture.
    pub into_slot: Option<&'a str>,
}

impl Stamping<'_> {
    pub fn at(placement: Placement) -> Stamping<'static> {
        Stamping {
            placement,
            offset_mm: (0.0, 0.0),
            open_pane: false,
            reserve: &[],
            into_slot: None,
        }
    }
}

/// A sealed document, not yet written anywhere.
pub struct Sealed {
    pub bytes: Vec<u8>,
    pub placed: Placed,
}

pub struct Keeper {
    seal: Option<String>,
    center: Option<Box<dyn CenterLink>>,
    issued: Option<IssuedSeal>,
    key: LoadedKey,
    picture: Option<SealPicture>,
    size_mm: f64,
    tsa: Option<TsaRequest>,
    ltv: Option<LongTermData>,
    clock: Clock,
    comment: String,
    approval: Option<String>,
    client: Option<String>,
    notices: Vec<String>,
}

impl Keeper {
    /// Opens the session: steps 1 to 5.
    pub fn open(s: Setup) -> Result<Keeper> {
        let mut notices = Vec::new();
        let mut center = s.center;
        let record = match (&s.seal, center.as_mut()) {
            (Some(seal), Some(link)) => {
                let record = link.check_usable(seal).map_err(|e| refusal(seal, e))?;
                if record.is_none() {
                    notices.push(format!(
                        "the seal center is unreachable ({}); seal {seal} is used without its check, and the report waits in the journal",
                        link.offline_reason().unwrap_or_else(|| "no answer".into())
                    ));
                }
                record
            }
            _ => None,
        };
        let issued = match &record {
            Some(r) => IssuedSeal::from_record(r)?,
            None => None,
        };
        let (picture, size_mm) = match &issued {
            Some(i) => {
                if !matches!(s.picture, PictureSource::None) {
                    notices.push(format!(
                        "seal {} brings the picture issued with it; the picture given is not used",
                        i.id
                    ));
                }
                (Some(i.picture()?), i.size_mm())
            }
            None => {
                let picture = match s.picture {
                    PictureSource::Png(png) => Some(SealPicture::from_png(png)?),
                    PictureSource::Drawn(name) => Some(SealPicture::from_png(
                        docseal::pictures::render_png(&docseal::pictures::SealSpec::new(&name))?,
                    )?),
                    PictureSource::None => None,
                };
                (picture, s.size_mm.unwrap_or(DEFAULT_SIZE_MM))
            }
        };
        if s.stamps && picture.is_none() {
            return Err(Error::NoPicture);
        }
        let key_ref = s
            .key
            .as_deref()
            .or(issued.as_ref().and_then(|i| i.token_uri.as_deref()))
            .ok_or_else(|| {
                docseal::Error::arg(
                    "--key",
                    "which key signs: a PKCS#12 or PEM file, or a pkcs11: URI (or --seal with a center that knows the seal's token)",
                )
            })?;
        let key = docseal::keys::load(key_ref, s.cert.as_deref(), s.chain.as_deref(), &s.unlock)?;
        let leaf = key
            .chain
            .first()
            .ok_or_else(|| docseal::Error::arg("--key", "the key has no certificate"))?;
        if let Some(i) = &issued {
            i.check_key(leaf)?;
        }
        if let (Some(r), Some(seal)) = (&record, &s.seal) {
            if !r
                .fingerprint
                .eq_ignore_ascii_case(&leaf.fingerprint_sha256())
            {
                return Err(Error::NotTheSealsKey {
                    seal: seal.clone(),
                    subject: leaf.subject(),
                    mismatch: Mismatch::Registered,
                });
            }
        }
        Ok(Keeper {
            seal: s.seal,
            center,
            issued,
            key,
            picture,
            size_mm,
            tsa: s.tsa,
            ltv: s.ltv,
            clock: s.clock,
            comment: s.comment.unwrap_or_else(|| DEFAULT_COMMENT.to_string()),
            approval: s.approval,
            client: s.client,
            notices,
        })
    }

    /// What the front end should tell the keeper (an unreachable center, an unused picture).
    pub fn notices(&self) -> &[String] {
        &self.notices
    }

    /// The signing key's certificate subject.
    pub fn signer(&self) -> String {
        self.key
            .chain
            .first()
            .map(|c| c.subject())
            .unwrap_or_default()
    }

    pub fn key(&self) -> &LoadedKey {
        &self.key
    }

    pub fn size_mm(&self) -> f64 {
        self.size_mm
    }

    /// Signing options for many documents at once (`batch --sign-only`): refused for a seal
    /// whose every document needs its own approval.
    pub fn sign_options(&self) -> Result<SignOptions<'_>> {
        self.refuse_per_document_approval()?;
        Ok(self.sign_options_for_one(false))
    }

    fn refuse_per_document_approval(&self) -> Result<()> {
        match &self.issued {
            Some(i) if i.approval_required => {
                Err(Error::ApprovalPerDocument { seal: i.id.clone() })
            }
            _ => Ok(()),
        }
    }

    /// Stamping options for many documents at once (`batch`): refused for a seal whose every
    /// document needs its own approval.
    pub fn stamp_options<'a>(&'a self, how: &Stamping<'a>) -> Result<StampOptions<'a>> {
        self.refuse_per_document_approval()?;
        self.with_picture(self.sign_options_for_one(true), how)
    }

    fn with_picture<'a>(
        &'a self,
        sign: SignOptions<'a>,
        how: &Stamping<'a>,
    ) -> Result<StampOptions<'a>> {
        let picture = self.picture.as_ref().ok_or(Error::NoPicture)?;
        Ok(StampOptions {
            sign,
            picture,
            size_mm: self.size_mm,
            offset_mm: how.offset_mm,
            placement: how.placement.clone(),
            open_pane: how.open_pane.then(Default::default),
            reserve: how.reserve,
            into_slot: how.into_slot,
        })
    }

    /// Seals one document's bytes (step 6): the approval for exactly these bytes, then the
    /// picture placed (or the slot filled) and the signature made.
    pub fn stamp(&mut self, bytes: Vec<u8>, how: &Stamping) -> Result<Sealed> {
        let approval = self.take_approval(&bytes)?;
        let sign = SignOptions {
            approval: approval.as_ref(),
            ..self.sign_options_for_one(true)
        };
        let opts = self.with_picture(sign, how)?;
        let (bytes, placed) = docseal::stamp_to_bytes(bytes, &opts)?;
        Ok(Sealed { bytes, placed })
    }

    /// Signs one document's bytes without a picture (and so without the seal data, whose
    /// picture would be nowhere on the page); a seal that needs approvals needs one here too.
    pub fn sign(&mut self, bytes: Vec<u8>) -> Result<Vec<u8>> {
        let approval = self.take_approval(&bytes)?;
        let opts = SignOptions {
            approval: approval.as_ref(),
            ..self.sign_options_for_one(false)
        };
        Ok(docseal::sign_bytes(bytes, &opts)?)
    }

    /// Seals into the party's slot: [`Keeper::stamp`] with the slot's label.
    pub fn seal_into_slot(&mut self, bytes: Vec<u8>, label: &str) -> Result<Sealed> {
        self.stamp(
            bytes,
            &Stamping {
                into_slot: Some(label),
                ..Stamping::at(Placement::End)
            },
        )
    }

    fn sign_options_for_one(&self, with_seal_data: bool) -> SignOptions<'_> {
        SignOptions {
            signer: self.key.signer.as_ref(),
            certs: &self.key.chain,
            time: self.clock.now(),
            comments: &self.comment,
            tsa: self.tsa.as_ref(),
            ltv: self.ltv.as_ref(),
            seal_data: self
                .issued
                .as_ref()
                .filter(|_| with_seal_data)
                .map(|i| i.der.as_slice()),
            approval: None,
            slot: None,
        }
    }

    /// The approval these bytes need, taken from the center (consumed: only once the rest can
    /// no longer refuse).
    fn take_approval(&mut self, bytes: &[u8]) -> Result<Option<docseal::seal_data::Approval>> {
        let Some(issued) = self.issued.as_ref().filter(|i| i.approval_required) else {
            return Ok(None);
        };
        let seal = issued.id.clone();
        let Some(link) = self.center.as_mut() else {
            return Err(Error::ApprovalNeedsCenter { seal });
        };
        let digest = docseal_center_client::audit::hex(&docseal::DigestAlg::Sha256.digest(bytes));
        link.take_approval(&seal, self.approval.as_deref(), &digest)
            .map(Some)
            .map_err(|e| match e {
                docseal_center_client::Error::Forbidden(reason)
                | docseal_center_client::Error::Invalid(reason) => {
                    Error::ApprovalRefused { seal, reason }
                }
                other => refusal(&issued_id(&self.issued), other),
            })
    }

    /// Records one use of the seal at the center (step 7): `action` ("stamp", "sign"), the
    /// document's name and its sealed bytes. `None` without a center.
    pub fn record(
        &mut self,
        action: &str,
        document: &str,
        sealed: &[u8],
        outcome: &str,
    ) -> Option<std::result::Result<Recorded, docseal_center_client::Error>> {
        let (Some(seal), Some(link)) = (&self.seal, self.center.as_mut()) else {
            return None;
        };
        let report = Report::new(action, outcome).map(|mut r| {
            r.event.seal_id = Some(seal.clone());
            r.event.document = Some(document.to_string());
            r.event.document_sha256 = Some(docseal_center_client::audit::hex(
                &docseal::DigestAlg::Sha256.digest(sealed),
            ));
            if let Some(c) = &self.client {
                r.event.client = Some(c.clone());
            }
            r
        });
        Some(report.and_then(|r| link.record(&r)))
    }
}

fn issued_id(issued: &Option<IssuedSeal>) -> String {
    issued.as_ref().map(|i| i.id.clone()).unwrap_or_default()
}

/// The center's answer about a seal: a refusal of the seal itself, or a center out of use.
fn refusal(seal: &str, e: docseal_center_client::Error) -> Error {
    match e {
        docseal_center_client::Error::SealNotActive { .. }
        | docseal_center_client::Error::NoSuchSeal(_) => Error::Refused {
            seal: seal.to_string(),
            reason: e,
        },
        other => Error::Center(other),
    }
}
