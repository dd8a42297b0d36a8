//! The manufacturer and part-number knowledge base: `[[manufacturer]]` and
//! `[[family]]` tables of rule files (`rules/parts.toml`), checked into
//! definitions, compiled into one automaton of manufacturer aliases and
//! family prefixes, and run on every normalised line.
//!
//! A family's shape regex runs only where one of its prefixes occurs, anchored
//! right after it: a line costs one automaton pass, and a few anchored runs
//! where prefixes are met (never a loop over families).

use crate::diag::Code;
use crate::limits;
use crate::normalize::ceil_char;
use crate::pattern::PatternError;
use crate::rules::{Ctx, Example};
use crate::types::{Category, Severity};
use regex_automata::meta::{Cache, Regex};
use regex_automata::{Anchored, Input};
use serde::{Deserialize, Serialize};
use std::sync::Arc;
use toml::Spanned;

/// Longest stretch after a prefix that a shape may match, in bytes: a
/// hostile line cannot make one anchored run long.
pub(crate) const MAX_SHAPE_BYTES: usize = 64;
/// Most parts taken from one line.
pub(crate) const MAX_PARTS_PER_LINE: usize = 64;
/// A line of at most this many words is a parts-list line: a part number
/// on it needs no other context.
pub(crate) const SHORT_LINE_WORDS: usize = 8;

/// Whether a line gives a part number whose maker is not named enough
/// context to be taken as one: the line is short (a parts list: the part
/// number, a maker, a quantity), or a description rule of
/// `microelectronics` fired on its text. (A declared code among the
/// family's headings is context too; the caller checks it per part.)
pub(crate) fn electronics_context(norm: &str, micro_text: bool) -> bool {
    micro_text || word_count(norm, SHORT_LINE_WORDS + 1) <= SHORT_LINE_WORDS
}

/// Words of a normalised line, counting up to `cap`: runs of letters and
/// digits, each Han, kana or Hangul character counting as one word.
pub(crate) fn word_count(norm: &str, cap: usize) -> usize {
    // Byte by byte for ASCII and the two-byte Cyrillic block (U+0400 to
    // U+047F, all letters), most of the text; other characters decoded.
    // Asked for each line with a part number and no maker: 21,409 of the
    // 55,403 lines of the vendor dump's first 20 MB (callgrind's call
    // count). `word_count_chars` in the tests is the oracle.
    let b = norm.as_bytes();
    let (mut n, mut in_word, mut i) = (0, false, 0);
    while i < b.len() {
        let x = b[i];
        let (word, unsegmented, len) = if x < 0x80 {
            (x.is_ascii_alphanumeric(), false, 1)
        } else if x == 0xD0 || x == 0xD1 {
            (true, false, 2)
        } else {
            let c = norm[i..].chars().next().unwrap_or(' ');
            let u = crate::normalize::is_unsegmented(c);
            (!u && is_alnum(c), u, c.len_utf8())
        };
        if unsegmented {
            n += 1;
            in_word = false;
        } else if word {
            if !in_word {
                n += 1;
                in_word = true;
            }
        } else {
            in_word = false;
        }
        i += len;
        if n >= cap {
            break;
        }
    }
    n
}

/// `char::is_alphanumeric`, answering ASCII and lower-case Russian (most
/// of the text) without Unicode's tables.
fn is_alnum(c: char) -> bool {
    match c {
        '0'..='9' | 'a'..='z' | 'A'..='Z' | 'а'..='я' | 'ё' => true,
        '\0'..='\x7f' => false,
        _ => c.is_alphanumeric(),
    }
}

/// A `[[manufacturer]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawManufacturer {
    id: Spanned<String>,
    name: String,
    aliases: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    default_family: Option<Spanned<String>>,
    sources: Spanned<Vec<String>>,
    #[serde(default)]
    note: Option<String>,
}

/// A `[[family]]` table as written.
#[derive(Deserialize)]
#[serde(deny_unknown_fields)]
pub(crate) struct RawFamily {
    id: Spanned<String>,
    title: String,
    kind: Spanned<String>,
    manufacturers: Spanned<Vec<Spanned<String>>>,
    #[serde(default)]
    category: Option<Spanned<String>>,
    #[serde(default)]
    severity: Option<Spanned<String>>,
    hs6: Spanned<String>,
    #[serde(default)]
    hs: Vec<Spanned<String>>,
    #[serde(default)]
    references: Vec<String>,
    sources: Spanned<Vec<String>>,
    #[serde(default)]
    prefixes: Vec<Spanned<String>>,
    shape: Spanned<String>,
    #[serde(default)]
    needs_manufacturer: bool,
    #[serde(default)]
    example: Vec<Example>,
    #[serde(default)]
    counterexample: Vec<Example>,
    #[serde(default)]
    note: Option<String>,
}

/// A manufacturer of the knowledge base.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct ManufacturerInfo {
    /// Canonical id, `[a-z0-9_]+`.
    pub id: String,
    /// The name for humans.
    pub name: String,
    /// Aliases as written (Latin, Cyrillic, Chinese).
    pub aliases: Vec<String>,
    /// The family of any part-number-shaped word written right next to the
    /// manufacturer's name, for makers whose every product is of one kind.
    pub default_family: Option<String>,
    /// Where the facts come from.
    pub sources: Vec<String>,
    /// Anything an analyst should know.
    pub note: Option<String>,
    /// The rule set that defines it.
    pub ruleset: String,
    /// `file:line` of its table.
    pub location: String,
    #[serde(skip)]
    pub(crate) norm_aliases: Vec<String>,
}

