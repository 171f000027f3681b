//! Behaviour of [`Ledbat`]: the delay response, a simulated bottleneck, clock offsets, base
//! delay rollover, loss and timeout handling, hostile samples and arbitrary event sequences.

use std::collections::VecDeque;
use std::time::{Duration, Instant};

use proptest::prelude::*;

use super::rtt::{MAX_RTO, MIN_RTO};
use super::*;

fn ms(millis: u64) -> Duration {
    Duration::from_millis(millis)
}

fn mss() -> u64 {
    LedbatConfig::default().mss
}

/// A sender that always has data, on a path that acknowledges every DATA one round trip after
/// it was sent: every ACK lets new DATA out at once, as an engine does.
struct Flow {
    now: Instant,
    /// When each DATA in flight will be acknowledged, in order.
    acks_due: VecDeque<Instant>,
}

impl Flow {
    fn new() -> Self {
        Self {
            now: Instant::now(),
            acks_due: VecDeque::new(),
        }
    }

    /// Runs for `rounds` round trips of `rtt`, every ACK carrying the delay sample `one_way`.
    fn run(&mut self, ledbat: &mut Ledbat, rounds: u32, rtt: Duration, one_way: Duration) {
        let end = self.now + rtt * rounds;
        loop {
            while ledbat.can_send(ledbat.bytes_in_flight()) {
                ledbat.on_send(self.now, mss());
                self.acks_due.push_back(self.now + rtt);
            }
            match self.acks_due.front() {
                Some(&due) if due <= end => {
                    self.acks_due.pop_front();
                    self.now = due;
                    ledbat.on_ack(due, mss(), one_way, Some(rtt));
                }
                _ => break,
            }
        }
        self.now = end;
    }
}

/// A controller and its flow after `rounds` round trips of 50 ms over an empty queue.
fn grown(rounds: u32) -> (Ledbat, Flow) {
    let mut ledbat = Ledbat::default();
    let mut flow = Flow::new();
    flow.run(&mut ledbat, rounds, ms(50), ms(20));
    (ledbat, flow)
}

/// One datagram sent and acknowledged at `now` with the delay sample `one_way`.
fn exchange(ledbat: &mut Ledbat, now: Instant, one_way: Duration) {
    ledbat.on_send(now, mss());
    ledbat.on_ack(now, mss(), one_way, None);
}

#[test]
fn window_grows_while_queuing_delay_is_below_target() {
    let mut ledbat = Ledbat::default();
    let mut flow = Flow::new();
    let mut previous = ledbat.window_bytes();
    for _ in 0..20 {
        flow.run(&mut ledbat, 1, ms(50), ms(20));
        let window = ledbat.window_bytes();
        assert!(window > previous, "{window} after {previous}");
        assert!(
            window <= previous + mss(),
            "more than one MSS per round trip"
        );
        previous = window;
    }
    assert_eq!(ledbat.queuing_delay(), Duration::ZERO);
}

#[test]
fn window_shrinks_while_queuing_delay_is_above_target() {
    let (mut ledbat, mut flow) = grown(20);
    let mut previous = ledbat.window_bytes();
    let min_window = 2 * mss();
    for _ in 0..40 {
        flow.run(&mut ledbat, 1, ms(50), ms(20 + 50));
        assert_eq!(ledbat.queuing_delay(), ms(50));
        let window = ledbat.window_bytes();
        assert!(
            window < previous || window == min_window,
            "{window} after {previous}"
        );
        previous = window;
    }
    assert_eq!(ledbat.window_bytes(), min_window);
}

#[test]
fn growth_stops_one_mss_above_the_flight_size_when_application_limited() {
    let mut ledbat = Ledbat::default();
    let mut now = Instant::now();
    for _ in 0..100 {
        ledbat.on_send(now, mss());
        now += ms(50);
        ledbat.on_ack(now, mss(), ms(20), Some(ms(50)));
    }
    assert_eq!(ledbat.window_bytes(), 2 * mss());
}

#[test]
fn can_send_fits_one_more_datagram_into_the_window() {
    let mut ledbat = Ledbat::default();
    assert!(ledbat.can_send(0));
    assert!(ledbat.can_send(mss()));
    assert!(!ledbat.can_send(mss() + 1));
    assert!(!ledbat.can_send(u64::MAX));
    ledbat.on_timeout(Instant::now());
    assert!(ledbat.can_send(0));
    assert!(!ledbat.can_send(1));
}

