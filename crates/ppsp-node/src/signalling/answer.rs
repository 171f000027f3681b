//! One request in, one response out: the methods of PEER-PROTOCOL-XML.md §3 answered from the
//! node's view and the signalling state. No I/O here, so every rule is testable directly.

use std::collections::BTreeMap;
use std::time::Instant;

use ppsp_core::ChunkSet;
use ppsp_wire::ids::{ChunkIndex, PeerId, SwarmId};
use ppsp_wire::peer::{
    FindQuery, Request, RequestBody, Response, ResponseBody, Status, TransportOffer,
};
use ppsp_wire::peer_list::{
    MAX_ADDRESSES_PER_PEER, MAX_PROPERTIES_PER_PEER, PeerAddress, PeerInfo,
};
use ppsp_wire::property::{Property, PropertyName, PropertyValue};

use super::maps::{self, MapEncoding};
use super::properties::{Measured, load_percent};
use super::slots::Admission;
use super::state::SignallingState;
use super::view::NodeView;

/// What an answer is computed from.
pub(crate) struct Context<'a> {
    pub(crate) view: &'a dyn NodeView,
    pub(crate) state: &'a SignallingState,
    pub(crate) now: Instant,
    /// The `<CHUNK>` encoding asked for by the request's `PPSP-Chunk-Encoding` header.
    pub(crate) encoding: MapEncoding,
}

/// A peer as a candidate for a FIND answer.
struct Candidate {
    info: PeerInfo,
    last_seen: Instant,
    availability: Option<ChunkSet>,
}

