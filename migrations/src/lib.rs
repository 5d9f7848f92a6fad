//! Attaché's database schema, as sea-orm migrations. Every migration has a working `down`.

pub use sea_orm_migration::prelude::*;

mod m20261121_000001_create_users;
mod m20261121_000002_create_roles;
mod m20261121_000003_create_requisitions;
mod m20261121_000004_create_interviews;
mod m20261121_000005_create_scorecards;
mod m20261121_000006_create_audit_and_outbox;
mod m20261121_000007_create_invitations;
mod m20261121_000008_add_password_changed_at;
mod m20261123_000009_create_server_keys;
mod m20261123_000010_recruiter_workspace;
mod m20261124_000011_search_and_scheduling;
mod m20261124_000012_allowed_values_and_scoring_state;
mod m20261124_000013_question_notes;

/// Runs the migrations in order.
#[derive(Debug)]
pub struct Migrator;

#[async_trait::async_trait]
impl MigratorTrait for Migrator {
    fn migrations() -> Vec<Box<dyn MigrationTrait>> {
        vec![
            Box::new(m20261121_000001_create_users::Migration),
            Box::new(m20261121_000002_create_roles::Migration),
            Box::new(m20261121_000003_create_requisitions::Migration),
            Box::new(m20261121_000004_create_interviews::Migration),
            Box::new(m20261121_000005_create_scorecards::Migration),
            Box::new(m20261121_000006_create_audit_and_outbox::Migration),
            Box::new(m20261121_000007_create_invitations::Migration),
            Box::new(m20261121_000008_add_password_changed_at::Migration),
            Box::new(m20261123_000009_create_server_keys::Migration),
            Box::new(m20261123_000010_recruiter_workspace::Migration),
            Box::new(m20261124_000011_search_and_scheduling::Migration),
            Box::new(m20261124_000012_allowed_values_and_scoring_state::Migration),
            Box::new(m20261124_000013_question_notes::Migration),
        ]
    }
}

/// A foreign key from `table.column` to `to_table.id`.
pub(crate) fn fk(
    table: &'static str,
    column: &'static str,
    to_table: &'static str,
    on_delete: ForeignKeyAction,
) -> ForeignKeyCreateStatement {
    ForeignKey::create()
        .name(format!("fk_{table}_{column}"))
        .from(table, column)
        .to(to_table, "id")
        .on_delete(on_delete)
        .to_owned()
}

/// An index named after its table and columns.
pub(crate) fn index(
    table: &'static str,
    columns: &[&'static str],
    unique: bool,
) -> IndexCreateStatement {
    let mut i = Index::create();
    i.name(format!(
        "{}_{table}_{}",
        if unique { "uq" } else { "idx" },
        columns.join("_")
    ))
    .table(table);
    for &c in columns {
        i.col(c);
    }
    if unique {
        i.unique();
    }
    i.to_owned()
}

/// Create every index in order.
pub(crate) async fn create_indexes(
    manager: &SchemaManager<'_>,
    indexes: Vec<IndexCreateStatement>,
) -> Result<(), DbErr> {
    for i in indexes {
        manager.create_index(i).await?;
    }
    Ok(())
}

/// Drop tables in the order given (children before parents).
pub(crate) async fn drop_tables(
    manager: &SchemaManager<'_>,
    tables: &[&'static str],
) -> Result<(), DbErr> {
    for &t in tables {
        manager
            .drop_table(Table::drop().table(t).to_owned())
            .await?;
    }
    Ok(())
}
