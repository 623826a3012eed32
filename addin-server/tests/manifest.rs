//! The add-in manifest validates offline against the add-in schemas, and every resource id it
//! uses is defined.

use std::path::Path;
use std::process::Command;

fn manifest_dir() -> std::path::PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("../manifest")
}

#[test]
fn manifest_validates_against_the_schemas() {
    let dir = manifest_dir();
    let o = Command::new("xmllint")
        .current_dir(dir.join("schemas"))
        .args([
            "--noout",
            "--schema",
            "OfficeAppManifestV1_1.xsd",
            "../manifest.xml",
        ])
        .output()
        .expect("xmllint (libxml2-utils) is installed by scripts/install-deps.sh");
    assert!(o.status.success(), "{}", String::from_utf8_lossy(&o.stderr));
    assert!(String::from_utf8_lossy(&o.stderr).contains("validates"));
}

#[test]
fn every_resid_is_defined_and_every_asset_exists() {
    let xml = std::fs::read_to_string(manifest_dir().join("manifest.xml")).expect("manifest.xml");
    let attr_values = |name: &str| -> Vec<String> {
        xml.match_indices(&format!("{name}=\""))
            .map(|(i, _)| {
                xml[i + name.len() + 2..]
                    .split('"')
                    .next()
                    .unwrap_or("")
                    .to_string()
            })
            .collect()
    };
    let defined: Vec<String> = xml
        .lines()
        .filter(|l| {
            l.contains("<bt:Image id=") || l.contains("<bt:Url id=") || l.contains("<bt:String id=")
        })
        .filter_map(|l| {
            l.split("id=\"")
                .nth(1)
                .and_then(|r| r.split('"').next())
                .map(str::to_string)
        })
        .collect();
    let used = attr_values("resid");
    assert!(!used.is_empty());
    for r in &used {
        assert!(defined.contains(r), "resid {r} is used but not defined");
    }
    for d in &defined {
        assert!(used.contains(d), "resource {d} is defined but never used");
    }
    assert!(xml.contains("<TaskpaneId>Office.AutoShowTaskpaneWithDocument</TaskpaneId>"));
    for url in attr_values("DefaultValue")
        .into_iter()
        .filter(|u| u.starts_with("https://localhost:8443/manifest/assets/"))
    {
        let file = manifest_dir().join(url.trim_start_matches("https://localhost:8443/manifest/"));
        assert!(file.exists(), "{url} has no file {}", file.display());
    }
}
