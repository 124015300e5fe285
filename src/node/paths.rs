//! Files of the kindest/node image that kina reads or writes.

/// kubeadm's configuration for this node; the image's entrypoint also reads it
/// to regenerate certificates after the VM's address changed.
pub(crate) const KUBEADM_CONF: &str = "/kind/kubeadm.conf";
/// The image's Kubernetes version (`v1.35.5`).
pub(crate) const KUBERNETES_VERSION: &str = "/kind/version";
/// kind's default CNI (kindnet), a template.
pub(crate) const DEFAULT_CNI_MANIFEST: &str = "/kind/manifests/default-cni.yaml";
/// kind's default StorageClass (`standard`, local-path-provisioner).
pub(crate) const DEFAULT_STORAGE_MANIFEST: &str = "/kind/manifests/default-storage.yaml";
/// kubeadm writes it on the first control-plane node.
pub(crate) const ADMIN_CONF: &str = "/etc/kubernetes/admin.conf";
/// The kubelet's kubeconfig (on a worker, written by `kubeadm join`).
pub(crate) const KUBELET_CONF: &str = "/etc/kubernetes/kubelet.conf";
pub(crate) const CONTAINERD_CONFIG: &str = "/etc/containerd/config.toml";
/// Present once containerd serves, which is when the node has booted.
pub(crate) const CONTAINERD_SOCKET: &str = "/run/containerd/containerd.sock";
