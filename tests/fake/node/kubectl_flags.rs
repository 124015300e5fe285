//! kubectl's command-line parsing (cobra and pflag, as in kubectl 1.35): which command
//! the words name, and whether every flag is one that command has. Unknown flags, a
//! missing flag value and a bad boolean fail with kubectl's own messages and exit 1.
//!
//! The tables are kubectl 1.35's, read from `kubectl options` and `kubectl <command>
//! --help`; a test compares them with the real binary (`KINA_TEST_KUBECTL`) so they
//! cannot drift. A spec is `--name` (boolean), `--name=` (takes a value), with `-x/`
//! in front when the flag has a shorthand.

use crate::out::Out;

/// The flags every command takes (`kubectl options`).
pub const GLOBAL: &str = "--as= --as-group= --as-uid= --as-user-extra= --cache-dir= --certificate-authority= \
--client-certificate= --client-key= --cluster= --context= --disable-compression --insecure-skip-tls-verify \
--kubeconfig= --kuberc= --log-flush-frequency= --match-server-version -n/--namespace= --password= --profile= \
--profile-output= --request-timeout= -s/--server= --tls-server-name= --token= --user= --username= -v/--v= \
--vmodule= --warnings-as-errors";

/// The commands the fake emulates and their own flags (`kubectl <command> --help`).
pub const COMMANDS: &[(&str, &str)] = &[
    (
        "apply",
        "--all --allow-missing-template-keys --cascade= --dry-run= --field-manager= -f/--filename= --force \
--force-conflicts --grace-period= -k/--kustomize= --openapi-patch -o/--output= --overwrite --prune \
--prune-allowlist= -R/--recursive -l/--selector= --server-side --show-managed-fields --subresource= --template= \
--timeout= --validate= --wait",
    ),
    (
        "create",
        "--allow-missing-template-keys --dry-run= --edit --field-manager= -f/--filename= -k/--kustomize= \
-o/--output= --raw= -R/--recursive --save-config -l/--selector= --show-managed-fields --template= --validate= \
--windows-line-endings",
    ),
    (
        "create configmap",
        "--allow-missing-template-keys --append-hash --dry-run= --field-manager= --from-env-file= --from-file= \
--from-literal= -o/--output= --save-config --show-managed-fields --template= --validate=",
    ),
    (
        "create token",
        "--allow-missing-template-keys --audience= --bound-object-kind= --bound-object-name= --bound-object-uid= \
--duration= -o/--output= --show-managed-fields --template=",
    ),
    (
        "delete",
        "--all -A/--all-namespaces --cascade= --dry-run= --field-selector= -f/--filename= --force --grace-period= \
--ignore-not-found -i/--interactive -k/--kustomize= --now -o/--output= --raw= -R/--recursive -l/--selector= \
--timeout= --wait",
    ),
    (
        "get",
        "-A/--all-namespaces --allow-missing-template-keys --chunk-size= --field-selector= -f/--filename= \
--ignore-not-found -k/--kustomize= -L/--label-columns= --no-headers -o/--output= --output-watch-events --raw= \
-R/--recursive -l/--selector= --server-print --show-kind --show-labels --show-managed-fields --sort-by= \
--subresource= --template= -w/--watch --watch-only",
    ),
    (
        "label",
        "--all -A/--all-namespaces --allow-missing-template-keys --dry-run= --field-manager= --field-selector= \
-f/--filename= -k/--kustomize= --list --local -o/--output= --overwrite -R/--recursive --resource-version= \
-l/--selector= --show-managed-fields --template=",
    ),
    (
        "patch",
        "--allow-missing-template-keys --dry-run= --field-manager= -f/--filename= -k/--kustomize= --local \
-o/--output= -p/--patch= --patch-file= -R/--recursive --show-managed-fields --subresource= --template= --type=",
    ),
    (
        "rollout restart",
        "--allow-missing-template-keys --field-manager= -f/--filename= -k/--kustomize= -o/--output= -R/--recursive \
-l/--selector= --show-managed-fields --template=",
    ),
    (
        "rollout status",
        "-f/--filename= -k/--kustomize= -R/--recursive --revision= -l/--selector= --timeout= -w/--watch",
    ),
    (
        "scale",
        "--all --allow-missing-template-keys --current-replicas= --dry-run= -f/--filename= -k/--kustomize= \
-o/--output= -R/--recursive --replicas= --resource-version= -l/--selector= --show-managed-fields --template= \
--timeout=",
    ),
    (
        "taint",
        "--all --allow-missing-template-keys --dry-run= --field-manager= -o/--output= --overwrite -l/--selector= \
--show-managed-fields --template= --validate=",
    ),
    ("top node", "--no-headers -l/--selector= --show-capacity --show-swap --sort-by= --use-protocol-buffers"),
    (
        "wait",
        "--all -A/--all-namespaces --allow-missing-template-keys --field-selector= -f/--filename= --for= --local \
-o/--output= -R/--recursive -l/--selector= --show-managed-fields --template= --timeout=",
    ),
];

