//! Turning titles and queries into comparable words.
//!
//! Both the index and the query go through [`terms`], so anything folded here is folded
//! on both sides: case and accents, punctuation and hyphens, plurals, British and
//! American spellings, and the numerals of track names.

use unicode_normalization::UnicodeNormalization;
use unicode_normalization::char::is_combining_mark;

/// Words that carry no meaning for role search.
const STOPWORDS: &[&str] = &[
    "a", "an", "and", "as", "at", "by", "for", "from", "in", "of", "on", "or", "the", "to", "with",
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

/// The normalised words of a text, in order, for indexing or querying.
pub fn terms(text: &str) -> Vec<String> {
    let raw = tokenize(&fold(text));
    let mut words = numerals(raw);
    words.retain(|w| !STOPWORDS.contains(&w.as_str()));
    words.into_iter().map(|w| spelling(&singular(&w))).collect()
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
        .flat_map(|w| match COMPOUNDS.iter().find(|(c, _)| *c == w) {
            Some((_, parts)) => parts.iter().map(|p| (*p).to_owned()).collect(),
            None => vec![w],
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
    fn stopwords_go() {
        assert_eq!(t("the Track Two of the world"), "track 2 world");
        assert!(terms("of the and").is_empty());
    }
}
