//! Party watch lists: screening importers, exporters and consignees against
//! sanctions and company lists.
//!
//! - [`WatchlistBuilder`]: files or texts in the OpenSanctions "simple" CSV,
//!   OFAC `sdn.csv` or a plain analyst CSV ([`Format`], detected from the
//!   header) and a threshold; `build` validates every entry and reports every
//!   problem at once as [`Diagnostic`]s (`E050`...`E055`).
//! - [`Watchlist`]: compiled once, immutable, `Send + Sync`, cheap to clone
//!   (one `Arc`). [`Watchlist::screen`] matches one party field.
//! - [`PartyMatcher`]: one per worker, with a bounded cache, so that each
//!   distinct party string is matched once however often a dump repeats it.
//! - [`PartyHit`]: one match, with the keys of `party_hits` in the README.
//! - [`PARTY_COLUMNS`] and [`find_party_columns`]: which headers hold parties.
//!
//! # How a name matches
//! Both the list's names and aliases and the party field are reduced by
//! [`names::analyse`]: case, quotes and punctuation, legal forms in many
//! languages, identifiers taken out, token order ignored, Cyrillic
//! transliterated and the transliteration systems' spellings folded into a
//! skeleton. Then, in order:
//!
//! 1. `identifier`: a registration or tax number of the field (`ИНН
//!    7701234567`, `USCC 9144...`, or any unlabelled run of eight digits or
//!    more) equals one of the entry's identifiers;
//! 2. one hash lookup of the sorted skeletons: `exact` when the folded texts
//!    are equal, `normalised` when the tokens are equal before
//!    transliteration, `transliterated` otherwise;
//! 3. `fuzzy`: each token of the field finds the list's tokens that share
//!    character trigrams with it (an index over the vocabulary, never a scan
//!    of the list), the aliases holding them are the candidates, and each
//!    candidate is scored by a weighted token alignment (each field token
//!    paired with at most one alias token, similarity one minus Levenshtein
//!    over length, rarer tokens weigh more; the score is the matched weight
//!    over all weight on both sides, like rapidfuzz's `token_sort_ratio`
//!    with weights, times 0.85 per word left unpaired on either side). Hits
//!    at or above the threshold are kept. See `docs/watchlists.md`.
//!
//! # Examples
//! ```
//! use dualuse::watchlist::{Method, WatchlistBuilder};
//! let list = "name,aliases,country,identifiers,list\n\
//!             ROMASHKA SIBIR LLC,ООО Ромашка-Сибирь,RU,INN:7701234567,demo\n";
//! let wl = WatchlistBuilder::new().add_source("demo.csv", list).build()?;
//! let hits = wl.screen("consignee", "ООО \"РОМАШКА СИБИРЬ\"");
//! assert_eq!(hits[0].method, Method::Normalised);
//! let hits = wl.screen("consignee", "Sibir Romashka Co., Ltd");
//! assert_eq!(hits[0].method, Method::Normalised);
//! let hits = wl.screen("consignee", "ROMASCHKA-SIBIR'");
//! assert_eq!(hits[0].method, Method::Transliterated);
//! let hits = wl.screen("consignee", "OOO ROMASHKA SIBIT");
//! assert_eq!(hits[0].method, Method::Fuzzy);
//! let hits = wl.screen("consignee", "ООО ЛЮТИК ИНН 7701234567");
//! assert_eq!(hits[0].method, Method::Identifier);
//! assert!(wl.screen("consignee", "ROMASHKA LOGISTIK").is_empty());
//! # Ok::<(), dualuse::Error>(())
//! ```

mod columns;
mod load;
// Name analysis (also used by the report's party keys) and the generator of
// test lists and dumps (examples and tests): public for them, hidden from the
// documentation, not part of the API.
#[doc(hidden)]
pub mod names;
#[doc(hidden)]
pub mod synth;

pub use columns::{find_party_columns, party_role, PartyRole, PARTY_COLUMNS};
pub use load::{Entry, Format};

use crate::diag::{Code, Diagnostic};
use crate::error::{Error, ErrorKind, Result};
use names::{analyse, osa_within, similarity, NameKey};
use serde::Serialize;
use std::collections::HashMap;
use std::hash::{BuildHasherDefault, Hasher};
use std::path::Path;
use std::sync::Arc;

/// The default threshold: a fuzzy match needs a score of at least this.
///
/// Chosen on the generated benchmark (`tests/watchlist.rs`, 10,000 entities,
/// 5,000 true strings, 5,000 decoys): recall 0.989, precision 0.999. It
/// keeps one typo in a word of five letters or more and one unpaired word
/// (each costs 15%), so a decoy that shares all words but one stays out.
/// Identifier, exact, normalised and transliterated matches score 1.
pub const DEFAULT_THRESHOLD: f64 = 0.8;

/// The share of the score each unpaired word costs.
const UNPAIRED_COST: f64 = 0.15;

/// Fuzzy hits more than this below the best fuzzy hit are dropped.
const FUZZY_MARGIN: f32 = 0.05;

/// Two tokens are paired only from this similarity up (one edit in five).
const TOKEN_MIN: f64 = 0.8;

/// How a party hit was found.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Method {
    /// A registration or tax number equal on both sides.
    Identifier,
    /// The same text, up to case, width and spacing.
    Exact,
    /// The same words after quotes, punctuation, legal forms and word order
    /// were normalised.
    Normalised,
    /// The same words written in another script or transliteration system.
    Transliterated,
    /// Similar words: typos, a word missing or added.
    Fuzzy,
}

impl Method {
    /// The method as written in output.
    pub fn as_str(self) -> &'static str {
        match self {
            Method::Identifier => "identifier",
            Method::Exact => "exact",
            Method::Normalised => "normalised",
            Method::Transliterated => "transliterated",
            Method::Fuzzy => "fuzzy",
        }
    }
}

/// One match of a party field against a list entry (`party_hits` in JSON Lines output).
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct PartyHit {
    /// The column the party came from.
    pub field: String,
    /// The party text as written.
    pub text: String,
    /// The entry's id in its list.
    pub id: String,
    /// The entry's primary name.
    pub name: String,
    /// The list the entry comes from.
    pub list: String,
    /// The name, alias or identifier of the entry that matched.
    pub alias: String,
    /// How close, 0..1 (1 for identifier, exact, normalised, transliterated).
    pub score: f64,
    /// What made it match.
    pub method: Method,
}

/// A fast non-cryptographic hasher for the index's integer and short-string
/// keys (the Fx hash of rustc); the keys come from the list, not from input.
#[derive(Default, Clone, Copy)]
pub(crate) struct Fx(u64);

impl Hasher for Fx {
    fn finish(&self) -> u64 {
        self.0
    }
    fn write(&mut self, bytes: &[u8]) {
        for chunk in bytes.chunks(8) {
            let mut b = [0u8; 8];
            b[..chunk.len()].copy_from_slice(chunk);
            self.write_u64(u64::from_le_bytes(b));
        }
    }
    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x51_7c_c1_b7_27_22_0a_95);
    }
    fn write_u32(&mut self, i: u32) {
        self.write_u64(u64::from(i));
    }
    fn write_usize(&mut self, i: usize) {
        self.write_u64(i as u64);
    }
    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }
}

type FxMap<K, V> = HashMap<K, V, BuildHasherDefault<Fx>>;

fn fx_hash(s: &str) -> u64 {
    let mut h = Fx::default();
    h.write(s.as_bytes());
    h.write_u8(0xff);
    h.finish()
}

