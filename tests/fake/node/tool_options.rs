//! The option tables of the node's coreutils, procps and `hostname` programs, as
//! Debian bookworm builds them (coreutils 9.1, procps-ng 4.0.2, hostname 3.23: what
//! kindest/node ships), and how each program refuses a bad one. Long options are
//! listed in the programs' own order, which glibc's "is ambiguous; possibilities:"
//! message follows. tests/it/fake_node_strict.rs checks the messages against the
//! test machine's real programs.

use super::getopt::{self, Options, Parsed};
use super::program_name;
use crate::out::Out;

pub const CAT: Options = Options {
    short: "benstuvAET",
    long: &[
        "help",
        "number-nonblank",
        "number",
        "squeeze-blank",
        "show-nonprinting",
        "show-ends",
        "show-tabs",
        "show-all",
        "version",
    ],
};

pub const CP: Options = Options {
    short: "abdfHilLnprst:uvxPRS:TZ",
    long: &[
        "archive",
        "attributes-only",
        "backup?",
        "copy-contents",
        "context?",
        "dereference",
        "force",
        "help",
        "interactive",
        "link",
        "no-clobber",
        "no-dereference",
        "no-preserve=",
        "no-target-directory",
        "one-file-system",
        "parents",
        "preserve?",
        "recursive",
        "remove-destination",
        "reflink?",
        "sparse=",
        "strip-trailing-slashes",
        "suffix=",
        "symbolic-link",
        "target-directory=",
        "update",
        "verbose",
        "version",
    ],
};

pub const MV: Options = Options {
    short: "bfint:uvS:TZ",
    long: &[
        "backup?",
        "context",
        "force",
        "help",
        "interactive",
        "no-clobber",
        "no-target-directory",
        "strip-trailing-slashes",
        "suffix=",
        "target-directory=",
        "update",
        "verbose",
        "version",
    ],
};

pub const TEE: Options =
    Options { short: "aip", long: &["append", "help", "ignore-interrupts", "output-error?", "version"] };

pub const MKDIR: Options =
    Options { short: "m:pvZ", long: &["context?", "help", "mode=", "parents", "verbose", "version"] };

pub const RM: Options = Options {
    short: "dfirvIR",
    long: &[
        "dir",
        "force",
        "help",
        "interactive?",
        "no-preserve-root",
        "one-file-system",
        "preserve-root?",
        // Undocumented, for coreutils' own tests: `---presume-input-tty`.
        "-presume-input-tty",
        "recursive",
        "verbose",
        "version",
    ],
};

pub const LS: Options = Options {
    short: "abcdfghiklmnopqrstuvw:xABCDFGHI:LNQRST:UXZ1",
    long: &[
        "all",
        "almost-all",
        "author",
        "block-size=",
        "classify?",
        "color?",
        "context",
        "directory",
        "dired",
        "dereference-command-line",
        "dereference-command-line-symlink-to-dir",
        "dereference",
        "escape",
        "full-time",
        "file-type",
        "format=",
        "group-directories-first",
        "human-readable",
        "hide-control-chars",
        "hide=",
        "hyperlink?",
        "help",
        "inode",
        "ignore-backups",
        "ignore=",
        "indicator-style=",
        "kibibytes",
        "literal",
        "numeric-uid-gid",
        "no-group",
        "quote-name",
        "quoting-style=",
        "reverse",
        "recursive",
        "size",
        "si",
        "show-control-chars",
        "sort=",
        "tabsize=",
        "time=",
        "time-style=",
        "version",
        "width=",
        "zero",
    ],
};

/// chmod's mode letters are options too (`chmod -w FILE`), each taking the rest of
/// its argument.
pub const CHMOD: Options = Options {
    short: "Rcfvr::w::x::X::s::t::u::g::o::a::,::+::=::0::1::2::3::4::5::6::7::",
    long: &[
        "changes",
        "help",
        "no-preserve-root",
        "preserve-root",
        "quiet",
        "recursive",
        "reference=",
        "silent",
        "verbose",
        "version",
    ],
};

