//! Typed requests and responses of the XML peer protocol, and their element forms.
//!
//! Output order inside the root follows PEER-PROTOCOL-XML.md §3; on input the order is free and
//! unknown elements are ignored (forward compatibility), while a missing required element or a
//! second copy of a single-valued one is an error naming the element.

use std::net::{IpAddr, SocketAddr};

use serde::Serialize;

use super::chunk_map::ChunkMap;
use super::envelope::{Method, Status};
use crate::ids::{ChunkIndex, PeerId, SwarmId, TransactionId};
use crate::peer_list::{PeerInfo, Transport, peers_from_element, peers_to_element};
use crate::property::{Property, PropertyName, Stat};
use crate::schema::{
    SchemaError, check_list_len, optional_attr, optional_child, optional_text, required_attr,
    required_child, required_text,
};
use crate::xml::Element;

/// `Peernum` when a FIND does not give one.
pub const DEFAULT_PEERNUM: u8 = 20;
/// Largest `Peernum` accepted.
pub const MAX_PEERNUM: u8 = 200;
/// Most `<Preference>` elements in one FIND.
pub const MAX_PREFERENCES: usize = 16;
/// Most `<Stat>` items in one PROPERTY_QUERY request or answer.
pub const MAX_STATS: usize = 32;
/// Most `<TProt>` offers in one TRANSPORT_NEGOTIATION request.
pub const MAX_TRANSPORTS: usize = 16;
/// Longest `<Reason>` accepted, in bytes.
pub const MAX_REASON_LEN: usize = 512;
/// Longest transport `key` attribute accepted, in bytes.
pub const MAX_KEY_LEN: usize = 256;

/// A request: who asks, and what.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Request {
    /// Echoed in the response.
    pub transaction_id: TransactionId,
    /// The requester's peer ID.
    pub peer_id: PeerId,
    /// The method and its arguments.
    pub body: RequestBody,
}

/// What a FIND or FIND_CHUNK asks for besides the swarm.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct FindQuery {
    /// The swarm.
    pub swarm_id: SwarmId,
    /// The most peers wanted, 1..=[`MAX_PEERNUM`].
    pub peernum: u8,
    /// Properties the returned peers should preferably have (draft 4.2.1).
    pub preferences: Vec<Property>,
}

/// A request's method with its arguments.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "method", rename_all = "SCREAMING_SNAKE_CASE")]
pub enum RequestBody {
    /// Peers in a swarm.
    Find {
        /// Swarm, count and preferences.
        query: FindQuery,
        /// A chunk of interest, optional for FIND.
        chunk: Option<ChunkIndex>,
    },
    /// Peers holding a chunk.
    FindChunk {
        /// Swarm, count and preferences.
        query: FindQuery,
        /// The chunk.
        chunk: ChunkIndex,
    },
    /// Pull (no map) or push (a map: an availability report).
    ChunkAvailability {
        /// The swarm.
        swarm_id: SwarmId,
        /// The requester's own availability when this is a push report.
        report: Option<ChunkMap>,
    },
    /// Properties of the responder (an empty list asks for all).
    PropertyQuery {
        /// The swarm the query is about (for `buffer_level`), if any.
        swarm_id: Option<SwarmId>,
        /// The properties wanted.
        properties: Vec<PropertyName>,
    },
    /// Transports the requester speaks, most preferred first.
    TransportNegotiation {
        /// The swarm.
        swarm_id: SwarmId,
        /// One or more offers.
        transports: Vec<TransportOffer>,
    },
    /// The requester will not upload to the responder until it sends UNCHOKE.
    Choke {
        /// The swarm.
        swarm_id: SwarmId,
    },
    /// The requester may be asked for data again.
    Unchoke {
        /// The swarm.
        swarm_id: SwarmId,
    },
}

impl RequestBody {
    /// The method this body belongs to.
    pub fn method(&self) -> Method {
        match self {
            Self::Find { .. } => Method::Find,
            Self::FindChunk { .. } => Method::FindChunk,
            Self::ChunkAvailability { .. } => Method::ChunkAvailability,
            Self::PropertyQuery { .. } => Method::PropertyQuery,
            Self::TransportNegotiation { .. } => Method::TransportNegotiation,
            Self::Choke { .. } => Method::Choke,
            Self::Unchoke { .. } => Method::Unchoke,
        }
    }
}

