//! The documents of a folder (and its subfolders, with `--recursive`), and where each one's sealed
//! copy goes: the same relative path under the output folder, with the extension of the document
//! it becomes.

use std::path::{Path, PathBuf};

use crate::error::{Error, Result};

/// What a batch seals or verifies.
pub const EXTENSIONS: &[&str] = &[
    "docx", "docm", "dotx", "dotm", "xlsx", "xlsm", "xltx", "xltm",
];

#[derive(Debug, Clone, PartialEq, Eq)]
/// One document of the tree and where its sealed copy goes.
pub struct Job {
    /// The document.
    pub input: PathBuf,
    /// The input's path below the input folder.
    pub relative: PathBuf,
    /// The mirrored folder under the output.
    pub out_dir: PathBuf,
}

impl Job {
    /// The output for a document whose kind has this extension.
    pub fn output_with_extension(&self, ext: &str) -> PathBuf {
        self.out_dir.join(&self.relative).with_extension(ext)
    }
}

/// Is this a document file by its name? Office's owner files (`~$name.docx`) and LibreOffice's
/// lock files share the extension but are not documents.
pub fn is_document(path: &Path) -> bool {
    let name = path
        .file_name()
        .map(|n| n.to_string_lossy())
        .unwrap_or_default();
    if name.starts_with("~$") || name.starts_with(".~lock") {
        return false;
    }
    path.extension()
        .map(|e| e.to_string_lossy().to_ascii_lowercase())
        .is_some_and(|e| EXTENSIONS.contains(&e.as_str()))
}

/// The extension a file of this (lower-case) extension has once sealed, going by its name: a
/// template becomes a document, a document keeps its own.
pub fn sealed_extension(ext: &str) -> &str {
    match ext {
        "dotx" => "docx",
        "dotm" => "docm",
        "xltx" => "xlsx",
        "xltm" => "xlsm",
        other => other,
    }
}

/// The documents under `dir`, sorted, each with its relative path. Whatever is named as a
/// document is taken as one: a symbolic link is read through, and one that leads nowhere or to a
/// folder, or a pipe or a device, fails with its reason in the report instead of vanishing from
/// it. A link to a folder is not followed, since one to an ancestor would walk the tree for ever.
pub fn documents(dir: &Path, recursive: bool) -> Result<Vec<(PathBuf, PathBuf)>> {
    let meta = std::fs::metadata(dir).map_err(|e| Error::io(dir, e))?;
    if !meta.is_dir() {
        return Err(Error::arg(dir.display().to_string(), "not a folder"));
    }
    let mut out = Vec::new();
    let mut pending = vec![dir.to_path_buf()];
    while let Some(d) = pending.pop() {
        for entry in std::fs::read_dir(&d).map_err(|e| Error::io(&d, e))? {
            let entry = entry.map_err(|e| Error::io(&d, e))?;
            let path = entry.path();
            let kind = entry.file_type().map_err(|e| Error::io(&path, e))?;
            if kind.is_dir() {
                if recursive {
                    pending.push(path);
                }
            } else if is_document(&path) {
                let relative = path.strip_prefix(dir).unwrap_or(&path).to_path_buf();
                out.push((path, relative));
            }
        }
    }
    out.sort();
    Ok(out)
}

/// The jobs of a batch. The output folder may not lie inside the input folder (a second run would
/// take the outputs for inputs).
pub fn jobs(in_dir: &Path, out_dir: &Path, recursive: bool) -> Result<Vec<Job>> {
    let abs = |p: &Path| std::fs::canonicalize(p).unwrap_or_else(|_| p.to_path_buf());
    let (input, output) = (abs(in_dir), abs(out_dir));
    if output.starts_with(&input) {
        return Err(Error::arg(
            "-o",
            format!(
                "the output folder {} must not be inside the input folder {}",
                out_dir.display(),
                in_dir.display()
            ),
        ));
    }
    if out_dir.exists() && !out_dir.is_dir() {
        return Err(Error::arg(
            "-o",
            format!("{} is not a folder", out_dir.display()),
        ));
    }
    Ok(documents(in_dir, recursive)?
        .into_iter()
        .map(|(input, relative)| Job {
            input,
            relative,
            out_dir: out_dir.to_path_buf(),
        })
        .collect())
}
