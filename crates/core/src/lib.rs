//! Attaché's domain, free of web and database concerns: the taxonomy of diplomacy roles,
//! question banks and their rubrics, scoring, agreement statistics, role search and the
//! seed-data loader.

pub mod agreement;
pub mod question_bank;
pub mod rubric;
pub mod scoring;
pub mod search;
pub mod seed;
pub mod synthetic;
pub mod taxonomy;

pub use question_bank::{Level, Question, bank_version};
pub use rubric::{Criterion, Rating};
pub use scoring::Recommendation;
pub use taxonomy::{Role, RoleDetail, Taxonomy, Track};
