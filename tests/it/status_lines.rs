//! kind's status lines, with how long each step took, and a create or start
//! that ends by saying how long the cluster took to be ready.

use crate::support::{Run, World};

/// Every ` ✓ step` line ends with `(<seconds>s)`.
fn assert_timed(run: &Run) {
    let done: Vec<String> = run.stderr().lines().filter(|l| l.starts_with(" ✓ ")).map(str::to_string).collect();
    assert!(!done.is_empty(), "{}", run.stderr());
    for line in done {
        let took = line.rsplit_once(" (").map(|(_, t)| t.trim_end_matches(')').to_string()).unwrap_or_default();
        let seconds = took.strip_suffix('s').and_then(|s| s.parse::<f64>().ok());
        assert!(seconds.is_some() || took.contains('m'), "no step time in {line:?}");
    }
}

#[test]
fn create_times_its_steps_and_says_when_it_was_done() {
    let world = World::new();
    let run = world.kina(&["create", "cluster"]);
    run.success().stderr_has(" ✓ Preparing nodes 📦 (").stderr_has(" • Created after ");
    assert_timed(&run);
    world.kina(&["delete", "cluster"]).success();
    let run = world.kina(&["create", "cluster", "--wait", "2m"]);
    run.success().stderr_has(" ✓ Waiting ≤ 2m0s for control-plane = Ready ⏳ (").stderr_has(" • Ready after ");
    assert!(!run.stderr().contains("Created after"), "{}", run.stderr());
}

#[test]
fn a_multi_node_wait_says_it_waits_for_every_node() {
    let world = World::new();
    world
        .kina(&["create", "cluster", "--workers", "1", "--wait", "1m"])
        .success()
        .stderr_has(" ✓ Waiting ≤ 1m0s for nodes = Ready ⏳")
        .stderr_has(" • Ready after ");
    world.kina(&["create", "cluster", "--help"]).success().stdout_has("wait for every node to be Ready");
}

#[test]
fn start_says_when_it_was_ready_and_when_nothing_was_stopped() {
    let world = World::new();
    world.kina(&["create", "cluster"]).success();
    let run = world.kina(&["start", "cluster"]);
    run.success().stderr_has(" • Ready after ").stderr_has("Cluster \"kina\" was already running");
    assert_timed(&run);
    world.kina(&["stop", "cluster"]).success();
    let run = world.kina(&["start", "cluster"]);
    run.success().stderr_has(" • Ready after ").stderr_has("Cluster \"kina\" is running");
    assert!(!run.stderr().contains("already running"), "{}", run.stderr());
}
