//! The requesting side: one function per method, and the seed slides' PULL flow built from
//! them (FIND for more peers, pull availability, query properties, negotiate the transport).
//!
//! A peer's signalling endpoint is its `http` address: the HTTP server that answers
//! `POST /ppsp` (and, when negotiated, serves chunks). Answers are remembered in the shared
//! [`SignallingState`]: peers learned, availability pulled, who choked us.

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Instant;

use hyper::header::HeaderName;
use ppsp_core::ChunkSet;
use ppsp_wire::ids::{ChunkIndex, PeerId, SwarmId, TransactionId};
use ppsp_wire::peer::{
    FindQuery, MAX_PEERNUM, PeerMessage, Request, RequestBody, Response, ResponseBody, Status,
    TransportOffer,
};
use ppsp_wire::peer_list::{PeerInfo, Transport};
use ppsp_wire::property::{Property, PropertyName, Stat};
use ppsp_wire::xml::{Element, XmlLimits};

use super::http_client::{Bounds, HttpClient, HttpError};
use super::maps;
use super::server::PEER_PATH;
use super::state::SignallingState;

/// Why a request did not get a successful answer.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The HTTP exchange failed.
    #[error(transparent)]
    Http(#[from] HttpError),
    /// The peer answered with an error status.
    #[error("peer answered {status}: {}", reason.as_deref().unwrap_or("no reason given"))]
    Refused {
        /// The status.
        status: Status,
        /// The peer's `<Reason>`.
        reason: Option<String>,
    },
    /// The answer is not a valid response to the request.
    #[error("malformed answer: {0}")]
    Malformed(String),
    /// The peer lists no `http` address, so it cannot be asked anything.
    #[error("peer {0} has no http address")]
    NoHttpAddress(PeerId),
}

impl ClientError {
    /// The status the peer answered with, if it answered.
    pub fn status(&self) -> Option<Status> {
        match self {
            Self::Refused { status, .. } => Some(*status),
            _ => None,
        }
    }
}

/// Where a peer's signalling is answered: its first `http` address.
pub fn signalling_addr(peer: &PeerInfo) -> Option<SocketAddr> {
    peer.addresses
        .iter()
        .find(|a| a.transport == Transport::Http)
        .map(|a| a.addr)
}

/// Sends XML peer-protocol requests on behalf of one node.
#[derive(Debug)]
pub struct SignallingClient {
    peer_id: PeerId,
    state: Arc<SignallingState>,
    pub(crate) http: HttpClient,
    next_transaction: AtomicU64,
    /// Request and response bytes exchanged (the plane's control overhead).
    bytes: AtomicU64,
}

impl SignallingClient {
    /// A client speaking as `peer_id`, remembering answers in `state`.
    pub fn new(peer_id: PeerId, state: Arc<SignallingState>) -> Self {
        Self {
            peer_id,
            state,
            http: HttpClient::default(),
            next_transaction: AtomicU64::new(1),
            bytes: AtomicU64::new(0),
        }
    }

    /// The peer ID requests carry.
    pub fn peer_id(&self) -> PeerId {
        self.peer_id
    }

    /// The shared signalling state.
    pub fn state(&self) -> &Arc<SignallingState> {
        &self.state
    }

    /// XML bytes sent and received so far (bodies only).
    pub fn signalling_bytes(&self) -> u64 {
        self.bytes.load(Ordering::Relaxed)
    }

