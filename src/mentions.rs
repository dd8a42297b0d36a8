//! Head and mention: which words of a description name the goods, and which
//! name a part, an accessory or a purpose of them.
//!
//! "Pump with ceramic bearings" declares a pump; "bracket for a WiFi router"
//! declares a bracket. The words after a *marker* (`for`, `with`, `для`,
//! `с`, `für`, `mit`, `用于`, `带` ...) up to the next clause break (`,`
//! `;` `:` brackets, `|`, `、`, `。`, a full stop before a space, the edge of
//! a text column) form a *mention region*. Chinese puts the modifier before
//! the head: in `无人机用电池` (a battery for drones) the region is the
//! words before `用`, and a region opened by a Chinese marker also ends at
//! `的` (`用于无人机的电池`, `带热成像的无人机`: the head follows `的`).
//!
//! A rule whose every term and pattern match lies inside a mention region
//! is a *mention* ([`Screening::mentions`](crate::Screening::mentions)),
//! unless it is a kit part: see DESIGN.md, "Why are some matches only
//! mentions?", for the decision table.
//!
//! The markers are grammar, not control-list facts, so they are a table
//! here ([`MARKERS`], [`NOT_MARKERS`]) rather than a rule file: they apply
//! to every rule set alike, a rule set cannot override them, and the
//! Chinese `X用Y` form and the `的` end need code anyway. `tests/mentions.rs`
//! checks every marker on lines of its language.

use crate::normalize::{boundary_after, boundary_before, is_word_char};
use crate::result::Hit;
use aho_corasick::AhoCorasick;
use std::sync::LazyLock;

/// What a marker says about the words it governs.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum MentionKind {
    /// A purpose or a fit (`for`, `для`, `für`, `用于`, `X用Y`, `parts of`):
    /// the goods named are what the declared goods serve. Never goods of
    /// the line.
    Purpose,
    /// An accompaniment (`with`, `с`, `mit`, `带`, `including`): the goods
    /// named come with the declared goods. Where the head is itself listed
    /// goods, listed goods named here are a kit part and stay hits.
    With,
}

/// Where a marker's region lies.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Direction {
    /// From the marker's end to the next clause break.
    After,
    /// From the previous clause break or space to the marker (Chinese
    /// `无人机用电池`).
    Before,
}

/// One marker word, as it stands in normalised text (lower case, `ß` as
/// `ss`).
#[derive(Clone, Copy, Debug)]
pub struct Marker {
    /// The marker.
    pub text: &'static str,
    /// What it says.
    pub kind: MentionKind,
    /// Where its region lies.
    pub direction: Direction,
    /// ISO 639-1 code of its language (`en`, `ru`, `de`, `zh`).
    pub lang: &'static str,
}

const fn after(text: &'static str, kind: MentionKind, lang: &'static str) -> Marker {
    Marker {
        text,
        kind,
        direction: Direction::After,
        lang,
    }
}

use MentionKind::{Purpose as P, With as W};

/// The markers. Latin and Cyrillic markers match on word boundaries (a
/// marker that ends in `.` or `/` needs none after it); Chinese ones need
/// none. Overlapping markers (`parts of` and `of`...) simply open the same
/// region.
pub const MARKERS: &[Marker] = &[
    // English
    after("for", P, "en"),
    after("used in", P, "en"),
    after("used on", P, "en"),
    after("parts of", P, "en"),
    after("part of", P, "en"),
    after("compatible with", P, "en"),
    after("fits", P, "en"),
    after("with", W, "en"),
    after("w/", W, "en"),
    after("c/w", W, "en"),
    after("including", W, "en"),
    after("incl.", W, "en"),
    after("incl", W, "en"),
    after("containing", W, "en"),
    // Russian
    after("для", P, "ru"),
    after("запчасти к", P, "ru"),
    after("части к", P, "ru"),
    after("аксессуары к", P, "ru"),
    after("комплектующие к", P, "ru"),
    after("принадлежности к", P, "ru"),
    after("с", W, "ru"),
    after("со", W, "ru"),
    after("включая", W, "ru"),
    after("в т.ч.", W, "ru"),
    after("в том числе", W, "ru"),
    after("оснащен", W, "ru"),
    after("оснащена", W, "ru"),
    after("оснащенный", W, "ru"),
    after("оснащенная", W, "ru"),
    after("оснащенное", W, "ru"),
    after("оснащенные", W, "ru"),
    // German
    after("für", P, "de"),
    after("fuer", P, "de"),
    after("mit", W, "de"),
    after("inkl.", W, "de"),
    after("inkl", W, "de"),
    after("inklusive", W, "de"),
    after("einschliesslich", W, "de"),
    // Chinese
    after("用于", P, "zh"),
    after("适用于", P, "zh"),
    after("适用", P, "zh"),
    after("用在", P, "zh"),
    after("适配", P, "zh"),
    Marker {
        text: "用",
        kind: P,
        direction: Direction::Before,
        lang: "zh",
    },
    after("带", W, "zh"),
    after("带有", W, "zh"),
    after("附带", W, "zh"),
    after("配", W, "zh"),
    after("配有", W, "zh"),
    after("配备", W, "zh"),
    after("含", W, "zh"),
    after("包含", W, "zh"),
    after("包括", W, "zh"),
    after("内含", W, "zh"),
];

