//! Every number a user gives kina has a range, and going past it is a clear
//! error before anything is created (never a panic or an abort).

use crate::support::World;

#[test]
fn durations_stop_at_gos_longest() {
    let world = World::new();
    for args in [
        vec!["install", "metrics-server", "--wait", "2562047788015216h"],
        vec!["create", "cluster", "--wait", "2562048h"],
        vec!["start", "cluster", "--wait", "99999999999999999999h"],
    ] {
        world.kina(&args).code_is(1).stderr_has("the longest is 2562047h47m16.854s (Go's limit, as for kind)");
    }
    assert!(world.fake_calls().is_empty());
}

#[test]
fn node_counts_and_sizes_have_limits() {
    let world = World::new();
    world.kina(&["create", "cluster", "--workers", "100000000"]).code_is(1).stderr_has("--workers");
    world.kina(&["create", "cluster", "--cpus", "65"]).code_is(1).stderr_has("--cpus");
    world
        .kina(&["create", "cluster", "--memory", "9999999999P"])
        .code_is(1)
        .stderr_has("more than kina's limit of 1024G for one node VM");

    let head = "kind: Cluster\napiVersion: kina.dev/v1alpha1\nnodes:\n- role: control-plane\n";
    world
        .kina_stdin(&["create", "cluster", "--config", "-", "--workers", "99"], &format!("{head}- role: worker\n"))
        .code_is(1)
        .stderr_has("101 nodes: a kina cluster has at most 100");
    let many = format!("{head}{}", "- role: worker\n".repeat(150));
    world
        .kina_stdin(&["create", "cluster", "--config", "-"], &many)
        .code_is(1)
        .stderr_has("151 nodes: a kina cluster has at most 100");
    for (value, says) in
        [("cpus: 1000", "cpus: must be a whole number from 1 to 64, not 1000"), ("memory: 2000T", "limit")]
    {
        world
            .kina_stdin(&["create", "cluster", "--config", "-"], &format!("{head}  {value}\n"))
            .code_is(1)
            .stderr_has(says);
    }
    assert!(world.fake_calls().is_empty());
}

#[test]
fn a_huge_value_is_not_echoed_whole() {
    let world = World::new();
    let name = "X".repeat(100_000);
    let run = world.kina(&["create", "cluster", "--name", &name]);
    run.code_is(1).stderr_has("is not a valid cluster name").stderr_has("bytes left out)");
    assert!(run.stderr().len() < 4_000, "{} bytes of stderr", run.stderr().len());
}
