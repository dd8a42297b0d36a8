//! Compiling rule sets into one immutable classifier, and screening lines.
//!
//! Compilation puts every literal term of every rule (and the markers after
//! which descriptions write HS codes) into one Aho-Corasick automaton, every
//! pattern into one `RegexSet`, and every HS prefix into one hash table; each
//! bucket maps back to rule ids. Screening a line is one pass of each, then a
//! check of the few rules that were touched. There is no loop over rules.

use crate::diag::{Code, Diagnostic};
use crate::error::{Error, ErrorKind, Result};
use crate::hs;
use crate::limits;
use crate::normalize::{boundary_after, boundary_before, ceil_char, floor_char, Normalized};
use crate::params;
use crate::parts::{ManufacturerInfo, PartFamilyInfo};
use crate::pattern::triggers::{self, TriggerKind};
use crate::pattern::{self, PatternDef};
use crate::result::{
    CodeInText, Evidence, EvidenceKind, Hit, HsInfo, HsSource, Misdeclaration, NearMiss, Part,
    Screening, Veto,
};
use crate::rules::{self, Example, ParamCond, RuleSetDef, RuleSetInfo, TermDef};
use crate::types::{Basis, Category, Requires, Severity};
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use rayon::prelude::*;
use regex::RegexSet;
use regex_automata::meta::Regex as MetaRegex;
use regex_automata::{Anchored, Input};
use serde::Serialize;
use sha2::{Digest, Sha256};
use std::collections::HashMap;
use std::path::Path;
use std::sync::Arc;

mod builtin {
    include!(concat!(env!("OUT_DIR"), "/builtin_rules.rs"));
}

mod compile;
mod evidence;
mod prefilter;
mod screen;
mod sources;

use compile::compile;
use screen::{groups_needed_by, PatTriggers};
use sources::check_sources;
pub use sources::RuleSources;

/// Evidence items kept per rule and line, so hostile text cannot blow up a result.
const MAX_EVIDENCE_PER_RULE: usize = 16;

/// Codes written in one description that are reported (and considered).
const MAX_CODES_IN_TEXT: usize = 16;

/// Joins the text columns of one row for [`Classifier::classify_columns`].
/// A private-use character: not a word character (so word boundaries hold
/// at a column's edges), not whitespace (so no term with a space can match
/// across it), and in no rule's literal; a pattern or parameter match that
/// contains it is dropped, so no match spans two columns.
const COLUMN_SEP: char = '\u{E000}';

/// Above this many literals the automaton is a contiguous NFA, not a DFA.
/// Measured on the curated rules (~10,000 literals): the DFA took 85 MB and
/// made the whole screen twice as slow as the 1.8 MB contiguous NFA, since
/// it no longer fits in cache.
const DFA_MAX_LITERALS: usize = 2_000;

/// Settings for compiling a [`Classifier`]: which rule sets, categories and
/// severities to keep. The rules themselves are given to [`ClassifierBuilder::build`].
#[derive(Clone, Debug, Default)]
pub struct ClassifierBuilder {
    rulesets: Option<Vec<String>>,
    categories: Option<Vec<Category>>,
    min_severity: Option<Severity>,
    two_phase: bool,
    check_embedded: bool,
}

impl ClassifierBuilder {
    /// Default settings: every rule of every rule set.
    pub fn new() -> ClassifierBuilder {
        ClassifierBuilder::default()
    }

    /// Keep only the rule sets with these ids.
    pub fn rulesets<I, S>(&mut self, ids: I) -> &mut Self
    where
        I: IntoIterator<Item = S>,
        S: Into<String>,
    {
        self.rulesets = Some(ids.into_iter().map(Into::into).collect());
        self
    }

    /// Keep only rules of these categories.
    pub fn categories(&mut self, cats: impl IntoIterator<Item = Category>) -> &mut Self {
        self.categories = Some(cats.into_iter().collect());
        self
    }

    /// Keep only rules of at least this severity.
    pub fn min_severity(&mut self, s: Severity) -> &mut Self {
        self.min_severity = Some(s);
        self
    }

