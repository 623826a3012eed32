//! Trust: does the signer's certificate chain to an anchor the verifier configured, was it valid
//! when the document was signed, and has the seal center revoked it?

pub mod cert;
pub mod crl;

pub use cert::Cert;
pub use crl::Crl;

use time::OffsetDateTime;

use crate::crypto::{self, EcdsaEncoding};

/// The verifier's trust anchors and revocation lists.
#[derive(Debug, Default, Clone)]
pub struct TrustStore {
    pub anchors: Vec<Cert>,
    pub crls: Vec<Crl>,
}

/// What the chain check found.
#[derive(Debug, Clone)]
pub struct PathCheck {
    /// The chain from the signer up to and including the anchor, when one was found.
    pub chain: Vec<Cert>,
    pub trusted: bool,
    pub revoked: Option<String>,
    /// Why not trusted, in a sentence.
    pub problem: Option<String>,
}

/// Did `issuer` sign `cert`?
pub fn issued_by(cert: &Cert, issuer: &Cert) -> bool {
    if cert.issuer_der() != issuer.subject_der() {
        return false;
    }
    let p = cert.parsed();
    let Some(alg) = crypto::x509_algorithm(&p.signature_algorithm.oid) else {
        return false;
    };
    let (Ok(tbs), Ok(spki)) = (cert.tbs_der(), issuer.spki_der()) else {
        return false;
    };
    let Some(sig) = p.signature.as_bytes() else {
        return false;
    };
    crypto::verify(&spki, alg, &tbs, sig, EcdsaEncoding::Der)
}

const MAX_DEPTH: usize = 8;

impl TrustStore {
    /// Builds a path from `leaf` through `pool` (the certificates the signature carried) to an
    /// anchor, checking each certificate's validity at `at`.
    pub fn check(&self, leaf: &Cert, pool: &[Cert], at: OffsetDateTime) -> PathCheck {
        let mut chain = vec![leaf.clone()];
        let mut problem = None;
        let mut trusted = false;
        while let Some(current) = chain.last().cloned() {
            if !current.valid_at(at) {
                problem = Some(format!(
                    "the certificate {} is not valid at {} (valid {} to {})",
                    current.subject(),
                    crate::datetime::format_time(at),
                    crate::datetime::format_time(current.not_before()),
                    crate::datetime::format_time(current.not_after())
                ));
                break;
            }
            if self.anchors.iter().any(|a| a == &current) {
                trusted = true;
                break;
            }
            if let Some(anchor) = self.anchors.iter().find(|a| issued_by(&current, a)) {
                chain.push(anchor.clone());
                trusted = true;
                break;
            }
            if chain.len() >= MAX_DEPTH {
                problem = Some("the certificate chain is too long".into());
                break;
            }
            let next = pool
                .iter()
                .find(|c| !chain.contains(c) && c.is_ca() && issued_by(&current, c));
            match next {
                Some(c) => chain.push(c.clone()),
                None => {
                    problem = Some(if self.anchors.is_empty() {
                        "no trust anchor is configured (use --trust CA.pem)".to_string()
                    } else {
                        format!(
                            "{} does not chain to a configured trust anchor",
                            leaf.subject()
                        )
                    });
                    break;
                }
            }
        }
        let revoked = chain
            .windows(2)
            .find_map(|pair| self.revocation(&pair[0], &pair[1]));
        PathCheck {
            chain,
            trusted,
            revoked,
            problem,
        }
    }

    fn revocation(&self, cert: &Cert, issuer: &Cert) -> Option<String> {
        self.crls
            .iter()
            .filter(|crl| crl.issued_by(issuer))
            .find_map(|crl| crl.revocation_of(cert))
    }
}