/// Chinese words that hold a one-character marker without being one: a
/// marker inside one of these, or inside a longer marker (`with` in
/// `compatible with`, `用` in `用于`), opens no region. `带宽` is a bandwidth, `皮带` a belt, `配件` a spare
/// part, `使用` "use", `军用` "military".
pub const NOT_MARKERS: &[&str] = &[
    "带宽",
    "皮带",
    "胶带",
    "频带",
    "磁带",
    "腰带",
    "绑带",
    "纽带",
    "丝带",
    "鞋带",
    "表带",
    "链带",
    "拉带",
    "吊带",
    "色带",
    "纸带",
    "传送带",
    "输送带",
    "声带",
    "地带",
    "携带",
    "配件",
    "配置",
    "配套",
    "配合",
    "配方",
    "配电",
    "配送",
    "配对",
    "分配",
    "匹配",
    "装配",
    "搭配",
    "适配器",
    "配重",
    "配线",
    "含量",
    "使用",
    "通用",
    "专用",
    "应用",
    "作用",
    "采用",
    "利用",
    "费用",
    "用途",
    "用户",
    "信用",
    "实用",
    "常用",
    "备用",
    "可用",
    "耐用",
    "运用",
    "试用",
    "选用",
    "军用",
    "民用",
    "家用",
    "商用",
    "功用",
    "食用",
    "用量",
    "用法",
    "引用",
    "占用",
    "启用",
    "停用",
    "禁用",
];

/// Whether `c` ends a mention region (`.` ends one only before a space or
/// the end of the text, and `的` only a region of a Chinese marker: see
/// [`ends_region`]).
pub fn is_break(c: char) -> bool {
    matches!(
        c,
        ',' | ';'
            | ':'
            | '('
            | ')'
            | '['
            | ']'
            | '{'
            | '}'
            | '|'
            | '、'
            | '。'
            | '!'
            | '?'
            | '\u{E000}'
    )
}

/// Whether the character at byte `i` of `text` ends a region opened by a
/// marker of language `lang`.
pub fn ends_region(text: &str, i: usize, lang: &str) -> bool {
    let mut it = text[i..].chars();
    let Some(c) = it.next() else { return true };
    is_break(c) || (c == '.' && it.next().is_none_or(|n| n == ' ')) || (c == '的' && lang == "zh")
}

/// Whether a marker occurrence at `s..e` stands on word boundaries (Latin
/// and Cyrillic markers; Chinese ones need none).
pub fn marker_bounded(text: &str, s: usize, e: usize, m: &Marker) -> bool {
    if m.lang == "zh" {
        return true;
    }
    let last = m.text.chars().next_back().unwrap_or(' ');
    boundary_before(text, s) && (!is_word_char(last) || boundary_after(text, e))
}

/// The region of a marker at `s..e`, if it opens one: `(start, end, kind)`
/// in bytes of `text`.
pub fn region_of(
    text: &str,
    s: usize,
    e: usize,
    m: &Marker,
) -> Option<(usize, usize, MentionKind)> {
    match m.direction {
        Direction::After => {
            let mut end = e;
            while end < text.len() && !ends_region(text, end, m.lang) {
                end += text[end..].chars().next().map_or(1, char::len_utf8);
            }
            (end > e).then_some((e, end, m.kind))
        }
        Direction::Before => {
            // `X用Y`: something written right before, goods right after.
            let prev = text[..s].chars().next_back()?;
            let next = text[e..].chars().next()?;
            if prev == ' ' || is_break(prev) || next == ' ' || is_break(next) {
                return None;
            }
            let start = text[..s]
                .char_indices()
                .rev()
                .find(|&(_, c)| c == ' ' || is_break(c))
                .map_or(0, |(i, c)| i + c.len_utf8());
            Some((start, s, m.kind))
        }
    }
}

/// At most this many marker occurrences of a line (the first, by position)
/// open regions: a hostile line of ten thousand `с` costs no more than a
/// real one. Matches after them count as head, so the cap can only keep a
/// hit, never hide one.
pub const MAX_MARKERS_PER_LINE: usize = 32;

