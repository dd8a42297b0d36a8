//! The first phase of a two-phase screen: a small automaton over the
//! literals without which a line's text cannot change its result.
//!
//! A line's text matters only through the literals of the one automaton
//! (terms, pattern triggers, markers of codes written in the text, the
//! parts knowledge base) and the patterns those literals trigger. For each
//! rule, some sets of literals are *necessary*: its text side holds only if
//! one of its `any` terms or pattern triggers occurs (the `any` side), and
//! only if one term of each `all` group occurs. One such set per rule is
//! enough to decide "could this rule's text matter here?"; the rarest one
//! is taken. Add the exclusions of the rules that can fire on their code
//! alone (a veto changes the result without any text condition), every
//! marker and every literal of the parts knowledge base, and a line on
//! which none of them occurs, at the word boundaries its uses ask for,
//! gets exactly the result of its code alone: the second phase (the whole
//! automaton, the patterns) would find nothing that changes the result.
//!
//! Everything is derived from the compiled classifier (its literals and
//! their uses), so literals added to the automaton later (variants of
//! terms, new trigger kinds) are covered as long as they are recorded as
//! uses. `tests/oracle.rs` and `tests/prefilter.rs` compare the two paths.

use super::{Inner, Slot, MARKER, PART};
use crate::normalize::{is_unsegmented, is_word_char};
use crate::types::Requires;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// How a literal must stand for a use of it to count; a literal admits a
/// line when one of the conditions of its kept uses holds (a bit set).
const PLAIN: u8 = 1;
/// A word boundary before the literal.
const START: u8 = 2;
/// A word boundary after it.
const END: u8 = 4;
/// Both.
const BOTH: u8 = 8;

/// Above this many literals the prefilter is a contiguous NFA, not a DFA.
const DFA_MAX_LITERALS: usize = 6_000;

/// The compiled prefilter: an automaton over the chosen literals and, per
/// literal, the boundary conditions under which it admits a line.
pub(super) struct Prefilter {
    ac: AhoCorasick,
    /// By prefilter pattern id: the conditions of its rule uses (0: none).
    conds: Vec<u8>,
    /// By prefilter pattern id: the boundary condition of its use as a
    /// marker before a code written in the text (0: not a marker).
    markers: Vec<u8>,
    /// By prefilter pattern id: its entries in the parts knowledge base, a
    /// range of `part_entries`.
    parts: Vec<(u32, u32)>,
    part_entries: Vec<u32>,
    /// The literals, in normalised form, by prefilter pattern id.
    literals: Vec<String>,
}

/// What the prefilter keeps of one literal's uses.
#[derive(Clone, Debug, Default)]
struct Kept {
    conds: u8,
    marker: u8,
    part_entries: Vec<u32>,
}

/// One necessary literal: its id in the classifier's automaton and how it
/// must stand.
type Need = (u32, u8);

