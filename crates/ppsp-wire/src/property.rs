//! Peer properties (PEER-PROTOCOL-XML.md §3, PROPERTY_QUERY): the values peers exchange so
//! that a requester can prefer suitable peers (seed draft §4.2.3), and that FIND preferences use.
//!
//! Written `<Stat property="NAME">VALUE</Stat>` (answers, peer lists) or
//! `<Preference property="NAME">VALUE</Preference>` (FIND preferences). Each known property has
//! a typed value; names this profile does not define are kept, with text values, so a newer peer
//! can ask for them and get `status="unknown"` back instead of an error.

use std::fmt;
use std::str::FromStr;

use serde::Serialize;

use crate::schema::{SchemaError, required_attr};
use crate::words::wire_words;
use crate::xml::Element;

/// Longest property name accepted, in bytes.
pub const MAX_PROPERTY_NAME_LEN: usize = 64;
/// Longest free-text property value accepted (the `software` string, unknown properties).
pub const MAX_PROPERTY_TEXT_LEN: usize = 256;

/// The name of a property.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum PropertyName {
    /// `uplink_bandwidth`: kbit/s.
    UplinkBandwidth,
    /// `downlink_bandwidth`: kbit/s.
    DownlinkBandwidth,
    /// `access_type`: the kind of access link.
    AccessType,
    /// `nat_type`: the kind of NAT in front of the peer.
    NatType,
    /// `online_time`: seconds since the peer started.
    OnlineTime,
    /// `concurrent_links`: open peer connections.
    ConcurrentLinks,
    /// `load`: upload-slot use in percent.
    Load,
    /// `power`: mains or battery level.
    Power,
    /// `buffer_level`: milliseconds buffered ahead of the playhead.
    BufferLevel,
    /// `software`: implementation name and version.
    Software,
    /// A name this profile does not define: 1..=64 characters of `[a-z0-9_.-]`.
    Other(String),
}

impl PropertyName {
    /// Every property this profile defines, in the order of the profile's table.
    pub const KNOWN: [Self; 10] = [
        Self::UplinkBandwidth,
        Self::DownlinkBandwidth,
        Self::AccessType,
        Self::NatType,
        Self::OnlineTime,
        Self::ConcurrentLinks,
        Self::Load,
        Self::Power,
        Self::BufferLevel,
        Self::Software,
    ];

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::UplinkBandwidth => "uplink_bandwidth",
            Self::DownlinkBandwidth => "downlink_bandwidth",
            Self::AccessType => "access_type",
            Self::NatType => "nat_type",
            Self::OnlineTime => "online_time",
            Self::ConcurrentLinks => "concurrent_links",
            Self::Load => "load",
            Self::Power => "power",
            Self::BufferLevel => "buffer_level",
            Self::Software => "software",
            Self::Other(name) => name,
        }
    }

    /// Parses a value written for this property.
    pub fn parse_value(&self, text: &str) -> Result<PropertyValue, String> {
        let number = |max: u64| -> Result<u64, String> {
            let n: u64 = text
                .parse()
                .map_err(|_| format!("{text:?} is not a whole number"))?;
            if n > max {
                return Err(format!("{n} is over the maximum of {max}"));
            }
            Ok(n)
        };
        Ok(match self {
            Self::UplinkBandwidth | Self::DownlinkBandwidth => {
                PropertyValue::Kbps(number(u64::MAX)?)
            }
            Self::OnlineTime => PropertyValue::Seconds(number(u64::MAX)?),
            Self::ConcurrentLinks => PropertyValue::Count(number(u64::MAX)?),
            Self::BufferLevel => PropertyValue::Millis(number(u64::MAX)?),
            Self::Load => PropertyValue::Percent(number(100)? as u8),
            Self::AccessType => PropertyValue::AccessType(text.parse()?),
            Self::NatType => PropertyValue::NatType(text.parse()?),
            Self::Power => PropertyValue::Power(text.parse()?),
            Self::Software | Self::Other(_) => PropertyValue::Text(checked_text(text)?),
        })
    }
}

