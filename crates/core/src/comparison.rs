//! The hiring manager's comparison of a requisition's candidates, computed in one call:
//! scores with their spread and n, adjusted scores, flags, panel agreement overall and per
//! question, and each interviewer's calibration. Pages, the JSON API and the CSV export
//! all render the one [`Comparison`] this returns.
//!
//! Scores: a rater's question score is the mean of the criteria they rated; the panel's
//! question score for a candidate is the mean of its raters' question scores, so a question
//! counts once however many interviewers asked it; a candidate's score is the weighted mean
//! of those question scores; a competency score the mean of the question scores of the
//! questions that carry it. Spread is the standard deviation of the raters' own scores
//! (each rater's score of the candidate computed the same way from their questions alone).

use std::collections::{BTreeMap, BTreeSet};

use serde::Serialize;

use crate::agreement::{self, Agreement, Band, Flag, Leniency};
use crate::rubric::Rating;
use crate::scoring::{CandidateId, CriterionRating, RaterId, Recommendation};

/// A candidate on the requisition.
#[derive(Debug, Clone, PartialEq)]
pub struct CandidateInfo {
    pub id: CandidateId,
    pub application_id: i64,
    pub name: String,
    pub stage: String,
}

/// A question any scorecard of the requisition was scored on.
#[derive(Debug, Clone, PartialEq)]
pub struct QuestionInfo {
    pub id: String,
    pub text: String,
    pub competencies: Vec<String>,
    /// Weight in the candidate's score; 1 unless the kit says otherwise.
    pub weight: f64,
    /// The ids of its criteria.
    pub criteria: Vec<String>,
}

/// An interviewer who submitted a scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct RaterInfo {
    pub id: RaterId,
    pub name: String,
    pub email: String,
}

/// One submitted scorecard.
#[derive(Debug, Clone, PartialEq)]
pub struct Card {
    pub id: i64,
    pub candidate: CandidateId,
    pub rater: RaterId,
    /// The question bank version it was scored against.
    pub version: String,
    pub recommendation: Option<Recommendation>,
    /// The kit's question ids: what the interviewer was asked to rate.
    pub questions: Vec<String>,
    /// (question, criterion, rating); a criterion left out is not assessed.
    pub ratings: Vec<(String, String, Rating)>,
}

/// Everything the comparison is computed from.
#[derive(Debug, Clone, Default, PartialEq)]
pub struct Input {
    pub candidates: Vec<CandidateInfo>,
    pub questions: Vec<QuestionInfo>,
    pub raters: Vec<RaterInfo>,
    pub cards: Vec<Card>,
}

/// A mean with how far the values behind it spread and how many there are.
#[derive(Debug, Clone, Copy, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Stat {
    pub mean: f64,
    /// Standard deviation of the values (0 for one value).
    pub spread: f64,
    pub low: f64,
    pub high: f64,
    /// How many values: interviewers, for a candidate's scores.
    pub n: usize,
}

impl Stat {
    /// The statistics of `values`, or `None` for none.
    pub fn of(values: &[f64]) -> Option<Stat> {
        let n = values.len();
        if n == 0 {
            return None;
        }
        let mean = values.iter().sum::<f64>() / n as f64;
        let var = values.iter().map(|v| (v - mean).powi(2)).sum::<f64>() / n as f64;
        Some(Stat {
            mean,
            spread: var.sqrt(),
            low: values.iter().copied().fold(f64::INFINITY, f64::min),
            high: values.iter().copied().fold(f64::NEG_INFINITY, f64::max),
            n,
        })
    }

    /// These statistics with another mean (the panel's score where the values are the
    /// raters' own).
    fn with_mean(self, mean: f64) -> Stat {
        Stat { mean, ..self }
    }
}

/// One interviewer's recommendation on a candidate.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RecommendationBy {
    pub rater: RaterId,
    pub name: String,
    pub email: String,
    #[cfg_attr(feature = "openapi", schema(value_type = String))]
    pub recommendation: Recommendation,
    pub scorecard: i64,
}

