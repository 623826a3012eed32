//! Checking one signature: its SignedInfo references to the signed objects, the SignatureValue
//! under the certificate it carries, XAdES's signing-certificate binding, and the Manifest's
//! references to the package parts (digested later, in parallel, as `PartTask`s).

use time::OffsetDateTime;

use super::finding::{Finding, Severity};
use super::report::{RevocationReport, SignatureReport, TimeSource};
use super::timestamps::{self, TimestampCheck, TimestampKind};
use crate::algorithm::{DigestAlg, SignatureAlg};
use crate::c14n::rels_transform::{self, Selector};
use crate::c14n::{self, Method};
use crate::crypto::{self, EcdsaEncoding};
use crate::dsig::names::*;
use crate::dsig::parse::{self, Reference, Transform};
use crate::error::{Error, Result};
use crate::opc::{Package, PartName};
use crate::trust::Cert;

mod trust;

/// A package part to digest for a manifest reference.
#[derive(Debug, Clone)]
pub struct PartTask {
    pub part: PartName,
    pub alg: DigestAlg,
    pub selector: Option<Selector>,
    /// The part (XML) is canonicalised before it is digested: a C14N transform alone, as a
    /// relationships part signed whole is referenced (`dsig::manifest`).
    pub canonical: Option<Method>,
}

impl PartTask {
    pub fn key(&self) -> String {
        format!(
            "{}|{:?}|{:?}|{:?}",
            self.part.key(),
            self.alg,
            self.selector,
            self.canonical
        )
    }
}

/// A digest task's key, its digest, and the needles found in the part when it was watched.
pub type DigestResult = (String, Result<Vec<u8>>, Option<u32>);

/// A manifest reference waiting for its part digest.
struct Pending {
    task: PartTask,
    expected: Vec<u8>,
}

pub struct SignatureCheck {
    part: PartName,
    id: Option<String>,
    algorithm: Option<SignatureAlg>,
    signer: Option<Cert>,
    pool: Vec<Cert>,
    signed_at: Option<String>,
    pub tasks: Vec<PartTask>,
    pending: Vec<Pending>,
    /// Parts (keys) the signature's manifest references.
    pub covered_parts: Vec<PartName>,
    /// Relationships parts and the relationships each reference selects.
    pub covered_rels: Vec<(PartName, Selector)>,
    pub findings: Vec<Finding>,
    trusted: bool,
    revoked: bool,
    timestamps: Vec<TimestampCheck>,
    /// CRLs the signature carries (XAdES-X-L RevocationValues).
    embedded_crls: Vec<crate::trust::Crl>,
    /// The time trust and revocation were judged at, and what proves it.
    best_time: Option<(OffsetDateTime, TimeSource)>,
    revocation: Option<RevocationReport>,
    /// The GB/T 38540 `SESeal` (DER) of a signed `#idSealData` object, when the seal was issued.
    seal_data: Option<Vec<u8>>,
    /// The approval a signed object names.
    approval: Option<crate::dsig::seal_data::Approval>,
    /// The signature line this signature fills (`SetupID` of its signed Office object).
    setup_id: Option<String>,
    /// The valid line image, when signed and unchanged.
    line_image: Option<Vec<u8>>,
    /// The signer's picture of a signed Office object (`SignatureImage`).
    signature_image: Option<Vec<u8>>,
    /// The signer's typed name of a signed Office object (`SignatureText`).
    signature_text: Option<String>,
    /// A signed picture for the line when the signature breaks (`idInvalidSigLnImg`).
    has_invalid_image: bool,
    /// What the signature says of the program that made it.
    made_with: super::report::MadeWith,
    /// It has XAdES signed properties.
    xades: bool,
    /// The slots the document had when it was sealed, when a signed object lists them.
    reserved: Option<Vec<crate::dsig::slots::ReservedSlot>>,
    /// Parts whose digest no longer matches this signature's manifest.
    pub changed_parts: Vec<PartName>,
}