    /// Sends one request to the peer at `addr` and returns its successful response.
    pub async fn request(
        &self,
        addr: SocketAddr,
        body: RequestBody,
        extra_headers: &[(HeaderName, String)],
    ) -> Result<Response, ClientError> {
        let n = self.next_transaction.fetch_add(1, Ordering::Relaxed);
        let transaction_id = TransactionId::new(format!("{n:x}"))
            .map_err(|e| ClientError::Malformed(e.to_string()))?;
        let method = body.method();
        let document = PeerMessage::Request(Request {
            transaction_id: transaction_id.clone(),
            peer_id: self.peer_id,
            body,
        })
        .to_xml();
        let config = self.state.config();
        let sent = document.len() as u64;
        let answer = self
            .http
            .post_xml(
                addr,
                PEER_PATH,
                document,
                extra_headers,
                Bounds {
                    max_bytes: config.max_body_bytes,
                    timeout: config.request_timeout,
                },
            )
            .await?;
        self.bytes
            .fetch_add(sent + answer.body.len() as u64, Ordering::Relaxed);
        let limits = XmlLimits {
            max_bytes: config.max_body_bytes,
            ..XmlLimits::default()
        };
        let response = match PeerMessage::from_xml_with_limits(&answer.body, &limits) {
            Ok(PeerMessage::Response(response)) => response,
            Ok(PeerMessage::Request(_)) => {
                return Err(ClientError::Malformed("a request came back".into()));
            }
            Err(error) => return Err(loose_error(&answer.body, &limits, &error.to_string())),
        };
        if response.transaction_id != transaction_id || response.method != method {
            return Err(ClientError::Malformed(
                "transaction ID or method not echoed".into(),
            ));
        }
        if response.status != Status::Successful {
            return Err(ClientError::Refused {
                status: response.status,
                reason: response.reason,
            });
        }
        Ok(response)
    }

    /// FIND: peers the responder knows in `swarm`, remembered in the state. Preferences steer
    /// which peers come back (draft 4.2.1).
    pub async fn find(
        &self,
        addr: SocketAddr,
        swarm: &SwarmId,
        peernum: u8,
        preferences: Vec<Property>,
    ) -> Result<Vec<PeerInfo>, ClientError> {
        let query = FindQuery {
            swarm_id: swarm.clone(),
            peernum: peernum.clamp(1, MAX_PEERNUM),
            preferences,
        };
        let body = RequestBody::Find { query, chunk: None };
        self.peers_answer(addr, swarm, body).await
    }

    /// FIND_CHUNK: peers the responder knows to hold `chunk`.
    pub async fn find_chunk(
        &self,
        addr: SocketAddr,
        swarm: &SwarmId,
        chunk: u64,
        peernum: u8,
    ) -> Result<Vec<PeerInfo>, ClientError> {
        let query = FindQuery {
            swarm_id: swarm.clone(),
            peernum: peernum.clamp(1, MAX_PEERNUM),
            preferences: Vec::new(),
        };
        let body = RequestBody::FindChunk {
            query,
            chunk: ChunkIndex(chunk),
        };
        let peers = self.peers_answer(addr, swarm, body).await?;
        // The holders hold the chunk: remember that much of their availability.
        let one: ChunkSet = ppsp_core::ChunkRange::single(chunk).into_iter().collect();
        for peer in &peers {
            self.state
                .add_reported(swarm, peer.peer_id, &one, Instant::now());
        }
        Ok(peers)
    }

    async fn peers_answer(
        &self,
        addr: SocketAddr,
        swarm: &SwarmId,
        body: RequestBody,
    ) -> Result<Vec<PeerInfo>, ClientError> {
        let response = self.request(addr, body, &[]).await?;
        let ResponseBody::Peers { peers, .. } = response.body else {
            return Err(ClientError::Malformed("no <Peers> in the answer".into()));
        };
        let peers: Vec<PeerInfo> = peers
            .into_iter()
            .filter(|p| p.peer_id != self.peer_id)
            .collect();
        self.state.learn_peers(swarm, &peers, Instant::now());
        Ok(peers)
    }

    /// CHUNK_AVAILABILITY pull: what the responder holds, remembered as its availability.
    /// Returns the responder's peer ID with its map. A CHOKED answer is remembered too.
    pub async fn pull_availability(
        &self,
        addr: SocketAddr,
        swarm: &SwarmId,
    ) -> Result<(PeerId, ChunkSet), ClientError> {
        let body = RequestBody::ChunkAvailability {
            swarm_id: swarm.clone(),
            report: None,
        };
        let response = self.request(addr, body, &[]).await?;
        let ResponseBody::ChunkAvailability { peer_id, map, .. } = response.body else {
            return Err(ClientError::Malformed("no <CHUNK> in the answer".into()));
        };
        let set = maps::from_map(&map);
        self.state
            .set_pulled(swarm, peer_id, set.clone(), Instant::now());
        Ok((peer_id, set))
    }