/// A part-number family of the knowledge base.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct PartFamilyInfo {
    /// Stable id, starting with the rule set id; the rule id of its hits.
    pub id: String,
    /// What the family is, for analysts.
    pub title: String,
    /// The kind of goods: `fpga`, `mcu`, `mlcc`, `resistor`...
    pub kind: String,
    /// Canonical ids of the manufacturers that make it.
    pub manufacturers: Vec<String>,
    /// The category of its goods (`docs/categories.md`), or none for goods that are not listed.
    pub category: Option<Category>,
    /// Severity of its hits.
    pub severity: Severity,
    /// The HS subheading its parts are normally declared under.
    pub hs6: String,
    /// HS prefixes where its parts are correctly declared (basis and misdeclaration).
    pub hs: Vec<String>,
    /// List entries its goods fall under.
    pub references: Vec<String>,
    /// The part-numbering guide or datasheet it encodes.
    pub sources: Vec<String>,
    /// Literal prefixes (normalised).
    pub prefixes: Vec<String>,
    /// The regex a part must match right after its prefix.
    pub shape: String,
    /// Whether a manufacturer of the family must be named on the line.
    pub needs_manufacturer: bool,
    /// Lines that must yield a part of this family.
    pub examples: Vec<Example>,
    /// Lines that must not.
    pub counterexamples: Vec<Example>,
    /// Anything an analyst should know.
    pub note: Option<String>,
    /// The rule set that defines it.
    pub ruleset: String,
    /// `file:line` of its table.
    pub location: String,
}

fn valid_canon(s: &str) -> bool {
    !s.is_empty()
        && s.len() <= 64
        && s.bytes()
            .all(|b| b.is_ascii_lowercase() || b.is_ascii_digit() || b == b'_')
}

fn line_of(ctx: &Ctx<'_>, at: usize) -> usize {
    ctx.line_of(at + ctx.offset)
}

pub(crate) fn check_manufacturer(
    ctx: &mut Ctx<'_>,
    m: Spanned<RawManufacturer>,
    ruleset: &str,
) -> Option<ManufacturerInfo> {
    let line = line_of(ctx, m.span().start);
    let m = m.into_inner();
    let id = m.id.get_ref().clone();
    let mut ok = true;
    if !valid_canon(&id) {
        ctx.err(
            Code::E031,
            format!("manufacturer id `{id}` must match [a-z0-9_]+"),
            m.id.span(),
            Some(&id),
        );
        ok = false;
    }
    if m.sources.get_ref().iter().all(|s| s.trim().is_empty()) {
        ctx.err(
            Code::E013,
            "a manufacturer needs at least one source",
            m.sources.span(),
            Some(&id),
        );
        ok = false;
    }
    if m.aliases.get_ref().is_empty() {
        ctx.err(
            Code::E013,
            "a manufacturer needs at least one alias",
            m.aliases.span(),
            Some(&id),
        );
        ok = false;
    }
    let mut norm_aliases = Vec::new();
    for a in m.aliases.get_ref() {
        let n = crate::normalize::normalize_str(a.get_ref());
        if n.chars().count() < 2 || n.len() > limits::MAX_TERM_BYTES {
            ctx.err(
                Code::E031,
                format!(
                    "alias `{}` must be 2 to {} bytes after normalisation",
                    a.get_ref(),
                    limits::MAX_TERM_BYTES
                ),
                a.span(),
                Some(&id),
            );
            ok = false;
            continue;
        }
        norm_aliases.push(n);
    }
    if !ok {
        return None;
    }
    Some(ManufacturerInfo {
        id,
        name: m.name,
        aliases: m
            .aliases
            .into_inner()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        default_family: m.default_family.map(Spanned::into_inner),
        sources: m.sources.into_inner(),
        note: m.note,
        ruleset: ruleset.to_string(),
        location: format!("{}:{line}", ctx.file),
        norm_aliases,
    })
}

