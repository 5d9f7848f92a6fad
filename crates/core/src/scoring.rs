//! Scores: per question, per candidate and per competency, and overall recommendations.

use std::collections::BTreeMap;

use serde::{Deserialize, Serialize};

use crate::rubric::Rating;

/// An interviewer's overall recommendation on a candidate.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
pub enum Recommendation {
    StrongNo,
    No,
    Yes,
    StrongYes,
}

impl Recommendation {
    pub const ALL: [Recommendation; 4] = [
        Recommendation::StrongNo,
        Recommendation::No,
        Recommendation::Yes,
        Recommendation::StrongYes,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Recommendation::StrongNo => "strong_no",
            Recommendation::No => "no",
            Recommendation::Yes => "yes",
            Recommendation::StrongYes => "strong_yes",
        }
    }

    /// True for yes and strong yes.
    pub fn is_yes(self) -> bool {
        matches!(self, Recommendation::Yes | Recommendation::StrongYes)
    }
}

/// The text was not a recommendation.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown recommendation {0:?}: expected strong_no, no, yes or strong_yes")]
pub struct UnknownRecommendation(pub String);

named_enum!(Recommendation, UnknownRecommendation);

/// Identifies a candidate within a requisition.
pub type CandidateId = i64;
/// Identifies an interviewer.
pub type RaterId = i64;

/// One criterion rating on a submitted scorecard.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
pub struct CriterionRating {
    pub candidate: CandidateId,
    pub rater: RaterId,
    pub question: String,
    pub criterion: String,
    pub rating: Rating,
}

/// What scoring needs to know about a question: its weight and competencies.
#[derive(Debug, Clone, PartialEq, Serialize, Deserialize)]
pub struct QuestionWeight {
    pub weight: f64,
    pub competencies: Vec<String>,
}

impl Default for QuestionWeight {
    fn default() -> Self {
        QuestionWeight {
            weight: 1.0,
            competencies: Vec::new(),
        }
    }
}

/// The mean of the rated criteria, or `None` when none was rated.
pub fn question_score(ratings: impl IntoIterator<Item = Rating>) -> Option<f64> {
    mean(ratings.into_iter().filter_map(|r| r.score().map(f64::from)))
}

/// The arithmetic mean, or `None` for no values.
pub fn mean(values: impl IntoIterator<Item = f64>) -> Option<f64> {
    let (sum, n) = values
        .into_iter()
        .fold((0.0, 0usize), |(s, n), v| (s + v, n + 1));
    (n > 0).then(|| sum / n as f64)
}

/// One interviewer's score of one question for one candidate.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionScore {
    pub candidate: CandidateId,
    pub rater: RaterId,
    pub question: String,
    pub score: f64,
}

/// Question scores per (candidate, rater, question), each the mean of its rated criteria.
///
/// `value` maps each rating to the number that is averaged, so the same code gives raw
/// scores (`|r| r`) and leniency-adjusted ones. Questions with no rated criterion are
/// left out, as "not assessed".
pub fn question_scores(
    ratings: &[CriterionRating],
    mut value: impl FnMut(&CriterionRating, f64) -> f64,
) -> Vec<QuestionScore> {
    let mut acc: BTreeMap<(CandidateId, RaterId, &str), (f64, usize)> = BTreeMap::new();
    for r in ratings {
        if let Some(s) = r.rating.score() {
            let e = acc
                .entry((r.candidate, r.rater, r.question.as_str()))
                .or_default();
            e.0 += value(r, f64::from(s));
            e.1 += 1;
        }
    }
    acc.into_iter()
        .map(|((candidate, rater, question), (sum, n))| QuestionScore {
            candidate,
            rater,
            question: question.to_owned(),
            score: sum / n as f64,
        })
        .collect()
}

