//! Compilation: checked rule sets into one automaton, the pattern table,
//! the HS table, the parts knowledge base and the rules' decision data.

use super::*;

pub(super) fn compile(
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
        if !literal_uses[id].contains(&u) {
            literal_uses[id].push(u);
        }
    };
    for m in hs::TEXT_MARKERS {
        add_literal(
            m,
            TermUse {
                target: Target::Marker,
                start_b: true,
                end_b: !m
                    .chars()
                    .next_back()
                    .is_some_and(crate::normalize::is_unsegmented),
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
                        target: Target::Term {
                            rule: idx,
                            slot,
                            written: w,
                        },
                        start_b: t.start_b,
                        end_b: t.end_b,
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
                            target: Target::Trigger(i as u32),
                            // A boundary next to the literal is checked
                            // here, before the regex runs: `21` inside
                            // `3217` does not trigger `\b2[1-4]\d{3}`.
                            start_b: kind == TriggerKind::Prefix && def.start_b,
                            end_b: kind == TriggerKind::Suffix && def.end_b,
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
    // their matches are handed to the parts index (`Target::Part`).
    for (i, lit) in parts.literals().iter().enumerate() {
        add_literal(
            lit,
            TermUse {
                target: Target::Part(i as u32),
                start_b: false,
                end_b: false,
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
