//! sea-orm entities: plain table mappings, no behaviour. Queries live in `services`.

pub mod api_tokens;
pub mod applications;
pub mod audit_events;
pub mod candidate_roles;
pub mod candidates;
pub mod decisions;
pub mod index_versions;
pub mod interviews;
pub mod invitations;
pub mod kit_questions;
pub mod mail_outbox;
pub mod panel_members;
pub mod question_bank_versions;
pub mod question_notes;
pub mod ratings;
pub mod requisition_panel;
pub mod requisitions;
pub mod roles;
pub mod scorecard_revisions;
pub mod scorecards;
pub mod server_keys;
pub mod sessions;
pub mod users;
