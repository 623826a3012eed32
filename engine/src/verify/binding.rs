//! Seal pictures and the signatures that bind them. A seal drawing names, in its mark, the
//! certificate and the signature part that cover it; the seal is `bound` only when that signature
//! is here, intact, made with that certificate, and covers the picture, the part holding the
//! drawing and the relationship between them. A picture copied from another document — with or
//! without its signature part — or an unmarked copy of a bound seal's pixels is reported.

use quick_xml::events::Event;
use sha2::{Digest, Sha256};

use super::finding::Finding;
use super::issuance::{self, Issuance, Issued};
use super::report::{SealReport, SealStatus};
use super::signature::SignatureCheck;
use crate::opc::{rels, Package, PartName};
use crate::place::main_part::is_word_text;
use crate::place::marker::{mentions_seal, SealMark};
use crate::xml::{ns, Scanner};

/// A seal drawing found in a part.
#[derive(Debug, Clone)]
pub struct FoundSeal {
    pub mark: SealMark,
    pub in_part: PartName,
    pub rel_id: String,
    pub image_part: Option<PartName>,
}

/// Parts that can hold a seal drawing: Word's text parts and spreadsheet drawings.
pub fn may_hold_seal(content_type: &str) -> bool {
    content_type.ends_with("drawing+xml") || is_word_text(content_type)
}

/// Every marked seal drawing of the package (DOCX body, headers, footers; XLSX drawings): a
/// `docPr`/`cNvPr` whose description is a seal mark, and the `a:blip` after it.
/// `no_seal` tells of parts known (from digesting them) to hold no seal mark: they are not read.
pub fn find_seals(pkg: &Package, no_seal: &dyn Fn(&PartName) -> bool) -> Vec<FoundSeal> {
    let mut out: Vec<FoundSeal> = Vec::new();
    for e in pkg.entries() {
        if !may_hold_seal(pkg.content_type(&e.name).unwrap_or("")) || no_seal(&e.name) {
            continue;
        }
        let Ok(bytes) = pkg.read_entry(e) else {
            continue;
        };
        if !mentions_seal(&bytes) {
            continue;
        }
        let text = String::from_utf8_lossy(&bytes);
        let part_rels = e.name.rels_part();
        let rel_list = pkg
            .read_xml(&part_rels)
            .ok()
            .and_then(|x| rels::parse(part_rels.as_str(), &x).ok())
            .unwrap_or_default();
        let mut s = Scanner::new(&text);
        let mut pending: Option<SealMark> = None;
        while let Ok(Some(item)) = s.next_item() {
            let (Event::Start(t) | Event::Empty(t)) = &item.event else {
                continue;
            };
            if s.is(t, ns::WP, "docPr") || s.is(t, ns::PIC, "cNvPr") || s.is(t, ns::XDR, "cNvPr") {
                if let Some(m) = s.attr(t, None, "descr").and_then(|d| SealMark::parse(&d)) {
                    pending = Some(m);
                }
            } else if s.is(t, ns::A, "blip") {
                let embed = s.attr(t, Some(ns::R), "embed");
                if let (Some(mark), Some(id)) = (pending.take(), embed) {
                    let image_part = rel_list
                        .iter()
                        .find(|r| r.id == id)
                        .and_then(|r| r.target_part(Some(&e.name)));
                    if !out.iter().any(|s| s.in_part == e.name && s.rel_id == id) {
                        out.push(FoundSeal {
                            mark,
                            in_part: e.name.clone(),
                            rel_id: id,
                            image_part,
                        });
                    }
                }
            }
        }
    }
    out
}

/// A picture's size and RGBA pixels.
type Pixels = (u32, u32, Vec<u8>);

/// The pixels of a PNG, hashed: the same seal re-encoded still matches.
fn pixel_hash(png: &[u8]) -> Option<Pixels> {
    let img = image::load_from_memory_with_format(png, image::ImageFormat::Png)
        .ok()?
        .to_rgba8();
    Some((
        img.width(),
        img.height(),
        Sha256::digest(img.as_raw()).to_vec(),
    ))
}

