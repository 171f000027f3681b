//! The tracker client peers use: CONNECT, FIND, STAT_REPORT (statistics or keep-alive) and
//! LEAVE, over HTTP/1.1 or HTTPS (rustls, ring), in either encoding.
//!
//! A request that gets no valid answer (connection failure, timeout, unreadable response) is
//! sent again byte for byte, with the same transaction ID, as RFC 7846 section 3.4 requires; a
//! valid failure response is not retried but returned as [`ClientError::Refused`]. Every
//! answer carries the reflexive address the tracker saw the request come from.

mod http;

use std::net::SocketAddr;
use std::sync::Arc;
use std::sync::atomic::{AtomicU64, Ordering};
use std::time::Duration;

use ppsp_wire::ids::{SwarmId, TransactionId};
use ppsp_wire::tracker::{
    Action, Connect, ErrorCode, Find, PeerMode, PeerNum, RequestBody, ResponseOutcome, StatReport,
    StreamStats, SwarmAction, SwarmResult, TrackerEncoding, TrackerLimits, TrackerPeerAddr,
    TrackerPeerId, TrackerRequest, TrackerResponse,
};

use self::http::{Connection, Target};

/// How to reach a tracker.
#[derive(Debug, Clone)]
pub struct ClientConfig {
    /// The tracker's base URL, `http://host:port/` or `https://host:port/`.
    pub url: String,
    /// The encoding of requests (the tracker answers in the same one).
    pub encoding: TrackerEncoding,
    /// Longest wait for one attempt.
    pub timeout: Duration,
    /// Attempts after the first when no valid answer arrives.
    pub retries: u32,
    /// Pause before the first retry; doubled before each further one.
    pub retry_delay: Duration,
    /// Certificates trusted for `https` URLs (required for them).
    pub tls_roots: Option<Arc<rustls::RootCertStore>>,
    /// Sent as `Authorization: Bearer <token>` when set.
    pub auth_token: Option<String>,
    /// Largest response accepted.
    pub limits: TrackerLimits,
}

impl ClientConfig {
    /// Defaults for a tracker at `url`: JSON, 5 s per attempt, 2 retries from 250 ms.
    pub fn new(url: impl Into<String>) -> Self {
        Self {
            url: url.into(),
            encoding: TrackerEncoding::Json,
            timeout: Duration::from_secs(5),
            retries: 2,
            retry_delay: Duration::from_millis(250),
            tls_roots: None,
            auth_token: None,
            limits: TrackerLimits::default(),
        }
    }
}

/// A tracker's successful answer.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Reply {
    /// The address the tracker saw the request come from (the peer's public address when it is
    /// behind NAT), if the tracker said.
    pub reflexive: Option<SocketAddr>,
    /// One result per swarm, with peer lists where the request asked for them.
    pub swarm_results: Vec<SwarmResult>,
}

/// Why a request did not succeed.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[non_exhaustive]
pub enum ClientError {
    /// The tracker answered with an error.
    #[error("tracker refused: {code} ({})", reason.as_deref().unwrap_or("no reason given"))]
    Refused {
        /// The PPSTP error code.
        code: ErrorCode,
        /// The reason, when the encoding carries one (XML).
        reason: Option<String>,
    },
    /// No valid answer after every attempt.
    #[error("no valid answer from the tracker: {0}")]
    Unreachable(String),
    /// The URL or TLS setup cannot work.
    #[error("bad tracker client configuration: {0}")]
    Config(String),
}

/// A client for one peer ID.
#[derive(Debug)]
pub struct TrackerClient {
    config: ClientConfig,
    peer_id: TrackerPeerId,
    connection: Connection,
    transaction_prefix: u32,
    next_transaction: AtomicU64,
}

impl TrackerClient {
    /// A client speaking for `peer_id`.
    pub fn new(config: ClientConfig, peer_id: TrackerPeerId) -> Result<Self, ClientError> {
        let target = Target::parse(&config.url, config.tls_roots.clone())?;
        Ok(Self {
            connection: Connection::new(target),
            peer_id,
            transaction_prefix: rand::random(),
            next_transaction: AtomicU64::new(1),
            config,
        })
    }

    /// The peer this client speaks for.
    pub fn peer_id(&self) -> &TrackerPeerId {
        &self.peer_id
    }

