//! The elements inside `<PPSPTrackerProtocol>`: each model part read from and written to its
//! element, with errors naming the element (`Address@port`, `Stat[uploaded_bytes]`).

use std::fmt::Display;
use std::str::FromStr;

use crate::schema::{
    SchemaError, check_list_len, optional_attr, optional_child, parse_text, required_attr,
    required_child, required_text,
};
use crate::tracker::model::{
    Connect, Find, MAX_PEER_ADDRS, MAX_RESULT_PEERS, MAX_STREAM_STATS, MAX_SWARM_ACTIONS,
    MAX_SWARM_RESULTS, NO_SWARM_ACTION, PeerNum, StatReport, StreamStats, SwarmAction, SwarmResult,
    TrackerPeer, TrackerPeerAddr, check_peer_count, check_port,
};
use crate::tracker::token::check_label;
use crate::xml::Element;

// The statistics of a `<StreamStats>`, each written `<Stat property="NAME">VALUE</Stat>`.
const UPLOADED: &str = "uploaded_bytes";
const DOWNLOADED: &str = "downloaded_bytes";
const BANDWIDTH: &str = "available_bandwidth";
const LINKS: &str = "concurrent_links";

pub(super) fn read_connect(root: &Element) -> Result<Connect, SchemaError> {
    let actions = list(root, "SwarmAction", MAX_SWARM_ACTIONS)?;
    if actions.is_empty() {
        return Err(SchemaError::new("SwarmAction", NO_SWARM_ACTION));
    }
    Ok(Connect {
        peer_num: optional_child(root, "Peernum")?
            .map(read_peer_num)
            .transpose()?,
        peer_addrs: each(list(root, "Address", MAX_PEER_ADDRS)?, read_address)?,
        swarm_actions: each(actions, read_swarm_action)?,
    })
}

pub(super) fn write_connect(root: Element, connect: &Connect) -> Element {
    let root = with_optional(root, connect.peer_num.as_ref().map(write_peer_num));
    let root = connect
        .peer_addrs
        .iter()
        .map(write_address)
        .fold(root, Element::with_child);
    connect
        .swarm_actions
        .iter()
        .map(write_swarm_action)
        .fold(root, Element::with_child)
}

pub(super) fn read_find(root: &Element) -> Result<Find, SchemaError> {
    Ok(Find {
        swarm_id: required_text(root, "SwarmID")?,
        peer_num: optional_child(root, "Peernum")?
            .map(read_peer_num)
            .transpose()?,
    })
}

pub(super) fn write_find(root: Element, find: &Find) -> Element {
    let root = root.with_text_child("SwarmID", find.swarm_id.to_hex());
    with_optional(root, find.peer_num.as_ref().map(write_peer_num))
}

pub(super) fn read_stat_report(root: &Element) -> Result<StatReport, SchemaError> {
    Ok(StatReport {
        stats: each(
            list(root, "StreamStats", MAX_STREAM_STATS)?,
            read_stream_stats,
        )?,
    })
}

pub(super) fn write_stat_report(root: Element, report: &StatReport) -> Element {
    report
        .stats
        .iter()
        .map(write_stream_stats)
        .fold(root, Element::with_child)
}

pub(super) fn read_swarm_results(root: &Element) -> Result<Vec<SwarmResult>, SchemaError> {
    each(
        list(root, "SwarmResult", MAX_SWARM_RESULTS)?,
        read_swarm_result,
    )
}

pub(super) fn write_swarm_results(root: Element, results: &[SwarmResult]) -> Element {
    results
        .iter()
        .map(write_swarm_result)
        .fold(root, Element::with_child)
}

