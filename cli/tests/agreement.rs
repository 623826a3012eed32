//! sign and verify agree: over packages generated from a seed — stray archiver entries, parts
//! without content types, odd part names, relationships to fragments, external targets and
//! missing parts, Override-only content types, prefixed content types, indented relationships,
//! displayed properties and bound custom XML — whenever `sign` succeeds, `verify` calls the result
//! valid; and when it refuses, it names the entry with a typed error.
//!
//! A failure prints the seed; `AGREEMENT_SEED=N cargo test --test agreement` replays one case.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;

use std::io::{Cursor, Write};

use docseal::dsig::SignOptions;
use docseal::trust::{Cert, Validator};
use docseal::{Error, Verdict, VerifyOptions};

struct Rng(u64);
impl Rng {
    fn next(&mut self) -> u64 {
        self.0 ^= self.0 << 13;
        self.0 ^= self.0 >> 7;
        self.0 ^= self.0 << 17;
        self.0
    }
    fn chance(&mut self, percent: u64) -> bool {
        self.next() % 100 < percent
    }
    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[(self.next() % items.len() as u64) as usize]
    }
}

const W: &str = "http://schemas.openxmlformats.org/wordprocessingml/2006/main";
const R: &str = "http://schemas.openxmlformats.org/officeDocument/2006/relationships";
const CT_NS: &str = "http://schemas.openxmlformats.org/package/2006/content-types";
const RELS_NS: &str = "http://schemas.openxmlformats.org/package/2006/relationships";
const CT_RELS: &str = "application/vnd.openxmlformats-package.relationships+xml";
const CT_MAIN: &str =
    "application/vnd.openxmlformats-officedocument.wordprocessingml.document.main+xml";
const PNG_1PX: &[u8] = &[
    0x89, 0x50, 0x4E, 0x47, 0x0D, 0x0A, 0x1A, 0x0A, 0, 0, 0, 0x0D, 0x49, 0x48, 0x44, 0x52, 0, 0, 0,
    1, 0, 0, 0, 1, 8, 6, 0, 0, 0, 0x1F, 0x15, 0xC4, 0x89, 0, 0, 0, 0x0D, 0x49, 0x44, 0x41, 0x54,
    0x78, 0x9C, 0x63, 0x60, 0, 0, 0, 2, 0, 1, 0xE5, 0x27, 0xDE, 0xFC, 0, 0, 0, 0, 0x49, 0x45, 0x4E,
    0x44, 0xAE, 0x42, 0x60, 0x82,
];

/// One generated package: its entries, and a note of what went into it.
struct Case {
    entries: Vec<(String, Vec<u8>)>,
    traits: Vec<&'static str>,
}

/// The relationships of one part, as (id, type suffix or full type, target, external).
type Rel = (String, String, String, bool);

fn rels_xml(rels: &[Rel], indent: bool, prefix: bool) -> Vec<u8> {
    let (open, p) = if prefix {
        (
            format!("<ns0:Relationships xmlns:ns0=\"{RELS_NS}\">"),
            "ns0:",
        )
    } else {
        (format!("<Relationships xmlns=\"{RELS_NS}\">"), "")
    };
    let mut x = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n{open}");
    for (id, t, target, ext) in rels {
        if indent {
            x.push_str("\n  ");
        }
        let t = if t.starts_with("http") {
            t.clone()
        } else {
            format!("http://schemas.openxmlformats.org/officeDocument/2006/relationships/{t}")
        };
        let mode = if *ext { " TargetMode=\"External\"" } else { "" };
        x.push_str(&format!(
            "<{p}Relationship Id=\"{id}\" Type=\"{t}\" Target=\"{target}\"{mode}/>"
        ));
    }
    if indent {
        x.push('\n');
    }
    x.push_str(&format!("</{p}Relationships>"));
    x.into_bytes()
}

