//! The chunk-availability map `<CHUNK>` (the slides' "Define Bitmap" item), in its two encodings
//! (draft requirement 4.2.2: different applications carry different data structures).
//!
//! ```xml
//! <CHUNK encoding="bitmap" start="0" count="20">//8P</CHUNK>
//! <CHUNK encoding="ranges">0-99,120-130</CHUNK>
//! ```

use base64::Engine as _;
use base64::engine::general_purpose::STANDARD as BASE64;
use serde::Serialize;

use crate::schema::{SchemaError, required_attr};
use crate::xml::Element;

/// Most runs accepted in a `ranges` map.
pub const MAX_RANGES: usize = 100_000;
/// Most chunks a `bitmap` map may cover (8 Mi chunks = 1 MiB of bits).
pub const MAX_BITMAP_CHUNKS: u64 = 8 << 20;

/// A chunk-availability map as carried on the wire.
///
/// The bitmap form keeps its bytes exactly as sent, so a map decodes and re-encodes to the same
/// text; bits past `count` in the last byte are padding and never name chunks (the profile's own
/// example `//8P` with `count="20"` sets some of them).
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[serde(tag = "encoding", rename_all = "snake_case")]
pub enum ChunkMap {
    /// `encoding="bitmap"`: bit i, most significant bit first, stands for chunk `start + i`.
    Bitmap {
        /// The chunk of bit 0.
        start: u64,
        /// How many bits are meaningful.
        count: u64,
        /// `ceil(count / 8)` bytes (base64 on the wire).
        #[serde(serialize_with = "crate::peer::chunk_map::hex_bytes")]
        bits: Vec<u8>,
    },
    /// `encoding="ranges"`: inclusive runs, ascending, non-overlapping.
    Ranges(Vec<(u64, u64)>),
}

pub(crate) fn hex_bytes<S: serde::Serializer>(bytes: &[u8], s: S) -> Result<S::Ok, S::Error> {
    s.serialize_str(&crate::ids::to_hex(bytes))
}

impl ChunkMap {
    /// Builds the bitmap form covering `[start, start + count)` from the runs of chunks held.
    ///
    /// Runs outside the window are clipped.
    pub fn bitmap_from_runs(start: u64, count: u64, runs: &[(u64, u64)]) -> Self {
        let mut bits = vec![0u8; usize::try_from(count.div_ceil(8)).unwrap_or(0)];
        let window_end = start.saturating_add(count);
        for &(first, last) in runs {
            let from = first.max(start);
            let to = last.saturating_add(1).min(window_end);
            for chunk in from..to {
                let bit = chunk - start;
                bits[(bit / 8) as usize] |= 0x80 >> (bit % 8);
            }
        }
        Self::Bitmap { start, count, bits }
    }

    /// The chunks the map says are held, as inclusive runs in ascending order.
    pub fn runs(&self) -> Vec<(u64, u64)> {
        match self {
            Self::Ranges(runs) => runs.clone(),
            Self::Bitmap { start, count, bits } => {
                let mut runs: Vec<(u64, u64)> = Vec::new();
                for bit in 0..*count {
                    let set = bits
                        .get((bit / 8) as usize)
                        .is_some_and(|byte| byte & (0x80 >> (bit % 8)) != 0);
                    if !set {
                        continue;
                    }
                    let chunk = start + bit;
                    match runs.last_mut() {
                        Some(last) if last.1 + 1 == chunk => last.1 = chunk,
                        _ => runs.push((chunk, chunk)),
                    }
                }
                runs
            }
        }
    }

    pub(crate) fn from_element(element: &Element) -> Result<Self, SchemaError> {
        let encoding: String = required_attr(element, "encoding")?;
        match encoding.as_str() {
            "bitmap" => {
                let start: u64 = required_attr(element, "start")?;
                let count: u64 = required_attr(element, "count")?;
                if count > MAX_BITMAP_CHUNKS {
                    return Err(SchemaError::new(
                        "CHUNK@count",
                        format!("{count} chunks, at most {MAX_BITMAP_CHUNKS} in one bitmap"),
                    ));
                }
                if start.checked_add(count).is_none() {
                    return Err(SchemaError::new("CHUNK@count", "start + count overflows"));
                }
                let compact: String = element
                    .text
                    .chars()
                    .filter(|c| !c.is_ascii_whitespace())
                    .collect();
                let bits = BASE64
                    .decode(compact.as_bytes())
                    .map_err(|e| SchemaError::new("CHUNK", format!("bitmap is not base64: {e}")))?;
                let expected = count.div_ceil(8);
                if bits.len() as u64 != expected {
                    return Err(SchemaError::new(
                        "CHUNK",
                        format!(
                            "bitmap has {} bytes, count={count} needs {expected}",
                            bits.len()
                        ),
                    ));
                }
                Ok(Self::Bitmap { start, count, bits })
            }
            "ranges" => parse_ranges(&element.text).map(Self::Ranges),
            other => Err(SchemaError::new(
                "CHUNK@encoding",
                format!("{other:?} is not an encoding (bitmap or ranges)"),
            )),
        }
    }

