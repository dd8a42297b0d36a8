//! Declared HS codes as arbitrary strings: parsing must never panic, and a
//! code that parses is 2, 4, 6, 8 or 10 ASCII digits of a real chapter.
#![no_main]

use dualuse::hs::{check_digits, parse_declared};
use libfuzzer_sys::fuzz_target;

fuzz_target!(|data: &[u8]| {
    let Ok(s) = std::str::from_utf8(data) else {
        return;
    };
    match parse_declared(s) {
        Ok(Some(d)) => {
            assert!(d.bytes().all(|b| b.is_ascii_digit()), "{s:?} -> {d:?}");
            assert!(matches!(d.len(), 2 | 4 | 6 | 8 | 10), "{s:?} -> {d:?}");
            assert!(check_digits(&d).is_ok(), "{s:?} -> {d:?}");
        }
        Ok(None) => {}
        Err(e) => {
            let _ = e.to_string();
        }
    }
});
