//! Unreadable or hostile input: one line, exit 2, quickly, nothing written, memory bounded.

#![allow(clippy::unwrap_used)]

mod common;
use common::*;
use std::io::Write;
use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

fn expect_refused(file: &Path, what: &str, needle: &str) {
    let t = Instant::now();
    let o = docseal(&["verify", file.to_str().unwrap()]);
    let took = t.elapsed();
    let out = format!("{}{}", stdout(&o), stderr(&o));
    assert_eq!(o.status.code(), Some(2), "{what}: {out}");
    assert_eq!(
        out.trim_end().lines().count(),
        1,
        "{what}: not one line: {out}"
    );
    assert!(out.contains(needle), "{what}: {out:?} lacks {needle:?}");
    // A bound against runaway work (a bomb inflated, a loop), not a speed goal: refusing takes
    // milliseconds, while the debug binary shares two cores with the other tests of this file.
    assert!(took < Duration::from_secs(5), "{what}: took {took:?}");
    // Signing it is refused the same way, and writes nothing.
    let dst = file.with_extension("signed.docx");
    let o = sign_cli(file, &dst, &[("--key", "rsa.key"), ("--cert", "rsa.pem")]);
    assert_eq!(o.status.code(), Some(2), "{what}: sign {}", stderr(&o));
    assert_eq!(
        stderr(&o).trim_end().lines().count(),
        1,
        "{what}: {}",
        stderr(&o)
    );
    assert!(!dst.exists(), "{what}: output written");
}

fn zip_of(path: &Path, entries: &[(&str, &[u8])]) {
    let mut z = zip::ZipWriter::new(std::fs::File::create(path).unwrap());
    for (n, b) in entries {
        z.start_file(*n, zip::write::SimpleFileOptions::default())
            .unwrap();
        z.write_all(b).unwrap();
    }
    z.finish().unwrap();
}

const CT: &[u8] = br#"<?xml version="1.0"?><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types"><Default Extension="xml" ContentType="application/xml"/></Types>"#;

#[test]
fn not_a_zip() {
    let f = scratch("bad").join("text.docx");
    std::fs::write(&f, "this is not a document\n").unwrap();
    expect_refused(&f, "not a zip", "not a readable ZIP");
}

#[test]
fn empty_file() {
    let f = scratch("bad").join("empty.docx");
    std::fs::write(&f, "").unwrap();
    expect_refused(&f, "empty", "empty");
}

#[test]
fn a_directory() {
    let d = scratch("bad").join("folder.docx");
    std::fs::create_dir_all(&d).unwrap();
    let o = docseal(&["verify", d.to_str().unwrap()]);
    assert_eq!(o.status.code(), Some(2));
    assert!(stdout(&o).contains("is a directory"), "{}", stdout(&o));
}

/// A pipe with no writer reads as empty at once (its plain open would wait for a writer for
/// ever); a device is refused unopened. As the output, a pipe, a device or a symbolic link is
/// refused rather than replaced by a file: the rename that names an output would, as root, turn
/// `-o /dev/null` into a regular file and `-o /dev/stdout` into a document.
#[test]
fn pipes_devices_and_links_are_neither_read_for_ever_nor_written_over() {
    let dir = scratch("bad-pipe");
    let fifo = dir.join("pipe.docx");
    assert!(std::process::Command::new("mkfifo")
        .arg(&fifo)
        .status()
        .unwrap()
        .success());
    let link = dir.join("link.docx");
    std::fs::write(dir.join("elsewhere.docx"), "kept").unwrap();
    std::os::unix::fs::symlink(dir.join("elsewhere.docx"), &link).unwrap();
    let limit = Duration::from_secs(60);
    for (file, says) in [
        (&fifo, "the file is empty"),
        (&PathBuf::from("/dev/zero"), "a device or a socket"),
    ] {
        let o = docseal_within(limit, &["verify".into(), file.display().to_string()]);
        assert_eq!(o.status.code(), Some(2), "{file:?}: {}", stdout(&o));
        assert!(stdout(&o).contains(says), "{file:?}: {}", stdout(&o));
    }

    for (out, says) in [
        (&fifo, "a device, a pipe or a socket, not a file to write"),
        (&link, "is a symbolic link"),
    ] {
        let o = sign_cli(
            &samples().join("contract.docx"),
            out,
            &[("--key", "rsa.key"), ("--cert", "rsa.pem")],
        );
        assert_eq!(o.status.code(), Some(2), "{}", stderr(&o));
        assert_eq!(stderr(&o).trim_end().lines().count(), 1, "{}", stderr(&o));
        assert!(stderr(&o).contains(says), "{}", stderr(&o));
    }
    let kind = |p: &Path| std::fs::symlink_metadata(p).unwrap().file_type();
    assert!(std::os::unix::fs::FileTypeExt::is_fifo(&kind(&fifo)));
    assert!(kind(&link).is_symlink());
    assert_eq!(std::fs::read(dir.join("elsewhere.docx")).unwrap(), b"kept");
}

