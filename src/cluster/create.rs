//! `kina create cluster`: kind's create flow on Apple `container` VMs.

use std::path::PathBuf;
use std::time::Duration;

use anyhow::Context as _;

use super::actions::{Action, Context, RunState, export_kubeconfig};
use super::{ClusterError, ROLE_CONTROL_PLANE, interrupt, names};
use crate::config::Networking;
use crate::kubeconfig;
use crate::output::Printer;
use crate::provider::{Provider, Purpose, RuntimeInfo};

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
    let runtime = check_before_create(provider, &opts.name).await.context("failed to create cluster")?;
    if let Some(warning) = runtime.warning {
        printer.warn(&warning);
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
        run_state: RunState::NotStarted,
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
            clean_up(provider, printer, &opts.name, &control_plane, ctx.run_state).await;
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

/// Everything that must hold before anything is made (kind's order: name,
/// runtime, no existing nodes).
async fn check_before_create<P: Provider>(provider: &P, name: &str) -> anyhow::Result<RuntimeInfo> {
    names::validate(name)?;
    let runtime = provider.preflight(Purpose::CreateNodes).await?;
    if provider.list_nodes().await?.iter().any(|n| n.cluster == name) {
        return Err(ClusterError::AlreadyExists(name.to_string()).into());
    }
    Ok(runtime)
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

/// Removes the node VM this create made, and nothing else: not another
/// process's node of the same name, not a container kina did not label.
async fn clean_up<P: Provider>(provider: &P, printer: &Printer, cluster: &str, node: &str, run_state: RunState) {
    if matches!(run_state, RunState::NotStarted | RunState::Refused) {
        return;
    }
    let result = async {
        // An interrupted `container run` may still be finishing on the runtime's side.
        let mut delay = Duration::from_millis(100);
        let found = loop {
            let nodes = provider.list_nodes().await?;
            if nodes.iter().any(|n| n.name == node && n.cluster == cluster) {
                break true;
            }
            if run_state != RunState::InFlight || delay > Duration::from_secs(2) {
                break false;
            }
            tokio::time::sleep(delay).await;
            delay *= 2;
        };
        let doomed: Vec<String> = if found { vec![node.to_string()] } else { Vec::new() };
        provider.delete_nodes(&doomed).await?;
        anyhow::Ok(doomed)
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
