//! glibc's `getopt_long`, as the node's C tools (systemd's `systemctl` and `journalctl`,
//! procps' `sysctl`) parse their options: options anywhere among the operands,
//! `--` ends them, long options may be abbreviated to a unique prefix, and a bad
//! option is reported as glibc words it (`posix/getopt.c`).

/// An option table: `short` in getopt's letters syntax (`"hn:"`: `-h`, `-n VALUE`),
/// `long` as `name` (no value), `name=` (required value) or `name?` (optional, only
/// as `--name=value`).
pub struct Options {
    pub short: &'static str,
    pub long: &'static [&'static str],
}

#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Parsed {
    /// Options as given, with their values: (`"--now"`, None), (`"-n"`, Some("5")).
    pub options: Vec<(String, Option<String>)>,
    /// For each option, the index in `args` of the argument it was given in.
    pub origins: Vec<usize>,
    pub operands: Vec<String>,
}

impl Parsed {
    pub fn has(&self, short: Option<char>, long: &str) -> bool {
        self.options.iter().any(|(o, _)| *o == format!("--{long}") || short.is_some_and(|c| *o == format!("-{c}")))
    }
}

/// Whether a short option takes a value: never, always (`c:`), or only glued to it (`c::`).
#[derive(Clone, Copy, PartialEq, Eq)]
enum Arity {
    Flag,
    Required,
    Optional,
}

fn short_arity(opts: &Options, c: char) -> Option<Arity> {
    let spec: Vec<char> = opts.short.chars().collect();
    let at = spec.iter().position(|s| *s == c && c != ':')?;
    Some(match (spec.get(at + 1), spec.get(at + 2)) {
        (Some(':'), Some(':')) => Arity::Optional,
        (Some(':'), _) => Arity::Required,
        _ => Arity::Flag,
    })
}

/// Parses `args`, or returns glibc's message (without the program prefix's newline).
pub fn parse(prog: &str, opts: &Options, args: &[String]) -> Result<Parsed, String> {
    let mut parsed = Parsed { options: vec![], origins: vec![], operands: vec![] };
    let mut i = 0;
    while i < args.len() {
        let a = &args[i];
        let origin = i;
        i += 1;
        if a == "--" {
            parsed.operands.extend(args[i..].iter().cloned());
            break;
        }
        if let Some(body) = a.strip_prefix("--") {
            let (name, inline) = match body.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (body, None),
            };
            let specs: Vec<(&str, char)> = opts
                .long
                .iter()
                .map(|s| match s.strip_suffix('=') {
                    Some(n) => (n, '='),
                    None => s.strip_suffix('?').map(|n| (n, '?')).unwrap_or((s, ' ')),
                })
                .collect();
            let exact = specs.iter().find(|(n, _)| *n == name);
            let candidates: Vec<&(&str, char)> = specs.iter().filter(|(n, _)| n.starts_with(name)).collect();
            let (full, arity) = match (exact, candidates.as_slice()) {
                (Some(spec), _) => *spec,
                (None, [one]) => **one,
                // glibc quotes the whole argument, `=value` and all.
                (None, []) => return Err(format!("{prog}: unrecognized option '{a}'")),
                (None, many) => {
                    let names: Vec<String> = many.iter().map(|(n, _)| format!("'--{n}'")).collect();
                    return Err(format!("{prog}: option '{a}' is ambiguous; possibilities: {}", names.join(" ")));
                }
            };
            let value = match (arity, inline) {
                (' ', Some(_)) => return Err(format!("{prog}: option '--{full}' doesn't allow an argument")),
                ('=', None) if i < args.len() => {
                    i += 1;
                    Some(args[i - 1].clone())
                }
                ('=', None) => return Err(format!("{prog}: option '--{full}' requires an argument")),
                (_, v) => v,
            };
            parsed.options.push((format!("--{full}"), value));
            parsed.origins.push(origin);
        } else if a.len() > 1 && a.starts_with('-') {
            let chars: Vec<char> = a[1..].chars().collect();
            let mut j = 0;
            while j < chars.len() {
                let c = chars[j];
                let rest: String = chars[j + 1..].iter().collect();
                match short_arity(opts, c) {
                    None => return Err(format!("{prog}: invalid option -- '{c}'")),
                    Some(Arity::Flag) => parsed.options.push((format!("-{c}"), None)),
                    Some(Arity::Optional) => {
                        parsed.options.push((format!("-{c}"), (!rest.is_empty()).then_some(rest)));
                        break;
                    }
                    Some(Arity::Required) => {
                        let value = if !rest.is_empty() {
                            rest
                        } else if i < args.len() {
                            i += 1;
                            args[i - 1].clone()
                        } else {
                            return Err(format!("{prog}: option requires an argument -- '{c}'"));
                        };
                        parsed.options.push((format!("-{c}"), Some(value)));
                        break;
                    }
                }
                j += 1;
            }
            parsed.origins.resize(parsed.options.len(), origin);
        } else {
            parsed.operands.push(a.clone());
        }
    }
    Ok(parsed)
}

