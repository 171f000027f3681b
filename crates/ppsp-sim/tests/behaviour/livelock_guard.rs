//! The livelock guards: a run that would never end fails with a summary instead of hanging.

use std::time::Duration;

use ppsp_sim::{LinkConfig, NodeId, SimConfig, SimError, Simulator};

use crate::ms;
use crate::toys::{Probe, SendPlan};

/// Two echoing probes and one datagram between them: they bounce it forever.
fn ping_pong(config: SimConfig) -> (Simulator<Probe>, NodeId) {
    let mut sim = Simulator::new(config);
    let epoch = sim.start();
    let pong = sim.add_node(|_| Probe::sink(epoch).echoing());
    let plan = SendPlan {
        to: pong.addr(),
        count: 1,
        interval: ms(0),
        size: 32,
    };
    let ping = sim.add_node(|context| Probe::sender(epoch, context.now, plan).echoing());
    (sim, ping)
}

#[test]
fn ping_pong_forever_trips_the_step_limit() {
    let (mut sim, _) = ping_pong(SimConfig {
        max_steps: 10_000,
        ..SimConfig::new(1)
    });
    let error = sim
        .run_until_condition(|_| false, Duration::from_secs(86_400))
        .unwrap_err();
    let SimError::StepLimit { steps, summary } = &error else {
        panic!("{error}")
    };
    assert_eq!(*steps, 10_000);
    // 10 ms per hop: 10,000 steps is a little under 100 s.
    assert!(summary.elapsed < Duration::from_secs(100), "{summary}");
    assert_eq!(summary.in_flight, 1);
    assert!(summary.busiest_sender.is_some());
    let message = error.to_string();
    assert!(
        message.starts_with("livelock guard: 10000 steps in one run; at "),
        "{message}"
    );
}

#[test]
fn zero_latency_ping_pong_trips_the_instant_guard() {
    let link = LinkConfig {
        latency: Duration::ZERO,
        ..LinkConfig::default()
    };
    let (mut sim, _) = ping_pong(SimConfig {
        link,
        max_steps_per_instant: 1_000,
        ..SimConfig::new(1)
    });
    let error = sim.run_for(Duration::from_secs(1)).unwrap_err();
    let SimError::TimeStalled { steps, summary } = &error else {
        panic!("{error}")
    };
    assert_eq!(*steps, 1_000);
    assert_eq!(summary.elapsed, Duration::ZERO, "time never moved");
}

#[test]
fn a_condition_that_never_holds_times_out() {
    let (mut sim, _) = ping_pong(SimConfig::new(1));
    let error = sim
        .run_until_condition(|_| false, Duration::from_secs(5))
        .unwrap_err();
    assert!(matches!(error, SimError::TimedOut { limit, .. } if limit == Duration::from_secs(5)));
    assert_eq!(sim.elapsed(), Duration::from_secs(5));
}

#[test]
fn a_quiet_simulation_reports_idle() {
    let mut sim = Simulator::new(SimConfig::new(1));
    let epoch = sim.start();
    sim.add_node(|_| Probe::sink(epoch));
    let error = sim
        .run_until_condition(|_| false, Duration::from_secs(5))
        .unwrap_err();
    assert!(matches!(error, SimError::Idle { .. }), "{error}");
    assert!(!sim.step().unwrap(), "nothing to step");
}
