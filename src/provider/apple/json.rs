//! Tolerant reading of `container list --all --format json` and `inspect`.
//!
//! Shapes: 1.x puts `status` as an object with `state` and `networks`
//! (https://github.com/apple/container/blob/1.2.2/Sources/ContainerResource/Container/ManagedContainer.swift);
//! 0.4–0.12 had `status` as a string and `networks` at the top level; ≤0.7
//! called the address `address`. Unknown fields are ignored; a shape kina
//! cannot read is an error naming the field.

use std::collections::BTreeMap;
use std::net::Ipv4Addr;

use serde_json::Value;

/// What kina needs to know about one container.
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct ContainerRecord {
    pub id: String,
    pub state: String,
    pub ipv4: Option<Ipv4Addr>,
    pub labels: BTreeMap<String, String>,
    pub image: Option<String>,
    pub published_ports: Vec<PublishedPort>,
    /// `os/arch` from `configuration.platform`, when present.
    pub platform: Option<String>,
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) struct PublishedPort {
    pub host_address: String,
    pub host_port: u16,
    pub container_port: u16,
    pub proto: String,
}

/// A field kina could not read, named by its JSON path.
#[derive(Debug, Clone, PartialEq, Eq, thiserror::Error)]
#[error("{path}: {problem}")]
pub(crate) struct ShapeError {
    pub path: String,
    pub problem: String,
}

fn shape(path: impl Into<String>, problem: impl Into<String>) -> ShapeError {
    ShapeError { path: path.into(), problem: problem.into() }
}

/// Parses the whole JSON array printed by `list` or `inspect`.
pub(crate) fn parse_containers(text: &str) -> Result<Vec<ContainerRecord>, ShapeError> {
    let trimmed = text.trim();
    if trimmed.is_empty() {
        // An empty list is `[]`: nothing at all means the call did not say, and
        // reading it as "no containers" would let delete leave a VM running.
        return Err(shape("$", "no output where a JSON array was expected (an empty list prints `[]`)"));
    }
    let value: Value = serde_json::from_str(trimmed).map_err(|e| shape("$", format!("not JSON: {e}")))?;
    let Value::Array(items) = value else {
        return Err(shape("$", "expected a JSON array"));
    };
    items.iter().enumerate().map(|(i, item)| parse_container(item, &format!("[{i}]"))).collect()
}

fn parse_container(item: &Value, at: &str) -> Result<ContainerRecord, ShapeError> {
    let configuration = item
        .get("configuration")
        .filter(|c| c.is_object())
        .ok_or_else(|| shape(format!("{at}.configuration"), "missing or not an object"))?;

    // Networks already split a system ID from the user's name; containers are
    // expected to follow, so the name wins where it exists.
    let id = configuration
        .get("name")
        .or_else(|| configuration.get("id"))
        .or_else(|| item.get("id"))
        .and_then(Value::as_str)
        .ok_or_else(|| shape(format!("{at}.configuration.id"), "missing or not a string"))?
        .to_string();

    // 1.x: status is an object; ≤0.12: status is the state string.
    let (state, networks) = match item.get("status") {
        Some(Value::Object(status)) => {
            let state = status
                .get("state")
                .and_then(Value::as_str)
                .ok_or_else(|| shape(format!("{at}.status.state"), "missing or not a string"))?;
            (state.to_string(), status.get("networks").or_else(|| item.get("networks")))
        }
        Some(Value::String(state)) => (state.clone(), item.get("networks")),
        _ => return Err(shape(format!("{at}.status"), "missing, or neither an object nor a string")),
    };

    Ok(ContainerRecord {
        ipv4: first_ipv4(networks, at)?,
        labels: labels(configuration.get("labels"), at)?,
        image: configuration.get("image").and_then(|i| i.get("reference")).and_then(Value::as_str).map(str::to_string),
        published_ports: published_ports(configuration.get("publishedPorts"), at)?,
        platform: platform(configuration.get("platform")),
        id,
        state,
    })
}

fn platform(value: Option<&Value>) -> Option<String> {
    let value = value?;
    let os = value.get("os").and_then(Value::as_str)?;
    let arch = value.get("architecture").and_then(Value::as_str)?;
    Some(format!("{os}/{arch}"))
}

