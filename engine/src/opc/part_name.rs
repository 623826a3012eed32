//! Part names (ECMA-376 Part 2 §6.2.2): "/word/document.xml". OPC compares part names
//! case-insensitively (ASCII) and after percent-decoding, so two zip entries that differ only by
//! case are the same part, and an archive holding both is refused.

use std::fmt;

/// Where Office keeps the signature machinery (ECMA-376 Part 2 §13.2.2: the digital signature
/// origin part and the signature parts it relates to).
pub const SIGNATURE_DIR: &str = "/_xmlsignatures/";
pub const ORIGIN_PART: &str = "/_xmlsignatures/origin.sigs";

/// A validated part name: starts with '/', has no empty, "." or ".." segments, no backslash.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct PartName(String);

impl PartName {
    /// Validates a part name given in URI form ("/word/document.xml").
    pub fn new(name: &str) -> Result<Self, &'static str> {
        let Some(rest) = name.strip_prefix('/') else {
            return Err("a part name must start with '/'");
        };
        if rest.is_empty() {
            return Err("empty part name");
        }
        if name.contains('\\') {
            return Err("backslash in name");
        }
        if name.contains('\0') {
            return Err("NUL in name");
        }
        for seg in rest.split('/') {
            match seg {
                "" => return Err("empty path segment (absolute path or '//')"),
                "." | ".." => return Err("'.' or '..' path segment (path traversal)"),
                _ if seg.ends_with('.') => return Err("segment ends with '.'"),
                _ => {}
            }
        }
        if rest.len() >= 2 && rest.as_bytes()[1] == b':' {
            return Err("drive letter in name");
        }
        // ECMA-376 Part 2 §6.2.2.2: a part name shall not percent-encode an unreserved character,
        // "/" or "\" — another spelling of the same name is another reading of the package.
        let bytes = name.as_bytes();
        for (i, _) in name.match_indices('%') {
            let hex = |c: u8| (c as char).to_digit(16);
            let decoded = match (
                bytes.get(i + 1).and_then(|c| hex(*c)),
                bytes.get(i + 2).and_then(|c| hex(*c)),
            ) {
                (Some(h), Some(l)) => (h * 16 + l) as u8,
                _ => return Err("a '%' that is not a percent-encoded byte"),
            };
            if decoded.is_ascii_alphanumeric() || b"-._~/\\".contains(&decoded) {
                return Err("percent-encodes an unreserved character, '/' or '\\' (ECMA-376 Part 2 §6.2.2.2)");
            }
        }
        Ok(PartName(name.to_string()))
    }

    /// A part name the program itself spells ("/_rels/.rels"): checked in debug builds only.
    pub(crate) fn constant(name: &'static str) -> Self {
        debug_assert!(Self::new(name).is_ok(), "{name}");
        PartName(name.to_string())
    }

    /// From a zip entry name ("word/document.xml").
    pub fn from_zip_name(zip_name: &str) -> Result<Self, &'static str> {
        if zip_name.starts_with('/') {
            return Err("absolute path");
        }
        Self::new(&format!("/{zip_name}"))
    }

    pub fn as_str(&self) -> &str {
        &self.0
    }

    /// The zip entry name: the part name without its leading '/'.
    pub fn zip_name(&self) -> &str {
        &self.0[1..]
    }

    /// The key under which OPC considers two names equal.
    pub fn key(&self) -> String {
        name_key(&self.0)
    }

    /// The extension, lower-cased, without the dot ("xml").
    pub fn extension(&self) -> Option<String> {
        let last = self.0.rsplit('/').next()?;
        let (_, ext) = last.rsplit_once('.')?;
        Some(ext.to_ascii_lowercase())
    }

    /// "/word/document.xml" → "/word/"
    pub fn directory(&self) -> &str {
        match self.0.rfind('/') {
            Some(i) => &self.0[..=i],
            None => "/",
        }
    }

    /// The relationships part of this part: "/word/document.xml" → "/word/_rels/document.xml.rels".
    pub fn rels_part(&self) -> PartName {
        let dir = self.directory();
        let file = &self.0[dir.len()..];
        PartName(format!("{dir}_rels/{file}.rels"))
    }

    /// For a relationships part, the part it describes, or `None` for the package ("/_rels/.rels").
    /// Returns `Err` when this is not a relationships part at all.
    pub fn rels_source(&self) -> Result<Option<PartName>, NotRels> {
        let dir = self.directory();
        let file = &self.0[dir.len()..];
        let Some(dir) = dir.strip_suffix("_rels/") else {
            return Err(NotRels);
        };
        let Some(src_file) = file.strip_suffix(".rels") else {
            return Err(NotRels);
        };
        if src_file.is_empty() && dir == "/" {
            return Ok(None);
        }
        PartName::new(&format!("{dir}{src_file}"))
            .map(Some)
            .map_err(|_| NotRels)
    }

    /// Is this a relationships part ("…/_rels/….rels")?
    pub fn is_rels(&self) -> bool {
        self.rels_source().is_ok()
    }
}

