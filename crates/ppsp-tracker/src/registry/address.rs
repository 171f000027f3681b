//! Addresses: the reflexive address a peer is told (RFC 7846 section 3.4: the requester's
//! public address, type REFLEXIVE, the tracker acting like a STUN server; the seed draft
//! §6.2.2 makes the tracker the natural rendezvous) and the one address other peers are given.

use std::net::{IpAddr, Ipv4Addr, Ipv6Addr, SocketAddr};

use ppsp_wire::tracker::{AddressKind, TrackerPeerAddr};

/// `addr` with an IPv4-mapped IPv6 address (`::ffff:a.b.c.d`, what a dual-stack socket
/// reports) turned back into IPv4, so one peer has one spelling.
pub fn canonical(addr: SocketAddr) -> SocketAddr {
    match addr.ip() {
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => SocketAddr::new(IpAddr::V4(v4), addr.port()),
            None => addr,
        },
        IpAddr::V4(_) => addr,
    }
}

/// The address the tracker saw a request come from, as the response's `peer_addr`.
pub fn reflexive(source: SocketAddr) -> TrackerPeerAddr {
    let source = canonical(source);
    TrackerPeerAddr {
        ip: source.ip(),
        port: source.port().max(1),
        priority: 1,
        kind: AddressKind::Reflexive,
        connection: None,
        asn: None,
        peer_protocol: None,
    }
}

/// The one address other peers are given for a peer that advertised `advertised` and whose
/// request came from `source`.
///
/// The advertised address of highest priority wins, except that an unspecified IP, or a
/// private one when the request came from a public IP (the peer is behind NAT), is replaced by
/// the source IP with the advertised port, typed REFLEXIVE: most NATs keep the port of an
/// outgoing UDP flow. A peer that advertised nothing is given its source address.
pub fn public_addr(advertised: &[TrackerPeerAddr], source: SocketAddr) -> TrackerPeerAddr {
    let source = canonical(source);
    let best = advertised
        .iter()
        .enumerate()
        .max_by_key(|(index, addr)| (addr.priority, std::cmp::Reverse(*index)))
        .map(|(_, addr)| addr);
    let Some(best) = best else {
        return reflexive(source);
    };
    let behind_nat = !is_local(source.ip()) && is_local(best.ip);
    if best.ip.is_unspecified() || behind_nat {
        return TrackerPeerAddr {
            ip: source.ip(),
            kind: AddressKind::Reflexive,
            ..best.clone()
        };
    }
    best.clone()
}

/// Whether `ip` is only meaningful inside one host or site.
fn is_local(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => is_local_v4(v4),
        IpAddr::V6(v6) => match v6.to_ipv4_mapped() {
            Some(v4) => is_local_v4(v4),
            None => is_local_v6(v6),
        },
    }
}

fn is_local_v4(ip: Ipv4Addr) -> bool {
    let shared = ip.octets()[0] == 100 && (ip.octets()[1] & 0xc0) == 64; // 100.64.0.0/10, CGNAT
    ip.is_private() || ip.is_loopback() || ip.is_link_local() || ip.is_unspecified() || shared
}

fn is_local_v6(ip: Ipv6Addr) -> bool {
    ip.is_loopback() || ip.is_unspecified() || ip.is_unique_local() || ip.is_unicast_link_local()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn host(ip: &str, port: u16, priority: u32) -> TrackerPeerAddr {
        TrackerPeerAddr {
            ip: ip.parse().unwrap(),
            port,
            priority,
            kind: AddressKind::Host,
            connection: None,
            asn: None,
            peer_protocol: Some("PPSP-PP".into()),
        }
    }

    #[test]
    fn reflexive_address_is_the_source_in_ipv4_form() {
        let addr = reflexive("[::ffff:198.51.100.1]:4242".parse().unwrap());
        assert_eq!(addr.socket_addr(), "198.51.100.1:4242".parse().unwrap());
        assert_eq!(addr.kind, AddressKind::Reflexive);
    }

    #[test]
    fn highest_priority_public_address_is_kept() {
        let addrs = [host("192.0.2.2", 6778, 1), host("2001:db8::2", 6779, 2)];
        let chosen = public_addr(&addrs, "192.0.2.2:50000".parse().unwrap());
        assert_eq!(chosen, addrs[1]);
    }

    #[test]
    fn private_address_behind_nat_becomes_source_ip_with_advertised_port() {
        let addrs = [host("192.168.1.10", 6778, 1)];
        let chosen = public_addr(&addrs, "198.51.100.7:40000".parse().unwrap());
        assert_eq!(chosen.socket_addr(), "198.51.100.7:6778".parse().unwrap());
        assert_eq!(chosen.kind, AddressKind::Reflexive);
        assert_eq!(chosen.peer_protocol.as_deref(), Some("PPSP-PP"));
    }

    #[test]
    fn private_address_seen_from_a_private_source_is_kept() {
        let addrs = [host("10.0.0.5", 6778, 1)];
        let chosen = public_addr(&addrs, "10.0.0.5:40000".parse().unwrap());
        assert_eq!(chosen, addrs[0]);
    }

    #[test]
    fn unspecified_or_missing_address_uses_the_source() {
        let chosen = public_addr(
            &[host("0.0.0.0", 6778, 1)],
            "127.0.0.1:4000".parse().unwrap(),
        );
        assert_eq!(chosen.socket_addr(), "127.0.0.1:6778".parse().unwrap());
        let chosen = public_addr(&[], "127.0.0.1:4000".parse().unwrap());
        assert_eq!(chosen.socket_addr(), "127.0.0.1:4000".parse().unwrap());
    }
}
