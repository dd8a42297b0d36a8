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

/// One entry as read, in buffers reused from record to record (a list of a
/// million entities is not millions of small allocations).
#[derive(Default)]
pub(crate) struct RawEntry {
    /// As [`Entry::id`].
    pub(crate) id: String,
    /// As [`Entry::list`].
    pub(crate) list: String,
    /// The primary name, then the aliases, one after another.
    names: Flat,
    countries: Flat,
    /// Identifiers as written, then (once validated) canonical.
    identifiers: Flat,
    canonical: Flat,
}

/// Strings one after another in one buffer.
#[derive(Default)]
pub(crate) struct Flat {
    text: String,
    ends: Vec<u32>,
}

impl Flat {
    fn clear(&mut self) {
        self.text.clear();
        self.ends.clear();
    }

    fn push(&mut self, s: &str) {
        self.text.push_str(s);
        self.ends.push(self.text.len() as u32);
    }

    /// Pushes each value of a multi-valued field (`;`, and `|` for
    /// hand-written files), trimmed, empty ones left out.
    fn push_multi(&mut self, field: &str) {
        for v in field.split([';', '|']).map(str::trim) {
            if !v.is_empty() {
                self.push(v);
            }
        }
    }

    pub(crate) fn len(&self) -> usize {
        self.ends.len()
    }

    pub(crate) fn get(&self, i: usize) -> &str {
        let s = if i == 0 { 0 } else { self.ends[i - 1] as usize };
        &self.text[s..self.ends[i] as usize]
    }

    pub(crate) fn iter(&self) -> impl Iterator<Item = &str> {
        (0..self.len()).map(|i| self.get(i))
    }

    #[cfg(test)]
    fn to_vec(&self) -> Vec<String> {
        self.iter().map(str::to_string).collect()
    }
}

impl RawEntry {
    fn clear(&mut self) {
        self.id.clear();
        self.list.clear();
        self.names.clear();
        self.countries.clear();
        self.identifiers.clear();
        self.canonical.clear();
    }

    /// The primary name.
    fn name(&self) -> &str {
        self.names.get(0)
    }

    /// The primary name, then the aliases.
    pub(crate) fn names(&self) -> &Flat {
        &self.names
    }

    /// The identifiers, canonical.
    pub(crate) fn canonical(&self) -> &Flat {
        &self.canonical
    }
}

/// Where the records come from, and what a problem does.
pub(crate) enum Problems<'a> {
    /// The whole text is at hand: each problem becomes a diagnostic.
    Report {
        /// The text (after a byte-order mark).
        source: &'a str,
        diags: &'a mut Vec<Diagnostic>,
    },
    /// A file read as a stream: the first problem stops the reading, and
    /// the caller reads the whole file again to report them all.
    Stop {
        /// Set when a problem was found.
        found: bool,
    },
}

