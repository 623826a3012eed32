//! Names people read and type: user names that cannot pass for another, passwords that match
//! however the keyboard composed them, and text that reaches a terminal or a spreadsheet without
//! commanding it.

use unicode_normalization::UnicodeNormalization;
use unicode_security::{RestrictionLevel, RestrictionLevelDetection};

use crate::error::{Error, Result};

/// The longest user name, in characters.
const MAX_NAME: usize = 64;

/// A user name as the center keeps and compares it: NFKC (UAX #15), so that a fullwidth
/// `ｋｅｅｐｅｒ1` typed at a Chinese keyboard is `keeper1`, with surrounding spaces trimmed.
pub fn normalise(name: &str) -> String {
    name.nfkc().collect::<String>().trim().to_string()
}

/// A new user name, normalised, or why it is refused: control and format characters (zero-width
/// joiners, bidi overrides: Unicode general categories Cc, Cf, Cs, Co, Cn, Zl, Zp) and letters
/// of scripts that do not belong together (UTS #39 §5.2: more mixed than "highly restrictive",
/// which still allows Latin with Han, Kana, Bopomofo or Hangul) — a Cyrillic `е` in `kеeper1` is
/// how one name is made to look like another.
pub fn user_name(name: &str) -> Result<String> {
    let n = normalise(name);
    let refuse = |why: &str| {
        Err(Error::Invalid(format!(
            "{} is not a usable user name: {why}",
            shown(name)
        )))
    };
    if n.is_empty() || n.chars().count() > MAX_NAME {
        return refuse(&format!("1 to {MAX_NAME} characters"));
    }
    if let Some(c) = n.chars().find(|&c| invisible(c)) {
        return refuse(&format!(
            "it holds U+{:04X}, a control or formatting character that does not show",
            c as u32
        ));
    }
    if let Some(c) = n.chars().find(|&c| c.is_whitespace() && c != ' ') {
        return refuse(&format!(
            "it holds U+{:04X}, a space other than ' '",
            c as u32
        ));
    }
    let letters: String = n.chars().filter(|c| c.is_alphanumeric()).collect();
    if letters.as_str().detect_restriction_level() > RestrictionLevel::HighlyRestrictive {
        return refuse("it mixes letters of scripts that are not written together (a look-alike of another name)");
    }
    Ok(n)
}

/// A piece of text a seal shows or a person reads (a seal's name, its unit, its kind, the line
/// under its star): at most `max` characters, none of them invisible. The length matters beyond
/// looks: the seal's picture is drawn from its name, and a name of fifty thousand characters
/// held a server worker for half a minute.
pub fn label(what: &str, value: &str, max: usize) -> Result<()> {
    let n = value.chars().count();
    if n == 0 || value.trim().is_empty() {
        return Err(Error::Invalid(format!("{what} is empty")));
    }
    if n > max {
        return Err(Error::Invalid(format!(
            "{what} has {n} characters; at most {max}"
        )));
    }
    if let Some(c) = value.chars().find(|&c| invisible(c)) {
        return Err(Error::Invalid(format!(
            "{what} holds U+{:04X}, a control or formatting character that does not show",
            c as u32
        )));
    }
    Ok(())
}

/// What two names are compared by: the UTS #39 confusable skeleton of the lower-cased name, so
/// that `keeper1`, `Keeper1` and `keeper１` are one name.
pub fn skeleton(name: &str) -> String {
    let lower = normalise(name).to_lowercase();
    unicode_security::skeleton(&lower).collect()
}

/// A password as RFC 8265 §4.2 (OpaqueString) prepares and enforces it: every non-ASCII space
/// becomes U+0020, the whole is NFC, and control characters are refused. A password typed
/// composed (`é`) and decomposed (`e` + U+0301) is then the same password.
pub fn password(pass: &str) -> Result<zeroize::Zeroizing<String>> {
    let mapped: String = pass
        .chars()
        .map(|c| {
            if c.is_whitespace() && !c.is_control() {
                ' '
            } else {
                c
            }
        })
        .nfc()
        .collect();
    if mapped.chars().any(char::is_control) {
        return Err(Error::Invalid(
            "a password may not hold control characters".into(),
        ));
    }
    Ok(zeroize::Zeroizing::new(mapped))
}

