//! Company names as declarations write them, reduced to comparable tokens.
//!
//! A name goes through these steps, each undoing one way the same company is
//! written differently:
//!
//! 1. the crate's text normaliser ([`crate::normalize::Normalized`], without
//!    its map back to the original, one per thread): NFKC,
//!    case folding, look-alike letters inside mixed-script words, quotes;
//! 2. identifiers with their labels (`ИНН 7701234567`, `OGRN 1027700...`,
//!    `USCC 91310000...`, `统一社会信用代码 ...`) are taken out of the name;
//! 3. punctuation and quotes become spaces (dots are dropped, so `L.L.C.`
//!    is one token); diacritics are removed (`ŞTİ` → `sti`);
//! 4. legal forms and their words are dropped in every language the lists and
//!    declarations use (`ООО`, `общество с ограниченной ответственностью`,
//!    `LLC`, `CO., LTD`, `GmbH`, `TOO`, `ОсОО`, `MChJ`, `FZE`, `A.Ş.`,
//!    `SAN. VE TİC. LTD. ŞTİ.`, `有限公司`, `TRADING`...), unless nothing else
//!    would remain;
//! 5. every token becomes a *skeleton*: Cyrillic (Russian, Kazakh, Kyrgyz,
//!    Uzbek letters) is transliterated to Latin, and the Latin spellings that
//!    the transliteration systems of `reference/transliteration.md` disagree
//!    on are folded together (`kh`/`h`/`x`, `ts`/`tz`/`cz`, `j`/`y`/`i`,
//!    `ya`/`ja`/`ia`, `-yj`/`-iy`/`-ij`, doubled letters...). A Chinese run
//!    loses its legal suffix and becomes its pinyin without tones (one
//!    token), so that a character typed in place of another of the same sound
//!    (the usual input-method slip, `博` for `波`) changes nothing.
//!
//! The token order is not kept in the keys (sorted), so `ROMASHKA SIBIR` and
//! `СИБИРЬ РОМАШКА` compare equal.

use crate::normalize::Normalized;
use std::cell::RefCell;
use std::collections::HashMap;
use unicode_normalization::char::is_combining_mark;
use unicode_normalization::UnicodeNormalization;

/// A name reduced for comparison.
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct NameKey {
    /// The case- and width-folded text, whitespace collapsed (for `exact`).
    pub folded: String,
    /// Tokens after legal forms were removed, before transliteration, in order.
    pub tokens: Vec<String>,
    /// The skeleton of each token, in the same order.
    pub skeletons: Vec<String>,
    /// Identifiers found in the text, canonical (upper-case letters and digits).
    pub identifiers: Vec<String>,
}

impl NameKey {
    /// The tokens, sorted and joined by a space (for `normalised`).
    pub fn norm_key(&self) -> String {
        sorted_join(&self.tokens)
    }

    /// The skeletons, sorted and joined by a space (for `transliterated`).
    pub fn skeleton_key(&self) -> String {
        sorted_join(&self.skeletons)
    }
}

fn sorted_join(v: &[String]) -> String {
    let mut s: Vec<&str> = v.iter().map(String::as_str).collect();
    s.sort_unstable();
    s.join(" ")
}

/// Labels that announce an identifier in a party field, folded and without
/// dots (`ИНН`, `И.Н.Н.`, `INN`, `OGRN`, `UNP`, `BIN`, `USCC`, `VKN`, `TRN`...).
const ID_LABELS: &[&str] = &[
    "инн",
    "inn",
    "огрн",
    "ogrn",
    "огрнип",
    "ogrnip",
    "кпп",
    "kpp",
    "бин",
    "bin",
    "иин",
    "iin",
    "унп",
    "unp",
    "стир",
    "stir",
    "uscc",
    "vkn",
    "tckn",
    "trn",
    "tin",
    "ein",
    "vat",
    "统一社会信用代码",
    "信用代码",
    "税号",
    "регномер",
    "regno",
];