impl SignatureCheck {
    fn new(part: &PartName) -> Self {
        SignatureCheck {
            part: part.clone(),
            id: None,
            algorithm: None,
            signer: None,
            pool: vec![],
            signed_at: None,
            tasks: vec![],
            pending: vec![],
            covered_parts: vec![],
            covered_rels: vec![],
            findings: vec![],
            trusted: false,
            revoked: false,
            timestamps: vec![],
            embedded_crls: vec![],
            best_time: None,
            revocation: None,
            seal_data: None,
            approval: None,
            setup_id: None,
            line_image: None,
            signature_image: None,
            signature_text: None,
            has_invalid_image: false,
            made_with: Default::default(),
            xades: false,
            reserved: None,
            changed_parts: vec![],
        }
    }

    /// The signature line (seal slot) this signature fills.
    pub fn setup_id(&self) -> Option<&str> {
        self.setup_id.as_deref()
    }

    /// The seal picture this signature shows in its slot, when signed and unchanged.
    pub fn line_image(&self) -> Option<&[u8]> {
        self.line_image.as_deref()
    }

    /// The signer's picture (`SignatureImage`), when signed.
    pub fn signature_image(&self) -> Option<&[u8]> {
        self.signature_image.as_deref()
    }

    pub fn signature_text(&self) -> Option<&str> {
        self.signature_text.as_deref()
    }

    pub fn has_invalid_image(&self) -> bool {
        self.has_invalid_image
    }

    /// It carries docseal's own signed objects: seal data or a slot list.
    pub fn is_docseal(&self) -> bool {
        self.seal_data.is_some() || self.reserved.is_some()
    }

    /// The slots the document had when this signature was made (from a signed object).
    pub fn reserved_slots(&self) -> Option<&[crate::dsig::slots::ReservedSlot]> {
        self.reserved.as_deref()
    }

    /// Whether the SignatureValue verified (the signed objects are then this signer's).
    pub fn value_verified(&self) -> bool {
        !self.findings.iter().any(|f| {
            matches!(
                f.code,
                "signature-value-invalid" | "malformed-signature" | "no-certificate"
            )
        })
    }

    /// The time the signer claimed.
    pub fn signed_at(&self) -> Option<&str> {
        self.signed_at.as_deref()
    }

    /// What proves the time this signature is judged at.
    pub fn time_source(&self) -> Option<TimeSource> {
        self.best_time.map(|(_, s)| s)
    }

    /// The seal data this signature signed (never one from an unsigned object).
    pub fn seal_data(&self) -> Option<&[u8]> {
        self.seal_data.as_deref()
    }

    /// The time the signature is judged at: proven by a time-stamp, asserted, or now.
    pub fn best_time(&self) -> Option<OffsetDateTime> {
        self.best_time.map(|(t, _)| t)
    }

    fn error(&mut self, code: &'static str, message: impl Into<String>) {
        let part = self.part.to_string();
        self.findings
            .push(Finding::error(code, Some(&part), message));
    }

    pub fn part(&self) -> &PartName {
        &self.part
    }

    pub fn signer(&self) -> Option<&Cert> {
        self.signer.as_ref()
    }

    /// Does this signature's manifest reference the part, and (for a relationships part) select
    /// the relationship with this Id?
    pub fn covers(&self, part: &PartName) -> bool {
        self.covered_parts.iter().any(|p| p.key() == part.key())
    }

    /// A relationships part signed whole (no RelationshipTransform) covers every relationship
    /// in it.
    pub fn covers_relationship(&self, rels_part: &PartName, id: &str) -> bool {
        self.covers(rels_part)
            || self.covered_rels.iter().any(|(p, sel)| {
                p.key() == rels_part.key() && sel.source_ids.iter().any(|s| s == id)
            })
    }

