//! `sh -c`: a tiny interpreter for the simple scripts kina sends. Lists of simple
//! commands and pipelines (`a | b`) joined by `;`, newlines, `&&` and `||`;
//! `set -e`; `!`; `K=V cmd`; redirections to files or /dev/null. Anything fancier
//! is refused with exit 2.

use super::Ctx;
use crate::out::Out;

#[derive(Clone, Copy, PartialEq)]
enum Op {
    Seq,
    And,
    Or,
}

/// Splits a script into and-or lists of raw simple-command text.
fn split(script: &str) -> Result<Vec<Vec<(Op, String)>>, String> {
    let mut lists: Vec<Vec<(Op, String)>> = vec![vec![]];
    let mut cur = String::new();
    let mut op = Op::Seq;
    let (mut single, mut double) = (false, false);
    let chars: Vec<char> = script.chars().collect();
    let mut i = 0;
    let flush = |cur: &mut String, op: Op, lists: &mut Vec<Vec<(Op, String)>>| {
        if !cur.trim().is_empty() {
            lists.last_mut().unwrap().push((op, cur.trim().to_string()));
        }
        cur.clear();
    };
    while i < chars.len() {
        let c = chars[i];
        let next = chars.get(i + 1).copied();
        if single {
            single = c != '\'';
            cur.push(c);
        } else if double {
            match c {
                '"' => double = false,
                '$' | '`' => return Err(format!("expansion '{c}' inside double quotes")),
                '\\' => {
                    cur.push(c);
                    i += 1;
                    if let Some(n) = next {
                        cur.push(n);
                    }
                    i += 1;
                    continue;
                }
                _ => {}
            }
            cur.push(c);
        } else {
            match c {
                '\'' => {
                    single = true;
                    cur.push(c);
                }
                '"' => {
                    double = true;
                    cur.push(c);
                }
                '\\' if next == Some('\n') => i += 1,
                '\\' => {
                    cur.push(c);
                    if let Some(n) = next {
                        cur.push(n);
                    }
                    i += 1;
                }
                '#' if cur.is_empty() || cur.ends_with(char::is_whitespace) => {
                    while i < chars.len() && chars[i] != '\n' {
                        i += 1;
                    }
                    continue;
                }
                ';' | '\n' => {
                    flush(&mut cur, op, &mut lists);
                    if !lists.last().unwrap().is_empty() {
                        lists.push(vec![]);
                    }
                    op = Op::Seq;
                }
                '&' if next == Some('&') => {
                    flush(&mut cur, op, &mut lists);
                    op = Op::And;
                    i += 1;
                }
                '|' if next == Some('|') => {
                    flush(&mut cur, op, &mut lists);
                    op = Op::Or;
                    i += 1;
                }
                '&' if next == Some('>') || cur.ends_with('>') => cur.push(c),
                '|' => cur.push(c),
                '&' => return Err("background job '&'".into()),
                '$' => return Err("variable or command substitution '$'".into()),
                '`' => return Err("command substitution '`'".into()),
                '(' | ')' => return Err(format!("subshell or function '{c}'")),
                '<' if next == Some('<') => return Err("here-document '<<'".into()),
                _ => cur.push(c),
            }
        }
        i += 1;
    }
    if single || double {
        return Err("unterminated quote".into());
    }
    flush(&mut cur, op, &mut lists);
    lists.retain(|l| !l.is_empty());
    Ok(lists)
}

/// Splits one and-or element into pipeline stages at unquoted `|`.
fn split_pipeline(raw: &str) -> Vec<String> {
    let mut stages = vec![String::new()];
    let (mut single, mut double, mut escaped) = (false, false, false);
    for c in raw.chars() {
        let cur = stages.last_mut().unwrap();
        if escaped {
            escaped = false;
            cur.push(c);
            continue;
        }
        match c {
            '\\' if !single => {
                escaped = true;
                cur.push(c);
            }
            '\'' if !double => {
                single = !single;
                cur.push(c);
            }
            '"' if !single => {
                double = !double;
                cur.push(c);
            }
            '|' if !single && !double => stages.push(String::new()),
            _ => cur.push(c),
        }
    }
    stages.into_iter().map(|s| s.trim().to_string()).collect()
}

enum Sink {
    Inherit,
    Null,
    File(String, bool),
    ToStdout,
}

struct Simple {
    negate: bool,
    assigns: Vec<(String, String)>,
    words: Vec<String>,
    stdout: Sink,
    stderr: Sink,
    stdin: Option<String>,
}

