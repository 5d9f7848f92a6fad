//! Role search: normalisation, the index, and the response shape the API and CLI share.

pub mod index;
pub mod normalize;

use serde::Serialize;

pub use index::{Field, MAX_LIMIT, Matched, SearchHit, SearchIndex};

/// `GET /api/v1/roles?q=` and `attache roles search --json`.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct SearchResponse {
    pub query: String,
    pub results: Vec<SearchHit>,
}

/// A piece of a matched text, marked when it is one of the words that matched.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct Segment {
    pub text: String,
    pub mark: bool,
}

/// Split `text` into segments, marking the words that match the query's words: the same
/// stem, a word the last query word begins (search as you type), or a word within the
/// typo allowance.
pub fn highlight(text: &str, query: &str) -> Vec<Segment> {
    let query_terms = normalize::analyze(query);
    let query_stems: Vec<String> = query_terms
        .iter()
        .map(|t| normalize::stem(&t.term))
        .collect();
    let last = query_terms
        .last()
        .map(|t| t.term.clone())
        .unwrap_or_default();
    let matches = |word: &str| {
        normalize::terms(word).iter().any(|t| {
            let s = normalize::stem(t);
            query_stems.contains(&s)
                || query_terms.iter().any(|q| {
                    index::within_typo_allowance(&q.term, t)
                        || index::within_typo_allowance(&q.raw, t)
                })
                || (last.chars().count() >= 2 && t.starts_with(&last))
        })
    };
    let mut segments: Vec<Segment> = Vec::new();
    let mut push = |text: &str, mark: bool| match segments.last_mut() {
        Some(s) if s.mark == mark => s.text.push_str(text),
        _ => segments.push(Segment {
            text: text.to_owned(),
            mark,
        }),
    };
    let mut start = 0;
    let mut in_word = false;
    for (i, c) in text.char_indices() {
        let word_char = c.is_alphanumeric() || c == '\'' || c == '’' || c == '+';
        if word_char != in_word {
            if i > start {
                let piece = &text[start..i];
                push(piece, in_word && matches(piece));
            }
            start = i;
            in_word = word_char;
        }
    }
    if start < text.len() {
        let piece = &text[start..];
        push(piece, in_word && matches(piece));
    }
    // Mark the space or hyphen between two marked words too, so a matched phrase is one mark.
    let mut merged: Vec<Segment> = Vec::with_capacity(segments.len());
    let mut rest = segments.into_iter().peekable();
    while let Some(seg) = rest.next() {
        let joins = !seg.mark
            && merged.last().is_some_and(|p| p.mark)
            && rest.peek().is_some_and(|n| n.mark)
            && !seg.text.chars().any(char::is_alphanumeric)
            && seg.text.chars().count() <= 3;
        match merged.last_mut() {
            Some(prev) if joins || (prev.mark && seg.mark) => prev.text.push_str(&seg.text),
            _ => merged.push(seg),
        }
    }
    merged
}

#[cfg(test)]
mod tests {
    use super::*;

    fn marked(text: &str, query: &str) -> Vec<String> {
        highlight(text, query)
            .into_iter()
            .filter(|s| s.mark)
            .map(|s| s.text)
            .collect()
    }

    #[test]
    fn highlight_marks_matching_words_and_keeps_the_text() {
        let segments = highlight("Back-channel Negotiator", "backchannel negotiators");
        let whole: String = segments.iter().map(|s| s.text.as_str()).collect();
        assert_eq!(whole, "Back-channel Negotiator");
        assert_eq!(
            marked("Back-channel Negotiator", "back channel negotiator"),
            ["Back-channel Negotiator"]
        );
        assert_eq!(marked("Track II dialogue", "track 2"), ["Track II"]);
        assert_eq!(
            marked("Foreign Service Officer", "foreign serv"),
            ["Foreign Service"]
        );
        assert_eq!(marked("Diplomats", "dipolmat"), ["Diplomats"]);
        assert!(marked("Diplomats", "pastry").is_empty());
    }
}
