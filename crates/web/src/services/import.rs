//! Candidates from a CSV file, onto one requisition, in the browser and on the command
//! line. UTF-8 with or without a byte-order mark; every bad row is reported with its line
//! and field; a file with any error imports nothing; importing the same file again adds
//! no one twice (candidates are matched by email, lower-cased). Export writes the same
//! columns, so an exported file imports again.

use std::collections::{BTreeMap, HashMap};

use attache_core::{RequisitionStatus, Stage, Taxonomy};
use chrono::Utc;
use sea_orm::{
    ActiveModelTrait, ColumnTrait, ConnectionTrait, DatabaseConnection, EntityTrait, QueryFilter,
    QueryOrder, Set,
};
use serde::Serialize;
use serde_json::json;

use crate::db::begin_write;
use crate::entities::{applications, candidates, requisitions};
use crate::error::AppError;
use crate::services::candidates::{CandidateInput, check};
use crate::services::{audit, candidate_roles};

/// The largest file accepted.
pub const MAX_BYTES: usize = 512 * 1024;
/// The most rows one file may hold.
pub const MAX_ROWS: usize = 5_000;

/// The columns, as the header names them. `name` and `email` are required.
pub const COLUMNS: [&str; 8] = [
    "name",
    "email",
    "current_title",
    "summary",
    "location",
    "source",
    "notes",
    "stage",
];

/// A problem with one line of the file.
#[derive(Debug, Clone, PartialEq, Eq, Serialize)]
pub struct RowError {
    /// The line in the file, counting the header as line 1.
    pub line: u64,
    /// The column, or empty for the whole line.
    pub field: String,
    pub message: String,
}

/// A good row: its line, the checked details and the stage to put the application at.
#[derive(Debug, Clone)]
pub struct Row {
    pub line: u64,
    pub candidate: CandidateInput,
    pub stage: Stage,
}

/// What importing a row will do or did.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Serialize)]
#[serde(rename_all = "snake_case")]
pub enum Outcome {
    /// A new candidate, put on the requisition.
    New,
    /// A candidate already in Attaché (same email), put on the requisition.
    Existing,
    /// Already on this requisition: nothing to do.
    AlreadyOn,
}

/// A row with what importing it does.
#[derive(Debug, Clone, Serialize)]
pub struct PlannedRow {
    pub line: u64,
    pub name: String,
    pub email: String,
    pub current_title: String,
    pub stage: Stage,
    pub outcome: Outcome,
}

/// The counts of an import.
#[derive(Debug, Clone, Copy, Default, PartialEq, Eq, Serialize)]
pub struct Counts {
    pub new: usize,
    pub existing: usize,
    pub already_on: usize,
}

impl Counts {
    fn of(rows: &[PlannedRow]) -> Self {
        let n = |o| rows.iter().filter(|r| r.outcome == o).count();
        Counts {
            new: n(Outcome::New),
            existing: n(Outcome::Existing),
            already_on: n(Outcome::AlreadyOn),
        }
    }
}

fn row_error(line: u64, field: &str, message: impl Into<String>) -> RowError {
    RowError {
        line,
        field: field.to_owned(),
        message: message.into(),
    }
}

