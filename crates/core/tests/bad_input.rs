//! The seed-data loader never panics on bad input: any text, and any damage to a real role
//! file, is loaded or refused with messages that name the file and a line inside it.

#![allow(clippy::unwrap_used, clippy::expect_used, clippy::panic)]

use std::path::Path;

use attache_core::seed::load_sources;
use proptest::prelude::*;

const ROLE: &str = include_str!("../../../seed-data/track-two-diplomacy-practitioner.toml");

fn check(text: &str) {
    let path = Path::new("damaged.toml");
    if let Err(errors) = load_sources([(path, text)]) {
        assert!(!errors.0.is_empty());
        let lines = text.lines().count() + 1;
        for e in &errors.0 {
            assert_eq!(e.file, path);
            assert!(e.line <= lines, "line {} of {lines}: {e}", e.line);
            assert!(!e.message.is_empty());
        }
    }
}

proptest! {
    #![proptest_config(ProptestConfig::with_cases(256))]

    #[test]
    fn any_text_is_loaded_or_refused_with_its_file_and_line(text in "\\PC{0,400}") {
        check(&text);
    }

    #[test]
    fn a_damaged_role_file_is_loaded_or_refused_with_its_file_and_line(
        start in 0usize..ROLE.len(),
        len in 0usize..200,
        insert in "[\\[\\]\"=#a-z0-9 \n\\\\]{0,20}",
    ) {
        let mut start = start;
        while !ROLE.is_char_boundary(start) { start -= 1; }
        let mut end = (start + len).min(ROLE.len());
        while !ROLE.is_char_boundary(end) { end -= 1; }
        let damaged = format!("{}{insert}{}", &ROLE[..start], &ROLE[end..]);
        check(&damaged);
    }
}