struct Automaton {
    ac: AhoCorasick,
    /// Patterns `0..MARKERS.len()` are markers, the rest [`NOT_MARKERS`].
    n_markers: usize,
    /// The longest of them, in bytes.
    max_len: usize,
}

static AUTOMATON: LazyLock<Automaton> = LazyLock::new(|| {
    let pats = MARKERS
        .iter()
        .map(|m| m.text)
        .chain(NOT_MARKERS.iter().copied());
    Automaton {
        ac: AhoCorasick::new(pats).expect("the marker table builds"),
        n_markers: MARKERS.len(),
        max_len: MARKERS
            .iter()
            .map(|m| m.text)
            .chain(NOT_MARKERS.iter().copied())
            .map(str::len)
            .max()
            .unwrap_or(0),
    }
});

/// The mention regions of the current line, computed on the first question
/// and kept until [`LineMentions::clear`].
#[derive(Debug, Default)]
pub(crate) struct LineMentions {
    done: bool,
    /// `(start, end, kind)`, by start.
    regions: Vec<(usize, usize, MentionKind)>,
    /// Marker occurrences `(start, end, index into MARKERS)`.
    found: Vec<(usize, usize, usize)>,
    /// Marker and not-marker occurrences, by start.
    covers: Vec<(usize, usize)>,
}

impl LineMentions {
    /// Forgets the previous line.
    pub(crate) fn clear(&mut self) {
        self.done = false;
        self.regions.clear();
    }

    fn compute(&mut self, text: &str) {
        self.done = true;
        self.found.clear();
        self.covers.clear();
        let a = &*AUTOMATON;
        for m in a.ac.find_overlapping_iter(text) {
            let (s, e, i) = (m.start(), m.end(), m.pattern().as_usize());
            if i >= a.n_markers {
                self.covers.push((s, e));
                continue;
            }
            let mk = &MARKERS[i];
            if !marker_bounded(text, s, e, mk) {
                continue;
            }
            self.covers.push((s, e));
            self.found.push((s, e, i));
        }
        self.found.sort_unstable();
        self.found.truncate(MAX_MARKERS_PER_LINE);
        self.covers.sort_unstable();
        for &(s, e, i) in &self.found {
            let mk = &MARKERS[i];
            // A marker inside a longer marker or a word that holds it: the
            // covers that start at most `max_len` bytes before it.
            let from = self.covers.partition_point(|c| c.0 + a.max_len < s);
            let to = self.covers.partition_point(|c| c.0 <= s);
            if self.covers[from..to]
                .iter()
                .any(|&(cs, ce)| cs <= s && e <= ce && ce - cs > e - s)
            {
                continue;
            }
            if let Some(r) = region_of(text, s, e, mk) {
                self.regions.push(r);
            }
        }
        // Of two regions alike, the purpose wins (`compatible with`).
        self.regions
            .sort_by_key(|r| (r.0, r.1, r.2 == MentionKind::Purpose));
    }

    /// The kind of the mention region that holds the match `s..e` whole
    /// (the one opened last, where several do), or `None` where the match
    /// is in the head or reaches out of every region (a term that holds
    /// its marker, `с чпу`, `万用表`).
    pub(crate) fn kind_of(&mut self, text: &str, s: usize, e: usize) -> Option<MentionKind> {
        if !self.done {
            self.compute(text);
        }
        kind_of(&self.regions, s, e)
    }

    /// For a rule's matches: `None` when one is in the head (the rule names
    /// the goods), else `Some(true)` when one lies in a `With` region,
    /// `Some(false)` when all lie in `Purpose` regions. Also `None` for no
    /// matches at all.
    pub(crate) fn only_mentioned(
        &mut self,
        text: &str,
        spans: impl Iterator<Item = (usize, usize)>,
    ) -> Option<bool> {
        let mut with = false;
        let mut any = false;
        for (s, e) in spans {
            any = true;
            match self.kind_of(text, s, e)? {
                MentionKind::With => with = true,
                MentionKind::Purpose => {}
            }
        }
        any.then_some(with)
    }
}

/// The kind of the region, among `regions` (sorted by start, end, then
/// purpose last), that holds `s..e` whole and was opened last.
pub(crate) fn kind_of(
    regions: &[(usize, usize, MentionKind)],
    s: usize,
    e: usize,
) -> Option<MentionKind> {
    regions.iter().rfind(|r| r.0 <= s && e <= r.1).map(|r| r.2)
}

