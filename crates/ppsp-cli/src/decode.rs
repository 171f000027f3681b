//! `ppsp decode`: print one captured message as JSON, to debug captures and drive scripts.

use std::fs::File;
use std::io::{self, Read};
use std::path::PathBuf;

use anyhow::{Context, Result, bail};
use bytes::Bytes;
use clap::{Args, ValueEnum};
use ppsp_wire::ids::from_hex;
use ppsp_wire::peer::PeerMessage;
use ppsp_wire::ppspp::{ChunkAddressing, Datagram, DecodeContext, MerkleHashFunction};
use ppsp_wire::tracker::{TrackerEncoding, TrackerLimits};
use serde::Serialize;

/// Largest input read: far above any legitimate message, small enough never to exhaust memory.
const MAX_INPUT: u64 = 16 << 20;

/// The wire format of the input.
#[derive(Debug, Clone, Copy, PartialEq, Eq, ValueEnum)]
pub(crate) enum Format {
    /// A seed XML peer-protocol document.
    Xml,
    /// An RFC 7846 tracker body in JSON.
    TrackerJson,
    /// A tracker body in the XML form.
    TrackerXml,
    /// One raw RFC 7574 datagram.
    Ppspp,
    /// One RFC 7574 datagram as hex text (whitespace ignored).
    PpsppHex,
}

/// Arguments of `ppsp decode`.
#[derive(Debug, Args)]
pub(crate) struct DecodeArgs {
    /// Wire format of the input.
    #[arg(long, value_enum)]
    format: Format,
    /// Chunk addressing method for PPSPP datagrams (0-4); a HANDSHAKE in the datagram overrides it.
    #[arg(long, default_value_t = ChunkAddressing::default().code(),
          value_parser = clap::value_parser!(u8).range(0..=4))]
    chunk_addressing: u8,
    /// Merkle hash function for PPSPP datagrams; a HANDSHAKE in the datagram overrides it.
    #[arg(long, default_value_t = MerkleHashFunction::default(), value_parser = parse_hash)]
    hash: MerkleHashFunction,
    /// The input file; standard input when absent or `-`.
    file: Option<PathBuf>,
}

fn parse_hash(name: &str) -> Result<MerkleHashFunction, String> {
    name.parse().map_err(|e| format!("{e}"))
}

pub(crate) fn run(args: &DecodeArgs) -> Result<()> {
    let input = read_input(args.file.as_ref())?;
    let json = match args.format {
        Format::Xml => {
            pretty(&PeerMessage::from_xml(&input).context("not a valid peer-protocol document")?)?
        }
        Format::TrackerJson => decode_tracker(TrackerEncoding::Json, &input)?,
        Format::TrackerXml => decode_tracker(TrackerEncoding::Xml, &input)?,
        Format::Ppspp => decode_datagram(input, args)?,
        Format::PpsppHex => {
            let text = std::str::from_utf8(&input).context("hex input is not text")?;
            let compact: String = text.chars().filter(|c| !c.is_whitespace()).collect();
            let bytes = from_hex(&compact).context("hex input")?;
            decode_datagram(bytes, args)?
        }
    };
    println!("{json}");
    Ok(())
}

/// JSON in the field order of the message types (a `serde_json::Value` would sort the keys).
fn pretty(value: &impl Serialize) -> Result<String> {
    Ok(serde_json::to_string_pretty(value)?)
}

/// A tracker body, tagged with which kind it is.
#[derive(Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
enum TrackerMessage {
    Request {
        request: ppsp_wire::tracker::TrackerRequest,
    },
    Response {
        response: ppsp_wire::tracker::TrackerResponse,
    },
}

fn read_input(file: Option<&PathBuf>) -> Result<Vec<u8>> {
    let mut input = Vec::new();
    let limited_read =
        |reader: &mut dyn Read, input: &mut Vec<u8>| reader.take(MAX_INPUT + 1).read_to_end(input);
    match file {
        Some(path) if path.as_os_str() != "-" => {
            let mut file =
                File::open(path).with_context(|| format!("cannot open {}", path.display()))?;
            limited_read(&mut file, &mut input)
                .with_context(|| format!("cannot read {}", path.display()))?;
        }
        _ => {
            limited_read(&mut io::stdin().lock(), &mut input)
                .context("cannot read standard input")?;
        }
    }
    if input.len() as u64 > MAX_INPUT {
        bail!("input is larger than {MAX_INPUT} bytes");
    }
    Ok(input)
}

/// Decodes a tracker body as a response when it looks like one, otherwise as a request.
fn decode_tracker(encoding: TrackerEncoding, input: &[u8]) -> Result<String> {
    let marker: &[u8] = match encoding {
        TrackerEncoding::Json => b"response_type",
        TrackerEncoding::Xml => b"<Response",
    };
    let is_response = input.windows(marker.len()).any(|w| w == marker);
    // A capture may hold more than a tracker accepts per request; only the input cap applies.
    let limits = TrackerLimits {
        max_bytes: MAX_INPUT as usize,
        ..TrackerLimits::default()
    };
    let message = if is_response {
        let response = encoding
            .decode_response(input, &limits)
            .context("not a valid tracker response")?;
        TrackerMessage::Response { response }
    } else {
        let request = encoding
            .decode_request(input, &limits)
            .context("not a valid tracker request")?;
        TrackerMessage::Request { request }
    };
    pretty(&message)
}

fn decode_datagram(bytes: Vec<u8>, args: &DecodeArgs) -> Result<String> {
    let ctx = DecodeContext {
        chunk_addressing: ChunkAddressing::from_code(args.chunk_addressing)
            .context("chunk addressing method")?,
        merkle_hash_function: args.hash,
        ..DecodeContext::default()
    };
    let datagram =
        Datagram::decode(Bytes::from(bytes), &ctx).context("not a valid PPSPP datagram")?;
    pretty(&datagram)
}
