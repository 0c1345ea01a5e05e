//! sea-orm-migration's standard developer CLI for this crate, e.g.
//! `cargo run -p migration -- generate NAME` or `cargo run -p migration -- status`.
//! Users run migrations through `shell migrate` instead.

use sea_orm_migration::prelude::*;

#[tokio::main(flavor = "current_thread")]
async fn main() {
    // The CLI writes new migration files relative to the current directory: make `generate` work
    // from the workspace root as well as from `migration/`.
    if std::env::args().any(|arg| arg == "generate" || arg == "init") {
        std::env::set_current_dir(env!("CARGO_MANIFEST_DIR"))
            .expect("the migration crate's directory exists");
    }
    cli::run_cli(migration::Migrator).await;
}