/// The image ID from `container image inspect`: the digest of the image's
/// index in the store (1.x: `configuration.descriptor.digest`, else `id`;
/// 0.x: `descriptor.digest`).
pub(crate) fn parse_image_id(text: &str) -> Result<String, ShapeError> {
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| shape("$", format!("not JSON: {e}")))?;
    let first =
        value.as_array().and_then(|a| a.first()).ok_or_else(|| shape("$", "expected a non-empty JSON array"))?;
    let digest = first
        .get("configuration")
        .and_then(|c| c.get("descriptor"))
        .or_else(|| first.get("descriptor"))
        .and_then(|d| d.get("digest"))
        .and_then(Value::as_str)
        .map(str::to_string)
        .or_else(|| {
            first.get("id").and_then(Value::as_str).map(|id| format!("sha256:{}", id.trim_start_matches("sha256:")))
        });
    digest.ok_or_else(|| shape("[0].configuration.descriptor.digest", "missing or not a string"))
}

/// `network list --format json`: 1.x puts the name, labels and configured
/// subnet under `configuration` and the live subnet in `status.ipv4Subnet`;
/// 0.8–0.12 used `config`, 0.2–0.7 `status.address`.
pub(crate) fn parse_networks(text: &str) -> Result<Vec<crate::provider::NetworkInfo>, ShapeError> {
    let value: Value = serde_json::from_str(text.trim()).map_err(|e| shape("$", format!("not JSON: {e}")))?;
    let Value::Array(items) = value else { return Err(shape("$", "expected a JSON array")) };
    items
        .iter()
        .enumerate()
        .map(|(i, item)| {
            let at = format!("[{i}]");
            let config = item.get("configuration").or_else(|| item.get("config"));
            let name = config
                .and_then(|c| c.get("name").or_else(|| c.get("id")))
                .or_else(|| item.get("id"))
                .and_then(Value::as_str)
                .ok_or_else(|| shape(format!("{at}.configuration.name"), "missing or not a string"))?;
            let status = item.get("status");
            let subnet = status
                .and_then(|s| s.get("ipv4Subnet").or_else(|| s.get("address")))
                .or_else(|| config.and_then(|c| c.get("ipv4Subnet").or_else(|| c.get("subnet"))))
                .and_then(Value::as_str);
            let subnet = match subnet {
                None => None,
                Some(text) => Some(text.parse().map_err(|e: crate::provider::network::BadSubnet| {
                    shape(format!("{at}.status.ipv4Subnet"), e.to_string())
                })?),
            };
            Ok(crate::provider::NetworkInfo {
                name: name.to_string(),
                subnet,
                labels: labels(config.and_then(|c| c.get("labels")), &at)?,
            })
        })
        .collect()
}

fn first_ipv4(networks: Option<&Value>, at: &str) -> Result<Option<Ipv4Addr>, ShapeError> {
    let Some(networks) = networks.and_then(Value::as_array) else { return Ok(None) };
    for (i, network) in networks.iter().enumerate() {
        let Some(cidr) = network.get("ipv4Address").or_else(|| network.get("address")) else { continue };
        let path = format!("{at}.status.networks[{i}].ipv4Address");
        let text = cidr.as_str().ok_or_else(|| shape(&path, "not a string"))?;
        let address = text.split('/').next().unwrap_or_default();
        let ip = address.parse().map_err(|_| shape(&path, format!("{text:?} is not an IPv4 address")))?;
        return Ok(Some(ip));
    }
    Ok(None)
}

fn labels(value: Option<&Value>, at: &str) -> Result<BTreeMap<String, String>, ShapeError> {
    match value {
        None | Some(Value::Null) => Ok(BTreeMap::new()),
        Some(Value::Object(map)) => map
            .iter()
            .map(|(k, v)| match v.as_str() {
                Some(s) => Ok((k.clone(), s.to_string())),
                None => Err(shape(format!("{at}.configuration.labels.{k}"), "not a string")),
            })
            .collect(),
        Some(_) => Err(shape(format!("{at}.configuration.labels"), "not an object")),
    }
}