pub(crate) fn check_family(
    ctx: &mut Ctx<'_>,
    f: Spanned<RawFamily>,
    ruleset: &str,
) -> Option<PartFamilyInfo> {
    let line = line_of(ctx, f.span().start);
    let f = f.into_inner();
    let id = f.id.get_ref().clone();
    let mut ok = true;
    if !crate::rules::valid_id(&id) {
        ctx.err(
            Code::E011,
            format!("family id `{id}` must match [a-z0-9_.-]+"),
            f.id.span(),
            Some(&id),
        );
        ok = false;
    }
    if !valid_canon(f.kind.get_ref()) {
        ctx.err(
            Code::E031,
            format!("family kind `{}` must match [a-z0-9_]+", f.kind.get_ref()),
            f.kind.span(),
            Some(&id),
        );
        ok = false;
    }
    let category = match &f.category {
        None => None,
        Some(c) => match c.get_ref().parse::<Category>() {
            Ok(c) => Some(c),
            Err(m) => {
                ctx.err(Code::E004, m, c.span(), Some(&id));
                ok = false;
                None
            }
        },
    };
    let severity = match &f.severity {
        None => Severity::Info,
        Some(s) => match s.get_ref().parse::<Severity>() {
            Ok(s) => s,
            Err(m) => {
                ctx.err(Code::E011, m, s.span(), Some(&id));
                ok = false;
                Severity::Info
            }
        },
    };
    if category.is_some() && (f.severity.is_none() || f.references.is_empty()) {
        ctx.err(
            Code::E013,
            "a family with a category needs a severity and at least one reference",
            f.id.span(),
            Some(&id),
        );
        ok = false;
    }
    let hs6 = f.hs6.get_ref().clone();
    if hs6.len() != 6 || !hs6.bytes().all(|b| b.is_ascii_digit()) {
        ctx.err(
            Code::E031,
            format!("hs6 `{hs6}` must be six digits"),
            f.hs6.span(),
            Some(&id),
        );
        ok = false;
    }
    let mut hs = crate::rules::check_prefixes(ctx, &f.hs, Some(&id));
    if hs.is_empty() && hs6.len() == 6 {
        hs.push(hs6[..4].to_string());
    }
    if f.sources.get_ref().iter().all(|s| s.trim().is_empty()) {
        ctx.err(
            Code::E013,
            "a family needs at least one source (the part-numbering guide it encodes)",
            f.sources.span(),
            Some(&id),
        );
        ok = false;
    }
    if f.manufacturers.get_ref().is_empty() {
        ctx.err(
            Code::E013,
            "a family needs at least one manufacturer",
            f.manufacturers.span(),
            Some(&id),
        );
        ok = false;
    }
    let mut prefixes = Vec::new();
    for p in &f.prefixes {
        let n = crate::normalize::normalize_str(p.get_ref());
        let alnum = |b: u8| b.is_ascii_lowercase() || b.is_ascii_digit();
        if n.is_empty()
            || n.len() > 32
            || !n.bytes().next().is_some_and(alnum)
            || !n
                .bytes()
                .all(|b| alnum(b) || matches!(b, b'-' | b'.' | b'/'))
        {
            ctx.err(
                Code::E031,
                format!(
                    "prefix `{}` must be 1 to 32 ASCII letters, digits and inner `-./`, starting with a letter or digit",
                    p.get_ref()
                ),
                p.span(),
                Some(&id),
            );
            ok = false;
            continue;
        }
        prefixes.push(n);
    }
    let shape = f.shape.get_ref();
    match crate::pattern::check_shape(shape) {
        Ok(matches_empty) => {
            if prefixes.is_empty() && matches_empty {
                ctx.err(
                    Code::E015,
                    format!(
                        "shape `{shape}` of a family without prefixes matches the empty string"
                    ),
                    f.shape.span(),
                    Some(&id),
                );
                ok = false;
            }
        }
        Err(PatternError::TooBig(n)) => {
            ctx.err(
                Code::E010,
                format!("shape `{shape}` compiles to more than {n} bytes"),
                f.shape.span(),
                Some(&id),
            );
            ok = false;
        }
        Err(PatternError::Invalid(m)) => {
            ctx.err(
                Code::E005,
                format!("invalid shape regex `{shape}`: {m}"),
                f.shape.span(),
                Some(&id),
            );
            ok = false;
        }
    }
    if !ok {
        return None;
    }
    Some(PartFamilyInfo {
        id,
        title: f.title,
        kind: f.kind.into_inner(),
        manufacturers: f
            .manufacturers
            .into_inner()
            .into_iter()
            .map(Spanned::into_inner)
            .collect(),
        category,
        severity,
        hs6,
        hs,
        references: f.references,
        sources: f.sources.into_inner(),
        prefixes,
        shape: f.shape.into_inner(),
        needs_manufacturer: f.needs_manufacturer,
        examples: f.example,
        counterexamples: f.counterexample,
        note: f.note,
        ruleset: ruleset.to_string(),
        location: format!("{}:{line}", ctx.file),
    })
}

/// What an automaton pattern of the index stands for.
#[derive(Debug)]
enum Entry {
    /// An alias of manufacturer `.0`; `.1`: long enough to name a default family.
    Alias(u32, bool),
    /// A prefix of these families.
    Prefix(Vec<u32>),
}

#[derive(Debug)]
struct Fam {
    info: PartFamilyInfo,
    rule: Arc<str>,
    ruleset: Arc<str>,
    kind: Arc<str>,
    hs6: Arc<str>,
    references: Arc<[String]>,
    mfrs: Vec<u32>,
    /// `^(?:shape)`: run right after a prefix, or on a word next to a
    /// manufacturer's name for a family without prefixes.
    re: Regex,
    /// Whether its parts become hits (category and severity filters).
    hit: bool,
}

#[derive(Debug)]
struct Mfr {
    id: Arc<str>,
    default_family: Option<u32>,
}

/// The compiled knowledge base.
#[derive(Debug, Default)]
pub(crate) struct PartsIndex {
    /// The aliases and prefixes, by entry: they go into the classifier's
    /// one automaton, whose matches come back through [`LineParts::push_match`].
    literals: Vec<String>,
    entries: Vec<Entry>,
    mfrs: Vec<Mfr>,
    fams: Vec<Fam>,
    pub(crate) families: Vec<PartFamilyInfo>,
    pub(crate) manufacturers: Vec<ManufacturerInfo>,
    family_ids: std::collections::HashSet<Arc<str>>,
}

