//! `kina completion bash|zsh|fish` and the hidden `kina generate-man DIR`.

use crate::support::World;

#[test]
fn completion_scripts_for_bash_zsh_and_fish() {
    let world = World::new();
    for (shell, marker) in [("bash", "complete -F _kina"), ("zsh", "#compdef kina"), ("fish", "complete -c kina")] {
        let run = world.kina(&["completion", shell]);
        let script = run.success().stdout();
        assert!(script.contains(marker), "{shell}: {script}");
        for word in ["create", "cluster", "clusters", "kubeconfig", "name", "all-clusters"] {
            assert!(script.contains(word), "{shell} script lacks {word}");
        }
        assert_eq!(run.stderr(), "");
    }
    for shell in ["bash", "zsh", "fish"] {
        let script = world.kina(&["completion", shell]).stdout();
        assert!(!script.contains("generate-man"), "{shell} offers the hidden command");
        assert!(script.contains("uninstall"), "{shell}");
    }
    world.kina(&["completion", "tcsh"]).code_is(1).stderr_has("tcsh");
    world.kina(&["completion"]).code_is(1);
    assert!(world.fake_calls().is_empty(), "completion needs no container call");
}

#[test]
fn generate_man_writes_one_page_per_command() {
    let world = World::new();
    let dir = world.path("man/out");
    world.kina(&["generate-man", dir.to_str().unwrap()]).success().stdout_is("");
    let page = |name: &str| std::fs::read_to_string(dir.join(name)).unwrap_or_else(|e| panic!("{name}: {e}"));
    let root = page("kina.1");
    assert!(root.contains(".TH kina 1"), "{root}");
    for sub in ["create", "delete", "get", "list", "load", "version", "completion"] {
        assert!(root.contains(sub), "kina.1 lacks {sub}");
    }
    for (file, mention) in [
        ("kina-create-cluster.1", "\\-\\-config"),
        ("kina-delete-clusters.1", "\\-\\-all"),
        ("kina-get-nodes.1", "\\-\\-all\\-clusters"),
        ("kina-get-kubeconfig.1", "\\-\\-internal"),
        ("kina-list.1", "json"),
        ("kina-load-docker-image.1", "\\-\\-nodes"),
        ("kina-completion.1", "fish"),
    ] {
        let text = page(file);
        let title = file.trim_end_matches(".1");
        assert!(text.contains(&format!(".TH {title} 1")), "{file}: {text}");
        assert!(text.contains(mention), "{file} lacks {mention}: {text}");
    }
    // The hidden command documents nobody.
    assert!(!dir.join("kina-generate-man.1").exists());
    assert!(world.fake_calls().is_empty());
}

/// Runs bash's completion function for `words` (the last one being completed)
/// with the real `kina` on PATH, as a user's TAB would.
fn bash_complete(world: &crate::support::World, words: &[&str]) -> Vec<String> {
    let script = world.path("kina.bash");
    std::fs::write(&script, world.kina(&["completion", "bash"]).success().stdout()).unwrap();
    let bin_dir = std::path::Path::new(crate::support::KINA).parent().unwrap();
    let quoted: Vec<String> = words.iter().map(|w| format!("'{w}'")).collect();
    let program = format!(
        "source '{}'; COMP_WORDS=({}); COMP_CWORD={}; _kina kina {} {}; printf '%s\\n' \"${{COMPREPLY[@]}}\"",
        script.display(),
        quoted.join(" "),
        words.len() - 1,
        quoted[words.len() - 1],
        quoted[words.len() - 2]
    );
    let path = format!("{}:{}", bin_dir.display(), std::env::var("PATH").unwrap_or_default());
    let out = world
        .command_for("bash", &["--norc", "-c", &program])
        .env("PATH", path)
        .current_dir(world.path("."))
        .output()
        .unwrap();
    assert!(out.status.success(), "{}", String::from_utf8_lossy(&out.stderr));
    String::from_utf8_lossy(&out.stdout).lines().filter(|l| !l.is_empty()).map(str::to_string).collect()
}

#[test]
fn cluster_names_complete_from_the_running_clusters() {
    let world = World::new();
    world.kina(&["create", "cluster", "--name", "dev"]).success();
    world.kina(&["create", "cluster", "--name", "demo"]).success();
    assert_eq!(bash_complete(&world, &["kina", "delete", "cluster", "--name", "de"]), ["demo", "dev"]);
    assert_eq!(bash_complete(&world, &["kina", "install", "metrics-server", "-n", "dev"]), ["dev"]);
    // `delete clusters NAME...`: every positional word.
    assert_eq!(bash_complete(&world, &["kina", "delete", "clusters", "de"]), ["demo", "dev"]);
    assert_eq!(bash_complete(&world, &["kina", "delete", "clusters", "dev", "dem"]), ["demo"]);
    std::fs::write(world.path("1-file"), "").unwrap();
    assert!(bash_complete(&world, &["kina", "get", "nodes", "-v", "1"]).is_empty(), "verbosity is no file name");
    // Durations are not file names.
    std::fs::write(world.path("5m-file"), "").unwrap();
    assert!(bash_complete(&world, &["kina", "start", "cluster", "--wait", "5"]).is_empty());
    // A new cluster's name is not one of the existing ones.
    assert!(!bash_complete(&world, &["kina", "create", "cluster", "--name", "de"]).contains(&"dev".to_string()));
    let zsh = world.kina(&["completion", "zsh"]).success().stdout();
    assert!(zsh.contains("'--name=[the cluster name (default kina, or KINA_CLUSTER_NAME)]:NAME:{compadd -- $(kina get clusters 2>/dev/null)}'"), "{zsh}");
    assert!(
        zsh.contains("'--name=[cluster name, overrides KINA_CLUSTER_NAME, config (default kina)]:NAME:_default'"),
        "{zsh}"
    );
    assert!(zsh.contains("'*::names -- the cluster names:{compadd -- $(kina get clusters 2>/dev/null)}'"), "{zsh}");
    let fish = world.kina(&["completion", "fish"]).success().stdout();
    assert!(fish.contains(
        "complete -c kina -n \"__fish_kina_using_subcommand delete; and __fish_seen_subcommand_from clusters\" -f -a \"(kina get clusters 2>/dev/null)\""
    ));
    let name_lines: Vec<&str> = fish.lines().filter(|l| l.contains(" -l name ")).collect();
    assert!(name_lines.len() > 5, "{fish}");
    for line in name_lines {
        let dynamic = line.ends_with(" -f -a \"(kina get clusters 2>/dev/null)\"");
        assert_eq!(dynamic, !line.contains("using_subcommand create"), "{line}");
    }
}

#[test]
fn addon_names_complete() {
    let world = World::new();
    let offered = bash_complete(&world, &["kina", "install", "me"]);
    assert_eq!(offered, ["metrics-server"]);
}