fn published_ports(value: Option<&Value>, at: &str) -> Result<Vec<PublishedPort>, ShapeError> {
    let Some(items) = value.and_then(Value::as_array) else { return Ok(Vec::new()) };
    items
        .iter()
        .enumerate()
        .map(|(i, p)| {
            let path = format!("{at}.configuration.publishedPorts[{i}]");
            let port = |key: &str| {
                p.get(key)
                    .and_then(Value::as_u64)
                    .and_then(|n| u16::try_from(n).ok())
                    .ok_or_else(|| shape(format!("{path}.{key}"), "missing or not a port number"))
            };
            Ok(PublishedPort {
                host_address: p.get("hostAddress").and_then(Value::as_str).unwrap_or("0.0.0.0").to_string(),
                host_port: port("hostPort")?,
                container_port: port("containerPort")?,
                proto: p.get("proto").and_then(Value::as_str).unwrap_or("tcp").to_string(),
            })
        })
        .collect()
}

#[cfg(test)]
mod tests {
    use super::*;

    fn fixture(name: &str) -> String {
        let path = format!("{}/tests/fixtures/container/{name}", env!("CARGO_MANIFEST_DIR"));
        std::fs::read_to_string(&path).unwrap_or_else(|e| panic!("{path}: {e}"))
    }

    #[test]
    fn reads_1_2_2_inspect_of_a_running_node() {
        let records = parse_containers(&fixture("inspect-1.2.2-running.json")).unwrap();
        assert_eq!(records.len(), 1);
        let node = &records[0];
        assert_eq!(node.id, "kina-control-plane");
        assert_eq!(node.state, "running");
        assert_eq!(node.ipv4, Some(Ipv4Addr::new(192, 168, 64, 3)));
        assert_eq!(node.labels["io.kina.cluster"], "kina");
        assert_eq!(node.labels["io.kina.role"], "control-plane");
        assert_eq!(node.image.as_deref(), Some("docker.io/kindest/node:v1.35.5"));
        assert_eq!(
            node.published_ports,
            vec![PublishedPort {
                host_address: "127.0.0.1".into(),
                host_port: 6445,
                container_port: 6443,
                proto: "tcp".into()
            }]
        );
    }

    #[test]
    fn reads_1_x_compact_list_with_a_stopped_node() {
        let records = parse_containers(&fixture("list-1.2.2.json")).unwrap();
        let states: Vec<_> = records.iter().map(|r| (r.id.as_str(), r.state.as_str(), r.ipv4)).collect();
        assert_eq!(
            states,
            vec![
                ("buildkit", "running", Some(Ipv4Addr::new(192, 168, 64, 2))),
                ("kina-control-plane", "running", Some(Ipv4Addr::new(192, 168, 64, 3))),
                ("dev-control-plane", "stopped", None),
            ]
        );
        assert!(records[0].labels.is_empty());
    }

    #[test]
    fn reads_a_1_0_container_that_never_started() {
        let records = parse_containers(&fixture("list-1.0.0-never-started.json")).unwrap();
        assert_eq!(records[0].state, "stopped");
        assert_eq!(records[0].ipv4, None);
        assert_eq!(records[0].published_ports[0].host_port, 6447);
    }

    #[test]
    fn reads_0_12_and_0_7_shapes() {
        let records = parse_containers(&fixture("list-0.12.3.json")).unwrap();
        assert_eq!(records[0].state, "running");
        assert_eq!(records[0].ipv4, Some(Ipv4Addr::new(192, 168, 64, 5)));
        let records = parse_containers(&fixture("list-0.7.1.json")).unwrap();
        assert_eq!(records[0].ipv4, Some(Ipv4Addr::new(192, 168, 64, 9)));
        assert_eq!(records[0].labels["io.kina.cluster"], "old");
    }

    #[test]
    fn ignores_unknown_fields_and_reads_1_4_additions() {
        let text = r#"[{"id":"n","configuration":{"id":"n","labels":{},"newThing":{"x":1}},"status":{"state":"running","networks":[],"health":"ok"},"future":true}]"#;
        let records = parse_containers(text).unwrap();
        assert_eq!(records[0].state, "running");
        assert_eq!(records[0].ipv4, None);
    }

    #[test]
    fn reads_the_node_platform() {
        let records = parse_containers(&fixture("inspect-1.2.2-running.json")).unwrap();
        assert_eq!(records[0].platform.as_deref(), Some("linux/arm64"));
        let bare = r#"[{"configuration":{"id":"n"},"status":"running"}]"#;
        assert_eq!(parse_containers(bare).unwrap()[0].platform, None);
    }

