//! Trust: does the signer's certificate chain to an anchor the verifier configured, was it valid
//! when the document was signed, and has the seal center revoked it?

pub mod cert;
pub mod crl;
mod dn;
pub mod revocation;
mod webpki_path;

pub use cert::Cert;
pub use crl::{Crl, Revocation};
pub use revocation::{Lookup, RevocationSource, Status};

use time::OffsetDateTime;

use crate::crypto::{self, EcdsaEncoding};

/// The verifier's side of trust: its anchors, its revocation sources and its clock. Paths are
/// checked against it at a given time (`check`), which the caller chooses: the best signature
/// time.
#[derive(Debug, Default, Clone)]
pub struct Validator {
    pub anchors: Vec<Cert>,
    /// Anchors trusted for time-stamping authorities only (`--tsa-trust`); `anchors` count for
    /// them too.
    pub tsa_anchors: Vec<Cert>,
    pub crls: Vec<Crl>,
    /// More revocation data for a signer whose path validated: CRLs fetched from its
    /// distribution points, a seal center's answer. `None`: only `crls` and what signatures
    /// embed.
    pub revocation: Option<std::sync::Arc<dyn RevocationSource>>,
    /// The clock: "now" for a verification without a proven time. `None` is the system clock;
    /// tests pin it.
    pub now: Option<OffsetDateTime>,
}

/// What the chain check found.
#[derive(Debug, Clone)]
pub struct PathCheck {
    /// The chain from the signer up to and including the anchor, when one was found.
    pub chain: Vec<Cert>,
    pub trusted: bool,
    /// The first certificate of the chain a CRL lists as revoked, whenever it was revoked:
    /// whether that matters depends on the time being judged.
    pub revoked: Option<Revocation>,
    /// A CRL from the signer's issuer that speaks for the time judged was consulted (so "not
    /// listed" means good).
    pub crl_checked: bool,
    /// CRLs from the signer's issuer exist, but all are past their nextUpdate at the time
    /// judged: the status is unknown, not good.
    pub crl_stale: bool,
    /// Why not trusted, in a sentence.
    pub problem: Option<String>,
}

/// The extended key usage of a seal center's seal maker (the key that signs GB/T 38540 seal
/// data): 2.25.326378676742377309836617448503827976629, an OID minted from the UUID
/// f58a3f26-13c6-452c-9d45-b4d8747351b5 as ITU-T X.667 §6.3 allows. These are its DER value
/// octets (X.690 §8.19): its last arc does not fit const-oid's 32-bit arcs.
pub const ID_KP_SEAL_MAKING_DER: &[u8] = &[
    0x69, 0x83, 0xeb, 0x8a, 0x9f, 0xc9, 0xc2, 0xbc, 0xb2, 0x94, 0xd9, 0x9d, 0xa2, 0xed, 0x9b, 0x87,
    0xa3, 0xcd, 0xa3, 0x35,
];

/// id-kp-timeStamping, 1.3.6.1.5.5.7.3.8, as DER value octets.
const ID_KP_TIME_STAMPING_DER: &[u8] = &[0x2b, 0x06, 0x01, 0x05, 0x05, 0x07, 0x03, 0x08];

/// A certificate whose extended key usage (RFC 5280 §4.2.1.12) limits it to a seal center's own
/// services — time-stamping (RFC 3161 §2.3 requires it alone), making seal data — may not seal
/// documents, though its path leads to the same anchor: a center's TSA or seal-maker key is not
/// a seal.
pub fn service_only(cert: &Cert) -> Option<String> {
    let purposes = cert.extension::<Vec<der::Any>>(const_oid::db::rfc5280::ID_CE_EXT_KEY_USAGE)?;
    let services = [ID_KP_TIME_STAMPING_DER, ID_KP_SEAL_MAKING_DER];
    (!purposes.is_empty()
        && purposes.iter().all(|p| {
            der::Tagged::tag(p) == der::Tag::ObjectIdentifier && services.contains(&p.value())
        }))
    .then(|| {
        format!(
            "{} is a seal center's service certificate (time-stamping or seal making), not a seal",
            cert.subject()
        )
    })
}

/// RFC 5280 §4.2.1.3: a seal (or TSA) certificate with a keyUsage extension must allow signing.
fn leaf_usage_problem(leaf: &Cert) -> Option<String> {
    let ku = leaf.key_usage()?;
    (!ku.digital_signature() && !ku.non_repudiation()).then(|| {
        format!(
            "{} may not sign documents: its key usage has neither digitalSignature nor nonRepudiation",
            leaf.subject()
        )
    })
}