/// One part found on a line, in normalised offsets.
#[derive(Clone, Debug)]
pub(crate) struct RawPart {
    pub start: usize,
    pub end: usize,
    pub fam: u32,
    pub mfr: Option<u32>,
    /// Where the prefix ends, or the manufacturer's name whose neighbour
    /// this part is (start, end), for evidence.
    pub how: How,
}

/// What made a part, for evidence.
#[derive(Clone, Copy, Debug)]
pub(crate) enum How {
    /// A prefix, ending at this normalised offset.
    Prefix(usize),
    /// The word next to a manufacturer's name at this normalised range.
    Next(usize, usize),
}

/// What the index found on one line.
#[derive(Debug, Default)]
pub(crate) struct LineParts {
    pub parts: Vec<RawPart>,
    /// (manufacturer, normalised start) of each manufacturer named, first mention each.
    pub mentions: Vec<(u32, usize)>,
    /// Per family, its regex cache (made on first use).
    caches: Vec<Option<Cache>>,
    prefix_hits: Vec<(usize, usize, u32)>,
    alias_hits: Vec<(usize, usize, u32, bool)>,
    named: Vec<(usize, usize, u32, bool)>,
    cands: Vec<(usize, usize, u32, bool, usize)>,
    /// (entry, start, end) of the automaton's matches of the knowledge
    /// base's literals on the current line.
    matches: Vec<(u32, usize, usize)>,
}

impl LineParts {
    /// Forgets the previous line's automaton matches.
    pub(crate) fn clear_matches(&mut self) {
        self.matches.clear();
    }

    /// True when the automaton met no alias or prefix on the line.
    pub(crate) fn matches_empty(&self) -> bool {
        self.matches.is_empty()
    }

    /// Forgets the previous line's parts and manufacturers.
    pub(crate) fn clear_found(&mut self) {
        self.parts.clear();
        self.mentions.clear();
    }

    /// Records a match of literal `entry` at `s..e` of the normalised line.
    pub(crate) fn push_match(&mut self, entry: u32, s: usize, e: usize) {
        self.matches.push((entry, s, e));
    }
}

impl PartsIndex {
    /// Compiles the knowledge base. `hit_ok` says whether a family's parts
    /// may become hits under the builder's filters. Problems go to `diags`.
    pub(crate) fn compile(
        manufacturers: Vec<ManufacturerInfo>,
        families: Vec<PartFamilyInfo>,
        hit_ok: impl Fn(&PartFamilyInfo) -> bool,
        diags: &mut Vec<crate::Diagnostic>,
    ) -> PartsIndex {
        use std::collections::HashMap;
        let mut idx = PartsIndex::default();
        let diag = |code: Code, msg: String, loc: &str, id: &str| {
            let (file, line) = loc.rsplit_once(':').unwrap_or((loc, "0"));
            let mut d = crate::Diagnostic::at(code, msg, file, "", None, Some(id));
            d.line = line.parse().unwrap_or(0);
            d.column = 1;
            d
        };
        let mut mfr_ids: HashMap<String, u32> = HashMap::new();
        let mut alias_owner: HashMap<String, String> = HashMap::new();
        for m in &manufacturers {
            if mfr_ids.contains_key(&m.id) {
                diags.push(diag(
                    Code::E032,
                    format!("duplicate manufacturer id `{}`", m.id),
                    &m.location,
                    &m.id,
                ));
                continue;
            }
            for a in &m.norm_aliases {
                if let Some(other) = alias_owner.insert(a.clone(), m.id.clone()) {
                    if other != m.id {
                        diags.push(diag(
                            Code::E032,
                            format!("alias `{a}` also names manufacturer `{other}`"),
                            &m.location,
                            &m.id,
                        ));
                    }
                }
            }
            mfr_ids.insert(m.id.clone(), idx.mfrs.len() as u32);
            idx.mfrs.push(Mfr {
                id: Arc::from(m.id.as_str()),
                default_family: None,
            });
        }
        let mut fam_ids: HashMap<String, u32> = HashMap::new();
        for f in &families {
            if fam_ids.contains_key(&f.id) {
                diags.push(diag(
                    Code::E032,
                    format!("duplicate family id `{}`", f.id),
                    &f.location,
                    &f.id,
                ));
                continue;
            }
            let mut mfrs = Vec::new();
            for m in &f.manufacturers {
                match mfr_ids.get(m) {
                    Some(&i) => mfrs.push(i),
                    None => diags.push(diag(
                        Code::E030,
                        format!("family names unknown manufacturer `{m}`"),
                        &f.location,
                        &f.id,
                    )),
                }
            }
            let Ok(re) = crate::pattern::compile_shape(&f.shape) else {
                continue; // reported by check_family
            };
            fam_ids.insert(f.id.clone(), idx.fams.len() as u32);
            idx.fams.push(Fam {
                rule: Arc::from(f.id.as_str()),
                ruleset: Arc::from(f.ruleset.as_str()),
                kind: Arc::from(f.kind.as_str()),
                hs6: Arc::from(f.hs6.as_str()),
                references: f.references.clone().into(),
                mfrs,
                re,
                hit: f.category.is_some() && hit_ok(f),
                info: f.clone(),
            });
        }
        let mut used_as_default = vec![false; idx.fams.len()];
        for (i, m) in manufacturers.iter().enumerate() {
            let Some(df) = &m.default_family else {
                continue;
            };
            match fam_ids.get(df) {
                Some(&fi) => {
                    if i < idx.mfrs.len() && &*idx.mfrs[i].id == m.id.as_str() {
                        idx.mfrs[i].default_family = Some(fi);
                    }
                    used_as_default[fi as usize] = true;
                }
                None => diags.push(diag(
                    Code::E030,
                    format!("default_family `{df}` is not a family of the loaded rule sets"),
                    &m.location,
                    &m.id,
                )),
            }
        }
        for (fi, f) in idx.fams.iter().enumerate() {
            if f.info.prefixes.is_empty() && !used_as_default[fi] {
                diags.push(diag(
                    Code::E031,
                    "a family without prefixes must be some manufacturer's default_family, or it can never match".to_string(),
                    &f.info.location,
                    &f.info.id,
                ));
            }
        }
        // One automaton: every alias, then every prefix.
        let mut lits: Vec<String> = Vec::new();
        let mut lit_ids: HashMap<String, usize> = HashMap::new();
        for (mi, m) in manufacturers.iter().enumerate() {
            if mi >= idx.mfrs.len() || &*idx.mfrs[mi].id != m.id.as_str() {
                continue;
            }
            for a in &m.norm_aliases {
                if lit_ids.contains_key(a) {
                    continue;
                }
                lit_ids.insert(a.clone(), lits.len());
                lits.push(a.clone());
                idx.entries
                    .push(Entry::Alias(mi as u32, a.chars().count() > 2));
            }
        }
        for (fi, f) in idx.fams.iter().enumerate() {
            for p in &f.info.prefixes {
                match lit_ids.get(p) {
                    Some(&li) => match &mut idx.entries[li] {
                        Entry::Prefix(v) => {
                            if !v.contains(&(fi as u32)) {
                                v.push(fi as u32)
                            }
                        }
                        Entry::Alias(..) => {
                            // An alias that is also a prefix (`max`): keep both.
                            lit_ids.insert(p.clone(), lits.len());
                            lits.push(p.clone());
                            idx.entries.push(Entry::Prefix(vec![fi as u32]));
                        }
                    },
                    None => {
                        lit_ids.insert(p.clone(), lits.len());
                        lits.push(p.clone());
                        idx.entries.push(Entry::Prefix(vec![fi as u32]));
                    }
                }
            }
        }
        idx.literals = lits;
        idx.family_ids = idx.fams.iter().map(|f| f.rule.clone()).collect();
        idx.families = families;
        idx.manufacturers = manufacturers;
        idx
    }