/// One candidate's row of the comparison.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct CandidateRow {
    pub id: CandidateId,
    pub application_id: i64,
    pub name: String,
    pub stage: String,
    /// The panel's score; `None` before any rating.
    pub score: Option<f64>,
    /// Standard deviation of the interviewers' own scores of the candidate.
    pub spread: Option<f64>,
    /// How many interviewers' ratings the score rests on.
    pub n: usize,
    /// The score with each rating corrected by its interviewer's shrunk leniency.
    pub adjusted_score: Option<f64>,
    pub recommendations: Vec<RecommendationBy>,
    pub competencies: BTreeMap<String, Stat>,
    pub adjusted_competencies: BTreeMap<String, f64>,
    /// Question id to the panel's score of it.
    pub questions: BTreeMap<String, Stat>,
    pub adjusted_questions: BTreeMap<String, f64>,
    #[cfg_attr(feature = "openapi", schema(value_type = Vec<Object>))]
    pub flags: Vec<Flag>,
    /// Submitted scorecards behind the row.
    pub scorecards: usize,
}

/// Agreement as shown: alpha with its band and what it rests on, and the band in a
/// sentence a hiring manager reads.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct AgreementView {
    #[serde(flatten)]
    pub agreement: Agreement,
    pub words: String,
}

impl std::ops::Deref for AgreementView {
    type Target = Agreement;

    fn deref(&self) -> &Agreement {
        &self.agreement
    }
}

impl From<Agreement> for AgreementView {
    fn from(agreement: Agreement) -> Self {
        AgreementView {
            words: band_words(agreement.band).to_owned(),
            agreement,
        }
    }
}

/// What a band means, in plain words.
pub fn band_words(band: Band) -> &'static str {
    match band {
        Band::Reliable => "The panel agrees well: its scores can be relied on.",
        Band::Tentative => {
            "The panel agrees only partly: treat close differences between candidates with care."
        }
        Band::Unreliable => {
            "The panel does not agree: the scores say more about who interviewed than about the candidates."
        }
        Band::InsufficientData => {
            "No answer has been rated by two interviewers yet, so agreement cannot be measured."
        }
    }
}

/// One question's row: how the panel scored it and whether it agrees on it.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct QuestionRow {
    pub id: String,
    pub text: String,
    pub competencies: Vec<String>,
    /// Every interviewer's score of this question, over all candidates.
    pub scores: Option<Stat>,
    pub agreement: AgreementView,
}

/// One interviewer's calibration.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct RaterRow {
    pub id: RaterId,
    pub name: String,
    pub email: String,
    /// Mean of (their rating minus the others' mean on the same unit); `None` when they
    /// share no unit with another interviewer.
    pub leniency: Option<f64>,
    /// `leniency * n / (n + 5)`: what adjusted scores subtract.
    pub leniency_shrunk: Option<f64>,
    /// Ratings the leniency rests on (those with another rating on the same unit).
    pub n: usize,
    /// Ratings given (1-4), over every scorecard they submitted.
    pub ratings: usize,
    /// Ratings given out of the criteria on their kits.
    pub share_rated: f64,
    /// How many of their ratings were 1, 2, 3 and 4.
    pub distribution: [usize; 4],
    pub scorecards: usize,
}

/// The whole comparison of a requisition.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Comparison {
    pub candidates: Vec<CandidateRow>,
    pub questions: Vec<QuestionRow>,
    /// Every competency a question of the comparison carries, in order.
    pub competencies: Vec<String>,
    pub agreement: AgreementView,
    pub raters: Vec<RaterRow>,
    /// The question bank versions the scorecards were scored on; ratings of different
    /// versions are never pooled in one unit.
    pub versions: Vec<String>,
    /// Questions whose own agreement is unreliable: to rewrite or re-anchor.
    pub questions_to_review: Vec<String>,
}

/// Per (candidate, rater): question id to that rater's question score.
type RaterScores<'a> = BTreeMap<(CandidateId, RaterId), BTreeMap<&'a str, f64>>;

