//! Records and cards as JSON for Redis. Wire words are stored as their RFC spelling, so a
//! record written by one tracker version stays readable by the next.

use std::net::IpAddr;

use ppsp_wire::ids::TransactionId;
use ppsp_wire::tracker::{TrackerPeerAddr, TrackerPeerId};
use serde::{Deserialize, Serialize};

use crate::registry::{Membership, PeerCard, PeerProfile, PeerRecord};
use crate::store::StoreError;
use crate::time::Timestamp;

#[derive(Serialize, Deserialize)]
struct StoredCard {
    id: String,
    ip: IpAddr,
    port: u16,
    priority: u32,
    kind: String,
    connection: Option<String>,
    asn: Option<String>,
    protocol: Option<String>,
    nat: Option<String>,
    links: Option<u32>,
    online: Option<u64>,
    upload: Option<u64>,
    link_type: Option<String>,
}

#[derive(Serialize, Deserialize)]
struct StoredMembership {
    swarm: String,
    mode: String,
    uploaded: u64,
    downloaded: u64,
}

#[derive(Serialize, Deserialize)]
struct StoredRecord {
    card: StoredCard,
    swarms: Vec<StoredMembership>,
    last_connect: Option<String>,
    last_seen: u64,
}

fn to_stored(card: &PeerCard) -> StoredCard {
    StoredCard {
        id: card.peer_id.as_str().to_string(),
        ip: card.addr.ip,
        port: card.addr.port,
        priority: card.addr.priority,
        kind: card.addr.kind.as_str().to_string(),
        connection: card.addr.connection.map(|c| c.as_str().to_string()),
        asn: card.addr.asn.clone(),
        protocol: card.addr.peer_protocol.clone(),
        nat: card.profile.nat.map(|n| n.as_str().to_string()),
        links: card.profile.concurrent_links,
        online: card.profile.online_time,
        upload: card.profile.upload_bandwidth,
        link_type: card.profile.connection.map(|c| c.as_str().to_string()),
    }
}

fn from_stored(card: StoredCard) -> Result<PeerCard, String> {
    Ok(PeerCard {
        peer_id: TrackerPeerId::new(card.id)?,
        addr: TrackerPeerAddr {
            ip: card.ip,
            port: card.port,
            priority: card.priority,
            kind: card.kind.parse()?,
            connection: optional(card.connection)?,
            asn: card.asn,
            peer_protocol: card.protocol,
        },
        profile: PeerProfile {
            nat: optional(card.nat)?,
            concurrent_links: card.links,
            online_time: card.online,
            upload_bandwidth: card.upload,
            connection: optional(card.link_type)?,
        },
    })
}

/// A card as stored in a swarm's hash.
pub(super) fn encode_card(card: &PeerCard) -> String {
    serde_json::to_string(&to_stored(card)).unwrap_or_default()
}

/// A card read back from a swarm's hash.
pub(super) fn decode_card(text: &str) -> Result<PeerCard, StoreError> {
    serde_json::from_str(text)
        .map_err(|e| e.to_string())
        .and_then(from_stored)
        .map_err(corrupt)
}

/// A record as stored under `peer:ID`.
pub(super) fn encode_record(record: &PeerRecord) -> String {
    let stored = StoredRecord {
        card: to_stored(&record.card),
        swarms: record
            .swarms
            .iter()
            .map(|m| StoredMembership {
                swarm: m.swarm_id.to_hex(),
                mode: m.mode.as_str().to_string(),
                uploaded: m.uploaded_bytes,
                downloaded: m.downloaded_bytes,
            })
            .collect(),
        last_connect: record.last_connect.as_ref().map(|t| t.as_str().to_string()),
        last_seen: record.last_seen.as_unix_millis(),
    };
    serde_json::to_string(&stored).unwrap_or_default()
}

/// A record read back from `peer:ID`.
pub(super) fn decode_record(text: &str) -> Result<PeerRecord, StoreError> {
    let stored: StoredRecord = serde_json::from_str(text).map_err(|e| corrupt(e.to_string()))?;
    let swarms = stored
        .swarms
        .into_iter()
        .map(|m| {
            Ok(Membership {
                swarm_id: m.swarm.parse().map_err(|e| format!("{e}"))?,
                mode: m.mode.parse()?,
                uploaded_bytes: m.uploaded,
                downloaded_bytes: m.downloaded,
            })
        })
        .collect::<Result<Vec<_>, String>>()
        .map_err(corrupt)?;
    let last_connect = stored
        .last_connect
        .map(|t| TransactionId::new(t).map_err(|e| corrupt(e.to_string())))
        .transpose()?;
    Ok(PeerRecord {
        card: from_stored(stored.card).map_err(corrupt)?,
        swarms,
        last_connect,
        last_seen: Timestamp::from_unix_millis(stored.last_seen),
    })
}

fn corrupt(problem: String) -> StoreError {
    StoreError::Backend(format!("corrupt stored peer: {problem}"))
}

/// An optional wire word read back.
fn optional<T: std::str::FromStr<Err = String>>(text: Option<String>) -> Result<Option<T>, String> {
    text.map(|t| t.parse()).transpose()
}
