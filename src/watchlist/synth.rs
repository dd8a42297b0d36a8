//! A deterministic generator of company watch lists and party strings, for
//! the quality test (`tests/watchlist.rs`) and the bench
//! (`examples/watchlist_bench.rs`). No external data: every name is built
//! from the word pools below with a seeded generator.
//!
//! Entities are Russian (`ООО «Техноснаб Урал»`, with a Latin alias, or
//! listed in Latin only, as OFAC lists them), Central Asian (Kazakh,
//! Kyrgyz, Uzbek forms), Chinese (`深圳华信科技有限公司` with its pinyin
//! English name), Turkish (`Anadolu Makina San. ve Tic. Ltd. Şti.`) and
//! Emirati (`Al Noor Electronics Trading LLC`). Party strings are either true
//! matches, written the ways declarations write them (legal form moved or
//! translated, another transliteration system or the other script, quotes
//! and spacing changed, word order swapped, one typo), or decoys: other
//! companies that share words with a listed one.

use super::names::analyse;
use std::collections::HashSet;

/// A seeded SplitMix64 generator (deterministic on every platform).
#[derive(Clone, Debug)]
pub struct Rng(u64);

impl Rng {
    /// A generator from a seed.
    pub fn new(seed: u64) -> Rng {
        Rng(seed)
    }