#[test]
fn truncated_zip() {
    let f = scratch("bad").join("truncated.docx");
    let b = std::fs::read(samples().join("report.docx")).unwrap();
    std::fs::write(&f, &b[..b.len() / 2]).unwrap();
    expect_refused(&f, "truncated", "ZIP");
}

#[test]
fn zip_bomb() {
    let f = scratch("bad").join("bomb.docx");
    let zeros = vec![0u8; 64 << 20];
    zip_of(
        &f,
        &[("[Content_Types].xml", CT), ("word/document.xml", &zeros)],
    );
    expect_refused(&f, "bomb", "ZIP bomb");
}

#[test]
fn path_traversal_names() {
    for (i, name) in ["../evil.xml", "/etc/evil.xml", "word/../../evil.xml"]
        .iter()
        .enumerate()
    {
        let f = scratch("bad").join(format!("traversal{i}.docx"));
        zip_of(&f, &[("[Content_Types].xml", CT), (name, b"<x/>")]);
        expect_refused(&f, name, "unsafe entry name");
    }
}

#[test]
fn case_colliding_names() {
    let f = scratch("bad").join("case.docx");
    zip_of(
        &f,
        &[
            ("[Content_Types].xml", CT),
            ("word/document.xml", b"<a/>"),
            ("word/Document.xml", b"<b/>"),
        ],
    );
    expect_refused(
        &f,
        "case collision",
        "differs from another entry only by case",
    );
}

