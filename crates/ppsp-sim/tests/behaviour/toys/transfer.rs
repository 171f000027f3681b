//! Request/response file transfer over lossy UDP: the client keeps a window of block requests
//! outstanding and re-requests a block when its answer is late. Loss makes it retransmit;
//! reordering and duplication make it tolerate out-of-order and repeated blocks.
//!
//! Wire format: `R` + block index (u32) asks for a block; `D` + block index + bytes carries it.

use std::collections::{BTreeMap, VecDeque};
use std::net::SocketAddr;
use std::rc::Rc;
use std::time::{Duration, Instant};

use bytes::{Buf, BufMut, Bytes, BytesMut};
use ppsp_sim::SimNode;

pub(crate) enum Transfer {
    Server(Server),
    Client(Client),
}

/// What the client reports once it has every block.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct TransferDone {
    pub(crate) content: Vec<u8>,
    pub(crate) retransmissions: u64,
}

pub(crate) struct Server {
    blocks: Rc<[Bytes]>,
    outbox: VecDeque<(SocketAddr, Bytes)>,
}

pub(crate) struct Client {
    server: SocketAddr,
    blocks: Vec<Option<Bytes>>,
    /// Next block never requested.
    next_block: usize,
    /// Outstanding requests and when each is re-sent.
    outstanding: BTreeMap<u32, Instant>,
    window: usize,
    retransmit_after: Duration,
    retransmissions: u64,
    outbox: VecDeque<(SocketAddr, Bytes)>,
    finished: bool,
    done: Option<TransferDone>,
}

impl Transfer {
    /// Serves `content` in blocks of `block_size`.
    pub(crate) fn server(content: &[u8], block_size: usize) -> Self {
        let blocks = content
            .chunks(block_size)
            .map(Bytes::copy_from_slice)
            .collect();
        Self::Server(Server {
            blocks,
            outbox: VecDeque::new(),
        })
    }

    /// Fetches `block_count` blocks from `server`, starting at `now`.
    pub(crate) fn client(
        now: Instant,
        server: SocketAddr,
        block_count: usize,
        window: usize,
        retransmit_after: Duration,
    ) -> Self {
        let mut client = Client {
            server,
            blocks: vec![None; block_count],
            next_block: 0,
            outstanding: BTreeMap::new(),
            window,
            retransmit_after,
            retransmissions: 0,
            outbox: VecDeque::new(),
            finished: false,
            done: None,
        };
        client.fill_window(now);
        Self::Client(client)
    }
}

impl Client {
    fn request(&mut self, index: u32, now: Instant) {
        let mut request = BytesMut::with_capacity(5);
        request.put_u8(b'R');
        request.put_u32(index);
        self.outbox.push_back((self.server, request.freeze()));
        self.outstanding.insert(index, now + self.retransmit_after);
    }

    fn fill_window(&mut self, now: Instant) {
        while self.outstanding.len() < self.window && self.next_block < self.blocks.len() {
            self.request(self.next_block as u32, now);
            self.next_block += 1;
        }
    }

    fn receive(&mut self, now: Instant, mut data: Bytes) {
        if data.len() < 5 || data.get_u8() != b'D' {
            return;
        }
        let index = data.get_u32();
        let Some(slot) = self.blocks.get_mut(index as usize) else {
            return;
        };
        self.outstanding.remove(&index);
        if slot.is_none() {
            *slot = Some(data);
        }
        self.fill_window(now);
        if !self.finished && self.blocks.iter().all(Option::is_some) {
            self.finished = true;
            let content = self
                .blocks
                .iter()
                .flatten()
                .flat_map(|block| block.to_vec())
                .collect();
            self.done = Some(TransferDone {
                content,
                retransmissions: self.retransmissions,
            });
        }
    }

    fn retransmit_due(&mut self, now: Instant) {
        let due: Vec<u32> = self
            .outstanding
            .iter()
            .filter(|&(_, &at)| at <= now)
            .map(|(&index, _)| index)
            .collect();
        for index in due {
            self.retransmissions += 1;
            self.request(index, now);
        }
    }
}

impl Server {
    fn receive(&mut self, from: SocketAddr, mut data: Bytes) {
        if data.len() != 5 || data.get_u8() != b'R' {
            return;
        }
        let index = data.get_u32();
        if let Some(block) = self.blocks.get(index as usize) {
            let mut reply = BytesMut::with_capacity(5 + block.len());
            reply.put_u8(b'D');
            reply.put_u32(index);
            reply.put_slice(block);
            self.outbox.push_back((from, reply.freeze()));
        }
    }
}

impl SimNode for Transfer {
    type Event = TransferDone;

    fn handle_datagram(&mut self, now: Instant, from: SocketAddr, data: Bytes) {
        match self {
            Self::Server(server) => server.receive(from, data),
            Self::Client(client) if from == client.server => client.receive(now, data),
            Self::Client(_) => {}
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        if let Self::Client(client) = self {
            client.retransmit_due(now);
        }
    }

    fn poll_transmit(&mut self) -> Option<(SocketAddr, Bytes)> {
        match self {
            Self::Server(server) => server.outbox.pop_front(),
            Self::Client(client) => client.outbox.pop_front(),
        }
    }

    fn poll_event(&mut self) -> Option<TransferDone> {
        match self {
            Self::Server(_) => None,
            Self::Client(client) => client.done.take(),
        }
    }

    fn poll_timeout(&self) -> Option<Instant> {
        match self {
            Self::Server(_) => None,
            Self::Client(client) => client.outstanding.values().min().copied(),
        }
    }
}
