//! Lifecycle benchmark against the fake `container` with injected per-call
//! latency. Reports, per scenario: `container` invocations, wall time, time
//! spent inside `container`, and kina's own overhead (the difference).
//!
//! Run: `cargo bench --features fake-container` (or `mise run bench`).
//! Set `KINA_BENCH_LATENCY_MS` (default 50) to change the injected latency.

#[path = "../tests/it/support.rs"]
#[allow(dead_code)]
mod support;

use std::time::{Duration, Instant};

use support::World;

struct Sample {
    scenario: String,
    calls: usize,
    list_calls: usize,
    wall: Duration,
    inside: Duration,
}

impl Sample {
    fn overhead(&self) -> Duration {
        self.wall.saturating_sub(self.inside)
    }
}

/// Runs `kina args` and reads the fake's log for what it cost.
fn measure(world: &World, scenario: &str, args: &[&str]) -> Sample {
    world.clear_fake_log();
    let started = Instant::now();
    let run = world.kina(args);
    let wall = started.elapsed();
    run.success();
    let calls = world.fake_log_lines();
    let inside: u64 = calls.iter().filter_map(|line| line.rsplit('\t').next()?.parse::<u64>().ok()).sum();
    Sample {
        scenario: scenario.to_string(),
        calls: calls.len(),
        list_calls: calls.iter().filter(|c| c.starts_with("list ")).count(),
        wall,
        inside: Duration::from_micros(inside),
    }
}

fn startup(iterations: usize) -> Duration {
    let mut times: Vec<Duration> = (0..iterations)
        .map(|_| {
            let started = Instant::now();
            let status = std::process::Command::new(support::KINA).arg("--version").output().unwrap().status;
            assert!(status.success());
            started.elapsed()
        })
        .collect();
    times.sort();
    times[iterations / 2]
}

