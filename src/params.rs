//! Technical parameters stated in descriptions: a number, a unit, a quantity.
//!
//! Extraction runs on the normalised text and only for lines where a rule
//! with a parameter condition is otherwise satisfied, so it costs nothing on
//! the bulk of a dump.

use crate::normalize::is_word_char;
use serde::Serialize;
use std::fmt;
use std::str::FromStr;

/// A kind of technical parameter.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
#[non_exhaustive]
pub enum Quantity {
    /// Frames per second (Hz, fps, Гц), in Hz.
    FrameRate,
    /// Any frequency (Hz ... GHz), in Hz.
    Frequency,
    /// A length written after an accuracy word or `±`, in µm.
    Accuracy,
    /// Any length (nm, µm, mm, cm), in µm.
    Length,
    /// Thrust (N, daN, kN, kgf, кгс, lbf), in N.
    Thrust,
    /// Power (W, kW, hp, Вт, л.с.), in W.
    Power,
    /// Number of axes (`5-axis`, `5-осевой`, `五轴`).
    Axes,
    /// Image resolution `640x512`: the larger of the two numbers, in pixels.
    Resolution,
    /// Number of channels (`4CH`, `4-канальный`, `4通道`).
    Channels,
}

impl Quantity {
    /// The id used in rule files.
    pub fn as_str(self) -> &'static str {
        match self {
            Quantity::FrameRate => "frame_rate",
            Quantity::Frequency => "frequency",
            Quantity::Accuracy => "accuracy",
            Quantity::Length => "length",
            Quantity::Thrust => "thrust",
            Quantity::Power => "power",
            Quantity::Axes => "axes",
            Quantity::Resolution => "resolution",
            Quantity::Channels => "channels",
        }
    }

    /// The canonical unit values are converted to, or `None` for counts.
    pub fn canonical_unit(self) -> Option<&'static str> {
        match self {
            Quantity::FrameRate | Quantity::Frequency => Some("Hz"),
            Quantity::Accuracy | Quantity::Length => Some("um"),
            Quantity::Thrust => Some("N"),
            Quantity::Power => Some("W"),
            Quantity::Axes | Quantity::Resolution | Quantity::Channels => None,
        }
    }

    fn family(self) -> Family {
        match self {
            Quantity::FrameRate | Quantity::Frequency => Family::Freq,
            Quantity::Accuracy | Quantity::Length => Family::Len,
            Quantity::Thrust => Family::Force,
            Quantity::Power => Family::Power,
            Quantity::Axes | Quantity::Resolution | Quantity::Channels => Family::Count,
        }
    }

    /// Converts `value` written in `unit` (as in a rule file) to the canonical unit.
    ///
    /// # Errors
    /// A unit that does not measure this quantity, or a missing unit where one is needed.
    pub fn to_canonical(self, value: f64, unit: Option<&str>) -> Result<f64, String> {
        match (self.family(), unit) {
            (Family::Count, None) => Ok(value),
            (Family::Count, Some(u)) => Err(format!(
                "`{}` is a count and takes no unit (found `{u}`)",
                self.as_str()
            )),
            (_, None) => Err(format!(
                "threshold for `{}` has no unit (use {})",
                self.as_str(),
                self.canonical_unit().unwrap_or("")
            )),
            (fam, Some(u)) => {
                let lu = crate::normalize::normalize_str(u);
                UNITS
                    .iter()
                    .find(|x| x.0 == lu && x.1 == fam)
                    .map(|x| value * x.2)
                    .ok_or_else(|| format!("unit `{u}` does not measure `{}`", self.as_str()))
            }
        }
    }
}

impl fmt::Display for Quantity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Quantity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            "frame_rate" => Quantity::FrameRate,
            "frequency" => Quantity::Frequency,
            "accuracy" => Quantity::Accuracy,
            "length" => Quantity::Length,
            "thrust" => Quantity::Thrust,
            "power" => Quantity::Power,
            "axes" => Quantity::Axes,
            "resolution" => Quantity::Resolution,
            "channels" => Quantity::Channels,
            _ => return Err(format!("unknown quantity `{s}` (expected frame_rate, frequency, accuracy, length, thrust, power, axes, resolution or channels)")),
        })
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Family {
    Freq,
    Len,
    Force,
    Power,
    Count,
}