/// Settings and sources for a [`Watchlist`].
///
/// ```
/// use dualuse::watchlist::WatchlistBuilder;
/// let err = WatchlistBuilder::new()
///     .add_source("bad.csv", "name,identifiers\nROMASHKA,INN:12\n,\n")
///     .build()
///     .unwrap_err();
/// let codes: Vec<_> = err.diagnostics().iter().map(|d| (d.code.as_str(), d.line)).collect();
/// assert_eq!(codes, [("E055", 2), ("E052", 3)]);
/// ```
#[derive(Clone, Debug)]
pub struct WatchlistBuilder {
    threshold: f64,
    sources: Vec<(String, Source)>,
}

/// Where a list comes from.
#[derive(Clone, Debug)]
enum Source {
    /// A file, read as a stream at `build` (read whole only to report its
    /// problems).
    Path(std::path::PathBuf),
    /// A list held in memory.
    Text(String),
}

impl Default for WatchlistBuilder {
    fn default() -> Self {
        WatchlistBuilder::new()
    }
}

impl WatchlistBuilder {
    /// No sources, the [`DEFAULT_THRESHOLD`].
    pub fn new() -> WatchlistBuilder {
        WatchlistBuilder {
            threshold: DEFAULT_THRESHOLD,
            sources: Vec::new(),
        }
    }

    /// The lowest fuzzy score kept, in 0..=1 (clamped). Lower finds more
    /// spellings and more look-alike companies.
    pub fn threshold(mut self, t: f64) -> WatchlistBuilder {
        self.threshold = if t.is_nan() {
            DEFAULT_THRESHOLD
        } else {
            t.clamp(0.0, 1.0)
        };
        self
    }

    /// Adds a file; a file that cannot be read becomes an `E050` diagnostic
    /// at `build`.
    pub fn add_path(mut self, path: impl AsRef<Path>) -> WatchlistBuilder {
        let p = path.as_ref();
        self.sources
            .push((p.display().to_string(), Source::Path(p.to_path_buf())));
        self
    }

    /// Adds a list held in memory, named `name` in diagnostics.
    pub fn add_source(
        mut self,
        name: impl Into<String>,
        text: impl Into<String>,
    ) -> WatchlistBuilder {
        self.sources.push((name.into(), Source::Text(text.into())));
        self
    }

    /// Reads, validates and indexes every source.
    ///
    /// # Errors
    /// [`ErrorKind::Watchlist`] with every diagnostic of every source when any
    /// line is broken: nothing is dropped silently.
    pub fn build(&self) -> Result<Watchlist> {
        let start = std::time::Instant::now();
        let mut diags = Vec::new();
        // The file is read and validated on this thread while another hands
        // each chunk of entries to the rayon pool (names analysed in
        // parallel, the chunk before indexed): reading, analysing and
        // indexing overlap.
        let (tx, rx) = std::sync::mpsc::sync_channel::<Chunk>(1);
        let threshold = self.threshold;
        let (ix, read_s) = std::thread::scope(|scope| {
            let indexer = scope.spawn(move || {
                let mut ix = IndexBuilder::new(threshold);
                for chunk in rx {
                    ix.add(chunk);
                }
                ix
            });
            let mut chunk = Chunk::default();
            let mut sink = |e: &load::RawEntry| {
                chunk.push(e);
                if chunk.ents.len() == BUILD_CHUNK {
                    // An error means the indexer is gone: its panic is raised below.
                    let _ = tx.send(std::mem::take(&mut chunk));
                }
            };
            for (name, source) in &self.sources {
                match source {
                    Source::Text(t) => load::parse_into(name, t, &mut diags, &mut sink),
                    Source::Path(p) => {
                        let streamed = diags.is_empty();
                        if !streamed || !load::stream_path(name, p, &mut sink) {
                            // The file cannot be read, or holds a problem: read it
                            // whole, and report every problem with its line.
                            read_for_diagnostics(name, p, streamed, &mut diags);
                        }
                    }
                }
            }
            if diags.is_empty() {
                let _ = tx.send(chunk);
            }
            drop(tx);
            let read_s = start.elapsed().as_secs_f64();
            let ix = indexer
                .join()
                .unwrap_or_else(|p| std::panic::resume_unwind(p));
            (ix, read_s)
        });
        if !diags.is_empty() {
            return Err(Error::from(ErrorKind::Watchlist(diags)));
        }
        let t = std::time::Instant::now();
        let inner = ix.finish();
        if std::env::var_os("DUALUSE_WATCHLIST_TIMING").is_some() {
            let total = start.elapsed().as_secs_f64();
            let finish_s = t.elapsed().as_secs_f64();
            eprintln!(
                "watchlist load: {} entities, {} names: {total:.2} s = read and validate, \
                 with names analysed and indexed alongside {read_s:.2} s \
                 + the last chunks {:.2} s + postings, pairs, trigrams {finish_s:.2} s",
                inner.entities.len(),
                inner.alias_entity.len(),
                total - read_s - finish_s,
            );
            let mib = |b: usize| b as f64 / 1048576.0;
            // A hash map of `n` entries of `entry` bytes: a power of two of
            // buckets, one control byte each.
            let map = |n: usize, entry: usize| {
                let buckets = if n == 0 {
                    0
                } else {
                    (n * 8 / 7).next_power_of_two()
                };
                mib(buckets * (entry + 1))
            };
            let vocab_bytes: usize = inner.vocab_str.iter().map(|s| 2 * s.len()).sum();
            eprintln!(
                "watchlist index: {:.0} MiB = names text {:.0} MiB, names {:.0} MiB, \
                 tokens and postings {:.0} MiB, vocabulary {} tokens ({:.0} MiB), \
                 skeleton keys {:.0} MiB, token pairs {} ({:.0} MiB), \
                 trigrams {} ({:.0} MiB), identifiers {:.0} MiB",
                inner.heap_bytes() as f64 / 1048576.0,
                mib(inner.text.len() + inner.entity_text.len()),
                mib(inner.alias_entity.len() * 12
                    + inner.entities.len() * std::mem::size_of::<EntityRec>()),
                mib(inner.alias_tokens.len() * 4 + inner.post.len() * 4 + inner.post_off.len() * 4),
                inner.vocab_str.len(),
                mib(vocab_bytes + inner.vocab_str.len() * 40) + map(inner.vocab.len(), 20),
                mib(inner.skel_buckets.bytes() + inner.skel_post.len() * 4),
                inner.pair_y.len(),
                mib((inner.pair_ys.len()
                    + inner.pair_y.len()
                    + inner.pair_start.len()
                    + inner.pair_names.len())
                    * 4),
                inner.gram_index.len(),
                map(inner.gram_index.len(), 16) + mib(inner.gram_post.len() * 4),
                mib(inner.ident_text.len()
                    + inner.ident_post.len() * 12
                    + inner.ident_buckets.bytes()),
            );
        }
        Ok(Watchlist {
            inner: Arc::new(inner),
        })
    }
}

/// Reads a list file whole and pushes its diagnostics (`streamed`: it was
/// read as a stream before, and a problem stopped that reading).
fn read_for_diagnostics(name: &str, p: &Path, streamed: bool, diags: &mut Vec<Diagnostic>) {
    match read_text(p) {
        Ok(t) => {
            let before = diags.len();
            load::parse_into(name, &t, diags, &mut |_| {});
            if streamed && diags.len() == before {
                // Read twice, and the second time it was fine.
                let msg = "the file changed while it was read".to_string();
                diags.push(Diagnostic::at(Code::E050, msg, name, "", None, None));
            }
        }
        Err(msg) => diags.push(Diagnostic::at(Code::E050, msg, name, "", None, None)),
    }
}

