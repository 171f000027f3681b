//! HANDSHAKE options: what we send in datagrams 1 and 2, and the checks a peer's options
//! must pass (RFC 7574 sections 3.1.1 and 7).
//!
//! Any failed check makes the responder stay completely silent (rule 2: the first datagram
//! may be spoofed) and the initiator drop the reply.

use ppsp_wire::ppspp::{
    ChunkSize, ContentIntegrity, HandshakeOptions, MessageType, ProtocolVersion, SupportedMessages,
};

use crate::swarm::SwarmMetadata;

/// The only protocol version implemented: RFC 7574.
const VERSION: ProtocolVersion = ProtocolVersion::V1;

/// The chunk size a peer means when it sends no Chunk Size option: libswift and draft -10
/// peers never send option 9 and always use 1 KiB chunks.
const IMPLIED_CHUNK_SIZE: ChunkSize = ChunkSize::Fixed(1024);

/// Why a peer's options were refused.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Refusal {
    /// No common protocol version.
    Version,
    /// The Swarm Identifier is missing or names another swarm.
    SwarmId,
    /// The content integrity method differs.
    ContentIntegrity,
    /// The Merkle hash function differs or is missing.
    HashFunction,
    /// The chunk addressing method differs or is missing.
    Addressing,
    /// The chunk size differs.
    ChunkSize,
    /// Live-stream options on static content.
    Live,
}

/// Which HANDSHAKE is being built or checked.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Role {
    /// Datagram 1, from the initiator.
    Initiator,
    /// Datagram 2, from the responder.
    Responder {
        /// Whether the initiator sent a Chunk Size option; if not, it may be libswift, which
        /// refuses any option it does not know, so our reply leaves option 9 out.
        chunk_size: bool,
    },
}

/// Whether the Merkle hash function option applies (section 7.6; also sent for the
/// Unified Merkle Tree, which hashes too, see the ambiguity noted for section 7.6).
fn uses_merkle_hash(cipm: ContentIntegrity) -> bool {
    matches!(
        cipm,
        ContentIntegrity::MerkleHashTree | ContentIntegrity::UnifiedMerkleTree
    )
}

/// The message types we handle in a swarm described by `meta` (section 7.10): all of RFC
/// 7574 but PEX_REScert (no certificate authority in static metadata), SIGNED_INTEGRITY
/// outside live streams, and the PEX messages when `pex` is off.
pub(crate) fn supported_messages(meta: &SwarmMetadata, pex: bool) -> SupportedMessages {
    let mut supported = SupportedMessages::all();
    supported.remove(MessageType::PexResCert);
    if !meta.is_live() {
        supported.remove(MessageType::SignedIntegrity);
    }
    if !pex {
        for kind in [
            MessageType::PexReq,
            MessageType::PexResV4,
            MessageType::PexResV6,
        ] {
            supported.remove(kind);
        }
    }
    supported
}

/// Our options for `meta`, sorted by code when encoded. The initiator sends Minimum Version
/// and the Swarm Identifier (both required of it); the responder repeats Minimum Version as
/// libswift does, and leaves the optional Swarm Identifier out. Supported Messages goes
/// with Chunk Size: a peer that sent no Chunk Size may be libswift, which refuses both.
pub(crate) fn our_options(meta: &SwarmMetadata, role: Role, pex: bool) -> HandshakeOptions {
    let cipm = meta.content_integrity;
    let (swarm_id, chunk_size) = match role {
        Role::Initiator => (Some(meta.swarm_id.clone()), true),
        Role::Responder { chunk_size } => (None, chunk_size),
    };
    HandshakeOptions {
        version: Some(VERSION),
        min_version: Some(VERSION),
        swarm_id,
        content_integrity: Some(cipm),
        merkle_hash_function: uses_merkle_hash(cipm).then_some(meta.merkle_hash_function),
        live_signature_algorithm: meta.live_signature_algorithm,
        chunk_addressing: Some(meta.chunk_addressing),
        live_discard_window: meta.is_live().then(|| {
            // All ones in the option's width: never discards (section 7.7).
            let all_ones = match meta.chunk_addressing.window_len() {
                8.. => u64::MAX,
                width => (1 << (8 * width)) - 1,
            };
            meta.live_discard_window.unwrap_or(all_ones).min(all_ones)
        }),
        supported_messages: chunk_size.then(|| supported_messages(meta, pex)),
        chunk_size: chunk_size.then_some(meta.chunk_size),
    }
}