    /// The XAdES form (ETSI EN 319 132-1 §6): BES with signed properties, T with a signature
    /// time-stamp, X-L with the long-term data sealed by a SigAndRefsTimeStamp.
    fn xades_form(&self) -> Option<String> {
        if !self.xades {
            return None;
        }
        let has = |k: TimestampKind| self.timestamps.iter().any(|t| t.kind == k);
        Some(
            if has(TimestampKind::SigAndRefs) {
                "XAdES-X-L"
            } else if has(TimestampKind::Signature) {
                "XAdES-T"
            } else {
                "XAdES-BES"
            }
            .into(),
        )
    }

    /// Intact: no error finding so far.
    pub fn intact(&self) -> bool {
        !self.findings.iter().any(|f| f.severity == Severity::Error)
    }

    pub fn report(&self) -> SignatureReport {
        let mut covers: Vec<String> = self.covered_parts.iter().map(|p| p.to_string()).collect();
        covers.extend(self.covered_rels.iter().map(|(p, _)| p.to_string()));
        covers.sort();
        covers.dedup();
        SignatureReport {
            id: self.id.clone(),
            part: self.part.to_string(),
            signer: self.signer.as_ref().map(Cert::subject),
            issuer: self.signer.as_ref().map(Cert::issuer),
            serial: self.signer.as_ref().map(Cert::serial_hex),
            fingerprint_sha256: self.signer.as_ref().map(Cert::fingerprint_sha256),
            algorithm: self.algorithm.map(SignatureAlg::name),
            signed_at: self.signed_at.clone(),
            intact: self.intact(),
            trusted: self.trusted,
            revoked: self.revoked,
            timestamp: self
                .timestamps
                .iter()
                .find(|t| t.kind == TimestampKind::Signature)
                .map(TimestampCheck::report),
            timestamps: self.timestamps.iter().map(TimestampCheck::report).collect(),
            best_time: self.best_time.map(|(t, _)| crate::datetime::format_time(t)),
            time_source: self.best_time.map(|(_, s)| s),
            revocation: self.revocation.clone(),
            approval: self.approval.clone(),
            covers,
            made_with: super::report::MadeWith {
                xades: self.xades_form(),
                signature_line: self.setup_id.clone(),
                docseal: self.is_docseal(),
                ..self.made_with.clone()
            },
            findings: self.findings.clone(),
        }
    }

    /// Sets the digests computed in parallel and compares them.
    pub fn apply_digests(&mut self, results: &[DigestResult]) {
        for p in std::mem::take(&mut self.pending) {
            let key = p.task.key();
            let Some((_, got, _)) = results.iter().find(|(k, _, _)| *k == key) else {
                continue;
            };
            let name = p.task.part.to_string();
            match got {
                Ok(d)
                    if p.task.selector.is_some() && RelsDigests::decode(d).matches(&p.expected) => {
                }
                Ok(d) if p.task.selector.is_none() && *d == p.expected => {}
                Ok(_) => {
                    self.changed_parts.push(p.task.part.clone());
                    let what = if p.task.selector.is_some() {
                        format!("the signed relationships in {name} changed after sealing (retargeted or removed)")
                    } else {
                        format!("the content of {name} changed after sealing")
                    };
                    self.findings
                        .push(Finding::error("digest-mismatch", Some(&name), what));
                }
                Err(e) => self
                    .findings
                    .push(Finding::error(e.code(), Some(&name), e.to_string())),
            }
        }
    }
}

/// Whether an object Id names a line image: Office's fixed Id, or docseal's numbered one
/// (`idValidSigLnImg_3`, see `dsig::names::Ids`).
fn is_line_image(id: &str, base: &str) -> bool {
    id.strip_prefix(base).is_some_and(|rest| {
        rest.is_empty()
            || rest
                .strip_prefix('_')
                .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
    })
}

/// The signature line (`SetupID`) a signature part names, read without checking the signature:
/// a slot that any signature names is taken, whether that signature holds or not.
pub fn named_setup_id(pkg: &Package, part: &PartName) -> Option<String> {
    let text = pkg.read_xml(part).ok()?;
    let sig = parse::parse(part.as_str(), &text).ok()?;
    let id = c14n::children(&sig.root, NS_DSIG, "Object").find_map(|o| parse::setup_id(&o));
    id
}