/// The text of a list file, or the message of `E050`.
fn read_text(p: &Path) -> std::result::Result<String, String> {
    let b = std::fs::read(p).map_err(|e| format!("cannot read the file: {e}"))?;
    String::from_utf8(b).map_err(|e| {
        format!(
            "not UTF-8 at byte {} (save the list as UTF-8)",
            e.utf8_error().valid_up_to()
        )
    })
}

/// Entries read and not yet analysed, their strings in one buffer: each
/// entry's id, list, names (the primary name first), then identifiers.
#[derive(Default)]
struct Chunk {
    text: String,
    /// Where each string ends in `text`.
    ends: Vec<u32>,
    ents: Vec<ChunkEntry>,
}

struct ChunkEntry {
    /// Its first string (the id) in `ends`.
    first: u32,
    names: u32,
    identifiers: u32,
}

impl Chunk {
    fn push(&mut self, e: &load::RawEntry) {
        let first = self.ends.len() as u32;
        let names = e.names();
        let ids = e.canonical();
        for s in [e.id.as_str(), e.list.as_str()]
            .into_iter()
            .chain(names.iter())
            .chain(ids.iter())
        {
            self.text.push_str(s);
            self.ends.push(self.text.len() as u32);
        }
        self.ents.push(ChunkEntry {
            first,
            names: names.len() as u32,
            identifiers: ids.len() as u32,
        });
    }

    fn get(&self, i: usize) -> &str {
        let s = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[s..self.ends[i] as usize]
    }

    fn id(&self, e: &ChunkEntry) -> &str {
        self.get(e.first as usize)
    }

    fn list(&self, e: &ChunkEntry) -> &str {
        self.get(e.first as usize + 1)
    }

    /// Name `i` of the entry (0: the primary name).
    fn name(&self, e: &ChunkEntry, i: usize) -> &str {
        self.get(e.first as usize + 2 + i)
    }

    fn names<'a>(&'a self, e: &ChunkEntry) -> impl Iterator<Item = &'a str> + 'a {
        let f = e.first as usize + 2;
        (f..f + e.names as usize).map(|i| self.get(i))
    }

    fn identifiers<'a>(&'a self, e: &ChunkEntry) -> impl Iterator<Item = &'a str> + 'a {
        let f = e.first as usize + 2 + e.names as usize;
        (f..f + e.identifiers as usize).map(|i| self.get(i))
    }
}

/// Entries are analysed in parallel this many at a time, while the file is
/// still being read; the chunk is dropped once indexed (a list with a broken
/// line is indexed up to the end all the same, and then refused).
const BUILD_CHUNK: usize = 16_384;

struct EntityRec {
    /// The id, in `entity_text`.
    id: (u32, u32),
    /// The primary name is the entity's first alias.
    first_alias: u32,
    list: u32,
}

/// A mix of a 64-bit key's bits (a bijection: equal keys and only equal
/// keys mix equal), whose top bits pick a bucket of a [`Buckets`].
fn mix(k: u64) -> u64 {
    let k = k.wrapping_mul(0x9e37_79b9_7f4a_7c15);
    k ^ (k >> 32)
}

/// A hash table without keys: the values of a flat array sorted by their
/// keys' [`mix`], and where each bucket of top bits starts. A lookup reads
/// one bucket (about two values) and checks each value against the key
/// (4 bytes per bucket, against a hash map's 17 or more per key).
struct Buckets {
    shift: u32,
    /// Bucket `b` is `starts[b]..starts[b + 1]` of the values.
    starts: Vec<u32>,
}

impl Buckets {
    /// The buckets of `n` values whose mixed keys, in order, `mixed` gives.
    fn new(n: usize, mixed: impl Iterator<Item = u64>) -> Buckets {
        let bits = (usize::BITS - n.max(2).leading_zeros()).clamp(1, 31) - 1;
        let shift = 64 - bits;
        let mut starts = vec![0u32; (1 << bits) + 1];
        for m in mixed {
            starts[(m >> shift) as usize + 1] += 1;
        }
        for b in 1..starts.len() {
            starts[b] += starts[b - 1];
        }
        Buckets { shift, starts }
    }

    /// The range of values whose key may be `key`.
    fn get(&self, key: u64) -> std::ops::Range<usize> {
        let b = (mix(key) >> self.shift) as usize;
        self.starts[b] as usize..self.starts[b + 1] as usize
    }

    fn bytes(&self) -> usize {
        self.starts.len() * 4
    }
}

/// The compiled index. Strings live in arenas and lists in flat arrays
/// with offsets, so a million entities cost tens of bytes each beyond their
/// text.
struct Index {
    threshold: f64,
    lists: Vec<Box<str>>,
    entities: Vec<EntityRec>,
    /// The entities' ids, one after another.
    entity_text: String,
    /// Each name's entity.
    alias_entity: Vec<u32>,
    /// Name `a` is `text[alias_text[a]..alias_text[a + 1]]`.
    alias_text: Vec<u32>,
    text: String,
    /// The vocabulary tokens of name `a` are
    /// `alias_tokens[alias_tok[a]..alias_tok[a + 1]]`.
    alias_tok: Vec<u32>,
    alias_tokens: Vec<u32>,
    vocab: FxMap<Box<str>, u32>,
    vocab_str: Vec<Box<str>>,
    /// Whether the token is Chinese (its skeleton is pinyin): such tokens
    /// match exactly, since another character is another word.
    han: Vec<bool>,
    weight: Vec<f32>,
    grams_n: Vec<u16>,
    post_off: Vec<u32>,
    post: Vec<u32>,
    gram_index: FxMap<u64, (u32, u32)>,
    gram_post: Vec<u32>,
    /// Pairs of tokens held by a name (among its first [`MAX_PAIR_TOKENS`]
    /// tokens by id): for each token `x`, the tokens `y > x` paired with it
    /// are `pair_y[pair_ys[x]..pair_ys[x + 1]]`, ascending, and the names
    /// holding the `k`-th pair are `pair_names[pair_start[k]..pair_start[k + 1]]`,
    /// ascending.
    pair_ys: Vec<u32>,
    pair_y: Vec<u32>,
    pair_start: Vec<u32>,
    pair_names: Vec<u32>,
    /// The names by the hash of their sorted skeletons (the last added first
    /// among equal keys), bucketed.
    skel_buckets: Buckets,
    skel_post: Vec<u32>,
    /// The identifiers, one after another.
    ident_text: String,
    /// (entity, identifier in `ident_text`), by identifier hash, then
    /// entity, bucketed.
    ident_buckets: Buckets,
    ident_post: Vec<(u32, (u32, u32))>,
}

/// Distinct padded character trigrams of a skeleton token, hashed.
fn trigrams(tok: &str, out: &mut Vec<u64>) {
    out.clear();
    let chars: Vec<char> = std::iter::once('\u{2}')
        .chain(tok.chars())
        .chain(std::iter::once('\u{3}'))
        .collect();
    for w in chars.windows(3) {
        let mut h = Fx::default();
        for c in w {
            h.write_u32(*c as u32);
        }
        out.push(h.finish());
    }
    out.sort_unstable();
    out.dedup();
}

/// Aliases with more distinct words are paired on their first (by vocabulary
/// id) sixteen only.
const MAX_PAIR_TOKENS: usize = 16;

/// The trigram index's key: a trigram of a token of a given length.
fn gram_key(gram: u64, len: usize) -> u64 {
    let mut h = Fx(gram);
    h.write_usize(len);
    h.finish()
}

/// One name of an entry, analysed (in parallel, before it is indexed).
struct AnalysedName {
    /// Which of the entry's names: 0 the primary name, `i` alias `i - 1`.
    which: u32,
    /// Hash of the sorted skeletons (the `skel_buckets` key).
    skel: u64,
    /// The end of its skeletons in [`Analysed::skel_ends`].
    toks_end: u32,
}

