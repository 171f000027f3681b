//! The typed model of PPSTP messages (RFC 7846 section 3), shared by the JSON encoding of the
//! RFC and the project's XML form.
//!
//! Both decoders produce exactly these values and check the same limits, so the tracker's
//! registry never sees which encoding a request arrived in. Semantics that need state (is the
//! peer registered, is a LEECH already in a swarm: RFC 7846 Table 6) belong to the registry;
//! the codec only enforces what a single message must satisfy.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::token::TrackerPeerId;
use super::words::{
    Action, ActionResult, AddressKind, Connection, ErrorCode, NatAbility, PeerMode, RequestType,
};
use crate::ids::{SwarmId, TransactionId};

/// The only PPSTP version defined (RFC 7846 section 3.2.1, IANA "PPSTP Version Number Registry").
pub const PPSTP_VERSION: u8 = 1;
/// Largest `peer_count` a peer may ask for (RFC 7846 says it "should be less than 30"; the
/// XML profile allows 200, the size of a peer list).
pub const MAX_PEER_COUNT: u8 = 200;
/// Most swarm actions in one CONNECT.
pub const MAX_SWARM_ACTIONS: usize = 16;
/// Most addresses a peer may advertise in one CONNECT.
pub const MAX_PEER_ADDRS: usize = 16;
/// Most swarm results in one response (one per swarm action, at most).
pub const MAX_SWARM_RESULTS: usize = MAX_SWARM_ACTIONS;
/// Most peers in one swarm result: the profile's peer-list size.
pub const MAX_RESULT_PEERS: usize = crate::peer_list::MAX_PEERS;
/// Most stream statistics in one STAT_REPORT.
pub const MAX_STREAM_STATS: usize = 64;
/// Longest `<Reason>` accepted in the XML form, in bytes.
pub const MAX_REASON_LEN: usize = 256;

/// A request from a peer to the tracker (RFC 7846 section 3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackerRequest {
    /// Protocol version; decoders only accept [`PPSTP_VERSION`].
    pub version: u8,
    /// Chosen by the peer and echoed in the response.
    pub transaction_id: TransactionId,
    /// The requesting peer.
    pub peer_id: TrackerPeerId,
    /// What is asked.
    pub body: RequestBody,
}

impl TrackerRequest {
    /// A version 1 request.
    pub fn new(transaction_id: TransactionId, peer_id: TrackerPeerId, body: RequestBody) -> Self {
        Self {
            version: PPSTP_VERSION,
            transaction_id,
            peer_id,
            body,
        }
    }
}

/// The request-specific part of a request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum RequestBody {
    /// CONNECT: register, join or leave swarms, optionally ask for peers.
    Connect(Connect),
    /// FIND: ask for peers of one swarm.
    Find(Find),
    /// STAT_REPORT: statistics, or a keep-alive when empty.
    StatReport(StatReport),
}

impl RequestBody {
    /// The request type this body belongs to.
    pub fn request_type(&self) -> RequestType {
        match self {
            Self::Connect(_) => RequestType::Connect,
            Self::Find(_) => RequestType::Find,
            Self::StatReport(_) => RequestType::StatReport,
        }
    }
}

/// A CONNECT request (RFC 7846 section 3.3.1, `ppsp_tp_request_connect`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Connect {
    /// How many peers are wanted back, and the requester's status.
    pub peer_num: Option<PeerNum>,
    /// The requester's addresses, 0..=[`MAX_PEER_ADDRS`].
    pub peer_addrs: Vec<TrackerPeerAddr>,
    /// Swarms to join or leave, 1..=[`MAX_SWARM_ACTIONS`].
    pub swarm_actions: Vec<SwarmAction>,
}

/// A FIND request (RFC 7846 section 3.3.2, `ppsp_tp_request_find`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Find {
    /// The swarm whose peers are wanted.
    pub swarm_id: SwarmId,
    /// How many peers are wanted back, and the requester's status.
    pub peer_num: Option<PeerNum>,
}

/// A STAT_REPORT request (RFC 7846 section 3.3.3).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StatReport {
    /// Per-swarm statistics, 0..=[`MAX_STREAM_STATS`]; empty is the keep-alive that stops the
    /// tracker from de-registering the peer.
    pub stats: Vec<StreamStats>,
}

/// The peer number element (RFC 7846 section 3.2.2): a scope selector plus the requester's
/// status, which the tracker may use to pick peers.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct PeerNum {
    /// Most peers wanted in the returned list, 1..=[`MAX_PEER_COUNT`].
    pub peer_count: u8,
    /// How the requester traverses NAT.
    pub ability_nat: Option<NatAbility>,
    /// The requester's open peer connections.
    pub concurrent_links: Option<u32>,
    /// Seconds the requester has been online.
    pub online_time: Option<u64>,
    /// The requester's upload bandwidth, kbit/s.
    pub upload_bandwidth: Option<u64>,
}

