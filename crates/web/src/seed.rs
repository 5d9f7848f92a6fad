//! Where the roles and question banks come from: the seed data built into the binary, or
//! a directory given with `--seed-dir` / `ATTACHE_SEED_DIR`.

use std::path::Path;

use attache_core::Role;
use attache_core::seed::{self, SeedErrors};

/// A short account of the source, for messages: "the built-in seed data" or the directory.
pub fn describe(seed_dir: Option<&Path>) -> String {
    match seed_dir {
        Some(dir) => format!("{} (--seed-dir)", dir.display()),
        None => seed::EMBEDDED_NAME.to_owned(),
    }
}

/// Load and check the seed data: the directory when one is given, else the built-in data.
///
/// # Errors
/// Every problem found, each with its file, line and field; nothing is loaded then.
pub fn load_checked(seed_dir: Option<&Path>) -> Result<Vec<Role>, SeedErrors> {
    match seed_dir {
        Some(dir) => seed::load_dir(dir),
        None => seed::embedded(),
    }
}

/// [`load_checked`] with a message that says what to run and which setting to change.
///
/// # Errors
/// The seed data has errors or cannot be read.
pub fn load(seed_dir: Option<&Path>) -> anyhow::Result<Vec<Role>> {
    load_checked(seed_dir).map_err(|e| match seed_dir {
        Some(dir) => anyhow::anyhow!(
            "the seed data in {} has errors (see them with `attache seed-data check {}`, or \
             leave out --seed-dir / ATTACHE_SEED_DIR / seed_dir to use the built-in data):\n{e}",
            describe(Some(dir)),
            dir.display()
        ),
        None => anyhow::anyhow!("{} has errors:\n{e}", seed::EMBEDDED_NAME),
    })
}
