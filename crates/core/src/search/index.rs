//! The in-memory role index: labels, their words, and ranked lookup.
//!
//! A query is matched three ways, and each role keeps its best:
//! - **within a name or line**: every required query word in one label (a title,
//!   synonym, résumé line, competency or summary sentence), exactly, as a prefix of the
//!   last word typed, or within the typo allowance; or spread over the role's names;
//! - **a name within the query**: one of the role's names, whole, inside a longer query
//!   ("closed-door dialogue between officials and academics");
//! - **described**: the query's words spread over the role's names, résumé lines,
//!   competencies and summary, weighted by how rare each word is (BM25-style inverse
//!   document frequency) and by the field it is found in.
//!
//! The last two need real evidence: most of the weight of the query's words must be
//! explained by the role, so one common word never makes a result. Seniority and
//! function words ("senior", "head of", "job") are optional: they count when they match
//! but are never required. Cue words of official work ("government", "ministry") favour
//! Track One, of unofficial work ("NGO", "civil society") Track Two.

use std::collections::HashMap;

use serde::Serialize;

use super::normalize::{Term, analyze, stem};
use crate::taxonomy::{Role, Track};

/// Which part of a role a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Field {
    Title,
    AlternateTitle,
    Synonym,
    /// A common misspelling of the role's names matched; the text shown is the role's
    /// title, never the misspelling.
    Spelling,
    Resume,
    Competency,
    Summary,
}

impl Field {
    pub fn as_str(self) -> &'static str {
        match self {
            Field::Title => "title",
            Field::AlternateTitle => "alternate_title",
            Field::Synonym => "synonym",
            Field::Spelling => "spelling",
            Field::Resume => "resume",
            Field::Competency => "competency",
            Field::Summary => "summary",
        }
    }

    /// What matched, in a recruiter's words: "Also advertised as: Press Attaché".
    pub fn describe(self) -> &'static str {
        match self {
            Field::Title => "Job title",
            Field::AlternateTitle => "Also advertised as",
            Field::Synonym => "Also called",
            Field::Spelling => "Spelt differently",
            Field::Resume => "On résumés",
            Field::Competency => "Skill",
            Field::Summary => "In the description",
        }
    }

    /// Titles, synonyms and misspellings: the names of a role.
    fn is_name(self) -> bool {
        matches!(
            self,
            Field::Title | Field::AlternateTitle | Field::Synonym | Field::Spelling
        )
    }

    /// How much a word found here says about the role, for described matches.
    fn weight(self) -> f32 {
        match self {
            Field::Title | Field::AlternateTitle | Field::Synonym | Field::Spelling => 1.0,
            Field::Resume | Field::Competency => 0.8,
            Field::Summary => 0.6,
        }
    }
}

/// How good a match is, best first. Every hit in a better tier outranks every hit in a
/// worse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// The query's words are exactly a title, synonym or misspelling.
    Exact,
    /// Every required query word is a whole word of one name.
    AllWords,
    /// As above, with the last query word as the beginning of a word.
    Prefix,
    /// As above, with at least one word within the typo allowance.
    Typo,
    /// Every required query word appears among the role's names, but not in one name.
    Spread,
    /// One of the role's names, whole, inside a longer query.
    Contained,
    /// Every required query word in one résumé line or competency.
    ResumeOrCompetency,
    /// The query's words spread over the role's fields, weighted by rarity.
    Described,
    /// Every required query word in one sentence of the summary.
    Summary,
}

impl Tier {
    /// The top of the tier's score band; bands are 0.1 wide and never overlap.
    fn base(self) -> f64 {
        match self {
            Tier::Exact => 1.0,
            Tier::AllWords => 0.9,
            Tier::Prefix => 0.8,
            Tier::Typo => 0.7,
            Tier::Spread => 0.6,
            Tier::Contained => 0.5,
            Tier::ResumeOrCompetency => 0.4,
            Tier::Described => 0.3,
            Tier::Summary => 0.2,
        }
    }
}

/// How one query word matched one indexed word.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum WordMatch {
    Exact,
    Prefix,
    Typo(u8),
}

impl WordMatch {
    fn quality(self) -> f32 {
        match self {
            WordMatch::Exact => 1.0,
            WordMatch::Prefix => 0.9,
            WordMatch::Typo(1) => 0.8,
            WordMatch::Typo(_) => 0.65,
        }
    }
}

/// What a hit matched, for showing the recruiter why a role came up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Matched {
    pub field: Field,
    /// The name or line that matched best. For a misspelling, the role's title instead:
    /// misspellings are never displayed.
    pub text: String,
    /// The words of the query, as typed, that carried the match.
    pub words: Vec<String>,
}

/// One role in the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchHit {
    pub slug: String,
    pub title: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2"))]
    pub track: Track,
    /// Relevance in (0, 1]; higher is better.
    pub score: f64,
    pub matched: Matched,
}

/// A compact record, so that scanning thousands of labels stays in cache; the words
/// live in `SearchIndex::label_words` and the text in `SearchIndex::label_text`.
#[derive(Debug, Clone, Copy)]
struct Label {
    role: u32,
    words_start: u32,
    words_len: u32,
    field: Field,
}

/// A word as it is written in the index, with what typo lookups need precomputed, and
/// the stem it belongs to.
#[derive(Debug)]
struct Surface {
    text: Box<str>,
    chars: Box<[char]>,
    mask: u64,
    stem: u32,
}

/// Which characters occur in a word, one bit each. An edit changes at most two bits
/// (a substitution removes one character and adds another), so two words whose masks
/// differ in more than `2 * k` bits cannot be within `k` edits.
fn char_mask(chars: &[char]) -> u64 {
    chars.iter().fold(0, |m, &c| {
        let bit = match c {
            'a'..='z' => c as u32 - 'a' as u32,
            '0'..='9' => 26 + c as u32 - '0' as u32,
            _ => 36 + (c as u32 % 28),
        };
        m | (1u64 << bit)
    })
}

