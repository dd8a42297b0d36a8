//! Which input columns hold the code, the goods and the id: header names
//! that customs data vendors and national exports use, in English, Russian,
//! Chinese, German, Kazakh and Uzbek (Cyrillic).
//!
//! Headers are compared after [`norm`]: lower case, `ё` as `е`, `_`, `-`,
//! `/`, `.` and runs of spaces as one space. A header matches a name when
//! they are equal, or, for the `*_PARTS` tables, when the header contains
//! the part as whole words (`10-значный код ТНВЭД` holds `тнвэд`).

use crate::cli::CliError;

/// Exact names of the declared-code column.
pub const HS_NAMES: &[&str] = &[
    "hs code",
    "hs",
    "hscode",
    "hs6",
    "hs8",
    "hs10",
    "hts",
    "hts code",
    "tnved",
    "tn ved",
    "commodity code",
    "tariff code",
    "cn code",
    "taric code",
    "code",
    "код тн вэд",
    "код тн вэд еаэс",
    "тн вэд",
    "тнвэд",
    "код товара",
    "код",
    "商品编码",
    "hs编码",
    "海关编码",
    "税则号",
    "税号",
    "商品编号",
    "warennummer",
    "zolltarifnummer",
    // Kazakh: СЭҚ ТН (the EAEU nomenclature), тауар коды (goods code).
    "сэқ тн коды",
    "сэк тн коды",
    "тауар коды",
    // Uzbek (Cyrillic): ТИФ ТН (the nomenclature), товар коди (goods code).
    "тиф тн коди",
    "товар коди",
];

/// Words that make a header a declared-code column when it is not one of
/// [`HS_NAMES`] (`10-значный код ТНВЭД`, `HS code (6 digits)`).
pub const HS_PARTS: &[&str] = &[
    "тн вэд",
    "тнвэд",
    "сэқ тн",
    "тиф тн",
    "hs code",
    "hscode",
    "hts code",
    "tariff code",
    "commodity code",
    "商品编码",
    "hs编码",
    "海关编码",
    "税则号",
    "zolltarifnummer",
    "warennummer",
];

/// Exact names of the goods description column.
pub const TEXT_NAMES: &[&str] = &[
    "description",
    "goods description",
    "description of goods",
    "goods desc",
    "product description",
    "item description",
    "commodity description",
    "cargo description",
    "product name",
    "product",
    "commodity",
    "goods",
    "item",
    "text",
    "описание товара",
    "описание товаров",
    "наименование товара",
    "наименование товаров",
    "наименование и описание товара",
    "описание",
    "наименование",
    "товар",
    "графа 31",
    "商品名称",
    "货物名称",
    "品名",
    "商品描述",
    "货物描述",
    "中文品名",
    "warenbezeichnung",
    "warenbeschreibung",
    "beschreibung",
    // Kazakh: тауардың атауы (name of the goods), тауардың сипаттамасы (its description).
    "тауардың атауы",
    "тауар атауы",
    "тауардың сипаттамасы",
    "тауар сипаттамасы",
    // Uzbek (Cyrillic): товар номи (name of the goods), товар тавсифи (its description).
    "товар номи",
    "товарнинг номи",
    "товар тавсифи",
    "маҳсулот номи",
];

/// Words that make a header a description column when it is not one of
/// [`TEXT_NAMES`] (`Описание товара (графа 31)`).
pub const TEXT_PARTS: &[&str] = &[
    "описание товар",
    "наименование товар",
    "goods description",
    "description of goods",
    "product description",
    "商品名称",
    "品名",
];

/// Columns that continue the description: the model, specification, trademark
/// or part number that Chinese customs data (`规格型号` beside `商品名称`) and
/// Russian exports (`Товарный знак`, `Модель` beside `Наименование`) keep
/// apart. Screened together with the description by default.
pub const COMPANION_NAMES: &[&str] = &[
    "规格型号",
    "规格",
    "型号",
    "品牌",
    "model",
    "model number",
    "model no",
    "part number",
    "part no",
    "mpn",
    "specification",
    "specifications",
    "brand",
    "trademark",
    "модель",
    "марка",
    "товарный знак",
    "артикул",
    "модель марка",
    "марка модель",
    "typ",
    "modell",
    "artikelnummer",
    "marke",
];