/// Subcommands reached through a group, with their aliases.
const CHILDREN: &[(&str, &str, &[&str])] = &[
    ("create", "configmap", &["cm"]),
    ("create", "token", &[]),
    ("rollout", "restart", &[]),
    ("rollout", "status", &[]),
    ("top", "node", &["nodes", "no"]),
];

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Flag {
    pub long: String,
    pub short: Option<char>,
    pub takes_value: bool,
}

pub fn parse_specs(specs: &str) -> Vec<Flag> {
    specs
        .split_whitespace()
        .map(|spec| {
            let (short, long) = match spec.split_once('/') {
                Some((s, l)) => (s.strip_prefix('-').and_then(|s| s.chars().next()), l),
                None => (None, spec),
            };
            let long = long.trim_start_matches("--");
            let takes_value = long.ends_with('=');
            Flag { long: long.trim_end_matches('=').to_string(), short, takes_value }
        })
        .collect()
}

/// The flags a command accepts: its own, the global ones, and cobra's `-h/--help`.
fn flags_of(path: &str) -> Vec<Flag> {
    let mut flags = parse_specs(GLOBAL);
    if let Some((_, own)) = COMMANDS.iter().find(|(name, _)| *name == path) {
        flags.extend(parse_specs(own));
    }
    flags.push(Flag { long: "help".into(), short: Some('h'), takes_value: false });
    flags
}

fn child(path: &str, word: &str) -> Option<&'static str> {
    if path.is_empty() {
        return COMMANDS.iter().map(|(name, _)| name.split(' ').next().unwrap()).find(|top| *top == word).or(
            // Groups whose own command is not in the table.
            ["rollout", "top"].into_iter().find(|g| *g == word),
        );
    }
    CHILDREN
        .iter()
        .find(|(group, name, aliases)| *group == path && (*name == word || aliases.contains(&word)))
        .map(|(_, name, _)| *name)
}

/// cobra's `stripFlags`: the words that are not flags or flag values. A flag that is
/// not known as a boolean is taken to consume the next word.
fn strip_flags(args: &[String], flags: &[Flag]) -> Vec<String> {
    let boolean_long = |name: &str| flags.iter().any(|f| f.long == name && !f.takes_value);
    let boolean_short = |c: char| flags.iter().any(|f| f.short == Some(c) && !f.takes_value);
    let mut words = Vec::new();
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        if a == "--" {
            break;
        }
        if let Some(name) = a.strip_prefix("--") {
            if !name.contains('=') && !boolean_long(name) {
                i += 1;
            }
        } else if a.starts_with('-') && a.len() > 1 {
            let rest: Vec<char> = a[1..].chars().collect();
            if rest.len() == 1 && !boolean_short(rest[0]) {
                i += 1;
            }
        } else {
            words.push(a.clone());
        }
        i += 1;
    }
    words
}

/// The command the words name (`"get"`, `"rollout status"`, `""` for none) and the
/// arguments without the command's own words, as cobra's `Find`.
pub fn find(args: &[String]) -> (String, Vec<String>) {
    let mut path = String::new();
    let mut rest = args.to_vec();
    loop {
        let words = strip_flags(&rest, &flags_of(&path));
        let Some(next) = words.first() else { break };
        let Some(name) = child(&path, next) else { break };
        let at = rest.iter().position(|a| a == next).unwrap();
        rest.remove(at);
        path = if path.is_empty() { name.to_string() } else { format!("{path} {name}") };
        if !CHILDREN.iter().any(|(group, _, _)| *group == path) {
            break;
        }
    }
    (path, rest)
}

/// Go's `strconv.ParseBool`.
fn go_bool(v: &str) -> bool {
    matches!(v, "1" | "t" | "T" | "TRUE" | "true" | "True" | "0" | "f" | "F" | "FALSE" | "false" | "False")
}

