//! The driver's live commands, and the progress it publishes to live readers after each
//! round (never waiting on them).

use std::time::Instant;

use super::Driver;
use crate::node::NodeError;
use crate::node::live::LiveCommand;

impl Driver {
    pub(super) fn live_command(&mut self, now: Instant, command: LiveCommand) {
        match command {
            LiveCommand::Push { swarm, data, reply } => {
                let result = self
                    .endpoint
                    .push_live_chunk(now, &swarm, data)
                    .map_err(NodeError::from);
                let _ = reply.send(result);
            }
            LiveCommand::Status { swarm, reply } => {
                let _ = reply.send(self.endpoint.live_status(&swarm));
            }
            LiveCommand::Reader {
                swarm,
                start,
                reply,
            } => {
                let feed = self.swarms.get(&swarm).and_then(|side| side.live.as_ref());
                let result = match (feed, self.endpoint.live_status(&swarm)) {
                    (Some(feed), Some(status)) => {
                        feed.publish(status);
                        Ok(feed.reader(start))
                    }
                    _ => Err(NodeError::NotLive(swarm)),
                };
                let _ = reply.send(result);
            }
        }
    }

    /// Publishes every live swarm's status where it changed.
    pub(super) fn publish_live(&self) {
        for (id, side) in &self.swarms {
            if let (Some(feed), Some(status)) = (&side.live, self.endpoint.live_status(id)) {
                feed.publish(status);
            }
        }
    }
}
