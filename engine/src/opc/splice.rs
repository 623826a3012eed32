//! Deflating a changed part again while keeping its unchanged beginning as it was compressed.
//!
//! A stamp changes one part near its end (the seal's anchor goes before `w:sectPr`, or into the
//! last rows of a sheet), and deflating all of a 1.5 MB `document.xml` again cost about 16 ms,
//! most of the work of a stamp (issue 9). A deflate stream is a series of blocks (RFC 1951
//! §3.2.3), and a back-reference reaches at most 32 KiB back ("distances are limited to 32K
//! bytes", §2). So the blocks that end before the first changed byte are kept bit for bit, the
//! rest is deflated with the 32 KiB before it as a preset dictionary, and the two are joined by
//! an empty stored block, which brings the stream to a byte boundary ("any bits of input up to
//! the next byte boundary are ignored", §3.2.4; what zlib's `examples/gzappend.c` does).
//!
//! Only zlib's `Z_BLOCK` mode tells where a block ends to the bit (`data_type`, zlib.h), and
//! neither flate2 nor zlib-rs's safe API passes it on; this module is the one place that calls
//! zlib-rs's C API, so it is allowed `unsafe` (as are `c14n::subset`, libxml2's callback, and
//! `opc::prefault`, one madvise; nothing else is).

#![allow(unsafe_code)]

use std::mem::size_of;

use flate2::{Compress, Compression, FlushCompress, FlushDecompress, Status};
use libz_rs_sys as zlib;

/// Below this, deflating the whole part costs less than looking for its blocks.
const WORTH_SPLICING: usize = 64 * 1024;
/// Deflate's window (RFC 1951 §2): the preset dictionary of the re-deflated tail.
const WINDOW: usize = 32 * 1024;
const CHUNK: usize = 64 * 1024;

/// A raw deflate stream of `new` that keeps the blocks of `old_raw` (the stored deflate data of
/// the part's earlier content) that end before the first byte where the contents differ.
/// `None` when nothing is worth keeping or the old stream is not what it should be; the caller
/// then deflates the whole part.
pub fn splice(old_raw: &[u8], new: &[u8], level: u32) -> Option<Vec<u8>> {
    if new.len() < WORTH_SPLICING {
        return None;
    }
    let keep = last_boundary_before_change(old_raw, new)?;
    if keep.out_pos < WORTH_SPLICING as u64 {
        return None;
    }
    let kept_bytes = (keep.bit_pos / 8) as usize;
    let kept_bits = (keep.bit_pos % 8) as u32;
    let mut out = Vec::with_capacity(kept_bytes + 16 + (new.len() - keep.out_pos as usize) / 3);
    out.extend_from_slice(old_raw.get(..kept_bytes)?);
    // An empty stored block: BFINAL 0 and BTYPE 00 (three zero bits), zero bits up to the byte
    // boundary, then LEN 0 and NLEN 0xFFFF (RFC 1951 §3.2.4).
    if kept_bits > 0 {
        let last = old_raw.get(kept_bytes)? & ((1u8 << kept_bits) - 1);
        out.push(last);
        if kept_bits > 5 {
            // The three header bits do not fit in what is left of that byte.
            out.push(0);
        }
    } else {
        out.push(0);
    }
    out.extend_from_slice(&[0x00, 0x00, 0xFF, 0xFF]);

    let from = keep.out_pos as usize;
    let dictionary = &new[from.saturating_sub(WINDOW)..from];
    let tail_at = out.len();
    let mut tail = Compress::new(Compression::new(level), false);
    tail.set_dictionary(dictionary).ok()?;
    out.reserve(new.len() - from + 64);
    let mut input = &new[from..];
    loop {
        out.reserve(CHUNK);
        let before = tail.total_in();
        let status = tail
            .compress_vec(input, &mut out, FlushCompress::Finish)
            .ok()?;
        input = &input[(tail.total_in() - before) as usize..];
        if status == Status::StreamEnd {
            break;
        }
    }
    // The kept blocks were just read back to the byte; the new tail is read back too, from the
    // same dictionary, since a wrong byte would store a document other than the one signed.
    // (The tests read whole spliced streams back, on every bit offset of the join.)
    let mut check = flate2::Decompress::new(false);
    check.set_dictionary(dictionary).ok()?;
    inflates_to(check, &out[tail_at..], &new[from..]).then_some(out)
}

/// Where a block of the old stream ends: the bit in the compressed data and the byte of output.
#[derive(Debug, Clone, Copy)]
struct Boundary {
    bit_pos: u64,
    out_pos: u64,
}