#[test]
fn xxe_and_billion_laughs() {
    let xxe = br#"<?xml version="1.0"?><!DOCTYPE t [<!ENTITY x SYSTEM "file:///etc/passwd">]><Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">&x;</Types>"#;
    let f = scratch("bad").join("xxe.docx");
    zip_of(&f, &[("[Content_Types].xml", xxe)]);
    expect_refused(&f, "xxe", "document type declarations");

    let mut laughs = String::from(r#"<?xml version="1.0"?><!DOCTYPE lolz [<!ENTITY lol "lol">"#);
    for i in 1..10 {
        laughs.push_str(&format!(
            "<!ENTITY lol{i} \"{}\">",
            format!(
                "&lol{};",
                if i == 1 {
                    String::new()
                } else {
                    (i - 1).to_string()
                }
            )
            .repeat(10)
        ));
    }
    laughs.push_str("]><w:document xmlns:w=\"urn:w\">&lol9;</w:document>");
    let f = scratch("bad").join("laughs.docx");
    zip_of(
        &f,
        &[
            ("[Content_Types].xml", CT),
            ("word/document.xml", laughs.as_bytes()),
        ],
    );
    expect_refused(&f, "billion laughs", "document type declarations");
}

#[test]
fn bad_usage_exits_2() {
    let o = docseal(&["verify"]);
    assert_eq!(o.status.code(), Some(2));
    let o = docseal(&["frobnicate"]);
    assert_eq!(o.status.code(), Some(2));
}

/// `/usr/bin/time -v docseal ARGS`: (exit code, seconds, peak resident KiB).
fn measured(args: &[&str]) -> (Option<i32>, f64, u64) {
    let o = std::process::Command::new("/usr/bin/time")
        .arg("-v")
        .arg(env!("CARGO_BIN_EXE_docseal"))
        .args(args)
        .output()
        .expect("/usr/bin/time (apt-get install time)");
    let err = stderr(&o);
    let field = |name: &str| {
        err.lines()
            .find_map(|l| l.trim().strip_prefix(name))
            .map(|v| v.trim().to_string())
            .unwrap_or_default()
    };
    let wall = field("Elapsed (wall clock) time (h:mm:ss or m:ss):");
    let secs = wall
        .rsplit(':')
        .next()
        .and_then(|s| s.parse::<f64>().ok())
        .unwrap_or(f64::MAX)
        + wall
            .split(':')
            .rev()
            .nth(1)
            .and_then(|m| m.parse::<f64>().ok())
            .unwrap_or(0.0)
            * 60.0;
    let rss = field("Maximum resident set size (kbytes):")
        .parse()
        .unwrap_or(u64::MAX);
    (o.status.code(), secs, rss)
}

/// Every bomb and hostile archive ends within 10 s and 512 MiB, measured from outside.
#[test]
fn hostile_inputs_stay_within_ten_seconds_and_512_mib() {
    let dir = scratch("hostile");
    let mut files = Vec::new();
    // A 2 GiB entry, honestly declared (the ratio limit refuses it before inflating).
    let honest = dir.join("bomb-2gib.docx");
    {
        // Python's zlib deflates 2 GiB of zeros in seconds, where a debug build takes a minute.
        let o = std::process::Command::new("python3")
            .args([
                "-c",
                "import sys,zipfile\nz=zipfile.ZipFile(sys.argv[1],'w',zipfile.ZIP_DEFLATED)\nz.writestr('[Content_Types].xml',sys.argv[2])\nw=z.open('word/document.xml','w',force_zip64=True)\nb=bytes(1<<20)\nfor _ in range(2048): w.write(b)\nw.close();z.close()",
                honest.to_str().unwrap(),
                std::str::from_utf8(CT).unwrap(),
            ])
            .output()
            .unwrap();
        assert!(o.status.success(), "{}", stderr(&o));
    }
    files.push(honest.clone());
    // The same data declared as 1,000 bytes: it must stop inflating at the declared size.
    let liar = dir.join("bomb-lying-size.docx");
    {
        let plain = dir.join("zeros-64m.docx");
        zip_of(
            &plain,
            &[
                ("[Content_Types].xml", CT),
                ("word/document.xml", &vec![0u8; 64 << 20]),
            ],
        );
        let mut bytes = std::fs::read(&plain).unwrap();
        // Patch every record's uncompressed size of word/document.xml to 1000 (local, central,
        // and their ZIP64 extras).
        let name = b"word/document.xml";
        let mut at = 0;
        while let Some(i) = bytes[at..].windows(name.len()).position(|w| w == name) {
            let pos = at + i;
            for sig_off in [30usize, 46] {
                if pos >= sig_off {
                    let start = pos - sig_off;
                    let sig = u32::from_le_bytes(bytes[start..start + 4].try_into().unwrap());
                    let size_at = match (sig, sig_off) {
                        (0x0403_4b50, 30) => Some(start + 22),
                        (0x0201_4b50, 46) => Some(start + 24),
                        _ => None,
                    };
                    if let Some(s) = size_at {
                        if bytes[s..s + 4] != [0xFF; 4] {
                            bytes[s..s + 4].copy_from_slice(&1000u32.to_le_bytes());
                        }
                    }
                }
            }
            at = pos + name.len();
        }
        std::fs::write(&liar, bytes).unwrap();
    }
    files.push(liar);
    // Many central records pointing at one local entry (the overlapping-file bomb).
    let overlap = dir.join("bomb-overlapping.docx");
    {
        let data = vec![0u8; 1 << 20];
        let mut c = flate2::write::DeflateEncoder::new(Vec::new(), flate2::Compression::best());
        c.write_all(&data).unwrap();
        let deflated = c.finish().unwrap();
        let crc = {
            let mut h = crc32fast::Hasher::new();
            h.update(&data);
            h.finalize()
        };
        let mut out = Vec::new();
        let mut central = Vec::new();
        let n = 2000u16;
        let name = b"word/document.xml";
        out.extend(0x0403_4b50u32.to_le_bytes());
        out.extend([20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
        out.extend(crc.to_le_bytes());
        out.extend((deflated.len() as u32).to_le_bytes());
        out.extend((data.len() as u32).to_le_bytes());
        out.extend((name.len() as u16).to_le_bytes());
        out.extend(0u16.to_le_bytes());
        out.extend(name);
        out.extend(&deflated);
        for i in 0..n {
            let entry = format!("word/media/x{i:04}.xml");
            central.extend(0x0201_4b50u32.to_le_bytes());
            central.extend([20, 0, 20, 0, 0, 0, 8, 0, 0, 0, 0, 0]);
            central.extend(crc.to_le_bytes());
            central.extend((deflated.len() as u32).to_le_bytes());
            central.extend((data.len() as u32).to_le_bytes());
            central.extend((entry.len() as u16).to_le_bytes());
            central.extend([0u8; 8]);
            central.extend(0u32.to_le_bytes());
            central.extend(entry.as_bytes());
        }
        let cd_start = out.len() as u32;
        out.extend(&central);
        out.extend(0x0605_4b50u32.to_le_bytes());
        out.extend([0u8; 4]);
        out.extend(n.to_le_bytes());
        out.extend(n.to_le_bytes());
        out.extend((central.len() as u32).to_le_bytes());
        out.extend(cd_start.to_le_bytes());
        out.extend(0u16.to_le_bytes());
        std::fs::write(&overlap, out).unwrap();
    }
    files.push(overlap);
    // Deep nesting and entity expansion in an XML part.
    let deep = dir.join("deep.docx");
    let nested = "<a>".repeat(200_000) + &"</a>".repeat(200_000);
    zip_of(
        &deep,
        &[
            ("[Content_Types].xml", CT),
            ("_rels/.rels", nested.as_bytes()),
        ],
    );
    files.push(deep);
    let (key, cert) = (pki().join("rsa.key"), pki().join("rsa.pem"));
    for f in &files {
        let out = f.with_extension("signed.docx");
        for args in [
            vec!["verify", f.to_str().unwrap()],
            // Signing inflates every part it digests.
            vec![
                "sign",
                f.to_str().unwrap(),
                "-o",
                out.to_str().unwrap(),
                "--key",
                key.to_str().unwrap(),
                "--cert",
                cert.to_str().unwrap(),
            ],
        ] {
            let (code, secs, rss_kib) = measured(&args);
            eprintln!(
                "{} {}: exit {code:?} in {secs:.2} s, peak {:.0} MiB",
                args[0],
                f.file_name().unwrap().to_string_lossy(),
                rss_kib as f64 / 1024.0
            );
            assert!(
                matches!(code, Some(1) | Some(2)),
                "{f:?}: {args:?} exit {code:?}"
            );
            assert!(secs < 10.0, "{f:?}: {secs} s");
            assert!(rss_kib < 512 * 1024, "{f:?}: {rss_kib} KiB");
        }
        assert!(!out.exists(), "{f:?}: signed");
    }
}
