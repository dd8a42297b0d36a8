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
//! A literal found where its use asks is then *confirmed* before the line
//! is let through, with conditions that are also necessary: a pattern's
//! trigger, by the pattern's regex matching somewhere in the line (it runs
//! only on the lines where the trigger occurs); a literal chosen for a
//! rule, by each of the rule's other necessary sets occurring in the line
//! as a substring (one small automaton per set). Both are cheap next to the
//! full search, and both only ever let more lines through than the exact
//! condition, never fewer.
//!
//! Everything is derived from the compiled classifier (its literals and
//! their uses), so literals added to the automaton later (variants of
//! terms, new trigger kinds) are covered as long as they are recorded as
//! uses. `tests/oracle.rs` and `tests/prefilter.rs` compare the two paths.

use super::{CompiledRules, LazyPattern, Slot, Target};
use crate::normalize::{boundary_after, boundary_before, is_unsegmented};
use crate::types::Requires;
use aho_corasick::{AhoCorasick, AhoCorasickKind, MatchKind};
use std::collections::HashMap;

/// How a literal must stand for a use of it to count (bits).
const PLAIN: u8 = 1;
/// A word boundary before the literal.
const START: u8 = 2;
/// A word boundary after it.
const END: u8 = 4;
/// Both.
const BOTH: u8 = 8;

/// No rule or pattern to confirm.
const NONE: u32 = u32::MAX;

/// Above this many literals the prefilter is a contiguous NFA, not a DFA.
const DFA_MAX_LITERALS: usize = 6_000;

/// One use of a prefilter literal that lets a line through when its
/// boundary condition holds and it is confirmed.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, PartialOrd, Ord)]
struct Claim {
    cond: u8,
    /// The pattern whose trigger this is (its regex must match the line).
    pat: u32,
    /// The rule whose other necessary sets must occur in the line.
    rule: u32,
}

/// The compiled prefilter: an automaton over the chosen literals and, per
/// literal, what lets a line through.
pub(super) struct Prefilter {
    ac: AhoCorasick,
    /// By prefilter pattern id: its claims, a range of `claims`.
    claim_at: Vec<(u32, u32)>,
    claims: Vec<Claim>,
    /// By prefilter pattern id: the boundary condition of its use as a
    /// marker before a code written in the text (0: not a marker).
    markers: Vec<u8>,
    /// By prefilter pattern id: its entries in the parts knowledge base, a
    /// range of `part_entries`.
    parts: Vec<(u32, u32)>,
    part_entries: Vec<u32>,
    /// By rule: the automata of its other necessary sets, each of which
    /// must occur (as a substring) for the rule's text to matter.
    confirm: Vec<Vec<AhoCorasick>>,
    /// The literals, in normalised form, by prefilter pattern id.
    literals: Vec<String>,
}

/// What the prefilter keeps of one literal's uses.
#[derive(Clone, Debug, Default)]
struct Kept {
    claims: Vec<Claim>,
    marker: u8,
    part_entries: Vec<u32>,
}

/// One necessary literal: its id in the classifier's automaton, how it
/// must stand, and the pattern it triggers (or [`NONE`]).
type Need = (u32, u8, u32);

