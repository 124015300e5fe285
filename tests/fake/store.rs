//! The fake's persistent state: one JSON file guarded by an exclusive file lock.
//!
//! The lock is held only to load, change and save the state: never while a call
//! waits (stdin, a barrier) or a node runs a real program. A `container exec` takes
//! it once to check its target and copy the node's files out, runs the program with
//! no lock held, and takes it again to merge what the program changed (see
//! `node/root.rs`); the emulated tools a script calls take it for their own update.

use crate::node::model::Node;
use serde::{Deserialize, Serialize};
use serde_json::Value;
use std::collections::{BTreeMap, VecDeque};
use std::fs::{File, OpenOptions};
use std::io::Write;
use std::path::{Path, PathBuf};

#[derive(Serialize, Deserialize, Default, Clone)]
pub struct State {
    #[serde(default)]
    pub containers: BTreeMap<String, Container>,
    #[serde(default)]
    pub images: BTreeMap<String, Image>,
    #[serde(default)]
    pub volumes: BTreeMap<String, Volume>,
    #[serde(default)]
    pub networks: BTreeMap<String, Network>,
    /// Set by `system start` / `system stop`; overrides `KINA_FAKE_APISERVER`.
    #[serde(default)]
    pub system: Option<String>,
    /// Set by `builder start` / `builder stop`; overrides `KINA_FAKE_BUILDER`.
    #[serde(default)]
    pub builder: Option<String>,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Container {
    pub id: String,
    /// The `configuration` object exactly as `inspect` shows it.
    pub config: Value,
    /// `running` or `stopped`.
    pub state: String,
    pub networks: Vec<Attachment>,
    pub started: Option<String>,
    pub auto_remove: bool,
    pub hostname: String,
    pub mac: String,
    /// Network attachment requests: (network name, mtu, fixed mac).
    pub attach: Vec<(String, u32, Option<String>)>,
    /// Whether `/proc/sys` is read-only inside (1.2.0+ defaults not cleared).
    pub proc_sys_readonly: bool,
    /// The init process environment (`KEY=VALUE`), inherited by `exec`.
    pub env: Vec<String>,
    /// `logs --boot`: the VM console.
    pub boot_log: Vec<String>,
    /// `logs`: the init process's output (entrypoint + systemd).
    #[serde(default)]
    pub log: Vec<String>,
    pub node: Node,
}

impl Container {
    pub fn running(&self) -> bool {
        self.state == "running"
    }

    /// The first attachment's IPv4 address without the prefix length.
    pub fn ip(&self) -> Option<String> {
        self.networks.first().map(|a| a.ipv4_address.split('/').next().unwrap().to_string())
    }

