//! Real documents, written by Word and Excel on Windows and Mac, LibreOffice, WPS, Google and
//! Apple exports and libraries, collected from public test suites (`tests/corpus/SOURCES.md`).
//! Each one:
//! - verifies `unsigned` before sealing;
//! - is stamped at a word of its text, and at its end (Word) or at a cell (Excel), and signed;
//! - each output verifies `valid` with its seal bound, is reported intact with a trusted
//!   certificate by LibreOffice (`tests/oracle/lo-verify`, one start for all files), and still
//!   renders in LibreOffice (one `--convert-to pdf` for all files);
//! - what docseal adds — new parts, and the elements it adds to existing parts — validates against
//!   the ECMA-376 / ISO 29500 transitional schemas (`tests/schemas`, xmllint): our stand-in for
//!   "Word opens it".
//!
//! A document may be refused only for a reason the README names (see `DOCUMENTED_REFUSALS`).
//! `tests/corpus/refused/` holds files that are not sealable packages; each gets its own error.
//! Set DOCSEAL_SKIP_LIBREOFFICE=1 to run without LibreOffice.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::collections::{BTreeMap, BTreeSet};
use std::path::{Path, PathBuf};
use std::process::Command;

use docseal::dsig::SignOptions;
use docseal::opc::{Limits, Package, PackageEdit};
use docseal::place::{Kind, Occurrence, Placement};
use docseal::seal::SealPicture;
use docseal::signer::{file, unlock::Unlock};
use docseal::stamp::StampOptions;
use docseal::trust::{Cert, Validator};
use docseal::xml::{ns, Scanner};
use docseal::{Verdict, VerifyOptions};
use quick_xml::events::Event;

/// Error codes the README's "Documents docseal refuses" section explains.
const DOCUMENTED_REFUSALS: &[&str] = &["unsealable-entry", "ambiguous-content-types"];

const CT_NS: &str = "http://schemas.openxmlformats.org/package/2006/content-types";

fn corpus_dir() -> PathBuf {
    repo().join("tests/corpus")
}

/// (file, producer) for every corpus document.
fn corpus() -> Vec<(PathBuf, String)> {
    let tsv = std::fs::read_to_string(corpus_dir().join("SOURCES.tsv")).unwrap();
    tsv.lines()
        .skip(1)
        .filter_map(|l| {
            let f: Vec<&str> = l.split('\t').collect();
            (f.len() > 3 && f[0].starts_with("docs/"))
                .then(|| (corpus_dir().join(f[0]), f[3].to_string()))
        })
        .collect()
}

/// A word of the document's text to stamp at: the first run of three or more letters.
fn words(text: &str) -> Vec<String> {
    let mut out = Vec::new();
    for w in text.split(|c: char| !c.is_alphabetic()) {
        if w.chars().count() >= 3 && !out.iter().any(|o| o == w) {
            out.push(w.to_string());
        }
        if out.len() >= 3 {
            break;
        }
    }
    out
}

/// Candidate keywords: from the Word body's paragraphs, or the workbook's shared strings.
fn keywords(edit: &PackageEdit) -> Vec<String> {
    let Ok(main) = docseal::place::main_part(edit) else {
        return vec![];
    };
    match main.kind {
        Kind::Docx => {
            let xml = edit.read_text(&main.name).unwrap();
            let map = docseal::place::text_map::paragraphs(main.name.as_str(), &xml).unwrap();
            let text: String = map
                .paragraphs
                .iter()
                .map(|p| p.text.clone() + " ")
                .collect();
            words(&text)
        }
        Kind::Xlsx => {
            let strings = docseal::place::xlsx::workbook::shared_strings(edit, &main.name)
                .unwrap_or_default();
            words(&strings.join(" "))
        }
    }
}

struct Sealed {
    input: PathBuf,
    output: PathBuf,
    producer: String,
}

