//! Peer exchange (RFC 7574 section 3.10): answering PEX_REQ with peers we talked to
//! recently, and passing on the peers others tell us about.

use std::net::{IpAddr, SocketAddr};

use ppsp_wire::ppspp::Message;

use super::channel::Channel;
use super::event::Event;
use super::swarm::{Flow, Io, Swarm};

/// Whether `ip` is only meaningful inside some private scope: RFC 1918 private, RFC 4193
/// unique-local, link-local, loopback, multicast or unspecified.
fn is_scoped(ip: IpAddr) -> bool {
    match ip {
        IpAddr::V4(v4) => {
            v4.is_private()
                || v4.is_link_local()
                || v4.is_loopback()
                || v4.is_multicast()
                || v4.is_unspecified()
                || v4.is_broadcast()
        }
        IpAddr::V6(v6) => {
            if let Some(v4) = v6.to_ipv4_mapped() {
                return is_scoped(IpAddr::V4(v4));
            }
            let first = v6.segments()[0];
            (first & 0xfe00) == 0xfc00 // unique local fc00::/7
                || (first & 0xffc0) == 0xfe80 // link local fe80::/10
                || v6.is_loopback()
                || v6.is_multicast()
                || v6.is_unspecified()
        }
    }
}

/// Whether `peer` may be told to `requester`: a requester on a public address never gets
/// private, unique-local, link-local or multicast addresses (section 3.10); requesters in
/// a private scope (loopback included) may get any.
pub(crate) fn shareable(peer: SocketAddr, requester: SocketAddr) -> bool {
    is_scoped(requester.ip()) || !is_scoped(peer.ip())
}

impl Swarm {
    /// Answers pending PEX_REQs with the open channels that sent us something within the
    /// PEX window, the requester excluded.
    pub(crate) fn answer_pex(&mut self, io: &mut Io<'_>) {
        if !self.channels.values().any(|c| c.pex_wanted) {
            return;
        }
        let recent: Vec<SocketAddr> = self
            .channels
            .values()
            .filter(|c| {
                c.is_open() && io.now.saturating_duration_since(c.last_recv) <= io.config.pex_window
            })
            .map(|c| c.addr)
            .collect();
        for channel in self.channels.values_mut().filter(|c| c.pex_wanted) {
            channel.pex_wanted = false;
            if !channel.is_open() {
                continue;
            }
            let requester = channel.addr;
            let answers: Vec<Message> = recent
                .iter()
                .filter(|&&peer| peer != requester && shareable(peer, requester))
                .take(io.config.max_pex_peers)
                .map(|&peer| match peer {
                    SocketAddr::V4(addr) => Message::PexResV4 { addr },
                    SocketAddr::V6(addr) => Message::PexResV6 { addr },
                })
                .collect();
            for answer in answers {
                channel.send(answer);
            }
        }
    }

    /// A PEX_RES: kept (up to the limit per channel) if we asked this peer, and if the
    /// address is neither banned nor already a channel of ours.
    pub(crate) fn on_pex_res(
        &mut self,
        io: &mut Io<'_>,
        channel: &mut Channel,
        peer: SocketAddr,
    ) -> Flow {
        if channel.pex_asked
            && channel.pex_received < io.config.max_pex_peers
            && !self.banned.contains(&peer)
            && !self.channels.values().any(|c| c.addr == peer)
            && peer != channel.addr
            && !self.discovered.contains(&peer)
        {
            channel.pex_received += 1;
            self.discovered.push(peer);
        }
        Flow::Continue
    }

    /// Reports the addresses learned since the last call in one event, and keeps them for
    /// the endpoint to connect to while we still download.
    pub(crate) fn report_discovered(&mut self, io: &mut Io<'_>) {
        if !self.discovered.is_empty() {
            if !self.complete && io.config.max_peers_per_swarm > 0 {
                self.to_connect.extend(self.discovered.iter().copied());
            }
            io.events.push_back(Event::PeersDiscovered {
                swarm: self.id.clone(),
                peers: std::mem::take(&mut self.discovered),
            });
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn addr(s: &str) -> SocketAddr {
        s.parse().unwrap()
    }

    #[test]
    fn public_requesters_get_only_public_addresses() {
        let public = addr("203.0.113.5:7000");
        for scoped in [
            "10.1.2.3:1",
            "172.16.0.1:1",
            "192.168.1.1:1",
            "169.254.0.1:1",
            "224.0.0.1:1",
            "[fc00::1]:1",
            "[fe80::1]:1",
            "[ff02::1]:1",
            "[::ffff:10.0.0.1]:1",
        ] {
            assert!(!shareable(addr(scoped), public), "{scoped}");
        }
        assert!(shareable(addr("198.51.100.7:1"), public));
        assert!(shareable(addr("[2001:db8::1]:1"), public));
    }

    #[test]
    fn private_and_loopback_requesters_get_everything() {
        assert!(shareable(addr("127.0.0.1:5"), addr("127.0.0.1:6")));
        assert!(shareable(addr("10.0.0.2:5"), addr("192.168.0.9:6")));
    }
}