/// A window-limited sender behind one FIFO bottleneck of `RATE` bytes per second, with
/// `ONE_WAY` propagation delay each way, adding `offset` (wrapping) to every delay sample as
/// an unsynchronised receiver clock would.
struct Bottleneck {
    offset: u64,
    duration: Duration,
    measure_from: Duration,
}

/// What [`Bottleneck::run`] observed.
struct Observed {
    /// The window after every ACK.
    windows: Vec<u64>,
    /// Mean time DATA sent after `measure_from` waited in the queue.
    mean_queuing: Duration,
    /// Delivered bytes after `measure_from` over what the link could carry.
    utilisation: f64,
}

/// A DATA datagram on the simulated path.
struct InFlight {
    sent: Instant,
    received: Instant,
    queued: Duration,
}

impl Bottleneck {
    const RATE: u64 = 1_000_000;
    const ONE_WAY: Duration = Duration::from_millis(20);

    fn run(&self) -> Observed {
        let mut ledbat = Ledbat::default();
        let mss = ledbat.config().mss;
        let transmission = Duration::from_nanos(mss * 1_000_000_000 / Self::RATE);
        let start = Instant::now();
        let (end, measure_from) = (start + self.duration, start + self.measure_from);
        let (mut now, mut link_free) = (start, start);
        let mut path = VecDeque::new();
        let mut windows = Vec::new();
        let (mut queued, mut measured, mut delivered) = (Duration::ZERO, 0, 0);
        loop {
            while ledbat.can_send(ledbat.bytes_in_flight()) {
                let departs = now.max(link_free) + transmission;
                link_free = departs;
                let queued = departs - transmission - now;
                let received = departs + Self::ONE_WAY;
                path.push_back(InFlight {
                    sent: now,
                    received,
                    queued,
                });
                ledbat.on_send(now, mss);
            }
            let Some(datagram) = path.pop_front() else {
                break;
            };
            now = datagram.received + Self::ONE_WAY;
            if now >= end {
                break;
            }
            ledbat.on_ack(now, mss, self.sample(&datagram), Some(now - datagram.sent));
            windows.push(ledbat.window_bytes());
            if datagram.sent >= measure_from {
                queued += datagram.queued;
                measured += 1;
            }
            if now >= measure_from {
                delivered += mss;
            }
        }
        let capacity = Self::RATE as f64 * (self.duration - self.measure_from).as_secs_f64();
        Observed {
            windows,
            mean_queuing: queued / measured,
            utilisation: delivered as f64 / capacity,
        }
    }

    /// The delay field the receiver would send: its clock minus our timestamp, in
    /// microseconds modulo 2^64.
    fn sample(&self, datagram: &InFlight) -> Duration {
        let one_way = u64::try_from((datagram.received - datagram.sent).as_micros()).unwrap();
        Duration::from_micros(one_way.wrapping_add(self.offset))
    }
}

#[test]
fn converges_near_target_under_a_simulated_bottleneck() {
    let observed = Bottleneck {
        offset: 0,
        duration: Duration::from_secs(40),
        measure_from: Duration::from_secs(20),
    }
    .run();
    let target = LedbatConfig::default().target;
    assert!(
        observed.mean_queuing >= target / 2 && observed.mean_queuing <= target * 3 / 2,
        "mean queuing delay {:?}",
        observed.mean_queuing
    );
    assert!(
        observed.utilisation >= 0.95,
        "utilisation {}",
        observed.utilisation
    );
}

#[test]
fn clock_offset_between_peers_does_not_change_behaviour() {
    let run = |offset| {
        Bottleneck {
            offset,
            duration: Duration::from_secs(10),
            measure_from: Duration::from_secs(5),
        }
        .run()
        .windows
    };
    let synchronised = run(0);
    let ten_seconds = 10_000_000;
    assert_eq!(run(ten_seconds), synchronised, "receiver clock 10 s ahead");
    assert_eq!(
        run(ten_seconds.wrapping_neg()),
        synchronised,
        "receiver clock 10 s behind: every sample wraps around"
    );
}

