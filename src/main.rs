//! The `attache` command line.

use std::io::{self, IsTerminal, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;

use anyhow::{Context, Result};
use attache_core::rubric::LEVEL_NAMES;
use attache_core::search::SearchResponse;
use attache_core::{Level, Role, RoleDetail, Taxonomy};
use attache_web::auth::UserRole;
use attache_web::auth::password::Passwords;
use attache_web::config::{Config, Overrides};
use attache_web::services::users::UserError;
use clap::{Parser, Subcommand};

/// Attaché: a structured-interview toolkit for diplomacy roles.
///
/// Find the right role from any title or synonym, read it in plain words, and see its
/// interview questions with behaviourally anchored rubrics.
///
/// Settings come from flags, then environment variables, then the optional config file
/// (attache.toml: keys database_url, bind, seed_dir, shutdown_grace_seconds, secure_cookies,
/// trust_forwarded_for, data_dir, smtp_url, mail_from, public_url), then defaults.
/// Logging is set with ATTACHE_LOG (e.g. "info", "debug"; default "info").
#[derive(Debug, Parser)]
#[command(name = "attache", version, about, long_about)]
struct Cli {
    /// Directory of seed data (one TOML file per role) to use instead of the data built
    /// into attache [default: the built-in data].
    #[arg(long, global = true, env = "ATTACHE_SEED_DIR")]
    seed_dir: Option<PathBuf>,

    /// Database URL: sqlite://PATH or postgres://USER@HOST/DB [default: sqlite://data/attache.db].
    #[arg(
        long,
        global = true,
        env = "ATTACHE_DATABASE_URL",
        hide_env_values = true
    )]
    database_url: Option<String>,

    /// Optional configuration file.
    #[arg(
        long,
        global = true,
        env = "ATTACHE_CONFIG",
        default_value = "attache.toml"
    )]
    config: PathBuf,

    #[command(subcommand)]
    command: Command,
}

#[derive(Debug, Subcommand)]
enum Command {
    /// Migrate the database, load the seed data, and serve the web app and JSON API.
    Serve {
        /// Address to listen on [default: 127.0.0.1:8080].
        #[arg(long, env = "ATTACHE_BIND")]
        bind: Option<std::net::SocketAddr>,
        /// Seconds in-flight requests get to finish after SIGTERM or Ctrl-C [default: 10].
        #[arg(long, env = "ATTACHE_SHUTDOWN_GRACE_SECONDS")]
        shutdown_grace_seconds: Option<u64>,
        /// Mark session cookies Secure: set when users reach Attaché over HTTPS [default: false].
        #[arg(long, env = "ATTACHE_SECURE_COOKIES")]
        secure_cookies: Option<bool>,
        /// Take client addresses (for rate limits) from X-Forwarded-For: only behind a
        /// reverse proxy that sets it [default: false].
        #[arg(long, env = "ATTACHE_TRUST_FORWARDED_FOR")]
        trust_forwarded_for: Option<bool>,
        /// Directory for files Attaché writes; without an SMTP server, mail goes to
        /// DATA_DIR/mail as .eml files [default: data].
        #[arg(long, env = "ATTACHE_DATA_DIR")]
        data_dir: Option<PathBuf>,
        /// SMTP server for mail: smtp://HOST:PORT (plain), smtp://USER:PASS@HOST:587?tls=required
        /// (STARTTLS) or smtps://USER:PASS@HOST:465 (TLS) [default: none, write .eml files].
        #[arg(long, env = "ATTACHE_SMTP_URL", hide_env_values = true)]
        smtp_url: Option<String>,
        /// The From address of every email [default: "Attaché <attache@localhost>"].
        #[arg(long, env = "ATTACHE_MAIL_FROM")]
        mail_from: Option<String>,
        /// The address users reach Attaché at, for links in emails, e.g.
        /// https://attache.example.org [default: http://BIND].
        #[arg(long, env = "ATTACHE_PUBLIC_URL")]
        public_url: Option<String>,
        /// Fill a database that has no users with demo data (a team whose sign-ins are
        /// printed, three requisitions, 200 candidates, interviews) before serving.
        #[arg(long)]
        demo: bool,
    },
    /// Add demo data to the database: the demo team (if missing), three requisitions (if
    /// there are none), synthetic candidates on them at every stage, and a few interviews.
    Demo {
        /// How many candidates to add.
        #[arg(long, default_value_t = 200)]
        candidates: usize,
        /// The same seed gives the same candidates.
        #[arg(long, default_value_t = 1)]
        seed: u64,
    },
    /// Apply every pending database migration, then exit.
    Migrate,
    /// Manage users.
    #[command(subcommand)]
    Users(UsersCommand),
    /// Manage API tokens.
    #[command(subcommand)]
    Tokens(TokensCommand),
    /// Check or inspect the seed data.
    #[command(subcommand)]
    SeedData(SeedDataCommand),
    /// Search and show roles (reads the seed data directly; no database needed).
    #[command(subcommand)]
    Roles(RolesCommand),
    /// Import candidates from CSV, or export a requisition's candidates.
    #[command(subcommand)]
    Candidates(CandidatesCommand),
}