/// One transport: in a request an offer (`type` only, usually), in a response the choice with
/// the parameters to use.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct TransportOffer {
    /// The transport.
    pub transport: Transport,
    /// Where to reach it (`ip` and `port` attributes).
    pub addr: Option<SocketAddr>,
    /// For an authenticated transport, the key to expect.
    pub key: Option<String>,
}

impl TransportOffer {
    /// An offer naming only the transport.
    pub fn named(transport: Transport) -> Self {
        Self {
            transport,
            addr: None,
            key: None,
        }
    }

    fn from_element(element: &Element) -> Result<Self, SchemaError> {
        let transport = required_attr(element, "type")?;
        let ip: Option<IpAddr> = optional_attr(element, "ip")?;
        let port: Option<u16> = optional_attr(element, "port")?;
        let addr = match (ip, port) {
            (Some(ip), Some(port)) if port != 0 => Some(SocketAddr::new(ip, port)),
            (None, None) => None,
            (Some(_), Some(_)) => return Err(SchemaError::new("TProt@port", "port 0")),
            _ => {
                return Err(SchemaError::new(
                    "TProt",
                    "ip and port must be given together",
                ));
            }
        };
        let key: Option<String> = optional_attr(element, "key")?;
        if let Some(key) = &key
            && (key.is_empty()
                || key.len() > MAX_KEY_LEN
                || !key.chars().all(|c| c.is_ascii_graphic()))
        {
            return Err(SchemaError::new(
                "TProt@key",
                format!("must be 1..={MAX_KEY_LEN} printable ASCII characters"),
            ));
        }
        Ok(Self {
            transport,
            addr,
            key,
        })
    }

    fn to_element(&self) -> Element {
        let mut element = Element::new("TProt").with_attr("type", self.transport.as_str());
        if let Some(addr) = self.addr {
            element = element
                .with_attr("ip", addr.ip().to_string())
                .with_attr("port", addr.port().to_string());
        }
        if let Some(key) = &self.key {
            element = element.with_attr("key", key);
        }
        element
    }
}

/// A response: the outcome of one request.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Response {
    /// The request's transaction ID.
    pub transaction_id: TransactionId,
    /// The request's method.
    pub method: Method,
    /// The outcome.
    pub status: Status,
    /// Human-readable detail, mostly for errors.
    pub reason: Option<String>,
    /// The method's payload; [`ResponseBody::Empty`] for errors and payload-less answers.
    pub body: ResponseBody,
}

impl Response {
    /// A `SUCCESSFUL` response carrying `body`.
    pub fn success(transaction_id: TransactionId, method: Method, body: ResponseBody) -> Self {
        Self {
            transaction_id,
            method,
            status: Status::Successful,
            reason: None,
            body,
        }
    }

    /// An error response with a reason.
    pub fn error(
        transaction_id: TransactionId,
        method: Method,
        status: Status,
        reason: impl Into<String>,
    ) -> Self {
        let mut reason: String = reason.into();
        // Cut at a character boundary at or below the limit (str::floor_char_boundary is 1.91).
        let cut = (0..=MAX_REASON_LEN.min(reason.len()))
            .rev()
            .find(|&i| reason.is_char_boundary(i))
            .unwrap_or(0);
        reason.truncate(cut);
        Self {
            transaction_id,
            method,
            status,
            reason: Some(reason),
            body: ResponseBody::Empty,
        }
    }
}

/// The payload of a response.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum ResponseBody {
    /// No payload: errors, an acknowledged push report, CHOKE and UNCHOKE.
    Empty,
    /// FIND and FIND_CHUNK: the peers found.
    Peers {
        /// The swarm.
        swarm_id: SwarmId,
        /// The chunk asked about (always present for FIND_CHUNK).
        chunk: Option<ChunkIndex>,
        /// At most the requested number of peers.
        peers: Vec<PeerInfo>,
    },
    /// CHUNK_AVAILABILITY pull: the responder's map.
    ChunkAvailability {
        /// The responder's peer ID.
        peer_id: PeerId,
        /// The swarm.
        swarm_id: SwarmId,
        /// What the responder holds, verified.
        map: ChunkMap,
    },
    /// PROPERTY_QUERY: the values (or `unknown`).
    Properties {
        /// The responder's peer ID.
        peer_id: PeerId,
        /// One answer per property asked (all known ones for an empty query).
        stats: Vec<Stat>,
    },
    /// TRANSPORT_NEGOTIATION: the chosen transport with its parameters.
    Transport {
        /// The responder's peer ID.
        peer_id: PeerId,
        /// The first of the requester's offers that the responder speaks.
        transport: TransportOffer,
    },
}