/// pflag over the arguments of `path`: the first error, as kubectl prints it.
pub fn check_flags(path: &str, args: &[String]) -> Result<(), Out> {
    let flags = flags_of(path);
    let error = |why: String| {
        let command = if path.is_empty() { "kubectl".to_string() } else { format!("kubectl {path}") };
        Err(Out::fail(1, format!("error: {why}\nSee '{command} --help' for usage.")))
    };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if a == "--" {
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v)),
                None => (body, None),
            };
            let Some(flag) = flags.iter().find(|f| f.long == name) else {
                return error(format!("unknown flag: --{name}"));
            };
            match (flag.takes_value, inline) {
                (true, None) if i < args.len() => i += 1,
                (true, None) => return error(format!("flag needs an argument: --{name}")),
                (false, Some(v)) if !go_bool(v) => {
                    return error(format!(
                        "invalid argument \"{v}\" for \"--{name}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax"
                    ));
                }
                _ => {}
            }
        } else if let Some(shorts) = a.strip_prefix('-').filter(|s| !s.is_empty()) {
            let chars: Vec<char> = shorts.chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                // pflag names the shorthands from this one on.
                let here: String = chars[j..].iter().collect();
                let Some(flag) = flags.iter().find(|f| f.short == Some(c)) else {
                    return error(format!("unknown shorthand flag: '{c}' in -{here}"));
                };
                if flag.takes_value {
                    let value: String = chars[j + 1..].iter().collect();
                    if value.is_empty() {
                        if i >= args.len() {
                            return error(format!("flag needs an argument: '{c}' in -{here}"));
                        }
                        i += 1;
                    }
                    break;
                }
                if chars.get(j + 1) == Some(&'=') {
                    let v: String = chars[j + 2..].iter().collect();
                    if !go_bool(&v) {
                        return error(format!(
                            "invalid argument \"{v}\" for \"-{c}, --{}\" flag: strconv.ParseBool: parsing \"{v}\": invalid syntax",
                            flag.long
                        ));
                    }
                    break;
                }
                j += 1;
            }
        }
    }
    Ok(())
}