/// Characters that change how text shows without showing themselves.
fn invisible(c: char) -> bool {
    use unicode_properties::{GeneralCategory as G, UnicodeGeneralCategory};
    matches!(
        c.general_category(),
        G::Control
            | G::Format
            | G::Surrogate
            | G::PrivateUse
            | G::Unassigned
            | G::LineSeparator
            | G::ParagraphSeparator
    )
}

/// Text for a terminal: control characters (C0, C1, DEL) and the invisible formatting ones
/// (bidi overrides, zero-width) written as `\u{…}`, so a name or a report's detail cannot move
/// the cursor, ring the bell, or start a line that looks like another row.
pub fn for_terminal(s: &str) -> String {
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if c.is_control() || invisible(c) {
            out.push_str(&format!("\\u{{{:04x}}}", c as u32));
        } else {
            out.push(c);
        }
    }
    out
}

/// A name in a message: quoted, with what does not show made visible.
fn shown(s: &str) -> String {
    format!("\"{}\"", for_terminal(s))
}

/// One CSV cell (RFC 4180), safe to open in a spreadsheet: a cell that starts with `=`, `+`, `-`,
/// `@`, a tab or a carriage return is a formula to Excel and LibreOffice, so it gets a leading
/// apostrophe (OWASP, "CSV Injection"); a cell holding a comma, a quote or a line break is quoted.
pub fn csv_cell(c: &str) -> String {
    let c = if c.starts_with(['=', '+', '-', '@', '\t', '\r']) {
        format!("'{c}")
    } else {
        c.to_string()
    };
    if c.contains([',', '"', '\n', '\r']) {
        format!("\"{}\"", c.replace('"', "\"\""))
    } else {
        c
    }
}

#[cfg(test)]
mod tests {
    #![allow(clippy::unwrap_used)]
    use super::*;

    #[test]
    fn look_alikes_and_invisible_characters_are_refused() {
        assert_eq!(user_name("keeper1").unwrap(), "keeper1");
        assert_eq!(user_name(" 张三 ").unwrap(), "张三");
        assert_eq!(user_name("Li Wei").unwrap(), "Li Wei");
        assert_eq!(user_name("ｋｅｅｐｅｒ1").unwrap(), "keeper1");
        assert_eq!(user_name("王wang").unwrap(), "王wang");
        // A no-break space is a space once normalised.
        assert_eq!(user_name("keeper\u{00a0}1").unwrap(), "keeper 1");
        for bad in [
            "keeper1\u{200b}",
            "kee\u{202e}1rep",
            "k\u{0435}eper1",
            "keeper\u{7}",
            "",
            "keeper\u{2028}1",
        ] {
            assert!(user_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(skeleton("Keeper1"), skeleton("ｋｅｅｐｅｒ1"));
        assert_ne!(skeleton("keeper1"), skeleton("keeper2"));
    }

    #[test]
    fn a_password_typed_composed_or_decomposed_is_one_password() {
        assert_eq!(
            *password("caf\u{e9}-secret").unwrap(),
            *password("cafe\u{301}-secret").unwrap()
        );
        assert_eq!(*password("a\u{3000}b").unwrap(), "a b");
        assert!(password("bad\u{1b}[2J").is_err());
    }

    #[test]
    fn cells_and_lines_do_not_command_what_shows_them() {
        for formula in ["=HYPERLINK(\"x\")", "+1", "-1", "@SUM(A1)", "\tx", "\rx"] {
            assert!(
                csv_cell(formula).trim_start_matches('"').starts_with('\''),
                "{formula:?}"
            );
        }
        assert_eq!(csv_cell("a,b"), "\"a,b\"");
        assert_eq!(
            for_terminal("ok\n2 forged\u{1b}[31m\u{7}"),
            "ok\\u{000a}2 forged\\u{001b}[31m\\u{0007}"
        );
        assert_eq!(for_terminal("合同专用章"), "合同专用章");
    }
}