pub const CHOWN: Options = Options {
    short: "cfhvHLPR",
    long: &[
        "changes",
        "dereference",
        "from=",
        "help",
        "no-dereference",
        "no-preserve-root",
        "preserve-root",
        "quiet",
        "recursive",
        "reference=",
        "silent",
        "verbose",
        "version",
    ],
};

pub const NPROC: Options = Options { short: "", long: &["all", "help", "ignore=", "version"] };

pub const UNAME: Options = Options {
    short: "asnrvmpio",
    long: &[
        "all",
        "hardware-platform",
        "help",
        "kernel-name",
        "kernel-release",
        "kernel-version",
        "machine",
        "nodename",
        "operating-system",
        "processor",
        "release",
        "sysname",
        "version",
    ],
};

pub const SLEEP: Options = Options { short: "", long: &["help", "version"] };

pub const HOSTNAME: Options = Options {
    short: "aAbdfF:hiIsVy",
    long: &[
        "all-fqdns",
        "alias",
        "all-ip-addresses",
        "boot",
        "domain",
        "file=",
        "fqdn",
        "help",
        "ip-address",
        "long",
        "nis",
        "short",
        "version",
        "yp",
    ],
};

/// procps' pgrep shares its long options with pkill and pidwait (`--signal`,
/// `--queue`, `--echo` parse, and do nothing in pgrep).
pub const PGREP: Options = Options {
    short: "acd:fg:hilnor:s:t:u:vwxAF:G:LO:P:U:V",
    long: &[
        "count",
        "cgroup=",
        "delimiter=",
        "euid=",
        "exact",
        "echo",
        "full",
        "group=",
        "help",
        "ignore-ancestors",
        "ignore-case",
        "inverse",
        "list-name",
        "list-full",
        "lightweight",
        "logpidfile",
        "newest",
        "ns=",
        "nslist=",
        "oldest",
        "older=",
        "pgroup=",
        "parent=",
        "pidfile=",
        "queue=",
        "runstates=",
        "signal=",
        "session=",
        "terminal=",
        "uid=",
        "version",
    ],
};

/// coreutils' `Try 'PROG --help' for more information.` after a usage error.
pub fn try_help(argv0: &str, why: &str, code: i32) -> Out {
    Out::fail(code, format!("{why}\nTry '{argv0} --help' for more information."))
}

/// Parses a coreutils program's options; a bad one fails as coreutils does (exit 1).
pub fn coreutils(argv0: &str, opts: &Options, args: &[String]) -> Result<Parsed, Out> {
    coreutils_exit(argv0, opts, args, 1)
}

/// As [`coreutils`], for a program whose usage errors exit `code` (ls: 2).
pub fn coreutils_exit(argv0: &str, opts: &Options, args: &[String], code: i32) -> Result<Parsed, Out> {
    let parsed = getopt::parse(argv0, opts, args).map_err(|why| try_help(argv0, &why, code))?;
    refuse_unmodelled(argv0, &parsed, &["--help", "--version"])?;
    Ok(parsed)
}

/// What the fake says of an option the real program has but the model does not do.
pub fn unmodelled(argv0: &str, option: &str) -> Out {
    Out::fail(1, format!("fake container: `{} {option}` is not modelled", program_name(argv0)))
}

/// Refuses the first of `options` (short `-x` or long `--name`) that `parsed` has.
pub fn refuse_unmodelled(argv0: &str, parsed: &Parsed, options: &[&str]) -> Result<(), Out> {
    match parsed.options.iter().find(|(o, _)| options.contains(&o.as_str())) {
        Some((o, _)) => Err(unmodelled(argv0, o)),
        None => Ok(()),
    }
}

/// The value of the last of `names` given (`"-t"`, `"--target-directory"`).
pub fn last_value<'a>(parsed: &'a Parsed, names: &[&str]) -> Option<&'a str> {
    parsed.options.iter().rev().find(|(o, _)| names.contains(&o.as_str())).and_then(|(_, v)| v.as_deref())
}

