//! Commands given to a node between steps go out at the current virtual time, and events are
//! stamped with the time they were reported.

use ppsp_sim::{SimConfig, Simulator};

use crate::toys::Probe;
use crate::{arrivals, ms};

#[test]
fn commands_through_node_mut_are_sent_at_the_current_time() {
    let mut sim = Simulator::new(SimConfig::new(1));
    let epoch = sim.start();
    let a = sim.add_node(|_| Probe::sink(epoch));
    let b = sim.add_node(|_| Probe::sink(epoch));
    sim.run_for(ms(1_234)).unwrap();
    assert_eq!(sim.now() - sim.start(), ms(1_234));
    let now = sim.now();
    sim.node_mut(a).send_now(now, b.addr(), 7, 40);
    assert!(sim.step().unwrap());
    let received = arrivals(&sim, b);
    assert_eq!(received.len(), 1);
    let (at, arrival) = received[0];
    assert_eq!(
        (at, arrival.sent, arrival.seq, arrival.from),
        (ms(1_244), ms(1_234), 7, a.addr())
    );
    assert_eq!(sim.take_events(b).len(), 1);
    assert!(sim.events(b).is_empty());
    assert_eq!(sim.elapsed(), ms(1_244));
    assert_eq!(sim.steps(), 1);
}
