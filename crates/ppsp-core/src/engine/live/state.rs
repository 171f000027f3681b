//! A live swarm's clock and bookkeeping: the live edge, the join point, the stream rate and
//! the playback deadlines it gives, the discard window, and what we know of each peer as a
//! supplier.

use std::collections::BTreeMap;
use std::time::{Duration, Instant};

use ppsp_wire::ppspp::ChannelId;

use super::LiveSettings;
use crate::live::NtpTimestamp;

/// The edge must move for this long before its speed counts as the stream rate.
const RATE_SAMPLE: Duration = Duration::from_secs(1);

/// Lead counts are halved once this many new edges were seen, so they follow the present.
const LEAD_HISTORY: u32 = 64;

/// What we know of one peer as a supplier of the stream.
#[derive(Debug, Clone, Default)]
pub(crate) struct LivePeer {
    /// Whether it got our newest signed munro (secure tune-in).
    pub(crate) tuned: bool,
    /// How often it announced a chunk before any other peer did: the source does so for
    /// every chunk, relays rarely. Receivers leave fresh chunks to relays when they can.
    pub(crate) leads: u32,
    /// It failed a deadline: asked only for chunks that are not urgent until then.
    pub(crate) demoted_until: Option<Instant>,
}

/// Whether we inject the stream or receive it.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Role {
    Source {
        /// When the swarm was added: signatures are stamped relative to it.
        started: Instant,
        /// Index of the next chunk pushed.
        next_chunk: u64,
    },
    Receiver,
}

/// The state of a live swarm beside its content integrity.
pub(crate) struct LiveState {
    pub(crate) settings: LiveSettings,
    pub(crate) role: Role,
    /// Chunks kept behind the newest held one; `None` never discards.
    pub(crate) window: Option<u64>,
    /// The newest chunk known to exist.
    pub(crate) edge: Option<u64>,
    /// The join chunk and when we joined.
    pub(crate) join: Option<(u64, Instant)>,
    /// The first edge seen and when, for the rate estimate.
    rate_sample: Option<(Instant, u64)>,
    estimated_rate: Option<f64>,
    /// The next chunk the player needs, once deadlines run.
    pub(crate) playhead: Option<u64>,
    pub(crate) missed: u64,
    pub(crate) on_time: u64,
    /// The oldest chunk kept.
    pub(crate) floor: u64,
    pub(crate) peers: BTreeMap<ChannelId, LivePeer>,
    /// New edges seen, the denominator of [`LivePeer::leads`].
    pub(crate) edges_seen: u32,
    /// When the picker next needs to run (deadlines move with time, not only with input).
    pub(crate) next_tick: Option<Instant>,
    /// Per-endpoint salt of the relay delays, so receivers do not all wait alike.
    salt: u64,
}

impl LiveState {
    pub(crate) fn new(settings: LiveSettings, role: Role, window: Option<u64>, salt: u64) -> Self {
        Self {
            settings,
            role,
            window,
            edge: None,
            join: None,
            rate_sample: None,
            estimated_rate: None,
            playhead: None,
            missed: 0,
            on_time: 0,
            floor: 0,
            peers: BTreeMap::new(),
            edges_seen: 0,
            next_tick: None,
            salt,
        }
    }

    pub(crate) fn is_source(&self) -> bool {
        matches!(self.role, Role::Source { .. })
    }

    /// The stream rate in chunks per second, given or estimated.
    pub(crate) fn rate(&self) -> Option<f64> {
        self.settings
            .chunk_rate
            .filter(|r| r.is_finite() && *r > 0.0)
            .or(self.estimated_rate)
    }

    /// Notes the newest chunk known at `now`, and refines the rate estimate.
    pub(crate) fn observe_edge(&mut self, now: Instant, edge: u64) {
        if self.edge.is_some_and(|e| e >= edge) {
            return;
        }
        self.edge = Some(edge);
        match self.rate_sample {
            None => self.rate_sample = Some((now, edge)),
            Some((since, first)) => {
                let elapsed = now.saturating_duration_since(since);
                if elapsed >= RATE_SAMPLE {
                    self.estimated_rate = Some((edge - first) as f64 / elapsed.as_secs_f64());
                }
            }
        }
    }

    /// Counts a new edge first announced by `leader`.
    pub(crate) fn credit_lead(&mut self, leader: ChannelId) {
        self.edges_seen += 1;
        self.peers.entry(leader).or_default().leads += 1;
        if self.edges_seen >= LEAD_HISTORY {
            self.edges_seen /= 2;
            for peer in self.peers.values_mut() {
                peer.leads /= 2;
            }
        }
    }

    /// Whether `channel` announces most new chunks first: the source, or next to it.
    pub(crate) fn is_upstream(&self, channel: ChannelId) -> bool {
        let leads = self.peers.get(&channel).map_or(0, |p| p.leads);
        self.edges_seen > 0 && leads * 2 > self.edges_seen
    }

