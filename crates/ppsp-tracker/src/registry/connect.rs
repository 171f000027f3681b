//! CONNECT (RFC 7846 section 3.3.1) and its validity table (Table 6, standards.md §2.3).
//!
//! Read as rules:
//! - a peer that is not registered (START) may only JOIN; any LEAVE is Forbidden Action (03);
//! - a registered peer (TRACKING) may LEAVE swarms it is in, in the mode it is in them; it may
//!   JOIN only to switch channel as a leech, LEAVE of its leech swarm plus JOIN of another in
//!   the same CONNECT (a SEEDER JOIN from TRACKING is invalid: seeders join all their swarms in
//!   their first CONNECT);
//! - a peer is LEECH in at most one swarm; a swarm may appear only once per CONNECT; a peer
//!   is in a swarm at most once (a leech switching to a swarm it seeds is refused);
//! - a CONNECT leaving the peer in no swarm de-registers it (TERMINATE);
//! - a CONNECT repeating the transaction ID of the peer's last successful CONNECT is a retry
//!   (RFC 7846 section 3.4: the tracker must accept repeated transaction IDs) and is answered
//!   again without being re-checked.
//!
//! An invalid CONNECT changes nothing: a new peer stays unregistered, a registered one stays
//! as it was (section 2.5: errors in TRACKING keep the state).

use std::collections::HashSet;
use std::net::SocketAddr;

use ppsp_wire::ids::TransactionId;
use ppsp_wire::tracker::{Action, ActionResult, Connect, PeerMode, TrackerPeerId};

use super::address::public_addr;
use super::plan::{Plan, Refusal, SwarmAnswer, fresh, list_size};
use super::record::{Membership, PeerCard, PeerRecord};
use crate::config::RegistryConfig;
use crate::time::Timestamp;

/// Checks a CONNECT from `peer_id` (whose stored record is `stored`) and plans its effect.
pub fn plan_connect(
    config: &RegistryConfig,
    now: Timestamp,
    source: SocketAddr,
    peer_id: &TrackerPeerId,
    transaction_id: &TransactionId,
    stored: Option<PeerRecord>,
    connect: &Connect,
) -> Result<Plan, Refusal> {
    let (current, stale_swarms) = fresh(config, now, stored);
    let answers = answers(config, connect);
    if let Some(record) = current
        .as_ref()
        .filter(|r| r.last_connect.as_ref() == Some(transaction_id))
    {
        let mut record = record.clone();
        record.last_seen = now;
        return Ok(Plan {
            record: Some(record),
            left: vec![],
            joined: vec![],
            answers,
        });
    }
    check_unique_swarms(connect)?;
    let mut swarms = current
        .as_ref()
        .map(|r| r.swarms.clone())
        .unwrap_or_default();
    let mut left = stale_swarms;
    let mut joined = vec![];
    for action in connect
        .swarm_actions
        .iter()
        .filter(|a| a.action == Action::Leave)
    {
        if current.is_none() {
            return Err(Refusal::forbidden(format!(
                "LEAVE of swarm {} from a peer that is not registered",
                action.swarm_id
            )));
        }
        let Some(index) = swarms
            .iter()
            .position(|m| m.swarm_id == action.swarm_id && m.mode == action.mode)
        else {
            return Err(Refusal::forbidden(format!(
                "peer is not in swarm {} as {}",
                action.swarm_id, action.mode
            )));
        };
        swarms.remove(index);
        left.push(action.swarm_id.clone());
    }
    let leech_switch = current.is_some()
        && connect
            .swarm_actions
            .iter()
            .any(|a| a.action == Action::Leave && a.mode == PeerMode::Leech);
    for action in connect
        .swarm_actions
        .iter()
        .filter(|a| a.action == Action::Join)
    {
        if current.is_some() && !(leech_switch && action.mode == PeerMode::Leech) {
            return Err(Refusal::forbidden(format!(
                "JOIN of swarm {} as {} by a registered peer: only a leech switching channel \
                 (LEAVE and JOIN in one CONNECT) may join then (RFC 7846 Table 6)",
                action.swarm_id, action.mode
            )));
        }
        if let Some(already) = swarms.iter().find(|m| m.swarm_id == action.swarm_id) {
            return Err(Refusal::forbidden(format!(
                "JOIN of swarm {} as {}: the peer is already in it as {}",
                action.swarm_id, action.mode, already.mode
            )));
        }
        swarms.push(Membership::new(action.swarm_id.clone(), action.mode));
        joined.push(action.swarm_id.clone());
    }
    if swarms.iter().filter(|m| m.mode == PeerMode::Leech).count() > 1 {
        return Err(Refusal::forbidden("a LEECH may be in one swarm at a time"));
    }
    if swarms.len() > config.max_swarms_per_peer {
        return Err(Refusal::unavailable(format!(
            "a peer may be in at most {} swarms",
            config.max_swarms_per_peer
        )));
    }
    let record = (!swarms.is_empty()).then(|| PeerRecord {
        card: card(peer_id, source, current.as_ref(), connect),
        swarms,
        last_connect: Some(transaction_id.clone()),
        last_seen: now,
    });
    Ok(Plan {
        record,
        left,
        joined,
        answers,
    })
}

/// A swarm named twice in one CONNECT has no defined meaning.
fn check_unique_swarms(connect: &Connect) -> Result<(), Refusal> {
    let mut seen = HashSet::new();
    match connect
        .swarm_actions
        .iter()
        .find(|a| !seen.insert(&a.swarm_id))
    {
        Some(twice) => Err(Refusal::forbidden(format!(
            "swarm {} appears twice in one CONNECT",
            twice.swarm_id
        ))),
        None => Ok(()),
    }
}

/// One success per action; a JOIN as LEECH, or as SEEDER with `peer_num`, gets a peer list
/// (RFC 7846 section 3.3.1).
fn answers(config: &RegistryConfig, connect: &Connect) -> Vec<SwarmAnswer> {
    connect
        .swarm_actions
        .iter()
        .map(|action| {
            let wants_list = action.action == Action::Join
                && (action.mode == PeerMode::Leech || connect.peer_num.is_some());
            SwarmAnswer {
                swarm_id: action.swarm_id.clone(),
                result: ActionResult::Success,
                peer_list: wants_list.then(|| list_size(config, connect.peer_num.as_ref())),
            }
        })
        .collect()
}

/// The peer's card after this CONNECT: new addresses replace the old ones; a CONNECT without
/// addresses keeps what was known.
fn card(
    peer_id: &TrackerPeerId,
    source: SocketAddr,
    current: Option<&PeerRecord>,
    connect: &Connect,
) -> PeerCard {
    let known = current.map(|r| &r.card);
    let addr = match known {
        Some(card) if connect.peer_addrs.is_empty() => card.addr.clone(),
        _ => public_addr(&connect.peer_addrs, source),
    };
    let mut profile = known
        .map(|c| c.profile.clone())
        .unwrap_or_default()
        .updated(connect.peer_num.as_ref());
    profile.connection = addr.connection.or(profile.connection);
    PeerCard {
        peer_id: peer_id.clone(),
        addr,
        profile,
    }
}
