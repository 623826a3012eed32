//! One thing a verification found: how bad, a stable code a program can act on, the part it
//! concerns, and words for a person.

use serde::Serialize;

#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "lowercase")]
pub enum Severity {
    Error,
    Warning,
    Info,
}

#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Finding {
    pub severity: Severity,
    /// Stable kebab-case name a program can act on.
    pub code: &'static str,
    #[serde(skip_serializing_if = "Option::is_none")]
    pub part: Option<String>,
    pub message: String,
}

impl Finding {
    pub fn error(code: &'static str, part: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Error,
            code,
            part: part.map(str::to_string),
            message: message.into(),
        }
    }
    pub fn warning(code: &'static str, part: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Warning,
            code,
            part: part.map(str::to_string),
            message: message.into(),
        }
    }
    pub fn info(code: &'static str, part: Option<&str>, message: impl Into<String>) -> Self {
        Finding {
            severity: Severity::Info,
            code,
            part: part.map(str::to_string),
            message: message.into(),
        }
    }
}
