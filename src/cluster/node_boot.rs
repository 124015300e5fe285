//! What every node VM needs after each boot, at create and at start: wait
//! for containerd, then the runtime settings of `images/node/runtime-settings.sh`.

use std::time::Duration;

use anyhow::{Context as _, bail};

use crate::exec::{ExecError, Output};
use crate::kubeadm::KubeVersion;
use crate::node_image::{Baked, ImageManifest};
use crate::provider::{NodeCommand, NodeHandle, NodeState, Provider, ProviderError};

/// Apple's plugin allows a node this long to boot.
pub(crate) const BOOT_TIMEOUT: Duration = Duration::from_secs(240);

/// Runtime settings every node needs after each boot, all idempotent:
/// forwarding for pods, no TSO/GSO (vmnet stalls large TCP transfers
/// between VMs), and an MSS clamp for the 1280-byte MTU. A constant script,
/// the same file the kina-node image runs at every boot (images/node/).
pub(crate) const RUNTIME_SETTINGS: &str = include_str!("../../images/node/runtime-settings.sh");

/// Polled until containerd's socket exists (`test` fails silently until
/// then); once it does, the same call reports the image's Kubernetes version
/// and, from a kina-node image, its manifest and kindnet's template (which
/// kina renders for the image's one-exec control-plane init): what it has
/// baked in costs no extra call, and a kindest/node answers with its version
/// alone.
const BOOT_PROBE: &str = "set -e
test -S /run/containerd/containerd.sock
cat /kind/version
if [ -f /kina/image.json ]; then
cat /kina/image.json
cat /kind/manifests/default-cni.yaml 2>/dev/null || true
fi
";

/// What a booted node's image holds.
#[derive(Debug, Clone)]
pub(crate) struct BootReport {
    /// `/kind/version`: a node's kubeadm config must be in an API its own kubeadm reads.
    pub kubernetes_version: KubeVersion,
    /// `/kina/image.json`, on kina-node images only.
    pub manifest: Option<ImageManifest>,
    /// `/kind/manifests/default-cni.yaml`, read with the manifest on
    /// kina-node images (None if the image has none).
    pub cni_template: Option<String>,
}

impl BootReport {
    pub(crate) fn parse(stdout: &str) -> anyhow::Result<BootReport> {
        let (first, rest) = stdout.split_once('\n').unwrap_or((stdout, ""));
        let kubernetes_version = KubeVersion::parse(first)
            .with_context(|| format!("node image reported {first:?} in /kind/version, not a Kubernetes version"))?;
        if rest.trim().is_empty() {
            return Ok(BootReport { kubernetes_version, manifest: None, cni_template: None });
        }
        let (manifest, after) = ImageManifest::parse_prefix(rest)?;
        let template = after.strip_prefix('\n').unwrap_or(after);
        let cni_template = (!template.trim().is_empty()).then(|| template.to_string());
        Ok(BootReport { kubernetes_version, manifest: Some(manifest), cni_template })
    }

    /// Whether the image applies this step itself.
    pub(crate) fn has_baked(&self, step: Baked) -> bool {
        self.manifest.as_ref().is_some_and(|m| m.has(step))
    }
}

/// Applies [`RUNTIME_SETTINGS`] in a node, unless its image runs them at boot.
pub(crate) async fn apply_runtime_settings<P: Provider>(
    provider: &P,
    node: &str,
    report: &BootReport,
) -> anyhow::Result<()> {
    if report.has_baked(Baked::RuntimeSettings) {
        return Ok(());
    }
    let settings = NodeCommand::new(["sh", "-c", RUNTIME_SETTINGS]);
    provider.node(node).run_checked(&settings).await?;
    Ok(())
}

/// How many times in a row a running node may answer the boot probe with an
/// error of its own before kina stops taking it for a node still booting.
const BROKEN_EXEC_LIMIT: u32 = 3;