/// The names of some entries, analysed, in flat arrays: a name that folds
/// like an earlier name of its entry is left out (it adds nothing).
#[derive(Default)]
struct Analysed {
    /// The end of each entry's names in `names`.
    entry_ends: Vec<u32>,
    names: Vec<AnalysedName>,
    /// The skeletons one after another, where each ends, and whether its
    /// token is Chinese.
    skels: String,
    skel_ends: Vec<u32>,
    han: Vec<bool>,
}

/// Entries analysed by one rayon job.
const ANALYSE_JOB: usize = 512;

/// The names of each entry, analysed in parallel.
fn analyse_chunk(chunk: &Chunk) -> Vec<Analysed> {
    use rayon::prelude::*;
    chunk
        .ents
        .par_chunks(ANALYSE_JOB)
        .map(|es| {
            names::with_scratch(|s| {
                let mut out = Analysed::default();
                let mut folded = String::new();
                let mut folded_ends: Vec<usize> = Vec::new();
                for e in es {
                    folded.clear();
                    folded_ends.clear();
                    for (which, n) in chunk.names(e).enumerate() {
                        names::analyse_into(n, s);
                        let k = &mut s.key;
                        let mut from = 0;
                        if folded_ends.iter().any(|&end| {
                            let same = folded[from..end] == *k.folded;
                            from = end;
                            same
                        }) {
                            continue; // the same name twice adds nothing
                        }
                        folded.push_str(&k.folded);
                        folded_ends.push(folded.len());
                        for i in 0..k.len() {
                            out.skels.push_str(k.skeleton(i));
                            out.skel_ends.push(out.skels.len() as u32);
                            out.han.push(names::is_han_token(k.token(i)));
                        }
                        out.names.push(AnalysedName {
                            which: which as u32,
                            skel: k.skeleton_hash(),
                            toks_end: out.skel_ends.len() as u32,
                        });
                    }
                    out.entry_ends.push(out.names.len() as u32);
                }
                out
            })
        })
        .collect()
}

/// An [`Index`] being built: entries are added a chunk at a time, then
/// [`IndexBuilder::finish`] builds the postings in flat sorted arrays.
struct IndexBuilder {
    ix: Index,
    list_ids: FxMap<String, u32>,
    /// Aliases holding each vocabulary token.
    df: Vec<u32>,
    /// (identifier's hash, entity, its text in `ident_text`), sorted and
    /// bucketed at the end.
    ident_pairs: Vec<(u64, u32, (u32, u32))>,
    /// The top half of the [`mix`] of each name's skeleton-key hash (enough
    /// to sort the names into buckets, equal keys together).
    alias_skel: Vec<u32>,
    /// A chunk analysed and not yet indexed.
    pending: Option<(Chunk, Vec<Analysed>)>,
}

impl IndexBuilder {
    fn new(threshold: f64) -> IndexBuilder {
        IndexBuilder {
            ix: Index {
                threshold,
                lists: Vec::new(),
                entities: Vec::new(),
                entity_text: String::new(),
                alias_entity: Vec::new(),
                alias_text: vec![0],
                text: String::new(),
                alias_tok: vec![0],
                alias_tokens: Vec::new(),
                vocab: FxMap::default(),
                vocab_str: Vec::new(),
                han: Vec::new(),
                weight: Vec::new(),
                grams_n: Vec::new(),
                post_off: Vec::new(),
                post: Vec::new(),
                gram_index: FxMap::default(),
                gram_post: Vec::new(),
                pair_ys: Vec::new(),
                pair_y: Vec::new(),
                pair_start: Vec::new(),
                pair_names: Vec::new(),
                skel_buckets: Buckets::new(0, std::iter::empty()),
                skel_post: Vec::new(),
                ident_text: String::new(),
                ident_buckets: Buckets::new(0, std::iter::empty()),
                ident_post: Vec::new(),
            },
            list_ids: FxMap::default(),
            df: Vec::new(),
            ident_pairs: Vec::new(),
            alias_skel: Vec::new(),
            pending: None,
        }
    }

    /// Analyses the names of `entries` in parallel while the chunk before
    /// is indexed (in order, on one thread): a pipeline, so that neither core
    /// waits for the indexing.
    fn add(&mut self, entries: Chunk) {
        let pending = self.pending.take();
        let (keys, ()) = rayon::join(
            || analyse_chunk(&entries),
            || {
                if let Some((e, k)) = pending {
                    self.index_chunk(e, k);
                }
            },
        );
        self.pending = Some((entries, keys));
    }

    fn index_chunk(&mut self, chunk: Chunk, keys: Vec<Analysed>) {
        for (es, k) in chunk.ents.chunks(ANALYSE_JOB).zip(&keys) {
            let mut n0 = 0;
            for (e, &n1) in es.iter().zip(&k.entry_ends) {
                self.add_entry(&chunk, e, k, n0 as usize..n1 as usize);
                n0 = n1;
            }
        }
    }

    fn add_entry(
        &mut self,
        c: &Chunk,
        e: &ChunkEntry,
        k: &Analysed,
        names: std::ops::Range<usize>,
    ) {
        let ix = &mut self.ix;
        let list = match self.list_ids.get(c.list(e)) {
            Some(&l) => l,
            None => {
                ix.lists.push(c.list(e).into());
                let l = (ix.lists.len() - 1) as u32;
                self.list_ids.insert(c.list(e).to_string(), l);
                l
            }
        };
        let ent = ix.entities.len() as u32;
        let first_alias = ix.alias_entity.len() as u32;
        let mut t_from = if names.start == 0 {
            0
        } else {
            k.names[names.start - 1].toks_end as usize
        };
        for name in &k.names[names] {
            let n = c.name(e, name.which as usize);
            ix.text.push_str(n);
            let mine0 = ix.alias_tokens.len();
            let t_to = name.toks_end as usize;
            for t in t_from..t_to {
                let from = if t == 0 {
                    0
                } else {
                    k.skel_ends[t - 1] as usize
                };
                let s = &k.skels[from..k.skel_ends[t] as usize];
                let id = match ix.vocab.get(s) {
                    Some(&id) => id,
                    None => {
                        let id = ix.vocab_str.len() as u32;
                        ix.vocab.insert(s.into(), id);
                        ix.vocab_str.push(s.into());
                        ix.han.push(k.han[t]);
                        self.df.push(0);
                        id
                    }
                };
                if !ix.alias_tokens[mine0..].contains(&id) {
                    self.df[id as usize] += 1;
                }
                ix.alias_tokens.push(id);
            }
            ix.alias_entity.push(ent);
            ix.alias_text.push(ix.text.len() as u32);
            ix.alias_tok.push(ix.alias_tokens.len() as u32);
            self.alias_skel.push((mix(name.skel) >> 32) as u32);
            t_from = t_to;
        }
        for (i, id) in c.identifiers(e).enumerate() {
            if c.identifiers(e).take(i).any(|x| x == id) {
                continue;
            }
            let off = ix.ident_text.len() as u32;
            ix.ident_text.push_str(id);
            self.ident_pairs
                .push((fx_hash(id), ent, (off, id.len() as u32)));
        }
        let i0 = ix.entity_text.len() as u32;
        let id = c.id(e);
        ix.entity_text.push_str(id);
        ix.entities.push(EntityRec {
            id: (i0, id.len() as u32),
            first_alias,
            list,
        });
    }

