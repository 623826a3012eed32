//! Where a cell is on the sheet, in EMU: column widths (character units of the default font's
//! widest digit) and row heights (points), as the sheet states them (ECMA-376 Part 1 §18.3.1.13
//! `col`, §18.3.1.73 `row`, §18.3.1.81 `sheetFormatPr`).

use quick_xml::events::Event;

use super::workbook::DefaultFont;
use crate::xml::ns::SML;
use crate::xml::Scanner;

const EMU_PER_PX: f64 = 9_525.0;
const EMU_PER_PT: f64 = 12_700.0;

pub struct Geometry {
    /// Width of the widest digit of the workbook's default font, in pixels (Excel's unit).
    digit_px: f64,
    default_col: f64,
    /// (first, last, width) column ranges, zero-based.
    cols: Vec<(u32, u32, f64)>,
    default_row_pt: f64,
    /// (row, height) for rows with their own height, zero-based, in sheet order.
    rows: Vec<(u32, f64)>,
}

impl Geometry {
    /// Reads widths and heights up to row `last_row` (the rest of sheetData is not needed).
    pub fn read(xml: &str, font: &DefaultFont, last_row: u32) -> Geometry {
        let digit_px = font.digit_px();
        let mut g = Geometry {
            digit_px,
            default_col: 8.0 + 5.0 / digit_px,
            cols: vec![],
            default_row_pt: font.row_pt(),
            rows: vec![],
        };
        let mut s = Scanner::new(xml);
        while let Ok(Some(item)) = s.next_item() {
            let (Event::Empty(e) | Event::Start(e)) = &item.event else {
                continue;
            };
            let num = |k: &str| {
                s.attr(e, None, k)
                    .and_then(|v| v.trim().parse::<f64>().ok())
            };
            if s.is(e, SML, "sheetFormatPr") {
                if let Some(w) = num("defaultColWidth") {
                    g.default_col = w;
                } else if let Some(b) = num("baseColWidth") {
                    g.default_col = b + 5.0 / g.digit_px;
                }
                if let Some(h) = num("defaultRowHeight") {
                    g.default_row_pt = h;
                }
            } else if s.is(e, SML, "col") {
                if let (Some(min), Some(max), Some(w)) = (num("min"), num("max"), num("width")) {
                    g.cols.push((index(min), index(max), w));
                }
            } else if s.is(e, SML, "row") {
                let r = num("r").map(index);
                if r.is_some_and(|r| r > last_row.saturating_add(200)) {
                    break;
                }
                if let (Some(r), Some(ht)) = (r, num("ht")) {
                    g.rows.push((r, ht));
                }
            }
        }
        g
    }

    /// Width of a column in EMU (Excel: pixels = trunc((256·w + trunc(128/d)) / 256 · d) for the
    /// default font's digit width d).
    pub fn col_emu(&self, c: u32) -> f64 {
        let w = self
            .cols
            .iter()
            .find(|(a, b, _)| *a <= c && c <= *b)
            .map_or(self.default_col, |x| x.2);
        let d = self.digit_px;
        ((256.0 * w + (128.0 / d).trunc()) / 256.0 * d).trunc() * EMU_PER_PX
    }

    pub fn row_emu(&self, r: u32) -> f64 {
        self.rows
            .iter()
            .find(|(x, _)| *x == r)
            .map_or(self.default_row_pt, |x| x.1)
            * EMU_PER_PT
    }

    /// The left edge of column `c`.
    pub fn col_left(&self, c: u32) -> f64 {
        (0..c).map(|i| self.col_emu(i)).sum()
    }

    /// The top edge of row `r`: rows at the default height, corrected for those with their own.
    pub fn row_top(&self, r: u32) -> f64 {
        let custom: f64 = self
            .rows
            .iter()
            .filter(|(x, _)| *x < r)
            .map(|(_, h)| (h - self.default_row_pt) * EMU_PER_PT)
            .sum();
        r as f64 * self.default_row_pt * EMU_PER_PT + custom
    }

    /// The column holding the horizontal offset `pos`: (index, offset inside it).
    pub fn locate_col(&self, pos: f64) -> (u32, f64) {
        locate(pos, |c| self.col_emu(c), 16_383)
    }

    /// The row holding the vertical offset `pos`: (index, offset inside it).
    pub fn locate_row(&self, pos: f64) -> (u32, f64) {
        locate(pos, |r| self.row_emu(r), 1_048_575)
    }
}

/// A one-based index attribute as a zero-based index (0 and garbage read as the first).
fn index(v: f64) -> u32 {
    (v.max(1.0) as u32).saturating_sub(1)
}

fn locate(mut pos: f64, size: impl Fn(u32) -> f64, last: u32) -> (u32, f64) {
    let mut i = 0;
    pos = pos.max(0.0);
    while i < last && pos >= size(i) {
        pos -= size(i);
        i += 1;
    }
    (i, pos)
}
