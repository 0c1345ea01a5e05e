//! sea-orm-migration's standard developer CLI for this crate, e.g.
//! `cargo run -p migration -- generate NAME` or `cargo run -p migration -- status`.
//! Users run migrations through `shell migrate` instead.

use sea_orm_migration::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    cli::run_cli(migration::Migrator).await;
}
