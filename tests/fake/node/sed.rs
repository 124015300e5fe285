//! `sed` (GNU sed 4.9): options `-i[SUFFIX]`, `-e`, `-E`/`-r`, `-s` and `s` commands
//! whose regex is literal characters, `.`, `\.`-style escapes, `\b`, `^` and `$`.
//! Anything else GNU sed would accept is refused (exit 1, "unsupported in fake")
//! so a script author notices; GNU's own errors keep GNU's wording and exit codes.

use super::Ctx;
use crate::out::Out;

const USAGE: &str = "Usage: sed [OPTION]... {script-only-if-no-other-script} [input-file]...";

#[derive(Clone, Copy, PartialEq, Debug)]
enum Tok {
    Lit(char),
    Any,
    WordBoundary,
    Start,
    End,
}

#[derive(Clone, PartialEq, Debug)]
enum Rep {
    Lit(char),
    Whole,
}

#[derive(Debug)]
struct Subst {
    pattern: Vec<Tok>,
    replacement: Vec<Rep>,
    global: bool,
}

struct Options {
    in_place: Option<String>,
    extended: bool,
    scripts: Vec<String>,
    files: Vec<String>,
}

fn unsupported(what: &str) -> Out {
    Out::fail(1, format!("sed: unsupported in fake: {what}"))
}

fn invalid_option(opt: &str) -> Out {
    Out::fail(1, format!("sed: invalid option -- '{opt}'\n{USAGE}"))
}

fn parse_args(args: &[String]) -> Result<Options, Out> {
    let mut o = Options { in_place: None, extended: false, scripts: vec![], files: vec![] };
    let mut positionals = Vec::new();
    let mut script_given = false;
    let mut i = 0;
    let mut only_files = false;
    while i < args.len() {
        let a = &args[i];
        i += 1;
        if only_files || a == "-" || !a.starts_with('-') {
            positionals.push(a.clone());
            continue;
        }
        if a == "--" {
            only_files = true;
            continue;
        }
        if let Some(long) = a.strip_prefix("--") {
            let (name, value) = match long.split_once('=') {
                Some((n, v)) => (n, Some(v.to_string())),
                None => (long, None),
            };
            match name {
                "in-place" => o.in_place = Some(value.unwrap_or_default()),
                "regexp-extended" => o.extended = true,
                "separate" | "unbuffered" | "follow-symlinks" | "sandbox" => {}
                "expression" => {
                    let script = match value {
                        Some(v) => v,
                        None => {
                            i += 1;
                            args.get(i - 1).cloned().ok_or_else(|| {
                                Out::fail(1, format!("sed: option '--expression' requires an argument\n{USAGE}"))
                            })?
                        }
                    };
                    o.scripts.push(script);
                    script_given = true;
                }
                "quiet" | "silent" | "file" | "null-data" | "posix" | "debug" | "line-length" => {
                    return Err(unsupported(&format!("option --{name}")));
                }
                _ => return Err(Out::fail(1, format!("sed: unrecognized option '{a}'\n{USAGE}"))),
            }
            continue;
        }
        let cluster: Vec<char> = a[1..].chars().collect();
        let mut k = 0;
        while k < cluster.len() {
            let c = cluster[k];
            let rest: String = cluster[k + 1..].iter().collect();
            match c {
                'E' | 'r' => o.extended = true,
                's' | 'u' => {}
                'i' => {
                    o.in_place = Some(rest);
                    break;
                }
                'e' => {
                    let script = if rest.is_empty() {
                        i += 1;
                        args.get(i - 1)
                            .cloned()
                            .ok_or_else(|| Out::fail(1, format!("sed: option requires an argument -- 'e'\n{USAGE}")))?
                    } else {
                        rest
                    };
                    o.scripts.push(script);
                    script_given = true;
                    break;
                }
                'n' | 'f' | 'z' | 'l' => return Err(unsupported(&format!("option -{c}"))),
                other => return Err(invalid_option(&other.to_string())),
            }
            k += 1;
        }
    }
    if !script_given {
        if positionals.is_empty() {
            return Err(Out::fail(1, USAGE));
        }
        o.scripts.push(positionals.remove(0));
    }
    o.files = positionals;
    Ok(o)
}