    /// The literals to put into the automaton, by entry index.
    pub(crate) fn literals(&self) -> &[String] {
        &self.literals
    }

    /// Whether a hit's rule id is a family's.
    pub(crate) fn is_family(&self, rule: &str) -> bool {
        !self.family_ids.is_empty() && self.family_ids.contains(rule)
    }

    pub(crate) fn rule_of(&self, fam: u32) -> &Arc<str> {
        &self.fams[fam as usize].rule
    }
    pub(crate) fn ruleset_of(&self, fam: u32) -> &Arc<str> {
        &self.fams[fam as usize].ruleset
    }
    pub(crate) fn kind_of(&self, fam: u32) -> &Arc<str> {
        &self.fams[fam as usize].kind
    }
    pub(crate) fn hs6_of(&self, fam: u32) -> &Arc<str> {
        &self.fams[fam as usize].hs6
    }
    pub(crate) fn info_of(&self, fam: u32) -> &PartFamilyInfo {
        &self.fams[fam as usize].info
    }
    pub(crate) fn references_of(&self, fam: u32) -> &Arc<[String]> {
        &self.fams[fam as usize].references
    }
    pub(crate) fn hits(&self, fam: u32) -> bool {
        self.fams[fam as usize].hit
    }
    pub(crate) fn mfr_id(&self, m: u32) -> &Arc<str> {
        &self.mfrs[m as usize].id
    }

