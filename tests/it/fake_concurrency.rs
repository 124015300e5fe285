//! The fake takes its state lock only to load, change and save: `container exec`s
//! run their programs at the same time, as on a Mac. Each test meets a
//! `KINA_FAKE_BARRIER` inside the running programs, which opens only once all of them
//! are there: a fake that held one lock across an exec would never let the second
//! one in, and the barrier would fail the calls.

use crate::support::World;

const NODE_IMAGE: &str = "kindest/node:v1.35.5";

fn node(world: &World, name: &str) {
    world.container(&["run", "-d", "--name", name, "--cap-add", "ALL", "--progress", "none", NODE_IMAGE]).success();
}

/// Runs each `(node, script)` as `container exec <node> sh -c <script>` at once and
/// returns their outputs in order, each checked to have succeeded.
fn scripts_at_once(world: &World, scripts: &[(&str, &str)]) -> Vec<String> {
    std::thread::scope(|s| {
        let running: Vec<_> = scripts
            .iter()
            .map(|(node, script)| s.spawn(move || world.container(&["exec", node, "sh", "-c", script])))
            .collect();
        running.into_iter().map(|t| t.join().unwrap().success().stdout()).collect()
    })
}

#[test]
fn scripts_in_two_nodes_run_at_the_same_time() {
    let mut world = World::new();
    node(&world, "one");
    node(&world, "two");
    // `hostname` is an emulated tool: both scripts must be inside it at once.
    world.env("KINA_FAKE_BARRIER", "2:hostname");
    let outs = scripts_at_once(
        &world,
        &[("one", "echo one >/etc/mine && hostname"), ("two", "echo two >/etc/mine && hostname")],
    );
    assert_eq!(outs, ["one\n", "two\n"]);
    world.remove_env("KINA_FAKE_BARRIER");
    // Each node kept what its own script wrote.
    for name in ["one", "two"] {
        world.container(&["exec", name, "cat", "/etc/mine"]).success().stdout_is(&format!("{name}\n"));
    }
}

#[test]
fn two_scripts_in_one_node_keep_each_others_files() {
    let mut world = World::new();
    node(&world, "one");
    world.env("KINA_FAKE_BARRIER", "2:hostname");
    // Both scripts copied the node's files out before either wrote: each merges only
    // what it changed, so neither loses the other's file (or its removal).
    let outs = scripts_at_once(
        &world,
        &[
            ("one", "echo a >/etc/a && hostname >/dev/null && echo a2 >/etc/a2"),
            ("one", "echo b >/etc/b && rm /kind/version && hostname >/dev/null && echo b2 >/etc/b2"),
        ],
    );
    assert_eq!(outs, ["", ""]);
    world.remove_env("KINA_FAKE_BARRIER");
    let files = world.container(&["exec", "one", "sh", "-c", "cat /etc/a /etc/a2 /etc/b /etc/b2"]).success().stdout();
    assert_eq!(files, "a\na2\nb\nb2\n");
    world.container(&["exec", "one", "sh", "-c", "test -e /kind/version"]).code_is(1);
}

#[test]
fn a_barrier_that_never_fills_fails_the_exec_instead_of_hanging() {
    // The proof's other half: one exec alone never gets past a barrier of two.
    let mut world = World::new();
    node(&world, "one");
    world.env("KINA_FAKE_BARRIER", "2:hostname");
    world.env("KINA_FAKE_BARRIER_LIMIT_MS", "200");
    world
        .container(&["exec", "one", "sh", "-c", "hostname"])
        .failure()
        .stderr_has("fake barrier \"hostname\": only 1 of 2 calls arrived together");
}