/// Legal forms and their words, folded, without dots and diacritics. A token
/// in this list is dropped from the name (unless nothing else remains).
pub const LEGAL_FORMS: &[&str] = &[
    // Russian and other CIS forms, in Cyrillic and in their Latin spellings
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "нао",
    "одо",
    "тоо",
    "осоо",
    "ип",
    "чп",
    "чуп",
    "уп",
    "гуп",
    "муп",
    "фгуп",
    "тд",
    "жшс",
    "маж",
    "мчж",
    "хк",
    "ук",
    "нпо",
    "нпп",
    "пк",
    "кфх",
    "ooo",
    "oao",
    "zao",
    "pao",
    "ao",
    "nao",
    "odo",
    "too",
    "osoo",
    "ip",
    "chp",
    "td",
    "mchj",
    "xk",
    "npo",
    "npp",
    "jshs",
    "общество",
    "ограниченной",
    "ответственностью",
    "акционерное",
    "закрытое",
    "открытое",
    "публичное",
    "непубличное",
    "товарищество",
    "компания",
    "корпорация",
    "предприятие",
    "частное",
    "унитарное",
    "индивидуальный",
    "предприниматель",
    "торговый",
    "дом",
    "с",
    "obshchestvo",
    "ogranichennoy",
    "otvetstvennostyu",
    "aktsionernoe",
    "mas'uliyati",
    "masuliyati",
    "cheklangan",
    "jamiyati",
    "aksiyadorlik",
    // English and other Latin forms
    "llc",
    "ltd",
    "limited",
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "plc",
    "llp",
    "lp",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "pte",
    "pvt",
    "private",
    "public",
    "joint",
    "stock",
    "liability",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "ohg",
    "ug",
    "eg",
    "sa",
    "sarl",
    "srl",
    "spa",
    "bv",
    "nv",
    "oy",
    "ab",
    "as",
    "sti",
    "sirketi",
    "anonim",
    "limitet",
    "sanayi",
    "ticaret",
    "san",
    "tic",
    "ve",
    "dis",
    "fze",
    "fzco",
    "fzc",
    "fzllc",
    "fz",
    "dmcc",
    "est",
    "establishment",
    "general",
    "trading",
    "trade",
    "the",
    "and",
    "of",
    // Chinese, as separate tokens
    "有限公司",
    "有限责任公司",
    "股份有限公司",
    "公司",
    "集团",
    "贸易",
];

type FxSet<T> = std::collections::HashSet<T, std::hash::BuildHasherDefault<super::Fx>>;

fn legal_forms() -> &'static FxSet<&'static str> {
    static SET: std::sync::OnceLock<FxSet<&'static str>> = std::sync::OnceLock::new();
    SET.get_or_init(|| LEGAL_FORMS.iter().copied().collect())
}

/// True when the token holds a Chinese character (its skeleton is pinyin).
pub fn is_han_token(t: &str) -> bool {
    t.chars().any(is_han)
}

/// Chinese legal suffixes, removed from the end of a Han run, longest first.
const HAN_SUFFIXES: &[&str] = &[
    "股份有限公司",
    "有限责任公司",
    "集团有限公司",
    "有限公司",
    "集团公司",
    "公司",
    "集团",
];

/// Generic trade words at the end of a Chinese name (trading, import and
/// export, international), removed like `TRADING` when four characters or
/// more remain.
const HAN_GENERIC: &[&str] = &["贸易", "进出口", "国际", "商贸"];

/// Per-thread scratch of [`analyse`]: the normaliser's buffers, the flat
/// key the name is analysed into, and the skeletons of tokens already seen
/// (a list of a million names has a few tens of thousands of distinct words).
#[derive(Default)]
pub(crate) struct Scratch {
    norm: Normalized,
    /// The name after quotes, punctuation and diacritics, words space-separated.
    raw: String,
    /// Each word's span in `raw`.
    words: Vec<(u32, u32)>,
    /// The tokens before legal forms are dropped, and where each ends.
    kept: String,
    kept_ends: Vec<u32>,
    /// Whether each kept token is a legal form.
    forms: Vec<bool>,
    skeletons: HashMap<String, String, std::hash::BuildHasherDefault<super::Fx>>,
    /// The last name analysed.
    pub(crate) key: FlatKey,
}

/// A name's [`NameKey`] in flat buffers, reused from name to name (no
/// allocation per name once the buffers have grown).
#[derive(Default)]
pub(crate) struct FlatKey {
    /// As [`NameKey::folded`].
    pub(crate) folded: String,
    /// The tokens one after another; token `i` ends at `tok_ends[i]`.
    toks: String,
    tok_ends: Vec<u32>,
    /// The skeletons one after another; skeleton `i` ends at `skel_ends[i]`.
    skels: String,
    skel_ends: Vec<u32>,
    /// As [`NameKey::identifiers`].
    pub(crate) identifiers: Vec<String>,
    /// Scratch of the sorted keys.
    order: Vec<u32>,
    joined: String,
}

fn span(ends: &[u32], i: usize) -> (usize, usize) {
    let s = if i == 0 { 0 } else { ends[i - 1] as usize };
    (s, ends[i] as usize)
}

