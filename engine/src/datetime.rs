//! Times as XML signatures write them (XML Schema `dateTime`, ISO 8601): "2026-11-24T08:00:00Z".

use time::OffsetDateTime;

/// The format of XAdES SigningTime and `mdssi:SignatureTime` (in UTC, whole seconds).
pub fn format_time(t: OffsetDateTime) -> String {
    let t = t.to_offset(time::UtcOffset::UTC);
    format!(
        "{:04}-{:02}-{:02}T{:02}:{:02}:{:02}Z",
        t.year(),
        u8::from(t.month()),
        t.day(),
        t.hour(),
        t.minute(),
        t.second()
    )
}

/// Parses "2026-11-24T08:00:00Z" and the variants Office and LibreOffice write
/// (fractional seconds, offsets, no zone).
pub fn parse_time(s: &str) -> Option<OffsetDateTime> {
    use time::format_description::well_known::Rfc3339;
    let s = s.trim();
    if let Ok(t) = OffsetDateTime::parse(s, &Rfc3339) {
        return Some(t);
    }
    OffsetDateTime::parse(&format!("{s}Z"), &Rfc3339).ok()
}
