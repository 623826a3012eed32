//! Whether a seal picture is one a seal center issued (GB/T 38540-2020 seal data), checked in
//! the standard's order once the signature value held: the signer is in the seal's certificate
//! list; the maker's signature verifies and the maker chains to a trusted center; the seal was
//! valid at the best signature time; the picture shown is the seal data's picture. (That the
//! seal is not suspended or revoked is the signer certificate's revocation, judged with the
//! signature.)

use super::finding::Finding;
pub use super::report::{Issuance, Issued};
use super::signature::SignatureCheck;
use crate::datetime::format_time;
use crate::seal::seseal::SealData;
use crate::trust::Validator;

/// Judges the seal picture `picture` (its bytes as shown) that `sig` binds. `required`: a
/// picture no center issued is an error, not a warning.
pub fn judge(
    sig: Option<&SignatureCheck>,
    image_part: &str,
    picture: Option<&[u8]>,
    trust: &Validator,
    required: bool,
    findings: &mut Vec<Finding>,
) -> (Issuance, Issued) {
    let part = Some(image_part);
    let Some(der) = sig.and_then(SignatureCheck::seal_data) else {
        let message = format!(
            "the seal picture {image_part} was not issued by a seal center: it carries no seal data (GB/T 38540 SESeal), so it may be a scanned or drawn seal"
        );
        findings.push(if required {
            Finding::error("seal-not-issued", part, message)
        } else {
            Finding::warning("seal-not-issued", part, message)
        });
        return (Issuance::NotIssued, Issued::default());
    };
    let data = match SealData::read(der) {
        Ok(d) => d,
        Err(why) => {
            findings.push(Finding::error("seal-data-invalid", part, why.to_string()));
            return (Issuance::Mismatch, Issued::default());
        }
    };
    let issued = Issued {
        issued_by: Some(data.maker.subject()),
        seal_id: Some(data.id().to_string()),
        valid_from: Some(format_time(data.valid_from())),
        valid_to: Some(format_time(data.valid_to())),
    };
    let mut problem = |code: &'static str, message: String| {
        findings.push(Finding::error(code, part, message));
        Issuance::Mismatch
    };
    let signer = sig.and_then(SignatureCheck::signer);
    if !signer.is_some_and(|c| data.lists(c)) {
        let who = signer.map(|c| c.subject()).unwrap_or_default();
        return (
            problem(
                "seal-cert-mismatch",
                format!(
                    "the seal data of \"{}\" ({}) does not list the certificate that signed ({who}): a genuine seal moved into another's signature",
                    data.name(),
                    data.id()
                ),
            ),
            issued,
        );
    }
    let at = sig
        .and_then(SignatureCheck::best_time)
        .unwrap_or_else(|| trust.now());
    let maker = trust.check(&data.maker, &[], at);
    if !maker.trusted {
        return (
            problem(
                "seal-maker-untrusted",
                format!(
                    "the seal \"{}\" was made by {}, which is not a trusted seal center{}",
                    data.name(),
                    data.maker.subject(),
                    maker.problem.map(|p| format!(" ({p})")).unwrap_or_default()
                ),
            ),
            issued,
        );
    }
    if at < data.valid_from() || at > data.valid_to() {
        return (
            problem(
                "seal-outside-validity",
                format!(
                    "the seal \"{}\" was used at {}, outside its validity ({} to {})",
                    data.name(),
                    format_time(at),
                    format_time(data.valid_from()),
                    format_time(data.valid_to())
                ),
            ),
            issued,
        );
    }
    if picture != Some(data.picture()) {
        return (
            problem(
                "seal-picture-mismatch",
                format!(
                    "the picture {image_part} is not the picture of the seal \"{}\" that the center issued",
                    data.name()
                ),
            ),
            issued,
        );
    }
    (Issuance::Issued, issued)
}