impl FlatKey {
    /// The number of tokens (and skeletons).
    pub(crate) fn len(&self) -> usize {
        self.tok_ends.len()
    }

    /// Token `i`, before transliteration.
    pub(crate) fn token(&self, i: usize) -> &str {
        let (s, e) = span(&self.tok_ends, i);
        &self.toks[s..e]
    }

    /// The skeleton of token `i`.
    pub(crate) fn skeleton(&self, i: usize) -> &str {
        let (s, e) = span(&self.skel_ends, i);
        &self.skels[s..e]
    }

    /// The hash of the sorted skeletons joined by a space (of
    /// [`NameKey::skeleton_key`]).
    pub(crate) fn skeleton_hash(&mut self) -> u64 {
        self.sorted_hash(true)
    }

    /// The hash of the sorted tokens joined by a space (of [`NameKey::norm_key`]).
    pub(crate) fn norm_hash(&mut self) -> u64 {
        self.sorted_hash(false)
    }

    fn sorted_hash(&mut self, skel: bool) -> u64 {
        let FlatKey {
            toks,
            tok_ends,
            skels,
            skel_ends,
            order,
            joined,
            ..
        } = self;
        let (text, ends) = if skel {
            (&*skels, &*skel_ends)
        } else {
            (&*toks, &*tok_ends)
        };
        let at = |i: u32| {
            let (s, e) = span(ends, i as usize);
            &text[s..e]
        };
        order.clear();
        order.extend(0..ends.len() as u32);
        order.sort_unstable_by(|&x, &y| at(x).cmp(at(y)));
        joined.clear();
        for (n, &i) in order.iter().enumerate() {
            if n > 0 {
                joined.push(' ');
            }
            joined.push_str(at(i));
        }
        super::fx_hash(joined)
    }

    /// The key as owned strings.
    pub(crate) fn to_key(&self) -> NameKey {
        NameKey {
            folded: self.folded.clone(),
            tokens: (0..self.len()).map(|i| self.token(i).to_string()).collect(),
            skeletons: (0..self.len())
                .map(|i| self.skeleton(i).to_string())
                .collect(),
            identifiers: self.identifiers.clone(),
        }
    }
}

/// The skeleton memo is cleared when it holds more tokens than this (a dump's
/// party fields bring words without end).
const SKELETON_MEMO: usize = 1 << 16;

thread_local! {
    static SCRATCH: RefCell<Scratch> = RefCell::new(Scratch::default());
}

/// Runs `f` with this thread's scratch (not reentrant).
pub(crate) fn with_scratch<R>(f: impl FnOnce(&mut Scratch) -> R) -> R {
    SCRATCH.with(|s| f(&mut s.borrow_mut()))
}

/// Reduces a name (a list alias or a party field) to its comparison key.
///
/// ```
/// use dualuse::watchlist::names::analyse;
/// let a = analyse("ООО \"Ромашка-Сибирь\" ИНН 7701234567");
/// let b = analyse("ROMASHKA SIBIR LLC");
/// assert_eq!(a.skeleton_key(), b.skeleton_key());
/// assert_eq!(a.identifiers, ["7701234567"]);
/// ```
pub fn analyse(text: &str) -> NameKey {
    with_scratch(|s| {
        analyse_into(text, s);
        s.key.to_key()
    })
}