/// Everything that can be checked with the signature document alone.
pub fn check_xml(pkg: &Package, part: &PartName) -> SignatureCheck {
    let mut check = SignatureCheck::new(part);
    let text = match pkg.read_xml(part) {
        Ok(t) => t,
        Err(e) => {
            check.error("malformed-signature", e.to_string());
            return check;
        }
    };
    let sig = match parse::parse(part.as_str(), &text) {
        Ok(s) => s,
        Err(why) => {
            check.error("malformed-signature", why);
            return check;
        }
    };
    check.id = sig.id.clone();
    check.pool = sig.certs.clone();

    let Some(c14n_method) = Method::from_uri(&sig.c14n_method) else {
        check.error(
            "unknown-algorithm",
            format!("unknown canonicalisation {}", sig.c14n_method),
        );
        return check;
    };
    let Some(alg) = SignatureAlg::from_uri(&sig.signature_method) else {
        check.error(
            "unknown-algorithm",
            format!("unknown signature algorithm {}", sig.signature_method),
        );
        return check;
    };
    check.algorithm = Some(alg);
    if alg.digest() == DigestAlg::Sha1 {
        let p = part.to_string();
        check.findings.push(Finding::warning(
            "weak-algorithm",
            Some(&p),
            "signed with SHA-1 (Office 2007/2010); SHA-1 no longer resists forgery",
        ));
    }

    // SignatureValue, under whichever KeyInfo certificate it verifies with.
    let signed_info_c14n = match c14n::canonical_subtree(&sig.signed_info, c14n_method) {
        Ok(b) => b,
        Err(e) => {
            check.error("malformed-signature", e.to_string());
            return check;
        }
    };
    match (&sig.signature_value, sig.certs.is_empty()) {
        (None, _) => check.error("malformed-signature", "no SignatureValue"),
        (_, true) => check.error("no-certificate", "KeyInfo carries no X.509 certificate"),
        (Some(value), false) => {
            let signer = sig.certs.iter().find(|c| {
                c.spki_der()
                    .map(|k| {
                        crypto::verify(
                            &k,
                            alg,
                            &signed_info_c14n,
                            value,
                            EcdsaEncoding::Concatenated,
                        )
                    })
                    .unwrap_or(false)
            });
            match signer {
                Some(c) => {
                    check.signer = Some(c.clone());
                    judge_key(&mut check, c, part);
                    if let Err(why) = key_info_consistent(c, &sig.certs, &sig.key_info) {
                        check.error("key-info-inconsistent", why);
                    }
                }
                None => {
                    check.signer = sig.certs.first().cloned();
                    check.error(
                        "signature-value-invalid",
                        "the SignatureValue does not verify with the certificate in KeyInfo (signature bytes or certificate changed)",
                    );
                }
            }
        }
    }

    // SignedInfo references: same-document objects only, each found exactly once.
    let mut manifest_objects = Vec::new();
    let mut referenced_ids = Vec::new();
    let mut seal_data: Vec<Option<Vec<u8>>> = Vec::new();
    for r in &sig.references {
        let Some(id) = r.uri.strip_prefix('#') else {
            check.error(
                "unsupported-reference",
                format!(
                    "SignedInfo references {:?}, not an object of the signature",
                    r.uri
                ),
            );
            continue;
        };
        let nodes = sig.doc.elements_with_id(id);
        let node = match nodes.len() {
            1 => nodes.into_iter().next(),
            0 => {
                check.error(
                    "reference-not-found",
                    format!("the signed object #{id} is missing"),
                );
                None
            }
            _ => {
                check.error(
                    "duplicate-id",
                    format!("two elements carry Id {id:?} (signature wrapping?)"),
                );
                None
            }
        };
        let Some(node) = node else { continue };
        // The object must hang off this Signature, not be smuggled in elsewhere.
        if !within_own_object(&node, &sig.root) {
            check.error(
                "reference-outside-signature",
                format!("#{id} is not inside an Object of this signature"),
            );
            continue;
        }
        let mut method = Method::C14N_10;
        let mut ok = true;
        for t in &r.transforms {
            match t {
                Transform::C14n(uri) => method = Method::from_uri(uri).unwrap_or(Method::C14N_10),
                other => {
                    check.error(
                        "unsupported-transform",
                        format!("#{id} uses transform {other:?}"),
                    );
                    ok = false;
                }
            }
        }
        let Some(dalg) = DigestAlg::from_uri(&r.digest_method) else {
            check.error(
                "unknown-algorithm",
                format!("unknown digest algorithm {}", r.digest_method),
            );
            continue;
        };
        if !ok {
            continue;
        }
        let digest = crate::dsig::reference_digest(&node, method, dalg);
        match (digest, &r.digest_value) {
            (Ok(d), Some(expected)) if d == *expected => {
                referenced_ids.push(id.to_string());
                if c14n::is(&node, NS_DSIG, "Object") {
                    manifest_objects.extend(parse::package_object(&node));
                    seal_data.extend(parse::seal_data(&node));
                    if let Some(a) = parse::approval(&node) {
                        check.approval = Some(a);
                    }
                    if let Some(id) = parse::setup_id(&node) {
                        check.setup_id = Some(id);
                        check.signature_image = parse::signature_image(&node);
                        check.signature_text = parse::signature_info(&node, "SignatureText");
                    }
                    if let Some(v) = parse::signature_info(&node, "OfficeVersion") {
                        check.made_with.office_version = Some(v);
                        check.made_with.application_version =
                            parse::signature_info(&node, "ApplicationVersion");
                    }
                    if let Some(list) = parse::slot_list(&node) {
                        check.reserved = Some(list);
                    }
                    if is_line_image(id, crate::dsig::slots::VALID_IMAGE_ID) {
                        check.line_image = parse::b64(&node.get_content());
                    }
                    if is_line_image(id, crate::dsig::slots::INVALID_IMAGE_ID) {
                        check.has_invalid_image = true;
                    }
                }
            }
            (Ok(_), _)
                if is_line_image(id, crate::dsig::slots::VALID_IMAGE_ID)
                    || is_line_image(id, crate::dsig::slots::INVALID_IMAGE_ID) =>
            {
                check.error(
                    "slot-picture-changed",
                    format!("the seal picture this signature shows in its slot (#{id}) is not the one it sealed: swapped or edited"),
                );
            }
            (Ok(_), _) => {
                let what = if c14n::is(&node, NS_XADES, "SignedProperties") {
                    "the XAdES SignedProperties (signing time, signing certificate) were edited after signing".to_string()
                } else {
                    format!("the signed object #{id} changed after signing")
                };
                check.error("digest-mismatch", what);
            }
            (Err(e), _) => check.error("malformed-signature", e.to_string()),
        }
    }
    match seal_data.len() {
        0 => {}
        1 => match seal_data.pop().flatten() {
            Some(der) => check.seal_data = Some(der),
            None => check.error("seal-data-invalid", "the signed seal data is not base64"),
        },
        _ => check.error(
            "seal-data-invalid",
            "the signature carries more than one seal data (SESeal)",
        ),
    }
    if manifest_objects.is_empty() && check.intact() {
        check.error(
            "no-manifest",
            "the signature covers no package parts (no signed Manifest)",
        );
    }

    // Signing time: XAdES first, then the package object's mdssi:SignatureTime.
    check.xades = sig.xades.is_some();
    if let Some(xades) = &sig.xades {
        if !xades
            .id
            .as_ref()
            .is_some_and(|id| referenced_ids.contains(id))
        {
            check.error(
                "unsigned-signed-properties",
                "the XAdES SignedProperties are not covered by SignedInfo",
            );
        }
        check.signed_at = xades.signing_time.clone();
        check_signing_certificate(&mut check, xades);
    }
    if check.signed_at.is_none() {
        check.signed_at = manifest_objects
            .iter()
            .find_map(|o| o.signature_time.clone());
    }

    // Time-stamps: a token that does not prove what it says makes the signature invalid, as a
    // changed signed object would (it is the evidence the verdict relies on).
    check.timestamps = timestamps::check(&sig.root);
    let (ltv_certs, ltv_crls) = timestamps::long_term_values(&sig.root);
    check.pool.extend(ltv_certs);
    check.embedded_crls = ltv_crls;
    let problems: Vec<_> = check
        .timestamps
        .iter()
        .filter_map(|t| t.result.as_ref().err().map(|e| (t.kind, e.clone())))
        .collect();
    for (kind, p) in problems {
        match kind {
            TimestampKind::Signature => check.error(p.code(), p.to_string()),
            // The X-L time-stamp proves when the validation data was gathered, not the
            // signature: one that does not match leaves that time unproven and the signature
            // as it is (its own time-stamp, its CRLs, each checked on its own). Seen in the
            // Belgian eID DSS's early X-L signatures: their SignatureTimeStamp holds, their
            // SigAndRefsTimeStamp matches no reading of XAdES §7.5.1 (docs/design-notes.md).
            TimestampKind::SigAndRefs => {
                let part = check.part.to_string();
                check.findings.push(Finding::warning(
                    p.code(),
                    Some(&part),
                    format!(
                        "the long-term data's time-stamp (SigAndRefsTimeStamp) does not prove its data ({p}): when the validation data was gathered is not proven; the signature and its own time-stamp are judged without it"
                    ),
                ));
            }
        }
    }

    for obj in &manifest_objects {
        for r in &obj.references {
            manifest_reference(pkg, &mut check, r);
        }
    }
    check
}