#[test]
fn base_delay_rolls_over_after_base_history() {
    let mut ledbat = Ledbat::default();
    let history = ledbat.config().base_history;
    let mut now = Instant::now();
    let mut exchange_for = |ledbat: &mut Ledbat, period: Duration, one_way: Duration| {
        let until = now + period;
        while now < until {
            exchange(ledbat, now, one_way);
            now += Duration::from_secs(1);
        }
    };
    exchange_for(&mut ledbat, Duration::from_secs(120), ms(20));
    assert_eq!(ledbat.base_delay(), Some(ms(20)));

    // The route changes to a longer path: at first that looks like queuing.
    exchange_for(&mut ledbat, history - Duration::from_secs(120), ms(80));
    assert_eq!(ledbat.base_delay(), Some(ms(20)));
    assert_eq!(ledbat.queuing_delay(), ms(60));
    assert_eq!(ledbat.window_bytes(), 2 * mss());

    // Once the old minima have expired, the new path is the base.
    exchange_for(&mut ledbat, Duration::from_secs(120), ms(80));
    assert_eq!(ledbat.base_delay(), Some(ms(80)));
    assert_eq!(ledbat.queuing_delay(), Duration::ZERO);

    // A shorter path is adopted at once.
    exchange_for(&mut ledbat, Duration::from_secs(1), ms(5));
    assert_eq!(ledbat.base_delay(), Some(ms(5)));
    assert_eq!(ledbat.queuing_delay(), Duration::ZERO);
}

#[test]
fn loss_halves_the_window_at_most_once_per_rtt() {
    let (mut ledbat, Flow { now, .. }) = grown(20);
    assert_eq!(ledbat.srtt(), Some(ms(50)));
    let before = ledbat.window_bytes();
    let flight = ledbat.bytes_in_flight();
    ledbat.on_loss(now, mss());
    assert_eq!(ledbat.bytes_in_flight(), flight - mss());
    let halved = ledbat.window_bytes();
    assert!(halved.abs_diff(before / 2) <= 1, "{halved} from {before}");

    for later in [ms(1), ms(25), ms(49)] {
        ledbat.on_loss(now + later, mss());
        assert_eq!(ledbat.window_bytes(), halved);
    }
    ledbat.on_loss(now + ms(50), mss());
    assert!(
        ledbat.window_bytes().abs_diff(halved / 2) <= 1,
        "{} from {halved}",
        ledbat.window_bytes()
    );

    for round_trip in 2..20 {
        ledbat.on_loss(now + ms(50) * round_trip, 0);
    }
    assert_eq!(ledbat.window_bytes(), 2 * mss());
}

#[test]
fn timeout_collapses_the_window_and_backs_off_the_rto() {
    let (mut ledbat, Flow { now, .. }) = grown(20);
    assert_eq!(ledbat.rto(), MIN_RTO);
    assert!(ledbat.bytes_in_flight() > 0);

    ledbat.on_timeout(now);
    assert_eq!(ledbat.window_bytes(), mss());
    assert_eq!(ledbat.bytes_in_flight(), 0);
    assert_eq!(ledbat.rto(), MIN_RTO * 2);
    ledbat.on_timeout(now + MIN_RTO * 2);
    assert_eq!(ledbat.rto(), MIN_RTO * 4);
    for _ in 0..40 {
        ledbat.on_timeout(now);
    }
    assert_eq!(ledbat.rto(), MAX_RTO);
    assert_eq!(ledbat.window_bytes(), mss());

    // Recovery: the next ACK restores MIN_CWND, its round trip clears the backoff.
    let later = now + Duration::from_secs(100);
    ledbat.on_send(later, mss());
    ledbat.on_ack(later + ms(50), mss(), ms(20), Some(ms(50)));
    assert_eq!(ledbat.window_bytes(), 2 * mss());
    assert_eq!(ledbat.rto(), MIN_RTO);
}

#[test]
fn rto_follows_rfc_6298() {
    let mut ledbat = Ledbat::default();
    let now = Instant::now();
    assert_eq!(
        (ledbat.srtt(), ledbat.rto()),
        (None, Duration::from_secs(1))
    );
    ledbat.on_timeout(now);
    assert_eq!(ledbat.rto(), Duration::from_secs(2));

    // First sample: SRTT = R, RTTVAR = R/2.
    ledbat.on_ack(now, 0, ms(20), Some(ms(100)));
    assert_eq!((ledbat.srtt(), ledbat.rto()), (Some(ms(100)), ms(300)));
    // Then RTTVAR = 3/4·50 + 1/4·|100 − 200| = 62.5, SRTT = 7/8·100 + 1/8·200 = 112.5.
    ledbat.on_ack(now, 0, ms(20), Some(ms(200)));
    let micros = Duration::from_micros;
    assert_eq!(ledbat.srtt(), Some(micros(112_500)));
    assert_eq!(ledbat.rto(), micros(112_500 + 4 * 62_500));
    // Absurd samples are capped, and so is the timeout.
    ledbat.on_ack(now, 0, ms(20), Some(Duration::MAX));
    assert_eq!(ledbat.rto(), MAX_RTO);
    // Small ones meet the floor.
    for _ in 0..100 {
        ledbat.on_ack(now, 0, ms(20), Some(ms(1)));
    }
    assert_eq!(ledbat.rto(), MIN_RTO);
}

