//! `dualuse report`: screen a whole input and aggregate it into what an
//! analyst looks at first — flagged goods per category and month, parties,
//! routes, codes, misdeclarations — and flag parties whose behaviour looks
//! like the evasion schemes of the public record. Rows are never kept:
//! memory grows with the number of distinct parties, routes, codes and
//! (for `code_shopping`, bounded by [`Thresholds::max_descriptions`])
//! flagged descriptions, not with the number of rows.
//!
//! The JSON's top-level keys are fixed by the public contract:
//! `metadata`, `by_category`, `parties`, `routes`, `codes`,
//! `manufacturers`, `parts`, `misdeclarations`, `code_shopping`; this
//! module adds `totals`, `anomalies`, `thresholds` and `left_out`.
//!
//! ```
//! use dualuse::batch::Columns;
//! use dualuse::input::{InputOptions, RowReader};
//! use dualuse::report::{build, ReportColumns, Thresholds};
//!
//! let csv = "decl_date,hs_code,goods_description,importer,customs_value_usd\n\
//!            2024-03-01,848210,BALL BEARING 6204,OOO ROMASHKA,100\n";
//! let reader = RowReader::from_reader(Box::new(csv.as_bytes()), "demo.csv", &InputOptions::default())?;
//! let clf = dualuse::Classifier::builtin()?;
//! let cols = ReportColumns {
//!     screen: Columns { hs: Some(1), text: vec![2], id: None },
//!     date: Some(0), importer: Some(3), value: Some(4),
//!     ..ReportColumns::default()
//! };
//! let report = build(&clf, reader, &cols, &Thresholds::default(), None, 64)?;
//! assert_eq!(report.totals.rows_flagged, 1);
//! assert_eq!(report.by_category["bearings"].by_month["2024-03"].rows, 1);
//! # Ok::<(), dualuse::Error>(())
//! ```

use crate::batch::{self, Columns, Parties};
use crate::error::Result;
use crate::input::{Fields, Row, RowReader};
use crate::output::Metadata;
use crate::types::Category;
use crate::watchlist::PartyHit;
use crate::{Classifier, Scratch};
use serde::Serialize;
use std::collections::{BTreeMap, BTreeSet, HashMap};

mod html;
// The keys the report groups by; public for their doc tests, not part of the API.
#[doc(hidden)]
pub mod names;

pub use html::render_html;

/// Which input columns the report reads, besides those screened.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct ReportColumns {
    /// Code, description and id columns, as for screening.
    pub screen: Columns,
    /// The importer (consignee, buyer).
    pub importer: Option<usize>,
    /// The exporter (shipper, consignor, seller).
    pub exporter: Option<usize>,
    /// The declaration date.
    pub date: Option<usize>,
    /// The declared (customs) value.
    pub value: Option<usize>,
    /// The country of origin.
    pub origin: Option<usize>,
    /// The trading or dispatch country.
    pub trading: Option<usize>,
}

/// Where the anomaly flags trip. Every figure that trips a flag is written
/// next to it, so an analyst can judge it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Thresholds {
    /// `sudden_hp_start`: months with declarations but no flagged row
    /// before the first flagged month.
    pub quiet_months: usize,
    /// `sudden_hp_start`: the least share of flagged rows from the first
    /// flagged month on.
    pub min_share_after: f64,
    /// `hp_share_outlier`: the least ratio of the party's flagged-value
    /// share to the whole input's.
    pub outlier_ratio: f64,
    /// `hp_share_outlier`: the least flagged-value share of the party.
    pub outlier_min_share: f64,
    /// `hp_share_outlier`: the least number of rows of the party.
    pub outlier_min_rows: u64,
    /// `third_country_route`: trading or dispatch countries through which
    /// goods are known to be routed (ISO codes or names, compared case-
    /// insensitively).
    pub transit: Vec<String>,
    /// `code_shopping`: the least number of distinct HS-6 codes for one
    /// description or part number.
    pub min_codes: usize,
    /// `misdeclaration_repeat`: the least number of misdeclared rows.
    pub min_misdeclared: u64,
    /// Rows, parties, routes and codes listed in each "top" table.
    pub top: usize,
    /// Misdeclared rows kept with their evidence (all are counted).
    pub max_misdeclarations: usize,
    /// Distinct flagged descriptions tracked for `code_shopping` (the
    /// rest are counted as not tracked).
    pub max_descriptions: usize,
}

impl Default for Thresholds {
    fn default() -> Self {
        Thresholds {
            quiet_months: 3,
            min_share_after: 0.2,
            outlier_ratio: 5.0,
            outlier_min_share: 0.5,
            outlier_min_rows: 5,
            transit: DEFAULT_TRANSIT.iter().map(|s| s.to_string()).collect(),
            min_codes: 2,
            min_misdeclared: 2,
            top: 25,
            max_misdeclarations: 1_000,
            max_descriptions: 200_000,
        }
    }
}