    /// Searches every line's text in full (`true`, the default), or first
    /// asks whether any literal the rules need occurs on the line and skips
    /// the full search where none does (`false`: the two-phase screen,
    /// DESIGN.md, "Why are most lines never searched in full?"). Results
    /// are the same either way (`tests/oracle.rs`). The two-phase screen is
    /// not the default yet: on the vendor-shaped dump it lets 7.85% of the
    /// rows through, but its first phase costs more than it saves
    /// (BENCHMARKS.md). The binary takes it when the environment variable
    /// `DUALUSE_EXHAUSTIVE` is `0`.
    pub fn exhaustive(&mut self, yes: bool) -> &mut Self {
        self.two_phase = !yes;
        self
    }

    /// Compiles the patterns of the curated rule files embedded in the
    /// crate ([`RuleSources::builtin`]) for the check too (`true`), as
    /// [`check_rules`](crate::check::check_rules) and `dualuse rules check`
    /// do. By default a build does not: the test suite checks those files
    /// in full, and compiling every pattern only to see that it builds was
    /// 39% of the start-up's instructions (`dualuse classify` of a
    /// one-line file: 0.48-0.50 s before, 0.36-0.42 s after, BENCHMARKS.md).
    /// The engine compiles the patterns it runs either way, and the files
    /// a user adds are always checked in full.
    pub fn check_embedded_patterns(&mut self, yes: bool) -> &mut Self {
        self.check_embedded = yes;
        self
    }

    /// Checks every rule file and compiles the rules into a classifier.
    ///
    /// # Errors
    /// [`ErrorKind::Rules`] with every problem of every file, each with a
    /// stable code, `file:line:column` and rule id.
    pub fn build(&self, sources: &RuleSources) -> Result<Classifier> {
        let (sets, mut diags) = check_sources(sources, !self.check_embedded);
        if let Some(keep) = &self.rulesets {
            for id in keep {
                if !sets.iter().any(|s| &s.info.id == id) {
                    return Err(Error::config(format!("no rule set with id `{id}`")));
                }
            }
        }
        let sets: Vec<RuleSetDef> = sets
            .into_iter()
            .filter(|s| {
                self.rulesets
                    .as_ref()
                    .is_none_or(|k| k.iter().any(|id| id == &s.info.id))
            })
            .collect();
        let mut inner = compile(sets, self, &mut diags);
        if !diags.is_empty() {
            return Err(ErrorKind::Rules(diags).into());
        }
        if self.two_phase {
            inner.prefilter = prefilter::Prefilter::derive(&inner);
        }
        Ok(Classifier {
            inner: Arc::new(inner),
        })
    }
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Which condition of a rule a term or pattern serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Any,
    All(u8),
    Exclude,
}

/// What a match of one automaton literal stands for.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Target {
    /// A term of rule `rule`; `written` indexes the rule's written terms,
    /// for evidence.
    Term { rule: u32, slot: Slot, written: u32 },
    /// A literal that must occur for pattern `.0` to match.
    Trigger(u32),
    /// A marker before an HS code written in the text.
    Marker,
    /// Literal `.0` of the parts knowledge base.
    Part(u32),
}

/// One use of an automaton literal: what it stands for, and the word
/// boundaries a match needs to count.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
struct TermUse {
    target: Target,
    start_b: bool,
    end_b: bool,
}

/// What the evidence of a line's rules is written from: the original
/// description and the line's code.
struct LineFacts<'a> {
    /// The original description (columns joined), whose spans evidence gives.
    text: &'a str,
    /// The code's digits, declared or read from the description.
    digits: &'a Option<String>,
    /// Where the code came from.
    source: HsSource,
    /// Codes written in the description, in order.
    in_text: &'a [CodeInText],
}

/// A pattern of the engine: its definition, compiled on the first line
/// that triggers it (see [`LazyPattern::compiled`]).
struct LazyPattern {
    re: std::sync::OnceLock<Option<MetaRegex>>,
    def: PatternDef,
    /// How its trigger literals stand in a match; `None`: it runs on every line.
    trigger: Option<TriggerKind>,
    /// Whether the engine source starts with a boundary that consumes the
    /// character before the match.
    start_b: bool,
    /// The longest match of group 1 in bytes, when bounded: a suffix or
    /// inner trigger then bounds where a match can be.
    max_len: Option<usize>,
    rule: u32,
    slot: Slot,
    source: Arc<str>,
}

