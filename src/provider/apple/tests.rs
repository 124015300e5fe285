//! Provider logic against a scripted runner: which `container` calls are
//! made, in what order, and how their results are read.

use super::*;
use crate::exec::Output;
use crate::exec::scripted::ScriptedRunner;
use crate::provider::{NodeCommand, NodeHandle, StreamSource};

const V122: &str = "container CLI version 1.2.2 (build: release, commit: 0190097)\n";

fn provider(runner: ScriptedRunner) -> AppleContainer<ScriptedRunner> {
    AppleContainer::with_runner(runner, PathBuf::from("/usr/local/bin/container"), "container".into())
}

#[tokio::test(flavor = "current_thread")]
async fn preflight_checks_version_then_service() {
    let runner = ScriptedRunner::new();
    let status =
        r#"{"apiServerAppName":"container-apiserver","appRoot":"\/nonexistent\/app-root\/","status":"running"}"#;
    runner.expect(&["--version"], 0, V122, "").expect(&["system", "status", "--format", "json"], 0, status, "");
    let info = provider(runner).preflight(Purpose::CreateNodes).await.unwrap();
    assert_eq!(info.version.as_deref(), Some("1.2.2"));
    assert_eq!(info.warning, None);
    assert_eq!(info.missing_kernel, None, "an app root kina cannot see says nothing");
}

/// A fresh 1.5.0 install: the app root exists, `kernels/default.kernel-arm64` does not.
#[tokio::test(flavor = "current_thread")]
async fn preflight_finds_a_missing_default_kernel_in_either_status_shape() {
    let root = tempfile::tempdir().unwrap();
    let escaped = root.path().display().to_string().replace('/', "\\/");
    let flat = format!(r#"{{"appRoot":"{escaped}\/","status":"running"}}"#);
    let nested = format!(
        r#"{{"paths":{{"appRoot":"{}/","installRoot":"/usr/local/"}},"server":{{"version":"1.5.0"}},"status":"running"}}"#,
        root.path().display()
    );
    let v150 = "container CLI version 1.5.0 (build: release, commit: 0190097)\n";
    for (version, status) in [(V122, flat), (v150, nested)] {
        let runner = ScriptedRunner::new();
        runner.expect(&["--version"], 0, version, "").expect(&["system", "status", "--format", "json"], 0, &status, "");
        let info = provider(runner).preflight(Purpose::CreateNodes).await.unwrap();
        let link = root.path().join("kernels/default.kernel-arm64");
        assert_eq!(info.missing_kernel.as_deref(), Some(link.as_path()), "{status}");
    }
    std::fs::create_dir_all(root.path().join("kernels")).unwrap();
    std::fs::write(root.path().join("kernels/default.kernel-arm64"), "").unwrap();
    assert_eq!(missing_default_kernel(root.path()), None);
}

#[tokio::test(flavor = "current_thread")]
async fn managing_existing_nodes_only_needs_the_service() {
    let runner = ScriptedRunner::new();
    runner.expect(&["system", "status"], 0, "status running\n", "");
    let info = provider(runner).preflight(Purpose::ManageNodes).await.unwrap();
    assert_eq!(info.version, None);
}

#[tokio::test(flavor = "current_thread")]
async fn only_connected_nodes_ask_whether_nodes_reach_each_other() {
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, V122, "").expect(&["system", "status", "--format", "json"], 0, "{}\n", "").expect(
        &["network", "list", "--format", "json"],
        1,
        "",
        "Error: unknown command 'network'\n",
    );
    let p = provider(runner);
    let info = p.preflight(Purpose::CreateConnectedNodes).await.unwrap();
    assert_eq!(info.nodes_reach_each_other, Some(false));
}