    fn finish(mut self) -> Index {
        use rayon::prelude::*;
        if let Some((e, k)) = self.pending.take() {
            self.index_chunk(e, k);
        }
        let IndexBuilder {
            mut ix,
            df,
            mut ident_pairs,
            alias_skel,
            ..
        } = self;
        let na = ix.alias_entity.len();
        // Names by skeleton key: sorted by the mixed key, the last added
        // first among equal keys.
        let mut by_skel: Vec<u32> = (0..na as u32).collect();
        by_skel.par_sort_unstable_by_key(|&a| (alias_skel[a as usize], u32::MAX - a));
        ix.skel_buckets = Buckets::new(
            na,
            by_skel
                .iter()
                .map(|&a| u64::from(alias_skel[a as usize]) << 32),
        );
        ix.skel_post = by_skel;
        drop(alias_skel);
        // Identifiers: sorted by the mixed hash, then entity.
        for p in &mut ident_pairs {
            p.0 = mix(p.0);
        }
        ident_pairs.par_sort_unstable();
        ix.ident_buckets = Buckets::new(ident_pairs.len(), ident_pairs.iter().map(|p| p.0));
        ix.ident_post = ident_pairs.iter().map(|&(_, e, t)| (e, t)).collect();
        drop(ident_pairs);
        // Postings: vocabulary token -> aliases holding it (CSR).
        let nv = ix.vocab_str.len();
        ix.post_off = vec![0; nv + 1];
        for (i, &d) in df.iter().enumerate() {
            ix.post_off[i + 1] = ix.post_off[i] + d;
        }
        ix.post = vec![0; ix.post_off[nv] as usize];
        let mut fill = ix.post_off.clone();
        for a in 0..na {
            let toks = &ix.alias_tokens[ix.alias_tok[a] as usize..ix.alias_tok[a + 1] as usize];
            for (j, &t) in toks.iter().enumerate() {
                if toks[..j].contains(&t) {
                    continue;
                }
                ix.post[fill[t as usize] as usize] = a as u32;
                fill[t as usize] += 1;
            }
        }
        drop(fill);
        // Each token's aliases, shortest aliases first, so that a query can
        // read only the aliases short enough to qualify (a stable sort: equal
        // lengths stay in alias order).
        {
            let tok = &ix.alias_tok;
            let mut rest: &mut [u32] = &mut ix.post;
            let mut slices: Vec<&mut [u32]> = Vec::with_capacity(nv);
            for v in 0..nv {
                let len = (ix.post_off[v + 1] - ix.post_off[v]) as usize;
                let (head, tail) = rest.split_at_mut(len);
                slices.push(head);
                rest = tail;
            }
            slices
                .par_iter_mut()
                .for_each(|p| p.sort_by_key(|&a| tok[a as usize + 1] - tok[a as usize]));
        }
        // Pairs of distinct tokens of an alias -> aliases: a field whose
        // words must nearly all be found reads only the aliases holding two
        // of its rare words together. Gathered for each smaller token `x`
        // from its postings, in parallel: counted, then written in place.
        let pairs = {
            let ix = &ix;
            // The (y << 32 | alias) of token x's pairs, sorted.
            let gather = |x: usize, buf: &mut Vec<u64>, toks: &mut Vec<u32>| {
                buf.clear();
                let x32 = x as u32;
                for &a in ix.postings(x32) {
                    let pair = |&y: &u32| (u64::from(y) << 32) | u64::from(a);
                    let all = ix.alias_toks(a);
                    if all.len() <= MAX_PAIR_TOKENS {
                        // Every token counts (repeats are dropped below).
                        buf.extend(all.iter().filter(|&&y| y > x32).map(pair));
                        continue;
                    }
                    toks.clear();
                    toks.extend_from_slice(all);
                    toks.sort_unstable();
                    toks.dedup();
                    toks.truncate(MAX_PAIR_TOKENS);
                    let Ok(i) = toks.binary_search(&x32) else {
                        continue; // not among the alias's first tokens
                    };
                    buf.extend(toks[i + 1..].iter().map(pair));
                }
                buf.sort_unstable();
                buf.dedup();
            };
            let distinct = |buf: &[u64]| {
                let mut n = 0u32;
                let mut last = u64::MAX;
                for &p in buf {
                    if p >> 32 != last {
                        n += 1;
                        last = p >> 32;
                    }
                }
                n
            };
            let counts: Vec<(u32, u32)> = (0..nv)
                .into_par_iter()
                .map_init(
                    || (Vec::new(), Vec::new()),
                    |(buf, toks), x| {
                        gather(x, buf, toks);
                        (distinct(buf), buf.len() as u32)
                    },
                )
                .collect();
            let mut ys_off = vec![0u32; nv + 1];
            let mut names_off = vec![0u32; nv + 1];
            for (x, &(d, n)) in counts.iter().enumerate() {
                ys_off[x + 1] = ys_off[x] + d;
                names_off[x + 1] = names_off[x] + n;
            }
            drop(counts);
            let total_y = ys_off[nv] as usize;
            let mut pair_y = vec![0u32; total_y];
            let mut pair_start = vec![0u32; total_y + 1];
            pair_start[total_y] = names_off[nv];
            let mut pair_names = vec![0u32; names_off[nv] as usize];
            let mut jobs = Vec::with_capacity(nv);
            {
                let (mut ys, mut starts, mut names): (&mut [u32], &mut [u32], &mut [u32]) =
                    (&mut pair_y, &mut pair_start[..total_y], &mut pair_names);
                for x in 0..nv {
                    let d = (ys_off[x + 1] - ys_off[x]) as usize;
                    let n = (names_off[x + 1] - names_off[x]) as usize;
                    let (y_head, y_tail) = ys.split_at_mut(d);
                    let (s_head, s_tail) = starts.split_at_mut(d);
                    let (n_head, n_tail) = names.split_at_mut(n);
                    jobs.push((x, y_head, s_head, n_head));
                    (ys, starts, names) = (y_tail, s_tail, n_tail);
                }
            }
            let names_off = &names_off;
            jobs.into_par_iter().for_each_init(
                || (Vec::new(), Vec::new()),
                |(buf, toks), (x, ys, starts, names)| {
                    gather(x, buf, toks);
                    let mut k = 0;
                    let mut last = u64::MAX;
                    for (i, &p) in buf.iter().enumerate() {
                        if p >> 32 != last {
                            last = p >> 32;
                            ys[k] = last as u32;
                            starts[k] = names_off[x] + i as u32;
                            k += 1;
                        }
                        names[i] = p as u32;
                    }
                },
            );
            (ys_off, pair_y, pair_start, pair_names)
        };
        (ix.pair_ys, ix.pair_y, ix.pair_start, ix.pair_names) = pairs;
        // Weights: rarer tokens weigh more, mildly (a token in every alias
        // still weighs a third of a unique one).
        ix.weight = df
            .iter()
            .map(|&d| (1.0 / (1.0 + 0.25 * f64::from(d.max(1)).ln())) as f32)
            .collect();
        // Trigram index over the vocabulary.
        let per_token: Vec<(u16, Vec<u64>)> = ix
            .vocab_str
            .par_iter()
            .zip(ix.han.par_iter())
            .map(|(s, &han)| {
                let mut buf = Vec::new();
                trigrams(s, &mut buf);
                let n = buf.len().min(u16::MAX as usize) as u16;
                if han {
                    return (n, Vec::new()); // Chinese names match by their pinyin, not by edits
                }
                let len = s.chars().count();
                for g in &mut buf {
                    *g = gram_key(*g, len);
                }
                (n, buf)
            })
            .collect();
        ix.grams_n = per_token.iter().map(|p| p.0).collect();
        let mut grams: Vec<(u64, u32)> = per_token
            .iter()
            .enumerate()
            .flat_map(|(v, (_, gs))| gs.iter().map(move |&g| (g, v as u32)))
            .collect();
        drop(per_token);
        grams.par_sort_unstable();
        (ix.gram_index, ix.gram_post) = csr(&grams);
        ix.shrink();
        ix
    }
}

