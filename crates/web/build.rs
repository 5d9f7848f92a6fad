//! Compile the templates into the binary for release builds.

fn main() {
    minijinja_embed::embed_templates!("../../templates");
}
