//! Safe paths: URL segments are percent-decoded and each must be a plain name (no
//! `.`/`..`, no separators, no leading dot); the joined path, symlinks resolved,
//! must still lie inside the store.

use std::path::{Path, PathBuf};

/// Decodes `%XX` escapes (and `+` as space is *not* applied: paths only).
/// `None` for a malformed escape or a result that is not UTF-8.
pub fn percent_decode(s: &str) -> Option<String> {
    let bytes = s.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' {
            let hex = s.get(i + 1..i + 3)?;
            out.push(u8::from_str_radix(hex, 16).ok()?);
            i += 3;
        } else {
            out.push(bytes[i]);
            i += 1;
        }
    }
    String::from_utf8(out).ok()
}

/// True for a name that can only mean an entry of its directory.
pub fn plain_name(name: &str) -> bool {
    !name.is_empty() && !name.starts_with('.') && !name.contains(['/', '\\', '\0']) && name != ".."
}

/// `store/seg/seg/…` when every segment is a [`plain_name`] and the path, with
/// symlinks resolved, exists inside the store.
pub fn resolve(store: &Path, segments: &[String]) -> Option<PathBuf> {
    if !segments.iter().all(|s| plain_name(s)) {
        return None;
    }
    let root = store.canonicalize().ok()?;
    let mut path = root.clone();
    for s in segments {
        path.push(s);
    }
    let real = path.canonicalize().ok()?;
    real.starts_with(&root).then_some(real)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn decoding_and_names() {
        assert_eq!(percent_decode("a%20b").as_deref(), Some("a b"));
        assert_eq!(percent_decode("%2e%2E").as_deref(), Some(".."));
        assert_eq!(percent_decode("%zz"), None);
        assert_eq!(percent_decode("%4"), None);
        assert!(plain_name("n0.log") && plain_name("20260101T000000.000Z"));
        for bad in ["", ".", "..", ".hidden", "a/b", "a\\b"] {
            assert!(!plain_name(bad), "{bad:?}");
        }
    }

    #[test]
    fn nothing_outside_the_store() {
        let dir = std::env::temp_dir().join(format!("raft-kv-paths-{}", std::process::id()));
        let store = dir.join("store");
        std::fs::create_dir_all(store.join("lin-kv")).unwrap();
        std::fs::write(dir.join("secret"), "no").unwrap();
        std::fs::write(store.join("lin-kv/ok.txt"), "yes").unwrap();
        #[cfg(unix)]
        std::os::unix::fs::symlink(dir.join("secret"), store.join("lin-kv/escape")).unwrap();
        let seg = |s: &[&str]| s.iter().map(|x| x.to_string()).collect::<Vec<_>>();
        assert!(resolve(&store, &seg(&["lin-kv", "ok.txt"])).is_some());
        assert!(resolve(&store, &seg(&["..", "secret"])).is_none());
        assert!(resolve(&store, &seg(&["lin-kv", "escape"])).is_none());
        assert!(resolve(&store, &seg(&["lin-kv", "missing"])).is_none());
        let _ = std::fs::remove_dir_all(&dir);
    }
}
