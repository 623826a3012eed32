//! An OPC package read from a ZIP file: the parts by name, their content types, and the raw
//! entries kept so that a writer can copy untouched parts byte for byte.

use std::collections::HashMap;
use std::io::Cursor;
use std::path::Path;
use std::sync::atomic::{AtomicU64, Ordering};
use std::sync::Arc;

use super::content_types::{self, ContentTypes};
use super::limits::Limits;
use super::needles::NeedleWatch;
use super::part_name::{name_key, PartName};
use super::rels::Relationship;
use super::xml_guard;
use crate::error::{Error, LimitError, Result};

/// One part's place in the archive.
#[derive(Debug, Clone)]
pub struct Entry {
    pub name: PartName,
    /// Position in the central directory, for raw copies.
    pub index: usize,
    pub method: u16,
    pub data_start: u64,
    pub compressed_size: u64,
    pub size: u64,
    pub crc32: u32,
}

/// The archive's bytes, shared without copying between threads and the writer.
#[derive(Clone, Debug)]
pub struct Bytes(Arc<Vec<u8>>);

impl AsRef<[u8]> for Bytes {
    fn as_ref(&self) -> &[u8] {
        &self.0
    }
}

impl std::ops::Deref for Bytes {
    type Target = [u8];
    fn deref(&self) -> &[u8] {
        &self.0
    }
}

impl From<Vec<u8>> for Bytes {
    fn from(v: Vec<u8>) -> Self {
        Bytes(Arc::new(v))
    }
}

impl From<Arc<Vec<u8>>> for Bytes {
    fn from(v: Arc<Vec<u8>>) -> Self {
        Bytes(v)
    }
}

pub struct Package {
    bytes: Bytes,
    entries: Vec<Entry>,
    by_key: HashMap<String, usize>,
    content_types: ContentTypes,
    limits: Limits,
    inflated_total: AtomicU64,
    /// Small XML parts inflated once when the package is opened, by central-directory index.
    small: Vec<Option<SmallPart>>,
}

/// A small part's inflated bytes and the stored entry they came from.
struct SmallPart {
    data_start: u64,
    bytes: Box<[u8]>,
}

impl std::fmt::Debug for Package {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Package")
            .field("entries", &self.entries.len())
            .finish()
    }
}

const CHUNK: usize = 64 * 1024;
const PROLOG_PEEK: usize = 4096;
/// XML parts up to this size are inflated whole when the package is opened and kept: a verify
/// reads the content types, the relationships and the signatures more than once (to parse, to
/// transform, to digest), and inflating a few kilobytes costs mostly the inflater's set-up and
/// its Huffman tables, paid again on every pass (issue 9, process start).
const SMALL_PART: u64 = 16 * 1024;
/// At most this much is kept, whatever the number of parts.
const SMALL_TOTAL: u64 = 4 * 1024 * 1024;

impl Package {
    /// Reads a package from a file (or a pipe), refusing folders, devices, sockets, empty files
    /// and anything over the limits (`source::read_document`).
    pub fn open(path: &Path, limits: Limits) -> Result<Self> {
        let bytes = super::source::read_document(path, limits)?;
        Self::from_bytes(bytes, limits)
    }

