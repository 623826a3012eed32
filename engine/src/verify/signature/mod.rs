//! Checking one signature: its SignedInfo references to the signed objects, the SignatureValue
//! under the certificate it carries, XAdES's signing-certificate binding, and the Manifest's
//! references to the package parts (digested later, in parallel, as `PartTask`s).

mod check;
mod parts;
mod references;
mod times;
mod trust;
mod value;

use super::finding::Finding;
use crate::algorithm::{DigestAlg, SignatureAlg};
use crate::c14n::{self, Method};
use crate::dsig::names::NS_DSIG;
use crate::dsig::parse;
use crate::opc::{Package, PartName};

pub use check::SignatureCheck;
pub use parts::{digest_task, DigestResult, PartTask};

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

    if !value::check_value(&mut check, &sig, c14n_method, alg, part) {
        return check;
    }
    let signed = references::check_references(&mut check, &sig);
    times::judge_times(&mut check, &sig, &signed);
    for obj in &signed.manifest_objects {
        for r in &obj.references {
            references::manifest_reference(pkg, &mut check, r);
        }
    }
    check
}

pub use crate::datetime::parse_time;
