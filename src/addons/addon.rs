//! One addon as kina installs it. Each addon states its own [`Facts`]
//! (upstream manifests, kina's edits, the object that says "installed", what
//! it waits for, how to use it); the steps they share are the trait's default
//! methods, which an addon overrides only where it does more.
//!
//! The methods return boxed futures so that the catalog can hold every addon
//! as a `&'static dyn Addon`.

use futures_util::future::BoxFuture;

use super::catalog::Remote;
use super::kubectl::Wait;
use super::manifest::Manifest;
use super::{AddonError, Cx};

/// What an async step of an addon returns.
pub(crate) type Step<'a, T = ()> = BoxFuture<'a, anyhow::Result<T>>;

/// An upstream manifest and the version it is fetched at.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Upstream {
    pub remote: Remote,
    /// The version the addon pins for itself (the Gateway API CRDs under
    /// Envoy Gateway), whatever `--version` chose.
    pub own_version: Option<&'static str>,
}

impl Upstream {
    /// At the version `--version` chose (or the pinned one).
    pub(crate) const fn chosen(remote: Remote) -> Self {
        Upstream { remote, own_version: None }
    }

    /// Downloads it, or finds it in the cache.
    pub(crate) async fn fetch(&self, cx: &Cx<'_>, version: &str, pinned: bool) -> anyhow::Result<String> {
        let (version, pinned) = self.own_version.map_or((version, pinned), |own| (own, true));
        Ok(cx.fetcher.get(&self.remote, version, pinned).await?)
    }

    /// What the user should know before it is applied: a file kina pins no
    /// checksum for (a release asset not yet hashed, or another `--version`).
    pub(crate) fn unverified(&self, version: &str, pinned: bool) -> Option<String> {
        let (version, pinned) = self.own_version.map_or((version, pinned), |own| (own, true));
        let url = self.remote.url.replace("{version}", version);
        match (self.remote.sha256, pinned) {
            (Some(_), true) => None,
            (Some(_), false) => Some(format!("{url} is not the pinned version: kina has no checksum for it")),
            (None, _) => {
                Some(format!("{url} has no checksum recorded in this kina release: kina applies it unverified"))
            }
        }
    }
}

/// What says the cluster has an addon.
#[derive(Debug, Clone, Copy)]
pub(crate) enum Probe {
    /// An object exists (`kubectl get RESOURCE NAME`).
    Object { resource: &'static str, namespace: Option<&'static str>, name: &'static str },
    /// A file exists in the control-plane node.
    NodeFile(&'static str),
}

/// A Service that kina-lb gives a node address.
#[derive(Debug, Clone, Copy)]
pub(crate) struct Service<'a> {
    pub namespace: &'a str,
    pub name: &'a str,
}

/// kina's edits to an upstream manifest (at this version) that do not depend
/// on the cluster.
pub(crate) type Edit = fn(&mut Manifest, &str) -> Result<(), AddonError>;

/// What an addon is, as data.
#[derive(Debug)]
pub(crate) struct Facts {
    /// The catalog's name (in errors and messages).
    pub name: &'static str,
    /// The upstream manifests, in the order they are applied.
    pub upstream: &'static [Upstream],
    pub edit: Option<Edit>,
    pub probe: Probe,
    /// What must be true before the addon counts as ready, in order.
    pub waits: &'static [Wait<'static>],
    /// A Service that must have its LoadBalancer address before it is ready.
    pub service: Option<Service<'static>>,
    /// How to use it, said once it is ready; `{context}` is the kubectl context.
    pub usage: Option<&'static str>,
}

impl Facts {
    /// The empty facts, to fill in with `..Facts::of(name, probe)`.
    pub(crate) const fn of(name: &'static str, probe: Probe) -> Self {
        Facts { name, upstream: &[], edit: None, probe, waits: &[], service: None, usage: None }
    }
}

pub(crate) trait Addon: Sync {
    fn facts(&self) -> &'static Facts;

