//! Runs a scenario script against `raft_kv::raft::Raft` peers and renders what
//! happens, one line per event. The format is described in `README.md` next to
//! this file.

use raft_kv::raft::{
    Config, Data, Entry, HardState, Log, Message, NodeId, Persist, Raft, Recovered, Role, Snapshot,
};
use std::collections::{BTreeMap, BTreeSet, VecDeque};
use std::fmt::Write as _;

const MS: u64 = 1000;

/// What a peer's host has written to stable storage.
#[derive(Default)]
struct Disk {
    hard_state: HardState,
    snapshot: Option<Snapshot>,
    entries: BTreeMap<u64, Entry>,
}

impl Disk {
    fn write(&mut self, p: &Persist) {
        if let Some(hs) = &p.hard_state {
            self.hard_state = hs.clone();
        }
        if let Some(s) = &p.snapshot {
            self.entries = self.entries.split_off(&(s.index + 1));
            self.snapshot = Some(s.clone());
        }
        if let Some(u) = &p.entries {
            self.entries.retain(|&i, _| i < u.from);
            for (i, e) in (u.from..).zip(&u.entries) {
                self.entries.insert(i, e.clone());
            }
        }
    }

    fn recovered(&self) -> Recovered {
        let after = self.snapshot.as_ref().map_or(0, |s| s.index);
        Recovered {
            hard_state: self.hard_state.clone(),
            snapshot: self.snapshot.clone(),
            entries: self
                .entries
                .range(after + 1..)
                .map(|(_, e)| e.clone())
                .collect(),
        }
    }
}

/// One peer with its clock, its host's storage and its state machine: the list
/// of commands applied.
struct Peer {
    raft: Raft,
    now: u64,
    disk: Disk,
    state: Vec<String>,
    /// (role, term, leader) as last printed.
    shown: (Role, u64, Option<String>),
}

struct Envelope {
    from: NodeId,
    to: NodeId,
    msg: Message,
}

/// The cluster, the network between its peers and the transcript.
pub struct World {
    ids: Vec<NodeId>,
    config: Config,
    seed: u64,
    peers: BTreeMap<NodeId, Peer>,
    queue: VecDeque<Envelope>,
    /// Partition groups (empty: none) and single cut links.
    groups: Vec<BTreeSet<NodeId>>,
    cut: BTreeSet<(NodeId, NodeId)>,
    out: String,
    /// Invariants: the leader of each term, and what was applied at each index.
    leaders: BTreeMap<u64, NodeId>,
    applied: BTreeMap<u64, (u64, String)>,
}

/// Runs `script`; returns the transcript, or the line that failed and why.
pub fn run(script: &str) -> Result<String, String> {
    let mut world: Option<World> = None;
    let mut out = String::new();
    for (n, line) in script.lines().enumerate() {
        let trimmed = line.trim();
        if trimmed.is_empty() || trimmed.starts_with('#') {
            out.push_str(line.trim_end());
            out.push('\n');
            continue;
        }
        out.push_str(&format!("> {trimmed}\n"));
        let words: Vec<&str> = trimmed.split_whitespace().collect();
        let result = match (&mut world, words[0]) {
            (None, "nodes") => World::new(&words[1..]).map(|w| {
                world = Some(w);
            }),
            (None, _) => Err("the script must start with `nodes N`".into()),
            (Some(w), _) => w.command(&words),
        };
        result.map_err(|e| format!("line {}: {trimmed}: {e}", n + 1))?;
        if let Some(w) = world.as_mut() {
            out.push_str(&std::mem::take(&mut w.out));
            w.check_invariants()
                .map_err(|e| format!("after line {}: {trimmed}: {e}", n + 1))?;
        }
    }
    Ok(out)
}

