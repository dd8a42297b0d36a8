//! Normalising what the report groups by: party names, dates, values and
//! descriptions.

/// Legal forms dropped from party names before grouping, after case
/// folding and punctuation removal (Russian, Kazakh, Kyrgyz, Uzbek,
/// English, German, French, Italian, Spanish, Dutch, Polish, Turkish and
/// Emirati forms, in Cyrillic and Latin).
const LEGAL_FORMS: &[&str] = &[
    "ооо",
    "оао",
    "зао",
    "пао",
    "ао",
    "нао",
    "тоо",
    "осоо",
    "ип",
    "чп",
    "уп",
    "фгуп",
    "гуп",
    "mchj",
    "ooo",
    "oao",
    "zao",
    "pao",
    "ao",
    "too",
    "osoo",
    "ip",
    "llc",
    "llp",
    "lp",
    "ltd",
    "limited",
    "co",
    "company",
    "corp",
    "corporation",
    "inc",
    "incorporated",
    "gmbh",
    "mbh",
    "ag",
    "kg",
    "sa",
    "sarl",
    "sas",
    "srl",
    "spa",
    "sl",
    "bv",
    "nv",
    "plc",
    "jsc",
    "ojsc",
    "cjsc",
    "pjsc",
    "fze",
    "fzco",
    "fzc",
    "fz",
    "dmcc",
    "as",
    "sti",
    "tic",
    "ltd sti",
    "trading",
    "sp",
    "z",
    "oo",
    "общество",
    "с",
    "ограниченной",
    "ответственностью",
    "акционерное",
    "закрытое",
    "открытое",
    "публичное",
];

/// Chinese company-form suffixes, removed wherever they stand.
const CHINESE_FORMS: &[&str] = &["股份有限公司", "有限责任公司", "有限公司", "集团", "公司"];

/// Cyrillic letters to Latin (GOST 7.79 system B, simplified), so that a
/// name written in either script groups together.
fn translit(c: char) -> Option<&'static str> {
    Some(match c {
        'а' => "a",
        'б' => "b",
        'в' => "v",
        'г' => "g",
        'д' => "d",
        'е' | 'э' | 'є' => "e",
        'ж' => "zh",
        'з' => "z",
        'и' | 'і' | 'ї' => "i",
        'й' => "y",
        'к' | 'қ' => "k",
        'л' => "l",
        'м' => "m",
        'н' | 'ң' => "n",
        'о' | 'ө' | 'ў' => "o",
        'п' => "p",
        'р' => "r",
        'с' => "s",
        'т' => "t",
        'у' | 'ү' | 'ұ' => "u",
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
        'ғ' => "g",
        'ә' => "a",
        _ => return None,
    })
}

/// A skeleton of Latin spelling that both transliteration directions and
/// common English spellings reach: `Технопарк`, `TEKHNOPARK` and
/// `TECHNOPARK` all become `tehnopark`.
fn skeleton(word: &str) -> String {
    let mut s = word.to_string();
    for (a, b) in [
        ("shch", "sh"),
        ("sch", "sh"),
        ("kh", "h"),
        ("ch", "h"),
        ("ts", "z"),
        ("tz", "z"),
        ("ck", "k"),
        ("ph", "f"),
        ("yu", "u"),
        ("ju", "u"),
        ("ya", "a"),
        ("ja", "a"),
        ("x", "ks"),
        ("w", "v"),
        ("q", "k"),
        ("j", "i"),
        ("y", "i"),
    ] {
        s = s.replace(a, b);
    }
    // `c` sounds `s` before e and i, `k` elsewhere (vector = вектор).
    let chars: Vec<char> = s.chars().collect();
    let mut out = String::with_capacity(s.len());
    for (i, &c) in chars.iter().enumerate() {
        let c = match (c, chars.get(i + 1)) {
            ('c', Some('e' | 'i')) => 's',
            ('c', _) => 'k',
            (c, _) => c,
        };
        if !out.ends_with(c) {
            out.push(c);
        }
    }
    out
}