impl LazyPattern {
    /// The pattern's regex, compiled by [`PatternDef::compile`] on first
    /// use, and shared by the exhaustive screen and the two-phase screen's
    /// second phase.
    fn compiled(&self) -> Option<&MetaRegex> {
        self.re.get_or_init(|| self.def.compile().ok()).as_ref()
    }
}

/// A rule's public description, shared by every hit it produces.
#[derive(Clone, Debug, Serialize)]
pub struct RuleInfo {
    /// Stable id.
    pub id: Arc<str>,
    /// What it recognises.
    pub title: String,
    /// Its rule set.
    pub ruleset: Arc<str>,
    /// Its category.
    pub category: Category,
    /// Its severity.
    pub severity: Severity,
    /// The list entries it encodes.
    pub references: Arc<[String]>,
    /// Where the facts come from.
    pub sources: Vec<String>,
    /// What must match.
    pub requires: Requires,
    /// Its HS prefixes.
    pub hs: Vec<String>,
    /// Its parameter conditions.
    pub params: Vec<ParamCond>,
    /// Lines it must fire on.
    pub examples: Vec<Example>,
    /// Lines it must not fire on.
    pub counterexamples: Vec<Example>,
    /// Notes for analysts.
    pub note: Option<String>,
    /// File it was defined in.
    pub file: String,
    /// Line it was defined at.
    pub line: usize,
}

struct Rule {
    info: Arc<RuleInfo>,
    has_text: bool,
    has_any: bool,
    n_all: u8,
    /// Written terms, for evidence: any, all groups, excludes, in `TermUse::written` order.
    written: Vec<Arc<str>>,
    /// For each `all` group, its range in `written` (for near misses).
    groups: Vec<(u32, u32)>,
}

/// Everything compiled from the rule sets: the rules, the one automaton
/// and what maps its matches back, the patterns, the HS table, the parts
/// knowledge base and the prefilter. Immutable; shared by `Arc`.
struct CompiledRules {
    rules: Vec<Rule>,
    ac: Option<AhoCorasick>,
    /// For automaton pattern `i`, its uses are `uses[ranges[i].0 .. ranges[i].1]`.
    ranges: Vec<(u32, u32)>,
    uses: Vec<TermUse>,
    /// The patterns without trigger literals; `set` runs them on every line.
    set: Option<RegexSet>,
    always: Vec<usize>,
    /// Patterns without trigger literals whose rules have `all` groups:
    /// each runs on the lines where its rule's groups are all met, since
    /// elsewhere its matches could change nothing.
    gated: Vec<u32>,
    patterns: Vec<LazyPattern>,
    /// HS prefix (length, value) → (rule, is_exclusion).
    hs_table: PrefixMap,
    headings: Vec<Arc<[String]>>,
    rulesets: Vec<RuleSetInfo>,
    hash: String,
    n_terms: usize,
    /// The automaton's literals, by pattern id.
    literals: Vec<String>,
    /// The manufacturer and part-number knowledge base.
    parts: crate::parts::PartsIndex,
    /// The first phase of the screen; `None`: every line is searched in full.
    prefilter: Option<prefilter::Prefilter>,
}

/// The compiled, immutable classifier.
///
/// Build it once with [`Classifier::builtin`] or [`ClassifierBuilder::build`],
/// then share it: it is `Send + Sync` and cloning is a reference-count
/// increment. Screening needs a [`Scratch`] per thread
/// ([`Classifier::classify_with`]); [`Classifier::classify`] makes one per call.
///
/// # Resource usage
/// One automaton over all terms and the patterns' trigger literals, one
/// hash table of HS prefixes; each pattern's regex is compiled on its first
/// trigger and runs only where a match can be. The per-line cost grows with
/// the length of the line and the number of rules touched, hardly with the
/// number of rules loaded.
///
/// # Examples
/// ```
/// let clf = dualuse::Classifier::builtin().unwrap();
/// let r = clf.classify(Some("8542.31"), "MICROCONTROLLER STM32F407VGT6, 500 PCS");
/// assert!(r.flagged());
/// assert!(r.categories.contains(&dualuse::Category::Microelectronics));
/// ```
#[derive(Clone)]
pub struct Classifier {
    inner: Arc<CompiledRules>,
}

