//! The kill and pause nemeses as the loop carries them out: SIGKILL, and later a
//! fresh process of the same command that gets `init` again and takes traffic
//! once it answers; SIGSTOP, and later SIGCONT. Node states decide routing (a
//! node down takes no messages); spans and events go to the report.

use super::{INIT_CLIENT, Loop, MAX_NODE_EVENTS, NodeEvent, NodeFaultSpan};
use crate::harness::process::Signal;
use crate::sim::process_faults::{ProcessAction, TargetSpec};
use std::fmt::Write;

/// How long a restarted node gets to answer `init`, µs (as at start-up).
pub(super) const RESTART_INIT_TIMEOUT: u64 = 10_000_000;

/// A node as the kill and pause nemeses left it.
#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub(super) enum NodeState {
    /// Running.
    Up,
    /// Stopped by SIGSTOP: messages still reach it and wait on its stdin.
    Paused,
    /// Killed: messages to it are dropped.
    Down,
    /// Restarted at `since` (loop clock, µs) and sent `init` with msg id
    /// `init`; until it answers that (by `deadline`) only the init reaches it.
    Starting {
        since: u64,
        deadline: u64,
        init: u64,
    },
}

impl NodeState {
    /// Whether a message from `src` is delivered to a node in this state.
    pub(super) fn accepts(self, src: &str) -> bool {
        match self {
            NodeState::Up | NodeState::Paused => true,
            NodeState::Down => false,
            NodeState::Starting { .. } => src == INIT_CLIENT,
        }
    }
}

/// A kill or pause in effect: the start of its span.
#[derive(Clone, Debug)]
pub(super) struct OpenFault {
    start_us: u64,
    targets: &'static str,
    nodes: Vec<String>,
    description: String,
}

impl Loop {
    /// Carries out the kill/pause schedule's step due at `now`, if any, and
    /// gives up on restarted nodes that never answered `init`.
    pub(super) fn fault_step(&mut self, now: u64) {
        self.check_restarts(now);
        let Some(faults) = self.faults.as_mut() else {
            return;
        };
        if now - self.t0 < faults.next_at() {
            return;
        }
        match faults.step(&self.cfg.node_ids, &mut self.fault_rng) {
            ProcessAction::Kill(spec, nodes) => self.kill(now, spec, &nodes),
            ProcessAction::Restart => self.restart_all(now),
            ProcessAction::Pause(spec, nodes) => self.pause(now, spec, &nodes),
            ProcessAction::Resume => self.resume_all(now),
        }
    }

    /// Ends the schedule and every fault in effect: paused nodes resume, killed
    /// nodes restart (Jepsen's final generator).
    pub(super) fn end_faults(&mut self, now: u64) {
        self.faults = None;
        self.resume_all(now);
        self.restart_all(now);
    }

    /// When the loop must next look at faults: the schedule's next step or a
    /// restarted node's init deadline.
    pub(super) fn next_fault_at(&self) -> Option<u64> {
        let step = self.faults.as_ref().map(|f| f.next_at() + self.t0);
        let init = self.node_state.iter().filter_map(|s| match s {
            NodeState::Starting { deadline, .. } => Some(*deadline),
            _ => None,
        });
        step.into_iter().chain(init).min()
    }

    /// True while a restarted node has not answered `init` yet.
    pub(super) fn restarting(&self) -> bool {
        self.node_state
            .iter()
            .any(|s| matches!(s, NodeState::Starting { .. }))
    }

    /// For the status line: which nodes are down or paused (empty when none).
    pub(super) fn fault_label(&self) -> String {
        let list = |want: fn(&NodeState) -> bool| -> Vec<&str> {
            self.cfg
                .node_ids
                .iter()
                .zip(&self.node_state)
                .filter(|(_, s)| want(s))
                .map(|(id, _)| id.as_str())
                .collect()
        };
        let down = list(|s| matches!(s, NodeState::Down | NodeState::Starting { .. }));
        let paused = list(|s| *s == NodeState::Paused);
        let mut parts = Vec::new();
        if !down.is_empty() {
            parts.push(format!("down {}", down.join(",")));
        }
        if !paused.is_empty() {
            parts.push(format!("paused {}", paused.join(",")));
        }
        parts.join("  ")
    }