impl FromStr for PropertyName {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(known) = Self::KNOWN.iter().find(|k| k.as_str() == s) {
            return Ok(known.clone());
        }
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "_.-".contains(c);
        if s.is_empty() || s.len() > MAX_PROPERTY_NAME_LEN || !s.chars().all(valid) {
            return Err(format!(
                "{s:?} is not a property name (1..=64 of [a-z0-9_.-])"
            ));
        }
        Ok(Self::Other(s.to_string()))
    }
}

impl fmt::Display for PropertyName {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for PropertyName {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

fn checked_text(text: &str) -> Result<String, String> {
    if text.len() > MAX_PROPERTY_TEXT_LEN {
        return Err(format!("longer than {MAX_PROPERTY_TEXT_LEN} bytes"));
    }
    if text.chars().any(char::is_control) {
        return Err("contains control characters".into());
    }
    Ok(text.to_string())
}

wire_words! {
    /// The kind of access link of a peer.
    AccessType {
        /// ADSL.
        Adsl = "adsl",
        /// Cable modem.
        Cable = "cable",
        /// Fibre to the home.
        Ftth = "ftth",
        /// Local area network.
        Lan = "lan",
        /// Wireless LAN.
        Wifi = "wifi",
        /// Mobile network.
        Mobile = "mobile",
        /// Not known.
        Unknown = "unknown",
    }
}

wire_words! {
    /// The kind of NAT in front of a peer.
    NatType {
        /// Publicly reachable, no NAT.
        None = "none",
        /// Endpoint-independent mapping and filtering.
        FullCone = "full_cone",
        /// Address-dependent filtering.
        Restricted = "restricted",
        /// Address- and port-dependent filtering.
        PortRestricted = "port_restricted",
        /// A new mapping per destination.
        Symmetric = "symmetric",
        /// Not known.
        Unknown = "unknown",
    }
}

/// The power source of a peer.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Power {
    /// Mains power, written `ac`.
    Ac,
    /// On battery, with the charge in percent (0..=100).
    Battery(u8),
}

impl FromStr for Power {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if s == "ac" {
            return Ok(Self::Ac);
        }
        match s.parse::<u8>() {
            Ok(percent) if percent <= 100 => Ok(Self::Battery(percent)),
            _ => Err(format!(
                "{s:?} is neither \"ac\" nor a battery percent 0..=100"
            )),
        }
    }
}

impl fmt::Display for Power {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Ac => f.write_str("ac"),
            Self::Battery(percent) => write!(f, "{percent}"),
        }
    }
}

/// A typed property value.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
#[serde(untagged)]
pub enum PropertyValue {
    /// A bandwidth in kbit/s.
    Kbps(u64),
    /// A duration in seconds.
    Seconds(u64),
    /// A count.
    Count(u64),
    /// A duration in milliseconds.
    Millis(u64),
    /// A percentage, 0..=100.
    Percent(u8),
    /// An access link kind.
    AccessType(AccessType),
    /// A NAT kind.
    NatType(NatType),
    /// A power source.
    Power(Power),
    /// Free text (software name, properties this profile does not define).
    Text(String),
}

impl fmt::Display for PropertyValue {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        match self {
            Self::Kbps(n) | Self::Seconds(n) | Self::Count(n) | Self::Millis(n) => write!(f, "{n}"),
            Self::Percent(n) => write!(f, "{n}"),
            Self::AccessType(a) => a.fmt(f),
            Self::NatType(n) => n.fmt(f),
            Self::Power(p) => p.fmt(f),
            Self::Text(t) => f.write_str(t),
        }
    }
}

/// A property with a value: an entry of a peer list, or a FIND preference.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Property {
    /// Which property.
    pub name: PropertyName,
    /// Its value.
    pub value: PropertyValue,
}

impl Property {
    /// Builds a property, checking that the value has the type the name requires.
    pub fn new(name: PropertyName, value: PropertyValue) -> Result<Self, String> {
        // Round-trip through text: the single source of truth for which value fits which name.
        let checked = name.parse_value(&value.to_string())?;
        if checked != value {
            return Err(format!("{value:?} is not a valid value for {name}"));
        }
        Ok(Self { name, value })
    }

