//! Where revocation data comes from beyond what the verifier was given (`--crl`) and what the
//! signature embeds (XAdES-X-L): a source the caller provides. The engine does no I/O of its own
//! for it; the caller decides whether to fetch the CRL distribution points of a certificate
//! (how, how often, from which addresses) or to ask a seal center it is connected to.
//!
//! A source is asked only about a path that already validated to one of the verifier's
//! anchors: a document whose signer nobody trusts makes the verifier fetch nothing.

use super::{Cert, Crl, Revocation};

/// Revocation data for validated paths.
pub trait RevocationSource: Send + Sync + std::fmt::Debug {
    /// What is known about `chain` (the signer first, the anchor last).
    fn lookup(&self, chain: &[Cert]) -> Lookup;
}

/// A source's answer.
#[derive(Debug, Default, Clone)]
pub struct Lookup {
    /// CRLs for the path (each is checked: issuer's signature, and its dates).
    pub crls: Vec<Crl>,
    /// A status answer for the signer from an authority that knows now — the seal center that
    /// issued it — which outranks any CRL: a suspension shows before the next CRL is fetched.
    pub status: Option<Status>,
    /// What could not be had, as (finding code, sentence): reported, never fatal.
    pub notes: Vec<(&'static str, String)>,
}

/// The signer's status as an authority gives it at the time of asking.
#[derive(Debug, Clone)]
pub struct Status {
    /// Revoked (or suspended) since then; `None`: not revoked.
    pub revoked: Option<Revocation>,
    /// Who answered, for the report (`center`).
    pub source: &'static str,
}
