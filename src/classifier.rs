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
use crate::normalize::{ceil_char, floor_char, is_word_char, Normalized};
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

#[path = "prefilter.rs"]
mod prefilter;

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

/// Rule files to compile: the curated built-in sets, files, folders, strings.
///
/// A rule set loaded later replaces an earlier one with the same id, so a
/// folder can override a built-in set.
///
/// # Examples
/// ```
/// let sources = dualuse::RuleSources::builtin();
/// assert!(sources.len() >= 1);
/// ```
#[derive(Clone, Debug, Default)]
pub struct RuleSources {
    files: Vec<(String, String)>,
    unreadable: Vec<Diagnostic>,
}

impl RuleSources {
    /// No rule files.
    pub fn empty() -> RuleSources {
        RuleSources::default()
    }

    /// The curated rule sets embedded in the crate.
    pub fn builtin() -> RuleSources {
        let mut s = RuleSources::empty();
        for (name, text) in builtin::BUILTIN {
            s.files
                .push((format!("builtin:rules/{name}"), (*text).to_string()));
        }
        s
    }

    /// Adds one rule file from a string; `name` is used in diagnostics.
    pub fn add_source(&mut self, name: impl Into<String>, text: impl Into<String>) -> &mut Self {
        self.files.push((name.into(), text.into()));
        self
    }

    /// Adds a rule file or every `*.toml` file of a folder (sorted by name).
    ///
    /// # Errors
    /// The path cannot be read. A file that is not UTF-8 is reported as a
    /// diagnostic (E014) when the classifier is built.
    pub fn add_path(&mut self, path: impl AsRef<Path>) -> Result<&mut Self> {
        let path = path.as_ref();
        let meta = std::fs::metadata(path)
            .map_err(|e| Error::io(format!("reading rules {}", path.display()), e))?;
        let mut files = Vec::new();
        if meta.is_dir() {
            let rd = std::fs::read_dir(path)
                .map_err(|e| Error::io(format!("reading rules {}", path.display()), e))?;
            for entry in rd {
                let entry =
                    entry.map_err(|e| Error::io(format!("reading {}", path.display()), e))?;
                let p = entry.path();
                if p.extension().is_some_and(|x| x == "toml") {
                    files.push(p);
                }
            }
            files.sort();
        } else {
            files.push(path.to_path_buf());
        }
        for f in files {
            let bytes =
                std::fs::read(&f).map_err(|e| Error::io(format!("reading {}", f.display()), e))?;
            let name = f.display().to_string();
            match String::from_utf8(bytes) {
                Ok(text) => self.files.push((name, text)),
                Err(e) => {
                    let at = e.utf8_error().valid_up_to();
                    let valid = String::from_utf8_lossy(&e.as_bytes()[..at]).into_owned();
                    let mut d = Diagnostic::at(
                        Code::E014,
                        format!("rule file is not valid UTF-8 (byte {at})"),
                        &name,
                        &valid,
                        Some(at..at),
                        None,
                    );
                    if d.line == 0 {
                        d.line = 1;
                    }
                    self.unreadable.push(d);
                }
            }
        }
        Ok(self)
    }

    /// The files, as (name, contents).
    pub fn files(&self) -> impl Iterator<Item = (&str, &str)> + '_ {
        self.files.iter().map(|(n, t)| (n.as_str(), t.as_str()))
    }

    /// Number of files.
    pub fn len(&self) -> usize {
        self.files.len()
    }

    /// True when there are no files.
    pub fn is_empty(&self) -> bool {
        self.files.is_empty()
    }
}

/// Settings for compiling a [`Classifier`]: which rule sets, categories and
/// severities to keep. The rules themselves are given to [`ClassifierBuilder::build`].
#[derive(Clone, Debug, Default)]
pub struct ClassifierBuilder {
    rulesets: Option<Vec<String>>,
    categories: Option<Vec<Category>>,
    min_severity: Option<Severity>,
    two_phase: bool,
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

