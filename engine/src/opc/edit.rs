//! A package and the changes pending on it: the one way docseal edits a package. Reads see the
//! changes (read-through), so placement, the signature machinery and the signature's digests all
//! see the package exactly as it will be written.
//!
//! Relationships parts it touches are written compact: LibreOffice's relationship transform
//! digests the text between relationships and Office's does not (see `c14n::rels_transform`), so
//! only a part without such text digests the same for both.

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::path::Path;

use super::content_types::{self, ContentTypes};
use super::package::{Package, RelsPart};
use super::part_name::PartName;
use super::rels::{self, Relationship};
use super::write::{self, Changes};
use super::xml_guard;
use crate::algorithm::DigestAlg;
use crate::error::{Error, Result};

/// The content type of relationships parts (ECMA-376 Part 2 §9.3.1).
pub const CT_RELATIONSHIPS: &str = "application/vnd.openxmlformats-package.relationships+xml";

pub struct PackageEdit<'a> {
    pkg: &'a Package,
    changes: Changes,
    content_types: ContentTypes,
}

impl<'a> PackageEdit<'a> {
    pub fn new(pkg: &'a Package) -> Self {
        PackageEdit {
            pkg,
            changes: Changes::default(),
            content_types: pkg.content_types().clone(),
        }
    }

