//! FIND (RFC 7846 section 3.3.2) and STAT_REPORT (section 3.3.3): requests from a registered
//! peer. Both reset its track timer; from a peer that is not registered both are Forbidden
//! Action (03, section 2.5).

use ppsp_wire::tracker::{ActionResult, Find, StatReport};

use super::plan::{Plan, Refusal, SwarmAnswer, fresh, list_size, not_registered};
use super::record::PeerRecord;
use crate::config::RegistryConfig;
use crate::time::Timestamp;

/// Checks a FIND: the peer must be registered and in the swarm it asks about.
pub fn plan_find(
    config: &RegistryConfig,
    now: Timestamp,
    stored: Option<PeerRecord>,
    find: &Find,
) -> Result<Plan, Refusal> {
    let mut record = fresh(config, now, stored).0.ok_or_else(not_registered)?;
    if record.membership(&find.swarm_id).is_none() {
        return Err(Refusal::forbidden(format!(
            "peer is not in swarm {}",
            find.swarm_id
        )));
    }
    record.card.profile = record.card.profile.clone().updated(find.peer_num.as_ref());
    record.last_seen = now;
    Ok(Plan {
        record: Some(record),
        left: vec![],
        joined: vec![],
        answers: vec![SwarmAnswer {
            swarm_id: find.swarm_id.clone(),
            result: ActionResult::Success,
            peer_list: Some(list_size(config, find.peer_num.as_ref())),
        }],
    })
}

/// Checks a STAT_REPORT: the peer must be registered; each statistic is stored for a swarm
/// the peer is in (result SUCCESSFUL) and ignored otherwise (result FAILED). Without
/// statistics it is the keep-alive.
pub fn plan_stat_report(
    config: &RegistryConfig,
    now: Timestamp,
    stored: Option<PeerRecord>,
    report: &StatReport,
) -> Result<Plan, Refusal> {
    let mut record = fresh(config, now, stored).0.ok_or_else(not_registered)?;
    let mut answers = Vec::with_capacity(report.stats.len());
    for stats in &report.stats {
        let membership = record
            .swarms
            .iter_mut()
            .find(|m| m.swarm_id == stats.swarm_id);
        let result = match membership {
            Some(membership) => {
                membership.uploaded_bytes = stats.uploaded_bytes;
                membership.downloaded_bytes = stats.downloaded_bytes;
                record.card.profile.concurrent_links = Some(stats.concurrent_links);
                ActionResult::Success
            }
            None => ActionResult::Failure,
        };
        answers.push(SwarmAnswer {
            swarm_id: stats.swarm_id.clone(),
            result,
            peer_list: None,
        });
    }
    record.last_seen = now;
    Ok(Plan {
        record: Some(record),
        left: vec![],
        joined: vec![],
        answers,
    })
}
