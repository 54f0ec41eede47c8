//! The store directory: `store/<workload>/<timestamp>/` and the `store/latest` link.

use std::path::{Path, PathBuf};
use std::time::{SystemTime, UNIX_EPOCH};

/// Creates a fresh run directory (with `node-logs/`) and points `store/latest` at it.
pub fn create_run_dir(store: &Path, workload: &str) -> Result<PathBuf, String> {
    let stamp = timestamp(SystemTime::now());
    let base = store.join(workload);
    let mut dir = base.join(&stamp);
    let mut n = 1;
    while dir.exists() {
        dir = base.join(format!("{stamp}-{n}"));
        n += 1;
    }
    let logs = dir.join("node-logs");
    std::fs::create_dir_all(&logs).map_err(|e| format!("cannot create {}: {e}", logs.display()))?;
    link_latest(store, &dir)?;
    Ok(dir)
}

/// Points `store/latest` at `dir` (relative), replacing an old link.
fn link_latest(store: &Path, dir: &Path) -> Result<(), String> {
    let latest = store.join("latest");
    if latest.symlink_metadata().is_ok() {
        std::fs::remove_file(&latest)
            .map_err(|e| format!("cannot replace {}: {e}", latest.display()))?;
    }
    let target = dir.strip_prefix(store).unwrap_or(dir);
    #[cfg(unix)]
    std::os::unix::fs::symlink(target, &latest)
        .map_err(|e| format!("cannot link {}: {e}", latest.display()))?;
    #[cfg(not(unix))]
    std::fs::write(&latest, target.to_string_lossy().as_bytes())
        .map_err(|e| format!("cannot write {}: {e}", latest.display()))?;
    Ok(())
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
}
