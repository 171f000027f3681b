//! The demo's synthetic test stream: chunks at a fixed bitrate whose bytes follow from
//! their index, so every peer can check what it plays against what the source produced.

use std::time::Duration;

use anyhow::{Result, bail};
use bytes::Bytes;

/// A stream of `chunk_size`-byte chunks at `bits_per_second`.
#[derive(Debug, Clone, Copy)]
pub(super) struct TestStream {
    pub(super) chunk_size: u32,
    pub(super) bits_per_second: f64,
}

impl TestStream {
    /// Chunks per second.
    pub(super) fn chunk_rate(&self) -> f64 {
        self.bits_per_second / 8.0 / f64::from(self.chunk_size)
    }

    /// The time between two chunks.
    pub(super) fn period(&self) -> Duration {
        Duration::from_secs_f64(1.0 / self.chunk_rate())
    }

    /// Chunk `index`: a header naming the stream and the index, then pseudo-random bytes
    /// drawn from the index (xorshift64, eight bytes at a time).
    pub(super) fn chunk(&self, index: u64) -> Bytes {
        let size = self.chunk_size as usize;
        let mut data = Vec::with_capacity(size + 8);
        data.extend_from_slice(b"PPSPDEMO");
        data.extend_from_slice(&index.to_be_bytes());
        let mut state = index.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1;
        while data.len() < size {
            state ^= state << 13;
            state ^= state >> 7;
            state ^= state << 17;
            data.extend_from_slice(&state.to_le_bytes());
        }
        data.truncate(size);
        Bytes::from(data)
    }
}

/// A duration flag: seconds, or with an `s`, `m` or `ms` suffix (`20`, `20s`, `2m`).
pub(super) fn parse_duration(flag: &str, text: &str) -> Result<Duration> {
    let (number, unit) = match text {
        t if t.ends_with("ms") => (&t[..t.len() - 2], 0.001),
        t if t.ends_with('s') => (&t[..t.len() - 1], 1.0),
        t if t.ends_with('m') => (&t[..t.len() - 1], 60.0),
        t => (t, 1.0),
    };
    match number.parse::<f64>() {
        Ok(value) if value.is_finite() && (0.0..=86_400.0).contains(&(value * unit)) => {
            Ok(Duration::from_secs_f64(value * unit))
        }
        _ => bail!("{flag}: expected a duration such as 20, 20s, 500ms or 2m, not {text:?}"),
    }
}

/// A bitrate flag in bits per second, with an optional `k` or `M` suffix (`2M`, `500k`).
pub(super) fn parse_bitrate(text: &str) -> Result<f64> {
    let (number, unit) = match text {
        t if t.ends_with(['M', 'm']) => (&t[..t.len() - 1], 1e6),
        t if t.ends_with(['K', 'k']) => (&t[..t.len() - 1], 1e3),
        t => (t, 1.0),
    };
    match number.parse::<f64>() {
        Ok(value) if (8e3..=1e9).contains(&(value * unit)) => Ok(value * unit),
        _ => {
            bail!("--bitrate: expected bits per second from 8k to 1000M (such as 2M), not {text:?}")
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn chunks_are_whole_distinct_and_reproducible() {
        let stream = TestStream {
            chunk_size: 1000,
            bits_per_second: 2e6,
        };
        assert_eq!(stream.chunk(3).len(), 1000);
        assert_eq!(stream.chunk(3), stream.chunk(3));
        assert_ne!(stream.chunk(3), stream.chunk(4));
        assert_eq!(stream.chunk_rate(), 250.0);
    }

    #[test]
    fn durations_and_bitrates_take_units() {
        assert_eq!(
            parse_duration("--d", "20").unwrap(),
            Duration::from_secs(20)
        );
        assert_eq!(
            parse_duration("--d", "2m").unwrap(),
            Duration::from_secs(120)
        );
        assert_eq!(
            parse_duration("--d", "500ms").unwrap(),
            Duration::from_millis(500)
        );
        assert!(parse_duration("--d", "soon").is_err());
        assert_eq!(parse_bitrate("2M").unwrap(), 2e6);
        assert_eq!(parse_bitrate("500k").unwrap(), 5e5);
        assert!(parse_bitrate("1").is_err());
    }
}