/// Countries named in the public record (EU sanctions guidance on
/// circumvention, OFAC/BIS advisories) as routes for high-priority goods
/// into Russia: the UAE, Türkiye, Central Asia, the South Caucasus, Hong
/// Kong, Serbia. ISO 3166 alpha-2 codes and English and Russian names.
pub const DEFAULT_TRANSIT: &[&str] = &[
    "AE",
    "TR",
    "KZ",
    "KG",
    "UZ",
    "TJ",
    "AM",
    "GE",
    "AZ",
    "HK",
    "RS",
    "MN",
    "BY",
    "united arab emirates",
    "uae",
    "turkey",
    "türkiye",
    "kazakhstan",
    "kyrgyzstan",
    "uzbekistan",
    "tajikistan",
    "armenia",
    "georgia",
    "azerbaijan",
    "hong kong",
    "serbia",
    "mongolia",
    "belarus",
    "оаэ",
    "объединенные арабские эмираты",
    "турция",
    "казахстан",
    "киргизия",
    "кыргызстан",
    "узбекистан",
    "таджикистан",
    "армения",
    "грузия",
    "азербайджан",
    "гонконг",
    "сербия",
    "монголия",
    "беларусь",
    "белоруссия",
];

/// Rows and declared value.
#[derive(Clone, Copy, Debug, Default, PartialEq, Serialize)]
pub struct RowsValue {
    /// Rows.
    pub rows: u64,
    /// Sum of the declared values that could be read.
    pub value: f64,
}

impl RowsValue {
    fn add(&mut self, v: Option<f64>) {
        self.rows += 1;
        self.value += v.unwrap_or(0.0);
    }
}

/// Counts over the whole input.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct Totals {
    /// Data rows read.
    pub rows_read: u64,
    /// Rows screened.
    pub rows_screened: u64,
    /// Rows that could not be read.
    pub rows_rejected: u64,
    /// Rows flagged.
    pub rows_flagged: u64,
    /// Rows with a misdeclaration signal.
    pub rows_misdeclared: u64,
    /// Sum of declared values.
    pub value: f64,
    /// Sum of declared values of flagged rows.
    pub flagged_value: f64,
    /// Rows whose value column could not be read as a number.
    pub unreadable_values: u64,
    /// Rows whose date column could not be read as a date.
    pub unreadable_dates: u64,
    /// Rows with a party on a watch list (where watch lists were given).
    pub rows_party_flagged: u64,
}

/// One category's flagged rows.
#[derive(Clone, Debug, Default, PartialEq, Serialize)]
pub struct CategoryAgg {
    /// Flagged rows of the category.
    pub rows: u64,
    /// Their declared value.
    pub value: f64,
    /// By month (`YYYY-MM`), where a date column exists.
    pub by_month: BTreeMap<String, RowsValue>,
}

/// An anomaly flag on a party, with the figures that tripped it.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Flag {
    /// `sudden_hp_start`, `hp_share_outlier`, `third_country_route`,
    /// `code_shopping` or `misdeclaration_repeat`.
    pub id: &'static str,
    /// The figures, by name.
    pub figures: BTreeMap<&'static str, serde_json::Value>,
}

/// One party (importer or exporter), after name normalisation.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Party {
    /// The most frequent spelling.
    pub name: String,
    /// `importer` or `exporter`.
    pub role: &'static str,
    /// The raw names grouped under it, most frequent first (at most 20).
    pub spellings: Vec<String>,
    /// Rows.
    pub rows: u64,
    /// Flagged rows.
    pub flagged_rows: u64,
    /// Declared value of all rows.
    pub value: f64,
    /// Declared value of flagged rows.
    pub flagged_value: f64,
    /// Flagged rows per category.
    pub categories: BTreeMap<String, u64>,
    /// First date seen (where a date column exists).
    pub first_seen: Option<String>,
    /// First date with a flagged row.
    pub first_flagged: Option<String>,
    /// Rows with a misdeclaration signal.
    pub misdeclared_rows: u64,
    /// Watch-list entries this party matched, `LIST:ID NAME`.
    pub on_watchlists: Vec<String>,
    /// Anomaly flags.
    pub flags: Vec<Flag>,
}

/// A watch-list entry that parties of the input matched.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct WatchlistEntryHits {
    /// The list.
    pub list: String,
    /// The entry's id in it.
    pub id: String,
    /// The entry's name.
    pub name: String,
    /// Rows with a party that matched it.
    pub rows: u64,
    /// How parties were written where they matched (at most 20).
    pub spellings: Vec<String>,
    /// The party columns they stood in.
    pub fields: Vec<String>,
}

/// Origin → trading country of flagged rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Route {
    /// Country of origin.
    pub origin: String,
    /// Trading or dispatch country.
    pub trading: String,
    /// Flagged rows.
    pub rows: u64,
    /// Their declared value.
    pub value: f64,
}