/// A sorted array of (key, value) as a map from key to a range of one flat
/// array of values (values in ascending order within a key).
fn csr(sorted: &[(u64, u32)]) -> (FxMap<u64, (u32, u32)>, Vec<u32>) {
    let mut index = FxMap::default();
    let mut post = Vec::with_capacity(sorted.len());
    let mut i = 0;
    while i < sorted.len() {
        let k = sorted[i].0;
        let j = i + sorted[i..].iter().take_while(|x| x.0 == k).count();
        index.insert(k, (i as u32, (j - i) as u32));
        post.extend(sorted[i..j].iter().map(|x| x.1));
        i = j;
    }
    (index, post)
}

impl Index {
    fn shrink(&mut self) {
        self.text.shrink_to_fit();
        self.entity_text.shrink_to_fit();
        self.ident_text.shrink_to_fit();
        self.alias_tokens.shrink_to_fit();
        self.alias_entity.shrink_to_fit();
        self.alias_text.shrink_to_fit();
        self.alias_tok.shrink_to_fit();
        self.entities.shrink_to_fit();
    }

    /// The bytes the index holds on the heap (hash maps counted by their
    /// buckets).
    fn heap_bytes(&self) -> usize {
        let map = |n: usize, entry: usize| {
            if n == 0 {
                0
            } else {
                (n * 8 / 7).next_power_of_two() * (entry + 1)
            }
        };
        let vocab: usize = self.vocab_str.iter().map(|s| 2 * s.len()).sum();
        self.text.len()
            + self.entity_text.len()
            + self.ident_text.len()
            + self.entities.len() * std::mem::size_of::<EntityRec>()
            + (self.alias_entity.len() + self.alias_text.len() + self.alias_tok.len()) * 4
            + (self.alias_tokens.len() + self.post.len() + self.post_off.len()) * 4
            + vocab
            + self.vocab_str.len() * (16 + 16 + 1 + 4 + 2)
            + map(self.vocab.len(), 20)
            + self.skel_buckets.bytes()
            + self.skel_post.len() * 4
            + (self.pair_ys.len()
                + self.pair_y.len()
                + self.pair_start.len()
                + self.pair_names.len())
                * 4
            + map(self.gram_index.len(), 16)
            + self.gram_post.len() * 4
            + self.ident_buckets.bytes()
            + self.ident_post.len() * 12
    }

    fn alias_text(&self, a: u32) -> &str {
        let a = a as usize;
        &self.text[self.alias_text[a] as usize..self.alias_text[a + 1] as usize]
    }

    fn alias_toks(&self, a: u32) -> &[u32] {
        let a = a as usize;
        &self.alias_tokens[self.alias_tok[a] as usize..self.alias_tok[a + 1] as usize]
    }

    /// The number of tokens of name `a`.
    fn alias_len(&self, a: u32) -> usize {
        (self.alias_tok[a as usize + 1] - self.alias_tok[a as usize]) as usize
    }

    /// The names holding tokens `x` and `y` (`x != y`), ascending.
    fn pair_names(&self, x: u32, y: u32) -> &[u32] {
        let (x, y) = if x < y { (x, y) } else { (y, x) };
        let from = self.pair_ys[x as usize] as usize;
        let ys = &self.pair_y[from..self.pair_ys[x as usize + 1] as usize];
        match ys.binary_search(&y) {
            Ok(i) => {
                let k = from + i;
                &self.pair_names[self.pair_start[k] as usize..self.pair_start[k + 1] as usize]
            }
            Err(_) => &[],
        }
    }

    fn postings(&self, v: u32) -> &[u32] {
        &self.post[self.post_off[v as usize] as usize..self.post_off[v as usize + 1] as usize]
    }

    /// Vocabulary tokens similar to `tok` (at least [`TOKEN_MIN`]), with
    /// their similarity; the token itself first when it is in the vocabulary.
    ///
    /// The trigram index is partitioned by token length, so only tokens of a
    /// length that could reach the similarity are counted (the length filter
    /// of approximate string joins), and a token must share all but four
    /// trigrams per allowed edit (three, and one more for a swap).
    fn similar_tokens(
        &self,
        tok: &str,
        counts: &mut FxMap<u32, u16>,
        buf: &mut Vec<u64>,
    ) -> Vec<(u32, f64)> {
        let mut out = Vec::new();
        let exact = self.vocab.get(tok).copied();
        if let Some(v) = exact {
            out.push((v, 1.0));
        }
        let n = tok.chars().count();
        let max_edits = |len: usize| ((len as f64) * (1.0 - TOKEN_MIN) + 1e-9).floor() as usize;
        if max_edits(n + 1) == 0 {
            return out; // too short for one edit to stay above TOKEN_MIN
        }
        trigrams(tok, buf);
        let gq = buf.len();
        let lo = n.saturating_sub(max_edits(n)).max(1);
        let hi = n + max_edits(n) + 1;
        for len in lo..=hi {
            let d = max_edits(n.max(len));
            if len.abs_diff(n) > d || d == 0 {
                continue;
            }
            counts.clear();
            for &g in buf.iter() {
                if let Some(&(s, l)) = self.gram_index.get(&gram_key(g, len)) {
                    for &v in &self.gram_post[s as usize..(s + l) as usize] {
                        *counts.entry(v).or_insert(0) += 1;
                    }
                }
            }
            for (&v, &c) in counts.iter() {
                let gv = usize::from(self.grams_n[v as usize]);
                if (c as usize) + 3 * d + 1 < gq.max(gv) || Some(v) == exact {
                    continue;
                }
                let other = &self.vocab_str[v as usize];
                let sim = if tok.is_ascii() && other.is_ascii() {
                    osa_within(tok.as_bytes(), other.as_bytes(), d)
                        .map_or(0.0, |e| 1.0 - e as f64 / n.max(len) as f64)
                } else {
                    similarity(tok, other)
                };
                if sim >= TOKEN_MIN {
                    out.push((v, sim));
                }
            }
        }
        out
    }

