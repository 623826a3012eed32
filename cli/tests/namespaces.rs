//! Namespace variants: XML spelled another way is the same XML (Namespaces in XML 1.0). Every XML
//! part of each sample is rewritten mechanically — every prefix renamed, the root's namespace
//! made the default one (or, where it already is, given a prefix such as `ns0:`), extra and
//! redundant declarations added — and the variant is stamped like the original. Stamping and
//! verifying still work, LibreOffice agrees, and every part docseal writes is identical to the
//! original's up to prefixes: the same elements and attributes by expanded name, the same text.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::borrow::Cow;
use std::collections::BTreeMap;
use std::io::Cursor;
use std::path::{Path, PathBuf};

use docseal::xml::scope::split;
use docseal::xml::Scope;
use quick_xml::events::attributes::Attribute;
use quick_xml::events::{BytesEnd, BytesStart, Event};
use quick_xml::name::QName;
use quick_xml::{Reader, Writer};

const MC: &str = "http://schemas.openxmlformats.org/markup-compatibility/2006";
/// Markup-compatibility attributes whose values name prefixes (ECMA-376 Part 3 §10).
const MC_PREFIX_LISTS: &[&str] = &[
    "Ignorable",
    "ProcessContent",
    "MustUnderstand",
    "PreserveElements",
    "PreserveAttributes",
];

#[derive(Clone, Copy, Debug, PartialEq)]
enum Variant {
    /// Every prefix renamed (`w:` → `n3:`), declarations and prefix lists included.
    Prefixes,
    /// The root's namespace becomes the default one; a default one gets the prefix `ns0:`.
    DefaultNamespace,
    /// An unused declaration on the root, and the root's binding repeated on its children.
    ExtraDeclarations,
}

/// A part being rewritten.
struct Rewriter {
    variant: Variant,
    scope: Scope,
    renames: BTreeMap<String, String>,
    names: Vec<String>,
    /// DefaultNamespace: the root's namespace, and whether it becomes the default (or `ns0:`).
    root: Option<(String, bool)>,
}

impl Rewriter {
    fn rename(&mut self, uri: &str) -> String {
        let n = self.renames.len();
        self.renames
            .entry(uri.to_string())
            .or_insert_with(|| format!("n{n}"))
            .clone()
    }

    /// The rewritten start tag, or `None` when this part cannot take the variant.
    fn start(&mut self, e: &BytesStart) -> Option<BytesStart<'static>> {
        self.scope.push(e);
        let depth = self.scope.depth();
        let qname = String::from_utf8(e.name().as_ref().to_vec()).ok()?;
        let (prefix, local) = split(qname.as_bytes());
        let ns = self.scope.element_ns(qname.as_bytes()).map(str::to_string);
        let mut extra: Vec<(String, String)> = Vec::new();
        let name = match self.variant {
            Variant::Prefixes => match (prefix, &ns) {
                (Some("xml"), _) | (None, _) => qname.clone(),
                (Some(_), Some(uri)) => format!("{}:{local}", self.rename(uri)),
                (Some(_), None) => return None,
            },
            Variant::DefaultNamespace => {
                let uri = ns.clone()?;
                if depth == 1 {
                    if e.attributes().flatten().any(|a| a.key.as_ref() == b"xmlns")
                        && prefix.is_some()
                    {
                        return None;
                    }
                    self.root = Some((uri.clone(), prefix.is_some()));
                    if prefix.is_some() {
                        extra.push(("xmlns".into(), uri.clone()));
                    } else {
                        extra.push(("xmlns:ns0".into(), uri.clone()));
                    }
                } else if e.attributes().flatten().any(|a| a.key.as_ref() == b"xmlns") {
                    // An inner default namespace would need the output's scope tracked too.
                    return None;
                }
                match &self.root {
                    Some((root_ns, true)) if *root_ns == uri => local.to_string(),
                    Some((root_ns, false)) if *root_ns == uri => format!("ns0:{local}"),
                    _ if prefix.is_none() => return None,
                    _ => qname.clone(),
                }
            }
            Variant::ExtraDeclarations => {
                if depth == 1 {
                    extra.push(("xmlns:unused".into(), "urn:docseal:test:unused".into()));
                } else if depth == 2 {
                    if let (Some(p), Some(uri)) = (
                        self.root_prefix(),
                        self.scope.uri(&self.root_prefix().unwrap_or_default()),
                    ) {
                        extra.push((format!("xmlns:{p}"), uri.to_string()));
                    }
                }
                qname.clone()
            }
        };
        if depth == 1 {
            self.names.clear();
            if let Some(p) = prefix {
                self.names.push(p.to_string());
            }
        }
        let mut out = BytesStart::new(name.clone()).into_owned();
        for a in e.attributes().with_checks(false) {
            let a = a.ok()?;
            let key = String::from_utf8(a.key.as_ref().to_vec()).ok()?;
            let (ap, al) = split(key.as_bytes());
            let mut value = a.value.to_vec();
            let new_key = match (self.variant, ap) {
                (Variant::Prefixes, Some("xmlns")) => {
                    let uri = a.unescape_value().ok()?.into_owned();
                    format!("xmlns:{}", self.rename(&uri))
                }
                (Variant::Prefixes, Some("xml")) | (Variant::Prefixes, None) => key.clone(),
                (Variant::Prefixes, Some(_)) => {
                    let uri = self.scope.attribute_ns(key.as_bytes())?.to_string();
                    if uri == MC && MC_PREFIX_LISTS.contains(&al) {
                        let v = a.unescape_value().ok()?.into_owned();
                        let renamed: Vec<String> = v
                            .split_whitespace()
                            .map(|tok| {
                                let (p, rest) = tok
                                    .split_once(':')
                                    .map_or((tok, None), |(p, r)| (p, Some(r)));
                                let target = self.scope.uri(p).unwrap_or(p).to_string();
                                let np = self.rename(&target);
                                match rest {
                                    Some(r) => format!("{np}:{r}"),
                                    None => np,
                                }
                            })
                            .collect();
                        value = renamed.join(" ").into_bytes();
                    }
                    format!("{}:{al}", self.rename(&uri))
                }
                _ => key.clone(),
            };
            out.push_attribute(Attribute {
                key: QName(new_key.as_bytes()),
                value: Cow::Owned(value),
            });
        }
        for (k, v) in extra {
            out.push_attribute((k.as_str(), v.as_str()));
        }
        self.names.push(name);
        Some(out)
    }

    fn root_prefix(&self) -> Option<String> {
        self.names.first().filter(|p| !p.contains(':')).cloned()
    }
}