    pub fn from_bytes(bytes: impl Into<Bytes>, limits: Limits) -> Result<Self> {
        let bytes: Bytes = bytes.into();
        if bytes.is_empty() {
            return Err(Error::NotAZip("the file is empty".into()));
        }
        if !bytes.starts_with(b"PK") {
            return Err(match super::foreign::recognise(&bytes) {
                Some(what) => Error::Foreign(what),
                None => Error::NotAZip("it does not start with a ZIP header".into()),
            });
        }
        let mut archive = zip::ZipArchive::new(Cursor::new(bytes.clone()))
            .map_err(|e| Error::NotAZip(e.to_string()))?;
        if archive.len() > limits.max_entries {
            return Err(LimitError::TooManyEntries {
                count: archive.len(),
                limit: limits.max_entries,
            }
            .into());
        }
        let mut entries = Vec::with_capacity(archive.len());
        let mut by_key = HashMap::with_capacity(archive.len());
        let mut declared_total: u64 = 0;
        let mut central = Vec::with_capacity(archive.len());
        for index in 0..archive.len() {
            let f = archive
                .by_index_raw(index)
                .map_err(|e| Error::NotAZip(e.to_string()))?;
            #[allow(deprecated)]
            central.push((
                f.name_raw().to_vec(),
                f.header_start(),
                f.data_start(),
                f.compression().to_u16(),
                f.crc32(),
                f.compressed_size(),
                f.size(),
            ));
            let zip_name = f.name().to_string();
            if f.is_dir() || zip_name.ends_with('/') {
                continue;
            }
            let name =
                PartName::from_zip_name(&zip_name).map_err(|reason| Error::UnsafeEntryName {
                    name: zip_name.clone(),
                    reason,
                })?;
            let key = name.key();
            if by_key.contains_key(&key) {
                return Err(Error::UnsafeEntryName {
                    name: zip_name,
                    reason: "appears twice, or differs from another entry only by case",
                });
            }
            let size = f.size();
            check_sizes(
                &name,
                size,
                f.compressed_size(),
                &limits,
                &mut declared_total,
            )?;
            let method = deflate_or_stored(&name, f.compression())?;
            let data_start = f.data_start();
            let compressed_size = f.compressed_size();
            if data_start.saturating_add(compressed_size) > bytes.len() as u64 {
                return Err(Error::NotAZip(format!(
                    "{name} runs past the end of the file (truncated?)"
                )));
            }
            by_key.insert(key, entries.len());
            entries.push(Entry {
                name,
                index,
                method,
                data_start,
                compressed_size,
                size,
                crc32: f.crc32(),
            });
        }
        check_central_directory(&bytes, &central)?;
        let mut pkg = Package {
            bytes,
            entries,
            by_key,
            content_types: ContentTypes::default(),
            limits,
            inflated_total: AtomicU64::new(0),
            small: Vec::new(),
        };
        pkg.keep_small_parts(archive.len());
        let ct_name = PartName::constant(content_types::PART);
        if pkg.entry(&ct_name).is_none() {
            let mimetype = pkg.entry_by_uri("/mimetype").map(|e| pkg.read_entry(e));
            if mimetype.is_some_and(|m| m.is_ok_and(|b| super::foreign::is_opendocument(&b))) {
                return Err(Error::Foreign(crate::error::Foreign::OpenDocument));
            }
            return Err(Error::NotAPackage("it has no [Content_Types].xml".into()));
        }
        let ct_bytes = pkg.read(&ct_name)?;
        let text = xml_guard::check(content_types::PART, &ct_bytes, limits.max_xml_depth)?;
        pkg.content_types = ContentTypes::parse(&text)?;
        pkg.refuse_doctypes()?;
        Ok(pkg)
    }

    /// Refuses the package when any XML part declares a document type. A DTD may only stand in
    /// the prolog, so the first few kilobytes of each part tell; nothing else is inflated.
    fn refuse_doctypes(&self) -> Result<()> {
        // One inflater for all parts: making one per part (its state and window) cost more than
        // inflating the few kilobytes each.
        let mut inflater = flate2::Decompress::new(false);
        for e in &self.entries {
            let xml = e.name.is_rels()
                || e.name.extension().as_deref() == Some("xml")
                || self
                    .content_types
                    .of(&e.name)
                    .is_some_and(|t| t.ends_with("xml"));
            if xml && xml_guard::has_doctype(&self.peek_with(&mut inflater, e, PROLOG_PEEK)?) {
                return Err(Error::xml(
                    e.name.as_str(),
                    "document type declarations (DTD, entities) are refused",
                ));
            }
        }
        Ok(())
    }