impl Problems<'_> {
    /// Records a problem; false when the reading must stop.
    fn at(&mut self, file: &str, code: Code, msg: String, rec_start: usize, value: &str) -> bool {
        match self {
            Problems::Report { source, diags } => {
                let span = locate(source, rec_start, value);
                diags.push(Diagnostic::at(code, msg, file, source, Some(span), None));
                true
            }
            Problems::Stop { found } => {
                *found = true;
                false
            }
        }
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

/// Reads one watch-list file. Every problem is pushed to `diags`; the
/// entries that are valid are returned (the caller refuses the whole build
/// when any diagnostic was found).
#[cfg(test)]
pub(crate) fn parse(file: &str, text: &str, diags: &mut Vec<Diagnostic>) -> Vec<Entry> {
    let mut out = Vec::new();
    parse_into(file, text, diags, &mut |e| {
        out.push(Entry {
            id: e.id.clone(),
            name: e.name().to_string(),
            list: e.list.clone(),
            aliases: e.names.iter().skip(1).map(str::to_string).collect(),
            countries: e.countries.to_vec(),
            identifiers: e.canonical.to_vec(),
        })
    });
    out
}

/// [`parse`], handing each valid entry to `sink` as soon as it is read (a
/// list of a million entities is never held as records or entries at once).
pub(crate) fn parse_into(
    file: &str,
    text: &str,
    diags: &mut Vec<Diagnostic>,
    sink: &mut dyn FnMut(&RawEntry),
) {
    let source = text.strip_prefix('\u{feff}').unwrap_or(text);
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .from_reader(source.as_bytes());
    parse_records(file, rdr, &mut Problems::Report { source, diags }, sink);
}

/// Reads a watch-list file as a stream, handing each valid entry to `sink`;
/// the file's text is never held whole. False when the file could not be
/// read or holds any problem: the caller then reads it whole with
/// [`parse_into`] for the diagnostics.
pub(crate) fn stream_path(
    file: &str,
    path: &std::path::Path,
    sink: &mut dyn FnMut(&RawEntry),
) -> bool {
    use std::io::BufRead;
    let Ok(f) = std::fs::File::open(path) else {
        return false;
    };
    let mut r = std::io::BufReader::with_capacity(1 << 16, f);
    match r.fill_buf() {
        Ok(b) if b.starts_with("\u{feff}".as_bytes()) => r.consume(3),
        Ok(_) => {}
        Err(_) => return false,
    }
    let rdr = csv::ReaderBuilder::new()
        .has_headers(false)
        .flexible(true)
        .buffer_capacity(1 << 16)
        .from_reader(r);
    let mut problems = Problems::Stop { found: false };
    parse_records(file, rdr, &mut problems, sink);
    matches!(problems, Problems::Stop { found: false })
}

/// The fields of the records after the header, validated.
fn parse_records<R: std::io::Read>(
    file: &str,
    mut rdr: csv::Reader<R>,
    problems: &mut Problems,
    sink: &mut dyn FnMut(&RawEntry),
) {
    let mut rec = csv::StringRecord::new();
    // Reads the next record: Some(Ok(start, line)), Some(Err(message,
    // start)) for a record that is not CSV (the reader goes on after it),
    // None at the end.
    let mut next = |rec: &mut csv::StringRecord| match rdr.read_record(rec) {
        Ok(true) => {
            let pos = rec.position();
            let start = pos.map_or(0, |p| p.byte() as usize);
            let line = pos.map_or(0, |p| p.line() as usize);
            Some(Ok((start, line)))
        }
        Ok(false) => None,
        Err(e) => {
            let start = e.position().map_or(0, |p| p.byte() as usize);
            // A CSV error (bad UTF-8) does not stop the reader: go on.
            Some(Err((format!("not readable as CSV: {e}"), start)))
        }
    };
    // The header: the first readable record (errors before it reported).
    let first = loop {
        match next(&mut rec) {
            None => break None,
            Some(Ok(r)) => break Some(r),
            Some(Err((msg, start))) => {
                if !problems.at(file, Code::E050, msg, start, "") {
                    return;
                }
            }
        }
    };
    let Some((hstart, hline)) = first else {
        problems.at(file, Code::E051, "the file is empty".into(), 0, "");
        return;
    };
    let header = rec.clone();
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
        problems.at(
            file,
            Code::E051,
            "unknown watch-list format: expected an OpenSanctions header (id,schema,name,aliases,...), \
             a header with a `name` column, or OFAC's headerless sdn.csv (twelve columns, ent_num first)"
                .into(),
            hstart,
            "",
        );
        return;
    };
    let (c_id, c_name, c_list, c_aliases) = (has("id"), has("name"), has("list"), has("aliases"));
    let (c_dataset, c_countries, c_country) = (has("dataset"), has("countries"), has("country"));
    let c_identifiers = has("identifiers");
    let mut seen = SeenIds::default();
    let mut e = RawEntry::default();
    // OFAC's first record is an entry, not a header.
    let mut pending = (format == Format::OfacSdn).then_some((hstart, hline));
    loop {
        let got = match pending.take() {
            Some(r) => Some(Ok(r)),
            None => next(&mut rec),
        };
        let (start, line) = match got {
            None => break,
            Some(Ok(r)) => r,
            Some(Err((msg, start))) => {
                if !problems.at(file, Code::E050, msg, start, "") {
                    return;
                }
                continue;
            }
        };
        let get = |i: Option<usize>| i.and_then(|i| rec.get(i)).unwrap_or("").trim();
        e.clear();
        match format {
            Format::OpenSanctions => {
                let id = get(c_id);
                if id.is_empty() {
                    if !problems.at(file, Code::E052, "the entry has no `id`".into(), start, "") {
                        return;
                    }
                    continue;
                }
                let list = get(c_dataset);
                e.id.push_str(id);
                e.names.push(get(c_name));
                e.list.push_str(if list.is_empty() {
                    "opensanctions"
                } else {
                    list
                });
                e.names.push_multi(get(c_aliases));
                e.countries.push_multi(get(c_countries));
                e.identifiers.push_multi(get(c_identifiers));
            }
            Format::Plain => {
                use std::fmt::Write;
                let id = get(c_id);
                let list = get(c_list);
                if id.is_empty() {
                    let _ = write!(e.id, "{stem}:{line}");
                } else {
                    e.id.push_str(id);
                }
                e.names.push(get(c_name));
                e.list
                    .push_str(if list.is_empty() { stem.as_str() } else { list });
                e.names.push_multi(get(c_aliases));
                e.countries.push_multi(get(c_country));
                e.countries.push_multi(get(c_countries));
                e.identifiers.push_multi(get(c_identifiers));
            }
            Format::OfacSdn => {
                if rec.len() == 1 && rec[0].trim_matches(|c: char| c.is_control()).is_empty() {
                    continue; // the SUB (0x1A) end-of-file byte some exports end with
                }
                if rec.len() != 12 {
                    let msg = format!(
                        "an OFAC sdn.csv record has 12 fields, this one {}",
                        rec.len()
                    );
                    if !problems.at(file, Code::E052, msg, start, "") {
                        return;
                    }
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
                    let msg = format!("`ent_num` must be a number, not `{}`", f(0));
                    if !problems.at(file, Code::E052, msg, start, f(0)) {
                        return;
                    }
                    continue;
                }
                let (aliases, identifiers) = ofac_remarks(f(11));
                e.id.push_str(f(0));
                e.names.push(f(1));
                e.list.push_str("OFAC SDN");
                for a in &aliases {
                    e.names.push(a);
                }
                for i in &identifiers {
                    e.identifiers.push(i);
                }
            }
        }
        if e.name().is_empty() {
            let msg = format!("entry `{}` has no name", e.id);
            if !problems.at(file, Code::E052, msg, start, "") {
                return;
            }
            continue;
        }
        let mut ok = true;
        for n in e.names.iter() {
            if !n.chars().any(char::is_alphanumeric) {
                let msg = format!("name `{n}` of entry `{}` has no letters or digits", e.id);
                if !problems.at(file, Code::E054, msg, start, n) {
                    return;
                }
                ok = false;
            }
        }
        for raw in e.identifiers.iter() {
            let value = raw.rsplit(':').next().unwrap_or(raw);
            let canon = canonical_identifier(value);
            if canon.len() < 5 || !canon.bytes().any(|b| b.is_ascii_digit()) {
                let msg = format!(
                    "identifier `{raw}` of entry `{}` is not a registration or tax number \
                     (at least 5 letters or digits, one a digit)",
                    e.id
                );
                if !problems.at(file, Code::E055, msg, start, raw) {
                    return;
                }
                ok = false;
            } else {
                e.canonical.push(&canon);
            }
        }
        if !seen.insert(&e.list, &e.id) {
            let msg = format!("entry `{}` appears twice in list `{}`", e.id, e.list);
            if !problems.at(file, Code::E053, msg, start, &e.id) {
                return;
            }
            continue;
        }
        if ok {
            sink(&e);
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
