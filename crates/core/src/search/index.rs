//! The in-memory role index: labels, their words, and ranked lookup.

use std::collections::HashMap;

use serde::Serialize;

use super::normalize::terms;
use crate::taxonomy::{Role, Track};

/// Which part of a role a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Field {
    Title,
    AlternateTitle,
    Synonym,
    /// A common misspelling: it matches but is never displayed.
    HiddenLabel,
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
            Field::HiddenLabel => "hidden_label",
            Field::Resume => "resume",
            Field::Competency => "competency",
            Field::Summary => "summary",
        }
    }

    /// Titles, synonyms and hidden labels: the names of a role.
    fn is_name(self) -> bool {
        matches!(
            self,
            Field::Title | Field::AlternateTitle | Field::Synonym | Field::HiddenLabel
        )
    }
}

/// How good a match is, best first. Every hit in a better tier outranks every hit in a
/// worse one.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord)]
enum Tier {
    /// The query is exactly a title, synonym or hidden label.
    Exact,
    /// Every query word is a whole word of one name.
    AllWords,
    /// As above, with the last query word as the beginning of a word.
    Prefix,
    /// As above, with at least one word within the typo allowance.
    Typo,
    /// Every query word appears among the role's names, but not in one name.
    Spread,
    /// Every query word in one résumé line or competency.
    ResumeOrCompetency,
    /// Every query word in one sentence of the summary.
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
            Tier::ResumeOrCompetency => 0.5,
            Tier::Summary => 0.3,
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

/// What a hit matched, for showing the recruiter why a role came up.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Matched {
    pub field: Field,
    /// The label that matched. For a hidden label, the role's title instead: misspellings
    /// are never displayed.
    pub text: String,
}

/// One role in the results.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct SearchHit {
    pub slug: String,
    pub title: String,
    pub track: Track,
    /// Relevance in (0, 1]; higher is better.
    pub score: f64,
    pub matched: Matched,
}

#[derive(Debug)]
struct Label {
    role: u32,
    field: Field,
    text: Box<str>,
    words: Box<[u32]>,
}

#[derive(Debug)]
struct IndexedRole {
    slug: Box<str>,
    title: Box<str>,
    track: Track,
    /// The role's labels are `labels[first..end]`.
    first: u32,
    end: u32,
}

/// An index over every role's titles, synonyms, hidden labels, résumé lines,
/// competencies and summary.
#[derive(Debug, Default)]
pub struct SearchIndex {
    roles: Vec<IndexedRole>,
    labels: Vec<Label>,
    vocab: Vec<Box<str>>,
    vocab_ids: HashMap<Box<str>, u32>,
    /// Vocabulary ids by word length in characters, for typo lookups.
    by_len: Vec<Vec<u32>>,
    /// Labels containing each word, ascending and without repeats.
    postings: Vec<Vec<u32>>,
}

/// The most results a search returns, whatever limit is asked for.
pub const MAX_LIMIT: usize = 100;

