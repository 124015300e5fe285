//! Simple in-node programs: `true`, `echo`, `sleep`, `hostname`, `nproc`, `uname`,
//! `pgrep`, and the dispatch to the file programs (file_tools.rs) and `test`
//! (test_expr.rs). Each parses its options as the real one does (tool_options.rs).

use super::tool_options::{self as opts, any, coreutils, last_of, last_value, refuse_unmodelled, try_help};
use super::{Ctx, getopt, program_name};
use crate::out::{Out, or_return};

/// Runs a simple program (`argv0` as it was called), or `None` if the node has no
/// such executable.
pub fn run(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Option<Out> {
    use super::file_tools as f;
    Some(match program_name(argv0) {
        // coreutils' true and false ignore their arguments.
        "true" | ":" => Out::default(),
        "false" => Out::fail(1, ""),
        "echo" => echo(args),
        "sleep" => sleep(argv0, args),
        "hostname" => hostname(ctx, argv0, args),
        "cat" => f::cat(ctx, argv0, args),
        "cp" => f::cp(ctx, argv0, args),
        "mv" => f::mv(ctx, argv0, args),
        "tee" => f::tee(ctx, argv0, args),
        "mkdir" => f::mkdir(ctx, argv0, args),
        "rm" => f::rm(ctx, argv0, args),
        "ls" => f::ls(ctx, argv0, args),
        "chmod" => f::chmod(ctx, argv0, args),
        "chown" => f::chown(ctx, argv0, args),
        "test" | "[" => super::test_expr::test(ctx, argv0, args),
        "pgrep" => pgrep(ctx, argv0, args),
        "nproc" => nproc(ctx, argv0, args),
        "uname" => uname(ctx, argv0, args),
        _ => return None,
    })
}

// ---- echo --------------------------------------------------------------------

/// coreutils' `/bin/echo`: leading words made only of `n`, `e` and `E` after a dash
/// are options; anything else (`--`, `-x`) is printed. Escapes only with `-e`.
fn echo(args: &[String]) -> Out {
    let is_option = |a: &String| a.len() > 1 && a.starts_with('-') && a[1..].chars().all(|c| "neE".contains(c));
    let (mut newline, mut escapes) = (true, false);
    let options = args.iter().take_while(|a| is_option(a)).count();
    for c in args[..options].iter().flat_map(|a| a[1..].chars()) {
        match c {
            'n' => newline = false,
            'e' => escapes = true,
            _ => escapes = false,
        }
    }
    let text = args[options..].join(" ");
    let (mut text, stopped) = if escapes { unescape(&text) } else { (text, false) };
    if newline && !stopped {
        text.push('\n');
    }
    Out::ok(text)
}

/// `echo -e`'s escapes; true if `\c` cut the output short.
fn unescape(text: &str) -> (String, bool) {
    let mut out = String::new();
    let mut chars = text.chars().peekable();
    while let Some(c) = chars.next() {
        if c != '\\' || chars.peek().is_none() {
            out.push(c);
            continue;
        }
        let e = chars.next().unwrap_or('\\');
        let simple = match e {
            'a' => Some('\x07'),
            'b' => Some('\x08'),
            'e' => Some('\x1b'),
            'f' => Some('\x0c'),
            'n' => Some('\n'),
            'r' => Some('\r'),
            't' => Some('\t'),
            'v' => Some('\x0b'),
            '\\' => Some('\\'),
            _ => None,
        };
        match (e, simple) {
            (_, Some(s)) => out.push(s),
            ('c', _) => return (out, true),
            ('x', _) if chars.peek().is_some_and(|h| h.is_ascii_hexdigit()) => {
                out.push(char::from(take_digits(&mut chars, 16, 2) as u8));
            }
            ('0', _) => out.push(char::from(take_digits(&mut chars, 8, 3) as u8)),
            ('1'..='7', _) => {
                out.push(char::from((e.to_digit(8).unwrap_or(0) * 64 + take_digits(&mut chars, 8, 2)) as u8));
            }
            _ => {
                out.push('\\');
                out.push(e);
            }
        }
    }
    (out, false)
}

fn take_digits(chars: &mut std::iter::Peekable<std::str::Chars>, radix: u32, at_most: usize) -> u32 {
    let mut value = 0;
    for _ in 0..at_most {
        match chars.peek().and_then(|c| c.to_digit(radix)) {
            Some(d) => {
                value = value * radix + d;
                chars.next();
            }
            None => break,
        }
    }
    value
}

// ---- sleep, nproc, uname ---------------------------------------------------------

/// `sleep NUMBER[smhd]...`: checked, and over at once.
fn sleep(argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::SLEEP, args));
    if p.operands.is_empty() {
        return try_help(argv0, &format!("{argv0}: missing operand"), 1);
    }
    for interval in &p.operands {
        let number = interval.strip_suffix(['s', 'm', 'h', 'd']).unwrap_or(interval);
        let valid = number.eq_ignore_ascii_case("inf")
            || number.eq_ignore_ascii_case("infinity")
            || number.parse::<f64>().is_ok_and(|n| n >= 0.0 && !number.starts_with('-'));
        if !valid {
            return try_help(argv0, &format!("{argv0}: invalid time interval '{interval}'"), 1);
        }
    }
    Out::default()
}