    pub fn package(&self) -> &'a Package {
        self.pkg
    }

    pub fn changes(&self) -> &Changes {
        &self.changes
    }

    /// Every part name (entries that are not OPC parts included), keyed by comparison key.
    pub fn names(&self) -> BTreeMap<String, PartName> {
        let mut out: BTreeMap<String, PartName> = self
            .pkg
            .entries()
            .iter()
            .filter(|e| !self.changes.is_removed(&e.name))
            .map(|e| (e.name.key(), e.name.clone()))
            .collect();
        for (n, _) in &self.changes.added {
            out.insert(n.key(), n.clone());
        }
        out
    }

    pub fn exists(&self, name: &PartName) -> bool {
        self.changes.get(name).is_some()
            || (self.pkg.entry(name).is_some() && !self.changes.is_removed(name))
    }

    pub fn content_type(&self, name: &PartName) -> Option<&str> {
        self.content_types.of(name)
    }

    /// Does the package hold a signature part already?
    pub fn is_signed(&self) -> bool {
        self.names().values().any(|n| {
            n.key().starts_with(super::SIGNATURE_DIR)
                && !n.is_rels()
                && n.key() != super::ORIGIN_PART
        })
    }

    /// Is this entry an OPC part at all? Archivers' leftovers (`__MACOSX/` resource forks,
    /// `.DS_Store`) and entries without a content type are not (ECMA-376 Part 2 §10.1.2.4: every
    /// part has a content type); relationships parts are named by convention.
    pub fn is_part(&self, name: &PartName) -> bool {
        !is_archiver_leftover(name) && (name.is_rels() || self.content_type(name).is_some())
    }

    pub fn read(&self, name: &PartName) -> Result<Cow<'_, [u8]>> {
        match self.changes.get(name) {
            Some(b) => Ok(Cow::Borrowed(b)),
            None if self.changes.is_removed(name) => Err(Error::MissingPart {
                part: name.to_string(),
            }),
            None => self.pkg.read(name).map(Cow::Owned),
        }
    }

    /// An XML part as text, not checked for depth: for the big parts (a 20 MB sheet) read with a
    /// streaming parser that keeps no stack. DTDs were refused when the package was opened.
    pub fn read_text(&self, name: &PartName) -> Result<String> {
        let bytes = self.read(name)?;
        Ok(xml_guard::xml_text(name.as_str(), &bytes)?.into_owned())
    }

    /// An XML part as checked text (no DTD, bounded depth).
    pub fn read_xml(&self, name: &PartName) -> Result<String> {
        let bytes = self.read(name)?;
        Ok(xml_guard::check(name.as_str(), &bytes, self.pkg.limits().max_xml_depth)?.into_owned())
    }

    /// The digest of a part's bytes as they will be stored, streamed when unchanged.
    pub fn digest(&self, name: &PartName, alg: DigestAlg) -> Result<Vec<u8>> {
        if let Some(b) = self.changes.get(name) {
            return Ok(alg.digest(b));
        }
        let entry = self
            .pkg
            .entry(name)
            .filter(|_| !self.changes.is_removed(name))
            .ok_or_else(|| Error::MissingPart {
                part: name.to_string(),
            })?;
        self.pkg.digest(entry, alg)
    }

    /// The digest of a part as it will be stored, and which of `needles` occur in it (a bit each).
    pub fn digest_watching(
        &self,
        name: &PartName,
        alg: DigestAlg,
        needles: &[&[u8]],
    ) -> Result<(Vec<u8>, u32)> {
        if let Some(b) = self.changes.get(name) {
            let found = needles
                .iter()
                .enumerate()
                .filter(|(_, n)| memchr::memmem::find(b, n).is_some())
                .fold(0, |mask, (i, _)| mask | 1 << i);
            return Ok((alg.digest(b), found));
        }
        let entry = self
            .pkg
            .entry(name)
            .filter(|_| !self.changes.is_removed(name))
            .ok_or_else(|| Error::MissingPart {
                part: name.to_string(),
            })?;
        self.pkg.digest_watching(entry, alg, needles)
    }

    /// Sets a part's content (replacing or adding it).
    pub fn put(&mut self, name: PartName, bytes: Vec<u8>) {
        self.changes.put(self.pkg, name, bytes);
    }

    /// Leaves a part out of the output.
    pub fn remove(&mut self, name: &PartName) {
        self.changes.remove(name);
    }

    /// The relationships of `source` (`None`: the package's own, in `/_rels/.rels`).
    pub fn relationships_of(&self, source: Option<&PartName>) -> Result<Vec<Relationship>> {
        let part = rels_part_of(source)?;
        if !self.exists(&part) {
            return Ok(vec![]);
        }
        rels::parse(part.as_str(), &self.read_xml(&part)?)
    }

    /// Every relationships part of an existing source (or of the package), sorted by name.
    /// Relationships parts of archivers' leftovers, or of parts that are not there, describe
    /// nothing a reader sees and are skipped.
    pub fn relationships(&self) -> Result<Vec<RelsPart>> {
        let mut out = Vec::new();
        for name in self.names().into_values() {
            let Ok(source) = name.rels_source() else {
                continue;
            };
            if is_archiver_leftover(&name) || source.as_ref().is_some_and(|s| !self.exists(s)) {
                continue;
            }
            let text = self.read_xml(&name)?;
            out.push(RelsPart {
                rels: rels::parse(name.as_str(), &text)?,
                name,
                source,
            });
        }
        Ok(out)
    }

    /// Replaces the relationships of `source`, written compact, and gives a new relationships
    /// part its content type.
    pub fn set_relationships(
        &mut self,
        source: Option<&PartName>,
        list: &[Relationship],
    ) -> Result<()> {
        let part = rels_part_of(source)?;
        self.put(part.clone(), rels::to_xml(list).into_bytes());
        self.declare_content_type(&part, CT_RELATIONSHIPS)
    }

    /// Adds a relationship from `source` to the part `target` (written relative to the source, as
    /// ECMA-376 Part 2 §9.3.3 resolves it); returns its fresh Id.
    pub fn add_relationship(
        &mut self,
        source: Option<&PartName>,
        rel_type: &str,
        target: &PartName,
    ) -> Result<String> {
        let mut list = self.relationships_of(source)?;
        let id = rels::fresh_id(&list);
        list.push(Relationship {
            id: id.clone(),
            rel_type: rel_type.to_string(),
            target: relative_target(source, target),
            external: false,
        });
        self.set_relationships(source, &list)?;
        Ok(id)
    }

    /// Rewrites compact every relationships part that is not (see [`rels::is_compact`]). Only
    /// before the first signature: afterwards its digests must stay as made.
    pub fn compact_relationships(&mut self) -> Result<()> {
        for rp in self.relationships()? {
            let text = self.read_xml(&rp.name)?;
            if !rels::is_compact(&text) {
                self.put(rp.name.clone(), rels::to_xml(&rp.rels).into_bytes());
            }
        }
        Ok(())
    }

    /// Gives `part` its content type, by a Default or an Override as the package's style needs
    /// (see [`ContentTypes::declaration`]).
    pub fn declare_content_type(&mut self, part: &PartName, content_type: &str) -> Result<()> {
        if self.content_types.of(part) == Some(content_type) {
            return Ok(());
        }
        let ext = part.extension();
        let in_use = self
            .names()
            .values()
            .any(|n| n.key() != part.key() && n.extension() == ext);
        let d = self.content_types.declaration(part, content_type, in_use);
        let ct_part = content_types_part();
        let xml = self.read_xml(&ct_part)?;
        if let Some(new) =
            content_types::declare(&xml, &mut self.content_types, part, content_type, &d)?
        {
            self.put(ct_part, new.into_bytes());
        }
        Ok(())
    }

    /// Gives an existing part another content type through its `Override`.
    pub fn set_content_type(&mut self, part: &PartName, content_type: &str) -> Result<()> {
        let ct_part = content_types_part();
        let xml = self.read_xml(&ct_part)?;
        let new = content_types::set_override(&xml, &mut self.content_types, part, content_type)?;
        self.put(ct_part, new.into_bytes());
        Ok(())
    }

    /// A part name not yet used: `{stem}1.{ext}`, `{stem}2.{ext}`, ...
    pub fn fresh_part(&self, stem: &str, ext: &str) -> Result<PartName> {
        (1..10_000)
            .map(|n| format!("{stem}{n}.{ext}"))
            .filter_map(|n| PartName::new(&n).ok())
            .find(|p| !self.exists(p))
            .ok_or_else(|| Error::NoFreeName {
                stem: stem.to_string(),
            })
    }

    pub fn write_file(&self, path: &Path) -> Result<()> {
        write::write_file(self.pkg, &self.changes, path)
    }

    pub fn to_bytes(&self) -> Result<Vec<u8>> {
        write::to_bytes(self.pkg, &self.changes)
    }
}