impl SearchIndex {
    /// Build the index from roles.
    pub fn new(roles: &[Role]) -> Self {
        let mut index = SearchIndex::default();
        for role in roles {
            index.add_role(role);
        }
        index
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
                    .map(|s| (Field::HiddenLabel, s.as_str())),
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
        });
    }

    fn add_label(&mut self, role: u32, field: Field, text: &str) {
        let words: Vec<u32> = terms(text).iter().map(|w| self.word_id(w)).collect();
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
            field,
            text: text.trim().into(),
            words: words.into(),
        });
    }

    fn word_id(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.vocab_ids.get(word) {
            return id;
        }
        let id = self.vocab.len() as u32;
        self.vocab.push(word.into());
        self.vocab_ids.insert(word.into(), id);
        self.postings.push(Vec::new());
        let len = word.chars().count();
        if self.by_len.len() <= len {
            self.by_len.resize_with(len + 1, Vec::new);
        }
        self.by_len[len].push(id);
        id
    }

    /// Roles matching the query, best first, at most `limit` (capped at [`MAX_LIMIT`]).
    ///
    /// Every query word must match: a query with any word that matches nothing returns no
    /// results rather than a guess.
    pub fn search(&self, query: &str, limit: usize) -> Vec<SearchHit> {
        let literal = query.trim().to_lowercase();
        let query = terms(query);
        let limit = limit.min(MAX_LIMIT);
        if query.is_empty() || limit == 0 {
            return Vec::new();
        }
        let last = query.len() - 1;
        let mut candidates: Vec<Vec<(u32, WordMatch)>> = Vec::with_capacity(query.len());
        for (i, word) in query.iter().enumerate() {
            let c = self.candidates(word, i == last);
            if c.is_empty() {
                return Vec::new();
            }
            candidates.push(c);
        }

        // Drive from the query word with the fewest labels; every full match contains it.
        let posting_count = |c: &Vec<(u32, WordMatch)>| -> usize {
            c.iter()
                .map(|&(w, _)| self.postings[w as usize].len())
                .sum()
        };
        let driver = (0..candidates.len())
            .min_by_key(|&i| posting_count(&candidates[i]))
            .unwrap_or(0);
        let mut driver_labels: Vec<u32> = candidates[driver]
            .iter()
            .flat_map(|&(w, _)| self.postings[w as usize].iter().copied())
            .collect();
        driver_labels.sort_unstable();
        driver_labels.dedup();

        let mut best: HashMap<u32, Best> = HashMap::new();
        let mut spread_roles: Vec<u32> = Vec::new();
        for &l in &driver_labels {
            let label = &self.labels[l as usize];
            match self.score_label(label, &query, &candidates) {
                Some((tier, score)) => {
                    // Among equal names ("Track Two", "Track II"), show the one typed.
                    let typed = tier == Tier::Exact && label.text.to_lowercase() == literal;
                    offer(&mut best, label.role, tier, score, l, typed);
                }
                None if label.field.is_name() => spread_roles.push(label.role),
                None => {}
            }
        }
        spread_roles.sort_unstable();
        spread_roles.dedup();
        for role in spread_roles {
            if best.get(&role).is_some_and(|b| b.tier < Tier::Spread) {
                continue;
            }
            if let Some((score, l)) = self.spread_match(role, &candidates) {
                offer(&mut best, role, Tier::Spread, score, l, false);
            }
        }

        let mut hits: Vec<(u32, Best)> = best.into_iter().collect();
        hits.sort_by(|a, b| {
            b.1.score.total_cmp(&a.1.score).then_with(|| {
                self.roles[a.0 as usize]
                    .title
                    .cmp(&self.roles[b.0 as usize].title)
            })
        });
        hits.truncate(limit);
        hits.into_iter()
            .map(|(role, b)| {
                let r = &self.roles[role as usize];
                let label = &self.labels[b.label as usize];
                let text = if label.field == Field::HiddenLabel {
                    r.title.to_string()
                } else {
                    label.text.to_string()
                };
                SearchHit {
                    slug: r.slug.to_string(),
                    title: r.title.to_string(),
                    track: r.track,
                    score: (b.score * 10_000.0).round() / 10_000.0,
                    matched: Matched {
                        field: label.field,
                        text,
                    },
                }
            })
            .collect()
    }

    /// Vocabulary words a query word matches, sorted by id, each with its best match.
    fn candidates(&self, word: &str, is_last: bool) -> Vec<(u32, WordMatch)> {
        let mut out: Vec<(u32, WordMatch)> = Vec::new();
        if let Some(&id) = self.vocab_ids.get(word) {
            out.push((id, WordMatch::Exact));
        }
        let chars: Vec<char> = word.chars().collect();
        let n = chars.len();
        let allowed = typo_allowance(n);
        let prefix = is_last && n >= 2;
        if allowed > 0 || prefix {
            let lo = n.saturating_sub(allowed);
            let hi = if prefix {
                self.by_len.len()
            } else {
                (n + allowed + 1).min(self.by_len.len())
            };
            let mut buf: Vec<char> = Vec::with_capacity(n + 4);
            for len in lo..hi {
                for &id in &self.by_len[len] {
                    let candidate = &self.vocab[id as usize];
                    if prefix && len > n && candidate.starts_with(word) {
                        out.push((id, WordMatch::Prefix));
                        continue;
                    }
                    if allowed == 0 || candidate.as_ref() == word {
                        continue;
                    }
                    buf.clear();
                    buf.extend(candidate.chars());
                    let mut d = if len.abs_diff(n) <= allowed {
                        osa_distance(&chars, &buf, allowed)
                    } else {
                        None
                    };
                    if d.is_none() && prefix && len > n {
                        // Search as you type, with a typo in what was typed so far.
                        d = (n.saturating_sub(1)..=n + 1)
                            .filter(|&k| k < len)
                            .filter_map(|k| osa_distance(&chars, &buf[..k], allowed))
                            .min();
                    }
                    if let Some(d) = d {
                        out.push((id, WordMatch::Typo(d as u8)));
                    }
                }
            }
        }
        out.sort_unstable();
        out.dedup_by_key(|(id, _)| *id);
        out
    }

    /// The label's tier and score if every query word matches one of its words.
    fn score_label(
        &self,
        label: &Label,
        query: &[String],
        candidates: &[Vec<(u32, WordMatch)>],
    ) -> Option<(Tier, f64)> {
        let mut worst = WordMatch::Exact;
        let mut edits = 0u32;
        for c in candidates {
            let m = best_in(&label.words, c)?;
            worst = worst.max(m);
            if let WordMatch::Typo(d) = m {
                edits += u32::from(d);
            }
        }
        // A misspelling is matched as a whole, never as a part or with further typos.
        if label.field == Field::HiddenLabel
            && (label.words.len() != query.len() || matches!(worst, WordMatch::Typo(_)))
        {
            return None;
        }
        let exact_words = worst == WordMatch::Exact;
        let tier = if label.field.is_name() {
            if exact_words && self.same_words(label, query) {
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
        let coverage = (query.len() as f64 / label.words.len() as f64).min(1.0);
        let field_order = match label.field {
            Field::Title => 0.0,
            Field::AlternateTitle => 0.001,
            Field::Synonym => 0.002,
            _ => 0.003,
        };
        let penalty = 0.06 * (1.0 - coverage) + 0.01 * f64::from(edits.min(3)) + field_order;
        Some((tier, tier.base() - penalty))
    }

    fn same_words(&self, label: &Label, query: &[String]) -> bool {
        label.words.len() == query.len()
            && label
                .words
                .iter()
                .zip(query)
                .all(|(&w, q)| self.vocab[w as usize].as_ref() == q.as_str())
    }

    /// If every query word matches some name of the role, the score and the name that
    /// covered the most words.
    fn spread_match(&self, role: u32, candidates: &[Vec<(u32, WordMatch)>]) -> Option<(f64, u32)> {
        let r = &self.roles[role as usize];
        let mut covered = vec![false; candidates.len()];
        let mut best_label = None;
        let mut best_count = 0;
        for l in r.first..r.end {
            let label = &self.labels[l as usize];
            if !label.field.is_name() || label.field == Field::HiddenLabel {
                continue;
            }
            let mut count = 0;
            for (i, c) in candidates.iter().enumerate() {
                if best_in(&label.words, c).is_some() {
                    covered[i] = true;
                    count += 1;
                }
            }
            if count > best_count {
                best_count = count;
                best_label = Some(l);
            }
        }
        let label = best_label?;
        covered.iter().all(|&c| c).then(|| {
            let share = best_count as f64 / candidates.len() as f64;
            (Tier::Spread.base() - 0.05 * (1.0 - share), label)
        })
    }
}

#[derive(Debug, Clone, Copy)]
struct Best {
    tier: Tier,
    score: f64,
    label: u32,
}

fn offer(
    best: &mut HashMap<u32, Best>,
    role: u32,
    tier: Tier,
    score: f64,
    label: u32,
    typed: bool,
) {
    let entry = best.entry(role).or_insert(Best { tier, score, label });
    if score > entry.score || (typed && score == entry.score) {
        *entry = Best { tier, score, label };
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
fn osa_distance(a: &[char], b: &[char], max: usize) -> Option<usize> {
    if a.len().abs_diff(b.len()) > max {
        return None;
    }
    let w = b.len() + 1;
    let mut rows = vec![0usize; 3 * w];
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

    #[test]
    fn osa_counts_a_transposition_as_one_edit() {
        assert_eq!(
            osa_distance(&chars("dipolmat"), &chars("diplomat"), 2),
            Some(1)
        );
        assert_eq!(
            osa_distance(&chars("diplomat"), &chars("diplomat"), 0),
            Some(0)
        );
        assert_eq!(
            osa_distance(&chars("diplmat"), &chars("diplomat"), 1),
            Some(1)
        );
        assert_eq!(osa_distance(&chars("pastry"), &chars("party"), 1), None);
        assert_eq!(osa_distance(&chars("abc"), &chars("abcdef"), 2), None);
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
}
