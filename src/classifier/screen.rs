//! The screen of one line: normalise, search the automaton, run the
//! triggered patterns, read the code, decide each touched rule.

use super::*;

impl Classifier {
    /// Screens one text (one column, or several joined by [`COLUMN_SEP`]).
    pub(super) fn screen(&self, scratch: &mut Scratch, hs: Option<&str>, text: &str) -> Screening {
        self.start_line(scratch);
        scratch.norm.normalize_lazy(text);
        scratch.line_parts.clear_matches();
        // The first phase: a line without any literal the rules need gets
        // the result of its code alone (see `prefilter.rs`).
        if scratch.near.is_some() || self.admits(scratch) {
            scratch.markers.clear();
            self.scan_terms(scratch);
            self.scan_patterns(scratch);
        }
        let code = self.read_code(scratch, hs, text);
        if let Some(d) = &code.digits {
            self.touch_code_rules(scratch, d);
        }
        let line = LineFacts {
            text,
            digits: &code.digits,
            source: code.source,
            in_text: &code.in_text,
        };
        let Decided {
            mut hits,
            vetoed,
            mentioned,
        } = self.decide(scratch, &line);
        let mentions = crate::mentions::resolve(&mut hits, mentioned);
        let (parts, manufacturers, part_misdeclarations) =
            self.part_results(scratch, text, &code.digits, &mut hits);
        hits.sort_by_key(|h| std::cmp::Reverse(h.severity));
        let mut categories: Vec<Category> = hits.iter().map(|h| h.category).collect();
        categories.sort();
        categories.dedup();
        let misdeclarations = self.misdeclarations(
            &hits,
            &categories,
            code.digits.as_deref(),
            part_misdeclarations,
        );
        Screening {
            hs: code,
            hits,
            mentions,
            categories,
            misdeclarations,
            vetoed,
            parts,
            manufacturers,
        }
    }