impl std::fmt::Debug for Classifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("Classifier")
            .field("rules", &self.inner.rules.len())
            .field("terms", &self.inner.n_terms)
            .field("patterns", &self.inner.patterns.len())
            .field("patterns_without_trigger", &self.inner.always.len())
            .field("patterns_run_when_all_groups_met", &self.inner.gated.len())
            .field(
                "automaton",
                &self
                    .inner
                    .ac
                    .as_ref()
                    .map(|a| format!("{:?}, {} bytes", a.kind(), a.memory_usage())),
            )
            .field(
                "prefilter",
                &self.inner.prefilter.as_ref().map(|p| p.describe()),
            )
            .field("hash", &self.inner.hash)
            .finish()
    }
}

fn prefix_key(digits: &str) -> (u8, u64) {
    prefix_keys(digits).last().unwrap_or((0, 0))
}

/// The keys of every prefix of a code, shortest first: (length, value),
/// built digit by digit (one pass, no parsing per prefix). Codes in the
/// table and codes looked up both go through it.
fn prefix_keys(digits: &str) -> impl Iterator<Item = (u8, u64)> + '_ {
    digits
        .bytes()
        .take(19)
        .scan(0u64, |value, b| {
            *value = *value * 10 + u64::from(b.wrapping_sub(b'0'));
            Some(*value)
        })
        .enumerate()
        .map(|(i, v)| ((i + 1) as u8, v))
}

/// HS prefixes to the rules that list them, keyed by (length, value).
type PrefixMap = HashMap<(u8, u64), Vec<(u32, bool)>, std::hash::BuildHasherDefault<PrefixHasher>>;

/// A multiply-rotate hash for the prefix keys: nine lookups a line made
/// SipHash show in profiles. The table is built from the rules, so a
/// line's digits cannot make its buckets longer.
#[derive(Default)]
struct PrefixHasher(u64);

impl std::hash::Hasher for PrefixHasher {
    fn finish(&self) -> u64 {
        self.0
    }

    fn write(&mut self, bytes: &[u8]) {
        for &b in bytes {
            self.write_u64(u64::from(b));
        }
    }

    fn write_u8(&mut self, i: u8) {
        self.write_u64(u64::from(i));
    }

    fn write_u64(&mut self, i: u64) {
        self.0 = (self.0.rotate_left(5) ^ i).wrapping_mul(0x517c_c1b7_2722_0a95);
    }
}

/// Per-thread working memory for screening. Create one per worker with
/// [`Classifier::scratch`] and reuse it for every line.
#[derive(Debug)]
pub struct Scratch {
    norm: Normalized,
    stamp: u32,
    seen: Vec<u32>,
    state: Vec<RuleState>,
    touched: Vec<u32>,
    ev: Vec<(u32, RawEv)>,
    markers: Vec<(usize, usize)>,
    params: Option<Vec<params::Found>>,
    /// Patterns whose trigger literal occurred on this line.
    triggered: Vec<u32>,
    /// Per pattern, its triggers on the current line.
    pat: Vec<PatTriggers>,
    /// (pattern, start, end) of the first triggers of each pattern.
    trig_at: Vec<(u32, u32, u32)>,
    /// Whether the current text joins several columns with [`COLUMN_SEP`].
    joined: bool,
    /// The joined text of [`Classifier::classify_columns`], reused.
    join_buf: String,
    /// Where [`Classifier::explain_columns`] collects rules that came close.
    near: Option<Vec<NearMiss>>,
    /// Parts and manufacturers found on the current line.
    line_parts: crate::parts::LineParts,
    /// The mention regions of the current line, computed on demand.
    mentions: crate::mentions::LineMentions,
}

#[derive(Clone, Copy, Debug, Default)]
struct RuleState {
    any: bool,
    all_mask: u64,
    excluded: Option<u32>,
    hs: Option<u8>,
}