    fn name(&self) -> &'static str {
        self.facts().name
    }

    /// An upstream manifest with kina's edits; uninstall deletes the same.
    fn render(&self, upstream: &str, version: &str) -> anyhow::Result<String> {
        let Some(edit) = self.facts().edit else { return Ok(upstream.to_string()) };
        let mut manifest = Manifest::parse(self.name(), upstream)?;
        edit(&mut manifest, version)?;
        Ok(manifest.render())
    }

    /// Edits that depend on the cluster (its pod subnet, its labelled nodes),
    /// made just before the manifest is applied.
    fn fit<'a>(&'a self, _cx: &'a Cx<'_>, manifest: String) -> Step<'a, String> {
        Box::pin(async move { Ok(manifest) })
    }

    /// Checks and warnings before anything is applied.
    fn check<'a>(&'a self, _cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(async { Ok(()) })
    }

    /// Downloads (or finds in the cache) every upstream manifest before
    /// anything is applied: a failed download then changes nothing.
    fn prefetch<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(fetch_upstream(self.facts().upstream, cx, version, pinned))
    }

    /// Why installing would change nothing, when the cluster already has it.
    fn provided_already<'a>(&'a self, _cx: &'a Cx<'_>) -> Step<'a, Option<String>> {
        Box::pin(async { Ok(None) })
    }

    /// Checks, then each upstream manifest fetched, rendered, fitted and applied.
    fn install<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(async move {
            self.check(cx).await?;
            for upstream in self.facts().upstream {
                let text = upstream.fetch(cx, version, pinned).await?;
                let manifest = self.fit(cx, self.render(&text, version)?).await?;
                cx.apply(&manifest, false).await?;
            }
            Ok(())
        })
    }

    /// Waits until the addon works, within what is left of `--wait`.
    fn ready<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(wait_until_ready(self, cx))
    }

    /// Tells the user how to reach or use what was installed.
    fn reach<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a> {
        Box::pin(async move {
            if let Some(usage) = self.facts().usage {
                cx.printer.info(&usage.replace("{context}", &cx.context()));
            }
            Ok(())
        })
    }

    /// What removing the addon costs, said before it starts.
    fn warn_before_removing(&self, _cx: &Cx<'_>) {}

    /// Each upstream manifest fetched, rendered and deleted.
    fn uninstall<'a>(&'a self, cx: &'a Cx<'_>, version: &'a str, pinned: bool) -> Step<'a> {
        Box::pin(delete_upstream(self, cx, version, pinned))
    }

    /// Whether the cluster has the addon now (what `--list` shows, and whether
    /// a dependency must be installed first).
    fn installed<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a, bool> {
        Box::pin(async move {
            match self.facts().probe {
                Probe::Object { resource, namespace, name } => cx.exists(resource, namespace, name).await,
                Probe::NodeFile(path) => cx.node_file_exists(path).await,
            }
        })
    }

    /// What `--list` shows in its INSTALLED column.
    fn list_state<'a>(&'a self, cx: &'a Cx<'_>) -> Step<'a, &'static str> {
        Box::pin(async move { Ok(if self.installed(cx).await? { "yes" } else { "no" }) })
    }
}

impl std::fmt::Debug for dyn Addon {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        f.write_str(self.name())
    }
}

/// The default [`Addon::prefetch`].
pub(crate) async fn fetch_upstream(
    upstream: &[Upstream],
    cx: &Cx<'_>,
    version: &str,
    pinned: bool,
) -> anyhow::Result<()> {
    for manifest in upstream {
        manifest.fetch(cx, version, pinned).await?;
    }
    Ok(())
}

/// The default [`Addon::ready`]: the waits, then the Service's address.
pub(crate) async fn wait_until_ready<A: Addon + ?Sized>(addon: &A, cx: &Cx<'_>) -> anyhow::Result<()> {
    cx.wait_all(addon.name(), addon.facts().waits).await?;
    if let Some(service) = addon.facts().service {
        super::load_balancer::address(cx, addon.name(), service).await?;
    }
    Ok(())
}

/// The default [`Addon::uninstall`].
pub(crate) async fn delete_upstream<A: Addon + ?Sized>(
    addon: &A,
    cx: &Cx<'_>,
    version: &str,
    pinned: bool,
) -> anyhow::Result<()> {
    for upstream in addon.facts().upstream {
        let text = upstream.fetch(cx, version, pinned).await?;
        cx.delete(&addon.render(&text, version)?).await?;
    }
    Ok(())
}
