//! A package as it will be written: the parts read from the archive with pending changes laid
//! over them. Signing digests this view, so parts placed just before signing (a seal picture, the
//! add-in's web-extension parts) are covered exactly as they will be stored.

use std::collections::BTreeMap;

use super::content_types::{self, ContentTypes};
use super::package::{Package, RelsPart};
use super::part_name::PartName;
use super::rels;
use super::write::Changes;
use super::xml_guard;
use crate::dsig::algorithm::DigestAlg;
use crate::error::{Error, Result};

pub struct PackageView<'a> {
    pub pkg: &'a Package,
    pub changes: &'a Changes,
    content_types: ContentTypes,
}

impl<'a> PackageView<'a> {
    pub fn new(pkg: &'a Package, changes: &'a Changes) -> Result<Self> {
        let ct_name =
            PartName::new(content_types::PART).map_err(|e| Error::NotAPackage(e.into()))?;
        let content_types = match changes.get(&ct_name) {
            Some(bytes) => ContentTypes::parse(&xml_guard::check(
                content_types::PART,
                bytes,
                pkg.limits().max_xml_depth,
            )?)?,
            None => pkg.content_types().clone(),
        };
        Ok(PackageView {
            pkg,
            changes,
            content_types,
        })
    }

    /// Every part name, keyed by its comparison key.
    pub fn parts(&self) -> BTreeMap<String, PartName> {
        let mut out: BTreeMap<String, PartName> = self
            .pkg
            .entries()
            .iter()
            .map(|e| (e.name.key(), e.name.clone()))
            .collect();
        for (n, _) in &self.changes.added {
            out.insert(n.key(), n.clone());
        }
        out
    }

    pub fn exists(&self, name: &PartName) -> bool {
        self.changes.get(name).is_some() || self.pkg.entry(name).is_some()
    }

    pub fn content_type(&self, name: &PartName) -> Option<&str> {
        self.content_types.of(name)
    }

    pub fn content_types(&self) -> &ContentTypes {
        &self.content_types
    }

    pub fn read(&self, name: &PartName) -> Result<Vec<u8>> {
        match self.changes.get(name) {
            Some(b) => Ok(b.to_vec()),
            None => self.pkg.read(name),
        }
    }

    pub fn read_xml(&self, name: &PartName) -> Result<String> {
        let bytes = self.read(name)?;
        Ok(xml_guard::check(name.as_str(), &bytes, self.pkg.limits().max_xml_depth)?.into_owned())
    }

    /// The digest of a part's bytes as stored (no transform), streamed when it is unchanged.
    pub fn digest(&self, name: &PartName, alg: DigestAlg) -> Result<Vec<u8>> {
        if let Some(b) = self.changes.get(name) {
            return Ok(alg.digest(b));
        }
        let entry = self
            .pkg
            .entry(name)
            .ok_or_else(|| Error::NotAPackage(format!("{name} is missing")))?;
        self.pkg.digest(entry, alg)
    }

    /// Every relationships part with its relationships, sorted by part name.
    pub fn relationships(&self) -> Result<Vec<RelsPart>> {
        let mut out = Vec::new();
        for name in self.parts().into_values() {
            let Ok(source) = name.rels_source() else {
                continue;
            };
            let text = self.read_xml(&name)?;
            out.push(RelsPart {
                rels: rels::parse(name.as_str(), &text)?,
                name,
                source,
            });
        }
        out.sort_by(|a, b| a.name.cmp(&b.name));
        Ok(out)
    }
}
