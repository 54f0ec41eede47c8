//! Scenario scripts: each `tests/scenarios/*.txt` drives a few Raft peers step by
//! step (see `README.md` here for the format) and its transcript, one line per
//! event, is pinned with insta in `tests/scenarios/snapshots/`. A protocol change
//! shows up in `cargo insta review` as a diff of readable lines.
//!
//! One test per script, so `cargo test --test scenarios election` runs one; a
//! script without a test fails `every_script_has_a_test`.

mod interpreter;

use std::path::Path;

fn check(name: &str) {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let path = dir.join(format!("{name}.txt"));
    let script = std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{name}.txt: {e}"));
    let transcript = interpreter::run(&script).unwrap_or_else(|e| panic!("{name}.txt {e}"));
    insta::with_settings!({
        input_file => &path,
        omit_expression => true,
        prepend_module_to_snapshot => false,
    }, {
        insta::assert_snapshot!(name, transcript);
    });
}

macro_rules! scenarios {
    ($($name:ident),* $(,)?) => {
        $(
            #[test]
            fn $name() {
                check(stringify!($name));
            }
        )*
        const SCRIPTS: &[&str] = &[$(stringify!($name)),*];
    };
}

scenarios!(
    election,
    replication,
    partitioned_leader,
    returning_follower,
    read_index,
    install_snapshot,
    prevote_and_check_quorum,
    read_index_leader_steps_down,
    conflict_backtracking,
    restart_keeps_the_vote,
);

#[test]
fn every_script_has_a_test() {
    let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("tests/scenarios");
    let mut on_disk: Vec<String> = std::fs::read_dir(&dir)
        .unwrap()
        .filter_map(|e| {
            let name = e.ok()?.file_name().into_string().ok()?;
            name.strip_suffix(".txt").map(String::from)
        })
        .collect();
    on_disk.sort();
    let mut listed: Vec<String> = SCRIPTS.iter().map(|s| s.to_string()).collect();
    listed.sort();
    assert_eq!(on_disk, listed, "add the script to `scenarios!` in main.rs");
}

#[test]
fn a_bad_script_names_its_line() {
    let err = interpreter::run("nodes 3\ncampaign n7\n").unwrap_err();
    assert_eq!(err, "line 2: campaign n7: no node `n7`");
    let err = interpreter::run("propose n1 x\n").unwrap_err();
    assert!(err.starts_with("line 1"), "{err}");
}
