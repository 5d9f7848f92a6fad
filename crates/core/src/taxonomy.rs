//! Tracks of multi-track diplomacy and the roles recruiters hire for.

use serde::{Deserialize, Serialize};

use crate::question_bank::{Question, bank_version};
use crate::search::{SearchIndex, SearchResponse};

/// A track of multi-track diplomacy, numbered as in the seed documents.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(try_from = "String", into = "String")]
pub enum Track {
    /// Official, government-to-government diplomacy.
    One,
    /// Officials in an unofficial capacity alongside non-officials (Track II+, hybrid).
    OnePointFive,
    /// Unofficial, non-governmental, problem-solving dialogue.
    Two,
    /// Business to business.
    Three,
    /// Citizen exchange.
    Four,
    /// Media to media.
    Five,
}

impl Track {
    /// Every track, in order.
    pub const ALL: [Track; 6] = [
        Track::One,
        Track::OnePointFive,
        Track::Two,
        Track::Three,
        Track::Four,
        Track::Five,
    ];

    /// The track's number as the API spells it: "1", "1.5", "2", ...
    pub fn as_str(self) -> &'static str {
        match self {
            Track::One => "1",
            Track::OnePointFive => "1.5",
            Track::Two => "2",
            Track::Three => "3",
            Track::Four => "4",
            Track::Five => "5",
        }
    }

    /// A short plain-language description of who takes part in the track.
    pub fn description(self) -> &'static str {
        match self {
            Track::One => "Official government-to-government diplomacy",
            Track::OnePointFive => {
                "Officials in an unofficial capacity meeting with non-officials (Track II+, hybrid diplomacy)"
            }
            Track::Two => "Unofficial, non-governmental, problem-solving dialogue",
            Track::Three => "Business to business: private-sector and corporate interaction",
            Track::Four => "Citizen to citizen: scientific, cultural, academic and youth exchange",
            Track::Five => "Media to media: reaching whole populations in conflict",
        }
    }
}

/// The text was not one of the known track numbers.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown track {0:?}: expected one of 1, 1.5, 2, 3, 4, 5")]
pub struct UnknownTrack(pub String);

named_enum!(Track, UnknownTrack);

impl TryFrom<String> for Track {
    type Error = UnknownTrack;

    fn try_from(s: String) -> Result<Self, Self::Error> {
        s.parse()
    }
}

impl From<Track> for String {
    fn from(t: Track) -> String {
        t.as_str().to_owned()
    }
}

/// A role in the taxonomy, with everything a recruiter needs to find and explain it.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct Role {
    /// Stable identifier used in URLs.
    pub slug: String,
    pub track: Track,
    /// The typical job title, e.g. "Track Two Diplomacy Practitioners".
    pub title: String,
    /// What the role is, in words a recruiter reads in a minute.
    pub summary: String,
    /// Alternate job titles people advertise the role under.
    pub titles: Vec<String>,
    /// Other names for the role or its track: abbreviations, numerals, spellings.
    pub synonyms: Vec<String>,
    /// Common misspellings: they match in search but are never displayed.
    pub hidden_labels: Vec<String>,
    /// Lines as they appear on résumés of people who did this work.
    pub resume_examples: Vec<String>,
    /// "Also try searching for" suggestions.
    pub related: Vec<String>,
    pub competencies: Vec<String>,
    /// Names that find the role in Attaché but are too ambiguous for a job board ("Track
    /// 2", "Mediator"): left out of the sourcing string.
    #[serde(default, skip_serializing_if = "Vec::is_empty")]
    pub sourcing_exclude: Vec<String>,
    pub questions: Vec<Question>,
}