pub fn content_types_part() -> PartName {
    PartName::constant(content_types::PART)
}

/// `/_rels/.rels` for the package, `/dir/_rels/name.rels` for a part.
pub fn rels_part_of(source: Option<&PartName>) -> Result<PartName> {
    match source {
        Some(s) => Ok(s.rels_part()),
        None => Ok(PartName::constant(PACKAGE_RELS)),
    }
}

/// The package's own relationships part.
pub const PACKAGE_RELS: &str = "/_rels/.rels";

/// `__MACOSX/…` resource forks and `.DS_Store` files that archivers on a Mac add to a zip.
pub fn is_archiver_leftover(name: &PartName) -> bool {
    let n = name.as_str();
    n.len() >= 10 && n[..10].eq_ignore_ascii_case("/__MACOSX/")
        || n.rsplit('/')
            .next()
            .is_some_and(|f| f.eq_ignore_ascii_case(".DS_Store"))
}

/// The path from the directory of `from` (the package root for `None`) to `to`, as relationship
/// targets are written.
pub fn relative_target(from: Option<&PartName>, to: &PartName) -> String {
    let dir = from.map_or("/", |f| f.directory());
    let from_dir: Vec<&str> = dir.split('/').filter(|s| !s.is_empty()).collect();
    let to_parts: Vec<&str> = to.as_str().trim_start_matches('/').split('/').collect();
    let common = from_dir
        .iter()
        .zip(&to_parts)
        .take_while(|(a, b)| a == b)
        .count();
    let mut out: Vec<String> = vec!["..".to_string(); from_dir.len() - common];
    out.extend(to_parts[common..].iter().map(|s| s.to_string()));
    out.join("/")
}
