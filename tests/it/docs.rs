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
