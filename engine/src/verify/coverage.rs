//! Coverage: whatever the one coverage rule (`dsig::coverage`) requires must be covered by an
//! intact signature. A part added after sealing — with or without a relationship to it — a
//! relationship added to a signed relationships part, and unsigned data that the document
//! displays each make the document not validly sealed ("Every Signature is Broken", USENIX
//! Security 2023).

use std::collections::{BTreeSet, HashMap};

use super::finding::Finding;
use super::signature::SignatureCheck;
use crate::c14n::rels_transform::Selector;
use crate::dsig::coverage::{Required, Why};
use crate::opc::PartName;

/// Adds a finding for everything required and not covered; returns the uncovered parts.
pub fn check(
    checks: &[SignatureCheck],
    required: &Required,
    findings: &mut Vec<Finding>,
) -> Vec<String> {
    let mut covered = BTreeSet::new();
    let mut selectors: HashMap<String, Vec<&Selector>> = HashMap::new();
    for c in checks.iter().filter(|c| c.intact()) {
        covered.extend(c.covered_parts.iter().map(PartName::key));
        for (p, sel) in &c.covered_rels {
            selectors.entry(p.key()).or_default().push(sel);
        }
    }
    let mut unsigned_parts = Vec::new();
    if covered.is_empty() {
        // No intact signature: the broken ones already say why; listing every part adds nothing.
        return unsigned_parts;
    }
    for (key, (part, why)) in &required.parts {
        if covered.contains(key) {
            continue;
        }
        unsigned_parts.push(part.to_string());
        findings.push(match why {
            Why::Content => Finding::error(
                "unsigned-part",
                Some(part.as_str()),
                format!("{part} is not covered by any signature (added after sealing?)"),
            ),
            Why::Displayed { shown_in, by } => Finding::error(
                "unsigned-data-displayed",
                Some(shown_in),
                format!("{shown_in} shows {part} through {by}, and no signature covers {part}"),
            ),
        });
    }
    for (entry, reason) in &required.unsealable {
        unsigned_parts.push(entry.clone());
        findings.push(Finding::error(
            "unsigned-part",
            Some(entry),
            format!("{entry} is not covered by any signature: {reason}"),
        ));
    }
    for (key, (part, selected)) in &required.rels {
        // Signed whole: every relationship in it is covered.
        if covered.contains(key) {
            continue;
        }
        let sels = selectors.get(key);
        for r in selected {
            if !sels.is_some_and(|v| v.iter().any(|s| s.keeps(r))) {
                findings.push(Finding::error(
                    "unsigned-relationship",
                    Some(part.as_str()),
                    format!(
                        "relationship {} ({} → {}) in {part} is not covered by any signature (added after sealing?)",
                        r.id,
                        r.short_type(),
                        r.target
                    ),
                ));
            }
        }
    }
    unsigned_parts.sort();
    unsigned_parts.dedup();
    unsigned_parts
}