    pub fn image_ref(&self) -> String {
        self.config["image"]["reference"].as_str().unwrap_or_default().to_string()
    }
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Attachment {
    pub network: String,
    pub hostname: String,
    pub ipv4_address: String,
    pub ipv4_gateway: String,
    pub mac_address: String,
    pub mtu: u32,
    pub variant: String,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Image {
    pub reference: String,
    pub digest: String,
    pub size: u64,
    pub created: String,
    /// Files a `container build` put into the image (path → content; a symlink as
    /// `-> target`): a node from it starts with them.
    #[serde(default)]
    pub files: BTreeMap<String, String>,
    /// What the image's blobs are generated from (oci.rs); empty: its reference.
    #[serde(default)]
    pub seed: String,
}

impl Image {
    pub fn content_seed(&self) -> &str {
        if self.seed.is_empty() { &self.reference } else { &self.seed }
    }
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Volume {
    pub name: String,
    pub created: String,
    pub labels: BTreeMap<String, String>,
    pub size: Option<String>,
}

#[derive(Serialize, Deserialize, Clone)]
pub struct Network {
    pub name: String,
    /// The live IPv4 subnet, `a.b.c.0/len` (what `status.ipv4Subnet` shows).
    pub subnet: String,
    /// Whether `--subnet` chose it (`configuration.ipv4Subnet` is then shown).
    #[serde(default)]
    pub configured: bool,
    pub created: String,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
    /// Free host addresses: the runtime's rotating allocator (`AttachmentAllocator`:
    /// from the subnet's base + 2, `last - base - 3` of them, so neither the gateway,
    /// the address below the broadcast one nor the broadcast one is handed out);
    /// allocation pops the front, release pushes the back.
    pub free: VecDeque<u32>,
}

/// `a.b.c.d/len` → (base, prefix length), host bits cleared.
pub fn parse_cidr(text: &str) -> Option<(u32, u32)> {
    let (address, len) = text.split_once('/')?;
    let address: std::net::Ipv4Addr = address.parse().ok()?;
    let len: u32 = len.parse().ok().filter(|l| *l <= 32)?;
    let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
    Some((u32::from(address) & mask, len))
}

pub fn ipv4(value: u32) -> String {
    std::net::Ipv4Addr::from(value).to_string()
}

impl Network {
    /// A network on `subnet` (`a.b.c.d/len`, checked by the caller).
    pub fn new(name: &str, subnet: &str, created: String) -> Network {
        let (base, len) = parse_cidr(subnet).expect("a valid subnet");
        let last = base | (u32::MAX >> len);
        Network {
            name: name.to_string(),
            subnet: format!("{}/{len}", ipv4(base)),
            configured: false,
            created,
            internal: false,
            labels: BTreeMap::new(),
            free: (base + 2..last.saturating_sub(1)).collect(),
        }
    }

    pub fn range(&self) -> (u32, u32) {
        parse_cidr(&self.subnet).expect("a stored subnet")
    }

    pub fn prefix_len(&self) -> u32 {
        self.range().1
    }

    pub fn gateway(&self) -> String {
        ipv4(self.range().0 + 1)
    }

    pub fn contains(&self, address: &str) -> bool {
        let (base, len) = self.range();
        let mask = if len == 0 { 0 } else { u32::MAX << (32 - len) };
        address.parse::<std::net::Ipv4Addr>().is_ok_and(|a| u32::from(a) & mask == base)
    }

    pub fn overlaps(&self, subnet: &str) -> bool {
        let Some((base, len)) = parse_cidr(subnet) else { return false };
        let (mine, my_len) = self.range();
        let mask = |l: u32| if l == 0 { 0 } else { u32::MAX << (32 - l) };
        let shorter = mask(len.min(my_len));
        base & shorter == mine & shorter
    }
}

impl State {
    /// The network called `name`, creating the built-in `default` on first use.
    pub fn network_mut(&mut self, name: &str) -> Option<&mut Network> {
        if name == "default" && !self.networks.contains_key("default") {
            let base = crate::config::subnet().unwrap_or_else(|| "192.168.64".into());
            let mut net = Network::new("default", &format!("{base}.0/24"), crate::util::iso_now());
            net.labels.insert("com.apple.container.resource.role".into(), "builtin".into());
            self.networks.insert("default".into(), net);
        }
        self.networks.get_mut(name)
    }

    /// The running container that answers at `ip`: its runtime address, or an
    /// address added inside it that lies in the subnet of a network it is on (the
    /// network delivers nothing else to it).
    pub fn container_by_ip(&self, ip: &str) -> Option<&Container> {
        self.containers.values().find(|c| c.running() && self.addresses(c).iter().any(|(_, a)| a == ip))
    }

    /// The address a node's kubelet registers (`InternalIP`): its `--node-ip` when
    /// kubeadm set one, else the runtime's address. `None` when the kubelet cannot
    /// run there: a `--node-ip` the VM does not have (the kubelet refuses to start:
    /// "node IP ... not found in the host's network interfaces").
    pub fn node_ip(&self, c: &Container) -> Option<String> {
        let flags = c.node.files.get("/var/lib/kubelet/kubeadm-flags.env");
        let wanted =
            flags.and_then(|f| f.split(['"', ' ']).find_map(|w| w.strip_prefix("--node-ip=")).map(str::to_string));
        match wanted {
            Some(ip) => self.addresses(c).iter().any(|(_, a)| *a == ip).then_some(ip),
            None => c.ip(),
        }
    }

    /// Every address `c` answers at, with its network: the runtime's, then the ones
    /// added inside the guest (`ip addr add`) that lie in one of its networks.
    pub fn addresses(&self, c: &Container) -> Vec<(String, String)> {
        let mut all: Vec<(String, String)> = c
            .networks
            .iter()
            .map(|a| (a.network.clone(), a.ipv4_address.split('/').next().unwrap_or_default().to_string()))
            .collect();
        for added in &c.node.addresses {
            let address = added.split('/').next().unwrap_or_default();
            let on = c.networks.iter().find(|a| self.networks.get(&a.network).is_some_and(|n| n.contains(address)));
            if let Some(a) = on {
                all.push((a.network.clone(), address.to_string()));
            }
        }
        all
    }
}

/// The state of one invocation, loaded under an exclusive lock held until drop.
pub struct Locked {
    _lock: File,
    path: PathBuf,
    original: String,
    pub state: State,
}

impl Locked {
    pub fn open(dir: &Path) -> Result<Locked, String> {
        std::fs::create_dir_all(dir).map_err(|e| format!("cannot create state dir {}: {e}", dir.display()))?;
        let lock = OpenOptions::new()
            .create(true)
            .truncate(false)
            .write(true)
            .open(dir.join("state.lock"))
            .map_err(|e| format!("cannot open state lock: {e}"))?;
        lock.lock().map_err(|e| format!("cannot lock state: {e}"))?;
        let path = dir.join("state.json");
        let original = std::fs::read_to_string(&path).unwrap_or_default();
        let state = if original.trim().is_empty() {
            State::default()
        } else {
            serde_json::from_str(&original).map_err(|e| format!("corrupt fake state {}: {e}", path.display()))?
        };
        Ok(Locked { _lock: lock, path, original, state })
    }

    /// Writes the state back if it changed (temp file + rename, still under the lock).
    pub fn save(&self) -> Result<(), String> {
        let text = serde_json::to_string(&self.state).map_err(|e| e.to_string())?;
        if text == self.original {
            return Ok(());
        }
        let tmp = self.path.with_extension("json.tmp");
        let mut f = File::create(&tmp).map_err(|e| e.to_string())?;
        f.write_all(text.as_bytes()).map_err(|e| e.to_string())?;
        std::fs::rename(&tmp, &self.path).map_err(|e| e.to_string())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn a_network_hands_out_what_the_runtime_allocator_does() {
        let net = Network::new("kina-dev", "192.168.100.7/24", String::new());
        assert_eq!(net.subnet, "192.168.100.0/24");
        assert_eq!(net.gateway(), "192.168.100.1");
        // From base + 2, `last - base - 3` of them: .2 to .253; .254 and .255 never.
        assert_eq!(net.free.front().copied().map(ipv4).as_deref(), Some("192.168.100.2"));
        assert_eq!(net.free.back().copied().map(ipv4).as_deref(), Some("192.168.100.253"));
        assert_eq!(net.free.len(), 252);
        assert!(net.contains("192.168.100.254") && !net.contains("192.168.101.1"));
        assert!(net.overlaps("192.168.0.0/16") && net.overlaps("192.168.100.128/25"));
        assert!(!net.overlaps("192.168.64.0/24"));
        assert_eq!(parse_cidr("192.168.1.0/33"), None);
    }
}
