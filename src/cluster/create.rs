//! `kina create cluster`: kind's create flow on Apple `container` VMs.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use super::actions::{Action, Context, export_kubeconfig};
use super::{ClusterError, ROLE_CONTROL_PLANE, interrupt, names};
use crate::config::Networking;
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::Provider;

pub struct CreateOptions {
    pub name: String,
    pub image: String,
    pub retain: bool,
    pub wait: Duration,
    pub kubeconfig: PathBuf,
    /// Shown in the `kubectl cluster-info` hint when the user chose the file.
    pub explicit_kubeconfig: bool,
    pub networking: Networking,
}

pub async fn create<P: Provider>(provider: &P, printer: &Printer, opts: &CreateOptions) -> anyhow::Result<()> {
    names::validate(&opts.name)?;
    provider.preflight().await?;
    let existing = provider.list_nodes().await?;
    if existing.iter().any(|n| n.cluster == opts.name) {
        return Err(ClusterError::AlreadyExists(opts.name.clone()).into());
    }

    printer.info(&format!("Creating cluster {:?} ...", opts.name));
    let control_plane = names::node_name(&opts.name, ROLE_CONTROL_PLANE, 1);
    let mut ctx = Context {
        provider,
        printer,
        cluster: opts.name.clone(),
        image: opts.image.clone(),
        control_plane: control_plane.clone(),
        api_server_host_port: match opts.networking.api_server_port {
            0 => free_local_port().context("no free port on 127.0.0.1 for the API server")?,
            port => port,
        },
        pod_subnet: opts.networking.pod_subnet.clone(),
        service_subnet: opts.networking.service_subnet.clone(),
        install_cni: !opts.networking.disable_default_cni,
        wait: opts.wait,
        kubeconfig: opts.kubeconfig.clone(),
        node: None,
        kubernetes_version: None,
    };

    let outcome = tokio::select! {
        result = run_actions(&mut ctx) => result,
        () = interrupt::requested() => Err(ClusterError::Interrupted.into()),
    };
    if let Err(err) = outcome {
        printer.end(false);
        let interrupted = matches!(err.downcast_ref::<ClusterError>(), Some(ClusterError::Interrupted));
        if opts.retain {
            printer.info(&format!("Keeping nodes of cluster {:?} (--retain)", opts.name));
        } else {
            clean_up(provider, printer, &opts.name).await;
        }
        if interrupted {
            return Err(err);
        }
        return Err(ClusterError::Step {
            step: "failed to create cluster".into(),
            node: control_plane,
            retained: opts.retain,
            source: err,
        }
        .into());
    }

    let context = kubeconfig::kina_key(&opts.name);
    printer.info(&format!("Set kubectl context to {context:?}"));
    printer.info("You can now use your cluster with:\n");
    let hint = if opts.explicit_kubeconfig {
        let path = opts.kubeconfig.display().to_string();
        format!("kubectl cluster-info --context {context} --kubeconfig {}", shell_words::quote(&path))
    } else {
        format!("kubectl cluster-info --context {context}")
    };
    printer.info(&hint);
    printer.info("\nHave a nice day! 👋");
    Ok(())
}

async fn run_actions<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    for action in Action::plan(ctx.wait, ctx.install_cni) {
        ctx.printer.start(&action.label(ctx));
        action.execute(ctx).await?;
    }
    ctx.printer.end(true);
    // Last, so a failure anywhere above leaves the kubeconfig untouched.
    let node = ctx.node()?.clone();
    export_kubeconfig(ctx.provider, &node, &ctx.kubeconfig, false).await
}

/// Removes every node of the cluster that this create made.
async fn clean_up<P: Provider>(provider: &P, printer: &Printer, cluster: &str) {
    let result = async {
        let nodes: Vec<String> =
            provider.list_nodes().await?.into_iter().filter(|n| n.cluster == cluster).map(|n| n.name).collect();
        provider.delete_nodes(&nodes).await?;
        anyhow::Ok(nodes)
    }
    .await;
    match result {
        Ok(nodes) if nodes.is_empty() => {}
        Ok(nodes) => printer.info(&format!("Deleted nodes: {}", super::delete::quoted_list(&nodes))),
        Err(err) => printer.warn(&format!(
            "could not remove the nodes of cluster {cluster:?}: {err:#}; remove them with `kina delete cluster --name {cluster}`"
        )),
    }
}

/// A port on 127.0.0.1 that nothing listens on right now (kind's approach).
fn free_local_port() -> std::io::Result<u16> {
    let listener = std::net::TcpListener::bind(("127.0.0.1", 0))?;
    Ok(listener.local_addr()?.port())
}
