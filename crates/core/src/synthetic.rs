//! Realistic synthetic roles, for benchmarks and demos at sizes no real taxonomy has.

use crate::taxonomy::{Role, Track};

/// A small deterministic generator (SplitMix64), so the same seed gives the same data.
#[derive(Debug, Clone)]
pub struct Rng(u64);

impl Rng {
    pub fn new(seed: u64) -> Self {
        Rng(seed)
    }

    pub fn next_u64(&mut self) -> u64 {
        self.0 = self.0.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = self.0;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        z ^ (z >> 31)
    }

    /// A number in `0..n` (`n` > 0).
    pub fn below(&mut self, n: usize) -> usize {
        (self.next_u64() % n.max(1) as u64) as usize
    }

    pub fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

const REGIONS: &[&str] = &[
    "Arctic",
    "Balkan",
    "Baltic",
    "Caucasus",
    "Central Asian",
    "East African",
    "Great Lakes",
    "Gulf",
    "Horn of Africa",
    "Indo-Pacific",
    "Levant",
    "Maghreb",
    "Mekong",
    "Mediterranean",
    "Nordic",
    "Pacific Islands",
    "Sahel",
    "South Asian",
    "Southern Cone",
    "West African",
];
const DOMAINS: &[&str] = &[
    "Climate",
    "Cyber",
    "Energy",
    "Water",
    "Health",
    "Maritime",
    "Migration",
    "Nuclear",
    "Trade",
    "Food Security",
    "Space",
    "Arms Control",
    "Refugee",
    "Fisheries",
    "Border",
    "Heritage",
    "Digital",
    "Mining",
    "Transport",
    "Education",
];
const FUNCTIONS: &[&str] = &[
    "Dialogue",
    "Negotiation",
    "Mediation",
    "Policy",
    "Programme",
    "Partnerships",
    "Liaison",
    "Outreach",
    "Reconciliation",
    "Exchange",
    "Engagement",
    "Peacebuilding",
];
const NOUNS: &[&str] = &[
    "Officer",
    "Adviser",
    "Advisor",
    "Coordinator",
    "Facilitator",
    "Specialist",
    "Lead",
    "Manager",
    "Director",
    "Analyst",
    "Envoy",
    "Attaché",
    "Counsellor",
    "Convenor",
];
const VERBS: &[&str] = &[
    "Led",
    "Convened",
    "Facilitated",
    "Coordinated",
    "Drafted",
    "Negotiated",
    "Organised",
    "Managed",
    "Designed",
    "Supported",
];

/// `n` roles with titles, synonyms, résumé lines and summaries built from a vocabulary of
/// regions, domains, functions and job nouns; slugs are unique.
pub fn roles(n: usize, seed: u64) -> Vec<Role> {
    let mut rng = Rng::new(seed);
    (0..n)
        .map(|i| {
            let track = *rng.pick(&Track::ALL);
            let region = *rng.pick(REGIONS);
            let domain = *rng.pick(DOMAINS);
            let function = *rng.pick(FUNCTIONS);
            let noun = *rng.pick(NOUNS);
            let title = format!("{region} {domain} {function} {noun}");
            let titles = (0..3)
                .map(|_| format!("{domain} {} {}", rng.pick(FUNCTIONS), rng.pick(NOUNS)))
                .collect();
            let synonyms = vec![
                format!("Track {} {domain} {function}", track.as_str()),
                format!("{region} {function}"),
            ];
            let resume_examples = (0..3)
                .map(|_| {
                    format!(
                        "{} {} {} sessions across the {} region",
                        rng.pick(VERBS),
                        rng.pick(DOMAINS).to_lowercase(),
                        rng.pick(FUNCTIONS).to_lowercase(),
                        rng.pick(REGIONS)
                    )
                })
                .collect();
            let summary = format!(
                "Works on {} {} in the {region}. Builds relationships between parties on {}.",
                domain.to_lowercase(),
                function.to_lowercase(),
                rng.pick(DOMAINS).to_lowercase()
            );
            Role {
                slug: format!("synthetic-{i}"),
                track,
                title,
                summary,
                titles,
                synonyms,
                hidden_labels: Vec::new(),
                sourcing_exclude: Vec::new(),
                resume_examples,
                related: Vec::new(),
                competencies: vec![format!("{function} skills")],
                questions: Vec::new(),
            }
        })
        .collect()
}

#[cfg(test)]
mod tests {
    #[test]
    fn same_seed_same_roles() {
        let a = super::roles(20, 7);
        assert_eq!(a, super::roles(20, 7));
        assert_ne!(a, super::roles(20, 8));
        assert_eq!(a.len(), 20);
    }
}
