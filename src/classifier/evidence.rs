//! What a screen reports beyond the decision: evidence in original
//! offsets, near misses, parts and manufacturers, column-local spans.

use super::*;

impl Classifier {
    /// Why a touched rule that did not fire came close, if it did.
    pub(super) fn near_miss(
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
    pub(super) fn locate_columns(
        r: &mut Screening,
        near: &mut Option<Vec<NearMiss>>,
        starts: &[usize],
    ) {
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

    /// One piece of evidence of rule `ri`, its spans and text in the
    /// original description. The line's map must be built.
    pub(super) fn evidence(
        &self,
        scratch: &Scratch,
        ri: u32,
        ev: RawEv,
        line: &LineFacts<'_>,
    ) -> Evidence {
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
    pub(super) fn part_results(
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
