//! Reading watch-list files: format detection, validation, diagnostics.

use super::names::canonical_identifier;
use crate::diag::{Code, Diagnostic};
use std::collections::HashMap;

/// The file formats a watch list can come in, detected from the header.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
#[non_exhaustive]
pub enum Format {
    /// OpenSanctions "simple" CSV (`targets.simple.csv`): a header with at
    /// least `id`, `schema`, `name` and `aliases`; aliases, countries and
    /// identifiers `;`-separated; `dataset` names the list.
    OpenSanctions,
    /// OFAC's `sdn.csv`: no header, twelve columns (`ent_num`, `SDN_Name`,
    /// `SDN_Type`, `Program`, ... `Remarks`), `-0-` for empty; aliases
    /// (`a.k.a. 'NAME'`) and identifiers (`Tax ID No. ...`) in the remarks.
    OfacSdn,
    /// An analyst's CSV: a `name` column, optional `aliases` (`;`-separated),
    /// `country`, `identifiers` (`;`-separated), `list` and `id`.
    Plain,
}

/// One list entry as read, before indexing.
#[derive(Clone, Debug, PartialEq)]
pub struct Entry {
    /// The entry's id in its list (OpenSanctions id, OFAC `ent_num`, the
    /// analyst's `id`, or `FILE:LINE` when the plain CSV has none).
    pub id: String,
    /// The primary name.
    pub name: String,
    /// The list it comes from (OpenSanctions `dataset`, `OFAC SDN`, the
    /// plain CSV's `list` column or the file's stem).
    pub list: String,
    /// Other names, as written.
    pub aliases: Vec<String>,
    /// Country codes or names, as written.
    pub countries: Vec<String>,
    /// Registration and tax numbers, canonical (letters and digits, upper case).
    pub identifiers: Vec<String>,
}

struct Ctx<'a> {
    file: &'a str,
    source: &'a str,
    diags: &'a mut Vec<Diagnostic>,
}

impl Ctx<'_> {
    fn at(&mut self, code: Code, msg: String, rec_start: usize, value: &str) {
        let span = locate(self.source, rec_start, value);
        self.diags.push(Diagnostic::at(
            code,
            msg,
            self.file,
            self.source,
            Some(span),
            None,
        ));
    }
}

/// The span of `value` on the record starting at byte `start`, or the
/// record's first character when the value is empty or not found.
fn locate(source: &str, start: usize, value: &str) -> std::ops::Range<usize> {
    let start = start.min(source.len());
    let end = source[start..]
        .find('\n')
        .map_or(source.len(), |i| start + i);
    if !value.is_empty() {
        if let Some(i) = source[start..end].find(value) {
            return start + i..start + i + value.len();
        }
    }
    start..start + 1
}

/// The (list, id) pairs read so far, in one string (a million entries are
/// not two million small allocations).
#[derive(Default)]
struct SeenIds {
    text: String,
    /// Each pair's span in `text`: start, end of the list, end of the id.
    spans: Vec<(u32, u32, u32)>,
    /// The pair added before with the same hash (`u32::MAX`: none).
    prev: Vec<u32>,
    /// The last pair added of each hash.
    head: HashMap<u64, u32>,
}

impl SeenIds {
    /// Adds the pair; false when it was there already.
    fn insert(&mut self, list: &str, id: &str) -> bool {
        use std::hash::{BuildHasher, Hasher};
        let mut h = self.head.hasher().build_hasher();
        h.write(list.as_bytes());
        h.write_u8(0xff);
        h.write(id.as_bytes());
        let h = h.finish();
        let first = self.head.get(&h).copied().unwrap_or(u32::MAX);
        let mut at = first;
        while at != u32::MAX {
            let (start, split, end) = self.spans[at as usize];
            if &self.text[start as usize..split as usize] == list
                && &self.text[split as usize..end as usize] == id
            {
                return false;
            }
            at = self.prev[at as usize];
        }
        let start = self.text.len() as u32;
        self.text.push_str(list);
        let split = self.text.len() as u32;
        self.text.push_str(id);
        self.spans.push((start, split, self.text.len() as u32));
        self.prev.push(first);
        self.head.insert(h, (self.spans.len() - 1) as u32);
        true
    }
}

/// Splits a multi-valued field (`;`, and `|` for hand-written files).
fn multi(field: &str) -> Vec<String> {
    field
        .split([';', '|'])
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
        .collect()
}

/// Reads one watch-list file. Every problem is pushed to `diags`; the
/// entries that are valid are returned (the caller refuses the whole build
/// when any diagnostic was found).
#[cfg(test)]
pub(crate) fn parse(file: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let mut out = Vec::new();
    parse_into(file, text, diags, &mut |e| out.push(e));
    out
}

