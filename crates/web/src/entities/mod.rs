//! sea-orm entities: plain table mappings, no behaviour. Queries live in `services`.

pub mod question_bank_versions;
pub mod roles;