/// The last block boundary of `old_raw` (not the stream's end) at or before the first byte
/// where its content and `new` differ.
fn last_boundary_before_change(old_raw: &[u8], new: &[u8]) -> Option<Boundary> {
    let mut inflater = BlockInflater::new()?;
    let mut best: Option<Boundary> = None;
    let mut buf = vec![0u8; CHUNK];
    let mut input = old_raw;
    let mut produced: usize = 0;
    loop {
        let step = inflater.step(input, &mut buf)?;
        input = &input[step.consumed..];
        let out = &buf[..step.produced];
        // Compare what the old content holds here with the new content.
        let same = common_prefix(out, new.get(produced..).unwrap_or_default());
        let changed = same < out.len();
        if !changed {
            produced += out.len();
            if step.at_block_end && !step.in_last_block {
                best = Some(Boundary {
                    bit_pos: inflater.bits_consumed(),
                    out_pos: produced as u64,
                });
            }
        }
        if changed || step.stream_end {
            return best;
        }
        if step.consumed == 0 && step.produced == 0 && !step.at_block_end {
            // Truncated or stuck: keep nothing. (A raw stream's first call may stop at once,
            // before the first block's header, having read nothing.)
            return None;
        }
    }
}

fn common_prefix(a: &[u8], b: &[u8]) -> usize {
    // Whole runs compared with memcmp first; byte by byte only in the run that differs.
    const RUN: usize = 256;
    let n = a.len().min(b.len());
    let mut i = 0;
    while i + RUN <= n && a[i..i + RUN] == b[i..i + RUN] {
        i += RUN;
    }
    i + a[i..n]
        .iter()
        .zip(&b[i..n])
        .take_while(|(x, y)| x == y)
        .count()
}

/// Whether a raw deflate stream inflates to exactly `expected` through `d`.
fn inflates_to(mut d: flate2::Decompress, raw: &[u8], expected: &[u8]) -> bool {
    let mut buf = vec![0u8; CHUNK];
    let mut input = raw;
    let mut at = 0usize;
    loop {
        let (in0, out0) = (d.total_in(), d.total_out());
        let Ok(status) = d.decompress(input, &mut buf, FlushDecompress::None) else {
            return false;
        };
        let used = (d.total_in() - in0) as usize;
        let made = (d.total_out() - out0) as usize;
        input = &input[used..];
        if expected.get(at..at + made) != Some(&buf[..made]) {
            return false;
        }
        at += made;
        match status {
            Status::StreamEnd => return at == expected.len() && input.is_empty(),
            _ if used == 0 && made == 0 => return false,
            _ => {}
        }
    }
}

/// One call of `inflate(…, Z_BLOCK)`.
struct Step {
    consumed: usize,
    produced: usize,
    /// Stopped just after a block's end-of-block code ("plus 128 if inflate() returned
    /// immediately after decoding an end-of-block code", zlib.h on `data_type`).
    at_block_end: bool,
    /// The block being decoded is the last one ("plus 64 if inflate() is currently decoding the
    /// last block in the deflate stream").
    in_last_block: bool,
    stream_end: bool,
}

/// A raw inflater through the C API, which stops at every block boundary.
struct BlockInflater {
    // Boxed: zlib's state points back at its stream, which must not move after init.
    stream: Box<zlib::z_stream>,
}

impl BlockInflater {
    fn new() -> Option<Self> {
        let mut stream = Box::new(zlib::z_stream::default());
        // SAFETY: `stream` is a default z_stream (null allocator fields: zlib-rs's own
        // allocator); -15 asks for a raw deflate stream with a 32 KiB window.
        let rc = unsafe {
            zlib::inflateInit2_(
                &mut *stream,
                -15,
                zlib::zlibVersion(),
                size_of::<zlib::z_stream>() as i32,
            )
        };
        (rc == zlib::Z_OK).then_some(BlockInflater { stream })
    }

    fn step(&mut self, input: &[u8], out: &mut [u8]) -> Option<Step> {
        let s = &mut *self.stream;
        s.next_in = input.as_ptr();
        s.avail_in = u32::try_from(input.len()).unwrap_or(u32::MAX);
        s.next_out = out.as_mut_ptr();
        s.avail_out = u32::try_from(out.len()).unwrap_or(u32::MAX);
        let (in0, out0) = (s.avail_in, s.avail_out);
        // SAFETY: the stream was initialised by inflateInit2_; next_in/avail_in and
        // next_out/avail_out describe live slices borrowed for this call only.
        let rc = unsafe { zlib::inflate(s, zlib::Z_BLOCK) };
        let consumed = (in0 - s.avail_in) as usize;
        let produced = (out0 - s.avail_out) as usize;
        s.next_in = std::ptr::null();
        s.avail_in = 0;
        s.next_out = std::ptr::null_mut();
        s.avail_out = 0;
        match rc {
            zlib::Z_OK | zlib::Z_BUF_ERROR | zlib::Z_STREAM_END => Some(Step {
                consumed,
                produced,
                at_block_end: s.data_type & 128 != 0,
                in_last_block: s.data_type & 64 != 0,
                stream_end: rc == zlib::Z_STREAM_END,
            }),
            _ => None,
        }
    }

