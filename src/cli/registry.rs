//! `kina create registry`, `kina delete registry`, `kina get registries` (docs/registry.md).

use clap::Args;
use serde::Serialize;

use crate::output::{OutputFormat, Printer, print_structured};
use crate::provider::Provider;
use crate::provider::registry::RegistryRuntime;
use crate::registry::{self, DEFAULT_NAME, DEFAULT_PORT};

#[derive(Debug, Args)]
pub struct CreateRegistryArgs {
    /// the registry's name (its VM's too)
    #[arg(short = 'n', long, default_value = DEFAULT_NAME)]
    pub name: String,
    /// the port on this Mac: images are pushed to and pulled from localhost:<port>
    #[arg(long, default_value_t = DEFAULT_PORT, value_parser = clap::value_parser!(u16).range(1..))]
    pub port: u16,
}

#[derive(Debug, Args)]
pub struct DeleteRegistryArgs {
    /// the registry's name
    #[arg(short = 'n', long, default_value = DEFAULT_NAME)]
    pub name: String,
}

#[derive(Debug, Args)]
pub struct GetRegistriesArgs {
    /// output format (table: name, state, host, push command)
    #[arg(short = 'o', long, value_enum, default_value = "table")]
    pub output: OutputFormat,
}

/// One element of `kina get registries -o json|yaml` (docs/registry.md).
#[derive(Debug, Serialize)]
struct RegistryItem {
    name: String,
    state: String,
    /// `localhost:<port>`, as pods and pushes name it.
    host: String,
    port: u16,
    /// The registry VM's address, where the nodes reach it; None while stopped, and for
    /// a registry inside a node.
    ip: Option<String>,
    /// macOS 15: the cluster whose control-plane node runs it; None for a registry VM.
    cluster: Option<String>,
    #[serde(rename = "pushCommand")]
    push_command: String,
}

pub(super) async fn create<P: Provider + RegistryRuntime>(
    args: CreateRegistryArgs,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    registry::create(provider, printer, &args.name, args.port).await?;
    printer.info(&format!(
        "Use it in a new cluster with `kina create cluster --registry {}`; pods pull localhost:{}/<image>:<tag>",
        args.name, args.port
    ));
    Ok(())
}

pub(super) async fn delete<P: Provider + RegistryRuntime>(
    args: DeleteRegistryArgs,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    registry::delete(provider, printer, &args.name).await
}

pub(super) async fn get<P: RegistryRuntime>(
    args: GetRegistriesArgs,
    provider: &P,
    printer: &Printer,
) -> anyhow::Result<()> {
    let registries = registry::list(provider).await?;
    let items: Vec<RegistryItem> = registries
        .iter()
        .map(|r| RegistryItem {
            name: r.name.clone(),
            state: r.state.as_str().to_string(),
            host: registry::host(r.port),
            port: r.port,
            ip: r.ipv4.filter(|_| r.is_vm()).map(|ip| ip.to_string()),
            cluster: r.cluster.clone(),
            push_command: registry::push_command(r.port, "<image>:<tag>"),
        })
        .collect();
    if print_structured(printer, args.output, &items)? {
        return Ok(());
    }
    if items.is_empty() {
        printer.info("No kina registries found.");
        return Ok(());
    }
    printer.data_line(&format!("{:<20} {:<9} {:<16} PUSH", "NAME", "STATE", "HOST"));
    for item in &items {
        printer.data_line(&format!("{:<20} {:<9} {:<16} {}", item.name, item.state, item.host, item.push_command));
    }
    Ok(())
}
