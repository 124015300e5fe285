//! `kina install`, `kina install --list` and `kina uninstall`: dependencies
//! first, kind-style status lines, then wait until the addon is ready.

use std::time::Duration;

use anyhow::Context as _;
use futures_util::future::join_all;

use super::catalog::{self, CATALOG, Info};
use super::fetch::{Fetcher, MirrorScheme};
use super::{AddonError, Cx};
use crate::output::{OutputFormat, Printer, print_structured};
use crate::provider::Provider;

pub(crate) struct InstallOptions<'a> {
    pub cluster: &'a str,
    pub addon: &'a str,
    pub version: Option<&'a str>,
    pub wait: Duration,
    pub mirror: Option<&'a str>,
    /// `--allow-http`: a plain-http mirror off this Mac is acceptable.
    pub allow_http: bool,
    pub resolver: Option<crate::dns::resolver::Mode>,
}

pub(crate) struct UninstallOptions<'a> {
    pub cluster: &'a str,
    pub addon: &'a str,
    pub version: Option<&'a str>,
    pub mirror: Option<&'a str>,
    pub allow_http: bool,
    pub resolver: Option<crate::dns::resolver::Mode>,
}

/// The version to install and whether it is the pinned one (whose checksum
/// kina knows). `1.2.3` means `v1.2.3` where the pinned tag has the `v`;
/// anything but a plain tag (it goes into URLs and cache paths) is refused.
fn chosen_version(info: &Info, version: Option<&str>) -> Result<(String, bool), AddonError> {
    let Some(given) = version else { return Ok((info.version.to_string(), true)) };
    if !info.versioned {
        let origin =
            if info.id == super::AddonId::Kindnet { "it comes from the node image" } else { "it is part of kina" };
        return Err(AddonError::NotVersioned { addon: info.name, origin });
    }
    // Upstream's own tag (`controller-v1.15.0`) and a capital V work too.
    let given = given.trim();
    let given = given.strip_prefix(info.tag_prefix).filter(|_| !info.tag_prefix.is_empty()).unwrap_or(given);
    let lowered;
    let given = match given.strip_prefix('V') {
        Some(rest) => {
            lowered = format!("v{rest}");
            lowered.as_str()
        }
        None => given,
    };
    let plain = given.chars().all(|c| c.is_ascii_alphanumeric() || ".+_-".contains(c));
    if given.is_empty() || !plain || given.contains("..") || given.starts_with(['.', '-']) {
        return Err(AddonError::Version(given.to_string()));
    }
    let tag = match info.version.starts_with('v') && given.starts_with(|c: char| c.is_ascii_digit()) {
        true => format!("v{given}"),
        false => given.to_string(),
    };
    let pinned = tag == info.version;
    Ok((tag, pinned))
}

pub(crate) async fn install<P: Provider>(
    provider: &P,
    printer: &Printer,
    opts: &InstallOptions<'_>,
) -> anyhow::Result<()> {
    let info = catalog::find(opts.addon)?;
    let (version, pinned) = chosen_version(info, opts.version)?;
    let version = version.as_str();
    let fetcher = Fetcher::from_settings(opts.mirror, opts.allow_http)?;
    warn_of_plain_http(printer, &fetcher);
    let mut cx = Cx::connect(provider, printer, opts.cluster, fetcher, opts.wait).await?;
    cx.resolver = opts.resolver;
    info.addon.prefetch(&cx, version, pinned).await.with_context(|| format!("failed to install {}", info.name))?;
    if let Some(note) = info.addon.provided_already(&cx).await? {
        printer.info(&note);
        return Ok(());
    }
    for dep in info.requires {
        let dep = catalog::info(*dep);
        if !dep.addon.installed(&cx).await? {
            printer.info(&format!("{} needs {}; installing it first", info.name, dep.name));
            install_one(&mut cx, dep, dep.version, true).await?;
        }
    }
    install_one(&mut cx, info, version, pinned).await
}

/// An allowed plain-http mirror off this Mac is said out loud.
fn warn_of_plain_http(printer: &Printer, fetcher: &Fetcher) {
    if let Some(mirror) = fetcher.mirror().filter(|m| m.scheme() == MirrorScheme::RemoteHttp) {
        printer.warn(&format!("downloading over plain http from {} (--allow-http)", mirror.describe()));
    }
}

