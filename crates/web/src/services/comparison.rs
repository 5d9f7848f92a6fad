//! The comparison of a requisition's candidates: reads the submitted scorecards of its
//! applications with their ratings, kits and bank versions in a handful of queries, and
//! hands them to core's one [`attache_core::comparison::compare`] call. Decisions on an
//! application (advance, hold, reject, offer) live here too.

use std::collections::{BTreeMap, BTreeSet};

use attache_core::comparison::{self, CandidateInfo, Card, Comparison, QuestionInfo, RaterInfo};
use attache_core::{Rating, Recommendation, Stage};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::{Deserialize, Serialize};
use serde_json::json;

use crate::auth::current::CurrentUser;
use crate::db::{Sql, begin_write};
use crate::entities::{applications, decisions, requisitions, users};
use crate::error::AppError;
use crate::fields;
use crate::services::{audit, requisitions as requisition_service, scorecards};

/// The comparison of a requisition the user may see.
///
/// # Errors
/// Not found (also when it is not the user's), or the database failed.
pub async fn of_requisition(
    db: &DatabaseConnection,
    user: &CurrentUser,
    requisition_id: i32,
) -> Result<(requisitions::Model, Comparison), AppError> {
    let requisition = requisition_service::find_visible(db, user, requisition_id).await?;
    let input = load(db, requisition_id).await?;
    Ok((requisition, comparison::compare(&input)))
}