/// [`parse`], handing each valid entry to `sink` as soon as it is read (a
/// list of a million entities is never held as records or entries at once).
pub(crate) fn parse_into(
    file: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
    sink: &mut dyn FnMut(Entry),
) {
    let source = text.strip_prefix('\u{feff}').unwrap_or(text);
    let mut ctx = Ctx {
        file,
        source,
        diags,
    };
    let mut rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(source.as_bytes());
    let mut records = rdr.records().map(|rec| match rec {
        Ok(r) => {
            let pos = r.position().cloned();
            let start = pos.as_ref().map_or(0, |p| p.byte() as usize);
            let line = pos.as_ref().map_or(0, |p| p.line() as usize);
            Ok((r, start, line))
        }
        Err(e) => {
            let start = e.position().map_or(0, |p| p.byte() as usize);
            // A CSV error (bad UTF-8) does not stop the reader: go on.
            Err((format!("not readable as CSV: {e}"), start))
        }
    });
    // The header: the first readable record (errors before it reported).
    let first = loop {
        match records.next() {
            None => break None,
            Some(Ok(r)) => break Some(r),
            Some(Err((msg, start))) => ctx.at(Code::E050, msg, start, ""),
        }
    };
    let Some((header, hstart, hline)) = first else {
        ctx.at(Code::E051, "the file is empty".into(), 0, "");
        return;
    };
    let cols: Vec<String> = header
        .iter()
        .map(|h| h.trim().to_ascii_lowercase())
        .collect();
    let has = |n: &str| cols.iter().position(|c| c == n);
    let stem = std::path::Path::new(file)
        .file_stem()
        .map_or_else(|| file.to_string(), |s| s.to_string_lossy().into_owned());
    let format = if has("id").is_some()
        && has("schema").is_some()
        && has("name").is_some()
        && has("aliases").is_some()
    {
        Format::OpenSanctions
    } else if has("name").is_some() {
        Format::Plain
    } else if header.len() >= 12 && header[0].trim().parse::<u64>().is_ok() {
        Format::OfacSdn
    } else {
        ctx.at(
            Code::E051,
            "unknown watch-list format: expected an OpenSanctions header (id,schema,name,aliases,...), \
             a header with a `name` column, or OFAC's headerless sdn.csv (twelve columns, ent_num first)"
                .into(),
            hstart,
            "",
        );
        return;
    };
    let head = if format == Format::OfacSdn {
        Some(Ok((header, hstart, hline)))
    } else {
        None
    };
    let mut seen = SeenIds::default();
    for rec in head.into_iter().chain(records) {
        let (rec, start, line) = match rec {
            Ok((rec, start, line)) => (rec, start, line),
            Err((msg, start)) => {
                ctx.at(Code::E050, msg, start, "");
                continue;
            }
        };
        let start = &start;
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
        let entry = match format {
            Format::OpenSanctions => {
                let id = get(has("id"));
                if id.is_empty() {
                    ctx.at(Code::E052, "the entry has no `id`".into(), *start, "");
                    continue;
                }
                let list = get(has("dataset"));
                Entry {
                    id: id.to_string(),
                    name: get(has("name")).to_string(),
                    list: if list.is_empty() {
                        "opensanctions".into()
                    } else {
                        list.into()
                    },
                    aliases: multi(get(has("aliases"))),
                    countries: multi(get(has("countries"))),
                    identifiers: multi(get(has("identifiers"))),
                }
            }
            Format::Plain => {
                let id = get(has("id"));
                let list = get(has("list"));
                Entry {
                    id: if id.is_empty() {
                        format!("{stem}:{line}")
                    } else {
                        id.to_string()
                    },
                    name: get(has("name")).to_string(),
                    list: if list.is_empty() {
                        stem.clone()
                    } else {
                        list.to_string()
                    },
                    aliases: multi(get(has("aliases"))),
                    countries: multi(get(has("country")).to_string().as_str())
                        .into_iter()
                        .chain(multi(get(has("countries"))))
                        .collect(),
                    identifiers: multi(get(has("identifiers"))),
                }
            }
            Format::OfacSdn => {
                if rec.len() == 1 && rec[0].trim_matches(|c: char| c.is_control()).is_empty() {
                    continue; // the SUB (0x1A) end-of-file byte some exports end with
                }
                if rec.len() != 12 {
                    ctx.at(
                        Code::E052,
                        format!(
                            "an OFAC sdn.csv record has 12 fields, this one {}",
                            rec.len()
                        ),
                        *start,
                        "",
                    );
                    continue;
                }
                let f = |i: usize| {
                    let v = rec[i].trim();
                    if v == "-0-" {
                        ""
                    } else {
                        v
                    }
                };
                if f(0).parse::<u64>().is_err() {
                    ctx.at(
                        Code::E052,
                        format!("`ent_num` must be a number, not `{}`", f(0)),
                        *start,
                        f(0),
                    );
                    continue;
                }
                let (aliases, identifiers) = ofac_remarks(f(11));
                Entry {
                    id: f(0).to_string(),
                    name: f(1).to_string(),
                    list: "OFAC SDN".into(),
                    aliases,
                    countries: Vec::new(),
                    identifiers,
                }
            }
        };
        if entry.name.is_empty() {
            ctx.at(
                Code::E052,
                format!("entry `{}` has no name", entry.id),
                *start,
                "",
            );
            continue;
        }
        let mut ok = true;
        for n in std::iter::once(&entry.name).chain(&entry.aliases) {
            if !n.chars().any(char::is_alphanumeric) {
                ctx.at(
                    Code::E054,
                    format!(
                        "name `{n}` of entry `{}` has no letters or digits",
                        entry.id
                    ),
                    *start,
                    n,
                );
                ok = false;
            }
        }
        let mut ids = Vec::with_capacity(entry.identifiers.len());
        for raw in &entry.identifiers {
            let value = raw.rsplit(':').next().unwrap_or(raw);
            let canon = canonical_identifier(value);
            if canon.len() < 5 || !canon.bytes().any(|b| b.is_ascii_digit()) {
                ctx.at(
                    Code::E055,
                    format!(
                        "identifier `{raw}` of entry `{}` is not a registration or tax number \
                         (at least 5 letters or digits, one a digit)",
                        entry.id
                    ),
                    *start,
                    raw,
                );
                ok = false;
            } else {
                ids.push(canon);
            }
        }
        if !seen.insert(&entry.list, &entry.id) {
            ctx.at(
                Code::E053,
                format!(
                    "entry `{}` appears twice in list `{}`",
                    entry.id, entry.list
                ),
                *start,
                &entry.id,
            );
            continue;
        }
        if ok {
            sink(Entry {
                identifiers: ids,
                ..entry
            });
        }
    }
}