fn within_own_object(node: &libxml::tree::Node, root: &libxml::tree::Node) -> bool {
    let mut cur = node.clone();
    loop {
        let Some(parent) = cur.get_parent() else {
            return false;
        };
        if parent == *root {
            return c14n::is(&cur, NS_DSIG, "Object");
        }
        cur = parent;
    }
}

/// Every piece of key material in KeyInfo must belong to the certificate the SignatureValue
/// verified with: another client may take a `KeyValue`, a second end-entity certificate, a
/// `RetrievalMethod` or a `KeyName` for the signer and show an attacker's key as the seal's.
fn key_info_consistent(
    signer: &Cert,
    certs: &[Cert],
    extras: &crate::dsig::parse::KeyInfoExtras,
) -> Result<(), String> {
    use crate::dsig::parse::KeyValue;
    if extras.retrieval_methods > 0 {
        return Err("KeyInfo fetches key material from elsewhere (RetrievalMethod)".into());
    }
    if extras.undecodable_certificates > 0 {
        return Err("KeyInfo carries an X509Certificate that is not a certificate".into());
    }
    if let Some(other) = certs.iter().find(|c| *c != signer && !c.is_ca()) {
        return Err(format!(
            "KeyInfo carries a second end-entity certificate ({}) beside the signer's",
            other.subject()
        ));
    }
    let spki = signer.spki_der().map_err(|e| e.to_string())?;
    for kv in &extras.key_values {
        let same = match kv {
            KeyValue::Rsa { modulus, exponent } => {
                use rsa::pkcs8::DecodePublicKey;
                use rsa::traits::PublicKeyParts;
                let strip = |b: &[u8]| {
                    b.iter()
                        .skip_while(|x| **x == 0)
                        .copied()
                        .collect::<Vec<u8>>()
                };
                rsa::RsaPublicKey::from_public_key_der(&spki).is_ok_and(|k| {
                    strip(&k.n().to_bytes_be()) == strip(modulus)
                        && strip(&k.e().to_bytes_be()) == strip(exponent)
                })
            }
            KeyValue::Ec { point } => spki::SubjectPublicKeyInfoRef::try_from(spki.as_slice())
                .is_ok_and(|k| k.subject_public_key.raw_bytes() == point.as_slice()),
            KeyValue::Other(_) => false,
        };
        if !same {
            return Err(
                "KeyInfo carries a KeyValue that is not the signing certificate's key".into(),
            );
        }
    }
    if extras.key_names.is_empty() {
        return Ok(());
    }
    let subject = signer.subject();
    for name in &extras.key_names {
        let cn_matches = subject
            .split(',')
            .any(|rdn| rdn.trim().strip_prefix("CN=") == Some(name.as_str()));
        if *name != subject && !cn_matches {
            return Err(format!(
                "KeyInfo names another key ({name:?}) than the signing certificate's"
            ));
        }
    }
    Ok(())
}

