//! Routing: every line a node writes is checked and sent through the network
//! model to a node or a client; packets that fall due are handed to the node
//! processes, the clients or the init client; client requests go out.

use super::{INIT_CLIENT, Loop, Violation};
use crate::harness::net::{Cargo, Packet};
use crate::protocol::{Message, Payload};
use crate::sim::convergence;
use serde_json::Value;

/// Protocol violations kept verbatim (all are counted).
const MAX_VIOLATIONS: usize = 50;
/// Longest stored offending line.
const MAX_LINE: usize = 500;

impl Loop {
    /// Sends the requests the clients want to make at `now`.
    pub(super) fn poll_clients(&mut self, now: u64) {
        let Some(c) = self.clients.as_mut() else {
            return;
        };
        for o in c.poll(now - self.t0) {
            let Some(index) = self.cfg.node_ids.iter().position(|n| *n == o.node) else {
                continue;
            };
            self.net.send(
                now,
                Packet {
                    src: o.client.clone(),
                    dest: o.node.clone(),
                    between_nodes: false,
                    cargo: Cargo::ToNode {
                        index,
                        line: o.to_message().to_line(),
                    },
                },
            );
        }
    }

    /// Hands every packet due by `now` to its node, client, or the init client.
    pub(super) fn deliver(&mut self, now: u64) {
        let states = &self.node_state;
        let due = self.net.due(now, |p| match p.cargo {
            Cargo::ToNode { index, .. } => states.get(index).is_none_or(|s| s.accepts(&p.src)),
            Cargo::ToClient(_) => true,
        });
        for p in due {
            match p.cargo {
                Cargo::ToNode { index, line } => {
                    // A node whose stdin is gone has exited; its Closed event reports it.
                    let _ = self.nodes.send(index, line);
                }
                Cargo::ToClient(msg) if msg.dest == INIT_CLIENT => {
                    if let Some(id) = msg
                        .body
                        .in_reply_to
                        .filter(|id| self.final_asked.contains_key(id))
                    {
                        self.final_answers
                            .insert(id, convergence::final_value(&msg.body.payload));
                    } else if let Some(id) = msg
                        .body
                        .in_reply_to
                        .filter(|id| self.awaiting_setup.contains(id))
                    {
                        // Any answer will do: the node has seen its set-up message.
                        self.awaiting_setup.remove(&id);
                    } else if matches!(msg.body.payload, Payload::InitOk)
                        && let Some(i) = self.cfg.node_ids.iter().position(|n| *n == msg.src)
                    {
                        self.awaiting_init.remove(&i);
                        self.on_init_ok(now, i, msg.body.in_reply_to);
                    }
                }
                Cargo::ToClient(msg) => {
                    let t = now.saturating_sub(self.t0);
                    match self.clients.as_mut() {
                        Some(c) => c.on_reply(t, &msg),
                        None => self.out.unexpected_replies += 1,
                    }
                }
            }
        }
    }

    /// Records a protocol violation by node `node` (the line cut to [`MAX_LINE`]).
    fn violation(&mut self, now: u64, node: usize, error: String, line: &str) {
        self.out.violation_count += 1;
        if self.out.violations.len() < MAX_VIOLATIONS {
            let mut line = line.to_owned();
            if line.len() > MAX_LINE {
                let mut cut = MAX_LINE;
                while !line.is_char_boundary(cut) {
                    cut -= 1;
                }
                line.truncate(cut);
                line.push('…');
            }
            self.out.violations.push(Violation {
                node: self.cfg.node_ids.get(node).cloned().unwrap_or_default(),
                time_s: self.rel_s(now),
                error,
                line,
            });
        }
    }

    /// Routes one stdout line of node `node`.
    pub(super) fn route(&mut self, now: u64, node: usize, line: String) {
        let Some(me) = self.cfg.node_ids.get(node).cloned() else {
            return;
        };
        let (src, dest) = match envelope(&line) {
            Ok(x) => x,
            Err(e) => return self.violation(now, node, e, &line),
        };
        if src != me {
            return self.violation(
                now,
                node,
                format!("message from node {me} claims src {src:?}"),
                &line,
            );
        }
        if let Some(index) = self.cfg.node_ids.iter().position(|n| *n == dest) {
            self.net.send(
                now,
                Packet {
                    src,
                    dest,
                    between_nodes: true,
                    cargo: Cargo::ToNode { index, line },
                },
            );
            return;
        }
        if !is_client_id(&dest) {
            return self.violation(
                now,
                node,
                format!("unknown destination {dest:?} (not a node or client id)"),
                &line,
            );
        }
        match Message::from_line(&line) {
            Ok(msg) => self.net.send(
                now,
                Packet {
                    src,
                    dest,
                    between_nodes: false,
                    cargo: Cargo::ToClient(msg),
                },
            ),
            Err(e) => self.violation(
                now,
                node,
                format!("reply to client {dest} cannot be decoded: {}", e.text),
                &line,
            ),
        }
    }
}

/// Client ids: `c` followed by digits.
fn is_client_id(id: &str) -> bool {
    id.strip_prefix('c')
        .is_some_and(|n| !n.is_empty() && n.bytes().all(|b| b.is_ascii_digit()))
}

/// Checks the envelope of a line: a JSON object with string `src` and `dest` and
/// a `body` object with a string `type`. Returns `(src, dest)`.
pub fn envelope(line: &str) -> Result<(String, String), String> {
    let v: Value = serde_json::from_str(line).map_err(|e| format!("not JSON: {e}"))?;
    let Value::Object(m) = v else {
        return Err("not a JSON object".into());
    };
    let src = m.get("src").and_then(Value::as_str);
    let dest = m.get("dest").and_then(Value::as_str);
    let (Some(src), Some(dest)) = (src, dest) else {
        return Err("message needs string src and dest".into());
    };
    let Some(Value::Object(body)) = m.get("body") else {
        return Err("message has no body object".into());
    };
    if !body.get("type").is_some_and(Value::is_string) {
        return Err("body has no string type".into());
    }
    Ok((src.to_owned(), dest.to_owned()))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn envelopes() {
        assert!(envelope("hello").unwrap_err().starts_with("not JSON"));
        assert!(envelope("[1]").is_err());
        assert!(envelope(r#"{"src":"n1","dest":"n2","body":{}}"#).is_err());
        assert_eq!(
            envelope(r#"{"src":"n1","dest":"n2","body":{"type":"gossip"}}"#),
            Ok(("n1".into(), "n2".into()))
        );
        assert!(is_client_id("c12") && !is_client_id("c") && !is_client_id("n1"));
    }
}
