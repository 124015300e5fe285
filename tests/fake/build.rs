//! `container build` and `container builder`: the BuildKit builder VM's state, and
//! a build that runs a kina-node Containerfile's `RUN sh …/bake.sh` for real (with
//! dash, in a scratch root seeded with the base image's files), so the image it
//! stores carries exactly the files the scripts produce.

use std::collections::BTreeMap;
use std::path::Path;

use crate::app::Session;
use crate::args::{Cmd, flag, opt, subcommand};
use crate::images::{Ref, ensure, lookup};
use crate::out::{Out, or_return};
use crate::store::Image;
use crate::util::iso_now;

/// The fake's wording when the builder VM is not running (`KINA_FAKE_BUILDER=stopped`
/// or after `container builder stop`).
pub const BUILDER_DOWN: &str = "Error: builder is not running; start it with `container builder start`";

fn build_cmd() -> Cmd {
    Cmd::new(
        "build",
        "Build an image from a Dockerfile or Containerfile",
        "[<options>] [<context-dir>]",
        vec![
            opt(&["-f", "--file"], "<file>", "Path to Dockerfile"),
            opt(&["-t", "--tag"], "<name>", "Name for the built image"),
            opt(&["--build-arg"], "<key=val>", "Set build-time variables"),
            opt(&["--platform"], "<platform>", "Set the target platform"),
            opt(&["-a", "--arch"], "<value>", "Set the target architecture"),
            opt(&["--os"], "<value>", "Set the target OS"),
            opt(&["--target"], "<stage>", "Set the target build stage"),
            flag(&["--no-cache"], "Do not use cache"),
            flag(&["--pull"], "Pull latest image"),
            opt(&["-o", "--output"], "<value>", "Output configuration for the build"),
            opt(&["-l", "--label"], "<key=val>", "Set a label"),
            flag(&["-q", "--quiet"], "Suppress build output"),
            opt(&["--progress"], "<type>", "Progress type (format: auto|plain|tty)"),
            opt(&["-c", "--cpus"], "<cpus>", "Number of CPUs to allocate to the builder container"),
            opt(&["-m", "--memory"], "<memory>", "Amount of builder container memory"),
        ],
    )
}

pub fn build(s: &mut Session, args: &[String]) -> Out {
    let c = build_cmd();
    let p = or_return!(c.parse(args));
    if let Some(progress) = p.value("--progress")
        && !["auto", "plain", "tty"].contains(&progress)
    {
        return c.usage_error(format!("The value '{progress}' is invalid for '--progress <type>'"));
    }
    let context = p.positionals.first().cloned().unwrap_or_else(|| ".".into());
    let file = p.value("--file").map_or_else(|| Path::new(&context).join("Dockerfile"), |f| Path::new(f).to_path_buf());
    let containerfile = match std::fs::read_to_string(&file) {
        Ok(text) => text,
        Err(e) => return Out::error(format!("Error: failed to read {}: {e}", file.display())),
    };
    let tags: Vec<String> = p.values("--tag").iter().map(|t| t.to_string()).collect();
    let mut args_map: BTreeMap<String, String> = BTreeMap::new();
    for arg in p.values("--build-arg") {
        match arg.split_once('=') {
            Some((k, v)) => args_map.insert(k.to_string(), v.to_string()),
            None => return Out::error(format!("Error: invalid build argument {arg:?}: expected KEY=VALUE")),
        };
    }
    let builder_down = s.cfg.builder_stopped;
    let state = or_return!(s.state());
    let running = state.builder.as_deref().map_or(!builder_down, |b| b == "running");
    if !running {
        return Out::fail(1, format!("{BUILDER_DOWN}\n"));
    }
    let plan = match Containerfile::parse(&containerfile, &args_map) {
        Ok(plan) => plan,
        Err(e) => return Out::error(format!("Error: {}: {e}", file.display())),
    };
    let mut stderr = String::new();
    let base_key = match ensure(state, &plan.from, true, &mut stderr) {
        Ok(key) => key,
        Err(out) => return out,
    };
    let base_files = lookup(state, &base_key).map(|i| i.files.clone()).unwrap_or_default();
    let scratch = s.cfg.state_dir.join(format!("build-{}", std::process::id()));
    // The RUN lines run with no lock held; the state is read afresh after them.
    or_return!(s.release());
    let built = run_steps(&plan, Path::new(&context), &base_key, base_files, &scratch);
    let _ = std::fs::remove_dir_all(&scratch);
    let state = or_return!(s.state());
    let files = match built {
        Ok(files) => files,
        Err(e) => return Out::fail(1, format!("Error: build failed: {e}\n")),
    };
    let quiet = p.has("--quiet");
    if !quiet {
        stderr.push_str(&format!(
            "[+] Building 1/1 FINISHED\n => [1/3] FROM {}\n => [2/3] COPY\n => [3/3] RUN\n",
            plan.from
        ));
    }
    let seed = format!("{base_key}{files:?}");
    let digest = crate::oci::image(&seed).index.digest();
    let mut names = Vec::new();
    for tag in &tags {
        let key = match Ref::parse(tag) {
            Ok(r) => r.normalized(),
            Err(e) => return Out::error(e),
        };
        state.images.insert(
            key.clone(),
            Image {
                reference: key.clone(),
                digest: digest.clone(),
                size: 760,
                created: iso_now(),
                files: files.clone(),
                seed: seed.clone(),
            },
        );
        names.push(key);
    }
    let stdout = if quiet { format!("{digest}\n") } else { format!("Successfully built {}\n", tags.join(", ")) };
    Out { stdout, stderr, code: 0 }
}