/// A key (HS-6 code, manufacturer, part number) among flagged rows.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Count {
    /// The key.
    pub key: String,
    /// Flagged rows.
    pub rows: u64,
    /// Their declared value.
    pub value: f64,
}

/// A misdeclared row, with its evidence.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct MisdeclaredRow {
    /// Data row number.
    pub row: u64,
    /// Id column value.
    pub id: Option<String>,
    /// The declared code.
    pub hs: String,
    /// The categories named by the description.
    pub categories: Vec<String>,
    /// What matched, `RULE:KIND=TEXT`.
    pub evidence: Vec<String>,
    /// The importer as written.
    pub importer: Option<String>,
}

/// One description or part number declared under several HS-6 codes.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct CodeShopping {
    /// `description` or `part`.
    pub kind: &'static str,
    /// The normalised description or the part number.
    pub key: String,
    /// HS-6 code → rows.
    pub codes: BTreeMap<String, u64>,
    /// Rows.
    pub rows: u64,
    /// The parties (importers, or exporters where no importer) involved.
    pub parties: Vec<String>,
}

/// The aggregates of one input.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Report {
    /// Version, rule sets, input, columns used.
    pub metadata: Metadata,
    /// Counts over the whole input.
    pub totals: Totals,
    /// Per category: flagged rows and value, by month.
    pub by_category: BTreeMap<String, CategoryAgg>,
    /// Parties, most flagged value first.
    pub parties: Vec<Party>,
    /// Origin → trading routes of flagged rows, most rows first.
    pub routes: Vec<Route>,
    /// Top HS-6 codes of flagged rows.
    pub codes: Vec<Count>,
    /// Top manufacturers named in flagged rows.
    pub manufacturers: Vec<Count>,
    /// Top part numbers in flagged rows.
    pub parts: Vec<Count>,
    /// Misdeclared rows (at most [`Thresholds::max_misdeclarations`]).
    pub misdeclarations: Vec<MisdeclaredRow>,
    /// Descriptions and parts declared under several HS-6 codes.
    pub code_shopping: Vec<CodeShopping>,
    /// Watch-list entries matched by the input's parties, most rows first.
    pub watchlist: Vec<WatchlistEntryHits>,
    /// Parties with at least one anomaly flag: (role, name, flag ids).
    pub anomalies: Vec<Anomaly>,
    /// The thresholds used.
    pub thresholds: Thresholds,
    /// Sections left out, and why (a column the input does not have).
    pub left_out: Vec<String>,
}

/// A party with its flags, for the anomaly table.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Anomaly {
    /// The party's name.
    pub name: String,
    /// `importer` or `exporter`.
    pub role: &'static str,
    /// The flags with their figures.
    pub flags: Vec<Flag>,
}

/// What a worker extracts from one row for the aggregator.
struct Facts {
    row: u64,
    rejected: bool,
    flagged: bool,
    /// YYYYMMDD.
    date: Option<u32>,
    date_unreadable: bool,
    value: Option<f64>,
    value_unreadable: bool,
    importer: Option<String>,
    exporter: Option<String>,
    origin: Option<String>,
    trading: Option<String>,
    categories: Vec<Category>,
    hs6: Option<String>,
    misdeclared: Option<MisdeclaredRow>,
    desc_key: Option<String>,
    party_hits: Vec<PartyHit>,
    /// Part numbers (upper case, as written) of a flagged row.
    parts: Vec<String>,
    /// Manufacturers named in a flagged row.
    manufacturers: Vec<String>,
}

fn cell(fields: &Fields, i: Option<usize>) -> Option<String> {
    i.and_then(|i| fields.get(i))
        .map(str::trim)
        .filter(|s| !s.is_empty())
        .map(str::to_string)
}