fn nproc(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::NPROC, args));
    if let Some(extra) = p.operands.first() {
        return try_help(argv0, &format!("{argv0}: extra operand '{extra}'"), 1);
    }
    let ignore = match last_value(&p, &["--ignore"]).map(|n| n.trim().parse::<u64>()) {
        None => 0,
        Some(Ok(n)) => n,
        Some(Err(_)) => {
            let n = last_value(&p, &["--ignore"]).unwrap_or_default();
            return Out::fail(1, format!("{argv0}: invalid number: '{n}'"));
        }
    };
    let cpus = &ctx.container().config["resources"]["cpus"];
    let cpus = cpus.as_u64().or_else(|| cpus.as_str().and_then(|c| c.parse().ok())).unwrap_or(1);
    Out::lines(&[cpus.saturating_sub(ignore).max(1).to_string()])
}

/// `uname`'s fields in its order: (short option, long option, value).
fn uname_fields(ctx: &mut Ctx) -> [(&'static str, &'static str, String); 8] {
    let host = ctx.container().hostname.clone();
    [
        ("-s", "--kernel-name", "Linux".into()),
        ("-n", "--nodename", host),
        ("-r", "--kernel-release", ctx.cfg.kernel.clone()),
        // As the fake's boot log has it (`Linux version ... #1 SMP PREEMPT`).
        ("-v", "--kernel-version", "#1 SMP PREEMPT".into()),
        // Apple's `container` runs arm64 Linux VMs.
        ("-m", "--machine", "aarch64".into()),
        ("-p", "--processor", "unknown".into()),
        ("-i", "--hardware-platform", "unknown".into()),
        ("-o", "--operating-system", "GNU/Linux".into()),
    ]
}

fn uname(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::UNAME, args));
    if let Some(extra) = p.operands.first() {
        return try_help(argv0, &format!("{argv0}: extra operand '{extra}'"), 1);
    }
    let all = any(&p, &["-a", "--all"]);
    let fields = uname_fields(ctx);
    let asked = |short: &str, long: &str| {
        // `--release` and `--sysname` are old names of two of them.
        let alias = match long {
            "--kernel-release" => "--release",
            "--kernel-name" => "--sysname",
            _ => long,
        };
        any(&p, &[short, long, alias])
    };
    let none_asked = !all && !fields.iter().any(|(s, l, _)| asked(s, l));
    let shown: Vec<&str> = fields
        .iter()
        .filter(|(s, l, value)| asked(s, l) || (all && value != "unknown") || (none_asked && *s == "-s"))
        .map(|(_, _, value)| value.as_str())
        .collect();
    Out::lines(&[shown.join(" ")])
}

// ---- hostname ------------------------------------------------------------------

/// hostname 3.23's usage, printed on stdout with a bad option (exit 255).
const HOSTNAME_USAGE: &str = r#"Usage: hostname [-b] {hostname|-F file}         set host name (from file)
       hostname [-a|-A|-d|-f|-i|-I|-s|-y]       display formatted name
       hostname                                 display host name

       {yp,nis,}domainname {nisdomain|-F file}  set NIS domain name (from file)
       {yp,nis,}domainname                      display NIS domain name

       dnsdomainname                            display dns domain name

       hostname -V|--version|-h|--help          print info and exit

Program name:
       {yp,nis,}domainname=hostname -y
       dnsdomainname=hostname -d

