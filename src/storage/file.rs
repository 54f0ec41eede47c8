//! Durable state in a directory: `snapshot.json` and an append-only `wal.log`.
//!
//! Each WAL record is one line: the CRC-32 of the JSON payload in hex, a space, the
//! payload. A round appends one record and fsyncs once. On recovery the records
//! are replayed in order; the first line that is incomplete or fails its checksum
//! (a write torn by a crash) and everything after it are cut off. When a snapshot
//! is persisted, it is written to `snapshot.json.tmp`, fsynced and renamed over
//! `snapshot.json`, and the WAL is rewritten the same way to hold just the hard
//! state, the log after the snapshot and the unsettled handoffs: the files stay
//! as small as the log.
//!
//! Handoffs ride in the same records (one fsync per round still): a record lists
//! the handoffs the round added and those it settled.

use super::crc::crc32;
use super::{HandoffKey, HandoffSet, Handoffs, Storage};
use crate::raft::{Data, Entry, HardState, Log, Persist, Recovered, Snapshot};
use serde::{Deserialize, Serialize};
use std::fs::{self, File, OpenOptions};
use std::io::{BufRead, BufReader, Write};
use std::path::{Path, PathBuf};

/// One WAL record: a round's hard state, log changes and handoff changes.
#[derive(Serialize, Deserialize)]
struct Record {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    hard_state: Option<HardState>,
    /// Entries replace everything from this index on.
    #[serde(default, skip_serializing_if = "Option::is_none")]
    from: Option<u64>,
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    entries: Vec<Entry>,
    /// Handoffs added: `[[incarnation, seq], command]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    handed: Vec<(HandoffKey, Data)>,
    /// Handoffs settled: `[incarnation, seq]`.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    settled: Vec<HandoffKey>,
}

/// The snapshot file's content.
#[derive(Serialize, Deserialize)]
struct SnapshotFile {
    index: u64,
    term: u64,
    data: crate::raft::Data,
}

/// A node's durable state under one directory.
#[derive(Debug)]
pub struct FileStorage {
    dir: PathBuf,
    wal: Option<File>,
    /// The unsettled handoffs (what a WAL rewrite must carry over).
    handoffs: HandoffSet,
}

fn io(what: &str, path: &Path, e: std::io::Error) -> String {
    format!("{what} {}: {e}", path.display())
}

impl FileStorage {
    /// Storage in `dir` (created if missing).
    pub fn open(dir: impl Into<PathBuf>) -> Result<FileStorage, String> {
        let dir = dir.into();
        fs::create_dir_all(&dir).map_err(|e| io("cannot create", &dir, e))?;
        Ok(FileStorage {
            dir,
            wal: None,
            handoffs: HandoffSet::default(),
        })
    }

    fn wal_path(&self) -> PathBuf {
        self.dir.join("wal.log")
    }

    fn snapshot_path(&self) -> PathBuf {
        self.dir.join("snapshot.json")
    }

    fn encode(record: &Record) -> Result<String, String> {
        let json = serde_json::to_string(record).map_err(|e| format!("cannot encode: {e}"))?;
        Ok(format!("{:08x} {json}\n", crc32(json.as_bytes())))
    }

    /// Writes `bytes` to `path` atomically: a temporary file, fsync, rename, and
    /// an fsync of the directory so the rename itself is durable.
    fn replace(&self, path: &Path, bytes: &[u8]) -> Result<(), String> {
        let tmp = path.with_extension("tmp");
        let mut f = File::create(&tmp).map_err(|e| io("cannot create", &tmp, e))?;
        f.write_all(bytes)
            .map_err(|e| io("cannot write", &tmp, e))?;
        f.sync_all().map_err(|e| io("cannot sync", &tmp, e))?;
        fs::rename(&tmp, path).map_err(|e| io("cannot rename onto", path, e))?;
        if let Ok(d) = File::open(&self.dir) {
            let _ = d.sync_all();
        }
        Ok(())
    }