/// Read and check a CSV file. Either every row is good, or every problem is listed.
///
/// # Errors
/// Each problem, with its line and column.
pub fn parse(bytes: &[u8]) -> Result<Vec<Row>, Vec<RowError>> {
    if bytes.len() > MAX_BYTES {
        return Err(vec![row_error(
            0,
            "",
            format!(
                "The file is larger than {} KB; split it into smaller files.",
                MAX_BYTES / 1024
            ),
        )]);
    }
    let bytes = bytes.strip_prefix(b"\xEF\xBB\xBF").unwrap_or(bytes);
    if let Err(e) = std::str::from_utf8(bytes) {
        let line = 1 + bytes[..e.valid_up_to()]
            .iter()
            .filter(|b| **b == b'\n')
            .count();
        return Err(vec![row_error(
            u64::try_from(line).unwrap_or(0),
            "",
            "This line is not UTF-8 text. Save the file as “CSV UTF-8” and try again.",
        )]);
    }
    if bytes.iter().all(u8::is_ascii_whitespace) {
        return Err(vec![row_error(
            0,
            "",
            "The file is empty. The first line must name the columns, e.g. name,email.",
        )]);
    }
    let mut reader = csv::ReaderBuilder::new()
        .flexible(false)
        .trim(csv::Trim::All)
        .from_reader(bytes);
    let headers = match reader.headers() {
        Ok(h) => h.clone(),
        Err(e) => return Err(vec![row_error(1, "", format!("The header line: {e}."))]),
    };
    let mut errors = Vec::new();
    let mut index: HashMap<&str, usize> = HashMap::new();
    for (i, raw) in headers.iter().enumerate() {
        let key = raw.trim().to_lowercase().replace([' ', '-'], "_");
        let key = if key == "title" {
            "current_title".to_owned()
        } else {
            key
        };
        match COLUMNS.iter().find(|c| **c == key) {
            Some(column) if index.contains_key(column) => {
                errors.push(row_error(1, raw, "This column appears twice."));
            }
            Some(column) => {
                index.insert(column, i);
            }
            None => errors.push(row_error(
                1,
                raw,
                format!(
                    "Not a column Attaché knows. Use these: {}.",
                    COLUMNS.join(", ")
                ),
            )),
        }
    }
    for required in ["name", "email"] {
        if !index.contains_key(required) {
            errors.push(row_error(1, required, "The file needs this column."));
        }
    }
    if !errors.is_empty() {
        return Err(errors);
    }
    let mut rows = Vec::new();
    let mut seen: HashMap<String, u64> = HashMap::new();
    for record in reader.records() {
        let record = match record {
            Ok(r) => r,
            Err(e) => {
                let line = e.position().map_or(0, csv::Position::line);
                let message = match e.kind() {
                    csv::ErrorKind::UnequalLengths {
                        expected_len, len, ..
                    } => format!("This line has {len} fields; the header has {expected_len}."),
                    _ => format!("This line could not be read: {e}."),
                };
                errors.push(row_error(line, "", message));
                continue;
            }
        };
        let line = record.position().map_or(0, csv::Position::line);
        if record.iter().all(str::is_empty) {
            continue;
        }
        if rows.len() + errors.len() >= MAX_ROWS {
            errors.push(row_error(
                line,
                "",
                format!("A file may hold at most {MAX_ROWS} candidates; split it."),
            ));
            break;
        }
        let get = |column: &str| {
            index
                .get(column)
                .and_then(|i| record.get(*i))
                .unwrap_or("")
                .to_owned()
        };
        let input = CandidateInput {
            name: get("name"),
            email: get("email"),
            current_title: get("current_title"),
            summary: get("summary"),
            location: get("location"),
            source: get("source"),
            notes: get("notes"),
        };
        let stage = match get("stage").trim() {
            "" => Some(Stage::Sourced),
            s => match crate::fields::stage(s) {
                Ok(stage) => Some(stage),
                Err(e) => {
                    errors.push(row_error(line, e.field, e.message));
                    None
                }
            },
        };
        match check(&input) {
            Ok(candidate) => {
                if let Some(first) = seen.get(&candidate.email) {
                    errors.push(row_error(
                        line,
                        "email",
                        format!(
                            "{} is also on line {first}; each candidate once.",
                            candidate.email
                        ),
                    ));
                    continue;
                }
                seen.insert(candidate.email.clone(), line);
                if let Some(stage) = stage {
                    rows.push(Row {
                        line,
                        candidate,
                        stage,
                    });
                }
            }
            Err(AppError::Validation(fields)) => {
                for (field, message) in fields.0 {
                    let field = if field == "title" {
                        "current_title"
                    } else {
                        field
                    };
                    errors.push(row_error(line, field, message));
                }
            }
            Err(_) => errors.push(row_error(line, "", "This line could not be checked.")),
        }
    }
    if rows.is_empty() && errors.is_empty() {
        errors.push(row_error(
            2,
            "",
            "The file has a header line but no candidates.",
        ));
    }
    if errors.is_empty() {
        Ok(rows)
    } else {
        errors.sort_by_key(|e| e.line);
        Err(errors)
    }
}

