//! Candidate search by name, email, title and summary, on the database's own full-text
//! index (FTS5 on SQLite, a `tsvector` with a GIN index on PostgreSQL), so every instance
//! shares one index. A query that names a role by any title or synonym ("Track II")
//! also looks for every other name of that role, so it finds a "Second Track Diplomacy
//! Lead"; each result says what matched.

use attache_core::search::normalize::singular;
use attache_core::search::{Segment, highlight};
use attache_core::{Stage, Taxonomy};
use sea_orm::{ColumnTrait, ConnectionTrait, DatabaseBackend, EntityTrait, QueryFilter, Statement};
use serde::Serialize;

use crate::auth::current::CurrentUser;
use crate::db::Sql;
use crate::entities::{applications, candidates, requisitions};
use crate::error::AppError;
use crate::fields;
use crate::services::policy::{self, Scope};

/// Results per page.
pub const PER_PAGE: u64 = 25;
/// At most this many query words are used; the rest are ignored.
const MAX_WORDS: usize = 8;
/// Matches are counted up to this many; beyond it the page says "more than".
pub const COUNT_LIMIT: u64 = 1000;

/// What to look for.
#[derive(Debug, Clone, Default)]
pub struct SearchQuery {
    pub q: String,
    pub requisition: Option<i32>,
    pub stage: Option<Stage>,
    /// 1-based.
    pub page: u64,
}

/// The role a query named, and what search looked for because of it.
#[derive(Debug, Clone, Serialize, PartialEq, Eq, utoipa::ToSchema)]
pub struct RoleExpansion {
    pub slug: String,
    pub title: String,
    /// The role's name the query matched.
    pub matched: String,
    /// Every name searched for.
    pub names: Vec<String>,
}

/// Why a candidate came up: a field, its text with the matching words marked, and the
/// role name it matched when the match came through the role.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Match {
    /// "Title", "Summary", "Name" or "Email".
    pub field: &'static str,
    /// The field's text (shortened around the match), in pieces; `mark` is true for the
    /// words that matched.
    #[schema(value_type = Vec<Object>)]
    pub segments: Vec<Segment>,
    /// The role's name that matched ("Second Track Diplomacy Lead").
    pub via: Option<String>,
}

/// An application as a search result shows it.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct ApplicationLine {
    pub id: i32,
    pub requisition_id: i32,
    pub requisition: String,
    #[schema(value_type = String)]
    pub stage: Stage,
}

/// One candidate in the results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Hit {
    pub id: i32,
    pub name: String,
    pub email: String,
    pub current_title: String,
    pub location: String,
    pub applications: Vec<ApplicationLine>,
    /// Empty when there was no query.
    pub matched: Vec<Match>,
}

/// One page of results.
#[derive(Debug, Clone, Serialize, utoipa::ToSchema)]
pub struct Results {
    pub query: String,
    pub role: Option<RoleExpansion>,
    /// The page's candidates, best first.
    pub results: Vec<Hit>,
    /// How many candidates match, counted up to [`COUNT_LIMIT`].
    pub total: u64,
    /// True when more than `total` match.
    pub more: bool,
    pub page: u64,
    pub pages: u64,
}

/// The words of a query as the full-text index sees them: letters and digits only,
/// lower case.
fn words(text: &str) -> Vec<String> {
    let mut words = words_all(text);
    words.truncate(MAX_WORDS);
    words
}

/// What the query asks for.
enum TextFilter {
    All,
    /// A whole email address: found by the unique index, not the text index.
    Email(String),
    /// A role, by any of its names: the candidates whose title or summary names it, found
    /// in `candidate_roles` (titles first).
    Role(String),
    /// Words, each as a prefix, all required, in name, email, title or summary.
    Words(Vec<String>),
}

fn text_filter(q: &str, expansion: Option<&RoleExpansion>) -> TextFilter {
    let q = q.trim();
    if q.is_empty() {
        TextFilter::All
    } else if crate::fields::email(q).is_ok() {
        TextFilter::Email(q.to_lowercase())
    } else if let Some(e) = expansion {
        TextFilter::Role(e.slug.clone())
    } else {
        TextFilter::Words(words(q))
    }
}

/// The FTS5 MATCH expression: `"ana"* AND "ruiz"*`. Words hold only letters and digits,
/// so quoting them is enough.
fn fts5_expression(words: &[String]) -> String {
    words
        .iter()
        .map(|w| format!("\"{w}\"*"))
        .collect::<Vec<_>>()
        .join(" AND ")
}