/// Polls with backoff until containerd's socket exists in the node; then
/// what the node's image holds. A booting node answers with a silent failure
/// (`test -S` is false) or not in time; a running node whose every exec fails
/// with the same error is broken, and that error is reported at once.
pub(crate) async fn wait_for_containerd<P: Provider>(
    provider: &P,
    node: &str,
    timeout: Duration,
) -> anyhow::Result<BootReport> {
    debug_assert!(BOOT_PROBE.contains(crate::node::paths::CONTAINERD_SOCKET));
    debug_assert!(BOOT_PROBE.contains(crate::node::paths::KUBERNETES_VERSION));
    let probe = NodeCommand::new(["sh", "-c", BOOT_PROBE]).timeout(Duration::from_secs(10));
    let mut backoff = crate::backoff::Backoff::new(timeout);
    let mut broken: Option<(u32, String)> = None;
    loop {
        let output = match provider.node(node).run(&probe).await {
            Ok(output) => output,
            // A VM still booting may not answer within the probe's limit: poll again.
            Err(ProviderError::Exec(ExecError::TimedOut { .. })) => Output { code: 124, ..Output::default() },
            Err(err) => return Err(err.into()),
        };
        if output.success() {
            return BootReport::parse(&output.stdout);
        }
        let stderr = output.stderr.trim();
        if stderr.is_empty() {
            broken = None;
        } else {
            // `test` is silent; the exec itself failed. Did the VM stop?
            let state = provider.node(node).inspect().await?.state;
            if state != NodeState::Running {
                bail!("node {node} stopped while booting (state: {state}): {stderr}; see `container logs {node}`");
            }
            let count = match &broken {
                Some((count, previous)) if previous == stderr => count + 1,
                _ => 1,
            };
            if count >= BROKEN_EXEC_LIMIT {
                bail!(
                    "node {node} is running but cannot run commands: `container exec {node} sh -c …` failed \
                     {count} times with: {stderr}; see `container logs {node}`"
                );
            }
            broken = Some((count, stderr.to_string()));
        }
        if !backoff.next().await {
            bail!(
                "node {node} did not boot within {}s: containerd socket not present; see `container logs {node}`",
                timeout.as_secs()
            );
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_kindest_node_reports_its_version_alone() {
        let report = BootReport::parse("v1.35.5\n").unwrap();
        assert_eq!(report.kubernetes_version.to_string(), "v1.35.5");
        assert!(report.manifest.is_none());
        assert!(!report.has_baked(Baked::RuntimeSettings));
    }

    #[test]
    fn a_kina_node_image_reports_what_it_baked_in() {
        let stdout = "v1.36.4\n{\"schema\":1,\"imageVersion\":\"0.1.0\",\"kubernetesVersion\":\"v1.36.4\",\"baseImage\":\"b\",\"baked\":[\"runtime-settings\"]}\n";
        let report = BootReport::parse(stdout).unwrap();
        assert!(report.has_baked(Baked::RuntimeSettings));
        assert!(!report.has_baked(Baked::InitControlPlane));
        assert!(report.cni_template.is_none(), "an image without kindnet's template");
    }

    #[test]
    fn a_kina_node_image_sends_kindnets_template_after_its_manifest() {
        let stdout = "v1.36.4\n{\n  \"schema\": 1,\n  \"imageVersion\": \"0.1.0\",\n  \"kubernetesVersion\": \"v1.36.4\",\n  \"baseImage\": \"b\",\n  \"baked\": [\"runtime-settings\", \"init-control-plane\"]\n}\n# would you kindly template this file\nkind: DaemonSet\n";
        let report = BootReport::parse(stdout).unwrap();
        assert!(report.has_baked(Baked::InitControlPlane));
        assert_eq!(report.cni_template.as_deref(), Some("# would you kindly template this file\nkind: DaemonSet\n"));
    }

    #[test]
    fn a_broken_manifest_or_version_is_an_error_not_a_guess() {
        assert!(BootReport::parse("v1.36.4\n{not json\n").is_err());
        assert!(BootReport::parse("latest\n").is_err());
        assert!(BootReport::parse("").is_err());
    }
}