    /// Reads `<TAG property="NAME">VALUE</TAG>`.
    pub(crate) fn from_element(element: &Element) -> Result<Self, SchemaError> {
        let name: PropertyName = required_attr(element, "property")?;
        let value = name
            .parse_value(&element.text)
            .map_err(|problem| SchemaError::new(format!("{}[{name}]", element.name), problem))?;
        Ok(Self { name, value })
    }

    /// Writes `<TAG property="NAME">VALUE</TAG>`.
    pub(crate) fn to_element(&self, tag: &str) -> Element {
        Element::new(tag)
            .with_attr("property", self.name.as_str())
            .with_text(self.value.to_string())
    }
}

/// One answer of a PROPERTY_QUERY: a value, or `status="unknown"` when the peer does not know it.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct Stat {
    /// Which property.
    pub name: PropertyName,
    /// Its value, `None` when the answering peer does not know it.
    pub value: Option<PropertyValue>,
}

impl Stat {
    /// Reads `<Stat property="NAME">VALUE</Stat>` or `<Stat property="NAME" status="unknown"/>`.
    pub(crate) fn from_element(element: &Element) -> Result<Self, SchemaError> {
        match element.attr("status") {
            Some("unknown") => {
                if !element.text.is_empty() {
                    return Err(SchemaError::new("Stat", "status=\"unknown\" with a value"));
                }
                Ok(Self {
                    name: required_attr(element, "property")?,
                    value: None,
                })
            }
            Some(other) => Err(SchemaError::new(
                "Stat@status",
                format!("{other:?} is not a status (only \"unknown\")"),
            )),
            None => {
                let property = Property::from_element(element)?;
                Ok(Self {
                    name: property.name,
                    value: Some(property.value),
                })
            }
        }
    }

    /// Writes the element form.
    pub(crate) fn to_element(&self) -> Element {
        match &self.value {
            Some(value) => Property {
                name: self.name.clone(),
                value: value.clone(),
            }
            .to_element("Stat"),
            None => Element::new("Stat")
                .with_attr("property", self.name.as_str())
                .with_attr("status", "unknown"),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn known_properties_parse_typed_values() {
        let p = |n: &str, v: &str| n.parse::<PropertyName>().unwrap().parse_value(v);
        assert_eq!(p("uplink_bandwidth", "2048"), Ok(PropertyValue::Kbps(2048)));
        assert_eq!(
            p("access_type", "adsl"),
            Ok(PropertyValue::AccessType(AccessType::Adsl))
        );
        assert_eq!(
            p("nat_type", "full_cone"),
            Ok(PropertyValue::NatType(NatType::FullCone))
        );
        assert_eq!(p("power", "ac"), Ok(PropertyValue::Power(Power::Ac)));
        assert_eq!(
            p("power", "42"),
            Ok(PropertyValue::Power(Power::Battery(42)))
        );
        assert_eq!(p("load", "100"), Ok(PropertyValue::Percent(100)));
        assert!(p("load", "101").is_err());
        assert!(p("access_type", "dialup").is_err());
        assert!(p("online_time", "-1").is_err());
        assert!(p("power", "150").is_err());
    }

    #[test]
    fn unknown_names_are_kept_but_must_be_well_formed() {
        assert_eq!(
            "color_depth".parse::<PropertyName>(),
            Ok(PropertyName::Other("color_depth".into()))
        );
        assert!("Bad Name".parse::<PropertyName>().is_err());
        assert!("".parse::<PropertyName>().is_err());
    }

    #[test]
    fn property_new_rejects_mismatched_types() {
        assert!(Property::new(PropertyName::Load, PropertyValue::Percent(10)).is_ok());
        assert!(Property::new(PropertyName::Load, PropertyValue::Kbps(10)).is_err());
        assert!(Property::new(PropertyName::AccessType, PropertyValue::Text("x".into())).is_err());
    }

    #[test]
    fn stat_unknown_round_trips() {
        let stat = Stat {
            name: PropertyName::NatType,
            value: None,
        };
        assert_eq!(Stat::from_element(&stat.to_element()), Ok(stat));
    }
}
