//! The kubeconfig shape: only the fields kina touches are typed; everything else is kept
//! verbatim (and in the user's order) in `serde_json` maps so it survives a rewrite.

use serde::{Deserialize, Deserializer, Serialize, de::Error as _};
use serde_json::{Map, Value};

use super::KubeconfigError;
use crate::yaml::{self, YamlError};

/// A kubeconfig file. Fields are declared in kind's output order (alphabetical, like
/// `sigs.k8s.io/yaml`); unknown top-level fields follow. Absent fields stay absent.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct Kubeconfig {
    #[serde(rename = "apiVersion", default, skip_serializing_if = "Option::is_none", deserialize_with = "opt_scalar")]
    pub api_version: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub clusters: Option<Vec<NamedCluster>>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub contexts: Option<Vec<NamedContext>>,
    #[serde(
        rename = "current-context",
        default,
        skip_serializing_if = "Option::is_none",
        deserialize_with = "opt_scalar"
    )]
    pub current_context: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none", deserialize_with = "opt_scalar")]
    pub kind: Option<String>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub preferences: Option<Value>,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub users: Option<Vec<NamedUser>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `clusters[]`: the inner `cluster` object is kept whole (server, CA, proxy-url, extensions…).
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct NamedCluster {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub cluster: Option<Map<String, Value>>,
    #[serde(deserialize_with = "scalar")]
    pub name: String,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `contexts[]`: the inner `context` object holds `cluster`, `user`, `namespace`, extensions….
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct NamedContext {
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub context: Option<Map<String, Value>>,
    #[serde(deserialize_with = "scalar")]
    pub name: String,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// `users[]`: the inner `user` object (certs, tokens, exec plugins, auth-provider) is opaque.
#[derive(Debug, Clone, Default, PartialEq, Serialize, Deserialize)]
pub(crate) struct NamedUser {
    #[serde(deserialize_with = "scalar")]
    pub name: String,
    #[serde(default, skip_serializing_if = "Option::is_none")]
    pub user: Option<Map<String, Value>>,
    #[serde(flatten)]
    pub other: Map<String, Value>,
}

/// An entry of `clusters`, `contexts` or `users`.
pub(super) trait Named {
    fn name(&self) -> &str;
}

impl Named for NamedCluster {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for NamedContext {
    fn name(&self) -> &str {
        &self.name
    }
}

impl Named for NamedUser {
    fn name(&self) -> &str {
        &self.name
    }
}

/// Replaces the entry with the same name in place, else appends it.
pub(super) fn upsert<T: Named>(list: &mut Option<Vec<T>>, entry: T) {
    let list = list.get_or_insert_with(Vec::new);
    match list.iter_mut().find(|e| e.name() == entry.name()) {
        Some(slot) => *slot = entry,
        None => list.push(entry),
    }
}

/// Drops every entry called `name`; true when one was there.
pub(super) fn remove_named<T: Named>(list: &mut Option<Vec<T>>, name: &str) -> bool {
    let Some(list) = list else { return false };
    let before = list.len();
    list.retain(|e| e.name() != name);
    list.len() != before
}

/// Parses kubeconfig text. An empty, whitespace-only or comment-only document is an empty config.
pub(crate) fn parse(text: &str) -> Result<Kubeconfig, YamlError> {
    Ok(yaml::from_str::<Option<Kubeconfig>>(text)?.unwrap_or_default())
}

/// Renders a kubeconfig in kind's shape: `apiVersion, clusters, contexts, current-context,
/// kind, preferences, users`, then unknown fields.
pub(crate) fn to_yaml(config: &Kubeconfig) -> Result<String, KubeconfigError> {
    yaml::to_string_unfolded(config).map_err(KubeconfigError::Render)
}

/// A name-like scalar. Unknown-field buffering loses the target type, so an unquoted `yes`
/// or `10` arrives as a bool or number; accept those as their text, as kubectl does.
fn scalar<'de, D: Deserializer<'de>>(d: D) -> Result<String, D::Error> {
    match Value::deserialize(d)? {
        Value::String(s) => Ok(s),
        Value::Bool(b) => Ok(b.to_string()),
        Value::Number(n) => Ok(n.to_string()),
        other => Err(D::Error::custom(format!("expected a string, found {other}"))),
    }
}

fn opt_scalar<'de, D: Deserializer<'de>>(d: D) -> Result<Option<String>, D::Error> {
    match Value::deserialize(d)? {
        Value::Null => Ok(None),
        Value::String(s) => Ok(Some(s)),
        Value::Bool(b) => Ok(Some(b.to_string())),
        Value::Number(n) => Ok(Some(n.to_string())),
        other => Err(D::Error::custom(format!("expected a string, found {other}"))),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn empty_inputs_are_an_empty_config() {
        for text in ["", "  \n\t\n", "# just a comment\n", "---\n", "null\n"] {
            assert_eq!(parse(text).unwrap(), Kubeconfig::default(), "{text:?}");
        }
        assert_eq!(to_yaml(&Kubeconfig::default()).unwrap().trim(), "{}");
    }

    #[test]
    fn round_trip_keeps_everything() {
        let text = "\
apiVersion: v1
clusters:
- cluster:
    server: https://example.com
    certificate-authority: /etc/ca.pem
    proxy-url: socks5://localhost:1080
    tls-server-name: api.example.com
    extensions:
    - name: client.authentication.k8s.io/exec
      extension:
        audience: \"yes\"
        flag: \"on\"
        octal: \"010\"
        truth: \"true\"
        float: \"1.5\"
        empty: \"\"
        tilde: \"~\"
        real: 1.5
        nothing: null
  name: prod
  note: entry-level unknown
contexts:
- context:
    cluster: prod
    user: sso
    namespace: web
  name: prod
current-context: prod
kind: Config
preferences: {}
users:
- name: sso
  user:
    exec:
      apiVersion: client.authentication.k8s.io/v1beta1
      command: aws
      args:
      - --region
      - \"on\"
      env: null
      interactiveMode: IfAvailable
      provideClusterInfo: true
- name: legacy
  user:
    auth-provider:
      name: oidc
      config:
        id-token: \"123\"
    token: \"0123\"
zeta: last
alpha:
  nested: {b: 1, a: \"no\"}
";
        let config = parse(text).unwrap();
        assert_eq!(config.other.keys().collect::<Vec<_>>(), ["zeta", "alpha"]);
        let out = to_yaml(&config).unwrap();
        assert_eq!(out, text.replace("nested: {b: 1, a: \"no\"}", "nested:\n    b: 1\n    a: \"no\""));
        assert_eq!(parse(&out).unwrap(), config);
    }

    #[test]
    fn long_values_stay_on_one_line_and_multi_line_ones_are_literal() {
        let long = "LS0tLS1CRUdJTiBDRVJUSUZJQ0FURS0tLS0t".repeat(20);
        let text = format!(
            "users:\n- name: u\n  user:\n    client-certificate-data: {long}\n    token: a long token with spaces that \
             goes well past eighty characters and must not be folded by the writer\n    note: |\n      one\n      two\n"
        );
        let out = to_yaml(&parse(&text).unwrap()).unwrap();
        assert_eq!(out, text);
        let line = out.lines().find(|l| l.contains("client-certificate-data")).unwrap();
        assert_eq!(line.split_whitespace().nth(1), Some(long.as_str()));
    }

    #[test]
    fn tricky_strings_stay_strings() {
        for s in ["yes", "on", "no", "off", "010", "true", "1.5", "1e3", "0x1F", "null", "~", "", "- a", "a: b"] {
            let config = Kubeconfig {
                current_context: Some(s.to_owned()),
                other: Map::from_iter([("x".to_owned(), Value::String(s.to_owned()))]),
                ..Kubeconfig::default()
            };
            let back = parse(&to_yaml(&config).unwrap()).unwrap();
            assert_eq!(back, config, "{s:?}");
        }
    }

    #[test]
    fn unquoted_scalar_names_are_read_as_text() {
        let config = parse("current-context: yes\nclusters:\n- name: 10\n").unwrap();
        assert_eq!(config.current_context.as_deref(), Some("true"));
        assert_eq!(config.clusters.unwrap()[0].name, "10");
    }

    #[test]
    fn output_order_is_kinds() {
        let text = "users: []\nextra: 1\npreferences: {}\nkind: Config\ncurrent-context: a\ncontexts: []\nclusters: []\napiVersion: v1\n";
        let out = to_yaml(&parse(text).unwrap()).unwrap();
        let keys: Vec<&str> = out.lines().map(|l| l.split(':').next().unwrap()).collect();
        assert_eq!(
            keys,
            ["apiVersion", "clusters", "contexts", "current-context", "kind", "preferences", "users", "extra"]
        );
    }

    #[test]
    fn null_and_absent_fields_stay_absent() {
        let out = to_yaml(&parse("clusters: null\nusers:\n- name: u\n").unwrap()).unwrap();
        assert_eq!(out, "users:\n- name: u\n");
    }

    #[test]
    fn bad_entries_are_errors() {
        for text in ["clusters: 3\n", "clusters:\n- cluster: {}\n", "users:\n- name: [a]\n", "a: [1\n"] {
            assert!(parse(text).is_err(), "{text:?}");
        }
    }

    #[test]
    fn upsert_and_remove_by_name() {
        let named = |n: &str, tag: i64| NamedUser {
            name: n.to_owned(),
            other: Map::from_iter([("tag".to_owned(), Value::from(tag))]),
            ..NamedUser::default()
        };
        let mut list = None;
        upsert(&mut list, named("a", 1));
        upsert(&mut list, named("b", 1));
        upsert(&mut list, named("a", 2));
        assert_eq!(list, Some(vec![named("a", 2), named("b", 1)]));
        assert!(remove_named(&mut list, "a"));
        assert!(!remove_named(&mut list, "a"));
        assert_eq!(list, Some(vec![named("b", 1)]));
        assert!(!remove_named::<NamedUser>(&mut None, "a"));
    }
}