#[derive(Debug, Subcommand)]
enum CandidatesCommand {
    /// Import candidates from a CSV file onto a requisition. The first line names the
    /// columns: name and email are required; current_title, summary, location, source,
    /// notes and stage are optional. UTF-8, with or without a byte-order mark. A file with
    /// any bad row imports nothing; someone already in Attaché (same email) is not added
    /// twice, so importing a file again is safe.
    Import {
        /// The CSV file.
        file: PathBuf,
        /// The requisition's number (as in /requisitions/NUMBER).
        #[arg(long)]
        requisition: i32,
        /// Check the file and say what would happen, without importing.
        #[arg(long)]
        dry_run: bool,
    },
    /// Write a requisition's candidates as CSV (the import's columns) to standard output.
    Export {
        /// The requisition's number.
        #[arg(long)]
        requisition: i32,
    },
}

#[derive(Debug, Subcommand)]
enum UsersCommand {
    /// Add a user. The password comes from ATTACHE_PASSWORD; without it one is generated
    /// and printed once.
    Add {
        /// Their email address, which they sign in with.
        #[arg(long)]
        email: String,
        /// Their name, as colleagues see it.
        #[arg(long)]
        name: String,
        /// admin, recruiter, interviewer or hiring manager (also written hiring_manager).
        #[arg(long)]
        role: UserRole,
    },
}

#[derive(Debug, Subcommand)]
enum TokensCommand {
    /// Issue an API token for a user and print it once; only its hash is stored.
    /// Use it as `Authorization: Bearer TOKEN`.
    Issue {
        /// The email address of the (active) user the token acts as.
        #[arg(long)]
        email: String,
        /// What the token is for, to tell tokens apart later.
        #[arg(long, default_value = "cli")]
        name: String,
    },
}

#[derive(Debug, Subcommand)]
enum SeedDataCommand {
    /// Validate every seed file; exits non-zero and names the file, line and field of each
    /// problem.
    Check {
        /// Directory to check [default: --seed-dir if given, else the built-in data].
        dir: Option<PathBuf>,
    },
}

#[derive(Debug, Subcommand)]
enum RolesCommand {
    /// List every role, by track.
    List {
        /// Print JSON in the shape of GET /api/v1/roles.
        #[arg(long)]
        json: bool,
    },
    /// Find roles by any title, synonym, abbreviation, misspelling or description of the
    /// work.
    Search {
        /// What to search for, e.g. "track ii" or "back-channel negotiator".
        query: String,
        /// Print JSON in the shape of GET /api/v1/roles.
        #[arg(long)]
        json: bool,
        /// At most this many results (1-100).
        #[arg(long, default_value_t = 10, value_parser = clap::value_parser!(u16).range(1..=100))]
        limit: u16,
    },
    /// Show a role: summary, titles, résumé lines, sourcing string and question bank.
    Show {
        /// The role's slug, as printed by `roles search`.
        slug: String,
        /// Print JSON in the shape of GET /api/v1/roles/{slug}.
        #[arg(long)]
        json: bool,
    },
}