#[derive(Clone, Copy, Debug)]
enum RawEv {
    Term { written: u32, s: u32, e: u32 },
    Pattern { pat: u32, s: u32, e: u32 },
    Hs { len: u8 },
    Param { idx: u32, cond: u32 },
}

/// A rule example that did not behave, from [`Classifier::check_examples`].
#[derive(Clone, Debug, PartialEq)]
pub struct ExampleFailure {
    /// The rule id.
    pub rule: Arc<str>,
    /// `file:line` of the rule.
    pub location: String,
    /// `example`, `counterexample`, or what is missing.
    pub problem: String,
    /// 1-based position among the rule's examples, for an `example`, or
    /// among its counterexamples, for a `counterexample` (0 when none).
    pub index: usize,
    /// The line that misbehaved.
    pub example: Option<Example>,
    /// The exclusion that vetoed the rule, when one did.
    pub vetoed_by: Option<String>,
}

impl std::fmt::Display for ExampleFailure {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "{} ({}) {}", self.rule, self.location, self.problem)?;
        if let Some(ex) = &self.example {
            write!(
                f,
                " #{}: hs={:?} text={:?}",
                self.index,
                ex.hs.as_deref().unwrap_or(""),
                ex.text
            )?;
        }
        if let Some(v) = &self.vetoed_by {
            write!(f, " (vetoed by `{v}`)")?;
        }
        Ok(())
    }
}

/// One customs line: a declared code (possibly absent) and a description.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq)]
pub struct Line<'a> {
    /// The declared HS code as written.
    pub hs: Option<&'a str>,
    /// The goods description.
    pub text: &'a str,
}

impl Classifier {
    /// Compiles the curated built-in rule sets with default settings.
    ///
    /// # Errors
    /// Only if the embedded rules are broken, which the test suite prevents.
    pub fn builtin() -> Result<Classifier> {
        ClassifierBuilder::new().build(&RuleSources::builtin())
    }

    /// Compiles the given rule sources with default settings.
    ///
    /// # Errors
    /// See [`ClassifierBuilder::build`].
    pub fn new(sources: &RuleSources) -> Result<Classifier> {
        ClassifierBuilder::new().build(sources)
    }

    /// The loaded rule sets (ids, versions, hashes), in load order.
    pub fn rulesets(&self) -> &[RuleSetInfo] {
        &self.inner.rulesets
    }

    /// SHA-256 over the ids, versions and file hashes of the loaded rule
    /// sets: two results with the same hash were screened by the same rules.
    pub fn hash(&self) -> &str {
        &self.inner.hash
    }

