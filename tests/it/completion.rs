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
