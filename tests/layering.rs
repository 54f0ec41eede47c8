//! The module arrows the architecture promises, checked by scanning the sources:
//! the protocol names no machine, the Raft core names neither, and a machine
//! module never reaches into another machine's.

use std::fs;
use std::path::{Path, PathBuf};

fn rust_files(dir: &Path) -> Vec<PathBuf> {
    let mut out = Vec::new();
    let Ok(entries) = fs::read_dir(dir) else {
        return out;
    };
    for entry in entries.flatten() {
        let path = entry.path();
        if path.is_dir() {
            out.extend(rust_files(&path));
        } else if path.extension().is_some_and(|e| e == "rs") {
            out.push(path);
        }
    }
    out.sort();
    out
}

/// Lines of files under `dir` (outside comments) that contain any of `needles`.
fn offending_lines(dir: &Path, needles: &[String]) -> Vec<String> {
    let mut found = Vec::new();
    for file in rust_files(dir) {
        let text = fs::read_to_string(&file).unwrap_or_default();
        for (i, line) in text.lines().enumerate() {
            let code = line.split("//").next().unwrap_or("");
            if needles.iter().any(|n| code.contains(n.as_str())) {
                found.push(format!("{}:{}: {}", file.display(), i + 1, line.trim()));
            }
        }
    }
    found
}

fn src() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("src")
}

#[test]
fn the_protocol_names_no_machine_and_the_core_names_nothing_above_it() {
    let machines = vec!["machines::".to_owned()];
    let bad = offending_lines(&src().join("protocol"), &machines);
    assert!(
        bad.is_empty(),
        "protocol imports machines:\n{}",
        bad.join("\n")
    );
    let above = ["machines::", "protocol::", "node::", "sim::", "harness::"].map(String::from);
    let bad = offending_lines(&src().join("raft"), &above);
    assert!(
        bad.is_empty(),
        "the Raft core imports layers above it:\n{}",
        bad.join("\n")
    );
}

#[test]
fn no_machine_module_uses_another_machines_types() {
    let dir = src().join("machines");
    let modules: Vec<String> = fs::read_dir(&dir)
        .expect("src/machines exists")
        .flatten()
        .filter(|e| e.path().is_dir())
        .map(|e| e.file_name().to_string_lossy().into_owned())
        .collect();
    assert!(modules.len() >= 3, "found machine modules {modules:?}");
    for module in &modules {
        let others: Vec<String> = modules
            .iter()
            .filter(|m| *m != module)
            .map(|m| format!("{m}::"))
            .collect();
        let bad = offending_lines(&dir.join(module), &others);
        assert!(
            bad.is_empty(),
            "machine {module} uses another machine's types:\n{}",
            bad.join("\n")
        );
    }
}

#[test]
fn the_scan_sees_a_violation_when_there_is_one() {
    // The scanner itself must be able to fail: it finds this very file's needle.
    let here = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests");
    let needle = ["machines::".to_owned()];
    assert!(
        offending_lines(&here, &needle)
            .iter()
            .any(|l| l.contains("layering.rs")),
        "the scanner misses a plain occurrence"
    );
}