/// Checks kubectl's words as the real one parses them before it runs anything.
/// Commands the fake does not emulate are left to the dispatcher.
pub fn check(args: &[String]) -> Result<(), Out> {
    let (path, rest) = find(args);
    let emulated = COMMANDS.iter().any(|(name, _)| *name == path);
    let has_words = !strip_flags(&rest, &flags_of(&path)).is_empty();
    match path.as_str() {
        "" if has_words => Ok(()),
        "rollout" | "top" if has_words => Ok(()),
        _ if emulated || path.is_empty() => check_flags(&path, &rest),
        _ => Ok(()),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    fn err(args: &[&str]) -> String {
        let out = check(&v(args)).expect_err("should fail");
        assert_eq!(out.code, 1);
        out.stderr
    }

    #[test]
    fn finds_the_command_past_global_flags_and_their_values() {
        assert_eq!(find(&v(&["--kubeconfig", "/x", "get", "nodes"])).0, "get");
        assert_eq!(find(&v(&["-n", "kube-system", "rollout", "status", "ds/x"])).0, "rollout status");
        assert_eq!(
            find(&v(&["create", "cm", "x", "--from-literal=a=b"])),
            ("create configmap".into(), v(&["x", "--from-literal=a=b"]))
        );
        assert_eq!(find(&v(&["top", "nodes"])).0, "top node");
        assert_eq!(find(&v(&["create", "-f", "-"])).0, "create");
        // An unknown flag is taken to have a value, as cobra does: the command is then kubectl itself.
        assert_eq!(find(&v(&["--bogus", "get"])).0, "");
    }

    #[test]
    fn unknown_flags_fail_as_kubectl_does() {
        assert_eq!(
            err(&["get", "nodes", "--timout=5s"]),
            "error: unknown flag: --timout\nSee 'kubectl get --help' for usage.\n"
        );
        assert_eq!(
            err(&["get", "nodes", "-Z"]),
            "error: unknown shorthand flag: 'Z' in -Z\nSee 'kubectl get --help' for usage.\n"
        );
        assert!(err(&["get", "nodes", "--timeout=5s"]).starts_with("error: unknown flag: --timeout\n"));
        assert!(err(&["rollout", "status", "--bogus", "x"]).contains("See 'kubectl rollout status --help'"));
        assert!(err(&["create", "configmap", "x", "--bogus"]).contains("See 'kubectl create configmap --help'"));
        assert_eq!(err(&["--bogus", "get"]), "error: unknown flag: --bogus\nSee 'kubectl --help' for usage.\n");
    }

    #[test]
    fn values_and_booleans_are_checked() {
        assert_eq!(
            err(&["get", "-o"]),
            "error: flag needs an argument: 'o' in -o\nSee 'kubectl get --help' for usage.\n"
        );
        assert!(err(&["get", "-Ao"]).starts_with("error: flag needs an argument: 'o' in -o"));
        assert!(err(&["get", "-AZ"]).starts_with("error: unknown shorthand flag: 'Z' in -Z"));
        assert!(err(&["get", "--output"]).starts_with("error: flag needs an argument: --output\n"));
        assert!(err(&["wait", "--all=maybe", "x"]).starts_with(
            "error: invalid argument \"maybe\" for \"--all\" flag: strconv.ParseBool: parsing \"maybe\": invalid syntax\n"
        ));
    }

    #[test]
    fn what_kina_runs_parses() {
        for args in [
            &["--kubeconfig=/etc/kubernetes/admin.conf", "apply", "-f", "-"][..],
            &["--kubeconfig=/etc/kubernetes/admin.conf", "--request-timeout=5s", "get", "--raw", "/readyz"],
            &["wait", "--for=condition=Ready", "node", "--all", "--timeout=300s"],
            &["get", "services", "--namespace=x", "--selector=a=b", "-o=name"],
            &["get", "deploy", "x", "--ignore-not-found", "-o", "yaml"],
            &["delete", "-f", "-", "--ignore-not-found", "--wait=true", "--timeout=300s"],
            &["patch", "configmap", "x", "--namespace=kube-system", "--type=merge", "-p", "{}"],
            &["create", "configmap", "x", "--namespace=kube-system", "--from-literal=a=b"],
            &["-n", "kube-system", "rollout", "restart", "daemonset/kube-proxy"],
            &["rollout", "status", "deployment/web", "-n", "demo", "--timeout=1s"],
            &["create", "token", "admin", "-n", "kube-system"],
            &["top", "nodes"],
            &[
                "--kubeconfig=/etc/kubernetes/admin.conf",
                "-n",
                "kube-system",
                "scale",
                "deployment",
                "coredns",
                "--replicas=1",
            ],
            &["taint", "nodes", "--all", "node-role.kubernetes.io/control-plane-"],
            &["get", "nodes", "-ojsonpath={.items[*].metadata.name}"],
        ] {
            assert!(check(&v(args)).is_ok(), "{args:?}");
        }
    }

    /// `kubectl options` / `kubectl <command> --help` of the real kubectl, as specs.
    fn real_specs(kubectl: &std::path::Path, args: &[&str], after: &str) -> String {
        let out = std::process::Command::new(kubectl).args(args).output().expect("run the real kubectl");
        let text = String::from_utf8(out.stdout).unwrap();
        let mut on = false;
        let mut specs = Vec::new();
        for line in text.lines() {
            if line.starts_with(after) {
                on = true;
                continue;
            }
            if on && (line.starts_with("The following options") || line.starts_with("Usage:")) {
                break;
            }
            let Some(decl) = line.strip_prefix("    ").filter(|l| on && l.starts_with('-')) else { continue };
            let decl = decl.strip_suffix(':').expect("a flag line ends with ':'");
            let (names, default) = decl.split_once('=').expect("a flag line shows its default");
            let (short, long) = match names.split_once(", ") {
                Some((s, l)) => (format!("{s}/"), l),
                None => (String::new(), names),
            };
            let takes_value = default != "true" && default != "false";
            specs.push(format!("{short}{long}{}", if takes_value { "=" } else { "" }));
        }
        specs.join(" ")
    }

    #[test]
    fn the_tables_match_the_real_kubectl() {
        let kubectl = match std::env::var_os("KINA_TEST_KUBECTL") {
            Some(path) => std::path::PathBuf::from(path),
            None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/kubectl"),
        };
        assert!(
            kubectl.exists(),
            "no real kubectl at {}: run scripts/install-kubectl.sh (scripts/test does)",
            kubectl.display()
        );
        let normal = |s: &str| s.split_whitespace().collect::<Vec<_>>().join(" ");
        assert_eq!(normal(GLOBAL), real_specs(&kubectl, &["options"], "The following options"), "GLOBAL drifted");
        for (command, specs) in COMMANDS {
            let mut args: Vec<&str> = command.split(' ').collect();
            args.push("--help");
            let real = real_specs(&kubectl, &args, "Options:");
            assert_eq!(normal(specs), real, "the flags of `kubectl {command}` drifted; the real table is:\n{real}");
        }
    }
}