/// Units in normalised spelling, their family, and the factor to the canonical unit.
/// Longer spellings first where one is a prefix of another.
const UNITS: &[(&str, Family, f64)] = &[
    ("ghz", Family::Freq, 1e9),
    ("mhz", Family::Freq, 1e6),
    ("khz", Family::Freq, 1e3),
    ("hz", Family::Freq, 1.0),
    ("fps", Family::Freq, 1.0),
    ("ггц", Family::Freq, 1e9),
    ("мгц", Family::Freq, 1e6),
    ("кгц", Family::Freq, 1e3),
    ("гц", Family::Freq, 1.0),
    ("赫兹", Family::Freq, 1.0),
    ("帧/秒", Family::Freq, 1.0),
    ("nm", Family::Len, 1e-3),
    ("μm", Family::Len, 1.0),
    ("µm", Family::Len, 1.0),
    ("um", Family::Len, 1.0),
    ("мкм", Family::Len, 1.0),
    ("микрон", Family::Len, 1.0),
    ("микрона", Family::Len, 1.0),
    ("微米", Family::Len, 1.0),
    ("mm", Family::Len, 1e3),
    ("мм", Family::Len, 1e3),
    ("毫米", Family::Len, 1e3),
    ("cm", Family::Len, 1e4),
    ("см", Family::Len, 1e4),
    ("kgf", Family::Force, 9.80665),
    ("кгс", Family::Force, 9.80665),
    ("lbf", Family::Force, 4.448_222),
    ("dan", Family::Force, 10.0),
    ("kn", Family::Force, 1e3),
    ("кн", Family::Force, 1e3),
    ("n", Family::Force, 1.0),
    ("н", Family::Force, 1.0),
    ("牛", Family::Force, 1.0),
    ("kw", Family::Power, 1e3),
    ("квт", Family::Power, 1e3),
    ("千瓦", Family::Power, 1e3),
    // Lower case cannot tell MW from mW; in customs lines mW (lasers, radios) is the one seen.
    ("mw", Family::Power, 1e-3),
    ("w", Family::Power, 1.0),
    ("вт", Family::Power, 1.0),
    ("瓦", Family::Power, 1.0),
    ("hp", Family::Power, 745.7),
    ("л.с", Family::Power, 735.5),
    ("лс", Family::Power, 735.5),
];

/// Words after a number that make it a number of axes (stems: no end boundary).
const AXES_WORDS: &[&str] = &[
    "axis",
    "axes",
    "осев",
    "осей",
    "оси",
    "轴",
    "achs",
    "координат",
];
const AXES_NUMBER_WORDS: &[(&str, f64)] = &[
    ("three-axis", 3.0),
    ("four-axis", 4.0),
    ("five-axis", 5.0),
    ("six-axis", 6.0),
    ("трехосев", 3.0),
    ("четырехосев", 4.0),
    ("пятиосев", 5.0),
    ("пятикоординат", 5.0),
    ("шестиосев", 6.0),
    ("三轴", 3.0),
    ("四轴", 4.0),
    ("五轴", 5.0),
    ("六轴", 6.0),
    ("dreiachs", 3.0),
    ("vierachs", 4.0),
    ("fünfachs", 5.0),
    ("5-achs", 5.0),
];
const CHANNEL_WORDS: &[&str] = &["ch", "channel", "канал", "通道"];
const ACCURACY_MARKERS: &[&str] = &[
    "accura",
    "precision",
    "repeatab",
    "точност",
    "погрешност",
    "精度",
    "genauigkeit",
    "±",
    "+/-",
];

/// One parameter value found in a normalised text.
#[derive(Clone, Debug, PartialEq, Serialize)]
pub struct Found {
    /// What it measures.
    pub quantity: Quantity,
    /// The value in the canonical unit of the quantity.
    pub value: f64,
    /// Byte range in the normalised text.
    pub start: usize,
    /// End of the byte range in the normalised text.
    pub end: usize,
}

fn prev_char(text: &str, i: usize) -> Option<char> {
    text[..i].chars().next_back()
}