async fn install_one(cx: &mut Cx<'_>, info: &Info, version: &str, pinned: bool) -> anyhow::Result<()> {
    cx.restart_clock();
    for upstream in info.addon.facts().upstream {
        if let Some(note) = upstream.unverified(version, pinned) {
            cx.printer.warn(&note);
        }
    }
    let shown = if info.versioned { format!(" {version}") } else { String::new() };
    cx.printer.start(&format!("Installing {}{shown} 🧩", info.name));
    let mut done = info.addon.install(cx, version, pinned).await;
    if done.is_ok() {
        done = super::record::remember(cx, info.name, version).await;
    }
    cx.printer.end(done.is_ok());
    done.with_context(|| format!("failed to install {}", info.name))?;
    if cx.waits() {
        cx.printer.start(&format!("Waiting ≤ {} for {} to be ready ⏳", crate::duration::format(cx.wait), info.name));
        let started = std::time::Instant::now();
        let ready = info.addon.ready(cx).await;
        cx.printer.end(ready.is_ok());
        ready?;
        let took = std::time::Duration::from_secs(started.elapsed().as_secs());
        cx.printer.info(&format!(" • {} ready after {} 💚", info.name, crate::duration::format(took)));
        info.addon.reach(cx).await?;
    } else {
        cx.printer.info(&format!("Not waiting for {} to be ready (--wait 0)", info.name));
    }
    Ok(())
}

pub(crate) async fn uninstall<P: Provider>(
    provider: &P,
    printer: &Printer,
    opts: &UninstallOptions<'_>,
) -> anyhow::Result<()> {
    let info = catalog::find(opts.addon)?;
    let fetcher = Fetcher::from_settings(opts.mirror, opts.allow_http)?;
    warn_of_plain_http(printer, &fetcher);
    let mut cx = Cx::connect(provider, printer, opts.cluster, fetcher, Duration::from_secs(300)).await?;
    cx.resolver = opts.resolver;
    // What was installed is what goes: `--version`, else the version kina recorded.
    let recorded = super::record::version_of(&cx, info.name).await?;
    let recorded = recorded.filter(|_| info.versioned);
    let (version, pinned) = chosen_version(info, opts.version.or(recorded.as_deref()))?;
    let version = version.as_str();
    // Not installed: remove what an unfinished install may have left, if its
    // manifests are cached; never download just to find nothing.
    let installed = info.addon.installed(&cx).await?;
    if !installed {
        cx.fetcher = cx.fetcher.clone().cache_only();
        let cached = info.addon.prefetch(&cx, version, pinned).await;
        let never_fetched = cached.as_ref().err().is_some_and(|e| {
            e.chain().any(|c| matches!(c.downcast_ref::<AddonError>(), Some(AddonError::NotCached { .. })))
        });
        if never_fetched {
            printer.info(&format!("{} is not installed on cluster {:?}; nothing to remove", info.name, opts.cluster));
            return Ok(());
        }
    }
    for other in CATALOG.iter().filter(|o| o.requires.contains(&info.id)) {
        if other.addon.installed(&cx).await? {
            printer.warn(&format!("{} uses {}; its LoadBalancer address will stay pending", other.name, info.name));
        }
    }
    info.addon.warn_before_removing(&cx);
    printer.start(&format!("Removing {} 🧹", info.name));
    let mut done = info.addon.uninstall(&cx, version, pinned).await;
    if done.is_ok() {
        done = super::record::forget(&cx, info.name).await;
    }
    printer.end(done.is_ok());
    done.with_context(|| format!("failed to remove {}", info.name))
}