/// [`analyse`] into `s.key`, with no allocation once the buffers have grown
/// (a Chinese word, an identifier and a token seen for the first time
/// allocate).
pub(crate) fn analyse_into(text: &str, s: &mut Scratch) {
    let Scratch {
        norm,
        raw,
        words,
        kept,
        kept_ends,
        forms: is_form,
        skeletons: memo,
        key,
    } = s;
    norm.normalize_lazy(text);
    key.folded.clear();
    key.folded.push_str(norm.as_str());
    raw.clear();
    let folded = key.folded.as_str();
    let mut prev: Option<char> = None;
    let mut it = folded.chars().peekable();
    while let Some(c) = it.next() {
        let p = prev.replace(c);
        if matches!(c, '\'' | '`' | 'ʼ' | '’') {
            // Inside a word (`O'NEIL`, GOST's soft sign) it goes; between
            // words it is a quote, and quotes separate.
            let inside = p.is_some_and(char::is_alphanumeric)
                && it.peek().is_some_and(|n| n.is_alphanumeric());
            if !inside {
                raw.push(' ');
            }
            continue;
        }
        if c.is_ascii_alphanumeric() {
            raw.push(c);
            continue;
        }
        if c == '.' {
            continue;
        }
        if ('\u{0400}'..='\u{04FF}').contains(&c) {
            // Cyrillic keeps `й` and `ў` whole (NFD would split off the breve).
            raw.push(c);
            continue;
        }
        if c == ' ' {
            raw.push(' ');
            continue;
        }
        for d in c.nfd() {
            match d {
                d if is_combining_mark(d) => {}
                '.' => {}
                'ı' => raw.push('i'),
                d if d.is_alphanumeric() => raw.push(d),
                _ => raw.push(' '),
            }
        }
    }
    words.clear();
    let base = raw.as_ptr() as usize;
    words.extend(raw.split_whitespace().map(|w| {
        let s = (w.as_ptr() as usize - base) as u32;
        (s, s + w.len() as u32)
    }));
    let word = |k: usize| words.get(k).map(|&(s, e)| &raw[s as usize..e as usize]);
    key.identifiers.clear();
    kept.clear();
    kept_ends.clear();
    let mut i = 0;
    while i < words.len() {
        let w = word(i).unwrap_or_default();
        let digits_near = |k: usize| word(k).is_some_and(|x| x.bytes().any(|b| b.is_ascii_digit()));
        let label = if digits_near(i) || digits_near(i + 1) {
            ID_LABELS.iter().find(|l| w.starts_with(**l))
        } else {
            None
        };
        if let Some(l) = label {
            let rest = &w[l.len()..];
            if is_identifier(rest) {
                key.identifiers.push(canonical_identifier(rest));
                i += 1;
                continue;
            }
            if rest.is_empty() {
                if let Some(next) = word(i + 1).filter(|n| is_identifier(n)) {
                    key.identifiers.push(canonical_identifier(next));
                    i += 2;
                    continue;
                }
            }
        }
        if is_identifier(w) && w.chars().filter(char::is_ascii_digit).count() >= 8 {
            // An unlabelled registration number (an INN, an 18-character USCC).
            key.identifiers.push(canonical_identifier(w));
            i += 1;
            continue;
        }
        if !w.is_ascii() && w.chars().any(is_han) {
            let mut runs = Vec::new();
            split_han(w, &mut runs);
            for r in runs {
                kept.push_str(&r);
                kept_ends.push(kept.len() as u32);
            }
        } else {
            kept.push_str(w);
            kept_ends.push(kept.len() as u32);
        }
        i += 1;
    }
    let forms = legal_forms();
    let n = kept_ends.len();
    let kept_tok = |i: usize| {
        let (s, e) = span(kept_ends, i);
        &kept[s..e]
    };
    is_form.clear();
    is_form.extend((0..n).map(|i| forms.contains(kept_tok(i))));
    let drop_forms = is_form.contains(&false);
    key.toks.clear();
    key.tok_ends.clear();
    key.skels.clear();
    key.skel_ends.clear();
    if memo.len() > SKELETON_MEMO {
        memo.clear();
    }
    for (i, &form) in is_form.iter().enumerate() {
        if drop_forms && form {
            continue;
        }
        let t = kept_tok(i);
        key.toks.push_str(t);
        key.tok_ends.push(key.toks.len() as u32);
        match memo.get(t) {
            Some(k) => key.skels.push_str(k),
            None => {
                let k = skeleton(t);
                key.skels.push_str(&k);
                memo.insert(t.to_string(), k);
            }
        }
        key.skel_ends.push(key.skels.len() as u32);
    }
}

/// At least six characters, letters and digits only, at least five digits.
fn is_identifier(s: &str) -> bool {
    s.len() >= 6
        && s.chars().all(|c| c.is_ascii_alphanumeric())
        && s.chars().filter(char::is_ascii_digit).count() >= 5
}

/// An identifier as compared: ASCII letters upper-cased, everything that is
/// not a letter or digit removed (`7701-234-567` → `7701234567`).
pub fn canonical_identifier(s: &str) -> String {
    s.chars()
        .filter(char::is_ascii_alphanumeric)
        .map(|c| c.to_ascii_uppercase())
        .collect()
}

fn is_han(c: char) -> bool {
    matches!(c as u32, 0x3400..=0x4DBF | 0x4E00..=0x9FFF | 0xF900..=0xFAFF | 0x20000..=0x2FA1F)
}

