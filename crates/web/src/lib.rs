//! Attaché's web application and JSON API: `app(state)` builds the router; `serve` runs it.

pub mod assets;
pub mod auth;
pub mod config;
pub mod db;
pub mod entities;
pub mod error;
pub mod extract;
pub mod fields;
pub mod mail;
pub mod routes;
pub mod security;
pub mod seed;
pub mod server;
pub mod services;
pub mod state;
pub mod templates;

pub use config::Config;
pub use error::{AppError, Result};
pub use routes::app;
pub use server::{serve, serve_with};
pub use state::AppState;