/// Checks a peer's options against the swarm's metadata. `role` is the peer's role.
pub(crate) fn check_options(
    options: &HandshakeOptions,
    meta: &SwarmMetadata,
    role: Role,
) -> Result<(), Refusal> {
    let version = options.version.ok_or(Refusal::Version)?;
    // The initiator must send its minimum (min/max negotiation, RFC 6709 section 4.1).
    let min_version = match role {
        Role::Initiator => options.min_version.ok_or(Refusal::Version)?,
        Role::Responder { .. } => options.min_version.unwrap_or(version),
    };
    if !(min_version <= VERSION && VERSION <= version) {
        return Err(Refusal::Version);
    }
    match (&options.swarm_id, role) {
        (Some(id), _) if *id != meta.swarm_id => return Err(Refusal::SwarmId),
        (None, Role::Initiator) => return Err(Refusal::SwarmId),
        _ => {}
    }
    if options.content_integrity != Some(meta.content_integrity) {
        return Err(Refusal::ContentIntegrity);
    }
    if uses_merkle_hash(meta.content_integrity)
        && options.merkle_hash_function != Some(meta.merkle_hash_function)
    {
        return Err(Refusal::HashFunction);
    }
    if options.chunk_addressing != Some(meta.chunk_addressing) {
        return Err(Refusal::Addressing);
    }
    if options.chunk_size.unwrap_or(IMPLIED_CHUNK_SIZE) != meta.chunk_size {
        return Err(Refusal::ChunkSize);
    }
    if !meta.is_live()
        && (options.live_signature_algorithm.is_some() || options.live_discard_window.is_some())
    {
        return Err(Refusal::Live);
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use ppsp_wire::ids::SwarmId;
    use ppsp_wire::ppspp::MerkleHashFunction;

    use super::*;

    fn meta() -> SwarmMetadata {
        SwarmMetadata::static_content(
            SwarmId::new(vec![7; 32]).unwrap(),
            1024,
            MerkleHashFunction::Sha256,
            10_000,
        )
    }

    #[test]
    fn our_initiator_options_pass_our_own_checks() {
        let m = meta();
        let options = our_options(&m, Role::Initiator, true);
        assert_eq!(check_options(&options, &m, Role::Initiator), Ok(()));
        let reply = our_options(&m, Role::Responder { chunk_size: false }, true);
        assert_eq!(reply.chunk_size, None);
        assert_eq!(reply.supported_messages, None);
        assert_eq!(reply.swarm_id, None);
        let peer = Role::Responder { chunk_size: true };
        assert_eq!(check_options(&reply, &m, peer), Ok(()));
    }

    #[test]
    fn supported_messages_leave_out_what_we_do_not_handle() {
        let m = meta();
        let with_pex = supported_messages(&m, true);
        assert!(!with_pex.contains(MessageType::PexResCert));
        assert!(!with_pex.contains(MessageType::SignedIntegrity));
        assert!(with_pex.contains(MessageType::PexReq));
        // Types 0-6 and 8-12: 11111110 11111000 (section 7.10's bitmap layout).
        assert_eq!(with_pex.bitmap(), [0xFE, 0xF8]);
        let without = supported_messages(&m, false);
        assert_eq!(without.bitmap(), [0xF8, 0xF0]);
        let sent = our_options(&m, Role::Initiator, false).supported_messages;
        assert_eq!(sent, Some(without));
    }

    #[test]
    fn each_mismatch_is_refused() {
        let m = meta();
        let good = our_options(&m, Role::Initiator, true);
        type Change = fn(&mut HandshakeOptions);
        let cases: [(Change, Refusal); 7] = [
            (|o| o.version = Some(ProtocolVersion(0)), Refusal::Version),
            (
                |o| o.min_version = Some(ProtocolVersion(2)),
                Refusal::Version,
            ),
            (|o| o.min_version = None, Refusal::Version),
            (|o| o.swarm_id = None, Refusal::SwarmId),
            (
                |o| o.merkle_hash_function = Some(MerkleHashFunction::Sha1),
                Refusal::HashFunction,
            ),
            (|o| o.chunk_addressing = None, Refusal::Addressing),
            (
                |o| o.chunk_size = Some(ChunkSize::Fixed(512)),
                Refusal::ChunkSize,
            ),
        ];
        for (change, refusal) in cases {
            let mut options = good.clone();
            change(&mut options);
            assert_eq!(check_options(&options, &m, Role::Initiator), Err(refusal));
        }
    }
}
