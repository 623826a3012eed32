//! One DER tag-length-value written by hand, for the two places that need bytes the `der` crate's
//! types do not give: XAdES's IssuerSerialV2 (a GeneralNames wrapped around a Name) and the BER to
//! DER normaliser. X.690 §8.1.3: the definite form, short under 128 octets, else the fewest
//! length octets.

/// Appends `tag`, the DER length of `content`, and `content` to `out`.
pub(crate) fn write(out: &mut Vec<u8>, tag: &[u8], content: &[u8]) {
    out.extend_from_slice(tag);
    let len = content.len();
    if len < 0x80 {
        out.push(len as u8);
    } else {
        let bytes: Vec<u8> = len
            .to_be_bytes()
            .into_iter()
            .skip_while(|b| *b == 0)
            .collect();
        out.push(0x80 | bytes.len() as u8);
        out.extend(bytes);
    }
    out.extend_from_slice(content);
}

/// A single-octet-tag TLV as a new buffer.
pub(crate) fn tlv(tag: u8, content: &[u8]) -> Vec<u8> {
    let mut out = Vec::with_capacity(content.len() + 6);
    write(&mut out, &[tag], content);
    out
}
