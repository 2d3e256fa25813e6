//! Rules for the text a service stores: no NUL (PostgreSQL cannot hold it), and what counts as
//! blank. A text is blank when it has nothing a reader can see: only whitespace, and characters
//! that Unicode says to draw as nothing (Default_Ignorable_Code_Point, DerivedCoreProperties.txt,
//! Unicode 16) or that fonts draw as an empty cell (U+2800 BRAILLE PATTERN BLANK, the Hangul
//! fillers). Written out here rather than taken from a crate: the set is small and stable, and it
//! is exactly the one the OpenAPI `pattern` of a title repeats ([`VISIBLE_PATTERN`]). It holds the
//! Basic Multilingual Plane's ignorables only: an ECMA-262 pattern without the `u` flag cannot
//! name the supplementary planes' (tags U+E0000-E0FFF, U+1BCA0-1BCA3, U+1D173-1D17A), and the
//! document and the code must agree, so those three rare ranges count as visible.

use validator::ValidationError;

/// Characters drawn as nothing, or as an empty cell, that are not `char::is_whitespace`.
const INVISIBLE: &[(char, char)] = &[
    ('\u{00AD}', '\u{00AD}'), // soft hyphen
    ('\u{034F}', '\u{034F}'), // combining grapheme joiner
    ('\u{061C}', '\u{061C}'), // Arabic letter mark
    ('\u{115F}', '\u{1160}'), // Hangul choseong and jungseong fillers
    ('\u{17B4}', '\u{17B5}'), // Khmer inherent vowels
    ('\u{180B}', '\u{180F}'), // Mongolian variation selectors and vowel separator
    ('\u{200B}', '\u{200F}'), // zero-width space, joiners, direction marks
    ('\u{202A}', '\u{202E}'), // bidirectional embeddings and overrides
    ('\u{2060}', '\u{206F}'), // word joiner, invisible operators, bidi isolates
    ('\u{2800}', '\u{2800}'), // braille pattern blank
    ('\u{3164}', '\u{3164}'), // Hangul filler
    ('\u{FE00}', '\u{FE0F}'), // variation selectors
    ('\u{FEFF}', '\u{FEFF}'), // zero-width no-break space (BOM)
    ('\u{FFA0}', '\u{FFA0}'), // halfwidth Hangul filler
    ('\u{FFF0}', '\u{FFF8}'), // unassigned, default ignorable
];

/// The OpenAPI `pattern` of a text that must have visible content: one character that is neither
/// whitespace, NUL nor in [`INVISIBLE`]. (Repeated as a literal where `#[schema(pattern)]` needs one.)
pub const VISIBLE_PATTERN: &str = r"^[^\u0000]*[^\s\u0000\u0085\u00AD\u034F\u061C\u115F\u1160\u17B4\u17B5\u180B-\u180F\u200B-\u200F\u202A-\u202E\u2060-\u206F\u2800\u3164\uFE00-\uFE0F\uFEFF\uFFA0\uFFF0-\uFFF8][^\u0000]*$";

/// Whether `c` is drawn as nothing (see the module's note).
pub fn is_invisible(c: char) -> bool {
    INVISIBLE.iter().any(|&(first, last)| (first..=last).contains(&c))
}

/// Whether `text` has nothing a reader can see.
pub fn is_blank(text: &str) -> bool {
    text.chars().all(|c| c.is_whitespace() || is_invisible(c))
}

/// A validator rule for text that PostgreSQL will store: it cannot hold NUL characters.
pub fn no_nul(value: &str) -> Result<(), ValidationError> {
    if value.contains('\0') {
        return Err(ValidationError::new("nul").with_message("must not contain NUL characters".into()));
    }
    Ok(())
}

/// A validator rule for text that must have visible content (and, like all stored text, no NUL).
pub fn not_blank(value: &str) -> Result<(), ValidationError> {
    if is_blank(value) {
        return Err(ValidationError::new("blank").with_message("must not be blank".into()));
    }
    no_nul(value)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn text_of_only_invisible_or_blank_looking_characters_is_blank() {
        for text in
            ["", "   ", "\u{200b}", "\u{2800}", "\u{3164}", "\u{feff}", "\u{034f}", "\u{115f}", " \u{200d}\t\u{00ad} "]
        {
            assert!(is_blank(text), "{text:?}");
        }
    }

    #[test]
    fn text_with_something_visible_is_not_blank() {
        for text in ["a", " x ", "\u{200b}b", "日本", "🙂", "\u{00a0}.\u{00a0}"] {
            assert!(!is_blank(text), "{text:?}");
        }
    }

    #[test]
    fn every_range_is_ordered_and_none_overlaps_whitespace() {
        for &(first, last) in INVISIBLE {
            assert!(first <= last);
            assert!(!(first..=last).any(char::is_whitespace), "{first:?}..{last:?}");
        }
    }
}
