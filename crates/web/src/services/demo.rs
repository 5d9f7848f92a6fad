//! Demo data: a recruiting team, three requisitions and as many synthetic candidates as
//! asked for, with titles and summaries drawn from the roles' own names and résumé lines,
//! at every pipeline stage, a few interviews next week, and interviews already held with
//! the panel's submitted scorecards: each interviewer rates with a bias of their own (one
//! generous, one severe) and one question per opening is hard to agree on, so the
//! comparison has something to show. The same seed gives the same data.
//! For `attache serve --demo` and `attache demo --candidates N`.

use attache_core::{Role, Stage};
use chrono::{Duration, Utc};
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait,
    QueryFilter, QueryOrder, QuerySelect, Set,
};

use crate::auth::UserRole;
use crate::auth::current::CurrentUser;
use crate::db::begin_write;
use crate::entities::{applications, candidates, requisitions, users};
use crate::error::AppError;
use crate::services::interviews::{self, InterviewInput};
use crate::services::requisitions::{self as requisition_service, RequisitionInput};
use crate::services::{candidate_roles, users as user_service};
use crate::state::AppState;

/// The password of every demo account.
pub const PASSWORD: &str = "attache demo password";

/// The demo team: name, email, role.
pub const TEAM: [(&str, &str, UserRole); 7] = [
    ("Noor Haddad", "noor@attache.example", UserRole::Admin),
    (
        "Rosa Lindqvist",
        "rosa@attache.example",
        UserRole::Recruiter,
    ),
    (
        "Daniel Mensah",
        "daniel@attache.example",
        UserRole::HiringManager,
    ),
    ("Mei Chen", "mei@attache.example", UserRole::HiringManager),
    (
        "Tomás Silva",
        "tomas@attache.example",
        UserRole::Interviewer,
    ),
    ("Aiko Sato", "aiko@attache.example", UserRole::Interviewer),
    ("Ivan Petrov", "ivan@attache.example", UserRole::Interviewer),
];

/// Requisitions: title, role, hiring manager's email, panel emails.
const OPENINGS: [(&str, &str, &str, [&str; 2]); 3] = [
    (
        "Track Two dialogue lead, South Caucasus",
        "track-two-diplomacy-practitioner",
        "daniel@attache.example",
        ["tomas@attache.example", "aiko@attache.example"],
    ),
    (
        "Political officer, Nairobi",
        "political-officer",
        "mei@attache.example",
        ["ivan@attache.example", "aiko@attache.example"],
    ),
    (
        "Mediation adviser, Sahel",
        "mediator",
        "daniel@attache.example",
        ["tomas@attache.example", "ivan@attache.example"],
    ),
];

const FIRST: [&str; 24] = [
    "Ana", "Kofi", "Lena", "Omar", "Mei", "Ivan", "Sara", "Tomas", "Aiko", "Nadia", "Jonas",
    "Fatima", "Luca", "Amina", "Pablo", "Ingrid", "Yusuf", "Elena", "Kwame", "Hana", "Mateo",
    "Leila", "Nikolai", "Chiara",
];
const LAST: [&str; 24] = [
    "Ruiz",
    "Mensah",
    "Haas",
    "Haddad",
    "Chen",
    "Petrov",
    "Okafor",
    "Silva",
    "Sato",
    "Karimi",
    "Berg",
    "Diallo",
    "Rossi",
    "Yilmaz",
    "Novak",
    "Moreau",
    "Tanaka",
    "Costa",
    "Nowak",
    "Ali",
    "Fischer",
    "Osei",
    "Lindqvist",
    "Santos",
];
/// Titles that name no role, for most of the pool.
const OTHER_TITLES: [&str; 12] = [
    "Programme manager",
    "Policy analyst",
    "Research fellow",
    "Country director",
    "Communications officer",
    "Legal adviser",
    "Project coordinator",
    "Economist",
    "Journalist",
    "Operations manager",
    "Grants officer",
    "Lecturer in international relations",
];
const PLACES: [&str; 10] = [
    "Vienna",
    "Geneva",
    "Nairobi",
    "Tbilisi",
    "Brussels",
    "Accra",
    "Amman",
    "Bogotá",
    "Oslo",
    "Singapore",
];
const SOURCES: [&str; 5] = [
    "Referral",
    "LinkedIn",
    "Devex",
    "Conference",
    "Alumni network",
];

/// A small deterministic generator: the same seed gives the same demo.
struct Dice(u64);

impl Dice {
    fn next(&mut self) -> u64 {
        // xorshift64*
        self.0 ^= self.0 >> 12;
        self.0 ^= self.0 << 25;
        self.0 ^= self.0 >> 27;
        self.0.wrapping_mul(0x2545_F491_4F6C_DD1D)
    }

