//! The SignatureValue: which certificate of KeyInfo it verifies under, whether KeyInfo's other
//! key material agrees with it, and what the key policy says of that key.

use crate::algorithm::SignatureAlg;
use crate::c14n::{self, Method};
use crate::crypto::{self, EcdsaEncoding};
use crate::dsig::parse::{self};
use crate::error::Result;
use crate::opc::PartName;
use crate::trust::Cert;
use crate::verify::finding::Finding;

use super::check::SignatureCheck;

/// The SignatureValue, under whichever KeyInfo certificate it verifies with (XML-DSig §3.2.2);
/// `false` when SignedInfo cannot even be canonicalised.
pub(super) fn check_value(
    check: &mut SignatureCheck,
    sig: &parse::ParsedSignature,
    c14n_method: Method,
    alg: SignatureAlg,
    part: &PartName,
) -> bool {
    // SignatureValue, under whichever KeyInfo certificate it verifies with.
    let signed_info_c14n = match c14n::canonical_subtree(&sig.signed_info, c14n_method) {
        Ok(b) => b,
        Err(e) => {
            check.error("malformed-signature", e.to_string());
            return false;
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
                    judge_key(check, c, part);
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
    true
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
