//! Whether a panel agrees, and which interviewer rates high or low.
//!
//! Reliability data for a requisition: units are (candidate, question, criterion),
//! raters are interviewers, values are ratings; a missing or "not assessed" rating is
//! simply absent from its unit.

use std::collections::BTreeMap;

use serde::Serialize;

use crate::scoring::{
    CandidateId, CandidateScore, CriterionRating, QuestionScore, QuestionWeight, RaterId,
    Recommendation, candidate_scores, question_scores,
};

/// How the distance between two values is measured.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum Metric {
    /// Values are categories: any two different values disagree equally.
    Nominal,
    /// Values are ranks: distance depends on how many values lie between them.
    Ordinal,
    /// Values are numbers on an interval scale: squared difference.
    Interval,
}

/// Krippendorff's alpha for reliability data given as units of observed values.
///
/// Each unit lists the values its raters gave (missing values left out). Units with
/// fewer than two values are not pairable and are ignored.
///
/// Returns `None` when alpha is undefined: no unit has two values, or every pairable
/// value is the same (no variation, so agreement cannot be told from chance).
pub fn krippendorff_alpha<U: AsRef<[f64]>>(units: &[U], metric: Metric) -> Option<f64> {
    let mut values: Vec<f64> = units
        .iter()
        .filter(|u| u.as_ref().len() >= 2)
        .flat_map(|u| u.as_ref().iter().copied())
        .filter(|v| v.is_finite())
        .collect();
    values.sort_by(f64::total_cmp);
    values.dedup();
    let v = values.len();
    if v == 0 {
        return None;
    }
    let index = |x: f64| values.binary_search_by(|p| p.total_cmp(&x)).ok();

    // Coincidence matrix: each ordered pair of values within a unit adds 1/(m-1).
    let mut o = vec![0.0f64; v * v];
    for unit in units {
        let idx: Vec<usize> = unit.as_ref().iter().filter_map(|&x| index(x)).collect();
        let m = idx.len();
        if m < 2 {
            continue;
        }
        let w = 1.0 / (m - 1) as f64;
        for (i, &a) in idx.iter().enumerate() {
            for (j, &b) in idx.iter().enumerate() {
                if i != j {
                    o[a * v + b] += w;
                }
            }
        }
    }
    let n_c: Vec<f64> = (0..v).map(|c| o[c * v..(c + 1) * v].iter().sum()).collect();
    let n: f64 = n_c.iter().sum();
    if n < 2.0 {
        return None;
    }

    let delta2 = |c: usize, k: usize| -> f64 {
        match metric {
            Metric::Nominal => f64::from(u8::from(c != k)),
            Metric::Interval => (values[c] - values[k]).powi(2),
            Metric::Ordinal => {
                let (lo, hi) = if c <= k { (c, k) } else { (k, c) };
                let between: f64 = n_c[lo..=hi].iter().sum();
                (between - (n_c[c] + n_c[k]) / 2.0).powi(2)
            }
        }
    };
    let mut observed = 0.0;
    let mut expected = 0.0;
    for c in 0..v {
        for k in 0..v {
            let d = delta2(c, k);
            observed += o[c * v + k] * d;
            expected += n_c[c] * n_c[k] * d;
        }
    }
    if expected <= 0.0 {
        return None;
    }
    Some(1.0 - (n - 1.0) * observed / expected)
}

/// How far an alpha can be relied on.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Band {
    /// alpha >= .800
    Reliable,
    /// .667 <= alpha < .800
    Tentative,
    /// alpha < .667
    Unreliable,
    /// alpha is undefined: too few paired ratings, or no variation.
    InsufficientData,
}

impl Band {
    pub fn of(alpha: Option<f64>) -> Band {
        match alpha {
            None => Band::InsufficientData,
            Some(a) if a >= 0.800 => Band::Reliable,
            Some(a) if a >= 0.667 => Band::Tentative,
            Some(_) => Band::Unreliable,
        }
    }

