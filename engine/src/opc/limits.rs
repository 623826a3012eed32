//! Reading limits for untrusted packages. A ZIP bomb, a billion-laughs part or an archive with
//! a million entries must end in an error naming the limit, never in a panic or unbounded memory.

/// Caps applied while reading a package. The defaults admit any document a person could have
/// written in Word or Excel (a 50 MB report with images, a 100 000-row workbook) and refuse
/// archives built to exhaust memory.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub struct Limits {
    /// Entries in the central directory, folders included.
    pub max_entries: usize,
    /// Inflated size of one part.
    pub max_part_size: u64,
    /// Inflated size of all parts together.
    pub max_total_size: u64,
    /// Inflated:compressed ratio, checked for parts larger than `ratio_floor`.
    pub max_ratio: u64,
    /// Parts smaller than this are never ratio-checked (tiny runs of spaces compress well).
    pub ratio_floor: u64,
    /// Element nesting in XML parts we parse.
    pub max_xml_depth: usize,
    /// Size of the input file itself.
    pub max_file_size: u64,
}

impl Default for Limits {
    fn default() -> Self {
        Limits {
            max_entries: 20_000,
            max_part_size: 1 << 30,
            max_total_size: 4 << 30,
            max_ratio: 1_000,
            ratio_floor: 1 << 20,
            max_xml_depth: 256,
            max_file_size: 2 << 30,
        }
    }
}
