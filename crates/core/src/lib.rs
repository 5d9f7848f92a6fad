//! Attaché's domain, free of web and database concerns: the taxonomy of diplomacy roles,
//! question banks and their rubrics, scoring, agreement statistics, role search and the
//! seed-data loader.

/// `Display` and `FromStr` for a fieldless enum with `ALL` and `as_str`, parsing exactly
/// the names `as_str` gives and failing with `$err(text)`.
macro_rules! named_enum {
    ($ty:ty, $err:ident) => {
        impl std::fmt::Display for $ty {
            fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
                f.write_str(self.as_str())
            }
        }

        impl std::str::FromStr for $ty {
            type Err = $err;

            fn from_str(s: &str) -> Result<Self, Self::Err> {
                <$ty>::ALL
                    .into_iter()
                    .find(|v| v.as_str() == s.trim())
                    .ok_or_else(|| $err(s.to_owned()))
            }
        }
    };
}

pub mod agreement;
pub mod comparison;
pub mod pipeline;
pub mod question_bank;
pub mod rubric;
pub mod scoring;
pub mod search;
pub mod seed;
pub mod synthetic;
pub mod taxonomy;

pub use pipeline::{RequisitionStatus, Stage};
pub use question_bank::{Level, Question, bank_version};
pub use rubric::{Criterion, Rating};
pub use scoring::Recommendation;
pub use taxonomy::{Expansion, Mention, Role, RoleDetail, RoleList, RoleSummary, Taxonomy, Track};
