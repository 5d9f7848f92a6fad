//! Role search latency: the seed taxonomy and 10,000 synthetic roles.
//!
//! Run with `cargo bench -p attache-core --bench search`; `scripts/bench-summary` prints
//! the medians. Each group also measures normalising the query alone, as a same-run
//! baseline for ratios on a noisy machine.

#![allow(clippy::unwrap_used, clippy::expect_used)]

use std::hint::black_box;
use std::path::PathBuf;

use attache_core::search::normalize::terms;
use attache_core::{Taxonomy, seed, synthetic};
use criterion::{Criterion, criterion_group, criterion_main};

const SEED_QUERIES: &[(&str, &str)] = &[
    ("exact_synonym", "track ii"),
    ("exact_title", "Diplomats"),
    ("two_words", "back-channel negotiator"),
    ("typo", "dipolmat"),
    ("prefix", "track two pract"),
    ("resume_line", "briefing materials"),
    ("senior_title", "Senior Mediation Adviser"),
    (
        "name_in_longer_query",
        "closed-door dialogue between officials and academics",
    ),
    (
        "description",
        "facilitator of unofficial talks between conflicting parties",
    ),
    ("unrelated_sharing_a_word", "music track producer"),
    ("no_match", "pastry chef"),
];

const SYNTHETIC_QUERIES: &[(&str, &str)] = &[
    ("exact_synonym", "track 2 climate dialogue"),
    ("two_words", "sahel mediation"),
    ("typo", "mediaton coordinater"),
    ("prefix", "arctic ener"),
    ("common_word", "negotiation"),
    ("seed_role_among_10k", "track ii"),
    (
        "description",
        "joint reporting projects across a conflict line",
    ),
    ("unrelated_sharing_a_word", "music track producer"),
    ("no_match", "pastry chef"),
];

fn seed_roles() -> Vec<attache_core::Role> {
    let dir = PathBuf::from(env!("CARGO_MANIFEST_DIR")).join("../../seed-data");
    seed::load_dir(&dir).unwrap()
}

fn bench_group(c: &mut Criterion, name: &str, taxonomy: &Taxonomy, queries: &[(&str, &str)]) {
    let mut group = c.benchmark_group(name);
    group.bench_function("baseline_normalise_query", |b| {
        b.iter(|| black_box(terms(black_box("back-channel negotiator"))))
    });
    for &(label, query) in queries {
        group.bench_function(label, |b| {
            b.iter(|| black_box(taxonomy.search(black_box(query), 10)))
        });
    }
    group.bench_function("mix", |b| {
        let mut i = 0;
        b.iter(|| {
            i = (i + 1) % queries.len();
            black_box(taxonomy.search(black_box(queries[i].1), 10))
        })
    });
    group.finish();
}

fn seed_taxonomy(c: &mut Criterion) {
    let taxonomy = Taxonomy::new(seed_roles());
    bench_group(c, "search_seed", &taxonomy, SEED_QUERIES);
}

fn ten_thousand_roles(c: &mut Criterion) {
    let mut roles = synthetic::roles(10_000, 42);
    roles.extend(seed_roles());
    let taxonomy = Taxonomy::new(roles);
    bench_group(c, "search_10k", &taxonomy, SYNTHETIC_QUERIES);
}

criterion_group!(benches, seed_taxonomy, ten_thousand_roles);
criterion_main!(benches);
