//! `kina install <addon>`, `kina install --list` and `kina uninstall <addon>`
//! (kina only: kind has no addons).

use std::time::Duration;

use clap::Args;

use crate::addons::{self, InstallOptions, UninstallOptions};
use crate::cluster::ClusterError;
use crate::output::{OutputFormat, Printer};
use crate::provider::Provider;

#[derive(Debug, Args)]
pub struct InstallArgs {
    /// the addon to install (`kina install --list` shows them all)
    #[arg(value_name = "ADDON", required_unless_present = "list", value_parser = AddonName)]
    pub addon: Option<String>,
    /// list the addons, their pinned versions and whether the cluster has them
    #[arg(long, conflicts_with_all = ["version", "addon"])]
    pub list: bool,
    /// --list's output format [default: table]
    #[arg(short = 'o', long, value_enum)]
    pub output: Option<OutputFormat>,
    /// the cluster name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// install this upstream release tag instead of the pinned one (not checksum-checked; for gateway, Envoy Gateway's)
    #[arg(long)]
    pub version: Option<String>,
    /// how long to wait for the addon to be ready (0 to not wait)
    #[arg(long, default_value = "5m", value_parser = crate::duration::parse)]
    pub wait: Duration,
    /// download manifests from this base URL or directory (laid out as <host>/<path>) [default: $KINA_ADDON_MIRROR]
    #[arg(long, value_name = "URL|DIR")]
    pub mirror: Option<String>,
    /// allow a plain-http --mirror off this Mac (one on localhost is always allowed)
    #[arg(long)]
    pub allow_http: bool,
    /// names: how kina may get root for the Mac's /etc/resolver file: ask (on a terminal), sudo, or print the commands [default: $KINA_RESOLVER, else ask]
    #[arg(long, value_enum, value_name = "MODE")]
    pub resolver: Option<crate::dns::resolver::Mode>,
}

#[derive(Debug, Args)]
pub struct UninstallArgs {
    /// the addon to remove
    #[arg(value_name = "ADDON", value_parser = AddonName)]
    pub addon: String,
    /// the cluster name (default kina, or KINA_CLUSTER_NAME)
    #[arg(short = 'n', long)]
    pub name: Option<String>,
    /// the version to remove (default: the one kina recorded at install, else the pinned one)
    #[arg(long)]
    pub version: Option<String>,
    /// download manifests from this base URL or directory (laid out as <host>/<path>) [default: $KINA_ADDON_MIRROR]
    #[arg(long, value_name = "URL|DIR")]
    pub mirror: Option<String>,
    /// allow a plain-http --mirror off this Mac (one on localhost is always allowed)
    #[arg(long)]
    pub allow_http: bool,
    /// names: how kina may get root for the Mac's /etc/resolver file: ask (on a terminal), sudo, or print the commands [default: $KINA_RESOLVER, else ask]
    #[arg(long, value_enum, value_name = "MODE")]
    pub resolver: Option<crate::dns::resolver::Mode>,
}

/// Offers the catalog's names to shell completion and help, but lets any
/// name through so an unknown one gets kina's own error (with its hint).
#[derive(Debug, Clone, Copy)]
struct AddonName;

impl clap::builder::TypedValueParser for AddonName {
    type Value = String;

    fn parse_ref(
        &self,
        _cmd: &clap::Command,
        _arg: Option<&clap::Arg>,
        value: &std::ffi::OsStr,
    ) -> Result<String, clap::Error> {
        Ok(value.to_string_lossy().into_owned())
    }

    fn possible_values(&self) -> Option<Box<dyn Iterator<Item = clap::builder::PossibleValue> + '_>> {
        Some(Box::new(
            addons::CATALOG
                .iter()
                .map(|i| clap::builder::PossibleValue::new(i.name).aliases(i.aliases.iter().copied())),
        ))
    }
}

/// `--mirror`, else `KINA_ADDON_MIRROR` (read here rather than by clap, whose
/// usage line would then show `--mirror` as if it were required).
fn mirror(flag: Option<String>) -> Option<String> {
    flag.or_else(|| std::env::var("KINA_ADDON_MIRROR").ok()).filter(|m| !m.trim().is_empty())
}

pub(super) async fn install<P: Provider>(args: InstallArgs, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let cluster = super::cluster_name(args.name.as_deref());
    // clap's `requires` counts --list's default `false` as given, so check here.
    if args.output.is_some() && !args.list {
        anyhow::bail!("-o/--output formats `kina install --list`; it does not go with installing an addon");
    }
    let Some(addon) = args.addon.filter(|_| !args.list) else {
        return addons::list(provider, printer, &cluster, args.output.unwrap_or_default()).await;
    };
    let mirror = mirror(args.mirror);
    let opts = InstallOptions {
        cluster: &cluster,
        addon: &addon,
        version: args.version.as_deref(),
        wait: args.wait,
        mirror: mirror.as_deref(),
        allow_http: args.allow_http,
        resolver: args.resolver,
    };
    let advice = format!("run it again to finish, or `kina uninstall {addon}`");
    until_interrupted(addons::install(provider, printer, &opts), &format!("kina install {addon}"), &advice).await
}

/// Runs `work` until it ends or the user interrupts; an interrupt drops it,
/// which stops the commands it runs, and exits 130.
async fn until_interrupted(
    work: impl Future<Output = anyhow::Result<()>>,
    what: &str,
    advice: &str,
) -> anyhow::Result<()> {
    tokio::select! {
        result = work => result,
        () = crate::cluster::interrupt::requested() => Err(anyhow::Error::new(ClusterError::Interrupted)
            .context(format!("{what} was interrupted: what it did so far stays; {advice}"))),
    }
}

pub(super) async fn uninstall<P: Provider>(args: UninstallArgs, provider: &P, printer: &Printer) -> anyhow::Result<()> {
    let cluster = super::cluster_name(args.name.as_deref());
    let mirror = mirror(args.mirror);
    let opts = UninstallOptions {
        cluster: &cluster,
        addon: &args.addon,
        version: args.version.as_deref(),
        mirror: mirror.as_deref(),
        allow_http: args.allow_http,
        resolver: args.resolver,
    };
    let what = format!("kina uninstall {}", args.addon);
    until_interrupted(addons::uninstall(provider, printer, &opts), &what, "run it again to finish").await
}

#[cfg(test)]
mod tests {
    use clap::Parser;

    use super::*;
    use crate::cli::{Cli, Command};

    fn parse(args: &[&str]) -> Result<InstallArgs, clap::Error> {
        match Cli::try_parse_from(["kina"].iter().chain(args))?.command {
            Command::Install(args) => Ok(args),
            other => panic!("{other:?}"),
        }
    }

    #[test]
    fn install_takes_an_addon_and_kind_style_flags() {
        let args = parse(&["install", "gateway", "-n", "dev", "--version", "v1.8.0", "--wait", "30s"]).unwrap();
        assert_eq!(args.addon.as_deref(), Some("gateway"));
        assert_eq!(args.name.as_deref(), Some("dev"));
        assert_eq!(args.version.as_deref(), Some("v1.8.0"));
        assert_eq!(args.wait, Duration::from_secs(30));
    }

    #[test]
    fn list_needs_no_addon_and_an_addon_is_otherwise_required() {
        assert!(parse(&["install", "--list"]).unwrap().list);
        assert!(parse(&["install"]).is_err());
        assert!(parse(&["install", "--list", "--version", "1"]).is_err());
    }
}