/// `<Peernum ability_nat= concurrent_links= online_time= upload_bandwidth=>COUNT</Peernum>`:
/// the peer protocol's `<Peernum>` with the requester's status as attributes.
fn read_peer_num(element: &Element) -> Result<PeerNum, SchemaError> {
    let count = check_peer_count(parse_text(element)?)
        .map_err(|problem| SchemaError::new(&element.name, problem))?;
    Ok(PeerNum {
        peer_count: count,
        ability_nat: optional_attr(element, "ability_nat")?,
        concurrent_links: optional_attr(element, "concurrent_links")?,
        online_time: optional_attr(element, "online_time")?,
        upload_bandwidth: optional_attr(element, "upload_bandwidth")?,
    })
}

fn write_peer_num(peer_num: &PeerNum) -> Element {
    let element = Element::new("Peernum");
    let element = attr(element, "ability_nat", peer_num.ability_nat);
    let element = attr(element, "concurrent_links", peer_num.concurrent_links);
    let element = attr(element, "online_time", peer_num.online_time);
    attr(element, "upload_bandwidth", peer_num.upload_bandwidth)
        .with_text(peer_num.peer_count.to_string())
}

/// `<Address ip= port= transport= type= priority= connection= asn=/>`: the peer list's
/// `<Address>` plus RFC 7846's address fields; `transport` carries `peer_protocol`.
pub(super) fn read_address(element: &Element) -> Result<TrackerPeerAddr, SchemaError> {
    let port = check_port(required_attr(element, "port")?)
        .map_err(|problem| SchemaError::new(format!("{}@port", element.name), problem))?;
    Ok(TrackerPeerAddr {
        ip: required_attr(element, "ip")?,
        port,
        priority: required_attr(element, "priority")?,
        kind: required_attr(element, "type")?,
        connection: optional_attr(element, "connection")?,
        asn: label_attr(element, "asn")?,
        peer_protocol: label_attr(element, "transport")?,
    })
}

pub(super) fn write_address(addr: &TrackerPeerAddr) -> Element {
    let element = Element::new("Address")
        .with_attr("ip", addr.ip.to_string())
        .with_attr("port", addr.port.to_string());
    let element = attr(element, "transport", addr.peer_protocol.as_deref())
        .with_attr("type", addr.kind.as_str())
        .with_attr("priority", addr.priority.to_string());
    let element = attr(element, "connection", addr.connection);
    attr(element, "asn", addr.asn.as_deref())
}

/// `<SwarmAction action= mode=><SwarmID>..</SwarmID></SwarmAction>`.
fn read_swarm_action(element: &Element) -> Result<SwarmAction, SchemaError> {
    Ok(SwarmAction {
        swarm_id: required_text(element, "SwarmID")?,
        action: required_attr(element, "action")?,
        mode: required_attr(element, "mode")?,
    })
}

fn write_swarm_action(action: &SwarmAction) -> Element {
    Element::new("SwarmAction")
        .with_attr("action", action.action.as_str())
        .with_attr("mode", action.mode.as_str())
        .with_text_child("SwarmID", action.swarm_id.to_hex())
}

/// `<StreamStats><SwarmID>..</SwarmID><Stat property="uploaded_bytes">N</Stat>..</StreamStats>`;
/// `<Stat>`s of other properties are ignored, so later RFC 7846 statistics can be added.
fn read_stream_stats(element: &Element) -> Result<StreamStats, SchemaError> {
    Ok(StreamStats {
        swarm_id: required_text(element, "SwarmID")?,
        uploaded_bytes: read_stat(element, UPLOADED)?,
        downloaded_bytes: read_stat(element, DOWNLOADED)?,
        available_bandwidth: read_stat(element, BANDWIDTH)?,
        concurrent_links: read_stat(element, LINKS)?,
    })
}

fn write_stream_stats(stats: &StreamStats) -> Element {
    let stat = |name: &str, value: String| {
        Element::new("Stat")
            .with_attr("property", name)
            .with_text(value)
    };
    Element::new("StreamStats")
        .with_text_child("SwarmID", stats.swarm_id.to_hex())
        .with_child(stat(UPLOADED, stats.uploaded_bytes.to_string()))
        .with_child(stat(DOWNLOADED, stats.downloaded_bytes.to_string()))
        .with_child(stat(BANDWIDTH, stats.available_bandwidth.to_string()))
        .with_child(stat(LINKS, stats.concurrent_links.to_string()))
}