    /// CHUNK_AVAILABILITY push: reports chunks verified since the last report.
    pub async fn push_report(
        &self,
        addr: SocketAddr,
        swarm: &SwarmId,
        report: &ChunkSet,
    ) -> Result<(), ClientError> {
        let body = RequestBody::ChunkAvailability {
            swarm_id: swarm.clone(),
            report: Some(maps::to_map(report, maps::MapEncoding::Smaller)),
        };
        self.request(addr, body, &[]).await.map(|_| ())
    }

    /// PROPERTY_QUERY: the responder's values for `names` (all for an empty list).
    pub async fn query_properties(
        &self,
        addr: SocketAddr,
        swarm: Option<&SwarmId>,
        names: Vec<PropertyName>,
    ) -> Result<(PeerId, Vec<Stat>), ClientError> {
        let body = RequestBody::PropertyQuery {
            swarm_id: swarm.cloned(),
            properties: names,
        };
        let response = self.request(addr, body, &[]).await?;
        let ResponseBody::Properties { peer_id, stats } = response.body else {
            return Err(ClientError::Malformed(
                "no <StatRequest> in the answer".into(),
            ));
        };
        Ok((peer_id, stats))
    }

    /// TRANSPORT_NEGOTIATION: the first of `offers` (our order of preference) the responder
    /// speaks, with where to reach it.
    pub async fn negotiate(
        &self,
        addr: SocketAddr,
        swarm: &SwarmId,
        offers: &[Transport],
    ) -> Result<TransportOffer, ClientError> {
        let body = RequestBody::TransportNegotiation {
            swarm_id: swarm.clone(),
            transports: offers.iter().cloned().map(TransportOffer::named).collect(),
        };
        let response = self.request(addr, body, &[]).await?;
        let ResponseBody::Transport { transport, .. } = response.body else {
            return Err(ClientError::Malformed(
                "no <TransProt> in the answer".into(),
            ));
        };
        if !offers.contains(&transport.transport) {
            return Err(ClientError::Malformed(format!(
                "peer chose {} which was not offered",
                transport.transport
            )));
        }
        Ok(transport)
    }

    /// CHOKE (`choke`) or UNCHOKE: tells the peer whether we will upload to it.
    pub async fn send_choke(
        &self,
        addr: SocketAddr,
        swarm: &SwarmId,
        choke: bool,
    ) -> Result<(), ClientError> {
        let swarm_id = swarm.clone();
        let body = if choke {
            RequestBody::Choke { swarm_id }
        } else {
            RequestBody::Unchoke { swarm_id }
        };
        self.request(addr, body, &[]).await.map(|_| ())
    }

    /// Notes a CHOKED answer from `peer`, so it is not asked again for a while.
    pub(crate) fn note_refusal(&self, swarm: &SwarmId, peer: PeerId, error: &ClientError) {
        if error.status() == Some(Status::Choked) {
            self.state.set_choked_by(swarm, peer, true, Instant::now());
        }
    }
}

/// An answer the codec refused: if it still carries a `<Status>`, the peer's refusal (an error
/// document for a request it could not read names no method), else a malformed answer.
fn loose_error(body: &[u8], limits: &XmlLimits, problem: &str) -> ClientError {
    let Ok(root) = Element::parse(body, limits) else {
        return ClientError::Malformed(problem.to_string());
    };
    let text = |name: &str| root.children_named(name).next().map(|e| e.text.clone());
    match text("Status").and_then(|s| s.parse::<Status>().ok()) {
        Some(status) if status != Status::Successful => ClientError::Refused {
            status,
            reason: text("Reason"),
        },
        _ => ClientError::Malformed(problem.to_string()),
    }
}