    /// Inflates the small XML parts (by name: the content types are not read yet) with one
    /// inflater and keeps those whose deflate stream ends within the declared size; any other is
    /// left to be streamed, where its fault is reported as before. `stream` checks a kept part's
    /// size and CRC as it checks every part, so they are not checked here too.
    fn keep_small_parts(&mut self, listed: usize) {
        let mut small: Vec<Option<SmallPart>> = (0..listed).map(|_| None).collect();
        let mut inflater = flate2::Decompress::new(false);
        let mut kept: u64 = 0;
        for e in &self.entries {
            let xml = e.name.is_rels() || e.name.extension().as_deref() == Some("xml");
            if !xml || e.method != 8 || e.size > SMALL_PART || kept + e.size > SMALL_TOTAL {
                continue;
            }
            inflater.reset(false);
            let mut out = Vec::with_capacity(e.size as usize);
            let whole = matches!(
                inflater.decompress_vec(self.stored(e), &mut out, flate2::FlushDecompress::Finish),
                Ok(flate2::Status::StreamEnd)
            );
            if whole {
                if let Some(slot) = small.get_mut(e.index) {
                    kept += e.size;
                    *slot = Some(SmallPart {
                        data_start: e.data_start,
                        bytes: out.into_boxed_slice(),
                    });
                }
            }
        }
        self.small = small;
    }

    /// A small part's bytes when they were kept at opening.
    fn kept(&self, entry: &Entry) -> Option<&[u8]> {
        match self.small.get(entry.index) {
            Some(Some(part)) if part.data_start == entry.data_start => Some(&part.bytes),
            _ => None,
        }
    }

    /// Up to `n` inflated bytes from the start of a part.
    #[cfg(any(test, feature = "testing"))]
    pub fn peek(&self, entry: &Entry, n: usize) -> Result<Vec<u8>> {
        self.peek_with(&mut flate2::Decompress::new(false), entry, n)
            .map(std::borrow::Cow::into_owned)
    }