/// RFC 5280 §6.1.4 (k), (l), (n): an issuer below the anchor is a CA, may sign certificates, and
/// has at most `pathLenConstraint` intermediates below it (`below` counts them).
fn issuer_problem(ca: &Cert, below: usize) -> Option<String> {
    let Some(bc) = ca.basic_constraints().filter(|bc| bc.ca) else {
        return Some(format!(
            "{} issued a certificate but is not a CA (basicConstraints cA is not set)",
            ca.subject()
        ));
    };
    if ca.key_usage().is_some_and(|ku| !ku.key_cert_sign()) {
        return Some(format!(
            "{} issued a certificate but its key usage lacks keyCertSign",
            ca.subject()
        ));
    }
    match bc.path_len_constraint {
        Some(n) if below > n as usize => Some(format!(
            "{} allows {n} intermediate CA(s) below it, the path has {below}",
            ca.subject()
        )),
        _ => None,
    }
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

impl Validator {
    /// The store a TSA's certificate is judged by: every anchor, the TSA-only ones too.
    pub fn for_tsa(&self) -> Validator {
        Validator {
            anchors: self
                .anchors
                .iter()
                .chain(&self.tsa_anchors)
                .cloned()
                .collect(),
            tsa_anchors: vec![],
            ..self.clone()
        }
    }

    /// The time of verification.
    pub fn now(&self) -> OffsetDateTime {
        self.now.unwrap_or_else(OffsetDateTime::now_utc)
    }

    /// Builds a path from `leaf` through `pool` (the certificates the signature carried) to an
    /// anchor and checks it as RFC 5280 §6.1 does for what a seal needs: names chain and each
    /// signature verifies, every certificate is valid at `at`, every issuer below the anchor is a
    /// CA (basicConstraints cA, keyCertSign when keyUsage is present) within its
    /// pathLenConstraint, and the leaf may sign documents (digitalSignature or nonRepudiation).
    /// The path webpki verifies is taken when it meets those rules; otherwise the walk finds the
    /// path itself and says what is wrong with it.
    pub fn check(&self, leaf: &Cert, pool: &[Cert], at: OffsetDateTime) -> PathCheck {
        // webpki's verdict, asked once. A leaf that is itself an anchor needs no path.
        let webpki = (!self.anchors.is_empty() && !self.anchors.contains(leaf))
            .then(|| webpki_path::verified_path(leaf, pool, &self.anchors, at));
        let (chain, trusted, problem) = match webpki {
            Some(Ok(chain)) if self.meets_rules(leaf, &chain, at) => (chain, true, None),
            webpki => self.walk(leaf, pool, at, webpki.map(|w| w.map(|_| ()))),
        };
        let revoked = chain
            .windows(2)
            .find_map(|pair| self.revocation(&pair[0], &pair[1]));
        let issuer_crls: Vec<&Crl> = chain
            .get(1)
            .map(|issuer| {
                self.crls
                    .iter()
                    .filter(|crl| crl.issued_by(issuer))
                    .collect()
            })
            .unwrap_or_default();
        // RFC 5280 §5.1.2.4-5: a list speaks from its thisUpdate (one dated after this verifier's
        // clock is not believed) until its nextUpdate.
        let now = self.now();
        let crl_checked = issuer_crls
            .iter()
            .any(|crl| crl.this_update() <= now && crl.fresh_at(at));
        let crl_stale = !issuer_crls.is_empty() && !crl_checked;
        PathCheck {
            chain,
            trusted,
            revoked,
            crl_checked,
            crl_stale,
            problem,
        }
    }

    /// Does the path webpki verified (RFC 5280 §6.1, every signature checked) also meet the rules
    /// of [`Validator::check`] that are docseal's, with no certificate below its anchor itself an
    /// anchor (where the walk would stop)? Then that path is the answer and no signature is
    /// checked twice (one RSA verification of three in a whole `docseal verify`: issue 9, process
    /// start). Where several certificates could issue the same one, webpki's choice may differ
    /// from the walk's first find; either is a verified path that meets every rule. Otherwise the
    /// walk names what is wrong.
    fn meets_rules(&self, leaf: &Cert, chain: &[Cert], at: OffsetDateTime) -> bool {
        let Some((_anchor, below_anchor)) = chain.split_last() else {
            return false;
        };
        let issuers = below_anchor.get(1..).unwrap_or_default();
        chain.len() <= MAX_DEPTH
            && leaf_usage_problem(leaf).is_none()
            && below_anchor
                .iter()
                .all(|c| c.valid_at(at) && !self.anchors.contains(c))
            && issuers
                .iter()
                .enumerate()
                .all(|(below, ca)| issuer_problem(ca, below).is_none())
    }

    /// The path found one issuer at a time (each signature checked with `issued_by`), whether it
    /// is trusted, and why not. `webpki` is webpki's verdict on the leaf (`None` when no path is
    /// asked for: no anchors, or the leaf is one).
    fn walk(
        &self,
        leaf: &Cert,
        pool: &[Cert],
        at: OffsetDateTime,
        webpki: Option<Result<(), String>>,
    ) -> (Vec<Cert>, bool, Option<String>) {
        let mut chain = vec![leaf.clone()];
        let mut problem = leaf_usage_problem(leaf);
        let mut trusted = false;
        while problem.is_none() {
            let Some(current) = chain.last().cloned() else {
                break;
            };
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
            if chain.len() > 1 {
                // `current` issued the certificate below it: it must be allowed to.
                if let Some(why) = issuer_problem(&current, chain.len() - 2) {
                    problem = Some(why);
                    break;
                }
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
            // Any certificate whose key signed this one: whether it may issue is checked above,
            // so that a CA without the CA flag is named as such instead of "no path".
            let next = pool
                .iter()
                .find(|c| !chain.contains(c) && issued_by(&current, c));
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
        // RFC 5280 path validation by rustls-webpki must agree: docseal's walk above names the
        // reason for the seal-specific rules, webpki holds the rest (name constraints, critical
        // extensions, algorithms). A leaf that is itself an anchor needs no path.
        if trusted && !self.anchors.contains(leaf) {
            // Trusted through an anchor, so webpki was asked; were it not, the path stands
            // unvalidated.
            let verdict = webpki.unwrap_or_else(|| Err("the path was not validated".into()));
            if let Err(why) = verdict {
                trusted = false;
                problem = Some(format!("{}: {why}", leaf.subject()));
            }
        }
        (chain, trusted, problem)
    }

    fn revocation(&self, cert: &Cert, issuer: &Cert) -> Option<Revocation> {
        self.crls
            .iter()
            .filter(|crl| crl.issued_by(issuer))
            .find_map(|crl| crl.revocation_of(cert))
    }
}
