use super::Context;
use crate::provider::Provider;

pub async fn execute<P: Provider>(ctx: &mut Context<'_, P>) -> anyhow::Result<()> {
    if ctx.provider.image_present(&ctx.image).await? {
        return Ok(());
    }
    // On a terminal the runtime draws its own progress while the spinner rests.
    let show_progress = ctx.printer.terminal().spinner;
    ctx.printer.pause();
    let pulled = ctx.provider.pull_image(&ctx.image, show_progress).await;
    ctx.printer.resume();
    pulled?;
    Ok(())
}
