//! A small ArgumentParser-alike: option specs, parsing, usage errors (exit 64) and help.

use crate::out::Out;

#[derive(Clone)]
pub struct Opt {
    /// Spellings, e.g. `["-c", "--cpus"]`; the last one is the canonical name.
    pub names: &'static [&'static str],
    /// Value placeholder (`<cpus>`) for options that take a value.
    pub value: Option<&'static str>,
    pub help: &'static str,
}

pub fn flag(names: &'static [&'static str], help: &'static str) -> Opt {
    Opt { names, value: None, help }
}

pub fn opt(names: &'static [&'static str], value: &'static str, help: &'static str) -> Opt {
    Opt { names, value: Some(value), help }
}

/// `(subcommand, its arguments)`; `("", [])` when there is none.
pub fn subcommand(args: &[String]) -> (&str, &[String]) {
    match args.split_first() {
        Some((sub, rest)) => (sub.as_str(), rest),
        None => ("", &[]),
    }
}

pub struct Cmd {
    /// `run`, `image pull`, ...
    pub path: &'static str,
    pub overview: &'static str,
    /// Text after the command path in the usage line.
    pub usage: &'static str,
    pub opts: Vec<Opt>,
    /// After this many positionals, everything else is passed through untouched.
    pub passthrough_after: Option<usize>,
}

#[derive(Default, Debug)]
pub struct Parsed {
    pub flags: Vec<(&'static str, Option<String>)>,
    pub positionals: Vec<String>,
    pub rest: Vec<String>,
}

impl Parsed {
    pub fn has(&self, name: &str) -> bool {
        self.flags.iter().any(|(n, _)| *n == name)
    }

    pub fn value(&self, name: &str) -> Option<&str> {
        self.flags.iter().rev().find(|(n, _)| *n == name).and_then(|(_, v)| v.as_deref())
    }

    pub fn values(&self, name: &str) -> Vec<&str> {
        self.flags.iter().filter(|(n, _)| *n == name).filter_map(|(_, v)| v.as_deref()).collect()
    }
}

impl Cmd {
    pub fn new(path: &'static str, overview: &'static str, usage: &'static str, opts: Vec<Opt>) -> Cmd {
        Cmd { path, overview, usage, opts, passthrough_after: None }
    }

    pub fn passthrough(mut self, after: usize) -> Cmd {
        self.passthrough_after = Some(after);
        self
    }

    fn find(&self, name: &str) -> Option<&Opt> {
        self.opts.iter().find(|o| o.names.contains(&name)).or_else(|| (name == "--debug").then_some(&DEBUG))
    }

    pub fn usage_line(&self) -> String {
        format!(
            "Usage: container {} {}\n  See 'container {} --help' for more information.\n",
            self.path, self.usage, self.path
        )
    }

    /// `Error: <msg>` plus the usage block, exit 64 (ArgumentParser validation failure).
    pub fn usage_error(&self, msg: impl AsRef<str>) -> Out {
        Out { stderr: format!("Error: {}\n{}", msg.as_ref(), self.usage_line()), code: 64, ..Out::default() }
    }

    /// The first positional, or the usage error for a missing `placeholder`.
    pub fn first_positional(&self, p: &Parsed, placeholder: &str) -> Result<String, Out> {
        let missing = || self.usage_error(format!("Missing expected argument '{placeholder}'"));
        p.positionals.first().cloned().ok_or_else(missing)
    }

    pub fn help(&self) -> Out {
        let mut text =
            format!("OVERVIEW: {}\n\nUSAGE: container {} {}\n\nOPTIONS:\n", self.overview, self.path, self.usage);
        let mut opts: Vec<&Opt> = self.opts.iter().collect();
        opts.push(&DEBUG);
        for o in opts {
            let mut names = o.names.join(", ");
            if let Some(v) = o.value {
                names.push(' ');
                names.push_str(v);
            }
            text.push_str(&format!("  {names:<30} {}\n", o.help));
        }
        text.push_str(&format!("  {:<30} Show help information.\n", "-h, --help"));
        Out::ok(text)
    }

    /// Parses `args`; `Err` carries the help text (exit 0) or a usage error (exit 64).
    pub fn parse(&self, args: &[String]) -> Result<Parsed, Out> {
        let mut p = Parsed::default();
        let mut i = 0;
        while i < args.len() {
            let a = &args[i];
            if self.passthrough_after.is_some_and(|n| p.positionals.len() >= n) {
                p.rest = args[i..].to_vec();
                break;
            }
            if a == "--" {
                for rest in &args[i + 1..] {
                    if self.passthrough_after.is_some_and(|n| p.positionals.len() >= n) {
                        p.rest.push(rest.clone());
                    } else {
                        p.positionals.push(rest.clone());
                    }
                }
                break;
            }
            if a == "-h" || a == "--help" {
                return Err(self.help());
            }
            if let Some(long) = a.strip_prefix("--").filter(|s| !s.is_empty()) {
                let (name, inline) = match long.split_once('=') {
                    Some((n, v)) => (format!("--{n}"), Some(v.to_string())),
                    None => (a.clone(), None),
                };
                let Some(o) = self.find(&name) else {
                    return Err(self.usage_error(format!("Unknown option '{name}'")));
                };
                i = self.take(o, &name, inline, args, i, &mut p)?;
            } else if a.len() > 1 && a.starts_with('-') && !a[1..].starts_with(|c: char| c.is_ascii_digit()) {
                if let Some(o) = self.find(a) {
                    i = self.take(o, a, None, args, i, &mut p)?;
                } else {
                    // Combined short flags: `-it`, `-di`.
                    let chars: Vec<char> = a[1..].chars().collect();
                    for (k, c) in chars.iter().enumerate() {
                        let name = format!("-{c}");
                        let Some(o) = self.find(&name) else {
                            return Err(self.usage_error(format!("Unknown option '{name}'")));
                        };
                        if o.value.is_some() && k + 1 < chars.len() {
                            let value = chars[k + 1..].iter().collect::<String>();
                            p.flags.push((canonical(o), Some(value)));
                            break;
                        }
                        i = self.take(o, &name, None, args, i, &mut p)?;
                    }
                }
            } else {
                p.positionals.push(a.clone());
            }
            i += 1;
        }
        Ok(p)
    }

    fn take(
        &self,
        o: &Opt,
        name: &str,
        inline: Option<String>,
        args: &[String],
        i: usize,
        p: &mut Parsed,
    ) -> Result<usize, Out> {
        match o.value {
            None if inline.is_some() => Err(self.usage_error(format!("Unknown option '{name}'"))),
            None => {
                p.flags.push((canonical(o), None));
                Ok(i)
            }
            Some(v) => match inline {
                Some(value) => {
                    p.flags.push((canonical(o), Some(value)));
                    Ok(i)
                }
                None => match args.get(i + 1) {
                    Some(value) => {
                        p.flags.push((canonical(o), Some(value.clone())));
                        Ok(i + 1)
                    }
                    None => Err(self.usage_error(format!("Missing value for '{name} {v}'"))),
                },
            },
        }
    }
}

static DEBUG: Opt =
    Opt { names: &["--debug"], value: None, help: "Enable debug output [environment: CONTAINER_DEBUG]" };

fn canonical(o: &Opt) -> &'static str {
    o.names.iter().find(|n| n.starts_with("--")).copied().unwrap_or(o.names[0])
}