/// A header in the form the tables use.
pub fn norm(h: &str) -> String {
    let lower = h.trim().to_lowercase().replace('ё', "е");
    let spaced: String = lower
        .chars()
        .map(|c| {
            if matches!(c, '_' | '-' | '/' | '.') {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// Whether `hay` holds `part` as whole words (Chinese parts anywhere).
fn holds(hay: &str, part: &str) -> bool {
    let word = |c: Option<char>| c.is_some_and(char::is_alphanumeric);
    let han = part
        .chars()
        .next()
        .is_some_and(|c| !c.is_ascii() && !c.is_alphabetic())
        || part.chars().any(|c| ('\u{4E00}'..='\u{9FFF}').contains(&c));
    hay.match_indices(part).any(|(i, _)| {
        han || (!word(hay[..i].chars().next_back()) && !word(hay[i + part.len()..].chars().next()))
    })
}

/// A column given by the user: a header name (case and `_`/space
/// insensitive) or `#N`, the N-th column.
///
/// # Errors
/// No such column.
pub fn given(headers: &[String], name: &str) -> Result<usize, CliError> {
    if let Some(n) = name.strip_prefix('#') {
        if let Ok(i) = n.parse::<usize>() {
            if i >= 1 && i <= headers.len().max(1) {
                return Ok(i - 1);
            }
        }
    }
    let want = norm(name);
    headers.iter().position(|h| norm(h) == want).ok_or_else(|| {
        CliError::Usage(format!(
            "no column `{name}` in the input (columns: {})",
            headers.join(", ")
        ))
    })
}

/// The first header equal to a name of `names` (in the order of `names`),
/// else the first that holds a part of `parts`, skipping `taken` columns.
pub fn find(headers: &[String], names: &[&str], parts: &[&str], taken: &[usize]) -> Option<usize> {
    let normed: Vec<String> = headers.iter().map(|h| norm(h)).collect();
    let free = |i: &usize| !taken.contains(i);
    names
        .iter()
        .find_map(|n| (0..normed.len()).filter(free).find(|&i| normed[i] == *n))
        .or_else(|| {
            parts.iter().find_map(|p| {
                (0..normed.len())
                    .filter(free)
                    .find(|&i| holds(&normed[i], p))
            })
        })
}

/// The companion columns of a description column, in header order.
pub fn companions(headers: &[String], taken: &[usize]) -> Vec<usize> {
    (0..headers.len())
        .filter(|i| !taken.contains(i))
        .filter(|&i| COMPANION_NAMES.contains(&norm(&headers[i]).as_str()))
        .collect()
}

/// Importer (consignee, buyer) column names.
pub const IMPORTER_NAMES: &[&str] = &[
    "importer",
    "consignee",
    "buyer",
    "importer name",
    "consignee name",
    "получатель",
    "импортер",
    "импортёр",
    "покупатель",
    "грузополучатель",
    "收货人",
    "进口商",
    "境内收货人",
    "买方",
    "empfänger",
    "alıcı",
];

/// Exporter (shipper, consignor, seller) column names.
pub const EXPORTER_NAMES: &[&str] = &[
    "exporter",
    "shipper",
    "consignor",
    "seller",
    "supplier",
    "exporter name",
    "shipper name",
    "отправитель",
    "экспортер",
    "экспортёр",
    "продавец",
    "грузоотправитель",
    "поставщик",
    "发货人",
    "出口商",
    "境外发货人",
    "卖方",
    "absender",
    "versender",
];

/// Declaration date column names.
pub const DATE_NAMES: &[&str] = &[
    "decl date",
    "declaration date",
    "date",
    "arrival date",
    "shipment date",
    "дата",
    "дата декларации",
    "дата регистрации",
    "дата выпуска",
    "日期",
    "申报日期",
    "进口日期",
    "出口日期",
    "datum",
];

/// Declared value column names.
pub const VALUE_NAMES: &[&str] = &[
    "customs value usd",
    "customs value",
    "value usd",
    "value",
    "statistical value",
    "invoice value",
    "amount",
    "total value",
    "стоимость",
    "таможенная стоимость",
    "фактурная стоимость",
    "статистическая стоимость",
    "стоимость usd",
    "金额",
    "总价",
    "美元",
    "美元金额",
    "wert",
];

/// Country of origin column names.
pub const ORIGIN_NAMES: &[&str] = &[
    "origin country",
    "country of origin",
    "origin",
    "страна происхождения",
    "原产国",
    "原产地",
    "ursprungsland",
];

/// Trading or dispatch country column names.
pub const TRADING_NAMES: &[&str] = &[
    "trading country",
    "dispatch country",
    "country of dispatch",
    "export country",
    "торгующая страна",
    "страна отправления",
    "贸易国",
    "启运国",
    "贸易国别",
    "versendungsland",
];

#[cfg(test)]
mod tests {
    use super::*;

    fn h(names: &[&str]) -> Vec<String> {
        names.iter().map(|s| s.to_string()).collect()
    }

    #[test]
    fn vendor_code_headers_are_found() {
        for (header, want) in [
            ("10-значный код ТНВЭД", true),
            ("Код ТН ВЭД ЕАЭС", true),
            ("HS_CODE", true),
            ("HS Code (6 digits)", true),
            ("商品编码", true),
            ("СЭҚ ТН коды", true),
            ("ТИФ ТН коди", true),
            ("Decoded", false),
            ("Country code", false),
        ] {
            let hs = h(&["id", header, "x"]);
            assert_eq!(
                find(&hs, HS_NAMES, HS_PARTS, &[]).is_some(),
                want,
                "{header}"
            );
        }
    }

    #[test]
    fn description_and_companions() {
        let hs = h(&["商品编码", "商品名称", "规格型号", "数量"]);
        let text = find(&hs, TEXT_NAMES, TEXT_PARTS, &[0]).unwrap();
        assert_eq!(text, 1);
        assert_eq!(companions(&hs, &[0, 1]), [2]);
        let ru = h(&[
            "Код ТН ВЭД",
            "Наименование товара",
            "Товарный знак",
            "Модель",
            "Страна",
        ]);
        assert_eq!(find(&ru, TEXT_NAMES, TEXT_PARTS, &[0]), Some(1));
        assert_eq!(companions(&ru, &[0, 1]), [2, 3]);
    }

    #[test]
    fn given_by_name_or_position() {
        let hs = h(&["Goods Description", "b"]);
        assert_eq!(given(&hs, "goods_description").unwrap(), 0);
        assert_eq!(given(&hs, "#2").unwrap(), 1);
        assert!(given(&hs, "nope").is_err());
    }
}
