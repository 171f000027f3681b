//! One registry test suite (`common/suite.rs`), run against the in-memory store and against
//! the Redis store on a private `redis-server` (skipped, with a message, when it is missing).

#[macro_use]
mod common;

mod in_memory {
    use ppsp_tracker::{MemoryStore, RegistryConfig, Tracker};

    async fn tracker(config: RegistryConfig) -> Option<(Tracker<MemoryStore>, ())> {
        Some((Tracker::new(MemoryStore::new(), config), ()))
    }

    ppsp_tracker_tests_suite!();
}

mod in_redis {
    use ppsp_tracker::store::RedisStore;
    use ppsp_tracker::{RegistryConfig, Tracker};

    use crate::common::redis::RedisServer;

    async fn tracker(config: RegistryConfig) -> Option<(Tracker<RedisStore>, RedisServer)> {
        let server = RedisServer::start()?;
        let store = RedisStore::connect(&server.url(), "test:", config.track_timer)
            .await
            .unwrap();
        Some((Tracker::new(store, config), server))
    }

    ppsp_tracker_tests_suite!();
}
