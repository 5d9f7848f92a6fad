//! Loading and validating the seed data: one TOML file per role.
//!
//! Every problem is reported with the file, the line and the field, and a directory with
//! any problem loads nothing.

use std::collections::HashMap;
use std::fmt;
use std::path::{Path, PathBuf};

use serde::Deserialize;
use toml::Spanned;

use crate::question_bank::{Level, Question};
use crate::rubric::Criterion;
use crate::search::normalize::normalize_label;
use crate::taxonomy::{Role, Track};

/// One problem in the seed data.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct SeedError {
    pub file: PathBuf,
    /// 1-based; 0 when the problem is with the file as a whole.
    pub line: usize,
    /// The field, as a path such as `questions[2].criteria[0].anchors`.
    pub field: String,
    pub message: String,
}

impl fmt::Display for SeedError {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(
            f,
            "{}:{}: {}: {}",
            self.file.display(),
            self.line,
            self.field,
            self.message
        )
    }
}

/// Every problem found in a seed directory.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
pub struct SeedErrors(pub Vec<SeedError>);

impl fmt::Display for SeedErrors {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        for (i, e) in self.0.iter().enumerate() {
            if i > 0 {
                writeln!(f)?;
            }
            write!(f, "{e}")?;
        }
        Ok(())
    }
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawRole {
    slug: Spanned<String>,
    track: Spanned<String>,
    title: Spanned<String>,
    summary: Spanned<String>,
    #[serde(default)]
    titles: Vec<Spanned<String>>,
    #[serde(default)]
    synonyms: Vec<Spanned<String>>,
    #[serde(default)]
    hidden_labels: Vec<Spanned<String>>,
    #[serde(default)]
    resume_examples: Vec<Spanned<String>>,
    #[serde(default)]
    related: Vec<Spanned<String>>,
    #[serde(default)]
    competencies: Vec<Spanned<String>>,
    #[serde(default)]
    sourcing_exclude: Vec<Spanned<String>>,
    #[serde(default)]
    questions: Vec<Spanned<RawQuestion>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawQuestion {
    id: Spanned<String>,
    level: Spanned<String>,
    competencies: Spanned<Vec<Spanned<String>>>,
    text: Spanned<String>,
    guidance: Spanned<String>,
    criteria: Spanned<Vec<Spanned<RawCriterion>>>,
}

#[derive(Debug, Deserialize)]
#[serde(deny_unknown_fields)]
struct RawCriterion {
    id: Spanned<String>,
    name: Spanned<String>,
    anchors: Spanned<Vec<Spanned<String>>>,
}

/// Where something was first defined, for "already defined at" messages.
#[derive(Debug, Clone)]
struct Origin {
    file: PathBuf,
    line: usize,
    slug: String,
}

/// Checks one file at a time while remembering what earlier files claimed.
#[derive(Debug, Default)]
struct Validator {
    errors: Vec<SeedError>,
    slugs: HashMap<String, Origin>,
    question_ids: HashMap<String, Origin>,
    names: HashMap<String, Origin>,
}

struct FileCtx<'a> {
    path: &'a Path,
    source: &'a str,
}

impl FileCtx<'_> {
    fn line(&self, offset: usize) -> usize {
        let end = offset.min(self.source.len());
        self.source.as_bytes()[..end]
            .iter()
            .filter(|&&b| b == b'\n')
            .count()
            + 1
    }
}

impl Validator {
    fn error(
        &mut self,
        ctx: &FileCtx<'_>,
        offset: usize,
        field: impl Into<String>,
        message: impl Into<String>,
    ) {
        self.errors.push(SeedError {
            file: ctx.path.to_path_buf(),
            line: ctx.line(offset),
            field: field.into(),
            message: message.into(),
        });
    }

    fn required(&mut self, ctx: &FileCtx<'_>, value: &Spanned<String>, field: &str) -> String {
        let v = value.get_ref().trim();
        if v.is_empty() {
            self.error(ctx, value.span().start, field, "must not be empty");
        }
        v.to_owned()
    }

    fn strings(
        &mut self,
        ctx: &FileCtx<'_>,
        values: &[Spanned<String>],
        field: &str,
    ) -> Vec<String> {
        let mut out: Vec<String> = Vec::with_capacity(values.len());
        for (i, v) in values.iter().enumerate() {
            let s = self.required(ctx, v, &format!("{field}[{i}]"));
            if out.iter().any(|o| o.eq_ignore_ascii_case(&s)) {
                self.error(
                    ctx,
                    v.span().start,
                    format!("{field}[{i}]"),
                    format!("{s:?} is listed twice"),
                );
            }
            out.push(s);
        }
        out
    }

