//! `container build` (Apple container 1.x: `-f/--file`, `-t/--tag`,
//! `--build-arg`, `--progress auto|plain|tty`, `-q/--quiet`).

use std::time::Duration;

use super::AppleContainer;
use crate::exec::Runner;
use crate::provider::image_builder::{BuildError, BuildRequest, ImageBuilder};

/// A node image build pulls a base of about 400 MB and runs in a builder VM.
const BUILD_TIMEOUT: Duration = Duration::from_secs(30 * 60);

pub(super) fn build_args(request: &BuildRequest) -> Vec<String> {
    let mut args = vec!["build".to_string(), "--file".into(), request.containerfile.display().to_string()];
    args.extend(["--tag".to_string(), request.tag.clone()]);
    for (key, value) in &request.build_args {
        args.extend(["--build-arg".to_string(), format!("{key}={value}")]);
    }
    if request.show_progress {
        args.extend(["--progress".to_string(), "plain".to_string()]);
    } else {
        args.push("--quiet".to_string());
    }
    args.push(request.context.display().to_string());
    args
}

impl<R: Runner> ImageBuilder for AppleContainer<R> {
    async fn build_image(&self, request: &BuildRequest) -> Result<(), BuildError> {
        let build = self.invocation(build_args(request)).timeout(BUILD_TIMEOUT).inherit_stderr(request.show_progress);
        self.invoke_checked(&build).await.map_err(|source| BuildError::Failed { tag: request.tag.clone(), source })?;
        Ok(())
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn build_argv_names_file_tag_args_and_context() {
        let request = BuildRequest {
            context: "/tmp/ctx".into(),
            containerfile: "/tmp/ctx/Containerfile".into(),
            tag: "kina-node:v1.36.4".into(),
            build_args: vec![("BASE_IMAGE".into(), "kindest/node:v1.36.4@sha256:abc".into())],
            show_progress: true,
        };
        assert_eq!(
            build_args(&request),
            [
                "build",
                "--file",
                "/tmp/ctx/Containerfile",
                "--tag",
                "kina-node:v1.36.4",
                "--build-arg",
                "BASE_IMAGE=kindest/node:v1.36.4@sha256:abc",
                "--progress",
                "plain",
                "/tmp/ctx"
            ]
        );
        let quiet = BuildRequest { show_progress: false, ..request };
        assert_eq!(build_args(&quiet)[7..], ["--quiet", "/tmp/ctx"]);
    }
}