/// What the comparison is computed from, for one requisition.
async fn load(
    db: &impl ConnectionTrait,
    requisition_id: i32,
) -> Result<comparison::Input, AppError> {
    let backend = db.get_database_backend();
    let query = |sql: &str| {
        let mut q = Sql::new(backend);
        let r = q.bind(requisition_id);
        q.statement(sql.replace("{r}", &r))
    };
    let candidates: Vec<CandidateInfo> = db
        .query_all_raw(query(
            "SELECT a.id AS application_id, a.stage AS stage, c.id AS id, c.name AS name \
             FROM applications a JOIN candidates c ON c.id = a.candidate_id \
             WHERE a.requisition_id = {r} ORDER BY c.name, a.id",
        ))
        .await?
        .iter()
        .map(|row| {
            Ok(CandidateInfo {
                id: row.try_get::<i32>("", "id")?.into(),
                application_id: row.try_get::<i32>("", "application_id")?.into(),
                name: row.try_get("", "name")?,
                stage: row.try_get("", "stage")?,
            })
        })
        .collect::<Result<_, sea_orm::DbErr>>()?;

    // One row a scorecard, its ratings and its kit folded into text: SQLite hands rows over
    // one by one through a channel, and 3,600 rating rows cost more than the statistics.
    // Ids never contain the separators (ASCII unit and record separators).
    let (agg, chr) = match backend {
        sea_orm::DatabaseBackend::Postgres => ("string_agg", "chr"),
        _ => ("group_concat", "char"),
    };
    let scorecard_rows = db
        .query_all_raw(query(&format!(
            "SELECT s.id AS id, s.interviewer_id AS rater, s.recommendation AS recommendation, \
             s.bank_version_id AS bank, s.interview_id AS interview, a.candidate_id AS candidate, \
             (SELECT {agg}(r.question_id || {chr}(31) || r.criterion_id || {chr}(31) || COALESCE(CAST(r.score AS TEXT), ''), {chr}(30)) \
              FROM ratings r WHERE r.scorecard_id = s.id) AS ratings, \
             (SELECT {agg}(k.question_id, {chr}(30)) FROM kit_questions k WHERE k.interview_id = s.interview_id) AS kit \
             FROM scorecards s JOIN interviews i ON i.id = s.interview_id \
             JOIN applications a ON a.id = i.application_id \
             WHERE a.requisition_id = {{r}} AND s.status = 'submitted' ORDER BY s.id"
        )))
        .await?;
    let split = |text: Option<String>| -> Vec<String> {
        text.map(|t| t.split('\u{1e}').map(str::to_owned).collect())
            .unwrap_or_default()
    };
    let mut kits: BTreeMap<i32, Vec<String>> = BTreeMap::new();
    let mut ratings: BTreeMap<i32, Vec<(String, String, Rating)>> = BTreeMap::new();
    for row in &scorecard_rows {
        let card: i32 = row.try_get("", "id")?;
        let kit = split(row.try_get("", "kit")?);
        kits.entry(row.try_get("", "interview")?).or_insert(kit);
        for rating in split(row.try_get("", "ratings")?) {
            let mut parts = rating.split('\u{1f}');
            let (Some(question), Some(criterion), Some(score)) =
                (parts.next(), parts.next(), parts.next())
            else {
                return Err(AppError::Internal(anyhow::anyhow!(
                    "stored rating of scorecard {card} does not parse"
                )));
            };
            let rating = match score {
                "" => Rating::NOT_ASSESSED,
                s => s
                    .parse::<i64>()
                    .ok()
                    .and_then(|s| Rating::new(s).ok())
                    .ok_or_else(|| AppError::Internal(anyhow::anyhow!("stored rating {s:?}")))?,
            };
            ratings.entry(card).or_default().push((
                question.to_owned(),
                criterion.to_owned(),
                rating,
            ));
        }
    }

    // The questions of every bank version scored on; where versions share a question,
    // the newest version's wording is shown.
    let mut banks: BTreeMap<i32, (String, std::sync::Arc<Vec<attache_core::Question>>)> =
        BTreeMap::new();
    for row in &scorecard_rows {
        let id: i32 = row.try_get("", "bank")?;
        if let std::collections::btree_map::Entry::Vacant(e) = banks.entry(id) {
            e.insert(scorecards::bank(db, id).await?);
        }
    }
    let mut questions: Vec<QuestionInfo> = Vec::new();
    let asked: BTreeSet<&str> = kits.values().flatten().map(String::as_str).collect();
    for (_, bank) in banks.values().rev() {
        for q in bank.iter() {
            if asked.contains(q.id.as_str()) && !questions.iter().any(|i| i.id == q.id) {
                questions.push(QuestionInfo {
                    id: q.id.clone(),
                    text: q.text.clone(),
                    competencies: q.competencies.clone(),
                    weight: 1.0,
                    criteria: q.criteria.iter().map(|c| c.id.clone()).collect(),
                });
            }
        }
    }
    // Basic questions first, as kits are laid out.
    let level_of = |id: &str| {
        banks
            .values()
            .flat_map(|(_, b)| b.iter())
            .find(|q| q.id == id)
            .map(|q| q.level)
    };
    questions.sort_by_key(|q| level_of(&q.id));

    let mut cards = Vec::new();
    let mut rater_ids = BTreeSet::new();
    for row in &scorecard_rows {
        let id: i32 = row.try_get("", "id")?;
        let rater: i32 = row.try_get("", "rater")?;
        let interview: i32 = row.try_get("", "interview")?;
        let bank: i32 = row.try_get("", "bank")?;
        let recommendation: Option<String> = row.try_get("", "recommendation")?;
        rater_ids.insert(rater);
        cards.push(Card {
            id: id.into(),
            candidate: row.try_get::<i32>("", "candidate")?.into(),
            rater: rater.into(),
            version: banks.get(&bank).map(|(v, _)| v.clone()).unwrap_or_default(),
            recommendation: recommendation.and_then(|r| r.parse::<Recommendation>().ok()),
            questions: kits.get(&interview).cloned().unwrap_or_default(),
            ratings: ratings.remove(&id).unwrap_or_default(),
        });
    }
    let raters = users::Entity::find()
        .filter(users::Column::Id.is_in(rater_ids))
        .order_by_asc(users::Column::Id)
        .all(db)
        .await?
        .into_iter()
        .map(|u| RaterInfo {
            id: u.id.into(),
            name: u.name,
            email: u.email,
        })
        .collect();
    Ok(comparison::Input {
        candidates,
        questions,
        raters,
        cards,
    })
}