    pub fn as_str(self) -> &'static str {
        match self {
            Band::Reliable => "reliable",
            Band::Tentative => "tentative",
            Band::Unreliable => "unreliable",
            Band::InsufficientData => "insufficient_data",
        }
    }
}

type UnitKey<'a> = (CandidateId, &'a str, &'a str);

/// Assessed ratings grouped by unit (candidate, question, criterion), with their raters.
fn units(ratings: &[CriterionRating]) -> BTreeMap<UnitKey<'_>, Vec<(RaterId, f64)>> {
    let mut units: BTreeMap<UnitKey<'_>, Vec<(RaterId, f64)>> = BTreeMap::new();
    for r in ratings {
        if let Some(s) = r.rating.score() {
            units
                .entry((r.candidate, r.question.as_str(), r.criterion.as_str()))
                .or_default()
                .push((r.rater, f64::from(s)));
        }
    }
    units
}

/// Agreement over a set of ratings.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Agreement {
    pub alpha_ordinal: Option<f64>,
    pub alpha_interval: Option<f64>,
    /// Units with at least two ratings.
    pub units: usize,
    /// Distinct raters who gave at least one rating.
    pub raters: usize,
    /// Band of the ordinal alpha (ratings are an ordinal scale).
    pub band: Band,
}

/// Krippendorff's alpha (ordinal and interval) over all the ratings given.
pub fn agreement(ratings: &[CriterionRating]) -> Agreement {
    let units = units(ratings);
    let values: Vec<Vec<f64>> = units
        .values()
        .map(|u| u.iter().map(|&(_, v)| v).collect())
        .collect();
    let mut raters: Vec<RaterId> = units.values().flatten().map(|&(r, _)| r).collect();
    raters.sort_unstable();
    raters.dedup();
    let alpha_ordinal = krippendorff_alpha(&values, Metric::Ordinal);
    Agreement {
        alpha_ordinal,
        alpha_interval: krippendorff_alpha(&values, Metric::Interval),
        units: values.iter().filter(|u| u.len() >= 2).count(),
        raters: raters.len(),
        band: Band::of(alpha_ordinal),
    }
}

/// Agreement for each question separately.
pub fn agreement_by_question(ratings: &[CriterionRating]) -> BTreeMap<String, Agreement> {
    let mut by_q: BTreeMap<&str, Vec<CriterionRating>> = BTreeMap::new();
    for r in ratings {
        by_q.entry(&r.question).or_default().push(r.clone());
    }
    by_q.into_iter()
        .map(|(q, rs)| (q.to_owned(), agreement(&rs)))
        .collect()
}

/// How much higher or lower than the rest of the panel an interviewer rates.
#[derive(Debug, Clone, PartialEq, Serialize)]
pub struct Leniency {
    pub rater: RaterId,
    /// Mean of (rating minus the mean of the other raters' ratings of the same unit).
    pub raw: f64,
    /// `raw * n / (n + 5)`: pulled towards 0 when there is little evidence.
    pub shrunk: f64,
    /// Ratings that had at least one other rater on the same unit.
    pub n: usize,
}

/// The prior weight, in ratings, that pulls leniency towards zero.
pub const LENIENCY_SHRINKAGE: f64 = 5.0;

/// Leniency of every rater who shares at least one unit with another rater.
pub fn leniency(ratings: &[CriterionRating]) -> Vec<Leniency> {
    let mut acc: BTreeMap<RaterId, (f64, usize)> = BTreeMap::new();
    for unit in units(ratings).values() {
        if unit.len() < 2 {
            continue;
        }
        let total: f64 = unit.iter().map(|&(_, v)| v).sum();
        let others = (unit.len() - 1) as f64;
        for &(rater, v) in unit {
            let e = acc.entry(rater).or_default();
            e.0 += v - (total - v) / others;
            e.1 += 1;
        }
    }
    acc.into_iter()
        .map(|(rater, (sum, n))| {
            let raw = sum / n as f64;
            Leniency {
                rater,
                raw,
                shrunk: raw * n as f64 / (n as f64 + LENIENCY_SHRINKAGE),
                n,
            }
        })
        .collect()
}

