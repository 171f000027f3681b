//! A measuring node: sends numbered, timestamped datagrams on a schedule, reports every arrival,
//! and optionally echoes what it receives (two echoing probes ping-pong forever).

use std::collections::VecDeque;
use std::net::SocketAddr;
use std::time::{Duration, Instant};

use bytes::{BufMut, Bytes, BytesMut};
use ppsp_sim::SimNode;

/// What a probe sends: `count` datagrams of `size` bytes to `to`, one every `interval` from
/// its creation (all at once when the interval is zero).
#[derive(Debug, Clone, Copy)]
pub(crate) struct SendPlan {
    pub(crate) to: SocketAddr,
    pub(crate) count: u64,
    pub(crate) interval: Duration,
    pub(crate) size: usize,
}

/// A datagram a probe received.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) struct Arrival {
    pub(crate) seq: u64,
    pub(crate) from: SocketAddr,
    /// When it was sent, as an offset from the simulation start.
    pub(crate) sent: Duration,
    pub(crate) len: usize,
}

pub(crate) struct Probe {
    /// The simulation start, so timestamps in payloads are offsets comparable with event times.
    epoch: Instant,
    plan: Option<SendPlan>,
    sent: u64,
    next_send: Instant,
    echo: bool,
    outbox: VecDeque<(SocketAddr, Bytes)>,
    arrivals: VecDeque<Arrival>,
}

impl Probe {
    /// Receives and reports, sends nothing.
    pub(crate) fn sink(epoch: Instant) -> Self {
        Self {
            epoch,
            plan: None,
            sent: 0,
            next_send: epoch,
            echo: false,
            outbox: VecDeque::new(),
            arrivals: VecDeque::new(),
        }
    }

    /// Follows `plan` from `now` on.
    pub(crate) fn sender(epoch: Instant, now: Instant, plan: SendPlan) -> Self {
        Self {
            plan: Some(plan),
            next_send: now,
            ..Self::sink(epoch)
        }
    }

    /// Sends every datagram it receives back to its sender.
    pub(crate) fn echoing(mut self) -> Self {
        self.echo = true;
        self
    }

    /// Sends one datagram now (a command, as an application gives an engine).
    pub(crate) fn send_now(&mut self, now: Instant, to: SocketAddr, seq: u64, size: usize) {
        let payload = self.payload(now, seq, size);
        self.outbox.push_back((to, payload));
    }

    fn payload(&self, now: Instant, seq: u64, size: usize) -> Bytes {
        let mut payload = BytesMut::with_capacity(size.max(16));
        payload.put_u64(seq);
        payload.put_u64(u64::try_from((now - self.epoch).as_nanos()).unwrap());
        // Filler that differs per datagram, so content hashes differ too.
        while payload.len() < size {
            payload.put_u8((seq as usize + payload.len()) as u8);
        }
        payload.freeze()
    }
}

impl SimNode for Probe {
    type Event = Arrival;

    fn handle_datagram(&mut self, _now: Instant, from: SocketAddr, data: Bytes) {
        let word = |at: usize| u64::from_be_bytes(data[at..at + 8].try_into().unwrap());
        let sent = Duration::from_nanos(word(8));
        self.arrivals.push_back(Arrival {
            seq: word(0),
            from,
            sent,
            len: data.len(),
        });
        if self.echo {
            self.outbox.push_back((from, data));
        }
    }

    fn handle_timeout(&mut self, now: Instant) {
        let Some(plan) = self.plan else { return };
        while self.sent < plan.count && self.next_send <= now {
            let payload = self.payload(now, self.sent, plan.size);
            self.outbox.push_back((plan.to, payload));
            self.sent += 1;
            self.next_send += plan.interval;
        }
    }

    fn poll_transmit(&mut self) -> Option<(SocketAddr, Bytes)> {
        self.outbox.pop_front()
    }

    fn poll_event(&mut self) -> Option<Arrival> {
        self.arrivals.pop_front()
    }

    fn poll_timeout(&self) -> Option<Instant> {
        let plan = self.plan?;
        (self.sent < plan.count).then_some(self.next_send)
    }
}