/// The value of the only `<Stat property="NAME">` child.
fn read_stat<T>(parent: &Element, name: &str) -> Result<T, SchemaError>
where
    T: FromStr,
    T::Err: Display,
{
    let here = format!("Stat[{name}]");
    let mut found = parent
        .children_named("Stat")
        .filter(|s| s.attr("property") == Some(name));
    let stat = found
        .next()
        .ok_or_else(|| SchemaError::new(&here, "required statistic is missing"))?;
    if found.next().is_some() {
        return Err(SchemaError::new(here, "appears more than once"));
    }
    stat.text
        .parse()
        .map_err(|e| SchemaError::new(here, format!("invalid value {:?}: {e}", stat.text)))
}

/// `<SwarmResult result="SUCCESSFUL|FAILED"><SwarmID>..</SwarmID><Peers>..</Peers></SwarmResult>`.
fn read_swarm_result(element: &Element) -> Result<SwarmResult, SchemaError> {
    let peers = match optional_child(element, "Peers")? {
        None => Vec::new(),
        Some(peers) => each(list(peers, "Peer", MAX_RESULT_PEERS)?, read_peer)?,
    };
    Ok(SwarmResult {
        swarm_id: required_text(element, "SwarmID")?,
        result: required_attr(element, "result")?,
        peers,
    })
}

fn write_swarm_result(result: &SwarmResult) -> Element {
    let element = Element::new("SwarmResult")
        .with_attr("result", result.result.as_str())
        .with_text_child("SwarmID", result.swarm_id.to_hex());
    if result.peers.is_empty() {
        return element;
    }
    let peers = result
        .peers
        .iter()
        .map(write_peer)
        .fold(Element::new("Peers"), Element::with_child);
    element.with_child(peers)
}

/// `<Peer><PeerID>..</PeerID><Address .../></Peer>`: the peer list's shape, with exactly one
/// address (RFC 7846's `peer_info` has one `peer_addr`) and any RFC 7846 peer ID.
fn read_peer(element: &Element) -> Result<TrackerPeer, SchemaError> {
    Ok(TrackerPeer {
        peer_id: required_text(element, "PeerID")?,
        peer_addr: read_address(required_child(element, "Address")?)?,
    })
}

fn write_peer(peer: &TrackerPeer) -> Element {
    Element::new("Peer")
        .with_text_child("PeerID", peer.peer_id.as_str())
        .with_child(write_address(&peer.peer_addr))
}

/// The children named `name`, at most `max` of them.
fn list<'a>(
    parent: &'a Element,
    name: &'a str,
    max: usize,
) -> Result<Vec<&'a Element>, SchemaError> {
    let children: Vec<&Element> = parent.children_named(name).collect();
    check_list_len(name, children.len(), max)?;
    Ok(children)
}

fn each<T>(
    elements: Vec<&Element>,
    read: impl Fn(&Element) -> Result<T, SchemaError>,
) -> Result<Vec<T>, SchemaError> {
    elements.into_iter().map(read).collect()
}

/// An `asn` or `transport` attribute: 1..=64 printable ASCII characters without spaces.
fn label_attr(element: &Element, name: &str) -> Result<Option<String>, SchemaError> {
    element
        .attr(name)
        .map(|value| {
            check_label(value)
                .map_err(|problem| SchemaError::new(format!("{}@{name}", element.name), problem))
        })
        .transpose()
}

/// Adds attribute `name` when `value` is present.
fn attr(element: Element, name: &str, value: Option<impl ToString>) -> Element {
    match value {
        Some(value) => element.with_attr(name, value.to_string()),
        None => element,
    }
}

fn with_optional(element: Element, child: Option<Element>) -> Element {
    match child {
        Some(child) => element.with_child(child),
        None => element,
    }
}
