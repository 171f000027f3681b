//! Per-chunk verification cost of a downloader: [`MerkleVerifier::verify_chunk`] over 1 KiB
//! chunks fetched in order, each arriving with the uncle hashes a sender includes (RFC 7574
//! section 5.4), for SHA-1 and SHA-256; and, for scale, hashing the chunk alone.
//!
//! ## Usage
//! `cargo bench -p ppsp-node --bench verify_chunk`

use std::hint::black_box;

use criterion::{BatchSize, Criterion, Throughput, criterion_group, criterion_main};
use ppsp_core::merkle::{MerkleTree, MerkleVerifier, known_after_acks};
use ppsp_core::{Bin, ChunkSet, Digest, HashFunction};

const CHUNK: usize = 1024;
const CHUNKS: u64 = 1024;

/// One chunk as it arrives: index, bytes, and the hashes sent with it.
type Arrival = (u64, Vec<u8>, Vec<(Bin, Digest)>);

/// The chunks of 1 MiB of content in order, with the hashes an in-order sender attaches.
fn arrivals(hash: HashFunction) -> (MerkleTree, Vec<Arrival>) {
    let content: Vec<u8> = (0..CHUNK as u64 * CHUNKS)
        .map(|i| ((i * 2_654_435_761) >> 13) as u8)
        .collect();
    let tree = MerkleTree::from_content(hash, &content, CHUNK as u32).expect("content");
    let mut acked = ChunkSet::new();
    let arrivals = (0..CHUNKS)
        .zip(content.chunks(CHUNK))
        .map(|(index, data)| {
            let uncles = tree
                .uncles_for(index, known_after_acks(&acked))
                .expect("chunk in range");
            acked.insert(index);
            (index, data.to_vec(), uncles)
        })
        .collect();
    (tree, arrivals)
}

fn verify(c: &mut Criterion) {
    let mut group = c.benchmark_group("verify_chunk");
    group.throughput(Throughput::Elements(CHUNKS));
    for hash in [HashFunction::Sha1, HashFunction::Sha256] {
        let name = ppsp_wire::ppspp::MerkleHashFunction::from(hash).name();
        let (tree, arrivals) = arrivals(hash);
        group.bench_function(format!("{name}/1KiB chunk with uncles"), |b| {
            b.iter_batched(
                || {
                    MerkleVerifier::with_chunk_count(hash, tree.root_hash(), CHUNKS)
                        .expect("root hash")
                },
                |mut verifier| {
                    for (index, data, uncles) in &arrivals {
                        for (bin, digest) in uncles {
                            verifier.add_hash(*bin, *digest).expect("uncle");
                        }
                        verifier.verify_chunk(*index, data).expect("verifies");
                    }
                    black_box(verifier)
                },
                BatchSize::SmallInput,
            )
        });
        group.bench_function(format!("{name}/1KiB chunk hash only"), |b| {
            b.iter(|| {
                for (_, data, _) in &arrivals {
                    black_box(hash.hash(&[data]));
                }
            })
        });
    }
    group.finish();
}

criterion_group!(benches, verify);
criterion_main!(benches);