fn parse_simple(raw: &str) -> Result<Simple, String> {
    let tokens = shell_words::split(raw).map_err(|e| format!("{e}"))?;
    let mut s = Simple {
        negate: false,
        assigns: vec![],
        words: vec![],
        stdout: Sink::Inherit,
        stderr: Sink::Inherit,
        stdin: None,
    };
    let mut i = 0;
    let sink = |target: &str, append: bool| {
        if target == "/dev/null" { Sink::Null } else { Sink::File(target.to_string(), append) }
    };
    while i < tokens.len() {
        let t = tokens[i].as_str();
        let next = tokens.get(i + 1).cloned();
        let redirect = [
            ("2>>", 2, true),
            ("2>", 2, false),
            ("1>>", 1, true),
            (">>", 1, true),
            ("1>", 1, false),
            (">", 1, false),
            ("&>", 3, false),
            ("<", 0, false),
        ]
        .into_iter()
        .find(|(p, _, _)| t.starts_with(p));
        if t == "2>&1" {
            s.stderr = Sink::ToStdout;
        } else if t == ">&2" || t == "1>&2" {
            s.stdout = Sink::Null;
        } else if let Some((prefix, fd, append)) = redirect {
            let target = if t.len() > prefix.len() {
                t[prefix.len()..].to_string()
            } else {
                i += 1;
                next.ok_or_else(|| format!("missing redirection target after {t}"))?
            };
            match fd {
                0 => s.stdin = Some(target),
                1 => s.stdout = sink(&target, append),
                2 => s.stderr = sink(&target, append),
                _ => {
                    s.stdout = sink(&target, append);
                    s.stderr = Sink::Null;
                }
            }
        } else if s.words.is_empty() && t == "!" {
            s.negate = !s.negate;
        } else if s.words.is_empty() && is_assignment(t) {
            let (k, v) = t.split_once('=').unwrap();
            s.assigns.push((k.to_string(), v.to_string()));
        } else {
            s.words.push(t.to_string());
        }
        i += 1;
    }
    Ok(s)
}

fn is_assignment(t: &str) -> bool {
    t.split_once('=').is_some_and(|(k, _)| {
        !k.is_empty()
            && k.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
            && !k.starts_with(|c: char| c.is_ascii_digit())
    })
}

fn unsupported(what: &str) -> Out {
    Out::fail(2, format!("sh: unsupported construct in fake: {what}"))
}

/// `sh [-e] [-x] -c <script> [name args...]`.
pub fn program(ctx: &mut Ctx, args: &[String]) -> Out {
    let mut errexit = false;
    let mut script = None;
    let mut i = 0;
    while i < args.len() {
        match args[i].as_str() {
            "-c" => {
                script = args.get(i + 1).cloned();
                break;
            }
            flags if flags.starts_with('-') && flags.len() > 1 => {
                if flags.contains('c') {
                    script = args.get(i + 1).cloned();
                    errexit |= flags.contains('e');
                    break;
                }
                errexit |= flags.contains('e');
            }
            _ => return unsupported("running script files"),
        }
        i += 1;
    }
    match script {
        Some(s) => interpret(ctx, &s, errexit),
        None => {
            // `sh` without `-c` reads its script from stdin.
            let script = ctx.take_stdin();
            interpret(ctx, &script, errexit)
        }
    }
}

pub fn interpret(ctx: &mut Ctx, script: &str, mut errexit: bool) -> Out {
    let lists = match split(script) {
        Ok(l) => l,
        Err(what) => return unsupported(&what),
    };
    let mut out = Out::default();
    let mut trace = false;
    for list in lists {
        let mut status = 0;
        let mut last_ran = false;
        let mut negated = false;
        for (idx, (op, raw)) in list.iter().enumerate() {
            let run = match op {
                Op::Seq => true,
                Op::And => status == 0,
                Op::Or => status != 0,
            };
            if !run {
                last_ran = false;
                continue;
            }
            let stages = split_pipeline(raw);
            if trace {
                out.stderr.push_str(&format!("+ {raw}\n"));
            }
            if stages.len() > 1 {
                let result = match pipeline(ctx, &stages) {
                    Ok(r) => r,
                    Err(e) => return finish(out, e),
                };
                negated = result.1;
                let result = result.0;
                status = if negated { i32::from(result.code == 0) } else { result.code };
                out.stdout.push_str(&result.stdout);
                out.stderr.push_str(&result.stderr);
                last_ran = idx + 1 == list.len();
                continue;
            }
            let cmd = match parse_simple(raw) {
                Ok(c) => c,
                Err(e) => return finish(out, unsupported(&e)),
            };
            let result = match cmd.words.first().map(String::as_str) {
                None if !cmd.assigns.is_empty() => return finish(out, unsupported("shell variables")),
                None => Out::default(),
                Some("set") => {
                    for w in &cmd.words[1..] {
                        if w.starts_with('-') && w.contains('e') || w == "errexit" {
                            errexit = true;
                        }
                        if w.starts_with('+') && w.contains('e') {
                            errexit = false;
                        }
                        if w.starts_with('-') && w.contains('x') {
                            trace = true;
                        }
                    }
                    Out::default()
                }
                Some("exit") => {
                    let code = cmd.words.get(1).and_then(|c| c.parse().ok()).unwrap_or(status);
                    out.code = code;
                    return out;
                }
                Some("cd") | Some("export") | Some("umask") => Out::default(),
                Some(w)
                    if [
                        "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done", "case", "esac",
                        "function", "{", "}",
                    ]
                    .contains(&w) =>
                {
                    return finish(out, unsupported(&format!("keyword '{w}'")));
                }
                Some(_) => run_simple(ctx, &cmd),
            };
            negated = cmd.negate;
            status = if cmd.negate { i32::from(result.code == 0) } else { result.code };
            out.stdout.push_str(&result.stdout);
            out.stderr.push_str(&result.stderr);
            last_ran = idx + 1 == list.len();
        }
        out.code = status;
        if errexit && status != 0 && last_ran && !negated {
            return out;
        }
    }
    out
}

