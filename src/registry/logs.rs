//! The registries' part of `kina export logs`: `<dir>/registries/<name>/` with the
//! VM's description and its log (the registry's access and error lines).

use std::path::Path;

use crate::provider::Diagnostics;
use crate::provider::registry::RegistryRuntime;

/// Writes what there is; what could not be read becomes a line of `NOTES.txt`.
pub(crate) async fn export<P: Diagnostics + RegistryRuntime>(provider: &P, dir: &Path) -> anyhow::Result<()> {
    let registries = provider.list_registries().await?;
    for registry in registries.into_iter().filter(|r| r.is_vm()) {
        let out = dir.join("registries").join(&registry.name);
        std::fs::create_dir_all(&out)?;
        let mut notes = Vec::new();
        match provider.inspect_raw(&registry.name).await {
            Ok(text) => std::fs::write(out.join("inspect.json"), text)?,
            Err(err) => notes.push(format!("inspect.json: {err}")),
        }
        match provider.registry_logs(&registry.name).await {
            Ok(text) => std::fs::write(out.join("registry.log"), text)?,
            Err(err) => notes.push(format!("registry.log: {err}")),
        }
        if !notes.is_empty() {
            std::fs::write(out.join("NOTES.txt"), format!("{}\n", notes.join("\n")))?;
        }
    }
    Ok(())
}