    fn role(&mut self, ctx: &FileCtx<'_>, raw: RawRole) -> Option<Role> {
        let before = self.errors.len();
        let slug = self.required(ctx, &raw.slug, "slug");
        if !slug
            .chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-')
        {
            self.error(
                ctx,
                raw.slug.span().start,
                "slug",
                format!("{slug:?} may only use a-z, 0-9 and '-'"),
            );
        }
        let line = ctx.line(raw.slug.span().start);
        if let Some(prev) = self.slugs.get(&slug) {
            let msg = format!(
                "duplicate slug {slug:?}: already defined at {}:{}",
                prev.file.display(),
                prev.line
            );
            self.error(ctx, raw.slug.span().start, "slug", msg);
        } else {
            self.slugs.insert(
                slug.clone(),
                Origin {
                    file: ctx.path.into(),
                    line,
                    slug: slug.clone(),
                },
            );
        }
        let track = match raw.track.get_ref().parse::<Track>() {
            Ok(t) => Some(t),
            Err(e) => {
                self.error(ctx, raw.track.span().start, "track", e.to_string());
                None
            }
        };
        let title = self.required(ctx, &raw.title, "title");
        let summary = self.required(ctx, &raw.summary, "summary");
        let titles = self.strings(ctx, &raw.titles, "titles");
        let synonyms = self.strings(ctx, &raw.synonyms, "synonyms");
        let hidden_labels = self.strings(ctx, &raw.hidden_labels, "hidden_labels");
        let resume_examples = self.strings(ctx, &raw.resume_examples, "resume_examples");
        let related = self.strings(ctx, &raw.related, "related");
        let competencies = self.strings(ctx, &raw.competencies, "competencies");
        let sourcing_exclude = self.strings(ctx, &raw.sourcing_exclude, "sourcing_exclude");
        for (i, name) in raw.sourcing_exclude.iter().enumerate() {
            let key = normalize_label(name.get_ref());
            let own = std::iter::once(&raw.title)
                .chain(&raw.titles)
                .chain(&raw.synonyms)
                .any(|n| normalize_label(n.get_ref()) == key);
            if !own {
                self.error(
                    ctx,
                    name.span().start,
                    format!("sourcing_exclude[{i}]"),
                    format!(
                        "{:?} is not one of this role's titles or synonyms",
                        name.get_ref()
                    ),
                );
            }
        }

        // A name (title, synonym or hidden label) may belong to one role only, compared in
        // normalised form so "Track II" and "track 2" are the same claim.
        let mut own: HashMap<String, ()> = HashMap::new();
        let names = std::iter::once(("title".to_owned(), &raw.title))
            .chain(
                raw.titles
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("titles[{i}]"), s)),
            )
            .chain(
                raw.synonyms
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("synonyms[{i}]"), s)),
            )
            .chain(
                raw.hidden_labels
                    .iter()
                    .enumerate()
                    .map(|(i, s)| (format!("hidden_labels[{i}]"), s)),
            );
        for (field, name) in names {
            let key = normalize_label(name.get_ref());
            if key.is_empty() || own.insert(key.clone(), ()).is_some() {
                continue;
            }
            match self.names.get(&key) {
                Some(prev) if prev.slug != slug => {
                    let msg = format!(
                        "{:?} is already claimed by role {:?} at {}:{}",
                        name.get_ref(),
                        prev.slug,
                        prev.file.display(),
                        prev.line
                    );
                    self.error(ctx, name.span().start, field, msg);
                }
                _ => {
                    let origin = Origin {
                        file: ctx.path.into(),
                        line: ctx.line(name.span().start),
                        slug: slug.clone(),
                    };
                    self.names.insert(key, origin);
                }
            }
        }

        let mut questions = Vec::with_capacity(raw.questions.len());
        for (i, q) in raw.questions.iter().enumerate() {
            if let Some(q) = self.question(ctx, q, &format!("questions[{i}]"), &slug, &competencies)
            {
                questions.push(q);
            }
        }

        if self.errors.len() > before {
            return None;
        }
        Some(Role {
            slug,
            track: track?,
            title,
            summary,
            titles,
            synonyms,
            hidden_labels,
            resume_examples,
            related,
            competencies,
            sourcing_exclude,
            questions,
        })
    }

    fn question(
        &mut self,
        ctx: &FileCtx<'_>,
        raw: &Spanned<RawQuestion>,
        field: &str,
        slug: &str,
        competencies: &[String],
    ) -> Option<Question> {
        let q = raw.get_ref();
        let id = self.required(ctx, &q.id, &format!("{field}.id"));
        if let Some(prev) = self.question_ids.get(&id) {
            let msg = format!(
                "duplicate question id {id:?}: already defined at {}:{}",
                prev.file.display(),
                prev.line
            );
            self.error(ctx, q.id.span().start, format!("{field}.id"), msg);
        } else {
            let origin = Origin {
                file: ctx.path.into(),
                line: ctx.line(q.id.span().start),
                slug: slug.to_owned(),
            };
            self.question_ids.insert(id.clone(), origin);
        }
        let level = match q.level.get_ref().parse::<Level>() {
            Ok(l) => Some(l),
            Err(e) => {
                self.error(
                    ctx,
                    q.level.span().start,
                    format!("{field}.level"),
                    e.to_string(),
                );
                None
            }
        };
        let text = self.required(ctx, &q.text, &format!("{field}.text"));
        let guidance = self.required(ctx, &q.guidance, &format!("{field}.guidance"));
        let comps = self.strings(
            ctx,
            q.competencies.get_ref(),
            &format!("{field}.competencies"),
        );
        if comps.is_empty() {
            self.error(
                ctx,
                q.competencies.span().start,
                format!("{field}.competencies"),
                "a question needs at least one competency",
            );
        }
        for (i, c) in comps.iter().enumerate() {
            if !competencies.contains(c) {
                let at = q.competencies.get_ref()[i].span().start;
                self.error(
                    ctx,
                    at,
                    format!("{field}.competencies[{i}]"),
                    format!("{c:?} is not one of the role's competencies"),
                );
            }
        }
        let raw_criteria = q.criteria.get_ref();
        if !(2..=5).contains(&raw_criteria.len()) {
            self.error(
                ctx,
                q.criteria.span().start,
                format!("{field}.criteria"),
                format!(
                    "a question needs 2 to 5 criteria, not {}",
                    raw_criteria.len()
                ),
            );
        }
        let mut criteria: Vec<Criterion> = Vec::with_capacity(raw_criteria.len());
        for (i, c) in raw_criteria.iter().enumerate() {
            let cf = format!("{field}.criteria[{i}]");
            let c = c.get_ref();
            let cid = self.required(ctx, &c.id, &format!("{cf}.id"));
            if criteria.iter().any(|o| o.id == cid) {
                self.error(
                    ctx,
                    c.id.span().start,
                    format!("{cf}.id"),
                    format!("duplicate criterion id {cid:?} in this question"),
                );
            }
            let name = self.required(ctx, &c.name, &format!("{cf}.name"));
            let anchors = self.strings(ctx, c.anchors.get_ref(), &format!("{cf}.anchors"));
            match <[String; 4]>::try_from(anchors) {
                Ok(anchors) => criteria.push(Criterion { id: cid, name, anchors }),
                Err(anchors) => self.error(
                    ctx,
                    c.anchors.span().start,
                    format!("{cf}.anchors"),
                    format!(
                        "a criterion needs exactly 4 anchors (does not meet, partly meets, meets, exceeds), not {}",
                        anchors.len()
                    ),
                ),
            }
        }
        Some(Question {
            id,
            level: level?,
            competencies: comps,
            text,
            guidance,
            criteria,
        })
    }
}

