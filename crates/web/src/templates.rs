//! minijinja templates with autoescaping: read from `templates/` on every render in debug
//! builds (edits show on reload), compiled into the binary in release builds.

use std::sync::OnceLock;

use axum::http::StatusCode;
use minijinja::Environment;
use serde::Serialize;

use crate::assets::assets;
use crate::error::AppError;

/// The template environment.
#[derive(Debug)]
pub struct Templates {
    /// Built once in release builds; `None` in debug builds, which rebuild per render.
    cached: Option<Environment<'static>>,
}

fn environment() -> Environment<'static> {
    let mut env = Environment::new();
    #[cfg(debug_assertions)]
    env.set_loader(minijinja::path_loader(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/../../templates"
    )));
    #[cfg(not(debug_assertions))]
    minijinja_embed::load_templates!(&mut env);
    // HTML everywhere except the plain-text parts of emails (`.txt`), which are not HTML.
    env.set_auto_escape_callback(|name| {
        if name.ends_with(".txt") {
            minijinja::AutoEscape::None
        } else {
            minijinja::AutoEscape::Html
        }
    });
    // Numbers to a fixed number of decimals (2 unless given), and with their sign.
    env.add_filter("fixed", |v: f64, digits: Option<usize>| {
        format!("{v:.*}", digits.unwrap_or(2))
    });
    env.add_filter("signed", |v: f64, digits: Option<usize>| {
        format!("{v:+.*}", digits.unwrap_or(2))
    });
    for name in ["app.css", "app.js", "htmx.js", "favicon.svg"] {
        let url = assets().url(name).unwrap_or_default();
        // Our own URLs: nothing in them needs escaping.
        env.add_global(
            name.replace('.', "_") + "_url",
            minijinja::Value::from_safe_string(url.to_owned()),
        );
    }
    env
}

/// The shared templates.
pub fn templates() -> &'static Templates {
    static TEMPLATES: OnceLock<Templates> = OnceLock::new();
    TEMPLATES.get_or_init(|| Templates {
        cached: (!cfg!(debug_assertions)).then(environment),
    })
}

impl Templates {
    /// Render a template with a context.
    ///
    /// # Errors
    /// The template is missing or fails to render: a bug, reported as an internal error.
    pub fn render(&self, name: &str, ctx: impl Serialize) -> Result<String, AppError> {
        self.render_raw(name, ctx)
            .map_err(|e| AppError::Internal(anyhow::anyhow!("template {name}: {e:#}")))
    }

    /// [`Templates::render`] with minijinja's own error, for callers outside HTTP.
    ///
    /// # Errors
    /// The template is missing or fails to render.
    pub fn render_raw(&self, name: &str, ctx: impl Serialize) -> Result<String, minijinja::Error> {
        let fresh;
        let env = match &self.cached {
            Some(env) => env,
            None => {
                fresh = environment();
                &fresh
            }
        };
        env.get_template(name).and_then(|t| t.render(ctx))
    }
}

/// The HTML page for an error, with the navigation of whoever is signed in; plain text if
/// even that cannot be rendered.
pub fn render_error_page(
    status: StatusCode,
    message: &str,
    page: &crate::routes::page::Page,
) -> String {
    let ctx = minijinja::context! {
        page,
        status => status.as_u16(),
        reason => status.canonical_reason().unwrap_or("Error"),
        message => message,
    };
    templates()
        .render("error.html", ctx)
        .unwrap_or_else(|_| format!("{status}"))
}

#[cfg(test)]
mod tests {
    use std::path::Path;

    /// Release builds render from the bundle `build.rs` embeds; debug builds read the files.
    /// Every template file must be in the bundle, or release builds fail at render time.
    #[test]
    fn every_template_is_embedded_for_release_builds() {
        let mut env = minijinja::Environment::new();
        minijinja_embed::load_templates!(&mut env);
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../templates");
        let mut stack = vec![root.clone()];
        let mut count = 0;
        while let Some(dir) = stack.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let path = entry.unwrap().path();
                if path.is_dir() {
                    stack.push(path);
                } else {
                    let name = path
                        .strip_prefix(&root)
                        .unwrap()
                        .to_string_lossy()
                        .replace('\\', "/");
                    assert!(env.get_template(&name).is_ok(), "{name} is not embedded");
                    count += 1;
                }
            }
        }
        assert!(count >= 6, "found only {count} templates");
    }
}
