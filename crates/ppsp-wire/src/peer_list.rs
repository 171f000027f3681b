//! Peer lists and transport names, shared by the peer protocol and the tracker's XML form
//! (the seed slides ask both to describe peer lists the same way).
//!
//! ```xml
//! <Peers>
//!   <Peer>
//!     <PeerID>9c1185a5c5e9fc54612808977ee8f548b2258d31</PeerID>
//!     <Address ip="198.51.100.7" port="6778" transport="ppspp/udp"/>
//!     <Stat property="access_type">ftth</Stat>
//!   </Peer>
//! </Peers>
//! ```

use std::fmt;
use std::net::{IpAddr, SocketAddr};
use std::str::FromStr;

use serde::Serialize;

use crate::ids::PeerId;
use crate::property::Property;
use crate::schema::{SchemaError, check_list_len, required_attr, required_text};
use crate::xml::Element;

/// Most peers in one list: the largest `Peernum` a requester may ask for.
pub const MAX_PEERS: usize = 200;
/// Most addresses listed for one peer.
pub const MAX_ADDRESSES_PER_PEER: usize = 8;
/// Most properties listed for one peer.
pub const MAX_PROPERTIES_PER_PEER: usize = 16;

/// A transport a peer can move data over, as named in `transport=` and `<TProt type=>`.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub enum Transport {
    /// `ppspp/udp`: RFC 7574 over UDP with LEDBAT.
    PpsppUdp,
    /// `http`: chunks fetched with HTTP GET, with the integrity hashes needed to verify them.
    Http,
    /// `ppspp+noise/udp`: RFC 7574 datagrams inside an encrypted, authenticated channel.
    PpsppNoiseUdp,
    /// `relay`: data relayed through a rendezvous server.
    Relay,
    /// A transport this profile does not define: 1..=32 characters of `[a-z0-9+/._-]`.
    ///
    /// Kept rather than refused, so a requester offering a newer transport first still gets a
    /// common one negotiated.
    Other(String),
}

impl Transport {
    /// The transports this profile defines.
    pub const KNOWN: [Self; 4] = [Self::PpsppUdp, Self::Http, Self::PpsppNoiseUdp, Self::Relay];

    /// The wire name.
    pub fn as_str(&self) -> &str {
        match self {
            Self::PpsppUdp => "ppspp/udp",
            Self::Http => "http",
            Self::PpsppNoiseUdp => "ppspp+noise/udp",
            Self::Relay => "relay",
            Self::Other(name) => name,
        }
    }
}

impl FromStr for Transport {
    type Err = String;
    fn from_str(s: &str) -> Result<Self, Self::Err> {
        if let Some(known) = Self::KNOWN.iter().find(|k| k.as_str() == s) {
            return Ok(known.clone());
        }
        let valid = |c: char| c.is_ascii_lowercase() || c.is_ascii_digit() || "+/._-".contains(c);
        if s.is_empty() || s.len() > 32 || !s.chars().all(valid) {
            return Err(format!(
                "{s:?} is not a transport name (1..=32 of [a-z0-9+/._-])"
            ));
        }
        Ok(Self::Other(s.to_string()))
    }
}

impl fmt::Display for Transport {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(self.as_str())
    }
}

impl Serialize for Transport {
    fn serialize<S: serde::Serializer>(&self, s: S) -> Result<S::Ok, S::Error> {
        s.serialize_str(self.as_str())
    }
}

/// One way to reach a peer: address, port and the transport spoken there.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PeerAddress {
    /// IP address and port.
    pub addr: SocketAddr,
    /// The transport spoken at that address.
    pub transport: Transport,
}

impl PeerAddress {
    pub(crate) fn from_element(element: &Element) -> Result<Self, SchemaError> {
        let ip: IpAddr = required_attr(element, "ip")?;
        let port: u16 = required_attr(element, "port")?;
        if port == 0 {
            return Err(SchemaError::new("Address@port", "port 0 is not reachable"));
        }
        let transport = required_attr(element, "transport")?;
        Ok(Self {
            addr: SocketAddr::new(ip, port),
            transport,
        })
    }

    pub(crate) fn to_element(&self) -> Element {
        Element::new("Address")
            .with_attr("ip", self.addr.ip().to_string())
            .with_attr("port", self.addr.port().to_string())
            .with_attr("transport", self.transport.as_str())
    }
}