    /// Readies `scratch` for a new line: a new stamp (the per-rule and
    /// per-pattern state of older lines is then stale) and empty lists.
    fn start_line(&self, scratch: &mut Scratch) {
        assert_eq!(
            scratch.seen.len(),
            self.inner.rules.len(),
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
    }

    /// The line's code: the declared one, or else the first code written
    /// in the text after a marker (`scratch.markers`, from the search).
    fn read_code(&self, scratch: &mut Scratch, hs: Option<&str>, text: &str) -> HsInfo {
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
        HsInfo {
            digits,
            error,
            warning,
            source,
            in_text,
        }
    }

    /// Touches the rules whose code prefixes (or code exclusions) `digits`
    /// begins with, recording the longest prefix met.
    fn touch_code_rules(&self, scratch: &mut Scratch, digits: &str) {
        for key in prefix_keys(digits).take(10).skip(1) {
            let len = key.0;
            let Some(list) = self.inner.hs_table.get(&key) else {
                continue;
            };
            for &(rule, excl) in list {
                Self::touch(scratch, rule);
                let st = &mut scratch.state[rule as usize];
                if excl {
                    if st.excluded.is_none() {
                        st.excluded = Some(scratch.ev.len() as u32);
                        scratch.ev.push((rule, RawEv::Hs { len }));
                    }
                } else if st.hs.is_none_or(|l| len > l) {
                    st.hs = Some(len);
                }
            }
        }
    }

    /// Decides each rule the line touched, in rule order.
    fn decide(&self, scratch: &mut Scratch, line: &LineFacts<'_>) -> Decided {
        scratch.touched.sort_unstable();
        let mut out = Decided::default();
        let touched = std::mem::take(&mut scratch.touched);
        for &ri in &touched {
            match self.decide_rule(scratch, ri, line) {
                Some(Outcome::Hit(hit)) => out.hits.push(hit),
                Some(Outcome::Mentioned(hit, with)) => out.mentioned.push((hit, with)),
                Some(Outcome::Vetoed(v)) => out.vetoed.push(v),
                None => {}
            }
        }
        scratch.touched = touched;
        out
    }

    /// Whether rule `ri` fires on the line, and how; a rule that does not
    /// fire may leave a near miss in `scratch.near`.
    fn decide_rule(&self, scratch: &mut Scratch, ri: u32, line: &LineFacts<'_>) -> Option<Outcome> {
        let rule = &self.inner.rules[ri as usize];
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
                scratch.norm.ensure_map(line.text);
                if let Some(n) = self.near_miss(scratch, ri, st, hs_ok, line) {
                    if let Some(v) = scratch.near.as_mut() {
                        v.push(n);
                    }
                }
            }
            return None;
        }
        scratch.norm.ensure_map(line.text);
        if let Some(ev_idx) = st.excluded {
            let by = self.evidence(scratch, ri, scratch.ev[ev_idx as usize].1, line);
            return Some(Outcome::Vetoed(Veto {
                rule: rule.info.id.clone(),
                category: rule.info.category,
                by,
            }));
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
            evidence.push(self.evidence(scratch, ri, RawEv::Hs { len }, line));
        }
        if text_ok {
            for &(r, ev) in &scratch.ev {
                if r != ri || matches!(ev, RawEv::Hs { .. }) {
                    continue;
                }
                if evidence.len() >= MAX_EVIDENCE_PER_RULE {
                    break;
                }
                let e = self.evidence(scratch, ri, ev, line);
                if !evidence.contains(&e) {
                    evidence.push(e);
                }
            }
            for ev in param_ev {
                evidence.push(self.evidence(scratch, ri, ev, line));
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
        Some(match mention {
            Some(with) => Outcome::Mentioned(hit, with),
            None => Outcome::Hit(hit),
        })
    }

    /// The misdeclaration signals of a line's hits against its code: a
    /// category named by the text whose headings the code is outside of,
    /// and the parts' own signals unless the code fits goods the text names.
    fn misdeclarations(
        &self,
        hits: &[Hit],
        categories: &[Category],
        digits: Option<&str>,
        part_misdeclarations: Vec<Misdeclaration>,
    ) -> Vec<Misdeclaration> {
        let inner = &*self.inner;
        let mut out = Vec::new();
        // Whether `d` fits the headings of a category named by the text,
        // counting the parts' families or not.
        let fits = |d: &str, with_parts: bool| {
            hits.iter()
                .filter(|h| h.basis.uses_text() && (with_parts || !inner.parts.is_family(&h.rule)))
                .any(|h| {
                    inner.headings[h.category.index()]
                        .iter()
                        .any(|p| d.starts_with(p.as_str()))
                })
        };
        // A code that fits one of the goods the text names is consistent:
        // a drone (8806) with a thermal camera is not misdeclared optics.
        if let Some(d) = digits.filter(|d| !fits(d, true)) {
            for &c in categories {
                // Part hits raise their own signals, one per part, below.
                let text_based = hits.iter().any(|h| {
                    h.category == c && h.basis == Basis::Text && !inner.parts.is_family(&h.rule)
                });
                let heads = &inner.headings[c.index()];
                if text_based
                    && !heads.is_empty()
                    && !heads.iter().any(|p| d.starts_with(p.as_str()))
                {
                    out.push(Misdeclaration {
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
        if !digits.is_some_and(|d| fits(d, false)) {
            out.extend(part_misdeclarations);
        }
        out
    }

    pub(super) fn touch(scratch: &mut Scratch, rule: u32) {
        touch_parts(
            &mut scratch.seen,
            &mut scratch.state,
            &mut scratch.touched,
            scratch.stamp,
            rule,
        );
    }

    pub(super) fn scan_terms(&self, scratch: &mut Scratch) {
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
            let before_ok = || boundary_before(text, s);
            let after_ok = || boundary_after(text, e);
            let (a, b) = inner.ranges[m.pattern().as_usize()];
            for u in &inner.uses[a as usize..b as usize] {
                if (u.start_b && !before_ok()) || (u.end_b && !after_ok()) {
                    continue;
                }
                let (rule, slot, written) = match u.target {
                    Target::Term {
                        rule,
                        slot,
                        written,
                    } => (rule, slot, written),
                    Target::Marker => {
                        markers.push((s, e));
                        continue;
                    }
                    Target::Part(entry) => {
                        // A literal that starts with an ASCII character
                        // starts a word: never after an ASCII letter or
                        // digit; an alias must stand as a word (most lines
                        // then hand nothing on).
                        let b = text.as_bytes();
                        if !(s > 0 && b[s - 1].is_ascii_alphanumeric() && b[s].is_ascii())
                            && inner.parts.keeps(entry, text, s, e)
                        {
                            line_parts.push_match(entry, s, e);
                        }
                        continue;
                    }
                    Target::Trigger(p) => {
                        let t = &mut pat[p as usize];
                        if t.stamp != *stamp {
                            *t = PatTriggers {
                                stamp: *stamp,
                                n: 0,
                                first: s as u32,
                                last: e as u32,
                            };
                            triggered.push(p);
                        }
                        t.n += 1;
                        t.first = t.first.min(s as u32);
                        t.last = t.last.max(e as u32);
                        if t.n <= MAX_TRIGGER_RUNS {
                            trig_at.push((p, s as u32, e as u32));
                        }
                        continue;
                    }
                };
                touch_parts(seen, state, touched, *stamp, rule);
                let st = &mut state[rule as usize];
                let raw = RawEv::Term {
                    written,
                    s: s as u32,
                    e: e as u32,
                };
                match slot {
                    Slot::Any => st.any = true,
                    Slot::All(g) => st.all_mask |= 1 << g,
                    Slot::Exclude => {
                        if st.excluded.is_none() {
                            st.excluded = Some(ev.len() as u32);
                            ev.push((rule, raw));
                        }
                        continue;
                    }
                }
                if ev.len() < 1 << 16 {
                    ev.push((rule, raw));
                }
            }
        }
    }

    pub(super) fn scan_patterns(&self, scratch: &mut Scratch) {
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
            run_pattern(
                p,
                re,
                text,
                &trig_at[from..at],
                pat[pi as usize],
                &mut record,
            );
        }
    }

    pub(super) fn check_params(
        &self,
        scratch: &mut Scratch,
        ri: u32,
        out: &mut Vec<RawEv>,
    ) -> bool {
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
}

/// The `all` groups a pattern (in `slot` of `rule`) needs met before its
/// matches can change anything, as the mask of all of them; `None` for a
/// pattern that always matters. A rule whose groups are unmet cannot
/// fire on its text, and the evidence lists text matches only when the
/// text condition holds; an exclusion still matters when the rule can fire
/// on its HS code alone.
pub(super) fn groups_needed_by(rule: &Rule, slot: Slot) -> Option<u64> {
    (rule.n_all > 0
        && (slot != Slot::Exclude || matches!(rule.info.requires, Requires::Text | Requires::Both)))
    .then(|| (1u64 << rule.n_all) - 1)
}

/// Whether the pattern cannot matter on this line: its rule's `all`
/// groups (terms, all found by now) are not all met.
pub(super) fn all_groups_unmet(
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

pub(super) fn touch_parts(
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
pub(super) const MAX_TRIGGER_RUNS: u32 = 16;

/// One pattern's triggers on the current line: the stamp of the line,
/// how many, the first trigger's start and the last one's end.
#[derive(Clone, Copy, Debug, Default)]
pub(super) struct PatTriggers {
    stamp: u32,
    n: u32,
    first: u32,
    last: u32,
}

/// At most this many matches of one pattern are kept as evidence per line.
pub(super) const MAX_PATTERN_MATCHES: usize = 4;

/// Runs `re` on `input`; the span of capture group 1 and the end of the
/// whole match (which may include a boundary character).
pub(super) fn search_group1(re: &MetaRegex, input: &Input<'_>) -> Option<(usize, usize, usize)> {
    let mut slots = [None; 4];
    re.search_slots(input, &mut slots)?;
    let end = slots[1]?.get();
    Some((slots[2]?.get(), slots[3]?.get(), end))
}

/// Finds up to [`MAX_PATTERN_MATCHES`] non-overlapping matches of `re` in
/// `text[start..end]`, leftmost first, and reports each group-1 span.
pub(super) fn search_all(
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

/// Runs pattern `p` (its regex `re`) over the parts of `text` where a
/// match can be, calling `record(start, end)` for each match of group 1:
/// every match starts at a prefix trigger and ends at a suffix trigger
/// (plus the boundary character). `at` holds the pattern's triggers in
/// order of position (the first [`MAX_TRIGGER_RUNS`]), `t` their count
/// and extent.
fn run_pattern(
    p: &LazyPattern,
    re: &MetaRegex,
    text: &str,
    at: &[(u32, u32, u32)],
    t: PatTriggers,
    record: &mut impl FnMut(usize, usize),
) {
    let back = |pos: usize| {
        if p.start_b {
            floor_char(text, pos.saturating_sub(1))
        } else {
            pos
        }
    };
    let few = t.n <= MAX_TRIGGER_RUNS;
    match (p.trigger, p.max_len) {
        (Some(TriggerKind::Prefix), _) if few => {
            let mut found = 0;
            let mut done = 0;
            for &(_, pos, _) in at {
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
            run_in_windows(re, text, at, kind, len, record);
        }
        (Some(TriggerKind::Prefix), _) => {
            let start = back(t.first as usize);
            search_all(re, text, start, text.len(), record);
        }
        (Some(TriggerKind::Suffix), _) => {
            let end = ceil_char(text, t.last as usize + 1);
            search_all(re, text, 0, end, record);
        }
        (Some(TriggerKind::Inner) | None, _) => {
            search_all(re, text, 0, text.len(), record);
        }
    }
}

/// Runs a pattern with suffix or inner triggers `at` and matches of at
/// most `len` bytes: a match holds the trigger, so it lies within `len`
/// bytes of it, plus a boundary character each side. Overlapping windows
/// are searched as one.
fn run_in_windows(
    re: &MetaRegex,
    text: &str,
    at: &[(u32, u32, u32)],
    kind: TriggerKind,
    len: usize,
    record: &mut impl FnMut(usize, usize),
) {
    let mut found = 0;
    let mut window: Option<(usize, usize)> = None;
    let mut run = |w: (usize, usize), found: &mut usize| {
        if *found < MAX_PATTERN_MATCHES {
            let (a, b) = (floor_char(text, w.0), ceil_char(text, w.1));
            *found += search_all(re, text, a, b, &mut *record);
        }
    };
    for &(_, s, e) in at {
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

/// The rules a line touched, decided (see [`Classifier::decide`]).
#[derive(Default)]
struct Decided {
    hits: Vec<Hit>,
    vetoed: Vec<Veto>,
    /// Rules whose text matches are all mentions: (hit, a `with` region).
    mentioned: Vec<(Hit, bool)>,
}

/// How one rule fired.
enum Outcome {
    Hit(Hit),
    /// Fired on text that only mentions the goods (`.1`: a `with` region).
    Mentioned(Hit, bool),
    Vetoed(Veto),
}