/// Elements `{ns}local` of a part: their raw markup, and the namespace declarations in force
/// where they stand (a wrapper declaring them lets the markup, cut out, mean the same).
fn elements(xml: &str, ns: &str, local: &str) -> Vec<(String, String)> {
    let mut s = Scanner::new(xml);
    let mut out = Vec::new();
    let mut open: Vec<(usize, usize, String)> = Vec::new();
    let decls = |s: &Scanner| -> String {
        let mut scope = s.scope().clone();
        // The element's own declarations stay in its own start tag.
        scope.pop();
        scope
            .in_force()
            .iter()
            .map(|(p, u)| match *p {
                "" => format!(" xmlns=\"{u}\""),
                p => format!(" xmlns:{p}=\"{u}\""),
            })
            .collect()
    };
    while let Ok(Some(item)) = s.next_item() {
        match &item.event {
            Event::Empty(e) if s.is(e, ns, local) => {
                out.push((xml[item.start..item.end].to_string(), decls(&s)))
            }
            Event::Start(e) if s.is(e, ns, local) => {
                open.push((item.start, s.scope().depth(), decls(&s)))
            }
            Event::End(_) if open.last().is_some_and(|(_, d, _)| *d == s.scope().depth()) => {
                let (start, _, d) = open.pop().unwrap();
                out.push((xml[start..item.end].to_string(), d));
            }
            _ => {}
        }
    }
    out
}

/// Raw markup of elements `{ns}local`, as they stand in the text.
fn raw_elements(xml: &str, ns: &str, local: &str) -> Vec<String> {
    elements(xml, ns, local)
        .into_iter()
        .map(|(raw, _)| raw)
        .collect()
}

/// The root element's start tag with its namespace declarations only, and its name.
fn root_shell(xml: &str) -> (String, String) {
    let mut s = Scanner::new(xml);
    while let Ok(Some(item)) = s.next_item() {
        if let Event::Start(e) | Event::Empty(e) = &item.event {
            let name = String::from_utf8_lossy(e.name().as_ref()).into_owned();
            let mut tag = format!("<{name}");
            for a in e.attributes().flatten() {
                if a.key.as_namespace_binding().is_some() {
                    tag.push_str(&format!(
                        " {}=\"{}\"",
                        String::from_utf8_lossy(a.key.as_ref()),
                        String::from_utf8_lossy(&a.value)
                    ));
                }
            }
            tag.push('>');
            return (tag, name);
        }
    }
    panic!("no root element")
}

fn prefix_of(qname: &str) -> String {
    qname
        .split_once(':')
        .map(|(p, _)| format!("{p}:"))
        .unwrap_or_default()
}

/// Top-level children of CT_Worksheet in schema order (ECMA-376 Part 1 §18.3.1.99).
const WORKSHEET_ORDER: &[&str] = &[
    "sheetPr",
    "dimension",
    "sheetViews",
    "sheetFormatPr",
    "cols",
    "sheetData",
    "sheetCalcPr",
    "sheetProtection",
    "protectedRanges",
    "scenarios",
    "autoFilter",
    "sortState",
    "dataConsolidate",
    "customSheetViews",
    "mergeCells",
    "phoneticPr",
    "conditionalFormatting",
    "dataValidations",
    "hyperlinks",
    "printOptions",
    "pageMargins",
    "pageSetup",
    "headerFooter",
    "rowBreaks",
    "colBreaks",
    "customProperties",
    "cellWatches",
    "ignoredErrors",
    "smartTags",
    "drawing",
    "legacyDrawing",
    "legacyDrawingHF",
    "drawingHF",
    "picture",
    "oleObjects",
    "controls",
    "webPublishItems",
    "tableParts",
    "extLst",
];

