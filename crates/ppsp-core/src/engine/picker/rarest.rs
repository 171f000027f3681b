//! Rarest first: chunks held by the fewest connected peers are fetched first, so rare
//! chunks spread before their holders leave; ties are broken at random (from the engine's
//! seeded RNG) so that peers do not all chase the same chunk.

use rand::RngExt;
use rand::rngs::StdRng;

/// Appends to `picks` the `want` rarest of `candidates`, by `availability`.
pub(super) fn pick(
    candidates: &[u64],
    availability: impl Fn(u64) -> usize,
    want: usize,
    rng: &mut StdRng,
    picks: &mut Vec<u64>,
) {
    let mut ranked: Vec<(usize, u32, u64)> = candidates
        .iter()
        .map(|&c| (availability(c), rng.random::<u32>(), c))
        .collect();
    ranked.sort_unstable();
    picks.extend(ranked.into_iter().take(want).map(|(_, _, c)| c));
}

#[cfg(test)]
mod tests {
    use rand::SeedableRng;

    use super::*;

    #[test]
    fn rarest_chunks_come_first() {
        let mut rng = StdRng::from_seed([3; 32]);
        let mut picks = vec![];
        pick(
            &[1, 2, 3, 4],
            |c| if c == 3 { 1 } else { 5 },
            2,
            &mut rng,
            &mut picks,
        );
        assert_eq!(picks[0], 3);
        assert_eq!(picks.len(), 2);
    }
}
