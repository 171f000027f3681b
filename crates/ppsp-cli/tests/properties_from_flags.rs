//! PROPERTY_QUERY over real HTTP to a running `ppsp seed`: the access type and NAT type its
//! operator declared (`--access-type`, `--nat-type`) come back as given, the measured values
//! (online time, concurrent links, software) are present, and a bad declared value is refused
//! at start with one line naming the flag. The SIGTERM sent right after the query also checks
//! that a signal arriving just after the URI is printed still shuts the node down cleanly
//! (it used to kill the process before its signal handler was in place).

mod support;

use std::sync::Arc;

use ppsp_node::signalling::{SignallingClient, SignallingConfig, SignallingState};
use ppsp_wire::ids::PeerId;
use ppsp_wire::property::{AccessType, NatType, PropertyName, PropertyValue};
use support::{content, seed, signalling_addr};

#[test]
fn declared_access_and_nat_types_are_answered_with_the_measured_properties() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    std::fs::write(&source, content(64 << 10, 9)).unwrap();
    let (mut seeder, _uri) = seed(
        &source,
        &[
            "--http-listen",
            "127.0.0.1:0",
            "--access-type",
            "ftth",
            "--nat-type",
            "full_cone",
        ],
    );
    let http = signalling_addr(&mut seeder);

    let runtime = tokio::runtime::Builder::new_current_thread()
        .enable_all()
        .build()
        .unwrap();
    let asker = SignallingClient::new(
        PeerId([0xcd; 20]),
        Arc::new(SignallingState::new(SignallingConfig::default())),
    );
    let (_peer, stats) = runtime
        .block_on(asker.query_properties(http, None, Vec::new()))
        .unwrap();
    let value = |name: PropertyName| {
        stats
            .iter()
            .find(|s| s.name == name)
            .and_then(|s| s.value.clone())
    };
    assert_eq!(
        value(PropertyName::AccessType),
        Some(PropertyValue::AccessType(AccessType::Ftth)),
        "{stats:?}"
    );
    assert_eq!(
        value(PropertyName::NatType),
        Some(PropertyValue::NatType(NatType::FullCone)),
        "{stats:?}"
    );
    assert!(
        matches!(
            value(PropertyName::OnlineTime),
            Some(PropertyValue::Seconds(_))
        ),
        "{stats:?}"
    );
    assert!(
        matches!(value(PropertyName::Software), Some(PropertyValue::Text(t)) if t.starts_with("ppsp")),
        "{stats:?}"
    );
    // Not live: no playback buffer to speak of.
    assert_eq!(value(PropertyName::BufferLevel), None, "{stats:?}");
    let status = seeder.terminate(std::time::Duration::from_secs(30));
    assert!(status.success(), "{status:?} {:#?}", seeder.log);
}

#[test]
fn an_unknown_access_type_is_refused_naming_the_flag() {
    let dir = tempfile::tempdir().unwrap();
    let source = dir.path().join("source.bin");
    std::fs::write(&source, b"some bytes").unwrap();
    let output = std::process::Command::new(env!("CARGO_BIN_EXE_ppsp"))
        .args(["seed", source.to_str().unwrap(), "--listen", "127.0.0.1:0"])
        .args(["--access-type", "carrier-pigeon"])
        .output()
        .unwrap();
    let stderr = String::from_utf8_lossy(&output.stderr);
    assert_eq!(output.status.code(), Some(2), "stderr: {stderr}");
    let errors: Vec<&str> = stderr.lines().filter(|l| l.starts_with("ppsp: ")).collect();
    assert_eq!(errors.len(), 1, "stderr: {stderr}");
    assert!(
        errors[0].contains("--access-type") && errors[0].contains("carrier-pigeon"),
        "{stderr}"
    );
}