    fn match_key(&self, key: &NameKey, words: Option<&mut WordCache>) -> Vec<RawHit> {
        let mut hits: Vec<RawHit> = Vec::new();
        for id in &key.identifiers {
            {
                for &(e, (o, n)) in &self.ident_post[self.ident_buckets.get(fx_hash(id))] {
                    if self.ident_text[o as usize..(o + n) as usize] != *id.as_str() {
                        continue; // another identifier of the bucket
                    }
                    hits.push(RawHit {
                        entity: e,
                        alias: AliasRef::Identifier(id.as_str().into()),
                        score: 1.0,
                        method: Method::Identifier,
                    });
                }
            }
        }
        if key.skeletons.is_empty() {
            return finish(hits);
        }
        let skel_key = key.skeleton_key();
        for &a in &self.skel_post[self.skel_buckets.get(fx_hash(&skel_key))] {
            if self.alias_len(a) != key.skeletons.len() {
                continue;
            }
            let mut toks: Vec<&str> = self
                .alias_toks(a)
                .iter()
                .map(|&t| &*self.vocab_str[t as usize])
                .collect();
            toks.sort_unstable();
            if toks.join(" ") == skel_key {
                // The name's own keys, analysed again (kept for none of the
                // million names that never match).
                let (folded, norm) = names::with_scratch(|s| {
                    names::analyse_into(self.alias_text(a), s);
                    (fx_hash(&s.key.folded), s.key.norm_hash())
                });
                let method = if folded == fx_hash(&key.folded) {
                    Method::Exact
                } else if norm == fx_hash(&key.norm_key()) {
                    Method::Normalised
                } else {
                    Method::Transliterated
                };
                hits.push(RawHit {
                    entity: self.alias_entity[a as usize],
                    alias: AliasRef::Alias(a),
                    score: 1.0,
                    method,
                });
            }
        }
        // Fuzzy: candidates from the postings of similar tokens.
        let mut counts = FxMap::default();
        let mut buf = Vec::new();
        let mut words = words;
        let q: Vec<Vec<(u32, f64)>> = key
            .skeletons
            .iter()
            .zip(&key.tokens)
            .map(|(s, t)| {
                if names::is_han_token(t) {
                    self.vocab
                        .get(s.as_str())
                        .map(|&v| (v, 1.0))
                        .into_iter()
                        .collect()
                } else if let Some(c) = words.as_deref_mut() {
                    if let Some(m) = c.get(s.as_str()) {
                        return m.clone();
                    }
                    let m = self.similar_tokens(s, &mut counts, &mut buf);
                    c.insert(s.as_str(), m.clone());
                    m
                } else {
                    self.similar_tokens(s, &mut counts, &mut buf)
                }
            })
            .collect();
        // Each unpaired word costs UNPAIRED_COST of the score, so at most
        // `budget` words may stay unpaired on both sides together. An alias
        // that can reach the threshold then holds a match of one of the
        // `budget + 1` rarest field words (prefix filtering): only their
        // postings are read. For each alias found, the field words it holds
        // are counted from its own few words, and only those that leave no
        // more than `budget` words unpaired are scored.
        let budget = if self.threshold <= 0.0 {
            usize::MAX
        } else {
            (self.threshold.ln() / (1.0 - UNPAIRED_COST).ln()).floor() as usize
        };
        let nq = q.len();
        let unmatched = q.iter().filter(|m| m.is_empty()).count();
        let matched_vocab: Vec<(u32, usize)> = q
            .iter()
            .enumerate()
            .flat_map(|(i, m)| m.iter().map(move |&(v, _)| (v, i)))
            .collect();
        let mut cands: Vec<u32> = Vec::new();
        let consider = |a: u32, cands: &mut Vec<u32>| {
            let toks = self.alias_toks(a);
            let mut held = 0u64;
            for t in toks {
                for &(mv, qi) in &matched_vocab {
                    if mv == *t && qi < 64 {
                        held |= 1 << qi;
                    }
                }
            }
            let held = held.count_ones() as usize;
            if (nq - held) + toks.len().saturating_sub(held) <= budget {
                cands.push(a);
            }
        };
        if unmatched <= budget {
            let left = budget - unmatched;
            let mut order: Vec<(usize, usize)> = q
                .iter()
                .enumerate()
                .filter(|(_, m)| !m.is_empty())
                .map(|(i, m)| (m.iter().map(|&(v, _)| self.postings(v).len()).sum(), i))
                .collect();
            order.sort_unstable();
            if nq.saturating_sub(budget) >= 2 {
                // At least two of the `left + 2` rarest words are held
                // together: read the pair index.
                let d = order.len().min(left.saturating_add(2));
                for x in 0..d {
                    for y in x + 1..d {
                        for &(v1, _) in &q[order[x].1] {
                            for &(v2, _) in &q[order[y].1] {
                                if v1 == v2 {
                                    continue;
                                }
                                for &a in self.pair_names(v1, v2) {
                                    consider(a, &mut cands);
                                }
                            }
                        }
                    }
                }
            } else {
                // A short field: one of the `left + 1` rarest words, in
                // aliases of at most `budget + nq` words.
                let max_len = budget.saturating_add(nq);
                for &(_, i) in order.iter().take(left.saturating_add(1)) {
                    for &(v, _) in &q[i] {
                        let p = self.postings(v);
                        let end = p.partition_point(|&a| self.alias_len(a) <= max_len);
                        for &a in &p[..end] {
                            consider(a, &mut cands);
                        }
                    }
                }
            }
        }
        cands.sort_unstable();
        cands.dedup();
        let qw: Vec<f64> = q
            .iter()
            .map(|m| {
                // The weight of the closest vocabulary token; an unknown word is rare.
                m.iter()
                    .max_by(|x, y| x.1.total_cmp(&y.1))
                    .map_or(1.0, |&(v, _)| f64::from(self.weight[v as usize]))
            })
            .collect();
        let qsum: f64 = qw.iter().sum();
        let mut pairs: Vec<(f64, usize, usize)> = Vec::new();
        for a in cands {
            let toks = self.alias_toks(a);
            pairs.clear();
            for (i, m) in q.iter().enumerate() {
                for (j, t) in toks.iter().enumerate() {
                    if let Some(&(_, s)) = m.iter().find(|(v, _)| v == t) {
                        pairs.push((s, i, j));
                    }
                }
            }
            pairs.sort_by(|x, y| y.0.total_cmp(&x.0));
            let mut used_q = 0u64;
            let mut used_a = 0u64;
            let mut matched = 0.0;
            for &(s, i, j) in &pairs {
                if i >= 64 || j >= 64 || used_q & (1 << i) != 0 || used_a & (1 << j) != 0 {
                    continue;
                }
                used_q |= 1 << i;
                used_a |= 1 << j;
                matched += s * (qw[i] + f64::from(self.weight[toks[j] as usize]));
            }
            // Each word on either side that pairs with nothing costs 15% of
            // the score: an added or replaced word is the mark of another
            // company, however many words the names share.
            let asum: f64 = toks
                .iter()
                .map(|&t| f64::from(self.weight[t as usize]))
                .sum();
            let unpaired = (0..q.len())
                .filter(|&i| i >= 64 || used_q & (1 << i) == 0)
                .count()
                + (0..toks.len())
                    .filter(|&j| j >= 64 || used_a & (1 << j) == 0)
                    .count();
            let denom = (qsum + asum) / (1.0 - UNPAIRED_COST).powi(unpaired as i32);
            let score = matched / denom;
            if score >= self.threshold && score < 1.0 - 1e-9 {
                hits.push(RawHit {
                    entity: self.alias_entity[a as usize],
                    alias: AliasRef::Alias(a),
                    score: score as f32,
                    method: Method::Fuzzy,
                });
            }
        }
        let mut hits = finish(hits);
        // A field that names a listed entity outright is that entity, not
        // its look-alikes; among fuzzy hits only those close to the best stay.
        if hits.iter().any(|h| h.method != Method::Fuzzy) {
            hits.retain(|h| h.method != Method::Fuzzy);
        } else if let Some(best) = hits.first().map(|h| h.score) {
            hits.retain(|h| h.score >= best - FUZZY_MARGIN);
        }
        hits
    }

    fn to_hit(&self, field: &str, text: &str, r: &RawHit) -> PartyHit {
        let e = &self.entities[r.entity as usize];
        PartyHit {
            field: field.to_string(),
            text: text.to_string(),
            id: self.entity_text[e.id.0 as usize..(e.id.0 + e.id.1) as usize].to_string(),
            name: self.alias_text(e.first_alias).to_string(),
            list: self.lists[e.list as usize].to_string(),
            alias: match &r.alias {
                AliasRef::Alias(a) => self.alias_text(*a).to_string(),
                AliasRef::Identifier(s) => s.to_string(),
            },
            score: (f64::from(r.score) * 1000.0).round() / 1000.0,
            method: r.method,
        }
    }
}