#[derive(Debug)]
struct IndexedRole {
    slug: Box<str>,
    title: Box<str>,
    track: Track,
    /// The role's labels are `labels[first..end]`.
    first: u32,
    end: u32,
    /// Position by track, then title, to break ties in ranking cheaply.
    rank: u32,
    /// Every stem of the role's displayed names, sorted: `SearchIndex::name_words[range]`.
    name_words_start: u32,
    name_words_len: u32,
}

/// An index over every role's titles, synonyms, misspellings, résumé lines,
/// competencies and summary.
#[derive(Debug, Default)]
pub struct SearchIndex {
    roles: Vec<IndexedRole>,
    labels: Vec<Label>,
    /// Stem ids of each label's words, in order.
    label_words: Vec<u32>,
    label_text: Vec<Box<str>>,
    name_words: Vec<u32>,
    /// Stems, by id.
    stems: Vec<Box<str>>,
    stem_ids: HashMap<Box<str>, u32>,
    /// Roles each stem occurs in (any field), for its rarity.
    stem_roles: Vec<u32>,
    /// Labels containing each stem, ascending and without repeats.
    postings: Vec<Vec<u32>>,
    /// Names whose rarest stem is this one: a name can be inside a query only if the
    /// query has its rarest word.
    anchors: Vec<Vec<u32>>,
    /// Words as written (normalised, before stemming), for typo and prefix lookups.
    surfaces: Vec<Surface>,
    surface_ids: HashMap<Box<str>, u32>,
    /// Surface ids by length in characters.
    by_len: Vec<Vec<u32>>,
    /// Surface ids in the order of their text, for prefix lookups.
    sorted: Vec<u32>,
}

/// The most results a search returns, whatever limit is asked for.
pub const MAX_LIMIT: usize = 100;
/// Query words beyond this many are ignored.
const MAX_QUERY_WORDS: usize = 16;

/// Seniority, function and job-board words: they count when they match, but a query
/// never needs them to.
const OPTIONAL: &[&str] = &[
    "senior",
    "junior",
    "lead",
    "leader",
    "head",
    "deputy",
    "chief",
    "principal",
    "acting",
    "regional",
    "program",
    "assistant",
    "associate",
    "interim",
    "country",
    "global",
    "international",
    "national",
    "local",
    "field",
    "graduate",
    "trainee",
    "entry",
    "level",
    "mid",
    "experienced",
    "staff",
    "job",
    "career",
    "vacancy",
    "vacancies",
    "position",
    "role",
    "opening",
    "hiring",
    "hire",
    "recruit",
    "recruitment",
    "opportunity",
    "work",
    "worker",
    "professional",
    "expert",
    "specialist",
    "manager",
    "officer",
    "coordinator",
    "remote",
    "based",
    "time",
    "full",
    "part",
    "contract",
    "temporary",
    "permanent",
];

/// Words that say the work is official, government work.
const OFFICIAL_CUES: &[&str] = &[
    "government",
    "governmental",
    "official",
    "ministry",
    "embassy",
    "state",
    "mfa",
    "foreign",
    "consulate",
    "intergovernmental",
    "bilateral",
    "multilateral",
];

/// Words that say the work is unofficial, outside government.
const UNOFFICIAL_CUES: &[&str] = &[
    "unofficial",
    "ngo",
    "nongovernmental",
    "civil",
    "society",
    "informal",
    "grassroots",
    "back",
    "channel",
    "private",
    "citizen",
    "community",
];

/// What the query's cue words point to.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
enum Cue {
    None,
    Official,
    Unofficial,
}

/// One word of the query, with the vocabulary it matches.
#[derive(Debug)]
struct QueryWord {
    /// As typed, for the explanation.
    raw: String,
    optional: bool,
    /// Whether this is a cue word, and which way it points.
    cue: Cue,
    /// Matching stems, sorted by id, each with its best match.
    candidates: Vec<(u32, WordMatch)>,
    /// Inverse document frequency of the word (of its best candidate; the highest
    /// possible when it matches nothing, since an unknown word is as rare as can be).
    idf: f32,
}

impl SearchIndex {
    /// Build the index from roles.
    pub fn new(roles: &[Role]) -> Self {
        let mut index = SearchIndex::default();
        for role in roles {
            index.add_role(role);
        }
        // Ties go to the earlier track (official diplomacy is what "diplomacy" most
        // often means), then to the title in alphabetical order.
        let mut order: Vec<u32> = (0..index.roles.len() as u32).collect();
        order.sort_by(|&a, &b| {
            let (a, b) = (&index.roles[a as usize], &index.roles[b as usize]);
            a.track.cmp(&b.track).then_with(|| a.title.cmp(&b.title))
        });
        for (rank, role) in order.into_iter().enumerate() {
            index.roles[role as usize].rank = rank as u32;
        }
        let mut sorted: Vec<u32> = (0..index.surfaces.len() as u32).collect();
        sorted.sort_by(|&a, &b| {
            index.surfaces[a as usize]
                .text
                .cmp(&index.surfaces[b as usize].text)
        });
        index.sorted = sorted;
        index.anchors = vec![Vec::new(); index.stems.len()];
        for (l, label) in index.labels.iter().enumerate() {
            if !label.field.is_name() {
                continue;
            }
            let rarest = index
                .words(label)
                .iter()
                .copied()
                .min_by_key(|&w| (index.stem_roles[w as usize], w));
            if let Some(w) = rarest {
                index.anchors[w as usize].push(l as u32);
            }
        }
        index
    }