Program options:
    -a, --alias            alias names
    -A, --all-fqdns        all long host names (FQDNs)
    -b, --boot             set default hostname if none available
    -d, --domain           DNS domain name
    -f, --fqdn, --long     long host name (FQDN)
    -F, --file             read host name or NIS domain name from given file
    -i, --ip-address       addresses for the host name
    -I, --all-ip-addresses all addresses for the host
    -s, --short            short host name
    -y, --yp, --nis        NIS/YP domain name

Description:
   This command can get or set the host name or the NIS domain name. You can
   also get the DNS domain or the FQDN (fully qualified domain name).
   Unless you are using bind or NIS for host lookups you can change the
   FQDN (Fully Qualified Domain Name) and the DNS domain name (which is
   part of the FQDN) in the /etc/hosts file.
"#;

fn hostname_usage(why: Option<String>) -> Out {
    let mut out = Out::ok(HOSTNAME_USAGE).exit(255);
    if let Some(why) = why {
        out.stderr = format!("{why}\n");
    }
    out
}

fn hostname(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = match getopt::parse(argv0, &opts::HOSTNAME, args) {
        Ok(p) => p,
        Err(why) => return hostname_usage(Some(why)),
    };
    if any(&p, &["-h", "--help"]) {
        return hostname_usage(None);
    }
    if any(&p, &["-V", "--version"]) {
        return Out::lines(&["hostname 3.23"]);
    }
    if !p.operands.is_empty() || any(&p, &["-b", "--boot", "-F", "--file"]) {
        return opts::unmodelled(argv0, "NAME (setting the host name)");
    }
    let name = ctx.container().hostname.clone();
    let hosts = ctx.node().read("/etc/hosts").cloned().unwrap_or_default();
    let kind = last_of(
        &p,
        &[
            "-a",
            "--alias",
            "-A",
            "--all-fqdns",
            "-d",
            "--domain",
            "-f",
            "--fqdn",
            "--long",
            "-i",
            "--ip-address",
            "-I",
            "--all-ip-addresses",
            "-s",
            "--short",
            "-y",
            "--yp",
            "--nis",
        ],
    );
    let prog = program_name(argv0);
    let line =
        hosts.lines().map(|l| l.split_whitespace().collect::<Vec<_>>()).find(|w| w[1..].contains(&name.as_str()));
    let addresses = interface_addresses(ctx);
    match (kind, line) {
        (None, _) => Out::lines(&[name]),
        (Some("-s" | "--short"), _) => Out::lines(&[name.split('.').next().unwrap_or_default()]),
        (Some("-I" | "--all-ip-addresses"), _) => {
            Out::lines(&[addresses.iter().map(|a| format!("{a} ")).collect::<String>()])
        }
        (Some("-A" | "--all-fqdns"), _) => {
            Out::lines(&[addresses.iter().map(|_| format!("{name} ")).collect::<String>()])
        }
        (Some("-y" | "--yp" | "--nis"), _) => Out::fail(1, format!("{prog}: Local domain name not set")),
        (Some(_), None) => Out::fail(1, format!("{prog}: Name or service not known")),
        (Some("-i" | "--ip-address"), Some(words)) => Out::lines(&[words[0]]),
        (Some("-a" | "--alias"), Some(words)) => Out::lines(&[words[2..].join(" ")]),
        (Some("-d" | "--domain"), Some(words)) => Out::lines(&[words[1].split_once('.').map_or("", |(_, d)| d)]),
        (Some(_), Some(words)) => Out::lines(&[words[1]]),
    }
}

/// The node's own addresses: eth0's, then those `ip addr add` gave it.
fn interface_addresses(ctx: &mut Ctx) -> Vec<String> {
    let mut addresses: Vec<String> = ctx.container().ip().into_iter().collect();
    addresses.extend(ctx.node().addresses.iter().map(|a| a.split('/').next().unwrap_or(a).to_string()));
    addresses
}

/// The containerd socket probe; fails while `KINA_FAKE_BOOT_POLLS` probes remain, and
/// for as long as containerd cannot load its config.
pub fn containerd_up(ctx: &mut Ctx) -> bool {
    if !crate::spec::boots_systemd(&ctx.container().config) {
        return false;
    }
    let node = ctx.node();
    if node.boot_polls_left > 0 {
        node.boot_polls_left -= 1;
        return false;
    }
    containerd_config_error(node).is_none()
}

