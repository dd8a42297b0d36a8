//! Normalising what the report groups by: party names, dates, values and
//! descriptions.

/// The key that groups spellings of one party: case, quotes, punctuation,
/// legal forms (`ООО`, `LLC`, `CO., LTD`, `有限公司`...), script
/// (Cyrillic → Latin) and token order do not matter. The same normalisation
/// as watch-list matching ([`crate::watchlist::names::analyse`]), so a
/// party groups in the report the way it matches a list.
///
/// ```
/// use dualuse::report::names::party_key;
/// assert_eq!(party_key("ООО «ТЕХНОПАРК»"), party_key("Tekhnopark LLC"));
/// assert_eq!(party_key("VECTOR-M, LLC"), party_key("ООО \"Вектор-М\""));
/// assert_ne!(party_key("ООО ТЕХНОПАРК"), party_key("ООО ТЕХНОПРОМ"));
/// ```
pub fn party_key(raw: &str) -> String {
    crate::watchlist::names::analyse(raw).skeleton_key()
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
    let d = date_number(s)?;
    Some(format!(
        "{:04}-{:02}-{:02}",
        d / 10_000,
        d / 100 % 100,
        d % 100
    ))
}

/// A date as the number `YYYYMMDD` (the forms of [`parse_date`]), read
/// without allocating: the report reads one per row.
pub fn date_number(s: &str) -> Option<u32> {
    let s = s.trim();
    let mut nums = [(0u32, 0usize); 4];
    let mut n = 0;
    let mut cur: Option<(u32, usize)> = None;
    for b in s.bytes().chain(std::iter::once(b' ')) {
        if b.is_ascii_digit() {
            let (v, len) = cur.unwrap_or((0, 0));
            if len >= 9 {
                return None;
            }
            cur = Some((v * 10 + u32::from(b - b'0'), len + 1));
        } else if let Some(c) = cur.take() {
            if n == nums.len() {
                break;
            }
            nums[n] = c;
            n += 1;
        }
    }
    let (y, m, d) = match &nums[..n] {
        [(v, 8), ..] if n <= 4 => (v / 10_000, v / 100 % 100, v % 100),
        [(y, 4), (m, _), (d, _), ..] => (*y, *m, *d),
        [(d, _), (m, _), (y, 4), ..] => (*y, *m, *d),
        _ => return None,
    };
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
    Some(y * 10_000 + m * 100 + d)
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