    fn append(&mut self, record: &Record) -> Result<(), String> {
        let line = FileStorage::encode(record)?;
        let path = self.wal_path();
        if self.wal.is_none() {
            let f = OpenOptions::new()
                .create(true)
                .append(true)
                .open(&path)
                .map_err(|e| io("cannot open", &path, e))?;
            self.wal = Some(f);
        }
        let Some(wal) = self.wal.as_mut() else {
            return Err("no WAL".into());
        };
        wal.write_all(line.as_bytes())
            .map_err(|e| io("cannot write", &path, e))?;
        // Group commit: one fsync for the whole round.
        wal.sync_data().map_err(|e| io("cannot sync", &path, e))
    }
}

impl Storage for FileStorage {
    fn load(&mut self) -> Result<Option<Recovered>, String> {
        let snap_path = self.snapshot_path();
        let snapshot = match fs::read_to_string(&snap_path) {
            Ok(text) => {
                let s: SnapshotFile = serde_json::from_str(&text)
                    .map_err(|e| format!("bad {}: {e}", snap_path.display()))?;
                Some(Snapshot {
                    index: s.index,
                    term: s.term,
                    data: s.data,
                })
            }
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io("cannot read", &snap_path, e)),
        };
        let wal_path = self.wal_path();
        let file = match File::open(&wal_path) {
            Ok(f) => Some(f),
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => None,
            Err(e) => return Err(io("cannot read", &wal_path, e)),
        };
        if snapshot.is_none() && file.is_none() {
            return Ok(None);
        }
        let first = snapshot.as_ref().map_or(0, |s| s.index) + 1;
        let mut hard_state = HardState::default();
        let mut entries: Vec<Entry> = Vec::new();
        let mut good_len = 0u64;
        let mut torn = false;
        if let Some(f) = file {
            let mut reader = BufReader::new(f);
            let mut line = Vec::new();
            loop {
                line.clear();
                let n = reader
                    .read_until(b'\n', &mut line)
                    .map_err(|e| io("cannot read", &wal_path, e))?;
                if n == 0 {
                    break;
                }
                let Some(record) = decode(&line) else {
                    torn = true;
                    break;
                };
                good_len += n as u64;
                self.handoffs.update(&Handoffs {
                    added: record.handed,
                    settled: record.settled,
                });
                if let Some(hs) = record.hard_state {
                    hard_state = hs;
                }
                if let Some(from) = record.from {
                    // Entries at or before the snapshot are in it.
                    let keep = from.saturating_sub(first) as usize;
                    entries.truncate(keep);
                    for (index, e) in (from..).zip(record.entries) {
                        if index >= first {
                            entries.push(e);
                        }
                    }
                }
            }
        }
        if torn {
            // Cut the torn tail so later appends follow the last whole record.
            let f = OpenOptions::new()
                .write(true)
                .open(&wal_path)
                .map_err(|e| io("cannot open", &wal_path, e))?;
            f.set_len(good_len)
                .map_err(|e| io("cannot truncate", &wal_path, e))?;
            f.sync_all().map_err(|e| io("cannot sync", &wal_path, e))?;
        }
        Ok(Some(Recovered {
            hard_state,
            snapshot,
            entries,
        }))
    }

    fn handoffs(&self) -> Vec<(HandoffKey, Data)> {
        self.handoffs.list()
    }

    fn persist(&mut self, p: &Persist, h: &Handoffs, log: &Log) -> Result<(), String> {
        self.handoffs.update(h);
        if let Some(snap) = &p.snapshot {
            let file = SnapshotFile {
                index: snap.index,
                term: snap.term,
                data: snap.data.clone(),
            };
            let json = serde_json::to_vec(&file).map_err(|e| format!("cannot encode: {e}"))?;
            self.replace(&self.snapshot_path(), &json)?;
            return self.rewrite_wal(p, snap, log);
        }
        if p.hard_state.is_none() && p.entries.is_none() && h.is_empty() {
            return Ok(());
        }
        let record = Record {
            hard_state: p.hard_state.clone(),
            from: p.entries.as_ref().map(|u| u.from),
            entries: p
                .entries
                .as_ref()
                .map_or_else(Vec::new, |u| u.entries.clone()),
            handed: h.added.clone(),
            settled: h.settled.clone(),
        };
        self.append(&record)
    }
}