/// Keeps the best hit per entity (identifier before exact before normalised
/// before transliterated before fuzzy, then the higher score), best first.
fn finish(mut hits: Vec<RawHit>) -> Vec<RawHit> {
    hits.sort_by(|a, b| {
        a.entity
            .cmp(&b.entity)
            .then(a.method.cmp(&b.method))
            .then(b.score.total_cmp(&a.score))
    });
    hits.dedup_by_key(|h| h.entity);
    hits.sort_by(|a, b| {
        b.score
            .total_cmp(&a.score)
            .then(a.method.cmp(&b.method))
            .then(a.entity.cmp(&b.entity))
    });
    hits
}

#[derive(Clone, Debug)]
enum AliasRef {
    Alias(u32),
    Identifier(Box<str>),
}

#[derive(Clone, Debug)]
struct RawHit {
    entity: u32,
    alias: AliasRef,
    score: f32,
    method: Method,
}

/// Compiled watch lists: immutable, `Send + Sync`, cheap to clone.
///
/// # Resource usage
/// Names live in one text arena with offset arrays; postings, token pairs,
/// skeleton keys and identifiers in flat sorted arrays; only the
/// vocabulary and its trigram index are hash maps. The index of the
/// generated million-entity list (two names each) holds 251 MiB, about 260
/// bytes per entity with its names' text (`DUALUSE_WATCHLIST_TIMING=1`
/// prints its parts; figures in `docs/watchlists.md`). A file is read as a
/// stream, never held whole.
///
/// # Cloning
/// One `Arc`: clone it into every worker.
#[derive(Clone)]
pub struct Watchlist {
    inner: Arc<Index>,
}

impl std::fmt::Debug for Watchlist {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Watchlist")
            .field("entities", &self.inner.entities.len())
            .field("names", &self.inner.alias_entity.len())
            .field("threshold", &self.inner.threshold)
            .finish()
    }
}

impl Watchlist {
    /// Loads the lists at `paths` with the default threshold.
    ///
    /// # Errors
    /// As [`WatchlistBuilder::build`].
    pub fn from_paths<P: AsRef<Path>>(paths: &[P]) -> Result<Watchlist> {
        paths
            .iter()
            .fold(WatchlistBuilder::new(), |b, p| b.add_path(p))
            .build()
    }

    /// The number of entities.
    pub fn len(&self) -> usize {
        self.inner.entities.len()
    }

    /// True when no entity was loaded.
    pub fn is_empty(&self) -> bool {
        self.inner.entities.is_empty()
    }

    /// The number of names and aliases indexed.
    pub fn names(&self) -> usize {
        self.inner.alias_entity.len()
    }

    /// The threshold in use.
    pub fn threshold(&self) -> f64 {
        self.inner.threshold
    }

    /// Matches one party field (`field` is the column name, copied into the
    /// hits). Best hit first, at most one per entity. Uncached: for a dump,
    /// use a [`PartyMatcher`] per worker.
    pub fn screen(&self, field: &str, text: &str) -> Vec<PartyHit> {
        let raw = self.inner.match_key(&analyse(text), None);
        raw.iter()
            .map(|r| self.inner.to_hit(field, text, r))
            .collect()
    }

    /// A matcher with a cache of `capacity` distinct strings (two generations
    /// of `capacity / 2`, so at most `capacity` are held), for one worker.
    pub fn matcher(&self, capacity: usize) -> PartyMatcher {
        PartyMatcher {
            wl: self.clone(),
            half: (capacity / 2).max(1),
            young: FxMap::default(),
            old: FxMap::default(),
            words: WordCache::new((capacity / 4).max(1)),
            lookups: 0,
            misses: 0,
        }
    }
}

/// The similar vocabulary words of each field word already looked up: the
/// same words recur across distinct party strings (`technology`, a city),
/// and finding their neighbours is most of a miss's cost. Bounded like the
/// string cache: when full, it is emptied.
struct WordCache {
    cap: usize,
    map: FxMap<Box<str>, Vec<(u32, f64)>>,
}

impl WordCache {
    fn new(cap: usize) -> WordCache {
        WordCache {
            cap,
            map: FxMap::default(),
        }
    }

    fn get(&self, w: &str) -> Option<&Vec<(u32, f64)>> {
        self.map.get(w)
    }

    fn insert(&mut self, w: &str, m: Vec<(u32, f64)>) {
        if self.map.len() >= self.cap {
            self.map.clear();
        }
        self.map.insert(w.into(), m);
    }
}

/// Longest party text that is cached; longer ones are matched every time.
const CACHE_MAX_TEXT: usize = 512;

/// A per-worker matcher that matches each distinct party string once.
///
/// The cache holds at most the capacity given to [`Watchlist::matcher`]
/// strings of at most 512 bytes (and a quarter as many words with their
/// similar vocabulary words): when the young generation fills, the old
/// one is dropped and the young one becomes old, so strings seen recently
/// stay (a two-generation LRU approximation, no per-hit bookkeeping).
///
/// Keep one per worker thread, so that workers never wait on a lock: rayon's
/// `map_init` may build its value once per job rather than per thread (a
/// cold cache each time), so a long-lived pool indexed by
/// `rayon::current_thread_index()` keeps the caches warm
/// (`examples/watchlist_bench.rs` does so).
///
/// ```
/// use dualuse::watchlist::WatchlistBuilder;
/// let wl = WatchlistBuilder::new()
///     .add_source("l.csv", "name\nALTYN TAU MINING\n")
///     .build()?;
/// let mut m = wl.matcher(1 << 16);
/// for _ in 0..3 {
///     assert_eq!(m.screen("importer", "ТОО \"АЛТЫН ТАУ МАЙНИНГ\"").len(), 1);
/// }
/// assert_eq!((m.lookups(), m.misses()), (3, 1));
/// # Ok::<(), dualuse::Error>(())
/// ```
pub struct PartyMatcher {
    wl: Watchlist,
    half: usize,
    young: FxMap<Box<str>, Arc<[RawHit]>>,
    old: FxMap<Box<str>, Arc<[RawHit]>>,
    words: WordCache,
    lookups: u64,
    misses: u64,
}

impl std::fmt::Debug for PartyMatcher {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("PartyMatcher")
            .field("cached", &(self.young.len() + self.old.len()))
            .field("lookups", &self.lookups)
            .field("misses", &self.misses)
            .finish()
    }
}

impl PartyMatcher {
    /// As [`Watchlist::screen`], from the cache when `text` was seen.
    pub fn screen(&mut self, field: &str, text: &str) -> Vec<PartyHit> {
        self.lookups += 1;
        if text.trim().is_empty() {
            return Vec::new();
        }
        // Borrowed field by field, so that the shared index is never cloned
        // (an `Arc` clone per call would bounce one cache line between workers).
        let PartyMatcher {
            wl,
            half,
            young,
            old,
            misses,
            words,
            ..
        } = self;
        let ix = &*wl.inner;
        if text.len() > CACHE_MAX_TEXT {
            *misses += 1;
            let raw = ix.match_key(&analyse(text), Some(words));
            return raw.iter().map(|r| ix.to_hit(field, text, r)).collect();
        }
        let raw = if let Some(r) = young.get(text) {
            r.clone()
        } else {
            let r = match old.remove(text) {
                Some(r) => r,
                None => {
                    *misses += 1;
                    ix.match_key(&analyse(text), Some(words)).into()
                }
            };
            if young.len() >= *half {
                *old = std::mem::take(young);
            }
            young.insert(text.into(), r.clone());
            r
        };
        raw.iter().map(|r| ix.to_hit(field, text, r)).collect()
    }

    /// Calls to [`PartyMatcher::screen`] so far.
    pub fn lookups(&self) -> u64 {
        self.lookups
    }

    /// Calls that had to match (not found in the cache).
    pub fn misses(&self) -> u64 {
        self.misses
    }
}