/// Fragments of what docseal added to one output, each as a document for a schema.
fn added_markup(
    input: &Path,
    output: &Path,
    at_end: bool,
    frags: &mut BTreeMap<&'static str, Vec<String>>,
) {
    let before: BTreeMap<String, Vec<u8>> = read_zip(input)
        .into_iter()
        .map(|(n, b, _)| (n, b))
        .collect();
    let after: BTreeMap<String, Vec<u8>> = read_zip(output)
        .into_iter()
        .map(|(n, b, _)| (n, b))
        .collect();
    for (name, bytes) in &after {
        if before.get(name) == Some(bytes) || name.starts_with("_xmlsignatures/") {
            continue;
        }
        let Ok(xml) = std::str::from_utf8(bytes) else {
            continue;
        };
        let old = before
            .get(name)
            .map(|b| String::from_utf8_lossy(b).into_owned());
        let (shell, root) = root_shell(xml);
        let p = prefix_of(&root);
        let new_only = |els: Vec<String>| -> Vec<String> {
            els.into_iter()
                .filter(|e| !old.as_deref().is_some_and(|o| o.contains(e.as_str())))
                .collect()
        };
        if name == "[Content_Types].xml" {
            let mut els = new_only(raw_elements(xml, CT_NS, "Default"));
            els.extend(new_only(raw_elements(xml, CT_NS, "Override")));
            frags
                .entry("ct")
                .or_default()
                .push(format!("{shell}{}</{root}>", els.concat()));
        } else if name.ends_with(".rels") {
            let els = new_only(raw_elements(xml, ns::RELS, "Relationship"));
            frags
                .entry("rels")
                .or_default()
                .push(format!("{shell}{}</{root}>", els.concat()));
        } else if root.ends_with("wsDr") {
            let anchors: Vec<(String, String)> = elements(xml, ns::XDR, "oneCellAnchor")
                .into_iter()
                .filter(|(a, _)| a.contains("Electronic seal of"))
                .collect();
            assert_eq!(anchors.len(), 1, "{output:?} {name}");
            let (anchor, decls) = &anchors[0];
            frags
                .entry("drawing")
                .or_default()
                .push(format!("<{root}{decls}>{anchor}</{root}>"));
        } else if root.ends_with("worksheet") {
            let mut s = Scanner::new(xml);
            let mut order = Vec::new();
            while let Ok(Some(item)) = s.next_item() {
                if let Event::Start(e) | Event::Empty(e) = &item.event {
                    if s.scope().depth() == 2 {
                        let l = String::from_utf8_lossy(e.local_name().as_ref()).into_owned();
                        if let Some(i) = WORKSHEET_ORDER.iter().position(|x| *x == l) {
                            order.push((i, l));
                        }
                    }
                }
            }
            assert!(
                order.windows(2).all(|w| w[0].0 <= w[1].0),
                "{output:?} {name}: top-level elements out of schema order: {order:?}"
            );
            assert_eq!(order.iter().filter(|(_, l)| l == "drawing").count(), 1);
        } else if xml.contains("Electronic seal of") && root.ends_with("document")
            || root.ends_with(":hdr")
            || root.ends_with(":ftr")
        {
            // The seal's run (or, at the end, the paragraph holding it) in a minimal document.
            // The innermost run holding the mark (a text box's runs sit inside an outer run).
            // The innermost run holding the mark (a text box's runs sit inside an outer run);
            // at the end, docseal adds a whole paragraph around it.
            let (run, decls) = elements(xml, ns::W, "r")
                .into_iter()
                .filter(|(r, _)| r.contains("Electronic seal of"))
                .min_by_key(|(r, _)| r.len())
                .unwrap_or_else(|| panic!("{output:?} {name}: no seal run"));
            let (body, decls) = if at_end {
                elements(xml, ns::W, "p")
                    .into_iter()
                    .filter(|(e, _)| e.contains(&run))
                    .min_by_key(|(e, _)| e.len())
                    .unwrap()
            } else {
                (format!("<{p}p>{run}</{p}p>"), decls)
            };
            frags.entry("wml").or_default().push(format!(
                "<{p}document{decls}><{p}body>{body}</{p}body></{p}document>"
            ));
        }
    }
}

/// Validates every fragment of each kind with one xmllint run per schema.
fn validate(dir: &Path, frags: &BTreeMap<&'static str, Vec<String>>) {
    let schemas = repo().join("tests/schemas");
    for (kind, list) in frags {
        let xsd = match *kind {
            "wml" => schemas.join("ISO-IEC29500-4_2016/wml.xsd"),
            "drawing" => schemas.join("ISO-IEC29500-4_2016/dml-spreadsheetDrawing.xsd"),
            "ct" => schemas.join("ecma/fouth-edition/opc-contentTypes.xsd"),
            "rels" => schemas.join("ecma/fouth-edition/opc-relationships.xsd"),
            _ => unreachable!(),
        };
        let mut files = Vec::new();
        for (i, f) in list.iter().enumerate() {
            let p = dir.join(format!("{kind}-{i}.xml"));
            std::fs::write(&p, f).unwrap();
            files.push(p);
        }
        let o = Command::new("xmllint")
            .arg("--noout")
            .arg("--schema")
            .arg(&xsd)
            .args(&files)
            .output()
            .expect("xmllint (libxml2-utils)");
        assert!(
            o.status.success(),
            "{kind}: what docseal added does not validate against {xsd:?}:\n{}",
            stderr(&o)
                .lines()
                .filter(|l| !l.ends_with(" validates"))
                .take(20)
                .collect::<Vec<_>>()
                .join("\n")
        );
        eprintln!(
            "{kind}: {} fragment(s) validate against {}",
            files.len(),
            xsd.display()
        );
    }
}