/// Splits the rules whose text matches are all mentions into kit parts
/// (moved to `hits`) and mentions (returned, most severe first). A rule
/// mentioned in a `With` region is a kit part when the head is listed
/// goods: some rule hit on the head text or on the declared code (a drone
/// with a thermal camera, a rifle declared under 9303 with a scope). A
/// purpose (`for`) never makes a kit: a thermal camera *for* a drone is not
/// a drone.
pub(crate) fn resolve(hits: &mut Vec<Hit>, mentioned: Vec<(Hit, bool)>) -> Vec<Hit> {
    let head = !hits.is_empty();
    let mut out = Vec::new();
    for (h, with) in mentioned {
        if with && head {
            hits.push(h);
        } else {
            out.push(h);
        }
    }
    out.sort_by_key(|h| std::cmp::Reverse(h.severity));
    out
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize_str;

    fn regions(line: &str) -> Vec<String> {
        let t = normalize_str(line);
        let mut m = LineMentions::default();
        m.compute(&t);
        m.regions
            .iter()
            .map(|&(s, e, k)| format!("{:?}:{}", k, &t[s..e]))
            .collect()
    }

    #[test]
    fn regions_in_four_languages() {
        assert_eq!(
            regions("PUMP WITH CERAMIC BEARINGS, 220V"),
            ["With: ceramic bearings"]
        );
        assert_eq!(regions("bracket for wifi router"), ["Purpose: wifi router"]);
        assert_eq!(
            regions("НАСОС С КЕРАМИЧЕСКИМИ ПОДШИПНИКАМИ"),
            ["With: керамическими подшипниками"]
        );
        assert_eq!(
            regions("кронштейн для роутера; пластик"),
            ["Purpose: роутера"]
        );
        assert_eq!(regions("Halter für WLAN-Router"), ["Purpose: wlan-router"]);
        assert_eq!(regions("Pumpe mit Keramiklagern"), ["With: keramiklagern"]);
        assert_eq!(regions("无人机用电池"), ["Purpose:无人机"]);
        assert_eq!(regions("用于无人机的电池"), ["Purpose:无人机"]);
        assert_eq!(regions("带热成像的无人机"), ["With:热成像"]);
        assert_eq!(
            regions("server chassis with bays for switches"),
            ["With: bays for switches", "Purpose: switches"]
        );
    }

    #[test]
    fn words_that_hold_a_marker_are_not_markers() {
        assert!(regions("示波器 带宽100MHz").is_empty());
        assert!(regions("无人机配件").is_empty());
        assert!(regions("军用无人机").is_empty());
        assert!(regions("适用于无人机").len() == 1);
        assert!(regions("format withdrawal forward").is_empty());
        assert!(regions("СТАНОК").is_empty());
        // `用` at the start or before a space has nothing to govern.
        assert!(regions("用 电池").is_empty());
    }

    #[test]
    fn markers_past_the_cap_open_no_region() {
        let line = "x с y, ".repeat(MAX_MARKERS_PER_LINE + 8);
        let t = normalize_str(&line);
        let mut m = LineMentions::default();
        // The last `y` follows marker 40: past the cap, so it is head.
        assert_eq!(m.kind_of(&t, t.rfind('y').unwrap(), t.len() - 2), None);
        assert_eq!(
            m.kind_of(&t, t.find('y').unwrap(), t.find('y').unwrap() + 1),
            Some(MentionKind::With)
        );
        assert_eq!(
            m.kind_of(&t, t.find('x').unwrap(), t.find('x').unwrap() + 1),
            None
        );
    }

    #[test]
    fn kind_of_takes_the_latest_region() {
        let t = normalize_str("chassis with bays for switches");
        let mut m = LineMentions::default();
        let at = |w: &str| (t.find(w).unwrap(), t.find(w).unwrap() + w.len());
        let (s, e) = at("bays");
        assert_eq!(m.kind_of(&t, s, e), Some(MentionKind::With));
        let (s, e) = at("switches");
        assert_eq!(m.kind_of(&t, s, e), Some(MentionKind::Purpose));
        assert_eq!(m.kind_of(&t, 0, 7), None);
        // A match that holds its marker reaches out of the region.
        let (s, _) = at("with");
        assert_eq!(m.kind_of(&t, s, s + 9), None);
        assert_eq!(m.only_mentioned(&t, [(0, 7), at("bays")].into_iter()), None);
        assert_eq!(
            m.only_mentioned(&t, [at("bays"), at("switches")].into_iter()),
            Some(true)
        );
        assert_eq!(
            m.only_mentioned(&t, [at("switches")].into_iter()),
            Some(false)
        );
        assert_eq!(m.only_mentioned(&t, std::iter::empty()), None);
    }
}