/// Search the candidates `user` may see.
///
/// # Errors
/// The query is too long, or the database failed.
pub async fn search(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    user: &CurrentUser,
    query: &SearchQuery,
) -> Result<Results, AppError> {
    let q = fields::optional(fields::SEARCH_QUERY, &query.q)?.unwrap_or_default();
    let page = query.page.max(1);
    let expansion = if q.contains('@') {
        None
    } else {
        taxonomy.expand(&q).map(|e| RoleExpansion {
            slug: e.role.slug.clone(),
            title: e.role.title.clone(),
            matched: e.matched,
            names: e.names.iter().map(|n| (*n).to_owned()).collect(),
        })
    };
    let scope = policy::requisitions(user);
    if scope == Scope::Nothing {
        return Ok(Results {
            query: q,
            role: expansion,
            results: Vec::new(),
            total: 0,
            more: false,
            page,
            pages: 0,
        });
    }
    let backend = db.get_database_backend();
    let mut sql = Sql::new(backend);
    let mut from = "candidates c".to_owned();
    let mut conditions: Vec<String> = Vec::new();
    let mut rank = "c.name, c.id".to_owned();
    match text_filter(&q, expansion.as_ref()) {
        TextFilter::All => {}
        TextFilter::Email(email) => {
            conditions.push(format!("c.email = {}", sql.bind(email)));
        }
        TextFilter::Role(slug) => {
            // Only ids: the page's candidates are read afterwards, so the 25 best need no
            // join with the candidates table.
            from = format!(
                "(SELECT candidate_id AS id, MIN(field) AS k FROM candidate_roles \
                 WHERE role_slug = {} GROUP BY candidate_id) c",
                sql.bind(slug)
            );
            // Named in the title before named in the summary; newest first.
            rank = "c.k, c.id DESC".to_owned();
        }
        TextFilter::Words(words) if words.is_empty() => {
            // Only punctuation: nothing can match.
            conditions.push("1 = 0".to_owned());
        }
        TextFilter::Words(words) => match backend {
            DatabaseBackend::Postgres => {
                let prefixes: Vec<String> = words.iter().map(|w| format!("{w}:*")).collect();
                let prefixes = prefixes.join(" & ");
                // English stems for names, titles and summaries; plain words for the parts
                // of email addresses.
                let tsquery = format!(
                    "(to_tsquery('english', {}) || to_tsquery('simple', {}))",
                    sql.bind(prefixes.clone()),
                    sql.bind(prefixes)
                );
                conditions.push(format!("c.search @@ {tsquery}"));
                rank = format!("ts_rank(c.search, {tsquery}) DESC, c.name, c.id");
            }
            _ => {
                from = "candidates_fts f JOIN candidates c ON c.id = f.rowid".to_owned();
                conditions.push(format!(
                    "candidates_fts MATCH {}",
                    sql.bind(fts5_expression(&words))
                ));
                // Name and title weigh most, then email, then summary.
                rank = "bm25(candidates_fts, 10.0, 5.0, 10.0, 1.0), c.name, c.id".to_owned();
            }
        },
    }
    let mut on_application: Vec<String> = Vec::new();
    if let Some(r) = query.requisition {
        on_application.push(format!("a.requisition_id = {}", sql.bind(r)));
    }
    if let Some(stage) = query.stage {
        on_application.push(format!("a.stage = {}", sql.bind(stage.as_str())));
    }
    if let Scope::ManagedBy(manager) = scope {
        on_application.push(format!("r.hiring_manager_id = {}", sql.bind(manager)));
    }
    if !on_application.is_empty() {
        conditions.push(format!(
            "EXISTS (SELECT 1 FROM applications a JOIN requisitions r ON r.id = a.requisition_id \
             WHERE a.candidate_id = c.id AND {})",
            on_application.join(" AND ")
        ));
    }
    let where_clause = if conditions.is_empty() {
        String::new()
    } else {
        format!(" WHERE {}", conditions.join(" AND "))
    };
    // Counting every match of a broad query costs as much as ranking them; past the limit
    // the page says "more than" instead.
    let count_sql = format!(
        "SELECT COUNT(*) AS n FROM (SELECT 1 FROM {from}{where_clause} LIMIT {}) matches",
        COUNT_LIMIT + 1
    );
    let total: i64 = match db
        .query_one_raw(Statement::from_sql_and_values(
            backend,
            count_sql,
            sql.values.clone(),
        ))
        .await?
    {
        Some(row) => row.try_get("", "n")?,
        None => 0,
    };
    let total = u64::try_from(total).unwrap_or(0);
    let more = total > COUNT_LIMIT;
    let total = total.min(COUNT_LIMIT);
    let limit = sql.bind(i64::try_from(PER_PAGE).unwrap_or(25));
    // A page far beyond the last is empty, not an overflow.
    let offset = (page - 1).saturating_mul(PER_PAGE);
    let offset = sql.bind(i64::try_from(offset).unwrap_or(i64::MAX));
    let page_sql = format!(
        "SELECT c.id AS id FROM {from}{where_clause} ORDER BY {rank} LIMIT {limit} OFFSET {offset}"
    );
    let ids: Vec<i32> = db
        .query_all_raw(Statement::from_sql_and_values(
            backend, page_sql, sql.values,
        ))
        .await?
        .iter()
        .map(|row| row.try_get::<i32>("", "id"))
        .collect::<Result<_, _>>()?;
    let results = describe(db, taxonomy, user, &ids, &q, expansion.as_ref()).await?;
    Ok(Results {
        query: q,
        role: expansion,
        results,
        total,
        more,
        page,
        pages: total.div_ceil(PER_PAGE),
    })
}