/// Why the running containerd serves no CRI (a CRI plugin that failed to load), if so.
pub fn cri_error(node: &super::model::Node) -> Option<String> {
    if containerd_config_error(node).is_some() {
        return None;
    }
    node.read(super::image_files::CONTAINERD_CONFIG_PATH).and_then(|text| super::image_files::cri_plugin_error(text))
}

/// What a CRI client gets from a containerd that serves no CRI (`service` is
/// `RuntimeService` or `ImageService`).
pub fn cri_unimplemented(service: &str) -> String {
    let api = if service == "ImageService" { "image" } else { "runtime" };
    format!(
        "validate service connection: validate CRI v1 {api} API for endpoint \"unix:///run/containerd/containerd.sock\": rpc error: code = Unimplemented desc = unknown service runtime.v1.{service}"
    )
}

/// Why containerd would exit at start with the node's config, if it would.
pub fn containerd_config_error(node: &super::model::Node) -> Option<String> {
    match node.read(super::image_files::CONTAINERD_CONFIG_PATH) {
        Some(text) => super::image_files::containerd_config_error(text),
        None => None,
    }
}

/// procps-ng 4.0.2's pgrep usage, on stderr after a bad option (exit 2).
const PGREP_USAGE: &str = r#"
Usage:
 pgrep [options] <pattern>

Options:
 -d, --delimiter <string>  specify output delimiter
 -l, --list-name           list PID and process name
 -a, --list-full           list PID and full command line
 -v, --inverse             negates the matching
 -w, --lightweight         list all TID
 -c, --count               count of matching processes
 -f, --full                use full process name to match
 -g, --pgroup <PGID,...>   match listed process group IDs
 -G, --group <GID,...>     match real group IDs
 -i, --ignore-case         match case insensitively
 -n, --newest              select most recently started
 -o, --oldest              select least recently started
 -O, --older <seconds>     select where older than seconds
 -P, --parent <PPID,...>   match only child processes of the given parent
 -s, --session <SID,...>   match session IDs
 -t, --terminal <tty,...>  match by controlling terminal
 -u, --euid <ID,...>       match by effective IDs
 -U, --uid <ID,...>        match by real IDs
 -x, --exact               match exactly with the command name
 -F, --pidfile <file>      read PIDs from file
 -L, --logpidfile          fail if PID file is not locked
 -r, --runstates <state>   match runstates [D,S,Z,...]
 -A, --ignore-ancestors    exclude our ancestors from results
 --cgroup <grp,...>        match by cgroup v2 names
 --ns <PID>                match the processes that belong to the same
                           namespace as <pid>
 --nslist <ns,...>         list which namespaces will be considered for
                           the --ns option.
                           Available namespaces: ipc, mnt, net, pid, user, uts

 -h, --help     display this help and exit
 -V, --version  output version information and exit

For more details see pgrep(1).
"#;

/// A process of the node: (pid, name, command line).
type Process = (u32, &'static str, &'static str);

/// The node's long-running daemons, with the PIDs its journal shows.
fn processes(ctx: &mut Ctx) -> Vec<Process> {
    let node = ctx.node();
    let mut running = vec![(1, "systemd", "/sbin/init")];
    if node.boot_polls_left == 0 && containerd_config_error(node).is_none() {
        running.push((201, "containerd", "/usr/local/bin/containerd"));
    }
    if node.kubelet_server.is_some() && !node.kubelet_stopped {
        running.push((512, "kubelet", "/usr/bin/kubelet --bootstrap-kubeconfig=/etc/kubernetes/bootstrap-kubelet.conf --kubeconfig=/etc/kubernetes/kubelet.conf --config=/var/lib/kubelet/config.yaml"));
    }
    running
}

/// Selections by user, group, session, terminal, parent, namespace or PID file: the
/// fake has none of those.
const PGREP_UNMODELLED: &[&str] = &[
    "-u",
    "--euid",
    "-U",
    "--uid",
    "-g",
    "--pgroup",
    "-G",
    "--group",
    "-P",
    "--parent",
    "-s",
    "--session",
    "-t",
    "--terminal",
    "-F",
    "--pidfile",
    "-L",
    "--logpidfile",
    "-r",
    "--runstates",
    "-A",
    "--ignore-ancestors",
    "--cgroup",
    "--ns",
    "--nslist",
    "-O",
    "--older",
];