fn parse_duration(s: &str) -> Result<u64, String> {
    let (num, unit) = s
        .find(|c: char| !c.is_ascii_digit())
        .map(|i| s.split_at(i))
        .ok_or_else(|| format!("`{s}`: a duration needs a unit (us, ms, s)"))?;
    let n: u64 = num.parse().map_err(|_| format!("bad duration `{s}`"))?;
    match unit {
        "us" => Ok(n),
        "ms" => Ok(n * MS),
        "s" => Ok(n * 1000 * MS),
        _ => Err(format!("`{s}`: unknown unit (us, ms, s)")),
    }
}

fn on_off(key: &str, v: &str) -> Result<bool, String> {
    match v {
        "on" => Ok(true),
        "off" => Ok(false),
        _ => Err(format!("{key}: on or off, not `{v}`")),
    }
}

impl World {
    fn new(args: &[&str]) -> Result<World, String> {
        let n: usize = args
            .first()
            .and_then(|a| a.parse().ok())
            .filter(|n| (1..=9).contains(n))
            .ok_or("nodes N (1..=9) [key=value ...]")?;
        let mut config = Config::default();
        let mut seed = 0;
        for kv in &args[1..] {
            let (k, v) = kv.split_once('=').ok_or(format!("`{kv}`: key=value"))?;
            let num = || v.parse::<u64>().map_err(|_| format!("{k}: a number"));
            match k {
                "prevote" => config.pre_vote = on_off(k, v)?,
                "checkquorum" => config.check_quorum = on_off(k, v)?,
                "election-timeout" => config.election_timeout = parse_duration(v)?,
                "heartbeat" => config.heartbeat_interval = parse_duration(v)?,
                "max-inflight" => config.max_inflight = num()? as usize,
                "max-entries" => config.max_entries_per_message = num()? as usize,
                "max-bytes" => config.max_bytes_per_message = num()? as usize,
                "seed" => seed = num()?,
                _ => return Err(format!("unknown option `{k}`")),
            }
        }
        let ids: Vec<NodeId> = (1..=n).map(|i| format!("n{i}")).collect();
        let mut world = World {
            ids: ids.clone(),
            config,
            seed,
            peers: BTreeMap::new(),
            queue: VecDeque::new(),
            groups: Vec::new(),
            cut: BTreeSet::new(),
            out: String::new(),
            leaders: BTreeMap::new(),
            applied: BTreeMap::new(),
        };
        for id in &ids {
            let raft = world.build(id, 0, None)?;
            let shown = (Role::Follower, 0, None);
            let peer = Peer {
                raft,
                now: 0,
                disk: Disk::default(),
                state: Vec::new(),
                shown,
            };
            world.peers.insert(id.clone(), peer);
            world.after(id);
        }
        Ok(world)
    }

    fn build(&self, id: &str, now: u64, recovered: Option<Recovered>) -> Result<Raft, String> {
        let index = self.ids.iter().position(|i| i == id).unwrap_or(0) as u64;
        let seed = self.seed * 1000 + index + 1;
        Raft::restart(
            id.into(),
            &self.ids,
            self.config.clone(),
            seed,
            now,
            recovered,
        )
    }

    fn peer(&mut self, id: &str) -> Result<&mut Peer, String> {
        self.peers
            .get_mut(id)
            .ok_or_else(|| format!("no node `{id}`"))
    }

    fn line(&mut self, text: impl AsRef<str>) {
        self.out.push_str(text.as_ref());
        self.out.push('\n');
    }