impl Prefilter {
    /// Derives the prefilter from a compiled classifier; `None` when a line
    /// could matter without any literal (a pattern that runs on every
    /// line), when there is nothing to search for, or when the automaton
    /// cannot be built (the classifier then searches every line in full).
    pub(super) fn derive(inner: &Inner) -> Option<Prefilter> {
        if inner.set.is_some() || !inner.always.is_empty() || inner.ac.is_none() {
            return None;
        }
        let n = inner.rules.len();
        // Per rule: its `any` side, each `all` group, its exclusions.
        let mut any: Vec<Vec<Need>> = vec![Vec::new(); n];
        let mut groups: Vec<Vec<Vec<Need>>> = inner
            .rules
            .iter()
            .map(|r| vec![Vec::new(); r.n_all as usize])
            .collect();
        let mut excl: Vec<Vec<Need>> = vec![Vec::new(); n];
        let mut chosen: HashMap<u32, Kept> = HashMap::new();
        for (li, &(a, b)) in inner.ranges.iter().enumerate() {
            let li = li as u32;
            for u in &inner.uses[a as usize..b as usize] {
                let cond = match (u.start_b, u.end_b) {
                    (false, false) => PLAIN,
                    (true, false) => START,
                    (false, true) => END,
                    (true, true) => BOTH,
                };
                // Every marker and every literal of the knowledge base is
                // kept: codes written in the text, parts and manufacturers
                // are reported whatever the rules.
                if u.rule == MARKER {
                    chosen.entry(li).or_default().marker |= cond;
                    continue;
                }
                if u.rule == PART {
                    chosen.entry(li).or_default().part_entries.push(u.written);
                    continue;
                }
                let (rule, slot) = match u.slot {
                    Slot::Trigger => {
                        let p = &inner.patterns[u.rule as usize];
                        (p.rule as usize, p.slot)
                    }
                    s => (u.rule as usize, s),
                };
                match slot {
                    Slot::Any | Slot::Trigger => any[rule].push((li, cond)),
                    Slot::All(g) => groups[rule][g as usize].push((li, cond)),
                    Slot::Exclude => excl[rule].push((li, cond)),
                }
            }
        }
        // A pattern without triggers makes a rule's `any` side need no
        // literal (it runs where the rule's groups are met).
        let mut any_open = vec![false; n];
        for p in inner.patterns.iter().filter(|p| p.trigger.is_none()) {
            if p.slot != Slot::Exclude {
                any_open[p.rule as usize] = true;
            }
        }

        for (ri, rule) in inner.rules.iter().enumerate() {
            // A veto changes the result of a rule that fires on its code
            // alone; for the others, the text side is needed anyway.
            let hs_alone = matches!(rule.info.requires, Requires::Hs | Requires::Either)
                && !rule.info.hs.is_empty();
            if hs_alone {
                for &(li, c) in &excl[ri] {
                    chosen.entry(li).or_default().conds |= c;
                }
            }
            if !rule.has_text {
                continue;
            }
            let mut alternatives: Vec<&[Need]> = groups[ri].iter().map(Vec::as_slice).collect();
            if rule.has_any && !any_open[ri] {
                alternatives.push(&any[ri]);
            }
            // Without `all` groups and with an open `any` side, the rule's
            // text could matter on any line (`derive` returned above for
            // the curated cases; this keeps it sound for any other).
            let best = alternatives.into_iter().min_by(|a, b| {
                let (ca, cb) = (
                    marginal_cost(a, &chosen, &inner.literals),
                    marginal_cost(b, &chosen, &inner.literals),
                );
                ca.total_cmp(&cb).then(a.len().cmp(&b.len()))
            })?;
            for &(li, c) in best {
                chosen.entry(li).or_default().conds |= c;
            }
        }

        let mut ids: Vec<u32> = chosen.keys().copied().collect();
        ids.sort_unstable();
        let literals: Vec<String> = ids
            .iter()
            .map(|&li| inner.literals[li as usize].clone())
            .collect();
        let conds: Vec<u8> = ids.iter().map(|li| simplify(chosen[li].conds)).collect();
        let markers: Vec<u8> = ids.iter().map(|li| chosen[li].marker).collect();
        let mut parts = Vec::with_capacity(ids.len());
        let mut part_entries = Vec::new();
        for li in &ids {
            let a = part_entries.len() as u32;
            part_entries.extend_from_slice(&chosen[li].part_entries);
            parts.push((a, part_entries.len() as u32));
        }
        if literals.is_empty() {
            return None;
        }
        let mut builder = AhoCorasick::builder();
        builder.match_kind(MatchKind::Standard);
        if literals.len() <= DFA_MAX_LITERALS {
            builder.kind(Some(AhoCorasickKind::DFA));
        }
        let ac = builder
            .build(&literals)
            .or_else(|_| builder.kind(None).build(&literals))
            .ok()?;
        Some(Prefilter {
            ac,
            conds,
            markers,
            parts,
            part_entries,
            literals,
        })
    }

