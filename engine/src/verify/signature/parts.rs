//! The package parts a signature's manifest references ("/word/document.xml?ContentType=…"),
//! queued as tasks to digest once, in parallel, with those of every other signature.

use crate::algorithm::DigestAlg;
use crate::c14n::rels_transform::{self, Selector};
use crate::c14n::{self, Method};
use crate::error::{Error, Result};
use crate::opc::{Package, PartName};

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

/// Both digests of a relationships reference: the standard transform's and LibreOffice's.
pub(super) struct RelsDigests {
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
    pub(super) fn decode(bytes: &[u8]) -> RelsDigests {
        let n = bytes.first().copied().unwrap_or(0) as usize;
        let standard = bytes.get(1..1 + n).unwrap_or_default().to_vec();
        let rest = bytes.get(1 + n..).unwrap_or_default();
        RelsDigests {
            standard,
            libreoffice: (!rest.is_empty()).then(|| rest.to_vec()),
        }
    }
    pub(super) fn matches(&self, expected: &[u8]) -> bool {
        self.standard == expected || self.libreoffice.as_deref() == Some(expected)
    }
}

/// A manifest reference waiting for its part digest.
pub(super) struct Pending {
    pub(super) task: PartTask,
    pub(super) expected: Vec<u8>,
}