/// Which of `names` came last, if any did (`-f`/`-i`/`-n`: the last one wins).
pub fn last_of<'a>(parsed: &Parsed, names: &[&'a str]) -> Option<&'a str> {
    parsed.options.iter().rev().find_map(|(o, _)| names.iter().find(|n| **n == o.as_str()).copied())
}

pub fn any(parsed: &Parsed, names: &[&str]) -> bool {
    parsed.options.iter().any(|(o, _)| names.contains(&o.as_str()))
}

/// coreutils' check of an enumerated option value: the whole word or an unambiguous
/// prefix of one. `groups` are synonyms (`["never", "no", "none"]`); the answer is
/// the first word of the chosen group.
pub fn choice<'a>(argv0: &str, what: &str, value: &str, groups: &[&[&'a str]]) -> Result<&'a str, Out> {
    let exact = groups.iter().find(|g| g.contains(&value));
    let prefixed: Vec<&&[&str]> = groups.iter().filter(|g| g.iter().any(|w| w.starts_with(value))).collect();
    let problem = match (exact, prefixed.as_slice()) {
        (Some(group), _) => return Ok(group[0]),
        (None, [group]) => return Ok(group[0]),
        (None, []) => "invalid",
        (None, _) => "ambiguous",
    };
    let mut text = format!("{argv0}: {problem} argument '{value}' for '{what}'\nValid arguments are:");
    for group in groups {
        let words: Vec<String> = group.iter().map(|w| format!("'{w}'")).collect();
        text.push_str(&format!("\n  - {}", words.join(", ")));
    }
    Err(try_help(argv0, &text, 1))
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(args: &[&str]) -> Vec<String> {
        args.iter().map(|a| a.to_string()).collect()
    }

    #[test]
    fn a_bad_option_is_refused_with_coreutils_words() {
        let out = coreutils("cp", &CP, &v(&["--bogus", "a", "b"])).unwrap_err();
        assert_eq!(out.stderr, "cp: unrecognized option '--bogus'\nTry 'cp --help' for more information.\n");
        assert_eq!(out.code, 1);
        let out = coreutils_exit("ls", &LS, &v(&["-y"]), 2).unwrap_err();
        assert_eq!(
            (out.stderr.as_str(), out.code),
            ("ls: invalid option -- 'y'\nTry 'ls --help' for more information.\n", 2)
        );
        let out = coreutils("cp", &CP, &v(&["--r", "a", "b"])).unwrap_err();
        assert!(out.stderr.starts_with(
            "cp: option '--r' is ambiguous; possibilities: '--recursive' '--remove-destination' '--reflink'\n"
        ));
    }

    #[test]
    fn options_cluster_and_permute_after_operands() {
        let p = coreutils("rm", &RM, &v(&["a", "-rf", "--", "-b"])).unwrap();
        assert_eq!(p.operands, ["a", "-b"]);
        assert!(any(&p, &["-r"]) && any(&p, &["-f"]));
        let p = coreutils("cp", &CP, &v(&["-t/dir", "a"])).unwrap();
        assert_eq!(last_value(&p, &["-t", "--target-directory"]), Some("/dir"));
    }

    #[test]
    fn enumerated_values_take_unique_prefixes() {
        let sparse: &[&[&str]] = &[&["never"], &["auto"], &["always"]];
        assert_eq!(choice("cp", "--sparse", "nev", sparse).unwrap(), "never");
        let out = choice("cp", "--sparse", "a", sparse).unwrap_err();
        assert!(
            out.stderr.starts_with("cp: ambiguous argument 'a' for '--sparse'\nValid arguments are:\n  - 'never'\n")
        );
        let when: &[&[&str]] = &[&["never", "no", "none"], &["once"], &["always", "yes"]];
        assert_eq!(choice("rm", "--interactive", "n", when).unwrap(), "never");
    }
}