    /// Node `node` answered the init client's message `in_reply_to` with
    /// `init_ok`: a restarted node is up once it answers its own `init` (not a
    /// late answer of an incarnation killed since).
    pub(super) fn on_init_ok(&mut self, now: u64, node: usize, in_reply_to: Option<u64>) {
        if let Some(NodeState::Starting { since, init, .. }) = self.node_state.get(node).copied()
            && in_reply_to == Some(init)
        {
            self.node_state[node] = NodeState::Up;
            let ms = now.saturating_sub(since) as f64 / 1e3;
            let id = self.cfg.node_ids[node].clone();
            self.node_event(now, &id, "init_ok", format!("{ms:.0} ms after its restart"));
            self.notice(
                now,
                format!("{id} is back (init_ok {ms:.0} ms after its restart)"),
            );
        }
    }

    /// Resumes paused nodes and closes the fault spans, before shutdown.
    pub(super) fn settle_faults(&mut self, now: u64) {
        self.resume_all(now);
        self.close_kill(now);
        self.out.node_faults.sort_by_key(|f| f.start_us);
    }

    fn kill(&mut self, now: u64, spec: TargetSpec, nodes: &[String]) {
        let (mut hit, mut skipped) = (Vec::new(), Vec::new());
        for id in nodes {
            let Some(i) = self.index(id) else { continue };
            if self.node_state[i] == NodeState::Down {
                skipped.push(id.clone());
                continue;
            }
            match self.nodes.kill(i) {
                Ok(()) => {
                    self.node_state[i] = NodeState::Down;
                    self.node_event(now, id, "killed", String::new());
                    hit.push(id.clone());
                }
                Err(e) => self.node_event(now, id, "error", format!("kill: {e}")),
            }
        }
        self.close_kill(now);
        self.open_kill = Some(self.open(now, "kill", spec, hit, &skipped));
    }

    fn restart_all(&mut self, now: u64) {
        self.close_kill(now);
        let mut back = Vec::new();
        for i in 0..self.node_state.len() {
            if self.node_state[i] != NodeState::Down {
                continue;
            }
            let id = self.cfg.node_ids[i].clone();
            match self.nodes.restart(i) {
                Ok(()) => {
                    let init = self.send_init_to(now, i);
                    self.node_state[i] = NodeState::Starting {
                        since: now,
                        deadline: now + RESTART_INIT_TIMEOUT,
                        init,
                    };
                    self.node_event(now, &id, "restarted", String::new());
                    back.push(id);
                }
                Err(e) => {
                    self.out.errors.push(format!("cannot restart {id}: {e}"));
                    self.abort = true;
                }
            }
        }
        if !back.is_empty() {
            self.notice(now, format!("restart {}", back.join(",")));
        }
    }

    fn pause(&mut self, now: u64, spec: TargetSpec, nodes: &[String]) {
        let (mut hit, mut skipped) = (Vec::new(), Vec::new());
        for id in nodes {
            let Some(i) = self.index(id) else { continue };
            // A node down or still starting has nothing to pause.
            if self.node_state[i] != NodeState::Up {
                skipped.push(id.clone());
                continue;
            }
            match self.nodes.signal(i, Signal::Stop) {
                Ok(()) => {
                    self.node_state[i] = NodeState::Paused;
                    self.node_event(now, id, "paused", String::new());
                    hit.push(id.clone());
                }
                Err(e) => self.node_event(now, id, "error", format!("pause: {e}")),
            }
        }
        self.close_pause(now);
        self.open_pause = Some(self.open(now, "pause", spec, hit, &skipped));
    }