/// The subset of a Containerfile kina's image uses: `ARG`, `FROM`, `COPY … /dir/`,
/// `RUN`. Anything else is refused rather than ignored.
struct Containerfile {
    from: String,
    copies: Vec<(Vec<String>, String)>,
    runs: Vec<String>,
}

impl Containerfile {
    fn parse(text: &str, build_args: &BTreeMap<String, String>) -> Result<Containerfile, String> {
        let mut args: BTreeMap<String, String> = BTreeMap::new();
        let (mut from, mut copies, mut runs) = (None, Vec::new(), Vec::new());
        for line in text.lines().map(str::trim).filter(|l| !l.is_empty() && !l.starts_with('#')) {
            let (instruction, rest) = line.split_once(' ').unwrap_or((line, ""));
            let expand = |s: &str, args: &BTreeMap<String, String>| {
                let mut out = s.to_string();
                for (k, v) in args {
                    out = out.replace(&format!("${{{k}}}"), v);
                }
                out
            };
            match instruction {
                "ARG" => {
                    let (k, default) = rest.split_once('=').unwrap_or((rest, ""));
                    let value = build_args.get(k).cloned().or_else(|| args.get(k).cloned()).unwrap_or(default.into());
                    args.insert(k.to_string(), value);
                }
                "FROM" => from = Some(expand(rest, &args)),
                "COPY" => {
                    let mut words: Vec<String> = rest.split_whitespace().map(String::from).collect();
                    let dest = words.pop().ok_or("COPY without a destination")?;
                    copies.push((words, dest));
                }
                "RUN" => runs.push(expand(rest, &args)),
                other => return Err(format!("instruction {other} is not emulated by the fake")),
            }
        }
        let from = from.ok_or("no FROM instruction")?;
        if from.contains("${") {
            return Err(format!("unresolved build argument in FROM {from}"));
        }
        Ok(Containerfile { from, copies, runs })
    }
}

/// Runs the RUN lines with dash in a scratch root holding the base image's files and
/// the copied context; returns the root's files afterwards.
fn run_steps(
    plan: &Containerfile,
    context: &Path,
    base: &str,
    mut files: BTreeMap<String, String>,
    root: &Path,
) -> Result<BTreeMap<String, String>, String> {
    std::fs::create_dir_all(root).map_err(|e| e.to_string())?;
    files
        .entry("/kind/version".into())
        .or_insert_with(|| format!("{}\n", crate::node::model::version_from_image(base)));
    for (path, content) in &files {
        write(root, path, content)?;
    }
    for (sources, dest) in &plan.copies {
        for source in sources {
            let content = std::fs::read_to_string(context.join(source)).map_err(|e| format!("COPY {source}: {e}"))?;
            write(root, &format!("{}/{source}", dest.trim_end_matches('/')), &content)?;
        }
    }
    let root_str = root.to_str().ok_or("scratch root is not UTF-8")?;
    for run in &plan.runs {
        // `/` in the Containerfile is the scratch root here.
        let script = run
            .replace(" / ", &format!(" {root_str}/ "))
            .replace("sh /kina/build/", &format!("sh {root_str}/kina/build/"));
        let script = script.replace("rm -rf /kina/build", &format!("rm -rf {root_str}/kina/build"));
        let out =
            std::process::Command::new("dash").arg("-c").arg(&script).output().map_err(|e| format!("dash: {e}"))?;
        if !out.status.success() {
            return Err(format!("RUN {run}: {}", String::from_utf8_lossy(&out.stderr).trim()));
        }
    }
    let mut produced = BTreeMap::new();
    collect(root, root, &mut produced)?;
    Ok(produced)
}

fn write(root: &Path, path: &str, content: &str) -> Result<(), String> {
    let target = root.join(path.trim_start_matches('/'));
    if let Some(parent) = target.parent() {
        std::fs::create_dir_all(parent).map_err(|e| e.to_string())?;
    }
    std::fs::write(&target, content).map_err(|e| format!("{path}: {e}"))
}

/// Regular files and symlinks (as `-> target`) under `dir`, keyed by their path in the image.
fn collect(root: &Path, dir: &Path, out: &mut BTreeMap<String, String>) -> Result<(), String> {
    for entry in std::fs::read_dir(dir).map_err(|e| e.to_string())? {
        let path = entry.map_err(|e| e.to_string())?.path();
        let meta = std::fs::symlink_metadata(&path).map_err(|e| e.to_string())?;
        let key = format!("/{}", path.strip_prefix(root).unwrap().display());
        if meta.is_dir() {
            collect(root, &path, out)?;
        } else if meta.file_type().is_symlink() {
            let target = std::fs::read_link(&path).map_err(|e| e.to_string())?;
            out.insert(key, format!("-> {}", target.display()));
        } else {
            out.insert(key, std::fs::read_to_string(&path).map_err(|e| e.to_string())?);
        }
    }
    Ok(())
}

/// `container builder start|stop`.
pub fn builder(s: &mut Session, args: &[String]) -> Out {
    let (sub, rest) = subcommand(args);
    let c = Cmd::new("builder", "Manage the image builder", "<subcommand>", vec![]);
    let _ = or_return!(c.parse(rest));
    let state = or_return!(s.state());
    match sub {
        "start" => {
            state.builder = Some("running".into());
            Out::default()
        }
        "stop" => {
            state.builder = Some("stopped".into());
            Out::default()
        }
        "status" | "delete" | "rm" => Out::error(format!("builder {sub} is not emulated by the fake container CLI")),
        other => Out::fail(64, format!("Error: Unknown subcommand '{other}'\nUsage: container builder <subcommand>\n")),
    }
}