    fn peek_with(
        &self,
        inflater: &mut flate2::Decompress,
        entry: &Entry,
        n: usize,
    ) -> Result<std::borrow::Cow<'_, [u8]>> {
        if let Some(kept) = self.kept(entry) {
            return Ok(kept[..kept.len().min(n)].into());
        }
        let raw = self.stored(entry);
        if entry.method == 0 {
            return Ok(raw[..raw.len().min(n)].into());
        }
        inflater.reset(false);
        let mut out = Vec::with_capacity(n);
        inflater
            .decompress_vec(raw, &mut out, flate2::FlushDecompress::None)
            .map_err(|e| Error::CorruptEntry {
                part: entry.name.to_string(),
                reason: format!("bad deflate data ({e})"),
            })?;
        Ok(out.into())
    }

    /// Size of the archive in bytes.
    pub fn size(&self) -> usize {
        self.bytes.len()
    }

    pub fn limits(&self) -> &Limits {
        &self.limits
    }

    pub fn entries(&self) -> &[Entry] {
        &self.entries
    }

    pub fn entry(&self, name: &PartName) -> Option<&Entry> {
        self.by_key.get(&name.key()).map(|&i| &self.entries[i])
    }

    /// Looks a part up by a name or URI path as written in a reference (percent-encoded or not).
    pub fn entry_by_uri(&self, path: &str) -> Option<&Entry> {
        self.by_key.get(&name_key(path)).map(|&i| &self.entries[i])
    }

    pub fn content_types(&self) -> &ContentTypes {
        &self.content_types
    }

    pub fn content_type(&self, name: &PartName) -> Option<&str> {
        self.content_types.of(name)
    }

    /// The archive the package was read from, for raw copies.
    pub(crate) fn archive(&self) -> Result<zip::ZipArchive<Cursor<Bytes>>> {
        zip::ZipArchive::new(Cursor::new(self.bytes.clone()))
            .map_err(|e| Error::NotAZip(e.to_string()))
    }

    /// A part's data as stored (deflated or not).
    pub(crate) fn stored(&self, entry: &Entry) -> &[u8] {
        let start = entry.data_start as usize;
        &self.bytes[start..start + entry.compressed_size as usize]
    }

    /// Inflates a part, feeding it in chunks to `sink`; checks size and CRC as it goes.
    pub fn stream(&self, entry: &Entry, mut sink: impl FnMut(&[u8])) -> Result<()> {
        let raw = self.stored(entry);
        let corrupt = |reason: String| Error::CorruptEntry {
            part: entry.name.to_string(),
            reason,
        };
        let mut crc = crc32fast::Hasher::new();
        let mut produced: u64 = 0;
        let mut account = |chunk: &[u8], produced: &mut u64| -> Result<()> {
            *produced += chunk.len() as u64;
            if *produced > entry.size {
                return Err(corrupt(format!(
                    "it inflates past its declared size of {} bytes",
                    entry.size
                )));
            }
            let total = self
                .inflated_total
                .fetch_add(chunk.len() as u64, Ordering::Relaxed)
                + chunk.len() as u64;
            // Parts may be read more than once (a digest and a scan); twice the cap still bounds the work.
            if total > self.limits.max_total_size.saturating_mul(2) {
                return Err(LimitError::TotalTooLarge {
                    limit: self.limits.max_total_size,
                }
                .into());
            }
            crc.update(chunk);
            sink(chunk);
            Ok(())
        };
        // A kept part passes the same checks as a stored one: its size, the inflated total and
        // its CRC.
        let kept = self.kept(entry);
        if let Some(bytes) = kept.or((entry.method == 0).then_some(raw)) {
            for chunk in bytes.chunks(CHUNK) {
                account(chunk, &mut produced)?;
            }
        } else {
            let mut inflater = flate2::Decompress::new(false);
            // Filled by the inflater from its spare capacity: zeroing 64 KB for every part
            // streamed showed in a batch's profile.
            let mut buf = Vec::with_capacity(CHUNK);
            let mut input = raw;
            loop {
                let before_in = inflater.total_in();
                buf.clear();
                let status = inflater
                    .decompress_vec(input, &mut buf, flate2::FlushDecompress::None)
                    .map_err(|e| corrupt(format!("bad deflate data ({e})")))?;
                let used = (inflater.total_in() - before_in) as usize;
                let made = buf.len();
                input = &input[used..];
                account(&buf, &mut produced)?;
                match status {
                    flate2::Status::StreamEnd => break,
                    _ if used == 0 && made == 0 => {
                        return Err(corrupt("the deflate stream is truncated".into()))
                    }
                    _ => {}
                }
            }
        }
        if produced != entry.size {
            return Err(corrupt(format!(
                "it inflates to {produced} bytes, not the declared {}",
                entry.size
            )));
        }
        if crc.finalize() != entry.crc32 {
            return Err(corrupt("CRC mismatch".into()));
        }
        Ok(())
    }

    /// The digest of a part as stored, streamed; an XML part declaring a DTD is refused.
    pub fn digest(&self, entry: &Entry, alg: crate::algorithm::DigestAlg) -> Result<Vec<u8>> {
        self.digest_watching(entry, alg, &[]).map(|(d, _)| d)
    }

    /// The digest of a part, streamed, and which of `needles` occur in it (bit `i` for
    /// `needles[i]`): one pass over the inflated bytes, none of them kept (a part needs a closer
    /// look only when a needle occurs).
    pub fn digest_watching(
        &self,
        entry: &Entry,
        alg: crate::algorithm::DigestAlg,
        needles: &[&[u8]],
    ) -> Result<(Vec<u8>, u32)> {
        let mut h = crate::algorithm::Hasher::new(alg);
        let check_dtd = entry.name.extension().as_deref() == Some("xml") || entry.name.is_rels();
        let mut first = true;
        let mut doctype = false;
        let mut watch = NeedleWatch::new(needles);
        self.stream(entry, |chunk| {
            if first && check_dtd {
                doctype = xml_guard::has_doctype(&chunk[..chunk.len().min(4096)]);
            }
            first = false;
            h.update(chunk);
            watch.feed(chunk);
        })?;
        if doctype {
            return Err(Error::xml(
                entry.name.as_str(),
                "document type declarations (DTD, entities) are refused",
            ));
        }
        Ok((h.finish(), watch.found))
    }

    /// Inflates a whole part into memory.
    pub fn read_entry(&self, entry: &Entry) -> Result<Vec<u8>> {
        let mut out = Vec::with_capacity(entry.size as usize);
        self.stream(entry, |c| out.extend_from_slice(c))?;
        Ok(out)
    }

    pub fn read(&self, name: &PartName) -> Result<Vec<u8>> {
        let entry = self.entry(name).ok_or_else(|| Error::MissingPart {
            part: name.to_string(),
        })?;
        self.read_entry(entry)
    }

    #[cfg(any(test, feature = "testing"))]
    /// Reads an XML part as text without a second parse: DTDs were refused when the package was
    /// opened, and the callers read it with a streaming parser that keeps no stack. For the big
    /// parts (a 20 MB sheet) that placement edits.
    pub fn read_text(&self, name: &PartName) -> Result<String> {
        let bytes = self.read(name)?;
        Ok(xml_guard::xml_text(name.as_str(), &bytes)?.into_owned())
    }

    /// Reads an XML part as checked text (no DTDs, bounded depth).
    pub fn read_xml(&self, name: &PartName) -> Result<String> {
        let bytes = self.read(name)?;
        Ok(xml_guard::check(name.as_str(), &bytes, self.limits.max_xml_depth)?.into_owned())
    }
}

