//! Swarm metadata and the swarm URI that carries it.
//!
//! RFC 7574 section 3.1 leaves "swarm metadata" (swarm ID, chunk size, chunk addressing method,
//! content integrity method, Merkle hash function, content length when size detection is not
//! used, and for live streams the signature algorithm and discard window) to "a trusted source".
//! A [`SwarmUri`] is that source in one printable string, together with where to find peers:
//!
//! ```text
//! ppsp://47a013e660d408619d894b20806b1d5086aab03b?cs=1024&cam=2&cipm=1&mhf=sha1&len=13
//!        &tr=http%3A%2F%2Ftracker.example%3A7000%2F&peer=192.0.2.1%3A6778
//! ```
//!
//! Keys, always written in this order: `cs` chunk size in bytes (or `var`), `cam` chunk addressing
//! method 0..=4, `cipm` content integrity method 0..=3, `mhf` Merkle hash function, `lsa` live
//! signature algorithm (DNSSEC number), `ncps` chunks per signature (Unified Merkle Tree), `ldw`
//! live discard window, `len` content length in bytes, then `tr` tracker URLs and `peer` direct peer
//! addresses, each repeatable and percent-encoded. Keys starting with `x-` are ignored so newer
//! writers can add hints; any other unknown key is an error.

use std::fmt;
use std::net::SocketAddr;
use std::str::FromStr;

use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{
    ChunkAddressing, ChunkSize, ContentIntegrity, LiveSignatureAlgorithm, MerkleHashFunction,
};

/// The URI scheme.
pub const SCHEME: &str = "ppsp";

/// Most tracker URLs plus peer addresses accepted in one URI.
pub const MAX_LOCATORS: usize = 32;

/// Everything a peer must know about a swarm before it can exchange verified chunks.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SwarmMetadata {
    /// Merkle root hash (static content) or DNSKEY-form public key (live).
    pub swarm_id: SwarmId,
    /// Chunk size.
    pub chunk_size: ChunkSize,
    /// How chunks are named on the wire.
    pub chunk_addressing: ChunkAddressing,
    /// How content is protected.
    pub content_integrity: ContentIntegrity,
    /// The hash of the Merkle tree (static content and Unified Merkle Tree).
    pub merkle_hash_function: MerkleHashFunction,
    /// Live streams: the signature algorithm of the swarm key.
    pub live_signature_algorithm: Option<LiveSignatureAlgorithm>,
    /// Live streams with a Unified Merkle Tree: chunks under each signed subtree root.
    pub chunks_per_signature: Option<u32>,
    /// Live streams: chunks kept behind the newest one (`None` = never discards).
    pub live_discard_window: Option<u64>,
    /// Static content: length in bytes, when known up front (otherwise detected from peaks).
    pub content_length: Option<u64>,
}

impl SwarmMetadata {
    /// Metadata of static content with the RFC defaults for everything but the given fields.
    pub fn static_content(
        swarm_id: SwarmId,
        chunk_size: u32,
        merkle_hash_function: MerkleHashFunction,
        content_length: u64,
    ) -> Self {
        Self {
            swarm_id,
            chunk_size: ChunkSize::Fixed(chunk_size),
            chunk_addressing: ChunkAddressing::default(),
            content_integrity: ContentIntegrity::MerkleHashTree,
            merkle_hash_function,
            live_signature_algorithm: None,
            chunks_per_signature: None,
            live_discard_window: None,
            content_length: Some(content_length),
        }
    }

    /// Whether this is a live stream (signed, unbounded).
    pub fn is_live(&self) -> bool {
        matches!(
            self.content_integrity,
            ContentIntegrity::SignAll | ContentIntegrity::UnifiedMerkleTree
        )
    }

    /// The fixed chunk size, if the swarm uses one.
    pub fn fixed_chunk_size(&self) -> Option<u32> {
        match self.chunk_size {
            ChunkSize::Fixed(size) => Some(size),
            ChunkSize::Variable => None,
        }
    }