/// Splits a word into its Han and non-Han runs; a Han run loses its legal
/// suffix (`深圳华信科技有限公司` → `深圳华信科技`).
fn split_han(w: &str, out: &mut Vec<String>) {
    if !w.chars().any(is_han) {
        out.push(w.to_string());
        return;
    }
    let mut run = String::new();
    let mut han = false;
    for c in w.chars() {
        if is_han(c) != han && !run.is_empty() {
            push_run(&mut run, han, out);
        }
        han = is_han(c);
        run.push(c);
    }
    push_run(&mut run, han, out);
}

fn push_run(run: &mut String, han: bool, out: &mut Vec<String>) {
    let mut s = std::mem::take(run);
    if han {
        // A run that is only a legal form stays whole (and is dropped as one).
        while !HAN_SUFFIXES.contains(&s.as_str()) {
            let n = s.chars().count();
            let legal = HAN_SUFFIXES
                .iter()
                .find(|suf| s.ends_with(**suf) && n > suf.chars().count());
            let generic = || {
                HAN_GENERIC
                    .iter()
                    .find(|suf| s.ends_with(**suf) && n >= suf.chars().count() + 4)
            };
            let Some(suf) = legal.or_else(generic) else {
                break;
            };
            s.truncate(s.len() - suf.len());
        }
    }
    if !s.is_empty() {
        out.push(s);
    }
}

/// Cyrillic letter to Latin (a BGN/PCGN-like base; the skeleton then folds
/// the other systems' spellings onto it). Kazakh, Kyrgyz, Uzbek, Ukrainian
/// and Belarusian letters included.
fn cyr_to_lat(c: char) -> Option<&'static str> {
    Some(match c {
        'а' | 'ә' => "a",
        'б' => "b",
        'в' => "v",
        'г' | 'ғ' | 'ґ' => "g",
        'д' => "d",
        'е' | 'э' | 'є' => "e",
        'ё' => "yo",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'ї' => "i",
        'й' => "y",
        'к' | 'қ' => "k",
        'л' => "l",
        'м' => "m",
        'н' | 'ң' => "n",
        'о' | 'ө' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ұ' | 'ү' | 'ў' => "u",
        'ф' => "f",
        'х' | 'һ' | 'ҳ' => "kh",
        'ц' => "ts",
        'ч' => "ch",
        'ш' => "sh",
        'щ' => "shch",
        'ъ' | 'ь' => "",
        'ы' => "y",
        'ю' => "yu",
        'я' => "ya",
        _ => return None,
    })
}

/// Transliterates Cyrillic to Latin and Chinese characters to pinyin
/// without tones, leaving other characters as they are.
///
/// ```
/// use dualuse::watchlist::names::transliterate;
/// assert_eq!(transliterate("технопромэкспорт"), "tekhnopromeksport");
/// assert_eq!(transliterate("深圳华信"), "shenzhenhuaxin");
/// ```
pub fn transliterate(s: &str) -> String {
    use pinyin::ToPinyin;
    let mut out = String::with_capacity(s.len());
    for c in s.chars() {
        if let Some(l) = cyr_to_lat(c) {
            out.push_str(l);
        } else if let Some(p) = is_han(c).then(|| c.to_pinyin()).flatten() {
            out.push_str(p.plain());
        } else {
            out.push(c);
        }
    }
    out
}