    fn words(&self, label: &Label) -> &[u32] {
        let start = label.words_start as usize;
        &self.label_words[start..start + label.words_len as usize]
    }

    /// Number of roles indexed.
    pub fn len(&self) -> usize {
        self.roles.len()
    }

    pub fn is_empty(&self) -> bool {
        self.roles.is_empty()
    }

    fn add_role(&mut self, role: &Role) {
        let id = self.roles.len() as u32;
        let first = self.labels.len() as u32;
        let names = std::iter::once((Field::Title, role.title.as_str()))
            .chain(
                role.titles
                    .iter()
                    .map(|s| (Field::AlternateTitle, s.as_str())),
            )
            .chain(role.synonyms.iter().map(|s| (Field::Synonym, s.as_str())))
            .chain(
                role.hidden_labels
                    .iter()
                    .map(|s| (Field::Spelling, s.as_str())),
            );
        let other = role
            .resume_examples
            .iter()
            .map(|s| (Field::Resume, s.as_str()))
            .chain(
                role.competencies
                    .iter()
                    .map(|s| (Field::Competency, s.as_str())),
            )
            .chain(sentences(&role.summary).map(|s| (Field::Summary, s)));
        for (field, text) in names.chain(other) {
            self.add_label(id, field, text);
        }
        self.roles.push(IndexedRole {
            slug: role.slug.as_str().into(),
            title: role.title.as_str().into(),
            track: role.track,
            first,
            end: self.labels.len() as u32,
            rank: 0,
            name_words_start: 0,
            name_words_len: 0,
        });
        let mut all: Vec<u32> = self.label_words[self
            .labels
            .get(first as usize)
            .map_or(0, |l| l.words_start as usize)..]
            .to_vec();
        all.sort_unstable();
        all.dedup();
        for w in all {
            self.stem_roles[w as usize] += 1;
        }
        let mut words: Vec<u32> = (first..self.labels.len() as u32)
            .map(|l| self.labels[l as usize])
            .filter(|l| l.field.is_name() && l.field != Field::Spelling)
            .flat_map(|l| self.words(&l).to_vec())
            .collect();
        words.sort_unstable();
        words.dedup();
        if let Some(r) = self.roles.last_mut() {
            r.name_words_start = self.name_words.len() as u32;
            r.name_words_len = words.len() as u32;
        }
        self.name_words.extend(words);
    }

    fn add_label(&mut self, role: u32, field: Field, text: &str) {
        let words: Vec<u32> = analyze(text)
            .iter()
            .map(|t| self.word_id(&t.term))
            .collect();
        if words.is_empty() {
            return;
        }
        let label = self.labels.len() as u32;
        for &w in &words {
            let postings = &mut self.postings[w as usize];
            if postings.last() != Some(&label) {
                postings.push(label);
            }
        }
        self.labels.push(Label {
            role,
            words_start: self.label_words.len() as u32,
            words_len: words.len() as u32,
            field,
        });
        self.label_words.extend_from_slice(&words);
        self.label_text.push(text.trim().into());
    }

    /// The stem id of a normalised word, adding the stem and the written form.
    fn word_id(&mut self, term: &str) -> u32 {
        let s = stem(term);
        let id = match self.stem_ids.get(s.as_str()) {
            Some(&id) => id,
            None => {
                let id = self.stems.len() as u32;
                self.stems.push(s.as_str().into());
                self.stem_ids.insert(s.into(), id);
                self.postings.push(Vec::new());
                self.stem_roles.push(0);
                id
            }
        };
        if !self.surface_ids.contains_key(term) {
            let sid = self.surfaces.len() as u32;
            let chars: Box<[char]> = term.chars().collect();
            self.surfaces.push(Surface {
                text: term.into(),
                mask: char_mask(&chars),
                chars,
                stem: id,
            });
            self.surface_ids.insert(term.into(), sid);
            let len = term.chars().count();
            if self.by_len.len() <= len {
                self.by_len.resize_with(len + 1, Vec::new);
            }
            self.by_len[len].push(sid);
        }
        id
    }

    /// Inverse document frequency over roles (BM25's): rare stems weigh more.
    fn idf(&self, stem: u32) -> f32 {
        let n = self.roles.len() as f32;
        let df = self.stem_roles[stem as usize] as f32;
        (1.0 + (n - df + 0.5) / (df + 0.5)).ln()
    }

    /// The highest possible inverse document frequency: a word no role has.
    fn max_idf(&self) -> f32 {
        let n = self.roles.len() as f32;
        (1.0 + (n + 0.5) / 0.5).ln()
    }

    fn query_words(&self, terms: &[Term]) -> Vec<QueryWord> {
        let n = terms.len().min(MAX_QUERY_WORDS);
        let mut scratch = Vec::new();
        terms[..n]
            .iter()
            .enumerate()
            .map(|(i, t)| {
                let candidates = self.candidates(t, i + 1 == n, &mut scratch);
                // The word's own rarity when it is in the index; a rare neighbour within
                // typo reach ("tract" for "track") must not make a common word weigh more.
                let exact = candidates.iter().find(|(_, m)| *m == WordMatch::Exact);
                let idf = match exact {
                    Some(&(s, _)) => self.idf(s),
                    None => candidates
                        .iter()
                        .map(|&(s, _)| self.idf(s))
                        .fold(None, |acc: Option<f32>, x| {
                            Some(acc.map_or(x, |a| a.min(x)))
                        })
                        .unwrap_or_else(|| self.max_idf()),
                };
                let after_non = i > 0 && terms[i - 1].term == "non";
                let w = t.term.as_str();
                let cue =
                    if UNOFFICIAL_CUES.contains(&w) || (after_non && OFFICIAL_CUES.contains(&w)) {
                        Cue::Unofficial
                    } else if OFFICIAL_CUES.contains(&w) {
                        Cue::Official
                    } else {
                        Cue::None
                    };
                QueryWord {
                    raw: t.raw.clone(),
                    optional: cue != Cue::None || OPTIONAL.contains(&w),
                    cue,
                    candidates,
                    idf,
                }
            })
            .collect()
    }

