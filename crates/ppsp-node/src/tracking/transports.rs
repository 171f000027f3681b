//! How a node's transports travel through an RFC 7846 tracker. The tracker keeps one address
//! per peer, with a free-text `peer_protocol` label; the XML profile lists one address per
//! transport. The label carries the rest:
//!
//! * `PPSP-PP`: RFC 7574 over UDP at the address (what other implementations send);
//! * `PPSP-PP;http=8080`: the same, plus the signalling plane and `http` transport on TCP
//!   port 8080 of the same IP;
//! * `PPSP-PP;http=8080;udp=none`: no UDP; the address is the HTTP server's.

use std::net::SocketAddr;

use ppsp_wire::peer_list::{PeerAddress, PeerInfo, Transport};
use ppsp_wire::tracker::{AddressKind, TrackerPeerAddr, TrackerPeerId};

use crate::node::NodeHandle;
use crate::signalling::synthesized_peer_id;

/// The `peer_protocol` of RFC 7846's examples, which the label starts with.
pub const PEER_PROTOCOL: &str = "PPSP-PP";

/// The address and label a node registers.
pub(crate) fn advertised_addr(node: &NodeHandle) -> TrackerPeerAddr {
    let udp = node.speaks_udp();
    let http = node.http_addr();
    let mut label = PEER_PROTOCOL.to_string();
    if let Some(http) = http {
        label.push_str(&format!(";http={}", http.port()));
    }
    let addr = match http {
        Some(http) if !udp => {
            label.push_str(";udp=none");
            http
        }
        _ => node.local_addr(),
    };
    TrackerPeerAddr {
        ip: addr.ip(),
        port: addr.port(),
        priority: 1,
        kind: AddressKind::Host,
        connection: None,
        asn: None,
        peer_protocol: Some(label),
    }
}

/// Where a peer listed by a tracker speaks each transport.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct PeerTransports {
    pub(crate) udp: Option<SocketAddr>,
    pub(crate) http: Option<SocketAddr>,
}

impl PeerTransports {
    /// Reads a listed address and its label; an unknown or missing label means UDP only.
    pub(crate) fn from_tracker(addr: &TrackerPeerAddr) -> Self {
        let mut transports = Self {
            udp: Some(addr.socket_addr()),
            http: None,
        };
        let Some(label) = addr.peer_protocol.as_deref() else {
            return transports;
        };
        let mut parts = label.split(';');
        if parts.next() != Some(PEER_PROTOCOL) {
            return transports;
        }
        for part in parts {
            match part.split_once('=') {
                Some(("http", port)) => {
                    transports.http = port
                        .parse::<u16>()
                        .ok()
                        .filter(|p| *p != 0)
                        .map(|p| SocketAddr::new(addr.ip, p));
                }
                Some(("udp", "none")) => transports.udp = None,
                _ => {}
            }
        }
        transports
    }

    /// The peer as the signalling plane lists it: its own ID when it is a PPSP peer ID,
    /// else one derived from its address.
    pub(crate) fn peer_info(&self, id: &TrackerPeerId) -> PeerInfo {
        let mut addresses = Vec::new();
        if let Some(addr) = self.udp {
            addresses.push(PeerAddress {
                addr,
                transport: Transport::PpsppUdp,
            });
        }
        if let Some(addr) = self.http {
            addresses.push(PeerAddress {
                addr,
                transport: Transport::Http,
            });
        }
        let fallback = self.udp.or(self.http).map(synthesized_peer_id);
        PeerInfo {
            peer_id: id
                .to_peer_id()
                .or(fallback)
                .unwrap_or_else(|| synthesized_peer_id(SocketAddr::from(([0, 0, 0, 0], 0)))),
            addresses,
            properties: Vec::new(),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn listed(label: Option<&str>) -> TrackerPeerAddr {
        TrackerPeerAddr {
            ip: [127, 0, 0, 1].into(),
            port: 6778,
            priority: 1,
            kind: AddressKind::Host,
            connection: None,
            asn: None,
            peer_protocol: label.map(str::to_string),
        }
    }

    #[test]
    fn labels_say_which_transports_a_listed_peer_speaks() {
        let udp = SocketAddr::from(([127, 0, 0, 1], 6778));
        let http = SocketAddr::from(([127, 0, 0, 1], 8080));
        let plain = PeerTransports::from_tracker(&listed(Some("PPSP-PP")));
        assert_eq!((plain.udp, plain.http), (Some(udp), None));
        let none = PeerTransports::from_tracker(&listed(None));
        assert_eq!((none.udp, none.http), (Some(udp), None));
        let both = PeerTransports::from_tracker(&listed(Some("PPSP-PP;http=8080")));
        assert_eq!((both.udp, both.http), (Some(udp), Some(http)));
        let only_http = listed(Some("PPSP-PP;http=6778;udp=none"));
        let only_http = PeerTransports::from_tracker(&only_http);
        assert_eq!((only_http.udp, only_http.http), (None, Some(udp)));
        let foreign = PeerTransports::from_tracker(&listed(Some("other;http=8080")));
        assert_eq!(foreign.http, None, "labels of other protocols are not read");
        let bad = PeerTransports::from_tracker(&listed(Some("PPSP-PP;http=0")));
        assert_eq!(bad.http, None);
    }

    #[test]
    fn a_peer_without_a_ppsp_peer_id_gets_a_stable_one_from_its_address() {
        let transports = PeerTransports::from_tracker(&listed(Some("PPSP-PP")));
        let foreign = TrackerPeerId::new("not-hex-peer").unwrap();
        let a = transports.peer_info(&foreign);
        let b = transports.peer_info(&foreign);
        assert_eq!(a.peer_id, b.peer_id);
        assert_eq!(
            a.peer_id,
            synthesized_peer_id(SocketAddr::from(([127, 0, 0, 1], 6778)))
        );
        let own = ppsp_wire::ids::PeerId([7; 20]);
        assert_eq!(transports.peer_info(&TrackerPeerId::from(own)).peer_id, own);
    }
}