    /// Number of chunks, when the content length and a fixed chunk size are known.
    pub fn chunk_count(&self) -> Option<u64> {
        let size = u64::from(self.fixed_chunk_size()?);
        Some(self.content_length?.div_ceil(size))
    }

    /// Checks that the fields agree with each other (RFC 7574 section 7 rules).
    pub fn validate(&self) -> Result<(), UriError> {
        let bad = |key: &'static str, problem: &str| {
            Err(UriError::Invalid {
                key,
                problem: problem.to_string(),
            })
        };
        if self.chunk_size == ChunkSize::Fixed(0) {
            return bad("cs", "chunk size 0");
        }
        if self.is_live() {
            if self.live_signature_algorithm.is_none() {
                return bad("lsa", "a live stream needs a signature algorithm");
            }
            if self.content_length.is_some() {
                return bad("len", "a live stream has no content length");
            }
            if self.content_integrity == ContentIntegrity::UnifiedMerkleTree {
                match self.chunks_per_signature {
                    Some(n) if n >= 2 && n.is_power_of_two() => {}
                    Some(_) => return bad("ncps", "must be a power of two, at least 2"),
                    None => return bad("ncps", "a Unified Merkle Tree needs chunks per signature"),
                }
            }
        } else {
            if self.live_signature_algorithm.is_some() || self.chunks_per_signature.is_some() {
                return bad("lsa", "only live streams are signed");
            }
            if self.live_discard_window.is_some() {
                return bad("ldw", "only live streams have a discard window");
            }
        }
        Ok(())
    }
}

/// A swarm URI: the metadata plus where to find peers.
#[derive(Debug, Clone, PartialEq, Eq, Hash)]
pub struct SwarmUri {
    /// The swarm's metadata.
    pub metadata: SwarmMetadata,
    /// Tracker base URLs (`http://` or `https://`).
    pub trackers: Vec<String>,
    /// Peers to contact directly.
    pub peers: Vec<SocketAddr>,
}

/// Why a swarm URI could not be read.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum UriError {
    /// The URI does not start with `ppsp://`.
    #[error("not a swarm URI: must start with {SCHEME}://")]
    Scheme,
    /// The swarm ID is not hex or has a bad length.
    #[error("swarm ID: {0}")]
    SwarmId(String),
    /// A required key is absent.
    #[error("missing `{0}=`")]
    Missing(&'static str),
    /// A key appears twice where only one is allowed.
    #[error("`{0}=` given more than once")]
    Duplicate(String),
    /// A key this version does not know (and not an `x-` extension).
    #[error("unknown key `{0}=`")]
    UnknownKey(String),
    /// A value is malformed or inconsistent.
    #[error("`{key}=`: {problem}")]
    Invalid {
        /// The key.
        key: &'static str,
        /// What is wrong.
        problem: String,
    },
}

impl fmt::Display for SwarmUri {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let m = &self.metadata;
        write!(f, "{SCHEME}://{}?cs=", m.swarm_id)?;
        match m.chunk_size {
            ChunkSize::Fixed(size) => write!(f, "{size}")?,
            ChunkSize::Variable => f.write_str("var")?,
        }
        write!(
            f,
            "&cam={}&cipm={}&mhf={}",
            m.chunk_addressing.code(),
            m.content_integrity.code(),
            m.merkle_hash_function
        )?;
        if let Some(lsa) = m.live_signature_algorithm {
            write!(f, "&lsa={}", lsa.code())?;
        }
        if let Some(n) = m.chunks_per_signature {
            write!(f, "&ncps={n}")?;
        }
        if let Some(window) = m.live_discard_window {
            write!(f, "&ldw={window}")?;
        }
        if let Some(len) = m.content_length {
            write!(f, "&len={len}")?;
        }
        for tracker in &self.trackers {
            write!(f, "&tr={}", percent_encode(tracker))?;
        }
        for peer in &self.peers {
            write!(f, "&peer={}", percent_encode(&peer.to_string()))?;
        }
        Ok(())
    }
}

impl FromStr for SwarmUri {
    type Err = UriError;