#[test]
fn extreme_delay_samples_never_panic_or_leave_the_window_bounds() {
    let extremes = [
        Duration::ZERO,
        Duration::from_micros(1),
        Duration::from_micros(u64::MAX),
        Duration::from_micros(u64::MAX / 2),
        Duration::from_micros(1 << 63),
        Duration::from_secs(3600),
        Duration::MAX,
    ];
    for first in extremes {
        for second in extremes {
            let mut ledbat = Ledbat::default();
            let mut now = Instant::now();
            for sample in [first, second, first, second] {
                exchange(&mut ledbat, now, sample);
                now += ms(10);
                let window = ledbat.window_bytes();
                assert!((2 * mss()..=ledbat.config().max_cwnd_bytes).contains(&window));
            }
            // Whatever came first, a sender with sane samples grows again.
            let mut flow = Flow {
                now,
                acks_due: VecDeque::new(),
            };
            flow.run(&mut ledbat, 10, ms(50), ms(20));
            assert!(ledbat.window_bytes() > 2 * mss());
        }
    }
}

#[test]
fn isolated_far_off_delay_samples_are_ignored() {
    let (mut ledbat, mut flow) = grown(10);
    let base = ledbat.base_delay();
    let hour = 3_600_000_000_u64;
    let far_off = [
        Duration::from_micros(20_000 + hour),
        Duration::from_micros(20_000_u64.wrapping_sub(hour)),
        Duration::from_micros(u64::MAX / 2),
        Duration::from_micros(1 << 63),
    ];
    for sample in far_off {
        let window = ledbat.window_bytes();
        exchange(&mut ledbat, flow.now, sample);
        assert_eq!(ledbat.window_bytes(), window, "{sample:?} moved the window");
        assert_eq!(ledbat.base_delay(), base);
        assert_eq!(ledbat.queuing_delay(), Duration::ZERO);
        flow.run(&mut ledbat, 1, ms(50), ms(20));
    }
}

#[test]
fn zero_and_all_ones_samples_are_nearby_delays_modulo_2_pow_64() {
    // 0 and u64::MAX µs (−1 µs; also what `Duration::MAX` truncates to) lie 20 ms below a
    // 20 ms path: plausible new minima, as from a receiver whose clock is 20 ms behind.
    for low in [
        Duration::ZERO,
        Duration::from_micros(u64::MAX),
        Duration::MAX,
    ] {
        let (mut ledbat, Flow { now, .. }) = grown(10);
        exchange(&mut ledbat, now, low);
        assert_eq!(
            ledbat.base_delay(),
            Some(low.min(Duration::from_micros(u64::MAX)))
        );
        for _ in 0..ledbat.config().current_filter {
            exchange(&mut ledbat, now, ms(20));
        }
        assert!(ledbat.queuing_delay() >= ms(20));
        assert!(ledbat.window_bytes() >= 2 * mss());
    }
}

#[test]
fn a_clock_step_is_adopted_after_a_run_of_outliers() {
    let (mut ledbat, mut flow) = grown(10);
    let stepped = Duration::from_secs(3600) + ms(20);
    for _ in 0..7 {
        exchange(&mut ledbat, flow.now, stepped);
        assert_eq!(ledbat.base_delay(), Some(ms(20)));
    }
    exchange(&mut ledbat, flow.now, stepped);
    assert_eq!(ledbat.base_delay(), Some(stepped));
    assert_eq!(ledbat.queuing_delay(), Duration::ZERO);
    let window = ledbat.window_bytes();
    flow.run(&mut ledbat, 1, ms(50), stepped);
    assert!(ledbat.window_bytes() > window);
}

