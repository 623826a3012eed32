//! BER to DER, for time-stamp tokens. CMS is BER (RFC 5652 §1.2: only the signed attributes must be
//! DER), and Java signers (BouncyCastle, behind Apache POI) write tokens with indefinite lengths
//! and a constructed eContent OCTET STRING; the `der` crate reads DER only. This normaliser makes
//! every length definite and joins constructed OCTET STRING segments into one primitive string —
//! the same content octets, so the message digest and the signature over the signed attributes
//! check exactly as before. Written here because no maintained crate converts BER to the `der`
//! crate's input; it touches nothing else (no SET re-ordering, no other type rules).

use crate::tlv::write as write_tlv;

const MAX_DEPTH: usize = 64;

/// `input` as DER, or why it is not BER.
pub fn to_der(input: &[u8]) -> Result<Vec<u8>, String> {
    let mut pos = 0;
    let mut out = Vec::with_capacity(input.len());
    element(input, &mut pos, &mut out, 0)?;
    if pos != input.len() {
        return Err("trailing bytes after the token".into());
    }
    Ok(out)
}

fn byte(input: &[u8], pos: &mut usize) -> Result<u8, String> {
    let b = *input.get(*pos).ok_or("truncated BER")?;
    *pos += 1;
    Ok(b)
}

/// One TLV at `pos`, appended to `out` in DER form.
fn element(input: &[u8], pos: &mut usize, out: &mut Vec<u8>, depth: usize) -> Result<(), String> {
    if depth > MAX_DEPTH {
        return Err("BER nested too deeply".into());
    }
    let tag_start = *pos;
    let first = byte(input, pos)?;
    if first & 0x1F == 0x1F {
        // High tag number: base-128 digits, the last without the top bit.
        while byte(input, pos)? & 0x80 != 0 {}
    }
    let tag = &input[tag_start..*pos];
    let constructed = first & 0x20 != 0;
    let len_byte = byte(input, pos)?;
    let length = match len_byte {
        0x80 if constructed => None,
        0x80 => return Err("indefinite length on a primitive value".into()),
        n if n < 0x80 => Some(n as usize),
        n => {
            let count = (n & 0x7F) as usize;
            if count > 4 {
                return Err("BER length too large".into());
            }
            let mut len = 0usize;
            for _ in 0..count {
                len = (len << 8) | byte(input, pos)? as usize;
            }
            Some(len)
        }
    };
    if !constructed {
        let len = length.unwrap_or(0);
        let end = pos
            .checked_add(len)
            .filter(|e| *e <= input.len())
            .ok_or("truncated BER")?;
        write_tlv(out, tag, &input[*pos..end]);
        *pos = end;
        return Ok(());
    }
    let mut children = Vec::new();
    match length {
        Some(len) => {
            let end = pos
                .checked_add(len)
                .filter(|e| *e <= input.len())
                .ok_or("truncated BER")?;
            while *pos < end {
                element(input, pos, &mut children, depth + 1)?;
            }
            if *pos != end {
                return Err("BER element overruns its length".into());
            }
        }
        None => loop {
            if input.get(*pos..*pos + 2) == Some(&[0, 0]) {
                *pos += 2;
                break;
            }
            if *pos >= input.len() {
                return Err("indefinite length without its end".into());
            }
            element(input, pos, &mut children, depth + 1)?;
        },
    }
    if tag == [0x24] {
        // A constructed OCTET STRING: DER has only the primitive form; its content is the
        // concatenation of the segments' contents (X.690 §8.7.3).
        let mut content = Vec::new();
        let mut p = 0;
        while p < children.len() {
            let (seg_tag, seg) = read_der(&children, &mut p)?;
            if seg_tag != 0x04 {
                return Err("a constructed OCTET STRING holds something else".into());
            }
            content.extend_from_slice(seg);
        }
        write_tlv(out, &[0x04], &content);
    } else {
        write_tlv(out, tag, &children);
    }
    Ok(())
}

/// A single-byte-tag DER TLV from normalised output.
fn read_der<'a>(buf: &'a [u8], pos: &mut usize) -> Result<(u8, &'a [u8]), String> {
    let tag = byte(buf, pos)?;
    let l = byte(buf, pos)?;
    let len = if l < 0x80 {
        l as usize
    } else {
        let mut len = 0usize;
        for _ in 0..(l & 0x7F) {
            len = (len << 8) | byte(buf, pos)? as usize;
        }
        len
    };
    let end = *pos + len;
    let content = buf.get(*pos..end).ok_or("truncated segment")?;
    *pos = end;
    Ok((tag, content))
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::to_der;

    #[test]
    fn indefinite_lengths_and_segmented_octet_strings_become_der() {
        // SEQUENCE (indefinite) { OCTET STRING (constructed, indefinite) { "ab", "c" }, NULL }
        let ber = [
            0x30, 0x80, 0x24, 0x80, 0x04, 0x02, b'a', b'b', 0x04, 0x01, b'c', 0x00, 0x00, 0x05,
            0x00, 0x00, 0x00,
        ];
        assert_eq!(
            to_der(&ber).unwrap(),
            vec![0x30, 0x07, 0x04, 0x03, b'a', b'b', b'c', 0x05, 0x00]
        );
        let der = [0x30, 0x03, 0x02, 0x01, 0x05];
        assert_eq!(to_der(&der).unwrap(), der.to_vec());
        assert!(to_der(&[0x30, 0x80, 0x02, 0x01]).is_err());
        assert!(to_der(&[0x04, 0x80, 0x00, 0x00]).is_err());
    }
}
