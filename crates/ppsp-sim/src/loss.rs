//! Loss models: independent (random) loss and the Gilbert-Elliott two-state model of bursty
//! loss, whose runs of consecutive losses are what a real congested or fading link produces and
//! what retransmission and FEC logic must survive.

use rand::{Rng, RngExt};

/// How a link loses datagrams.
#[derive(Debug, Clone, Copy, PartialEq, Default)]
pub enum LossModel {
    /// Nothing is lost.
    #[default]
    None,
    /// Each datagram is lost independently with this probability.
    Random {
        /// Probability of losing a datagram.
        probability: f64,
    },
    /// A two-state Markov chain (Gilbert-Elliott): the link is either good or bad, loses with a
    /// different probability in each state, and changes state after each datagram.
    GilbertElliott {
        /// Probability of moving from good to bad after a datagram.
        good_to_bad: f64,
        /// Probability of moving from bad to good after a datagram.
        bad_to_good: f64,
        /// Loss probability in the good state.
        loss_in_good: f64,
        /// Loss probability in the bad state.
        loss_in_bad: f64,
    },
}

impl LossModel {
    /// Independent loss with `probability`.
    ///
    /// # Panics
    ///
    /// When `probability` is not in `[0, 1]`.
    pub fn random(probability: f64) -> Self {
        Self::Random {
            probability: check_probability("loss probability", probability),
        }
    }

    /// The general Gilbert-Elliott model.
    ///
    /// # Panics
    ///
    /// When an argument is not in `[0, 1]`.
    pub fn gilbert_elliott(
        good_to_bad: f64,
        bad_to_good: f64,
        loss_in_good: f64,
        loss_in_bad: f64,
    ) -> Self {
        Self::GilbertElliott {
            good_to_bad: check_probability("good-to-bad probability", good_to_bad),
            bad_to_good: check_probability("bad-to-good probability", bad_to_good),
            loss_in_good: check_probability("loss in the good state", loss_in_good),
            loss_in_bad: check_probability("loss in the bad state", loss_in_bad),
        }
    }

    /// Bursts of loss: the bad state loses everything, the good state nothing, with the
    /// transition probabilities chosen so that the long-run loss rate is `mean_loss` and a burst
    /// lasts `mean_burst` datagrams on average. Compare it with [`random`](Self::random) at the
    /// same `mean_loss` to see what burstiness alone does.
    ///
    /// # Panics
    ///
    /// When `mean_loss` is not in `[0, 1)`, `mean_burst` is below 1, or the pair cannot be
    /// reached (a high loss rate with short bursts needs leaving the good state more often than
    /// after every datagram).
    pub fn bursty(mean_loss: f64, mean_burst: f64) -> Self {
        assert!(
            (0.0..1.0).contains(&mean_loss),
            "mean loss must be in [0, 1), got {mean_loss}"
        );
        assert!(
            mean_burst >= 1.0,
            "a burst lasts at least one datagram, got {mean_burst}"
        );
        let bad_to_good = 1.0 / mean_burst;
        // Stationary share of the bad state: g2b / (g2b + b2g) = mean_loss.
        let good_to_bad = mean_loss * bad_to_good / (1.0 - mean_loss);
        Self::gilbert_elliott(good_to_bad, bad_to_good, 0.0, 1.0)
    }

    /// The long-run fraction of datagrams lost.
    pub fn mean_loss(&self) -> f64 {
        match *self {
            Self::None => 0.0,
            Self::Random { probability } => probability,
            Self::GilbertElliott {
                good_to_bad,
                bad_to_good,
                loss_in_good,
                loss_in_bad,
            } => {
                let switching = good_to_bad + bad_to_good;
                if switching == 0.0 {
                    // Never leaves the good state it starts in.
                    return loss_in_good;
                }
                let bad = good_to_bad / switching;
                bad * loss_in_bad + (1.0 - bad) * loss_in_good
            }
        }
    }

    /// Panics on a model built by hand with probabilities outside `[0, 1]`, before it is used.
    pub(crate) fn validate(&self) {
        match *self {
            Self::None => {}
            Self::Random { probability } => {
                Self::random(probability);
            }
            Self::GilbertElliott {
                good_to_bad,
                bad_to_good,
                loss_in_good,
                loss_in_bad,
            } => {
                Self::gilbert_elliott(good_to_bad, bad_to_good, loss_in_good, loss_in_bad);
            }
        }
    }
}

/// The memory a loss model needs on one directed link: the Gilbert-Elliott state.
#[derive(Debug, Clone, Copy, Default)]
pub(crate) struct LossState {
    bad: bool,
}

impl LossState {
    /// Decides the fate of one datagram and moves the chain on. Draws nothing from the
    /// generator when the model cannot lose, so switching loss off leaves the other random
    /// choices of a run as they were.
    pub(crate) fn lose(&mut self, model: &LossModel, rng: &mut impl Rng) -> bool {
        match *model {
            LossModel::None => false,
            LossModel::Random { probability } => rng.random_bool(probability),
            LossModel::GilbertElliott {
                good_to_bad,
                bad_to_good,
                loss_in_good,
                loss_in_bad,
            } => {
                let lost = rng.random_bool(if self.bad { loss_in_bad } else { loss_in_good });
                let switch = rng.random_bool(if self.bad { bad_to_good } else { good_to_bad });
                self.bad ^= switch;
                lost
            }
        }
    }
}

/// Returns `p` if it is a probability.
///
/// # Panics
///
/// When `p` is not in `[0, 1]`, naming `what`.
pub(crate) fn check_probability(what: &str, p: f64) -> f64 {
    assert!(
        (0.0..=1.0).contains(&p),
        "{what} must be in [0, 1], got {p}"
    );
    p
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn bursty_model_has_the_requested_mean() {
        let model = LossModel::bursty(0.05, 4.0);
        assert!((model.mean_loss() - 0.05).abs() < 1e-12);
        let LossModel::GilbertElliott { bad_to_good, .. } = model else {
            unreachable!()
        };
        assert_eq!(bad_to_good, 0.25);
    }

    #[test]
    #[should_panic(expected = "loss probability must be in [0, 1]")]
    fn probabilities_are_checked() {
        LossModel::random(1.5);
    }
}