    #[test]
    fn reads_image_ids_from_every_shape() {
        let v1 = r#"[{"id":"abc","configuration":{"descriptor":{"digest":"sha256:def"},"name":"docker.io/library/foo:latest"}}]"#;
        assert_eq!(parse_image_id(v1).unwrap(), "sha256:def");
        assert_eq!(parse_image_id(r#"[{"id":"abc","configuration":{}}]"#).unwrap(), "sha256:abc");
        assert_eq!(
            parse_image_id(r#"[{"reference":"foo","descriptor":{"digest":"sha256:0ld"}}]"#).unwrap(),
            "sha256:0ld"
        );
        assert_eq!(parse_image_id("[]").unwrap_err().to_string(), "$: expected a non-empty JSON array");
        assert_eq!(
            parse_image_id(r#"[{"configuration":{}}]"#).unwrap_err().to_string(),
            "[0].configuration.descriptor.digest: missing or not a string"
        );
    }

    #[test]
    fn an_empty_array_means_no_containers_and_no_output_is_an_error() {
        assert!(parse_containers("[]\n").unwrap().is_empty());
        for nothing in ["", "\n", "  "] {
            let err = parse_containers(nothing).unwrap_err().to_string();
            assert!(err.contains("no output where a JSON array was expected"), "{err}");
        }
    }

    #[test]
    fn unreadable_shapes_name_the_field() {
        let cases = [
            ("{}", "$: expected a JSON array"),
            (r#"[{"status":"running"}]"#, "[0].configuration: missing or not an object"),
            (
                r#"[{"configuration":{}, "status":{"state":"running"}}]"#,
                "[0].configuration.id: missing or not a string",
            ),
            (r#"[{"configuration":{"id":"a"},"status":{}}]"#, "[0].status.state: missing or not a string"),
            (r#"[{"configuration":{"id":"a"},"status":5}]"#, "[0].status: missing, or neither an object nor a string"),
            (
                r#"[{"configuration":{"id":"a","labels":{"k":1}},"status":"running"}]"#,
                "[0].configuration.labels.k: not a string",
            ),
            (
                r#"[{"configuration":{"id":"a"},"status":{"state":"running","networks":[{"ipv4Address":"nope/24"}]}}]"#,
                "[0].status.networks[0].ipv4Address: \"nope/24\" is not an IPv4 address",
            ),
        ];
        for (text, want) in cases {
            assert_eq!(parse_containers(text).unwrap_err().to_string(), want, "{text}");
        }
    }

    #[test]
    fn networks_in_the_1_x_shape_and_the_0_x_ones() {
        let one = r#"[{"configuration":{"creationDate":"2026-08-07T19:00:00Z","ipv4Subnet":"192.168.100.0/24","labels":{"io.kina.cluster":"dev"},"mode":"nat","name":"kina-dev","options":{},"plugin":"container-network-vmnet"},"id":"kina-dev","status":{"ipv4Gateway":"192.168.100.1","ipv4Subnet":"192.168.100.0/24"}},
            {"configuration":{"labels":{"com.apple.container.resource.role":"builtin"},"mode":"nat","name":"default"},"id":"default","status":{"ipv4Gateway":"192.168.64.1","ipv4Subnet":"192.168.64.0/24"}}]"#;
        let networks = parse_networks(one).unwrap();
        assert_eq!(networks[0].name, "kina-dev");
        assert_eq!(networks[0].subnet.unwrap().to_string(), "192.168.100.0/24");
        assert_eq!(networks[0].labels["io.kina.cluster"], "dev");
        assert_eq!(networks[1].subnet.unwrap().to_string(), "192.168.64.0/24");
        let old = r#"[{"id":"default","state":"running","config":{"id":"default","mode":"nat"},"status":{"address":"192.168.64.0/24","gateway":"192.168.64.1"}}]"#;
        assert_eq!(parse_networks(old).unwrap()[0].subnet.unwrap().to_string(), "192.168.64.0/24");
        assert!(parse_networks(r#"[{"id":"x","status":{"ipv4Subnet":"nope"}}]"#).is_err());
    }
}