/// On macOS 26 the same call lists the networks a create picks its subnet from;
/// a listing that does not read leaves that to a second listing, which reports it.
#[tokio::test(flavor = "current_thread")]
async fn a_connected_preflight_keeps_the_network_listing() {
    let listing = r#"[{"configuration":{"name":"default"},"id":"default","status":{"ipv4Subnet":"192.168.64.0/24"}}]"#;
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, V122, "").expect(&["system", "status", "--format", "json"], 0, "{}\n", "").expect(
        &["network", "list", "--format", "json"],
        0,
        listing,
        "",
    );
    let info = provider(runner).preflight(Purpose::CreateConnectedNodes).await.unwrap();
    assert_eq!(info.nodes_reach_each_other, Some(true));
    let networks = info.networks.unwrap();
    assert_eq!(
        (networks[0].name.as_str(), networks[0].subnet.unwrap().to_string()),
        ("default", "192.168.64.0/24".into())
    );

    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, V122, "").expect(&["system", "status", "--format", "json"], 0, "{}\n", "").expect(
        &["network", "list", "--format", "json"],
        0,
        "not json",
        "",
    );
    let info = provider(runner).preflight(Purpose::CreateConnectedNodes).await.unwrap();
    assert_eq!((info.nodes_reach_each_other, info.networks), (Some(true), None));
}

#[tokio::test(flavor = "current_thread")]
async fn a_single_node_preflight_does_not_ask_about_the_network() {
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, V122, "").expect(&["system", "status", "--format", "json"], 0, "{}\n", "");
    let info = provider(runner).preflight(Purpose::CreateNodes).await.unwrap();
    assert_eq!(info.nodes_reach_each_other, None);
}

#[tokio::test(flavor = "current_thread")]
async fn preflight_refuses_1_2_0_before_touching_the_service() {
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, "container CLI version 1.2.0 (build: release, commit: abc)\n", "");
    let err = provider(runner).preflight(Purpose::CreateNodes).await.unwrap_err();
    assert!(matches!(err.runtime_error(), Some(AppleError::UnsupportedVersion { .. })), "{err}");
    assert!(err.hint().unwrap().contains("1.2.1"));
}

#[tokio::test(flavor = "current_thread")]
async fn preflight_reports_a_stopped_service_with_the_start_hint() {
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, V122, "").expect(
        &["system", "status", "--format", "json"],
        1,
        "apiserver is not running and not registered with launchd\n",
        "",
    );
    let err = provider(runner).preflight(Purpose::CreateNodes).await.unwrap_err();
    assert!(matches!(err.runtime_error(), Some(AppleError::ServiceDown { .. })));
    assert!(err.hint().unwrap().contains("container system start"));
}

#[tokio::test(flavor = "current_thread")]
async fn list_keeps_only_kina_nodes_and_reads_endpoints() {
    let runner = ScriptedRunner::new();
    let list =
        std::fs::read_to_string(concat!(env!("CARGO_MANIFEST_DIR"), "/tests/fixtures/container/list-1.2.2.json"))
            .unwrap();
    runner.expect(&["list", "--all", "--format", "json"], 0, &list, "");
    let nodes = provider(runner).list_nodes().await.unwrap();
    let names: Vec<_> = nodes.iter().map(|n| n.name.as_str()).collect();
    assert_eq!(names, ["kina-control-plane", "dev-control-plane"], "buildkit is not a kina node");
    assert_eq!(nodes[0].api_server_endpoint.as_deref(), Some("127.0.0.1:6445"));
    assert_eq!(nodes[0].role, "control-plane".parse().ok());
    assert!(!nodes[1].is_running());
}

#[tokio::test(flavor = "current_thread")]
async fn failed_list_is_explained_by_the_service_state() {
    let runner = ScriptedRunner::new();
    runner
        .expect(&["list", "--all", "--format", "json"], 1, "", "Error: internalError: \"failed to list containers\"\n")
        .expect(&["system", "status"], 1, "apiserver is not running\n", "");
    let err = provider(runner).list_nodes().await.unwrap_err();
    assert!(matches!(err.runtime_error(), Some(AppleError::ServiceDown { .. })), "{err}");
}