impl FileStorage {
    /// Replaces the WAL with one record: the hard state, the log after `snap` and
    /// the unsettled handoffs.
    fn rewrite_wal(&mut self, p: &Persist, snap: &Snapshot, log: &Log) -> Result<(), String> {
        // The hard state may not have changed this round: keep the last one.
        let hard_state = match &p.hard_state {
            Some(hs) => hs.clone(),
            None => self.last_hard_state()?,
        };
        let record = Record {
            hard_state: Some(hard_state),
            from: Some(snap.index + 1),
            entries: log.range(snap.index + 1, log.last_index()),
            handed: self.handoffs.list(),
            settled: Vec::new(),
        };
        let line = FileStorage::encode(&record)?;
        self.wal = None;
        self.replace(&self.wal_path(), line.as_bytes())
    }

    /// The hard state the WAL ends with.
    fn last_hard_state(&self) -> Result<HardState, String> {
        let path = self.wal_path();
        let text = match fs::read(&path) {
            Ok(t) => t,
            Err(e) if e.kind() == std::io::ErrorKind::NotFound => return Ok(HardState::default()),
            Err(e) => return Err(io("cannot read", &path, e)),
        };
        Ok(text
            .split_inclusive(|b| *b == b'\n')
            .map_while(decode)
            .filter_map(|r| r.hard_state)
            .last()
            .unwrap_or_default())
    }
}