/// Each rater's question scores, with every rating mapped through `value` first.
fn rater_scores<'a>(
    cards: &'a [Card],
    mut value: impl FnMut(RaterId, f64) -> f64,
) -> RaterScores<'a> {
    let mut acc: BTreeMap<(CandidateId, RaterId, &str), (f64, usize)> = BTreeMap::new();
    for card in cards {
        for (q, _, rating) in &card.ratings {
            if let Some(s) = rating.score() {
                let e = acc
                    .entry((card.candidate, card.rater, q.as_str()))
                    .or_default();
                e.0 += value(card.rater, f64::from(s));
                e.1 += 1;
            }
        }
    }
    let mut out: RaterScores<'a> = BTreeMap::new();
    for ((c, r, q), (sum, n)) in acc {
        out.entry((c, r)).or_default().insert(q, sum / n as f64);
    }
    out
}

/// The weighted mean of question scores, and each competency's mean.
fn roll_up(
    scores: &BTreeMap<&str, f64>,
    questions: &BTreeMap<&str, &QuestionInfo>,
) -> (Option<f64>, BTreeMap<String, f64>) {
    let (mut sum, mut weights) = (0.0, 0.0);
    let mut comp: BTreeMap<&str, (f64, usize)> = BTreeMap::new();
    for (q, s) in scores {
        let info = questions.get(q);
        let w = info.map_or(1.0, |i| i.weight);
        sum += w * s;
        weights += w;
        for c in info.map(|i| i.competencies.as_slice()).unwrap_or_default() {
            let e = comp.entry(c).or_default();
            e.0 += s;
            e.1 += 1;
        }
    }
    let score = (weights > 0.0).then(|| sum / weights);
    let comp = comp
        .into_iter()
        .map(|(c, (s, n))| (c.to_owned(), s / n as f64))
        .collect();
    (score, comp)
}

/// The panel's question scores for each candidate: per question, the mean over raters.
fn panel_questions<'a>(
    by_rater: &RaterScores<'a>,
) -> BTreeMap<CandidateId, BTreeMap<&'a str, Vec<f64>>> {
    let mut out: BTreeMap<CandidateId, BTreeMap<&str, Vec<f64>>> = BTreeMap::new();
    for (&(c, _), qs) in by_rater {
        for (&q, &s) in qs {
            out.entry(c).or_default().entry(q).or_default().push(s);
        }
    }
    out
}

fn mean(v: &[f64]) -> f64 {
    v.iter().sum::<f64>() / v.len().max(1) as f64
}