/// XAdES SigningCertificate / SigningCertificateV2: the certificate's digest must be that of the
/// certificate the SignatureValue verified with.
fn check_signing_certificate(check: &mut SignatureCheck, xades: &parse::XadesSigned) {
    let Some(digests) = &xades.signing_certificates else {
        check.error(
            "signing-certificate-missing",
            "XAdES SignedProperties name no signing certificate",
        );
        return;
    };
    let Some(signer) = check.signer.clone() else {
        return;
    };
    let matched = digests
        .iter()
        .any(|d| match (DigestAlg::from_uri(&d.method), &d.value) {
            (Some(alg), Some(value)) => alg.digest(signer.der()) == *value,
            _ => false,
        });
    if !matched {
        check.error(
            "signing-certificate-mismatch",
            "the certificate in KeyInfo is not the one the XAdES SigningCertificate names (certificate swapped?)",
        );
    }
}

/// Queues one manifest reference "/part?ContentType=type" for digesting.
fn manifest_reference(pkg: &Package, check: &mut SignatureCheck, r: &Reference) {
    let (path, query) = r.uri.split_once('?').unwrap_or((&r.uri, ""));
    let expected_ct = query.strip_prefix("ContentType=").map(str::to_string);
    let Some(entry) = pkg.entry_by_uri(path) else {
        check.error("part-missing", format!("the signed part {path} is missing"));
        return;
    };
    let part = entry.name.clone();
    let actual_ct = pkg.content_type(&part).map(str::to_string);
    if expected_ct.is_some() && expected_ct != actual_ct {
        let p = part.to_string();
        check.findings.push(Finding::error(
            "content-type-mismatch",
            Some(&p),
            format!(
                "the content type of {p} changed after sealing (signed as {}, now {})",
                expected_ct.as_deref().unwrap_or("?"),
                actual_ct.as_deref().unwrap_or("none")
            ),
        ));
        return;
    }
    let Some(alg) = DigestAlg::from_uri(&r.digest_method) else {
        check.error(
            "unknown-algorithm",
            format!("unknown digest algorithm {}", r.digest_method),
        );
        return;
    };
    let Some(expected) = r.digest_value.clone() else {
        check.error(
            "malformed-signature",
            format!("the reference to {path} has no digest value"),
        );
        return;
    };
    let (selector, canonical) = match r.transforms.as_slice() {
        [] => (None, None),
        [Transform::Relationship(sel)] | [Transform::Relationship(sel), Transform::C14n(_)] => {
            (Some(sel.clone()), None)
        }
        // A part canonicalised whole (ECMA-376 Part 2 §13.2.4.26 allows C14N on its own).
        [Transform::C14n(uri)] if Method::from_uri(uri).is_some() => (None, Method::from_uri(uri)),
        other => {
            check.error(
                "unsupported-transform",
                format!("the reference to {path} uses transforms {other:?}"),
            );
            return;
        }
    };
    match &selector {
        Some(sel) => check.covered_rels.push((part.clone(), sel.clone())),
        None => check.covered_parts.push(part.clone()),
    }
    let task = PartTask {
        part,
        alg,
        selector,
        canonical,
    };
    check.tasks.push(task.clone());
    check.pending.push(Pending { task, expected });
}

