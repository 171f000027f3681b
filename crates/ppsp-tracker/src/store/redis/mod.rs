//! The Redis store: several tracker processes behind one name share swarms through one Redis.
//! Each operation is one Lua script (atomic in Redis); the key layout is in `scripts.rs`.
//! Times are the registry's [`Timestamp`]s, not Redis's clock, so trackers and tests agree on
//! ages (trackers sharing a store need clocks kept in step, e.g. by NTP).

mod codec;
mod scripts;

use std::sync::Arc;
use std::time::Duration;

use ppsp_wire::ids::SwarmId;
use ppsp_wire::tracker::{PeerMode, TrackerPeerId};
use redis::aio::{ConnectionManager, ConnectionManagerConfig};
use redis::{AsyncCommands, Script};

use super::{Bounds, Change, Counts, Store, StoreError, SwarmSummary};
use crate::registry::{PeerCard, PeerRecord};
use crate::time::Timestamp;

/// How long Redis waits on a command or a connection attempt before the request fails with
/// Internal Server Error (04).
const REDIS_TIMEOUT: Duration = Duration::from_secs(2);
/// Backstop TTL of per-peer and per-swarm keys, in track timers.
const TTL_TRACK_TIMERS: u32 = 10;

/// A store in Redis, shared by every tracker that uses the same URL and prefix.
#[derive(Clone)]
pub struct RedisStore {
    connection: ConnectionManager,
    prefix: String,
    ttl: Duration,
    scripts: Arc<Scripts>,
}

/// The store's Lua scripts (shared by clones; behind an `Arc` to keep the store small).
struct Scripts {
    commit: Script,
    candidates: Script,
    expire: Script,
    swarms: Script,
}

impl std::fmt::Debug for RedisStore {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.debug_struct("RedisStore")
            .field("prefix", &self.prefix)
            .finish_non_exhaustive()
    }
}

impl RedisStore {
    /// Connects to `url` (e.g. `redis://127.0.0.1:6379/`); keys start with `prefix`; keys of
    /// quiet peers and swarms vanish after ten `track_timer`s even if no tracker sweeps.
    pub async fn connect(
        url: &str,
        prefix: &str,
        track_timer: Duration,
    ) -> Result<Self, StoreError> {
        let client = redis::Client::open(url).map_err(backend)?;
        let config = ConnectionManagerConfig::new()
            .set_response_timeout(Some(REDIS_TIMEOUT))
            .set_connection_timeout(Some(REDIS_TIMEOUT))
            .set_number_of_retries(1);
        let connection = client
            .get_connection_manager_with_config(config)
            .await
            .map_err(backend)?;
        Ok(Self {
            connection,
            prefix: prefix.to_string(),
            ttl: track_timer
                .saturating_mul(TTL_TRACK_TIMERS)
                .max(Duration::from_secs(1)),
            scripts: Arc::new(Scripts {
                commit: Script::new(&scripts::commit()),
                candidates: Script::new(scripts::CANDIDATES),
                expire: Script::new(&scripts::expire()),
                swarms: Script::new(scripts::SWARMS),
            }),
        })
    }
}

fn backend(error: redis::RedisError) -> StoreError {
    StoreError::Backend(error.to_string())
}

/// Appends a counted list of swarm IDs to a script invocation.
fn push_list(invocation: &mut redis::ScriptInvocation<'_>, swarms: &[String]) {
    invocation.arg(swarms.len());
    for swarm in swarms {
        invocation.arg(swarm);
    }
}

impl Store for RedisStore {
    async fn peer(&self, peer_id: &TrackerPeerId) -> Result<Option<PeerRecord>, StoreError> {
        let key = format!("{}peer:{}", self.prefix, peer_id);
        let text: Option<String> = self.connection.clone().get(key).await.map_err(backend)?;
        text.map(|t| codec::decode_record(&t)).transpose()
    }

