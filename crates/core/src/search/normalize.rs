//! Turning titles and queries into comparable words.
//!
//! Both the index and the query go through [`analyze`], so anything folded here is folded
//! on both sides: case and accents, punctuation and hyphens, plurals and irregular forms,
//! British and American spellings, and the numerals of track names (with a typo beside
//! "track" forgiven). The index then compares [`stem`]s, so "negotiator" meets
//! "negotiation" and "conflicting" meets "conflict".

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words that carry no meaning for role search.
const STOPWORDS: &[&str] = &[
    "a", "about", "across", "among", "an", "and", "are", "as", "at", "be", "been", "being",
    "between", "both", "by", "can", "do", "does", "each", "for", "from", "has", "have", "how",
    "in", "into", "is", "it", "its", "not", "of", "on", "or", "other", "our", "should", "someone",
    "that", "the", "their", "them", "there", "they", "this", "those", "to", "was", "we", "what",
    "when", "where", "which", "while", "who", "whom", "why", "will", "with", "within", "would",
    "you", "your",
];

/// Irregular forms no suffix rule folds, with the word they mean.
const IRREGULAR: &[(&str, &str)] = &[
    ("businessman", "business"),
    ("businessmen", "business"),
    ("businesswoman", "business"),
    ("businesswomen", "business"),
    ("businessperson", "business"),
    ("businesspeople", "business"),
    ("spokesman", "spokesperson"),
    ("spokesmen", "spokesperson"),
    ("spokeswoman", "spokesperson"),
    ("spokeswomen", "spokesperson"),
    ("chairman", "chair"),
    ("chairwoman", "chair"),
    ("chairperson", "chair"),
    ("govt", "government"),
    ("gov", "government"),
    ("intl", "international"),
];

/// Words that are spelt as one or as two: always split, so "backchannel" = "back-channel".
const COMPOUNDS: &[(&str, &[&str])] = &[
    ("backchannel", &["back", "channel"]),
    ("multitrack", &["multi", "track"]),
    ("peacebuilding", &["peace", "building"]),
    ("peacebuilder", &["peace", "builder"]),
    ("peacemaking", &["peace", "making"]),
    ("peacemaker", &["peace", "maker"]),
    ("policymaker", &["policy", "maker"]),
    ("policymaking", &["policy", "making"]),
    ("thinktank", &["think", "tank"]),
];

/// British spellings that no suffix rule catches, with their American form.
const SPELLINGS: &[(&str, &str)] = &[
    ("defence", "defense"),
    ("licence", "license"),
    ("offence", "offense"),
    ("programme", "program"),
    ("judgement", "judgment"),
    ("counsellor", "counselor"),
    ("travelling", "traveling"),
    ("enrolment", "enrollment"),
];

/// Number words and roman numerals that mean a track number only next to "track".
const TRACK_NUMERALS: &[(&str, &str)] = &[
    ("i", "1"),
    ("one", "1"),
    ("first", "1"),
    ("1st", "1"),
    ("second", "2"),
    ("2nd", "2"),
    ("iii", "3"),
    ("three", "3"),
    ("third", "3"),
    ("iv", "4"),
    ("four", "4"),
    ("fourth", "4"),
    ("v", "5"),
    ("five", "5"),
    ("fifth", "5"),
];

/// One word of a text: as typed (folded to lower case, without accents), and normalised.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Term {
    /// The word as typed, for typo matching: "busines" stays "busines" here, though its
    /// normalised form has lost its last "s" to the plural rule.
    pub raw: String,
    /// The normalised word.
    pub term: String,
}

/// The words of a text, in order, with their raw and normalised forms.
pub fn analyze(text: &str) -> Vec<Term> {
    let words = numerals(repair_track(tokenize(&fold(text))));
    words
        .into_iter()
        .filter(|w| !STOPWORDS.contains(&w.as_str()))
        .map(|raw| {
            let term = match IRREGULAR.iter().find(|(form, _)| *form == raw) {
                Some((_, word)) => (*word).to_owned(),
                None => spelling(&singular(&raw)),
            };
            Term { raw, term }
        })
        .collect()
}

/// The normalised words of a text, in order, for indexing or querying.
pub fn terms(text: &str) -> Vec<String> {
    analyze(text).into_iter().map(|t| t.term).collect()
}

