//! The store directory: `store/<workload>/<timestamp>/` and the `store/latest` link.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Creates a fresh run directory (with `node-logs/`) and points `store/latest` at it.
/// Safe when several runs share one store: each gets its own directory (created
/// atomically, with a `-N` suffix on a clash) and the link is replaced atomically.
pub fn create_run_dir(store: &Path, workload: &str) -> Result<PathBuf, String> {
    let stamp = timestamp(SystemTime::now());
    let base = store.join(workload);
    std::fs::create_dir_all(&base).map_err(|e| format!("cannot create {}: {e}", base.display()))?;
    let mut dir = base.join(&stamp);
    let mut n = 1;
    loop {
        // `create_dir` fails if the directory exists: whoever creates it owns it.
        match std::fs::create_dir(&dir) {
            Ok(()) => break,
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => {
                dir = base.join(format!("{stamp}-{n}"));
                n += 1;
            }
            Err(e) => return Err(format!("cannot create {}: {e}", dir.display())),
        }
    }
    let logs = dir.join("node-logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    link_latest(store, &dir)?;
    Ok(dir)
}

/// Points `store/latest` at `dir` (relative), replacing an old link atomically: a
/// new link under a name of this process's own, renamed over `latest`.
fn link_latest(store: &Path, dir: &Path) -> Result<(), String> {
    let latest = store.join("latest");
    let target = dir.strip_prefix(store).unwrap_or(dir);
    let tmp = store.join(format!(
        ".latest.{}.{}.tmp",
        std::process::id(),
        dir.file_name()
            .map_or_else(String::new, |n| n.to_string_lossy().into_owned())
    ));
    let _ = std::fs::remove_file(&tmp);
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, &tmp)
        .map_err(|e| format!("cannot link {}: {e}", tmp.display()))?;
    #[cfg(not(unix))]
    std::fs::write(&tmp, target.to_string_lossy().as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", tmp.display()))?;
    std::fs::rename(&tmp, &latest).map_err(|e| {
        let _ = std::fs::remove_file(&tmp);
        format!("cannot replace {}: {e}", latest.display())
    })
}

/// `YYYYMMDDTHHMMSS.mmmZ` in UTC, like Jepsen's store names.
pub fn timestamp(t: SystemTime) -> String {
    let d = t.duration_since(UNIX_EPOCH).unwrap_or_default();
    let secs = d.as_secs();
    let (days, rem) = (secs / 86_400, secs % 86_400);
    let (y, m, day) = civil_from_days(days as i64);
    format!(
        "{y:04}{m:02}{day:02}T{:02}{:02}{:02}.{:03}Z",
        rem / 3600,
        rem / 60 % 60,
        rem % 60,
        d.subsec_millis()
    )
}

/// Days since 1970-01-01 to (year, month, day) (Howard Hinnant's algorithm).
fn civil_from_days(z: i64) -> (i64, u32, u32) {
    let z = z + 719_468;
    let era = z.div_euclid(146_097);
    let doe = z.rem_euclid(146_097);
    let yoe = (doe - doe / 1460 + doe / 36_524 - doe / 146_096) / 365;
    let doy = doe - (365 * yoe + yoe / 4 - yoe / 100);
    let mp = (5 * doy + 2) / 153;
    let d = (doy - (153 * mp + 2) / 5 + 1) as u32;
    let m = if mp < 10 { mp + 3 } else { mp - 9 } as u32;
    let y = yoe + era * 400 + i64::from(m <= 2);
    (y, m, d)
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::time::Duration;

    #[test]
    fn timestamps() {
        let t = UNIX_EPOCH + Duration::from_millis(1_700_000_000_123);
        assert_eq!(timestamp(t), "20231114T221320.123Z");
        assert_eq!(timestamp(UNIX_EPOCH), "19700101T000000.000Z");
    }

    #[test]
    fn concurrent_runs_in_one_store_get_their_own_directories_and_a_whole_link() {
        let store = std::env::temp_dir().join(format!("raft-kv-store-race-{}", std::process::id()));
        let _ = std::fs::remove_dir_all(&store);
        let dirs: Vec<PathBuf> = std::thread::scope(|s| {
            let handles: Vec<_> = (0..8)
                .map(|_| {
                    s.spawn(|| {
                        (0..20)
                            .map(|_| create_run_dir(&store, "lin-kv").expect("run dir"))
                            .collect::<Vec<_>>()
                    })
                })
                .collect();
            handles
                .into_iter()
                .flat_map(|h| h.join().expect("thread"))
                .collect()
        });
        let distinct: std::collections::BTreeSet<_> = dirs.iter().collect();
        assert_eq!(distinct.len(), 160, "every run has its own directory");
        let latest = std::fs::read_link(store.join("latest")).expect("latest is a link");
        assert!(store.join(latest).join("node-logs").is_dir());
        let leftovers = std::fs::read_dir(&store)
            .unwrap()
            .filter(|e| {
                e.as_ref()
                    .unwrap()
                    .file_name()
                    .to_string_lossy()
                    .ends_with(".tmp")
            })
            .count();
        assert_eq!(leftovers, 0, "no temporary links left behind");
        let _ = std::fs::remove_dir_all(&store);
    }
}