/// A candidate's overall and per-competency scores.
#[derive(Debug, Clone, PartialEq, Default, Serialize)]
pub struct CandidateScore {
    /// Weighted mean of every question score the panel gave.
    pub score: Option<f64>,
    /// Mean of the question scores of the questions that carry each competency.
    pub competencies: BTreeMap<String, f64>,
}

/// Scores for each candidate from their question scores.
///
/// A candidate's score is the weighted mean of all question scores given by all raters
/// (weight 1 for a question missing from `weights`); a competency score is the plain
/// mean of the question scores of questions carrying that competency.
pub fn candidate_scores(
    scores: &[QuestionScore],
    weights: &BTreeMap<String, QuestionWeight>,
) -> BTreeMap<CandidateId, CandidateScore> {
    let default = QuestionWeight::default();
    let mut overall: BTreeMap<CandidateId, (f64, f64)> = BTreeMap::new();
    let mut comp: BTreeMap<(CandidateId, &str), (f64, usize)> = BTreeMap::new();
    for s in scores {
        let w = weights.get(&s.question).unwrap_or(&default);
        let e = overall.entry(s.candidate).or_default();
        e.0 += w.weight * s.score;
        e.1 += w.weight;
        for c in &w.competencies {
            let e = comp.entry((s.candidate, c.as_str())).or_default();
            e.0 += s.score;
            e.1 += 1;
        }
    }
    let mut out: BTreeMap<CandidateId, CandidateScore> = BTreeMap::new();
    for (cand, (sum, wsum)) in overall {
        out.entry(cand).or_default().score = (wsum > 0.0).then(|| sum / wsum);
    }
    for ((cand, c), (sum, n)) in comp {
        out.entry(cand)
            .or_default()
            .competencies
            .insert(c.to_owned(), sum / n as f64);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    fn r(candidate: i64, rater: i64, q: &str, c: &str, score: Option<i64>) -> CriterionRating {
        CriterionRating {
            candidate,
            rater,
            question: q.into(),
            criterion: c.into(),
            rating: score.map_or(Rating::NOT_ASSESSED, |s| Rating::new(s).unwrap()),
        }
    }

    #[test]
    fn question_score_ignores_not_assessed() {
        let ratings = [
            Rating::new(2).unwrap(),
            Rating::NOT_ASSESSED,
            Rating::new(4).unwrap(),
        ];
        assert_eq!(question_score(ratings), Some(3.0));
        assert_eq!(question_score([Rating::NOT_ASSESSED]), None);
    }

    #[test]
    fn candidate_score_is_weighted_mean_of_question_scores() {
        let ratings = vec![
            r(1, 10, "q1", "a", Some(4)),
            r(1, 10, "q1", "b", Some(2)), // q1 = 3
            r(1, 10, "q2", "a", Some(1)), // q2 = 1
            r(1, 10, "q3", "a", None),    // q3 not assessed
        ];
        let qs = question_scores(&ratings, |_, v| v);
        assert_eq!(qs.len(), 2);
        let mut weights = BTreeMap::new();
        weights.insert(
            "q1".to_owned(),
            QuestionWeight {
                weight: 3.0,
                competencies: vec!["Negotiation".into()],
            },
        );
        weights.insert(
            "q2".to_owned(),
            QuestionWeight {
                weight: 1.0,
                competencies: vec!["Negotiation".into(), "Protocol".into()],
            },
        );
        let scores = candidate_scores(&qs, &weights);
        let c = &scores[&1];
        assert_eq!(c.score, Some((3.0 * 3.0 + 1.0) / 4.0));
        assert_eq!(c.competencies["Negotiation"], 2.0);
        assert_eq!(c.competencies["Protocol"], 1.0);
    }

    #[test]
    fn recommendations_parse_and_know_their_side() {
        assert_eq!("strong_yes".parse(), Ok(Recommendation::StrongYes));
        assert!("maybe".parse::<Recommendation>().is_err());
        assert!(Recommendation::Yes.is_yes());
        assert!(!Recommendation::StrongNo.is_yes());
    }
}
