//! Binding the node's UDP socket with larger kernel buffers.

use std::net::{SocketAddr, UdpSocket};

use socket2::{Domain, Protocol, Socket, Type};

use super::NodeError;

/// Binds a non-blocking UDP socket to `addr`, asking for `buffer` bytes of receive and send
/// buffer: the default (about 208 KiB on Linux) overflows at a few hundred Mbit/s of
/// 1 KiB datagrams. The kernel may grant less (capped by `net.core.rmem_max`), which only
/// costs throughput, so those requests are best effort. An IPv6 socket bound to `::` also
/// accepts IPv4 (dual stack) where the system allows it.
pub(crate) fn bind(addr: SocketAddr, buffer: usize) -> Result<UdpSocket, NodeError> {
    let bind_error = |source| NodeError::Bind { addr, source };
    let socket = Socket::new(Domain::for_address(addr), Type::DGRAM, Some(Protocol::UDP))
        .map_err(bind_error)?;
    if addr.is_ipv6() && addr.ip().is_unspecified() {
        let _ = socket.set_only_v6(false);
    }
    if buffer > 0 {
        let _ = socket.set_recv_buffer_size(buffer);
        let _ = socket.set_send_buffer_size(buffer);
    }
    socket.set_nonblocking(true).map_err(bind_error)?;
    socket.bind(&addr.into()).map_err(bind_error)?;
    Ok(socket.into())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn binding_a_port_in_use_names_the_address() {
        let first = bind("127.0.0.1:0".parse().unwrap(), 1 << 20).unwrap();
        let taken = first.local_addr().unwrap();
        let error = bind(taken, 1 << 20).unwrap_err();
        assert!(matches!(error, NodeError::Bind { addr, .. } if addr == taken));
        assert!(error.to_string().contains(&taken.to_string()), "{error}");
    }

    #[test]
    fn larger_buffers_are_granted_up_to_the_system_limit() {
        let socket = bind("127.0.0.1:0".parse().unwrap(), 4 << 20).unwrap();
        let granted = Socket::from(socket).recv_buffer_size().unwrap();
        // Linux doubles the request and caps it at rmem_max; either way above the 208 KiB
        // default unless the system limit is lower than that.
        let cap = std::fs::read_to_string("/proc/sys/net/core/rmem_max")
            .ok()
            .and_then(|s| s.trim().parse::<usize>().ok())
            .unwrap_or(usize::MAX);
        assert!(
            granted >= (4 << 20).min(cap),
            "granted {granted}, cap {cap}"
        );
    }
}
