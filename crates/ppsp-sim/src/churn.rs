//! Scripted churn: peers leaving and joining at a steady rate, chosen by the seeded generator.
//!
//! Real swarms lose and gain peers all the time; a scheduler or a peer list that only works in a
//! static swarm is broken. A churn script keeps the population steady (as many join as leave)
//! and spreads the departures and arrivals over each period so they do not come in lockstep.

use std::time::Duration;

use rand::seq::index;
use rand::{Rng, RngExt};

use crate::loss::check_probability;
use crate::node::NodeId;

/// A churn script: each round, `fraction` of the live unprotected nodes leave and the same
/// number of new nodes join, each at a random moment within the round.
#[derive(Debug, Clone, PartialEq)]
pub struct Churn {
    /// Length of a round.
    pub period: Duration,
    /// Share of the eligible nodes replaced per round; the count is rounded to the nearest
    /// whole node.
    pub fraction: f64,
    /// When the first round starts, as an offset from the start of the simulation.
    pub start: Duration,
    /// No round starts at or after this offset; `None` churns forever.
    pub stop: Option<Duration>,
    /// Nodes that never leave (a seeder, a tracker).
    pub protected: Vec<NodeId>,
}

impl Churn {
    /// Replace `fraction` of the nodes every minute, from the first minute on, forever.
    pub fn per_minute(fraction: f64) -> Self {
        let minute = Duration::from_secs(60);
        Self {
            period: minute,
            fraction,
            start: minute,
            stop: None,
            protected: Vec::new(),
        }
    }

    /// Panics on a script that makes no sense, when it is installed.
    pub(crate) fn validate(&self) {
        check_probability("churn fraction", self.fraction);
        assert!(!self.period.is_zero(), "a churn period must be above zero");
    }

    /// Whether another round starts at `at`.
    pub(crate) fn runs_at(&self, at: Duration) -> bool {
        self.stop.is_none_or(|stop| at < stop)
    }

    /// Draws one round starting at `now` among `eligible` (live, unprotected, not already
    /// leaving, in id order).
    pub(crate) fn plan_round(
        &self,
        now: Duration,
        eligible: &[NodeId],
        rng: &mut impl Rng,
    ) -> Round {
        let count = (self.fraction * eligible.len() as f64).round() as usize;
        let period = u64::try_from(self.period.as_nanos()).unwrap_or(u64::MAX);
        let chosen = index::sample(rng, eligible.len(), count);
        let mut moment = || now + Duration::from_nanos(rng.random_range(0..period));
        let leaves = chosen
            .into_iter()
            .map(|i| (moment(), eligible[i]))
            .collect();
        let joins = (0..count).map(|_| moment()).collect();
        Round { leaves, joins }
    }
}

/// One round of churn: who leaves when, and when newcomers join.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct Round {
    pub(crate) leaves: Vec<(Duration, NodeId)>,
    pub(crate) joins: Vec<Duration>,
}