pub fn check(
    pkg: &Package,
    checks: &[SignatureCheck],
    no_seal: &dyn Fn(&PartName) -> bool,
    opts: &super::options::VerifyOptions,
    findings: &mut Vec<Finding>,
) -> Vec<SealReport> {
    let mut reports = Vec::new();
    let mut bound_pixels = Vec::new();
    let seals = find_seals(pkg, no_seal);
    for s in &seals {
        let image = s
            .image_part
            .as_ref()
            .map(|p| p.to_string())
            .unwrap_or_default();
        let sig = checks.iter().find(|c| {
            c.part()
                .as_str()
                .eq_ignore_ascii_case(&s.mark.signature_part)
        });
        let (status, problem) = match (sig, &s.image_part) {
            (_, None) => (SealStatus::Unbound, Some(("seal-not-bound", format!("the seal in {} has no picture", s.in_part)))),
            (None, _) => (
                SealStatus::Copied,
                Some(("copied-seal", format!(
                    "copied seal: the seal picture {image} names the signature {}, which is not in this document",
                    s.mark.signature_part
                ))),
            ),
            (Some(c), Some(img)) => {
                let fp = c.signer().map(|x| x.fingerprint_sha256()).unwrap_or_default();
                let covered = c.covers(img) && c.covers(&s.in_part) && c.covers_relationship(&s.in_part.rels_part(), &s.rel_id);
                if !fp.eq_ignore_ascii_case(&s.mark.fingerprint) || !covered {
                    (
                        SealStatus::Copied,
                        Some(("copied-seal", format!(
                            "copied seal: the signature {} does not cover the seal picture {image} where it stands",
                            s.mark.signature_part
                        ))),
                    )
                } else if !c.intact() {
                    (
                        SealStatus::Unbound,
                        Some(("seal-not-bound", format!(
                            "seal not bound: the signature {} that binds the seal picture {image} is broken (the document, or the seal, was copied or changed after sealing)",
                            s.mark.signature_part
                        ))),
                    )
                } else {
                    (SealStatus::Bound, None)
                }
            }
        };
        // The picture's bytes, read once: for the pixels of a bound seal and for its seal data.
        let picture = s
            .image_part
            .as_ref()
            .and_then(|p| pkg.entry(p))
            .and_then(|e| pkg.read_entry(e).ok());
        if let Some((code, msg)) = problem {
            findings.push(Finding::error(code, Some(&image), msg));
        } else if let Some(h) = picture.as_deref().and_then(pixel_hash) {
            bound_pixels.push((h, s.mark.holder.clone()));
        }
        let (issuance, issued) = match sig {
            Some(_) => issuance::judge(
                sig,
                &image,
                picture.as_deref(),
                &opts.trust,
                opts.require_issued_seals,
                findings,
            ),
            // Copied: the finding above says so; there is no signature to carry seal data.
            None => (Issuance::NotIssued, Issued::default()),
        };
        reports.push(SealReport {
            image_part: image,
            in_part: s.in_part.to_string(),
            signature: Some(s.mark.signature_part.clone()),
            status,
            slot: None,
            signer: sig.and_then(|c| c.signer()).map(|c| c.subject()),
            signed_at: sig.and_then(|c| c.signed_at()).map(str::to_string),
            time_source: sig.and_then(SignatureCheck::time_source),
            issuance,
            issued,
        });
    }

    reports.extend(pixel_copies(pkg, &seals, &bound_pixels, findings));
    reports
}

/// Unmarked pictures showing a bound seal's pixels: the seal placed again, without a signature.
fn pixel_copies(
    pkg: &Package,
    seals: &[FoundSeal],
    bound_pixels: &[(Pixels, String)],
    findings: &mut Vec<Finding>,
) -> Vec<SealReport> {
    let mut copies = Vec::new();
    if bound_pixels.is_empty() {
        return copies;
    }
    let seal_images: Vec<String> = seals
        .iter()
        .filter_map(|s| s.image_part.as_ref().map(PartName::key))
        .collect();
    for e in pkg.entries() {
        if seal_images.contains(&e.name.key()) || pkg.content_type(&e.name) != Some("image/png") {
            continue;
        }
        let Some(h) = pkg.read_entry(e).ok().and_then(|b| pixel_hash(&b)) else {
            continue;
        };
        if let Some((_, holder)) = bound_pixels.iter().find(|(b, _)| *b == h) {
            findings.push(Finding::error(
                "copied-seal",
                Some(e.name.as_str()),
                format!(
                    "copied seal: {} shows the seal of {holder} but no signature binds it there",
                    e.name
                ),
            ));
            copies.push(SealReport {
                image_part: e.name.to_string(),
                in_part: String::new(),
                signature: None,
                status: SealStatus::Copied,
                slot: None,
                signer: None,
                signed_at: None,
                time_source: None,
                issuance: Issuance::NotIssued,
                issued: Issued::default(),
            });
        }
    }
    copies
}