impl Role {
    /// A boolean search string for job boards, built from the role's titles and synonyms.
    ///
    /// The first group names the track or field (synonyms and titles); the second asks for
    /// the kind of person (the head nouns of the titles). A name that contains a shorter
    /// name as whole words is left out: job boards match phrases inside text, so "Track
    /// Two" already finds "Track Two diplomacy". Abbreviations of three characters or fewer
    /// ("T2") are left out too: on a job board they match far more than this role; and so
    /// are a bare track name ("Track 2", "Track II") and whatever the role lists in
    /// `sourcing_exclude`.
    pub fn sourcing_string(&self) -> String {
        let excluded: Vec<String> = self
            .sourcing_exclude
            .iter()
            .map(|s| crate::search::normalize::normalize_label(s))
            .collect();
        let mut names: Vec<&str> = std::iter::once(&self.title)
            .chain(&self.titles)
            .chain(&self.synonyms)
            .map(|s| s.trim())
            .filter(|s| s.chars().filter(|c| c.is_alphanumeric()).count() > 3)
            .filter(|s| !is_bare_track_name(s))
            .filter(|s| !excluded.contains(&crate::search::normalize::normalize_label(s)))
            .collect();
        // Shortest first, so a kept name can cover the longer ones after it; the sort is
        // stable, so names of equal length keep the data's order.
        names.sort_by_key(|s| s.chars().count());
        let mut kept: Vec<&str> = Vec::new();
        for name in names {
            // Job boards match literally, so "Track 2" and "Track II" are both needed.
            let lower = name.to_lowercase();
            if !kept
                .iter()
                .any(|k| contains_phrase(&lower, &k.to_lowercase()))
            {
                kept.push(name);
            }
        }
        let mut nouns: Vec<String> = Vec::new();
        for title in std::iter::once(&self.title).chain(&self.titles) {
            // The head noun is the last word before any qualifier: "Desk Officer, Ministry
            // of ..." and "Second Secretary (Political)" ask for an officer and a
            // secretary, "Research Fellow in Conflict Resolution" for a fellow, and
            // "Consul General" for a consul.
            let head = title.split([',', '(']).next().unwrap_or(title);
            let head = [" of ", " in ", " for ", " on "]
                .iter()
                .fold(head, |h, sep| h.split(sep).next().unwrap_or(h));
            let mut words: Vec<&str> = head.split_whitespace().collect();
            if words.len() > 1
                && words
                    .last()
                    .is_some_and(|w| w.eq_ignore_ascii_case("general"))
            {
                words.pop();
            }
            let Some(last) = words.last() else {
                continue;
            };
            if last.contains(['\'', '’']) {
                continue; // "Chargé d'Affaires": no single head noun to search for
            }
            let noun = crate::search::normalize::singular(&last.to_lowercase());
            if !nouns.contains(&noun) {
                nouns.push(noun);
            }
        }
        let quoted: Vec<String> = kept.iter().map(|n| format!("\"{n}\"")).collect();
        if nouns.is_empty() {
            format!("({})", quoted.join(" OR "))
        } else {
            format!("({}) AND ({})", quoted.join(" OR "), nouns.join(" OR "))
        }
    }

    /// The summary's first sentence, for lists of roles.
    pub fn one_line(&self) -> &str {
        let text = self.summary.trim();
        let bytes = text.as_bytes();
        let end = (0..bytes.len())
            .find(|&i| bytes[i] == b'.' && bytes.get(i + 1).is_none_or(u8::is_ascii_whitespace))
            .map_or(text.len(), |i| i + 1);
        &text[..end]
    }

    /// The balanced kit an interview gets unless the recruiter chooses: the first two
    /// questions of each level, basic to advanced.
    pub fn default_kit(&self) -> Vec<&Question> {
        crate::question_bank::Level::ALL
            .iter()
            .flat_map(|level| self.questions_at(*level).take(2))
            .collect()
    }

    /// The names a candidate's title or summary may use for this role: its title,
    /// alternate titles and synonyms, without one- and two-letter abbreviations, and
    /// without a plural whose singular is listed (full-text search stems plurals).
    pub fn names(&self) -> Vec<&str> {
        let singular = |n: &str| n.trim_end_matches(['s', 'S']).to_lowercase();
        let all: Vec<&str> = std::iter::once(&self.title)
            .chain(&self.titles)
            .chain(&self.synonyms)
            .map(|n| n.trim())
            .collect();
        let mut names: Vec<&str> = Vec::new();
        for name in &all {
            let plural_of_another = name.ends_with(['s', 'S'])
                && all
                    .iter()
                    .any(|n| !n.ends_with(['s', 'S']) && singular(n) == singular(name));
            if name.chars().filter(|c| c.is_alphanumeric()).count() > 2
                && !plural_of_another
                && !names.iter().any(|n| singular(n) == singular(name))
            {
                names.push(name);
            }
        }
        names
    }