/// The stem of a normalised word (Snowball English): "negotiator", "negotiation" and
/// "negotiate" share one.
pub fn stem(term: &str) -> String {
    use std::sync::OnceLock;
    static STEMMER: OnceLock<rust_stemmers::Stemmer> = OnceLock::new();
    if !term.chars().all(char::is_alphabetic) {
        return term.to_owned();
    }
    STEMMER
        .get_or_init(|| rust_stemmers::Stemmer::create(rust_stemmers::Algorithm::English))
        .stem(term)
        .into_owned()
}

/// Words that name a track number, for forgiving a typo beside "track".
const TRACK_NUMBER_WORDS: &[&str] = &[
    "one", "two", "three", "four", "five", "ii", "iii", "iv", "first", "second", "third",
];

/// Whether `w` is a track number as written: digits, 1.5, a roman numeral or a number word.
fn is_track_number(w: &str) -> bool {
    w.chars()
        .all(|c| c.is_ascii_digit() || c == '.' || c == '+')
        || TRACK_NUMBER_WORDS.contains(&w)
        || matches!(w, "i" | "v" | "ii+")
}

/// One edit apart (a transposition counting as one)?
fn one_edit_apart(a: &str, b: &str) -> bool {
    let (a, b): (Vec<char>, Vec<char>) = (a.chars().collect(), b.chars().collect());
    if a == b || a.len().abs_diff(b.len()) > 1 {
        return false;
    }
    let prefix = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
    let (ra, rb) = (&a[prefix..], &b[prefix..]);
    ra.get(1..) == rb.get(1..)
        || ra.get(1..) == Some(rb)
        || Some(ra) == rb.get(1..)
        || (ra.len() >= 2
            && rb.len() >= 2
            && ra[0] == rb[1]
            && ra[1] == rb[0]
            && ra[2..] == rb[2..])
}

/// Short words are where typos hurt most and the typo allowance does not reach: beside a
/// track number, a word one edit from "track" is "track" ("trak 2"); beside "track", a
/// word one edit from a number word is that word ("track tow").
fn repair_track(mut words: Vec<String>) -> Vec<String> {
    for i in 0..words.len() {
        let beside = |j: Option<usize>, test: &dyn Fn(&str) -> bool| {
            j.and_then(|j| words.get(j)).is_some_and(|w| test(w))
        };
        let near_number =
            beside(i.checked_sub(1), &is_track_number) || beside(Some(i + 1), &is_track_number);
        if near_number
            && words[i] != "track"
            && words[i].len() >= 4
            && one_edit_apart(&words[i], "track")
        {
            words[i] = "track".to_owned();
        }
    }
    for i in 0..words.len() {
        let is_track =
            |j: Option<usize>| j.and_then(|j| words.get(j)).is_some_and(|w| w == "track");
        if (is_track(i.checked_sub(1)) || is_track(Some(i + 1)))
            && !is_track_number(&words[i])
            && words[i].len() >= 3
            && let Some(n) = TRACK_NUMBER_WORDS
                .iter()
                .find(|n| n.len() >= 3 && one_edit_apart(&words[i], n))
        {
            words[i] = (*n).to_owned();
        }
    }
    words
}

/// The normalised form of a whole label, for comparing two labels.
pub fn normalize_label(text: &str) -> String {
    terms(text).join(" ")
}

/// Lower case, accents removed, "½" spelt out.
fn fold(text: &str) -> String {
    text.replace('½', ".5")
        .nfkd()
        .filter(|c| !is_combining_mark(*c))
        .flat_map(char::to_lowercase)
        .collect()
}