/// Candidate scores recomputed with each rating minus its rater's shrunk leniency,
/// clamped to 1-4. Raters with no leniency estimate are not adjusted.
pub fn adjusted_candidate_scores(
    ratings: &[CriterionRating],
    leniency: &[Leniency],
    weights: &BTreeMap<String, QuestionWeight>,
) -> BTreeMap<CandidateId, CandidateScore> {
    let offset: BTreeMap<RaterId, f64> = leniency.iter().map(|l| (l.rater, l.shrunk)).collect();
    let scores = question_scores(ratings, |r, v| {
        (v - offset.get(&r.rater).copied().unwrap_or(0.0)).clamp(1.0, 4.0)
    });
    candidate_scores(&scores, weights)
}

/// Something the hiring manager should look at before deciding.
#[derive(Debug, Clone, PartialEq, Serialize)]
#[serde(tag = "kind", rename_all = "snake_case")]
pub enum Flag {
    /// Two raters' scores of the same question differ by 2 or more.
    QuestionSpread {
        question: String,
        low: f64,
        high: f64,
    },
    /// The panel's recommendations include both a yes and a no.
    SplitRecommendation,
}

/// Disagreement flags for each candidate that has any.
pub fn disagreement_flags(
    scores: &[QuestionScore],
    recommendations: &[(CandidateId, Recommendation)],
) -> BTreeMap<CandidateId, Vec<Flag>> {
    let mut spread: BTreeMap<(CandidateId, &str), (f64, f64)> = BTreeMap::new();
    for s in scores {
        let e = spread
            .entry((s.candidate, s.question.as_str()))
            .or_insert((s.score, s.score));
        e.0 = e.0.min(s.score);
        e.1 = e.1.max(s.score);
    }
    let mut flags: BTreeMap<CandidateId, Vec<Flag>> = BTreeMap::new();
    for ((cand, question), (low, high)) in spread {
        if high - low >= 2.0 {
            flags.entry(cand).or_default().push(Flag::QuestionSpread {
                question: question.to_owned(),
                low,
                high,
            });
        }
    }
    let mut sides: BTreeMap<CandidateId, (bool, bool)> = BTreeMap::new();
    for &(cand, rec) in recommendations {
        let e = sides.entry(cand).or_default();
        if rec.is_yes() {
            e.0 = true;
        } else {
            e.1 = true;
        }
    }
    for (cand, (yes, no)) in sides {
        if yes && no {
            flags
                .entry(cand)
                .or_default()
                .push(Flag::SplitRecommendation);
        }
    }
    flags
}

#[cfg(test)]
mod tests {
    use super::*;
    use crate::rubric::Rating;

    /// Krippendorff (2011), "Computing Krippendorff's Alpha-Reliability", section C:
    /// four observers, twelve units, missing values. Rows are observers A-D.
    fn krippendorff_example() -> Vec<Vec<f64>> {
        let n = f64::NAN;
        let rows: [[f64; 12]; 4] = [
            [1., 2., 3., 3., 2., 1., 4., 1., 2., n, n, n],
            [1., 2., 3., 3., 2., 2., 4., 1., 2., 5., n, 3.],
            [n, 3., 3., 3., 2., 3., 4., 2., 2., 5., 1., n],
            [1., 2., 3., 3., 2., 4., 4., 1., 2., 5., 1., n],
        ];
        (0..12)
            .map(|u| rows.iter().map(|r| r[u]).filter(|v| !v.is_nan()).collect())
            .collect()
    }

