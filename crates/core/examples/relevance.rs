//! Score role search on a file of recruiter queries: `class<TAB>query<TAB>expected slug
//! (or -)`. Prints top-1 accuracy per class and every miss.
//!
//! `cargo run -p attache-core --example relevance [FILE]`
//! (default: `crates/core/tests/fixtures/recruiter_queries.tsv`).

use std::collections::BTreeMap;
use std::path::PathBuf;

use attache_core::{Taxonomy, seed};

fn main() -> Result<(), Box<dyn std::error::Error>> {
    let root = PathBuf::from(env!("CARGO_MANIFEST_DIR"));
    let file = std::env::args().nth(1).map_or_else(
        || root.join("tests/fixtures/recruiter_queries.tsv"),
        PathBuf::from,
    );
    let taxonomy = Taxonomy::new(seed::embedded()?);
    let text = std::fs::read_to_string(&file)?;
    let mut classes: BTreeMap<&str, (usize, usize, usize)> = BTreeMap::new();
    for line in text
        .lines()
        .filter(|l| !l.trim().is_empty() && !l.starts_with('#'))
    {
        let mut parts = line.split('\t');
        let (Some(class), Some(query), Some(expected)) = (parts.next(), parts.next(), parts.next())
        else {
            continue;
        };
        let results = taxonomy.search(query, 3).results;
        let top = results.first().map(|h| h.slug.as_str());
        let right = match expected {
            "-" => top.is_none(),
            slug => top == Some(slug),
        };
        let wrong = top.is_some() && !right;
        let entry = classes.entry(class).or_default();
        entry.0 += 1;
        entry.1 += usize::from(right);
        entry.2 += usize::from(wrong);
        if !right {
            let got: Vec<String> = results
                .iter()
                .map(|h| {
                    format!(
                        "{} {:.3} [{} {:?}]",
                        h.slug,
                        h.score,
                        h.matched.field.as_str(),
                        h.matched.text
                    )
                })
                .collect();
            println!("MISS {class:12} {query:60} want {expected:35} got {got:?}");
        }
    }
    let (mut n, mut ok, mut bad) = (0, 0, 0);
    for (class, (total, right, wrong)) in &classes {
        println!(
            "{class:12} {right:3}/{total:3} = {:5.1}%  wrong role: {wrong}",
            100.0 * *right as f64 / *total as f64
        );
        n += total;
        ok += right;
        bad += wrong;
    }
    println!(
        "{:12} {ok:3}/{n:3} = {:5.1}%  wrong role: {bad}",
        "all",
        100.0 * ok as f64 / n as f64
    );
    Ok(())
}