fn main() {
    let latency: u64 = std::env::var("KINA_BENCH_LATENCY_MS").ok().and_then(|v| v.parse().ok()).unwrap_or(50);
    let mut world = World::new();
    world.env("KINA_FAKE_LATENCY_MS", latency.to_string());

    // Warm the image store so create measures the steady state, as on a Mac
    // that has pulled the node image once.
    world.kina(&["create", "cluster", "-n", "warmup"]).success();
    world.kina(&["delete", "cluster", "-n", "warmup"]).success();

    // kina's own node image (issue #13), built once by the fake's `container build`;
    // compared with kindest/node on the runtime's default network, and measured
    // with fixed addresses (macOS 26), where its init script gives the address.
    world.kina(&["build", "node-image"]).success();
    world.env("KINA_FIXED_ADDRESSES", "off");
    let kindest_default = measure(&world, "create cluster (default network)", &["create", "cluster", "-n", "plain"]);
    let kina_node = measure(
        &world,
        "create cluster on kina-node (default network)",
        &["create", "cluster", "-n", "baked", "--image", "kina-node:v1.35.5"],
    );
    world.kina(&["delete", "cluster", "-n", "baked"]).success();
    // A cluster on the default network, for a start that heals.
    world.kina(&["create", "cluster", "-n", "healed"]).success();
    world.remove_env("KINA_FIXED_ADDRESSES");
    world.kina(&["stop", "cluster", "-n", "healed"]).success();
    let healed =
        measure(&world, "start cluster (default network: new IP, healed)", &["start", "cluster", "-n", "healed"]);
    world.kina(&["delete", "cluster", "-n", "healed"]).success();
    world.kina(&["delete", "cluster", "-n", "plain"]).success();
    let kina_node_fixed = measure(
        &world,
        "create cluster on kina-node (fixed address)",
        &["create", "cluster", "-n", "baked", "--image", "kina-node:v1.35.5"],
    );
    world.kina(&["delete", "cluster", "-n", "baked"]).success();

    let mut samples = vec![
        measure(&world, "create cluster", &["create", "cluster"]),
        measure(&world, "create cluster --wait 1m", &["create", "cluster", "-n", "waited", "--wait", "1m"]),
        measure(
            &world,
            "create cluster --workers 2 (3 nodes)",
            &["create", "cluster", "-n", "three", "--workers", "2"],
        ),
        measure(&world, "get clusters (2 clusters)", &["get", "clusters"]),
        measure(&world, "list (2 clusters)", &["list"]),
    ];
    for name in ["c3", "c4", "c5", "c6", "c7", "c8"] {
        world.kina(&["create", "cluster", "-n", name]).success();
    }
    samples.push(measure(&world, "get clusters (8 clusters)", &["get", "clusters"]));
    samples.push(measure(&world, "list (8 clusters)", &["list"]));
    samples.push(measure(&world, "get kubeconfig", &["get", "kubeconfig"]));
    let mirror = concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/addons");
    world.env("KINA_ADDON_MIRROR", mirror);
    samples.push(measure(&world, "install load-balancer", &["install", "load-balancer"]));
    samples.push(measure(&world, "install metrics-server (from a mirror dir)", &["install", "metrics-server"]));
    samples.push(measure(&world, "install metrics-server (again, cached)", &["install", "metrics-server"]));
    samples.push(measure(&world, "install --list", &["install", "--list"]));
    world.kina(&["stop", "cluster"]).success();
    let fixed = measure(&world, "start cluster (fixed addresses)", &["start", "cluster"]);
    samples.push(fixed);
    samples.push(healed);
    samples.push(measure(&world, "start cluster (already running)", &["start", "cluster"]));
    samples.push(measure(&world, "stop cluster", &["stop", "cluster"]));
    samples.push(measure(&world, "delete cluster", &["delete", "cluster"]));
    samples.push(measure(&world, "delete cluster (3 nodes)", &["delete", "cluster", "-n", "three"]));
    samples.push(kindest_default);
    samples.push(kina_node_fixed);
    samples.push(kina_node);

    println!("kina lifecycle benchmark, fake `container` with {latency} ms injected per call\n");
    println!("| scenario | container calls | list calls | wall | inside container | kina overhead |");
    println!("|---|---:|---:|---:|---:|---:|");
    for s in &samples {
        println!(
            "| {} | {} | {} | {} ms | {} ms | {} ms |",
            s.scenario,
            s.calls,
            s.list_calls,
            s.wall.as_millis(),
            s.inside.as_millis(),
            s.overhead().as_millis()
        );
    }
    let version = startup(41);
    println!("\n`kina --version` start-up (median of 41): {:.2} ms", version.as_secs_f64() * 1000.0);

    let create = &samples[0];
    let three = &samples[2];
    let find = |prefix: &str| samples.iter().find(|s| s.scenario.starts_with(prefix)).expect(prefix);
    let (fixed, healed) = (find("start cluster (fixed"), find("start cluster (default network"));
    let kindest_default = find("create cluster (default network)");
    let ratio = three.wall.as_secs_f64() / create.wall.as_secs_f64();
    println!("3-node create / single-node create wall time: {ratio:.2}×");
    let checks = [
        ("3-node create ≤ 1.3 × single-node create", ratio <= 1.3),
        ("single-node create ≤ 16 container calls", create.calls <= 16),
        (
            "single-node create on kindest/node ≤ 15 container calls on the default network, as before kina-node (issue #13)",
            kindest_default.calls <= 15,
        ),
        (
            "single-node create on kina-node ≤ 9 container calls, with a fixed address (issue #13)",
            find("create cluster on kina-node (fixed address)").calls <= 9,
        ),
        (
            "single-node create on kina-node makes fewer calls than on kindest/node (default network)",
            samples.last().is_some_and(|s| s.calls < kindest_default.calls),
        ),
        (
            "single-node start with fixed addresses ≤ half the calls of a healing start (issue #15)",
            fixed.calls * 2 <= healed.calls,
        ),
        ("single-node create overhead ≤ 300 ms", create.overhead() <= Duration::from_millis(300)),
        (
            "get clusters / list: exactly one list call",
            samples
                .iter()
                .filter(|s| s.scenario.starts_with("get clusters") || s.scenario.starts_with("list"))
                .all(|s| s.list_calls == 1 && s.calls == 1),
        ),
        ("kina --version ≤ 5 ms", version <= Duration::from_millis(5)),
    ];
    println!();
    for (what, ok) in checks {
        println!("{} {what}", if ok { "PASS" } else { "MISS" });
    }
}