#[test]
fn every_corpus_document_is_sealed_and_accepted() {
    let docs = corpus();
    assert!(docs.len() >= 150, "{} corpus documents", docs.len());
    let dir = scratch("corpus");
    let key = file::load(
        &pki().join("rsa.key"),
        Some(&pki().join("rsa.pem")),
        None,
        &Unlock::default(),
    )
    .unwrap();
    let picture = SealPicture::from_png(
        docseal::seal::draw::render_png(&docseal::seal::SealSpec::new("Corpus Test Co. Ltd."))
            .unwrap(),
    )
    .unwrap();
    let verify_opts = VerifyOptions {
        trust: Validator {
            anchors: Cert::load_file(&pki().join("ca.pem")).unwrap(),
            ..Validator::default()
        },
        ..VerifyOptions::default()
    };
    let stamp = |bytes: &[u8], placement: Placement| -> docseal::Result<Vec<u8>> {
        let pkg = Package::from_bytes(bytes.to_vec(), Limits::default())?;
        let mut edit = PackageEdit::new(&pkg);
        let opts = StampOptions {
            sign: SignOptions {
                signer: key.signer.as_ref(),
                certs: &key.chain,
                time: time::OffsetDateTime::now_utc(),
                comments: "",
                tsa: None,
                ltv: None,
                seal_data: None,
                approval: None,
                slot: None,
            },
            picture: &picture,
            size_mm: 40.0,
            offset_mm: (0.0, 0.0),
            placement,
            open_pane: None,
            reserve: &[],
            into_slot: None,
        };
        docseal::stamp::stamp_package(&mut edit, &opts)?;
        edit.to_bytes()
    };

    let mut sealed: Vec<Sealed> = Vec::new();
    let mut refusals: Vec<String> = Vec::new();
    let mut frags: BTreeMap<&'static str, Vec<String>> = BTreeMap::new();
    for (path, producer) in &docs {
        let bytes = std::fs::read(path).unwrap();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let before = docseal::verify::verify_bytes(&name, bytes.clone(), &verify_opts);
        if let (Verdict::Error, Some(f)) = (before.verdict, before.findings.first()) {
            if DOCUMENTED_REFUSALS.contains(&f.code) {
                refusals.push(format!("{name}: {}", f.message));
                continue;
            }
        }
        assert_eq!(
            before.verdict,
            Verdict::Unsigned,
            "{name}: {:?}",
            before.findings
        );
        let pkg = Package::from_bytes(bytes.clone(), Limits::default()).unwrap();
        let edit = PackageEdit::new(&pkg);
        let kind = docseal::place::main_part(&edit).map(|m| m.kind).ok();
        // At a word of the text: the first candidate the document shows (a shared string may
        // be in no cell); then at the end, or at a cell.
        let mut outcomes = Vec::new();
        for w in keywords(&edit) {
            let placement = Placement::Text {
                needle: w.clone(),
                occurrence: Occurrence::First,
            };
            match stamp(&bytes, placement) {
                Err(docseal::Error::KeywordNotFound { .. }) if kind == Some(Kind::Xlsx) => continue,
                r => {
                    outcomes.push((format!("text {w:?}"), r));
                    break;
                }
            }
        }
        let last = match kind {
            Some(Kind::Xlsx) => ("cell B2".to_string(), Placement::Cell("B2".into())),
            _ => ("end".to_string(), Placement::End),
        };
        outcomes.push((last.0, stamp(&bytes, last.1)));
        for (i, (what, result)) in outcomes.into_iter().enumerate() {
            match result {
                Ok(out) => {
                    let report = docseal::verify::verify_bytes(&name, out.clone(), &verify_opts);
                    assert_eq!(
                        report.verdict,
                        Verdict::Valid,
                        "{name} stamped at {what}: {:#?}",
                        report.findings
                    );
                    assert_eq!(report.seals.len(), 1, "{name} at {what}");
                    let output = dir.join(format!("{i}-{name}"));
                    std::fs::write(&output, out).unwrap();
                    added_markup(path, &output, what == "end", &mut frags);
                    sealed.push(Sealed {
                        input: path.clone(),
                        output,
                        producer: producer.clone(),
                    });
                }
                Err(e) if DOCUMENTED_REFUSALS.contains(&e.code()) => {
                    refusals.push(format!("{name} at {what}: {e}"));
                }
                Err(e) => panic!("{name} ({producer}) at {what}: {e} [{}]", e.code()),
            }
        }
    }
    let producers: BTreeSet<&str> = sealed.iter().map(|s| s.producer.as_str()).collect();
    let documents: BTreeSet<&Path> = sealed.iter().map(|s| s.input.as_path()).collect();
    eprintln!(
        "{} outputs from {} documents by {} producers; refused: {refusals:#?}",
        sealed.len(),
        documents.len(),
        producers.len()
    );
    assert!(documents.len() >= 150);
    assert!(producers.len() >= 5, "{producers:?}");

    validate(&dir, &frags);

    if libreoffice_missing() {
        return;
    }
    let outputs: Vec<PathBuf> = sealed.iter().map(|s| s.output.clone()).collect();
    let verdicts = lo_verify(&outputs, &pki().join("ca.pem"));
    assert_eq!(verdicts.len(), outputs.len());
    let mut rejected = Vec::new();
    let mut lo_limitation = Vec::new();
    for (f, r) in outputs.iter().zip(&verdicts) {
        let state = r["document_signature_state"].as_str().unwrap_or("");
        let sigs = r["signatures"].as_array().cloned().unwrap_or_default();
        let intact = (state == "OK" || state == "PARTIAL_OK")
            && sigs.len() == 1
            && sigs[0]["signature_valid"] == true
            && sigs[0]["certificate_valid"] == true;
        let name = f.file_name().unwrap().to_string_lossy().into_owned();
        if escaped_relationship_attribute(f) && !intact && relationships_transformed(f) {
            // LibreOffice's relationship transform writes attribute values unescaped, so a
            // relationships part whose signed targets hold `&` (a URL query) can only be checked
            // by it when signed whole; docseal does that unless the part has line breaks inside
            // (which Apache POI strips before digesting), and keeps the transform there (README).
            lo_limitation.push(name);
        } else if !intact {
            rejected.push(format!("{name}: {state}"));
        }
    }
    eprintln!(
        "LibreOffice: {} intact, {} with an escaped relationship target it cannot check: {lo_limitation:?}",
        outputs.len() - lo_limitation.len() - rejected.len(),
        lo_limitation.len()
    );
    assert!(
        rejected.is_empty(),
        "LibreOffice does not call {} of {} outputs intact: {rejected:#?}",
        rejected.len(),
        outputs.len()
    );

    // Apache POI, the second judge (optional: its oracle lives in ../shared): every output it
    // can read holds. POI 4.0.1 cannot open some packages at all (an `__MACOSX/` entry without a
    // content type, a percent-encoded name, an odd relationship id) and cannot dereference a
    // signed `docProps/core.xml` (its PackagePropertiesPart refuses to be read as a stream):
    // those are POI's limits, counted, not verdicts.
    if let Some(poi) = poi_verify(&outputs) {
        let poi_cannot = |v: &serde_json::Value| {
            !v["error"].is_null()
                || v["each"].as_array().into_iter().flatten().all(|e| {
                    e["valid"] == true
                        || e["error"]
                            .as_str()
                            .is_some_and(|x| x.contains("PackagePropertiesPart"))
                })
        };
        let (mut refused, mut unread) = (Vec::new(), 0);
        for (f, v) in outputs.iter().zip(&poi) {
            if v["all_valid"] == true {
                continue;
            }
            if poi_cannot(v) {
                unread += 1;
            } else {
                refused.push(format!("{}: {v}", f.display()));
            }
        }
        eprintln!(
            "Apache POI: {} intact, {unread} it cannot read (its limits)",
            outputs.len() - unread - refused.len()
        );
        assert!(
            refused.is_empty(),
            "Apache POI does not call {} of {} outputs intact: {refused:#?}",
            refused.len(),
            outputs.len()
        );
        assert!(
            unread * 20 < outputs.len(),
            "POI read too few outputs to judge: {unread}"
        );
    }

    // Rendering: one LibreOffice run converts every first-placement output to PDF.
    let pdf_dir = dir.join("pdf");
    std::fs::create_dir_all(&pdf_dir).unwrap();
    let firsts: Vec<&PathBuf> = outputs
        .iter()
        .filter(|o| o.file_name().unwrap().to_string_lossy().starts_with("0-"))
        .collect();
    let o = Command::new("soffice")
        .args([
            "--headless",
            "--norestore",
            "--convert-to",
            "pdf",
            "--outdir",
        ])
        .arg(&pdf_dir)
        .args(&firsts)
        .env("HOME", &dir)
        .output()
        .expect("soffice");
    assert!(o.status.success(), "{}", stderr(&o));
    for f in firsts {
        let pdf = pdf_dir.join(f.with_extension("pdf").file_name().unwrap());
        let size = std::fs::metadata(&pdf).map(|m| m.len()).unwrap_or(0);
        assert!(size > 500, "LibreOffice did not render {f:?}");
    }
}

