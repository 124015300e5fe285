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
    /// Third octet of `192.168.X.0/24`.
    pub octet: u8,
    pub created: String,
    pub internal: bool,
    pub labels: BTreeMap<String, String>,
    /// Free host numbers; allocation pops the front, release pushes the back.
    pub free: VecDeque<u8>,
    /// The first three octets when not `192.168.<octet>` (`KINA_FAKE_SUBNET`).
    #[serde(default)]
    pub prefix: Option<String>,
}

impl Network {
    pub fn new(name: &str, octet: u8, created: String) -> Network {
        Network {
            name: name.to_string(),
            octet,
            created,
            internal: false,
            labels: BTreeMap::new(),
            free: (2..=254).collect(),
            prefix: None,
        }
    }

    /// The first three octets of the subnet, e.g. `192.168.64`.
    pub fn base(&self) -> String {
        self.prefix.clone().unwrap_or_else(|| format!("192.168.{}", self.octet))
    }

    pub fn subnet(&self) -> String {
        format!("{}.0/24", self.base())
    }

    pub fn gateway(&self) -> String {
        format!("{}.1", self.base())
    }
}

impl State {
    /// The network called `name`, creating the built-in `default` on first use.
    pub fn network_mut(&mut self, name: &str) -> Option<&mut Network> {
        if name == "default" && !self.networks.contains_key("default") {
            let mut net = Network::new("default", 64, crate::util::iso_now());
            net.labels.insert("com.apple.container.resource.role".into(), "builtin".into());
            net.prefix = crate::config::subnet();
            self.networks.insert("default".into(), net);
        }
        self.networks.get_mut(name)
    }

    pub fn container_by_ip(&self, ip: &str) -> Option<&Container> {
        self.containers.values().find(|c| c.running() && c.ip().as_deref() == Some(ip))
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