/// A hiring manager's decision on an application.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize, Deserialize, utoipa::ToSchema)]
#[serde(rename_all = "snake_case")]
pub enum Decision {
    Advance,
    Hold,
    Reject,
    Offer,
}

impl Decision {
    pub const ALL: [Decision; 4] = [
        Decision::Advance,
        Decision::Hold,
        Decision::Reject,
        Decision::Offer,
    ];

    pub fn as_str(self) -> &'static str {
        match self {
            Decision::Advance => "advance",
            Decision::Hold => "hold",
            Decision::Reject => "reject",
            Decision::Offer => "offer",
        }
    }

    /// The decision as the form labels it.
    pub fn label(self) -> &'static str {
        match self {
            Decision::Advance => "Advance",
            Decision::Hold => "Hold",
            Decision::Reject => "Reject",
            Decision::Offer => "Make an offer",
        }
    }

    /// What it does to the application, for the form.
    pub fn hint(self) -> &'static str {
        match self {
            Decision::Advance => "moves the candidate to the next stage",
            Decision::Hold => "keeps the candidate where they are",
            Decision::Reject => "closes the application: the candidate moves to Withdrawn",
            Decision::Offer => "moves the candidate to Hired",
        }
    }

    /// The stage the application moves to from `from`.
    pub fn stage_after(self, from: Stage) -> Stage {
        match self {
            Decision::Advance => match from {
                Stage::Sourced => Stage::Screening,
                Stage::Screening => Stage::Interviewing,
                Stage::Interviewing | Stage::Decision => Stage::Decision,
                other => other,
            },
            Decision::Hold => from,
            Decision::Reject => Stage::Withdrawn,
            Decision::Offer => Stage::Hired,
        }
    }
}

/// A decision as recorded.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Recorded {
    pub id: i32,
    pub application_id: i32,
    pub decision: Decision,
    pub reason: String,
    /// The application's stage after the decision.
    pub stage: String,
    #[schema(value_type = String, format = DateTime)]
    pub decided_at: chrono::DateTime<Utc>,
    pub decided_by: String,
}

/// Record a decision on an application the user may see, with a reason; the application
/// moves to the stage the decision implies, and both go to the audit log.
///
/// # Errors
/// Not found, an unknown decision, or a missing reason; nothing is written then.
pub async fn decide(
    db: &DatabaseConnection,
    user: &CurrentUser,
    application_id: i32,
    decision: &str,
    reason: &str,
) -> Result<Recorded, AppError> {
    let mut errors = fields::FieldErrors::new();
    let decision = Decision::ALL
        .into_iter()
        .find(|d| d.as_str() == decision.trim().to_lowercase());
    if decision.is_none() {
        errors.insert("decision", "Choose advance, hold, reject or offer.");
    }
    let reason = match fields::required(fields::REASON, reason) {
        Ok(r) => r,
        Err(mut e) => {
            e.message = "Say why; the reason is kept with the decision.".to_owned();
            errors.add(e);
            String::new()
        }
    };
    let Some(decision) = decision.filter(|_| errors.is_empty()) else {
        return Err(errors.into());
    };
    let not_found = || AppError::NotFound("No application has this number.".to_owned());
    let txn = begin_write(db).await?;
    let application = applications::Entity::find_by_id(application_id)
        .one(&txn)
        .await?
        .ok_or_else(not_found)?;
    requisition_service::find_visible(&txn, user, application.requisition_id)
        .await
        .map_err(|_| not_found())?;
    let from: Stage = fields::stage(&application.stage)
        .map_err(|e| AppError::Internal(anyhow::anyhow!("stored stage: {e}")))?;
    let to = decision.stage_after(from);
    let now = Utc::now();
    let row = decisions::ActiveModel {
        application_id: Set(application_id),
        decision: Set(decision.as_str().to_owned()),
        reason: Set(reason.clone()),
        decided_by: Set(user.id),
        created_at: Set(now),
        ..Default::default()
    }
    .insert(&txn)
    .await?;
    if to != from {
        let mut active: applications::ActiveModel = application.into();
        active.stage = Set(to.as_str().to_owned());
        active.updated_at = Set(now);
        active.update(&txn).await?;
    }
    audit::record(
        &txn,
        Some(user.id),
        "application.decision",
        "application",
        Some(application_id),
        json!({"decision": decision.as_str(), "from": from.as_str(), "to": to.as_str(), "reason": reason}),
    )
    .await?;
    txn.commit().await?;
    Ok(Recorded {
        id: row.id,
        application_id,
        decision,
        reason,
        stage: to.as_str().to_owned(),
        decided_at: now,
        decided_by: user.name.clone(),
    })
}