/// Whether a requisition takes an import: it must be open.
fn check_open(requisition: &requisitions::Model) -> Result<(), AppError> {
    if requisition.status == RequisitionStatus::Open.as_str() {
        Ok(())
    } else {
        Err(AppError::conflict(
            "requisition_closed",
            format!(
                "The requisition “{}” is closed; reopen it to import candidates.",
                requisition.title
            ),
        ))
    }
}

/// What importing `rows` onto `requisition` would do, row by row.
///
/// # Errors
/// The requisition is closed, or the database failed.
pub async fn plan(
    db: &impl ConnectionTrait,
    requisition: &requisitions::Model,
    rows: &[Row],
) -> Result<(Vec<PlannedRow>, Counts), AppError> {
    check_open(requisition)?;
    let emails: Vec<String> = rows.iter().map(|r| r.candidate.email.clone()).collect();
    let mut existing: BTreeMap<String, i32> = BTreeMap::new();
    for chunk in emails.chunks(500) {
        for c in candidates::Entity::find()
            .filter(candidates::Column::Email.is_in(chunk.to_vec()))
            .all(db)
            .await?
        {
            existing.insert(c.email, c.id);
        }
    }
    let ids: Vec<i32> = existing.values().copied().collect();
    let mut on: Vec<i32> = Vec::new();
    for chunk in ids.chunks(500) {
        on.extend(
            applications::Entity::find()
                .filter(applications::Column::RequisitionId.eq(requisition.id))
                .filter(applications::Column::CandidateId.is_in(chunk.to_vec()))
                .all(db)
                .await?
                .into_iter()
                .map(|a| a.candidate_id),
        );
    }
    let planned: Vec<PlannedRow> = rows
        .iter()
        .map(|r| PlannedRow {
            line: r.line,
            name: r.candidate.name.clone(),
            email: r.candidate.email.clone(),
            current_title: r.candidate.current_title.clone(),
            stage: r.stage,
            outcome: match existing.get(&r.candidate.email) {
                Some(id) if on.contains(id) => Outcome::AlreadyOn,
                Some(_) => Outcome::Existing,
                None => Outcome::New,
            },
        })
        .collect();
    let counts = Counts::of(&planned);
    Ok((planned, counts))
}

/// Import every row onto `requisition` in one transaction: all or nothing. Candidates
/// already in Attaché keep their details; those already on the requisition are left
/// where they are. `progress` is told after each row.
///
/// # Errors
/// The requisition is closed, or the database failed; nothing is written then.
pub async fn import(
    db: &DatabaseConnection,
    taxonomy: &Taxonomy,
    actor_id: Option<i32>,
    requisition: &requisitions::Model,
    rows: &[Row],
    mut progress: impl FnMut(usize),
) -> Result<Counts, AppError> {
    let txn = begin_write(db).await?;
    let (planned, counts) = plan(&txn, requisition, rows).await?;
    let now = Utc::now();
    for (i, (row, plan)) in rows.iter().zip(&planned).enumerate() {
        let candidate_id = match plan.outcome {
            Outcome::AlreadyOn => {
                progress(i + 1);
                continue;
            }
            Outcome::Existing => candidates::Entity::find()
                .filter(candidates::Column::Email.eq(&row.candidate.email))
                .one(&txn)
                .await?
                .map(|c| c.id)
                .ok_or_else(|| AppError::Internal(anyhow::anyhow!("candidate vanished")))?,
            Outcome::New => {
                let c = &row.candidate;
                let candidate = candidates::ActiveModel {
                    name: Set(c.name.clone()),
                    email: Set(c.email.clone()),
                    current_title: Set(c.current_title.clone()),
                    summary: Set(c.summary.clone()),
                    location: Set(c.location.clone()),
                    source: Set(c.source.clone()),
                    notes: Set(c.notes.clone()),
                    created_at: Set(now),
                    updated_at: Set(now),
                    ..Default::default()
                }
                .insert(&txn)
                .await?;
                candidate_roles::index(&txn, taxonomy, &candidate).await?;
                candidate.id
            }
        };
        applications::ActiveModel {
            requisition_id: Set(requisition.id),
            candidate_id: Set(candidate_id),
            stage: Set(row.stage.as_str().to_owned()),
            created_at: Set(now),
            updated_at: Set(now),
            ..Default::default()
        }
        .insert(&txn)
        .await?;
        progress(i + 1);
    }
    audit::record(
        &txn,
        actor_id,
        "candidates.import",
        "requisition",
        Some(requisition.id),
        json!({"new": counts.new, "existing": counts.existing, "already_on": counts.already_on}),
    )
    .await?;
    txn.commit().await?;
    Ok(counts)
}