#[tokio::test(flavor = "current_thread")]
async fn unreadable_list_names_field_and_version() {
    let runner = ScriptedRunner::new();
    runner
        .expect(&["list", "--all", "--format", "json"], 0, r#"[{"configuration":{"id":"x"},"status":7}]"#, "")
        .expect(&["--version"], 0, V122, "");
    let err = provider(runner).list_nodes().await.unwrap_err();
    let text = format!("{:#}", anyhow::Error::new(err));
    assert!(text.contains("Apple container 1.2.2"), "{text}");
    assert!(text.contains("[0].status"), "{text}");
}

#[tokio::test(flavor = "current_thread")]
async fn pull_only_when_the_image_is_missing() {
    let runner = ScriptedRunner::new();
    runner
        .expect(&["image", "inspect", "kindest/node:v1.35.5"], 1, "", "Error: image not found: kindest/node:v1.35.5\n")
        .expect(&["image", "pull", "--progress", "none", "kindest/node:v1.35.5"], 0, "", "");
    let p = provider(runner);
    assert_eq!(p.image_id("kindest/node:v1.35.5").await.unwrap(), None);
    p.pull_image("kindest/node:v1.35.5", false).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn create_node_uses_path_flags_by_version() {
    let runner = ScriptedRunner::new();
    let spec = NodeSpec::bare_control_plane("kindest/node:v1.35.5");
    let expected = run_args::run_args(&spec, Features { clear_default_paths: false });
    let expected: Vec<&str> = expected.iter().map(String::as_str).collect();
    runner.expect(&["--version"], 0, "container CLI version 1.1.0 (build: release)\n", "").expect(
        &expected,
        0,
        "kina-control-plane\n",
        "",
    );
    provider(runner).create_node(&spec).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn exec_passes_stdin_with_dash_i_only() {
    let runner = ScriptedRunner::new();
    runner.expect(&["exec", "n", "cat", "/kind/version"], 0, "v1.35.5\n", "").expect(
        &["exec", "-i", "n", "cp", "/dev/stdin", "/kind/kubeadm.conf"],
        0,
        "",
        "",
    );
    let p = provider(runner);
    p.node("n").run_checked(&NodeCommand::new(["cat", "/kind/version"])).await.unwrap();
    p.node("n").run_checked(&NodeCommand::new(["cp", "/dev/stdin", "/kind/kubeadm.conf"]).stdin("x")).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn delete_tolerates_nodes_that_are_already_gone() {
    let runner = ScriptedRunner::new();
    runner
        .expect(&["delete", "--force", "a", "b"], 1, "", "Error: internalError: \"failed to delete container\"\n")
        .expect(&["list", "--all", "--format", "json"], 0, "[]", "");
    provider(runner).delete_nodes(&["a".into(), "b".into()]).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn delete_reports_nodes_that_survive() {
    let runner = ScriptedRunner::new();
    let still_there =
        r#"[{"configuration":{"id":"a","labels":{"io.kina.cluster":"k"}},"status":{"state":"running","networks":[]}}]"#;
    runner.expect(&["delete", "--force", "a"], 1, "", "Error: boom\n").expect(
        &["list", "--all", "--format", "json"],
        0,
        still_there,
        "",
    );
    let err = provider(runner).delete_nodes(&["a".into()]).await.unwrap_err();
    assert!(err.to_string().contains("container delete --force a"), "{err}");
}

const IMPORT: [&str; 9] = ["exec", "-i", "n", "ctr", "--namespace", "k8s.io", "images", "import", "-"];

fn import() -> NodeCommand {
    NodeCommand::new(["ctr", "--namespace", "k8s.io", "images", "import", "-"])
}

fn piped(source: Option<Output>, consumer: Output) -> crate::exec::PipelineOutput {
    crate::exec::PipelineOutput { source, consumer }
}

fn out(code: i32, stdout: &str, stderr: &str) -> Output {
    Output { code, stdout: stdout.into(), stderr: stderr.into() }
}

#[tokio::test(flavor = "current_thread")]
async fn image_id_reads_the_store_digest_and_absence_is_none() {
    let runner = ScriptedRunner::new();
    let found = r#"[{"id":"abc","configuration":{"descriptor":{"digest":"sha256:abc"},"name":"docker.io/library/foo:latest"}}]"#;
    runner.expect(&["image", "inspect", "foo:latest"], 0, found, "").expect(
        &["image", "inspect", "bar"],
        1,
        "",
        "Error: image not found: bar\n",
    );
    let p = provider(runner);
    assert_eq!(p.image_id("foo:latest").await.unwrap().as_deref(), Some("sha256:abc"));
    assert_eq!(p.image_id("bar").await.unwrap(), None);
}

#[tokio::test(flavor = "current_thread")]
async fn node_platform_comes_from_the_vm_record() {
    let runner = ScriptedRunner::new();
    let inspect = std::fs::read_to_string(concat!(
        env!("CARGO_MANIFEST_DIR"),
        "/tests/fixtures/container/inspect-1.2.2-running.json"
    ))
    .unwrap();
    runner.expect(&["inspect", "kina-control-plane"], 0, &inspect, "");
    assert_eq!(provider(runner).node("kina-control-plane").platform().await.unwrap(), "linux/arm64");
}

#[tokio::test(flavor = "current_thread")]
async fn saved_images_stream_from_stdout_into_exec_dash_i() {
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, V122, "").expect_pipeline(
        &["image", "save", "--platform", "linux/arm64", "foo:latest", "bar:1"],
        &IMPORT,
        piped(Some(out(0, "", "")), out(0, "unpacking docker.io/library/foo:latest ...done\n", "")),
    );
    let source =
        StreamSource::SavedImages { images: vec!["foo:latest".into(), "bar:1".into()], platform: "linux/arm64".into() };
    let output = provider(runner).node("n").run_streamed(&import(), &source).await.unwrap();
    assert!(output.stdout.starts_with("unpacking"));
}

#[tokio::test(flavor = "current_thread")]
async fn archives_stream_from_the_file() {
    let runner = ScriptedRunner::new();
    runner.expect_pipeline(&["<", "/Users/me/app.tar"], &IMPORT, piped(None, out(0, "", "")));
    let source = StreamSource::File("/Users/me/app.tar".into());
    provider(runner).node("n").run_streamed(&import(), &source).await.unwrap();
}

#[tokio::test(flavor = "current_thread")]
async fn a_failed_save_is_the_error_not_the_import_it_starved() {
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, V122, "").expect_pipeline(
        &["image", "save", "--platform", "linux/amd64", "foo:latest"],
        &IMPORT,
        piped(
            Some(out(1, "", "Error: image foo:latest has no content for platform linux/amd64\n")),
            out(1, "", "ctr: unexpected EOF\n"),
        ),
    );
    let source = StreamSource::SavedImages { images: vec!["foo:latest".into()], platform: "linux/amd64".into() };
    let err = provider(runner).node("n").run_streamed(&import(), &source).await.unwrap_err();
    assert_eq!(
        err.to_string(),
        "command \"container image save --platform linux/amd64 foo:latest\" failed with exit code 1\n\
         Command Output: Error: image foo:latest has no content for platform linux/amd64"
    );
}

#[tokio::test(flavor = "current_thread")]
async fn releases_before_1_1_0_are_refused_before_saving() {
    let runner = ScriptedRunner::new();
    runner.expect(&["--version"], 0, "container CLI version 1.0.1 (build: release, commit: abc)\n", "");
    let source = StreamSource::SavedImages { images: vec!["foo:latest".into()], platform: "linux/arm64".into() };
    let err = provider(runner).node("n").run_streamed(&import(), &source).await.unwrap_err();
    assert!(matches!(err.runtime_error(), Some(AppleError::UnsupportedVersion { .. })), "{err}");
    assert!(err.to_string().contains("1.1.0 or newer"), "{err}");
    assert!(err.hint().unwrap().contains("upgrade"), "{err}");
}
