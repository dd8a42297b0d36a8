//! Normalisation of arbitrary text: every byte range of the normalised text
//! maps back to a range of the original that lies inside it, on character
//! boundaries, with start <= end. Reusing the buffers of a previous text
//! gives the same result as a fresh value.
#![no_main]

use dualuse::normalize::{normalize_str, Normalized};
use libfuzzer_sys::fuzz_target;

fn check_span(original: &str, n: &mut Normalized, s: usize, e: usize) {
    let (os, oe) = n.original_span(original, s, e);
    assert!(
        os <= oe,
        "span {s}..{e} -> {os}..{oe} reversed ({original:?})"
    );
    assert!(
        oe <= original.len(),
        "span {s}..{e} -> {os}..{oe} past the end {} ({original:?})",
        original.len()
    );
    assert!(
        original.is_char_boundary(os) && original.is_char_boundary(oe),
        "span {s}..{e} -> {os}..{oe} not on char boundaries ({original:?})"
    );
}

fuzz_target!(|data: &[u8]| {
    // The first byte splits the input into a previous text and this one, so
    // that buffer reuse is exercised too.
    let Some((&split, rest)) = data.split_first() else {
        return;
    };
    let Ok(all) = std::str::from_utf8(rest) else {
        return;
    };
    let mut at = (split as usize).min(all.len());
    while !all.is_char_boundary(at) {
        at -= 1;
    }
    let (previous, original) = all.split_at(at);

    let mut n = Normalized::new();
    n.normalize(previous);
    n.normalize(original);
    let text = n.as_str().to_string();
    assert_eq!(
        text,
        normalize_str(original),
        "buffer reuse changed the result"
    );
    assert!(!text.starts_with(' ') && !text.ends_with(' '), "{text:?}");

    let len = text.len();
    if len <= 200 {
        for s in 0..len {
            for e in s..=len {
                check_span(original, &mut n, s, e);
            }
        }
    } else {
        // Quadratic is too slow here: every start with a few ends, every end
        // with a few starts.
        for s in 0..len {
            for e in [s, s + 1, s + 7, len] {
                check_span(original, &mut n, s, e.min(len));
            }
        }
        for e in 0..=len {
            check_span(original, &mut n, 0, e);
            check_span(original, &mut n, e.saturating_sub(3), e);
        }
    }
    // Out-of-range and reversed ranges are clamped, never a panic.
    check_span(original, &mut n, len, len);
    check_span(original, &mut n, len + 5, len + 9);
    check_span(original, &mut n, 5, 2);
    check_span(original, &mut n, usize::MAX, usize::MAX);
    // Whole-character ranges of the normalised text map to non-empty
    // original text, unless the original is blank.
    if !text.is_empty() {
        let (os, oe) = n.original_span(original, 0, len);
        assert!(os < oe, "whole text maps to empty span ({original:?})");
    }
});