    fn below(&mut self, n: usize) -> usize {
        usize::try_from(self.next() % (n.max(1) as u64)).unwrap_or(0)
    }

    fn pick<'a, T>(&mut self, items: &'a [T]) -> &'a T {
        &items[self.below(items.len())]
    }
}

/// What the demo added.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq)]
pub struct Report {
    pub users: usize,
    pub requisitions: usize,
    pub candidates: usize,
    pub applications: usize,
    pub interviews: usize,
    /// Submitted scorecards, on interviews already held.
    pub scorecards: usize,
}

/// Add the demo team (if missing), the requisitions (if there are none), `count`
/// candidates and their applications, and a few interviews. `progress` is told how many
/// candidates are in so far.
///
/// # Errors
/// The database failed, or the built-in roles are missing.
pub async fn populate(
    state: &AppState,
    count: usize,
    seed: u64,
    mut progress: impl FnMut(usize),
) -> Result<Report, AppError> {
    let db = &state.db;
    let mut report = Report::default();
    let hash = state
        .passwords
        .hash(PASSWORD.to_owned())
        .await
        .map_err(|e| AppError::Internal(e.into()))?;
    for (name, email, role) in TEAM {
        if user_service::find_by_email(db, email).await?.is_none() {
            user_service::create(db, email, name, role, Some(hash.clone()), None)
                .await
                .map_err(|e| AppError::Internal(anyhow::anyhow!("demo user {email}: {e}")))?;
            report.users += 1;
        }
    }
    let recruiter = user_service::find_by_email(db, TEAM[1].1)
        .await?
        .ok_or_else(|| AppError::Internal(anyhow::anyhow!("the demo recruiter is missing")))?;
    let actor = CurrentUser {
        id: recruiter.id,
        email: recruiter.email.clone(),
        name: recruiter.name.clone(),
        role: UserRole::Recruiter,
    };
    if requisitions::Entity::find().count(db).await? == 0 {
        for (title, role, manager, panel) in OPENINGS {
            let input = RequisitionInput {
                role: role.to_owned(),
                title: title.to_owned(),
                hiring_manager: manager.to_owned(),
                panel: panel.iter().map(|p| (*p).to_owned()).collect(),
                kit: Vec::new(),
            };
            requisition_service::create(db, &actor, &input).await?;
            report.requisitions += 1;
        }
    }
    let openings = requisitions::Entity::find()
        .order_by_asc(requisitions::Column::Id)
        .all(db)
        .await?;
    let mut dice = Dice(seed.wrapping_mul(0x9E37_79B9_7F4A_7C15) | 1);
    let roles = state.taxonomy.roles();
    let (candidates, applications) =
        add_candidates(db, roles, &openings, count, &mut dice, &mut progress).await?;
    report.candidates = candidates;
    report.applications = applications;
    candidate_roles::rebuild(db, &state.taxonomy).await?;
    report.interviews = schedule_some(state, &actor, &openings).await?;
    let (held, scorecards) = score_some(state, &actor, &openings, &mut dice).await?;
    report.interviews += held;
    report.scorecards = scorecards;
    Ok(report)
}