/// Parse and check one file's text, with what earlier files claimed.
fn check_source(v: &mut Validator, path: &Path, source: &str) -> Option<Role> {
    let ctx = FileCtx { path, source };
    match toml::from_str::<RawRole>(source) {
        Ok(raw) => v.role(&ctx, raw),
        Err(e) => {
            let offset = e.span().map_or(0, |s| s.start);
            let message = e.message().trim().to_owned();
            let names_field =
                message.starts_with("missing field") || message.starts_with("unknown field");
            let field = backticked(&message)
                .filter(|_| names_field)
                .unwrap_or_else(|| "toml syntax".to_owned());
            v.error(&ctx, offset, field, message);
            None
        }
    }
}

/// The first `name` in backticks, which is how the TOML parser names a field.
fn backticked(message: &str) -> Option<String> {
    let start = message.find('`')? + 1;
    let len = message[start..].find('`')?;
    Some(message[start..start + len].to_owned())
}

include!(concat!(env!("OUT_DIR"), "/embedded_seed.rs"));

/// How the built-in seed data is named in messages.
pub const EMBEDDED_NAME: &str = "the built-in seed data";

/// The seed data compiled into the binary (`seed-data/*.toml` when it was built).
///
/// # Errors
/// Problems in the built-in files; the build's own tests keep this from shipping.
pub fn embedded() -> Result<Vec<Role>, SeedErrors> {
    let paths: Vec<PathBuf> = EMBEDDED
        .iter()
        .map(|(name, _)| Path::new("seed-data").join(name))
        .collect();
    load_sources(
        paths
            .iter()
            .zip(EMBEDDED)
            .map(|(path, (_, text))| (path.as_path(), *text)),
    )
}

