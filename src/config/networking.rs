//! `networking:` settings kina honours today.

use serde_json::Value;

use super::{ConfigError, reject_rest, take_string};
use crate::cluster::{DEFAULT_POD_SUBNET, DEFAULT_SERVICE_SUBNET};

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Networking {
    pub pod_subnet: String,
    pub service_subnet: String,
    /// 0: kina picks a free port.
    pub api_server_port: u16,
    pub disable_default_cni: bool,
}

impl Default for Networking {
    fn default() -> Self {
        Networking {
            pod_subnet: DEFAULT_POD_SUBNET.into(),
            service_subnet: DEFAULT_SERVICE_SUBNET.into(),
            api_server_port: 0,
            disable_default_cni: false,
        }
    }
}

pub fn read(value: Value) -> Result<Networking, ConfigError> {
    let Value::Object(mut map) = value else {
        return Err(ConfigError::Decode("networking: expected a mapping".into()));
    };
    let mut net = Networking::default();
    if let Some(subnet) = take_string(&mut map, "podSubnet", "networking.podSubnet")? {
        net.pod_subnet = ipv4_cidr(&subnet).map_err(|e| ConfigError::Invalid(format!("invalid pod subnet {e}")))?;
    }
    if let Some(subnet) = take_string(&mut map, "serviceSubnet", "networking.serviceSubnet")? {
        net.service_subnet =
            ipv4_cidr(&subnet).map_err(|e| ConfigError::Invalid(format!("invalid service subnet {e}")))?;
    }
    if let Some(address) = take_string(&mut map, "apiServerAddress", "networking.apiServerAddress")?
        && address != "127.0.0.1"
    {
        return Err(ConfigError::Unsupported {
            field: "networking.apiServerAddress".into(),
            why: format!(
                "kina publishes the API server on 127.0.0.1 only, not {address}; other hosts can reach the node's own IP on 6443"
            ),
        });
    }
    match map.remove("apiServerPort") {
        None | Some(Value::Null) => {}
        Some(Value::Number(n)) => match n.as_i64() {
            Some(0) => {}
            Some(-1) => {
                return Err(ConfigError::Unsupported {
                    field: "networking.apiServerPort".into(),
                    why: "-1 (runtime-chosen port) is not possible: Apple container needs an explicit host port".into(),
                });
            }
            Some(p) if (1..=65535).contains(&p) => net.api_server_port = p as u16,
            _ => return Err(ConfigError::Invalid(format!("invalid apiServerPort: invalid port number: {n}"))),
        },
        Some(other) => {
            return Err(ConfigError::Decode(format!("networking.apiServerPort: expected a number, got {other}")));
        }
    }
    match map.remove("disableDefaultCNI") {
        None | Some(Value::Null) => {}
        Some(Value::Bool(b)) => net.disable_default_cni = b,
        Some(other) => {
            return Err(ConfigError::Decode(format!("networking.disableDefaultCNI: expected a boolean, got {other}")));
        }
    }
    reject_rest(map, "networking.")?;
    Ok(net)
}

/// One IPv4 CIDR, with kind's wording for what is wrong.
fn ipv4_cidr(text: &str) -> Result<String, String> {
    let parts: Vec<&str> = text.split(',').map(str::trim).filter(|s| !s.is_empty()).collect();
    match parts.as_slice() {
        [] => Err("no subnets defined".into()),
        [one] => {
            let (addr, prefix) = one.split_once('/').ok_or_else(|| bad_cidr(one))?;
            if addr.contains(':') {
                return Err("expected IPv4 CIDR for IPv4 family".into());
            }
            addr.parse::<std::net::Ipv4Addr>().map_err(|_| bad_cidr(one))?;
            match prefix.parse::<u8>() {
                Ok(p) if p <= 32 => Ok(one.to_string()),
                _ => Err(bad_cidr(one)),
            }
        }
        _ => Err("only one CIDR allowed for single-stack networking".into()),
    }
}

fn bad_cidr(text: &str) -> String {
    format!("failed to parse cidr value:{text:?} with error: invalid CIDR address: {text}")
}