/// A relationships part and the part (or package, `None`) it belongs to.
#[derive(Debug, Clone)]
pub struct RelsPart {
    pub name: PartName,
    pub source: Option<PartName>,
    pub rels: Vec<Relationship>,
}

/// One entry's sizes against the limits: its own, its compression ratio (a ZIP bomb's mark),
/// and the running total of what the entries say they inflate to.
fn check_sizes(
    name: &PartName,
    size: u64,
    compressed: u64,
    limits: &Limits,
    declared_total: &mut u64,
) -> Result<()> {
    if size > limits.max_part_size {
        return Err(LimitError::PartTooLarge {
            part: name.to_string(),
            size,
            limit: limits.max_part_size,
        }
        .into());
    }
    if size > limits.ratio_floor {
        let ratio = size / compressed.max(1);
        if ratio > limits.max_ratio {
            return Err(LimitError::CompressionRatio {
                part: name.to_string(),
                ratio,
                limit: limits.max_ratio,
            }
            .into());
        }
    }
    *declared_total = declared_total.saturating_add(size);
    if *declared_total > limits.max_total_size {
        return Err(LimitError::TotalTooLarge {
            limit: limits.max_total_size,
        }
        .into());
    }
    Ok(())
}

/// The entry's compression as its ZIP method number: OPC allows only stored and deflated
/// (ECMA-376 Part 2 Annex C.2).
fn deflate_or_stored(name: &PartName, method: zip::CompressionMethod) -> Result<u16> {
    match method {
        zip::CompressionMethod::Stored => Ok(0),
        zip::CompressionMethod::Deflated => Ok(8),
        #[allow(deprecated)]
        other => Err(Error::UnsupportedCompression {
            part: name.to_string(),
            method: other.to_u16(),
        }),
    }
}

/// What the central directory lists, field by field.
type Listed = (Vec<u8>, u64, u64, u16, u32, u64, u64);

/// The central directory against the local headers and the data (`zip_check`).
fn check_central_directory(bytes: &[u8], central: &[Listed]) -> Result<()> {
    let mut listed: Vec<super::zip_check::CentralEntry> = central
        .iter()
        .map(
            |(name, header_start, data_start, method, crc32, compressed_size, size)| {
                super::zip_check::CentralEntry {
                    name,
                    header_start: *header_start,
                    data_start: *data_start,
                    method: *method,
                    crc32: *crc32,
                    compressed_size: *compressed_size,
                    size: *size,
                }
            },
        )
        .collect();
    super::zip_check::check(bytes, &mut listed)
}