    fn resume_all(&mut self, now: u64) {
        self.close_pause(now);
        let mut back = Vec::new();
        for i in 0..self.node_state.len() {
            if self.node_state[i] != NodeState::Paused {
                continue;
            }
            let id = self.cfg.node_ids[i].clone();
            // Up either way: a failed SIGCONT means the process is gone, which
            // its closed stdout reports as a crash.
            self.node_state[i] = NodeState::Up;
            match self.nodes.signal(i, Signal::Cont) {
                Ok(()) => {
                    self.node_event(now, &id, "resumed", String::new());
                    back.push(id);
                }
                Err(e) => self.node_event(now, &id, "error", format!("resume: {e}")),
            }
        }
        if !back.is_empty() {
            self.notice(now, format!("resume {}", back.join(",")));
        }
    }

    /// Restarted nodes that did not answer `init` in time stop the run.
    fn check_restarts(&mut self, now: u64) {
        for i in 0..self.node_state.len() {
            if let NodeState::Starting { deadline, .. } = self.node_state[i]
                && now >= deadline
            {
                self.node_state[i] = NodeState::Up;
                self.out.errors.push(format!(
                    "no init_ok from {} within {} s of its restart",
                    self.cfg.node_ids[i],
                    RESTART_INIT_TIMEOUT / 1_000_000
                ));
                self.abort = true;
            }
        }
    }

    /// Starts a span: `fault` of the nodes `spec` picked, `nodes` hit and
    /// `skipped` not (down, or not running).
    fn open(
        &mut self,
        now: u64,
        fault: &str,
        spec: TargetSpec,
        nodes: Vec<String>,
        skipped: &[String],
    ) -> OpenFault {
        let mut description = format!("{fault} {}: ", spec.name());
        if nodes.is_empty() {
            description.push_str("nobody");
        } else {
            description.push_str(&nodes.join(","));
        }
        if !skipped.is_empty() {
            let _ = write!(description, " ({} not running)", skipped.join(","));
        }
        self.notice(now, description.clone());
        OpenFault {
            start_us: now.saturating_sub(self.t0),
            targets: spec.name(),
            nodes,
            description,
        }
    }

    fn close_kill(&mut self, now: u64) {
        if let Some(f) = self.open_kill.take() {
            self.close(now, "kill", f);
        }
    }

    fn close_pause(&mut self, now: u64) {
        if let Some(f) = self.open_pause.take() {
            self.close(now, "pause", f);
        }
    }

    fn close(&mut self, now: u64, fault: &str, f: OpenFault) {
        self.out.node_faults.push(NodeFaultSpan {
            fault: fault.into(),
            targets: f.targets.into(),
            nodes: f.nodes,
            start_us: f.start_us,
            end_us: now.saturating_sub(self.t0),
            description: f.description,
        });
    }

    fn node_event(&mut self, now: u64, node: &str, event: &str, detail: String) {
        self.out.node_event_count += 1;
        if self.out.node_events.len() < MAX_NODE_EVENTS {
            self.out.node_events.push(NodeEvent {
                time_s: self.rel_s(now),
                node: node.into(),
                event: event.into(),
                detail,
            });
        }
    }

    fn notice(&mut self, now: u64, what: String) {
        self.notices
            .push(format!("{:>6.1} s  {what}", self.rel_s(now)));
    }

    fn index(&self, id: &str) -> Option<usize> {
        self.cfg.node_ids.iter().position(|n| n == id)
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn only_the_init_reaches_a_restarted_node_and_nothing_a_dead_one() {
        let starting = NodeState::Starting {
            since: 0,
            deadline: 1,
            init: 7,
        };
        assert!(starting.accepts(INIT_CLIENT));
        assert!(!starting.accepts("c3") && !starting.accepts("n1"));
        assert!(!NodeState::Down.accepts(INIT_CLIENT));
        assert!(NodeState::Paused.accepts("n1") && NodeState::Up.accepts("c3"));
    }
}
