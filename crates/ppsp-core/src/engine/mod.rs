//! The PPSPP peer engine (RFC 7574), sans I/O.
//!
//! An [`Endpoint`] is everything one UDP socket does: it holds swarms ([`SwarmConfig`]) and
//! channels to peers in them, runs the three-way handshake, exchanges HAVE, REQUEST, DATA,
//! INTEGRITY, ACK, CANCEL, CHOKE, UNCHOKE and PEX messages, verifies every chunk against the
//! swarm's Merkle root before storing or forwarding it, picks chunks (rarest first, or a
//! playhead window for streaming), chokes by reciprocity, and paces uploads with LEDBAT.
//!
//! It performs no I/O and never reads the clock or the OS random source: time comes in as
//! `now` arguments and randomness from the seed given to [`Endpoint::new`], so a run is a
//! pure function of its inputs (the simulator relies on it).
//!
//! # Driving an endpoint
//!
//! Five verbs, as in quinn-proto:
//!
//! * inputs: [`Endpoint::handle_datagram`] for each UDP datagram received,
//!   [`Endpoint::handle_timeout`] when the timer fires, and the commands
//!   ([`Endpoint::add_swarm`], [`Endpoint::connect`], [`Endpoint::set_playhead`],
//!   [`Endpoint::remove_swarm`], ...);
//! * outputs: [`Endpoint::poll_transmit`] (datagrams to send), [`Endpoint::poll_event`]
//!   (what happened), [`Endpoint::poll_timeout`] (when to call `handle_timeout` next).
//!
//! **The drain contract.** After every input or command, call `poll_transmit` and
//! `poll_event` until they return `None`, then read `poll_timeout` and arm a timer for it
//! (replacing the previous one). Outputs are only produced by inputs, so once drained the
//! endpoint needs nothing until the next datagram, command or that instant. Calling
//! `handle_timeout` early, or more often than asked, is harmless.
//!
//! ```
//! # use std::time::Instant;
//! # use ppsp_core::engine::{Endpoint, EndpointConfig};
//! let now = Instant::now();
//! let mut endpoint = Endpoint::new(EndpointConfig::default(), [7; 32], now);
//! // ... add_swarm / connect / handle_datagram(now, from, bytes) ...
//! while let Some(transmit) = endpoint.poll_transmit() {
//!     // socket.send_to(&transmit.contents, transmit.destination)
//!     # let _ = transmit;
//! }
//! while let Some(event) = endpoint.poll_event() {
//!     // react
//!     # let _ = event;
//! }
//! let _wake_at = endpoint.poll_timeout();
//! ```
//!
//! # Resuming a download
//!
//! A swarm joined with [`SwarmContent::Resume`] starts from what storage already holds: the
//! verified chunks (announced to every peer once its channel opens, never requested again)
//! and the verifier that proved them (so peers need not send those hashes again). Every
//! chunk the engine verifies reaches the store through [`ChunkStore::write_proven_chunk`]
//! with the hashes that proved it ([`ChunkProof`]), which a store keeping its own journaled
//! tree records. With `ppsp-node`'s file storage:
//!
//! ```text
//! let Download::Partial(file) = DownloadFile::open(path, &metadata)? else { /* seed it */ };
//! let download = SharedDownload::new(file);          // Arc<Mutex<DownloadFile>>
//! endpoint.add_swarm(now, SwarmConfig {
//!     metadata,
//!     store: Box::new(download.clone()),
//!     content: download.swarm_content(),             // SwarmContent::Resume { .. }
//! })?;
//! // on a timer: download.flush()?   (bounds what kill -9 loses)
//! // on Event::SwarmComplete: download.publish()?    (moves .part to PATH, keeps seeding)
//! ```
//!
//! A resumed download that is already whole reports [`Event::SwarmComplete`] from
//! [`Endpoint::add_swarm`] itself.
//!
//! # What is implemented
//!
//! Static content (content integrity method 1, any hash function, any chunk addressing
//! method, fixed chunk size, known or auto-detected length), and live streams (content
//! integrity methods 3, the Unified Merkle Tree, and 2, Sign All; fixed chunk size; ECDSA
//! P-256/P-384 and Ed25519 signing, RSA verification too). Content integrity is behind a
//! small internal trait (`content`), the live side in `live`.
//!
//! Per RFC 7574 and issue 4, with a hand-built-datagram test each: random channel IDs;
//! silence on any invalid first datagram, wrong swarm ID or mismatched option; no heavy
//! payload before the three-way handshake completes; the closing handshake both ways;
//! duplicate first datagrams answered with the same reply; option negotiation of version,
//! integrity method, hash function, addressing, chunk size and Supported Messages (ours
//! leaves out PEX_REScert, SIGNED_INTEGRITY outside live swarms and PEX when disabled, and
//! is omitted, like Chunk Size, towards a peer that sent no Chunk Size, as libswift does);
//! messages a peer does not support are never sent to it. HAVE of the largest verified
//! interval, not to seeders (except the initial map on open, which a fragmented or resumed
//! map needs and which spares the seeder sending hashes we hold); ACK with one-way delay
//! samples driving LEDBAT; REQUEST pipelining that grows with timely deliveries and halves
//! on timeouts; CANCEL; DATA behind the peaks on first contact then the missing uncles,
//! height descending; PEX_REQ / PEX_RESv4 / v6, and connecting by itself to peers learned
//! by PEX up to [`EndpointConfig::max_peers_per_swarm`]; CHOKE / UNCHOKE with bounded
//! upload slots, reciprocity ranking and a rotating optimistic slot; keep-alives and the
//! dead-peer rule; lost requests retried elsewhere after an RTT-based timeout with
//! backoff, lost DATA reported to LEDBAT. Streaming on demand ([`Endpoint::set_playhead`]):
//! the playhead window is fetched in order, peers much slower than the best are demoted
//! for it, and a request for it that is late at a slow peer moves to a faster one with a
//! CANCEL to the slow one (`late`). A peer whose chunk or hash fails verification is
//! banned: its channel closes silently, its data and pending hashes are dropped, and its
//! address is refused in the swarm from then on (connect, datagram 1 and PEX). A datagram
//! whose tail cannot be decoded has the messages before the bad one processed and the rest
//! discarded (section 8.1).
//!
//! # Live streams
//!
//! The swarm ID of a live stream is its source's public key in DNSKEY form;
//! [`live_metadata`] builds the metadata from it. The **source** joins with
//! [`SwarmContent::LiveSource`] and calls [`Endpoint::push_live_chunk`] for every chunk
//! (exactly the chunk size each): chunks are stored, signed a munro of
//! `chunks_per_signature` at a time (or one by one with Sign All) and announced with HAVE
//! once signed. DATA goes out behind INTEGRITY of the munro, SIGNED_INTEGRITY of the munro
//! (left out once the receiver acknowledged a chunk under it) and the uncle hashes, as
//! section 6.1.2 orders them; every new channel also gets the newest signed munro (secure
//! tune-in). **Receivers** join with [`SwarmContent::LiveReceiver`] (or
//! [`SwarmContent::Download`], with default [`LiveSettings`]): they start
//! [`LiveSettings::join_behind`] chunks behind the newest chunk announced to them
//! ([`Event::LiveJoined`]), verify each chunk against its signed munro (a forged signature
//! or a corrupt chunk bans the sender), forward only verified chunks, and forget chunks
//! more than the Live Discard Window behind their newest (never requesting them; the store
//! drops them through [`ChunkStore::discard_before`]).
//!
//! The live picker works in playback order from the playhead. Deadlines follow the stream
//! rate ([`LiveSettings::chunk_rate`], or estimated from the moving edge): the join chunk is
//! due [`LiveSettings::startup_delay`] after joining, each next one a chunk period later.
//! A chunk whose deadline passes before it arrives is reported ([`Event::ChunkMissed`]) and
//! no longer fetched; a request due within [`LiveSettings::urgent_slack`] that its peer is
//! late with moves to a faster peer, with CANCEL to the slow one, which is demoted (half
//! its pipeline, last choice for two seconds). [`Endpoint::live_status`] gives the player
//! the edge, playhead, window and continuity counters (`chunks_on_time`, `chunks_missed`:
//! continuity index = on time / (on time + missed)).
//!
//! Relaying keeps the source's upload near one copy however many receivers there are:
//! receivers serve every peer that asks (no choking; demand is bounded by the stream rate),
//! while the source keeps its [`EndpointConfig::upload_slots`]. A chunk offered only by an
//! upstream peer (one announcing most chunks first: the source) is left to it until a
//! per-chunk pseudo-random point between the urgent slack and the startup delay, so one
//! receiver usually fetches it first and the others take it from that receiver as soon as
//! it announces it. For a large swarm (a simulator's 100 receivers): give the source's
//! endpoint few upload slots (2 to 4), connect each receiver to the source and to a dozen
//! other receivers, give them a chunk rate, and a startup delay of a second or more:
//!
//! ```text
//! let key = LiveSigningKey::generate(LiveSignatureAlgorithm::EcdsaP256Sha256, &mut rng)?;
//! let metadata = live_metadata(&key.public_key(), 1024, Some(8), Some(1024))?;
//! let settings = LiveSettings { chunk_rate: Some(50.0), ..LiveSettings::default() };
//! source.add_swarm(now, SwarmConfig { metadata: metadata.clone(), store,
//!     content: SwarmContent::LiveSource { key, settings: settings.clone() } })?;
//! peer.add_swarm(now, SwarmConfig { metadata, store,
//!     content: SwarmContent::LiveReceiver(settings) })?;
//! // every 1/50 s at the source: source.push_live_chunk(now, &swarm_id, chunk)?;
//! // at the end, per receiver: endpoint.live_status(&swarm_id) for the continuity index,
//! // and the source's swarm_stats(..).payload_bytes_up for its upload ratio.
//! ```
//!
//! Not yet: checking munro timestamps for freshness (the core has no wall clock; the
//! driver may compare), a peer's own discard window beyond ours (HAVEs behind our window
//! are dropped), repeating the tune-in munro in every datagram until acknowledged (it is
//! sent once per channel), and push-mode (unrequested) live DATA.
//!
//! # Layout
//!
//! `endpoint` routes datagrams by channel ID and handles datagram 1; `swarm` dispatches the
//! messages of one swarm; `channel` is the per-peer state and its liveness timers;
//! `handshake` builds and checks options; `fetch` and `serve` are the download and upload
//! halves; `picker` chooses chunks, `choker` upload slots, `pex` peer exchange;
//! `congestion` wraps LEDBAT and `rtt` times requests; `specs` converts chunk
//! specifications; `transmit` packs messages into datagrams; `content` is the integrity
//! trait; `live` holds live streams (integrity, clock and window, picker, source);
//! `resume` checks the state a resumed download starts from; `late` moves late playhead
//! requests to faster peers.

mod channel;
mod choker;
mod config;
mod congestion;
mod content;
mod endpoint;
mod event;
mod fetch;
mod handshake;
mod inspect;
mod late;
mod live;
mod pex;
mod picker;
mod resume;
mod rtt;
mod serve;
mod specs;
mod store;
mod swarm;
mod transmit;

#[cfg(test)]
mod tests;

pub use config::{EndpointConfig, SwarmConfig, SwarmContent};
pub use endpoint::Endpoint;
pub use event::{BanReason, CloseReason, EndpointStats, EngineError, Event, SwarmStats, Transmit};
pub use inspect::{ImportError, PeerLink, ProvenChunk};
pub use live::{LiveSettings, LiveStatus, live_metadata};
pub use store::{ChunkProof, ChunkStore, MemoryStore, StoreError};