/// `kina install --list`: every addon, and whether the cluster has it (when
/// the cluster runs), as a table or as JSON (`-o json`).
pub(crate) async fn list<P: Provider>(
    provider: &P,
    printer: &Printer,
    cluster: &str,
    format: OutputFormat,
) -> anyhow::Result<()> {
    let fetcher = Fetcher::from_settings(None, false)?;
    let cx = match Cx::connect(provider, printer, cluster, fetcher, Duration::ZERO).await {
        Ok(cx) => Some(cx),
        Err(err) => {
            printer.info(&format!("Not showing what is installed: {err:#}"));
            None
        }
    };
    // Every addon's check at once: each is a round trip into the node.
    let (states, recorded) = match &cx {
        Some(cx) => {
            // One check that fails shows `?` for that addon, not an error for the whole table.
            let checks = join_all(CATALOG.iter().map(|i| i.addon.list_state(cx))).await;
            let states = CATALOG
                .iter()
                .zip(checks)
                .map(|(info, state)| {
                    state.unwrap_or_else(|err| {
                        printer.info(&format!("Could not check whether {} is installed: {err:#}", info.name));
                        "?"
                    })
                })
                .collect();
            (states, super::record::versions(cx).await.unwrap_or_default())
        }
        None => (vec!["-"; CATALOG.len()], Default::default()),
    };
    let installed_version = |info: &Info, state: &str| recorded.get(info.name).filter(|_| state == "yes").cloned();
    if format != OutputFormat::Table && format != OutputFormat::Wide {
        let entries: Vec<serde_json::Value> = CATALOG
            .iter()
            .zip(&states)
            .map(|(info, state)| {
                serde_json::json!({
                    "name": info.name,
                    "aliases": info.aliases,
                    "pinnedVersion": info.version,
                    // null when not known (the cluster is not running, or the check failed),
                    // else yes | no | node image.
                    "installed": (*state != "-" && *state != "?").then_some(*state),
                    "installedVersion": installed_version(info, state),
                    "requires": info.requires.iter().map(|d| catalog::info(*d).name).collect::<Vec<_>>(),
                    "description": info.summary,
                })
            })
            .collect();
        print_structured(printer, format, &entries)?;
        return Ok(());
    }
    let mut rows = vec![["NAME".to_string(), "VERSION".into(), "INSTALLED".into(), "DESCRIPTION".into()]];
    for (info, state) in CATALOG.iter().zip(&states) {
        // The pinned version, or the one installed when it differs.
        let version = match installed_version(info, state) {
            Some(v) if v != info.version => format!("{v} (pinned {})", info.version),
            _ => info.version.to_string(),
        };
        rows.push([info.name.to_string(), version, state.to_string(), info.summary.to_string()]);
    }
    let widths: Vec<usize> = (0..3).map(|c| rows.iter().map(|r| r[c].chars().count()).max().unwrap_or(0)).collect();
    for row in rows {
        let line = format!(
            "{:w0$}   {:w1$}   {:w2$}   {}",
            row[0],
            row[1],
            row[2],
            row[3],
            w0 = widths[0],
            w1 = widths[1],
            w2 = widths[2]
        );
        printer.data_line(line.trim_end());
    }
    Ok(())
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn versions_pin_or_override() {
        let gateway = catalog::find("gateway").unwrap();
        assert_eq!(chosen_version(gateway, None).unwrap(), (gateway.version.to_string(), true));
        assert!(chosen_version(gateway, Some(gateway.version)).unwrap().1);
        assert!(chosen_version(gateway, Some(&gateway.version[1..])).unwrap().1);
        assert_eq!(chosen_version(gateway, Some("v9.9.9")).unwrap(), ("v9.9.9".to_string(), false));
        assert_eq!(chosen_version(gateway, Some("1.8.3")).unwrap(), ("v1.8.3".to_string(), false));
        assert_eq!(chosen_version(gateway, Some("V1.8.3")).unwrap(), ("v1.8.3".to_string(), false));
        let ingress = catalog::find("ingress-nginx").unwrap();
        assert_eq!(chosen_version(ingress, Some("controller-v1.15.0")).unwrap(), ("v1.15.0".to_string(), false));
        assert!(chosen_version(ingress, Some("controller-v1.15.1")).unwrap().1);
        for bad in ["../../etc", "v1/../x", "v1?x", "v1#x", "", " ", "-v1", "v1 2"] {
            assert!(matches!(chosen_version(gateway, Some(bad)), Err(AddonError::Version(_))), "{bad:?}");
        }
        let lb = catalog::find("load-balancer").unwrap();
        assert!(matches!(chosen_version(lb, Some("v1")), Err(AddonError::NotVersioned { .. })));
    }
}
