//! The tracker: one request in, one response out, over any [`Store`].
//!
//! For each request: read the peer's record, let the registry check it and plan the change
//! (pure), commit the change (atomic in the store), then build peer lists from fresh swarm
//! members (pure selection). The time and the randomness come from the caller. Two requests
//! from the same peer ID racing each other may lose one update; a peer waits for each answer
//! before its next request, so only a misbehaving peer can notice.

use std::net::SocketAddr;

use ppsp_wire::tracker::{
    ErrorCode, MAX_REASON_LEN, RequestBody, ResponseOutcome, SwarmResult, TrackerRequest,
    TrackerResponse,
};
use rand::Rng;

use crate::config::RegistryConfig;
use crate::registry::{
    Plan, Refusal, address, fresh_since, plan_connect, plan_find, plan_stat_report, select_peers,
};
use crate::store::{Bounds, Change, Counts, Store, StoreError};
use crate::time::Timestamp;

/// Most peers removed by one sweep call; a sweep repeats until nothing is left.
const SWEEP_BATCH: usize = 1_000;

/// A tracker over a store.
#[derive(Debug, Clone)]
pub struct Tracker<S> {
    store: S,
    config: RegistryConfig,
}

impl<S: Store> Tracker<S> {
    /// A tracker with these rules over `store`.
    pub fn new(store: S, config: RegistryConfig) -> Self {
        Self { store, config }
    }

    /// Its store.
    pub fn store(&self) -> &S {
        &self.store
    }

    /// Its rules.
    pub fn config(&self) -> &RegistryConfig {
        &self.config
    }

    /// Answers `request`, received at `now` from `source`. The response's `peer_addr` is
    /// `source`, typed REFLEXIVE, so a peer behind NAT learns its public address.
    pub async fn handle<R: Rng + Send>(
        &self,
        now: Timestamp,
        source: SocketAddr,
        request: &TrackerRequest,
        rng: &mut R,
    ) -> TrackerResponse {
        let request_type = Some(request.body.request_type());
        let tid = request.transaction_id.clone();
        match self.answer(now, source, request, rng).await {
            Ok(swarm_results) => TrackerResponse::success(
                tid,
                request_type,
                Some(address::reflexive(source)),
                swarm_results,
            ),
            Err(refusal) => refused(
                TrackerResponse::failure(tid, request_type, refusal.code),
                refusal.reason,
            ),
        }
    }

    async fn answer<R: Rng + Send>(
        &self,
        now: Timestamp,
        source: SocketAddr,
        request: &TrackerRequest,
        rng: &mut R,
    ) -> Result<Vec<SwarmResult>, Refusal> {
        let peer_id = &request.peer_id;
        let stored = self.store.peer(peer_id).await.map_err(store_refusal)?;
        let plan = match &request.body {
            RequestBody::Connect(connect) => plan_connect(
                &self.config,
                now,
                source,
                peer_id,
                &request.transaction_id,
                stored,
                connect,
            ),
            RequestBody::Find(find) => plan_find(&self.config, now, stored, find),
            RequestBody::StatReport(report) => plan_stat_report(&self.config, now, stored, report),
        }?;
        let change = Change {
            peer_id,
            record: plan.record.as_ref(),
            left: &plan.left,
            joined: &plan.joined,
        };
        self.store
            .commit(change, Bounds::from(&self.config))
            .await
            .map_err(store_refusal)?;
        self.results(now, request, &plan, rng).await
    }

    /// The swarm results of an applied plan, with peer lists where asked.
    async fn results<R: Rng + Send>(
        &self,
        now: Timestamp,
        request: &TrackerRequest,
        plan: &Plan,
        rng: &mut R,
    ) -> Result<Vec<SwarmResult>, Refusal> {
        let profile = plan
            .record
            .as_ref()
            .map(|r| r.card.profile.clone())
            .unwrap_or_default();
        let fresh_since = fresh_since(&self.config, now);
        let mut results = Vec::with_capacity(plan.answers.len());
        for answer in &plan.answers {
            let peers = match answer.peer_list {
                Some(count) if count > 0 => {
                    let pool = self.config.candidate_pool.max(count);
                    let seed = rng.next_u64();
                    let candidates = self
                        .store
                        .candidates(&answer.swarm_id, fresh_since, pool, seed)
                        .await
                        .map_err(store_refusal)?;
                    select_peers(&request.peer_id, &profile, candidates, count, rng)
                }
                _ => vec![],
            };
            results.push(SwarmResult {
                swarm_id: answer.swarm_id.clone(),
                result: answer.result,
                peers,
            });
        }
        Ok(results)
    }

    /// Removes every peer whose track timer ran out by `now`; returns how many.
    pub async fn sweep(&self, now: Timestamp) -> Result<usize, StoreError> {
        let before = now.saturating_sub(self.config.track_timer);
        let mut total = 0;
        loop {
            let removed = self.store.expire(before, SWEEP_BATCH).await?;
            total += removed;
            if removed < SWEEP_BATCH {
                return Ok(total);
            }
        }
    }

    /// How many swarms and peers are registered.
    pub async fn counts(&self) -> Result<Counts, StoreError> {
        self.store.counts().await
    }
}

/// `response` with `reason` attached (the XML form's `<Reason>`), cut to the codec's limit.
pub fn refused(mut response: TrackerResponse, reason: String) -> TrackerResponse {
    if let ResponseOutcome::Failure { reason: slot, .. } = &mut response.outcome {
        let mut reason = reason;
        if reason.len() > MAX_REASON_LEN {
            let mut end = MAX_REASON_LEN;
            while !reason.is_char_boundary(end) {
                end -= 1;
            }
            reason.truncate(end);
        }
        *slot = Some(reason);
    }
    response
}

/// The answer to a store failure: a full bound is Service Unavailable (05), anything else an
/// Internal Server Error (04).
fn store_refusal(error: StoreError) -> Refusal {
    match error {
        StoreError::Backend(_) => Refusal {
            code: ErrorCode::InternalServerError,
            reason: "the tracker's store failed".into(),
        },
        full => Refusal::unavailable(full.to_string()),
    }
}
