//! Precision and recall per category on labelled data, with the same
//! definitions as the team's shared scorer (`score.py` of the evaluation
//! set that CI finds beside the repository).

use crate::cli::CliError;
use dualuse::{Basis, Category, Classifier};
use serde::Serialize;
use std::collections::BTreeSet;

/// Precision, recall and F1 with their counts.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Prf {
    /// True positives.
    pub tp: u64,
    /// False positives.
    pub fp: u64,
    /// False negatives.
    pub r#fn: u64,
    /// Precision (NaN when nothing was predicted).
    pub precision: f64,
    /// Recall (NaN when nothing was expected).
    pub recall: f64,
    /// F1 (0 when there is no true positive).
    pub f1: f64,
}

impl Prf {
    fn finish(&mut self) {
        let (tp, fp, fn_) = (self.tp as f64, self.fp as f64, self.r#fn as f64);
        self.precision = if tp + fp > 0.0 {
            tp / (tp + fp)
        } else {
            f64::NAN
        };
        self.recall = if tp + fn_ > 0.0 {
            tp / (tp + fn_)
        } else {
            f64::NAN
        };
        self.f1 = if self.tp > 0 {
            2.0 * self.precision * self.recall / (self.precision + self.recall)
        } else {
            0.0
        };
    }
}

/// Scores of one mode (`text`: hits resting on the description; `any`: all hits).
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct ModeScores {
    /// Per category, in the order of `docs/categories.md`.
    pub per_category: Vec<(Category, Prf)>,
    /// Micro-average over all categories.
    pub micro: Prf,
}

/// A labelled line the classifier got wrong.
#[derive(Clone, Debug, Serialize, PartialEq)]
pub struct Mistake {
    /// The row id.
    pub id: String,
    /// The category concerned.
    pub category: Category,
    /// `false_positive` or `false_negative`.
    pub kind: &'static str,
    /// The declared code.
    pub hs: String,
    /// The description.
    pub description: String,
    /// The rules that fired for that category.
    pub rules: Vec<String>,
}

/// The full evaluation report.
#[derive(Clone, Debug, Default, Serialize, PartialEq)]
pub struct Report {
    /// Rows scored.
    pub rows: u64,
    /// Text-basis scores (`VAGUE` rows left out).
    pub text: ModeScores,
    /// Scores over all hits.
    pub any: ModeScores,
    /// Rows with a CHPL code that carry the right `CHPL:<tier>` reference.
    pub chpl_found: u64,
    /// Rows with a CHPL code.
    pub chpl_total: u64,
    /// Rows without a CHPL code that carry a CHPL reference.
    pub chpl_false: u64,
    /// `WRONG CODE` / `NO CODE` positives found by the description.
    pub evasion_found: u64,
    /// `WRONG CODE` / `NO CODE` positives.
    pub evasion_total: u64,
    /// Negative rows flagged on the description.
    pub text_false_alarms: u64,
    /// Negative rows.
    pub negatives: u64,
    /// Text-basis mistakes.
    pub mistakes: Vec<Mistake>,
}

fn cats(r: &dualuse::Screening, text_only: bool) -> BTreeSet<Category> {
    r.hits
        .iter()
        .filter(|h| !text_only || h.basis != Basis::Hs)
        .map(|h| h.category)
        .collect()
}

/// Screens a labelled CSV and scores it.
///
/// # Errors
/// The file cannot be read, or lacks the `expected` column.
pub fn evaluate_file(clf: &Classifier, path: &str) -> Result<Report, CliError> {
    let mut rdr = csv::Reader::from_path(path)
        .map_err(|e| row_error(path, 0, format!("cannot read: {e}")))?;
    let headers = rdr
        .headers()
        .map_err(|e| row_error(path, 0, e.to_string()))?
        .clone();
    let col = |name: &str| headers.iter().position(|h| h == name);
    let (Some(c_exp), Some(c_text)) = (col("expected"), col("description")) else {
        return Err(CliError::Usage(format!(
            "{path}: a labelled CSV needs `expected` and `description` columns"
        )));
    };
    let (c_id, c_hs, c_note, c_tier) = (col("id"), col("hs_code"), col("note"), col("chpl_tier"));
    let mut report = Report::default();
    let mut text_counts = vec![Prf::default(); Category::COUNT];
    let mut any_counts = vec![Prf::default(); Category::COUNT];
    let mut scratch = clf.scratch();
    for (i, rec) in rdr.records().enumerate() {
        let rec = rec.map_err(|e| row_error(path, i as u64 + 1, e.to_string()))?;
        let get = |c: Option<usize>| c.and_then(|c| rec.get(c)).unwrap_or("");
        let id = if c_id.is_some() {
            get(c_id).to_string()
        } else {
            (i + 1).to_string()
        };
        let hs = get(c_hs);
        let text = get(Some(c_text));
        let note = get(c_note);
        let tier = get(c_tier);
        let expected_raw = get(Some(c_exp));
        let mut expected = BTreeSet::new();
        if expected_raw != "none" {
            for e in expected_raw.split('|').filter(|s| !s.is_empty()) {
                expected.insert(
                    e.parse::<Category>()
                        .map_err(|m| row_error(path, i as u64 + 1, format!("`expected`: {m}")))?,
                );
            }
        }
        let r = clf.classify_with(&mut scratch, Some(hs).filter(|h| !h.is_empty()), text);
        report.rows += 1;
        let got_text = cats(&r, true);
        let got_any = cats(&r, false);
        for (mode_text, got, counts) in [
            (true, &got_text, &mut text_counts),
            (false, &got_any, &mut any_counts),
        ] {
            if mode_text && note.starts_with("VAGUE") {
                continue;
            }
            for c in Category::ALL {
                let (e, g) = (expected.contains(&c), got.contains(&c));
                let p = &mut counts[c.index()];
                match (e, g) {
                    (true, true) => p.tp += 1,
                    (false, true) => p.fp += 1,
                    (true, false) => p.r#fn += 1,
                    _ => {}
                }
                if mode_text && e != g {
                    report.mistakes.push(Mistake {
                        id: id.clone(),
                        category: c,
                        kind: if g {
                            "false_positive"
                        } else {
                            "false_negative"
                        },
                        hs: hs.to_string(),
                        description: text.to_string(),
                        rules: r
                            .hits
                            .iter()
                            .filter(|h| h.category == c && h.basis != Basis::Hs)
                            .map(|h| h.rule.to_string())
                            .collect(),
                    });
                }
            }
        }
        let chpl_refs: Vec<&String> = r
            .hits
            .iter()
            .flat_map(|h| h.references.iter())
            .filter(|x| x.to_uppercase().starts_with("CHPL"))
            .collect();
        if !tier.is_empty() {
            report.chpl_total += 1;
            let want = format!("CHPL:{tier}").to_uppercase();
            if chpl_refs
                .iter()
                .any(|x| x.to_uppercase().replace(' ', "") == want)
            {
                report.chpl_found += 1;
            }
        } else if !chpl_refs.is_empty() {
            report.chpl_false += 1;
        }
        if (note.starts_with("WRONG CODE") || note.starts_with("NO CODE")) && !expected.is_empty() {
            report.evasion_total += 1;
            if expected.iter().any(|c| got_text.contains(c)) {
                report.evasion_found += 1;
            }
        }
        if expected.is_empty() {
            report.negatives += 1;
            if !got_text.is_empty() {
                report.text_false_alarms += 1;
            }
        }
    }
    for (counts, mode) in [
        (text_counts, &mut report.text),
        (any_counts, &mut report.any),
    ] {
        let mut micro = Prf::default();
        for c in Category::ALL {
            let mut p = counts[c.index()].clone();
            micro.tp += p.tp;
            micro.fp += p.fp;
            micro.r#fn += p.r#fn;
            p.finish();
            mode.per_category.push((c, p));
        }
        micro.finish();
        mode.micro = micro;
    }
    Ok(report)
}

impl Report {
    /// A table like `score.py` prints, and optionally the mistakes.
    pub fn render(&self, mistakes: bool) -> String {
        let mut s = String::from("category              text P/R/F1            any P/R/F1\n");
        for (i, (c, t)) in self.text.per_category.iter().enumerate() {
            let a = &self.any.per_category[i].1;
            s.push_str(&format!(
                "{:22} {:.2}/{:.2}/{:.2}        {:.2}/{:.2}/{:.2}\n",
                c.as_str(),
                t.precision,
                t.recall,
                t.f1,
                a.precision,
                a.recall,
                a.f1
            ));
        }
        s.push_str(&format!(
            "rows={} chpl={}/{} (false {}) evasion={}/{} text_false_alarms={}/{}\n",
            self.rows,
            self.chpl_found,
            self.chpl_total,
            self.chpl_false,
            self.evasion_found,
            self.evasion_total,
            self.text_false_alarms,
            self.negatives
        ));
        s.push_str(&format!(
            "text micro P={:.3} R={:.3} F1={:.3}\n",
            self.text.micro.precision, self.text.micro.recall, self.text.micro.f1
        ));
        if mistakes && !self.mistakes.is_empty() {
            s.push_str("\nmistakes (text basis):\n");
            for m in &self.mistakes {
                s.push_str(&format!(
                    "  {} {} {} hs={} rules=[{}] {}\n",
                    m.id,
                    m.kind,
                    m.category.as_str(),
                    m.hs,
                    m.rules.join(","),
                    m.description
                ));
            }
        }
        s
    }
}

/// An error tied to a row of the labelled file (0 for the file itself).
fn row_error(path: &str, row: u64, message: impl Into<String>) -> CliError {
    CliError::Row {
        path: path.to_string(),
        row,
        message: message.into(),
    }
}
