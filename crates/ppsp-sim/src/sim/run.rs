//! Running: stepping through the event queue, bounded by virtual time and by the livelock
//! guards.

use std::rc::Rc;
use std::time::Duration;

use super::{Action, Life, Simulator};
use crate::error::SimError;
use crate::node::SimNode;

/// How a bounded run ended, when it ended without an error.
enum Outcome {
    Done,
    Deadline,
    Idle,
}

impl<N: SimNode> Simulator<N> {
    /// Processes the earliest scheduled item. Returns `false` when nothing is scheduled.
    ///
    /// # Errors
    ///
    /// [`SimError::MtuExceeded`] in strict-MTU mode.
    pub fn step(&mut self) -> Result<bool, SimError> {
        self.flush()?;
        if self.next_due().is_none() {
            return Ok(false);
        }
        self.process_next()?;
        Ok(true)
    }

    /// Processes everything due up to offset `deadline`, then moves the clock there.
    ///
    /// # Errors
    ///
    /// A livelock guard tripped, or [`SimError::MtuExceeded`] in strict-MTU mode.
    pub fn run_until(&mut self, deadline: Duration) -> Result<(), SimError> {
        self.drive(deadline, |_| false)?;
        self.clock.advance_to(deadline.max(self.elapsed()));
        Ok(())
    }

    /// Runs for `duration` of virtual time.
    ///
    /// # Errors
    ///
    /// As [`run_until`](Self::run_until).
    pub fn run_for(&mut self, duration: Duration) -> Result<(), SimError> {
        self.run_until(self.elapsed() + duration)
    }

    /// Runs until `done` holds (checked before every step), for at most `max_time` of virtual
    /// time, and returns the offset at which it held.
    ///
    /// # Errors
    ///
    /// [`SimError::TimedOut`] after `max_time` (the clock is then `max_time` later),
    /// [`SimError::Idle`] when nothing is left to happen, a livelock guard, or
    /// [`SimError::MtuExceeded`] in strict-MTU mode.
    pub fn run_until_condition(
        &mut self,
        done: impl FnMut(&Self) -> bool,
        max_time: Duration,
    ) -> Result<Duration, SimError> {
        let deadline = self.elapsed() + max_time;
        match self.drive(deadline, done)? {
            Outcome::Done => Ok(self.elapsed()),
            Outcome::Deadline => {
                self.clock.advance_to(deadline);
                Err(SimError::TimedOut {
                    limit: max_time,
                    summary: Box::new(self.summary()),
                })
            }
            Outcome::Idle => Err(SimError::Idle {
                summary: Box::new(self.summary()),
            }),
        }
    }

    /// The bounded loop under every run method.
    fn drive(
        &mut self,
        deadline: Duration,
        mut done: impl FnMut(&Self) -> bool,
    ) -> Result<Outcome, SimError> {
        self.flush()?;
        let mut steps = 0;
        let mut steps_this_instant = 0;
        loop {
            if done(self) {
                return Ok(Outcome::Done);
            }
            let at = match self.next_due() {
                None => return Ok(Outcome::Idle),
                Some(at) if at > deadline => return Ok(Outcome::Deadline),
                Some(at) => at,
            };
            steps += 1;
            if steps > self.max_steps {
                let summary = Box::new(self.summary());
                return Err(SimError::StepLimit {
                    steps: self.max_steps,
                    summary,
                });
            }
            steps_this_instant = if at == self.elapsed() {
                steps_this_instant + 1
            } else {
                1
            };
            if steps_this_instant > self.max_steps_per_instant {
                let summary = Box::new(self.summary());
                return Err(SimError::TimeStalled {
                    steps: self.max_steps_per_instant,
                    summary,
                });
            }
            self.process_next()?;
        }
    }

    /// The time of the earliest live item, discarding stale timeouts on the way, so that a
    /// deadline is compared with something that will actually happen.
    fn next_due(&mut self) -> Option<Duration> {
        while let Some((at, action)) = self.schedule.peek() {
            let stale =
                matches!(action, Action::Timeout(id) if self.slots[id.index()].timer != Some(at));
            if !stale {
                return Some(at);
            }
            self.schedule.pop();
        }
        None
    }

    fn process_next(&mut self) -> Result<(), SimError> {
        let Some((at, action)) = self.schedule.pop() else {
            return Ok(());
        };
        self.clock.advance_to(at);
        self.steps += 1;
        match action {
            Action::Deliver { from, to, data } => self.deliver(from, to, data),
            Action::Timeout(id) => {
                let slot = &mut self.slots[id.index()];
                slot.timer = None;
                if let Life::Live(node) = &mut slot.life {
                    node.handle_timeout(self.clock.now());
                }
                self.drain(id)
            }
            Action::Join(id, spawn) => self.join_and_drain(id, spawn),
            Action::ChurnJoin(id, script) => {
                let spawn = Rc::clone(&self.churns[script].spawn);
                self.join_and_drain(id, &*spawn)
            }
            Action::Leave(id) => {
                self.remove_node(id);
                Ok(())
            }
            Action::ChurnRound(script) => {
                self.churn_round(script);
                Ok(())
            }
        }
    }
}
