//! A deliberately naive classifier: every rule checked alone, by plain
//! substring and regex search over the normalised text.
//!
//! It exists to be obviously correct. Property tests assert that the compiled
//! [`Classifier`](crate::Classifier) returns exactly the hits it returns, and
//! the benchmarks use it as the baseline that grows linearly with rules.

use crate::diag::{Code, Diagnostic};
use crate::hs;
use crate::mentions::{self, MentionKind};
use crate::normalize::{is_word_char, normalize_str};
use crate::params;
use crate::parts::{ManufacturerInfo, PartFamilyInfo};
use crate::pattern::PatternDef;
use crate::rules::{self, RuleDef, TermDef};
use crate::types::{Basis, Requires};
use crate::RuleSources;
use regex_automata::meta::Regex;
use regex_automata::Input;

/// (rule id, basis) pairs sorted by id: what [`fired`] and [`mentioned`]
/// give a [`Screening`](crate::Screening).
pub type Fired = Vec<(String, Basis)>;

/// The naive classifier.
pub struct NaiveClassifier {
    rules: Vec<(RuleDef, Vec<Regex>, Vec<Regex>)>,
    makers: Vec<ManufacturerInfo>,
    families: Vec<(PartFamilyInfo, Regex)>,
}

impl std::fmt::Debug for NaiveClassifier {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        write!(f, "NaiveClassifier({} rules)", self.rules.len())
    }
}

/// The patterns' regexes, built by the engine's own builder; a pattern it
/// cannot build is a diagnostic, as in the engine's rule check.
fn compile(p: &[PatternDef], rule: &str, diags: &mut Vec<Diagnostic>) -> Vec<Regex> {
    let mut out = Vec::new();
    for d in p {
        match d.compile() {
            Ok(re) => out.push(re),
            Err(e) => diags.push(Diagnostic::at(
                Code::E005,
                format!("the oracle could not build pattern `{}`: {e}", d.source),
                "(oracle)",
                "",
                None,
                Some(rule),
            )),
        }
    }
    out
}

fn term_occurs(text: &str, t: &TermDef) -> bool {
    !term_starts(text, t).is_empty()
}