/// `sed: -e expression #n, char c: what`.
fn expr_error(n: usize, c: usize, what: &str) -> Out {
    Out::fail(1, format!("sed: -e expression #{n}, char {c}: {what}"))
}

fn escapable(c: char) -> bool {
    c.is_ascii_punctuation() && !"(){}+?|<>'`".contains(c)
}

/// Compiles one regex in the supported subset; `at` is the script offset of its first char.
fn compile_regex(raw: &[(usize, char)], delim: char, extended: bool, n: usize) -> Result<Vec<Tok>, Out> {
    let mut toks = Vec::new();
    let mut i = 0;
    let refuse = |pos: usize, what: &str| expr_error(n, pos, &format!("unsupported in fake: {what}"));
    while i < raw.len() {
        let (pos, c) = raw[i];
        let last = i + 1 == raw.len();
        match c {
            '\\' => {
                let Some(&(pos2, e)) = raw.get(i + 1) else {
                    return Err(expr_error(n, pos + 1, "trailing backslash (\\)"));
                };
                i += 1;
                if e == 'b' && e != delim {
                    toks.push(Tok::WordBoundary);
                } else if e == delim || escapable(e) || (extended && "(){}+?|".contains(e)) {
                    toks.push(Tok::Lit(e));
                } else {
                    return Err(refuse(pos2, &format!("'\\{e}' in a regular expression")));
                }
            }
            '.' => toks.push(Tok::Any),
            '^' if toks.is_empty() => toks.push(Tok::Start),
            '$' if last => toks.push(Tok::End),
            '^' | '$' if extended => return Err(refuse(pos, &format!("'{c}' inside a regular expression"))),
            '*' | '[' => return Err(refuse(pos, &format!("'{c}' in a regular expression"))),
            '(' | ')' | '{' | '}' | '+' | '?' | '|' if extended => {
                return Err(refuse(pos, &format!("'{c}' in an extended regular expression")));
            }
            _ => toks.push(Tok::Lit(c)),
        }
        i += 1;
    }
    Ok(toks)
}

fn compile_replacement(raw: &[(usize, char)], delim: char, n: usize, end: usize) -> Result<Vec<Rep>, Out> {
    let mut reps = Vec::new();
    let mut i = 0;
    while i < raw.len() {
        let (_, c) = raw[i];
        match c {
            '&' => reps.push(Rep::Whole),
            '\\' => {
                let Some(&(pos2, e)) = raw.get(i + 1) else { break };
                i += 1;
                match e {
                    _ if e == delim => reps.push(Rep::Lit(e)),
                    'n' => reps.push(Rep::Lit('\n')),
                    't' => reps.push(Rep::Lit('\t')),
                    '\n' => reps.push(Rep::Lit('\n')),
                    '1'..='9' => {
                        return Err(expr_error(n, end, &format!("invalid reference \\{e} on `s' command's RHS")));
                    }
                    'L' | 'U' | 'l' | 'u' | 'E' | 'c' | 'd' | 'o' | 'x' | '0' => {
                        return Err(expr_error(n, pos2, &format!("unsupported in fake: '\\{e}' in a replacement")));
                    }
                    other => reps.push(Rep::Lit(other)),
                }
            }
            other => reps.push(Rep::Lit(other)),
        }
        i += 1;
    }
    Ok(reps)
}

