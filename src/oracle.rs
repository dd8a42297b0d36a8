//! A deliberately naive classifier: every rule checked alone, by plain
//! substring and regex search over the normalised text.
//!
//! It exists to be obviously correct. Property tests assert that the compiled
//! [`Classifier`](crate::Classifier) returns exactly the hits it returns, and
//! the benchmarks use it as the baseline that grows linearly with rules.

use crate::diag::Diagnostic;
use crate::hs;
use crate::normalize::{is_word_char, normalize_str};
use crate::params;
use crate::parts::{ManufacturerInfo, PartFamilyInfo};
use crate::rules::{self, PatternDef, RuleDef, TermDef};
use crate::types::{Basis, Requires};
use crate::RuleSources;
use regex::{Regex, RegexBuilder};

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

fn compile(p: &[PatternDef]) -> Vec<Regex> {
    p.iter()
        .filter_map(|d| {
            RegexBuilder::new(&d.engine_source())
                .case_insensitive(true)
                .build()
                .ok()
        })
        .collect()
}

fn term_occurs(text: &str, t: &TermDef) -> bool {
    let mut from = 0;
    while let Some(i) = text[from..].find(&t.lit) {
        let s = from + i;
        let e = s + t.lit.len();
        let before = text[..s]
            .chars()
            .next_back()
            .is_none_or(|c| !is_word_char(c));
        let after = text[e..].chars().next().is_none_or(|c| !is_word_char(c));
        if (!t.start_b || before) && (!t.end_b || after) {
            return true;
        }
        from = s + text[s..].chars().next().map_or(1, char::len_utf8);
    }
    false
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
            .filter_map(|f| {
                let re = Regex::new(&format!("^(?:{})", f.shape)).ok()?;
                Some((f, re))
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
                let p = compile(&r.patterns);
                let x = compile(&r.ex_patterns);
                (r, p, x)
            })
            .collect();
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
                let basis = match (hs_ok, text_ok) {
                    (true, true) => Basis::HsText,
                    (true, false) => Basis::Hs,
                    _ => Basis::Text,
                };
                out.push((r.id.clone(), basis));
            }
        }
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
        out
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
                    let stop = crate::parts::ceil_char(
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