    /// Finds the parts and manufacturers of one normalised line.
    /// `micro_text`: a description rule of `microelectronics` fired on the
    /// text, which with a short line gives an unnamed maker's part number
    /// context ([`electronics_context`], worked out only for a part that
    /// needs it); `digits`: the code used for screening (a code among a
    /// family's headings is context for that family).
    pub(crate) fn scan(
        &self,
        norm: &str,
        out: &mut LineParts,
        micro_text: bool,
        digits: Option<&str>,
    ) {
        out.parts.clear();
        out.mentions.clear();
        if out.matches.is_empty() {
            return;
        }
        if out.caches.len() != self.fams.len() {
            out.caches = (0..self.fams.len()).map(|_| None).collect();
        }
        let bytes = norm.as_bytes();
        let mut prefix_hits = std::mem::take(&mut out.prefix_hits);
        let mut alias_hits = std::mem::take(&mut out.alias_hits);
        let mut named = std::mem::take(&mut out.named);
        let mut cands = std::mem::take(&mut out.cands);
        prefix_hits.clear();
        alias_hits.clear();
        named.clear();
        cands.clear();
        let matches = std::mem::take(&mut out.matches);
        for &(entry, s, e) in &matches {
            match &self.entries[entry as usize] {
                Entry::Alias(mi, long) => {
                    if alias_stands(norm, s, e) {
                        alias_hits.push((s, e, *mi, *long));
                    }
                }
                Entry::Prefix(fams) => {
                    if s > 0 && bytes[s - 1].is_ascii_alphanumeric() {
                        continue;
                    }
                    for &f in fams {
                        prefix_hits.push((s, e, f));
                    }
                }
            }
        }
        out.matches = matches;
        // Manufacturers named: the longest alias at each place wins.
        alias_hits.sort_unstable_by_key(|&(s, e, _, _)| (s, std::cmp::Reverse(e)));
        alias_hits.dedup();
        for &h in &alias_hits {
            if named
                .last()
                .is_some_and(|n: &(usize, usize, u32, bool)| h.0 < n.1)
            {
                continue;
            }
            named.push(h);
            if !out.mentions.iter().any(|&(m, _)| m == h.2) {
                out.mentions.push((h.2, h.0));
            }
        }
        let mentions = &out.mentions;
        let mentioned = |m: u32| mentions.iter().any(|&(x, _)| x == m);
        let mut context_memo: Option<bool> = None;
        let mut context =
            || *context_memo.get_or_insert_with(|| electronics_context(norm, micro_text));
        // Candidates from prefixes: (start, end, fam, manufacturer named, prefix end).
        for &(s, e, fi) in &prefix_hits {
            let f = &self.fams[fi as usize];
            let named_here = f.mfrs.iter().any(|&m| mentioned(m));
            if f.info.needs_manufacturer && !named_here {
                continue;
            }
            // A two-character prefix is ambiguous: on a line that names
            // other makers only, it is not taken as this family's.
            if e - s <= 2 && !named_here && !mentions.is_empty() {
                continue;
            }
            // A part whose maker is not named needs the line's context.
            if !named_here
                && !digits.is_some_and(|d| f.info.hs.iter().any(|p| d.starts_with(p.as_str())))
                && !context()
            {
                continue;
            }
            let stop = ceil_char(norm, (e + MAX_SHAPE_BYTES).min(norm.len()));
            let cache = out.caches[fi as usize].get_or_insert_with(|| f.re.create_cache());
            let input = Input::new(&norm[e..stop]).anchored(Anchored::Yes);
            if let Some(m) = f.re.search_with(cache, &input) {
                cands.push((s, e + m.end(), fi, named_here, e));
            }
        }
        // Prefer, at one start, a family whose maker is named, then the
        // longer match, then the longer prefix.
        cands.sort_unstable_by_key(|&(s, e, fi, named, pe)| {
            (
                s,
                std::cmp::Reverse(named),
                std::cmp::Reverse(e),
                std::cmp::Reverse(pe),
                fi,
            )
        });
        let mut taken_end = 0usize;
        for &(s, e, fi, named_here, pe) in &cands {
            if s < taken_end || out.parts.len() >= MAX_PARTS_PER_LINE {
                continue;
            }
            let end = token_end(norm, e);
            let f = &self.fams[fi as usize];
            let mfr = if named_here {
                f.mfrs.iter().copied().find(|&m| mentioned(m))
            } else if f.mfrs.len() == 1 {
                Some(f.mfrs[0])
            } else {
                None
            };
            out.parts.push(RawPart {
                start: s,
                end,
                fam: fi,
                mfr,
                how: How::Prefix(pe),
            });
            taken_end = end;
        }
        // Words right next to a maker's name, for makers with a default family.
        for &(s, e, mi, long) in &named {
            let Some(fi) = self.mfrs[mi as usize].default_family else {
                continue;
            };
            if !long {
                continue;
            }
            let f = &self.fams[fi as usize];
            for (ws, we) in [word_before(norm, s), word_after(norm, e)]
                .into_iter()
                .flatten()
            {
                if out.parts.len() >= MAX_PARTS_PER_LINE
                    || out.parts.iter().any(|p| p.start < we && ws < p.end)
                    || named.iter().any(|n| n.0 < we && ws < n.1)
                    || !part_like(&norm[ws..we])
                {
                    continue;
                }
                let cache = out.caches[fi as usize].get_or_insert_with(|| f.re.create_cache());
                let input = Input::new(&norm[ws..we]).anchored(Anchored::Yes);
                if f.re.search_with(cache, &input).is_none() {
                    continue;
                }
                out.parts.push(RawPart {
                    start: ws,
                    end: we,
                    fam: fi,
                    mfr: Some(mi),
                    how: How::Next(s, e),
                });
            }
        }
        out.parts.sort_by_key(|p| p.start);
        out.prefix_hits = prefix_hits;
        out.alias_hits = alias_hits;
        out.named = named;
        out.cands = cands;
    }

    /// Whether the automaton's match of literal `entry` at `s..e` of the
    /// normalised line is worth handing to [`PartsIndex::scan`]: `false`
    /// for an alias that does not stand as a word there, which `scan`
    /// would drop (a line whose matches are all dropped has no parts and
    /// no manufacturers, and is not scanned at all).
    pub(crate) fn keeps(&self, entry: u32, norm: &str, s: usize, e: usize) -> bool {
        match self.entries.get(entry as usize) {
            Some(Entry::Alias(..)) => alias_stands(norm, s, e),
            _ => true,
        }
    }

