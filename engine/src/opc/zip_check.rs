//! One reading of the archive's bytes. A ZIP can be read from its central directory (as Office,
//! LibreOffice and the zip crate do) or by walking its local headers from the start (as stream
//! readers do); a package is accepted only when both readings agree exactly, so that nobody can
//! show Word one set of parts and the verifier another (the "parser differential" attacks of
//! "Every Signature is Broken", USENIX Security 2023).
//!
//! Checked (APPNOTE.TXT 6.3.x §4.3): the local headers, data and data descriptors of the entries
//! the central directory lists, then the central directory, then the ZIP64 end records when
//! present, then the end-of-central-directory record and its comment, tile the file exactly — no
//! byte before, between or after them that no entry accounts for (an unlisted local entry, a second
//! archive, a second end record); each local header names the same entry, with the same method,
//! flags, CRC and sizes, as its central record; and no entry is encrypted.

use crate::error::{Error, Result};

const LOCAL: u32 = 0x0403_4b50;
const CENTRAL_END: u32 = 0x0605_4b50;
const ZIP64_END: u32 = 0x0606_4b50;
const ZIP64_LOCATOR: u32 = 0x0706_4b50;
const DESCRIPTOR: u32 = 0x0807_4b50;

/// What the central directory says of one entry (from the zip crate's reading of it).
pub struct CentralEntry<'a> {
    pub name: &'a [u8],
    pub header_start: u64,
    pub data_start: u64,
    pub method: u16,
    pub crc32: u32,
    pub compressed_size: u64,
    pub size: u64,
}

fn refuse(name: &[u8], rule: &str) -> Error {
    Error::AmbiguousZip {
        entry: String::from_utf8_lossy(name).into_owned(),
        rule: rule.to_string(),
    }
}

fn u16_at(b: &[u8], at: usize) -> Option<u16> {
    Some(u16::from_le_bytes(b.get(at..at + 2)?.try_into().ok()?))
}
fn u32_at(b: &[u8], at: usize) -> Option<u32> {
    Some(u32::from_le_bytes(b.get(at..at + 4)?.try_into().ok()?))
}
fn u64_at(b: &[u8], at: usize) -> Option<u64> {
    Some(u64::from_le_bytes(b.get(at..at + 8)?.try_into().ok()?))
}

/// The end records: (central directory start, its end, where the end records start, the number
/// of central directory records they announce).
fn end_records(b: &[u8]) -> Result<(u64, u64, u64, u64)> {
    let whole = |rule: &str| refuse(b"(archive)", rule);
    // The end record is the one whose comment runs exactly to the end of the file.
    let lowest = b.len().saturating_sub(22 + 0xFFFF);
    let eocd = (lowest..=b.len().saturating_sub(22))
        .rev()
        .find(|&o| {
            u32_at(b, o) == Some(CENTRAL_END)
                && u16_at(b, o + 20).is_some_and(|c| o + 22 + c as usize == b.len())
        })
        .ok_or_else(|| whole("no end-of-central-directory record ends the file"))?;
    let records = u16_at(b, eocd + 10).unwrap_or(0) as u64;
    let cd_size = u32_at(b, eocd + 12).unwrap_or(0) as u64;
    let cd_start = u32_at(b, eocd + 16).unwrap_or(0) as u64;
    let zip64 = eocd >= 20 && u32_at(b, eocd - 20) == Some(ZIP64_LOCATOR);
    if !zip64 {
        return Ok((cd_start, cd_start + cd_size, eocd as u64, records));
    }
    // ZIP64 (§4.3.14, §4.3.15): the locator points at the ZIP64 end record, which holds the sizes.
    let record = u64_at(b, eocd - 20 + 8).unwrap_or(u64::MAX);
    let r =
        usize::try_from(record).map_err(|_| whole("a ZIP64 locator points outside the file"))?;
    if u32_at(b, r) != Some(ZIP64_END) {
        return Err(whole(
            "the ZIP64 locator does not point at a ZIP64 end record",
        ));
    }
    let record_len = u64_at(b, r + 4).unwrap_or(0) + 12;
    if r as u64 + record_len != (eocd - 20) as u64 {
        return Err(whole("bytes between the ZIP64 end record and its locator"));
    }
    let records = u64_at(b, r + 32).unwrap_or(0);
    let cd_size = u64_at(b, r + 40).unwrap_or(0);
    let cd_start = u64_at(b, r + 48).unwrap_or(0);
    Ok((cd_start, cd_start + cd_size, record, records))
}

/// The ZIP64 sizes of a local header's extra field (§4.5.3), when it has them.
fn zip64_sizes(extra: &[u8]) -> Option<(u64, u64)> {
    let mut at = 0;
    while at + 4 <= extra.len() {
        let id = u16_at(extra, at)?;
        let len = u16_at(extra, at + 2)? as usize;
        if id == 0x0001 && len >= 16 {
            return Some((u64_at(extra, at + 4)?, u64_at(extra, at + 12)?));
        }
        at += 4 + len;
    }
    None
}