/// `systemctl`'s options (systemd 252+, `systemctl --help`).
pub const SYSTEMCTL: Options = Options {
    short: "ht:p:P:alrqiTs:fn:o:H:M:",
    long: &[
        "help",
        "version",
        "system",
        "user",
        "host=",
        "machine=",
        "type=",
        "state=",
        "failed",
        "property=",
        "all",
        "full",
        "recursive",
        "reverse",
        "with-dependencies",
        "job-mode=",
        "show-transaction",
        "show-types",
        "value",
        "check-inhibitors=",
        "kill-whom=",
        "signal=",
        "what=",
        "dry-run",
        "quiet",
        "wait",
        "no-block",
        "no-legend",
        "no-pager",
        "no-wall",
        "no-reload",
        "no-ask-password",
        "now",
        "legend=",
        "global",
        "runtime",
        "force",
        "preset-mode=",
        "root=",
        "image=",
        "lines=",
        "output=",
        "firmware-setup",
        "boot-loader-menu=",
        "boot-loader-entry=",
        "plain",
        "timestamp=",
        "read-only",
        "mkdir",
        "marked",
    ],
};

/// `journalctl`'s options (systemd 252+, `journalctl --help`).
pub const JOURNALCTL: Options = Options {
    short: "hM:mD:S:U:c:b::u:t:p:g:ko:n::rxafqeNF:",
    long: &[
        "system",
        "user",
        "machine=",
        "merge",
        "directory=",
        "file=",
        "root=",
        "image=",
        "namespace=",
        "since=",
        "until=",
        "cursor=",
        "after-cursor=",
        "cursor-file=",
        "boot?",
        "unit=",
        "user-unit=",
        "identifier=",
        "priority=",
        "facility=",
        "grep=",
        "case-sensitive?",
        "dmesg",
        "output=",
        "output-fields=",
        "lines?",
        "reverse",
        "show-cursor",
        "utc",
        "catalog",
        "no-hostname",
        "no-full",
        "full",
        "all",
        "follow",
        "no-tail",
        "quiet",
        "no-pager",
        "pager-end",
        "interval=",
        "verify-key=",
        "force",
        "help",
        "version",
        "fields",
        "field=",
        "list-boots",
        "disk-usage",
        "vacuum-size=",
        "vacuum-files=",
        "vacuum-time=",
        "verify",
        "sync",
        "relinquish-var",
        "smart-relinquish-var",
        "flush",
        "rotate",
        "header",
        "list-catalog",
        "dump-catalog",
        "update-catalog",
        "setup-keys",
    ],
};

/// procps-ng `sysctl`'s options (`sysctl --help`).
pub const SYSCTL: Options = Options {
    short: "bneNwfp::qoxaAXr:dhV",
    long: &[
        "all",
        "binary",
        "deprecated",
        "dry-run",
        "ignore",
        "load?",
        "names",
        "pattern=",
        "quiet",
        "system",
        "values",
        "write",
        "help",
        "version",
    ],
};

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn options_and_operands_mix_as_with_glibc() {
        let p = parse("systemctl", &SYSTEMCTL, &v(&["disable", "--now", "kina-lb.service", "-q"])).unwrap();
        assert_eq!(p.operands, ["disable", "kina-lb.service"]);
        assert!(p.has(Some('q'), "quiet") && p.has(None, "now"));
        let p = parse("journalctl", &JOURNALCTL, &v(&["--no-pager", "-u", "kubelet", "-n5", "--", "-x"])).unwrap();
        assert_eq!(p.options[1], ("-u".into(), Some("kubelet".into())));
        assert_eq!(p.options[2], ("-n".into(), Some("5".into())));
        assert_eq!(p.operands, ["-x"]);
        assert_eq!(p.origins, [0, 1, 3]);
        // An optional value is only ever glued to its option.
        let p = parse("sysctl", &SYSCTL, &v(&["-p", "/etc/sysctl.conf", "-pfile"])).unwrap();
        assert_eq!(p.options, [("-p".into(), None), ("-p".into(), Some("file".into()))]);
        assert_eq!(p.operands, ["/etc/sysctl.conf"]);
        // A unique prefix names a long option.
        assert!(parse("systemctl", &SYSTEMCTL, &v(&["--no-pag", "status"])).unwrap().has(None, "no-pager"));
    }

    #[test]
    fn bad_options_get_glibcs_messages() {
        let err = |prog, opts, args: &[&str]| parse(prog, opts, &v(args)).unwrap_err();
        assert_eq!(err("systemctl", &SYSTEMCTL, &["--bogus"]), "systemctl: unrecognized option '--bogus'");
        assert_eq!(err("systemctl", &SYSTEMCTL, &["--bogus=1"]), "systemctl: unrecognized option '--bogus=1'");
        assert_eq!(
            err("systemctl", &SYSTEMCTL, &["--no=x"]).split(';').next().unwrap(),
            "systemctl: option '--no=x' is ambiguous"
        );
        assert_eq!(err("systemctl", &SYSTEMCTL, &["-Z"]), "systemctl: invalid option -- 'Z'");
        assert_eq!(err("journalctl", &JOURNALCTL, &["-u"]), "journalctl: option requires an argument -- 'u'");
        assert_eq!(err("journalctl", &JOURNALCTL, &["--unit"]), "journalctl: option '--unit' requires an argument");
        assert_eq!(err("systemctl", &SYSTEMCTL, &["--now=1"]), "systemctl: option '--now' doesn't allow an argument");
        assert_eq!(
            err("systemctl", &SYSTEMCTL, &["--no"]),
            "systemctl: option '--no' is ambiguous; possibilities: '--no-block' '--no-legend' '--no-pager' '--no-wall' '--no-reload' '--no-ask-password' '--now'"
        );
        assert_eq!(err("sysctl", &SYSCTL, &["--bogus"]), "sysctl: unrecognized option '--bogus'");
    }
}
