//! The docs cover every command the binary has: a command missing from
//! docs/usage.md fails the build.

use clap::CommandFactory;

fn command_paths(command: &clap::Command, prefix: &str, out: &mut Vec<String>) {
    for sub in command.get_subcommands().filter(|c| !c.is_hide_set() && c.get_name() != "help") {
        let path = format!("{prefix} {}", sub.get_name());
        if sub.has_subcommands() {
            command_paths(sub, &path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn every_command_is_documented_in_usage_md() {
    let usage = std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/docs/usage.md")).unwrap();
    let mut paths = Vec::new();
    command_paths(&kina::cli::Cli::command(), "kina", &mut paths);
    assert!(paths.len() >= 15, "{paths:?}");
    let missing: Vec<&String> = paths.iter().filter(|p| !usage.contains(&format!("`{p}"))).collect();
    assert!(missing.is_empty(), "commands not in docs/usage.md: {missing:?}");
}

#[test]
fn the_guides_exist_and_link_up() {
    let root = env!("CARGO_MANIFEST_DIR");
    let readme = std::fs::read_to_string(format!("{root}/README.md")).unwrap();
    for doc in [
        "usage.md",
        "configuration.md",
        "addons.md",
        "troubleshooting.md",
        "kind-users.md",
        "architecture.md",
        "testing.md",
    ] {
        assert!(std::path::Path::new(&format!("{root}/docs/{doc}")).exists(), "{doc}");
        assert!(readme.contains(&format!("docs/{doc}")), "README does not link docs/{doc}");
    }
}

/// The private notes kina was researched from are not in the repository, so a
/// comment or doc citing one points the reader at nothing. The names are
/// assembled here so that this file does not match itself.
fn private_note_names() -> Vec<String> {
    let mut names: Vec<String> = ["recipes", "perf", "peers", "apple-container", "kind", "field-2026-12", "aesthetics"]
        .iter()
        .map(|stem| format!("{stem}.md"))
        .collect();
    names.push(["shared", "research"].join("/"));
    names.push(["research", "note"].join(" "));
    names
}

/// `needle` in `text`, not as the tail of a longer name (as in `for-kind.md`).
fn mentions(text: &str, needle: &str) -> bool {
    text.match_indices(needle)
        .any(|(at, _)| !text[..at].chars().next_back().is_some_and(|c| c.is_alphanumeric() || c == '-' || c == '_'))
}

fn files_under(dir: &std::path::Path, out: &mut Vec<std::path::PathBuf>) {
    for entry in std::fs::read_dir(dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
        let path = entry.unwrap().path();
        if path.is_dir() {
            files_under(&path, out);
        } else {
            out.push(path);
        }
    }
}

#[test]
fn nothing_cites_the_private_research_notes() {
    let root = std::path::Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    for dir in ["src", "tests", "docs", "images", "benches"] {
        files_under(&root.join(dir), &mut files);
    }
    files.retain(|f| !f.starts_with(root.join("tests/fixtures")));
    for entry in std::fs::read_dir(root).unwrap() {
        let path = entry.unwrap().path();
        if path.is_file() && path.extension().is_some_and(|e| e == "md") {
            files.push(path);
        }
    }
    assert!(files.iter().any(|f| f.ends_with("src/main.rs")) && files.iter().any(|f| f.ends_with("README.md")));
    let names = private_note_names();
    let kind = &names[4];
    assert!(mentions(&format!("see {kind}"), kind) && !mentions(&format!("for-{kind}"), kind));
    let mut found = Vec::new();
    for file in &files {
        let text = String::from_utf8_lossy(&std::fs::read(file).unwrap()).to_lowercase();
        for (n, line) in text.lines().enumerate() {
            for name in names.iter().filter(|name| mentions(line, name)) {
                found.push(format!("{}:{}: {name}", file.strip_prefix(root).unwrap().display(), n + 1));
            }
        }
    }
    assert!(found.is_empty(), "cite a file in the repo or a public URL instead:\n{}", found.join("\n"));
}