fn generate(seed: u64) -> Case {
    let mut rng = Rng(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let mut traits = Vec::new();
    let mut entries: Vec<(String, Vec<u8>)> = Vec::new();
    let mut defaults: Vec<(String, String)> = vec![("xml".into(), "application/xml".into())];
    let mut overrides: Vec<(String, String)> = vec![("/word/document.xml".into(), CT_MAIN.into())];
    let override_rels = rng.chance(30);
    if override_rels {
        traits.push("override-only rels");
    } else {
        defaults.push(("rels".into(), CT_RELS.into()));
    }
    let indent = rng.chance(40);
    if indent {
        traits.push("indented rels");
    }
    let ns0 = rng.chance(20);
    if ns0 {
        traits.push("ns0 prefixes");
    }

    let mut package_rels: Vec<Rel> = vec![(
        "rId1".into(),
        "officeDocument".into(),
        "word/document.xml".into(),
        false,
    )];
    let mut doc_rels: Vec<Rel> = Vec::new();
    let mut body = String::from("<w:p><w:r><w:t>Contract between the parties.</w:t></w:r></w:p>");

    // Core properties, shown through a field now and then.
    if rng.chance(60) {
        entries.push(("docProps/core.xml".into(), b"<cp:coreProperties xmlns:cp=\"http://schemas.openxmlformats.org/package/2006/metadata/core-properties\" xmlns:dc=\"http://purl.org/dc/elements/1.1/\"><dc:title>T</dc:title></cp:coreProperties>".to_vec()));
        overrides.push((
            "/docProps/core.xml".into(),
            "application/vnd.openxmlformats-package.core-properties+xml".into(),
        ));
        package_rels.push((
            "rId2".into(),
            "http://schemas.openxmlformats.org/package/2006/relationships/metadata/core-properties"
                .into(),
            "docProps/core.xml".into(),
            false,
        ));
        if rng.chance(40) {
            traits.push("DOCPROPERTY field");
            body.push_str("<w:p><w:r><w:fldChar w:fldCharType=\"begin\"/></w:r><w:r><w:instrText xml:space=\"preserve\"> DOCPROPERTY Title </w:instrText></w:r><w:r><w:fldChar w:fldCharType=\"separate\"/></w:r><w:r><w:t>T</w:t></w:r><w:r><w:fldChar w:fldCharType=\"end\"/></w:r></w:p>");
        }
    }
    // An image, under a name that needs care.
    if rng.chance(60) {
        let (zip_name, target) = rng
            .pick(&[
                ("word/media/image1.png", "media/image1.png"),
                ("word/media/image 1.png", "media/image%201.png"),
                ("word/media/bild-ü.png", "media/bild-%C3%BC.png"),
                ("word/Media/Image2.PNG", "Media/Image2.PNG"),
            ])
            .to_owned();
        traits.push("image");
        entries.push((zip_name.into(), PNG_1PX.to_vec()));
        if rng.chance(50) {
            defaults.push(("png".into(), "image/png".into()));
        } else {
            overrides.push((format!("/{zip_name}"), "image/png".into()));
        }
        doc_rels.push(("rId10".into(), "image".into(), target.into(), false));
        body.push_str("<w:p><w:r><w:t>picture</w:t></w:r></w:p>");
    }
    if rng.chance(40) {
        traits.push("external hyperlink");
        doc_rels.push((
            "rId11".into(),
            "hyperlink".into(),
            "https://example.com/a?b=c&amp;d".into(),
            true,
        ));
    }
    if rng.chance(40) {
        traits.push("fragment hyperlink");
        doc_rels.push(("rId12".into(), "hyperlink".into(), "#_Toc1".into(), false));
    }
    if rng.chance(30) {
        traits.push("relationship to a missing part");
        doc_rels.push((
            "rId13".into(),
            "http://schemas.openxmlformats.org/officeDocument/2006/relationships/drawing".into(),
            "../drawings/drawing9.xml".into(),
            false,
        ));
    }
    if rng.chance(30) {
        traits.push("orphan part with a content type");
        entries.push(("word/orphan.xml".into(), b"<orphan/>".to_vec()));
    }
    if rng.chance(30) {
        traits.push("custom XML bound to a content control");
        entries.push((
            "customXml/item1.xml".into(),
            b"<data><name>Acme</name></data>".to_vec(),
        ));
        entries.push(("customXml/itemProps1.xml".into(), b"<ds:datastoreItem ds:itemID=\"{11111111-2222-3333-4444-555555555555}\" xmlns:ds=\"http://schemas.openxmlformats.org/officeDocument/2006/customXml\"/>".to_vec()));
        overrides.push((
            "/customXml/itemProps1.xml".into(),
            "application/vnd.openxmlformats-officedocument.customXmlProperties+xml".into(),
        ));
        entries.push((
            "customXml/_rels/item1.xml.rels".into(),
            rels_xml(
                &[(
                    "rId1".into(),
                    "customXmlProps".into(),
                    "itemProps1.xml".into(),
                    false,
                )],
                indent,
                ns0,
            ),
        ));
        if override_rels {
            overrides.push(("/customXml/_rels/item1.xml.rels".into(), CT_RELS.into()));
        }
        doc_rels.push((
            "rId14".into(),
            "customXml".into(),
            "../customXml/item1.xml".into(),
            false,
        ));
        if rng.chance(70) {
            body.push_str("<w:sdt><w:sdtPr><w:dataBinding w:xpath=\"/data/name\" w:storeItemID=\"{11111111-2222-3333-4444-555555555555}\"/></w:sdtPr><w:sdtContent><w:p><w:r><w:t>Acme</w:t></w:r></w:p></w:sdtContent></w:sdt>");
        }
    }
    // Archivers' leftovers and entries that are not parts.
    if rng.chance(30) {
        traits.push(".DS_Store");
        entries.push((".DS_Store".into(), vec![0, 0, 0, 1, 0x42, 0x75, 0x64, 0x31]));
    }
    if rng.chance(30) {
        traits.push("__MACOSX");
        entries.push((
            "__MACOSX/_rels/._.rels".into(),
            vec![0, 5, 0x16, 7, 0, 2, 0, 0, 0xFF, 0xFE, 0x80],
        ));
        entries.push((
            "__MACOSX/word/._document.xml".into(),
            vec![0, 5, 0x16, 7, 0xC3],
        ));
    }
    if rng.chance(30) {
        traits.push("entry without content type");
        entries.push(("word/notes.dat".into(), b"free text".to_vec()));
    }

    let doc = format!("<?xml version=\"1.0\" encoding=\"UTF-8\" standalone=\"yes\"?>\n<w:document xmlns:w=\"{W}\" xmlns:r=\"{R}\"><w:body>{body}<w:sectPr/></w:body></w:document>");
    entries.push(("word/document.xml".into(), doc.into_bytes()));
    entries.push(("_rels/.rels".into(), rels_xml(&package_rels, indent, ns0)));
    if override_rels {
        overrides.push(("/_rels/.rels".into(), CT_RELS.into()));
    }
    if !doc_rels.is_empty() {
        entries.push((
            "word/_rels/document.xml.rels".into(),
            rels_xml(&doc_rels, indent, ns0),
        ));
        if override_rels {
            overrides.push(("/word/_rels/document.xml.rels".into(), CT_RELS.into()));
        }
    }
    let p = if ns0 { "ns0:" } else { "" };
    let mut ct = if ns0 {
        format!("<?xml version=\"1.0\"?><ns0:Types xmlns:ns0=\"{CT_NS}\">")
    } else {
        format!("<?xml version=\"1.0\"?><Types xmlns=\"{CT_NS}\">")
    };
    for (e, t) in &defaults {
        ct.push_str(&format!(
            "<{p}Default Extension=\"{e}\" ContentType=\"{t}\"/>"
        ));
    }
    for (n, t) in &overrides {
        ct.push_str(&format!(
            "<{p}Override PartName=\"{n}\" ContentType=\"{t}\"/>"
        ));
    }
    ct.push_str(&format!("</{p}Types>"));
    entries.push(("[Content_Types].xml".into(), ct.into_bytes()));
    // Any entry order.
    for i in (1..entries.len()).rev() {
        let j = (rng.next() % (i as u64 + 1)) as usize;
        entries.swap(i, j);
    }
    Case { entries, traits }
}

fn zip(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let mut z = zip::ZipWriter::new(Cursor::new(Vec::new()));
    for (n, b) in entries {
        z.start_file(n.as_str(), zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b).unwrap();
    }
    z.finish().unwrap().into_inner()
}

#[test]
fn whenever_sign_succeeds_verify_says_valid() {
    let key = golden_key();
    let opts = SignOptions {
        signer: key.signer.as_ref(),
        certs: &key.chain,
        time: time::OffsetDateTime::now_utc(),
        comments: "",
        tsa: None,
        ltv: None,
        seal_data: None,
        approval: None,
        slot: None,
    };
    let verify = VerifyOptions {
        trust: Validator {
            anchors: Cert::load_file(&repo().join("engine/tests/data/golden-cert.pem")).unwrap(),
            ..Validator::default()
        },
        ..VerifyOptions::default()
    };
    let seeds: Vec<u64> = match std::env::var("AGREEMENT_SEED") {
        Ok(s) => vec![s.parse().unwrap()],
        Err(_) => (1..=400).collect(),
    };
    let (mut signed, mut refused) = (0, 0);
    for seed in seeds {
        let case = generate(seed);
        let bytes = zip(&case.entries);
        match docseal::sign::sign_bytes(bytes, &opts) {
            Ok(out) => {
                signed += 1;
                let r = docseal::verify::verify_bytes("case", out, &verify);
                assert_eq!(
                    r.verdict,
                    Verdict::Valid,
                    "seed {seed} ({:?}): sign succeeded, verify says {:?}: {:#?}",
                    case.traits,
                    r.verdict,
                    r.findings
                );
            }
            Err(e @ Error::Unsealable { .. }) => {
                refused += 1;
                assert!(
                    case.traits.contains(&"entry without content type"),
                    "seed {seed} ({:?}): refused: {e}",
                    case.traits
                );
            }
            Err(e) => panic!("seed {seed} ({:?}): sign failed: {e}", case.traits),
        }
    }
    // The generator must exercise both outcomes... and mostly sealable packages.
    assert!(signed > refused, "{signed} signed, {refused} refused");
}

#[test]
fn a_part_without_content_type_that_a_relationship_names_is_refused_by_name() {
    let mut case = generate(7);
    case.entries
        .retain(|(n, _)| n != "word/_rels/document.xml.rels");
    case.entries.push((
        "word/_rels/document.xml.rels".into(),
        rels_xml(
            &[("rId5".into(), "image".into(), "media/pic.emf".into(), false)],
            false,
            false,
        ),
    ));
    case.entries
        .push(("word/media/pic.emf".into(), vec![1, 0, 0, 0]));
    let key = golden_key();
    let opts = SignOptions {
        signer: key.signer.as_ref(),
        certs: &key.chain,
        time: time::OffsetDateTime::now_utc(),
        comments: "",
        tsa: None,
        ltv: None,
        seal_data: None,
        approval: None,
        slot: None,
    };
    match docseal::sign::sign_bytes(zip(&case.entries), &opts) {
        Err(Error::Unsealable { entry, .. }) => assert_eq!(entry, "/word/media/pic.emf"),
        other => panic!("expected a refusal naming the entry, got {:?}", other.err()),
    }
}