    /// The next 64 random bits.
    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n > 0`).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    /// True with probability `p`.
    pub fn chance(&mut self, p: f64) -> bool {
        (self.next_u64() >> 11) as f64 / (1u64 << 53) as f64 <= p
    }

    /// One element of `v`.
    pub fn pick<'a, T>(&mut self, v: &'a [T]) -> &'a T {
        &v[self.below(v.len())]
    }
}

/// Where a generated company is from.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum Origin {
    /// Russia, Cyrillic name with a Latin alias.
    Russian,
    /// Russia, listed in Latin only.
    RussianLatin,
    /// Kazakhstan, Kyrgyzstan, Uzbekistan.
    CentralAsian,
    /// China, Chinese name and pinyin English name.
    Chinese,
    /// Turkey.
    Turkish,
    /// United Arab Emirates.
    Emirati,
}

/// A generated list entity.
#[derive(Clone, Debug)]
pub struct SynthEntity {
    /// Its id (`SYN-000001`).
    pub id: String,
    /// Its origin.
    pub origin: Origin,
    /// The primary name as listed.
    pub name: String,
    /// Aliases as listed.
    pub aliases: Vec<String>,
    /// The content words in the company's own script (for writing variants).
    pub words: Vec<String>,
    /// The same words in Latin (pinyin for Chinese).
    pub latin: Vec<String>,
    /// A tax or registration number.
    pub identifier: String,
}

const RU_PREFIX: &[&str] = &[
    "Техно",
    "Электро",
    "Агро",
    "Гидро",
    "Энерго",
    "Металло",
    "Строй",
    "Нефте",
    "Химо",
    "Авто",
    "Радио",
    "Транс",
    "Спец",
    "Лесо",
    "Мега",
    "Вектор",
    "Квант",
    "Титан",
    "Гранит",
    "Байкал",
    "Сокол",
    "Север",
    "Восток",
    "Орион",
    "Полюс",
    "Импульс",
    "Меридиан",
    "Альфа",
    "Прогресс",
    "Кристалл",
    "Магистраль",
    "Горизонт",
];
const RU_SUFFIX: &[&str] = &[
    "пром",
    "снаб",
    "торг",
    "маш",
    "сервис",
    "комплект",
    "лайн",
    "систем",
    "тех",
    "строй",
    "импорт",
    "логистик",
    "ресурс",
    "инвест",
    "монтаж",
    "прибор",
    "деталь",
    "сплав",
    "профиль",
    "поставка",
];
const RU_REGION: &[&str] = &[
    "Сибирь",
    "Урал",
    "Волга",
    "Кубань",
    "Амур",
    "Нева",
    "Кама",
    "Алтай",
    "Приморье",
    "Балтика",
    "Запад",
    "Юг",
    "Центр",
    "Регион",
    "Плюс",
    "Холдинг",
    "Партнер",
    "Экспорт",
    "Завод",
    "Комбинат",
    "Байкальский",
    "Северный",
    "Новый",
    "Объединение",
];
const RU_FORMS: &[(&str, &str)] = &[
    ("ООО", "LLC"),
    ("АО", "JSC"),
    ("ЗАО", "CJSC"),
    ("ПАО", "PJSC"),
    ("ООО", "LIMITED LIABILITY COMPANY"),
];
const CA_WORDS: &[&str] = &[
    "Алтын",
    "Береке",
    "Самұрық",
    "Арман",
    "Болашақ",
    "Қазына",
    "Сұңқар",
    "Тулпар",
    "Шаңырақ",
    "Ақсу",
    "Көктем",
    "Ырыс",
    "Мерей",
    "Атамекен",
    "Байтерек",
    "Есіл",
    "Ертіс",
    "Жетісу",
    "Нұрлы",
    "Алатау",
    "Іргетас",
    "Дастан",
    "Бірлік",
    "Тұран",
    "Ордабасы",
    "Жасыл",
];
const CA_SECTOR: &[&str] = &[
    "Құрылыс",
    "Сервис",
    "Инвест",
    "Логистик",
    "Агро",
    "Минерал",
    "Энерго",
    "Техник",
    "Машинэкспорт",
    "Трансойл",
    "Металл",
    "Электроникс",
];
const CA_FORMS: &[(&str, &str)] = &[
    ("ТОО", "LLP"),
    ("ОсОО", "LLC"),
    ("МЧЖ", "MCHJ"),
    ("АО", "JSC"),
];
/// Cities with no character in common (`广州` and `杭州` would make two
/// listed names one character apart).
const CN_CITY: &[(&str, &str)] = &[
    ("深圳", "SHENZHEN"),
    ("上海", "SHANGHAI"),
    ("广州", "GUANGZHOU"),
    ("宁波", "NINGBO"),
    ("义乌", "YIWU"),
    ("天津", "TIANJIN"),
    ("青岛", "QINGDAO"),
    ("厦门", "XIAMEN"),
    ("东莞", "DONGGUAN"),
    ("成都", "CHENGDU"),
    ("北京", "BEIJING"),
    ("重庆", "CHONGQING"),
];
/// Syllables whose skeletons are at least two edits apart (a unit test
/// checks), so that two brands never differ by one letter only.
const CN_SYL: &[(&str, &str)] = &[
    ("华", "HUA"),
    ("达", "DA"),
    ("通", "TONG"),
    ("盛", "SHENG"),
    ("源", "YUAN"),
    ("瑞", "RUI"),
    ("金", "JIN"),
    ("创", "CHUANG"),
    ("博", "BO"),
    ("美", "MEI"),
    ("康", "KANG"),
    ("福", "FU"),
    ("利", "LI"),
    ("国", "GUO"),
    ("海", "HAI"),
];
const CN_TRADE: &[(&str, &str)] = &[
    ("科技", "TECHNOLOGY"),
    ("电子", "ELECTRONICS"),
    ("机械", "MACHINERY"),
    ("进出口", "IMPORT EXPORT"),
    ("实业", "INDUSTRIAL"),
    ("精密", "PRECISION"),
    ("光电", "OPTOELECTRONICS"),
    ("自动化", "AUTOMATION"),
    ("半导体", "SEMICONDUCTOR"),
    ("仪器", "INSTRUMENTS"),
];
const CN_FORMS: &[(&str, &str)] = &[
    ("有限公司", "CO., LTD."),
    ("有限责任公司", "COMPANY LIMITED"),
    ("股份有限公司", "CO LTD"),
];
const TR_WORDS: &[&str] = &[
    "Anadolu",
    "Yıldız",
    "Marmara",
    "Demirkol",
    "Özkan",
    "Kayalar",
    "Akdeniz",
    "Karadeniz",
    "Toros",
    "Boğaziçi",
    "Ersoy",
    "Aslanlar",
    "Kartal",
    "Güneşli",
    "Doğanay",
    "Altınbaş",
    "Çelikel",
    "Ateşoğlu",
    "Denizer",
    "Uludağ",
    "Kapadokya",
    "Erciyes",
    "Pamukkale",
    "Fırat",
];
const TR_SECTOR: &[&str] = &[
    "Makina",
    "Elektronik",
    "Otomotiv",
    "Tekstil",
    "Kimya",
    "Lojistik",
    "Enerji",
    "Metal",
    "Savunma",
    "Havacılık",
    "Hidrolik",
    "Rulman",
];
const TR_FORMS: &[&str] = &[
    "San. ve Tic. Ltd. Şti.",
    "A.Ş.",
    "Dış Tic. Ltd. Şti.",
    "Ltd. Şti.",
];
const AE_WORDS: &[&str] = &[
    "Noor", "Safa", "Rashid", "Baraka", "Majid", "Hamra", "Waha", "Zahra", "Khaleej", "Falak",
    "Marwan", "Qasr", "Fajr", "Yasmeen", "Badr", "Jazeera", "Rimal", "Dhafra", "Sharq",
];
const AE_SECTOR: &[&str] = &[
    "Electronics",
    "Technologies",
    "Logistics",
    "Marine Services",
    "Industrial Equipment",
    "Aviation Parts",
    "Machinery",
    "Computer Systems",
    "Energy Solutions",
    "Shipping",
];
const AE_FORMS: &[&str] = &["LLC", "FZE", "FZCO", "DMCC", "L.L.C"];

/// Romanisation of one Cyrillic letter by system: 0 GOST 7.79 B, 1 BGN/PCGN,
/// 2 ICAO 9303, 3 a common trade spelling (`reference/transliteration.md`).
fn romanise_letter(c: char, system: usize, word_start: bool, after_vowel: bool) -> String {
    let lower = c.to_lowercase().next().unwrap_or(c);
    let s: &str = match (lower, system) {
        ('а' | 'ә', _) => "a",
        ('б', _) => "b",
        ('в', 3) => "w",
        ('в', _) => "v",
        ('г' | 'ғ', _) => "g",
        ('д', _) => "d",
        ('е', 1) if word_start || after_vowel => "ye",
        ('е', 3) if word_start => "je",
        ('е' | 'э' | 'є', _) => "e",
        ('ё', 0) => "yo",
        ('ё', _) => "e",
        ('ж', 3) => "j",
        ('ж', _) => "zh",
        ('з', _) => "z",
        ('и' | 'і', _) => "i",
        ('й', 0) => "j",
        ('й', 2) => "i",
        ('й', _) => "y",
        ('к' | 'қ', _) => "k",
        ('л', _) => "l",
        ('м', _) => "m",
        ('н' | 'ң', _) => "n",
        ('о' | 'ө', _) => "o",
        ('п', _) => "p",
        ('р', _) => "r",
        ('с', _) => "s",
        ('т', _) => "t",
        ('у' | 'ұ' | 'ү', _) => "u",
        ('ф', _) => "f",
        ('х' | 'һ', 0) => "x",
        ('х' | 'һ', 3) => "h",
        ('х' | 'һ', _) => "kh",
        ('ц', 0) => "cz",
        ('ц', 3) => "tz",
        ('ц', _) => "ts",
        ('ч', _) => "ch",
        ('ш', _) => "sh",
        ('щ', 0) => "shh",
        ('щ', 3) => "sch",
        ('щ', _) => "shch",
        ('ъ', 2) => "ie",
        ('ъ', _) => "",
        ('ы', _) => "y",
        ('ь', 1) => "'",
        ('ь', _) => "",
        ('ю', 0 | 1) => "yu",
        ('ю', 2) => "iu",
        ('ю', _) => "ju",
        ('я', 0 | 1) => "ya",
        ('я', 2) => "ia",
        ('я', _) => "ja",
        _ => return c.to_string(),
    };
    s.to_string()
}

/// Romanises Cyrillic text by one system (see `romanise_letter`), upper case.
pub fn romanise(text: &str, system: usize) -> String {
    let mut out = String::new();
    let mut prev: Option<char> = None;
    for c in text.chars() {
        let start = prev.is_none_or(|p| !p.is_alphabetic());
        let after_vowel =
            prev.is_some_and(|p| "аеёиоуыэюяьъ".contains(p.to_lowercase().next().unwrap_or(p)));
        out.push_str(&romanise_letter(c, system, start, after_vowel));
        prev = Some(c);
    }
    out.to_uppercase()
}

fn quote(rng: &mut Rng, s: &str) -> String {
    match rng.below(5) {
        0 => format!("«{s}»"),
        1 => format!("\"{s}\""),
        2 => format!("\"\"{s}\"\""),
        3 => format!("'{s}'"),
        _ => s.to_string(),
    }
}

/// Generates `n` entities with distinct names (distinct after
/// normalisation), deterministic for a seed.
///
/// A name already taken is drawn again. Once the word pools run short
/// ([`BRANCH_AFTER`] names in a row already taken: only lists of more than
/// about 100,000 entities get there), a name already taken gets a branch
/// number as one more word instead (`ROMASHKA SIBIR 17`), as registers hold
/// numbered companies of one name. Smaller lists are the same as without
/// this rule.
pub fn entities(n: usize, seed: u64) -> Vec<SynthEntity> {
    let mut rng = Rng::new(seed);
    let mut seen = HashSet::new();
    let mut out = Vec::with_capacity(n);
    let mut tries = 0usize;
    let mut taken_in_a_row = 0usize;
    while out.len() < n {
        tries += 1;
        assert!(
            tries < n * 50 + 1000,
            "the word pools cannot give {n} distinct names"
        );
        let e = entity(&mut rng, out.len() + 1);
        let key = analyse(&e.latin.join(" ")).skeleton_key();
        if seen.insert(key) {
            out.push(e);
            if taken_in_a_row < BRANCH_AFTER {
                taken_in_a_row = 0;
            }
            continue;
        }
        if taken_in_a_row < BRANCH_AFTER {
            taken_in_a_row += 1; // at BRANCH_AFTER the pools stay short
        }
        if taken_in_a_row < BRANCH_AFTER {
            continue;
        }
        loop {
            let branch = (2 + rng.below(9_998)).to_string();
            let mut latin = e.latin.clone();
            latin.push(branch.clone());
            if seen.insert(analyse(&latin.join(" ")).skeleton_key()) {
                let mut b = e;
                b.name = format!("{} {branch}", b.name);
                for a in &mut b.aliases {
                    *a = format!("{a} {branch}");
                }
                b.words.push(branch);
                b.latin = latin;
                out.push(b);
                break;
            }
        }
    }
    out
}

/// Names already taken in a row after which [`entities`] numbers names.
pub const BRANCH_AFTER: usize = 200;

fn ru_word(rng: &mut Rng) -> String {
    let p = rng.pick(RU_PREFIX);
    if rng.chance(0.25) && p.chars().count() > 4 && !p.ends_with('о') {
        return p.to_string();
    }
    format!("{p}{}", rng.pick(RU_SUFFIX))
}

fn entity(rng: &mut Rng, num: usize) -> SynthEntity {
    let id = format!("SYN-{num:06}");
    let identifier = format!("{:010}", 7_700_000_000u64 + rng.next_u64() % 99_999_999);
    let origin = match rng.below(100) {
        0..=29 => Origin::Russian,
        30..=39 => Origin::RussianLatin,
        40..=54 => Origin::CentralAsian,
        55..=74 => Origin::Chinese,
        75..=87 => Origin::Turkish,
        _ => Origin::Emirati,
    };
    let sys = rng.below(3);
    match origin {
        Origin::Russian | Origin::RussianLatin => {
            let mut words = vec![ru_word(rng)];
            let extra = rng.below(3);
            for _ in 0..extra {
                words.push(rng.pick(RU_REGION).to_string());
            }
            if extra == 0 && rng.chance(0.5) {
                words.push(ru_word(rng));
            }
            let latin: Vec<String> = words.iter().map(|w| romanise(w, 1)).collect();
            let (form, form_en) = *rng.pick(RU_FORMS);
            let cyr = format!("{form} «{}»", words.join(" "));
            let lat = format!("{} {form_en}", latin.join(" "));
            let (name, aliases) = if origin == Origin::Russian {
                (cyr, vec![lat])
            } else {
                let other: Vec<String> = words.iter().map(|w| romanise(w, sys)).collect();
                (
                    lat,
                    vec![format!("{} {}", other.join(" "), romanise(form, sys))],
                )
            };
            SynthEntity {
                id,
                origin,
                name,
                aliases,
                words,
                latin,
                identifier,
            }
        }
        Origin::CentralAsian => {
            let mut words = vec![rng.pick(CA_WORDS).to_string()];
            if rng.chance(0.6) {
                words.push(rng.pick(CA_WORDS).to_string());
            }
            words.push(rng.pick(CA_SECTOR).to_string());
            words.dedup();
            let latin: Vec<String> = words.iter().map(|w| romanise(w, 1)).collect();
            let (form, form_en) = *rng.pick(CA_FORMS);
            SynthEntity {
                id,
                origin,
                name: format!("{form} «{}»", words.join(" ")),
                aliases: vec![format!("{} {form_en}", latin.join(" "))],
                words,
                latin,
                identifier: format!("{:012}", rng.next_u64() % 999_999_999_999),
            }
        }
        Origin::Chinese => {
            let (c, cp) = *rng.pick(CN_CITY);
            let a = rng.below(CN_SYL.len());
            let b = (a + 1 + rng.below(CN_SYL.len() - 1)) % CN_SYL.len();
            let (t, tp) = *rng.pick(CN_TRADE);
            let (form, form_en) = *rng.pick(CN_FORMS);
            let han = format!("{c}{}{}{t}", CN_SYL[a].0, CN_SYL[b].0);
            let brand = format!("{}{}", CN_SYL[a].1, CN_SYL[b].1);
            let latin = vec![cp.to_string(), brand, tp.to_string()];
            SynthEntity {
                id,
                origin,
                name: format!("{han}{form}"),
                aliases: vec![format!("{} {form_en}", latin.join(" "))],
                words: vec![han],
                latin,
                identifier: format!("91{:06}MA{:08}", rng.below(999_999), rng.below(99_999_999)),
            }
        }
        Origin::Turkish => {
            let mut words = vec![rng.pick(TR_WORDS).to_string()];
            if rng.chance(0.5) {
                words.push(rng.pick(TR_WORDS).to_string());
            }
            words.push(rng.pick(TR_SECTOR).to_string());
            words.dedup();
            let latin: Vec<String> = words.iter().map(|w| ascii_fold(w).to_uppercase()).collect();
            let form = rng.pick(TR_FORMS);
            SynthEntity {
                id,
                origin,
                name: format!("{} {form}", words.join(" ")),
                aliases: vec![format!(
                    "{} {}",
                    latin.join(" "),
                    ascii_fold(form).to_uppercase()
                )],
                words,
                latin,
                identifier: format!("{:010}", rng.next_u64() % 9_999_999_999),
            }
        }
        Origin::Emirati => {
            let mut words = vec!["Al".to_string(), rng.pick(AE_WORDS).to_string()];
            if rng.chance(0.4) {
                words.push(rng.pick(AE_WORDS).to_string());
            }
            words.push(rng.pick(AE_SECTOR).to_string());
            words.dedup();
            let latin: Vec<String> = words.iter().map(|w| w.to_uppercase()).collect();
            let form = rng.pick(AE_FORMS);
            SynthEntity {
                id,
                origin,
                name: format!("{} {form}", words.join(" ")),
                aliases: vec![format!("{} TRADING {form}", latin.join(" "))],
                words,
                latin,
                identifier: format!("1{:014}", rng.next_u64() % 99_999_999_999_999),
            }
        }
    }
}

fn ascii_fold(s: &str) -> String {
    s.chars()
        .map(|c| match c {
            'ı' => 'i',
            'İ' => 'I',
            'ş' => 's',
            'Ş' => 'S',
            'ğ' => 'g',
            'Ğ' => 'G',
            'ç' => 'c',
            'Ç' => 'C',
            'ö' => 'o',
            'Ö' => 'O',
            'ü' => 'u',
            'Ü' => 'U',
            c => c,
        })
        .collect()
}

/// Each brand character and a homophone an input method offers in its place
/// (the usual typo in Chinese text: the wrong character of the same sound).
const CN_HOMOPHONE: &[(char, char)] = &[
    ('华', '化'),
    ('达', '大'),
    ('通', '同'),
    ('盛', '胜'),
    ('源', '原'),
    ('瑞', '锐'),
    ('金', '今'),
    ('创', '闯'),
    ('博', '波'),
    ('美', '每'),
    ('康', '抗'),
    ('福', '富'),
    ('利', '力'),
    ('国', '果'),
    ('海', '还'),
];

/// One typo in the longest word of at least six characters: a letter
/// substituted, dropped, doubled, or two neighbours swapped.
fn typo(rng: &mut Rng, words: &mut [String]) {
    let Some(i) = (0..words.len())
        .filter(|&i| words[i].chars().count() >= 6)
        .max_by_key(|&i| (words[i].chars().count(), i))
    else {
        return;
    };
    let mut cs: Vec<char> = words[i].chars().collect();
    if cs.iter().any(|&c| c > '\u{2E80}') {
        let brand: Vec<usize> = (0..cs.len())
            .filter(|&k| CN_HOMOPHONE.iter().any(|h| h.0 == cs[k]))
            .collect();
        let k = *rng.pick(&brand);
        if let Some(h) = CN_HOMOPHONE.iter().find(|h| h.0 == cs[k]) {
            cs[k] = h.1;
        }
        words[i] = cs.into_iter().collect();
        return;
    }
    let k = 1 + rng.below(cs.len() - 2);
    match rng.below(4) {
        0 => {
            let alphabet: Vec<char> = if cs[k].is_ascii() {
                "abcdefghijklmnoprstuvz".chars().collect()
            } else if ('\u{0400}'..='\u{04FF}').contains(&cs[k]) {
                "абвгдеиклмнопрстуя".chars().collect()
            } else {
                vec![cs[k]]
            };
            let up = cs[k].is_uppercase();
            let mut r = *rng.pick(&alphabet);
            if up {
                r = r.to_uppercase().next().unwrap_or(r);
            }
            cs[k] = r;
        }
        1 => {
            cs.remove(k);
        }
        2 => cs.insert(k, cs[k]),
        _ => cs.swap(k, k + 1),
    }
    words[i] = cs.into_iter().collect();
}

/// A party string naming `e`, written the way a declaration might.
pub fn true_party(rng: &mut Rng, e: &SynthEntity) -> String {
    let mut words: Vec<String>;
    let mut form: String;
    match e.origin {
        Origin::Russian | Origin::RussianLatin | Origin::CentralAsian => {
            let cyr_form = match e.name.split_whitespace().next() {
                Some(f) if e.origin != Origin::RussianLatin => f.to_string(),
                _ => "ООО".to_string(),
            };
            match rng.below(3) {
                0 => {
                    words = e.words.iter().map(|w| w.to_uppercase()).collect();
                    form = cyr_form.clone();
                }
                1 => {
                    let sys = rng.below(4);
                    words = e.words.iter().map(|w| romanise(w, sys)).collect();
                    form = (*rng.pick(&["LLC", "LTD", "OOO", "JSC", "CO., LTD", "LIMITED"]))
                        .to_string();
                }
                _ => {
                    words = e.words.clone();
                    form = (*rng.pick(&["ООО", "LLC", "Общество с ограниченной ответственностью"]))
                        .to_string();
                }
            }
        }
        Origin::Chinese => {
            if rng.chance(0.5) {
                words = e.words.clone();
                form = (*rng.pick(&["有限公司", "有限责任公司", "贸易有限公司", ""])).to_string();
            } else {
                words = e.latin.clone();
                form = (*rng.pick(&[
                    "CO., LTD.",
                    "CO.,LTD",
                    "COMPANY LIMITED",
                    "LIMITED",
                    "CO LTD",
                ]))
                .to_string();
            }
        }
        Origin::Turkish => {
            words = if rng.chance(0.5) {
                e.words.clone()
            } else {
                e.latin.clone()
            };
            form = (*rng.pick(&[
                "SAN. VE TİC. LTD. ŞTİ.",
                "LTD. STI.",
                "A.S.",
                "LTD",
                "DIS TIC. LTD. STI.",
            ]))
            .to_string();
        }
        Origin::Emirati => {
            words = e.latin.clone();
            form = (*rng.pick(&[
                "LLC",
                "L.L.C.",
                "FZE",
                "GENERAL TRADING LLC",
                "TRADING FZCO",
            ]))
            .to_string();
        }
    }
    // One or two more changes: word order, a typo, case.
    if words.len() > 1 && rng.chance(0.25) {
        words.swap(0, 1);
    }
    if rng.chance(0.35) {
        typo(rng, &mut words);
    }
    if rng.chance(0.3) {
        form = form.to_lowercase();
    }
    let sep = if rng.chance(0.1) { "  " } else { " " };
    let body = quote(rng, &words.join(sep));
    let han = words.iter().any(|w| w.chars().any(|c| c > '\u{2E80}'));
    let glued = body.starts_with(['«', '"']);
    let s = if han {
        format!("{body}{form}")
    } else {
        match rng.below(3) {
            0 => format!("{body} {form}"),
            1 if glued => format!("{form}{body}"),
            _ => format!("{form} {body}"),
        }
    };
    if rng.chance(0.5) {
        s.to_uppercase()
    } else {
        s
    }
}

/// A decoy: another company that shares words with `e` (one content word
/// replaced by another of the same pool, or one added), checked not to be
/// any entity of `taken` (skeleton keys of all listed names).
pub fn decoy(rng: &mut Rng, e: &SynthEntity, taken: &HashSet<String>) -> Option<String> {
    for _ in 0..20 {
        let mut words = e.latin.clone();
        let pool: Vec<String> = match e.origin {
            Origin::Russian | Origin::RussianLatin => {
                (0..4).map(|_| romanise(&ru_word(rng), 1)).collect()
            }
            Origin::CentralAsian => CA_WORDS.iter().map(|w| romanise(w, 1)).collect(),
            Origin::Chinese => CN_SYL
                .iter()
                .flat_map(|a| CN_SYL.iter().map(move |b| format!("{}{}", a.1, b.1)))
                .collect(),
            Origin::Turkish => TR_WORDS
                .iter()
                .map(|w| ascii_fold(w).to_uppercase())
                .collect(),
            Origin::Emirati => AE_WORDS.iter().map(|w| w.to_uppercase()).collect(),
        };
        let w = rng.pick(&pool).clone();
        if rng.chance(0.5) || words.len() == 1 {
            words.push(w);
        } else {
            let i = if e.origin == Origin::Emirati {
                1
            } else {
                rng.below(words.len())
            };
            words[i] = w;
        }
        let key = analyse(&words.join(" ")).skeleton_key();
        if !taken.contains(&key) {
            let form = match e.origin {
                Origin::Chinese => "CO., LTD",
                Origin::Turkish => "LTD. STI.",
                Origin::Emirati => "LLC",
                _ => "LLC",
            };
            return Some(format!("{} {form}", words.join(" ")));
        }
    }
    None
}

/// The skeleton keys of every name and alias of `es` (for [`decoy`]).
pub fn taken_keys(es: &[SynthEntity]) -> HashSet<String> {
    es.iter()
        .flat_map(|e| {
            std::iter::once(&e.name)
                .chain(&e.aliases)
                .map(|n| analyse(n).skeleton_key())
                .chain(std::iter::once(analyse(&e.latin.join(" ")).skeleton_key()))
                .collect::<Vec<_>>()
        })
        .collect()
}

/// The entities as an OpenSanctions "simple" CSV.
pub fn opensanctions_csv(es: &[SynthEntity]) -> String {
    let mut w = csv::Writer::from_writer(Vec::new());
    let _ = w.write_record([
        "id",
        "schema",
        "name",
        "aliases",
        "birth_date",
        "countries",
        "addresses",
        "identifiers",
        "sanctions",
        "phones",
        "emails",
        "dataset",
        "first_seen",
        "last_seen",
        "last_change",
    ]);
    for e in es {
        let country = match e.origin {
            Origin::Russian | Origin::RussianLatin => "ru",
            Origin::CentralAsian => "kz",
            Origin::Chinese => "cn",
            Origin::Turkish => "tr",
            Origin::Emirati => "ae",
        };
        let _ = w.write_record([
            e.id.as_str(),
            "Company",
            &e.name,
            &e.aliases.join(";"),
            "",
            country,
            "",
            &e.identifier,
            "",
            "",
            "",
            "synthetic",
            "",
            "",
            "",
        ]);
    }
    String::from_utf8(w.into_inner().unwrap_or_default()).unwrap_or_default()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn generation_is_deterministic_and_distinct() {
        let a = entities(500, 7);
        let b = entities(500, 7);
        assert_eq!(a.len(), 500);
        assert!(a
            .iter()
            .zip(&b)
            .all(|(x, y)| x.name == y.name && x.aliases == y.aliases));
        let keys: HashSet<_> = a
            .iter()
            .map(|e| analyse(&e.latin.join(" ")).skeleton_key())
            .collect();
        assert_eq!(keys.len(), 500);
    }

    /// Words of one pool are at least two edits apart once skeletonised, so
    /// that a decoy never differs from a listed name by one letter only.
    #[test]
    fn pool_words_are_two_edits_apart() {
        use crate::watchlist::names::{levenshtein, skeleton};
        let pools: Vec<Vec<String>> = vec![
            CN_SYL.iter().map(|s| s.1.to_lowercase()).collect(),
            AE_WORDS.iter().map(|s| s.to_lowercase()).collect(),
            TR_WORDS
                .iter()
                .map(|s| ascii_fold(s).to_lowercase())
                .collect(),
            CA_WORDS.iter().map(|s| s.to_lowercase()).collect(),
            RU_REGION.iter().map(|s| s.to_lowercase()).collect(),
            RU_PREFIX.iter().map(|s| s.to_lowercase()).collect(),
        ];
        for pool in pools {
            for (i, a) in pool.iter().enumerate() {
                for b in &pool[i + 1..] {
                    let d = levenshtein(&skeleton(a), &skeleton(b));
                    assert!(d >= 2, "{a} {b}: {d}");
                }
            }
        }
    }

    #[test]
    fn romanisation_follows_the_reference_table() {
        assert_eq!(romanise("Щука", 0), "SHHUKA");
        assert_eq!(romanise("Щука", 1), "SHCHUKA");
        assert_eq!(romanise("Ель", 1), "YEL'");
        assert_eq!(romanise("Юла", 2), "IULA");
        assert_eq!(romanise("Хлеб", 0), "XLEB");
    }
}