/// A cell as a spreadsheet should show it: text that a spreadsheet would run as a
/// formula (`=`, `+`, `-`, `@`, tab, carriage return first) gets a leading apostrophe.
pub(crate) fn safe_cell(text: &str) -> String {
    match text.chars().next() {
        Some('=' | '+' | '-' | '@' | '\t' | '\r') => format!("'{text}"),
        _ => text.to_owned(),
    }
}

/// Every candidate on a requisition as CSV, with the import's columns, by stage then name.
///
/// # Errors
/// The database failed.
pub async fn export(
    db: &impl ConnectionTrait,
    requisition: &requisitions::Model,
) -> Result<Vec<u8>, AppError> {
    let rows = applications::Entity::find()
        .find_also_related(candidates::Entity)
        .filter(applications::Column::RequisitionId.eq(requisition.id))
        .order_by_asc(applications::Column::Id)
        .all(db)
        .await?;
    let mut rows: Vec<(Stage, candidates::Model)> = rows
        .into_iter()
        .filter_map(|(a, c)| c.map(|c| (a.stage.parse().unwrap_or(Stage::Sourced), c)))
        .collect();
    rows.sort_by(|a, b| a.0.cmp(&b.0).then_with(|| a.1.name.cmp(&b.1.name)));
    let mut writer = csv::Writer::from_writer(Vec::new());
    let fail = |e: csv::Error| AppError::Internal(e.into());
    writer.write_record(COLUMNS).map_err(fail)?;
    for (stage, c) in rows {
        writer
            .write_record([
                safe_cell(&c.name),
                c.email.clone(),
                safe_cell(&c.current_title),
                safe_cell(&c.summary),
                safe_cell(&c.location),
                safe_cell(&c.source),
                safe_cell(&c.notes),
                stage.as_str().to_owned(),
            ])
            .map_err(fail)?;
    }
    writer
        .into_inner()
        .map_err(|e| AppError::Internal(anyhow::anyhow!("{e}")))
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_bom_and_header_spelling_are_accepted() {
        let rows = parse(
            "\u{FEFF}Name,Email,Title,Stage\nAna Ruiz,ANA@example.org,Mediator,Screening\n"
                .as_bytes(),
        )
        .unwrap();
        assert_eq!(rows.len(), 1);
        assert_eq!(rows[0].line, 2);
        assert_eq!(rows[0].candidate.email, "ana@example.org");
        assert_eq!(rows[0].candidate.current_title, "Mediator");
        assert_eq!(rows[0].stage, Stage::Screening);
    }

    #[test]
    fn every_bad_row_is_named_with_its_line_and_field() {
        let file = "name,email\nAna,ana@example.org\n,bob@example.org\nCara,not-an-email\nDan,ANA@example.org\nEve\n";
        let errors = parse(file.as_bytes()).unwrap_err();
        let found: Vec<(u64, &str)> = errors.iter().map(|e| (e.line, e.field.as_str())).collect();
        assert_eq!(
            found,
            [(3, "name"), (4, "email"), (5, "email"), (6, "")],
            "{errors:?}"
        );
        assert!(errors[2].message.contains("line 2"), "{errors:?}");
    }

    #[test]
    fn unknown_or_missing_columns_stop_at_the_header() {
        let errors = parse(b"name,phone\nAna,123\n").unwrap_err();
        assert!(errors.iter().any(|e| e.field == "phone"), "{errors:?}");
        assert!(errors.iter().any(|e| e.field == "email"), "{errors:?}");
        assert!(parse(b"").is_err());
        assert!(parse(b"name,email\n").is_err());
        let latin1 = b"name,email\nJos\xe9,jose@example.org\n";
        assert_eq!(parse(latin1).unwrap_err()[0].line, 2);
    }

    #[test]
    fn formulas_are_defused_in_exports() {
        assert_eq!(safe_cell("=HYPERLINK(1)"), "'=HYPERLINK(1)");
        assert_eq!(safe_cell("Ana"), "Ana");
    }
}