/// One address of a peer (RFC 7846 section 3.2.4, `ppsp_tp_peer_addr_t`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackerPeerAddr {
    /// The IP address; JSON's `address_type` follows from it.
    pub ip: IpAddr,
    /// The port, never 0.
    pub port: u16,
    /// Preference among the peer's addresses: larger is preferred.
    pub priority: u32,
    /// Host, reflexive or relay address.
    pub kind: AddressKind,
    /// The access link, when known.
    pub connection: Option<Connection>,
    /// The autonomous system, as text (the RFC's examples use "45645").
    pub asn: Option<String>,
    /// The peer protocol spoken at this address (RFC 7846 examples: "PPSP-PP").
    pub peer_protocol: Option<String>,
}

impl TrackerPeerAddr {
    /// The address and port together.
    pub fn socket_addr(&self) -> SocketAddr {
        SocketAddr::new(self.ip, self.port)
    }
}

/// One swarm action of a CONNECT (RFC 7846 section 3.2.5, `ppsp_tp_swarm_action_t`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmAction {
    /// The swarm.
    pub swarm_id: SwarmId,
    /// Join or leave.
    pub action: Action,
    /// Seeder or leech.
    pub mode: PeerMode,
}

/// Statistics for one swarm (RFC 7846 section 3.2.9, `stream_stats`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct StreamStats {
    /// The swarm.
    pub swarm_id: SwarmId,
    /// Bytes uploaded so far.
    pub uploaded_bytes: u64,
    /// Bytes downloaded so far.
    pub downloaded_bytes: u64,
    /// Available bandwidth, as the peer measures it.
    pub available_bandwidth: u64,
    /// Open peer connections.
    pub concurrent_links: u32,
}

/// A response from the tracker (RFC 7846 section 3.4).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackerResponse {
    /// Protocol version; decoders only accept [`PPSTP_VERSION`].
    pub version: u8,
    /// The request's transaction ID, echoed.
    pub transaction_id: TransactionId,
    /// The request type answered, when known. Only the XML form carries it (in
    /// `<Response>`); RFC 7846 JSON has no such member, so JSON decoding yields `None`.
    pub request_type: Option<RequestType>,
    /// Success with its results, or an error code.
    pub outcome: ResponseOutcome,
}

impl TrackerResponse {
    /// A version 1 successful response.
    pub fn success(
        transaction_id: TransactionId,
        request_type: Option<RequestType>,
        peer_addr: Option<TrackerPeerAddr>,
        swarm_results: Vec<SwarmResult>,
    ) -> Self {
        Self {
            version: PPSTP_VERSION,
            transaction_id,
            request_type,
            outcome: ResponseOutcome::Success {
                peer_addr,
                swarm_results,
            },
        }
    }

    /// A version 1 failed response without a reason.
    pub fn failure(
        transaction_id: TransactionId,
        request_type: Option<RequestType>,
        code: ErrorCode,
    ) -> Self {
        Self {
            version: PPSTP_VERSION,
            transaction_id,
            request_type,
            outcome: ResponseOutcome::Failure { code, reason: None },
        }
    }
}

/// What a response says (RFC 7846 section 3.4: `response_type` 0 or 1).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub enum ResponseOutcome {
    /// `response_type` 0, `error_code` 0.
    Success {
        /// The requester's public address as the tracker sees it (RFC 7846 section 3.4,
        /// FIND: type REFLEXIVE when the tracker acts like a STUN server).
        peer_addr: Option<TrackerPeerAddr>,
        /// One result per swarm, 0..=[`MAX_SWARM_RESULTS`]; empty for STAT_REPORT.
        swarm_results: Vec<SwarmResult>,
    },
    /// `response_type` 1 with an error code; the body carries nothing else.
    Failure {
        /// Why the request failed.
        code: ErrorCode,
        /// Human-readable detail, at most [`MAX_REASON_LEN`] bytes. Only the XML form carries
        /// it (in `<Reason>`); RFC 7846 JSON has no such member.
        reason: Option<String>,
    },
}

/// The result for one swarm (RFC 7846 section 3.2.7, `ppsp_tp_swarm_action_result_t`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct SwarmResult {
    /// The swarm.
    pub swarm_id: SwarmId,
    /// Whether the action on it succeeded.
    pub result: ActionResult,
    /// Peers of the swarm, 0..=[`MAX_RESULT_PEERS`] (the RFC's `peer_group`).
    pub peers: Vec<TrackerPeer>,
}

/// One entry of a peer list (RFC 7846 section 3.2.6, `ppsp_tp_peer_info_t`).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TrackerPeer {
    /// The peer's ID.
    pub peer_id: TrackerPeerId,
    /// Where it can be reached.
    pub peer_addr: TrackerPeerAddr,
}

/// Checks a `peer_count` value: 1..=[`MAX_PEER_COUNT`].
pub(crate) fn check_peer_count(count: u64) -> Result<u8, String> {
    match u8::try_from(count) {
        Ok(count) if (1..=MAX_PEER_COUNT).contains(&count) => Ok(count),
        _ => Err(format!("{count} is outside 1..={MAX_PEER_COUNT}")),
    }
}

/// Checks a port: 0 cannot be reached.
pub(crate) fn check_port(port: u16) -> Result<u16, String> {
    if port == 0 {
        return Err("port 0 is not reachable".into());
    }
    Ok(port)
}

/// The problem of a CONNECT without swarm actions (RFC 7846: `swarm_action<1..*>`).
pub(crate) const NO_SWARM_ACTION: &str = "a CONNECT needs at least one swarm action";
