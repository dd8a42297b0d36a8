//! Rule sources: the files to compile, and their parsing and checking.

use super::*;

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
    pub(super) files: Vec<RuleFile>,
    pub(super) unreadable: Vec<Diagnostic>,
}

/// One rule file of [`RuleSources`].
#[derive(Clone, Debug)]
pub(super) struct RuleFile {
    name: String,
    text: String,
    /// One of the curated files embedded in the crate, which the test
    /// suite checks in full (`tests/rules_check.rs`).
    embedded: bool,
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
            s.files.push(RuleFile {
                name: format!("builtin:rules/{name}"),
                text: (*text).to_string(),
                embedded: true,
            });
        }
        s
    }

    /// Adds one rule file from a string; `name` is used in diagnostics.
    pub fn add_source(&mut self, name: impl Into<String>, text: impl Into<String>) -> &mut Self {
        self.files.push(RuleFile {
            name: name.into(),
            text: text.into(),
            embedded: false,
        });
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
                Ok(text) => self.files.push(RuleFile {
                    name,
                    text,
                    embedded: false,
                }),
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
        self.files
            .iter()
            .map(|f| (f.name.as_str(), f.text.as_str()))
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

/// Parses and checks all sources; later rule sets replace earlier ones with
/// the same id. With `trust_embedded`, the patterns of the curated files
/// embedded in the crate are not compiled for the check (see
/// [`ClassifierBuilder::check_embedded_patterns`]).
pub(super) fn check_sources(
    sources: &RuleSources,
    trust_embedded: bool,
) -> (Vec<RuleSetDef>, Vec<Diagnostic>) {
    let mut diags = sources.unreadable.clone();
    let mut sets: Vec<RuleSetDef> = Vec::new();
    // Files are checked in parallel (compiling every pattern is most of
    // the check), then merged in their order, diagnostics included.
    let parsed: Vec<(Option<RuleSetDef>, Vec<Diagnostic>)> = sources
        .files
        .par_iter()
        .map(|f| {
            let text = f.text.strip_prefix('\u{feff}').unwrap_or(&f.text);
            let mut file_diags = Vec::new();
            let compile_patterns = !(trust_embedded && f.embedded);
            let def = rules::parse_file_with(&f.name, text, &mut file_diags, compile_patterns);
            (def, file_diags)
        })
        .collect();
    for (f, (def, file_diags)) in sources.files.iter().zip(parsed) {
        let (name, text) = (f.name.as_str(), f.text.as_str());
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