/// Runs `a | b | c`: each stage reads the previous one's stdout. The status is the
/// last stage's (no `pipefail`); returns it with whether the pipeline was negated.
fn pipeline(ctx: &mut Ctx, stages: &[String]) -> Result<(Out, bool), Out> {
    let mut cmds = Vec::new();
    for stage in stages {
        if stage.is_empty() {
            return Err(Out::fail(2, "sh: 1: Syntax error: \"|\" unexpected"));
        }
        let cmd = parse_simple(stage).map_err(|e| unsupported(&e))?;
        match cmd.words.first().map(String::as_str) {
            None => return Err(unsupported("a pipeline stage without a command")),
            Some(w) if SHELL_WORDS.contains(&w) => {
                return Err(unsupported(&format!("'{w}' in a pipeline")));
            }
            _ => {}
        }
        if cmd.negate && !cmds.is_empty() {
            return Err(Out::fail(2, "sh: 1: Syntax error: \"!\" unexpected"));
        }
        cmds.push(cmd);
    }
    let negate = cmds[0].negate;
    let mut out = Out::default();
    let mut piped: Option<String> = None;
    for (k, cmd) in cmds.iter().enumerate() {
        let result = match piped.take() {
            None => run_simple(ctx, cmd),
            Some(input) => {
                let outer = ctx.stdin.replace(input);
                let r = run_simple(ctx, cmd);
                ctx.stdin = outer;
                r
            }
        };
        out.stderr.push_str(&result.stderr);
        out.code = result.code;
        if k + 1 == cmds.len() {
            out.stdout.push_str(&result.stdout);
        } else {
            piped = Some(result.stdout);
        }
    }
    Ok((out, negate))
}

/// Shell keywords and builtins the interpreter handles itself (or refuses).
const SHELL_WORDS: &[&str] = &[
    "set", "exit", "cd", "export", "umask", "if", "then", "else", "elif", "fi", "for", "while", "until", "do", "done",
    "case", "esac", "function", "{", "}",
];

fn finish(mut acc: Out, last: Out) -> Out {
    acc.absorb(last);
    acc
}

fn run_simple(ctx: &mut Ctx, cmd: &Simple) -> Out {
    let saved_env = ctx.env.clone();
    for (k, v) in &cmd.assigns {
        ctx.env.insert(k.clone(), v.clone());
    }
    let saved_stdin = match &cmd.stdin {
        Some(path) => {
            let content = if path == "/dev/null" { Some(String::new()) } else { ctx.node().read(path).cloned() };
            match content {
                Some(c) => Some(ctx.stdin.replace(c)),
                None => {
                    ctx.env = saved_env;
                    return Out::fail(1, format!("sh: 1: cannot open {path}: No such file"));
                }
            }
        }
        None => None,
    };
    // `exec cmd` runs cmd in place of the shell: the same, for the last command.
    let words = match cmd.words.split_first() {
        Some((first, rest)) if first == "exec" && !rest.is_empty() => rest,
        _ => &cmd.words[..],
    };
    let mut result = super::run(ctx, words, true);
    ctx.env = saved_env;
    if let Some(previous) = saved_stdin {
        ctx.stdin = previous;
    }
    let stderr = std::mem::take(&mut result.stderr);
    let stdout = std::mem::take(&mut result.stdout);
    let mut final_out = Out { code: result.code, ..Out::default() };
    for (text, sink, is_err) in [(stdout, &cmd.stdout, false), (stderr, &cmd.stderr, true)] {
        match sink {
            Sink::Inherit if is_err => final_out.stderr.push_str(&text),
            Sink::Inherit | Sink::ToStdout => final_out.stdout.push_str(&text),
            Sink::Null => {}
            Sink::File(path, append) => {
                if ctx.node().write(path, &text, *append).is_err() {
                    final_out.stderr.push_str(&format!("sh: 1: cannot create {path}: Directory nonexistent\n"));
                    final_out.code = 2;
                }
            }
        }
    }
    final_out
}