/// The part is not a relationships part.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct NotRels;

impl fmt::Display for PartName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.0)
    }
}

/// The comparison key of a part name or reference URI path: percent-decoded, ASCII lower case.
pub fn name_key(name: &str) -> String {
    let mut key = percent_decode(name);
    key.make_ascii_lowercase();
    key
}

/// Decodes %XX escapes; malformed escapes are kept as they are.
pub fn percent_decode(s: &str) -> String {
    if !s.contains('%') {
        return s.to_string();
    }
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            let hex = |c: u8| (c as char).to_digit(16);
            if let (Some(h), Some(l)) = (hex(bytes[i + 1]), hex(bytes[i + 2])) {
                out.push((h * 16 + l) as u8);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// Resolves a relationship target against the directory of its source part (RFC 3986 §5.2
/// restricted to paths, as OPC uses it). `None` when the target climbs above the package root.
pub fn resolve_target(source_dir: &str, target: &str) -> Option<String> {
    let target = target.split(['#', '?']).next().unwrap_or("");
    let joined = if target.starts_with('/') {
        target.to_string()
    } else {
        format!("{source_dir}{target}")
    };
    let mut segs: Vec<&str> = Vec::new();
    for seg in joined.split('/') {
        match seg {
            "" | "." => {}
            ".." => {
                segs.pop()?;
            }
            s => segs.push(s),
        }
    }
    Some(format!("/{}", segs.join("/")))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;

    #[test]
    fn rejects_traversal_and_absolute_names() {
        assert!(PartName::from_zip_name("../evil.xml").is_err());
        assert!(PartName::from_zip_name("word/../../evil.xml").is_err());
        assert!(PartName::from_zip_name("/etc/passwd").is_err());
        assert!(PartName::from_zip_name("C:/x.xml").is_err());
        assert!(PartName::from_zip_name("word\\x.xml").is_err());
        assert!(PartName::from_zip_name("word/document.xml").is_ok());
    }

    #[test]
    fn rels_names_round_trip() {
        let p = PartName::new("/word/document.xml").unwrap();
        assert_eq!(p.rels_part().as_str(), "/word/_rels/document.xml.rels");
        assert_eq!(p.rels_part().rels_source(), Ok(Some(p)));
        assert_eq!(
            PartName::new("/_rels/.rels").unwrap().rels_source(),
            Ok(None)
        );
        assert!(PartName::new("/word/document.xml")
            .unwrap()
            .rels_source()
            .is_err());
    }

    #[test]
    fn resolves_relative_targets() {
        assert_eq!(
            resolve_target("/word/", "media/image1.png").as_deref(),
            Some("/word/media/image1.png")
        );
        assert_eq!(
            resolve_target("/word/", "../customXml/item1.xml").as_deref(),
            Some("/customXml/item1.xml")
        );
        assert_eq!(
            resolve_target("/", "word/document.xml").as_deref(),
            Some("/word/document.xml")
        );
        assert_eq!(
            resolve_target("/word/", "/xl/x.xml").as_deref(),
            Some("/xl/x.xml")
        );
        assert_eq!(resolve_target("/", "../../x").as_deref(), None);
        assert_eq!(name_key("/Word/My%20File.XML"), "/word/my file.xml");
    }
}