fn swarm_element(swarm_id: &SwarmId) -> Element {
    Element::new("SwarmID").with_text(swarm_id.to_hex())
}

fn chunk_element(chunk: ChunkIndex) -> Element {
    Element::new("ChunkID").with_text(chunk.0.to_string())
}

fn read_chunk(root: &Element) -> Result<Option<ChunkIndex>, SchemaError> {
    Ok(optional_text::<u64>(root, "ChunkID")?.map(ChunkIndex))
}

fn read_find_query(root: &Element) -> Result<FindQuery, SchemaError> {
    let swarm_id = required_text(root, "SwarmID")?;
    let peernum = match optional_text::<u64>(root, "Peernum") {
        Ok(None) => DEFAULT_PEERNUM,
        Ok(Some(n)) => u8::try_from(n)
            .ok()
            .filter(|n| (1..=MAX_PEERNUM).contains(n))
            .ok_or_else(|| {
                SchemaError::new("Peernum", format!("{n} is not in 1..={MAX_PEERNUM}"))
            })?,
        Err(_) => {
            return Err(SchemaError::new(
                "Peernum",
                format!("must be a number in 1..={MAX_PEERNUM}"),
            ));
        }
    };
    let preferences = root
        .children_named("Preference")
        .map(Property::from_element)
        .collect::<Result<Vec<_>, _>>()?;
    check_list_len("Preference", preferences.len(), MAX_PREFERENCES)?;
    Ok(FindQuery {
        swarm_id,
        peernum,
        preferences,
    })
}

fn write_find_query(root: &mut Element, query: &FindQuery, chunk: Option<ChunkIndex>) {
    root.children.push(swarm_element(&query.swarm_id));
    if let Some(chunk) = chunk {
        root.children.push(chunk_element(chunk));
    }
    root.children
        .push(Element::new("Peernum").with_text(query.peernum.to_string()));
    root.children
        .extend(query.preferences.iter().map(|p| p.to_element("Preference")));
}

fn read_transports(root: &Element) -> Result<Vec<TransportOffer>, SchemaError> {
    let list = required_child(root, "TransProt")?;
    let offers = list
        .children_named("TProt")
        .map(TransportOffer::from_element)
        .collect::<Result<Vec<_>, _>>()?;
    check_list_len("TransProt", offers.len(), MAX_TRANSPORTS)?;
    Ok(offers)
}

fn write_transports(root: &mut Element, offers: &[TransportOffer]) {
    let mut list = Element::new("TransProt");
    list.children = offers.iter().map(TransportOffer::to_element).collect();
    root.children.push(list);
}

impl RequestBody {
    /// Reads the method-specific elements of a request whose `<Method>` is `method`.
    pub(crate) fn from_root(method: Method, root: &Element) -> Result<Self, SchemaError> {
        Ok(match method {
            Method::Find => Self::Find {
                query: read_find_query(root)?,
                chunk: read_chunk(root)?,
            },
            Method::FindChunk => Self::FindChunk {
                query: read_find_query(root)?,
                chunk: read_chunk(root)?.ok_or_else(|| SchemaError::missing("ChunkID"))?,
            },
            Method::ChunkAvailability => Self::ChunkAvailability {
                swarm_id: required_text(root, "SwarmID")?,
                report: optional_child(root, "CHUNK")?
                    .map(ChunkMap::from_element)
                    .transpose()?,
            },
            Method::PropertyQuery => {
                let list = required_child(root, "StatRequest")?;
                let properties = list
                    .children_named("Stat")
                    .map(|stat| required_attr(stat, "property"))
                    .collect::<Result<Vec<PropertyName>, _>>()?;
                check_list_len("StatRequest", properties.len(), MAX_STATS)?;
                Self::PropertyQuery {
                    swarm_id: optional_text(root, "SwarmID")?,
                    properties,
                }
            }
            Method::TransportNegotiation => {
                let transports = read_transports(root)?;
                if transports.is_empty() {
                    return Err(SchemaError::new("TransProt", "offers no <TProt>"));
                }
                Self::TransportNegotiation {
                    swarm_id: required_text(root, "SwarmID")?,
                    transports,
                }
            }
            Method::Choke => Self::Choke {
                swarm_id: required_text(root, "SwarmID")?,
            },
            Method::Unchoke => Self::Unchoke {
                swarm_id: required_text(root, "SwarmID")?,
            },
        })
    }

