//! Watching a part's bytes stream by for a few needles ("instrText", "dataBinding"), across
//! chunk boundaries, so that a part is inflated once whether or not anyone looks inside it.

/// Looks for a few needles in a stream of chunks, across chunk boundaries.
pub(crate) struct NeedleWatch<'a> {
    needles: &'a [&'a [u8]],
    search: Search<'a>,
    /// The longest needle's length: a needle across two chunks starts in the last `longest - 1`
    /// bytes of the first.
    longest: usize,
    tail: Vec<u8>,
    /// Bit `i` set when `needles[i]` was seen.
    pub(crate) found: u32,
}

/// All needles in one pass (aho-corasick's packed SIMD searcher, Teddy) where the CPU has it,
/// else one memmem pass per needle. On a 1.8 MB document.xml the one pass takes about half the
/// time of four (0.25 ms against 0.55 ms): the digest of the largest part is the verifier's
/// critical path (issue 9, process start).
///
/// Teddy is given only the first [`PREFIX`] bytes of each needle and every hit is checked against
/// the whole needles: Teddy compares as many bytes per position as its shortest pattern has (up to
/// four), and three make the pass about a quarter faster (0.30 against 0.42 ms on that
/// document.xml; 1.9 against 2.3 ms on 8.5 MB of the test corpus's document and sheet parts, where
/// 658 three-byte hits needed checking instead of 50).
enum Search<'a> {
    Packed(aho_corasick::packed::Searcher),
    Each(Vec<memchr::memmem::Finder<'a>>),
}

/// How many leading bytes of each needle Teddy looks for (see [`Search`]).
const PREFIX: usize = 3;

impl<'a> NeedleWatch<'a> {
    pub(crate) fn new(needles: &'a [&'a [u8]]) -> Self {
        let packed = (!needles.is_empty())
            .then(|| {
                aho_corasick::packed::Searcher::new(
                    needles.iter().map(|n| &n[..n.len().min(PREFIX)]),
                )
            })
            .flatten();
        NeedleWatch {
            search: match packed {
                Some(p) => Search::Packed(p),
                None => Search::Each(needles.iter().map(memchr::memmem::Finder::new).collect()),
            },
            needles,
            longest: needles.iter().map(|n| n.len()).max().unwrap_or(1),
            tail: Vec::new(),
            found: 0,
        }
    }

    pub(crate) fn all_found(&self) -> bool {
        self.found.count_ones() as usize == self.needles.len()
    }

    fn look(&mut self, haystack: &[u8]) {
        match &self.search {
            Search::Packed(p) => {
                // Matches come leftmost-first and do not overlap: search again from the next
                // byte, and note every needle that starts where one was found, so that no needle
                // hides another.
                let mut at = 0;
                while let Some(m) =
                    p.find_in(haystack, aho_corasick::Span::from(at..haystack.len()))
                {
                    for (i, n) in self.needles.iter().enumerate() {
                        if haystack[m.start()..].starts_with(n) {
                            self.found |= 1 << i;
                        }
                    }
                    if self.all_found() {
                        break;
                    }
                    at = m.start() + 1;
                }
            }
            Search::Each(finders) => {
                for (i, f) in finders.iter().enumerate() {
                    if self.found & (1 << i) == 0 && f.find(haystack).is_some() {
                        self.found |= 1 << i;
                    }
                }
            }
        }
    }

    pub(crate) fn feed(&mut self, chunk: &[u8]) {
        if self.all_found() {
            return;
        }
        let keep = self.longest - 1;
        // The end of the previous chunk joined to the start of this one, for needles across them.
        let mut seam = std::mem::take(&mut self.tail);
        seam.extend_from_slice(&chunk[..chunk.len().min(keep)]);
        self.look(&seam);
        self.look(chunk);
        // The last `keep` bytes seen, which may reach back before this (short) chunk.
        if chunk.len() >= keep {
            self.tail = chunk[chunk.len() - keep..].to_vec();
        } else {
            // The seam holds the old tail and the whole chunk.
            self.tail = seam[seam.len().saturating_sub(keep)..].to_vec();
        }
    }
}

#[cfg(test)]
#[allow(clippy::unwrap_used)]
mod tests {
    use super::NeedleWatch;

    #[test]
    fn finds_needles_across_chunks() {
        let needles: &[&[u8]] = &[b"instr", b"dataBinding"];
        let mut w = NeedleWatch::new(needles);
        w.feed(b"<w:ins");
        assert_eq!(w.found, 0);
        w.feed(b"trText>");
        assert_eq!(w.found, 0b01);
        let mut w = NeedleWatch::new(needles);
        for c in [&b"data"[..], b"Bind", b"ing"] {
            w.feed(c);
        }
        assert_eq!(w.found, 0b10);
        let mut w = NeedleWatch::new(needles);
        w.feed(b"nothing here at all");
        assert_eq!(w.found, 0);
    }

    #[test]
    fn no_needle_hides_another() {
        // One needle inside another, one starting where another does, and two overlapping.
        let needles: &[&[u8]] = &[b"signatureline", b"nature", b"sign", b"linexyz", b"xyzzy"];
        let mut w = NeedleWatch::new(needles);
        w.feed(b"<o:signatureline/>");
        assert_eq!(w.found, 0b00111);
        let mut w = NeedleWatch::new(needles);
        w.feed(b"linexyzzy");
        assert_eq!(w.found, 0b11000);
    }

    #[test]
    fn a_needles_first_bytes_alone_are_not_the_needle() {
        // Teddy looks for three-byte prefixes: each hit is held to the whole needle, also where
        // the prefix ends one chunk and the rest of the needle would start the next.
        let needles: &[&[u8]] = &[b"instr", b"dataBinding", b"signatureline"];
        let mut w = NeedleWatch::new(needles);
        w.feed(b"<w:ins w:id=\"1\"/> insurance data date design signal sign");
        assert_eq!(w.found, 0);
        w.feed(b"atures instance dataBindin");
        assert_eq!(w.found, 0);
        w.feed(b"x ins");
        w.feed(b"tr");
        assert_eq!(w.found, 0b001);
        w.feed(b"and signatureLine and signatureline");
        assert_eq!(w.found, 0b101);
    }
}
