//! Coverage: every part a reader could render must be covered by an intact signature. Parts that
//! Office leaves unsigned by design (core and extended properties, custom properties, the
//! thumbnail) and the signature machinery are the only exceptions; a part added after sealing —
//! with or without a relationship to it — and a relationship added to a signed relationships part
//! both make the document not validly sealed ("Every Signature is Broken", USENIX Security 2023).

use std::collections::{BTreeSet, HashMap};

use super::report::Finding;
use super::signature::SignatureCheck;
use crate::c14n::rels_transform::Selector;
use crate::dsig::names::*;
use crate::opc::{content_types, rels, Package, PartName};

pub struct Coverage {
    /// Keys of the parts covered by an intact signature.
    pub covered: BTreeSet<String>,
    pub unsigned_parts: Vec<String>,
}

fn is_machinery(name: &PartName) -> bool {
    let n = name.as_str();
    n.eq_ignore_ascii_case(content_types::PART) || n.to_ascii_lowercase().starts_with(SIGNATURE_DIR)
}

pub fn check(pkg: &Package, checks: &[SignatureCheck], findings: &mut Vec<Finding>) -> Coverage {
    let mut covered = BTreeSet::new();
    let mut rels_selectors: HashMap<String, Vec<Selector>> = HashMap::new();
    for c in checks.iter().filter(|c| c.intact()) {
        covered.extend(c.covered_parts.iter().map(PartName::key));
        for (p, sel) in &c.covered_rels {
            rels_selectors.entry(p.key()).or_default().push(sel.clone());
        }
    }
    let mut unsigned_parts = Vec::new();
    if covered.is_empty() {
        // No intact signature: the broken ones already say why; listing every part adds nothing.
        return Coverage {
            covered,
            unsigned_parts,
        };
    }

    // Parts Office leaves unsigned by design are found by their relationship type.
    let mut by_design = BTreeSet::new();
    let all_rels = match pkg.all_relationships() {
        Ok(r) => r,
        Err(e) => {
            findings.push(Finding::error(e.code(), None, e.to_string()));
            return Coverage {
                covered,
                unsigned_parts,
            };
        }
    };
    for rp in &all_rels {
        for r in &rp.rels {
            if tolerated_unsigned(&r.rel_type) {
                if let Some(t) = r.target_part(rp.source.as_ref()) {
                    by_design.insert(t.key());
                }
            }
        }
    }

    for e in pkg.entries() {
        let key = e.name.key();
        if covered.contains(&key)
            || is_machinery(&e.name)
            || by_design.contains(&key)
            || e.name.is_rels()
        {
            continue;
        }
        unsigned_parts.push(e.name.to_string());
        findings.push(Finding::error(
            "unsigned-part",
            Some(e.name.as_str()),
            format!(
                "{} is not covered by any signature (added after sealing?)",
                e.name
            ),
        ));
    }

    // Relationships: in the rels part of a covered part (or the package), every relationship that
    // a signer would have signed must be selected by a signature's transform.
    for rp in &all_rels {
        let source_covered = match &rp.source {
            None => true,
            Some(s) => covered.contains(&s.key()),
        };
        if !source_covered {
            continue;
        }
        let sels = rels_selectors.get(&rp.name.key());
        for r in &rp.rels {
            if tolerated_unsigned(&r.rel_type) {
                continue;
            }
            let selected = sels.is_some_and(|v| v.iter().any(|s| s.keeps(r)));
            if !selected {
                findings.push(unsigned_relationship(&rp.name, r));
            }
        }
    }
    unsigned_parts.sort();
    Coverage {
        covered,
        unsigned_parts,
    }
}

fn unsigned_relationship(part: &PartName, r: &rels::Relationship) -> Finding {
    Finding::error(
        "unsigned-relationship",
        Some(part.as_str()),
        format!(
            "relationship {} ({} → {}) in {part} is not covered by any signature (added after sealing?)",
            r.id,
            r.short_type(),
            r.target
        ),
    )
}