    /// Whether the normalised `text` holds a literal, standing as its uses
    /// ask, without which nothing of the text but the codes written in it
    /// can change the result. `None` means the line's result is that of
    /// its code and of the markers pushed to `markers`: exactly the
    /// `(start, end)` of the marker matches the full search would push, in
    /// the same order (matches come by their end, and no marker is a
    /// suffix of another, so no two end at one place). Otherwise, the
    /// literal that let the line through (its prefilter id); `markers`
    /// then holds a part of them and the caller searches the line in full.
    pub(super) fn admits(
        &self,
        text: &str,
        kb: &crate::parts::PartsIndex,
        line_parts: &mut crate::parts::LineParts,
        markers: &mut Vec<(usize, usize)>,
    ) -> Option<usize> {
        for m in self.ac.find_overlapping_iter(text) {
            let id = m.pattern().as_usize();
            let (s, e) = (m.start(), m.end());
            let c = self.conds[id];
            if c & PLAIN != 0 {
                return Some(id);
            }
            let before = || {
                text[..s]
                    .chars()
                    .next_back()
                    .is_none_or(|c| !is_word_char(c))
            };
            let after = || text[e..].chars().next().is_none_or(|c| !is_word_char(c));
            let holds = |c: u8| {
                (c & START != 0 && before())
                    || (c & END != 0 && after())
                    || (c & BOTH != 0 && before() && after())
            };
            let mk = self.markers[id];
            if mk != 0 && holds(mk) {
                markers.push((s, e));
            }
            if c != 0 && holds(c) {
                return Some(id);
            }
            let (a, b) = self.parts[id];
            if a < b {
                // The check `scan_terms` makes before handing a match to
                // the knowledge base, then the knowledge base's own.
                let bytes = text.as_bytes();
                if s > 0 && bytes[s - 1].is_ascii_alphanumeric() && bytes[s].is_ascii() {
                    continue;
                }
                if self.part_entries[a as usize..b as usize]
                    .iter()
                    .any(|&entry| kb.may_find(entry, text, s, e, line_parts))
                {
                    return Some(id);
                }
            }
        }
        None
    }

    /// The prefilter's literals, in normalised form.
    pub(super) fn literals(&self) -> &[String] {
        &self.literals
    }

    /// A one-line description for `Debug`.
    pub(super) fn describe(&self) -> String {
        format!(
            "{} literals, {:?}, {} bytes",
            self.literals.len(),
            self.ac.kind(),
            self.ac.memory_usage()
        )
    }
}

/// Drops conditions implied by weaker ones that are also kept (a literal
/// admitted anywhere needs no boundary check).
fn simplify(c: u8) -> u8 {
    if c & PLAIN != 0 {
        return PLAIN;
    }
    let mut c = c;
    if c & (START | END) != 0 {
        c &= !BOTH;
    }
    c
}

/// Whether condition `c` is already admitted by the kept conditions `have`.
fn implied(c: u8, have: u8) -> bool {
    have & PLAIN != 0 || have & c != 0 || (c == BOTH && have & (START | END) != 0)
}

/// The expected share of lines a set of literals adds to the prefilter,
/// given the literals already kept (which cost nothing more).
fn marginal_cost(set: &[Need], chosen: &HashMap<u32, Kept>, literals: &[String]) -> f64 {
    set.iter()
        .filter(|(li, c)| !chosen.get(li).is_some_and(|k| implied(*c, k.conds)))
        .map(|&(li, c)| rarity_guess(&literals[li as usize], c))
        .sum()
}

/// How likely a literal is to occur on a line of a customs dump, a guess
/// from its characters alone: each character divides the chance (a Chinese
/// character by 2^4, a letter by 2^3, a digit by 2^2, anything else by
/// 2^2, a space by 2), and a boundary it needs divides it by 2^1.5 on each
/// side. Only the order matters: the rarest set of a rule is kept.
fn rarity_guess(lit: &str, c: u8) -> f64 {
    let bits: f64 = lit
        .chars()
        .map(|ch| match ch {
            ' ' => 1.0,
            ch if is_unsegmented(ch) => 4.0,
            ch if ch.is_alphabetic() => 3.0,
            _ => 2.0,
        })
        .sum();
    let bounds = match c {
        START | END => 1.5,
        BOTH => 3.0,
        _ => 0.0,
    };
    (-(bits + bounds)).exp2()
}