/// Load every `*.toml` file in `dir` as a role.
///
/// # Errors
/// Every problem in every file, when there is any: then nothing is loaded.
pub fn load_dir(dir: &Path) -> Result<Vec<Role>, SeedErrors> {
    let fail = |message: String| {
        SeedErrors(vec![SeedError {
            file: dir.to_path_buf(),
            line: 0,
            field: "-".into(),
            message,
        }])
    };
    let entries =
        std::fs::read_dir(dir).map_err(|e| fail(format!("cannot read the directory: {e}")))?;
    let mut paths: Vec<PathBuf> = entries
        .filter_map(|e| e.ok().map(|e| e.path()))
        .filter(|p| p.extension().is_some_and(|x| x == "toml"))
        .collect();
    paths.sort();
    if paths.is_empty() {
        return Err(fail("no seed files (*.toml) in the directory".into()));
    }
    let mut files = Vec::with_capacity(paths.len());
    for path in paths {
        match std::fs::read_to_string(&path) {
            Ok(source) => files.push((path, source)),
            Err(e) => {
                return Err(SeedErrors(vec![SeedError {
                    file: path,
                    line: 0,
                    field: "-".into(),
                    message: format!("cannot read the file: {e}"),
                }]));
            }
        }
    }
    load_sources(files.iter().map(|(p, s)| (p.as_path(), s.as_str())))
}

