//! The time-stamps in a signature's XAdES unsigned properties (XAdES 1.3.2 §7.3 and §7.5):
//! which bytes each one covers, whether its token proves that, and whether its TSA is trusted.
//! Office 2010 SP1 writes a SignatureTimeStamp (XAdES-T) and, with long-term data, a
//! SigAndRefsTimeStamp (XAdES-X) after the references it covers.

use base64::Engine;
use libxml::tree::Node;
use serde::Serialize;

use crate::c14n::{self, Method};
use crate::dsig::names::*;
use crate::dsig::parse::find;
use crate::dsig::timestamp::covered_bytes;
pub use crate::dsig::timestamp::TimestampKind;
use crate::timestamp::token::{self, Timestamp, TokenProblem};
use crate::trust::{Cert, Crl, Validator};

/// One time-stamp and what came of checking it.
#[derive(Debug, Clone)]
pub struct TimestampCheck {
    pub kind: TimestampKind,
    pub result: Result<Timestamp, TokenProblem>,
    /// The TSA's certificate chains to an anchor and was valid at the time-stamp's time.
    pub trusted: bool,
    /// Why the TSA is not trusted, in a sentence.
    pub trust_problem: Option<String>,
    /// The canonicalisation of the time-stamped data: the one the time-stamp element names
    /// (XAdES 1.3.2 §7.1.4.1), else inclusive C14N 1.0; its URI.
    pub canonicalization: String,
}

/// What the report says of one time-stamp.
#[derive(Debug, Clone, Serialize)]
pub struct TimestampReport {
    pub kind: TimestampKind,
    /// `genTime` as RFC 3339, to the second.
    pub time: Option<String>,
    /// The TSA certificate's subject.
    pub tsa: Option<String>,
    pub digest: Option<String>,
    /// The token is intact and covers this signature.
    pub intact: bool,
    pub trusted: bool,
    /// How the time-stamped data was canonicalised (the URI the time-stamp element names).
    pub canonicalization: String,
}

impl TimestampCheck {
    pub fn report(&self) -> TimestampReport {
        let ok = self.result.as_ref().ok();
        TimestampReport {
            kind: self.kind,
            time: ok.map(|t| crate::datetime::format_time(t.time)),
            tsa: ok.map(|t| t.tsa.subject()),
            digest: ok.map(|t| t.digest.name().to_string()),
            intact: ok.is_some(),
            trusted: self.trusted,
            canonicalization: self.canonicalization.clone(),
        }
    }
}

const C14N_10_URI: &str = "http://www.w3.org/TR/2001/REC-xml-c14n-20010315";

/// Finds and checks every time-stamp of the signature rooted at `root` (its `ds:Signature`).
/// Trust is judged later, by `judge_trust`, once the anchors are known.
pub fn check(root: &Node) -> Vec<TimestampCheck> {
    let Some(props) = find(root, NS_XADES, "UnsignedSignatureProperties") else {
        return vec![];
    };
    let mut out = Vec::new();
    let mut signature_stamps = Vec::new();
    for prop in props.get_child_elements() {
        let kind = if c14n::is(&prop, NS_XADES, "SignatureTimeStamp") {
            TimestampKind::Signature
        } else if c14n::is(&prop, NS_XADES, "SigAndRefsTimeStamp") {
            TimestampKind::SigAndRefs
        } else {
            continue;
        };
        let named = c14n::child(&prop, NS_DSIG, "CanonicalizationMethod")
            .and_then(|m| m.get_attribute_no_ns("Algorithm"));
        let canonicalization = named.clone().unwrap_or_else(|| C14N_10_URI.to_string());
        let method = match named {
            // XML-DSig's default when a time-stamp names none (XAdES 1.3.2 §7.1.4.1).
            None => Some(Method::C14N_10),
            Some(uri) => Method::from_uri(&uri),
        };
        let result = match method {
            None => Err(TokenProblem::Malformed(
                "unknown canonicalisation method".into(),
            )),
            Some(m) => covered_bytes(kind, root, &props, &signature_stamps, m)
                .map_err(|e| TokenProblem::Malformed(e.to_string()))
                .and_then(|data| encapsulated(&prop).and_then(|der| token::check(&der, &data))),
        };
        if kind == TimestampKind::Signature {
            signature_stamps.push(prop.clone());
        }
        out.push(TimestampCheck {
            kind,
            result,
            trusted: false,
            trust_problem: None,
            canonicalization,
        });
    }
    out
}

/// The certificates and CRLs of XAdES-X-L long-term data (§7.6.1 CertificateValues, §7.6.2
/// RevocationValues). They only add to what a path and a revocation check may use: each is
/// still checked by signature against its issuer, so a forged one is simply never chosen.
pub fn long_term_values(root: &Node) -> (Vec<Cert>, Vec<Crl>) {
    let decode = |n: &Node| {
        let b64: String = n
            .get_content()
            .chars()
            .filter(|c| !c.is_whitespace())
            .collect();
        base64::engine::general_purpose::STANDARD.decode(b64).ok()
    };
    let certs = find(root, NS_XADES, "CertificateValues")
        .map(|v| {
            c14n::children(&v, NS_XADES, "EncapsulatedX509Certificate")
                .filter_map(|n| decode(&n))
                .filter_map(|der| Cert::from_der(der).ok())
                .collect()
        })
        .unwrap_or_default();
    let crls = find(root, NS_XADES, "RevocationValues")
        .and_then(|v| c14n::child(&v, NS_XADES, "CRLValues"))
        .map(|v| {
            c14n::children(&v, NS_XADES, "EncapsulatedCRLValue")
                .filter_map(|n| decode(&n))
                .filter_map(|der| Crl::load(&der).ok())
                .collect()
        })
        .unwrap_or_default();
    (certs, crls)
}

fn encapsulated(prop: &Node) -> Result<Vec<u8>, TokenProblem> {
    let node = c14n::child(prop, NS_XADES, "EncapsulatedTimeStamp")
        .ok_or_else(|| TokenProblem::Malformed("no EncapsulatedTimeStamp".into()))?;
    let b64: String = node
        .get_content()
        .chars()
        .filter(|c| !c.is_whitespace())
        .collect();
    base64::engine::general_purpose::STANDARD
        .decode(b64)
        .map_err(|e| TokenProblem::Malformed(format!("base64: {e}")))
}

/// Is each intact time-stamp's TSA trusted at the time it claims? The TSA's own certificates
/// travel in the token; the anchors are the verifier's.
pub fn judge_trust(checks: &mut [TimestampCheck], store: &Validator) {
    if checks.is_empty() {
        return;
    }
    let store = store.for_tsa();
    for c in checks.iter_mut() {
        let Ok(ts) = &c.result else { continue };
        let path = store.check(&ts.tsa, &ts.certs, ts.time);
        c.trusted = path.trusted && path.revoked.is_none();
        c.trust_problem = if let Some(r) = path.revoked {
            Some(format!(
                "the TSA certificate {} was revoked on {}",
                r.subject,
                crate::datetime::format_time(r.at)
            ))
        } else {
            path.problem
        };
    }
}
