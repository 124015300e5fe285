//! Host ports as Apple container binds them, and kina naming who holds a port before
//! it creates anything.

use std::net::TcpListener;

use crate::support::World;

const OVERLAP: &str = "Error: invalidArgument: \"host ports for different publish port specs may not overlap\"";
const IN_USE: &str = "Error: unknown: \"bind(descriptor:ptr:bytes:): Address already in use (errno: 48)\"";

/// A port nothing listens on right now.
fn free_port() -> u16 {
    TcpListener::bind("127.0.0.1:0").unwrap().local_addr().unwrap().port()
}

fn run(world: &World, name: &str, publish: &[String]) -> crate::support::Run {
    let mut argv = vec!["run", "-d", "--name", name];
    for p in publish {
        argv.extend(["-p", p.as_str()]);
    }
    argv.extend(["--progress", "none", "alpine"]);
    world.container(&argv)
}

#[test]
fn the_runtime_refuses_overlapping_and_taken_host_ports() {
    let world = World::new();
    world.container(&["image", "pull", "--progress", "none", "alpine"]).success();
    let port = free_port();
    // One run may not publish a host port twice, even on two addresses.
    run(&world, "twice", &[format!("127.0.0.1:{port}:80"), format!("127.0.0.2:{port}:81")])
        .code_is(1)
        .stderr_has(OVERLAP);
    assert!(world.container_names().is_empty());

    // A port another running container publishes: the bind fails and run removes what it made.
    run(&world, "first", &[format!("127.0.0.1:{port}:80")]).success();
    run(&world, "second", &[format!("0.0.0.0:{port}:80")]).code_is(1).stderr_has(IN_USE);
    assert_eq!(world.container_names(), ["first"]);
    world.container(&["create", "--name", "second", "-p", &format!("127.0.0.1:{port}:80"), "alpine"]).success();
    world.container(&["start", "second"]).code_is(1).stderr_has(IN_USE);
    world.container(&["stop", "first"]).success();
    world.container(&["start", "second"]).success();

    // A program on the Mac holding the port.
    let held = TcpListener::bind("127.0.0.1:0").unwrap();
    let taken = held.local_addr().unwrap().port();
    run(&world, "third", &[format!("127.0.0.1:{taken}:80")]).code_is(1).stderr_has(IN_USE);
    drop(held);
    run(&world, "third", &[format!("127.0.0.1:{taken}:80")]).success();
}

fn mapping_config(world: &World, file: &str, mappings: &[(&str, u16)]) -> String {
    let mut yaml = String::from(
        "kind: Cluster\napiVersion: kind.x-k8s.io/v1alpha4\nnodes:\n- role: control-plane\n  extraPortMappings:\n",
    );
    for (address, port) in mappings {
        yaml.push_str(&format!("  - containerPort: 80\n    hostPort: {port}\n    listenAddress: \"{address}\"\n"));
    }
    let path = world.path(file);
    std::fs::write(&path, yaml).unwrap();
    path.display().to_string()
}

#[test]
fn kina_names_the_cluster_or_program_holding_a_port_before_creating_anything() {
    let mut world = World::new();
    let port = free_port();
    let config = mapping_config(&world, "one.yaml", &[("127.0.0.1", port)]);
    world.kina(&["create", "cluster", "--name", "one", "--config", &config]).success();

    world.clear_fake_log();
    world
        .kina(&["create", "cluster", "--name", "two", "--config", &config])
        .code_is(1)
        .stderr_has(&format!(
            "host port 127.0.0.1:{port}/tcp is already published by node \"one-control-plane\" of cluster \"one\""
        ))
        .stderr_has("hint: choose another hostPort, or stop that cluster first (`kina stop cluster --name one`)");
    assert!(!world.fake_calls().iter().any(|c| c.starts_with("run ")), "{:?}", world.fake_calls());

    // Stopped, the cluster holds nothing; a program on the Mac still can.
    world.kina(&["stop", "cluster", "--name", "one"]).success();
    let held = TcpListener::bind(("127.0.0.1", port)).unwrap();
    world.clear_fake_log();
    world
        .kina(&["create", "cluster", "--name", "two", "--config", &config])
        .code_is(1)
        .stderr_has(&format!("host port 127.0.0.1:{port}/tcp is in use by "))
        .stderr_has(&format!(" (pid {}) on this Mac", std::process::id()))
        .stderr_has("hint: stop that program, or choose another hostPort");
    assert!(!world.fake_calls().iter().any(|c| c.starts_with("run ")), "{:?}", world.fake_calls());
    // When lsof does not see the holder (another user's program), kina says how to look.
    let bin = world.path("bin");
    std::fs::create_dir_all(&bin).unwrap();
    std::fs::write(bin.join("lsof"), "#!/bin/sh\nexit 1\n").unwrap();
    std::fs::set_permissions(bin.join("lsof"), std::os::unix::fs::PermissionsExt::from_mode(0o755)).unwrap();
    world.env("PATH", format!("{}:{}", bin.display(), std::env::var("PATH").unwrap()));
    let unnamed = world.kina(&["create", "cluster", "--name", "two", "--config", &config]);
    unnamed
        .code_is(1)
        .stderr_has(&format!("host port 127.0.0.1:{port}/tcp is in use by another program on this Mac"))
        .stderr_has(&format!("hint: see which program holds it with `lsof -nP -iTCP:{port}`"));
    drop(held);
    world.kina(&["create", "cluster", "--name", "two", "--config", &config]).success();
}

#[test]
fn kina_names_a_container_it_does_not_own_that_publishes_a_port() {
    // A registry VM, or any other container: the runtime's bind error would name neither.
    let world = World::new();
    let port = free_port();
    run(&world, "squatter", &[format!("127.0.0.1:{port}:80")]).success();
    let config = mapping_config(&world, "one.yaml", &[("0.0.0.0", port)]);
    world.clear_fake_log();
    world
        .kina(&["create", "cluster", "--config", &config])
        .code_is(1)
        .stderr_has(&format!(
            "host port 0.0.0.0:{port}/tcp is already published by container \"squatter\", which kina's clusters do not own"
        ))
        .stderr_has("hint: choose another hostPort, or stop that container first (`container stop squatter`");
    assert!(!world.fake_calls().iter().any(|c| c.starts_with("run ")), "{:?}", world.fake_calls());
}

#[test]
fn one_node_cannot_publish_a_host_port_on_two_addresses() {
    let world = World::new();
    let port = free_port();
    let config = mapping_config(&world, "twice.yaml", &[("127.0.0.1", port), ("127.0.0.2", port)]);
    world.kina(&["create", "cluster", "--config", &config]).code_is(1).stderr_has(&format!(
        "node \"kina-control-plane\" would publish one host port twice (127.0.0.1:{port}/tcp and 127.0.0.2:{port}/tcp)"
    ));
    assert!(!world.fake_calls().iter().any(|c| c.starts_with("run ")));
}