    /// Checks every rule file and compiles the rules into a classifier.
    ///
    /// # Errors
    /// [`ErrorKind::Rules`] with every problem of every file, each with a
    /// stable code, `file:line:column` and rule id.
    pub fn build(&self, sources: &RuleSources) -> Result<Classifier> {
        let (sets, mut diags) = check_sources(sources);
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

/// Parses and checks all sources; later rule sets replace earlier ones with the same id.
fn check_sources(sources: &RuleSources) -> (Vec<RuleSetDef>, Vec<Diagnostic>) {
    let mut diags = sources.unreadable.clone();
    let mut sets: Vec<RuleSetDef> = Vec::new();
    // Files are checked in parallel (compiling every pattern is most of
    // the check), then merged in their order, diagnostics included.
    let parsed: Vec<(Option<RuleSetDef>, Vec<Diagnostic>)> = sources
        .files
        .par_iter()
        .map(|(name, text)| {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            let mut file_diags = Vec::new();
            let def = rules::parse_file(name, text, &mut file_diags);
            (def, file_diags)
        })
        .collect();
    for ((name, text), (def, file_diags)) in sources.files.iter().zip(parsed) {
        let text = text.strip_prefix('\u{feff}').unwrap_or(text);
        diags.extend(file_diags);
        if let Some(mut def) = def {
            let mut h = Sha256::new();
            h.update(text.as_bytes());
            def.info.sha256 = hex(&h.finalize());
            def.info.rules = def.rules.len();
            if def.info.id.is_empty() {
                continue;
            }
            if let Some(i) = sets.iter().position(|s| s.info.id == def.info.id) {
                if sets[i].info.origin == def.info.origin
                    || !sets[i].info.origin.starts_with("builtin:")
                        && !def.info.origin.starts_with("builtin:")
                {
                    diags.push(Diagnostic::at(
                        Code::E003,
                        format!(
                            "rule set id `{}` is also defined in {}",
                            def.info.id, sets[i].info.origin
                        ),
                        name,
                        text,
                        Some(0..0),
                        None,
                    ));
                }
                sets[i] = def;
            } else {
                sets.push(def);
            }
        }
    }
    // Rule ids are unique across all rule sets that remain.
    let mut seen: HashMap<&str, (&str, usize)> = HashMap::new();
    let mut dups = Vec::new();
    for s in &sets {
        for r in &s.rules {
            if let Some((file, line)) = seen.insert(&r.id, (&r.file, r.line)) {
                dups.push((r.id.clone(), r.file.clone(), r.line, file.to_string(), line));
            }
        }
    }
    for (id, file, line, other, other_line) in dups {
        let mut d = Diagnostic::at(
            Code::E003,
            format!("duplicate rule id `{id}` (first defined at {other}:{other_line})"),
            &file,
            "",
            None,
            Some(&id),
        );
        d.line = line;
        d.column = 1;
        diags.push(d);
    }
    (sets, diags)
}

fn hex(bytes: &[u8]) -> String {
    bytes.iter().map(|b| format!("{b:02x}")).collect()
}

/// Which condition of a rule a literal or pattern serves.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Slot {
    Any,
    All(u8),
    Exclude,
    /// A literal that must occur for pattern `TermUse::rule` to match.
    Trigger,
}

#[derive(Clone, Copy, Debug)]
struct TermUse {
    rule: u32,
    slot: Slot,
    start_b: bool,
    end_b: bool,
    /// Index into the rule's written terms, for evidence.
    written: u32,
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

/// An automaton entry that is not a rule term: a marker before an HS code.
const MARKER: u32 = u32::MAX;
/// An automaton entry of the parts knowledge base (`TermUse::written` is
/// its index among the knowledge base's literals).
const PART: u32 = u32::MAX - 1;

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

fn compile(
    sets: Vec<RuleSetDef>,
    b: &ClassifierBuilder,
    diags: &mut Vec<Diagnostic>,
) -> CompiledRules {
    let mut rules: Vec<Rule> = Vec::new();
    let mut literal_ids: HashMap<String, usize> = HashMap::new();
    let mut literal_uses: Vec<Vec<TermUse>> = Vec::new();
    let mut literals: Vec<String> = Vec::new();
    let mut pattern_defs: Vec<(PatternDef, u32, Slot)> = Vec::new();
    let mut hs_table = PrefixMap::default();
    let mut headings: Vec<Vec<String>> = vec![Vec::new(); Category::ALL.len()];
    let mut infos = Vec::new();
    let mut hasher = Sha256::new();
    let mut n_terms = 0usize;

    let mut add_literal = |lit: &str, u: TermUse, literals: &mut Vec<String>| {
        let id = *literal_ids.entry(lit.to_string()).or_insert_with(|| {
            literals.push(lit.to_string());
            literal_uses.push(Vec::new());
            literals.len() - 1
        });
        // Two variants of one rule's terms may be one literal.
        if !literal_uses[id].iter().any(|x| {
            (x.rule, x.slot, x.start_b, x.end_b, x.written)
                == (u.rule, u.slot, u.start_b, u.end_b, u.written)
        }) {
            literal_uses[id].push(u);
        }
    };
    for m in hs::TEXT_MARKERS {
        add_literal(
            m,
            TermUse {
                rule: MARKER,
                slot: Slot::Any,
                start_b: true,
                end_b: !m
                    .chars()
                    .next_back()
                    .is_some_and(crate::normalize::is_unsegmented),
                written: 0,
            },
            &mut literals,
        );
    }

    let expander = crate::variants::Expander::for_sets(&sets);
    let mut kb_manufacturers = Vec::new();
    let mut kb_families = Vec::new();
    for mut set in sets {
        kb_manufacturers.append(&mut set.manufacturers);
        kb_families.append(&mut set.families);
        hasher.update(set.info.id.as_bytes());
        hasher.update([0]);
        hasher.update(set.info.version.as_bytes());
        hasher.update([0]);
        hasher.update(set.info.sha256.as_bytes());
        hasher.update([0]);
        for (cat, prefixes) in &set.headings {
            headings[cat.index()].extend(prefixes.iter().cloned());
        }
        let ruleset: Arc<str> = Arc::from(set.info.id.as_str());
        for r in set.rules {
            if b.categories
                .as_ref()
                .is_some_and(|c| !c.contains(&r.category))
                || b.min_severity.is_some_and(|s| r.severity < s)
            {
                continue;
            }
            let idx = rules.len() as u32;
            let mut written: Vec<Arc<str>> = Vec::new();
            let mut add_terms = |terms: &[TermDef], slot: Slot, literals: &mut Vec<String>| {
                for t in terms {
                    let w = written.len() as u32;
                    written.push(Arc::from(t.written.as_str()));
                    let u = TermUse {
                        rule: idx,
                        slot,
                        start_b: t.start_b,
                        end_b: t.end_b,
                        written: w,
                    };
                    add_literal(&t.lit, u, literals);
                    // Transliterations and misspellings: more literals of the same use.
                    for v in expander.expand(t, slot != Slot::Exclude) {
                        add_literal(&v.lit, u, literals);
                    }
                }
            };
            add_terms(&r.any, Slot::Any, &mut literals);
            for (g, terms) in r.all.iter().enumerate() {
                add_terms(terms, Slot::All(g as u8), &mut literals);
            }
            add_terms(&r.ex_any, Slot::Exclude, &mut literals);
            n_terms += r.any.len() + r.ex_any.len() + r.all.iter().map(Vec::len).sum::<usize>();
            for p in &r.patterns {
                pattern_defs.push((p.clone(), idx, Slot::Any));
            }
            for p in &r.ex_patterns {
                pattern_defs.push((p.clone(), idx, Slot::Exclude));
            }
            for p in &r.hs {
                hs_table
                    .entry(prefix_key(p))
                    .or_default()
                    .push((idx, false));
            }
            for p in &r.ex_hs {
                hs_table.entry(prefix_key(p)).or_default().push((idx, true));
            }
            let info = Arc::new(RuleInfo {
                id: Arc::from(r.id.as_str()),
                title: r.title,
                ruleset: ruleset.clone(),
                category: r.category,
                severity: r.severity,
                references: Arc::from(r.references),
                sources: r.sources,
                requires: r.requires,
                hs: r.hs,
                params: r.params,
                examples: r.examples,
                counterexamples: r.counterexamples,
                note: r.note,
                file: r.file,
                line: r.line,
            });
            let mut at = r.any.len() as u32;
            let groups = r
                .all
                .iter()
                .map(|g| {
                    let range = (at, at + g.len() as u32);
                    at = range.1;
                    range
                })
                .collect();
            rules.push(Rule {
                info,
                has_text: !r.any.is_empty() || !r.patterns.is_empty() || !r.all.is_empty(),
                has_any: !r.any.is_empty() || !r.patterns.is_empty(),
                n_all: r.all.len() as u8,
                written,
                groups,
            });
        }
        infos.push(set.info);
    }

    // Patterns with a finite set of prefix literals run only when one of
    // them occurs; the others run on the lines where their rule's `all`
    // groups are met, if it has some, or else go into one regex set that
    // runs on every line.
    let mut always = Vec::new();
    let mut gated = Vec::new();
    let mut triggers = Vec::with_capacity(pattern_defs.len());
    // Trigger extraction is a quarter of the build; each pattern's is its own.
    let found: Vec<_> = pattern_defs
        .par_iter()
        .map(|(def, _, _)| triggers::trigger_literals(&def.body, def.start_b, def.end_b))
        .collect();
    for (i, ((def, rule, slot), t)) in pattern_defs.iter().zip(found).enumerate() {
        triggers.push(t.as_ref().map(|(k, _)| *k));
        match t {
            Some((kind, lits)) => {
                for l in lits {
                    add_literal(
                        &l,
                        TermUse {
                            rule: i as u32,
                            slot: Slot::Trigger,
                            // A boundary next to the literal is checked
                            // here, before the regex runs: `21` inside
                            // `3217` does not trigger `\b2[1-4]\d{3}`.
                            start_b: kind == TriggerKind::Prefix && def.start_b,
                            end_b: kind == TriggerKind::Suffix && def.end_b,
                            written: 0,
                        },
                        &mut literals,
                    );
                }
            }
            None => {
                if groups_needed_by(&rules[*rule as usize], *slot).is_some() {
                    gated.push(i as u32);
                } else {
                    always.push(i);
                }
            }
        }
    }

    if n_terms > limits::MAX_TERMS {
        diags.push(Diagnostic::at(
            Code::E010,
            format!(
                "{n_terms} terms in all rule sets; the limit is {}",
                limits::MAX_TERMS
            ),
            "(all rule sets)",
            "",
            None,
            None,
        ));
    }
    if pattern_defs.len() > limits::MAX_PATTERNS {
        diags.push(Diagnostic::at(
            Code::E010,
            format!(
                "{} patterns in all rule sets; the limit is {}",
                pattern_defs.len(),
                limits::MAX_PATTERNS
            ),
            "(all rule sets)",
            "",
            None,
            None,
        ));
    }

    let parts = crate::parts::PartsIndex::compile(
        kb_manufacturers,
        kb_families,
        |f| {
            f.category.is_some_and(|c| {
                b.categories.as_ref().is_none_or(|cs| cs.contains(&c))
                    && b.min_severity.is_none_or(|s| f.severity >= s)
            })
        },
        diags,
    );
    // The knowledge base's aliases and prefixes go into the one automaton;
    // their matches are handed to the parts index (`PART` uses).
    for (i, lit) in parts.literals().iter().enumerate() {
        add_literal(
            lit,
            TermUse {
                rule: PART,
                slot: Slot::Any,
                start_b: false,
                end_b: false,
                written: i as u32,
            },
            &mut literals,
        );
    }

    let mut ranges = Vec::with_capacity(literals.len());
    let mut uses = Vec::new();
    for u in &literal_uses {
        let s = uses.len() as u32;
        uses.extend_from_slice(u);
        ranges.push((s, uses.len() as u32));
    }
    let ac = if diags.is_empty() {
        // A DFA is the fastest engine; past a size it is too big, and the
        // contiguous NFA is the next best.
        let mut builder = AhoCorasick::builder();
        builder.match_kind(MatchKind::Standard);
        let dfa = if literals.len() <= DFA_MAX_LITERALS {
            builder
                .kind(Some(AhoCorasickKind::DFA))
                .build(&literals)
                .ok()
        } else {
            None
        };
        match dfa {
            Some(a) => Some(a),
            None => match builder.kind(None).build(&literals) {
                Ok(a) => Some(a),
                Err(e) => {
                    diags.push(Diagnostic::at(
                        Code::E010,
                        format!("the term automaton could not be built: {e}"),
                        "(all rule sets)",
                        "",
                        None,
                        None,
                    ));
                    None
                }
            },
        }
    } else {
        None
    };

    let mut patterns = Vec::new();
    let mut set = None;
    if diags.is_empty() && !always.is_empty() {
        match pattern::compile_set(always.iter().map(|&i| &pattern_defs[i].0)) {
            Ok(s) => set = Some(s),
            Err(e) => diags.push(Diagnostic::at(
                Code::E010,
                format!("the pattern set could not be compiled: {e}"),
                "(all rule sets)",
                "",
                None,
                None,
            )),
        }
    }
    if diags.is_empty() {
        // Each pattern was compiled once when its rule was checked; here it
        // is only recorded, and compiled again, by the same function, on the
        // first line that triggers it. Hundreds of compiled part-number
        // regexes held ~100 MB and most never fire on a given dump.
        for ((def, rule, slot), trigger) in pattern_defs.iter().zip(triggers) {
            patterns.push(LazyPattern {
                re: std::sync::OnceLock::new(),
                def: def.clone(),
                trigger,
                start_b: def.start_b,
                max_len: def.max_len(),
                rule: *rule,
                slot: *slot,
                source: Arc::from(def.source.as_str()),
            });
        }
    }

    let hash = hex(&hasher.finalize());
    for h in &mut headings {
        h.sort();
        h.dedup();
    }
    CompiledRules {
        rules,
        ac,
        ranges,
        uses,
        set,
        patterns,
        always,
        gated,
        hs_table,
        headings: headings.into_iter().map(Arc::from).collect(),
        rulesets: infos,
        hash,
        n_terms,
        literals,
        parts,
        prefilter: None,
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
        p.admits(
            scratch.norm.as_str(),
            &self.inner.patterns,
            &self.inner.parts,
            &mut scratch.line_parts,
            &mut scratch.markers,
        )
        .map(|id| p.literals()[id].as_str())
    }

    /// The first phase on the normalised line in `scratch` (see
    /// `prefilter.rs`): `false` when the text can change the result only
    /// through the markers it pushed to `scratch.markers`.
    fn admits(&self, scratch: &mut Scratch) -> bool {
        let Some(p) = &self.inner.prefilter else {
            return true;
        };
        p.admits(
            scratch.norm.as_str(),
            &self.inner.patterns,
            &self.inner.parts,
            &mut scratch.line_parts,
            &mut scratch.markers,
        )
        .is_some()
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

    /// Why a touched rule that did not fire came close, if it did.
    fn near_miss(
        &self,
        scratch: &Scratch,
        ri: u32,
        st: RuleState,
        hs_ok: bool,
        line: &LineFacts<'_>,
    ) -> Option<NearMiss> {
        let rule = &self.inner.rules[ri as usize];
        let text_found = st.any || st.all_mask != 0;
        // A code prefix alone makes a rule close only where the code is
        // half of what it needs (`requires = "both"`).
        if !(text_found || (hs_ok && rule.info.requires == Requires::Both)) {
            return None;
        }
        let mut missing = Vec::new();
        if rule.has_text {
            if rule.has_any && !st.any {
                missing.push("none of its `any` terms or patterns occurs".to_string());
            }
            for (g, &(a, b)) in rule.groups.iter().enumerate() {
                if st.all_mask & (1 << g) == 0 {
                    let terms: Vec<String> = rule.written[a as usize..b as usize]
                        .iter()
                        .take(6)
                        .map(|t| format!("`{t}`"))
                        .collect();
                    let more = if (b - a) > 6 { ", ..." } else { "" };
                    missing.push(format!(
                        "no term of `all` group {} occurs ({}{more})",
                        g + 1,
                        terms.join(", ")
                    ));
                }
            }
            if missing.is_empty() {
                let found = scratch.params.as_deref().unwrap_or(&[]);
                for cond in &rule.info.params {
                    if found
                        .iter()
                        .any(|f| f.quantity == cond.quantity && cond.op.holds(f.value, cond.value))
                    {
                        continue;
                    }
                    let seen: Vec<String> = found
                        .iter()
                        .filter(|f| f.quantity == cond.quantity)
                        .map(|f| scratch.norm.as_str()[f.start..f.end].to_string())
                        .collect();
                    missing.push(if seen.is_empty() {
                        format!(
                            "parameter {} {} {}: no {} in the text",
                            cond.quantity,
                            cond.op.as_str(),
                            cond.written,
                            cond.quantity
                        )
                    } else {
                        format!(
                            "parameter {} {} {}: found {}, which does not hold",
                            cond.quantity,
                            cond.op.as_str(),
                            cond.written,
                            seen.join(", ")
                        )
                    });
                }
            }
        }
        if rule.info.requires == Requires::Both && !hs_ok {
            missing.push(format!(
                "the code must start with one of {} (`requires = \"both\"`)",
                rule.info.hs.join(", ")
            ));
        }
        if missing.is_empty() {
            return None;
        }
        let found = scratch
            .ev
            .iter()
            .filter(|(r, ev)| *r == ri && !matches!(ev, RawEv::Hs { .. }))
            .take(MAX_EVIDENCE_PER_RULE)
            .map(|&(_, ev)| self.evidence(scratch, ri, ev, line))
            .collect();
        Some(NearMiss {
            rule: rule.info.id.clone(),
            category: rule.info.category,
            found,
            missing,
        })
    }

    /// Turns spans into the joined text into (column, offsets in the column),
    /// in the result and in the near misses being collected.
    fn locate_columns(r: &mut Screening, near: &mut Option<Vec<NearMiss>>, starts: &[usize]) {
        let col_of = |s: usize| starts.partition_point(|&c| c <= s).saturating_sub(1);
        let fix = |e: &mut Evidence| {
            if let (Some(s), Some(end)) = (e.start, e.end) {
                let c = col_of(s);
                e.column = Some(c);
                e.start = Some(s - starts[c]);
                e.end = Some(end - starts[c]);
            }
        };
        for h in r.hits.iter_mut().chain(&mut r.mentions) {
            h.evidence.iter_mut().for_each(fix);
        }
        for v in &mut r.vetoed {
            fix(&mut v.by);
        }
        for n in near.iter_mut().flatten() {
            n.found.iter_mut().for_each(fix);
        }
        for p in &mut r.parts {
            let c = col_of(p.start);
            p.column = Some(c);
            p.start -= starts[c];
            p.end -= starts[c];
        }
        for code in &mut r.hs.in_text {
            let c = col_of(code.start);
            code.column = Some(c);
            code.start -= starts[c];
            code.end -= starts[c];
        }
    }

    /// Screens one text (one column, or several joined by [`COLUMN_SEP`]).
    fn screen(&self, scratch: &mut Scratch, hs: Option<&str>, text: &str) -> Screening {
        let inner = &*self.inner;
        assert_eq!(
            scratch.seen.len(),
            inner.rules.len(),
            "scratch made by another classifier"
        );
        scratch.stamp = scratch.stamp.wrapping_add(1);
        if scratch.stamp == 0 {
            scratch.seen.iter_mut().for_each(|x| *x = 0);
            scratch.pat.iter_mut().for_each(|x| x.stamp = 0);
            scratch.stamp = 1;
        }
        scratch.touched.clear();
        scratch.ev.clear();
        scratch.markers.clear();
        scratch.triggered.clear();
        scratch.trig_at.clear();
        scratch.params = None;
        scratch.mentions.clear();
        scratch.norm.normalize_lazy(text);

        scratch.line_parts.clear_matches();
        // The first phase: a line without any literal the rules need gets
        // the result of its code alone (see `prefilter.rs`).
        if scratch.near.is_some() || self.admits(scratch) {
            scratch.markers.clear();
            self.scan_terms(scratch);
            self.scan_patterns(scratch);
        }

        // The HS side: the declared code, or else a code written in the text.
        let (mut digits, error) = match hs.map(hs::parse_declared) {
            Some(Ok(Some(d))) => (Some(d), None),
            Some(Err(e)) => (None, Some(e)),
            _ => (None, None),
        };
        // A code of impossible length read by restoring a lost zero.
        let warning = match (hs, &digits) {
            (Some(raw), Some(d)) if raw.bytes().filter(u8::is_ascii_digit).count() != d.len() => {
                hs::repair_note(raw)
            }
            _ => None,
        };
        let mut source = if digits.is_some() {
            HsSource::Declared
        } else {
            HsSource::None
        };
        let mut in_text = Vec::new();
        if !scratch.markers.is_empty() {
            scratch.norm.ensure_map(text);
        }
        for &(_, after) in &scratch.markers {
            // Bounded: a hostile line can hold a code after every marker.
            if in_text.len() >= MAX_CODES_IN_TEXT {
                break;
            }
            if let Some(f) = hs::code_after(scratch.norm.as_str(), after) {
                let (s, e) = scratch.norm.span(f.start, f.end);
                if !in_text.iter().any(|c: &CodeInText| c.start == s) {
                    in_text.push(CodeInText {
                        digits: f.digits,
                        start: s,
                        end: e,
                        column: None,
                    });
                }
            }
        }
        in_text.sort_by_key(|c| c.start);
        if digits.is_none() {
            if let Some(c) = in_text.first() {
                digits = Some(c.digits.clone());
                source = HsSource::Description;
            }
        }
        if let Some(d) = &digits {
            for key in prefix_keys(d).take(10).skip(1) {
                let len = key.0 as usize;
                if let Some(list) = inner.hs_table.get(&key) {
                    for &(rule, excl) in list {
                        Self::touch(scratch, rule);
                        let st = &mut scratch.state[rule as usize];
                        if excl {
                            if st.excluded.is_none() {
                                st.excluded = Some(scratch.ev.len() as u32);
                                scratch.ev.push((rule, RawEv::Hs { len: len as u8 }));
                            }
                        } else if st.hs.is_none_or(|l| (len as u8) > l) {
                            st.hs = Some(len as u8);
                        }
                    }
                }
            }
        }

        // Decide each touched rule.
        let line = LineFacts {
            text,
            digits: &digits,
            source,
            in_text: &in_text,
        };
        scratch.touched.sort_unstable();
        let mut hits = Vec::new();
        let mut vetoed = Vec::new();
        // Rules whose text matches are all mentions: (hit, a `with` region).
        let mut mentioned: Vec<(Hit, bool)> = Vec::new();
        let touched = std::mem::take(&mut scratch.touched);
        for &ri in &touched {
            let rule = &inner.rules[ri as usize];
            let st = scratch.state[ri as usize];
            let full_all = if rule.n_all == 0 {
                0
            } else {
                (1u64 << rule.n_all) - 1
            };
            let mut text_ok = rule.has_text && (!rule.has_any || st.any) && st.all_mask == full_all;
            let hs_ok = st.hs.is_some();
            let mut param_ev = Vec::new();
            if text_ok && !rule.info.params.is_empty() {
                text_ok = self.check_params(scratch, ri, &mut param_ev);
            }
            let fires = match rule.info.requires {
                Requires::Hs => hs_ok,
                Requires::Text => text_ok,
                Requires::Either => hs_ok || text_ok,
                Requires::Both => hs_ok && text_ok,
            };
            if !fires {
                if scratch.near.is_some() && st.excluded.is_none() {
                    scratch.norm.ensure_map(text);
                    if let Some(n) = self.near_miss(scratch, ri, st, hs_ok, &line) {
                        if let Some(v) = scratch.near.as_mut() {
                            v.push(n);
                        }
                    }
                }
                continue;
            }
            scratch.norm.ensure_map(text);
            if let Some(ev_idx) = st.excluded {
                let by = self.evidence(scratch, ri, scratch.ev[ev_idx as usize].1, &line);
                vetoed.push(Veto {
                    rule: rule.info.id.clone(),
                    category: rule.info.category,
                    by,
                });
                continue;
            }
            // Text matches that all name a part, an accessory or a purpose
            // (see `mentions`); a rule that fires on its code is unaffected.
            let code_fires = hs_ok && matches!(rule.info.requires, Requires::Hs | Requires::Either);
            let mention = if text_ok && !code_fires {
                let norm = scratch.norm.as_str();
                let spans = scratch.ev.iter().filter_map(|&(r, ev)| match ev {
                    RawEv::Term { s, e, .. } | RawEv::Pattern { s, e, .. } if r == ri => {
                        Some((s as usize, e as usize))
                    }
                    _ => None,
                });
                scratch.mentions.only_mentioned(norm, spans)
            } else {
                None
            };
            let basis = match (hs_ok, text_ok) {
                (true, true) => Basis::HsText,
                (true, false) => Basis::Hs,
                _ => Basis::Text,
            };
            let mut evidence = Vec::new();
            if let Some(len) = st.hs {
                evidence.push(self.evidence(scratch, ri, RawEv::Hs { len }, &line));
            }
            if text_ok {
                for &(r, ev) in &scratch.ev {
                    if r != ri || matches!(ev, RawEv::Hs { .. }) {
                        continue;
                    }
                    if evidence.len() >= MAX_EVIDENCE_PER_RULE {
                        break;
                    }
                    let e = self.evidence(scratch, ri, ev, &line);
                    if !evidence.contains(&e) {
                        evidence.push(e);
                    }
                }
                for ev in param_ev {
                    evidence.push(self.evidence(scratch, ri, ev, &line));
                }
            }
            let hit = Hit {
                rule: rule.info.id.clone(),
                ruleset: rule.info.ruleset.clone(),
                category: rule.info.category,
                severity: rule.info.severity,
                references: rule.info.references.clone(),
                basis,
                evidence,
            };
            match mention {
                Some(with) => mentioned.push((hit, with)),
                None => hits.push(hit),
            }
        }
        scratch.touched = touched;
        let mentions = crate::mentions::resolve(&mut hits, mentioned);
        let (parts, manufacturers, part_misdeclarations) =
            self.part_results(scratch, text, &digits, &mut hits);
        hits.sort_by_key(|h| std::cmp::Reverse(h.severity));

        let mut categories: Vec<Category> = hits.iter().map(|h| h.category).collect();
        categories.sort();
        categories.dedup();
        let mut misdeclarations = Vec::new();
        // A code that fits one of the goods the text names is consistent:
        // a drone (8806) with a thermal camera is not misdeclared optics.
        let fits_named = |d: &str| {
            hits.iter().filter(|h| h.basis.uses_text()).any(|h| {
                inner.headings[h.category.index()]
                    .iter()
                    .any(|p| d.starts_with(p.as_str()))
            })
        };
        if let Some(d) = digits.as_deref().filter(|d| !fits_named(d)) {
            for &c in &categories {
                // Part hits raise their own signals, one per part, below.
                let text_based = hits.iter().any(|h| {
                    h.category == c && h.basis == Basis::Text && !inner.parts.is_family(&h.rule)
                });
                let heads = &inner.headings[c.index()];
                if text_based
                    && !heads.is_empty()
                    && !heads.iter().any(|p| d.starts_with(p.as_str()))
                {
                    misdeclarations.push(Misdeclaration {
                        category: c,
                        hs: d.to_string(),
                        expected: heads.clone(),
                        part: None,
                    });
                }
            }
        }
        // A part inside goods the text names and the code fits (a
        // microcontroller in a drone declared under 8806) is a component,
        // not the declared goods.
        let fits_goods = digits.as_deref().is_some_and(|d| {
            hits.iter()
                .filter(|h| h.basis.uses_text() && !inner.parts.is_family(&h.rule))
                .any(|h| {
                    inner.headings[h.category.index()]
                        .iter()
                        .any(|p| d.starts_with(p.as_str()))
                })
        });
        if !fits_goods {
            misdeclarations.extend(part_misdeclarations);
        }
        Screening {
            hs: HsInfo {
                digits,
                error,
                warning,
                source,
                in_text,
            },
            hits,
            mentions,
            categories,
            misdeclarations,
            vetoed,
            parts,
            manufacturers,
        }
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

    fn touch(scratch: &mut Scratch, rule: u32) {
        touch_parts(
            &mut scratch.seen,
            &mut scratch.state,
            &mut scratch.touched,
            scratch.stamp,
            rule,
        );
    }

    fn scan_terms(&self, scratch: &mut Scratch) {
        let inner = &*self.inner;
        let Some(ac) = &inner.ac else { return };
        let text = scratch.norm.as_str();
        if text.is_empty() {
            return;
        }
        let Scratch {
            norm,
            seen,
            state,
            touched,
            ev,
            markers,
            stamp,
            triggered,
            pat,
            trig_at,
            line_parts,
            ..
        } = scratch;
        let text = norm.as_str();
        for m in ac.find_overlapping_iter(text) {
            let (s, e) = (m.start(), m.end());
            // Decoded only when a use asks for the boundary.
            let before_ok = || {
                text[..s]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_word_char(c))
            };
            let after_ok = || text[e..].chars().next().is_none_or(|c| !is_word_char(c));
            let (a, b) = inner.ranges[m.pattern().as_usize()];
            for u in &inner.uses[a as usize..b as usize] {
                if (u.start_b && !before_ok()) || (u.end_b && !after_ok()) {
                    continue;
                }
                if u.rule == MARKER {
                    markers.push((s, e));
                    continue;
                }
                if u.rule == PART {
                    // A literal that starts with an ASCII character starts a
                    // word: never after an ASCII letter or digit; an alias
                    // must stand as a word (most lines then hand nothing on).
                    let b = text.as_bytes();
                    if !(s > 0 && b[s - 1].is_ascii_alphanumeric() && b[s].is_ascii())
                        && inner.parts.keeps(u.written, text, s, e)
                    {
                        line_parts.push_match(u.written, s, e);
                    }
                    continue;
                }
                if u.slot == Slot::Trigger {
                    let t = &mut pat[u.rule as usize];
                    if t.stamp != *stamp {
                        *t = PatTriggers {
                            stamp: *stamp,
                            n: 0,
                            first: s as u32,
                            last: e as u32,
                        };
                        triggered.push(u.rule);
                    }
                    t.n += 1;
                    t.first = t.first.min(s as u32);
                    t.last = t.last.max(e as u32);
                    if t.n <= MAX_TRIGGER_RUNS {
                        trig_at.push((u.rule, s as u32, e as u32));
                    }
                    continue;
                }
                touch_parts(seen, state, touched, *stamp, u.rule);
                let st = &mut state[u.rule as usize];
                let raw = RawEv::Term {
                    written: u.written,
                    s: s as u32,
                    e: e as u32,
                };
                match u.slot {
                    Slot::Any => st.any = true,
                    Slot::All(g) => st.all_mask |= 1 << g,
                    Slot::Exclude => {
                        if st.excluded.is_none() {
                            st.excluded = Some(ev.len() as u32);
                            ev.push((u.rule, raw));
                        }
                        continue;
                    }
                    Slot::Trigger => continue,
                }
                if ev.len() < 1 << 16 {
                    ev.push((u.rule, raw));
                }
            }
        }
    }

    fn scan_patterns(&self, scratch: &mut Scratch) {
        let inner = &*self.inner;
        let Scratch {
            norm,
            seen,
            state,
            touched,
            ev,
            stamp,
            triggered,
            pat,
            trig_at,
            joined,
            ..
        } = scratch;
        let text = norm.as_str();
        if text.is_empty() {
            return;
        }
        if let Some(set) = &inner.set {
            for i in set.matches(text).iter() {
                triggered.push(inner.always[i] as u32);
            }
        }
        // They run where their rule's groups are met: the check below.
        triggered.extend_from_slice(&inner.gated);
        // Pattern order, so that evidence comes out the same way every time.
        triggered.sort_unstable();
        trig_at.sort_unstable();
        trig_at.dedup();
        let mut at = 0;
        for &pi in triggered.iter() {
            let p = &inner.patterns[pi as usize];
            // The prefix triggers of this pattern, in order of position.
            let from = at;
            while at < trig_at.len() && trig_at[at].0 == pi {
                at += 1;
            }
            // Its matches could change nothing (see `groups_needed_by`).
            if all_groups_unmet(&inner.rules, p, seen, state, *stamp) {
                continue;
            }
            // The rule check compiled it with the same function, so `None`
            // cannot happen; skipping is the safe answer if it ever did.
            let Some(re) = p.compiled() else { continue };
            let joined = *joined;
            let mut record = |s: usize, e: usize| {
                if joined && text[s..e].contains(COLUMN_SEP) {
                    return;
                }
                touch_parts(seen, state, touched, *stamp, p.rule);
                let st = &mut state[p.rule as usize];
                let raw = RawEv::Pattern {
                    pat: pi,
                    s: s as u32,
                    e: e as u32,
                };
                match p.slot {
                    Slot::Exclude => {
                        if st.excluded.is_none() {
                            st.excluded = Some(ev.len() as u32);
                            ev.push((p.rule, raw));
                        }
                    }
                    _ => {
                        st.any = true;
                        ev.push((p.rule, raw));
                    }
                }
            };
            // Where a match can be: every match starts at a prefix trigger
            // and ends at a suffix trigger (plus the boundary character).
            let back = |pos: usize| {
                if p.start_b {
                    floor_char(text, pos.saturating_sub(1))
                } else {
                    pos
                }
            };
            let pi = pi as usize;
            let t = pat[pi];
            let few = t.n <= MAX_TRIGGER_RUNS;
            match (p.trigger, p.max_len) {
                (Some(TriggerKind::Prefix), _) if few => {
                    let mut found = 0;
                    let mut done = 0;
                    for &(_, pos, _) in &trig_at[from..at] {
                        let pos = pos as usize;
                        if pos < done || found >= MAX_PATTERN_MATCHES {
                            continue;
                        }
                        let input = Input::new(text)
                            .span(back(pos)..text.len())
                            .anchored(Anchored::Yes);
                        if let Some((s, e, end)) = search_group1(re, &input) {
                            record(s, e);
                            found += 1;
                            done = end.max(pos + 1);
                        }
                    }
                }
                (Some(kind @ (TriggerKind::Suffix | TriggerKind::Inner)), Some(len)) if few => {
                    // A match holds the trigger, so it lies within `len`
                    // bytes of it, plus a boundary character each side.
                    let mut found = 0;
                    let mut window: Option<(usize, usize)> = None;
                    let mut run = |w: (usize, usize), found: &mut usize| {
                        if *found < MAX_PATTERN_MATCHES {
                            let (a, b) = (floor_char(text, w.0), ceil_char(text, w.1));
                            *found += search_all(re, text, a, b, &mut record);
                        }
                    };
                    for &(_, s, e) in &trig_at[from..at] {
                        let (s, e) = (s as usize, e as usize);
                        let a = e.saturating_sub(len + 4);
                        let b = if kind == TriggerKind::Suffix {
                            e + 4
                        } else {
                            s + len + 4
                        };
                        let b = b.min(text.len());
                        window = match window {
                            Some((wa, wb)) if a <= wb => Some((wa, wb.max(b))),
                            Some(w) => {
                                run(w, &mut found);
                                Some((a, b))
                            }
                            None => Some((a, b)),
                        };
                    }
                    if let Some(w) = window {
                        run(w, &mut found);
                    }
                }
                (Some(TriggerKind::Prefix), _) => {
                    let start = back(t.first as usize);
                    search_all(re, text, start, text.len(), &mut record);
                }
                (Some(TriggerKind::Suffix), _) => {
                    let end = ceil_char(text, t.last as usize + 1);
                    search_all(re, text, 0, end, &mut record);
                }
                (Some(TriggerKind::Inner) | None, _) => {
                    search_all(re, text, 0, text.len(), &mut record);
                }
            }
        }
    }

    fn check_params(&self, scratch: &mut Scratch, ri: u32, out: &mut Vec<RawEv>) -> bool {
        let rule = &self.inner.rules[ri as usize];
        if scratch.params.is_none() {
            let text = scratch.norm.as_str();
            let mut found = params::extract(text);
            if scratch.joined {
                found.retain(|f| !text[f.start..f.end].contains(COLUMN_SEP));
            }
            scratch.params = Some(found);
        }
        let found = scratch.params.as_deref().unwrap_or(&[]);
        for (ci, cond) in rule.info.params.iter().enumerate() {
            let hit = found
                .iter()
                .position(|f| f.quantity == cond.quantity && cond.op.holds(f.value, cond.value));
            match hit {
                Some(i) => out.push(RawEv::Param {
                    idx: i as u32,
                    cond: ci as u32,
                }),
                None => return false,
            }
        }
        true
    }

    /// One piece of evidence of rule `ri`, its spans and text in the
    /// original description. The line's map must be built.
    fn evidence(&self, scratch: &Scratch, ri: u32, ev: RawEv, line: &LineFacts<'_>) -> Evidence {
        let rule = &self.inner.rules[ri as usize];
        let original_slice = |s: u32, e: u32| scratch.norm.span(s as usize, e as usize);
        let original_text =
            |s: usize, e: usize| line.text.get(s..e).unwrap_or_default().to_string();
        match ev {
            RawEv::Term { written, s, e } => {
                let (os, oe) = original_slice(s, e);
                Evidence {
                    kind: EvidenceKind::Term,
                    text: original_text(os, oe),
                    rule_part: rule.written[written as usize].to_string(),
                    start: Some(os),
                    end: Some(oe),
                    value: None,
                    unit: None,
                    column: None,
                }
            }
            RawEv::Pattern { pat, s, e } => {
                let (os, oe) = original_slice(s, e);
                Evidence {
                    kind: EvidenceKind::Pattern,
                    text: original_text(os, oe),
                    rule_part: self.inner.patterns[pat as usize].source.to_string(),
                    start: Some(os),
                    end: Some(oe),
                    value: None,
                    unit: None,
                    column: None,
                }
            }
            RawEv::Hs { len } => {
                let d = line.digits.as_deref().unwrap_or("");
                let prefix = &d[..(len as usize).min(d.len())];
                // A code read from the description is shown as written there.
                let (start, end, text) = match (line.source, line.in_text.first()) {
                    (HsSource::Description, Some(c)) => (
                        Some(c.start),
                        Some(c.end),
                        line.text.get(c.start..c.end).unwrap_or(d).to_string(),
                    ),
                    _ => (None, None, d.to_string()),
                };
                Evidence {
                    kind: EvidenceKind::HsPrefix,
                    text,
                    rule_part: prefix.to_string(),
                    start,
                    end,
                    value: None,
                    unit: None,
                    column: None,
                }
            }
            RawEv::Param { idx, cond } => {
                let f = &scratch.params.as_deref().unwrap_or(&[])[idx as usize];
                let c = &rule.info.params[cond as usize];
                let (os, oe) = original_slice(f.start as u32, f.end as u32);
                Evidence {
                    kind: EvidenceKind::Parameter,
                    text: original_text(os, oe),
                    rule_part: c.written.clone(),
                    start: Some(os),
                    end: Some(oe),
                    value: Some(f.value),
                    unit: f.quantity.canonical_unit(),
                    column: None,
                }
            }
        }
    }

    /// The parts and manufacturers of the line in original offsets, the hits
    /// of the families that have a category (added to `hits`), and one
    /// misdeclaration per such part declared outside its family's headings.
    fn part_results(
        &self,
        scratch: &mut Scratch,
        text: &str,
        digits: &Option<String>,
        hits: &mut Vec<Hit>,
    ) -> (Vec<Part>, Vec<Arc<str>>, Vec<Misdeclaration>) {
        let kb = &self.inner.parts;
        let mut parts = Vec::new();
        let mut misdeclarations = Vec::new();
        if scratch.line_parts.matches_empty() {
            scratch.line_parts.clear_found();
            return (parts, Vec::new(), misdeclarations);
        }
        let micro_text = hits
            .iter()
            .any(|h| h.category == Category::Microelectronics && h.basis != Basis::Hs);
        kb.scan(
            scratch.norm.as_str(),
            &mut scratch.line_parts,
            micro_text,
            digits.as_deref(),
        );
        if scratch.line_parts.parts.is_empty() && scratch.line_parts.mentions.is_empty() {
            return (parts, Vec::new(), misdeclarations);
        }
        if !scratch.line_parts.parts.is_empty() {
            scratch.norm.ensure_map(text);
        }
        let lp = &scratch.line_parts;
        let mut named: Vec<(usize, Arc<str>)> = lp
            .mentions
            .iter()
            .map(|&(m, at)| (at, kb.mfr_id(m).clone()))
            .collect();
        // A part whose maker is not named needs the line's context.
        for rp in &lp.parts {
            let (s, e) = scratch.norm.span(rp.start, rp.end);
            let info = kb.info_of(rp.fam);
            let manufacturer = rp.mfr.map(|m| kb.mfr_id(m).clone());
            if let Some(m) = &manufacturer {
                named.push((rp.start, m.clone()));
            }
            let written = text.get(s..e).unwrap_or_default().to_string();
            let index = parts.len();
            parts.push(Part {
                text: written.clone(),
                start: s,
                end: e,
                manufacturer,
                family: kb.kind_of(rp.fam).clone(),
                category: info.category,
                hs6: kb.hs6_of(rp.fam).clone(),
                rule: kb.rule_of(rp.fam).clone(),
                column: None,
            });
            let (true, Some(category)) = (kb.hits(rp.fam), info.category) else {
                continue;
            };
            let hs_prefix = digits
                .as_deref()
                .and_then(|d| info.hs.iter().find(|p| d.starts_with(p.as_str())));
            let ev = Evidence {
                kind: EvidenceKind::Pattern,
                text: written,
                rule_part: kb.how(rp, scratch.norm.as_str()),
                start: Some(s),
                end: Some(e),
                value: None,
                unit: None,
                column: None,
            };
            let rule = kb.rule_of(rp.fam);
            match hits.iter_mut().find(|h| &h.rule == rule) {
                Some(h) => {
                    if h.evidence.len() < MAX_EVIDENCE_PER_RULE {
                        h.evidence.push(ev);
                    }
                }
                None => {
                    let mut evidence = Vec::new();
                    if let (Some(p), Some(d)) = (hs_prefix, digits) {
                        evidence.push(Evidence {
                            kind: EvidenceKind::HsPrefix,
                            text: d.clone(),
                            rule_part: p.clone(),
                            start: None,
                            end: None,
                            value: None,
                            unit: None,
                            column: None,
                        });
                    }
                    evidence.push(ev);
                    hits.push(Hit {
                        rule: rule.clone(),
                        ruleset: kb.ruleset_of(rp.fam).clone(),
                        category,
                        severity: info.severity,
                        references: kb.references_of(rp.fam).clone(),
                        basis: if hs_prefix.is_some() {
                            Basis::HsText
                        } else {
                            Basis::Text
                        },
                        evidence,
                    });
                }
            }
            if let (Some(d), None) = (digits, hs_prefix) {
                misdeclarations.push(Misdeclaration {
                    category,
                    hs: d.clone(),
                    expected: info.hs.clone().into(),
                    part: Some(index),
                });
            }
        }
        named.sort_by_key(|(at, _)| *at);
        let mut manufacturers: Vec<Arc<str>> = Vec::new();
        for (_, m) in named {
            if !manufacturers.contains(&m) {
                manufacturers.push(m);
            }
        }
        (parts, manufacturers, misdeclarations)
    }
}

/// The `all` groups a pattern (in `slot` of `rule`) needs met before its
/// matches can change anything, as the mask of all of them; `None` for a
/// pattern that always matters. A rule whose groups are unmet cannot
/// fire on its text, and the evidence lists text matches only when the
/// text condition holds; an exclusion still matters when the rule can fire
/// on its HS code alone.
fn groups_needed_by(rule: &Rule, slot: Slot) -> Option<u64> {
    (rule.n_all > 0
        && (slot != Slot::Exclude || matches!(rule.info.requires, Requires::Text | Requires::Both)))
    .then(|| (1u64 << rule.n_all) - 1)
}

/// Whether the pattern cannot matter on this line: its rule's `all`
/// groups (terms, all found by now) are not all met.
fn all_groups_unmet(
    rules: &[Rule],
    p: &LazyPattern,
    seen: &[u32],
    state: &[RuleState],
    stamp: u32,
) -> bool {
    let r = p.rule as usize;
    groups_needed_by(&rules[r], p.slot).is_some_and(|full| {
        let met = if seen[r] == stamp {
            state[r].all_mask
        } else {
            0
        };
        met != full
    })
}

fn touch_parts(
    seen: &mut [u32],
    state: &mut [RuleState],
    touched: &mut Vec<u32>,
    stamp: u32,
    rule: u32,
) {
    let r = rule as usize;
    if seen[r] != stamp {
        seen[r] = stamp;
        state[r] = RuleState::default();
        touched.push(rule);
    }
}

/// At most this many runs (anchored, or in a window) of one pattern on a
/// line; past it, one unanchored search replaces them (a hostile line with
/// a trigger at every other byte stays linear).
const MAX_TRIGGER_RUNS: u32 = 16;

/// One pattern's triggers on the current line: the stamp of the line,
/// how many, the first trigger's start and the last one's end.
#[derive(Clone, Copy, Debug, Default)]
struct PatTriggers {
    stamp: u32,
    n: u32,
    first: u32,
    last: u32,
}

/// At most this many matches of one pattern are kept as evidence per line.
const MAX_PATTERN_MATCHES: usize = 4;

/// Runs `re` on `input`; the span of capture group 1 and the end of the
/// whole match (which may include a boundary character).
fn search_group1(re: &MetaRegex, input: &Input<'_>) -> Option<(usize, usize, usize)> {
    let mut slots = [None; 4];
    re.search_slots(input, &mut slots)?;
    let end = slots[1]?.get();
    Some((slots[2]?.get(), slots[3]?.get(), end))
}

/// Finds up to [`MAX_PATTERN_MATCHES`] non-overlapping matches of `re` in
/// `text[start..end]`, leftmost first, and reports each group-1 span.
fn search_all(
    re: &MetaRegex,
    text: &str,
    start: usize,
    end: usize,
    record: &mut impl FnMut(usize, usize),
) -> usize {
    let mut pos = start;
    let mut found = 0;
    while pos <= end && found < MAX_PATTERN_MATCHES {
        let input = Input::new(text).span(pos..end);
        let Some((s, e, m_end)) = search_group1(re, &input) else {
            break;
        };
        record(s, e);
        found += 1;
        // An empty match moves one character on.
        pos = if m_end > pos {
            m_end
        } else if pos < text.len() {
            ceil_char(text, pos + 1)
        } else {
            break;
        };
    }
    found
}