    /// Questions of the given level, in bank order.
    pub fn questions_at(
        &self,
        level: crate::question_bank::Level,
    ) -> impl Iterator<Item = &Question> {
        self.questions.iter().filter(move |q| q.level == level)
    }
}

/// Whether a name is only a track's name ("Track 2", "Track II", "Track-Three", "T2"): on
/// a job board, "Track 2" finds music, athletics and railways.
fn is_bare_track_name(name: &str) -> bool {
    let words = crate::search::normalize::terms(name);
    let numeral = |w: &str| w.chars().all(|c| c.is_ascii_digit() || c == '.');
    match words.as_slice() {
        [t, n] | [n, t] if t == "track" => numeral(n),
        [w] => w.strip_prefix('t').is_some_and(numeral),
        _ => false,
    }
}

/// Whether `phrase` occurs in `text` as whole words (both lower case).
fn contains_phrase(text: &str, phrase: &str) -> bool {
    text.match_indices(phrase).any(|(i, _)| {
        let before = text[..i].chars().next_back();
        let after = text[i + phrase.len()..].chars().next();
        before.is_none_or(|c| !c.is_alphanumeric()) && after.is_none_or(|c| !c.is_alphanumeric())
    })
}

/// Every role, with the search index over them.
#[derive(Debug)]
pub struct Taxonomy {
    roles: Vec<Role>,
    index: SearchIndex,
    mentions: MentionIndex,
}

/// Every role's names as normalised word stems, keyed by their first stem, for finding
/// which roles a candidate's title or summary names.
#[derive(Debug, Default)]
struct MentionIndex {
    /// Role index, the name's stems, the name as written.
    names: Vec<(usize, Vec<String>, String)>,
    by_first: std::collections::HashMap<String, Vec<usize>>,
}

/// A text's words as the mention index compares them: lower case, letters and digits
/// only, plurals made singular ("Negotiators" is "negotiator"). Deliberately plainer than
/// role search's normalisation, which treats "diplomacy" and "diplomat" as one word: a
/// "Track Two diplomacy" lead is not a diplomat.
fn stems(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(|w| crate::search::normalize::singular(&w.to_lowercase()))
        .collect()
}

impl MentionIndex {
    fn new(roles: &[Role]) -> Self {
        let mut index = MentionIndex::default();
        for (i, role) in roles.iter().enumerate() {
            for name in role.names() {
                let words = stems(name);
                let Some(first) = words.first().cloned() else {
                    continue;
                };
                index
                    .by_first
                    .entry(first)
                    .or_default()
                    .push(index.names.len());
                index.names.push((i, words, name.to_owned()));
            }
        }
        index
    }
}

/// A role named in a text, and the (longest) name it was named by.
#[derive(Debug, Clone, PartialEq)]
pub struct Mention<'a> {
    pub role: &'a Role,
    pub name: &'a str,
}

impl Taxonomy {
    pub fn new(roles: Vec<Role>) -> Self {
        let index = SearchIndex::new(&roles);
        let mentions = MentionIndex::new(&roles);
        Taxonomy {
            roles,
            index,
            mentions,
        }
    }