/// Compute the comparison.
pub fn compare(input: &Input) -> Comparison {
    let questions: BTreeMap<&str, &QuestionInfo> =
        input.questions.iter().map(|q| (q.id.as_str(), q)).collect();
    let raters: BTreeMap<RaterId, &RaterInfo> = input.raters.iter().map(|r| (r.id, r)).collect();

    // Reliability data: a unit is (candidate, question, criterion) within one bank version.
    let units: Vec<CriterionRating> = input
        .cards
        .iter()
        .flat_map(|card| {
            card.ratings
                .iter()
                .map(move |(q, c, rating)| CriterionRating {
                    candidate: card.candidate,
                    rater: card.rater,
                    question: q.clone(),
                    criterion: format!("{c}@{}", card.version),
                    rating: *rating,
                })
        })
        .collect();
    let leniency = agreement::leniency(&units);
    let shrunk: BTreeMap<RaterId, f64> = leniency.iter().map(|l| (l.rater, l.shrunk)).collect();

    let raw = rater_scores(&input.cards, |_, v| v);
    let adjusted = rater_scores(&input.cards, |r, v| {
        (v - shrunk.get(&r).copied().unwrap_or(0.0)).clamp(1.0, 4.0)
    });
    let raw_panel = panel_questions(&raw);
    let adjusted_panel = panel_questions(&adjusted);

    // Flags come from the raters' question scores and recommendations.
    let question_scores: Vec<crate::scoring::QuestionScore> = raw
        .iter()
        .flat_map(|(&(candidate, rater), qs)| {
            qs.iter()
                .map(move |(q, &score)| crate::scoring::QuestionScore {
                    candidate,
                    rater,
                    question: (*q).to_owned(),
                    score,
                })
        })
        .collect();
    let recommendations: Vec<(CandidateId, Recommendation)> = input
        .cards
        .iter()
        .filter_map(|c| c.recommendation.map(|r| (c.candidate, r)))
        .collect();
    let mut flags = agreement::disagreement_flags(&question_scores, &recommendations);

    let candidates = input
        .candidates
        .iter()
        .map(|cand| {
            let empty = BTreeMap::new();
            let panel = raw_panel.get(&cand.id).unwrap_or(&empty);
            let means: BTreeMap<&str, f64> = panel.iter().map(|(q, v)| (*q, mean(v))).collect();
            let (score, competencies) = roll_up(&means, &questions);
            let adjusted_means: BTreeMap<&str, f64> = adjusted_panel
                .get(&cand.id)
                .unwrap_or(&empty)
                .iter()
                .map(|(q, v)| (*q, mean(v)))
                .collect();
            let (adjusted_score, adjusted_competencies) = roll_up(&adjusted_means, &questions);
            // The raters' own scores, for the spread.
            let mut own: Vec<f64> = Vec::new();
            let mut own_comp: BTreeMap<String, Vec<f64>> = BTreeMap::new();
            for ((_, _), qs) in raw.range((cand.id, RaterId::MIN)..=(cand.id, RaterId::MAX)) {
                let (s, comp) = roll_up(qs, &questions);
                own.extend(s);
                for (c, v) in comp {
                    own_comp.entry(c).or_default().push(v);
                }
            }
            let cards: Vec<&Card> = input
                .cards
                .iter()
                .filter(|c| c.candidate == cand.id)
                .collect();
            CandidateRow {
                id: cand.id,
                application_id: cand.application_id,
                name: cand.name.clone(),
                stage: cand.stage.clone(),
                score,
                spread: Stat::of(&own).map(|s| s.spread),
                n: own.len(),
                adjusted_score,
                recommendations: cards
                    .iter()
                    .filter_map(|c| {
                        let r = raters.get(&c.rater);
                        c.recommendation.map(|rec| RecommendationBy {
                            rater: c.rater,
                            name: r.map(|r| r.name.clone()).unwrap_or_default(),
                            email: r.map(|r| r.email.clone()).unwrap_or_default(),
                            recommendation: rec,
                            scorecard: c.id,
                        })
                    })
                    .collect(),
                competencies: competencies
                    .into_iter()
                    .filter_map(|(c, m)| {
                        let stat =
                            Stat::of(own_comp.get(&c).map(Vec::as_slice).unwrap_or_default())?;
                        Some((c, stat.with_mean(m)))
                    })
                    .collect(),
                adjusted_competencies,
                questions: panel
                    .iter()
                    .filter_map(|(q, v)| Some(((*q).to_owned(), Stat::of(v)?)))
                    .collect(),
                adjusted_questions: adjusted_means
                    .into_iter()
                    .map(|(q, m)| (q.to_owned(), m))
                    .collect(),
                flags: flags.remove(&cand.id).unwrap_or_default(),
                scorecards: cards.len(),
            }
        })
        .collect();

    let by_question = agreement::agreement_by_question(&units);
    let mut question_values: BTreeMap<&str, Vec<f64>> = BTreeMap::new();
    for qs in raw.values() {
        for (&q, &s) in qs {
            question_values.entry(q).or_default().push(s);
        }
    }
    // Questions in the order the input lists them, then any only the scorecards name.
    let mut order: Vec<String> = input.questions.iter().map(|q| q.id.clone()).collect();
    for q in by_question.keys() {
        if !order.contains(q) {
            order.push(q.clone());
        }
    }
    let question_rows: Vec<QuestionRow> = order
        .iter()
        .map(|id| {
            let info = questions.get(id.as_str());
            QuestionRow {
                id: id.clone(),
                text: info.map(|q| q.text.clone()).unwrap_or_else(|| id.clone()),
                competencies: info.map(|q| q.competencies.clone()).unwrap_or_default(),
                scores: question_values.get(id.as_str()).and_then(|v| Stat::of(v)),
                agreement: by_question
                    .get(id)
                    .cloned()
                    .unwrap_or_else(|| agreement::agreement(&[]))
                    .into(),
            }
        })
        .collect();
    let questions_to_review = question_rows
        .iter()
        .filter(|q| q.agreement.band == Band::Unreliable)
        .map(|q| q.id.clone())
        .collect();

    let mut competencies: Vec<String> = Vec::new();
    for q in &input.questions {
        for c in &q.competencies {
            if !competencies.contains(c) {
                competencies.push(c.clone());
            }
        }
    }

    let rater_rows = input
        .raters
        .iter()
        .map(|r| rater_row(r, &input.cards, &questions, &leniency))
        .collect();
    let versions: BTreeSet<String> = input.cards.iter().map(|c| c.version.clone()).collect();

    Comparison {
        candidates,
        questions: question_rows,
        competencies,
        agreement: agreement::agreement(&units).into(),
        raters: rater_rows,
        versions: versions.into_iter().collect(),
        questions_to_review,
    }
}