    /// Appends the method-specific elements.
    pub(crate) fn write(&self, root: &mut Element) {
        match self {
            Self::Find { query, chunk } => write_find_query(root, query, *chunk),
            Self::FindChunk { query, chunk } => write_find_query(root, query, Some(*chunk)),
            Self::ChunkAvailability { swarm_id, report } => {
                root.children.push(swarm_element(swarm_id));
                if let Some(map) = report {
                    root.children.push(map.to_element());
                }
            }
            Self::PropertyQuery {
                swarm_id,
                properties,
            } => {
                if let Some(swarm_id) = swarm_id {
                    root.children.push(swarm_element(swarm_id));
                }
                let mut list = Element::new("StatRequest");
                list.children = properties
                    .iter()
                    .map(|name| Element::new("Stat").with_attr("property", name.as_str()))
                    .collect();
                root.children.push(list);
            }
            Self::TransportNegotiation {
                swarm_id,
                transports,
            } => {
                root.children.push(swarm_element(swarm_id));
                write_transports(root, transports);
            }
            Self::Choke { swarm_id } | Self::Unchoke { swarm_id } => {
                root.children.push(swarm_element(swarm_id));
            }
        }
    }
}

impl ResponseBody {
    /// Reads the payload of a `SUCCESSFUL` response to `method`.
    pub(crate) fn from_root(method: Method, root: &Element) -> Result<Self, SchemaError> {
        Ok(match method {
            Method::Find | Method::FindChunk => {
                let chunk = read_chunk(root)?;
                if method == Method::FindChunk && chunk.is_none() {
                    return Err(SchemaError::missing("ChunkID"));
                }
                Self::Peers {
                    swarm_id: required_text(root, "SwarmID")?,
                    chunk,
                    peers: peers_from_element(required_child(root, "Peers")?)?,
                }
            }
            Method::ChunkAvailability => match optional_child(root, "CHUNK")? {
                None => Self::Empty,
                Some(map) => Self::ChunkAvailability {
                    peer_id: required_text(root, "PeerID")?,
                    swarm_id: required_text(root, "SwarmID")?,
                    map: ChunkMap::from_element(map)?,
                },
            },
            Method::PropertyQuery => {
                let list = required_child(root, "StatRequest")?;
                let stats = list
                    .children_named("Stat")
                    .map(Stat::from_element)
                    .collect::<Result<Vec<_>, _>>()?;
                check_list_len("StatRequest", stats.len(), MAX_STATS)?;
                Self::Properties {
                    peer_id: required_text(root, "PeerID")?,
                    stats,
                }
            }
            Method::TransportNegotiation => {
                let mut offers = read_transports(root)?;
                if offers.len() != 1 {
                    return Err(SchemaError::new(
                        "TransProt",
                        format!(
                            "a response carries exactly one <TProt>, found {}",
                            offers.len()
                        ),
                    ));
                }
                Self::Transport {
                    peer_id: required_text(root, "PeerID")?,
                    transport: offers.remove(0),
                }
            }
            Method::Choke | Method::Unchoke => Self::Empty,
        })
    }

    /// Appends the payload elements.
    pub(crate) fn write(&self, root: &mut Element) {
        match self {
            Self::Empty => {}
            Self::Peers {
                swarm_id,
                chunk,
                peers,
            } => {
                root.children.push(swarm_element(swarm_id));
                if let Some(chunk) = chunk {
                    root.children.push(chunk_element(*chunk));
                }
                root.children.push(peers_to_element(peers));
            }
            Self::ChunkAvailability {
                peer_id,
                swarm_id,
                map,
            } => {
                root.children
                    .push(Element::new("PeerID").with_text(peer_id.to_string()));
                root.children.push(swarm_element(swarm_id));
                root.children.push(map.to_element());
            }
            Self::Properties { peer_id, stats } => {
                root.children
                    .push(Element::new("PeerID").with_text(peer_id.to_string()));
                let mut list = Element::new("StatRequest");
                list.children = stats.iter().map(Stat::to_element).collect();
                root.children.push(list);
            }
            Self::Transport { peer_id, transport } => {
                root.children
                    .push(Element::new("PeerID").with_text(peer_id.to_string()));
                write_transports(root, std::slice::from_ref(transport));
            }
        }
    }
}
