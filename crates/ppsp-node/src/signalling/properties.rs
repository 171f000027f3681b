//! PROPERTY_QUERY answers from the node's measured values, and the rate meter a runtime uses to
//! turn byte totals into the bandwidth properties.

use std::time::{Duration, Instant};

use ppsp_core::ChunkSet;
use ppsp_core::engine::LiveStatus;
use ppsp_wire::property::{PropertyName, PropertyValue, Stat};

use super::view::NodeProperties;

/// The values behind one answer.
#[derive(Debug, Clone)]
pub(crate) struct Measured {
    pub(crate) props: NodeProperties,
    pub(crate) now: Instant,
    pub(crate) buffer_level: Option<Duration>,
    /// Upload-slot use in percent, when slots exist.
    pub(crate) load: Option<u8>,
}

impl Measured {
    /// The answer for one property: its value, or `None` (`status="unknown"`).
    fn value(&self, name: &PropertyName) -> Option<PropertyValue> {
        let p = &self.props;
        Some(match name {
            PropertyName::UplinkBandwidth => PropertyValue::Kbps(p.uplink_kbps?),
            PropertyName::DownlinkBandwidth => PropertyValue::Kbps(p.downlink_kbps?),
            PropertyName::AccessType => PropertyValue::AccessType(p.access_type?),
            PropertyName::NatType => PropertyValue::NatType(p.nat_type?),
            PropertyName::OnlineTime => {
                PropertyValue::Seconds(self.now.saturating_duration_since(p.started?).as_secs())
            }
            PropertyName::ConcurrentLinks => PropertyValue::Count(p.concurrent_links?),
            PropertyName::Load => PropertyValue::Percent(self.load?),
            PropertyName::Power => PropertyValue::Power(p.power?),
            PropertyName::BufferLevel => PropertyValue::Millis(
                u64::try_from(self.buffer_level?.as_millis()).unwrap_or(u64::MAX),
            ),
            PropertyName::Software => PropertyValue::Text(p.software.clone()?),
            PropertyName::Other(_) => return None,
        })
    }

    /// One stat per name asked, or every property of the profile for an empty query.
    pub(crate) fn stats(&self, asked: &[PropertyName]) -> Vec<Stat> {
        let names: Vec<PropertyName> = if asked.is_empty() {
            PropertyName::KNOWN.to_vec()
        } else {
            asked.to_vec()
        };
        names
            .into_iter()
            .map(|name| Stat {
                value: self.value(&name),
                name,
            })
            .collect()
    }
}

/// How much playback a live receiver holds ahead of its playhead: the verified chunks in a
/// row from the playhead on, at the stream's chunk rate. `None` at the source, before the
/// rate is known, or when the status has no playhead yet.
pub(crate) fn live_buffer_level(status: &LiveStatus, have: &ChunkSet) -> Option<Duration> {
    let playhead = status.playhead?;
    let rate = status.chunk_rate.filter(|r| r.is_finite() && *r > 0.0)?;
    let ahead = have
        .runs()
        .find(|run| run.first() <= playhead && playhead <= run.last())
        .map_or(0, |run| run.last() - playhead + 1);
    Some(Duration::from_secs_f64(ahead as f64 / rate))
}

/// Upload-slot use in percent.
pub(crate) fn load_percent(in_use: usize, total: usize) -> Option<u8> {
    (total > 0).then(|| u8::try_from((in_use.min(total) * 100) / total).unwrap_or(100))
}

/// A rate over a sliding window from samples of a growing byte total.
#[derive(Debug, Clone)]
pub struct RateMeter {
    window: Duration,
    /// The oldest sample kept and the newest.
    samples: std::collections::VecDeque<(Instant, u64)>,
}

impl RateMeter {
    /// Most samples kept, whatever the sampling rate.
    const MAX_SAMPLES: usize = 64;

    /// A meter averaging over `window`.
    pub fn new(window: Duration) -> Self {
        Self {
            window,
            samples: std::collections::VecDeque::new(),
        }
    }

