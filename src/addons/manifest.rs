//! Small, checked edits to upstream manifests before they are applied, so
//! kina never needs a second `kubectl patch` (and a second rollout).

use serde_json::{Value, json};

use super::AddonError;
use crate::yaml;

pub(crate) struct Manifest {
    addon: &'static str,
    docs: Vec<Value>,
}

impl Manifest {
    pub(crate) fn parse(addon: &'static str, text: &str) -> Result<Self, AddonError> {
        let docs: Vec<Value> =
            yaml::from_multiple(text).map_err(|e| AddonError::Layout { addon, what: format!("valid YAML ({e})") })?;
        Ok(Manifest { addon, docs })
    }

    /// Adds the documents of `text` (kina's own objects) after upstream's.
    pub(crate) fn extend(&mut self, text: &str) -> Result<(), AddonError> {
        let mut more = Manifest::parse(self.addon, text)?;
        self.docs.append(&mut more.docs);
        Ok(())
    }

    pub(crate) fn render(&self) -> String {
        yaml::to_string_multiple(&self.docs).expect("JSON values render as YAML")
    }

    /// Keeps the documents `keep` says yes to.
    pub(crate) fn retain(&mut self, keep: impl Fn(&Value) -> bool) {
        self.docs.retain(keep);
    }

    /// Every object, in order.
    pub(crate) fn objects_mut(&mut self) -> impl Iterator<Item = &mut Value> {
        self.docs.iter_mut().filter(|d| d.is_object())
    }

    /// The object of `kind` named `name`, or a layout error.
    pub(crate) fn object(&mut self, kind: &str, name: &str) -> Result<&mut Value, AddonError> {
        let addon = self.addon;
        self.docs
            .iter_mut()
            .find(|d| d["kind"] == kind && d["metadata"]["name"] == name)
            .ok_or_else(|| AddonError::Layout { addon, what: format!("{kind} {name}") })
    }

    /// A container of a workload (Deployment, DaemonSet) by name.
    pub(crate) fn container(&mut self, kind: &str, name: &str, container: &str) -> Result<&mut Value, AddonError> {
        let addon = self.addon;
        self.object(kind, name)?
            .pointer_mut("/spec/template/spec/containers")
            .and_then(Value::as_array_mut)
            .and_then(|cs| cs.iter_mut().find(|c| c["name"] == container))
            .ok_or_else(|| AddonError::Layout { addon, what: format!("container {container} in {kind} {name}") })
    }
}

/// Adds `arg` to a container's args unless it is there.
pub(super) fn add_arg(container: &mut Value, arg: &str) {
    let args = container.as_object_mut().map(|c| c.entry("args").or_insert_with(|| json!([])));
    if let Some(Value::Array(args)) = args
        && !args.iter().any(|a| a == arg)
    {
        args.push(json!(arg));
    }
}

/// Sets (or adds) an environment variable on a container.
pub(super) fn set_env(container: &mut Value, name: &str, value: &str) {
    let env = container.as_object_mut().map(|c| c.entry("env").or_insert_with(|| json!([])));
    if let Some(Value::Array(env)) = env {
        env.retain(|e| e["name"] != name);
        env.push(json!({"name": name, "value": value}));
    }
}

pub(super) fn annotate(object: &mut Value, key: &str, value: &str) {
    if !object["metadata"]["annotations"].is_object() {
        object["metadata"]["annotations"] = json!({});
    }
    object["metadata"]["annotations"][key] = json!(value);
}

#[cfg(test)]
mod tests {
    use super::*;

    const DEPLOY: &str = "apiVersion: v1\nkind: Namespace\nmetadata:\n  name: x\n---\napiVersion: apps/v1\nkind: Deployment\nmetadata:\n  name: d\n  namespace: x\nspec:\n  template:\n    spec:\n      containers:\n      - name: c\n        args: [--a]\n";

    #[test]
    fn args_and_env_are_added_once() {
        let mut m = Manifest::parse("t", DEPLOY).unwrap();
        let c = m.container("Deployment", "d", "c").unwrap();
        add_arg(c, "--b");
        add_arg(c, "--b");
        set_env(c, "K", "1");
        set_env(c, "K", "2");
        let c = m.container("Deployment", "d", "c").unwrap();
        assert_eq!(c["args"], json!(["--a", "--b"]));
        assert_eq!(c["env"], json!([{"name": "K", "value": "2"}]));
        let again = Manifest::parse("t", &m.render()).unwrap();
        assert_eq!(again.docs.len(), 2);
    }

    #[test]
    fn missing_objects_are_layout_errors() {
        let mut m = Manifest::parse("metrics-server", DEPLOY).unwrap();
        let err = m.container("Deployment", "d", "nope").unwrap_err().to_string();
        assert_eq!(
            err,
            "the manifest for metrics-server has no container nope in Deployment d; upstream changed its layout"
        );
        assert!(m.object("Service", "d").is_err());
    }

    #[test]
    fn annotations_are_created_when_missing() {
        let mut m = Manifest::parse("t", DEPLOY).unwrap();
        let ns = m.object("Namespace", "x").unwrap();
        annotate(ns, "a/b", "true");
        assert_eq!(ns["metadata"]["annotations"], json!({"a/b": "true"}));
    }
}