/// Does the signature still reference a relationships part with an escaped attribute through
/// the RelationshipTransform (it was not signed whole)?
fn relationships_transformed(path: &Path) -> bool {
    let entries = read_zip(path);
    let sig = entries
        .iter()
        .find(|(n, _, _)| n.starts_with("_xmlsignatures/sig") && n.ends_with(".xml"))
        .map(|(_, b, _)| String::from_utf8_lossy(b).into_owned())
        .unwrap_or_default();
    entries.iter().any(|(n, b, _)| {
        n.ends_with(".rels")
            && ["&amp;", "&lt;", "&quot;"]
                .iter()
                .any(|e| String::from_utf8_lossy(b).contains(e))
            && sig
                .split("<Reference ")
                .filter(|r| r.contains(&format!("/{n}?")))
                .any(|r| r.contains("RelationshipTransform"))
    })
}

/// Does a relationships part of the package hold an attribute value with an escaped character
/// (`&amp;`, `&lt;`, `&quot;`, a character reference)?
fn escaped_relationship_attribute(path: &Path) -> bool {
    read_zip(path).iter().any(|(n, b, _)| {
        n.ends_with(".rels")
            && raw_elements(&String::from_utf8_lossy(b), ns::RELS, "Relationship")
                .iter()
                .any(|r| {
                    ["&amp;", "&lt;", "&quot;", "&#"]
                        .iter()
                        .any(|e| r.contains(e))
                })
    })
}

