//! `ppsp hash`: hash a file as a seeder would and print its swarm ID and metadata.
//!
//! The first line is the swarm ID alone, so scripts can take it with `head -n1`; the lines
//! after it are the metadata a downloader needs, ending with the swarm URI that carries all
//! of it. `--json` prints the same as one JSON object.

use std::path::PathBuf;

use anyhow::{Result, bail};
use clap::Args;
use ppsp_core::Bin;
use ppsp_core::swarm::{SwarmMetadata, SwarmUri};
use ppsp_node::storage::{MAX_CHUNK_SIZE, SeedFile, SeedOptions};
use ppsp_wire::ids::SwarmId;
use ppsp_wire::ppspp::{ChunkAddressing, ContentIntegrity, MerkleHashFunction};
use serde::Serialize;

/// Arguments of `ppsp hash`.
#[derive(Debug, Args)]
pub(crate) struct HashArgs {
    /// The file to hash.
    file: PathBuf,
    /// Chunk size in bytes, 1 to 16777216 [RFC 7574 default: 1024].
    // Parsed here rather than by clap, so that a bad value is a one-line error like others.
    #[arg(long, default_value = "1024", allow_hyphen_values = true)]
    chunk_size: String,
    /// Merkle hash function: sha1, sha224, sha256, sha384 or sha512 [RFC 7574 default: sha256].
    #[arg(long, default_value = "sha256")]
    hash: String,
    /// Print one JSON object instead of aligned `key: value` lines.
    #[arg(long)]
    json: bool,
}

pub(crate) fn run(args: &HashArgs) -> Result<()> {
    let hash: MerkleHashFunction = args.hash.parse()?;
    let options = SeedOptions {
        chunk_size: parse_chunk_size(&args.chunk_size)?,
        hash_function: hash.into(),
        ..SeedOptions::default()
    };
    let seed = SeedFile::open(&args.file, &options)?;
    let summary = Summary::of(&seed);
    if args.json {
        println!("{}", serde_json::to_string_pretty(&summary)?);
    } else {
        print!("{}", summary.to_text());
    }
    Ok(())
}

/// The chunk size as given, checked to be 1 to [`MAX_CHUNK_SIZE`].
pub(crate) fn parse_chunk_size(text: &str) -> Result<u32> {
    match text.parse::<u64>() {
        Ok(size) if (1..=u64::from(MAX_CHUNK_SIZE)).contains(&size) => Ok(size as u32),
        _ => bail!("chunk size must be a number of bytes from 1 to {MAX_CHUNK_SIZE}, not {text:?}"),
    }
}

/// What `ppsp hash` prints, in this order.
#[derive(Serialize)]
struct Summary {
    swarm_id: SwarmId,
    chunk_size: u32,
    chunk_count: u64,
    content_length: u64,
    hash_function: MerkleHashFunction,
    content_integrity: ContentIntegrity,
    chunk_addressing: ChunkAddressing,
    peaks: Vec<Peak>,
    uri: String,
}

/// One peak hash with the node it stands for.
#[derive(Serialize)]
struct Peak {
    bin: u64,
    first_chunk: u64,
    last_chunk: u64,
    hash: String,
}

impl Summary {
    fn of(seed: &SeedFile) -> Self {
        let metadata: &SwarmMetadata = seed.metadata();
        let peaks = seed
            .tree()
            .peaks()
            .into_iter()
            .map(|(bin, digest): (Bin, _)| Peak {
                bin: bin.get(),
                first_chunk: bin.first_chunk(),
                last_chunk: bin.last_chunk(),
                hash: digest.to_string(),
            })
            .collect();
        let uri = SwarmUri {
            metadata: metadata.clone(),
            trackers: Vec::new(),
            peers: Vec::new(),
        };
        Self {
            swarm_id: metadata.swarm_id.clone(),
            chunk_size: metadata.fixed_chunk_size().unwrap_or_default(),
            chunk_count: seed.chunk_count(),
            content_length: seed.content_len(),
            hash_function: metadata.merkle_hash_function,
            content_integrity: metadata.content_integrity,
            chunk_addressing: metadata.chunk_addressing,
            peaks,
            uri: uri.to_string(),
        }
    }

    /// The swarm ID on a line of its own, then aligned `key: value` lines.
    fn to_text(&self) -> String {
        let mut lines = vec![
            ("swarm id", self.swarm_id.to_hex()),
            ("chunk size", format!("{} bytes", self.chunk_size)),
            ("chunk count", self.chunk_count.to_string()),
            ("content length", format!("{} bytes", self.content_length)),
            ("hash function", self.hash_function.name().to_string()),
            (
                "integrity method",
                format!(
                    "{} ({})",
                    integrity_name(self.content_integrity),
                    self.content_integrity.code()
                ),
            ),
            (
                "chunk addressing",
                format!(
                    "{} ({})",
                    addressing_name(self.chunk_addressing),
                    self.chunk_addressing.code()
                ),
            ),
        ];
        for peak in &self.peaks {
            let chunks = if peak.first_chunk == peak.last_chunk {
                format!("chunk {}", peak.first_chunk)
            } else {
                format!("chunks {}-{}", peak.first_chunk, peak.last_chunk)
            };
            lines.push(("peak", format!("{} bin {} ({chunks})", peak.hash, peak.bin)));
        }
        lines.push(("uri", self.uri.clone()));
        let width = lines.iter().map(|(key, _)| key.len()).max().unwrap_or(0) + 1;
        let mut text = format!("{}\n", self.swarm_id.to_hex());
        for (key, value) in lines {
            text.push_str(&format!("{:<width$} {value}\n", format!("{key}:")));
        }
        text
    }
}

fn integrity_name(method: ContentIntegrity) -> &'static str {
    match method {
        ContentIntegrity::None => "none",
        ContentIntegrity::MerkleHashTree => "merkle hash tree",
        ContentIntegrity::SignAll => "sign all",
        ContentIntegrity::UnifiedMerkleTree => "unified merkle tree",
    }
}

fn addressing_name(method: ChunkAddressing) -> &'static str {
    match method {
        ChunkAddressing::Bins32 => "32-bit bins",
        ChunkAddressing::ByteRanges64 => "64-bit byte ranges",
        ChunkAddressing::ChunkRanges32 => "32-bit chunk ranges",
        ChunkAddressing::Bins64 => "64-bit bins",
        ChunkAddressing::ChunkRanges64 => "64-bit chunk ranges",
    }
}