    /// The roles a text names by any of their names ([`Role::names`]), as whole words
    /// after normalisation and stemming: "Senior back-channel negotiators" names Track Two.
    /// Each role once, by the longest name found, in the order the roles are listed.
    pub fn mentions(&self, text: &str) -> Vec<Mention<'_>> {
        let words = stems(text);
        let mut best: std::collections::BTreeMap<usize, usize> = Default::default();
        for start in 0..words.len() {
            let Some(candidates) = self.mentions.by_first.get(&words[start]) else {
                continue;
            };
            for &n in candidates {
                let (role, name_words, _) = &self.mentions.names[n];
                if words[start..].starts_with(name_words) {
                    let longer = best
                        .get(role)
                        .is_none_or(|&b| self.mentions.names[b].1.len() < name_words.len());
                    if longer {
                        best.insert(*role, n);
                    }
                }
            }
        }
        best.into_iter()
            .map(|(role, n)| Mention {
                role: &self.roles[role],
                name: &self.mentions.names[n].2,
            })
            .collect()
    }

    /// A hash of every role's names: when it changes, what [`Taxonomy::mentions`] finds
    /// may change, and stored mentions must be found again.
    pub fn names_version(&self) -> String {
        use sha2::{Digest, Sha256};
        let mut hasher = Sha256::new();
        for (role, words, name) in &self.mentions.names {
            hasher.update(self.roles[*role].slug.as_bytes());
            hasher.update([0]);
            hasher.update(name.as_bytes());
            hasher.update([0]);
            hasher.update(words.join(" ").as_bytes());
            hasher.update([1]);
        }
        hasher
            .finalize()
            .iter()
            .take(8)
            .map(|b| format!("{b:02x}"))
            .collect()
    }

    pub fn roles(&self) -> &[Role] {
        &self.roles
    }

    /// The role with this slug.
    pub fn role(&self, slug: &str) -> Option<&Role> {
        self.roles.iter().find(|r| r.slug == slug)
    }

    /// The role a query names, if it names one: the best hit matched one of the role's
    /// names (title, alternate title, synonym or a known misspelling) with every word of
    /// the query. Candidate search then looks for all of the role's names, so "Track II"
    /// finds a "Second Track Diplomacy Lead". A query that only resembles a résumé line
    /// or a summary names no role.
    pub fn expand(&self, query: &str) -> Option<Expansion<'_>> {
        use crate::search::Field;
        let words = crate::search::normalize::analyze(query).len();
        let hit = self.index.search(query, 1).into_iter().next()?;
        let named = matches!(
            hit.matched.field,
            Field::Title | Field::AlternateTitle | Field::Synonym | Field::Spelling
        );
        let carried: usize = hit
            .matched
            .words
            .iter()
            .map(|w| crate::search::normalize::analyze(w).len())
            .sum();
        if !named || carried < words {
            return None;
        }
        // Every word must be a whole word of the name, not the start of one ("ana" is
        // not "Analyst") nor a near miss, unless the query is a known misspelling.
        if hit.matched.field != Field::Spelling {
            let stem = |t: &str| crate::search::normalize::stem(t);
            let name: Vec<String> = crate::search::normalize::terms(&hit.matched.text)
                .iter()
                .map(|t| stem(t))
                .collect();
            let whole = crate::search::normalize::terms(query)
                .iter()
                .all(|t| name.contains(&stem(t)));
            if !whole {
                return None;
            }
        }
        let role = self.role(&hit.slug)?;
        Some(Expansion {
            role,
            matched: hit.matched.text,
            names: role.names(),
        })
    }

    /// Roles matching the query, best first.
    pub fn search(&self, query: &str, limit: usize) -> SearchResponse {
        SearchResponse {
            query: query.to_owned(),
            results: self.index.search(query, limit),
        }
    }
}

/// The role behind a query, with every name to look for.
#[derive(Debug, Clone, PartialEq)]
pub struct Expansion<'a> {
    pub role: &'a Role,
    /// The role's name the query matched, as the role writes it.
    pub matched: String,
    /// Every name of the role ([`Role::names`]).
    pub names: Vec<&'a str>,
}

/// A role in a list: `GET /api/v1/roles` and `attache roles list --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleSummary<'a> {
    pub slug: &'a str,
    pub title: &'a str,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2"))]
    pub track: Track,
    pub summary: &'a str,
}

impl<'a> From<&'a Role> for RoleSummary<'a> {
    fn from(r: &'a Role) -> Self {
        RoleSummary {
            slug: &r.slug,
            title: &r.title,
            track: r.track,
            summary: &r.summary,
        }
    }
}

/// Every role: `GET /api/v1/roles` without a query.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleList<'a> {
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<RoleSummary>))]
    pub roles: Vec<RoleSummary<'a>>,
}

impl Taxonomy {
    /// Every role, by track and then title.
    pub fn list(&self) -> RoleList<'_> {
        let mut roles: Vec<RoleSummary<'_>> = self.roles.iter().map(RoleSummary::from).collect();
        roles.sort_by(|a, b| a.track.cmp(&b.track).then_with(|| a.title.cmp(b.title)));
        RoleList { roles }
    }
}