    // Exact rationals computed independently with Python's fractions module; the paper
    // publishes them rounded as .743, .815 and .849.
    #[test]
    fn alpha_matches_krippendorffs_published_example() {
        let data = krippendorff_example();
        let nominal = krippendorff_alpha(&data, Metric::Nominal).unwrap();
        let ordinal = krippendorff_alpha(&data, Metric::Ordinal).unwrap();
        let interval = krippendorff_alpha(&data, Metric::Interval).unwrap();
        assert!((nominal - 113.0 / 152.0).abs() < 1e-9, "{nominal}");
        assert!((ordinal - 108_577.0 / 133_160.0).abs() < 1e-9, "{ordinal}");
        assert!((interval - 951.0 / 1120.0).abs() < 1e-9, "{interval}");
        assert_eq!(
            format!("{nominal:.3} {ordinal:.3} {interval:.3}"),
            "0.743 0.815 0.849"
        );
    }

    #[test]
    fn alpha_is_undefined_with_one_rater() {
        let data = vec![vec![1.0], vec![3.0], vec![4.0]];
        assert_eq!(krippendorff_alpha(&data, Metric::Interval), None);
    }

    #[test]
    fn alpha_is_undefined_with_no_pairable_unit() {
        let data: Vec<Vec<f64>> = vec![vec![], vec![2.0], vec![]];
        assert_eq!(krippendorff_alpha(&data, Metric::Ordinal), None);
        let empty: Vec<Vec<f64>> = vec![];
        assert_eq!(krippendorff_alpha(&empty, Metric::Nominal), None);
    }

    #[test]
    fn alpha_is_undefined_when_every_value_is_the_same() {
        let data = vec![vec![3.0, 3.0], vec![3.0, 3.0, 3.0]];
        for m in [Metric::Nominal, Metric::Ordinal, Metric::Interval] {
            assert_eq!(krippendorff_alpha(&data, m), None);
        }
    }

    #[test]
    fn alpha_is_one_for_perfect_agreement_with_variation() {
        let data = vec![vec![1.0, 1.0], vec![4.0, 4.0], vec![2.0, 2.0, 2.0]];
        for m in [Metric::Nominal, Metric::Ordinal, Metric::Interval] {
            assert!((krippendorff_alpha(&data, m).unwrap() - 1.0).abs() < 1e-12);
        }
    }

    #[test]
    fn alpha_ignores_singleton_units_values() {
        // A value seen only in an unpairable unit must not enter the coincidence matrix.
        let with = vec![vec![1.0, 2.0], vec![2.0, 2.0], vec![4.0]];
        let without = vec![vec![1.0, 2.0], vec![2.0, 2.0]];
        assert_eq!(
            krippendorff_alpha(&with, Metric::Ordinal),
            krippendorff_alpha(&without, Metric::Ordinal)
        );
    }

    #[test]
    fn bands_follow_the_spec_thresholds() {
        assert_eq!(Band::of(Some(0.81)), Band::Reliable);
        assert_eq!(Band::of(Some(0.800)), Band::Reliable);
        assert_eq!(Band::of(Some(0.7)), Band::Tentative);
        assert_eq!(Band::of(Some(0.667)), Band::Tentative);
        assert_eq!(Band::of(Some(0.5)), Band::Unreliable);
        assert_eq!(Band::of(None), Band::InsufficientData);
    }

    fn rating(candidate: i64, rater: i64, q: &str, c: &str, s: i64) -> CriterionRating {
        CriterionRating {
            candidate,
            rater,
            question: q.into(),
            criterion: c.into(),
            rating: Rating::new(s).unwrap(),
        }
    }

    /// The requisition-level alpha is the same computation as on raw units.
    #[test]
    fn agreement_builds_units_from_ratings_and_skips_not_assessed() {
        let data = krippendorff_example();
        // Four raters on candidate 1, one criterion per question; value 5 is outside the
        // rating scale, so rebuild the example with values shifted into 1-4 where needed
        // and compare with the raw computation on the same units.
        let mut ratings = Vec::new();
        let mut units = Vec::new();
        for (u, unit) in data.iter().enumerate() {
            let vals: Vec<f64> = unit.iter().map(|v| v.min(4.0)).collect();
            for (rater, v) in vals.iter().enumerate() {
                ratings.push(rating(1, rater as i64, &format!("q{u}"), "c", *v as i64));
            }
            units.push(vals);
        }
        ratings.push(CriterionRating {
            rating: Rating::NOT_ASSESSED,
            ..rating(1, 9, "q0", "c", 1)
        });
        let a = agreement(&ratings);
        assert_eq!(a.alpha_ordinal, krippendorff_alpha(&units, Metric::Ordinal));
        assert_eq!(
            a.alpha_interval,
            krippendorff_alpha(&units, Metric::Interval)
        );
        assert_eq!(a.units, 11);
        assert_eq!(a.raters, 4, "the not-assessed rater gave no value");
        assert_eq!(a.band, Band::of(a.alpha_ordinal));
    }