    /// Sends a CONNECT.
    pub async fn connect(&self, connect: Connect) -> Result<Reply, ClientError> {
        self.request(RequestBody::Connect(connect)).await
    }

    /// Joins one swarm in `mode`, advertising `peer_addrs`, asking for peers as `peer_num` says.
    pub async fn join(
        &self,
        swarm_id: SwarmId,
        mode: PeerMode,
        peer_addrs: Vec<TrackerPeerAddr>,
        peer_num: Option<PeerNum>,
    ) -> Result<Reply, ClientError> {
        let action = SwarmAction {
            swarm_id,
            action: Action::Join,
            mode,
        };
        self.connect(Connect {
            peer_num,
            peer_addrs,
            swarm_actions: vec![action],
        })
        .await
    }

    /// Leaves swarms (each with the mode it was joined in); leaving the last one de-registers.
    pub async fn leave(&self, swarms: &[(SwarmId, PeerMode)]) -> Result<Reply, ClientError> {
        let swarm_actions = swarms
            .iter()
            .map(|(swarm_id, mode)| SwarmAction {
                swarm_id: swarm_id.clone(),
                action: Action::Leave,
                mode: *mode,
            })
            .collect();
        self.connect(Connect {
            peer_num: None,
            peer_addrs: vec![],
            swarm_actions,
        })
        .await
    }

    /// Asks for peers of a swarm the peer is in.
    pub async fn find(
        &self,
        swarm_id: SwarmId,
        peer_num: Option<PeerNum>,
    ) -> Result<Reply, ClientError> {
        self.request(RequestBody::Find(Find { swarm_id, peer_num }))
            .await
    }

    /// Reports statistics; an empty list is the keep-alive, due every
    /// [`RegistryConfig::keep_alive_interval`](crate::RegistryConfig::keep_alive_interval).
    pub async fn stat_report(&self, stats: Vec<StreamStats>) -> Result<Reply, ClientError> {
        self.request(RequestBody::StatReport(StatReport { stats }))
            .await
    }

    /// Sends any request body, with retries.
    pub async fn request(&self, body: RequestBody) -> Result<Reply, ClientError> {
        let transaction_id = self.transaction_id();
        let request = TrackerRequest::new(transaction_id.clone(), self.peer_id.clone(), body);
        let encoded = self.config.encoding.encode_request(&request);
        let mut delay = self.config.retry_delay;
        let mut last_problem = String::new();
        for attempt in 0..=self.config.retries {
            if attempt > 0 {
                tokio::time::sleep(delay).await;
                delay = delay.saturating_mul(2);
            }
            let sent = tokio::time::timeout(
                self.config.timeout,
                self.connection.post(
                    &encoded,
                    self.config.encoding,
                    self.config.auth_token.as_deref(),
                    self.config.limits.max_bytes,
                ),
            )
            .await;
            let bytes = match sent {
                Ok(Ok(bytes)) => bytes,
                Ok(Err(problem)) => {
                    last_problem = problem;
                    continue;
                }
                Err(_) => {
                    self.connection.reset();
                    last_problem = "timed out".into();
                    continue;
                }
            };
            match self
                .config
                .encoding
                .decode_response(&bytes, &self.config.limits)
            {
                Ok(response) if response.transaction_id == transaction_id => {
                    return outcome(response);
                }
                Ok(response) => {
                    last_problem = format!("answer for transaction {}", response.transaction_id);
                }
                Err(error) => last_problem = format!("unreadable answer: {error}"),
            }
            tracing::debug!(%transaction_id, attempt, problem = %last_problem, "retrying tracker request");
        }
        Err(ClientError::Unreachable(last_problem))
    }

    /// A fresh transaction ID: a random per-client prefix and a counter.
    fn transaction_id(&self) -> TransactionId {
        let n = self.next_transaction.fetch_add(1, Ordering::Relaxed);
        TransactionId::new(format!("{:08x}-{n}", self.transaction_prefix))
            .expect("hex digits, a dash and decimal digits form a valid transaction ID")
    }
}

fn outcome(response: TrackerResponse) -> Result<Reply, ClientError> {
    match response.outcome {
        ResponseOutcome::Success {
            peer_addr,
            swarm_results,
        } => Ok(Reply {
            reflexive: peer_addr.map(|a| a.socket_addr()),
            swarm_results,
        }),
        ResponseOutcome::Failure { code, reason } => Err(ClientError::Refused { code, reason }),
    }
}
