//! The `run`/`create` option set, gated by the emulated CLI version (from `Flags.swift` at each tag, e.g.
//! https://github.com/apple/container/blob/1.2.2/Sources/Services/ContainerAPIService/Client/Flags.swift).

use crate::args::{Cmd, Opt, flag, opt};
use crate::config::Version;

/// (option, first version with it, last version with it).
fn table() -> Vec<(Opt, Version, Option<Version>)> {
    let v = |a, b, c| Version(a, b, c);
    let always = v(0, 1, 0);
    vec![
        (opt(&["-e", "--env"], "<env>", "Set environment variables (format: key=value)"), always, None),
        (opt(&["--env-file"], "<env-file>", "Read in a file of environment variables"), always, None),
        (opt(&["--gid"], "<gid>", "Set the group ID for the process"), always, None),
        (flag(&["-i", "--interactive"], "Keep the standard input open even if not attached"), always, None),
        (flag(&["-t", "--tty"], "Open a TTY with the process"), always, None),
        (opt(&["-u", "--user"], "<user>", "Set the user for the process"), always, None),
        (opt(&["--uid"], "<uid>", "Set the user ID for the process"), always, None),
        (opt(&["-w", "--workdir", "--cwd"], "<dir>", "Set the initial working directory"), always, None),
        (opt(&["--ulimit"], "<ulimit>", "Set a resource limit (type=soft[:hard])"), v(0, 9, 0), None),
        (opt(&["-c", "--cpus"], "<cpus>", "Number of CPUs to allocate to the container"), always, None),
        (opt(&["-m", "--memory"], "<memory>", "Amount of memory (K, M, G, T or P suffix)"), always, None),
        (opt(&["-a", "--arch"], "<arch>", "Set arch if image can target multiple architectures"), always, None),
        (opt(&["--cap-add"], "<cap>", "Add a Linux capability (or ALL)"), v(0, 12, 0), None),
        (opt(&["--cap-drop"], "<cap>", "Drop a Linux capability (or ALL)"), v(0, 12, 0), None),
        (opt(&["--cidfile"], "<cidfile>", "Write the container ID to the path provided"), always, None),
        (flag(&["-d", "--detach"], "Run the container and detach from the process"), always, None),
        (opt(&["--dns"], "<ip>", "DNS nameserver IP address"), always, None),
        (opt(&["--dns-domain"], "<domain>", "Default DNS domain"), always, None),
        (opt(&["--dns-option"], "<option>", "DNS options"), always, None),
        (opt(&["--dns-search"], "<domain>", "DNS search domains"), always, None),
        (flag(&["--no-dns"], "Do not configure DNS in the container"), always, None),
        (opt(&["--entrypoint"], "<cmd>", "Override the entrypoint of the image"), always, None),
        (flag(&["--init"], "Run a minimal init process that forwards signals and reaps processes"), v(0, 10, 0), None),
        (opt(&["--init-image"], "<image>", "Use a custom init filesystem image"), v(0, 10, 0), None),
        (opt(&["-k", "--kernel"], "<path>", "Set a custom kernel path"), always, None),
        (opt(&["--kernel-arg"], "<arg>", "Add a kernel command line argument"), v(1, 2, 0), None),
        (opt(&["-l", "--label"], "<label>", "Add a key=value label to the container"), always, None),
        (
            opt(&["--masked-path"], "<path>", "[EXPERIMENTAL] Mask a path in the container (NONE clears the defaults)"),
            v(1, 2, 1),
            None,
        ),
        (
            opt(&["--mount"], "<mount>", "Add a mount to the container (type=<>,source=<>,target=<>,readonly)"),
            always,
            None,
        ),
        (opt(&["--name"], "<name>", "Use the specified name as the container ID"), always, None),
        (opt(&["--network"], "<network>", "Attach the container to a network"), v(0, 2, 0), None),
        (opt(&["--os"], "<os>", "Set OS if image can target multiple operating systems"), always, None),
        (
            opt(
                &["-p", "--publish"],
                "<spec>",
                "Publish a port from container to host ([host-ip:]host-port:container-port[/protocol])",
            ),
            v(0, 3, 0),
            None,
        ),
        (opt(&["--platform"], "<platform>", "Platform for the image if it's multi-platform"), v(0, 4, 0), None),
        (opt(&["--publish-socket"], "<spec>", "Publish a socket from container to host"), v(0, 2, 0), None),
        (flag(&["--read-only"], "Mount the container's root filesystem as read-only"), v(0, 8, 0), None),
        (
            opt(
                &["--read-only-path"],
                "<path>",
                "[EXPERIMENTAL] Make a path read-only in the container (NONE clears the defaults)",
            ),
            v(1, 2, 1),
            None,
        ),
        (flag(&["--rm", "--remove"], "Remove the container after it stops"), always, None),
        (flag(&["--rosetta"], "Enable Rosetta in the container"), v(0, 7, 0), None),
        (opt(&["--runtime"], "<runtime>", "Set the runtime handler for the container"), v(0, 10, 0), None),
        (flag(&["--ssh"], "Forward SSH agent socket to container"), v(0, 4, 0), None),
        (opt(&["--shm-size"], "<size>", "Size of /dev/shm"), v(1, 0, 0), None),
        (opt(&["--tmpfs"], "<tmpfs>", "Add a tmpfs mount to the container at the given path"), always, None),
        (opt(&["-v", "--volume"], "<volume>", "Bind mount a volume into the container"), always, None),
        (flag(&["--virtualization"], "Expose virtualization capabilities to the container"), v(0, 3, 0), None),
        (
            opt(
                &["--scheme"],
                "<scheme>",
                "Scheme to use when connecting to the container registry (http, https, auto)",
            ),
            always,
            None,
        ),
        (opt(&["--progress"], "<type>", "Progress type (format: none|ansi|plain|auto|color)"), v(0, 7, 0), None),
        (opt(&["--max-concurrent-downloads"], "<n>", "Maximum number of concurrent downloads"), v(0, 7, 1), None),
        (flag(&["--disable-progress-updates"], "Disable progress bar updates"), always, Some(v(0, 6, 99))),
    ]
}

/// The options `run`/`create` accept at `version`.
pub fn run_opts(version: Version) -> Vec<Opt> {
    table()
        .into_iter()
        .filter(|(_, since, until)| version >= *since && until.is_none_or(|u| version <= u))
        .map(|(o, _, _)| o)
        .collect()
}

pub fn run_cmd(version: Version, create: bool) -> Cmd {
    let (path, overview) = if create { ("create", "Create a new container") } else { ("run", "Run a container") };
    Cmd::new(path, overview, "[<options>] <image> [<arguments> ...]", run_opts(version)).passthrough(1)
}
