//! Business operations over the database, one module per resource. Services take a
//! connection and return domain types; they know nothing of HTTP.

pub mod api_tokens;
pub mod audit;
pub mod candidate_roles;
pub mod candidate_search;
pub mod candidates;
pub mod comparison;
pub mod demo;
pub mod import;
pub mod interviews;
pub mod invitations;
pub mod links;
pub mod passwords;
pub mod policy;
pub mod reminders;
pub mod requisitions;
pub mod roles;
pub mod scorecards;
pub mod server_keys;
pub mod setup;
pub mod users;
