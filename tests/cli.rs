//! The `attache` command line, run as a user runs it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::{Path, PathBuf};
use std::process::{Command, Output};

fn seed_dir() -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join("seed-data")
}

fn attache(args: &[&str]) -> Output {
    Command::new(env!("CARGO_BIN_EXE_attache"))
        .args(args)
        .env("ATTACHE_SEED_DIR", seed_dir())
        .output()
        .expect("run attache")
}

fn stdout(o: &Output) -> String {
    String::from_utf8_lossy(&o.stdout).into_owned()
}

fn stderr(o: &Output) -> String {
    String::from_utf8_lossy(&o.stderr).into_owned()
}

#[test]
fn search_json_puts_track_two_first_and_says_what_matched() {
    let o = attache(&["roles", "search", "track ii", "--json", "--limit", "3"]);
    assert!(o.status.success(), "{}", stderr(&o));
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn search_for_an_unrelated_job_finds_nothing() {
    let o = attache(&["roles", "search", "pastry chef", "--json"]);
    assert!(o.status.success());
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    assert_eq!(v["query"], "pastry chef");
    assert_eq!(v["results"].as_array().unwrap().len(), 0);
    let o = attache(&["roles", "search", "pastry chef"]);
    assert_eq!(stdout(&o), "No roles match \"pastry chef\".\n");
}

#[test]
fn search_human_output_is_readable() {
    let o = attache(&["roles", "search", "back-channel negotiator", "--limit", "1"]);
    insta::assert_snapshot!(stdout(&o));
}

#[test]
fn search_rejects_a_limit_out_of_range() {
    let o = attache(&["roles", "search", "diplomat", "--limit", "0"]);
    assert!(!o.status.success());
    assert!(stderr(&o).contains("--limit"), "{}", stderr(&o));
}

/// The JSON of `roles show` has the API's fields, with four anchors per criterion and no
/// hidden labels.
#[test]
fn show_json_has_the_api_shape() {
    let o = attache(&[
        "roles",
        "show",
        "track-two-diplomacy-practitioner",
        "--json",
    ]);
    assert!(o.status.success(), "{}", stderr(&o));
    let v: serde_json::Value = serde_json::from_slice(&o.stdout).unwrap();
    for key in [
        "slug",
        "title",
        "track",
        "summary",
        "titles",
        "synonyms",
        "resume_examples",
        "related",
        "sourcing",
        "questions",
        "version",
    ] {
        assert!(v.get(key).is_some(), "missing {key}");
    }
    assert_eq!(v["track"], "2");
    assert!(v.get("hidden_labels").is_none());
    assert!(
        !stdout(&o).contains("trak two"),
        "hidden labels are never displayed"
    );
    assert_eq!(v["version"].as_str().unwrap().len(), 16);
    let questions = v["questions"].as_array().unwrap();
    assert!(questions.len() >= 9);
    for q in questions {
        for key in ["id", "level", "text", "guidance", "criteria"] {
            assert!(q.get(key).is_some(), "question missing {key}");
        }
        for c in q["criteria"].as_array().unwrap() {
            assert!(c["id"].is_string() && c["name"].is_string());
            assert_eq!(c["anchors"].as_array().unwrap().len(), 4);
        }
    }
    let sourcing = v["sourcing"].as_str().unwrap();
    assert!(
        sourcing.starts_with("(\"Track II diplomacy\" OR \"back channel talks\" OR "),
        "{sourcing}"
    );
    assert!(
        sourcing.ends_with(
            ") AND (practitioner OR facilitator OR negotiator OR specialist OR manager OR lead)"
        ),
        "{sourcing}"
    );
    // A bare track name, and what the role excludes, would flood a job board.
    for name in [
        "\"Track 2\"",
        "\"T2\"",
        "multi-track diplomacy",
        "\"back-channel\"",
    ] {
        assert!(!sourcing.contains(name), "{name} in {sourcing}");
    }
}

#[test]
fn show_prints_the_rubric_for_people() {
    let o = attache(&["roles", "show", "diplomat"]);
    let out = stdout(&o);
    assert!(
        out.starts_with("Diplomats\nTrack 1: Official government-to-government diplomacy\n"),
        "{out}"
    );
    assert!(out.contains("== Basic questions =="));
    assert!(
        out.contains("[t1-basic-protocol] What is diplomatic protocol and why is it important?")
    );
    assert!(out.contains(
        "      1 does not meet: Equates protocol with good manners or dress codes only."
    ));
    assert!(out.contains("Sourcing string:\n(\""), "{out}");
    assert!(out.contains(" OR \"Diplomats\" OR "), "{out}");
    assert!(!out.contains("dipolmat"));
}

#[test]
fn show_unknown_slug_suggests_the_nearest_role() {
    let o = attache(&["roles", "show", "diplomats"]);
    assert!(!o.status.success());
    assert_eq!(
        stderr(&o),
        "error: no role has the slug \"diplomats\"; did you mean \"diplomat\" (Diplomats)?\n"
    );
}

#[test]
fn seed_data_check_passes_on_the_shipped_data() {
    let o = attache(&["seed-data", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).starts_with("ok: 14 roles, "), "{}", stdout(&o));
}

/// An installed binary carries its seed data: from an empty directory, with no setting,
/// `seed-data check` checks the built-in data and `roles search` uses it.
#[test]
fn the_built_in_seed_data_works_from_any_directory() {
    let empty = tempfile::tempdir().unwrap();
    let run = |args: &[&str]| {
        Command::new(env!("CARGO_BIN_EXE_attache"))
            .args(args)
            .current_dir(empty.path())
            .env_remove("ATTACHE_SEED_DIR")
            .env_remove("ATTACHE_CONFIG")
            .output()
            .unwrap()
    };
    let o = run(&["seed-data", "check"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(
        stdout(&o).ends_with("in the built-in seed data\n"),
        "{}",
        stdout(&o)
    );
    let o = run(&["roles", "search", "track ii", "--json"]);
    assert!(o.status.success(), "{}", stderr(&o));
    assert!(stdout(&o).contains("track-two-diplomacy-practitioner"));
    // A directory that is not there is named, with the setting that named it.
    let o = run(&["roles", "search", "x", "--seed-dir", "no-such-dir"]);
    assert!(!o.status.success());
    assert!(
        stderr(&o).contains("no-such-dir (--seed-dir)"),
        "{}",
        stderr(&o)
    );
    assert!(
        std::fs::read_dir(empty.path()).unwrap().next().is_none(),
        "nothing is written"
    );
}

/// A corrupted seed file is rejected with file, line and field, and nothing is loaded.
#[test]
fn seed_data_check_names_file_line_and_field_of_a_corrupted_file() {
    let dir = tempfile::tempdir().unwrap();
    for entry in std::fs::read_dir(seed_dir()).unwrap() {
        let path = entry.unwrap().path();
        std::fs::copy(&path, dir.path().join(path.file_name().unwrap())).unwrap();
    }
    let target = dir.path().join("diplomat.toml");
    let text = std::fs::read_to_string(&target).unwrap();
    // Remove the first anchor of the first criterion: the line after `anchors = [`.
    let anchors_at = text.find("anchors = [\n").unwrap();
    let start = anchors_at + "anchors = [\n".len();
    let end = start + text[start..].find('\n').unwrap() + 1;
    let line = text[..anchors_at].lines().count() + 1;
    std::fs::write(&target, format!("{}{}", &text[..start], &text[end..])).unwrap();

    let o = attache(&["seed-data", "check", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    let expected = format!(
        "{}:{line}: questions[0].criteria[0].anchors: a criterion needs exactly 4 anchors",
        target.display()
    );
    assert!(err.starts_with(&expected), "{err}\nexpected: {expected}");
    assert!(err.contains("1 error in"), "{err}");
    assert!(err.contains("nothing was loaded"));

    // Every other command refuses to run on bad data rather than half-load it.
    let o = Command::new(env!("CARGO_BIN_EXE_attache"))
        .args([
            "roles",
            "search",
            "diplomat",
            "--seed-dir",
            dir.path().to_str().unwrap(),
        ])
        .output()
        .unwrap();
    assert!(!o.status.success());
    assert!(stderr(&o).contains("has errors"));
}

#[test]
fn seed_data_check_reports_malformed_toml() {
    let dir = tempfile::tempdir().unwrap();
    std::fs::write(
        dir.path().join("broken.toml"),
        "slug = \"x\"\ntrack = = \"2\"\n",
    )
    .unwrap();
    let o = attache(&["seed-data", "check", dir.path().to_str().unwrap()]);
    assert!(!o.status.success());
    let err = stderr(&o);
    assert!(err.contains("broken.toml:2: toml syntax: "), "{err}");
}

#[test]
fn help_lists_the_commands() {
    let o = attache(&["--help"]);
    let out = stdout(&o);
    for cmd in [
        "seed-data",
        "roles",
        "candidates",
        "demo",
        "--seed-dir",
        "ATTACHE_SEED_DIR",
    ] {
        assert!(out.contains(cmd), "--help does not mention {cmd}:\n{out}");
    }
}