/// Split into words on anything but letters and digits, keeping "1.5" whole, "ii+" with
/// its plus, and "diplomat's" as one word.
fn tokenize(text: &str) -> Vec<String> {
    let chars: Vec<char> = text.chars().collect();
    let mut words = Vec::new();
    let mut word = String::new();
    for (i, &c) in chars.iter().enumerate() {
        let prev = i.checked_sub(1).and_then(|j| chars.get(j)).copied();
        let next = chars.get(i + 1).copied();
        let keep = c.is_alphanumeric()
            || (c == '.'
                && prev.is_some_and(|p| p.is_ascii_digit() || word.is_empty())
                && next.is_some_and(|n| n.is_ascii_digit()))
            || (c == '+' && !word.is_empty());
        let apostrophe = matches!(c, '\'' | '’') && !word.is_empty();
        if keep {
            word.push(c);
            if c == '+' {
                words.push(std::mem::take(&mut word));
            }
        } else if !apostrophe && !word.is_empty() {
            words.push(std::mem::take(&mut word));
        }
    }
    if !word.is_empty() {
        words.push(word);
    }
    words
        .into_iter()
        // A compound, or one typed with a slip ("peacebilding"), is split into its words.
        .flat_map(|w| {
            match COMPOUNDS
                .iter()
                .find(|(c, _)| *c == w || (w.len() >= 8 && one_edit_apart(&w, c)))
            {
                Some((_, parts)) => parts.iter().map(|p| (*p).to_owned()).collect(),
                None => vec![w],
            }
        })
        .collect()
}

/// Track numerals: "II" = "2" = "two"; "1.5" = "one and a half" = "II+" = "1½"; and
/// "I"/"one"/"first" = "1" (likewise "second" and 3-5) only next to "track", where they
/// cannot be a pronoun or a rank ("Second Secretary").
fn numerals(words: Vec<String>) -> Vec<String> {
    let mut out: Vec<String> = Vec::with_capacity(words.len());
    let mut i = 0;
    while i < words.len() {
        let w = words[i].as_str();
        let rest = &words[i..];
        if (w == "one" || w == "1")
            && rest.len() >= 4
            && rest[1] == "and"
            && rest[2] == "a"
            && rest[3] == "half"
        {
            out.push("1.5".into());
            i += 4;
            continue;
        }
        if (w == "one" || w == "1")
            && rest.len() >= 3
            && rest[1] == "point"
            && (rest[2] == "five" || rest[2] == "5")
        {
            out.push("1.5".into());
            i += 3;
            continue;
        }
        let mapped = match w {
            "ii+" | "2+" | "two+" | ".5" => "1.5",
            "ii" | "two" => "2",
            _ => w,
        };
        out.push(mapped.to_owned());
        i += 1;
    }
    let is_track = |w: Option<&String>| w.is_some_and(|w| w == "track" || w == "tracks");
    let snapshot = out.clone();
    for (i, w) in out.iter_mut().enumerate() {
        let beside_track = is_track(i.checked_sub(1).and_then(|j| snapshot.get(j)))
            || is_track(snapshot.get(i + 1));
        if beside_track && let Some((_, n)) = TRACK_NUMERALS.iter().find(|(word, _)| word == w) {
            *w = (*n).to_owned();
        }
    }
    out
}

/// The singular of an English plural, by the regular rules; other words unchanged.
pub fn singular(word: &str) -> String {
    let n = word.chars().count();
    if n < 4 || !word.chars().all(|c| c.is_alphabetic()) {
        return word.to_owned();
    }
    if let Some(stem) = word.strip_suffix("ies") {
        return format!("{stem}y");
    }
    for suffix in ["sses", "shes", "ches", "xes", "zes"] {
        if word.ends_with(suffix) {
            return word[..word.len() - 2].to_owned();
        }
    }
    if word.ends_with('s') && !["ss", "us", "is"].iter().any(|s| word.ends_with(s)) {
        return word[..word.len() - 1].to_owned();
    }
    word.to_owned()
}