impl Prefilter {
    /// Derives the prefilter from a compiled classifier; `None` when a line
    /// could matter without any literal (a pattern that runs on every
    /// line), when there is nothing to search for, or when the automaton
    /// cannot be built (the classifier then searches every line in full).
    pub(super) fn derive(inner: &CompiledRules) -> Option<Prefilter> {
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
                let (rule, slot, pat) = match u.target {
                    Target::Marker => {
                        chosen.entry(li).or_default().marker |= cond;
                        continue;
                    }
                    Target::Part(entry) => {
                        chosen.entry(li).or_default().part_entries.push(entry);
                        continue;
                    }
                    Target::Trigger(p) => {
                        let lp = &inner.patterns[p as usize];
                        (lp.rule as usize, lp.slot, p)
                    }
                    Target::Term { rule, slot, .. } => (rule as usize, slot, NONE),
                };
                match slot {
                    Slot::Any => any[rule].push((li, cond, pat)),
                    Slot::All(g) => groups[rule][g as usize].push((li, cond, pat)),
                    Slot::Exclude => excl[rule].push((li, cond, pat)),
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

        let mut confirm: Vec<Vec<AhoCorasick>> = Vec::with_capacity(n);
        for (ri, rule) in inner.rules.iter().enumerate() {
            confirm.push(Vec::new());
            // A veto changes the result of a rule that fires on its code
            // alone; for the others, the text side is needed anyway.
            let hs_alone = matches!(rule.info.requires, Requires::Hs | Requires::Either)
                && !rule.info.hs.is_empty();
            if hs_alone {
                for &(li, cond, pat) in &excl[ri] {
                    let claim = Claim {
                        cond,
                        pat,
                        rule: NONE,
                    };
                    chosen.entry(li).or_default().claims.push(claim);
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
            let best = (0..alternatives.len()).min_by(|&a, &b| {
                let (sa, sb) = (alternatives[a], alternatives[b]);
                let (ca, cb) = (cost(sa, &inner.literals), cost(sb, &inner.literals));
                ca.total_cmp(&cb).then(sa.len().cmp(&sb.len()))
            })?;
            for (i, set) in alternatives.iter().enumerate() {
                if i == best {
                    continue;
                }
                let lits: Vec<&str> = set
                    .iter()
                    .map(|&(li, _, _)| inner.literals[li as usize].as_str())
                    .collect();
                // An empty set cannot occur: the rule's text never holds.
                confirm[ri].push(small_automaton(&lits)?);
            }
            for &(li, cond, pat) in alternatives[best] {
                let claim = Claim {
                    cond,
                    pat,
                    rule: ri as u32,
                };
                chosen.entry(li).or_default().claims.push(claim);
            }
        }

        let mut ids: Vec<u32> = chosen.keys().copied().collect();
        ids.sort_unstable();
        let literals: Vec<String> = ids
            .iter()
            .map(|&li| inner.literals[li as usize].clone())
            .collect();
        let markers: Vec<u8> = ids.iter().map(|li| chosen[li].marker).collect();
        let (mut claim_at, mut claims) = (Vec::with_capacity(ids.len()), Vec::new());
        let (mut parts, mut part_entries) = (Vec::with_capacity(ids.len()), Vec::new());
        for li in &ids {
            let k = &chosen[li];
            let a = claims.len() as u32;
            let mut cs = k.claims.clone();
            cs.sort_unstable();
            cs.dedup();
            // An unconfirmed claim anywhere makes the others moot.
            if let Some(&free) = cs
                .iter()
                .find(|c| c.cond == PLAIN && c.pat == NONE && c.rule == NONE)
            {
                cs = vec![free];
            }
            claims.extend(cs);
            claim_at.push((a, claims.len() as u32));
            let a = part_entries.len() as u32;
            part_entries.extend_from_slice(&k.part_entries);
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
            claim_at,
            claims,
            markers,
            parts,
            part_entries,
            confirm,
            literals,
        })
    }

    /// Whether the normalised `text` holds a literal, standing as its uses
    /// ask and confirmed, without which nothing of the text but the codes
    /// written in it can change the result. `None` means the line's result
    /// is that of its code and of the markers pushed to `markers`: exactly
    /// the `(start, end)` of the marker matches the full search would push,
    /// in the same order (matches come by their end, and no marker is a
    /// suffix of another, so no two end at one place). Otherwise, the
    /// literal that let the line through (its prefilter id); `markers`
    /// then holds a part of them and the caller searches the line in full.
    pub(super) fn admits(
        &self,
        text: &str,
        patterns: &[LazyPattern],
        kb: &crate::parts::PartsIndex,
        line_parts: &mut crate::parts::LineParts,
        markers: &mut Vec<(usize, usize)>,
    ) -> Option<usize> {
        let bytes = text.as_bytes();
        for m in self.ac.find_overlapping_iter(text) {
            let id = m.pattern().as_usize();
            let (s, e) = (m.start(), m.end());
            let before = || boundary_before(text, s);
            let after = || boundary_after(text, e);
            let holds = |c: u8| {
                c & PLAIN != 0
                    || (c & START != 0 && before())
                    || (c & END != 0 && after())
                    || (c & BOTH != 0 && before() && after())
            };
            let mk = self.markers[id];
            if mk != 0 && holds(mk) {
                markers.push((s, e));
            }
            let (a, b) = self.claim_at[id];
            for c in &self.claims[a as usize..b as usize] {
                if holds(c.cond)
                    && (c.pat == NONE || pattern_matches(&patterns[c.pat as usize], text))
                    && (c.rule == NONE
                        || self.confirm[c.rule as usize]
                            .iter()
                            .all(|ac| ac.is_match(text)))
                {
                    return Some(id);
                }
            }
            let (a, b) = self.parts[id];
            if a < b {
                // The check `scan_terms` makes before handing a match to
                // the knowledge base, then the knowledge base's own.
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
            "{} literals, {:?}, {} bytes; {} confirming automata",
            self.literals.len(),
            self.ac.kind(),
            self.ac.memory_usage(),
            self.confirm.iter().map(Vec::len).sum::<usize>()
        )
    }
}

/// An automaton that tells whether any of `lits` occurs; `None` if it
/// cannot be built.
fn small_automaton(lits: &[&str]) -> Option<AhoCorasick> {
    AhoCorasick::builder()
        .match_kind(MatchKind::LeftmostFirst)
        .build(lits)
        .ok()
}

/// Whether pattern `p` matches anywhere in `text`: necessary for any match
/// the second phase records (it runs the same regex on parts of `text`).
/// A pattern whose regex cannot be built counts as matching.
fn pattern_matches(p: &LazyPattern, text: &str) -> bool {
    p.compiled().is_none_or(|re| re.is_match(text))
}

/// The expected share of lines on which some literal of a set occurs.
fn cost(set: &[Need], literals: &[String]) -> f64 {
    set.iter()
        .map(|&(li, c, _)| rarity_guess(&literals[li as usize], c))
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