    fn from_str(text: &str) -> Result<Self, Self::Err> {
        let rest = text
            .trim()
            .strip_prefix(SCHEME)
            .and_then(|r| r.strip_prefix("://"));
        let rest = rest.ok_or(UriError::Scheme)?;
        let (id, query) = rest.split_once('?').unwrap_or((rest, ""));
        let swarm_id: SwarmId = id
            .trim_end_matches('/')
            .parse()
            .map_err(|e| UriError::SwarmId(format!("{e}")))?;
        let mut fields = Fields::default();
        for pair in query.split('&').filter(|p| !p.is_empty()) {
            let (key, value) = pair.split_once('=').unwrap_or((pair, ""));
            let value = percent_decode(value).ok_or(UriError::Invalid {
                key: "query",
                problem: format!("bad percent-encoding in {pair:?}"),
            })?;
            fields.set(key, value)?;
        }
        let uri = fields.finish(swarm_id)?;
        uri.metadata.validate()?;
        Ok(uri)
    }
}

/// The key/value pairs of a URI as they are read, before they are checked together.
#[derive(Default)]
struct Fields {
    cs: Option<String>,
    cam: Option<String>,
    cipm: Option<String>,
    mhf: Option<String>,
    lsa: Option<String>,
    ncps: Option<String>,
    ldw: Option<String>,
    len: Option<String>,
    trackers: Vec<String>,
    peers: Vec<String>,
}

impl Fields {
    fn set(&mut self, key: &str, value: String) -> Result<(), UriError> {
        let slot = match key {
            "cs" => &mut self.cs,
            "cam" => &mut self.cam,
            "cipm" => &mut self.cipm,
            "mhf" => &mut self.mhf,
            "lsa" => &mut self.lsa,
            "ncps" => &mut self.ncps,
            "ldw" => &mut self.ldw,
            "len" => &mut self.len,
            "tr" | "peer" => {
                if self.trackers.len() + self.peers.len() >= MAX_LOCATORS {
                    return Err(UriError::Invalid {
                        key: "tr",
                        problem: format!("more than {MAX_LOCATORS} trackers and peers"),
                    });
                }
                let list = if key == "tr" {
                    &mut self.trackers
                } else {
                    &mut self.peers
                };
                list.push(value);
                return Ok(());
            }
            extension if extension.starts_with("x-") => return Ok(()),
            unknown => return Err(UriError::UnknownKey(unknown.to_string())),
        };
        if slot.replace(value).is_some() {
            return Err(UriError::Duplicate(key.to_string()));
        }
        Ok(())
    }

    fn finish(self, swarm_id: SwarmId) -> Result<SwarmUri, UriError> {
        fn number<T: FromStr>(key: &'static str, value: &str) -> Result<T, UriError> {
            value.parse().map_err(|_| UriError::Invalid {
                key,
                problem: format!("{value:?} is not a valid number"),
            })
        }
        fn code<T>(
            key: &'static str,
            value: &str,
            from: fn(u8) -> Option<T>,
        ) -> Result<T, UriError> {
            from(number(key, value)?).ok_or_else(|| UriError::Invalid {
                key,
                problem: format!("{value} is not an assigned value"),
            })
        }
        let chunk_size = match self.cs.as_deref().ok_or(UriError::Missing("cs"))? {
            "var" => ChunkSize::Variable,
            size => ChunkSize::Fixed(number("cs", size)?),
        };
        let metadata = SwarmMetadata {
            swarm_id,
            chunk_size,
            chunk_addressing: match &self.cam {
                Some(v) => code("cam", v, ChunkAddressing::from_code)?,
                None => ChunkAddressing::default(),
            },
            content_integrity: code(
                "cipm",
                self.cipm.as_deref().ok_or(UriError::Missing("cipm"))?,
                ContentIntegrity::from_code,
            )?,
            merkle_hash_function: match &self.mhf {
                Some(v) => v.parse().map_err(|e| UriError::Invalid {
                    key: "mhf",
                    problem: format!("{e}"),
                })?,
                None => MerkleHashFunction::default(),
            },
            live_signature_algorithm: self
                .lsa
                .map(|v| code("lsa", &v, LiveSignatureAlgorithm::from_code))
                .transpose()?,
            chunks_per_signature: self.ncps.map(|v| number("ncps", &v)).transpose()?,
            live_discard_window: self.ldw.map(|v| number("ldw", &v)).transpose()?,
            content_length: self.len.map(|v| number("len", &v)).transpose()?,
        };
        for tracker in &self.trackers {
            let lower = tracker.to_ascii_lowercase();
            if !(lower.starts_with("http://") || lower.starts_with("https://")) {
                return Err(UriError::Invalid {
                    key: "tr",
                    problem: format!("{tracker:?} is not an http:// or https:// URL"),
                });
            }
        }
        let peers = self
            .peers
            .iter()
            .map(|p| match p.parse::<SocketAddr>() {
                Ok(addr) if addr.port() != 0 => Ok(addr),
                _ => Err(UriError::Invalid {
                    key: "peer",
                    problem: format!("{p:?} is not IP:PORT with a non-zero port"),
                }),
            })
            .collect::<Result<_, _>>()?;
        Ok(SwarmUri {
            metadata,
            trackers: self.trackers,
            peers,
        })
    }
}