/// Checks the archive `b` against its central directory `entries`.
pub fn check(b: &[u8], entries: &mut [CentralEntry]) -> Result<()> {
    let (cd_start, cd_end, ends_start, records) = end_records(b)?;
    if records != entries.len() as u64 {
        // A reader that keeps every record sees an entry the name-keyed reading dropped.
        return Err(refuse(
            b"(central directory)",
            &format!(
                "it lists {records} records but only {} distinct entries (an entry listed twice?)",
                entries.len()
            ),
        ));
    }
    entries.sort_by_key(|e| e.header_start);
    let mut expected = 0u64;
    for e in entries.iter() {
        let bad = |rule: &str| refuse(e.name, rule);
        if e.header_start != expected {
            return Err(bad(if e.header_start > expected {
                "bytes before it that no entry accounts for (an unlisted entry, or a second archive?)"
            } else {
                "it overlaps another entry"
            }));
        }
        let h = usize::try_from(e.header_start).map_err(|_| bad("offset out of range"))?;
        if u32_at(b, h) != Some(LOCAL) {
            return Err(bad("no local header where the central directory says"));
        }
        let flags = u16_at(b, h + 6).unwrap_or(0);
        if flags & 0x0001 != 0 || flags & 0x0040 != 0 {
            return Err(bad("it is encrypted"));
        }
        if flags & 0x2000 != 0 {
            return Err(bad("its local header is masked"));
        }
        if u16_at(b, h + 8) != Some(e.method) {
            return Err(bad(
                "the local header and the central directory give different compression methods",
            ));
        }
        let name_len = u16_at(b, h + 26).unwrap_or(0) as usize;
        let extra_len = u16_at(b, h + 28).unwrap_or(0) as usize;
        if b.get(h + 30..h + 30 + name_len) != Some(e.name) {
            return Err(bad(
                "the local header names another entry than the central directory",
            ));
        }
        let data = (h + 30 + name_len + extra_len) as u64;
        if data != e.data_start {
            return Err(bad("its data does not start where its local header ends"));
        }
        let extra = b
            .get(h + 30 + name_len..h + 30 + name_len + extra_len)
            .unwrap_or(&[]);
        let data_end = data
            .checked_add(e.compressed_size)
            .filter(|&end| end <= b.len() as u64)
            .ok_or_else(|| bad("its data runs past the end of the file"))?;
        let mut next = data_end;
        if flags & 0x0008 != 0 {
            next += descriptor_len(b, data_end, extra, e)?;
        } else {
            let crc = u32_at(b, h + 14);
            let (mut csize, mut size) = (
                u32_at(b, h + 18).unwrap_or(0) as u64,
                u32_at(b, h + 22).unwrap_or(0) as u64,
            );
            if csize == 0xFFFF_FFFF || size == 0xFFFF_FFFF {
                if let Some((s, c)) = zip64_sizes(extra) {
                    (size, csize) = (s, c);
                }
            }
            if (crc, csize, size) != (Some(e.crc32), e.compressed_size, e.size) {
                return Err(bad(
                    "the local header and the central directory disagree on CRC or sizes",
                ));
            }
        }
        expected = next;
    }
    let whole = |rule: &str| refuse(b"(archive)", rule);
    if cd_start != expected {
        return Err(whole(if cd_start > expected {
            "bytes between the last entry and the central directory that no entry accounts for"
        } else {
            "the central directory overlaps an entry"
        }));
    }
    if cd_end != ends_start {
        return Err(whole(
            "bytes between the central directory and its end record (a second directory?)",
        ));
    }
    Ok(())
}

/// The length of the data descriptor after an entry's data (APPNOTE §4.3.9), checked against
/// the central directory: sizes and CRC with or without the descriptor's signature, 4-byte or
/// (for ZIP64 entries) 8-byte sizes.
fn descriptor_len(b: &[u8], data_end: u64, extra: &[u8], e: &CentralEntry) -> Result<u64> {
    // Sizes and CRC follow the data in a descriptor (§4.3.9), with or without its signature,
    // 4-byte or (for ZIP64 entries) 8-byte sizes.
    let d = data_end as usize;
    let sig = usize::from(u32_at(b, d) == Some(DESCRIPTOR)) * 4;
    let wide =
        zip64_sizes(extra).is_some() || e.compressed_size >= 0xFFFF_FFFF || e.size >= 0xFFFF_FFFF;
    let (crc, csize, size, len) = if wide {
        (
            u32_at(b, d + sig),
            u64_at(b, d + sig + 4),
            u64_at(b, d + sig + 12),
            sig + 20,
        )
    } else {
        (
            u32_at(b, d + sig),
            u32_at(b, d + sig + 4).map(u64::from),
            u32_at(b, d + sig + 8).map(u64::from),
            sig + 12,
        )
    };
    if (crc, csize, size) != (Some(e.crc32), Some(e.compressed_size), Some(e.size)) {
        return Err(refuse(
            e.name,
            "its data descriptor and the central directory disagree on CRC or sizes",
        ));
    }
    Ok(len as u64)
}