    fn command(&mut self, words: &[&str]) -> Result<(), String> {
        let args = &words[1..];
        match words[0] {
            "campaign" => {
                let [id] = args else {
                    return Err("campaign NODE".into());
                };
                let p = self.peer(id)?;
                if p.raft.is_leader() {
                    return Err(format!("{id} is the leader"));
                }
                p.now = p.now.max(p.raft.next_deadline());
                let now = p.now;
                p.raft.tick(now);
                self.after(id);
            }
            "tick" => {
                let (nodes, dt) = match args.split_last() {
                    Some((last, nodes)) if last.starts_with(|c: char| c.is_ascii_digit()) => {
                        (nodes.to_vec(), Some(parse_duration(last)?))
                    }
                    _ => (args.to_vec(), None),
                };
                let nodes: Vec<String> = if nodes.is_empty() {
                    self.ids.clone()
                } else {
                    nodes.iter().map(|s| s.to_string()).collect()
                };
                for id in nodes {
                    let p = self.peer(&id)?;
                    p.now = match dt {
                        Some(dt) => p.now + dt,
                        None => p.now.max(p.raft.next_deadline()),
                    };
                    let now = p.now;
                    p.raft.tick(now);
                    self.after(&id);
                }
            }
            "propose" => {
                let [id, text @ ..] = args else {
                    return Err("propose NODE COMMAND...".into());
                };
                let data = Data::encode(&text.join(" ")).map_err(|e| e.to_string())?;
                let p = self.peer(id)?;
                match p.raft.propose(data) {
                    Some(index) => {
                        let term = p.raft.term();
                        self.line(format!("{id} appends {index}/{term} {}", text.join(" ")));
                    }
                    None => self.line(format!("{id} refuses the proposal: not the leader")),
                }
                self.after(id);
            }
            "read" => {
                let [id, ctx] = args else {
                    return Err("read NODE CONTEXT".into());
                };
                let ctx: u64 = ctx.parse().map_err(|_| "the read context is a number")?;
                let p = self.peer(id)?;
                if !p.raft.read_index(ctx) {
                    self.line(format!("{id} refuses read {ctx}: not the leader"));
                }
                self.after(id);
            }
            "deliver" => {
                let filter = Filter::parse(args)?;
                let batch: Vec<Envelope> = std::mem::take(&mut self.queue).into();
                for env in batch {
                    if filter.matches(&env) {
                        self.deliver(env);
                    } else {
                        self.queue.push_back(env);
                    }
                }
            }
            "drop" => {
                let filter = Filter::parse(args)?;
                let batch: Vec<Envelope> = std::mem::take(&mut self.queue).into();
                for env in batch {
                    if filter.matches(&env) {
                        self.line(format!("drop {}", render_envelope(&env)));
                    } else {
                        self.queue.push_back(env);
                    }
                }
            }
            "stabilize" => {
                let mut delivered = 0;
                while let Some(env) = self.queue.pop_front() {
                    delivered += 1;
                    if delivered > 10_000 {
                        return Err("no quiet after 10,000 messages".into());
                    }
                    self.deliver(env);
                }
            }
            "partition" => {
                let mut groups = vec![BTreeSet::new()];
                for a in args {
                    if *a == "|" {
                        groups.push(BTreeSet::new());
                    } else {
                        self.peer(a)?;
                        if let Some(g) = groups.last_mut() {
                            g.insert(a.to_string());
                        }
                    }
                }
                let listed: usize = groups.iter().map(BTreeSet::len).sum();
                if groups.len() < 2 || listed != self.ids.len() {
                    return Err("partition A B | C D ... naming every node once".into());
                }
                self.groups = groups;
                self.drop_cut_in_flight();
            }
            "cut" => {
                let [a, b] = args else {
                    return Err("cut NODE NODE".into());
                };
                self.peer(a)?;
                self.peer(b)?;
                self.cut.insert((a.to_string(), b.to_string()));
                self.cut.insert((b.to_string(), a.to_string()));
                self.drop_cut_in_flight();
            }
            "heal" => {
                self.groups.clear();
                self.cut.clear();
            }
            "compact" => {
                let (id, retain) = match args {
                    [id] => (*id, 0),
                    [id, r] => (
                        *id,
                        r.strip_prefix("retain=")
                            .and_then(|n| n.parse().ok())
                            .ok_or("compact NODE [retain=N]")?,
                    ),
                    _ => return Err("compact NODE [retain=N]".into()),
                };
                let p = self.peer(id)?;
                let index = p.raft.applied();
                let data = Data::encode(&p.state).map_err(|e| e.to_string())?;
                p.raft.compact(index, data, retain)?;
                let snap = p.raft.snapshot().cloned().ok_or("no snapshot")?;
                let text = format!(
                    "{id} snapshots {}/{} {}; its log keeps {}",
                    snap.index,
                    snap.term,
                    snap.data,
                    span(p.raft.log())
                );
                self.line(text);
                self.after(id);
            }
            "restart" => {
                let [id] = args else {
                    return Err("restart NODE".into());
                };
                let p = self.peer(id)?;
                let (recovered, now) = (p.disk.recovered(), p.now);
                let hs = recovered.hard_state.clone();
                let raft = self.build(id, now, Some(recovered))?;
                let p = self.peer(id)?;
                p.raft = raft;
                p.state.clear();
                p.shown = (Role::Follower, hs.term, None);
                let text = format!(
                    "{id} restarts: term={} vote={} commit={} log={}",
                    hs.term,
                    hs.vote.as_deref().unwrap_or("-"),
                    hs.commit,
                    span(p.raft.log())
                );
                self.line(text);
                self.after(id);
            }
            "status" => {
                let ids = if args.is_empty() {
                    self.ids.clone()
                } else {
                    args.iter().map(|s| s.to_string()).collect()
                };
                for id in ids {
                    let text = self.status(&id)?;
                    self.line(text);
                }
            }
            "log" => {
                let [id] = args else {
                    return Err("log NODE".into());
                };
                let p = self.peer(id)?;
                let log = p.raft.log();
                let mut text = format!("{id} log:");
                if let Some(s) = p.raft.snapshot() {
                    write!(text, " [snapshot {}/{}]", s.index, s.term).unwrap();
                }
                let entries: Vec<String> = (log.first_index()..=log.last_index())
                    .filter_map(|i| log.get(i).map(|e| render_entry(i, e)))
                    .collect();
                if entries.is_empty() {
                    text.push_str(" no entries");
                } else {
                    write!(text, " {}", entries.join(", ")).unwrap();
                }
                self.line(text);
            }
            "progress" => {
                let [id] = args else {
                    return Err("progress NODE".into());
                };
                let p = self.peer(id)?;
                let lines: Vec<String> = p
                    .raft
                    .progress()
                    .iter()
                    .map(|(f, pr)| {
                        format!(
                            "{id} progress {f}: {:?} match={} next={}{}",
                            pr.state,
                            pr.match_index,
                            pr.next_index,
                            if pr.inflight.is_empty() {
                                String::new()
                            } else {
                                format!(" inflight={:?}", pr.inflight)
                            }
                        )
                    })
                    .collect();
                if lines.is_empty() {
                    return Err(format!("{id} is not the leader"));
                }
                for l in lines {
                    self.line(l);
                }
            }
            "state" => {
                for id in self.ids.clone() {
                    let p = self.peer(&id)?;
                    let text = format!("{id} state: {:?}", p.state);
                    self.line(text);
                }
            }
            other => return Err(format!("unknown command `{other}`")),
        }
        Ok(())
    }

