//! Seal slots and the signatures that fill them. A slot is `bound` when exactly one signature
//! names it (`SetupID`), that signature is intact and signs the picture it shows there; a slot
//! no signature names is `empty` (information: "2 of 3 slots sealed"). The slot list the first
//! seal signed says which slots the parties agreed on, so a slot added, moved or filled with a
//! picture afterwards gets a finding of its own beside "changed after sealing".
//!
//! Only docseal's slots are judged so: the lines the signed slot list names, or, before any seal
//! signed one, the lines docseal drew. Any other Office signature line — one Word, Aspose or the
//! Belgian eID tools put in a partner's document — is reported as it is (who signed it, whether
//! that signature holds, which pictures it carries), as information and warnings: Office draws
//! such a line from its signature, and a correct partner's signature is never a broken seal.

use super::finding::Finding;
use super::issuance::{self, Issuance, Issued};
use super::report::{LineReport, SealReport, SealStatus};
use super::signature::SignatureCheck;
use crate::dsig::slots::{picture_digest, ReservedSlot};
use crate::opc::{PackageEdit, PartName};
use crate::slot::{self, Slot};

pub fn check(
    view: &PackageEdit,
    checks: &[SignatureCheck],
    may_hold: &dyn Fn(&PartName) -> bool,
    opts: &super::options::VerifyOptions,
    findings: &mut Vec<Finding>,
) -> (Vec<SealReport>, Vec<LineReport>) {
    let lines = match slot::find(view, may_hold) {
        Ok(s) => s,
        Err(e) => {
            findings.push(Finding::error(e.code(), None, e.to_string()));
            return (vec![], vec![]);
        }
    };
    // The list of the first signature whose value holds: signed objects are then authentic even
    // when the parts it covers have changed since.
    let reserved = checks
        .iter()
        .filter(|c| c.value_verified())
        .find_map(|c| c.reserved_slots().map(|l| (c, l)));
    let ours =
        |s: &Slot| s.ours || reserved.is_some_and(|(_, list)| list.iter().any(|r| r.id == s.id));
    let (slots, foreign): (Vec<&Slot>, Vec<&Slot>) = lines.iter().partition(|s| ours(s));
    let mut reports = Vec::new();
    for s in slots.iter().copied() {
        if let Some((first, list)) = reserved {
            judge_place(view, s, first, list, findings);
        }
        let fills: Vec<&SignatureCheck> = checks
            .iter()
            .filter(|c| c.setup_id() == Some(s.id.as_str()))
            .collect();
        let Some(c) = fills.first().copied() else {
            findings.push(Finding::info(
                "slot-empty",
                Some(s.part.as_str()),
                format!("the seal slot \"{}\" is empty", s.label),
            ));
            reports.push(report(
                s,
                None,
                SealStatus::Empty,
                Issuance::NotIssued,
                Issued::default(),
            ));
            continue;
        };
        for extra in &fills[1..] {
            findings.push(Finding::error(
                "slot-sealed-twice",
                Some(extra.part().as_str()),
                format!(
                    "the seal slot \"{}\" is filled by {} and again by {}: a slot takes one seal",
                    s.label,
                    c.part(),
                    extra.part()
                ),
            ));
        }
        let status = fill_status(s, c, checks, findings);
        let seal = c.signature_image();
        let shows_seal = match (seal, c.line_image()) {
            (Some(seal), Some(line)) => shows(line, seal),
            _ => true,
        };
        if !shows_seal {
            findings.push(Finding::error(
                "slot-picture-changed",
                Some(c.part().as_str()),
                format!(
                    "the picture {} shows in the seal slot \"{}\" is not its seal picture",
                    c.part(),
                    s.label
                ),
            ));
        }
        let image = format!("{}#idValidSigLnImg", c.part());
        let (issuance, issued) = issuance::judge(
            Some(c),
            &image,
            seal.or(c.line_image()),
            &opts.trust,
            opts.require_issued_seals,
            findings,
        );
        let status = if shows_seal {
            status
        } else {
            SealStatus::Unbound
        };
        reports.push(report(s, Some(c), status, issuance, issued));
    }
    missing_lines(checks, &lines, findings);
    let line_reports = foreign
        .iter()
        .map(|s| foreign_line(s, checks, findings))
        .collect();
    if let Some((first, list)) = reserved {
        for r in list {
            if !slots.iter().any(|s| s.id == r.id) {
                findings.push(Finding::error(
                    "slot-removed",
                    None,
                    format!(
                        "the seal slot \"{}\" that {} reserved is gone",
                        r.label,
                        first.part()
                    ),
                ));
            }
        }
    }
    (reports, line_reports)
}