/// The key that groups spellings of one party: case, quotes, punctuation,
/// legal forms (`ООО`, `LLC`, `CO., LTD`, `有限公司`...), script
/// (Cyrillic → Latin) and token order do not matter.
///
/// ```
/// use dualuse::report::names::party_key;
/// assert_eq!(party_key("ООО «ТЕХНОПАРК»"), party_key("Tekhnopark LLC"));
/// assert_eq!(party_key("TECHNOPARK, LLC"), party_key("ООО \"Технопарк\""));
/// assert_eq!(party_key("深圳市华强电子有限公司"), party_key("深圳市华强电子"));
/// assert_ne!(party_key("ООО ТЕХНОПАРК"), party_key("ООО ТЕХНОПРОМ"));
/// ```
pub fn party_key(raw: &str) -> String {
    let mut s = raw.to_lowercase().replace('ё', "е");
    for f in CHINESE_FORMS {
        s = s.replace(f, " ");
    }
    let cleaned: String = s
        .chars()
        .map(|c| if c.is_alphanumeric() { c } else { ' ' })
        .collect();
    let mut tokens: Vec<String> = cleaned
        .split_whitespace()
        .filter(|t| !LEGAL_FORMS.contains(t))
        .map(|t| {
            let mut lat = String::with_capacity(t.len());
            for c in t.chars() {
                match translit(c) {
                    Some(l) => lat.push_str(l),
                    None => lat.push(c),
                }
            }
            skeleton(&lat)
        })
        .filter(|t| !t.is_empty())
        .collect();
    tokens.sort();
    tokens.dedup();
    tokens.join(" ")
}

/// A description reduced for `code_shopping`: lower case, letters and
/// digits only, quantities and packing counts dropped (`500 PCS`, `10 ШТ`),
/// words in order.
pub fn description_key(text: &str) -> String {
    const UNITS: &[&str] = &[
        "pcs", "pc", "шт", "штук", "units", "unit", "set", "sets", "kg", "кг", "pce", "个", "台",
        "件", "套",
    ];
    let lower = text.to_lowercase().replace('ё', "е");
    let words: Vec<&str> = lower
        .split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .collect();
    let mut out: Vec<&str> = Vec::with_capacity(words.len());
    for (i, w) in words.iter().enumerate() {
        let is_count = w.chars().all(|c| c.is_ascii_digit())
            && words.get(i + 1).is_some_and(|n| UNITS.contains(n));
        if is_count || UNITS.contains(w) {
            continue;
        }
        out.push(w);
    }
    out.join(" ")
}

/// A date as `YYYY-MM-DD` from the forms customs data uses: `2024-03-15`,
/// `2024/03/15`, `20240315`, `15.03.2024` (day first, as in EAEU
/// declarations), `2024-03-15T10:00:00`, `2024年3月15日`.
///
/// ```
/// use dualuse::report::names::parse_date;
/// assert_eq!(parse_date("15.03.2024").as_deref(), Some("2024-03-15"));
/// assert_eq!(parse_date("2024年3月5日").as_deref(), Some("2024-03-05"));
/// assert_eq!(parse_date("31.02.2024"), None);
/// ```
pub fn parse_date(s: &str) -> Option<String> {
    let s = s.trim();
    let nums: Vec<&str> = s
        .split(|c: char| !c.is_ascii_digit())
        .filter(|p| !p.is_empty())
        .collect();
    let (y, m, d) = match nums.as_slice() {
        [one, ..] if one.len() == 8 && nums.len() <= 4 => (
            one[..4].parse().ok()?,
            one[4..6].parse().ok()?,
            one[6..8].parse().ok()?,
        ),
        [a, b, c, ..] if a.len() == 4 => (a.parse().ok()?, b.parse().ok()?, c.parse().ok()?),
        [a, b, c, ..] if c.len() == 4 => (c.parse().ok()?, b.parse().ok()?, a.parse().ok()?),
        _ => return None,
    };
    let (y, m, d): (u32, u32, u32) = (y, m, d);
    let leap = (y % 4 == 0 && y % 100 != 0) || y % 400 == 0;
    let days = match m {
        1 | 3 | 5 | 7 | 8 | 10 | 12 => 31,
        4 | 6 | 9 | 11 => 30,
        2 if leap => 29,
        2 => 28,
        _ => return None,
    };
    if !(1900..=2100).contains(&y) || d == 0 || d > days {
        return None;
    }
    Some(format!("{y:04}-{m:02}-{d:02}"))
}