/// One peer of a peer list.
#[derive(Debug, Clone, PartialEq, Eq, Hash, Serialize)]
pub struct PeerInfo {
    /// The peer's ID.
    pub peer_id: PeerId,
    /// Where it can be reached (at least one).
    pub addresses: Vec<PeerAddress>,
    /// Properties the lister knows about it.
    pub properties: Vec<Property>,
}

impl PeerInfo {
    pub(crate) fn from_element(element: &Element) -> Result<Self, SchemaError> {
        let peer_id = required_text(element, "PeerID")?;
        let addresses = element
            .children_named("Address")
            .map(PeerAddress::from_element)
            .collect::<Result<Vec<_>, _>>()?;
        if addresses.is_empty() {
            return Err(SchemaError::new("Peer", "has no <Address>"));
        }
        check_list_len("Peer/Address", addresses.len(), MAX_ADDRESSES_PER_PEER)?;
        let properties = element
            .children_named("Stat")
            .map(Property::from_element)
            .collect::<Result<Vec<_>, _>>()?;
        check_list_len("Peer/Stat", properties.len(), MAX_PROPERTIES_PER_PEER)?;
        Ok(Self {
            peer_id,
            addresses,
            properties,
        })
    }

    pub(crate) fn to_element(&self) -> Element {
        let mut element = Element::new("Peer").with_text_child("PeerID", self.peer_id.to_string());
        for address in &self.addresses {
            element = element.with_child(address.to_element());
        }
        for property in &self.properties {
            element = element.with_child(property.to_element("Stat"));
        }
        element
    }
}

/// Reads a `<Peers>` element.
pub(crate) fn peers_from_element(element: &Element) -> Result<Vec<PeerInfo>, SchemaError> {
    let count = element.children_named("Peer").count();
    check_list_len("Peers", count, MAX_PEERS)?;
    element
        .children_named("Peer")
        .map(PeerInfo::from_element)
        .collect()
}

/// Writes a `<Peers>` element.
pub(crate) fn peers_to_element(peers: &[PeerInfo]) -> Element {
    let mut element = Element::new("Peers");
    element.children = peers.iter().map(PeerInfo::to_element).collect();
    element
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::property::{AccessType, PropertyName, PropertyValue};
    use crate::xml::XmlLimits;

    #[test]
    fn profile_example_peer_list_reads_back() {
        let text = r#"<Peers>
          <Peer>
            <PeerID>9c1185a5c5e9fc54612808977ee8f548b2258d31</PeerID>
            <Address ip="198.51.100.7" port="6778" transport="ppspp/udp"/>
            <Address ip="198.51.100.7" port="8080" transport="http"/>
            <Stat property="access_type">ftth</Stat>
          </Peer>
        </Peers>"#;
        let element = Element::parse(text.as_bytes(), &XmlLimits::default()).unwrap();
        let peers = peers_from_element(&element).unwrap();
        assert_eq!(peers.len(), 1);
        assert_eq!(peers[0].addresses[1].transport, Transport::Http);
        assert_eq!(
            peers[0].addresses[0].addr,
            "198.51.100.7:6778".parse().unwrap()
        );
        assert_eq!(
            peers[0].properties[0],
            Property {
                name: PropertyName::AccessType,
                value: PropertyValue::AccessType(AccessType::Ftth)
            }
        );
        assert_eq!(
            peers_from_element(&peers_to_element(&peers)).unwrap(),
            peers
        );
    }

    #[test]
    fn peer_without_address_or_with_bad_port_is_rejected() {
        let no_address = Element::new("Peer")
            .with_text_child("PeerID", "9c1185a5c5e9fc54612808977ee8f548b2258d31");
        assert_eq!(
            PeerInfo::from_element(&no_address).unwrap_err().element,
            "Peer"
        );
        let bad_port = no_address.with_child(
            Element::new("Address")
                .with_attr("ip", "::1")
                .with_attr("port", "70000")
                .with_attr("transport", "http"),
        );
        assert_eq!(
            PeerInfo::from_element(&bad_port).unwrap_err().element,
            "Address@port"
        );
    }

    #[test]
    fn unknown_transports_are_kept_and_malformed_ones_refused() {
        assert_eq!(
            "quic".parse::<Transport>(),
            Ok(Transport::Other("quic".into()))
        );
        assert_eq!("ppspp/udp".parse::<Transport>(), Ok(Transport::PpsppUdp));
        assert!("UDP!".parse::<Transport>().is_err());
    }
}
