//! `-o` takes the same values on every command that has it, and `kina help`
//! works as kind's does.

use crate::support::World;

#[test]
fn every_output_flag_takes_the_same_values() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    let commands: [&[&str]; 5] =
        [&["get", "clusters"], &["get", "nodes"], &["list"], &["doctor"], &["install", "--list"]];
    for command in commands {
        for format in ["table", "wide", "json", "yaml"] {
            let mut args = command.to_vec();
            args.extend(["-o", format]);
            let run = world.kina(&args);
            // doctor fails its macOS checks on Linux; what matters is that -o was accepted.
            assert!(!run.stderr().contains("invalid value"), "{args:?}:\n{}", run.stderr());
            assert!(!run.stdout().is_empty(), "{args:?} printed nothing");
        }
        let mut bad = command.to_vec();
        bad.extend(["-o", "xml"]);
        world.kina(&bad).code_is(1).stderr_has("[possible values: table, wide, json, yaml]");
    }
    let yaml = world.kina(&["doctor", "-o", "yaml"]).stdout();
    assert!(yaml.starts_with("- check: "), "{yaml}");
}

#[test]
fn list_wide_shows_the_published_ports() {
    let world = World::new();
    let config = "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  \
                  extraPortMappings:\n  - containerPort: 80\n    hostPort: 8080\n";
    world.kina_stdin(&["create", "cluster", "--config", "-"], config).success();
    let run = world.kina(&["list", "-o", "wide"]);
    run.success().stdout_has("PORTS").stdout_has("127.0.0.1:8080->80/tcp").stdout_has("->6443/tcp");
    assert!(!world.kina(&["list"]).stdout().contains("PORTS"));
    let json: serde_json::Value = serde_json::from_str(&world.kina(&["list", "-o", "json"]).stdout()).unwrap();
    let ports = json[0]["nodes"][0]["ports"].as_array().unwrap();
    assert!(ports.iter().any(|p| p == "127.0.0.1:8080->80/tcp"), "{ports:?}");
}

#[test]
fn help_takes_a_command_like_kinds() {
    let world = World::new();
    world.kina(&["help", "create", "cluster"]).success().stdout_has("Usage: kina create cluster");
    world.kina(&["help"]).success().stdout_has("Usage: kina");
    world.kina(&["help", "bogus"]).code_is(1).stderr_has("unrecognized subcommand 'bogus'");
}