fn main() -> ExitCode {
    let cli = Cli::parse();
    match run(cli) {
        Ok(code) => code,
        // `attache roles show x | head`: the reader has all it wanted; stop quietly.
        Err(e) if is_broken_pipe(&e) => ExitCode::SUCCESS,
        Err(e) => {
            eprintln!("error: {e:#}");
            ExitCode::FAILURE
        }
    }
}

fn is_broken_pipe(e: &anyhow::Error) -> bool {
    e.chain().any(|cause| {
        cause
            .downcast_ref::<io::Error>()
            .is_some_and(|io| io.kind() == io::ErrorKind::BrokenPipe)
    })
}

fn run(cli: Cli) -> Result<ExitCode> {
    let overrides = Overrides {
        database_url: cli.database_url.clone(),
        seed_dir: cli.seed_dir.clone(),
        ..Overrides::default()
    };
    let config = |extra: Overrides| Config::load(extra, &cli.config);
    match cli.command {
        Command::Serve {
            bind,
            shutdown_grace_seconds,
            secure_cookies,
            trust_forwarded_for,
            data_dir,
            smtp_url,
            mail_from,
            public_url,
            demo,
        } => {
            let config = config(Overrides {
                bind,
                shutdown_grace_seconds,
                secure_cookies,
                trust_forwarded_for,
                data_dir,
                smtp_url,
                mail_from,
                public_url,
                ..overrides
            })?;
            init_logging();
            runtime()?.block_on(attache_web::serve_with(config, demo))?;
            Ok(ExitCode::SUCCESS)
        }
        Command::Migrate => {
            let config = config(overrides)?;
            init_logging();
            runtime()?.block_on(migrated(&config.database_url))?;
            println!(
                "migrated {}",
                attache_web::server::redact(&config.database_url)
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Users(UsersCommand::Add { email, name, role }) => {
            let config = config(overrides)?;
            let (password, generated) = match std::env::var("ATTACHE_PASSWORD") {
                Ok(p) if !p.is_empty() => (p, false),
                _ => (attache_web::auth::generate_password(), true),
            };
            let user = runtime()?.block_on(async {
                let db = migrated(&config.database_url).await?;
                let hash = Passwords::production().hash(password.clone()).await?;
                attache_web::services::users::create(&db, &email, &name, role, Some(hash), None)
                    .await
                    .map_err(|e| match e {
                        // Name the flag that holds each bad value.
                        UserError::Invalid(fields) => anyhow::anyhow!(
                            "{}",
                            fields
                                .0
                                .iter()
                                .map(|(field, message)| format!("--{field}: {message}"))
                                .collect::<Vec<_>>()
                                .join("\n")
                        ),
                        e => e.into(),
                    })
            })?;
            println!("added {} <{}> as {}", user.name, user.email, user.role);
            if generated {
                println!("password (shown once, store it now): {password}");
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Tokens(TokensCommand::Issue { email, name }) => {
            let config = config(overrides)?;
            let token = runtime()?.block_on(async {
                let db = migrated(&config.database_url).await?;
                let user = attache_web::services::users::find_by_email(&db, &email)
                    .await?
                    .filter(|u| u.active)
                    .ok_or_else(|| anyhow::anyhow!("no active user has the email {email:?}; add one with `attache users add`"))?;
                anyhow::Ok(attache_web::services::api_tokens::issue(&db, user.id, &name, None).await?)
            })?;
            println!("{token}");
            eprintln!(
                "This token is shown once; only its hash is stored. Use it as `Authorization: Bearer TOKEN`."
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Demo { candidates, seed } => {
            let config = config(overrides)?;
            let report = runtime()?.block_on(async {
                let state = attache_web::server::prepare(&config).await?;
                let bar = progress_bar(u64::try_from(candidates).unwrap_or(0), "candidates");
                let report = attache_web::services::demo::populate(&state, candidates, seed, |n| {
                    bar.set_position(u64::try_from(n).unwrap_or(0));
                })
                .await
                .map_err(|e| anyhow::anyhow!("{e}"))?;
                bar.finish_and_clear();
                anyhow::Ok(report)
            })?;
            println!(
                "added {} candidates ({} on requisitions), {} requisitions, {} interviews with {} submitted scorecards, {} demo users (password \"{}\")",
                report.candidates,
                report.applications,
                report.requisitions,
                report.interviews,
                report.scorecards,
                report.users,
                attache_web::services::demo::PASSWORD
            );
            Ok(ExitCode::SUCCESS)
        }
        Command::Candidates(CandidatesCommand::Import {
            file,
            requisition,
            dry_run,
        }) => {
            let config = config(overrides)?;
            runtime()?.block_on(import_candidates(
                &config.database_url,
                &file,
                requisition,
                dry_run,
            ))
        }
        Command::Candidates(CandidatesCommand::Export { requisition }) => {
            let config = config(overrides)?;
            let bytes = runtime()?.block_on(async {
                let db = migrated(&config.database_url).await?;
                let requisition = find_requisition(&db, requisition).await?;
                anyhow::Ok(attache_web::services::import::export(&db, &requisition).await?)
            })?;
            io::stdout().write_all(&bytes)?;
            Ok(ExitCode::SUCCESS)
        }
        Command::SeedData(SeedDataCommand::Check { dir }) => {
            let seed_dir = config(overrides)?.seed_dir;
            Ok(check_seed_data(dir.or(seed_dir).as_deref()))
        }
        Command::Roles(RolesCommand::List { json }) => {
            let taxonomy = load(config(overrides)?.seed_dir.as_deref())?;
            if json {
                print_json(&taxonomy.list())?;
            } else {
                print_list(&taxonomy)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Roles(RolesCommand::Search { query, json, limit }) => {
            let taxonomy = load(config(overrides)?.seed_dir.as_deref())?;
            let response = taxonomy.search(&query, usize::from(limit));
            if json {
                print_json(&response)?;
            } else {
                print_search(&response)?;
            }
            Ok(ExitCode::SUCCESS)
        }
        Command::Roles(RolesCommand::Show { slug, json }) => {
            let taxonomy = load(config(overrides)?.seed_dir.as_deref())?;
            let Some(role) = taxonomy.role(&slug) else {
                let mut message = format!("no role has the slug {slug:?}");
                if let Some(hit) = taxonomy.search(&slug.replace('-', " "), 1).results.first() {
                    message.push_str(&format!("; did you mean {:?} ({})?", hit.slug, hit.title));
                } else {
                    message.push_str("; find one with `attache roles search QUERY`");
                }
                anyhow::bail!(message);
            };
            if json {
                print_json(&RoleDetail::from(role))?;
            } else {
                print_role(role)?;
            }
            Ok(ExitCode::SUCCESS)
        }
    }
}

/// Connect and bring the schema up to date, so commands work on a fresh database.
/// A progress bar on standard error when it is a terminal; hidden otherwise.
fn progress_bar(len: u64, unit: &str) -> indicatif::ProgressBar {
    let bar = indicatif::ProgressBar::new(len);
    if io::stderr().is_terminal() {
        bar.set_style(
            indicatif::ProgressStyle::with_template(&format!("{{bar:40}} {{pos}}/{{len}} {unit}"))
                .unwrap_or_else(|_| indicatif::ProgressStyle::default_bar()),
        );
    } else {
        bar.set_draw_target(indicatif::ProgressDrawTarget::hidden());
    }
    bar
}

async fn find_requisition(
    db: &sea_orm::DatabaseConnection,
    id: i32,
) -> Result<attache_web::entities::requisitions::Model> {
    use sea_orm::EntityTrait;
    attache_web::entities::requisitions::Entity::find_by_id(id)
        .one(db)
        .await?
        .ok_or_else(|| anyhow::anyhow!("no requisition has the number {id}"))
}

/// `attache candidates import`: check the whole file, report every bad row, then import
/// with a progress bar on a terminal.
async fn import_candidates(
    url: &str,
    file: &Path,
    requisition: i32,
    dry_run: bool,
) -> Result<ExitCode> {
    use attache_web::services::import;
    let bytes =
        std::fs::read(file).map_err(|e| anyhow::anyhow!("cannot read {}: {e}", file.display()))?;
    let rows = match import::parse(&bytes) {
        Ok(rows) => rows,
        Err(errors) => {
            eprintln!(
                "{}: nothing imported; fix {} and run again:",
                file.display(),
                if errors.len() == 1 {
                    "this problem".to_owned()
                } else {
                    format!("these {} problems", errors.len())
                }
            );
            for e in errors {
                let column = if e.field.is_empty() {
                    String::new()
                } else {
                    format!(", column {}", e.field)
                };
                eprintln!("  line {}{column}: {}", e.line, e.message);
            }
            return Ok(ExitCode::from(1));
        }
    };
    let db = migrated(url).await?;
    let requisition = find_requisition(&db, requisition).await?;
    let (_, planned) = import::plan(&db, &requisition, &rows).await?;
    if dry_run {
        println!(
            "{}: {} rows are good: {} new, {} already in Attaché, {} already on “{}”. Nothing imported (--dry-run).",
            file.display(),
            rows.len(),
            planned.new,
            planned.existing,
            planned.already_on,
            requisition.title
        );
        return Ok(ExitCode::SUCCESS);
    }
    let bar = progress_bar(u64::try_from(rows.len()).unwrap_or(0), "rows");
    // The roles as the database holds them, as `serve` would find them.
    let taxonomy = Taxonomy::new(attache_web::services::roles::load_all(&db).await?);
    let counts = import::import(&db, &taxonomy, None, &requisition, &rows, |n| {
        bar.set_position(u64::try_from(n).unwrap_or(0));
    })
    .await?;
    bar.finish_and_clear();
    println!(
        "imported onto “{}”: {} new candidates, {} already in Attaché added, {} already on it left as they were",
        requisition.title, counts.new, counts.existing, counts.already_on
    );
    Ok(ExitCode::SUCCESS)
}

async fn migrated(url: &str) -> Result<sea_orm::DatabaseConnection> {
    attache_web::server::connect_migrated(url).await
}

fn runtime() -> Result<tokio::runtime::Runtime> {
    tokio::runtime::Builder::new_multi_thread()
        .enable_all()
        .build()
        .context("starting the async runtime")
}

fn init_logging() {
    let filter = tracing_subscriber::EnvFilter::try_from_env("ATTACHE_LOG")
        .unwrap_or_else(|_| tracing_subscriber::EnvFilter::new("info"));
    tracing_subscriber::fmt()
        .with_env_filter(filter)
        .with_writer(std::io::stderr)
        .with_ansi(std::io::IsTerminal::is_terminal(&std::io::stderr()))
        .init();
}

fn load(seed_dir: Option<&Path>) -> Result<Taxonomy> {
    Ok(Taxonomy::new(attache_web::seed::load(seed_dir)?))
}

/// Check the seed data in `dir`, or the built-in data without one.
fn check_seed_data(dir: Option<&Path>) -> ExitCode {
    let source = attache_web::seed::describe(dir);
    match attache_web::seed::load_checked(dir) {
        Ok(roles) => {
            let questions: usize = roles.iter().map(|r| r.questions.len()).sum();
            let criteria: usize = roles
                .iter()
                .flat_map(|r| &r.questions)
                .map(|q| q.criteria.len())
                .sum();
            println!(
                "ok: {} roles, {questions} questions, {criteria} criteria in {}",
                roles.len(),
                source
            );
            ExitCode::SUCCESS
        }
        Err(errors) => {
            for e in &errors.0 {
                eprintln!("{e}");
            }
            let n = errors.0.len();
            eprintln!(
                "{n} error{} in {}; nothing was loaded",
                if n == 1 { "" } else { "s" },
                source
            );
            ExitCode::FAILURE
        }
    }
}

fn print_json(value: &impl serde::Serialize) -> Result<()> {
    let mut out = io::stdout().lock();
    serde_json::to_writer_pretty(&mut out, value).context("writing JSON")?;
    writeln!(out)?;
    Ok(())
}

fn print_list(taxonomy: &Taxonomy) -> Result<()> {
    let mut out = io::stdout().lock();
    let list = taxonomy.list();
    let mut track = None;
    for role in &list.roles {
        if track != Some(role.track) {
            if track.is_some() {
                writeln!(out)?;
            }
            writeln!(out, "Track {}: {}", role.track, role.track.description())?;
            track = Some(role.track);
        }
        writeln!(out, "  {:34} {}", role.slug, role.title)?;
    }
    Ok(())
}

fn print_search(response: &SearchResponse) -> Result<()> {
    let mut out = io::stdout().lock();
    if response.results.is_empty() {
        writeln!(out, "No roles match {:?}.", response.query)?;
        return Ok(());
    }
    for (i, hit) in response.results.iter().enumerate() {
        writeln!(
            out,
            "{:>2}. {}  (Track {}, score {:.3})",
            i + 1,
            hit.title,
            hit.track,
            hit.score
        )?;
        writeln!(
            out,
            "    {}: {}",
            hit.matched.field.describe(),
            hit.matched.text
        )?;
        if !hit.matched.words.is_empty() {
            writeln!(out, "    found by: {}", hit.matched.words.join(", "))?;
        }
        writeln!(out, "    attache roles show {}", hit.slug)?;
    }
    Ok(())
}

const WIDTH: usize = 88;

fn print_role(role: &Role) -> Result<()> {
    let detail = RoleDetail::from(role);
    let mut out = io::stdout().lock();
    writeln!(out, "{}", role.title)?;
    writeln!(out, "Track {}: {}", role.track, role.track.description())?;
    writeln!(
        out,
        "slug {}   question bank version {}",
        role.slug, detail.version
    )?;
    writeln!(out)?;
    write_wrapped(&mut out, &role.summary, "")?;
    let lists: [(&str, &[String]); 4] = [
        ("Also advertised as", &role.titles),
        ("Synonyms", &role.synonyms),
        ("Competencies", &role.competencies),
        ("Also try searching for", &role.related),
    ];
    for (heading, items) in lists {
        if !items.is_empty() {
            writeln!(out)?;
            write_wrapped(&mut out, &format!("{heading}: {}", items.join("; ")), "")?;
        }
    }
    if !role.resume_examples.is_empty() {
        writeln!(out, "\nOn résumés:")?;
        for line in &role.resume_examples {
            write_wrapped(&mut out, &format!("- {line}"), "  ")?;
        }
    }
    writeln!(out, "\nSourcing string:")?;
    writeln!(out, "{}", detail.sourcing)?;
    for level in Level::ALL {
        let questions: Vec<_> = role.questions_at(level).collect();
        if questions.is_empty() {
            continue;
        }
        writeln!(
            out,
            "\n== {} questions ==",
            attache_web::fields::capitalise(level.as_str())
        )?;
        for q in questions {
            writeln!(out)?;
            write_wrapped(&mut out, &format!("[{}] {}", q.id, q.text), "  ")?;
            write_wrapped(
                &mut out,
                &format!("  What to look for: {}", q.guidance),
                "    ",
            )?;
            write_wrapped(
                &mut out,
                &format!("  Competencies: {}", q.competencies.join(", ")),
                "    ",
            )?;
            for c in &q.criteria {
                writeln!(out, "  * {}", c.name)?;
                for (i, anchor) in c.anchors.iter().enumerate() {
                    let line = format!("      {} {}: {anchor}", i + 1, LEVEL_NAMES[i]);
                    write_wrapped(&mut out, &line, "        ")?;
                }
            }
        }
    }
    Ok(())
}

/// Write `text` wrapped at [`WIDTH`], continuation lines starting with `indent`.
fn write_wrapped(out: &mut impl Write, text: &str, indent: &str) -> io::Result<()> {
    let lead: String = text.chars().take_while(|c| *c == ' ').collect();
    let mut line = lead.clone();
    let mut empty = true;
    for word in text.split_whitespace() {
        if !empty && line.chars().count() + 1 + word.chars().count() > WIDTH {
            writeln!(out, "{line}")?;
            line = indent.to_owned();
            empty = true;
        }
        if !empty {
            line.push(' ');
        }
        line.push_str(word);
        empty = false;
    }
    writeln!(out, "{line}")
}