/// Load the candidates behind `ids`, in that order, with their applications and what
/// matched.
async fn describe(
    db: &impl ConnectionTrait,
    taxonomy: &Taxonomy,
    user: &CurrentUser,
    ids: &[i32],
    q: &str,
    expansion: Option<&RoleExpansion>,
) -> Result<Vec<Hit>, AppError> {
    let rows = candidates::Entity::find()
        .filter(candidates::Column::Id.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let apps = applications::Entity::find()
        .find_also_related(requisitions::Entity)
        .filter(applications::Column::CandidateId.is_in(ids.to_vec()))
        .all(db)
        .await?;
    let mut hits = Vec::with_capacity(ids.len());
    for id in ids {
        let Some(c) = rows.iter().find(|c| c.id == *id) else {
            continue;
        };
        let applications = apps
            .iter()
            .filter(|(a, _)| a.candidate_id == c.id)
            .filter_map(|(a, r)| r.as_ref().map(|r| (a, r)))
            .filter(|(_, r)| policy::may_see_requisition(user, r))
            .map(|(a, r)| ApplicationLine {
                id: a.id,
                requisition_id: r.id,
                requisition: r.title.clone(),
                stage: a.stage.parse().unwrap_or(Stage::Sourced),
            })
            .collect();
        hits.push(Hit {
            id: c.id,
            name: c.name.clone(),
            email: c.email.clone(),
            current_title: c.current_title.clone(),
            location: c.location.clone(),
            applications,
            matched: explain(taxonomy, c, q, expansion),
        });
    }
    Ok(hits)
}

/// Which fields matched the query or named the role, in the order a recruiter reads a
/// result: title, summary, name, email.
fn explain(
    taxonomy: &Taxonomy,
    c: &candidates::Model,
    q: &str,
    expansion: Option<&RoleExpansion>,
) -> Vec<Match> {
    if q.trim().is_empty() {
        return Vec::new();
    }
    let fields: [(&'static str, &str); 4] = [
        ("Title", &c.current_title),
        ("Summary", &c.summary),
        ("Name", &c.name),
        ("Email", &c.email),
    ];
    let mut out = Vec::new();
    for (field, text) in fields {
        if text.is_empty() {
            continue;
        }
        let role_name = expansion.and_then(|e| {
            taxonomy
                .mentions(text)
                .into_iter()
                .find(|m| m.role.slug == e.slug)
                .map(|m| m.name.to_owned())
        });
        let segments = match &role_name {
            Some(name) => mark_phrase(text, name),
            None => highlight(text, q),
        };
        if segments.iter().any(|s| s.mark) {
            out.push(Match {
                field,
                segments: excerpt(segments),
                via: role_name,
            });
        }
    }
    out
}

/// `text` with the first occurrence of `name`'s words marked, from its first word to its
/// last, punctuation between them included ("Back-channel").
fn mark_phrase(text: &str, name: &str) -> Vec<Segment> {
    let spans: Vec<(usize, usize)> = word_spans(text);
    let words: Vec<String> = spans
        .iter()
        .map(|(a, b)| singular(&text[*a..*b].to_lowercase()))
        .collect();
    let name: Vec<String> = words_all(name).iter().map(|w| singular(w)).collect();
    let found = (!name.is_empty())
        .then(|| words.windows(name.len()).position(|w| w == name.as_slice()))
        .flatten();
    let Some(i) = found else {
        return vec![Segment {
            text: text.to_owned(),
            mark: false,
        }];
    };
    let (start, end) = (spans[i].0, spans[i + name.len() - 1].1);
    [
        (&text[..start], false),
        (&text[start..end], true),
        (&text[end..], false),
    ]
    .into_iter()
    .filter(|(t, _)| !t.is_empty())
    .map(|(t, mark)| Segment {
        text: t.to_owned(),
        mark,
    })
    .collect()
}

/// The byte ranges of the words (runs of letters and digits) of `text`.
fn word_spans(text: &str) -> Vec<(usize, usize)> {
    let mut spans = Vec::new();
    let mut start = None;
    for (i, c) in text.char_indices() {
        match (c.is_alphanumeric(), start) {
            (true, None) => start = Some(i),
            (false, Some(s)) => {
                spans.push((s, i));
                start = None;
            }
            _ => {}
        }
    }
    if let Some(s) = start {
        spans.push((s, text.len()));
    }
    spans
}

fn words_all(text: &str) -> Vec<String> {
    text.split(|c: char| !c.is_alphanumeric())
        .filter(|w| !w.is_empty())
        .map(str::to_lowercase)
        .collect()
}

/// About 160 characters around the first marked word, so a long summary stays short:
/// the unmarked text before it keeps its last words, and the text after is cut at a word.
fn excerpt(segments: Vec<Segment>) -> Vec<Segment> {
    const BEFORE: usize = 60;
    const TOTAL: usize = 160;
    let Some(first) = segments.iter().position(|s| s.mark) else {
        return segments;
    };
    let ellipsis = || Segment {
        text: "…".to_owned(),
        mark: false,
    };
    let mut out = Vec::new();
    if first > 0 {
        let before: String = segments[..first].iter().map(|s| s.text.as_str()).collect();
        let chars: Vec<char> = before.chars().collect();
        if chars.len() > BEFORE {
            let tail: String = chars[chars.len() - BEFORE..].iter().collect();
            // Start at a word: drop the part-word the cut left.
            let tail = tail
                .split_once(char::is_whitespace)
                .map_or(tail.as_str(), |(_, rest)| rest)
                .to_owned();
            out.push(ellipsis());
            out.push(Segment {
                text: tail,
                mark: false,
            });
        } else {
            out.push(Segment {
                text: before,
                mark: false,
            });
        }
    }
    let mut length = 0;
    for s in segments.into_iter().skip(first) {
        let n = s.text.chars().count();
        if length + n <= TOTAL || s.mark {
            length += n;
            out.push(s);
            continue;
        }
        let room = TOTAL.saturating_sub(length);
        let cut: String = s.text.chars().take(room).collect();
        let cut = match cut.rfind(char::is_whitespace) {
            Some(i) => cut[..i].to_owned(),
            None => cut,
        };
        out.push(Segment {
            text: cut,
            mark: false,
        });
        out.push(ellipsis());
        break;
    }
    out
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn fts5_expressions_quote_every_word() {
        let words = vec!["ana".to_owned(), "ruiz".to_owned()];
        assert_eq!(fts5_expression(&words), "\"ana\"* AND \"ruiz\"*");
        assert_eq!(
            super::words("O'Brien \"x\" -- AND"),
            ["o", "brien", "x", "and"]
        );
    }

    #[test]
    fn a_role_name_is_marked_whole() {
        let marked: Vec<(String, bool)> =
            mark_phrase("Senior Back-channel negotiator", "back channel")
                .into_iter()
                .map(|s| (s.text, s.mark))
                .collect();
        assert_eq!(
            marked,
            [
                ("Senior ".to_owned(), false),
                ("Back-channel".to_owned(), true),
                (" negotiator".to_owned(), false)
            ]
        );
    }

    #[test]
    fn long_texts_are_cut_around_the_match() {
        let text = format!("{} negotiator {}", "word ".repeat(100), "tail ".repeat(100));
        let cut = excerpt(highlight(&text, "negotiator"));
        let shown: String = cut.iter().map(|s| s.text.as_str()).collect();
        assert!(shown.starts_with('…') && shown.ends_with('…'), "{shown}");
        assert!(
            shown.contains("negotiator") && shown.chars().count() < 260,
            "{shown}"
        );
    }
}