fn facts(
    clf: &Classifier,
    scratch: &mut Scratch,
    row: &Row,
    cols: &ReportColumns,
    parties: Option<&Parties>,
) -> Facts {
    let mut f = Facts {
        row: row.row,
        rejected: true,
        flagged: false,
        date: None,
        date_unreadable: false,
        value: None,
        value_unreadable: false,
        importer: None,
        exporter: None,
        origin: None,
        trading: None,
        categories: vec![],
        hs6: None,
        misdeclared: None,
        desc_key: None,
        party_hits: Vec::new(),
        parts: Vec::new(),
        manufacturers: Vec::new(),
    };
    let Ok(fields) = &row.fields else { return f };
    if let Some(p) = parties {
        f.party_hits = p.screen(fields);
    }
    let Ok(r) = batch::screen_fields(clf, scratch, fields, &cols.screen) else {
        return f;
    };
    f.rejected = false;
    f.flagged = r.flagged();
    let raw_date = cell(fields, cols.date);
    f.date = raw_date.as_deref().and_then(names::date_number);
    f.date_unreadable = raw_date.is_some() && f.date.is_none();
    let raw_value = cell(fields, cols.value);
    f.value = raw_value.as_deref().and_then(names::parse_value);
    f.value_unreadable = raw_value.is_some() && f.value.is_none();
    f.importer = cell(fields, cols.importer);
    f.exporter = cell(fields, cols.exporter);
    if f.flagged {
        // Routes and transit countries are counted for flagged rows only.
        f.origin = cell(fields, cols.origin).map(|c| c.to_uppercase());
        f.trading = cell(fields, cols.trading).map(|c| c.to_uppercase());
        f.categories = r.categories.clone();
        f.parts = r.parts.iter().map(|p| p.text.to_uppercase()).collect();
        f.parts.dedup();
        f.manufacturers = r.manufacturers.iter().map(|m| m.to_string()).collect();
        f.hs6 =
            r.hs.digits
                .as_ref()
                .filter(|d| d.len() >= 6)
                .map(|d| d[..6].to_string());
        if f.hs6.is_some() {
            let text: Vec<&str> = cols
                .screen
                .text
                .iter()
                .filter_map(|&i| fields.get(i))
                .collect();
            f.desc_key = Some(names::description_key(&text.join(" ")));
        }
    }
    if !r.misdeclarations.is_empty() {
        f.misdeclared = Some(MisdeclaredRow {
            row: row.row,
            id: cell(fields, cols.screen.id),
            hs: r.hs.digits.clone().unwrap_or_default(),
            categories: r
                .misdeclarations
                .iter()
                .map(|m| m.category.as_str().to_string())
                .collect(),
            evidence: r
                .hits
                .iter()
                .flat_map(|h| h.evidence.iter().map(move |e| (h, e)))
                .filter(|(_, e)| e.start.is_some())
                .take(8)
                .map(|(h, e)| format!("{}:{}={}", h.rule, e.kind.as_str(), e.text))
                .collect(),
            importer: f.importer.clone(),
        });
    }
    f
}

/// A party while the input is read.
struct PartyAcc {
    role: &'static str,
    rows: u64,
    flagged_rows: u64,
    value: f64,
    flagged_value: f64,
    categories: BTreeMap<String, u64>,
    /// YYYYMMDD.
    first_seen: Option<u32>,
    first_flagged: Option<u32>,
    misdeclared_rows: u64,
    watchlists: BTreeSet<String>,
    /// Month (YYYYMM) → (rows, flagged rows).
    months: BTreeMap<u32, (u64, u64)>,
    /// Transit country → flagged rows routed through it.
    transit: BTreeMap<String, u64>,
    /// Descriptions declared under several codes that this party declared.
    shopping: u64,
}

impl PartyAcc {
    fn new(role: &'static str) -> PartyAcc {
        PartyAcc {
            role,
            rows: 0,
            flagged_rows: 0,
            value: 0.0,
            flagged_value: 0.0,
            categories: BTreeMap::new(),
            first_seen: None,
            first_flagged: None,
            misdeclared_rows: 0,
            watchlists: BTreeSet::new(),
            months: BTreeMap::new(),
            transit: BTreeMap::new(),
            shopping: 0,
        }
    }
}

/// `YYYYMMDD` as `YYYY-MM-DD`.
fn date_text(d: u32) -> String {
    format!("{:04}-{:02}-{:02}", d / 10_000, d / 100 % 100, d % 100)
}

/// `YYYYMM` as `YYYY-MM`.
fn month_text(m: u32) -> String {
    format!("{:04}-{:02}", m / 100, m % 100)
}

/// One flagged description while reading: HS-6 → rows, and the parties
/// (role, key) that declared it.
type Shopping = (BTreeMap<String, u64>, BTreeSet<u32>);

/// A watch-list entry while reading: its name, rows, how parties were
/// written, and their columns.
type WatchAcc = (String, u64, BTreeSet<String>, BTreeSet<String>);

struct Agg {
    th: Thresholds,
    totals: Totals,
    by_category: BTreeMap<String, CategoryAgg>,
    /// Per category, month (YYYYMM) → flagged rows and value.
    by_month: BTreeMap<String, BTreeMap<u32, RowsValue>>,
    parties: Vec<PartyAcc>,
    /// (role, normalised key) → index into `parties`; looked up once per
    /// distinct spelling.
    party_keys: HashMap<(&'static str, String), u32>,
    /// Per role (importer, exporter), spelling as written → index into
    /// `spellings`: the only lookup most rows need, with no allocation.
    raw: [HashMap<Box<str>, u32>; 2],
    /// (party, rows, the spelling).
    spellings: Vec<(u32, u64, Box<str>)>,
    routes: HashMap<(String, String), RowsValue>,
    codes: HashMap<String, RowsValue>,
    misdeclarations: Vec<MisdeclaredRow>,
    /// Description key → (HS-6 → rows, parties).
    shopping: HashMap<String, Shopping>,
    untracked_descriptions: u64,
    transit: Vec<String>,
    /// (list, id) → entry name, rows, spellings, fields.
    watch: HashMap<(String, String), WatchAcc>,
    manufacturers: HashMap<String, RowsValue>,
    parts: HashMap<String, RowsValue>,
    /// Part number → (HS-6 → rows, parties), for `code_shopping`.
    part_codes: HashMap<String, Shopping>,
}

impl Agg {
    fn new(th: &Thresholds) -> Agg {
        Agg {
            transit: th.transit.iter().map(|t| t.to_lowercase()).collect(),
            th: th.clone(),
            totals: Totals::default(),
            by_category: BTreeMap::new(),
            by_month: BTreeMap::new(),
            parties: Vec::new(),
            party_keys: HashMap::new(),
            raw: [HashMap::new(), HashMap::new()],
            spellings: Vec::new(),
            routes: HashMap::new(),
            codes: HashMap::new(),
            misdeclarations: Vec::new(),
            shopping: HashMap::new(),
            untracked_descriptions: 0,
            watch: HashMap::new(),
            manufacturers: HashMap::new(),
            parts: HashMap::new(),
            part_codes: HashMap::new(),
        }
    }