/// The skeleton of one token: transliterated, then the spellings that
/// transliteration systems disagree on folded together. Equal skeletons mean
/// "the same word, transliterated another way".
///
/// ```
/// use dualuse::watchlist::names::skeleton;
/// assert_eq!(skeleton("кузнецов"), skeleton("KUZNETZOV"));
/// assert_eq!(skeleton("кузнецов"), skeleton("kuzneczov")); // GOST 7.79 B
/// assert_eq!(skeleton("хабаровский"), skeleton("khabarovskij"));
/// assert_eq!(skeleton("хабаровский"), skeleton("habarovskiy"));
/// assert_eq!(skeleton("юнион"), skeleton("junion"));
/// ```
pub fn skeleton(token: &str) -> String {
    let t = if token.chars().any(char::is_uppercase) {
        transliterate(&token.to_lowercase())
    } else {
        transliterate(token)
    };
    if !t.is_ascii() {
        return t;
    }
    let b = t.as_bytes();
    // Multi-letter spellings become one placeholder letter (upper case, so
    // that no Latin letter of the input can produce it).
    let mut s: Vec<u8> = Vec::with_capacity(b.len());
    let mut i = 0;
    while i < b.len() {
        let rest = &b[i..];
        let (out, n): (&[u8], usize) = if rest.starts_with(b"shch") {
            (b"S", 4)
        } else if rest.starts_with(b"shh") {
            (b"S", 3) // GOST 7.79 B `щ`
        } else if rest.starts_with(b"sch") || rest.starts_with(b"sh") {
            (b"S", if rest[1] == b'c' { 3 } else { 2 })
        } else if rest.starts_with(b"tch") {
            (b"C", 3)
        } else if rest.starts_with(b"ch") {
            (b"C", 2)
        } else if rest.starts_with(b"zh") {
            (b"z", 2)
        } else if rest.starts_with(b"kh") {
            (b"H", 2)
        } else if (rest.starts_with(b"ts") || rest.starts_with(b"tz") || rest.starts_with(b"cz"))
            && rest.get(2) != Some(&b'h')
        {
            // `ц`: folded with `s`, as GOST's `c` before `e`/`i` reads.
            (b"s", 2)
        } else if rest.starts_with(b"ph") {
            (b"f", 2)
        } else if rest.starts_with(b"ck") {
            (b"k", 2)
        } else if rest.starts_with(b"ou") {
            (b"u", 2)
        } else {
            let c = rest[0];
            let m: &[u8] = match c {
                b'x' => b"H",
                b'h' => b"H",
                b'w' => b"v",
                b'q' => b"k",
                b'j' | b'y' => b"i",
                // English `c` is `k` before a back vowel, `l`, `r` or `t`
                // (`vector` = `вектор`); elsewhere it is GOST's `ц`.
                b'c' => match rest.get(1) {
                    Some(b'a' | b'o' | b'u' | b'l' | b'r' | b't') | None => b"k",
                    _ => b"s",
                },
                b'\'' | b'`' | b'"' => b"",
                _ => std::slice::from_ref(&rest[0]),
            };
            (m, 1)
        };
        s.extend_from_slice(out);
        i += n;
    }
    // `i` before a vowel is the glide of я, ю, е, ё (`ya`, `ja`, `ia`, `a`).
    let mut v: Vec<u8> = Vec::with_capacity(s.len());
    for (k, &c) in s.iter().enumerate() {
        if c == b'i' && matches!(s.get(k + 1), Some(b'a' | b'e' | b'o' | b'u')) {
            continue;
        }
        if v.last() == Some(&c) {
            continue; // doubled letters, `ii` of `-ij`/`-yj`/`-iy`
        }
        v.push(c);
    }
    String::from_utf8(v).unwrap_or_default()
}

/// Edit distance between two strings, by characters: insertions,
/// deletions, substitutions and swaps of two neighbours each cost one (the
/// optimal string alignment distance; a typed swap is one typo).
pub fn levenshtein(a: &str, b: &str) -> usize {
    let a: Vec<char> = a.chars().collect();
    let b: Vec<char> = b.chars().collect();
    if a.is_empty() || b.is_empty() {
        return a.len().max(b.len());
    }
    let w = b.len() + 1;
    let mut d = vec![0usize; (a.len() + 1) * w];
    for (j, cell) in d.iter_mut().enumerate().take(w) {
        *cell = j;
    }
    for i in 1..=a.len() {
        d[i * w] = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (d[(i - 1) * w + j - 1] + cost)
                .min(d[(i - 1) * w + j] + 1)
                .min(d[i * w + j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(d[(i - 2) * w + j - 2] + 1);
            }
            d[i * w + j] = v;
        }
    }
    d[a.len() * w + b.len()]
}

/// The edit distance of [`levenshtein`] when it is at most `max`, else
/// `None`: only the diagonal band of width `2 * max + 1` is computed, and the
/// search stops as soon as a row exceeds `max` (Ukkonen's cut-off). Works on
/// bytes; skeletons are ASCII.
pub fn osa_within(a: &[u8], b: &[u8], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    if a.is_empty() || b.is_empty() {
        return Some(a.len().max(b.len()));
    }
    const W: usize = 65;
    if b.len() >= W {
        let d = levenshtein(
            std::str::from_utf8(a).unwrap_or_default(),
            std::str::from_utf8(b).unwrap_or_default(),
        );
        return (d <= max).then_some(d);
    }
    let big = max + 1;
    // Three rows of the matrix (i-2, i-1, i), each as long as `b` plus one.
    let mut rows = [[big; W]; 3];
    for (j, cell) in rows[0].iter_mut().enumerate().take(b.len() + 1) {
        *cell = j.min(big);
    }
    for i in 1..=a.len() {
        let (cur, prev, prev2) = (i % 3, (i + 2) % 3, (i + 1) % 3);
        let lo = i.saturating_sub(max).max(1);
        let hi = (i + max).min(b.len());
        rows[cur] = [big; W];
        if lo == 1 {
            rows[cur][0] = i.min(big);
        }
        let mut row_min = if lo == 1 { rows[cur][0] } else { big };
        for j in lo..=hi {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[prev][j - 1] + cost)
                .min(rows[prev][j] + 1)
                .min(rows[cur][j - 1] + 1);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[prev2][j - 2] + 1);
            }
            let v = v.min(big);
            rows[cur][j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
    }
    let d = rows[a.len() % 3][b.len()];
    (d <= max).then_some(d)
}

