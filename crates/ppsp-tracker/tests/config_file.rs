//! The commented default configuration file reads back as the defaults, and mistakes in a
//! file are refused instead of ignored.

use ppsp_tracker::Config;
use ppsp_tracker::config::DEFAULT_CONFIG_TOML;

#[test]
fn commented_defaults_read_back_as_the_defaults() {
    let parsed: Config = toml::from_str(DEFAULT_CONFIG_TOML).unwrap();
    assert_eq!(parsed, Config::default());
    let empty: Config = toml::from_str("").unwrap();
    assert_eq!(empty, Config::default());
}

#[test]
fn unknown_keys_are_refused() {
    let error = toml::from_str::<Config>("[server]\nlisten_port = 1\n").unwrap_err();
    assert!(error.to_string().contains("listen_port"), "{error}");
}

#[test]
fn sections_override_only_what_they_name() {
    let config: Config = toml::from_str(
        "[registry]\ntrack_timer = 30\n[server]\nredis_url = \"redis://127.0.0.1:6379/\"\n",
    )
    .unwrap();
    assert_eq!(config.registry.track_timer.as_secs(), 30);
    assert_eq!(config.registry.keep_alive_interval.as_secs(), 60);
    assert_eq!(
        config.server.redis_url.as_deref(),
        Some("redis://127.0.0.1:6379/")
    );
}