impl Context<'_> {
    /// Answers `request`.
    pub(crate) fn answer(&self, request: &Request) -> Response {
        let tx = request.transaction_id.clone();
        let method = request.body.method();
        let fail =
            |status: Status, reason: String| Response::error(tx.clone(), method, status, reason);
        let from = request.peer_id;
        let result = match &request.body {
            RequestBody::Find { query, chunk } => self.find(query, *chunk, false, from),
            RequestBody::FindChunk { query, chunk } => self.find(query, Some(*chunk), true, from),
            RequestBody::ChunkAvailability { swarm_id, report } => match report {
                Some(map) => self.take_report(swarm_id, from, &maps::from_map(map)),
                None => self.pull(swarm_id, from),
            },
            RequestBody::PropertyQuery {
                swarm_id,
                properties,
            } => Ok(self.properties(swarm_id.as_ref(), properties)),
            RequestBody::TransportNegotiation {
                swarm_id,
                transports,
            } => self.negotiate(swarm_id, from, transports),
            RequestBody::Choke { swarm_id } => self.choked_by(swarm_id, from, true),
            RequestBody::Unchoke { swarm_id } => self.choked_by(swarm_id, from, false),
        };
        match result {
            Ok(body) => Response::success(tx, method, body),
            Err((status, reason)) => fail(status, reason),
        }
    }

    fn require_swarm(&self, swarm: &SwarmId) -> Result<(), (Status, String)> {
        if self.view.has_swarm(swarm) {
            Ok(())
        } else {
            Err((
                Status::SwarmNotFound,
                format!("this peer is not in swarm {swarm}"),
            ))
        }
    }

    /// Serving data takes an upload slot; without one the requester is choked.
    pub(crate) fn require_slot(
        &self,
        swarm: &SwarmId,
        from: PeerId,
    ) -> Result<(), (Status, String)> {
        let engine_chokes = self
            .view
            .known_peers(swarm)
            .iter()
            .any(|p| p.info.peer_id == from && p.choked);
        if engine_chokes {
            self.state.choke(swarm, from);
            return Err((
                Status::Choked,
                "this peer's engine gives you no upload slot; wait for UNCHOKE".into(),
            ));
        }
        let admission = self.state.admit(
            swarm,
            from,
            self.now,
            self.view.upload_slots(),
            self.view.engine_slots_in_use(),
        );
        match admission {
            Admission::Granted => Ok(()),
            Admission::Choked => Err((
                Status::Choked,
                "all upload slots are busy; wait for UNCHOKE".into(),
            )),
        }
    }

    fn find(
        &self,
        query: &FindQuery,
        chunk: Option<ChunkIndex>,
        must_hold: bool,
        from: PeerId,
    ) -> Result<ResponseBody, (Status, String)> {
        self.require_swarm(&query.swarm_id)?;
        let mut candidates = self.candidates(&query.swarm_id, from);
        if must_hold {
            let wanted = chunk.map_or(0, |c| c.0);
            candidates.retain(|c| c.availability.as_ref().is_some_and(|a| a.contains(wanted)));
            if candidates.is_empty() {
                return Err((
                    Status::ChunkNotFound,
                    format!("no known peer holds chunk {wanted}"),
                ));
            }
        }
        let score = |info: &PeerInfo| {
            query
                .preferences
                .iter()
                .filter(|p| info.properties.contains(p))
                .count()
        };
        // Best preference match first; among equals, the most recently heard from.
        candidates.sort_by(|a, b| {
            score(&b.info)
                .cmp(&score(&a.info))
                .then(b.last_seen.cmp(&a.last_seen))
        });
        let peers = candidates
            .into_iter()
            .take(usize::from(query.peernum))
            .map(|c| c.info)
            .collect();
        Ok(ResponseBody::Peers {
            swarm_id: query.swarm_id.clone(),
            chunk,
            peers,
        })
    }

    /// Recent peers of the swarm, the requester left out, this node first among equals.
    fn candidates(&self, swarm: &SwarmId, requester: PeerId) -> Vec<Candidate> {
        let ttl = self.state.config().peer_ttl;
        let mut merged: BTreeMap<PeerId, Candidate> = BTreeMap::new();
        if let Some(own) = self.own_entry(swarm) {
            merged.insert(own.info.peer_id, own);
        }
        for known in self.view.known_peers(swarm) {
            merged.insert(
                known.info.peer_id,
                Candidate {
                    info: known.info,
                    last_seen: known.last_seen,
                    availability: known.availability,
                },
            );
        }
        for (id, learned) in self.state.peers(swarm) {
            match merged.get_mut(&id) {
                Some(c) => {
                    c.last_seen = c.last_seen.max(learned.last_seen);
                    if let Some(reported) = learned.availability {
                        c.availability = Some(match &c.availability {
                            Some(a) => a.union(&reported),
                            None => reported,
                        });
                    }
                }
                None => {
                    let Some(info) = learned.info else { continue };
                    merged.insert(
                        id,
                        Candidate {
                            info,
                            last_seen: learned.last_seen,
                            availability: learned.availability,
                        },
                    );
                }
            }
        }
        merged
            .into_values()
            .filter(|c| c.info.peer_id != requester)
            .filter(|c| self.now.saturating_duration_since(c.last_seen) < ttl)
            .filter(|c| !c.info.addresses.is_empty())
            .map(|mut c| {
                c.info.addresses.truncate(MAX_ADDRESSES_PER_PEER);
                c.info.properties.truncate(MAX_PROPERTIES_PER_PEER);
                c
            })
            .collect()
    }

    /// This node as a peer of the swarm, when it has an address to give.
    fn own_entry(&self, swarm: &SwarmId) -> Option<Candidate> {
        let addresses: Vec<PeerAddress> = self
            .view
            .transports()
            .into_iter()
            .filter_map(|offer| {
                Some(PeerAddress {
                    addr: offer.addr?,
                    transport: offer.transport,
                })
            })
            .collect();
        if addresses.is_empty() {
            return None;
        }
        let props = self.view.properties();
        let mut properties = Vec::new();
        if let Some(access) = props.access_type {
            properties.push(Property {
                name: PropertyName::AccessType,
                value: PropertyValue::AccessType(access),
            });
        }
        if let Some(nat) = props.nat_type {
            properties.push(Property {
                name: PropertyName::NatType,
                value: PropertyValue::NatType(nat),
            });
        }
        Some(Candidate {
            info: PeerInfo {
                peer_id: self.view.peer_id(),
                addresses,
                properties,
            },
            last_seen: self.now,
            availability: self.view.local_availability(swarm),
        })
    }

    fn pull(&self, swarm: &SwarmId, from: PeerId) -> Result<ResponseBody, (Status, String)> {
        let have = self.view.local_availability(swarm).ok_or_else(|| {
            (
                Status::SwarmNotFound,
                format!("this peer is not in swarm {swarm}"),
            )
        })?;
        self.require_slot(swarm, from)?;
        Ok(ResponseBody::ChunkAvailability {
            peer_id: self.view.peer_id(),
            swarm_id: swarm.clone(),
            map: maps::to_map(&have, self.encoding),
        })
    }

    fn take_report(
        &self,
        swarm: &SwarmId,
        from: PeerId,
        report: &ChunkSet,
    ) -> Result<ResponseBody, (Status, String)> {
        self.require_swarm(swarm)?;
        self.state.add_reported(swarm, from, report, self.now);
        Ok(ResponseBody::Empty)
    }

    fn properties(&self, swarm: Option<&SwarmId>, asked: &[PropertyName]) -> ResponseBody {
        let total = self.view.upload_slots();
        let in_use = self.view.engine_slots_in_use() + self.state.http_slots_in_use();
        let measured = Measured {
            props: self.view.properties(),
            now: self.now,
            buffer_level: swarm.and_then(|s| self.view.buffer_level(s)),
            load: load_percent(in_use, total),
        };
        ResponseBody::Properties {
            peer_id: self.view.peer_id(),
            stats: measured.stats(asked),
        }
    }

    fn negotiate(
        &self,
        swarm: &SwarmId,
        from: PeerId,
        offers: &[TransportOffer],
    ) -> Result<ResponseBody, (Status, String)> {
        self.require_swarm(swarm)?;
        if self.state.is_choking(swarm, from) {
            return Err((Status::Choked, "you are choked; wait for UNCHOKE".into()));
        }
        let ours = self.view.transports();
        let chosen = offers
            .iter()
            .find_map(|offer| ours.iter().find(|o| o.transport == offer.transport));
        match chosen {
            Some(transport) => Ok(ResponseBody::Transport {
                peer_id: self.view.peer_id(),
                transport: transport.clone(),
            }),
            None => {
                let names: Vec<&str> = ours.iter().map(|o| o.transport.as_str()).collect();
                Err((
                    Status::NoCommonTransport,
                    format!("this peer speaks only: {}", names.join(", ")),
                ))
            }
        }
    }

    fn choked_by(
        &self,
        swarm: &SwarmId,
        from: PeerId,
        choked: bool,
    ) -> Result<ResponseBody, (Status, String)> {
        self.require_swarm(swarm)?;
        self.state.set_choked_by(swarm, from, choked, self.now);
        Ok(ResponseBody::Empty)
    }
}
