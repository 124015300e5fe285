use super::Context;
use crate::provider::Provider;

/// Every distinct node image, pulled if the runtime does not have it.
pub(super) async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    let mut images: Vec<&str> = ctx.nodes.iter().map(|n| n.spec.image.as_str()).collect();
    images.sort_unstable();
    images.dedup();
    for image in images {
        if ctx.provider.image_id(image).await?.is_some() {
            continue;
        }
        // On a terminal the runtime draws its own progress while the spinner rests.
        let show_progress = ctx.printer.terminal().spinner;
        ctx.printer.pause();
        let pulled = ctx.provider.pull_image(image, show_progress).await;
        ctx.printer.resume();
        pulled?;
    }
    Ok(())
}