/// The comparison as CSV: a row per candidate with the score, adjusted score, spread,
/// interviewers, recommendations, every competency and question score, and flags.
/// Text a spreadsheet would run as a formula is defused; the export is audited.
///
/// # Errors
/// The database failed.
pub async fn csv(
    db: &DatabaseConnection,
    user: &CurrentUser,
    requisition_id: i32,
    comparison: &Comparison,
) -> Result<Vec<u8>, AppError> {
    let fail = |e: csv::Error| AppError::Internal(e.into());
    let mut w = csv::Writer::from_writer(Vec::new());
    let number = |v: Option<f64>| v.map(|v| format!("{v:.2}")).unwrap_or_default();
    let mut head: Vec<String> = [
        "candidate",
        "stage",
        "score",
        "adjusted_score",
        "spread",
        "interviewers",
        "recommendations",
    ]
    .map(str::to_owned)
    .to_vec();
    head.extend(
        comparison
            .competencies
            .iter()
            .map(|c| format!("competency: {c}")),
    );
    head.extend(
        comparison
            .questions
            .iter()
            .enumerate()
            .map(|(i, q)| format!("Q{}: {}", i + 1, q.text)),
    );
    head.push("flags".to_owned());
    w.write_record(head.iter().map(|h| crate::services::import::safe_cell(h)))
        .map_err(fail)?;
    for c in &comparison.candidates {
        let mut row = vec![
            c.name.clone(),
            c.stage.clone(),
            number(c.score),
            number(c.adjusted_score),
            number(c.spread),
            c.n.to_string(),
            c.recommendations
                .iter()
                .map(|r| format!("{}: {}", r.name, r.recommendation.as_str()))
                .collect::<Vec<_>>()
                .join("; "),
        ];
        row.extend(
            comparison
                .competencies
                .iter()
                .map(|k| number(c.competencies.get(k).map(|s| s.mean))),
        );
        row.extend(
            comparison
                .questions
                .iter()
                .map(|q| number(c.questions.get(&q.id).map(|s| s.mean))),
        );
        row.push(
            c.flags
                .iter()
                .map(|f| match f {
                    attache_core::agreement::Flag::QuestionSpread {
                        question,
                        low,
                        high,
                    } => {
                        format!("{question}: {low:.1} to {high:.1}")
                    }
                    attache_core::agreement::Flag::SplitRecommendation => {
                        "split recommendation".to_owned()
                    }
                })
                .collect::<Vec<_>>()
                .join("; "),
        );
        w.write_record(row.iter().map(|v| crate::services::import::safe_cell(v)))
            .map_err(fail)?;
    }
    let bytes = w
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("csv: {e}")))?;
    let txn = begin_write(db).await?;
    audit::record(
        &txn,
        Some(user.id),
        "comparison.export",
        "requisition",
        Some(requisition_id),
        json!({"candidates": comparison.candidates.len()}),
    )
    .await?;
    txn.commit().await?;
    Ok(bytes)
}

