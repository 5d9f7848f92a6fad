//! The shipped seed data loads cleanly and meets the content requirements.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::collections::HashSet;
use std::path::PathBuf;

use attache_core::{Level, Taxonomy, Track, seed};

fn seed_dir() -> PathBuf {
    PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../seed-data")
}

#[test]
fn shipped_seed_data_is_valid() {
    if let Err(e) = seed::load_dir(&seed_dir()) {
        panic!("seed data has errors:\n{e}");
    }
}

/// At least 14 roles over tracks 1, 1.5, 2, 3, 4 and 5, every one with three questions or
/// more at each level.
#[test]
fn every_role_has_three_questions_per_level_and_every_track_has_roles() {
    let roles = seed::load_dir(&seed_dir()).unwrap();
    assert!(roles.len() >= 14, "{} roles", roles.len());
    for track in Track::ALL {
        assert!(
            roles.iter().any(|r| r.track == track),
            "no role on track {track}"
        );
    }
    for role in &roles {
        assert!(role.questions.len() >= 9, "{}", role.slug);
        for level in Level::ALL {
            assert!(
                role.questions_at(level).count() >= 3,
                "{} {level}",
                role.slug
            );
        }
    }
}

#[test]
fn typical_titles_come_from_the_hiring_guides() {
    let roles = seed::load_dir(&seed_dir()).unwrap();
    let title = |slug: &str| roles.iter().find(|r| r.slug == slug).unwrap().title.clone();
    assert_eq!(title("diplomat"), "Diplomats");
    assert_eq!(
        title("track-two-diplomacy-practitioner"),
        "Track Two Diplomacy Practitioners"
    );
}

/// Every question of the two hiring guides is in the bank with its guidance, word for word.
#[test]
fn every_seed_document_question_is_present_with_its_guidance() {
    let roles = seed::load_dir(&seed_dir()).unwrap();
    let questions: Vec<(&str, &str)> = roles
        .iter()
        .flat_map(|r| &r.questions)
        .map(|q| (q.text.as_str(), q.guidance.as_str()))
        .collect();
    // Copies of the two hiring guides from shared/seeds, kept in the repository so the
    // check runs on any clone.
    let fixtures = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("tests/fixtures");
    let mut found = 0;
    for name in ["hiring-guide-track-one.txt", "hiring-guide-track-two.txt"] {
        let text = std::fs::read_to_string(fixtures.join(name)).unwrap();
        let lines: Vec<&str> = text.lines().collect();
        for (i, line) in lines.iter().enumerate() {
            if let Some(q) = line.strip_prefix("Q: ") {
                let guidance = lines[i + 1].strip_prefix("Expected Answer: ").unwrap();
                assert!(
                    questions.contains(&(q.trim(), guidance.trim())),
                    "missing from the bank: {q}"
                );
                found += 1;
            }
        }
    }
    assert_eq!(found, 12, "the two hiring guides have six questions each");
}

#[test]
fn anchors_are_specific_to_their_criterion() {
    let roles = seed::load_dir(&seed_dir()).unwrap();
    let generic: HashSet<&str> = [
        "poor",
        "fair",
        "good",
        "excellent",
        "weak",
        "strong",
        "average",
    ]
    .into();
    let mut seen = HashSet::new();
    for q in roles.iter().flat_map(|r| &r.questions) {
        for c in &q.criteria {
            for a in &c.anchors {
                let lower = a.trim_end_matches('.').to_lowercase();
                assert!(
                    !generic.contains(lower.as_str()),
                    "{}:{} generic anchor {a:?}",
                    q.id,
                    c.id
                );
                assert!(
                    a.split_whitespace().count() >= 3,
                    "{}:{} anchor too thin: {a:?}",
                    q.id,
                    c.id
                );
                assert!(
                    seen.insert(a.clone()),
                    "{}:{} anchor reused: {a:?}",
                    q.id,
                    c.id
                );
            }
        }
    }
}

#[test]
fn a_query_that_names_a_role_expands_to_all_its_names() {
    let taxonomy = Taxonomy::new(seed::embedded().expect("seed data loads"));
    for (query, slug) in [
        ("Track II", "track-two-diplomacy-practitioner"),
        ("back-channel", "track-two-diplomacy-practitioner"),
        ("dipolmat", "diplomat"),
    ] {
        let e = taxonomy
            .expand(query)
            .unwrap_or_else(|| panic!("{query} names a role"));
        assert_eq!(e.role.slug, slug, "{query}");
        assert!(
            e.names.iter().any(|n| e.role.title.starts_with(n)),
            "{query}"
        );
    }
    let two = taxonomy.expand("Track II").expect("names a role");
    assert!(
        two.names.contains(&"Second Track Diplomacy Lead"),
        "{:?}",
        two.names
    );
    for query in ["Ana Ruiz", "ana", "ana@example.org", "Lisbon", ""] {
        assert_eq!(
            taxonomy.expand(query).map(|e| e.role.slug.clone()),
            None,
            "{query}"
        );
    }
}

#[test]
fn the_default_kit_has_two_questions_per_level() {
    for role in seed::embedded().expect("seed data loads") {
        let kit = role.default_kit();
        assert_eq!(kit.len(), 6, "{}", role.slug);
        for level in Level::ALL {
            assert_eq!(
                kit.iter().filter(|q| q.level == level).count(),
                2,
                "{}",
                role.slug
            );
        }
    }
}

#[test]
fn a_text_names_the_roles_whose_names_it_contains() {
    let taxonomy = Taxonomy::new(seed::embedded().expect("seed data loads"));
    let slugs = |text: &str| -> Vec<String> {
        taxonomy
            .mentions(text)
            .iter()
            .map(|m| m.role.slug.clone())
            .collect()
    };
    assert_eq!(
        slugs("Second Track Diplomacy Lead"),
        ["track-two-diplomacy-practitioner"]
    );
    // "Negotiator" is also one of the Diplomat role's titles.
    assert_eq!(
        slugs("Senior back-channel negotiators, Vienna"),
        ["diplomat", "track-two-diplomacy-practitioner"]
    );
    assert!(
        slugs("Track II dialogue facilitator")
            .contains(&"track-two-diplomacy-practitioner".to_owned())
    );
    assert!(slugs("Ran the finance team").is_empty());
    assert!(slugs("Track record of success").is_empty());
    let m = taxonomy.mentions("Led Track Two diplomacy workshops");
    assert_eq!(m[0].name, "Track Two diplomacy", "the longest name found");
    assert_eq!(taxonomy.names_version().len(), 16);
}