/// A role as the API and `attache roles show --json` present it: hidden labels left out,
/// the sourcing string and the bank version added.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RoleDetail<'a> {
    pub slug: &'a str,
    #[cfg_attr(feature = "openapi", schema(value_type = String, example = "2"))]
    pub track: Track,
    pub track_description: &'static str,
    pub title: &'a str,
    pub summary: &'a str,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub titles: &'a [String],
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub synonyms: &'a [String],
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub resume_examples: &'a [String],
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub related: &'a [String],
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<String>))]
    pub competencies: &'a [String],
    pub sourcing: String,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Question>))]
    pub questions: &'a [Question],
    /// Content hash of the question bank.
    pub version: String,
}

impl<'a> From<&'a Role> for RoleDetail<'a> {
    fn from(r: &'a Role) -> Self {
        RoleDetail {
            slug: &r.slug,
            track: r.track,
            track_description: r.track.description(),
            title: &r.title,
            summary: &r.summary,
            titles: &r.titles,
            synonyms: &r.synonyms,
            resume_examples: &r.resume_examples,
            related: &r.related,
            competencies: &r.competencies,
            sourcing: r.sourcing_string(),
            questions: &r.questions,
            version: bank_version(&r.questions),
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn one_line_is_the_first_sentence() {
        let mut role = Role {
            slug: "x".into(),
            track: Track::One,
            title: "X".into(),
            summary: "Track 1.5 talks are private. Second sentence.".into(),
            titles: vec![],
            synonyms: vec![],
            hidden_labels: vec![],
            resume_examples: vec![],
            related: vec![],
            competencies: vec![],
            sourcing_exclude: vec![],
            questions: vec![],
        };
        assert_eq!(role.one_line(), "Track 1.5 talks are private.");
        role.summary = "No full stop".into();
        assert_eq!(role.one_line(), "No full stop");
    }

    #[test]
    fn track_round_trips_through_its_api_spelling() {
        for t in Track::ALL {
            assert_eq!(t.as_str().parse::<Track>(), Ok(t));
        }
        assert!("6".parse::<Track>().is_err());
        assert_eq!(
            serde_json::to_string(&Track::OnePointFive).unwrap(),
            "\"1.5\""
        );
    }

    #[test]
    fn sourcing_string_quotes_names_and_asks_for_head_nouns() {
        let role = Role {
            slug: "t2".into(),
            track: Track::Two,
            title: "Track Two Diplomacy Practitioners".into(),
            summary: String::new(),
            titles: vec!["Dialogue Facilitator".into(), "Track II Facilitator".into()],
            synonyms: vec!["Track II".into(), "Track 2".into(), "T2".into()],
            hidden_labels: vec!["trak two".into()],
            resume_examples: vec![],
            related: vec![],
            competencies: vec![],
            sourcing_exclude: vec!["Mediator".into()],
            questions: vec![],
        };
        let mut role = role;
        role.titles.push("Mediator".into());
        role.titles
            .push("Research Fellow in Conflict Resolution".into());
        role.synonyms.push("Track II dialogue".into());
        let s = role.sourcing_string();
        // A bare "Track 2" or "Track II" finds music and athletics: left out. "T2" is too
        // short to use; "Mediator" is excluded by the data. The fellow is asked for by the
        // head noun before "in".
        assert_eq!(
            s,
            "(\"Track II dialogue\" OR \"Dialogue Facilitator\" OR \"Track II Facilitator\" OR \
             \"Track Two Diplomacy Practitioners\" OR \"Research Fellow in Conflict Resolution\") \
             AND (practitioner OR facilitator OR mediator OR fellow)"
        );
        assert!(!s.contains("trak"), "hidden labels never appear");
        assert!(!s.contains("\"Track 2\""));
    }

    #[test]
    fn bare_track_names_are_recognised() {
        for bare in [
            "Track 2",
            "Track II",
            "Track-Three",
            "T2",
            "track one",
            "Track 1.5",
        ] {
            assert!(is_bare_track_name(bare), "{bare}");
        }
        for name in [
            "Track Two diplomacy",
            "Track II Dialogue Facilitator",
            "Attaché",
        ] {
            assert!(!is_bare_track_name(name), "{name}");
        }
    }
}