    /// Whether the automaton's match of literal `entry` at `s..e` of the
    /// normalised line could make [`PartsIndex::scan`] find something: an
    /// alias standing as a word (a manufacturer named), or a prefix not
    /// after an ASCII letter or digit and followed by the shape of one of
    /// its families. A necessary condition, checked by the classifier's
    /// first phase (`classifier/prefilter.rs`) on lines it may skip: `scan` takes a
    /// match only under these conditions, and more.
    pub(crate) fn may_find(
        &self,
        entry: u32,
        norm: &str,
        s: usize,
        e: usize,
        out: &mut LineParts,
    ) -> bool {
        match self.entries.get(entry as usize) {
            Some(Entry::Alias(..)) => alias_stands(norm, s, e),
            Some(Entry::Prefix(fams)) => {
                if s > 0 && norm.as_bytes()[s - 1].is_ascii_alphanumeric() {
                    return false;
                }
                if out.caches.len() != self.fams.len() {
                    out.caches = (0..self.fams.len()).map(|_| None).collect();
                }
                let stop = ceil_char(norm, (e + MAX_SHAPE_BYTES).min(norm.len()));
                fams.iter().any(|&fi| {
                    let f = &self.fams[fi as usize];
                    let cache = out.caches[fi as usize].get_or_insert_with(|| f.re.create_cache());
                    let input = Input::new(&norm[e..stop]).anchored(Anchored::Yes);
                    f.re.search_with(cache, &input).is_some()
                })
            }
            // Not an entry of this index: nothing can be said, so it counts.
            None => true,
        }
    }

    /// What made a part, as evidence `rule_part`.
    pub(crate) fn how(&self, p: &RawPart, norm: &str) -> String {
        let f = &self.fams[p.fam as usize];
        match p.how {
            How::Prefix(pe) => format!(
                "part family `{}`: prefix `{}` then `{}`",
                f.rule,
                norm.get(p.start..pe).unwrap_or_default(),
                f.info.shape
            ),
            How::Next(s, e) => format!(
                "part family `{}`: a part number next to `{}`",
                f.rule,
                norm.get(s..e).unwrap_or_default()
            ),
        }
    }
}

/// Whether an alias found at `s..e` stands as a word: no letter or digit
/// right before or after it, except next to a Han, kana or Hangul end (a
/// Chinese name is written inside a run of characters).
fn alias_stands(norm: &str, s: usize, e: usize) -> bool {
    let first = norm[s..].chars().next().unwrap_or(' ');
    let last = norm[..e].chars().next_back().unwrap_or(' ');
    let ok_b = is_han(first) || crate::normalize::boundary_before(norm, s);
    let ok_a = is_han(last) || crate::normalize::boundary_after(norm, e);
    ok_b && ok_a
}

fn is_han(c: char) -> bool {
    crate::normalize::is_unsegmented(c)
}

pub(crate) fn is_word(c: char) -> bool {
    crate::normalize::is_word_char(c)
}

/// Characters that join the pieces of one part number (`lm2596sx-5.0/nopb`,
/// `ds1621s+t&r`, `ltc5548iudb#trmpbf`).
fn joiner(b: u8) -> bool {
    matches!(b, b'-' | b'/' | b'#' | b'.' | b'+' | b'&' | b'_' | b':')
}

/// Extends a part from `end` over the rest of its word: ordering suffixes
/// (`-2ffg900i`, `/nopb`, `#pbf`, `-tr`, `,215`), but not trailing punctuation.
pub(crate) fn token_end(norm: &str, mut end: usize) -> usize {
    let b = norm.as_bytes();
    loop {
        if end < b.len() && b[end].is_ascii_alphanumeric() {
            end += 1;
        } else if end + 1 < b.len() && joiner(b[end]) && b[end + 1].is_ascii_alphanumeric() {
            end += 2;
        } else if end < b.len() && b[end] == b'(' {
            // An attached group such as `(31)` or `(GB-TP,F)`.
            let close = b[end + 1..]
                .iter()
                .take(12)
                .position(|&c| c == b')')
                .map(|i| end + 1 + i);
            match close {
                Some(c)
                    if c > end + 1
                        && b[end + 1..c].iter().all(|&x| {
                            x.is_ascii_alphanumeric() || matches!(x, b'.' | b',' | b'-')
                        }) =>
                {
                    end = c + 1
                }
                _ => return end,
            }
        } else if end < b.len() && b[end] == b'+' {
            end += 1; // a trailing `+` (lead-free marking) belongs to the part
        } else if end + 4 <= b.len()
            && b[end] == b','
            && b[end + 1..end + 4].iter().all(u8::is_ascii_digit)
            && b.get(end + 4).is_none_or(|c| !c.is_ascii_alphanumeric())
        {
            end += 4; // NXP/Nexperia packing code `,215`
        } else {
            return end;
        }
    }
}

fn is_sep(b: u8) -> bool {
    matches!(b, b' ' | b',' | b';' | b'"' | b'\'' | b'|')
}

/// The word after byte `e` (past spaces and list punctuation), up to the
/// next space, comma or semicolon, without trailing punctuation.
pub(crate) fn word_after(norm: &str, e: usize) -> Option<(usize, usize)> {
    let b = norm.as_bytes();
    let mut s = e;
    while s < b.len() && (is_sep(b[s]) || b[s] == b':') {
        s += 1;
    }
    if s == e || s >= b.len() || !b[s].is_ascii_alphanumeric() {
        return None;
    }
    let mut we = s;
    while we < b.len() && !is_sep(b[we]) {
        we += 1;
    }
    trim_word(norm, s, we)
}