/// Parses the `n`th script (1-based) into its `s` commands.
fn compile(script: &str, n: usize, extended: bool) -> Result<Vec<Subst>, Out> {
    let chars: Vec<(usize, char)> = script.chars().enumerate().map(|(i, c)| (i + 1, c)).collect();
    let len = chars.len();
    let mut out = Vec::new();
    let mut i = 0;
    loop {
        while i < len && (chars[i].1.is_whitespace() || chars[i].1 == ';') {
            i += 1;
        }
        if i >= len {
            break;
        }
        let (pos, c) = chars[i];
        match c {
            's' => {}
            '#' => {
                while i < len && chars[i].1 != '\n' {
                    i += 1;
                }
                continue;
            }
            'p'
            | 'd'
            | 'a'
            | 'i'
            | 'c'
            | 'y'
            | 'q'
            | 'Q'
            | '='
            | '{'
            | '}'
            | '!'
            | 'n'
            | 'N'
            | 'D'
            | 'P'
            | 'h'
            | 'H'
            | 'g'
            | 'G'
            | 'x'
            | 'b'
            | 't'
            | 'T'
            | 'l'
            | 'r'
            | 'R'
            | 'w'
            | 'W'
            | 'e'
            | 'F'
            | 'z'
            | 'v'
            | '/'
            | '$'
            | '\\'
            | ','
            | '~'
            | '0'..='9' => {
                return Err(expr_error(n, pos, &format!("unsupported in fake: command or address '{c}'")));
            }
            other => return Err(expr_error(n, pos, &format!("unknown command: `{other}'"))),
        }
        i += 1;
        let Some(&(dpos, delim)) = chars.get(i) else {
            return Err(expr_error(n, len, "unterminated `s' command"));
        };
        if delim == '\n' || delim == '\\' {
            return Err(expr_error(n, dpos, "unsupported in fake: this `s' delimiter"));
        }
        i += 1;
        // Reads up to the next unescaped delimiter; escapes stay for the compilers.
        let part = |i: &mut usize| -> Option<Vec<(usize, char)>> {
            let mut raw = Vec::new();
            while *i < len {
                let (p, c) = chars[*i];
                if c == delim {
                    *i += 1;
                    return Some(raw);
                }
                raw.push((p, c));
                if c == '\\' && *i + 1 < len {
                    raw.push(chars[*i + 1]);
                    *i += 1;
                }
                *i += 1;
            }
            None
        };
        let Some(pattern) = part(&mut i) else { return Err(expr_error(n, len, "unterminated `s' command")) };
        let Some(replacement) = part(&mut i) else { return Err(expr_error(n, len, "unterminated `s' command")) };
        let end = chars[i - 1].0;
        let mut global = false;
        while i < len && !matches!(chars[i].1, ';' | '\n' | '}' | '#') && !chars[i].1.is_whitespace() {
            let (p, f) = chars[i];
            match f {
                'g' if !global => global = true,
                'p' | 'i' | 'I' | 'm' | 'M' | 'e' | 'w' | '0'..='9' => {
                    return Err(expr_error(n, p, &format!("unsupported in fake: `s' flag '{f}'")));
                }
                'g' => return Err(expr_error(n, p, "multiple `g' options to `s' command")),
                _ => return Err(expr_error(n, p, "unknown option to `s'")),
            }
            i += 1;
        }
        while i < len && chars[i].1.is_whitespace() && chars[i].1 != '\n' {
            i += 1;
        }
        if i < len && !matches!(chars[i].1, ';' | '\n' | '#') {
            return Err(expr_error(n, chars[i].0, "unknown option to `s'"));
        }
        if pattern.is_empty() {
            return Err(expr_error(n, end, "unsupported in fake: an empty regex (reuse of the last regex)"));
        }
        let pattern = compile_regex(&pattern, delim, extended, n)?;
        let replacement = compile_replacement(&replacement, delim, n, end)?;
        out.push(Subst { pattern, replacement, global });
    }
    Ok(out)
}

fn is_word(c: Option<&char>) -> bool {
    c.is_some_and(|c| c.is_alphanumeric() || *c == '_')
}