fn pgrep(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let prog = program_name(argv0);
    let p = match getopt::parse(argv0, &opts::PGREP, args) {
        Ok(p) => p,
        Err(why) => return Out::fail(2, format!("{why}\n{PGREP_USAGE}").trim_end()),
    };
    if any(&p, &["-h", "--help"]) {
        return Out::ok(PGREP_USAGE);
    }
    if any(&p, &["-V", "--version"]) {
        return Out::lines(&["pgrep from procps-ng 4.0.2"]);
    }
    or_return!(refuse_unmodelled(argv0, &p, PGREP_UNMODELLED));
    let usage_error = |why: &str| Out::fail(2, format!("{prog}: {why}\nTry `{prog} --help' for more information."));
    let pattern = match p.operands.as_slice() {
        [] => return usage_error("no matching criteria specified"),
        [one] => one.clone(),
        _ => return usage_error("only one pattern can be provided"),
    };
    let ignore_case = any(&p, &["-i", "--ignore-case"]);
    let matcher = match Pattern::compile(&pattern, ignore_case) {
        Some(m) => m,
        None => {
            return opts::unmodelled(
                argv0,
                &format!("{pattern:?} (a regular expression beyond literals, ., ^, $ and |)"),
            );
        }
    };
    let exact = any(&p, &["-x", "--exact"]);
    let full = any(&p, &["-f", "--full"]);
    let inverse = any(&p, &["-v", "--inverse"]);
    let mut found: Vec<Process> = processes(ctx)
        .into_iter()
        .filter(|(_, name, cmdline)| matcher.matches(if full { cmdline } else { name }, exact) != inverse)
        .collect();
    match last_of(&p, &["-n", "--newest", "-o", "--oldest"]) {
        Some("-n" | "--newest") => found = found.split_off(found.len().saturating_sub(1)),
        Some(_) => found.truncate(1),
        None => {}
    }
    let code = if found.is_empty() { 1 } else { 0 };
    if any(&p, &["-c", "--count"]) {
        return Out::lines(&[found.len().to_string()]).exit(code);
    }
    let shown: Vec<String> = found
        .iter()
        .map(|(pid, name, cmdline)| match () {
            _ if any(&p, &["-a", "--list-full"]) => format!("{pid} {cmdline}"),
            _ if any(&p, &["-l", "--list-name"]) => format!("{pid} {name}"),
            _ => pid.to_string(),
        })
        .collect();
    let delimiter = last_value(&p, &["-d", "--delimiter"]).unwrap_or("\n");
    let text = if shown.is_empty() { String::new() } else { format!("{}\n", shown.join(delimiter)) };
    Out::ok(text).exit(code)
}

/// pgrep's extended regular expressions, as far as the fake goes: alternatives of
/// literal text with `.`, `^` and `$`.
struct Pattern {
    alternatives: Vec<(bool, Vec<Option<char>>, bool)>,
    ignore_case: bool,
}

impl Pattern {
    fn compile(pattern: &str, ignore_case: bool) -> Option<Pattern> {
        if pattern.contains(['(', ')', '[', ']', '{', '}', '*', '+', '?', '\\']) {
            return None;
        }
        let alternatives = pattern
            .split('|')
            .map(|alt| {
                let anchored_start = alt.starts_with('^');
                let body = alt.trim_start_matches('^');
                let anchored_end = body.ends_with('$');
                let body = body.trim_end_matches('$');
                let chars = body.chars().map(|c| if c == '.' { None } else { Some(c) }).collect();
                (anchored_start, chars, anchored_end)
            })
            .collect();
        Some(Pattern { alternatives, ignore_case })
    }

    /// Whether `text` matches; `exact` (`-x`) needs the whole of it.
    fn matches(&self, text: &str, exact: bool) -> bool {
        let text: Vec<char> =
            if self.ignore_case { text.to_lowercase().chars().collect() } else { text.chars().collect() };
        self.alternatives.iter().any(|(start, chars, end)| {
            let chars: Vec<Option<char>> = if self.ignore_case {
                chars.iter().map(|c| c.map(|c| c.to_ascii_lowercase())).collect()
            } else {
                chars.clone()
            };
            let fits = |at: usize| {
                at + chars.len() <= text.len() && chars.iter().zip(&text[at..]).all(|(p, t)| p.is_none_or(|p| p == *t))
            };
            let (must_start, must_end) = (*start || exact, *end || exact);
            (0..=text.len())
                .filter(|at| !must_start || *at == 0)
                .filter(|at| !must_end || at + chars.len() == text.len())
                .any(fits)
        })
    }
}