/// Another signer's signature line, and what fills it.
fn foreign_line(s: &Slot, checks: &[SignatureCheck], findings: &mut Vec<Finding>) -> LineReport {
    let fills: Vec<&SignatureCheck> = checks
        .iter()
        .filter(|c| c.setup_id() == Some(s.id.as_str()))
        .collect();
    let c = fills.first().copied();
    let who = |c: &SignatureCheck| {
        c.signer()
            .map(|x| x.subject())
            .unwrap_or_else(|| "an unknown signer".into())
    };
    let part = Some(s.part.as_str());
    match c {
        None => findings.push(Finding::info(
            "signature-line-unsigned",
            part,
            format!("the signature line for \"{}\" is not signed", s.label),
        )),
        Some(c) if c.intact() => {
            findings.push(Finding::info(
                "signature-line-signed",
                part,
                format!(
                    "the signature line for \"{}\" is signed by {} ({})",
                    s.label,
                    who(c),
                    c.part()
                ),
            ));
            if c.line_image().is_none() {
                findings.push(Finding::warning(
                    "signature-line-image-missing",
                    Some(c.part().as_str()),
                    format!(
                        "{} signs the line for \"{}\" without a picture of the signed line (idValidSigLnImg): Office draws the line from the signature's own text and picture",
                        c.part(),
                        s.label
                    ),
                ));
            }
        }
        // A broken signature says so in its own findings; the line only names it.
        Some(c) => findings.push(Finding::warning(
            "signature-line-broken",
            part,
            format!(
                "the signature line for \"{}\" holds {}'s signature, which does not hold",
                s.label,
                who(c)
            ),
        )),
    }
    for extra in fills.iter().skip(1) {
        findings.push(Finding::warning(
            "signature-line-signed-twice",
            Some(extra.part().as_str()),
            format!(
                "the signature line for \"{}\" is signed again by {}",
                s.label,
                extra.part()
            ),
        ));
    }
    LineReport {
        id: s.id.clone(),
        part: s.part.to_string(),
        suggested_signer: s.label.clone(),
        suggested_signer_title: s.signer_hint.clone(),
        signature: c.map(|c| c.part().to_string()),
        signer: c.and_then(|c| c.signer()).map(|x| x.subject()),
        intact: c.map(SignatureCheck::intact),
        signature_image: c.is_some_and(|c| c.signature_image().is_some()),
        signature_text: c.is_some_and(|c| c.signature_text().is_some()),
        valid_image: c.is_some_and(|c| c.line_image().is_some()),
        invalid_image: c.is_some_and(SignatureCheck::has_invalid_image),
    }
}

/// A slot against the list the first seal signed: reserved, in the same place, still empty
/// underneath (its frame not replaced by a picture).
fn judge_place(
    view: &PackageEdit,
    s: &Slot,
    first: &SignatureCheck,
    list: &[ReservedSlot],
    findings: &mut Vec<Finding>,
) {
    let part = Some(s.part.as_str());
    let Some(r) = list.iter().find(|r| r.id == s.id) else {
        findings.push(Finding::error(
            "slot-not-reserved",
            part,
            format!(
                "the seal slot \"{}\" was added after the document was sealed ({} lists no such slot)",
                s.label,
                first.part()
            ),
        ));
        return;
    };
    if r.place != s.place || r.label != s.label {
        findings.push(Finding::error(
            "slot-moved",
            part,
            format!(
                "the seal slot \"{}\" was moved or changed after the document was sealed",
                r.label
            ),
        ));
    }
    let picture = s
        .placeholder
        .as_ref()
        .and_then(|p| view.read(p).ok())
        .map(|b| picture_digest(&b))
        .unwrap_or_default();
    if picture != r.picture {
        findings.push(Finding::error(
            "copied-seal",
            part,
            format!(
                "the seal slot \"{}\" shows a picture that no signature binds: its empty frame was replaced",
                r.label
            ),
        ));
    }
}