#[test]
fn files_that_are_not_sealable_packages_say_what_they_are() {
    let refused = corpus_dir().join("refused");
    let mut seen = 0;
    for e in std::fs::read_dir(&refused).unwrap() {
        let path = e.unwrap().path();
        let name = path.file_name().unwrap().to_string_lossy().into_owned();
        let why = name.split("__").next().unwrap();
        // The stamping error's code, and whether verify can read the package at all.
        let (expected, readable) = match why {
            "encrypted" => ("encrypted", false),
            "word97" | "excel97" => ("not-ooxml", false),
            "broken-zip-empty-file" => ("not-a-zip", false),
            "strict" => ("unsupported-document", true),
            "backslash-names" => ("unsafe-entry-name", false),
            "no-content-types" => ("not-a-package", false),
            other => panic!("{name}: no expectation for {other}"),
        };
        let o = docseal(&[
            "stamp",
            path.to_str().unwrap(),
            "-o",
            scratch("refused").join(&name).to_str().unwrap(),
            "--name",
            "X",
            "--at-end",
            "--key",
            pki().join("rsa.key").to_str().unwrap(),
            "--cert",
            pki().join("rsa.pem").to_str().unwrap(),
        ]);
        assert_eq!(o.status.code(), Some(2), "{name}: {}", stderr(&o));
        assert_eq!(
            stderr(&o).trim_end().lines().count(),
            1,
            "{name}: {}",
            stderr(&o)
        );
        let code = Package::from_bytes(std::fs::read(&path).unwrap(), Limits::default())
            .and_then(|pkg| docseal::place::main_part(&PackageEdit::new(&pkg)).map(|_| ()))
            .err()
            .map(|e| e.code());
        assert_eq!(code, Some(expected), "{name}: {}", stderr(&o));
        let report = verify_json(&path, true);
        if readable {
            assert_eq!(report["verdict"], "unsigned", "{name}: {report}");
        } else {
            assert_eq!(report["verdict"], "error", "{name}: {report}");
            assert_eq!(report["findings"][0]["code"], expected, "{name}: {report}");
        }
        seen += 1;
    }
    assert!(seen >= 5);
}