    /// The party a spelling belongs to, counting the spelling; `None` for a
    /// name that normalises to nothing.
    fn party(&mut self, role: usize, raw: &str) -> Option<u32> {
        let sp = match self.raw[role].get(raw) {
            Some(&sp) => sp,
            None => {
                let name = if role == 0 { "importer" } else { "exporter" };
                let key = names::party_key(raw);
                let party = if key.is_empty() {
                    u32::MAX
                } else {
                    let n = self.parties.len() as u32;
                    let p = *self.party_keys.entry((name, key)).or_insert(n);
                    if p == n {
                        self.parties.push(PartyAcc::new(name));
                    }
                    p
                };
                let sp = self.spellings.len() as u32;
                self.spellings.push((party, 0, raw.into()));
                self.raw[role].insert(raw.into(), sp);
                sp
            }
        };
        let e = &mut self.spellings[sp as usize];
        e.1 += 1;
        (e.0 != u32::MAX).then_some(e.0)
    }

    fn add(&mut self, f: Facts) {
        let t = &mut self.totals;
        t.rows_read += 1;
        if f.rejected {
            t.rows_rejected += 1;
            return;
        }
        t.rows_screened += 1;
        t.rows_party_flagged += !f.party_hits.is_empty() as u64;
        for h in &f.party_hits {
            let e = self
                .watch
                .entry((h.list.clone(), h.id.clone()))
                .or_insert_with(|| (h.name.clone(), 0, BTreeSet::new(), BTreeSet::new()));
            e.1 += 1;
            if e.2.len() < 20 {
                e.2.insert(h.text.clone());
            }
            e.3.insert(h.field.clone());
        }
        t.value += f.value.unwrap_or(0.0);
        t.unreadable_values += f.value_unreadable as u64;
        t.unreadable_dates += f.date_unreadable as u64;
        let month = f.date.map(|d| d / 100);
        let routed = match (&f.origin, &f.trading) {
            (Some(o), Some(tr)) if o != tr && self.transit.contains(&tr.to_lowercase()) => {
                Some(tr.clone())
            }
            _ => None,
        };
        if f.flagged {
            t.rows_flagged += 1;
            t.flagged_value += f.value.unwrap_or(0.0);
            for c in &f.categories {
                let agg = self.by_category.entry(c.as_str().to_string()).or_default();
                agg.rows += 1;
                agg.value += f.value.unwrap_or(0.0);
                if let Some(m) = month {
                    self.by_month
                        .entry(c.as_str().to_string())
                        .or_default()
                        .entry(m)
                        .or_default()
                        .add(f.value);
                }
            }
            if let (Some(o), Some(tr)) = (&f.origin, &f.trading) {
                self.routes
                    .entry((o.clone(), tr.clone()))
                    .or_default()
                    .add(f.value);
            }
            if let Some(h) = &f.hs6 {
                self.codes.entry(h.clone()).or_default().add(f.value);
            }
            for m in &f.manufacturers {
                self.manufacturers
                    .entry(m.clone())
                    .or_default()
                    .add(f.value);
            }
            for p in &f.parts {
                self.parts.entry(p.clone()).or_default().add(f.value);
            }
        }
        if f.misdeclared.is_some() {
            t.rows_misdeclared += 1;
        }
        let mut first_party: Option<u32> = None;
        for (role, raw) in [(0, &f.importer), (1, &f.exporter)] {
            let Some(raw) = raw else { continue };
            let Some(pi) = self.party(role, raw) else {
                continue;
            };
            first_party.get_or_insert(pi);
            let p = &mut self.parties[pi as usize];
            p.rows += 1;
            p.value += f.value.unwrap_or(0.0);
            if let Some(d) = f.date {
                if p.first_seen.is_none_or(|x| d < x) {
                    p.first_seen = Some(d);
                }
            }
            if let Some(m) = month {
                let e = p.months.entry(m).or_default();
                e.0 += 1;
                e.1 += f.flagged as u64;
            }
            if f.flagged {
                p.flagged_rows += 1;
                p.flagged_value += f.value.unwrap_or(0.0);
                for c in &f.categories {
                    *p.categories.entry(c.as_str().to_string()).or_default() += 1;
                }
                if let Some(d) = f.date {
                    if p.first_flagged.is_none_or(|x| d < x) {
                        p.first_flagged = Some(d);
                    }
                }
                if let Some(tr) = &routed {
                    *p.transit.entry(tr.clone()).or_default() += 1;
                }
            }
            if f.misdeclared.is_some() {
                p.misdeclared_rows += 1;
            }
            for h in f.party_hits.iter().filter(|h| &h.text == raw) {
                if p.watchlists.len() < 20 {
                    p.watchlists
                        .insert(format!("{}:{} {}", h.list, h.id, h.name));
                }
            }
        }
        if let Some(h) = &f.hs6 {
            for p in &f.parts {
                let tracked = self.part_codes.len() < self.th.max_descriptions;
                if tracked || self.part_codes.contains_key(p) {
                    let e = self.part_codes.entry(p.clone()).or_default();
                    *e.0.entry(h.clone()).or_default() += 1;
                    e.1.extend(first_party);
                } else {
                    self.untracked_descriptions += 1;
                }
            }
        }
        if let (Some(h), Some(k)) = (&f.hs6, &f.desc_key) {
            let tracked = self.shopping.len() < self.th.max_descriptions;
            match self.shopping.get_mut(k) {
                Some(e) => {
                    *e.0.entry(h.clone()).or_default() += 1;
                    e.1.extend(first_party);
                }
                None if tracked => {
                    let e = self.shopping.entry(k.clone()).or_default();
                    *e.0.entry(h.clone()).or_default() += 1;
                    e.1.extend(first_party);
                }
                None => self.untracked_descriptions += 1,
            }
        }
        if let Some(m) = f.misdeclared {
            if self.misdeclarations.len() < self.th.max_misdeclarations {
                self.misdeclarations.push(m);
            }
        }
    }