/// Rewrites one XML part as the variant says; `None` when it cannot take the variant.
fn rewrite_part(xml: &str, variant: Variant) -> Option<String> {
    let xml = xml.trim_start_matches('\u{feff}');
    let mut reader = Reader::from_str(xml);
    let mut writer = Writer::new(Cursor::new(Vec::new()));
    let mut rw = Rewriter {
        variant,
        scope: Scope::default(),
        renames: BTreeMap::new(),
        names: vec![],
        root: None,
    };
    let mut stack: Vec<String> = Vec::new();
    loop {
        match reader.read_event().ok()? {
            Event::Eof => break,
            Event::Start(e) => {
                let out = rw.start(&e)?;
                stack.push(String::from_utf8(out.name().as_ref().to_vec()).ok()?);
                writer.write_event(Event::Start(out)).ok()?;
            }
            Event::Empty(e) => {
                let out = rw.start(&e)?;
                rw.scope.pop();
                writer.write_event(Event::Empty(out)).ok()?;
            }
            Event::End(_) => {
                let name = stack.pop()?;
                rw.scope.pop();
                writer.write_event(Event::End(BytesEnd::new(name))).ok()?;
            }
            other => writer.write_event(other).ok()?,
        }
    }
    String::from_utf8(writer.into_inner().into_inner()).ok()
}

/// A part as expanded names: one line per start tag (its attributes by expanded name, sorted;
/// prefix lists resolved to namespaces), end tag and text.
fn expanded(xml: &str) -> Vec<String> {
    let xml = xml.trim_start_matches('\u{feff}');
    let mut reader = Reader::from_str(xml);
    let mut scope = Scope::default();
    let mut out = Vec::new();
    loop {
        let ev = reader.read_event().unwrap();
        let (e, empty) = match &ev {
            Event::Eof => break,
            Event::Start(e) => (e, false),
            Event::Empty(e) => (e, true),
            Event::End(_) => {
                scope.pop();
                out.push("/".into());
                continue;
            }
            Event::Text(t) => {
                out.push(format!("text {:?}", t.unescape().unwrap()));
                continue;
            }
            _ => continue,
        };
        scope.push(e);
        let name = e.name();
        let (_, local) = split(name.as_ref());
        let mut attrs: Vec<String> = e
            .attributes()
            .flatten()
            .filter(|a| a.key.as_namespace_binding().is_none())
            .map(|a| {
                let (_, l) = split(a.key.as_ref());
                let ns = scope.attribute_ns(a.key.as_ref()).unwrap_or("").to_string();
                let v = a.unescape_value().unwrap().into_owned();
                let v = if ns == MC && MC_PREFIX_LISTS.contains(&l) {
                    let mut uris: Vec<String> = v
                        .split_whitespace()
                        .map(|t| {
                            let (p, r) = t.split_once(':').map_or((t, ""), |(p, r)| (p, r));
                            format!("{}{}", scope.uri(p).unwrap_or(p), r)
                        })
                        .collect();
                    uris.sort();
                    uris.join(" ")
                } else {
                    v
                };
                format!("{{{ns}}}{l}={v:?}")
            })
            .collect();
        attrs.sort();
        out.push(format!(
            "{{{}}}{local} {}",
            scope.element_ns(name.as_ref()).unwrap_or(""),
            attrs.join(" ")
        ));
        if empty {
            scope.pop();
            out.push("/".into());
        }
    }
    out
}

fn is_xml(name: &str) -> bool {
    name.ends_with(".xml") || name.ends_with(".rels")
}