    /// Records that `total` bytes had moved by `now`.
    pub fn sample(&mut self, now: Instant, total: u64) {
        self.samples.push_back((now, total));
        while self.samples.len() > Self::MAX_SAMPLES
            || self.samples.len() > 2
                && self
                    .samples
                    .get(1)
                    .is_some_and(|(t, _)| now.saturating_duration_since(*t) >= self.window)
        {
            self.samples.pop_front();
        }
    }

    /// The rate in kbit/s between the oldest and newest sample; `None` before two samples.
    pub fn kbps(&self) -> Option<u64> {
        let (t0, b0) = *self.samples.front()?;
        let (t1, b1) = *self.samples.back()?;
        let secs = t1.saturating_duration_since(t0).as_secs_f64();
        (secs > 0.0).then(|| (b1.saturating_sub(b0) as f64 * 8.0 / 1000.0 / secs) as u64)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn receiver(playhead: Option<u64>, chunk_rate: Option<f64>) -> LiveStatus {
        LiveStatus {
            source: false,
            edge: Some(40),
            newest_held: Some(17),
            join_chunk: Some(2),
            playhead,
            window_start: 0,
            chunk_rate,
            chunks_missed: 0,
            chunks_on_time: 8,
        }
    }

    #[test]
    fn live_buffer_level_counts_the_chunks_held_in_a_row_from_the_playhead() {
        let mut have = ChunkSet::new();
        (2..=17).chain(20..=30).for_each(|c| {
            have.insert(c);
        });
        // Chunks 10..=17 are held in a row: 8 chunks at 4 chunks/s.
        let level = live_buffer_level(&receiver(Some(10), Some(4.0)), &have);
        assert_eq!(level, Some(Duration::from_secs(2)));
        // The playhead's own chunk is missing: nothing buffered, whatever comes later.
        let level = live_buffer_level(&receiver(Some(18), Some(4.0)), &have);
        assert_eq!(level, Some(Duration::ZERO));
    }

    #[test]
    fn live_buffer_level_is_unknown_without_a_playhead_or_a_rate() {
        let have = ChunkSet::new();
        assert_eq!(live_buffer_level(&receiver(None, Some(4.0)), &have), None);
        assert_eq!(live_buffer_level(&receiver(Some(3), None), &have), None);
        assert_eq!(
            live_buffer_level(&receiver(Some(3), Some(0.0)), &have),
            None
        );
    }

    #[test]
    fn rate_meter_reports_kbps_over_its_window() {
        let mut meter = RateMeter::new(Duration::from_secs(10));
        let t0 = Instant::now();
        assert_eq!(meter.kbps(), None);
        meter.sample(t0, 0);
        meter.sample(t0 + Duration::from_secs(2), 250_000);
        assert_eq!(meter.kbps(), Some(1000));
        for i in 3..100u64 {
            meter.sample(t0 + Duration::from_secs(i), 250_000);
        }
        assert_eq!(meter.kbps(), Some(0), "old traffic leaves the window");
    }

    #[test]
    fn unknown_and_unmeasured_properties_read_as_unknown() {
        let measured = Measured {
            props: NodeProperties {
                uplink_kbps: Some(512),
                ..NodeProperties::default()
            },
            now: Instant::now(),
            buffer_level: None,
            load: load_percent(3, 4),
        };
        let asked = [
            PropertyName::UplinkBandwidth,
            PropertyName::NatType,
            PropertyName::Load,
            PropertyName::Other("color_depth".into()),
        ];
        let values: Vec<_> = measured
            .stats(&asked)
            .into_iter()
            .map(|s| s.value)
            .collect();
        assert_eq!(
            values,
            [
                Some(PropertyValue::Kbps(512)),
                None,
                Some(PropertyValue::Percent(75)),
                None
            ]
        );
        assert_eq!(measured.stats(&[]).len(), PropertyName::KNOWN.len());
    }
}
