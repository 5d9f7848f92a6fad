//! Interview questions, their levels, and the versioned bank they belong to.

use serde::{Deserialize, Serialize};
use sha2::{Digest, Sha256};

use crate::rubric::Criterion;

/// How demanding a question is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, Hash, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "snake_case")]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub enum Level {
    Basic,
    Intermediate,
    Advanced,
}

impl Level {
    pub const ALL: [Level; 3] = [Level::Basic, Level::Intermediate, Level::Advanced];

    pub fn as_str(self) -> &'static str {
        match self {
            Level::Basic => "basic",
            Level::Intermediate => "intermediate",
            Level::Advanced => "advanced",
        }
    }
}

/// The text was not a level name.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("unknown level {0:?}: expected basic, intermediate or advanced")]
pub struct UnknownLevel(pub String);

named_enum!(Level, UnknownLevel);

/// An interview question with the guidance and rubric interviewers score it against.
#[derive(Debug, Clone, PartialEq, Eq, Serialize, Deserialize)]
#[cfg_attr(feature = "openapi", derive(utoipa::ToSchema))]
pub struct Question {
    /// Stable across the whole taxonomy.
    pub id: String,
    pub level: Level,
    pub competencies: Vec<String>,
    pub text: String,
    /// What a good answer shows.
    pub guidance: String,
    /// 2 to 5 criteria.
    pub criteria: Vec<Criterion>,
}

impl Question {
    /// The criterion with this id.
    pub fn criterion(&self, id: &str) -> Option<&Criterion> {
        self.criteria.iter().find(|c| c.id == id)
    }
}

/// The version of a role's question bank: a hash of its content.
///
/// Scorecards record the version they were scored against, so editing a bank never
/// changes what a submitted scorecard meant. Any change to a question, its guidance,
/// its criteria or their anchors gives a new version; reformatting the seed file does not.
pub fn bank_version(questions: &[Question]) -> String {
    let mut hasher = Sha256::new();
    // Serialising our own plain structs cannot fail; an empty fallback would still hash.
    let bytes = serde_json::to_vec(questions).unwrap_or_default();
    hasher.update(&bytes);
    let digest = hasher.finalize();
    digest[..8].iter().map(|b| format!("{b:02x}")).collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn question(text: &str) -> Question {
        Question {
            id: "q1".into(),
            level: Level::Basic,
            competencies: vec!["Discretion".into()],
            text: text.into(),
            guidance: "g".into(),
            criteria: vec![Criterion {
                id: "c".into(),
                name: "C".into(),
                anchors: ["1".into(), "2".into(), "3".into(), "4".into()],
            }],
        }
    }

    #[test]
    fn bank_version_is_stable_and_changes_with_content() {
        let a = bank_version(&[question("What is protocol?")]);
        assert_eq!(a, bank_version(&[question("What is protocol?")]));
        assert_eq!(a.len(), 16);
        assert_ne!(a, bank_version(&[question("What is diplomatic protocol?")]));
    }

    #[test]
    fn levels_parse_by_name() {
        assert_eq!("advanced".parse::<Level>(), Ok(Level::Advanced));
        assert!("expert".parse::<Level>().is_err());
    }
}