fn rater_row(
    r: &RaterInfo,
    cards: &[Card],
    questions: &BTreeMap<&str, &QuestionInfo>,
    leniency: &[Leniency],
) -> RaterRow {
    let theirs: Vec<&Card> = cards.iter().filter(|c| c.rater == r.id).collect();
    let mut distribution = [0usize; 4];
    for card in &theirs {
        for (_, _, rating) in &card.ratings {
            if let Some(s) = rating.score() {
                distribution[usize::from(s - 1)] += 1;
            }
        }
    }
    let given: usize = distribution.iter().sum();
    let offered: usize = theirs
        .iter()
        .map(|c| {
            c.questions
                .iter()
                .map(|q| questions.get(q.as_str()).map_or(0, |i| i.criteria.len()))
                .sum::<usize>()
        })
        .sum();
    let l = leniency.iter().find(|l| l.rater == r.id);
    RaterRow {
        id: r.id,
        name: r.name.clone(),
        email: r.email.clone(),
        leniency: l.map(|l| l.raw),
        leniency_shrunk: l.map(|l| l.shrunk),
        n: l.map_or(0, |l| l.n),
        ratings: given,
        share_rated: if offered > 0 {
            (given as f64 / offered as f64).min(1.0)
        } else {
            0.0
        },
        distribution,
        scorecards: theirs.len(),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn q(id: &str, competency: &str, criteria: &[&str]) -> QuestionInfo {
        QuestionInfo {
            id: id.into(),
            text: format!("Question {id}"),
            competencies: vec![competency.into()],
            weight: 1.0,
            criteria: criteria.iter().map(|c| (*c).to_owned()).collect(),
        }
    }

    fn card(
        id: i64,
        candidate: i64,
        rater: i64,
        rec: Recommendation,
        ratings: &[(&str, &str, Option<i64>)],
    ) -> Card {
        Card {
            id,
            candidate,
            rater,
            version: "v1".into(),
            recommendation: Some(rec),
            questions: vec!["q1".into(), "q2".into()],
            ratings: ratings
                .iter()
                .map(|(q, c, s)| {
                    let r = s.map_or(Rating::NOT_ASSESSED, |s| Rating::new(s).unwrap());
                    ((*q).to_owned(), (*c).to_owned(), r)
                })
                .collect(),
        }
    }

    /// Four candidates, two interviewers (10 rates a point above 20 where both rated),
    /// two questions; every figure below was worked out by hand.
    fn worked_example() -> Input {
        use Recommendation::*;
        let cand = |id: i64| CandidateInfo {
            id,
            application_id: 100 + id,
            name: format!("Candidate {id}"),
            stage: "interviewing".into(),
        };
        Input {
            candidates: (1..=4).map(cand).collect(),
            questions: vec![
                q("q1", "Negotiation", &["a", "b"]),
                q("q2", "Listening", &["a"]),
            ],
            raters: vec![
                RaterInfo {
                    id: 10,
                    name: "Ten".into(),
                    email: "ten@example.org".into(),
                },
                RaterInfo {
                    id: 20,
                    name: "Twenty".into(),
                    email: "twenty@example.org".into(),
                },
            ],
            cards: vec![
                card(
                    1,
                    1,
                    10,
                    StrongYes,
                    &[
                        ("q1", "a", Some(4)),
                        ("q1", "b", Some(4)),
                        ("q2", "a", Some(3)),
                    ],
                ),
                card(
                    2,
                    1,
                    20,
                    No,
                    &[
                        ("q1", "a", Some(2)),
                        ("q1", "b", Some(2)),
                        ("q2", "a", Some(3)),
                    ],
                ),
                card(
                    3,
                    2,
                    10,
                    Yes,
                    &[
                        ("q1", "a", Some(3)),
                        ("q1", "b", None),
                        ("q2", "a", Some(4)),
                    ],
                ),
                card(
                    4,
                    2,
                    20,
                    Yes,
                    &[
                        ("q1", "a", Some(3)),
                        ("q1", "b", Some(2)),
                        ("q2", "a", Some(3)),
                    ],
                ),
                card(
                    5,
                    3,
                    10,
                    Yes,
                    &[
                        ("q1", "a", Some(4)),
                        ("q1", "b", Some(4)),
                        ("q2", "a", Some(4)),
                    ],
                ),
                card(6, 4, 20, Yes, &[("q2", "a", Some(4))]),
            ],
        }
    }

    fn close(a: f64, b: f64) -> bool {
        (a - b).abs() < 1e-9
    }

    #[test]
    fn scores_count_each_question_once_and_spread_over_the_raters() {
        let c = compare(&worked_example());
        let c1 = &c.candidates[0];
        // q1: raters 4 and 2 -> 3; q2: 3 and 3 -> 3.
        assert!(close(c1.score.unwrap(), 3.0));
        // The raters' own scores are 3.5 and 2.5.
        assert!(close(c1.spread.unwrap(), 0.5) && c1.n == 2, "{c1:?}");
        assert!(close(c1.questions["q1"].mean, 3.0) && close(c1.questions["q1"].spread, 1.0));
        assert!(close(c1.competencies["Negotiation"].mean, 3.0));
        // Candidate 2: q1 = mean(3, 2.5) = 2.75 (10 left b unassessed), q2 = 3.5.
        assert!(close(c.candidates[1].score.unwrap(), 3.125));
        assert_eq!(c.candidates[3].n, 1);
    }

    #[test]
    fn leniency_and_adjusted_scores_follow_the_spec() {
        let c = compare(&worked_example());
        let ten = &c.raters[0];
        // Shared units: +2, +2, 0, 0, +1 for rater 10 -> raw 1, shrunk 1 * 5 / 10.
        assert_eq!(ten.n, 5);
        assert!(close(ten.leniency.unwrap(), 1.0) && close(ten.leniency_shrunk.unwrap(), 0.5));
        let twenty = &c.raters[1];
        assert!(
            close(twenty.leniency.unwrap(), -1.0) && close(twenty.leniency_shrunk.unwrap(), -0.5)
        );
        // Candidate 3, seen only by the lenient rater: 4 -> 3.5. Candidate 4, seen only by
        // the harsh one: 4 + 0.5 clamps to 4.
        assert!(close(c.candidates[2].score.unwrap(), 4.0));
        assert!(close(c.candidates[2].adjusted_score.unwrap(), 3.5));
        assert!(close(c.candidates[3].adjusted_score.unwrap(), 4.0));
        assert!(close(
            c.candidates[2].adjusted_competencies["Negotiation"],
            3.5
        ));
    }

    #[test]
    fn calibration_counts_ratings_share_and_distribution() {
        let c = compare(&worked_example());
        let ten = &c.raters[0];
        assert_eq!(ten.distribution, [0, 0, 2, 6]);
        assert_eq!((ten.ratings, ten.scorecards), (8, 3));
        assert!(close(ten.share_rated, 8.0 / 9.0));
        let twenty = &c.raters[1];
        assert_eq!(twenty.distribution, [0, 3, 3, 1]);
        assert!(close(twenty.share_rated, 7.0 / 9.0));
    }

    #[test]
    fn agreement_overall_and_per_question_match_hand_computation() {
        let c = compare(&worked_example());
        // Pairable units [4,2] [4,2] [3,3] [3,3] [4,3]: Do = 18/10, De = 98/90.
        assert!(close(c.agreement.alpha_interval.unwrap(), -32.0 / 49.0));
        assert_eq!((c.agreement.units, c.agreement.raters), (5, 2));
        assert_eq!(c.agreement.band, Band::Unreliable);
        let q1 = &c.questions[0];
        assert!(close(q1.agreement.alpha_interval.unwrap(), -2.0 / 3.0));
        let q2 = &c.questions[1];
        assert!(close(q2.agreement.alpha_interval.unwrap(), 0.0));
        assert_eq!(c.questions_to_review, vec!["q1", "q2"]);
    }

    #[test]
    fn flags_mark_wide_spreads_and_split_recommendations() {
        let c = compare(&worked_example());
        assert_eq!(
            c.candidates[0].flags,
            vec![
                Flag::QuestionSpread {
                    question: "q1".into(),
                    low: 2.0,
                    high: 4.0
                },
                Flag::SplitRecommendation
            ]
        );
        assert!(c.candidates[1].flags.is_empty());
        assert_eq!(c.candidates[0].recommendations.len(), 2);
    }

    #[test]
    fn ratings_of_different_bank_versions_are_not_pooled() {
        let mut input = worked_example();
        // Rater 20 scored candidate 1 on a later version: no shared unit is left there.
        input.cards[1].version = "v2".into();
        let c = compare(&input);
        assert_eq!(
            c.agreement.units, 2,
            "candidate 1's three shared units are gone"
        );
        assert_eq!(c.versions, vec!["v1", "v2"]);
    }

    #[test]
    fn no_ratings_is_not_enough_data() {
        let mut input = worked_example();
        input.cards.clear();
        let c = compare(&input);
        assert_eq!(c.agreement.band, Band::InsufficientData);
        assert!(c.agreement.alpha_ordinal.is_none());
        assert!(
            c.candidates
                .iter()
                .all(|r| r.score.is_none() && r.adjusted_score.is_none())
        );
        assert!(
            c.agreement
                .words
                .starts_with("No answer has been rated by two")
        );
    }

    /// Krippendorff's published example, given as scorecards: one candidate, four
    /// interviewers, twelve single-criterion questions (the 5s of the example become 4s,
    /// so the figure is checked against the raw computation over the same units).
    #[test]
    fn krippendorff_example_through_scorecards_equals_the_raw_alpha() {
        let n = f64::NAN;
        let rows: [[f64; 12]; 4] = [
            [1., 2., 3., 3., 2., 1., 4., 1., 2., n, n, n],
            [1., 2., 3., 3., 2., 2., 4., 1., 2., 4., n, 3.],
            [n, 3., 3., 3., 2., 3., 4., 2., 2., 4., 1., n],
            [1., 2., 3., 3., 2., 4., 4., 1., 2., 4., 1., n],
        ];
        let mut input = Input::default();
        for (rater, row) in rows.iter().enumerate() {
            input.cards.push(Card {
                id: rater as i64,
                candidate: 1,
                rater: rater as i64,
                version: "v".into(),
                recommendation: None,
                questions: Vec::new(),
                ratings: row
                    .iter()
                    .enumerate()
                    .filter(|(_, v)| !v.is_nan())
                    .map(|(u, v)| {
                        (
                            format!("u{u}"),
                            "c".to_owned(),
                            Rating::new(*v as i64).unwrap(),
                        )
                    })
                    .collect(),
            });
        }
        let units: Vec<Vec<f64>> = (0..12)
            .map(|u| rows.iter().map(|r| r[u]).filter(|v| !v.is_nan()).collect())
            .collect();
        let c = compare(&input);
        let ordinal = agreement::krippendorff_alpha(&units, agreement::Metric::Ordinal).unwrap();
        let interval = agreement::krippendorff_alpha(&units, agreement::Metric::Interval).unwrap();
        assert!(close(c.agreement.alpha_ordinal.unwrap(), ordinal));
        assert!(close(c.agreement.alpha_interval.unwrap(), interval));
        assert_eq!(c.agreement.units, 11);
    }
}