    fn finish(mut self, metadata: Metadata, left_out: Vec<String>) -> Report {
        let th = self.th.clone();
        let top = th.top;
        // Descriptions under several codes, and the parties that declared them.
        let mut shopping: Vec<CodeShopping> = Vec::new();
        let descriptions = std::mem::take(&mut self.shopping)
            .into_iter()
            .map(|(k, v)| ("description", k, v));
        let parts = std::mem::take(&mut self.part_codes)
            .into_iter()
            .map(|(k, v)| ("part", k, v));
        for (kind, key, (codes, parties)) in descriptions.chain(parts) {
            if codes.len() < th.min_codes {
                continue;
            }
            for &p in &parties {
                if let Some(acc) = self.parties.get_mut(p as usize) {
                    acc.shopping += 1;
                }
            }
            shopping.push(CodeShopping {
                kind,
                rows: codes.values().sum(),
                key,
                codes,
                parties: parties.iter().map(|p| p.to_string()).collect(),
            });
        }
        shopping.sort_by(|a, b| {
            b.codes
                .len()
                .cmp(&a.codes.len())
                .then(b.rows.cmp(&a.rows))
                .then(a.key.cmp(&b.key))
        });
        let dump_share = if self.totals.value > 0.0 {
            self.totals.flagged_value / self.totals.value
        } else {
            0.0
        };
        // Each party's spellings, most frequent first.
        let mut spellings: Vec<Vec<(u64, Box<str>)>> = vec![Vec::new(); self.parties.len()];
        for (p, n, raw) in std::mem::take(&mut self.spellings) {
            if let Some(v) = spellings.get_mut(p as usize) {
                v.push((n, raw));
            }
        }
        let mut display: Vec<String> = Vec::with_capacity(self.parties.len());
        let mut parties: Vec<Party> = Vec::with_capacity(self.parties.len());
        for (acc, mut sp) in std::mem::take(&mut self.parties).into_iter().zip(spellings) {
            sp.sort_by(|a, b| b.0.cmp(&a.0).then(a.1.cmp(&b.1)));
            let name = sp.first().map(|s| s.1.to_string()).unwrap_or_default();
            display.push(name.clone());
            let role = acc.role;
            let mut flags = Vec::new();
            let months: BTreeMap<String, (u64, u64)> = acc
                .months
                .iter()
                .map(|(&m, &v)| (month_text(m), v))
                .collect();
            if let Some(f) = sudden_start(&months, &th) {
                flags.push(f);
            }
            let share = if acc.value > 0.0 {
                acc.flagged_value / acc.value
            } else {
                0.0
            };
            if acc.rows >= th.outlier_min_rows
                && share >= th.outlier_min_share
                && share >= th.outlier_ratio * dump_share
            {
                flags.push(flag(
                    "hp_share_outlier",
                    [
                        ("flagged_value_share", share.into()),
                        ("input_flagged_value_share", dump_share.into()),
                        ("rows", acc.rows.into()),
                    ],
                ));
            }
            if !acc.transit.is_empty() {
                let rows: u64 = acc.transit.values().sum();
                flags.push(flag(
                    "third_country_route",
                    [
                        ("flagged_rows_via_transit", rows.into()),
                        (
                            "countries",
                            serde_json::to_value(&acc.transit).unwrap_or_default(),
                        ),
                    ],
                ));
            }
            if acc.shopping > 0 {
                flags.push(flag(
                    "code_shopping",
                    [("descriptions_under_several_codes", acc.shopping.into())],
                ));
            }
            if acc.misdeclared_rows >= th.min_misdeclared {
                flags.push(flag(
                    "misdeclaration_repeat",
                    [("misdeclared_rows", acc.misdeclared_rows.into())],
                ));
            }
            parties.push(Party {
                name,
                role,
                spellings: sp.into_iter().take(20).map(|s| s.1.to_string()).collect(),
                rows: acc.rows,
                flagged_rows: acc.flagged_rows,
                value: acc.value,
                flagged_value: acc.flagged_value,
                categories: acc.categories,
                first_seen: acc.first_seen.map(date_text),
                first_flagged: acc.first_flagged.map(date_text),
                misdeclared_rows: acc.misdeclared_rows,
                on_watchlists: acc.watchlists.into_iter().collect(),
                flags,
            });
        }
        for s in &mut shopping {
            let names: Vec<String> = std::mem::take(&mut s.parties)
                .into_iter()
                .filter_map(|k| k.parse::<usize>().ok())
                .filter_map(|i| display.get(i).cloned())
                .collect();
            s.parties = names;
        }
        parties.sort_by(|a, b| {
            b.flagged_value
                .total_cmp(&a.flagged_value)
                .then(b.flagged_rows.cmp(&a.flagged_rows))
                .then(a.name.cmp(&b.name))
                .then(a.role.cmp(b.role))
        });
        let anomalies = parties
            .iter()
            .filter(|p| !p.flags.is_empty())
            .map(|p| Anomaly {
                name: p.name.clone(),
                role: p.role,
                flags: p.flags.clone(),
            })
            .collect();
        let mut routes: Vec<Route> = self
            .routes
            .into_iter()
            .map(|((origin, trading), rv)| Route {
                origin,
                trading,
                rows: rv.rows,
                value: rv.value,
            })
            .collect();
        routes.sort_by(|a, b| {
            b.rows
                .cmp(&a.rows)
                .then(a.origin.cmp(&b.origin))
                .then(a.trading.cmp(&b.trading))
        });
        let mut left_out = left_out;
        if self.untracked_descriptions > 0 {
            left_out.push(format!(
                "code_shopping: {} flagged rows with descriptions beyond the first {} were not tracked",
                self.untracked_descriptions, th.max_descriptions
            ));
        }
        if self.totals.rows_misdeclared as usize > self.misdeclarations.len() {
            left_out.push(format!(
                "misdeclarations: {} of {} misdeclared rows are listed",
                self.misdeclarations.len(),
                self.totals.rows_misdeclared
            ));
        }
        let mut watchlist: Vec<WatchlistEntryHits> = self
            .watch
            .into_iter()
            .map(
                |((list, id), (name, rows, sp, fields))| WatchlistEntryHits {
                    list,
                    id,
                    name,
                    rows,
                    spellings: sp.into_iter().collect(),
                    fields: fields.into_iter().collect(),
                },
            )
            .collect();
        watchlist.sort_by(|a, b| {
            b.rows
                .cmp(&a.rows)
                .then(a.list.cmp(&b.list))
                .then(a.id.cmp(&b.id))
        });
        let mut by_category = std::mem::take(&mut self.by_category);
        for (c, months) in std::mem::take(&mut self.by_month) {
            if let Some(agg) = by_category.get_mut(&c) {
                agg.by_month = months
                    .into_iter()
                    .map(|(m, v)| (month_text(m), v))
                    .collect();
            }
        }
        Report {
            metadata,
            watchlist,
            totals: self.totals,
            by_category,
            parties,
            routes,
            codes: top_counts(self.codes, top),
            manufacturers: top_counts(std::mem::take(&mut self.manufacturers), top),
            parts: top_counts(std::mem::take(&mut self.parts), top),
            misdeclarations: self.misdeclarations,
            code_shopping: shopping,
            anomalies,
            thresholds: th,
            left_out,
        }
    }
}

fn flag<const N: usize>(id: &'static str, figures: [(&'static str, serde_json::Value); N]) -> Flag {
    Flag {
        id,
        figures: figures.into_iter().collect(),
    }
}