/// The package with every XML part rewritten; the number of parts that took the variant.
fn variant_of(src: &Path, dst: &Path, variant: Variant) -> usize {
    let mut n = 0;
    rewrite(src, dst, |entries| {
        for (name, bytes, _) in entries.iter_mut() {
            if !is_xml(name) {
                continue;
            }
            let Ok(text) = std::str::from_utf8(bytes) else {
                continue;
            };
            if let Some(new) = rewrite_part(text, variant) {
                assert_eq!(
                    expanded(text),
                    expanded(&new),
                    "{src:?} {name}: the rewrite changed the XML"
                );
                *bytes = new.into_bytes();
                n += 1;
            }
        }
    });
    n
}

fn stamp_at(input: &Path, output: &Path, seal: &Path, place: &[&str]) {
    // One signing time for the original and its variants (the test PKI is made fresh each run).
    static NOW: std::sync::OnceLock<String> = std::sync::OnceLock::new();
    let now = NOW.get_or_init(|| {
        // After the test PKI exists: its certificates are valid from the moment they were made.
        pki();
        time::OffsetDateTime::now_utc().unix_timestamp().to_string()
    });
    let o = stamp_with_env(input, output, seal, place, &[("SOURCE_DATE_EPOCH", now)]);
    assert!(o.status.success(), "{input:?} {place:?}: {}", stderr(&o));
}

#[test]
fn prefixes_do_not_matter() {
    let dir = scratch("ns");
    let seal = seal_picture(&dir, "Namespace Test Co.", 150);
    let corpus = repo().join("tests/corpus/docs");
    let cases: Vec<(PathBuf, Vec<&str>)> = vec![
        (
            samples().join("contract.docx"),
            vec!["--at-text", "Example Trading Co. Ltd."],
        ),
        (samples().join("report.docx"), vec!["--at-end"]),
        (
            samples().join("ledger.xlsx"),
            vec!["--at-cell", "Orders!E20"],
        ),
        (
            samples().join("ledger.xlsx"),
            vec!["--at-text", "Shipments"],
        ),
        (
            corpus.join("word-mac__python-docx__having-images.docx"),
            vec!["--at-end"],
        ),
        (
            corpus.join("word-mac__pandoc__hanging_indent.docx"),
            vec!["--at-end"],
        ),
        (
            corpus.join("word-win__docx-rust__aa_list.docx"),
            vec!["--at-end"],
        ),
        (
            corpus.join("excel-win__openpyxl__vba-test.xlsm"),
            vec!["--at-cell", "B2"],
        ),
        (
            corpus.join("libreoffice__openpyxl__copy_test.xlsx"),
            vec!["--at-cell", "B2"],
        ),
        (
            corpus.join("google-sheets__golang-github-tealeg-xlsx__googledocstest.xlsx"),
            vec!["--at-cell", "B2"],
        ),
    ];
    let mut outputs = Vec::new();
    for (i, (input, place)) in cases.iter().enumerate() {
        if !input.exists() {
            panic!("missing test document {input:?}");
        }
        let original = dir.join(format!(
            "{i}-original.{}",
            input.extension().unwrap().to_string_lossy()
        ));
        stamp_at(input, &original, &seal, place);
        let reference: BTreeMap<String, Vec<u8>> = read_zip(&original)
            .into_iter()
            .map(|(n, b, _)| (n, b))
            .collect();
        for variant in [
            Variant::Prefixes,
            Variant::DefaultNamespace,
            Variant::ExtraDeclarations,
        ] {
            let ext = input.extension().unwrap().to_string_lossy();
            let src = dir.join(format!("{i}-{variant:?}-in.{ext}"));
            let took = variant_of(input, &src, variant);
            assert!(took > 0, "{input:?}: no part took {variant:?}");
            let out = dir.join(format!("{i}-{variant:?}.{ext}"));
            stamp_at(&src, &out, &seal, place);
            let r = verify_json(&out, true);
            assert_eq!(r["verdict"], "valid", "{input:?} {variant:?}: {r:#}");
            assert_eq!(r["seals"][0]["status"], "bound", "{input:?} {variant:?}");
            // What docseal wrote is the same up to prefixes.
            for (name, bytes, _) in read_zip(&out) {
                if !is_xml(&name) || name.starts_with("_xmlsignatures/") {
                    continue;
                }
                let theirs = reference
                    .get(&name)
                    .unwrap_or_else(|| panic!("{variant:?} {name}: not in the original's output"));
                assert_eq!(
                    expanded(&String::from_utf8_lossy(theirs)),
                    expanded(&String::from_utf8_lossy(&bytes)),
                    "{input:?} {variant:?} {name}: differs from the original's output beyond prefixes"
                );
            }
            outputs.push(out);
        }
    }
    if libreoffice_missing() {
        return;
    }
    for (f, r) in outputs
        .iter()
        .zip(lo_verify(&outputs, &pki().join("ca.pem")))
    {
        let state = r["document_signature_state"].as_str().unwrap_or("");
        assert!(
            state == "OK" || state == "PARTIAL_OK",
            "LibreOffice: {f:?}: {r}"
        );
        assert_eq!(r["signatures"][0]["signature_valid"], true, "{f:?}: {r}");
    }
}