fn parse_number(text: &str, i: usize) -> Option<(f64, usize)> {
    let b = text.as_bytes();
    let mut j = i;
    while j < b.len() && b[j].is_ascii_digit() {
        j += 1;
    }
    if j == i {
        return None;
    }
    let mut end = j;
    if j + 1 < b.len() && (b[j] == b'.' || b[j] == b',') && b[j + 1].is_ascii_digit() {
        let mut k = j + 1;
        while k < b.len() && b[k].is_ascii_digit() {
            k += 1;
        }
        end = k;
    }
    let s: String = text[i..end].replace(',', ".");
    s.parse::<f64>().ok().map(|v| (v, end))
}

fn boundary_after(text: &str, at: usize) -> bool {
    text[at..].chars().next().is_none_or(|c| !is_word_char(c))
}

/// Finds every parameter value in a normalised text.
pub fn extract(text: &str) -> Vec<Found> {
    let mut out = Vec::new();
    let b = text.as_bytes();
    let mut i = 0;
    while i < b.len() {
        if !b[i].is_ascii_digit() {
            i += 1;
            continue;
        }
        // A number glued to a preceding letter is part of a model code.
        let glued = prev_char(text, i).is_some_and(|c| is_word_char(c) && !c.is_ascii_digit());
        let Some((value, num_end)) = parse_number(text, i) else {
            i += 1;
            continue;
        };
        if !glued {
            unit_after(text, i, value, num_end, &mut out);
        }
        i = num_end.max(i + 1);
    }
    for (w, n) in AXES_NUMBER_WORDS {
        let mut from = 0;
        while let Some(p) = text[from..].find(w) {
            let s = from + p;
            out.push(Found {
                quantity: Quantity::Axes,
                value: *n,
                start: s,
                end: s + w.len(),
            });
            from = s + w.len();
        }
    }
    out
}

fn unit_after(text: &str, start: usize, value: f64, num_end: usize, out: &mut Vec<Found>) {
    let b = text.as_bytes();
    // Resolution: 640x512, 640×512, 640х512, 640*512.
    let mut j = num_end;
    if j < b.len() && b[j] == b' ' {
        j += 1;
    }
    for sep in ["x", "×", "х", "*"] {
        if text[j..].starts_with(sep) {
            let mut k = j + sep.len();
            if k < b.len() && b[k] == b' ' {
                k += 1;
            }
            if let Some((v2, e2)) = parse_number(text, k) {
                if value >= 16.0 && v2 >= 16.0 && value.fract() == 0.0 && v2.fract() == 0.0 {
                    out.push(Found {
                        quantity: Quantity::Resolution,
                        value: value.max(v2),
                        start,
                        end: e2,
                    });
                }
            }
        }
    }
    // Unit: optional space or dash between number and unit.
    let mut u = num_end;
    if u < b.len() && (b[u] == b' ' || b[u] == b'-') {
        u += 1;
    }
    let rest = &text[u..];
    for (name, fam, factor) in UNITS {
        if rest.starts_with(name) {
            let end = u + name.len();
            let han = name
                .chars()
                .next()
                .is_some_and(crate::normalize::is_unsegmented);
            if !han && !boundary_after(text, end) {
                continue;
            }
            let v = value * factor;
            let mut push = |q| {
                out.push(Found {
                    quantity: q,
                    value: v,
                    start,
                    end,
                })
            };
            match fam {
                Family::Freq => {
                    push(Quantity::Frequency);
                    if *factor == 1.0 {
                        push(Quantity::FrameRate);
                    }
                }
                Family::Len => {
                    push(Quantity::Length);
                    let window_start = start.saturating_sub(96);
                    let ws = crate::normalize::ceil_char(text, window_start);
                    let window = &text[ws..start];
                    // The marker must be in the same clause as the number.
                    let clause = window.rsplit(['|', ';', '/']).next().unwrap_or(window);
                    if ACCURACY_MARKERS.iter().any(|m| clause.contains(m)) {
                        push(Quantity::Accuracy);
                    }
                }
                Family::Force => push(Quantity::Thrust),
                Family::Power => push(Quantity::Power),
                Family::Count => {}
            }
            break;
        }
    }
    for w in AXES_WORDS {
        if rest.starts_with(w) && value.fract() == 0.0 && value <= 12.0 {
            out.push(Found {
                quantity: Quantity::Axes,
                value,
                start,
                end: u + w.len(),
            });
            break;
        }
    }
    for w in CHANNEL_WORDS {
        if rest.starts_with(w) && value.fract() == 0.0 {
            let end = u + w.len();
            if *w == "ch" && !boundary_after(text, end) {
                continue;
            }
            out.push(Found {
                quantity: Quantity::Channels,
                value,
                start,
                end,
            });
            break;
        }
    }
}