    #[test]
    fn leniency_is_mean_difference_from_the_others_and_shrinks() {
        // Rater 1 is always one point above raters 2 and 3 on five shared units.
        let mut ratings = Vec::new();
        for q in 0..5 {
            let q = format!("q{q}");
            ratings.push(rating(1, 1, &q, "c", 4));
            ratings.push(rating(1, 2, &q, "c", 3));
            ratings.push(rating(1, 3, &q, "c", 3));
        }
        // A unit only rater 1 rated does not count.
        ratings.push(rating(2, 1, "q0", "c", 1));
        let l = leniency(&ratings);
        let r1 = l.iter().find(|l| l.rater == 1).unwrap();
        assert_eq!(r1.n, 5);
        assert!((r1.raw - 1.0).abs() < 1e-12);
        assert!((r1.shrunk - 0.5).abs() < 1e-12, "1 * 5 / (5 + 5)");
        let r2 = l.iter().find(|l| l.rater == 2).unwrap();
        // 3 - mean(4, 3) = -0.5 on every unit
        assert!((r2.raw + 0.5).abs() < 1e-12);
        assert!((r2.shrunk + 0.25).abs() < 1e-12);
    }

    #[test]
    fn adjusted_scores_subtract_shrunk_leniency_and_clamp() {
        let ratings = vec![rating(1, 1, "q", "c", 4), rating(1, 2, "q", "c", 1)];
        let l = vec![
            Leniency {
                rater: 1,
                raw: 2.0,
                shrunk: -1.0,
                n: 5,
            }, // harsh: 4 + 1 clamps to 4
            Leniency {
                rater: 2,
                raw: 1.0,
                shrunk: 0.5,
                n: 5,
            }, // lenient: 1 - .5 clamps to 1
        ];
        let scores = adjusted_candidate_scores(&ratings, &l, &BTreeMap::new());
        assert_eq!(scores[&1].score, Some(2.5));
        let l = vec![Leniency {
            rater: 1,
            raw: 1.0,
            shrunk: 0.5,
            n: 5,
        }];
        let scores = adjusted_candidate_scores(&ratings, &l, &BTreeMap::new());
        assert_eq!(scores[&1].score, Some((3.5 + 1.0) / 2.0));
    }

    #[test]
    fn flags_wide_question_spread_and_split_recommendations() {
        let ratings = vec![
            rating(1, 1, "q1", "a", 4),
            rating(1, 1, "q1", "b", 4),
            rating(1, 2, "q1", "a", 2),
            rating(1, 2, "q1", "b", 2), // spread exactly 2
            rating(1, 1, "q2", "a", 3),
            rating(1, 2, "q2", "a", 2), // spread 1: no flag
            rating(2, 1, "q1", "a", 3),
            rating(2, 2, "q1", "a", 2),
        ];
        let scores = question_scores(&ratings, |_, v| v);
        let recs = [
            (1, Recommendation::Yes),
            (1, Recommendation::StrongYes),
            (2, Recommendation::StrongNo),
            (2, Recommendation::Yes),
        ];
        let flags = disagreement_flags(&scores, &recs);
        assert_eq!(
            flags[&1],
            vec![Flag::QuestionSpread {
                question: "q1".into(),
                low: 2.0,
                high: 4.0
            }]
        );
        assert_eq!(flags[&2], vec![Flag::SplitRecommendation]);
    }
}