/// A declared value from `1234.56`, `1 234,56`, `1,234.56`, `1.234,56`,
/// `$1,234`, `USD 1234`.
///
/// ```
/// use dualuse::report::names::parse_value;
/// assert_eq!(parse_value("1 234,56"), Some(1234.56));
/// assert_eq!(parse_value("1,234.5"), Some(1234.5));
/// assert_eq!(parse_value("1.234,5"), Some(1234.5));
/// assert_eq!(parse_value("n/a"), None);
/// ```
pub fn parse_value(s: &str) -> Option<f64> {
    let kept: String = s
        .chars()
        .filter(|c| c.is_ascii_digit() || matches!(c, '.' | ',' | '-'))
        .collect();
    if !kept.chars().any(|c| c.is_ascii_digit()) {
        return None;
    }
    let last_dot = kept.rfind('.');
    let last_comma = kept.rfind(',');
    let normal = match (last_dot, last_comma) {
        (Some(d), Some(c)) if c > d => kept.replace('.', "").replace(',', "."),
        (Some(_), Some(_)) => kept.replace(',', ""),
        (None, Some(c)) => {
            // One comma followed by exactly three digits is a thousands mark.
            let after = kept.len() - c - 1;
            if kept.matches(',').count() == 1 && after != 3 {
                kept.replace(',', ".")
            } else {
                kept.replace(',', "")
            }
        }
        _ => kept,
    };
    normal.parse::<f64>().ok().filter(|v| v.is_finite())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn spellings_of_one_party_group_together() {
        let group = [
            "ООО \"ВЕКТОР-М\"",
            "Общество с ограниченной ответственностью «Вектор-М»",
            "VEKTOR-M LLC",
            "Vektor M, OOO",
            "LLC VECTOR-M",
        ];
        let k = party_key(group[0]);
        for g in group {
            assert_eq!(party_key(g), k, "{g}");
        }
        assert_ne!(party_key("ООО ВЕКТОР-М"), party_key("ООО ВЕКТОР-Т"));
        assert_eq!(
            party_key("Shenzhen Huaqiang Electronics Co., Ltd."),
            party_key("SHENZHEN HUAQIANG ELECTRONICS CO LTD")
        );
    }

    #[test]
    fn descriptions_drop_counts() {
        assert_eq!(
            description_key("МИКРОСХЕМА STM32F407VGT6, 500 ШТ"),
            description_key("микросхема stm32f407vgt6 - 20 шт.")
        );
    }

    #[test]
    fn dates_and_values() {
        assert_eq!(
            parse_date("2024-03-15T10:00:00").as_deref(),
            Some("2024-03-15")
        );
        assert_eq!(parse_date("20240315").as_deref(), Some("2024-03-15"));
        assert_eq!(parse_date("2024/3/5").as_deref(), Some("2024-03-05"));
        assert_eq!(parse_date("29.02.2023"), None);
        assert_eq!(parse_date("hello"), None);
        assert_eq!(parse_value("USD 12,345"), Some(12345.0));
        assert_eq!(parse_value("12,5"), Some(12.5));
        assert_eq!(parse_value("-"), None);
    }
}