/// Similarity of two tokens in 0..1: one minus the Levenshtein distance over
/// the longer length (rapidfuzz's `ratio` family, by characters).
pub fn similarity(a: &str, b: &str) -> f64 {
    if a == b {
        return 1.0;
    }
    let n = a.chars().count().max(b.chars().count());
    if n == 0 {
        return 1.0;
    }
    1.0 - levenshtein(a, b) as f64 / n as f64
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn legal_forms_are_dropped_in_every_language() {
        let cases: &[(&str, &str)] = &[
            ("ООО \"РОМАШКА\"", "ромашка"),
            (
                "Общество с ограниченной ответственностью «Ромашка»",
                "ромашка",
            ),
            ("ROMASHKA LLC", "romashka"),
            ("ROMASHKA CO., LTD.", "romashka"),
            ("Romashka GmbH", "romashka"),
            ("ТОО \"АЛТЫН\"", "алтын"),
            ("ОсОО Алтын", "алтын"),
            ("ALTYN MCHJ", "altyn"),
            ("ALTIN DIŞ TİC. LTD. ŞTİ.", "altin"),
            ("ALTIN SAN. VE TİC. A.Ş.", "altin"),
            ("AL NOOR GENERAL TRADING L.L.C", "al noor"),
            ("AL NOOR FZE", "al noor"),
            ("深圳华信科技有限公司", "深圳华信科技"),
            ("深圳华信科技有限责任公司", "深圳华信科技"),
            ("\"深圳华信科技\"有限责任公司", "深圳华信科技"),
            ("深圳华信贸易有限公司", "深圳华信"),
            ("\"深圳华信\"贸易有限公司", "深圳华信"),
            ("ROMASHKA'S 'SIBIR'", "romashkas sibir"),
            ("ООО", "ооо"),
        ];
        for (input, want) in cases {
            assert_eq!(analyse(input).tokens.join(" "), *want, "{input}");
        }
    }

    #[test]
    fn identifiers_are_taken_out_of_the_name() {
        let k = analyse("ООО \"РОМАШКА\" ИНН 7701234567 ОГРН:1027700132195");
        assert_eq!(k.tokens, ["ромашка"]);
        assert_eq!(k.identifiers, ["7701234567", "1027700132195"]);
        let k = analyse("HUAXIN CO LTD USCC 91440300MA5F0XXX1K");
        assert_eq!(k.identifiers, ["91440300MA5F0XXX1K"]);
        let k = analyse("ROMASHKA INN7701234567");
        assert_eq!(k.identifiers, ["7701234567"]);
        // a short number stays part of the name
        assert_eq!(analyse("ZAVOD 17").tokens, ["zavod", "17"]);
    }

    /// Every transliteration system of `reference/transliteration.md` gives
    /// the skeleton of the Cyrillic word.
    #[test]
    fn transliteration_systems_share_a_skeleton() {
        let groups: &[&[&str]] = &[
            &["щукин", "shchukin", "schukin", "shukin"],
            &["жуков", "zhukov", "zukov"],
            &["хлебпром", "khlebprom", "hlebprom", "xlebprom"],
            &["цветмет", "tsvetmet", "cvetmet", "tzvetmet", "czvetmet"],
            &["чайка", "chajka", "chaika", "chayka", "tchaika"],
            &["юность", "yunost", "junost", "iunost", "yunost'"],
            &["заря", "zarya", "zarja", "zaria"],
            &["енисей", "enisei", "yenisey", "jenisej", "enisej"],
            &["новый", "novyj", "novyy", "novyi", "noviy", "novy"],
            &["синий", "sinij", "siniy", "sinii", "sini"],
            &["вольфрам", "volfram", "wolfram"],
            &["объединение", "obedinenie", "obyedinenie", "ob'edinenie"],
            &["алтын", "altyn", "altin"],
            &["радиомонтаж", "radiomontazh", "radiomontaz"],
            &["сәулет", "saulet"],
        ];
        for g in groups {
            let want = skeleton(g[0]);
            for v in &g[1..] {
                assert_eq!(skeleton(v), want, "{v} vs {}", g[0]);
            }
        }
    }

    #[test]
    fn different_words_keep_different_skeletons() {
        for (a, b) in [
            ("ромашка", "ромаша"),
            ("сибирь", "сибур"),
            ("альфа", "альта"),
            ("техно", "текно"), // `х` and `к` stay apart
        ] {
            assert_ne!(skeleton(a), skeleton(b), "{a} {b}");
        }
    }

    #[test]
    fn similarity_and_levenshtein() {
        assert_eq!(levenshtein("kitten", "sitting"), 3);
        assert_eq!(levenshtein("", "abc"), 3);
        assert_eq!(levenshtein("深圳华信", "深圳华新"), 1);
        assert_eq!(skeleton("宁波博华"), skeleton("宁波波华"));
        assert_ne!(skeleton("宁波博华"), skeleton("宁波康华"));
        assert_eq!(levenshtein("avtostroi", "atvostroi"), 1);
        assert!((similarity("romashka", "romahska") - 0.875).abs() < 1e-9);
        assert!((similarity("romashka", "romaska") - 0.875).abs() < 1e-9);
        assert_eq!(similarity("a", "a"), 1.0);
    }
}