    fn status(&mut self, id: &str) -> Result<String, String> {
        let p = self.peer(id)?;
        let r = &p.raft;
        let log = r.log();
        let mut text = format!(
            "{id} {:?} term={} vote={} leader={} commit={} applied={} log={} last={}/{}",
            r.role(),
            r.term(),
            r.hard_state().1.unwrap_or("-"),
            r.leader().unwrap_or("-"),
            r.commit_index(),
            r.applied(),
            span(log),
            log.last_index(),
            log.last_term(),
        );
        if let Some(s) = r.snapshot() {
            write!(text, " snapshot={}/{}", s.index, s.term).unwrap();
        }
        Ok(text)
    }

    /// Messages in flight across a new cut are lost.
    fn drop_cut_in_flight(&mut self) {
        let batch: Vec<Envelope> = std::mem::take(&mut self.queue).into();
        for env in batch {
            if self.is_cut(&env.from, &env.to) {
                self.line(format!("drop {}", render_envelope(&env)));
            } else {
                self.queue.push_back(env);
            }
        }
    }

    fn is_cut(&self, a: &str, b: &str) -> bool {
        if self.cut.contains(&(a.to_owned(), b.to_owned())) {
            return true;
        }
        !self.groups.is_empty() && !self.groups.iter().any(|g| g.contains(a) && g.contains(b))
    }

