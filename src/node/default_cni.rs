//! kind's default CNI manifest from the node image (kindnet): a template that
//! kind fills at create, and `kina install kindnet` fills the same way.

use anyhow::{Context as _, bail};
use serde_json::{Value, json};

use crate::yaml;

const TEMPLATE_MARKER: &str = "would you kindly template this file";
const PATCH_MARKER: &str = "would you kindly patch this file";

/// Fills kind's template fields and, where asked, tells kindnet where the
/// API server is so it does not wait for kube-proxy.
pub(crate) fn render(manifest: &str, pod_subnet: &str, api_server: &str) -> anyhow::Result<String> {
    let mut text = manifest.to_string();
    if text.contains(TEMPLATE_MARKER) {
        text = text.replace("{{ .PodSubnet }}", pod_subnet).replace("{{.PodSubnet}}", pod_subnet);
        if let Some(at) = text.find("{{") {
            let field: String = text[at..].chars().take_while(|c| *c != '\n').collect();
            bail!("the node image's CNI manifest uses a template field kina does not know: {field}");
        }
    }
    if !text.contains(PATCH_MARKER) {
        return Ok(text);
    }
    let mut docs: Vec<Value> = yaml::from_multiple(&text).context("CNI manifest is not valid YAML")?;
    for doc in docs.iter_mut().filter(|d| d["kind"] == "DaemonSet") {
        let Some(containers) = doc.pointer_mut("/spec/template/spec/containers").and_then(Value::as_array_mut) else {
            continue;
        };
        for container in containers {
            let env = container.as_object_mut().map(|c| c.entry("env").or_insert_with(|| json!([])));
            if let Some(Value::Array(env)) = env {
                env.retain(|e| e["name"] != "CONTROL_PLANE_ENDPOINT");
                env.push(json!({"name": "CONTROL_PLANE_ENDPOINT", "value": api_server}));
            }
        }
    }
    Ok(yaml::to_string_multiple(&docs)?)
}

#[cfg(test)]
mod tests {
    use super::*;

    const KINDNET: &str = r#"# would you kindly template this file
# would you kindly patch this file
apiVersion: v1
kind: ServiceAccount
metadata:
  name: kindnet
  namespace: kube-system
---
apiVersion: apps/v1
kind: DaemonSet
metadata:
  name: kindnet
  namespace: kube-system
spec:
  template:
    spec:
      containers:
      - name: kindnet-cni
        image: docker.io/kindest/kindnetd:v20260528-9350166c
        env:
        - name: POD_SUBNET
          value: "{{ .PodSubnet }}"
"#;

    #[test]
    fn templates_subnet_and_patches_endpoint() {
        let out = render(KINDNET, "10.244.0.0/16", "192.168.64.3:6443").unwrap();
        let docs: Vec<Value> = yaml::from_multiple(&out).unwrap();
        assert_eq!(docs.len(), 2);
        let env = &docs[1]["spec"]["template"]["spec"]["containers"][0]["env"];
        assert_eq!(
            env,
            &json!([
                {"name": "POD_SUBNET", "value": "10.244.0.0/16"},
                {"name": "CONTROL_PLANE_ENDPOINT", "value": "192.168.64.3:6443"}
            ])
        );
    }

    #[test]
    fn leaves_unmarked_manifests_alone() {
        let plain = "apiVersion: v1\nkind: ConfigMap\nmetadata:\n  name: x\ndata:\n  a: \"{{ .PodSubnet }}\"\n";
        assert_eq!(render(plain, "10.244.0.0/16", "x:6443").unwrap(), plain);
    }

    #[test]
    fn unknown_template_fields_are_errors() {
        let text = "# would you kindly template this file\nvalue: \"{{ .Unknown }}\"\n";
        let err = render(text, "10.244.0.0/16", "x:6443").unwrap_err().to_string();
        assert!(err.contains("{{ .Unknown }}"), "{err}");
    }
}