/// Insert the candidates in batches, a third of them on a requisition.
async fn add_candidates(
    db: &sea_orm::DatabaseConnection,
    roles: &[Role],
    openings: &[requisitions::Model],
    count: usize,
    dice: &mut Dice,
    progress: &mut impl FnMut(usize),
) -> Result<(usize, usize), AppError> {
    const BATCH: usize = 500;
    let now = Utc::now();
    let start = candidates::Entity::find().count(db).await?;
    let mut applied = 0;
    let mut done = 0;
    while done < count {
        let n = BATCH.min(count - done);
        let txn = begin_write(db).await?;
        let mut rows = Vec::with_capacity(n);
        let mut wanted: Vec<(String, Option<(i32, Stage)>)> = Vec::with_capacity(n);
        for i in 0..n {
            let number = start + u64::try_from(done + i).unwrap_or(0) + 1;
            let first = *dice.pick(&FIRST);
            let last = *dice.pick(&LAST);
            let role = dice.pick(roles);
            let (title, summary) = if dice.below(10) < 4 {
                let title = role
                    .titles
                    .get(dice.below(role.titles.len()))
                    .cloned()
                    .unwrap_or_else(|| role.title.clone());
                let line = role
                    .resume_examples
                    .get(dice.below(role.resume_examples.len()))
                    .cloned()
                    .unwrap_or_default();
                (title, line)
            } else {
                let other = dice.pick(&OTHER_TITLES);
                (
                    (*other).to_owned(),
                    format!(
                        "{other} for {} years in {}.",
                        2 + dice.below(15),
                        dice.pick(&PLACES)
                    ),
                )
            };
            let email = format!(
                "{}.{}.{number}@example.org",
                first.to_lowercase(),
                last.to_lowercase()
            );
            // A third are on a requisition: the one for their role if there is one.
            let application = (dice.below(3) == 0 && !openings.is_empty()).then(|| {
                let opening = openings
                    .iter()
                    .find(|o| role_of(o) == Some(role.slug.as_str()))
                    .unwrap_or_else(|| dice.pick(openings));
                (opening.id, stage(dice))
            });
            wanted.push((email.clone(), application));
            rows.push(candidates::ActiveModel {
                name: Set(format!("{first} {last}")),
                email: Set(email),
                current_title: Set(title),
                summary: Set(summary),
                location: Set((*dice.pick(&PLACES)).to_owned()),
                source: Set((*dice.pick(&SOURCES)).to_owned()),
                notes: Set(String::new()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        candidates::Entity::insert_many(rows).exec(&txn).await?;
        let emails: Vec<String> = wanted.iter().map(|(e, _)| e.clone()).collect();
        let ids: Vec<(i32, String)> = candidates::Entity::find()
            .select_only()
            .column(candidates::Column::Id)
            .column(candidates::Column::Email)
            .filter(candidates::Column::Email.is_in(emails))
            .into_tuple()
            .all(&txn)
            .await?;
        let mut apps = Vec::new();
        for (email, application) in &wanted {
            let (Some((requisition, stage)), Some((id, _))) =
                (application, ids.iter().find(|(_, e)| e == email))
            else {
                continue;
            };
            apps.push(applications::ActiveModel {
                requisition_id: Set(*requisition),
                candidate_id: Set(*id),
                stage: Set(stage.as_str().to_owned()),
                created_at: Set(now),
                updated_at: Set(now),
                ..Default::default()
            });
        }
        applied += apps.len();
        if !apps.is_empty() {
            applications::Entity::insert_many(apps).exec(&txn).await?;
        }
        txn.commit().await?;
        done += n;
        progress(done);
    }
    Ok((count, applied))
}

/// The role slug of one of the demo's own openings.
fn role_of(opening: &requisitions::Model) -> Option<&'static str> {
    OPENINGS
        .iter()
        .find(|(title, ..)| *title == opening.title)
        .map(|(_, slug, ..)| *slug)
}

/// A stage, weighted as a real pipeline is: most sourced, few hired.
fn stage(dice: &mut Dice) -> Stage {
    match dice.below(100) {
        0..40 => Stage::Sourced,
        40..65 => Stage::Screening,
        65..80 => Stage::Interviewing,
        80..88 => Stage::Decision,
        88..90 => Stage::Hired,
        _ => Stage::Withdrawn,
    }
}

/// Interviews next week for up to three candidates at "interviewing" on the first
/// requisition, if it has none yet.
async fn schedule_some(
    state: &AppState,
    actor: &CurrentUser,
    openings: &[requisitions::Model],
) -> Result<usize, AppError> {
    let db = &state.db;
    let Some(first) = openings.first() else {
        return Ok(0);
    };
    let panel: Vec<i32> = crate::entities::requisition_panel::Entity::find()
        .filter(crate::entities::requisition_panel::Column::RequisitionId.eq(first.id))
        .all(db)
        .await?
        .into_iter()
        .map(|p| p.user_id)
        .collect();
    let waiting = applications::Entity::find()
        .filter(applications::Column::RequisitionId.eq(first.id))
        .filter(applications::Column::Stage.eq(Stage::Interviewing.as_str()))
        .order_by_asc(applications::Column::Id)
        .limit(3)
        .all(db)
        .await?;
    let already = crate::entities::interviews::Entity::find()
        .filter(
            crate::entities::interviews::Column::ApplicationId
                .is_in(waiting.iter().map(|a| a.id).collect::<Vec<_>>()),
        )
        .count(db)
        .await?;
    if already > 0 || panel.is_empty() {
        return Ok(0);
    }
    let day = (Utc::now() + Duration::days(7)).date_naive();
    let mut n = 0;
    for (i, application) in waiting.iter().enumerate() {
        let input = InterviewInput {
            starts_at: format!("{day}T{:02}:00", 9 + 2 * i),
            time_zone: "Europe/Vienna".to_owned(),
            duration_minutes: "60".to_owned(),
            location: "https://meet.example.org/attache-demo".to_owned(),
            panel: panel.clone(),
            questions: Vec::new(),
            focus: Default::default(),
        };
        let (_, _, choices, _) =
            interviews::choices_for(db, &state.taxonomy, actor, application.id).await?;
        let input = InterviewInput {
            questions: choices.default_kit,
            ..input
        };
        interviews::schedule(
            db,
            &state.mail,
            &state.taxonomy,
            actor,
            application.id,
            &input,
        )
        .await?;
        n += 1;
    }
    Ok(n)
}

/// The demo interviewers' leniency: how far above the truth each rates.
const BIASES: [(&str, f64); 3] = [
    ("tomas@attache.example", 0.5),
    ("aiko@attache.example", 0.0),
    ("ivan@attache.example", -0.4),
];
/// At most this many candidates a requisition have held interviews.
const SCORED_PER_OPENING: usize = 60;
const SUMMARIES: [&str; 6] = [
    "Concrete examples from their own dialogues; listened before proposing.",
    "Knows the process well on paper; thin on what they did themselves.",
    "Strong on confidentiality and trust; vaguer on how ideas reach officials.",
    "Calm under pressure in the role play; proposed options, not positions.",
    "Good analysis of the conflict, but answers stayed general.",
    "Clear, structured answers with measurable outcomes.",
];

impl Dice {
    /// Roughly normal noise with this standard deviation (a sum of uniforms).
    fn noise(&mut self, sd: f64) -> f64 {
        let sum: f64 = (0..4).map(|_| (self.below(1_000) as f64) / 1_000.0).sum();
        (sum - 2.0) * sd * 1.73
    }
}

/// Interviews already held, with every panel member's scorecard submitted, for the
/// candidates further along on each demo opening (interviewing, awaiting decision, hired)
/// who have no interview yet. Ratings are a candidate's ability plus the
/// interviewer's bias plus noise; one question per opening gets far more noise. Returns
/// the interviews and scorecards added.
async fn score_some(
    state: &AppState,
    actor: &CurrentUser,
    openings: &[requisitions::Model],
    dice: &mut Dice,
) -> Result<(usize, usize), AppError> {
    use crate::entities::{
        interviews as interview_rows, kit_questions, panel_members, question_bank_versions,
        ratings, scorecard_revisions, scorecards as scorecard_rows,
    };
    use crate::services::scorecards::{RatingInput, Scorecard};
    let db = &state.db;
    let mut panel = Vec::new();
    for (email, bias) in BIASES {
        if let Some(u) = user_service::find_by_email(db, email).await? {
            panel.push((u, bias));
        }
    }
    if panel.is_empty() {
        return Ok((0, 0));
    }
    let (mut held, mut cards) = (0, 0);
    let now = Utc::now();
    for opening in openings {
        let Some(role) = role_of(opening).and_then(|slug| state.taxonomy.role(slug)) else {
            continue;
        };
        let Some(bank) = question_bank_versions::Entity::find()
            .filter(question_bank_versions::Column::RoleId.eq(opening.role_id))
            .order_by_desc(question_bank_versions::Column::Id)
            .one(db)
            .await?
        else {
            continue;
        };
        let applications = applications::Entity::find()
            .filter(applications::Column::RequisitionId.eq(opening.id))
            .filter(applications::Column::Stage.is_in([
                Stage::Interviewing.as_str(),
                Stage::Decision.as_str(),
                Stage::Hired.as_str(),
            ]))
            .order_by_desc(applications::Column::Id)
            .all(db)
            .await?;
        let ids: Vec<i32> = applications.iter().map(|a| a.id).collect();
        let interviewed: std::collections::BTreeSet<i32> = interview_rows::Entity::find()
            .filter(interview_rows::Column::ApplicationId.is_in(ids))
            .all(db)
            .await?
            .into_iter()
            .map(|i| i.application_id)
            .collect();
        let applications: Vec<_> = applications
            .into_iter()
            .filter(|a| !interviewed.contains(&a.id))
            .collect();
        let kit = interviews::kit_for(role, opening);
        let questions: Vec<&attache_core::Question> = kit
            .iter()
            .filter_map(|id| role.questions.iter().find(|q| q.id == *id))
            .collect();
        // The question this panel finds hard to agree on.
        let contested = dice.below(questions.len().max(1));
        let txn = begin_write(db).await?;
        for application in applications.iter().take(SCORED_PER_OPENING) {
            let ability = match application.stage.as_str() {
                "hired" => 3.2,
                "decision" => 2.7,
                _ => 2.2,
            } + dice.noise(1.1);
            let days = i64::try_from(3 + dice.below(25)).unwrap_or(3);
            let hour = u32::try_from(8 + 2 * dice.below(4)).unwrap_or(8);
            let at = (now - Duration::days(days))
                .date_naive()
                .and_hms_opt(hour, 0, 0)
                .map_or(now, |t| t.and_utc());
            let interview = interview_rows::ActiveModel {
                application_id: Set(application.id),
                bank_version_id: Set(bank.id),
                scheduled_at: Set(at),
                duration_minutes: Set(60),
                location: Set("https://meet.example.org/attache-demo".to_owned()),
                created_by: Set(actor.id),
                created_at: Set(at - Duration::days(7)),
                time_zone: Set("Europe/Vienna".to_owned()),
                status: Set("scheduled".to_owned()),
                sequence: Set(0),
                updated_at: Set(None),
                ..Default::default()
            }
            .insert(&txn)
            .await?;
            held += 1;
            let kit_rows = kit
                .iter()
                .enumerate()
                .map(|(i, q)| kit_questions::ActiveModel {
                    interview_id: Set(interview.id),
                    question_id: Set(q.clone()),
                    position: Set(i32::try_from(i).unwrap_or(0)),
                    focus_user_id: Set(None),
                    ..Default::default()
                });
            kit_questions::Entity::insert_many(kit_rows)
                .exec(&txn)
                .await?;
            for (user, bias) in &panel {
                panel_members::ActiveModel {
                    interview_id: Set(interview.id),
                    user_id: Set(user.id),
                    reminders_sent: Set(0),
                    next_reminder_at: Set(None),
                    reminder_claimed_by: Set(None),
                    reminder_claimed_until: Set(None),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                let mut given = Vec::new();
                for (n, q) in questions.iter().enumerate() {
                    let sd = if n == contested { 0.9 } else { 0.3 };
                    let answer = ability + dice.noise(0.25);
                    for c in &q.criteria {
                        let score = (dice.below(100) >= 4).then(|| {
                            (answer + bias + dice.noise(sd)).round().clamp(1.0, 4.0) as u8
                        });
                        given.push(RatingInput {
                            question: q.id.clone(),
                            criterion: c.id.clone(),
                            score,
                            note: String::new(),
                        });
                    }
                }
                let rated: Vec<f64> = given
                    .iter()
                    .filter_map(|r| r.score.map(f64::from))
                    .collect();
                let mean = rated.iter().sum::<f64>() / rated.len().max(1) as f64;
                let recommendation = match mean {
                    m if m >= 3.4 => "strong_yes",
                    m if m >= 2.6 => "yes",
                    m if m >= 1.8 => "no",
                    _ => "strong_no",
                };
                let submitted = at + Duration::hours(2);
                let summary = (*dice.pick(&SUMMARIES)).to_owned();
                let card = scorecard_rows::ActiveModel {
                    interview_id: Set(interview.id),
                    interviewer_id: Set(user.id),
                    bank_version_id: Set(bank.id),
                    status: Set("submitted".to_owned()),
                    recommendation: Set(Some(recommendation.to_owned())),
                    summary: Set(summary.clone()),
                    lock_version: Set(1),
                    submitted_at: Set(Some(submitted)),
                    created_at: Set(submitted),
                    updated_at: Set(submitted),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                ratings::Entity::insert_many(given.iter().map(|r| ratings::ActiveModel {
                    scorecard_id: Set(card.id),
                    question_id: Set(r.question.clone()),
                    criterion_id: Set(r.criterion.clone()),
                    score: Set(r.score.map(i16::from)),
                    note: Set(String::new()),
                    ..Default::default()
                }))
                .exec(&txn)
                .await?;
                let snapshot = Scorecard {
                    id: card.id,
                    interview_id: interview.id,
                    interviewer: user.name.clone(),
                    interviewer_email: user.email.clone(),
                    status: "submitted".to_owned(),
                    recommendation: Some(recommendation.to_owned()),
                    summary,
                    ratings: given,
                    notes: Default::default(),
                    lock_version: 1,
                    bank_version: bank.version.clone(),
                    submitted_at: Some(submitted),
                    amendments: 0,
                };
                scorecard_revisions::ActiveModel {
                    scorecard_id: Set(card.id),
                    revision: Set(1),
                    snapshot: Set(serde_json::to_value(&snapshot)
                        .map_err(|e| AppError::Internal(e.into()))?),
                    actor_id: Set(user.id),
                    reason: Set(String::new()),
                    created_at: Set(submitted),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                cards += 1;
            }
        }
        txn.commit().await?;
    }
    Ok((held, cards))
}

/// Whether the database has no users yet (so `serve --demo` fills it).
///
/// # Errors
/// The database failed.
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(users::Entity::find().count(db).await? == 0)
}