/// One submitted scorecard behind a candidate's row, with its kit and its history.
#[derive(Debug, Clone, Serialize)]
pub struct CardBehind {
    pub card: scorecards::Scorecard,
    pub questions: Vec<attache_core::Question>,
    /// What it said when first submitted, if it was amended since.
    pub original: Option<scorecards::Scorecard>,
    /// The amendments' reasons, oldest first.
    pub reasons: Vec<String>,
    pub interview_id: i32,
    pub when: String,
}

/// A candidate's application with every submitted scorecard and decision on it.
#[derive(Debug, Clone, Serialize)]
pub struct Behind {
    pub application_id: i32,
    pub candidate_id: i32,
    pub candidate: String,
    pub candidate_title: String,
    pub requisition_id: i32,
    pub requisition: String,
    pub stage: String,
    pub stage_label: &'static str,
    pub cards: Vec<CardBehind>,
    pub decisions: Vec<Recorded>,
}

/// The scorecards and decisions behind one application the user may see.
///
/// # Errors
/// Not found (also when not the user's), or the database failed.
pub async fn behind(
    db: &DatabaseConnection,
    user: &CurrentUser,
    application_id: i32,
) -> Result<Behind, AppError> {
    use crate::entities::{candidates, interviews};
    let not_found = || AppError::NotFound("No application has this number.".to_owned());
    let application = applications::Entity::find_by_id(application_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let requisition = requisition_service::find_visible(db, user, application.requisition_id)
        .await
        .map_err(|_| not_found())?;
    let candidate = candidates::Entity::find_by_id(application.candidate_id)
        .one(db)
        .await?
        .ok_or_else(not_found)?;
    let interviews = interviews::Entity::find()
        .filter(interviews::Column::ApplicationId.eq(application_id))
        .order_by_asc(interviews::Column::ScheduledAt)
        .all(db)
        .await?;
    let mut cards = Vec::new();
    for interview in &interviews {
        let visible = scorecards::visible(db, user, interview.id).await?;
        let (_, questions) = scorecards::kit(db, user, interview.id).await?;
        for card in visible.into_iter().filter(|c| c.status == "submitted") {
            let history = scorecards::history(db, card.id).await?;
            let original = (card.amendments > 0)
                .then(|| history.first().map(|(_, s)| s.clone()))
                .flatten();
            cards.push(CardBehind {
                reasons: history.iter().skip(1).map(|(r, _)| r.clone()).collect(),
                original,
                questions: questions.clone(),
                interview_id: interview.id,
                when: crate::services::interviews::local_words(
                    interview.scheduled_at,
                    &interview.time_zone,
                ),
                card,
            });
        }
    }
    let rows = decisions::Entity::find()
        .filter(decisions::Column::ApplicationId.eq(application_id))
        .order_by_asc(decisions::Column::CreatedAt)
        .all(db)
        .await?;
    let deciders: BTreeMap<i32, String> = users::Entity::find()
        .filter(users::Column::Id.is_in(rows.iter().map(|d| d.decided_by)))
        .all(db)
        .await?
        .into_iter()
        .map(|u| (u.id, u.name))
        .collect();
    let decisions = rows
        .into_iter()
        .filter_map(|d| {
            let decision = Decision::ALL
                .into_iter()
                .find(|x| x.as_str() == d.decision)?;
            Some(Recorded {
                id: d.id,
                application_id,
                decision,
                reason: d.reason,
                stage: String::new(),
                decided_at: d.created_at,
                decided_by: deciders.get(&d.decided_by).cloned().unwrap_or_default(),
            })
        })
        .collect();
    let stage_label = application.stage.parse::<Stage>().map_or("", Stage::label);
    Ok(Behind {
        application_id,
        candidate_id: candidate.id,
        candidate: candidate.name,
        candidate_title: candidate.current_title,
        requisition_id: requisition.id,
        requisition: requisition.title,
        stage: application.stage,
        stage_label,
        cards,
        decisions,
    })
}