/// British to American spelling, so either finds the other.
fn spelling(word: &str) -> String {
    if let Some((_, us)) = SPELLINGS.iter().find(|(uk, _)| *uk == word) {
        return (*us).to_owned();
    }
    let n = word.chars().count();
    for (uk, us) in [
        ("isation", "ization"),
        ("ising", "izing"),
        ("ised", "ized"),
        ("iser", "izer"),
        ("ise", "ize"),
    ] {
        if n >= 6
            && let Some(stem) = word.strip_suffix(uk)
        {
            return format!("{stem}{us}");
        }
    }
    if let Some(stem) = word.strip_suffix("ogue") {
        return format!("{stem}og");
    }
    if n >= 6 {
        if let Some(stem) = word.strip_suffix("our") {
            return format!("{stem}or");
        }
        if let Some(stem) = word.strip_suffix("tre") {
            return format!("{stem}ter");
        }
    }
    word.to_owned()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn t(s: &str) -> String {
        normalize_label(s)
    }

    #[test]
    fn case_accents_punctuation_and_hyphens_fold() {
        assert_eq!(t("Attaché"), "attache");
        assert_eq!(t("BACK-CHANNEL   Diplomacy!"), "back channel diplomacy");
        assert_eq!(t("backchannel diplomacy"), "back channel diplomacy");
        assert_eq!(t("diplomat's"), "diplomat");
    }

    #[test]
    fn plurals_fold_to_singular() {
        assert_eq!(t("Diplomats"), "diplomat");
        assert_eq!(
            t("Track Two Diplomacy Practitioners"),
            "track 2 diplomacy practitioner"
        );
        assert_eq!(t("agencies processes boxes"), "agency process box");
        assert_eq!(t("analysis status"), "analysis status");
    }

    #[test]
    fn two_and_ii_are_2_everywhere() {
        assert_eq!(t("Track II"), "track 2");
        assert_eq!(t("track two"), "track 2");
        assert_eq!(t("Track 2"), "track 2");
        assert_eq!(t("second track"), "2 track");
        assert_eq!(t("two-track diplomacy"), "2 track diplomacy");
    }

    #[test]
    fn one_and_i_are_1_only_next_to_track() {
        assert_eq!(t("Track I"), "track 1");
        assert_eq!(t("track one diplomacy"), "track 1 diplomacy");
        assert_eq!(t("one-on-one meetings"), "one one meeting");
        assert_eq!(t("I negotiate"), "i negotiate");
        assert_eq!(t("Track V"), "track 5");
        assert_eq!(t("second-track diplomacy"), "2 track diplomacy");
        assert_eq!(t("Second Secretary"), "second secretary");
        assert_eq!(t("Track Three"), "track 3");
    }

    #[test]
    fn one_and_a_half_has_every_spelling() {
        for s in [
            "Track 1.5",
            "Track one and a half",
            "Track II+",
            "Track 1½",
            "track one-and-a-half",
            "track one point five",
            "Track 1 point 5",
        ] {
            assert_eq!(t(s), "track 1.5", "{s}");
        }
    }

    #[test]
    fn british_and_american_spellings_meet() {
        assert_eq!(t("dialogue organisation"), t("dialog organization"));
        assert_eq!(t("defence programme"), t("defense program"));
        assert_eq!(t("behaviour centre"), t("behavior center"));
        assert_eq!(t("organise"), t("organize"));
    }

    #[test]
    fn compounds_split_even_with_a_slip() {
        assert_eq!(t("peacebilding officer"), "peace building officer");
        assert_eq!(t("backchanel"), "back channel");
    }

    #[test]
    fn irregular_forms_fold() {
        assert_eq!(t("businessman to businessman"), "business business");
        assert_eq!(t("Businessmen"), "business");
        assert_eq!(t("spokeswoman"), "spokesperson");
        assert_eq!(t("govt negotiator"), "government negotiator");
    }

    #[test]
    fn a_typo_beside_track_is_forgiven() {
        assert_eq!(t("track tow"), "track 2");
        assert_eq!(t("trak 2"), "track 2");
        assert_eq!(t("trakc two"), "track 2");
        assert_eq!(t("tarck II"), "track 2");
        assert_eq!(t("track thre"), "track 3");
        assert_eq!(t("trace elements"), "trace element", "no number, no repair");
        assert_eq!(t("track town"), "track town", "two edits");
    }

    #[test]
    fn raw_forms_are_kept_for_typo_matching() {
        let a = analyze("Busines diplomats");
        assert_eq!(a[0].raw, "busines");
        assert_eq!(a[0].term, "busine");
        assert_eq!(a[1].raw, "diplomats");
        assert_eq!(a[1].term, "diplomat");
    }

    #[test]
    fn stems_join_related_forms() {
        assert_eq!(stem("negotiator"), stem("negotiation"));
        assert_eq!(stem("conflicting"), stem("conflict"));
        assert_eq!(stem("mediator"), stem("mediation"));
        assert_eq!(stem("1.5"), "1.5");
        assert_ne!(stem("diplomat"), stem("diplomacy"));
    }

    #[test]
    fn stopwords_go() {
        assert_eq!(t("the Track Two of the world"), "track 2 world");
        assert!(terms("of the and").is_empty());
    }
}