/// Load roles from (path, text) pairs; the paths are only used in messages.
///
/// # Errors
/// Every problem found, when there is any: then nothing is loaded.
pub fn load_sources<'a>(
    files: impl IntoIterator<Item = (&'a Path, &'a str)>,
) -> Result<Vec<Role>, SeedErrors> {
    let mut v = Validator::default();
    let mut roles = Vec::new();
    for (path, source) in files {
        if let Some(role) = check_source(&mut v, path, source) {
            roles.push(role);
        }
    }
    if !v.errors.is_empty() {
        return Err(SeedErrors(v.errors));
    }
    roles.sort_by(|a, b| a.track.cmp(&b.track).then_with(|| a.slug.cmp(&b.slug)));
    Ok(roles)
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn the_built_in_seed_data_is_every_file_of_the_directory() {
        let dir = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../seed-data");
        let from_dir = load_dir(&dir).unwrap();
        let built_in = embedded().unwrap();
        assert_eq!(built_in, from_dir);
        assert!(built_in.len() >= 14);
    }

    const GOOD: &str = r#"
slug = "diplomat"
track = "1"
title = "Diplomats"
summary = "Official representatives of a government."
titles = ["Foreign Service Officer"]
synonyms = ["Track I", "Track One"]
hidden_labels = ["dipolmat"]
competencies = ["Protocol"]

[[questions]]
id = "t1-b1"
level = "basic"
competencies = ["Protocol"]
text = "What is diplomatic protocol?"
guidance = "Customs and hierarchy."

[[questions.criteria]]
id = "customs"
name = "Knows the customs"
anchors = ["None.", "Some.", "Most.", "All, with reasons."]

[[questions.criteria]]
id = "why"
name = "Says why it matters"
anchors = ["No reason.", "Vague.", "Clear.", "Clear with an example."]
"#;

    fn load(files: &[(&str, &str)]) -> Result<Vec<Role>, SeedErrors> {
        load_sources(files.iter().map(|(p, s)| (Path::new(*p), *s)))
    }

    fn only_error(files: &[(&str, &str)]) -> SeedError {
        let errs = load(files).unwrap_err().0;
        assert_eq!(errs.len(), 1, "{errs:?}");
        errs.into_iter().next().unwrap()
    }

    #[test]
    fn good_file_loads() {
        let roles = load(&[("a.toml", GOOD)]).unwrap();
        assert_eq!(roles[0].slug, "diplomat");
        assert_eq!(roles[0].questions[0].criteria.len(), 2);
        assert_eq!(roles[0].track, Track::One);
    }

    #[test]
    fn malformed_toml_names_file_and_line() {
        let bad = GOOD.replace("title = \"Diplomats\"", "title = \"Diplomats");
        let e = only_error(&[("bad.toml", &bad)]);
        assert_eq!(e.file, Path::new("bad.toml"));
        assert_eq!(e.line, 4, "the unterminated title");
    }

    #[test]
    fn missing_field_is_named() {
        let bad = GOOD.replace(
            "summary = \"Official representatives of a government.\"\n",
            "",
        );
        let e = only_error(&[("bad.toml", &bad)]);
        assert_eq!(e.field, "summary");
        assert!(e.message.contains("missing"), "{}", e.message);
    }

    #[test]
    fn criterion_without_four_anchors_is_rejected_with_line() {
        let bad = GOOD.replace(
            r#"anchors = ["None.", "Some.", "Most.", "All, with reasons."]"#,
            r#"anchors = ["None.", "Some.", "Most."]"#,
        );
        let e = only_error(&[("bad.toml", &bad)]);
        assert_eq!(e.field, "questions[0].criteria[0].anchors");
        assert_eq!(e.line, 21);
        assert!(e.message.contains("exactly 4 anchors"));
    }

    #[test]
    fn unknown_level_and_track_are_rejected() {
        let bad = GOOD
            .replace("level = \"basic\"", "level = \"expert\"")
            .replace("track = \"1\"", "track = \"7\"");
        let errs = load(&[("bad.toml", &bad)]).unwrap_err().0;
        let fields: Vec<&str> = errs.iter().map(|e| e.field.as_str()).collect();
        assert_eq!(fields, ["track", "questions[0].level"]);
        assert_eq!(errs[0].line, 3);
        assert_eq!(errs[1].line, 13);
    }

    #[test]
    fn duplicate_question_ids_across_files_are_rejected() {
        let other = GOOD
            .replace("slug = \"diplomat\"", "slug = \"envoy\"")
            .replace("title = \"Diplomats\"", "title = \"Envoys\"")
            .replace("synonyms = [\"Track I\", \"Track One\"]", "")
            .replace("titles = [\"Foreign Service Officer\"]", "")
            .replace("hidden_labels = [\"dipolmat\"]", "");
        let e = only_error(&[("a.toml", GOOD), ("b.toml", &other)]);
        assert_eq!(e.file, Path::new("b.toml"));
        assert_eq!(e.field, "questions[0].id");
        assert!(e.message.contains("a.toml:12"), "{}", e.message);
    }

    #[test]
    fn synonym_claimed_by_two_roles_is_rejected_in_normalised_form() {
        let other = GOOD
            .replace("slug = \"diplomat\"", "slug = \"envoy\"")
            .replace("title = \"Diplomats\"", "title = \"Envoys\"")
            .replace("t1-b1", "e-b1")
            .replace(
                "synonyms = [\"Track I\", \"Track One\"]",
                "synonyms = [\"Special Envoy\", \"track 1\"]",
            )
            .replace("titles = [\"Foreign Service Officer\"]", "")
            .replace("hidden_labels = [\"dipolmat\"]", "");
        let e = only_error(&[("a.toml", GOOD), ("b.toml", &other)]);
        assert_eq!(e.field, "synonyms[1]");
        assert!(e.message.contains("\"diplomat\""), "{}", e.message);
    }

    #[test]
    fn question_competency_must_belong_to_the_role() {
        let bad = GOOD.replace(
            "competencies = [\"Protocol\"]\ntext",
            "competencies = [\"Juggling\"]\ntext",
        );
        let e = only_error(&[("bad.toml", &bad)]);
        assert_eq!(e.field, "questions[0].competencies[0]");
    }

    #[test]
    fn unknown_field_is_rejected() {
        let bad = GOOD.replace(
            "title = \"Diplomats\"",
            "title = \"Diplomats\"\ntitel = \"x\"",
        );
        let e = only_error(&[("bad.toml", &bad)]);
        assert_eq!(e.field, "titel");
        assert_eq!(e.line, 5);
    }

    #[test]
    fn errors_display_file_line_field() {
        let e = SeedError {
            file: "x.toml".into(),
            line: 3,
            field: "slug".into(),
            message: "bad".into(),
        };
        assert_eq!(e.to_string(), "x.toml:3: slug: bad");
    }
}
