//! The in-memory role index: labels, their words, and ranked lookup.

use std::collections::HashMap;

use serde::Serialize;

use super::normalize::terms;
use crate::taxonomy::{Role, Track};

/// Which part of a role a search matched.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
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
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Matched {
    pub field: Field,
    /// The label that matched. For a hidden label, the role's title instead: misspellings
    /// are never displayed.
    pub text: String,
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

/// A vocabulary word, with what typo lookups need precomputed.
#[derive(Debug)]
struct Word {
    text: Box<str>,
    chars: Box<[char]>,
    mask: u64,
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
    /// Position of the title in alphabetical order, to break ties in ranking cheaply.
    rank: u32,
    /// Every word of the role's displayed names, sorted: `SearchIndex::name_words[range]`.
    name_words_start: u32,
    name_words_len: u32,
}

/// An index over every role's titles, synonyms, hidden labels, résumé lines,
/// competencies and summary.
#[derive(Debug, Default)]
pub struct SearchIndex {
    roles: Vec<IndexedRole>,
    labels: Vec<Label>,
    label_words: Vec<u32>,
    label_text: Vec<Box<str>>,
    name_words: Vec<u32>,
    vocab: Vec<Word>,
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
        let mut order: Vec<u32> = (0..index.roles.len() as u32).collect();
        order.sort_by(|&a, &b| {
            index.roles[a as usize]
                .title
                .cmp(&index.roles[b as usize].title)
        });
        for (rank, role) in order.into_iter().enumerate() {
            index.roles[role as usize].rank = rank as u32;
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
            rank: 0,
            name_words_start: 0,
            name_words_len: 0,
        });
        let mut words: Vec<u32> = (first..self.labels.len() as u32)
            .map(|l| self.labels[l as usize])
            .filter(|l| l.field.is_name() && l.field != Field::HiddenLabel)
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
            words_start: self.label_words.len() as u32,
            words_len: words.len() as u32,
            field,
        });
        self.label_words.extend_from_slice(&words);
        self.label_text.push(text.trim().into());
    }

    fn word_id(&mut self, word: &str) -> u32 {
        if let Some(&id) = self.vocab_ids.get(word) {
            return id;
        }
        let id = self.vocab.len() as u32;
        let chars: Box<[char]> = word.chars().collect();
        self.vocab.push(Word {
            text: word.into(),
            mask: char_mask(&chars),
            chars,
        });
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
        let mut scratch = Vec::new();
        let mut candidates: Vec<Vec<(u32, WordMatch)>> = Vec::with_capacity(query.len());
        for (i, word) in query.iter().enumerate() {
            let c = self.candidates(word, i == last, &mut scratch);
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
        // Each driver label with how the driver word matched it: the posting says the
        // label holds the word, so its words need not be read again for it.
        let mut driver_labels: Vec<(u32, WordMatch)> = candidates[driver]
            .iter()
            .flat_map(|&(w, m)| self.postings[w as usize].iter().map(move |&l| (l, m)))
            .collect();
        if candidates[driver].len() > 1 {
            driver_labels.sort_unstable();
            driver_labels.dedup_by_key(|(l, _)| *l);
        }

        let mut best: Vec<Option<Best>> = vec![None; self.roles.len()];
        let mut touched: Vec<u32> = Vec::new();
        let mut spread_roles: Vec<u32> = Vec::new();
        for &(l, driver_match) in &driver_labels {
            let label = &self.labels[l as usize];
            match self.score_label(label, &query, &candidates, driver, driver_match) {
                Some((tier, score)) => {
                    // Among equal names ("Track Two", "Track II"), show the one typed.
                    let typed = tier == Tier::Exact
                        && self.label_text[l as usize].to_lowercase() == literal;
                    offer(
                        &mut best,
                        &mut touched,
                        label.role,
                        Best {
                            tier,
                            score,
                            label: l,
                        },
                        typed,
                    );
                }
                None if label.field.is_name() && query.len() > 1 => spread_roles.push(label.role),
                None => {}
            }
        }
        spread_roles.dedup();
        for role in spread_roles {
            if best[role as usize].is_some_and(|b| b.tier < Tier::Spread) {
                continue;
            }
            if let Some((score, l)) = self.spread_match(role, driver, &candidates) {
                let hit = Best {
                    tier: Tier::Spread,
                    score,
                    label: l,
                };
                offer(&mut best, &mut touched, role, hit, false);
            }
        }

        // Sort keys inline, so ordering thousands of hits touches no other memory.
        let mut hits: Vec<(f64, u32, u32, Best)> = touched
            .into_iter()
            .filter_map(|r| best[r as usize].map(|b| (b.score, self.roles[r as usize].rank, r, b)))
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
            .map(|(_, _, role, b)| {
                let r = &self.roles[role as usize];
                let label = &self.labels[b.label as usize];
                let text = if label.field == Field::HiddenLabel {
                    r.title.to_string()
                } else {
                    self.label_text[b.label as usize].to_string()
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
    fn candidates(
        &self,
        word: &str,
        is_last: bool,
        scratch: &mut Vec<usize>,
    ) -> Vec<(u32, WordMatch)> {
        let mut out: Vec<(u32, WordMatch)> = Vec::new();
        if let Some(&id) = self.vocab_ids.get(word) {
            out.push((id, WordMatch::Exact));
        }
        let chars: Vec<char> = word.chars().collect();
        let n = chars.len();
        let allowed = typo_allowance(n);
        let prefix = is_last && n >= 2;
        if allowed == 0 && !prefix {
            return out;
        }
        let mask = char_mask(&chars);
        let lo = n.saturating_sub(allowed);
        let hi = if prefix {
            self.by_len.len()
        } else {
            (n + allowed + 1).min(self.by_len.len())
        };
        for len in lo..hi {
            for &id in &self.by_len[len] {
                let w = &self.vocab[id as usize];
                if len > n && prefix && w.text.starts_with(word) {
                    out.push((id, WordMatch::Prefix));
                    continue;
                }
                if allowed == 0 || w.text.as_ref() == word {
                    continue;
                }
                let mut d = None;
                if len.abs_diff(n) <= allowed
                    && (mask ^ w.mask).count_ones() as usize <= 2 * allowed
                {
                    d = osa_distance(&chars, &w.chars, allowed, scratch);
                }
                // Search as you type, with a typo in what was typed so far; the first
                // letter is taken as right, which keeps this cheap.
                if d.is_none() && prefix && len > n && w.chars[0] == chars[0] {
                    d = (n.saturating_sub(1)..=n + 1)
                        .filter(|&k| k < len)
                        .filter(|&k| {
                            (mask ^ char_mask(&w.chars[..k])).count_ones() as usize <= 2 * allowed
                        })
                        .filter_map(|k| osa_distance(&chars, &w.chars[..k], allowed, scratch))
                        .min();
                }
                if let Some(d) = d {
                    out.push((id, WordMatch::Typo(d as u8)));
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
        driver: usize,
        driver_match: WordMatch,
    ) -> Option<(Tier, f64)> {
        let mut worst = WordMatch::Exact;
        let mut edits = 0u32;
        for (i, c) in candidates.iter().enumerate() {
            let m = if i == driver {
                driver_match
            } else {
                best_in(self.words(label), c)?
            };
            worst = worst.max(m);
            if let WordMatch::Typo(d) = m {
                edits += u32::from(d);
            }
        }
        // A misspelling is matched as a whole, never as a part or with further typos.
        if label.field == Field::HiddenLabel
            && (label.words_len as usize != query.len() || matches!(worst, WordMatch::Typo(_)))
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
        let coverage = (query.len() as f64 / f64::from(label.words_len)).min(1.0);
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
        let words = self.words(label);
        words.len() == query.len()
            && words
                .iter()
                .zip(query)
                .all(|(&w, q)| self.vocab[w as usize].text.as_ref() == q.as_str())
    }

    /// If every query word matches some name of the role, the score and the name that
    /// covered the most words. The driver word is known to match one of them.
    fn spread_match(
        &self,
        role: u32,
        driver: usize,
        candidates: &[Vec<(u32, WordMatch)>],
    ) -> Option<(f64, u32)> {
        let r = &self.roles[role as usize];
        let names = || {
            (r.first..r.end).filter(|&l| {
                let f = self.labels[l as usize].field;
                f.is_name() && f != Field::HiddenLabel
            })
        };
        let covers = |l: u32, c: &[(u32, WordMatch)]| {
            best_in(self.words(&self.labels[l as usize]), c).is_some()
        };
        let start = r.name_words_start as usize;
        let all_names = &self.name_words[start..start + r.name_words_len as usize];
        for (i, c) in candidates.iter().enumerate() {
            if i != driver && best_in(all_names, c).is_none() {
                return None;
            }
        }
        let (count, label) = names()
            .map(|l| (candidates.iter().filter(|c| covers(l, c)).count(), l))
            .max_by_key(|&(count, l)| (count, std::cmp::Reverse(l)))?;
        let share = count as f64 / candidates.len() as f64;
        Some((Tier::Spread.base() - 0.05 * (1.0 - share), label))
    }
}

#[derive(Debug, Clone, Copy)]
struct Best {
    tier: Tier,
    score: f64,
    label: u32,
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
}