/// How the signature filling a slot holds: bound, copied from another document, or broken.
fn fill_status(
    s: &Slot,
    c: &SignatureCheck,
    checks: &[SignatureCheck],
    findings: &mut Vec<Finding>,
) -> SealStatus {
    if c.intact() && c.line_image().is_some() {
        return SealStatus::Bound;
    }
    if c.intact() {
        findings.push(Finding::error(
            "seal-not-bound",
            Some(c.part().as_str()),
            format!(
                "{} fills the seal slot \"{}\" without a signed picture for it (idValidSigLnImg)",
                c.part(),
                s.label
            ),
        ));
        return SealStatus::Unbound;
    }
    // Made for another document: parts it covers differ, while another signature whose value
    // holds still matches them.
    let copied = !c.changed_parts.is_empty()
        && c.changed_parts.iter().all(|p| {
            checks.iter().any(|d| {
                !std::ptr::eq(d, c)
                    && d.value_verified()
                    && d.covers(p)
                    && !d.changed_parts.iter().any(|q| q.key() == p.key())
            })
        });
    if copied {
        findings.push(Finding::error(
            "copied-seal",
            Some(c.part().as_str()),
            format!(
                "copied seal: {} in the seal slot \"{}\" was made for another document (it does not match this document, which the other seals do)",
                c.part(),
                s.label
            ),
        ));
        SealStatus::Copied
    } else {
        findings.push(Finding::error(
            "seal-not-bound",
            Some(c.part().as_str()),
            format!(
                "seal not bound: the signature {} that fills the seal slot \"{}\" is broken, so the slot shows its seal crossed out",
                c.part(),
                s.label
            ),
        ));
        SealStatus::Unbound
    }
}

fn report(
    s: &Slot,
    c: Option<&SignatureCheck>,
    status: SealStatus,
    issuance: Issuance,
    issued: Issued,
) -> SealReport {
    SealReport {
        image_part: s
            .placeholder
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default(),
        in_part: s.part.to_string(),
        signature: c.map(|c| c.part().to_string()),
        status,
        slot: Some(s.label.clone()),
        signer: c.and_then(|c| c.signer()).map(|x| x.subject()),
        signed_at: c.and_then(|c| c.signed_at()).map(str::to_string),
        time_source: c.and_then(SignatureCheck::time_source),
        issuance,
        issued,
    }
}

/// Whether the line image shows the seal picture: the same pixels, or the seal centred on a
/// transparent canvas of the slot's shape (`slot::picture::fill_images`).
fn shows(line: &[u8], seal: &[u8]) -> bool {
    if line == seal {
        return true;
    }
    let load = |b: &[u8]| {
        image::load_from_memory_with_format(b, image::ImageFormat::Png)
            .ok()
            .map(|i| i.to_rgba8())
    };
    let (Some(l), Some(s)) = (load(line), load(seal)) else {
        return false;
    };
    let (lw, lh) = l.dimensions();
    let (sw, sh) = s.dimensions();
    if lw < sw || lh < sh {
        return false;
    }
    let (x0, y0) = ((lw - sw) / 2, (lh - sh) / 2);
    l.enumerate_pixels().all(|(x, y, p)| {
        if x >= x0 && x < x0 + sw && y >= y0 && y < y0 + sh {
            *p == *s.get_pixel(x - x0, y - y0)
        } else {
            p[3] == 0
        }
    })
}

/// A signature naming a line the document does not have: docseal's seal was copied from
/// another document, or its slot removed; another signer's line may simply not be drawn.
fn missing_lines(checks: &[SignatureCheck], lines: &[Slot], findings: &mut Vec<Finding>) {
    for c in checks {
        let Some(id) = c.setup_id() else { continue };
        if lines.iter().any(|s| s.id == id) {
            continue;
        }
        if c.is_docseal() {
            findings.push(Finding::error(
                "slot-missing",
                Some(c.part().as_str()),
                format!(
                    "{} fills a seal slot {id} that this document does not have: the seal was copied from another document, or its slot removed",
                    c.part()
                ),
            ));
        } else {
            findings.push(Finding::warning(
                "signature-line-missing",
                Some(c.part().as_str()),
                format!(
                    "{} was made on a signature line {id} that this document does not show",
                    c.part()
                ),
            ));
        }
    }
}