    /// When chunk `chunk` is due at the player.
    pub(crate) fn deadline(&self, chunk: u64) -> Option<Instant> {
        let (join, at) = self.join?;
        let period = 1.0 / self.rate()?;
        let after = chunk.saturating_sub(join) as f64 * period;
        let after = Duration::try_from_secs_f64(after).ok()?;
        Some(at + self.settings.startup_delay + after)
    }

    /// The first chunk not yet due at `now`: the playhead the clock implies.
    pub(crate) fn due_playhead(&self, now: Instant) -> Option<u64> {
        let (join, at) = self.join?;
        let rate = self.rate()?;
        let start = at + self.settings.startup_delay;
        if now < start {
            return Some(join);
        }
        let played = (now - start).as_secs_f64() * rate;
        // Chunk `join + k` is due at `start + k / rate`; those with `k <= played` are due.
        Some(join.saturating_add(played.floor() as u64).saturating_add(1))
    }

    /// Time left before `chunk` is due; `None` without deadlines, zero once due.
    pub(crate) fn slack(&self, chunk: u64, now: Instant) -> Option<Duration> {
        Some(self.deadline(chunk)?.saturating_duration_since(now))
    }

    /// How long before its deadline a fresh chunk offered only by an upstream peer is
    /// fetched from it: a per-chunk pseudo-random point between the urgent slack and the
    /// startup delay, so that most receivers find it at a relay first.
    pub(crate) fn relay_slack(&self, chunk: u64) -> Duration {
        let low = self.settings.urgent_slack;
        let high = self.settings.startup_delay.max(low);
        let fraction = (mix(chunk ^ self.salt) % 1024) as f64 / 1024.0;
        low + (high - low).mul_f64(fraction)
    }

    /// The NTP time at `now`, for the source's signatures.
    pub(crate) fn ntp(&self, now: Instant) -> NtpTimestamp {
        let Role::Source { started, .. } = self.role else {
            return self.settings.ntp_at_start;
        };
        let elapsed = now.saturating_duration_since(started);
        let seconds = elapsed.as_secs() << 32;
        let fraction = (u64::from(elapsed.subsec_nanos()) << 32) / 1_000_000_000;
        NtpTimestamp::from_bits(
            self.settings
                .ntp_at_start
                .to_bits()
                .wrapping_add(seconds | fraction),
        )
    }

    /// How often the picker runs while deadlines run: a fraction of a chunk period, within
    /// sane bounds.
    pub(crate) fn tick(&self) -> Duration {
        let period = self.rate().map_or(0.1, |r| 1.0 / r);
        Duration::from_secs_f64((period / 2.0).clamp(0.01, 0.25))
    }
}

/// SplitMix64's finaliser: a well-spread hash of `x`.
fn mix(mut x: u64) -> u64 {
    x = (x ^ (x >> 30)).wrapping_mul(0xbf58_476d_1ce4_e5b9);
    x = (x ^ (x >> 27)).wrapping_mul(0x94d0_49bb_1331_11eb);
    x ^ (x >> 31)
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receiver(rate: f64) -> LiveState {
        let settings = LiveSettings {
            chunk_rate: Some(rate),
            startup_delay: Duration::from_secs(1),
            ..LiveSettings::default()
        };
        LiveState::new(settings, Role::Receiver, Some(100), 7)
    }

    #[test]
    fn deadlines_start_after_the_startup_delay_and_follow_the_rate() {
        let mut live = receiver(10.0);
        let t = Instant::now();
        live.join = Some((50, t));
        assert_eq!(live.deadline(50), Some(t + Duration::from_secs(1)));
        assert_eq!(live.deadline(60), Some(t + Duration::from_secs(2)));
        assert_eq!(live.due_playhead(t), Some(50));
        assert_eq!(live.due_playhead(t + Duration::from_millis(1000)), Some(51));
        assert_eq!(live.due_playhead(t + Duration::from_millis(1550)), Some(56));
    }

    #[test]
    fn the_rate_is_estimated_from_the_moving_edge() {
        let mut live = LiveState::new(LiveSettings::default(), Role::Receiver, None, 1);
        let t = Instant::now();
        live.observe_edge(t, 10);
        assert_eq!(live.rate(), None);
        live.observe_edge(t + Duration::from_secs(2), 30);
        assert_eq!(live.rate(), Some(10.0));
    }

    #[test]
    fn a_peer_announcing_most_chunks_first_is_upstream() {
        let mut live = receiver(10.0);
        let (source, relay) = (ChannelId(1), ChannelId(2));
        for i in 0..40 {
            live.credit_lead(if i % 10 == 0 { relay } else { source });
        }
        assert!(live.is_upstream(source));
        assert!(!live.is_upstream(relay));
    }

    #[test]
    fn relay_slacks_stay_between_urgent_and_startup() {
        let live = receiver(10.0);
        let slacks: Vec<Duration> = (0..100).map(|c| live.relay_slack(c)).collect();
        assert!(slacks.iter().all(|s| *s >= live.settings.urgent_slack));
        assert!(slacks.iter().all(|s| *s <= live.settings.startup_delay));
        assert!(slacks.iter().any(|s| *s != slacks[0]));
    }
}