/// Aliases (`a.k.a.`, `f.k.a.`, `n.k.a.` in single quotes) and identifiers
/// (`Tax ID No.`, `Registration Number`, `Registration ID`, `Unified Social
/// Credit Code (USCC)`, `Government Gazette Number`) from OFAC remarks.
fn ofac_remarks(remarks: &str) -> (Vec<String>, Vec<String>) {
    let mut aliases = Vec::new();
    let mut ids = Vec::new();
    for part in remarks.split(';') {
        let p = part.trim();
        for pre in ["a.k.a. '", "f.k.a. '", "n.k.a. '"] {
            if let Some(rest) = p.strip_prefix(pre) {
                if let Some(end) = rest.find('\'') {
                    aliases.push(rest[..end].trim().to_string());
                }
            }
        }
        for label in [
            "Tax ID No. ",
            "Registration Number ",
            "Registration ID ",
            "Unified Social Credit Code (USCC) ",
            "Government Gazette Number ",
        ] {
            if let Some(rest) = p.strip_prefix(label) {
                if let Some(v) = rest.split_whitespace().next() {
                    ids.push(v.to_string());
                }
            }
        }
    }
    (aliases, ids)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn ofac_remarks_give_aliases_and_identifiers() {
        let (a, i) = ofac_remarks(
            "a.k.a. 'ROMASHKA TRADE'; a.k.a. 'OOO ROMASHKA'; Tax ID No. 7701234567 (Russia); \
             Registration Number 1027700132195 (Russia); Secondary sanctions risk: x.",
        );
        assert_eq!(a, ["ROMASHKA TRADE", "OOO ROMASHKA"]);
        assert_eq!(i, ["7701234567", "1027700132195"]);
    }

    #[test]
    fn formats_are_detected_from_the_header() {
        let mut d = Vec::new();
        let os = "id,schema,name,aliases,birth_date,countries,addresses,identifiers,sanctions,phones,emails,program_ids,dataset,first_seen,last_seen,last_change\n\
                  NK-1,Company,ROMASHKA LLC,ООО Ромашка;Romashka Trade,,ru,,7701234567,,,,,ru_list,,,\n";
        let e = parse("os.csv", os, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e[0].list, "ru_list");
        assert_eq!(e[0].aliases, ["ООО Ромашка", "Romashka Trade"]);
        assert_eq!(e[0].identifiers, ["7701234567"]);
        let sdn = "36,\"AEROCARIBBEAN AIRLINES\",-0- ,\"CUBA\",-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,-0- ,\"a.k.a. 'AERO-CARIBBEAN'.\"\n\x1a\n";
        let e = parse("sdn.csv", sdn, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e[0].id, "36");
        assert_eq!(e[0].aliases, ["AERO-CARIBBEAN"]);
        let plain = "name,aliases,country,identifiers\nАлтын Тау,ALTYN TAU,KZ,BIN:123456789012\n";
        let e = parse("my/list.csv", plain, &mut d);
        assert!(d.is_empty(), "{d:?}");
        assert_eq!(e[0].id, "list:2");
        assert_eq!(e[0].list, "list");
        assert_eq!(e[0].identifiers, ["123456789012"]);
        assert_eq!(e[0].countries, ["KZ"]);
    }
}
