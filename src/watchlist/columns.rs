//! Which columns of a declaration hold parties, found by their header names.

use crate::normalize::normalize_str;
use serde::Serialize;

/// The role of a party in a declaration.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum PartyRole {
    /// The importer (buyer of record in the importing country).
    Importer,
    /// The exporter (seller or sender in the exporting country).
    Exporter,
    /// The consignee (receiver of the goods).
    Consignee,
    /// The shipper or consignor (sender of the goods).
    Shipper,
    /// The manufacturer of the goods.
    Manufacturer,
    /// The declarant (who lodges the declaration, often a customs broker).
    Declarant,
    /// The seller under the contract.
    Seller,
    /// The buyer under the contract.
    Buyer,
}

impl PartyRole {
    /// The role as written in output (`importer`, `exporter`, ...).
    pub fn as_str(self) -> &'static str {
        match self {
            PartyRole::Importer => "importer",
            PartyRole::Exporter => "exporter",
            PartyRole::Consignee => "consignee",
            PartyRole::Shipper => "shipper",
            PartyRole::Manufacturer => "manufacturer",
            PartyRole::Declarant => "declarant",
            PartyRole::Seller => "seller",
            PartyRole::Buyer => "buyer",
        }
    }
}

/// Header names that identify party columns, with the role of each, in
/// English, Russian and Chinese (Russian customs declaration graphs 2, 8, 14
/// and the names Chinese customs data uses). Compared after the crate's text
/// normalisation, with `_`, `-` and `.` read as spaces, so `Importer_Name`,
/// `ИМПОРТЁР` and `importer name` all match.
pub const PARTY_COLUMNS: &[(&str, PartyRole)] = &[
    ("importer", PartyRole::Importer),
    ("importer name", PartyRole::Importer),
    ("importer of record", PartyRole::Importer),
    ("импортер", PartyRole::Importer),
    ("наименование импортера", PartyRole::Importer),
    ("进口商", PartyRole::Importer),
    ("进口企业", PartyRole::Importer),
    ("境内收货人", PartyRole::Importer),
    ("exporter", PartyRole::Exporter),
    ("exporter name", PartyRole::Exporter),
    ("экспортер", PartyRole::Exporter),
    ("наименование экспортера", PartyRole::Exporter),
    ("出口商", PartyRole::Exporter),
    ("出口企业", PartyRole::Exporter),
    ("境内发货人", PartyRole::Exporter),
    ("consignee", PartyRole::Consignee),
    ("consignee name", PartyRole::Consignee),
    ("receiver", PartyRole::Consignee),
    ("получатель", PartyRole::Consignee),
    ("грузополучатель", PartyRole::Consignee),
    ("наименование получателя", PartyRole::Consignee),
    ("收货人", PartyRole::Consignee),
    ("境外收货人", PartyRole::Consignee),
    ("shipper", PartyRole::Shipper),
    ("shipper name", PartyRole::Shipper),
    ("consignor", PartyRole::Shipper),
    ("sender", PartyRole::Shipper),
    ("отправитель", PartyRole::Shipper),
    ("грузоотправитель", PartyRole::Shipper),
    ("наименование отправителя", PartyRole::Shipper),
    ("发货人", PartyRole::Shipper),
    ("境外发货人", PartyRole::Shipper),
    ("manufacturer", PartyRole::Manufacturer),
    ("manufacturer name", PartyRole::Manufacturer),
    ("producer", PartyRole::Manufacturer),
    ("изготовитель", PartyRole::Manufacturer),
    ("производитель", PartyRole::Manufacturer),
    ("生产厂商", PartyRole::Manufacturer),
    ("生产厂家", PartyRole::Manufacturer),
    ("制造商", PartyRole::Manufacturer),
    ("生产销售单位", PartyRole::Manufacturer),
    ("declarant", PartyRole::Declarant),
    ("declarant name", PartyRole::Declarant),
    ("customs broker", PartyRole::Declarant),
    ("декларант", PartyRole::Declarant),
    ("наименование декларанта", PartyRole::Declarant),
    ("申报单位", PartyRole::Declarant),
    ("申报人", PartyRole::Declarant),
    ("seller", PartyRole::Seller),
    ("продавец", PartyRole::Seller),
    ("卖方", PartyRole::Seller),
    ("buyer", PartyRole::Buyer),
    ("покупатель", PartyRole::Buyer),
    ("买方", PartyRole::Buyer),
];

fn header_key(h: &str) -> String {
    let n = normalize_str(h);
    let spaced: String = n
        .chars()
        .map(|c| {
            if matches!(c, '_' | '-' | '.' | ':') {
                ' '
            } else {
                c
            }
        })
        .collect();
    spaced.split_whitespace().collect::<Vec<_>>().join(" ")
}

/// The role of one header name, if it names a party column.
///
/// ```
/// use dualuse::watchlist::{party_role, PartyRole};
/// assert_eq!(party_role("Consignee_Name"), Some(PartyRole::Consignee));
/// assert_eq!(party_role("ИМПОРТЁР"), Some(PartyRole::Importer));
/// assert_eq!(party_role("收货人"), Some(PartyRole::Consignee));
/// assert_eq!(party_role("description"), None);
/// ```
pub fn party_role(header: &str) -> Option<PartyRole> {
    let k = header_key(header);
    PARTY_COLUMNS
        .iter()
        .find(|(name, _)| header_key(name) == k)
        .map(|&(_, r)| r)
}

/// The party columns among `headers`: `(index, role)`, in header order.
///
/// ```
/// use dualuse::watchlist::{find_party_columns, PartyRole};
/// let h = ["hs_code", "description", "Получатель", "shipper"];
/// assert_eq!(
///     find_party_columns(&h),
///     [(2, PartyRole::Consignee), (3, PartyRole::Shipper)]
/// );
/// ```
pub fn find_party_columns<S: AsRef<str>>(headers: &[S]) -> Vec<(usize, PartyRole)> {
    headers
        .iter()
        .enumerate()
        .filter_map(|(i, h)| party_role(h.as_ref()).map(|r| (i, r)))
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn every_table_name_finds_its_own_role() {
        for (name, role) in PARTY_COLUMNS {
            assert_eq!(party_role(name), Some(*role), "{name}");
            assert_eq!(party_role(&name.to_uppercase()), Some(*role), "{name}");
        }
    }

    #[test]
    fn goods_columns_are_not_parties() {
        for h in [
            "hs_code",
            "описание товара",
            "商品名称",
            "id",
            "date",
            "country",
        ] {
            assert_eq!(party_role(h), None, "{h}");
        }
    }
}