/// Computes one digest, watching the part for `needles` (a bit each in the second value).
pub fn digest_task(pkg: &Package, t: &PartTask, needles: &[&[u8]]) -> (Result<Vec<u8>>, u32) {
    let Some(entry) = pkg.entry(&t.part) else {
        return (
            Err(Error::MissingPart {
                part: t.part.to_string(),
            }),
            0,
        );
    };
    match &t.selector {
        Some(sel) => {
            let r = pkg.read_xml(&t.part).and_then(|text| {
                let rels = crate::opc::rels::parse(t.part.as_str(), &text)?;
                let standard =
                    t.alg
                        .digest(&rels_transform::transform(t.part.as_str(), &rels, sel)?);
                let stray = crate::opc::rels::stray_root_children(&text);
                let quirk = if stray.is_empty() {
                    None
                } else {
                    Some(t.alg.digest(&rels_transform::transform_libreoffice(
                        t.part.as_str(),
                        &rels,
                        sel,
                        &stray,
                    )?))
                };
                Ok(RelsDigests {
                    standard,
                    libreoffice: quirk,
                }
                .encode())
            });
            (r, 0)
        }
        None => match t.canonical {
            Some(method) => (
                pkg.read_xml(&t.part)
                    .and_then(|text| c14n::canonical_text(t.part.as_str(), &text, method))
                    .map(|bytes| t.alg.digest(&bytes)),
                0,
            ),
            None => match pkg.digest_watching(entry, t.alg, needles) {
                Ok((d, found)) => (Ok(d), found),
                Err(e) => (Err(e), 0),
            },
        },
    }
}