/// The word before byte `s` (past spaces and list punctuation), from the
/// previous space, comma or semicolon.
pub(crate) fn word_before(norm: &str, s: usize) -> Option<(usize, usize)> {
    let b = norm.as_bytes();
    let mut e = s;
    while e > 0 && (is_sep(b[e - 1]) || b[e - 1] == b':') {
        e -= 1;
    }
    if e == s || e == 0 {
        return None;
    }
    let mut ws = e;
    while ws > 0 && !is_sep(b[ws - 1]) {
        ws -= 1;
    }
    if !b[ws].is_ascii_alphanumeric() {
        return None;
    }
    trim_word(norm, ws, e)
}

/// Drops trailing punctuation (but a closed `(...)` group and a `+` stay);
/// `None` when the word holds a character that no part number has.
fn trim_word(norm: &str, s: usize, mut e: usize) -> Option<(usize, usize)> {
    let b = norm.as_bytes();
    let w = &b[s..e];
    let opens = w.iter().filter(|&&c| c == b'(').count();
    let closes = w.iter().filter(|&&c| c == b')').count();
    while e > s && matches!(b[e - 1], b'.' | b'-' | b'/' | b':' | b')' | b'(') {
        if b[e - 1] == b')' && opens == closes {
            break;
        }
        e -= 1;
    }
    let ok = b[s..e]
        .iter()
        .all(|&c| c.is_ascii_alphanumeric() || joiner(c) || matches!(c, b'(' | b')' | b','));
    (ok && e > s).then_some((s, e))
}

/// A word that can be a part number: five or more letters and digits, at
/// least one digit, and a letter unless it is long or pieced (`53261-0471`).
pub(crate) fn part_like(w: &str) -> bool {
    let alnum = w.bytes().filter(u8::is_ascii_alphanumeric).count();
    let digits = w.bytes().filter(u8::is_ascii_digit).count();
    let letters = w.bytes().filter(u8::is_ascii_alphabetic).count();
    alnum >= 5 && digits >= 1 && (letters >= 1 || digits >= 7 || w.contains('-'))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn token_end_takes_ordering_suffixes() {
        let t = "lm2596sx-5.0/nopb, 10 pcs";
        assert_eq!(&t[..token_end(t, 6)], "lm2596sx-5.0/nopb");
        let t = "bc847b,215 nexperia";
        assert_eq!(&t[..token_end(t, 5)], "bc847b,215");
        let t = "max809reur+ maxim";
        assert_eq!(&t[..token_end(t, 6)], "max809reur+");
        let t = "ltc5548iudb#trmpbf.";
        assert_eq!(&t[..token_end(t, 7)], "ltc5548iudb#trmpbf");
        let t = "bc847, 215 pcs";
        assert_eq!(&t[..token_end(t, 5)], "bc847");
    }

    #[test]
    fn fast_alnum_is_unicodes() {
        for c in (0..=0x10FFFFu32).filter_map(char::from_u32) {
            assert_eq!(is_alnum(c), c.is_alphanumeric(), "{c:?}");
        }
    }

    #[test]
    fn short_lines() {
        assert_eq!(word_count("lm358dr texas instruments, 100 pcs", 99), 5);
        assert_eq!(word_count("型号:uc37263|规格:184*176", 99), 7);
        assert!(electronics_context("tps54331dr 德州仪器", false));
        assert!(!electronics_context(
            "1698 ctns led ceiling lights 24w item no. tl75669c",
            false
        ));
    }

    #[test]
    fn words_next_to_a_name() {
        let t = "53261-0471 molex";
        assert_eq!(word_before(t, 11), Some((0, 10)));
        let t = "molex: 53261-0471, 10 pcs";
        assert_eq!(word_after(t, 5), Some((7, 17)));
        let t = "hr30-8r-12s(31) hirose";
        assert_eq!(word_before(t, 16), Some((0, 15)));
        let t = "tlp281(gb-tp,f) toshiba";
        assert_eq!(&t[..token_end(t, 6)], "tlp281(gb-tp,f)");
        assert_eq!(word_after("molex", 5), None);
        assert!(part_like("53261-0471"));
        assert!(part_like("tps54360"));
        assert!(!part_like("ti-84"));
        assert!(!part_like("connector"));
        assert!(!part_like("2024"));
    }

    /// The character-by-character count `word_count` was first written as.
    fn word_count_chars(norm: &str, cap: usize) -> usize {
        let mut n = 0;
        let mut in_word = false;
        for c in norm.chars() {
            if crate::normalize::is_unsegmented(c) {
                n += 1;
                in_word = false;
            } else if is_alnum(c) {
                if !in_word {
                    n += 1;
                    in_word = true;
                }
            } else {
                in_word = false;
            }
            if n >= cap {
                break;
            }
        }
        n
    }

    #[test]
    fn word_count_table() {
        for (text, n) in [
            ("", 0),
            ("tps54331dr 德州仪器", 5),
            ("микросхема stm32f407 ёж, 10 шт", 5),
            ("ѣ҂x", 2),
            ("a-b c", 3),
        ] {
            assert_eq!(word_count(text, 99), n, "{text}");
            assert_eq!(word_count_chars(text, 99), n, "{text}");
        }
    }

    proptest::proptest! {
        #[test]
        fn word_count_equals_the_char_count(
            text in "[a-zA-Z0-9 ,.\\-ёа-яА-ЯѐѠ-ѿ҂҃德州é\\x{1F600}]{0,40}",
            cap in 0usize..12,
        ) {
            proptest::prop_assert_eq!(word_count(&text, cap), word_count_chars(&text, cap));
        }
    }
}
