//! Peer selection (RFC 7846 section 3.3.1 and 3.3.2 leave the policy to the tracker).
//!
//! The list never holds the requester and has at most the number asked. Candidates are ranked
//! by how much they resemble the requester (NAT ability, upload bandwidth class, concurrent
//! links, online time, access link), ties broken at random: the seed draft's example is an
//! ADSL peer being handed ADSL-like peers, so that the few popular high-bandwidth peers are not
//! swamped by everyone. A requester that reported nothing gets a uniform random sample.
//! Freshness (only peers heard from within the track timer) is the store's filter.

use ppsp_wire::tracker::{TrackerPeer, TrackerPeerId};
use rand::Rng;
use rand::seq::SliceRandom;

use super::record::{PeerCard, PeerProfile};

/// Up to `count` peers from `candidates` for `requester`, most similar first.
pub fn select_peers<R: Rng + ?Sized>(
    requester: &TrackerPeerId,
    profile: &PeerProfile,
    mut candidates: Vec<PeerCard>,
    count: usize,
    rng: &mut R,
) -> Vec<TrackerPeer> {
    candidates.retain(|card| &card.peer_id != requester);
    candidates.shuffle(rng);
    // Stable sort: equally similar peers keep their random order.
    candidates.sort_by_key(|card| std::cmp::Reverse(similarity(profile, &card.profile)));
    let mut seen = std::collections::HashSet::new();
    candidates
        .iter()
        .filter(|card| seen.insert(card.peer_id.clone()))
        .take(count)
        .map(PeerCard::to_tracker_peer)
        .collect()
}

/// How alike two peers are: 0 when nothing is known on either side.
pub fn similarity(a: &PeerProfile, b: &PeerProfile) -> u32 {
    let mut score = 0;
    if let (Some(x), Some(y)) = (a.nat, b.nat) {
        score += if x == y { 2 } else { 0 };
    }
    if let (Some(x), Some(y)) = (a.upload_bandwidth, b.upload_bandwidth) {
        score += match bandwidth_class(x).abs_diff(bandwidth_class(y)) {
            0 => 3,
            1 => 1,
            _ => 0,
        };
    }
    score += same_class(
        a.concurrent_links.map(u64::from),
        b.concurrent_links.map(u64::from),
        &[5, 20, 50],
    );
    score += same_class(a.online_time, b.online_time, &[300, 3_600, 86_400]);
    if let (Some(x), Some(y)) = (a.connection, b.connection) {
        score += u32::from(x == y);
    }
    score
}

/// Upload bandwidth classes in kbit/s: under 1 Mbit/s (ADSL-like upstream), under 10, under
/// 100, and faster.
fn bandwidth_class(kbps: u64) -> u8 {
    class(kbps, &[1_000, 10_000, 100_000])
}

/// 1 when both values are known and fall in the same class.
fn same_class(a: Option<u64>, b: Option<u64>, bounds: &[u64]) -> u32 {
    match (a, b) {
        (Some(x), Some(y)) => u32::from(class(x, bounds) == class(y, bounds)),
        _ => 0,
    }
}

/// The index of the first bound `value` is under, or the number of bounds.
fn class(value: u64, bounds: &[u64]) -> u8 {
    let index = bounds
        .iter()
        .position(|&b| value < b)
        .unwrap_or(bounds.len());
    u8::try_from(index).unwrap_or(u8::MAX)
}

#[cfg(test)]
mod tests {
    use ppsp_wire::tracker::{AddressKind, NatAbility, TrackerPeerAddr};
    use rand::SeedableRng;
    use rand::rngs::StdRng;

    use super::*;

    fn card(id: &str, upload_bandwidth: Option<u64>) -> PeerCard {
        PeerCard {
            peer_id: TrackerPeerId::new(id).unwrap(),
            addr: TrackerPeerAddr {
                ip: "127.0.0.1".parse().unwrap(),
                port: 6778,
                priority: 1,
                kind: AddressKind::Host,
                connection: None,
                asn: None,
                peer_protocol: None,
            },
            profile: PeerProfile {
                upload_bandwidth,
                ..PeerProfile::default()
            },
        }
    }

    #[test]
    fn requester_is_never_listed_and_count_is_respected() {
        let me = TrackerPeerId::new("me").unwrap();
        let mut cards: Vec<PeerCard> = (0..10).map(|i| card(&format!("p{i}"), None)).collect();
        cards.push(card("me", None));
        let mut rng = StdRng::seed_from_u64(1);
        for count in 0..12 {
            let list = select_peers(&me, &PeerProfile::default(), cards.clone(), count, &mut rng);
            assert_eq!(list.len(), count.min(10));
            assert!(list.iter().all(|p| p.peer_id != me));
        }
    }

    #[test]
    fn adsl_requester_gets_adsl_like_peers_first() {
        let me = TrackerPeerId::new("me").unwrap();
        let adsl = PeerProfile {
            upload_bandwidth: Some(600),
            nat: Some(NatAbility::Stun),
            ..PeerProfile::default()
        };
        let mut cards: Vec<PeerCard> = (0..20)
            .map(|i| card(&format!("fast{i}"), Some(500_000)))
            .collect();
        cards.extend((0..3).map(|i| card(&format!("adsl{i}"), Some(800))));
        let mut rng = StdRng::seed_from_u64(2);
        let list = select_peers(&me, &adsl, cards, 3, &mut rng);
        assert!(
            list.iter().all(|p| p.peer_id.as_str().starts_with("adsl")),
            "{list:?}"
        );
    }

    #[test]
    fn unknown_profile_gives_a_seeded_random_sample() {
        let me = TrackerPeerId::new("me").unwrap();
        let cards: Vec<PeerCard> = (0..50).map(|i| card(&format!("p{i}"), None)).collect();
        let pick = |seed| {
            select_peers(
                &me,
                &PeerProfile::default(),
                cards.clone(),
                5,
                &mut StdRng::seed_from_u64(seed),
            )
        };
        assert_eq!(pick(7), pick(7));
        assert_ne!(pick(7), pick(8));
    }

    #[test]
    fn classes_split_at_their_bounds() {
        assert_eq!(bandwidth_class(999), 0);
        assert_eq!(bandwidth_class(1_000), 1);
        assert_eq!(bandwidth_class(u64::MAX), 3);
    }
}