    fn deliver(&mut self, env: Envelope) {
        if let Some(p) = self.peers.get_mut(&env.to) {
            let now = p.now;
            p.raft.step(now, &env.from, env.msg);
            let to = env.to;
            self.after(&to);
        }
    }

    /// Collects `id`'s round, as its host would (persist, restore, apply, serve
    /// reads, send), and prints it.
    fn after(&mut self, id: &str) {
        let mut lines = Vec::new();
        let mut sends = Vec::new();
        let Some(p) = self.peers.get_mut(id) else {
            return;
        };
        let shown = (
            p.raft.role(),
            p.raft.term(),
            p.raft.leader().map(String::from),
        );
        if shown != p.shown {
            let mut text = format!("{id} now {:?} term={}", shown.0, shown.1);
            if let Some(l) = shown.2.as_ref().filter(|_| shown.0 == Role::Follower) {
                write!(text, " leader={l}").unwrap();
            }
            lines.push(text);
            p.shown = shown;
        }
        let last_before = p.disk.entries.keys().next_back().copied().unwrap_or(0);
        let mut ready = p.raft.ready();
        if let Some(u) = &ready.persist.entries
            && u.from <= last_before
        {
            lines.push(format!("{id} log truncated from {}", u.from));
        }
        p.disk.write(&ready.persist);
        let receipt = ready.persist.persisted();
        if let Some(s) = &ready.snapshot {
            p.state = s.data.decode().unwrap_or_default();
            lines.push(format!(
                "{id} restores snapshot {}/{} {}",
                s.index, s.term, s.data
            ));
        }
        if !ready.committed.is_empty() {
            let rendered: Vec<String> = ready
                .committed
                .iter()
                .map(|(i, e)| render_entry(*i, e))
                .collect();
            lines.push(format!("{id} applies {}", rendered.join(", ")));
            for (i, e) in &ready.committed {
                if let Some(d) = &e.data {
                    p.state.push(d.decode().unwrap_or_else(|_| d.to_string()));
                }
                let record = (e.term, render_entry(*i, e));
                match self.applied.get(i) {
                    Some(prev) if *prev != record => {
                        lines.push(format!(
                            "VIOLATION {id} applied {} where another applied {}",
                            record.1, prev.1
                        ));
                    }
                    _ => {
                        self.applied.insert(*i, record);
                    }
                }
            }
        }
        for (ctx, index) in &ready.reads {
            lines.push(format!("{id} confirms read {ctx} at index {index}"));
        }
        for (to, msg) in ready.messages(&receipt) {
            sends.push(Envelope {
                from: id.to_owned(),
                to,
                msg,
            });
        }
        if p.raft.is_leader() {
            let term = p.raft.term();
            match self.leaders.get(&term) {
                Some(l) if l != id => lines.push(format!(
                    "VIOLATION two leaders in term {term}: {l} and {id}"
                )),
                _ => {
                    self.leaders.insert(term, id.to_owned());
                }
            }
        }
        for l in lines {
            self.line(l);
        }
        for env in sends {
            if self.is_cut(&env.from, &env.to) {
                self.line(format!("{}  (cut)", render_envelope(&env)));
            } else {
                self.line(render_envelope(&env));
                self.queue.push_back(env);
            }
        }
    }

    fn check_invariants(&self) -> Result<(), String> {
        match self.out.lines().find(|l| l.starts_with("VIOLATION")) {
            Some(l) => Err(l.to_owned()),
            None => Ok(()),
        }
    }
}

/// `deliver` / `drop` filters: nothing (everything), `n1->n2`, `n1->`, `->n2`.
struct Filter {
    from: Option<String>,
    to: Option<String>,
}