    pub(crate) fn to_element(&self) -> Element {
        match self {
            Self::Bitmap { start, count, bits } => Element::new("CHUNK")
                .with_attr("encoding", "bitmap")
                .with_attr("start", start.to_string())
                .with_attr("count", count.to_string())
                .with_text(BASE64.encode(bits)),
            Self::Ranges(runs) => Element::new("CHUNK")
                .with_attr("encoding", "ranges")
                .with_text(format_ranges(runs)),
        }
    }
}

/// `0-99,120-130`; a single chunk may be written alone (`5`).
fn format_ranges(runs: &[(u64, u64)]) -> String {
    let parts: Vec<String> = runs
        .iter()
        .map(|&(a, b)| {
            if a == b {
                a.to_string()
            } else {
                format!("{a}-{b}")
            }
        })
        .collect();
    parts.join(",")
}

fn parse_ranges(text: &str) -> Result<Vec<(u64, u64)>, SchemaError> {
    let bad = |problem: String| SchemaError::new("CHUNK", problem);
    if text.is_empty() {
        return Ok(Vec::new());
    }
    let mut runs: Vec<(u64, u64)> = Vec::new();
    for item in text.split(',') {
        if runs.len() == MAX_RANGES {
            return Err(bad(format!("more than {MAX_RANGES} ranges")));
        }
        let item = item.trim();
        let (first, last) = match item.split_once('-') {
            Some((a, b)) => (a.trim(), b.trim()),
            None => (item, item),
        };
        let parse = |n: &str| {
            n.parse::<u64>()
                .map_err(|_| bad(format!("{item:?} is not a range")))
        };
        let (first, last) = (parse(first)?, parse(last)?);
        if first > last {
            return Err(bad(format!("range {item:?} is descending")));
        }
        if let Some(&(_, prev_last)) = runs.last()
            && first <= prev_last
        {
            return Err(bad(format!(
                "range {item:?} overlaps or precedes the previous one"
            )));
        }
        runs.push((first, last));
    }
    Ok(runs)
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::xml::XmlLimits;

    fn read(text: &str) -> Result<ChunkMap, SchemaError> {
        ChunkMap::from_element(&Element::parse(text.as_bytes(), &XmlLimits::default()).unwrap())
    }

    #[test]
    fn profile_bitmap_example_reads_msb_first_and_ignores_padding() {
        let map = read(r#"<CHUNK encoding="bitmap" start="0" count="20">//8P</CHUNK>"#).unwrap();
        assert_eq!(map.runs(), vec![(0, 15)]);
        assert_eq!(
            ChunkMap::from_element(&map.to_element()).unwrap(),
            map,
            "padding bits survive a round trip"
        );
    }

    #[test]
    fn profile_ranges_example_reads() {
        let map = read(r#"<CHUNK encoding="ranges">0-99,120-130</CHUNK>"#).unwrap();
        assert_eq!(map.runs(), vec![(0, 99), (120, 130)]);
        assert_eq!(map.to_element().text, "0-99,120-130");
    }

    #[test]
    fn bitmap_from_runs_matches_runs() {
        let map = ChunkMap::bitmap_from_runs(100, 20, &[(90, 101), (105, 105), (118, 200)]);
        assert_eq!(map.runs(), vec![(100, 101), (105, 105), (118, 119)]);
    }

    #[test]
    fn malformed_maps_name_the_problem() {
        let err = |t: &str| read(t).unwrap_err().to_string();
        assert!(err(r#"<CHUNK encoding="ranges">5-3</CHUNK>"#).contains("descending"));
        assert!(err(r#"<CHUNK encoding="ranges">1-5,4-9</CHUNK>"#).contains("overlaps"));
        assert!(err(r#"<CHUNK encoding="ranges">1-x</CHUNK>"#).contains("not a range"));
        assert!(
            err(r#"<CHUNK encoding="bitmap" start="0" count="20">//8</CHUNK>"#).contains("base64")
        );
        assert!(
            err(r#"<CHUNK encoding="bitmap" start="0" count="30">//8P</CHUNK>"#)
                .contains("needs 4")
        );
        assert!(err(r#"<CHUNK encoding="bitmap" count="8">AA==</CHUNK>"#).contains("CHUNK@start"));
        assert!(err(r#"<CHUNK encoding="rle">1</CHUNK>"#).contains("CHUNK@encoding"));
        assert!(err(r#"<CHUNK>1</CHUNK>"#).contains("CHUNK@encoding"));
    }

    #[test]
    fn empty_ranges_mean_nothing_held() {
        assert_eq!(
            read(r#"<CHUNK encoding="ranges"/>"#).unwrap(),
            ChunkMap::Ranges(Vec::new())
        );
    }
}