/// A comparison operator of a parameter condition.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Serialize)]
pub enum Op {
    /// `>`
    #[serde(rename = ">")]
    Gt,
    /// `>=`
    #[serde(rename = ">=")]
    Ge,
    /// `<`
    #[serde(rename = "<")]
    Lt,
    /// `<=`
    #[serde(rename = "<=")]
    Le,
}

impl Op {
    /// Applies the comparison.
    pub fn holds(self, a: f64, b: f64) -> bool {
        match self {
            Op::Gt => a > b,
            Op::Ge => a >= b,
            Op::Lt => a < b,
            Op::Le => a <= b,
        }
    }

    /// The operator as written.
    pub fn as_str(self) -> &'static str {
        match self {
            Op::Gt => ">",
            Op::Ge => ">=",
            Op::Lt => "<",
            Op::Le => "<=",
        }
    }
}

impl FromStr for Op {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, String> {
        Ok(match s {
            ">" => Op::Gt,
            ">=" => Op::Ge,
            "<" => Op::Lt,
            "<=" => Op::Le,
            _ => return Err(format!("unknown operator `{s}` (expected >, >=, < or <=)")),
        })
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::normalize::normalize_str;

    fn find(text: &str, q: Quantity) -> Vec<f64> {
        extract(&normalize_str(text))
            .into_iter()
            .filter(|f| f.quantity == q)
            .map(|f| f.value)
            .collect()
    }

    #[test]
    fn table() {
        assert_eq!(find("帧频:50Hz", Quantity::FrameRate), vec![50.0]);
        assert_eq!(
            find("РАЗРЕШЕНИЕ 256Х192, 25 ГЦ", Quantity::FrameRate),
            vec![25.0]
        );
        assert_eq!(
            find("РАЗРЕШЕНИЕ 256Х192, 25 ГЦ", Quantity::Resolution),
            vec![256.0]
        );
        assert_eq!(
            find("detector 640×512 12μm", Quantity::Resolution),
            vec![640.0]
        );
        assert_eq!(find("ДИАПАЗОН ДО 6 ГГЦ", Quantity::Frequency), vec![6e9]);
        assert_eq!(find("thrust 220N", Quantity::Thrust), vec![220.0]);
        assert_eq!(find("тяга 23 кгс", Quantity::Thrust), vec![23.0 * 9.80665]);
        assert_eq!(find("7,5 КВТ", Quantity::Power), vec![7500.0]);
        assert_eq!(find("5-axis simultaneous", Quantity::Axes), vec![5.0]);
        assert_eq!(
            find("ПЯТИОСЕВОЙ ОБРАБАТЫВАЮЩИЙ ЦЕНТР", Quantity::Axes),
            vec![5.0]
        );
        assert_eq!(find("五轴加工中心", Quantity::Axes), vec![5.0]);
        assert_eq!(
            find("positioning accuracy 0.003 mm", Quantity::Accuracy),
            vec![3.0]
        );
        assert_eq!(
            find("ТОЧНОСТЬ ПОЗИЦИОНИРОВАНИЯ 0,005 ММ", Quantity::Accuracy),
            vec![5.0]
        );
        assert!(find("ML 1240 mm", Quantity::Accuracy).is_empty());
        assert!(find("SW220B", Quantity::Thrust).is_empty());
        assert_eq!(find("DSOX3034T 350MHZ 4CH", Quantity::Channels), vec![4.0]);
    }

    #[test]
    fn canonical() {
        assert_eq!(Quantity::FrameRate.to_canonical(9.0, Some("Hz")), Ok(9.0));
        assert_eq!(Quantity::Accuracy.to_canonical(5.0, Some("um")), Ok(5.0));
        assert_eq!(Quantity::Thrust.to_canonical(1.0, Some("kN")), Ok(1000.0));
        assert!(Quantity::Thrust.to_canonical(1.0, None).is_err());
        assert!(Quantity::Thrust.to_canonical(1.0, Some("Hz")).is_err());
        assert_eq!(Quantity::Axes.to_canonical(5.0, None), Ok(5.0));
    }
}