/// `sudden_hp_start`: at least `quiet_months` months with declarations and
/// no flagged row, then flagged rows from the first flagged month on.
fn sudden_start(months: &BTreeMap<String, (u64, u64)>, th: &Thresholds) -> Option<Flag> {
    let first = months.iter().position(|(_, &(_, f))| f > 0)?;
    if first < th.quiet_months {
        return None;
    }
    let (before_rows, _) = months
        .values()
        .take(first)
        .fold((0, 0), |a, &(r, f)| (a.0 + r, a.1 + f));
    let (after_rows, after_flagged) = months
        .values()
        .skip(first)
        .fold((0u64, 0u64), |a, &(r, f)| (a.0 + r, a.1 + f));
    let share_after = after_flagged as f64 / after_rows.max(1) as f64;
    if share_after < th.min_share_after {
        return None;
    }
    let month = months.keys().nth(first)?.clone();
    Some(flag(
        "sudden_hp_start",
        [
            ("first_flagged_month", month.into()),
            ("quiet_months_before", first.into()),
            ("rows_before", before_rows.into()),
            ("flagged_share_before", 0.0.into()),
            ("rows_after", after_rows.into()),
            ("flagged_share_after", share_after.into()),
        ],
    ))
}

fn top_counts(m: HashMap<String, RowsValue>, n: usize) -> Vec<Count> {
    let mut v: Vec<Count> = m
        .into_iter()
        .map(|(key, rv)| Count {
            key,
            rows: rv.rows,
            value: rv.value,
        })
        .collect();
    v.sort_by(|a, b| b.rows.cmp(&a.rows).then(a.key.cmp(&b.key)));
    v.truncate(n);
    v
}