/// The end of a match of `pattern` starting at `at`, if any.
fn match_at(pattern: &[Tok], line: &[char], at: usize) -> Option<usize> {
    let mut p = at;
    for t in pattern {
        match t {
            Tok::Lit(c) => {
                if line.get(p) != Some(c) {
                    return None;
                }
                p += 1;
            }
            Tok::Any => {
                line.get(p)?;
                p += 1;
            }
            Tok::WordBoundary => {
                let before = if p == 0 { None } else { line.get(p - 1) };
                if is_word(before) == is_word(line.get(p)) {
                    return None;
                }
            }
            Tok::Start => {
                if p != 0 {
                    return None;
                }
            }
            Tok::End => {
                if p != line.len() {
                    return None;
                }
            }
        }
    }
    Some(p)
}

fn substitute(s: &Subst, line: &str) -> String {
    let chars: Vec<char> = line.chars().collect();
    let mut out = String::new();
    let mut pos = 0;
    let mut last_end: Option<usize> = None;
    while pos <= chars.len() {
        let found = (pos..=chars.len()).find_map(|start| {
            let end = match_at(&s.pattern, &chars, start)?;
            // An empty match right after the previous match does not count.
            (!(end == start && last_end == Some(start))).then_some((start, end))
        });
        let Some((start, end)) = found else { break };
        out.extend(&chars[pos..start]);
        for r in &s.replacement {
            match r {
                Rep::Lit(c) => out.push(*c),
                Rep::Whole => out.extend(&chars[start..end]),
            }
        }
        last_end = Some(end);
        if end == start {
            if let Some(c) = chars.get(start) {
                out.push(*c);
            }
            pos = start + 1;
        } else {
            pos = end;
        }
        if !s.global {
            break;
        }
    }
    if pos < chars.len() {
        out.extend(&chars[pos..]);
    }
    out
}

fn edit(program: &[Subst], text: &str) -> String {
    let mut out = String::with_capacity(text.len());
    for piece in text.split_inclusive('\n') {
        let (line, newline) = match piece.strip_suffix('\n') {
            Some(l) => (l, "\n"),
            None => (piece, ""),
        };
        let mut line = line.to_string();
        for s in program {
            line = substitute(s, &line);
        }
        out.push_str(&line);
        out.push_str(newline);
    }
    out
}

pub fn program(ctx: &mut Ctx, args: &[String]) -> Out {
    let opts = match parse_args(args) {
        Ok(o) => o,
        Err(out) => return out,
    };
    let mut program = Vec::new();
    for (n, script) in opts.scripts.iter().enumerate() {
        match compile(script, n + 1, opts.extended) {
            Ok(cmds) => program.extend(cmds),
            Err(out) => return out,
        }
    }
    let mut out = Out::default();
    if opts.files.is_empty() {
        if opts.in_place.is_some() {
            return Out::fail(4, "sed: no input files");
        }
        let input = ctx.take_stdin();
        return Out::ok(edit(&program, &input));
    }
    for file in &opts.files {
        let node = ctx.node();
        if file == "-" && opts.in_place.is_none() {
            let input = ctx.take_stdin();
            out.stdout.push_str(&edit(&program, &input));
            continue;
        }
        if node.is_dir(file) || file == "-" {
            // GNU sed stops at the first unreadable directory.
            let msg = if opts.in_place.is_some() {
                format!("sed: couldn't edit {file}: not a regular file\n")
            } else {
                format!("sed: read error on {file}: Is a directory\n")
            };
            out.stderr.push_str(&msg);
            out.code = 4;
            return out;
        }
        let Some(text) = node.read(file).cloned() else {
            out.stderr.push_str(&format!("sed: can't read {file}: No such file or directory\n"));
            out.code = 2;
            continue;
        };
        let edited = edit(&program, &text);
        match &opts.in_place {
            None => out.stdout.push_str(&edited),
            Some(suffix) => {
                if !suffix.is_empty() {
                    let _ = node.write(&format!("{file}{suffix}"), &text, false);
                }
                let _ = node.write(file, &edited, false);
            }
        }
    }
    out
}
