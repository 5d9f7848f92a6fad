//! Demo data: a recruiting team, three requisitions and as many synthetic candidates as
//! asked for, with titles and summaries drawn from the roles' own names and résumé lines,
//! at every pipeline stage, and a few interviews. The same seed gives the same data.
//! For `attache serve --demo` and `attache demo --candidates N`.

use attache_core::{Role, Stage};
use chrono::{Duration, Utc};
use sea_orm::{
    ColumnTrait, ConnectionTrait, DbErr, EntityTrait, PaginatorTrait, QueryFilter, QueryOrder,
    QuerySelect, Set,
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

/// Whether the database has no users yet (so `serve --demo` fills it).
///
/// # Errors
/// The database failed.
pub async fn is_empty(db: &impl ConnectionTrait) -> Result<bool, DbErr> {
    Ok(users::Entity::find().count(db).await? == 0)
}