/// Percent-encodes everything but RFC 3986 unreserved characters.
fn percent_encode(text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for byte in text.bytes() {
        if byte.is_ascii_alphanumeric() || b"-._~".contains(&byte) {
            out.push(byte as char);
        } else {
            out.push_str(&format!("%{byte:02X}"));
        }
    }
    out
}

/// Decodes `%XX` escapes; `None` for a malformed escape or a result that is not UTF-8.
fn percent_decode(text: &str) -> Option<String> {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = text.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

#[cfg(test)]
mod tests {
    use proptest::prelude::*;

    use super::*;

    fn hello_world() -> SwarmUri {
        SwarmUri {
            metadata: SwarmMetadata::static_content(
                "47a013e660d408619d894b20806b1d5086aab03b".parse().unwrap(),
                1024,
                MerkleHashFunction::Sha1,
                13,
            ),
            trackers: vec!["http://127.0.0.1:7000/".into()],
            peers: vec!["[::1]:6778".parse().unwrap()],
        }
    }

    #[test]
    fn prints_in_canonical_order_and_reads_back() {
        let uri = hello_world();
        let text = uri.to_string();
        assert_eq!(
            text,
            "ppsp://47a013e660d408619d894b20806b1d5086aab03b?cs=1024&cam=2&cipm=1&mhf=sha1&len=13\
             &tr=http%3A%2F%2F127.0.0.1%3A7000%2F&peer=%5B%3A%3A1%5D%3A6778"
        );
        assert_eq!(text.parse::<SwarmUri>(), Ok(uri));
    }

    #[test]
    fn defaults_fill_optional_keys_and_extensions_are_ignored() {
        let uri: SwarmUri = "ppsp://abcd?cs=1024&cipm=1&x-name=film".parse().unwrap();
        assert_eq!(
            uri.metadata.chunk_addressing,
            ChunkAddressing::ChunkRanges32
        );
        assert_eq!(
            uri.metadata.merkle_hash_function,
            MerkleHashFunction::Sha256
        );
        assert_eq!(uri.metadata.content_length, None);
    }

    #[test]
    fn malformed_uris_say_what_is_wrong() {
        let err = |t: &str| t.parse::<SwarmUri>().unwrap_err().to_string();
        assert_eq!(
            err("magnet:?xt=urn:btih:abcd"),
            "not a swarm URI: must start with ppsp://"
        );
        assert!(err("ppsp://xyz?cs=1024&cipm=1").starts_with("swarm ID:"));
        assert_eq!(err("ppsp://abcd?cipm=1"), "missing `cs=`");
        assert_eq!(
            err("ppsp://abcd?cs=1024&cipm=1&cs=2"),
            "`cs=` given more than once"
        );
        assert_eq!(err("ppsp://abcd?cs=1024&cipm=1&zz=1"), "unknown key `zz=`");
        assert_eq!(
            err("ppsp://abcd?cs=big&cipm=1"),
            "`cs=`: \"big\" is not a valid number"
        );
        assert_eq!(
            err("ppsp://abcd?cs=1024&cipm=9"),
            "`cipm=`: 9 is not an assigned value"
        );
        assert_eq!(err("ppsp://abcd?cs=0&cipm=1"), "`cs=`: chunk size 0");
        assert!(err("ppsp://abcd?cs=1024&cipm=1&mhf=md5").starts_with("`mhf=`:"));
        assert!(err("ppsp://abcd?cs=1024&cipm=1&tr=ftp%3A%2F%2Fx").contains("not an http"));
        assert!(err("ppsp://abcd?cs=1024&cipm=1&peer=localhost").contains("not IP:PORT"));
        assert!(err("ppsp://abcd?cs=1024&cipm=1&peer=127.0.0.1%3A0").contains("non-zero port"));
        assert!(err("ppsp://abcd?cs=1024&cipm=1&tr=%zz").contains("percent-encoding"));
        assert!(err("ppsp://abcd?cs=1024&cipm=3&lsa=13").contains("ncps"));
        assert!(err("ppsp://abcd?cs=1024&cipm=3&lsa=13&ncps=3").contains("power of two"));
        assert!(err("ppsp://abcd?cs=1024&cipm=1&ldw=8").contains("discard window"));
    }

    fn arb_uri() -> impl Strategy<Value = SwarmUri> {
        let live = (
            prop::sample::select(LiveSignatureAlgorithm::ALL),
            prop::option::of(1u32..16).prop_map(|n| n.map(|n| 1 << n)),
            prop::option::of(any::<u64>()),
        );
        (
            prop::collection::vec(any::<u8>(), 1..70),
            prop_oneof![
                Just(ChunkSize::Variable),
                (1u32..).prop_map(ChunkSize::Fixed)
            ],
            prop::sample::select(&ChunkAddressing::ALL[..]),
            prop::sample::select(MerkleHashFunction::ALL),
            prop::option::of(live),
            any::<u64>(),
            prop::collection::vec("https?://[a-z0-9.:/?&=%-]{1,30}", 0..3),
            prop::collection::vec(
                (any::<std::net::IpAddr>(), 1u16..)
                    .prop_map(|(ip, port)| SocketAddr::new(ip, port)),
                0..3,
            ),
        )
            .prop_map(|(id, chunk_size, cam, mhf, live, len, trackers, peers)| {
                let mut metadata = SwarmMetadata {
                    swarm_id: SwarmId::new(id).unwrap(),
                    chunk_size,
                    chunk_addressing: cam,
                    content_integrity: ContentIntegrity::MerkleHashTree,
                    merkle_hash_function: mhf,
                    live_signature_algorithm: None,
                    chunks_per_signature: None,
                    live_discard_window: None,
                    content_length: Some(len),
                };
                if let Some((lsa, ncps, ldw)) = live {
                    metadata.content_integrity = if ncps.is_some() {
                        ContentIntegrity::UnifiedMerkleTree
                    } else {
                        ContentIntegrity::SignAll
                    };
                    metadata.live_signature_algorithm = Some(lsa);
                    metadata.chunks_per_signature = ncps;
                    metadata.live_discard_window = ldw;
                    metadata.content_length = None;
                }
                SwarmUri {
                    metadata,
                    trackers,
                    peers,
                }
            })
    }

    proptest! {
        #[test]
        fn every_valid_uri_round_trips(uri in arb_uri()) {
            prop_assert_eq!(uri.to_string().parse::<SwarmUri>(), Ok(uri));
        }

        #[test]
        fn arbitrary_text_never_panics(text in "\\PC{0,200}") {
            let _ = text.parse::<SwarmUri>();
            let _ = format!("ppsp://{text}").parse::<SwarmUri>();
        }
    }
}