#[cfg(test)]
mod props {
    use super::*;
    use proptest::prelude::*;

    proptest! {
        /// The banded distance agrees with the full one wherever it answers.
        #[test]
        fn banded_distance_agrees(a in "[a-e]{0,12}", b in "[a-e]{0,12}", max in 0usize..5) {
            let full = levenshtein(&a, &b);
            let got = osa_within(a.as_bytes(), b.as_bytes(), max);
            prop_assert_eq!(got, (full <= max).then_some(full));
        }

        /// Token order, case, quotes and spacing never change the keys.
        #[test]
        fn order_case_quotes_and_spacing_do_not_matter(
            // One script per word: a mixed-script word is folded by case-dependent
            // look-alike rules (`вaa` vs `ВAA`), which is the normaliser's business.
            words in prop::collection::vec(prop_oneof!["[a-z]{3,8}", "[а-я]{3,8}"], 1..4),
            upper in any::<bool>(),
        ) {
            let a = words.join(" ");
            let mut rev = words.clone();
            rev.reverse();
            let mut b = format!("«{}»  ", rev.join("   "));
            if upper {
                b = b.to_uppercase();
            }
            prop_assert_eq!(analyse(&a).skeleton_key(), analyse(&b).skeleton_key());
        }

        /// Transliterating a Cyrillic word never changes its skeleton.
        #[test]
        fn transliteration_preserves_the_skeleton(w in "[а-яё]{1,12}") {
            prop_assert_eq!(skeleton(&w), skeleton(&transliterate(&w)));
        }

        /// Any text at all is analysed without panicking, and a key never
        /// holds an empty token.
        #[test]
        fn analysis_is_total(s in "\\PC{0,40}") {
            let k = analyse(&s);
            prop_assert!(k.tokens.iter().all(|t| !t.is_empty()));
            prop_assert_eq!(k.tokens.len(), k.skeletons.len());
        }

        #[test]
        fn levenshtein_is_a_metric(a in "[a-dа-г]{0,8}", b in "[a-dа-г]{0,8}") {
            let d = levenshtein(&a, &b);
            prop_assert_eq!(d, levenshtein(&b, &a));
            prop_assert_eq!(d == 0, a == b);
            prop_assert!(d <= a.chars().count().max(b.chars().count()));
        }
    }
}

#[cfg(test)]
mod lazy_oracle {
    use crate::normalize::{normalize_str, Normalized};

    /// The per-thread normaliser without its map folds names exactly as
    /// `normalize_str` (the normaliser with its map) does.
    #[test]
    fn lazy_normalising_equals_the_full_normaliser_on_generated_names() {
        let es = super::super::synth::entities(3_000, 5);
        let mut rng = super::super::synth::Rng::new(9);
        let mut n = Normalized::new();
        let mut bad = Vec::new();
        for e in &es {
            let party = super::super::synth::true_party(&mut rng, e);
            for s in std::iter::once(&e.name).chain(&e.aliases).chain([&party]) {
                n.normalize_lazy(s);
                if n.as_str() != normalize_str(s) {
                    bad.push(format!("{s}: {} / {}", n.as_str(), normalize_str(s)));
                }
            }
        }
        assert!(bad.is_empty(), "{}", bad[..bad.len().min(10)].join("\n"));
    }
}
