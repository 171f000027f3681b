//! Traffic: draining nodes by the drain contract, routing their transmits through the network,
//! delivering what arrives, and counting and tracing every datagram's fate.

use std::mem;
use std::net::SocketAddr;
use std::time::Duration;

use bytes::Bytes;

use super::{Action, Life, Simulator};
use crate::error::SimError;
use crate::node::{NodeContext, NodeId, SimNode, TimedEvent};
use crate::stats::DropCause;
use crate::trace::{Record, fnv1a};

impl<N: SimNode> Simulator<N> {
    pub(super) fn join_and_drain(
        &mut self,
        id: NodeId,
        spawn: impl FnOnce(&NodeContext) -> N,
    ) -> Result<(), SimError> {
        if self.join(id, spawn) {
            self.drain(id)
        } else {
            Ok(())
        }
    }

    pub(super) fn deliver(
        &mut self,
        from: NodeId,
        to: NodeId,
        data: Bytes,
    ) -> Result<(), SimError> {
        self.in_flight -= 1;
        let len = data.len();
        if !self.is_alive(from) || !self.is_alive(to) {
            self.drop_datagram(from, Some(to), len, DropCause::DeadNode);
            return Ok(());
        }
        self.stats.delivered.add(len);
        let hash = fnv1a(&data);
        self.trace.record(
            self.clock.elapsed(),
            Record::Delivered {
                from,
                to,
                len,
                hash,
            },
        );
        let slot = &mut self.slots[to.index()];
        slot.stats.delivered.add(len);
        if let Life::Live(node) = &mut slot.life {
            node.handle_datagram(self.clock.now(), from.addr(), data);
        }
        self.drain(to)
    }

    /// The drain contract: transmits and events until `None`, then the timeout.
    pub(super) fn drain(&mut self, id: NodeId) -> Result<(), SimError> {
        let elapsed = self.clock.elapsed();
        let slot = &mut self.slots[id.index()];
        let Life::Live(node) = &mut slot.life else {
            return Ok(());
        };
        let mut outbox = mem::take(&mut self.outbox);
        outbox.extend(std::iter::from_fn(|| node.poll_transmit()));
        let events = std::iter::from_fn(|| node.poll_event());
        slot.events
            .extend(events.map(|event| TimedEvent { at: elapsed, event }));
        // A timeout in the past means "as soon as possible", which is now.
        let timer = node
            .poll_timeout()
            .map(|t| self.clock.offset_of(t).max(elapsed));
        if timer != slot.timer {
            slot.timer = timer;
            if let Some(at) = timer {
                self.schedule.push(at, Action::Timeout(id));
            }
        }
        let routed = outbox
            .drain(..)
            .try_for_each(|(to, data)| self.route(id, to, data));
        self.outbox = outbox;
        routed
    }

    /// Drains the nodes created or borrowed mutably since the last step.
    pub(super) fn flush(&mut self) -> Result<(), SimError> {
        while let Some(id) = self.dirty.pop_first() {
            self.drain(id)?;
        }
        Ok(())
    }

    /// Hands a transmit to the network and schedules what survives.
    fn route(&mut self, from: NodeId, dest: SocketAddr, data: Bytes) -> Result<(), SimError> {
        let len = data.len();
        let now = self.clock.elapsed();
        self.stats.sent.add(len);
        self.slots[from.index()].stats.sent.add(len);
        let Some(to) = NodeId::from_addr(dest).filter(|to| to.index() < self.slots.len()) else {
            self.drop_datagram(from, None, len, DropCause::DeadNode);
            return Ok(());
        };
        match self.network.send(now, from, to, len) {
            Ok(arrivals) => {
                self.schedule_delivery(arrivals.first, from, to, data.clone());
                if let Some(at) = arrivals.duplicate {
                    self.stats.duplicated.add(len);
                    self.slots[from.index()].stats.duplicated.add(len);
                    self.schedule_delivery(at, from, to, data);
                }
                Ok(())
            }
            Err(cause) => {
                self.drop_datagram(from, Some(to), len, cause);
                if cause == DropCause::Mtu && self.strict_mtu {
                    let mtu = self.network.link(from, to).mtu;
                    return Err(SimError::MtuExceeded {
                        at: now,
                        from,
                        to,
                        len,
                        mtu,
                    });
                }
                Ok(())
            }
        }
    }

    fn schedule_delivery(&mut self, at: Duration, from: NodeId, to: NodeId, data: Bytes) {
        self.in_flight += 1;
        self.schedule.push(at, Action::Deliver { from, to, data });
    }

    fn drop_datagram(&mut self, from: NodeId, to: Option<NodeId>, len: usize, cause: DropCause) {
        self.stats.dropped.add(cause, len);
        self.slots[from.index()].stats.dropped.add(cause, len);
        self.trace.record(
            self.clock.elapsed(),
            Record::Dropped {
                from,
                to,
                len,
                cause,
            },
        );
    }
}
