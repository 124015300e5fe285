//! Flags as `crictl` and `ctr` parse them: urfave/cli v2 hands each command's words
//! to Go's `flag` package (one or two dashes alike, `-name=value` or `-name value`,
//! parsing stops at the first word that is not a flag or after `--`). A flag the
//! command does not define, a missing value or a bad boolean fails with Go's
//! message; urfave/cli then prints `Incorrect Usage: <error>` and the command's help
//! on stdout and returns the error, which the tool prints on stderr, exit 1
//! (urfave/cli v2 `command.go`; Go `flag.FlagSet.parseOne`).

use crate::out::Out;

/// A flag and its aliases (without dashes); `takes_value` for a string, duration or
/// slice flag, otherwise a boolean.
pub struct Flag {
    pub names: &'static [&'static str],
    pub takes_value: bool,
}

pub const fn boolean(names: &'static [&'static str]) -> Flag {
    Flag { names, takes_value: false }
}

pub const fn value(names: &'static [&'static str]) -> Flag {
    Flag { names, takes_value: true }
}

/// The flags given (by their first name, with the value for a value flag and
/// `true`/`false` for a boolean) and the words after them.
#[derive(Debug, Default, PartialEq)]
pub struct Parsed {
    pub flags: Vec<(&'static str, String)>,
    pub rest: Vec<String>,
}

impl Parsed {
    pub fn value(&self, name: &str) -> Option<&str> {
        self.flags.iter().rev().find(|(n, _)| *n == name).map(|(_, v)| v.as_str())
    }

    pub fn has(&self, name: &str) -> bool {
        self.value(name).is_some_and(|v| v != "false")
    }
}

/// Go's `flag` parsing of `args` against `flags`; the error is Go's text. With
/// `short_options` (urfave/cli's `UseShortOptionHandling`), `-aq` is `-a -q` when
/// every letter is a boolean flag. `-h`/`--help` is every command's own.
pub fn parse(flags: &[Flag], args: &[String], short_options: bool) -> Result<Parsed, String> {
    let mut parsed = Parsed::default();
    let is_bool =
        |c: char| flags.iter().any(|f| !f.takes_value && f.names.iter().any(|n| n.len() == 1 && n.starts_with(c)));
    let mut args = args.to_vec();
    let mut i = 0;
    while let Some(word) = args.get(i).cloned() {
        let letters = word.strip_prefix('-').filter(|w| w.len() > 1 && !w.starts_with('-') && !w.contains('='));
        if short_options && letters.is_some_and(|w| w.chars().all(is_bool)) {
            let split: Vec<String> = letters.unwrap().chars().map(|c| format!("-{c}")).collect();
            args.splice(i..=i, split);
            continue;
        }
        let word = word.as_str();
        if word.len() < 2 || !word.starts_with('-') {
            break;
        }
        i += 1;
        let mut name = &word[1..];
        if let Some(after) = name.strip_prefix('-') {
            if after.is_empty() {
                break; // `--` ends the flags
            }
            name = after;
        }
        if name.is_empty() || name.starts_with(['-', '=']) {
            return Err(format!("bad flag syntax: {word}"));
        }
        let (name, inline) = match name.split_once('=') {
            Some((n, v)) => (n, Some(v.to_string())),
            None => (name, None),
        };
        if name == "help" || name == "h" {
            parsed.flags.push(("help", "true".into()));
            continue;
        }
        let Some(flag) = flags.iter().find(|f| f.names.contains(&name)) else {
            return Err(format!("flag provided but not defined: -{name}"));
        };
        let value = if flag.takes_value {
            match inline {
                Some(v) => v,
                None => {
                    let Some(v) = args.get(i).cloned() else { return Err(format!("flag needs an argument: -{name}")) };
                    i += 1;
                    v
                }
            }
        } else {
            match inline.as_deref() {
                None => "true".into(),
                Some("1" | "t" | "T" | "TRUE" | "true" | "True") => "true".into(),
                Some("0" | "f" | "F" | "FALSE" | "false" | "False") => "false".into(),
                Some(v) => return Err(format!("invalid boolean value {v:?} for -{name}: parse error")),
            }
        };
        parsed.flags.push((flag.names[0], value));
    }
    parsed.rest = args[i..].to_vec();
    Ok(parsed)
}

/// urfave/cli's usage error: `Incorrect Usage:` and the help on stdout, then the tool's
/// own line for the error on stderr (`stderr_line`), exit 1.
pub fn usage_error(error: &str, help: &str, stderr_line: String) -> Out {
    Out { stdout: format!("Incorrect Usage: {error}\n\n{help}"), stderr: format!("{stderr_line}\n"), code: 1 }
}

#[cfg(test)]
mod tests {
    use super::*;

    const FLAGS: &[Flag] = &[value(&["namespace", "n"]), boolean(&["all", "a"]), value(&["platform"])];

    fn words(text: &str) -> Vec<String> {
        text.split_whitespace().map(str::to_string).collect()
    }

    #[test]
    fn flags_parse_as_go_parses_them() {
        let p = parse(FLAGS, &words("--namespace k8s.io -a --platform=linux/arm64 images ls -q"), false).unwrap();
        assert_eq!(p.value("namespace"), Some("k8s.io"));
        assert!(p.has("all"));
        assert_eq!(p.value("platform"), Some("linux/arm64"));
        assert_eq!(p.rest, words("images ls -q"), "parsing stops at the first word");
        assert_eq!(parse(FLAGS, &words("-n=x -- -a"), false).unwrap().rest, ["-a"]);
        assert!(!parse(FLAGS, &words("--all=false"), false).unwrap().has("all"));
        assert!(parse(FLAGS, &words("--help"), false).unwrap().has("help"));
    }

    #[test]
    fn bad_flags_fail_with_gos_messages() {
        let err = |text: &str| parse(FLAGS, &words(text), false).unwrap_err();
        assert_eq!(err("--bogus"), "flag provided but not defined: -bogus");
        assert_eq!(err("-x=1"), "flag provided but not defined: -x");
        assert_eq!(err("--namespace"), "flag needs an argument: -namespace");
        assert_eq!(err("--all=yes"), "invalid boolean value \"yes\" for -all: parse error");
        assert_eq!(err("---all"), "bad flag syntax: ---all");
    }

    #[test]
    fn short_options_combine_only_where_the_command_allows_it() {
        const PS: &[Flag] = &[boolean(&["all", "a"]), boolean(&["quiet", "q"]), value(&["output", "o"])];
        let p = parse(PS, &words("-aq"), true).unwrap();
        assert!(p.has("all") && p.has("quiet"));
        assert_eq!(parse(PS, &words("-aq"), false).unwrap_err(), "flag provided but not defined: -aq");
        assert_eq!(parse(PS, &words("-ao"), true).unwrap_err(), "flag provided but not defined: -ao");
    }
}