impl Filter {
    fn parse(args: &[&str]) -> Result<Filter, String> {
        match args {
            [] => Ok(Filter {
                from: None,
                to: None,
            }),
            [f] => {
                let (from, to) = f
                    .split_once("->")
                    .ok_or("a filter is FROM->TO, FROM-> or ->TO")?;
                let some = |s: &str| (!s.is_empty()).then(|| s.to_owned());
                Ok(Filter {
                    from: some(from),
                    to: some(to),
                })
            }
            _ => Err("one filter at most".into()),
        }
    }

    fn matches(&self, env: &Envelope) -> bool {
        self.from.as_ref().is_none_or(|f| *f == env.from)
            && self.to.as_ref().is_none_or(|t| *t == env.to)
    }
}

/// The indexes a log holds: `first..=last`, or `empty`.
fn span(log: &Log) -> String {
    if log.is_empty() {
        "empty".into()
    } else {
        format!("{}..={}", log.first_index(), log.last_index())
    }
}

fn render_envelope(env: &Envelope) -> String {
    format!("{}->{} {}", env.from, env.to, render_message(&env.msg))
}

/// `index/term command`, or `index/term noop` for a leader's no-op.
fn render_entry(index: u64, e: &Entry) -> String {
    match &e.data {
        None => format!("{index}/{} noop", e.term),
        Some(d) => {
            let text = d.decode::<String>().unwrap_or_else(|_| d.to_string());
            format!("{index}/{} {text}", e.term)
        }
    }
}

/// One message on one line.
pub fn render_message(m: &Message) -> String {
    let granted = |g: bool| if g { "granted" } else { "rejected" };
    let read = |r: Option<u64>| r.map(|r| format!(" read={r}")).unwrap_or_default();
    match m {
        Message::RequestVote(rv) => format!(
            "{} term={} last={}/{}",
            if rv.pre_vote {
                "PreVote"
            } else {
                "RequestVote"
            },
            rv.term,
            rv.last_log_index,
            rv.last_log_term
        ),
        Message::RequestVoteRes(r) => format!(
            "{} term={} {}",
            if r.pre_vote {
                "PreVoteRes"
            } else {
                "RequestVoteRes"
            },
            r.term,
            granted(r.vote_granted)
        ),
        Message::AppendEntries(ae) => {
            let entries: Vec<String> = (ae.prev_log_index + 1..)
                .zip(&ae.entries)
                .map(|(i, e)| render_entry(i, e))
                .collect();
            format!(
                "AppendEntries term={} prev={}/{} entries=[{}] commit={}{}",
                ae.term,
                ae.prev_log_index,
                ae.prev_log_term,
                entries.join(", "),
                ae.leader_commit,
                read(ae.read_round)
            )
        }
        Message::AppendEntriesRes(r) if r.success => format!(
            "AppendEntriesRes term={} ok index={}{}",
            r.term,
            r.index,
            read(r.read_round)
        ),
        Message::AppendEntriesRes(r) => {
            let hint = match (r.conflict_index, r.conflict_term) {
                (Some(i), Some(t)) => format!(" hint={i}/{t}"),
                (Some(i), None) => format!(" hint={i}"),
                _ => String::new(),
            };
            format!(
                "AppendEntriesRes term={} reject index={}{hint}{}",
                r.term,
                r.index,
                read(r.read_round)
            )
        }
        Message::InstallSnapshot(is) => format!(
            "InstallSnapshot term={} snapshot={}/{} offset={} data={}{}",
            is.term,
            is.last_included_index,
            is.last_included_term,
            is.offset,
            is.data,
            if is.done { " done" } else { "" }
        ),
        Message::InstallSnapshotRes(r) => format!(
            "InstallSnapshotRes term={} snapshot={} offset={}{}",
            r.term,
            r.index,
            r.offset,
            if r.done { " done" } else { "" }
        ),
    }
}