/// One WAL line, if whole and intact.
fn decode(line: &[u8]) -> Option<Record> {
    let line = line.strip_suffix(b"\n")?;
    let (crc, json) = (line.get(..8)?, line.get(9..)?);
    let crc = u32::from_str_radix(std::str::from_utf8(crc).ok()?, 16).ok()?;
    if crc32(json) != crc {
        return None;
    }
    serde_json::from_str(std::str::from_utf8(json).ok()?).ok()
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::raft::{Data, Unstable};

    fn dir(name: &str) -> PathBuf {
        let d = std::env::temp_dir().join(format!("raft-kv-storage-{name}-{}", std::process::id()));
        let _ = fs::remove_dir_all(&d);
        d
    }

    fn entry(term: u64, i: u64) -> Entry {
        Entry {
            term,
            data: Some(Data::encode(&i).unwrap()),
        }
    }

    fn none() -> Handoffs {
        Handoffs::default()
    }

    fn round(hs: Option<(u64, u64)>, from: u64, entries: Vec<Entry>) -> Persist {
        Persist {
            hard_state: hs.map(|(term, commit)| HardState {
                term,
                vote: Some("n1".into()),
                commit,
            }),
            entries: Some(Unstable { from, entries }),
            snapshot: None,
        }
    }

    #[test]
    fn rounds_survive_a_restart_and_overwrites_replace_the_suffix() {
        let d = dir("rounds");
        let mut s = FileStorage::open(&d).unwrap();
        assert_eq!(s.load().unwrap(), None, "a fresh directory holds nothing");
        let log = Log::new();
        s.persist(
            &round(Some((1, 0)), 1, vec![entry(1, 1), entry(1, 2), entry(1, 3)]),
            &none(),
            &log,
        )
        .unwrap();
        s.persist(
            &round(Some((2, 1)), 3, vec![entry(2, 30), entry(2, 40)]),
            &none(),
            &log,
        )
        .unwrap();
        let r = FileStorage::open(&d).unwrap().load().unwrap().unwrap();
        assert_eq!((r.hard_state.term, r.hard_state.commit), (2, 1));
        let terms: Vec<u64> = r.entries.iter().map(|e| e.term).collect();
        assert_eq!(terms, vec![1, 1, 2, 2], "entry 3 was overwritten in term 2");
    }

    #[test]
    fn a_torn_tail_is_cut_off_and_later_rounds_follow_the_last_whole_record() {
        let d = dir("torn");
        let mut s = FileStorage::open(&d).unwrap();
        let log = Log::new();
        s.persist(&round(Some((1, 0)), 1, vec![entry(1, 1)]), &none(), &log)
            .unwrap();
        s.persist(&round(None, 2, vec![entry(1, 2)]), &none(), &log)
            .unwrap();
        // A crash in the middle of the third write.
        let wal = d.join("wal.log");
        let mut bytes = fs::read(&wal).unwrap();
        let whole = bytes.len();
        bytes.extend_from_slice(b"0badc0de {\"from\":3,\"entr");
        fs::write(&wal, &bytes).unwrap();
        let mut s = FileStorage::open(&d).unwrap();
        let r = s.load().unwrap().unwrap();
        assert_eq!(r.entries.len(), 2);
        assert_eq!(
            fs::metadata(&wal).unwrap().len() as usize,
            whole,
            "the tail is cut"
        );
        // A flipped byte inside a record is caught by its checksum.
        let mut bytes = fs::read(&wal).unwrap();
        let last = bytes.len() - 3;
        bytes[last] ^= 1;
        fs::write(&wal, &bytes).unwrap();
        let r = FileStorage::open(&d).unwrap().load().unwrap().unwrap();
        assert_eq!(
            r.entries.len(),
            1,
            "the corrupted record and what follows are dropped"
        );
    }

    #[test]
    fn a_snapshot_rewrites_the_wal_to_the_log_after_it() {
        let d = dir("snapshot");
        let mut s = FileStorage::open(&d).unwrap();
        let mut log = Log::new();
        for i in 1..=10 {
            log.append(entry(1, i));
        }
        s.persist(&round(Some((1, 8)), 1, log.range(1, 10)), &none(), &log)
            .unwrap();
        log.compact(8);
        let snap = Snapshot {
            index: 8,
            term: 1,
            data: Data::encode(&"state at 8").unwrap(),
        };
        let p = Persist {
            hard_state: None,
            entries: None,
            snapshot: Some(snap.clone()),
        };
        s.persist(&p, &none(), &log).unwrap();
        let wal = fs::read_to_string(d.join("wal.log")).unwrap();
        assert_eq!(wal.lines().count(), 1, "one record after the rewrite");
        let r = FileStorage::open(&d).unwrap().load().unwrap().unwrap();
        assert_eq!(r.snapshot, Some(snap));
        assert_eq!(r.entries.len(), 2, "entries 9 and 10");
        assert_eq!(
            r.hard_state.commit, 8,
            "the hard state is kept across the rewrite"
        );
    }

    #[test]
    fn handoffs_survive_until_settled_and_across_a_wal_rewrite() {
        let d = dir("handoffs");
        let mut s = FileStorage::open(&d).unwrap();
        let cmd = |i: u64| Data::encode(&format!("write {i}")).unwrap();
        let mut log = Log::new();
        let added = Handoffs {
            added: vec![((7, 0), cmd(0)), ((7, 1), cmd(1)), ((7, 2), cmd(2))],
            settled: vec![],
        };
        s.persist(&Persist::default(), &added, &log).unwrap();
        let settle_one = Handoffs {
            added: vec![],
            settled: vec![(7, 1)],
        };
        s.persist(
            &round(Some((1, 0)), 1, vec![entry(1, 1)]),
            &settle_one,
            &log,
        )
        .unwrap();
        let mut r = FileStorage::open(&d).unwrap();
        r.load().unwrap();
        let keys: Vec<HandoffKey> = r.handoffs().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![(7, 0), (7, 2)], "settled ones are gone");
        assert_eq!(
            r.handoffs()[1].1,
            cmd(2),
            "the command comes back as written"
        );
        // A snapshot rewrites the WAL: the unsettled handoffs are carried over.
        log.append(entry(1, 1));
        log.compact(1);
        let p = Persist {
            hard_state: None,
            entries: None,
            snapshot: Some(Snapshot {
                index: 1,
                term: 1,
                data: Data::encode(&"state at 1").unwrap(),
            }),
        };
        let settle_another = Handoffs {
            added: vec![((8, 0), cmd(3))],
            settled: vec![(7, 0)],
        };
        s.persist(&p, &settle_another, &log).unwrap();
        let wal = fs::read_to_string(d.join("wal.log")).unwrap();
        assert_eq!(wal.lines().count(), 1, "one record after the rewrite");
        let mut r = FileStorage::open(&d).unwrap();
        r.load().unwrap();
        let keys: Vec<HandoffKey> = r.handoffs().into_iter().map(|(k, _)| k).collect();
        assert_eq!(keys, vec![(7, 2), (8, 0)]);
    }
}