/// Where a term occurs (start and end bytes), every occurrence.
fn term_starts(text: &str, t: &TermDef) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(&t.lit) {
        let s = from + i;
        let e = s + t.lit.len();
        // Spelled out, not the engine's `boundary_before`: the oracle
        // shares only the definition of a word character.
        let before = text[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
        let after = text[e..].chars().next().is_none_or(|c| !is_word_char(c));
        if (!t.start_b || before) && (!t.end_b || after) {
            out.push((s, e));
        }
        from = s + text[s..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// Where a pattern matches (group 1, as the compiled classifier reports
/// it), leftmost first, without overlaps of group 1. Each search resumes at
/// the end of the last group 1, not of the whole match: the character after
/// a match that served as its closing boundary may open the next one
/// (`6204|6204`), which `captures_iter` would skip.
fn pattern_starts(text: &str, re: &Regex) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut at = 0;
    let mut caps = re.create_captures();
    while at <= text.len() {
        re.search_captures(&Input::new(text).range(at..), &mut caps);
        let Some(m) = caps
            .get_group(1)
            .or_else(|| caps.get_match().map(|m| m.span()))
        else {
            break;
        };
        out.push((m.start, m.end));
        at = if m.end > at {
            m.end
        } else {
            at + text[at..].chars().next().map_or(1, char::len_utf8)
        };
    }
    out
}

/// Every occurrence of `lit` in `text`, by `str::find`.
fn occurrences(text: &str, lit: &str) -> Vec<(usize, usize)> {
    let mut out = Vec::new();
    let mut from = 0;
    while let Some(i) = text[from..].find(lit) {
        let s = from + i;
        out.push((s, s + lit.len()));
        from = s + text[s..].chars().next().map_or(1, char::len_utf8);
    }
    out
}

/// The mention regions of a normalised line, marker by marker with
/// `str::find`: `(start, end, kind)` in the order the markers were opened.
fn mention_regions(text: &str) -> Vec<(usize, usize, MentionKind)> {
    let mut covers: Vec<(usize, usize)> = Vec::new();
    for w in mentions::NOT_MARKERS {
        covers.extend(occurrences(text, w));
    }
    let mut found = Vec::new();
    for m in mentions::MARKERS {
        for (s, e) in occurrences(text, m.text) {
            if mentions::marker_bounded(text, s, e, m) {
                found.push((s, e, m));
                covers.push((s, e));
            }
        }
    }
    found.sort_by_key(|f| (f.0, f.1));
    found.truncate(mentions::MAX_MARKERS_PER_LINE);
    let mut regions = Vec::new();
    for (s, e, m) in found {
        if covers
            .iter()
            .any(|&(cs, ce)| cs <= s && e <= ce && ce - cs > e - s)
        {
            continue;
        }
        if let Some(r) = mentions::region_of(text, s, e, m) {
            regions.push(r);
        }
    }
    regions
}

/// The kind of the region opened last among those holding `s..e` whole.
fn kind_of(regions: &[(usize, usize, MentionKind)], s: usize, e: usize) -> Option<MentionKind> {
    regions
        .iter()
        .filter(|r| r.0 <= s && e <= r.1)
        .max_by_key(|r| (r.0, r.1, r.2 == MentionKind::Purpose))
        .map(|r| r.2)
}

/// The boundaries are part of the regex (see `PatternDef::engine_source`),
/// so a pattern occurs exactly when its regex matches somewhere.
fn pattern_occurs(text: &str, re: &Regex) -> bool {
    re.is_match(text)
}

impl NaiveClassifier {
    /// Loads the rules.
    ///
    /// # Errors
    /// The diagnostics, as the compiled classifier would report them.
    pub fn new(sources: &RuleSources) -> Result<NaiveClassifier, Vec<Diagnostic>> {
        let mut diags = Vec::new();
        let mut sets: Vec<rules::RuleSetDef> = Vec::new();
        for (name, text) in sources.files() {
            let text = text.strip_prefix('\u{feff}').unwrap_or(text);
            if let Some(def) = rules::parse_file(name, text, &mut diags) {
                if let Some(i) = sets.iter().position(|s| s.info.id == def.info.id) {
                    sets[i] = def;
                } else {
                    sets.push(def);
                }
            }
        }
        if !diags.is_empty() {
            return Err(diags);
        }
        let makers: Vec<ManufacturerInfo> = sets
            .iter()
            .flat_map(|s| s.manufacturers.iter().cloned())
            .collect();
        let families = sets
            .iter()
            .flat_map(|s| s.families.iter().cloned())
            .filter_map(|f| match crate::pattern::compile_shape(&f.shape) {
                Ok(re) => Some((f, re)),
                Err(e) => {
                    diags.push(Diagnostic::at(
                        Code::E005,
                        format!("the oracle could not build shape `{}`: {e}", f.shape),
                        "(oracle)",
                        "",
                        None,
                        Some(&f.id),
                    ));
                    None
                }
            })
            .collect();
        // Each term's transliterations and misspellings are more terms of
        // the same list: a term occurs when it or one of them does.
        let expander = crate::variants::Expander::for_sets(&sets);
        let with_variants = |terms: &[TermDef], fires: bool| -> Vec<TermDef> {
            let mut out = terms.to_vec();
            for t in terms {
                for v in expander.expand(t, fires) {
                    out.push(TermDef {
                        lit: v.lit,
                        ..t.clone()
                    });
                }
            }
            out
        };
        let rules = sets
            .iter()
            .flat_map(|s| s.rules.iter().cloned())
            .map(|mut r| {
                r.any = with_variants(&r.any, true);
                r.all = r.all.iter().map(|g| with_variants(g, true)).collect();
                r.ex_any = with_variants(&r.ex_any, false);
                let p = compile(&r.patterns, &r.id, &mut diags);
                let x = compile(&r.ex_patterns, &r.id, &mut diags);
                (r, p, x)
            })
            .collect();
        if !diags.is_empty() {
            return Err(diags);
        }
        Ok(NaiveClassifier {
            rules,
            makers,
            families,
        })
    }

    /// The rules that fire on a line, as (rule id, basis), sorted by id:
    /// the shape [`fired`] gives a [`Screening`](crate::Screening), so the
    /// two compare directly.
    pub fn classify(&self, hs_field: Option<&str>, text: &str) -> Vec<(String, Basis)> {
        self.classify_roles(hs_field, text).0
    }

    /// The hits and the mentions of a line, each as (rule id, basis) sorted
    /// by id: the shapes [`fired`] and [`mentioned`] give.
    ///
    /// A rule that does not fire on its code alone (`requires` = `hs` or
    /// `either` with a matching code) is a mention when each of its term
    /// and pattern matches lies whole in a mention region; a mention in a `with` region is a hit (a kit part) where some other
    /// rule is a hit (on the head text or on the code).
    pub fn classify_roles(&self, hs_field: Option<&str>, text: &str) -> (Fired, Fired) {
        let mut regions: Option<Vec<(usize, usize, MentionKind)>> = None;
        let mut mentioned: Vec<(String, Basis, bool)> = Vec::new();
        let norm = normalize_str(text);
        let mut digits = hs_field.and_then(|h| hs::parse_declared(h).ok().flatten());
        if digits.is_none() {
            // The first code written after a marker, scanning markers by position.
            let mut found: Vec<(usize, String)> = Vec::new();
            for m in hs::TEXT_MARKERS {
                let mut from = 0;
                while let Some(i) = norm[from..].find(m) {
                    let s = from + i;
                    let e = s + m.len();
                    let before = norm[..s]
                        .chars()
                        .next_back()
                        .is_none_or(|c| !is_word_char(c));
                    let han = m
                        .chars()
                        .next_back()
                        .is_some_and(crate::normalize::is_unsegmented);
                    let after = han || norm[e..].chars().next().is_none_or(|c| !is_word_char(c));
                    if before && after {
                        if let Some(f) = hs::code_after(&norm, e) {
                            found.push((f.start, f.digits));
                        }
                    }
                    from = s + norm[s..].chars().next().map_or(1, char::len_utf8);
                }
            }
            found.sort();
            digits = found.into_iter().next().map(|f| f.1);
        }
        let found_params = params::extract(&norm);
        let mut out = Vec::new();
        for (r, pats, xpats) in &self.rules {
            let hs_match = |list: &[String]| {
                digits
                    .as_deref()
                    .is_some_and(|d| list.iter().any(|p| d.starts_with(p.as_str())))
            };
            let hs_ok = hs_match(&r.hs);
            let has_text = !r.any.is_empty() || !r.patterns.is_empty() || !r.all.is_empty();
            let any_given = !r.any.is_empty() || !r.patterns.is_empty();
            let any_ok = r.any.iter().any(|t| term_occurs(&norm, t))
                || r.patterns
                    .iter()
                    .zip(pats)
                    .any(|(_, re)| pattern_occurs(&norm, re));
            let all_ok = r
                .all
                .iter()
                .all(|g| g.iter().any(|t| term_occurs(&norm, t)));
            let params_ok = r.params.iter().all(|c| {
                found_params
                    .iter()
                    .any(|f| f.quantity == c.quantity && c.op.holds(f.value, c.value))
            });
            let text_ok = has_text && (!any_given || any_ok) && all_ok && params_ok;
            let fires = match r.requires {
                Requires::Hs => hs_ok,
                Requires::Text => text_ok,
                Requires::Either => hs_ok || text_ok,
                Requires::Both => hs_ok && text_ok,
            };
            let excluded = r.ex_any.iter().any(|t| term_occurs(&norm, t))
                || r.ex_patterns
                    .iter()
                    .zip(xpats)
                    .any(|(_, re)| pattern_occurs(&norm, re))
                || hs_match(&r.ex_hs);
            if fires && !excluded {
                let mut mention = None;
                let code_fires = hs_ok && matches!(r.requires, Requires::Hs | Requires::Either);
                if text_ok && !code_fires {
                    let mut starts: Vec<(usize, usize)> = Vec::new();
                    for t in r.any.iter().chain(r.all.iter().flatten()) {
                        starts.extend(term_starts(&norm, t));
                    }
                    for re in pats {
                        starts.extend(pattern_starts(&norm, re));
                    }
                    let regions = regions.get_or_insert_with(|| mention_regions(&norm));
                    let kinds: Vec<Option<MentionKind>> = starts
                        .iter()
                        .map(|&(s, e)| kind_of(regions, s, e))
                        .collect();
                    if !kinds.is_empty() && kinds.iter().all(Option::is_some) {
                        mention = Some(kinds.contains(&Some(MentionKind::With)));
                    }
                }
                let basis = match (hs_ok, text_ok) {
                    (true, true) => Basis::HsText,
                    (true, false) => Basis::Hs,
                    _ => Basis::Text,
                };
                match mention {
                    Some(with) => mentioned.push((r.id.clone(), basis, with)),
                    None => out.push((r.id.clone(), basis)),
                }
            }
        }
        let head = !out.is_empty();
        let mut mentions = Vec::new();
        for (id, basis, with) in mentioned {
            if with && head {
                out.push((id, basis));
            } else {
                mentions.push((id, basis));
            }
        }
        mentions.sort_by(|a, b| a.0.cmp(&b.0));
        let micro_text = self.rules.iter().any(|(r, _, _)| {
            r.category == crate::types::Category::Microelectronics
                && out.iter().any(|(id, b)| *id == r.id && *b != Basis::Hs)
        });
        let context = crate::parts::electronics_context(&norm, micro_text);
        for (f, basis) in self.parts(&norm, digits.as_deref(), context) {
            if !out.iter().any(|(id, _)| *id == f) {
                out.push((f, basis));
            }
        }
        out.sort_by(|a, b| a.0.cmp(&b.0));
        (out, mentions)
    }

    /// The part-family hits of a normalised line, family by family and
    /// prefix by prefix with `str::find`: the manufacturers named (the
    /// longest alias wins where two overlap), every prefix occurrence whose
    /// shape matches, the best candidate at each start, no overlaps, then
    /// the words next to the names of makers with a default family.
    fn parts(&self, norm: &str, digits: Option<&str>, context: bool) -> Vec<(String, Basis)> {
        use crate::parts::{is_word, part_like, token_end, word_after, word_before};
        let han = crate::normalize::is_unsegmented;
        let bytes = norm.as_bytes();
        let occurrences = |lit: &str| -> Vec<usize> {
            (0..norm.len())
                .filter(|&i| norm.is_char_boundary(i) && norm[i..].starts_with(lit))
                .collect()
        };
        let mut aliases: Vec<(usize, usize, usize, bool)> = Vec::new();
        for (mi, m) in self.makers.iter().enumerate() {
            for a in &m.norm_aliases {
                for s in occurrences(a) {
                    let e = s + a.len();
                    let first = a.chars().next().unwrap_or(' ');
                    let last = a.chars().next_back().unwrap_or(' ');
                    let ok_b =
                        han(first) || norm[..s].chars().next_back().is_none_or(|c| !is_word(c));
                    let ok_a = han(last) || norm[e..].chars().next().is_none_or(|c| !is_word(c));
                    if ok_b && ok_a {
                        aliases.push((s, e, mi, a.chars().count() > 2));
                    }
                }
            }
        }
        aliases.sort_by_key(|&(s, e, _, _)| (s, std::cmp::Reverse(e)));
        aliases.dedup();
        let mut named: Vec<(usize, usize, usize, bool)> = Vec::new();
        for a in aliases {
            if named.last().is_some_and(|n| a.0 < n.1) {
                continue;
            }
            named.push(a);
        }
        let is_named = |id: &str| named.iter().any(|n| self.makers[n.2].id == id);
        let mut cands: Vec<(usize, usize, usize, bool, usize)> = Vec::new();
        for (fi, (f, re)) in self.families.iter().enumerate() {
            let named_here = f.manufacturers.iter().any(|m| is_named(m));
            for p in &f.prefixes {
                for s in occurrences(p) {
                    let e = s + p.len();
                    if s > 0 && bytes[s - 1].is_ascii_alphanumeric() {
                        continue;
                    }
                    let agrees =
                        digits.is_some_and(|d| f.hs.iter().any(|p| d.starts_with(p.as_str())));
                    if f.needs_manufacturer && !named_here
                        || e - s <= 2 && !named_here && !named.is_empty()
                        || !named_here && !context && !agrees
                    {
                        continue;
                    }
                    let stop = crate::normalize::ceil_char(
                        norm,
                        (e + crate::parts::MAX_SHAPE_BYTES).min(norm.len()),
                    );
                    if let Some(m) = re.find(&norm[e..stop]) {
                        cands.push((s, e + m.end(), fi, named_here, e));
                    }
                }
            }
        }
        cands.sort_by_key(|&(s, e, _, n, pe)| {
            (
                s,
                std::cmp::Reverse(n),
                std::cmp::Reverse(e),
                std::cmp::Reverse(pe),
            )
        });
        let mut parts: Vec<(usize, usize, usize, bool)> = Vec::new();
        let mut taken = 0;
        for (s, e, fi, named_here, _) in cands {
            if s < taken || parts.len() >= crate::parts::MAX_PARTS_PER_LINE {
                continue;
            }
            taken = token_end(norm, e);
            parts.push((s, taken, fi, named_here));
        }
        for n in &named {
            let Some(df) = &self.makers[n.2].default_family else {
                continue;
            };
            let Some(fi) = self.families.iter().position(|(f, _)| &f.id == df) else {
                continue;
            };
            if !n.3 {
                continue;
            }
            for (ws, we) in [word_before(norm, n.0), word_after(norm, n.1)]
                .into_iter()
                .flatten()
            {
                if parts.len() >= crate::parts::MAX_PARTS_PER_LINE
                    || parts.iter().any(|p| p.0 < we && ws < p.1)
                    || named.iter().any(|x| x.0 < we && ws < x.1)
                    || !part_like(&norm[ws..we])
                    || !self.families[fi].1.is_match(&norm[ws..we])
                {
                    continue;
                }
                parts.push((ws, we, fi, true));
            }
        }
        let mut out = Vec::new();
        for (_, _, fi, _) in parts {
            let f = &self.families[fi].0;
            if f.category.is_none() {
                continue;
            }
            let hs_ok = digits.is_some_and(|d| f.hs.iter().any(|p| d.starts_with(p.as_str())));
            out.push((
                f.id.clone(),
                if hs_ok { Basis::HsText } else { Basis::Text },
            ));
        }
        out
    }
}

/// The (rule id, basis) pairs of a screening, sorted by id, to compare with
/// [`NaiveClassifier::classify`] (the property tests, the fuzz targets and
/// their regression tests all do).
pub fn fired(s: &crate::Screening) -> Vec<(String, Basis)> {
    let mut v: Vec<(String, Basis)> = s
        .hits
        .iter()
        .map(|h| (h.rule.to_string(), h.basis))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}

/// The (rule id, basis) pairs of a screening's mentions, sorted by id, to
/// compare with the second list of [`NaiveClassifier::classify_roles`].
pub fn mentioned(s: &crate::Screening) -> Vec<(String, Basis)> {
    let mut v: Vec<(String, Basis)> = s
        .mentions
        .iter()
        .map(|h| (h.rule.to_string(), h.basis))
        .collect();
    v.sort_by(|a, b| a.0.cmp(&b.0));
    v
}