/// Screens every row of `reader` and aggregates it (see the module docs),
/// with the party columns of `parties` matched against its watch list.
/// `metadata.input` and `metadata.columns` are the caller's to fill.
///
/// # Errors
/// Reading the input fails. Rows that cannot be read are counted as
/// rejected, never skipped silently.
pub fn build(
    clf: &Classifier,
    mut reader: RowReader,
    cols: &ReportColumns,
    th: &Thresholds,
    parties: Option<std::sync::Arc<Parties>>,
    chunk_rows: usize,
) -> Result<Report> {
    let mut cols = cols.clone();
    if cols.screen.text.is_empty() {
        cols.screen.text.push(0);
    }
    let mut left_out = Vec::new();
    let missing = |c: Option<usize>, what: &str, sections: &str, out: &mut Vec<String>| {
        if c.is_none() {
            out.push(format!("no {what} column: {sections} left out"));
        }
    };
    missing(
        cols.date,
        "date",
        "months, first_seen, sudden_hp_start",
        &mut left_out,
    );
    missing(
        cols.value,
        "value",
        "declared values, hp_share_outlier",
        &mut left_out,
    );
    if cols.importer.is_none() && cols.exporter.is_none() {
        left_out.push("no importer or exporter column: parties and their flags left out".into());
    }
    if cols.origin.is_none() || cols.trading.is_none() {
        left_out.push(
            "no origin and trading country columns: routes and third_country_route left out".into(),
        );
    }
    if cols.screen.hs.is_none() {
        left_out.push("no code column: codes, misdeclarations and code_shopping left out".into());
    }
    let mut agg = Agg::new(th);
    let per_row = {
        let clf = clf.clone();
        let cols = cols.clone();
        move |scratch: &mut Scratch, row: &Row| facts(&clf, scratch, row, &cols, parties.as_deref())
    };
    let mut consume = |f: Facts, _bytes: u64| -> Result<()> {
        let _ = f.row;
        agg.add(f);
        Ok(())
    };
    batch::drive(clf, &mut reader, chunk_rows, per_row, &mut consume)?;
    Ok(agg.finish(Metadata::new(clf), left_out))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn months(v: &[(&str, u64, u64)]) -> BTreeMap<String, (u64, u64)> {
        v.iter().map(|&(m, r, f)| (m.to_string(), (r, f))).collect()
    }

    #[test]
    fn sudden_start_needs_a_quiet_stretch() {
        let th = Thresholds::default();
        let quiet = months(&[
            ("2024-01", 5, 0),
            ("2024-02", 4, 0),
            ("2024-03", 6, 0),
            ("2024-04", 5, 4),
            ("2024-05", 5, 5),
        ]);
        let f = sudden_start(&quiet, &th).unwrap();
        assert_eq!(f.figures["first_flagged_month"], "2024-04");
        assert_eq!(f.figures["rows_before"], 15);
        let steady = months(&[("2024-01", 5, 5), ("2024-02", 5, 5), ("2024-03", 5, 5)]);
        assert!(sudden_start(&steady, &th).is_none());
        let short = months(&[("2024-01", 5, 0), ("2024-02", 5, 5)]);
        assert!(sudden_start(&short, &th).is_none());
        let trickle = months(&[
            ("2024-01", 50, 0),
            ("2024-02", 50, 0),
            ("2024-03", 50, 0),
            ("2024-04", 50, 1),
        ]);
        assert!(
            sudden_start(&trickle, &th).is_none(),
            "one row in 50 is no start"
        );
    }
}
