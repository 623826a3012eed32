//! The batch report: one line per file — what happened, why, where the output is and its SHA-256
//! — as JSON or CSV, chosen by the report file's extension.

use std::path::{Path, PathBuf};

use serde::Serialize;

use crate::error::{Error, Result};

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "kebab-case")]
/// What became of one file.
pub enum Status {
    /// Sealed by this run.
    Sealed,
    /// A finished seal by this key was there from an earlier run.
    AlreadySealed,
    /// Not sealed; the reason says why.
    Failed,
    // Verification outcomes (`verify --recursive`) use the verdict names.
    /// Verified: valid.
    Valid,
    /// Verified: intact, but the signer is not trusted.
    Untrusted,
    /// Verified: the seal was revoked at the signature's time.
    Revoked,
    /// Verified: broken, copied or not covering what it shows.
    Invalid,
    /// Verified: no signature.
    Unsigned,
    /// Verified: the file could not be read.
    Error,
}

impl Status {
    /// The name the reports use.
    pub fn as_str(self) -> &'static str {
        match self {
            Status::Sealed => "sealed",
            Status::AlreadySealed => "already-sealed",
            Status::Failed => "failed",
            Status::Valid => "valid",
            Status::Untrusted => "untrusted",
            Status::Revoked => "revoked",
            Status::Invalid => "invalid",
            Status::Unsigned => "unsigned",
            Status::Error => "error",
        }
    }
}

#[derive(Debug, Clone, Serialize)]
/// One file's line in the report.
pub struct Outcome {
    /// The file read.
    pub input: PathBuf,
    /// The file written, if any.
    pub output: Option<PathBuf>,
    /// What became of it.
    pub status: Status,
    /// The error's or the finding's stable code.
    pub code: Option<String>,
    /// Why it failed, in a sentence with its code.
    pub reason: Option<String>,
    /// SHA-256 of the output (or of the verified file), hex.
    pub sha256: Option<String>,
}

fn csv_field(s: &str) -> String {
    if s.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", s.replace('"', "\"\""))
    } else {
        s.to_string()
    }
}

/// The report as CSV (RFC 4180).
pub fn to_csv(outcomes: &[Outcome]) -> String {
    let mut out = String::from("input,output,status,code,reason,sha256\r\n");
    for o in outcomes {
        let fields = [
            o.input.display().to_string(),
            o.output
                .as_ref()
                .map(|p| p.display().to_string())
                .unwrap_or_default(),
            o.status.as_str().to_string(),
            o.code.clone().unwrap_or_default(),
            o.reason.clone().unwrap_or_default(),
            o.sha256.clone().unwrap_or_default(),
        ];
        let line: Vec<String> = fields.iter().map(|f| csv_field(f)).collect();
        out.push_str(&line.join(","));
        out.push_str("\r\n");
    }
    out
}

/// Refuses a report path the run could not write at its end — an extension other than `.json`
/// or `.csv`, a folder that does not exist (other than `out_dir`, which the run makes), or a
/// folder, a link or a device in the report's place — before any file is read, so that an
/// hour's run does not end without its report.
pub fn check(path: &Path, out_dir: Option<&Path>) -> Result<()> {
    let refuse = |reason: String| Error::InvalidArgument {
        arg: format!("--report {}", path.display()),
        reason,
    };
    let known = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("json") || e.eq_ignore_ascii_case("csv"));
    if !known {
        return Err(refuse("expected a FILE.json or FILE.csv".into()));
    }
    crate::opc::new_file::refuse_non_file(path)?;
    match path.parent() {
        Some(dir) if !dir.as_os_str().is_empty() && !dir.is_dir() && Some(dir) != out_dir => Err(
            refuse(format!("the folder {} does not exist", dir.display())),
        ),
        _ => Ok(()),
    }
}

/// Writes the report (sorted by input) atomically: `.csv` as CSV, `.json` as JSON.
pub fn write(path: &Path, outcomes: &[Outcome]) -> Result<()> {
    let mut sorted = outcomes.to_vec();
    sorted.sort_by(|a, b| a.input.cmp(&b.input));
    let is_csv = path
        .extension()
        .is_some_and(|e| e.eq_ignore_ascii_case("csv"));
    let text = if is_csv {
        to_csv(&sorted)
    } else {
        serde_json::to_string_pretty(&sorted).map_err(|e| Error::Write(e.to_string()))? + "\n"
    };
    crate::opc::new_file::write_new_file(path, text.as_bytes(), true)
}