#[test]
fn sending_after_an_idle_rto_restarts_from_the_initial_window() {
    let (mut ledbat, Flow { now, .. }) = grown(20);
    let window = ledbat.window_bytes();
    assert!(window > 2 * mss());
    // The last DATA went out at `now`; the timeout is 200 ms.
    ledbat.on_send(now + ms(200), mss());
    assert_eq!(ledbat.window_bytes(), window);
    ledbat.on_send(now + ms(401), mss());
    assert_eq!(ledbat.window_bytes(), 2 * mss());
}

#[test]
fn pacing_spreads_one_window_over_one_srtt() {
    assert_eq!(Ledbat::default().pacing_interval(mss()), None);
    let (ledbat, _) = grown(20);
    let window = u32::try_from(ledbat.window_bytes()).unwrap();
    let per_datagram = ms(50) * u32::try_from(mss()).unwrap() / window;
    let interval = ledbat.pacing_interval(mss()).unwrap();
    assert!(interval.abs_diff(per_datagram) <= Duration::from_nanos(1));
    assert!(ledbat.pacing_interval(u64::MAX).is_some());
}

/// Something the engine may report.
#[derive(Debug, Clone)]
enum Event {
    Send(u64),
    Ack {
        bytes: u64,
        delay: Duration,
        rtt: Option<Duration>,
    },
    Loss(u64),
    Timeout,
    Wait(Duration),
}

fn bytes() -> impl Strategy<Value = u64> {
    prop_oneof![0..5_000_u64, any::<u64>()]
}

fn event() -> impl Strategy<Value = Event> {
    let delay = prop_oneof![0..200_000_u64, any::<u64>()].prop_map(Duration::from_micros);
    let rtt = proptest::option::of((0..120_000_u64).prop_map(ms));
    prop_oneof![
        3 => bytes().prop_map(Event::Send),
        3 => (bytes(), delay, rtt).prop_map(|(bytes, delay, rtt)| Event::Ack { bytes, delay, rtt }),
        1 => bytes().prop_map(Event::Loss),
        1 => Just(Event::Timeout),
        2 => prop_oneof![0..1_000_u64, 0..1_200_000_u64].prop_map(|millis| Event::Wait(ms(millis))),
    ]
}

/// Any valid configuration.
fn config() -> impl Strategy<Value = LedbatConfig> {
    let windows = (1..=65_507_u64, 1..=2_u32, 0..=3_u32, 0..=1_000_u64);
    let delays = (1..=100_u64, 0.01..=1.0_f64, 10..=1_200_u64, 1..=16_usize);
    (windows, delays).prop_map(
        |((mss, min, extra, max_factor), (target, gain, history, filter))| {
            let limit = match mss {
                0..=1095 => 4,
                1096..=2190 => 3,
                _ => 2,
            };
            let initial = (min + extra).min(limit);
            LedbatConfig {
                target: ms(target),
                gain,
                mss,
                min_cwnd_packets: min,
                initial_cwnd_packets: initial,
                base_history: Duration::from_secs(history),
                current_filter: filter,
                max_cwnd_bytes: u64::from(initial) * mss * (1 + max_factor),
            }
        },
    )
}

proptest! {
    #[test]
    fn arbitrary_event_sequences_keep_the_window_in_bounds(
        config in config(),
        events in proptest::collection::vec(event(), 0..200),
    ) {
        let mut ledbat = Ledbat::new(config.clone()).unwrap();
        let mut now = Instant::now();
        let mut timed_out = false;
        for event in events {
            match event {
                Event::Send(bytes) => ledbat.on_send(now, bytes),
                Event::Ack { bytes, delay, rtt } => {
                    ledbat.on_ack(now, bytes, delay, rtt);
                    timed_out = false;
                }
                Event::Loss(bytes) => ledbat.on_loss(now, bytes),
                Event::Timeout => {
                    ledbat.on_timeout(now);
                    timed_out = true;
                }
                Event::Wait(wait) => now += wait,
            }
            let floor = if timed_out { config.mss } else { config.min_window() };
            let window = ledbat.window_bytes();
            prop_assert!((floor..=config.max_cwnd_bytes).contains(&window), "window {}", window);
            prop_assert!((MIN_RTO..=MAX_RTO).contains(&ledbat.rto()));
            prop_assert!(ledbat.pacing_interval(u64::MAX).is_none() == ledbat.srtt().is_none());
            let _ = (ledbat.queuing_delay(), ledbat.base_delay(), ledbat.can_send(u64::MAX));
        }
    }
}