    async fn commit(&self, change: Change<'_>, bounds: Bounds) -> Result<(), StoreError> {
        let hex = |ids: &[SwarmId]| ids.iter().map(SwarmId::to_hex).collect::<Vec<_>>();
        let (record, card, last_seen, swarms, seeding) = match change.record {
            Some(record) => (
                codec::encode_record(record),
                codec::encode_card(&record.card),
                record.last_seen.as_unix_millis(),
                record.swarms.iter().map(|m| m.swarm_id.to_hex()).collect(),
                record
                    .swarms
                    .iter()
                    .filter(|m| m.mode == PeerMode::Seeder)
                    .map(|m| m.swarm_id.to_hex())
                    .collect(),
            ),
            None => (String::new(), String::new(), 0, vec![], vec![]),
        };
        let mut invocation = self.scripts.commit.prepare_invoke();
        invocation
            .arg(&self.prefix)
            .arg(change.peer_id.as_str())
            .arg(record)
            .arg(card)
            .arg(last_seen)
            .arg(u64::try_from(self.ttl.as_millis()).unwrap_or(u64::MAX))
            .arg(bounds.max_peers_per_swarm)
            .arg(bounds.max_swarms)
            .arg(bounds.max_peers);
        push_list(&mut invocation, &hex(change.left));
        push_list(&mut invocation, &hex(change.joined));
        push_list(&mut invocation, &swarms);
        push_list(&mut invocation, &seeding);
        let reply: Vec<String> = invocation
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(backend)?;
        match reply
            .iter()
            .map(String::as_str)
            .collect::<Vec<_>>()
            .as_slice()
        {
            ["ok"] => Ok(()),
            ["peers"] => Err(StoreError::TooManyPeers),
            ["swarms"] => Err(StoreError::TooManySwarms),
            ["swarm", swarm] => Err(swarm.parse().map_or_else(
                |_| StoreError::Backend("bad swarm".into()),
                StoreError::SwarmFull,
            )),
            other => Err(StoreError::Backend(format!(
                "unexpected commit reply {other:?}"
            ))),
        }
    }

    async fn candidates(
        &self,
        swarm_id: &SwarmId,
        fresh_since: Timestamp,
        pool: usize,
        seed: u64,
    ) -> Result<Vec<PeerCard>, StoreError> {
        let cards: Vec<Option<String>> = self
            .scripts
            .candidates
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(swarm_id.to_hex())
            .arg(fresh_since.as_unix_millis())
            .arg(pool)
            // Lua numbers are doubles: keep the seed well inside their exact range.
            .arg(seed % (1 << 31))
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(backend)?;
        cards
            .iter()
            .flatten()
            .map(|c| codec::decode_card(c))
            .collect()
    }

    async fn expire(&self, before: Timestamp, max: usize) -> Result<usize, StoreError> {
        self.scripts
            .expire
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(before.as_unix_millis())
            .arg(max)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(backend)
    }

    async fn counts(&self) -> Result<Counts, StoreError> {
        let (swarms, peers): (u64, u64) = redis::pipe()
            .scard(format!("{}swarms", self.prefix))
            .zcard(format!("{}peers", self.prefix))
            .query_async(&mut self.connection.clone())
            .await
            .map_err(backend)?;
        Ok(Counts { swarms, peers })
    }

    async fn swarms(&self, max: usize) -> Result<Vec<SwarmSummary>, StoreError> {
        let flat: Vec<String> = self
            .scripts
            .swarms
            .prepare_invoke()
            .arg(&self.prefix)
            .arg(max)
            .invoke_async(&mut self.connection.clone())
            .await
            .map_err(backend)?;
        let mut summaries = flat
            .chunks(3)
            .map(|row| match row {
                [swarm, members, seeders] => {
                    let number = |text: &str| {
                        text.parse::<u64>()
                            .map_err(|_| StoreError::Backend(format!("bad count {text:?}")))
                    };
                    let swarm_id = swarm
                        .parse::<SwarmId>()
                        .map_err(|_| StoreError::Backend(format!("bad swarm {swarm:?}")))?;
                    let (members, seeders) = (number(members)?, number(seeders)?);
                    Ok(SwarmSummary {
                        swarm_id,
                        seeders,
                        leechers: members.saturating_sub(seeders),
                    })
                }
                other => Err(StoreError::Backend(format!(
                    "unexpected swarms reply {other:?}"
                ))),
            })
            .collect::<Result<Vec<_>, _>>()?;
        summaries.sort_by(SwarmSummary::largest_first);
        Ok(summaries)
    }
}