    /// Roles matching the query, best first, at most `limit` (capped at [`MAX_LIMIT`]).
    /// A query that matches nothing relevant returns no results rather than a guess.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let literal = query.trim().to_lowercase();
        let terms = analyze(query);
        let limit = limit.min(MAX_LIMIT);
        if terms.is_empty() || limit == 0 {
            return Vec::new();
        }
        let words = self.query_words(&terms);
        let cue = cue_of(&words);
        let mut required: Vec<usize> = (0..words.len()).filter(|&i| !words[i].optional).collect();
        if required.is_empty() {
            required = (0..words.len()).collect();
        }
        let optional: Vec<usize> = (0..words.len()).filter(|i| !required.contains(i)).collect();

        let mut best: Vec<Option<Best>> = vec![None; self.roles.len()];
        let mut touched: Vec<u32> = Vec::new();
        self.within_labels(
            &words,
            &required,
            &optional,
            &literal,
            &mut best,
            &mut touched,
        );
        if words.len() > 1 {
            self.spread_evidence(&words, &required, limit, &mut best, &mut touched);
        }

        // Sort keys inline, so ordering thousands of hits touches no other memory.
        let mut hits: Vec<(f64, u32, u32, Best)> = touched
            .into_iter()
            .filter_map(|r| {
                best[r as usize].map(|b| {
                    let score = b.score + cue_boost(cue, self.roles[r as usize].track, b.tier);
                    (score, self.roles[r as usize].rank, r, b)
                })
            })
            .collect();
        let order = |a: &(f64, u32, u32, Best), b: &(f64, u32, u32, Best)| {
            b.0.total_cmp(&a.0).then_with(|| a.1.cmp(&b.1))
        };
        if hits.len() > limit {
            hits.select_nth_unstable_by(limit, order);
            hits.truncate(limit);
        }
        hits.sort_by(order);
        hits.into_iter()
            .map(|(score, _, role, b)| {
                let r = &self.roles[role as usize];
                let label = &self.labels[b.label as usize];
                let text = if label.field == Field::Spelling {
                    r.title.to_string()
                } else {
                    self.label_text[b.label as usize].to_string()
                };
                SearchHit {
                    slug: r.slug.to_string(),
                    title: r.title.to_string(),
                    track: r.track,
                    score: (score.min(1.0) * 10_000.0).round() / 10_000.0,
                    matched: Matched {
                        field: label.field,
                        text,
                        words: (0..words.len())
                            .filter(|i| b.words & (1 << i) != 0)
                            .map(|i| words[i].raw.clone())
                            .collect(),
                    },
                }
            })
            .collect()
    }

    /// The first way of matching: every required word within one label (or spread over
    /// the role's names).
    fn within_labels(
        &self,
        words: &[QueryWord],
        required: &[usize],
        optional: &[usize],
        literal: &str,
        best: &mut [Option<Best>],
        touched: &mut Vec<u32>,
    ) {
        if required.iter().any(|&i| words[i].candidates.is_empty()) {
            return;
        }
        // Drive from the required word with the fewest labels; every match contains it.
        let posting_count = |i: usize| -> usize {
            words[i]
                .candidates
                .iter()
                .map(|&(w, _)| self.postings[w as usize].len())
                .sum()
        };
        let Some(&driver) = required.iter().min_by_key(|&&i| posting_count(i)) else {
            return;
        };
        let mut driver_labels: Vec<(u32, WordMatch)> = words[driver]
            .candidates
            .iter()
            .flat_map(|&(w, m)| self.postings[w as usize].iter().map(move |&l| (l, m)))
            .collect();
        if words[driver].candidates.len() > 1 {
            driver_labels.sort_unstable();
            driver_labels.dedup_by_key(|(l, _)| *l);
        }
        let mut spread_roles: Vec<u32> = Vec::new();
        // How many of each role's labels hold the query: a role named by the query in
        // many ways ("Track One diplomacy", "official diplomacy", "formal diplomacy") is
        // more about it than one with a single mention.
        let mut support: HashMap<u32, u32> = HashMap::new();
        for &(l, driver_match) in &driver_labels {
            let label = &self.labels[l as usize];
            match self.score_label(label, words, required, optional, driver, driver_match) {
                Some((tier, score, matched)) => {
                    *support.entry(label.role).or_default() += 1;
                    // Among equal names ("Track Two", "Track II"), show the one typed.
                    let typed = tier == Tier::Exact
                        && self.label_text[l as usize].to_lowercase() == literal;
                    let hit = Best {
                        tier,
                        score,
                        label: l,
                        words: matched,
                    };
                    offer(best, touched, label.role, hit, typed);
                }
                None if label.field.is_name() && required.len() > 1 => {
                    spread_roles.push(label.role);
                }
                None => {}
            }
        }
        for (role, n) in support {
            if let Some(b) = best[role as usize].as_mut()
                && b.tier != Tier::Exact
            {
                b.score += 0.002 * f64::from(n.saturating_sub(1).min(5));
            }
        }
        spread_roles.dedup();
        for role in spread_roles {
            if best[role as usize].is_some_and(|b| b.tier < Tier::Spread) {
                continue;
            }
            if let Some((score, l)) = self.spread_match(role, words, required, driver) {
                let hit = Best {
                    tier: Tier::Spread,
                    score,
                    label: l,
                    words: required.iter().fold(0, |m, &i| m | (1 << i)),
                };
                offer(best, touched, role, hit, false);
            }
        }
    }

    /// The label's tier, score and the query words it matched, if every required query
    /// word matches one of its words.
    fn score_label(
        &self,
        label: &Label,
        words: &[QueryWord],
        required: &[usize],
        optional: &[usize],
        driver: usize,
        driver_match: WordMatch,
    ) -> Option<(Tier, f64, u32)> {
        let label_words = self.words(label);
        let mut worst = WordMatch::Exact;
        let mut edits = 0u32;
        let mut matched = 0u32;
        for &i in required {
            let m = if i == driver {
                driver_match
            } else {
                best_in(label_words, &words[i].candidates)?
            };
            worst = worst.max(m);
            if let WordMatch::Typo(d) = m {
                edits += u32::from(d);
            }
            matched |= 1 << i;
        }
        let mut optional_matched = 0u32;
        let track = self.roles[label.role as usize].track;
        for &i in optional {
            if best_in(label_words, &words[i].candidates).is_some() {
                matched |= 1 << i;
                optional_matched += 1;
            } else if words[i].cue.contradicts(track) {
                return None;
            }
        }
        let used = required.len() as u32 + optional_matched;
        // A misspelling is matched as a whole, never as a part or with further typos.
        if label.field == Field::Spelling
            && (label.words_len != used || matches!(worst, WordMatch::Typo(_)))
        {
            return None;
        }
        let tier = if label.field.is_name() {
            if worst == WordMatch::Exact && self.covers_label(label_words, words, matched) {
                Tier::Exact
            } else {
                match worst {
                    WordMatch::Exact => Tier::AllWords,
                    WordMatch::Prefix => Tier::Prefix,
                    WordMatch::Typo(_) => Tier::Typo,
                }
            }
        } else if label.field == Field::Summary {
            Tier::Summary
        } else {
            Tier::ResumeOrCompetency
        };
        let coverage = (f64::from(used) / f64::from(label.words_len)).min(1.0);
        let unused_optional = (optional.len() as u32 - optional_matched).min(3);
        let field_order = match label.field {
            Field::Title => 0.0,
            Field::AlternateTitle => 0.001,
            Field::Synonym => 0.002,
            _ => 0.003,
        };
        let penalty = 0.06 * (1.0 - coverage)
            + 0.01 * f64::from(edits.min(3))
            + 0.004 * f64::from(unused_optional)
            + field_order;
        Some((tier, tier.base() - penalty, matched))
    }

    /// Whether every word of the label is one of the matched query words, exactly.
    fn covers_label(&self, label_words: &[u32], words: &[QueryWord], matched: u32) -> bool {
        label_words.iter().all(|w| {
            (0..words.len()).any(|i| {
                matched & (1 << i) != 0
                    && words[i]
                        .candidates
                        .binary_search_by_key(w, |&(id, _)| id)
                        .is_ok_and(|k| words[i].candidates[k].1 == WordMatch::Exact)
            })
        })
    }

    /// If every required query word matches some name of the role, the score and the
    /// name that covered the most words. The driver word is known to match one of them.
    fn spread_match(
        &self,
        role: u32,
        words: &[QueryWord],
        required: &[usize],
        driver: usize,
    ) -> Option<(f64, u32)> {
        let r = &self.roles[role as usize];
        let start = r.name_words_start as usize;
        let all_names = &self.name_words[start..start + r.name_words_len as usize];
        for &i in required {
            if i != driver && best_in(all_names, &words[i].candidates).is_none() {
                return None;
            }
        }
        if words
            .iter()
            .any(|w| w.cue.contradicts(r.track) && best_in(all_names, &w.candidates).is_none())
        {
            return None;
        }
        let covers = |l: u32, i: usize| {
            best_in(self.words(&self.labels[l as usize]), &words[i].candidates).is_some()
        };
        let (count, label) = (r.first..r.end)
            .filter(|&l| {
                let f = self.labels[l as usize].field;
                f.is_name() && f != Field::Spelling
            })
            .map(|l| (required.iter().filter(|&&i| covers(l, i)).count(), l))
            .max_by_key(|&(count, l)| (count, std::cmp::Reverse(l)))?;
        let share = count as f64 / required.len() as f64;
        Some((Tier::Spread.base() - 0.05 * (1.0 - share), label))
    }

    /// The second and third ways of matching: a name inside the query, and the query's
    /// words spread over the role's fields. Both need most of the query explained.
    ///
    /// Neither can outrank a hit of the first kind at the Spread tier or above, so when
    /// there are already `limit` of those this is skipped. In a large index (1,000 roles
    /// or more), a word found in over half of the roles says almost nothing about any
    /// one of them: its postings are not walked, and no role has to explain it.
    fn spread_evidence(
        &self,
        words: &[QueryWord],
        required: &[usize],
        limit: usize,
        best: &mut [Option<Best>],
        touched: &mut Vec<u32>,
    ) {
        let ceiling = Tier::Contained.base() + CUE_BOOST;
        let strong = touched
            .iter()
            .filter(|&&r| best[r as usize].is_some_and(|b| b.score >= ceiling))
            .count();
        if strong >= limit {
            return;
        }
        let n_roles = self.roles.len() as u32;
        let common = |s: u32| n_roles >= 1000 && self.stem_roles[s as usize] * 2 > n_roles;
        let uninformative: Vec<bool> = words
            .iter()
            .map(|w| !w.candidates.is_empty() && w.candidates.iter().all(|&(s, _)| common(s)))
            .collect();
        let contained = self.contained_names(words);
        let half_of_roles = n_roles.div_ceil(2);
        // Per role: the best weight of each query word found in it.
        let mut slot: Vec<u32> = vec![u32::MAX; self.roles.len()];
        let mut accs: Vec<Acc> = Vec::new();
        for (i, w) in words.iter().enumerate() {
            if uninformative[i] {
                continue;
            }
            for &(s, m) in &w.candidates {
                let q = m.quality();
                for &l in &self.postings[s as usize] {
                    let label = &self.labels[l as usize];
                    if label.field == Field::Spelling && m != WordMatch::Exact {
                        continue;
                    }
                    let r = label.role as usize;
                    if slot[r] == u32::MAX {
                        slot[r] = accs.len() as u32;
                        accs.push(Acc::new(label.role));
                    }
                    let acc = &mut accs[slot[r] as usize];
                    let weight = label.field.weight() * q;
                    // A word found as itself in a name, résumé line or competency anchors
                    // a described match; one found only in the summary, or only by a typo,
                    // does not.
                    if m == WordMatch::Exact
                        && label.field != Field::Summary
                        && self.stem_roles[s as usize] <= half_of_roles
                    {
                        acc.anchored |= 1 << i;
                    }
                    if weight > acc.weight[i] {
                        acc.weight[i] = weight;
                        if weight >= acc.best_label_weight {
                            acc.best_label_weight = weight;
                            acc.best_label = l;
                        }
                    }
                }
            }
        }
        for acc in &accs {
            let track = self.roles[acc.role as usize].track;
            // The words this role must explain: the required ones, and cue words that
            // rule its track out.
            let must: Vec<usize> = (0..words.len())
                .filter(|&i| !uninformative[i])
                .filter(|&i| required.contains(&i) || words[i].cue.contradicts(track))
                .collect();
            let share_of = |set: &[usize]| -> f32 {
                let total: f32 = set.iter().map(|&i| words[i].idf).sum();
                if total <= 0.0 {
                    return 1.0;
                }
                set.iter()
                    .map(|&i| words[i].idf * acc.weight[i])
                    .sum::<f32>()
                    / total
            };
            let mut found: u32 = 0;
            for (i, w) in acc.weight.iter().enumerate().take(words.len()) {
                if *w > 0.0 {
                    found |= 1 << i;
                }
            }
            // A name inside the query, the rest of the query explained by the role.
            if let Some(&(label, _, inside)) = contained.get(&acc.role) {
                let rest: Vec<usize> = must
                    .iter()
                    .copied()
                    .filter(|&i| inside & (1 << i) == 0)
                    .collect();
                let rest_share = share_of(&rest);
                if rest.is_empty() || rest_share >= 0.4 {
                    let strength = 0.5 + 0.5 * rest_share;
                    let hit = Best {
                        tier: Tier::Contained,
                        score: Tier::Contained.base() - 0.099 * f64::from(1.0 - strength),
                        label,
                        words: found,
                    };
                    offer(best, touched, acc.role, hit, false);
                }
            }
            // Described: two or more required words, one of them distinctive, and most
            // of the query's weight explained.
            let must_found = must.iter().filter(|&&i| acc.weight[i] > 0.0).count();
            let distinctive = must.iter().any(|&i| acc.anchored & (1 << i) != 0);
            let share = share_of(&must);
            if share >= 0.4 && must_found >= 2 && distinctive {
                let hit = Best {
                    tier: Tier::Described,
                    score: Tier::Described.base() - 0.099 * f64::from(1.0 - share),
                    label: acc.best_label,
                    words: found,
                };
                offer(best, touched, acc.role, hit, false);
            }
        }
    }

    /// For each role, its most telling name (by the rarity of its words) all of whose
    /// words are in the query, with the query words inside it. A name can be inside the
    /// query only if its rarest word is, so only names anchored on the query's words are
    /// looked at.
    fn contained_names(&self, words: &[QueryWord]) -> HashMap<u32, (u32, f32, u32)> {
        let mut best: HashMap<u32, (u32, f32, u32)> = HashMap::new();
        for w in words {
            for &(s, m) in &w.candidates {
                for &l in &self.anchors[s as usize] {
                    let label = &self.labels[l as usize];
                    if label.field == Field::Spelling && m != WordMatch::Exact {
                        continue;
                    }
                    let label_words = self.words(label);
                    let mut inside = 0u32;
                    let all_inside = label_words.iter().all(|lw| {
                        let mut any = false;
                        for (j, q) in words.iter().enumerate() {
                            if q.candidates.binary_search_by_key(lw, |&(id, _)| id).is_ok() {
                                inside |= 1 << j;
                                any = true;
                            }
                        }
                        any
                    });
                    if !all_inside {
                        continue;
                    }
                    let mut distinct = label_words.to_vec();
                    distinct.sort_unstable();
                    distinct.dedup();
                    let weight: f32 = distinct.iter().map(|&s| self.idf(s)).sum();
                    let entry = best.entry(label.role).or_insert((l, weight, inside));
                    if weight > entry.1 {
                        *entry = (l, weight, inside);
                    }
                }
            }
        }
        best
    }

    /// Stems a query word matches, sorted by id, each with its best match: the stem
    /// itself; words the last query word begins (search as you type); and, for a word the
    /// index does not have, words within the typo allowance of it as typed or as
    /// normalised.
    fn candidates(
        &self,
        t: &Term,
        is_last: bool,
        scratch: &mut Vec<usize>,
    ) -> Vec<(u32, WordMatch)> {
        let mut out: Vec<(u32, WordMatch)> = Vec::new();
        if let Some(&id) = self.stem_ids.get(stem(&t.term).as_str()) {
            out.push((id, WordMatch::Exact));
        }
        let term: Vec<char> = t.term.chars().collect();
        if is_last && term.len() >= 2 {
            let from = self
                .sorted
                .partition_point(|&id| *self.surfaces[id as usize].text < *t.term);
            for &id in &self.sorted[from..] {
                let w = &self.surfaces[id as usize];
                if !w.text.starts_with(t.term.as_str()) {
                    break;
                }
                if w.chars.len() > term.len() {
                    out.push((w.stem, WordMatch::Prefix));
                }
            }
        }
        let known = |form: &str| self.surface_ids.contains_key(form);
        if !known(&t.term) {
            let mut forms: Vec<&str> = vec![t.term.as_str()];
            if t.raw != t.term && !t.raw.contains(['.', '+']) && !known(&t.raw) {
                forms.push(t.raw.as_str());
            }
            for form in forms {
                self.typo_candidates(form, out.is_empty(), scratch, &mut out);
            }
        }
        // Search as you type, with a typo in what was typed so far: only when nothing
        // else matched. The first letter is taken as right, which keeps this cheap.
        if out.is_empty() && is_last {
            let n = term.len();
            let allowed = typo_allowance(n);
            let mask = char_mask(&term);
            for len in (n + 1)..self.by_len.len() {
                for &id in &self.by_len[len] {
                    let w = &self.surfaces[id as usize];
                    if allowed == 0 || w.chars[0] != term[0] {
                        continue;
                    }
                    let d = (n.saturating_sub(1)..=n + 1)
                        .filter(|&k| k < len)
                        .filter(|&k| {
                            (mask ^ char_mask(&w.chars[..k])).count_ones() as usize <= 2 * allowed
                        })
                        .filter_map(|k| osa_distance(&term, &w.chars[..k], allowed, scratch))
                        .min();
                    if let Some(d) = d {
                        out.push((w.stem, WordMatch::Typo(d as u8)));
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup_by_key(|(id, _)| *id);
        out
    }

    /// Words within the typo allowance of `form`. A four-letter word the index does not
    /// have may have lost a letter ("meda"): one insertion is allowed, when nothing else
    /// has matched it.
    fn typo_candidates(
        &self,
        form: &str,
        nothing_yet: bool,
        scratch: &mut Vec<usize>,
        out: &mut Vec<(u32, WordMatch)>,
    ) {
        let chars: Vec<char> = form.chars().collect();
        let n = chars.len();
        let short = n == 4 && nothing_yet;
        let allowed = if short { 1 } else { typo_allowance(n) };
        if allowed == 0 {
            return;
        }
        let mask = char_mask(&chars);
        let lo = if short {
            n + 1
        } else {
            n.saturating_sub(allowed)
        };
        let hi = (n + allowed + 1).min(self.by_len.len());
        for len in lo..hi {
            for &id in &self.by_len[len] {
                let w = &self.surfaces[id as usize];
                if (mask ^ w.mask).count_ones() as usize > 2 * allowed {
                    continue;
                }
                if let Some(d) = osa_distance(&chars, &w.chars, allowed, scratch) {
                    out.push((w.stem, WordMatch::Typo(d as u8)));
                }
            }
        }
    }
}

/// Per role, during the spread-evidence pass.
#[derive(Debug)]
struct Acc {
    role: u32,
    /// Best field weight × match quality of each query word in this role.
    weight: [f32; MAX_QUERY_WORDS],
    /// Query words found as themselves, in a name, résumé line or competency, and rare
    /// enough to tell roles apart.
    anchored: u32,
    best_label: u32,
    best_label_weight: f32,
}

impl Acc {
    fn new(role: u32) -> Self {
        Acc {
            role,
            weight: [0.0; MAX_QUERY_WORDS],
            anchored: 0,
            best_label: 0,
            best_label_weight: 0.0,
        }
    }
}

/// Where the query's cue words point: official only, unofficial only, or neither (or
/// both).
fn cue_of(words: &[QueryWord]) -> Cue {
    let official = words.iter().any(|w| w.cue == Cue::Official);
    let unofficial = words.iter().any(|w| w.cue == Cue::Unofficial);
    match (official, unofficial) {
        (true, false) => Cue::Official,
        (false, true) => Cue::Unofficial,
        _ => Cue::None,
    }
}

impl Cue {
    /// Whether a role on `track` is the kind of work this cue rules out: official work is
    /// not Track Two and beyond; unofficial work is not Track One. Track 1.5, officials
    /// in an unofficial capacity, is ruled out by neither. For such a role the cue word
    /// stops being optional: it must be found in the role, or the role does not match.
    fn contradicts(self, track: Track) -> bool {
        match self {
            Cue::None => false,
            Cue::Official => !matches!(track, Track::One | Track::OnePointFive),
            Cue::Unofficial => track == Track::One,
        }
    }
}

/// How much a cue word lifts a role on the track it points to.
const CUE_BOOST: f64 = 0.03;

/// A small lift, within the hit's band, for roles on the track the cue words point to.
fn cue_boost(cue: Cue, track: Track, tier: Tier) -> f64 {
    let favoured = match cue {
        Cue::None => return 0.0,
        Cue::Official => track == Track::One,
        Cue::Unofficial => track == Track::Two,
    };
    if favoured && tier != Tier::Exact {
        CUE_BOOST
    } else {
        0.0
    }
}

#[derive(Debug, Clone, Copy)]
struct Best {
    tier: Tier,
    score: f64,
    label: u32,
    /// Query words that carried the match, one bit each.
    words: u32,
}

fn offer(best: &mut [Option<Best>], touched: &mut Vec<u32>, role: u32, hit: Best, typed: bool) {
    match &mut best[role as usize] {
        slot @ None => {
            *slot = Some(hit);
            touched.push(role);
        }
        Some(current) => {
            if hit.score > current.score || (typed && hit.score == current.score) {
                *current = hit;
            }
        }
    }
}

/// The best way any of the label's words matches a query word's candidates.
fn best_in(words: &[u32], candidates: &[(u32, WordMatch)]) -> Option<WordMatch> {
    words
        .iter()
        .filter_map(|w| {
            candidates
                .binary_search_by_key(w, |&(id, _)| id)
                .ok()
                .map(|i| candidates[i].1)
        })
        .min()
}

/// Whether `word` is within the typo allowance of `query_word`'s length.
pub fn within_typo_allowance(query_word: &str, word: &str) -> bool {
    let q: Vec<char> = query_word.chars().collect();
    let w: Vec<char> = word.chars().collect();
    let allowed = typo_allowance(q.len());
    allowed > 0 && osa_distance(&q, &w, allowed, &mut Vec::new()).is_some()
}

/// Edits tolerated in a word of `n` characters: 1 from 5 letters, 2 from 9.
pub fn typo_allowance(n: usize) -> usize {
    match n {
        0..=4 => 0,
        5..=8 => 1,
        _ => 2,
    }
}

/// Optimal string alignment distance (a transposition is one edit), or `None` when it
/// exceeds `max`.
fn osa_distance(a: &[char], b: &[char], max: usize, rows: &mut Vec<usize>) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    rows.clear();
    rows.resize(3 * w, 0);
    let (mut prev2, mut prev, mut cur) = (0, w, 2 * w);
    for (j, cell) in rows[prev..prev + w].iter_mut().enumerate() {
        *cell = j;
    }
    for i in 1..=a.len() {
        rows[cur] = i;
        let mut row_min = i;
        for j in 1..=b.len() {
            let cost = usize::from(a[i - 1] != b[j - 1]);
            let mut v = (rows[prev + j] + 1)
                .min(rows[cur + j - 1] + 1)
                .min(rows[prev + j - 1] + cost);
            if i > 1 && j > 1 && a[i - 1] == b[j - 2] && a[i - 2] == b[j - 1] {
                v = v.min(rows[prev2 + j - 2] + 1);
            }
            rows[cur + j] = v;
            row_min = row_min.min(v);
        }
        if row_min > max {
            return None;
        }
        (prev2, prev, cur) = (prev, cur, prev2);
    }
    let d = rows[prev + b.len()];
    (d <= max).then_some(d)
}

/// Sentences of a summary, each indexed as its own label. A full stop ends a sentence
/// only before white space, so "Track 1.5" stays whole.
fn sentences(text: &str) -> impl Iterator<Item = &str> {
    let mut rest = text;
    std::iter::from_fn(move || {
        loop {
            if rest.trim().is_empty() {
                return None;
            }
            let bytes = rest.as_bytes();
            let end = (0..bytes.len())
                .find(|&i| {
                    matches!(bytes[i], b'.' | b'!' | b'?')
                        && bytes.get(i + 1).is_none_or(|b| b.is_ascii_whitespace())
                })
                .map_or(rest.len(), |i| i + 1);
            let (sentence, tail) = rest.split_at(end);
            rest = tail;
            let sentence = sentence.trim();
            if !sentence.is_empty() {
                return Some(sentence);
            }
        }
    })
}

#[cfg(test)]
mod tests {
    use super::*;

    fn chars(s: &str) -> Vec<char> {
        s.chars().collect()
    }

    fn osa(a: &str, b: &str, max: usize) -> Option<usize> {
        osa_distance(&chars(a), &chars(b), max, &mut Vec::new())
    }

    #[test]
    fn char_masks_never_rule_out_a_word_within_reach() {
        for (a, b, k) in [
            ("dipolmat", "diplomat", 1),
            ("diplmat", "diplomat", 1),
            ("practioner", "practitioner", 2),
            ("track", "trakc", 1),
        ] {
            let diff = (char_mask(&chars(a)) ^ char_mask(&chars(b))).count_ones() as usize;
            assert!(diff <= 2 * k, "{a} {b}");
            assert!(osa(a, b, k).is_some(), "{a} {b}");
        }
    }

    #[test]
    fn osa_counts_a_transposition_as_one_edit() {
        assert_eq!(osa("dipolmat", "diplomat", 2), Some(1));
        assert_eq!(osa("diplomat", "diplomat", 0), Some(0));
        assert_eq!(osa("diplmat", "diplomat", 1), Some(1));
        assert_eq!(osa("pastry", "party", 1), None);
        assert_eq!(osa("abc", "abcdef", 2), None);
    }

    #[test]
    fn typo_allowance_grows_with_word_length() {
        assert_eq!(typo_allowance(4), 0);
        assert_eq!(typo_allowance(5), 1);
        assert_eq!(typo_allowance(8), 1);
        assert_eq!(typo_allowance(9), 2);
    }

    #[test]
    fn sentences_split_on_terminal_punctuation() {
        let s: Vec<&str> = sentences("One. Two!  Three").collect();
        assert_eq!(s, ["One.", "Two!", "Three"]);
        let s: Vec<&str> = sentences("Track 1.5 diplomacy. Next.").collect();
        assert_eq!(s, ["Track 1.5 diplomacy.", "Next."]);
    }

    #[test]
    fn cue_words_point_one_way_or_none() {
        let index = SearchIndex::new(&[]);
        let cue = |q: &str| cue_of(&index.query_words(&analyze(q)));
        assert_eq!(cue("government negotiator"), Cue::Official);
        assert_eq!(cue("NGO dialogue facilitator"), Cue::Unofficial);
        assert_eq!(cue("non-governmental mediator"), Cue::Unofficial);
        assert_eq!(cue("official and unofficial talks"), Cue::None);
        assert_eq!(cue("mediator"), Cue::None);
    }
}