pub use crate::datetime::parse_time;

/// Both digests of a relationships reference: the standard transform's and LibreOffice's.
struct RelsDigests {
    standard: Vec<u8>,
    libreoffice: Option<Vec<u8>>,
}

impl RelsDigests {
    // Carried through the shared result list as one byte string: len(standard) ‖ standard ‖ quirk.
    fn encode(self) -> Vec<u8> {
        let mut out = vec![self.standard.len() as u8];
        out.extend(self.standard);
        out.extend(self.libreoffice.unwrap_or_default());
        out
    }
    fn decode(bytes: &[u8]) -> RelsDigests {
        let n = bytes.first().copied().unwrap_or(0) as usize;
        let standard = bytes.get(1..1 + n).unwrap_or_default().to_vec();
        let rest = bytes.get(1 + n..).unwrap_or_default();
        RelsDigests {
            standard,
            libreoffice: (!rest.is_empty()).then(|| rest.to_vec()),
        }
    }
    fn matches(&self, expected: &[u8]) -> bool {
        self.standard == expected || self.libreoffice.as_deref() == Some(expected)
    }
}

/// The key policy's word on the signer's key (crate::key_policy): a key too small to prove
/// anything breaks the signature; one too small for new seals is reported.
fn judge_key(check: &mut SignatureCheck, signer: &Cert, part: &PartName) {
    use crate::key_policy::{strength, Strength, RSA_MIN_BITS_TO_SIGN, RSA_MIN_BITS_TO_VERIFY};
    match signer.spki_der().map(|k| strength(&k)) {
        Ok(Strength::Broken { bits }) => check.error(
            "weak-key",
            format!("signed with an RSA key of {bits} bits; under {RSA_MIN_BITS_TO_VERIFY} bits a signature proves nothing"),
        ),
        Ok(Strength::Weak { bits }) => {
            let p = part.to_string();
            check.findings.push(Finding::warning(
                "weak-key",
                Some(&p),
                format!("signed with an RSA key of {bits} bits; new seals need {RSA_MIN_BITS_TO_SIGN}"),
            ));
        }
        _ => {}
    }
}