    /// Bits of input used so far: the bytes taken, less the bits still held unread ("the number
    /// of unused bits in the last byte taken", zlib.h; zlib-rs may hold more than a byte's).
    fn bits_consumed(&self) -> u64 {
        let s = &*self.stream;
        s.total_in * 8 - (s.data_type & 63) as u64
    }
}

impl Drop for BlockInflater {
    fn drop(&mut self) {
        // SAFETY: initialised in `new`, ended once here.
        unsafe {
            zlib::inflateEnd(&mut *self.stream);
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::*;
    use std::io::Write;

    fn raw_inflater() -> flate2::Decompress {
        flate2::Decompress::new(false)
    }

    fn deflate(data: &[u8], level: u32) -> Vec<u8> {
        let mut e = flate2::write::DeflateEncoder::new(Vec::new(), Compression::new(level));
        e.write_all(data).unwrap();
        e.finish().unwrap()
    }

    fn text(seed: u64, len: usize) -> Vec<u8> {
        let words = [
            "seal ",
            "contract ",
            "party ",
            "<w:t>",
            "</w:t>",
            "印章 ",
            "2026 ",
        ];
        let mut x = seed;
        let mut out = Vec::new();
        while out.len() < len {
            x ^= x << 13;
            x ^= x >> 7;
            x ^= x << 17;
            out.extend_from_slice(words[(x % words.len() as u64) as usize].as_bytes());
        }
        out
    }

    #[test]
    fn an_edit_near_the_end_keeps_the_blocks_before_it() {
        // zlib-rs's level 1 writes one block for megabytes: nothing to keep, deflated whole.
        for level in [2, 3, 6, 9] {
            let old = text(7, 1_500_000);
            let raw = deflate(&old, level);
            let mut new = old.clone();
            let at = old.len() - 2_000;
            new.splice(at..at, b"<w:drawing>the seal</w:drawing>".iter().copied());
            let spliced = splice(&raw, &new, 3).unwrap();
            assert!(inflates_to(raw_inflater(), &spliced, &new), "level {level}");
            // Most of the old compressed bytes are there unchanged.
            let same = common_prefix(&raw, &spliced);
            assert!(
                same > raw.len() * 4 / 5,
                "level {level}: kept {same} of {}",
                raw.len()
            );
        }
    }

    #[test]
    fn every_boundary_bit_offset_joins_cleanly() {
        // Different seeds and edit points land block ends on every bit of a byte.
        let mut bits_seen = [false; 8];
        for seed in 1..40u64 {
            let old = text(seed, 600_000 + seed as usize * 997);
            let raw = deflate(&old, 3);
            let mut new = old.clone();
            let at = old.len() - (seed as usize * 4093) % 150_000;
            new.truncate(at);
            new.extend_from_slice(b"changed end");
            let keep = last_boundary_before_change(&raw, &new).unwrap();
            bits_seen[(keep.bit_pos % 8) as usize] = true;
            let spliced = splice(&raw, &new, 3).unwrap();
            assert!(inflates_to(raw_inflater(), &spliced, &new), "seed {seed}");
        }
        assert_eq!(bits_seen, [true; 8], "block ends on every bit offset");
    }

    #[test]
    fn a_change_at_the_start_or_a_broken_stream_keeps_nothing() {
        let old = text(3, 400_000);
        let raw = deflate(&old, 6);
        let mut new = old.clone();
        new[10] = b'X';
        assert!(splice(&raw, &new, 3).is_none());
        assert!(
            splice(&raw[..raw.len() / 2], &old, 3).is_none() || {
                // A truncated stream can only ever give a splice that reads back as `old`.
                inflates_to(
                    raw_inflater(),
                    &splice(&raw[..raw.len() / 2], &old, 3).unwrap(),
                    &old,
                )
            }
        );
        assert!(splice(b"not deflate at all, not at all", &old, 3).is_none());
        // Appending only: everything but the last block is kept.
        let mut longer = old.clone();
        longer.extend_from_slice(&text(4, 100_000));
        let spliced = splice(&raw, &longer, 3).unwrap();
        assert!(inflates_to(raw_inflater(), &spliced, &longer));
    }
}
