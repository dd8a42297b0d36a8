//! Limits that keep hostile input from exhausting memory or time: rule
//! files (what exceeds them is an `E010` diagnostic at its place) and the
//! tables screened (what exceeds them rejects its row, or stops the run,
//! with the row or file named). `SECURITY.md` lists each with its error.

// Rule files.

/// Largest rule file accepted, in bytes.
pub const MAX_FILE_BYTES: usize = 32 << 20;
/// Longest term, in bytes after normalisation.
pub const MAX_TERM_BYTES: usize = 512;
/// Most terms across all loaded rule sets.
pub const MAX_TERMS: usize = 2_000_000;
/// Most patterns across all loaded rule sets.
pub const MAX_PATTERNS: usize = 20_000;
/// Compiled size limit of one pattern, in bytes.
pub const MAX_REGEX_BYTES: usize = 1 << 20;
/// Compiled size limit of the one set of the patterns that run on every
/// line (those without a trigger literal), in bytes, and of its lazy DFA's
/// cache.
pub const MAX_PATTERN_SET_BYTES: usize = 64 << 20;
/// Longest pattern source, in bytes.
pub const MAX_PATTERN_SOURCE: usize = 4096;
/// Most `all` groups in one rule.
pub const MAX_ALL_GROUPS: usize = 32;

// Input tables.

/// Largest single field accepted; a longer one rejects its row.
pub const MAX_FIELD_BYTES: usize = 1 << 20;
/// Most columns in a row; a wider row is rejected.
pub const MAX_COLUMNS: usize = 10_000;
/// Default limit on the decompressed size of a compressed input, in bytes.
pub const MAX_DECOMPRESSED_BYTES: u64 = 1 << 40;
/// Default limit on the ratio of decompressed to compressed bytes, once
/// more than 1 GiB has come out of the decoder (a decompression bomb).
pub const MAX_DECOMPRESSION_RATIO: u64 = 1000;
/// Bytes, from the first non-ASCII byte on, that decide the encoding
/// with [`Encoding::Auto`](crate::input::Encoding::Auto) (or the whole rest
/// of the input when it is shorter).
pub const ENCODING_SAMPLE_BYTES: usize = 1 << 20;
/// Deepest XML nesting accepted in an `.xlsx` workbook part (a real
/// worksheet nests about eight deep).
pub const MAX_XML_DEPTH: usize = 64;
