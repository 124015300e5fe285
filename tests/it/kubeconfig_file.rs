//! What kina does to the user's kubeconfig file beyond its own entries:
//! nothing it did not create changes style, owner or (silently) mode, and a
//! file it could not write at the end fails the create before anything is made.

use std::os::unix::fs::{MetadataExt, PermissionsExt};

use crate::support::World;

const FOREIGN: &str = "\
apiVersion: v1
clusters:
- cluster:
    server: https://prod.example.com
  name: prod
contexts:
- context:
    cluster: prod
    user: prod
  name: prod
current-context: prod
kind: Config
users:
- name: prod
  user:
    token: eyJhbGciOiJSUzI1NiIsImtpZCI6IiJ9.eyJpc3MiOiJrdWJlcm5ldGVzL3NlcnZpY2VhY2NvdW50In0.c2lnbmF0dXJlLXRoYXQtaXMtbG9uZw
";

fn world_with(text: &str) -> World {
    let world = World::new();
    std::fs::create_dir_all(world.home().join(".kube")).unwrap();
    std::fs::write(world.default_kubeconfig(), text).unwrap();
    world
}

#[test]
fn a_stale_lock_fails_before_any_node_is_made() {
    let world = world_with(FOREIGN);
    let lock = world.home().join(".kube/config.lock");
    std::fs::write(&lock, "").unwrap();
    world
        .kina(&["create", "cluster"])
        .code_is(1)
        .stderr_has("ERROR: failed to create cluster")
        .stderr_has("config.lock: file exists");
    assert!(!world.fake_calls().iter().any(|c| c.contains(" run ")), "{:#?}", world.fake_calls());
    assert!(lock.exists(), "someone else's lock must stay");
    assert_eq!(std::fs::read_to_string(world.default_kubeconfig()).unwrap(), FOREIGN);
}

#[test]
fn foreign_entries_keep_their_text_and_no_preferences_appear() {
    let world = world_with(FOREIGN);
    world.kina(&["create", "cluster"]).success();
    let written = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    for line in FOREIGN.lines().filter(|l| !l.starts_with("current-context")) {
        assert!(written.lines().any(|w| w == line), "{line:?} changed:\n{written}");
    }
    assert!(!written.contains("preferences"), "{written}");
    assert!(!written.contains(">-"), "{written}");
    world.kina(&["delete", "cluster"]).success();
    let restored = std::fs::read_to_string(world.default_kubeconfig()).unwrap();
    assert_eq!(restored.replace("current-context: prod\n", ""), FOREIGN.replace("current-context: prod\n", ""));
}

#[test]
fn get_kubeconfig_values_are_one_line_each() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    let run = world.kina(&["get", "kubeconfig"]);
    run.success();
    let out = run.stdout();
    assert!(!out.contains(">-") && !out.contains("|-"), "{out}");
    // The habit: grep certificate-authority-data | awk '{print $2}' | base64 -d
    let value = out
        .lines()
        .find(|l| l.trim_start().starts_with("certificate-authority-data:"))
        .and_then(|l| l.split_whitespace().nth(1))
        .unwrap_or_else(|| panic!("no one-line CA value:\n{out}"));
    let mut decode = std::process::Command::new("base64")
        .arg("-d")
        .stdin(std::process::Stdio::piped())
        .stdout(std::process::Stdio::piped())
        .spawn()
        .unwrap();
    use std::io::Write as _;
    decode.stdin.take().unwrap().write_all(value.as_bytes()).unwrap();
    let decoded = decode.wait_with_output().unwrap();
    assert!(decoded.status.success(), "not base64: {value}");
    assert!(!decoded.stdout.is_empty());
}

#[test]
fn a_readable_kubeconfig_is_made_private_out_loud_and_keeps_its_owner() {
    let world = world_with(FOREIGN);
    let file = world.default_kubeconfig();
    std::fs::set_permissions(&file, std::fs::Permissions::from_mode(0o644)).unwrap();
    let me = std::fs::metadata(&file).unwrap();
    // As root (CI), the file belongs to a user, as a user's own kubeconfig
    // does when they run `sudo kina`.
    let owner = if me.uid() == 0 {
        std::os::unix::fs::chown(&file, Some(4242), Some(4343)).unwrap();
        (4242, 4343)
    } else {
        (me.uid(), me.gid())
    };
    world
        .kina(&["create", "cluster"])
        .success()
        .stderr_has("was readable by others (mode 0644): kina wrote it with mode 0600, as it holds credentials");
    let after = std::fs::metadata(&file).unwrap();
    assert_eq!(after.permissions().mode() & 0o777, 0o600);
    assert_eq!((after.uid(), after.gid()), owner);
    world.kina(&["delete", "cluster"]).success();
    assert_eq!((std::fs::metadata(&file).unwrap().uid()), owner.0);
}