    /// The rules, in load order.
    pub fn rules(&self) -> impl ExactSizeIterator<Item = &RuleInfo> + '_ {
        self.inner.rules.iter().map(|r| &*r.info)
    }

    /// The headings where a category's goods are normally declared.
    pub fn headings(&self, c: Category) -> &[String] {
        &self.inner.headings[c.index()]
    }

    /// The literals of the one automaton that every line is searched with,
    /// in normalised form (lower case, folded): every term of every rule,
    /// the trigger literals of the patterns (a pattern runs only where one
    /// of its triggers occurs) and the markers of HS codes written in the
    /// text. For benchmarks and for analysts who want the same keyword list
    /// in another tool; no order is promised.
    ///
    /// ```
    /// let clf = dualuse::Classifier::builtin().unwrap();
    /// assert!(clf.literals().any(|l| l == "microcontroller"));
    /// ```
    #[doc(hidden)] // for benches, examples and tests
    pub fn literals(&self) -> impl ExactSizeIterator<Item = &str> + '_ {
        self.inner.literals.iter().map(String::as_str)
    }

    /// The literals of the first phase of the screen, in normalised form: a
    /// line on which none of them occurs (at the word boundaries their uses
    /// ask for) gets the result of its code alone. Empty on the exhaustive
    /// path ([`ClassifierBuilder::exhaustive`]) and for rules whose text can
    /// matter without any literal. No order is promised.
    #[doc(hidden)] // for benches, examples and tests
    pub fn prefilter_literals(&self) -> impl Iterator<Item = &str> + '_ {
        self.inner
            .prefilter
            .iter()
            .flat_map(|p| p.literals().iter().map(String::as_str))
    }

    /// Whether `text` could change a line's result through the rules or
    /// the parts knowledge base: `false` when none of the [prefilter
    /// literals](Classifier::prefilter_literals) occurs in its normalised
    /// form as their uses ask (at word boundaries, a part prefix followed
    /// by its family's shape), so that screening it gives the result of the
    /// code alone and of the codes written in the text (`HS CODE: 8542.31`).
    /// The first phase of the two-phase screen; always `true` on the
    /// exhaustive path (the default, [`ClassifierBuilder::exhaustive`]).
    ///
    /// ```
    /// let clf = dualuse::ClassifierBuilder::new()
    ///     .exhaustive(false)
    ///     .build(&dualuse::RuleSources::builtin())?;
    /// let mut scratch = clf.scratch();
    /// assert!(clf.text_may_matter(&mut scratch, "FPGA XC7K325T"));
    /// assert!(!clf.text_may_matter(&mut scratch, "COTTON T-SHIRTS, 200 PCS"));
    /// # Ok::<(), dualuse::Error>(())
    /// ```
    #[doc(hidden)] // for benches, examples and tests
    pub fn text_may_matter(&self, scratch: &mut Scratch, text: &str) -> bool {
        scratch.norm.normalize_lazy(text);
        scratch.markers.clear();
        self.admits(scratch)
    }

    /// The prefilter literal that makes [`Classifier::text_may_matter`]
    /// true on `text` (the first one found), or `None` when it is false or
    /// when there is no prefilter. For tuning rules: a short term that lets
    /// most lines of a dump through shows here.
    ///
    /// ```
    /// let clf = dualuse::ClassifierBuilder::new()
    ///     .exhaustive(false)
    ///     .build(&dualuse::RuleSources::builtin())?;
    /// let mut scratch = clf.scratch();
    /// assert_eq!(clf.prefilter_reason(&mut scratch, "COTTON T-SHIRTS, 200 PCS"), None);
    /// assert!(clf.prefilter_reason(&mut scratch, "FPGA XC7K325T").is_some());
    /// # Ok::<(), dualuse::Error>(())
    /// ```
    #[doc(hidden)] // for benches, examples and tests
    pub fn prefilter_reason(&self, scratch: &mut Scratch, text: &str) -> Option<&str> {
        let p = self.inner.prefilter.as_ref()?;
        scratch.norm.normalize_lazy(text);
        scratch.markers.clear();
        self.admitting_literal(p, scratch)
            .map(|id| p.literals()[id].as_str())
    }

    /// The first phase's literal that lets the normalised line in
    /// `scratch` through, if one does.
    fn admitting_literal(&self, p: &prefilter::Prefilter, scratch: &mut Scratch) -> Option<usize> {
        p.admits(
            scratch.norm.as_str(),
            &self.inner.patterns,
            &self.inner.parts,
            &mut scratch.line_parts,
            &mut scratch.markers,
        )
    }

    /// The first phase on the normalised line in `scratch` (see
    /// `prefilter.rs`): `false` when the text can change the result only
    /// through the markers it pushed to `scratch.markers`.
    fn admits(&self, scratch: &mut Scratch) -> bool {
        let Some(p) = &self.inner.prefilter else {
            return true;
        };
        self.admitting_literal(p, scratch).is_some()
    }

    /// The manufacturers of the loaded knowledge base (`[[manufacturer]]`
    /// tables), in load order.
    pub fn manufacturers(&self) -> &[ManufacturerInfo] {
        &self.inner.parts.manufacturers
    }

    /// The part-number families of the loaded knowledge base (`[[family]]`
    /// tables), in load order.
    ///
    /// ```
    /// let clf = dualuse::Classifier::builtin().unwrap();
    /// assert!(clf.part_families().iter().any(|f| f.kind == "fpga"));
    /// ```
    pub fn part_families(&self) -> &[PartFamilyInfo] {
        &self.inner.parts.families
    }

    /// A fresh working memory for [`Classifier::classify_with`].
    pub fn scratch(&self) -> Scratch {
        let n = self.inner.rules.len();
        Scratch {
            norm: Normalized::new(),
            stamp: 0,
            seen: vec![0; n],
            state: vec![RuleState::default(); n],
            touched: Vec::new(),
            ev: Vec::new(),
            markers: Vec::new(),
            params: None,
            triggered: Vec::new(),
            pat: vec![PatTriggers::default(); self.inner.patterns.len()],
            trig_at: Vec::new(),
            joined: false,
            join_buf: String::new(),
            near: None,
            line_parts: Default::default(),
            mentions: Default::default(),
        }
    }

    /// Screens one line, making a scratch for it. For many lines, use
    /// [`Classifier::classify_with`] or [`Classifier::classify_batch`].
    pub fn classify(&self, hs: Option<&str>, text: &str) -> Screening {
        let mut s = self.scratch();
        self.classify_with(&mut s, hs, text)
    }

    /// Screens many lines in parallel (rayon), one scratch per worker,
    /// results in input order.
    pub fn classify_batch(&self, lines: &[Line<'_>]) -> Vec<Screening> {
        use rayon::prelude::*;
        lines
            .par_iter()
            .map_init(
                || self.scratch(),
                |s, l| self.classify_with(s, l.hs, l.text),
            )
            .collect()
    }

    /// Screens one line with the given working memory.
    ///
    /// # Panics
    /// If `scratch` was made by a classifier with a different number of rules.
    pub fn classify_with(&self, scratch: &mut Scratch, hs: Option<&str>, text: &str) -> Screening {
        scratch.joined = false;
        self.screen(scratch, hs, text)
    }

    /// Screens one row whose goods are described in several columns (a
    /// Chinese `商品名称` name and `规格型号` model, a Russian name,
    /// trademark and model), with the given working memory.
    ///
    /// The columns are screened together: a rule may take one term from the
    /// name and another from the model, but no single match spans two
    /// columns. Every span in the result (evidence, codes written in the
    /// text) carries `column`, the index into `texts`, and its offsets are
    /// byte offsets into that column's text.
    ///
    /// ```
    /// let clf = dualuse::Classifier::builtin()?;
    /// let mut scratch = clf.scratch();
    /// let r = clf.classify_columns(&mut scratch, None, &["集成电路", "STM32F407VGT6"]);
    /// assert!(r.flagged());
    /// for e in r.hits.iter().flat_map(|h| &h.evidence) {
    ///     if let (Some(c), Some(s), Some(end)) = (e.column, e.start, e.end) {
    ///         assert_eq!(&["集成电路", "STM32F407VGT6"][c][s..end], e.text);
    ///     }
    /// }
    /// # Ok::<(), dualuse::Error>(())
    /// ```
    ///
    /// # Panics
    /// If `scratch` was made by a classifier with a different number of rules.
    pub fn classify_columns(
        &self,
        scratch: &mut Scratch,
        hs: Option<&str>,
        texts: &[&str],
    ) -> Screening {
        if let [one] = texts {
            let mut r = self.classify_with(scratch, hs, one);
            Self::locate_columns(&mut r, &mut scratch.near, &[0]);
            return r;
        }
        let mut buf = std::mem::take(&mut scratch.join_buf);
        buf.clear();
        let mut starts = Vec::with_capacity(texts.len());
        for (i, t) in texts.iter().enumerate() {
            if i > 0 {
                buf.push(COLUMN_SEP);
            }
            starts.push(buf.len());
            buf.push_str(t);
        }
        scratch.joined = texts.len() > 1;
        let mut r = self.screen(scratch, hs, &buf);
        scratch.joined = false;
        scratch.join_buf = buf;
        Self::locate_columns(&mut r, &mut scratch.near, &starts);
        r
    }

    /// Screens like [`Classifier::classify_columns`] and also returns the
    /// rules that came close without firing: some of their evidence was
    /// found, but an `all` group, the `any` terms, a parameter threshold or
    /// the code side (`requires = "both"`) was missing. Vetoed rules are in
    /// the screening's `vetoed`. For `dualuse explain`: slower than
    /// screening, since it renders evidence for rules that do not fire.
    ///
    /// ```
    /// let clf = dualuse::Classifier::builtin()?;
    /// let mut scratch = clf.scratch();
    /// let (r, near) = clf.explain_columns(&mut scratch, None, &["THERMAL CAMERA 25 HZ"]);
    /// for n in &near {
    ///     assert!(!n.missing.is_empty());
    ///     assert!(!r.hits.iter().any(|h| h.rule == n.rule));
    /// }
    /// # Ok::<(), dualuse::Error>(())
    /// ```
    pub fn explain_columns(
        &self,
        scratch: &mut Scratch,
        hs: Option<&str>,
        texts: &[&str],
    ) -> (Screening, Vec<NearMiss>) {
        scratch.near = Some(Vec::new());
        let r = self.classify_columns(scratch, hs, texts);
        let near = scratch.near.take().unwrap_or_default();
        (r, near)
    }

    /// Runs every rule's examples and counterexamples; returns the ones that
    /// misbehave (a rule that does not fire on its example, or fires on its
    /// counterexample, or has fewer than two of either). `dualuse rules test`
    /// and the registry test both use it.
    pub fn check_examples(&self) -> (usize, Vec<ExampleFailure>) {
        let mut scratch = self.scratch();
        let mut passed = 0;
        let mut failures = Vec::new();
        for r in self.rules() {
            // Each list is numbered on its own: counterexample #2 is the
            // second `[[rule.counterexample]]` of the rule.
            let examples = r.examples.iter().enumerate().map(|(i, e)| (i, e, true));
            let counter = (r.counterexamples.iter().enumerate()).map(|(i, e)| (i, e, false));
            for (i, ex, want) in examples.chain(counter) {
                let res = self.classify_with(&mut scratch, ex.hs.as_deref(), &ex.text);
                if res.hits.iter().any(|h| h.rule == r.id) == want {
                    passed += 1;
                    continue;
                }
                let vetoed_by = res
                    .vetoed
                    .iter()
                    .find(|v| v.rule == r.id)
                    .map(|v| v.by.rule_part.clone());
                failures.push(ExampleFailure {
                    rule: r.id.clone(),
                    location: format!("{}:{}", r.file, r.line),
                    problem: if want { "example" } else { "counterexample" }.to_string(),
                    index: i + 1,
                    example: Some(ex.clone()),
                    vetoed_by,
                });
            }
            if r.examples.len() < 2 || r.counterexamples.len() < 2 {
                failures.push(ExampleFailure {
                    rule: r.id.clone(),
                    location: format!("{}:{}", r.file, r.line),
                    problem: format!(
                        "needs at least 2 examples and 2 counterexamples (has {} and {})",
                        r.examples.len(),
                        r.counterexamples.len()
                    ),
                    index: 0,
                    example: None,
                    vetoed_by: None,
                });
            }
        }
        // Part families: each example must yield a part of the family, no
        // counterexample may.
        for f in self.part_families() {
            let cases = f
                .examples
                .iter()
                .map(|e| (e, true))
                .chain(f.counterexamples.iter().map(|e| (e, false)));
            for (i, (ex, want)) in cases.enumerate() {
                let res = self.classify_with(&mut scratch, ex.hs.as_deref(), &ex.text);
                if res.parts.iter().any(|p| *p.rule == *f.id) == want {
                    passed += 1;
                    continue;
                }
                failures.push(ExampleFailure {
                    rule: Arc::from(f.id.as_str()),
                    location: f.location.clone(),
                    problem: if want { "example" } else { "counterexample" }.to_string(),
                    index: i + 1,
                    example: Some(ex.clone()),
                    vetoed_by: None,
                });
            }
            if f.examples.len() < 2 || f.counterexamples.len() < 2 {
                failures.push(ExampleFailure {
                    rule: Arc::from(f.id.as_str()),
                    location: f.location.clone(),
                    problem: format!(
                        "needs at least 2 examples and 2 counterexamples (has {} and {})",
                        f.examples.len(),
                        f.counterexamples.len()
                    ),
                    index: 0,
                    example: None,
                    vetoed_by: None,
                });
            }
        }
        (passed, failures)
    }
}
