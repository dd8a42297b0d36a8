//! The public vocabulary: categories, severities and the basis of a hit.

use serde::{Deserialize, Serialize};
use std::fmt;
use std::str::FromStr;

/// A category of goods, as fixed by the public contract (`docs/categories.md`).
///
/// The ids (`as_str`) are stable and are what every output writes.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Category {
    /// Numerically controlled metal-working machine tools, their controls and parts.
    MachineTools,
    /// Unmanned aircraft and their propulsion and parts.
    Uav,
    /// Integrated circuits, discrete semiconductors, capacitors, connectors, printed circuits.
    Microelectronics,
    /// Thermal imaging, night vision, image intensifiers, rifle scopes, rangefinders, IR lenses.
    Optics,
    /// GNSS receivers and modules, inertial navigation, gyroscopes, accelerometers.
    Navigation,
    /// Radio transceivers, data links, network switches and routers, antennas.
    Communications,
    /// Ball and roller bearings.
    Bearings,
    /// Semiconductor manufacturing equipment and electronic test and measurement equipment.
    ProductionEquipment,
    /// Firearms, their parts, ammunition, propellants and explosives.
    ArmsAmmunition,
    /// Body armour, ballistic plates and helmets.
    Armour,
}

impl Category {
    /// How many categories there are.
    pub const COUNT: usize = 10;

    /// All categories, in the order of `docs/categories.md`.
    pub const ALL: [Category; Category::COUNT] = [
        Category::MachineTools,
        Category::Uav,
        Category::Microelectronics,
        Category::Optics,
        Category::Navigation,
        Category::Communications,
        Category::Bearings,
        Category::ProductionEquipment,
        Category::ArmsAmmunition,
        Category::Armour,
    ];

    /// The stable id, e.g. `machine_tools`.
    pub fn as_str(self) -> &'static str {
        match self {
            Category::MachineTools => "machine_tools",
            Category::Uav => "uav",
            Category::Microelectronics => "microelectronics",
            Category::Optics => "optics",
            Category::Navigation => "navigation",
            Category::Communications => "communications",
            Category::Bearings => "bearings",
            Category::ProductionEquipment => "production_equipment",
            Category::ArmsAmmunition => "arms_ammunition",
            Category::Armour => "armour",
        }
    }

    /// Position in [`Category::ALL`], for per-category tables.
    pub fn index(self) -> usize {
        self as usize
    }
}

impl fmt::Display for Category {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Category {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        Category::ALL
            .iter()
            .copied()
            .find(|c| c.as_str() == s)
            .ok_or_else(|| {
                let ids: Vec<&str> = Category::ALL.iter().map(|c| c.as_str()).collect();
                format!(
                    "unknown category `{s}` (expected one of {})",
                    ids.join(", ")
                )
            })
    }
}

/// How urgent a hit is for an analyst. Ordered: `Info < Low < Medium < High < Critical`.
#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Severity {
    /// Context only.
    Info,
    /// Worth a look when time allows.
    Low,
    /// The generic rule of a category.
    Medium,
    /// A specific product family or a high-priority list entry.
    High,
    /// A control-list entry whose technical threshold is stated in the text.
    Critical,
}

impl Severity {
    /// The stable id, e.g. `high`.
    pub fn as_str(self) -> &'static str {
        match self {
            Severity::Info => "info",
            Severity::Low => "low",
            Severity::Medium => "medium",
            Severity::High => "high",
            Severity::Critical => "critical",
        }
    }
}

impl fmt::Display for Severity {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl FromStr for Severity {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "info" => Ok(Severity::Info),
            "low" => Ok(Severity::Low),
            "medium" => Ok(Severity::Medium),
            "high" => Ok(Severity::High),
            "critical" => Ok(Severity::Critical),
            _ => Err(format!(
                "unknown severity `{s}` (expected info, low, medium, high or critical)"
            )),
        }
    }
}

/// What a hit rests on.
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize, Deserialize)]
pub enum Basis {
    /// The declared HS code alone.
    #[serde(rename = "hs")]
    Hs,
    /// The goods description alone.
    #[serde(rename = "text")]
    Text,
    /// Both the code and the description agree.
    #[serde(rename = "hs+text")]
    HsText,
}

impl Basis {
    /// The stable id: `hs`, `text` or `hs+text`.
    pub fn as_str(self) -> &'static str {
        match self {
            Basis::Hs => "hs",
            Basis::Text => "text",
            Basis::HsText => "hs+text",
        }
    }

    /// True when the description took part (`text` or `hs+text`).
    pub fn uses_text(self) -> bool {
        !matches!(self, Basis::Hs)
    }
}

impl fmt::Display for Basis {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

/// What a rule needs in order to fire (the `requires` field of a rule).
#[derive(Clone, Copy, Debug, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Requires {
    /// The declared HS code alone suffices.
    Hs,
    /// The description alone suffices.
    Text,
    /// Either side suffices.
    Either,
    /// Code and description must both match.
    Both,
}

impl FromStr for Requires {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        match s {
            "hs" => Ok(Requires::Hs),
            "text" => Ok(Requires::Text),
            "either" => Ok(Requires::Either),
            "both" => Ok(Requires::Both),
            _ => Err(format!(
                "unknown value `{s}` for `requires` (expected hs, text, either or both)"
            )),
        }
    }
}
