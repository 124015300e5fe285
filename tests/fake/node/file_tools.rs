//! coreutils' file programs on the node's in-memory filesystem: `cat`, `cp`, `mv`,
//! `tee`, `mkdir`, `rm`, `ls`, `chmod` and `chown`, with their real option sets
//! (tool_options.rs) and messages. The filesystem keeps no modes, owners, times or
//! links: options about those parse, and do nothing or are refused as not modelled.

use super::Ctx;
use super::files::{WriteError, basename, norm, parent};
use super::getopt::Parsed;
use super::tool_options::{
    self as opts, any, choice, coreutils, coreutils_exit, last_of, last_value, refuse_unmodelled, try_help,
};
use crate::out::{Out, or_return};

/// Asks on stderr and reads the answer from stdin, as coreutils' prompts do.
fn confirm(ctx: &mut Ctx, out: &mut Out, prompt: String) -> bool {
    out.stderr.push_str(&prompt);
    ctx.read_stdin_line().is_some_and(|answer| answer.starts_with(['y', 'Y']))
}

fn fail_line(out: &mut Out, line: String) {
    out.stderr.push_str(&line);
    out.stderr.push('\n');
    out.code = 1;
}

/// `dir` joined with `name`, as coreutils prints it.
fn join(dir: &str, name: &str) -> String {
    match dir.trim_end_matches('/') {
        "" => format!("/{name}"),
        d => format!("{d}/{name}"),
    }
}

fn is_stdin(path: &str) -> bool {
    norm(path) == "/dev/stdin"
}

// ---- cat -------------------------------------------------------------------

#[derive(Default)]
struct CatStyle {
    number_all: bool,
    number_nonblank: bool,
    squeeze: bool,
    ends: bool,
    tabs: bool,
    nonprinting: bool,
}

impl CatStyle {
    fn of(p: &Parsed) -> CatStyle {
        let has = |names: &[&str]| any(p, names);
        let all = has(&["-A", "--show-all"]);
        CatStyle {
            number_all: has(&["-n", "--number"]),
            number_nonblank: has(&["-b", "--number-nonblank"]),
            squeeze: has(&["-s", "--squeeze-blank"]),
            ends: all || has(&["-E", "--show-ends", "-e"]),
            tabs: all || has(&["-T", "--show-tabs", "-t"]),
            nonprinting: all || has(&["-v", "--show-nonprinting", "-e", "-t"]),
        }
    }

    fn render(&self, text: &str) -> String {
        let mut out = String::new();
        let (mut line_no, mut previous_blank) = (0, false);
        for line in text.split_inclusive('\n') {
            let (body, newline) = line.strip_suffix('\n').map_or((line, false), |b| (b, true));
            let blank = body.is_empty() && newline;
            if self.squeeze && blank && previous_blank {
                continue;
            }
            previous_blank = blank;
            if self.number_nonblank && !blank || !self.number_nonblank && self.number_all {
                line_no += 1;
                out.push_str(&format!("{line_no:>6}\t"));
            }
            out.push_str(&self.show(body));
            if newline {
                out.push_str(if self.ends { "$\n" } else { "\n" });
            }
        }
        out
    }

    fn show(&self, body: &str) -> String {
        if !self.nonprinting {
            return if self.tabs { body.replace('\t', "^I") } else { body.to_string() };
        }
        let mut out = String::new();
        for b in body.bytes() {
            match b {
                b'\t' if self.tabs => out.push_str("^I"),
                b'\t' => out.push('\t'),
                _ => out.push_str(&caret(b)),
            }
        }
        out
    }
}

/// `cat -v`'s spelling of a byte: `^X` for controls, `M-` for the high half.
fn caret(b: u8) -> String {
    match b {
        0..=31 => format!("^{}", (b + 64) as char),
        127 => "^?".into(),
        128.. => format!("M-{}", caret(b - 128)),
        _ => (b as char).to_string(),
    }
}

fn read_input(ctx: &mut Ctx, path: &str) -> Result<String, &'static str> {
    if path == "-" || is_stdin(path) {
        return Ok(ctx.take_stdin());
    }
    let node = ctx.node();
    if node.is_dir(path) {
        return Err("Is a directory");
    }
    node.read(path).cloned().ok_or("No such file or directory")
}

pub fn cat(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::CAT, args));
    let operands = if p.operands.is_empty() { vec!["-".to_string()] } else { p.operands.clone() };
    let mut out = Out::default();
    let mut text = String::new();
    for path in &operands {
        match read_input(ctx, path) {
            Ok(t) => text.push_str(&t),
            Err(why) => fail_line(&mut out, format!("{argv0}: {path}: {why}")),
        }
    }
    out.stdout = CatStyle::of(&p).render(&text);
    out
}

// ---- cp and mv ---------------------------------------------------------------

/// The (source, destination) pairs of a `cp` or `mv`, as its operands and
/// `-t`/`-T` make them.
fn transfers(ctx: &mut Ctx, argv0: &str, p: &Parsed) -> Result<Vec<(String, String)>, Out> {
    let strip = any(p, &["--strip-trailing-slashes"]);
    let operands: Vec<String> = p
        .operands
        .iter()
        .map(|o| if strip && o.len() > 1 { o.trim_end_matches('/').to_string() } else { o.clone() })
        .collect();
    let target = last_value(p, &["-t", "--target-directory"]);
    let no_target = any(p, &["-T", "--no-target-directory"]);
    if target.is_some() && no_target {
        return Err(Out::fail(
            1,
            format!("{argv0}: cannot combine --target-directory (-t) and --no-target-directory (-T)"),
        ));
    }
    if let Some(dir) = target {
        check_target(ctx, argv0, "target directory", dir)?;
        if operands.is_empty() {
            return Err(try_help(argv0, &format!("{argv0}: missing file operand"), 1));
        }
        return Ok(operands.iter().map(|s| (s.clone(), join(dir, basename(&norm(s))))).collect());
    }
    let (dst, sources) = match operands.split_last() {
        None => return Err(try_help(argv0, &format!("{argv0}: missing file operand"), 1)),
        Some((only, [])) => {
            return Err(try_help(argv0, &format!("{argv0}: missing destination file operand after '{only}'"), 1));
        }
        Some((dst, sources)) => (dst.clone(), sources),
    };
    if no_target {
        return match operands.as_slice() {
            [src, dst] => Ok(vec![(src.clone(), dst.clone())]),
            _ => Err(try_help(argv0, &format!("{argv0}: extra operand '{}'", operands[2]), 1)),
        };
    }
    if sources.len() > 1 {
        check_target(ctx, argv0, "target", &dst)?;
    }
    let into_dir = ctx.node().is_dir(&dst);
    Ok(sources
        .iter()
        .map(|s| (s.clone(), if into_dir { join(&dst, basename(&norm(s))) } else { dst.clone() }))
        .collect())
}

fn check_target(ctx: &mut Ctx, argv0: &str, what: &str, dir: &str) -> Result<(), Out> {
    let node = ctx.node();
    match () {
        _ if node.is_dir(dir) => Ok(()),
        _ if node.exists(dir) => Err(Out::fail(1, format!("{argv0}: {what} '{dir}': Not a directory"))),
        _ => Err(Out::fail(1, format!("{argv0}: {what} '{dir}': No such file or directory"))),
    }
}

/// Whether an existing destination is replaced: `-i` asks, `-n` keeps it.
fn may_replace(ctx: &mut Ctx, out: &mut Out, argv0: &str, clobber: Option<&str>, dst: &str) -> bool {
    if !ctx.node().exists(dst) {
        return true;
    }
    match clobber {
        Some("-n" | "--no-clobber") => false,
        Some("-i" | "--interactive") => confirm(ctx, out, format!("{argv0}: overwrite '{dst}'? ")),
        _ => true,
    }
}

fn check_cp_values(argv0: &str, p: &Parsed) -> Result<(), Out> {
    if let Some(when) = last_value(p, &["--sparse"]) {
        choice(argv0, "--sparse", when, &[&["never"], &["auto"], &["always"]])?;
    }
    let reflink = p.options.iter().rev().find(|(o, _)| o == "--reflink").map(|(_, v)| v.as_deref());
    if let Some(when) = reflink {
        let when = choice(argv0, "--reflink", when.unwrap_or("always"), &[&["auto"], &["always"], &["never"]])?;
        if when == "always" {
            return Err(opts::unmodelled(argv0, "--reflink=always"));
        }
    }
    let attributes: &[&[&str]] =
        &[&["mode"], &["timestamps"], &["ownership"], &["links"], &["context"], &["xattr"], &["all"]];
    for (option, list) in p.options.iter().filter(|(o, _)| o == "--preserve" || o == "--no-preserve") {
        for attribute in list.as_deref().unwrap_or("mode").split(',') {
            choice(argv0, option, attribute, attributes)?;
        }
    }
    Ok(())
}

pub fn cp(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::CP, args));
    or_return!(refuse_unmodelled(
        argv0,
        &p,
        &[
            "-l",
            "--link",
            "-s",
            "--symbolic-link",
            "-u",
            "--update",
            "-b",
            "--backup",
            "-S",
            "--suffix",
            "--attributes-only",
            "--parents",
        ]
    ));
    or_return!(check_cp_values(argv0, &p));
    let pairs = or_return!(transfers(ctx, argv0, &p));
    let recursive = any(&p, &["-r", "-R", "--recursive", "-a", "--archive"]);
    let clobber = last_of(&p, &["-i", "--interactive", "-n", "--no-clobber"]);
    let verbose = any(&p, &["-v", "--verbose"]);
    let mut out = Out::default();
    for (src, dst) in pairs {
        let copied = if ctx.node().is_dir(&src) {
            copy_dir(ctx, argv0, recursive, &src, &dst)
        } else {
            copy_file(ctx, &mut out, argv0, clobber, &src, &dst)
        };
        match copied {
            Ok(lines) if verbose => lines.iter().for_each(|l| out.stdout.push_str(&format!("{l}\n"))),
            Ok(_) => {}
            Err(why) => fail_line(&mut out, why),
        }
    }
    out
}

/// Copies one file; the verbose lines (none if `-n` or a "no" kept the destination).
fn copy_file(
    ctx: &mut Ctx,
    out: &mut Out,
    argv0: &str,
    clobber: Option<&str>,
    src: &str,
    dst: &str,
) -> Result<Vec<String>, String> {
    let content = match () {
        _ if is_stdin(src) => ctx.take_stdin(),
        _ if norm(src) == "/dev/null" => String::new(),
        _ => ctx
            .node()
            .read(src)
            .cloned()
            .ok_or_else(|| format!("{argv0}: cannot stat '{src}': No such file or directory"))?,
    };
    if norm(src) == norm(dst) {
        return Err(format!("{argv0}: '{src}' and '{dst}' are the same file"));
    }
    if !may_replace(ctx, out, argv0, clobber, dst) {
        return Ok(vec![]);
    }
    match ctx.node().write(dst, &content, false) {
        Ok(()) => Ok(vec![format!("'{src}' -> '{dst}'")]),
        Err(WriteError::NoParent) => {
            Err(format!("{argv0}: cannot create regular file '{dst}': No such file or directory"))
        }
        Err(WriteError::IsDir) => Err(format!("{argv0}: cannot overwrite directory '{dst}' with non-directory")),
    }
}

fn copy_dir(ctx: &mut Ctx, argv0: &str, recursive: bool, src: &str, dst: &str) -> Result<Vec<String>, String> {
    if !recursive {
        return Err(format!("{argv0}: -r not specified; omitting directory '{src}'"));
    }
    let node = ctx.node();
    if node.exists(dst) && !node.is_dir(dst) {
        return Err(format!("{argv0}: cannot overwrite non-directory '{dst}' with directory '{src}'"));
    }
    let (from, to) = (norm(src), norm(dst));
    if to == from || to.starts_with(&format!("{from}/")) {
        return Err(format!("{argv0}: cannot copy a directory, '{src}', into itself, '{dst}'"));
    }
    if !node.is_dir(&parent(&to)) {
        return Err(format!("{argv0}: cannot create directory '{dst}': No such file or directory"));
    }
    let lines = node
        .tree(src)
        .iter()
        .map(|(rel, _)| {
            if rel.is_empty() {
                format!("'{src}' -> '{dst}'")
            } else {
                format!("'{}' -> '{}'", join(src, rel), join(dst, rel))
            }
        })
        .collect();
    node.copy_tree(src, dst);
    Ok(lines)
}

pub fn mv(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::MV, args));
    or_return!(refuse_unmodelled(argv0, &p, &["-u", "--update", "-b", "--backup", "-S", "--suffix"]));
    let pairs = or_return!(transfers(ctx, argv0, &p));
    let clobber = last_of(&p, &["-i", "--interactive", "-n", "--no-clobber", "-f", "--force"]);
    let verbose = any(&p, &["-v", "--verbose"]);
    let mut out = Out::default();
    for (src, dst) in pairs {
        match move_one(ctx, &mut out, argv0, clobber, &src, &dst) {
            Ok(true) if verbose => out.stdout.push_str(&format!("renamed '{src}' -> '{dst}'\n")),
            Ok(_) => {}
            Err(why) => fail_line(&mut out, why),
        }
    }
    out
}

/// Moves a file or directory tree; whether it moved (`-n` or a "no" keep it).
fn move_one(
    ctx: &mut Ctx,
    out: &mut Out,
    argv0: &str,
    clobber: Option<&str>,
    src: &str,
    dst: &str,
) -> Result<bool, String> {
    let (from, to) = (norm(src), norm(dst));
    let node = ctx.node();
    if !node.exists(src) {
        return Err(format!("{argv0}: cannot stat '{src}': No such file or directory"));
    }
    if from == to {
        return Err(format!("{argv0}: '{src}' and '{dst}' are the same file"));
    }
    let src_is_dir = node.is_dir(src);
    match () {
        _ if src_is_dir && to.starts_with(&format!("{from}/")) => {
            return Err(format!("{argv0}: cannot move '{src}' to a subdirectory of itself, '{dst}'"));
        }
        _ if src_is_dir && node.exists(dst) && !node.is_dir(dst) => {
            return Err(format!("{argv0}: cannot overwrite non-directory '{dst}' with directory '{src}'"));
        }
        _ if src_is_dir && node.is_dir(dst) && !node.is_empty_dir(dst) => {
            return Err(format!("{argv0}: cannot move '{src}' to '{dst}': Directory not empty"));
        }
        _ if !src_is_dir && node.is_dir(dst) => {
            return Err(format!("{argv0}: cannot overwrite directory '{dst}' with non-directory"));
        }
        _ if !node.is_dir(&parent(&to)) => {
            return Err(format!("{argv0}: cannot move '{src}' to '{dst}': No such file or directory"));
        }
        _ => {}
    }
    if !may_replace(ctx, out, argv0, clobber, dst) {
        return Ok(false);
    }
    let node = ctx.node();
    let _ = node.remove(dst, true);
    node.copy_tree(src, dst);
    let _ = node.remove(src, true);
    Ok(true)
}

// ---- tee ---------------------------------------------------------------------

pub fn tee(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::TEE, args));
    if let Some(mode) = p.options.iter().rev().find(|(o, _)| o == "--output-error").and_then(|(_, v)| v.as_deref()) {
        let modes: &[&[&str]] = &[&["warn"], &["warn-nopipe"], &["exit"], &["exit-nopipe"]];
        or_return!(choice(argv0, "--output-error", mode, modes));
    }
    let append = any(&p, &["-a", "--append"]);
    let text = ctx.take_stdin();
    let mut out = Out::ok(text.clone());
    for path in &p.operands {
        let why = match ctx.node().write(path, &text, append) {
            Ok(()) => continue,
            Err(WriteError::NoParent) => "No such file or directory",
            Err(WriteError::IsDir) => "Is a directory",
        };
        fail_line(&mut out, format!("{argv0}: {path}: {why}"));
    }
    out
}

// ---- mkdir -------------------------------------------------------------------

/// A mode as chmod and `mkdir -m` take it: octal up to 07777, or symbolic clauses
/// such as `u+x,go=rx`, `-w`, `=755`.
pub fn valid_mode(mode: &str) -> bool {
    if !mode.is_empty() && mode.bytes().all(|b| b.is_ascii_digit()) {
        return u32::from_str_radix(mode, 8).is_ok_and(|m| m <= 0o7777);
    }
    mode.split(',').all(valid_clause)
}

fn valid_clause(clause: &str) -> bool {
    let actions = clause.trim_start_matches(['u', 'g', 'o', 'a']);
    if actions.is_empty() {
        return false;
    }
    let mut rest = actions;
    while let Some(after_op) = rest.strip_prefix(['+', '-', '=']) {
        let perms = after_op.len() - after_op.trim_start_matches(['r', 'w', 'x', 'X', 's', 't']).len();
        let copied = after_op.starts_with(['u', 'g', 'o']) as usize;
        let octal = after_op.len() - after_op.trim_start_matches(|c: char| c.is_digit(8)).len();
        let taken = if perms > 0 {
            perms
        } else if copied > 0 {
            copied
        } else {
            octal
        };
        rest = &after_op[taken..];
    }
    rest.is_empty()
}

pub fn mkdir(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::MKDIR, args));
    if let Some(mode) = last_value(&p, &["-m", "--mode"])
        && !valid_mode(mode)
    {
        return Out::fail(1, format!("{argv0}: invalid mode '{mode}'"));
    }
    let mut out = Out::default();
    if p.options.iter().any(|(o, v)| o == "--context" && v.is_some()) {
        out.stderr
            .push_str(&format!("{argv0}: warning: ignoring --context; it requires an SELinux/SMACK-enabled kernel\n"));
    }
    if p.operands.is_empty() {
        return try_help(argv0, &format!("{argv0}: missing operand"), 1);
    }
    let parents = any(&p, &["-p", "--parents"]);
    let verbose = any(&p, &["-v", "--verbose"]);
    for path in &p.operands {
        let made = if parents {
            make_parents(ctx, argv0, path)
        } else {
            make_dir(ctx, argv0, path).map(|()| vec![path.clone()])
        };
        match made {
            Ok(created) if verbose => {
                created.iter().for_each(|d| out.stdout.push_str(&format!("{argv0}: created directory '{d}'\n")))
            }
            Ok(_) => {}
            Err(why) => fail_line(&mut out, why),
        }
    }
    out
}

fn make_dir(ctx: &mut Ctx, argv0: &str, path: &str) -> Result<(), String> {
    let node = ctx.node();
    let up = parent(&norm(path));
    let why = match () {
        _ if node.exists(path) => "File exists",
        _ if node.is_dir(&up) => {
            node.dirs.insert(norm(path));
            return Ok(());
        }
        _ if node.exists(&up) => "Not a directory",
        _ => "No such file or directory",
    };
    Err(format!("{argv0}: cannot create directory '{path}': {why}"))
}

/// `mkdir -p`: each missing directory on the way, as named (for `-v`).
fn make_parents(ctx: &mut Ctx, argv0: &str, path: &str) -> Result<Vec<String>, String> {
    let mut created = Vec::new();
    let mut typed = if path.starts_with('/') { String::from("/") } else { String::new() };
    let parts: Vec<&str> = path.split('/').filter(|s| !s.is_empty()).collect();
    for (i, part) in parts.iter().enumerate() {
        if !typed.is_empty() && !typed.ends_with('/') {
            typed.push('/');
        }
        typed.push_str(part);
        let node = ctx.node();
        if node.is_dir(&typed) {
            continue;
        }
        if node.exists(&typed) {
            let why = if i + 1 == parts.len() { "File exists" } else { "Not a directory" };
            return Err(format!("{argv0}: cannot create directory '{typed}': {why}"));
        }
        node.dirs.insert(norm(&typed));
        created.push(typed.clone());
    }
    Ok(created)
}

// ---- rm ----------------------------------------------------------------------

#[derive(PartialEq, Clone, Copy)]
enum Prompting {
    Never,
    Once,
    Always,
}

fn rm_prompting(argv0: &str, p: &Parsed) -> Result<Prompting, Out> {
    let Some((option, value)) =
        p.options.iter().rev().find(|(o, _)| matches!(o.as_str(), "-f" | "--force" | "-i" | "-I" | "--interactive"))
    else {
        return Ok(Prompting::Never);
    };
    Ok(match (option.as_str(), value.as_deref()) {
        ("-f" | "--force", _) => Prompting::Never,
        ("-I", _) => Prompting::Once,
        ("--interactive", Some(when)) => {
            let whens: &[&[&str]] = &[&["never", "no", "none"], &["once"], &["always", "yes"]];
            match choice(argv0, "--interactive", when, whens)? {
                "never" => Prompting::Never,
                "once" => Prompting::Once,
                _ => Prompting::Always,
            }
        }
        _ => Prompting::Always,
    })
}

struct RmOptions {
    force: bool,
    prompting: Prompting,
    recursive: bool,
    dirs: bool,
    verbose: bool,
    preserve_root: bool,
}

pub fn rm(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::RM, args));
    if let Some(Some(how)) = last_value(&p, &["--preserve-root"]).map(|v| (v != "all").then_some(v)) {
        return Out::fail(1, format!("{argv0}: unrecognized --preserve-root argument: '{how}'"));
    }
    let o = RmOptions {
        force: any(&p, &["-f", "--force"]),
        prompting: or_return!(rm_prompting(argv0, &p)),
        recursive: any(&p, &["-r", "-R", "--recursive"]),
        dirs: any(&p, &["-d", "--dir"]),
        verbose: any(&p, &["-v", "--verbose"]),
        preserve_root: last_of(&p, &["--preserve-root", "--no-preserve-root"]) != Some("--no-preserve-root"),
    };
    if o.prompting == Prompting::Always && o.recursive {
        return opts::unmodelled(argv0, "-ri (its questions while descending)");
    }
    if p.operands.is_empty() {
        return if o.force { Out::default() } else { try_help(argv0, &format!("{argv0}: missing operand"), 1) };
    }
    let mut out = Out::default();
    let n = p.operands.len();
    if o.prompting == Prompting::Once && (n > 3 || o.recursive) {
        let what =
            format!("{n} argument{}{}", if n == 1 { "" } else { "s" }, if o.recursive { " recursively" } else { "" });
        if !confirm(ctx, &mut out, format!("{argv0}: remove {what}? ")) {
            return out;
        }
    }
    for path in &p.operands {
        remove_operand(ctx, &mut out, argv0, &o, path);
    }
    out
}

fn remove_operand(ctx: &mut Ctx, out: &mut Out, argv0: &str, o: &RmOptions, path: &str) {
    let last = path.trim_end_matches('/').rsplit('/').next().unwrap_or("");
    if o.recursive && (last == "." || last == "..") {
        return fail_line(out, format!("{argv0}: refusing to remove '.' or '..' directory: skipping '{path}'"));
    }
    if o.recursive && o.preserve_root && norm(path) == "/" {
        out.stderr.push_str(&format!("{argv0}: it is dangerous to operate recursively on '/'\n"));
        return fail_line(out, format!("{argv0}: use --no-preserve-root to override this failsafe"));
    }
    let node = ctx.node();
    let why = match () {
        _ if !node.exists(path) && o.force => return,
        _ if !node.exists(path) => "No such file or directory",
        _ if node.is_dir(path) && !o.recursive && !o.dirs => "Is a directory",
        _ if node.is_dir(path) && !o.recursive && !node.is_empty_dir(path) => "Directory not empty",
        _ => return remove_found(ctx, out, argv0, o, path),
    };
    fail_line(out, format!("{argv0}: cannot remove '{path}': {why}"));
}

fn remove_found(ctx: &mut Ctx, out: &mut Out, argv0: &str, o: &RmOptions, path: &str) {
    let node = ctx.node();
    let is_dir = node.is_dir(path);
    if o.prompting == Prompting::Always {
        let kind = match node.read(path) {
            None => "directory",
            Some(text) if text.is_empty() => "regular empty file",
            Some(_) => "regular file",
        };
        if !confirm(ctx, out, format!("{argv0}: remove {kind} '{path}'? ")) {
            return;
        }
    }
    let node = ctx.node();
    let removed: Vec<String> = if is_dir {
        node.tree(path)
            .iter()
            .rev()
            .map(|(rel, content)| {
                let shown = if rel.is_empty() { path.to_string() } else { join(path, rel) };
                if content.is_some() { format!("removed '{shown}'") } else { format!("removed directory '{shown}'") }
            })
            .collect()
    } else {
        vec![format!("removed '{path}'")]
    };
    let _ = node.remove(path, true);
    if o.verbose {
        removed.iter().for_each(|l| out.stdout.push_str(&format!("{l}\n")));
    }
}

// ---- ls ----------------------------------------------------------------------

/// What `ls` prints one name per line (its output is never a terminal here).
struct Listing {
    all: bool,
    almost_all: bool,
    directory: bool,
    reverse: bool,
    recursive: bool,
    slash: bool,
    dirs_first: bool,
    commas: bool,
    zero: bool,
    quote: bool,
    ignore: Vec<String>,
    hide: Vec<String>,
}

/// Options that need what the fake does not keep (sizes, times, modes, owners,
/// inodes, contexts) or a terminal's columns.
const LS_UNMODELLED: &[&str] = &[
    "-l",
    "-g",
    "-o",
    "-n",
    "--numeric-uid-gid",
    "-s",
    "--size",
    "-i",
    "--inode",
    "-h",
    "--human-readable",
    "--si",
    "-k",
    "--kibibytes",
    "--block-size",
    "--author",
    "--full-time",
    "--time",
    "--time-style",
    "-c",
    "-u",
    "-t",
    "-S",
    "-X",
    "-v",
    "-G",
    "--no-group",
    "-D",
    "--dired",
    "-Z",
    "--context",
    "-C",
    "-x",
    "-F",
    "--classify",
];

fn ls_options(argv0: &str, p: &Parsed) -> Result<Listing, Out> {
    refuse_unmodelled(argv0, p, LS_UNMODELLED)?;
    let bad = |text: String| Out::fail(2, text);
    for (option, value) in &p.options {
        let value = value.as_deref();
        match (option.as_str(), value) {
            ("--format", Some(f)) => {
                let formats: &[&[&str]] =
                    &[&["verbose", "long"], &["commas"], &["horizontal", "across"], &["vertical"], &["single-column"]];
                let f = choice(argv0, "--format", f, formats)?;
                if !matches!(f, "commas" | "single-column") {
                    return Err(opts::unmodelled(argv0, &format!("--format={f}")));
                }
            }
            ("--sort", Some(s)) => {
                let sorts: &[&[&str]] = &[&["none"], &["time"], &["size"], &["extension"], &["version"], &["width"]];
                if choice(argv0, "--sort", s, sorts)? != "none" {
                    return Err(opts::unmodelled(argv0, &format!("--sort={s}")));
                }
            }
            ("--color", v) | ("--hyperlink", v) => {
                let whens: &[&[&str]] =
                    &[&["always", "yes", "force"], &["never", "no", "none"], &["auto", "tty", "if-tty"]];
                if choice(argv0, option, v.unwrap_or("always"), whens)? == "always" {
                    return Err(opts::unmodelled(argv0, &format!("{option}=always")));
                }
            }
            ("--indicator-style", Some(s)) => {
                let styles: &[&[&str]] = &[&["none"], &["slash"], &["file-type"], &["classify"]];
                if choice(argv0, "--indicator-style", s, styles)? == "classify" {
                    return Err(opts::unmodelled(argv0, "--indicator-style=classify"));
                }
            }
            ("--quoting-style", Some(s)) => {
                let styles: &[&[&str]] = &[
                    &["literal"],
                    &["shell"],
                    &["shell-always"],
                    &["shell-escape"],
                    &["shell-escape-always"],
                    &["c"],
                    &["escape"],
                    &["locale"],
                    &["clocale"],
                ];
                choice(argv0, "--quoting-style", s, styles)?;
            }
            ("-w" | "--width", Some(w)) if w.parse::<u64>().is_err() => {
                return Err(bad(format!("{argv0}: invalid line width: '{w}'")));
            }
            ("-T" | "--tabsize", Some(t)) if t.parse::<u64>().is_err() => {
                return Err(bad(format!("{argv0}: invalid tab size: '{t}'")));
            }
            _ => {}
        }
    }
    let has = |names: &[&str]| any(p, names);
    let values = |names: &[&str]| -> Vec<String> {
        p.options.iter().filter(|(o, _)| names.contains(&o.as_str())).filter_map(|(_, v)| v.clone()).collect()
    };
    let mut ignore = values(&["-I", "--ignore"]);
    if has(&["-B", "--ignore-backups"]) {
        ignore.extend(["*~".to_string(), ".*~".to_string()]);
    }
    let indicator = last_value(p, &["--indicator-style"]);
    Ok(Listing {
        all: has(&["-a", "--all", "-f"]),
        almost_all: has(&["-A", "--almost-all"]),
        directory: has(&["-d", "--directory"]),
        reverse: has(&["-r", "--reverse"]),
        recursive: has(&["-R", "--recursive"]),
        slash: has(&["-p", "--file-type"]) || matches!(indicator, Some(s) if s.starts_with('s') || s.starts_with('f')),
        dirs_first: has(&["--group-directories-first"]),
        commas: has(&["-m"]) || matches!(last_value(p, &["--format"]), Some(f) if f.starts_with('c')),
        zero: has(&["--zero"]),
        quote: has(&["-Q", "--quote-name"]) || matches!(last_value(p, &["--quoting-style"]), Some("c")),
        ignore,
        hide: values(&["--hide"]),
    })
}

/// A shell glob of `*`, `?` and literal characters, as `ls -I` takes.
fn glob(pattern: &str, name: &str) -> bool {
    match pattern.chars().next() {
        None => name.is_empty(),
        Some('*') => (0..=name.len()).filter(|i| name.is_char_boundary(*i)).any(|i| glob(&pattern[1..], &name[i..])),
        Some('?') => name.chars().next().is_some_and(|c| glob(&pattern[1..], &name[c.len_utf8()..])),
        Some(c) => name.starts_with(c) && glob(&pattern[c.len_utf8()..], &name[c.len_utf8()..]),
    }
}

impl Listing {
    fn entries(&self, ctx: &mut Ctx, dir: &str) -> Vec<String> {
        let node = ctx.node();
        let mut names: Vec<String> = node
            .list(dir)
            .into_iter()
            .filter(|n| self.all || self.almost_all || !n.starts_with('.'))
            .filter(|n| !self.ignore.iter().any(|g| glob(g, n)))
            .filter(|n| self.all || self.almost_all || !self.hide.iter().any(|g| glob(g, n)))
            .collect();
        if self.all {
            names.splice(0..0, [".".to_string(), "..".to_string()]);
        }
        if self.dirs_first {
            names.sort_by_key(|n| !node.is_dir(&join(dir, n)));
        }
        if self.reverse {
            names.reverse();
        }
        names
    }

    fn show(&self, name: &str, is_dir: bool) -> String {
        let name = if self.quote { format!("\"{name}\"") } else { name.to_string() };
        if self.slash && is_dir && !name.ends_with('.') { format!("{name}/") } else { name }
    }

    fn block(&self, names: &[String]) -> String {
        if names.is_empty() {
            return String::new();
        }
        match () {
            _ if self.zero => names.iter().map(|n| format!("{n}\0")).collect(),
            _ if self.commas => format!("{}\n", names.join(", ")),
            _ => names.iter().map(|n| format!("{n}\n")).collect(),
        }
    }

    fn directory(&self, ctx: &mut Ctx, dir: &str, header: bool, out: &mut Out) {
        let names = self.entries(ctx, dir);
        let shown: Vec<String> = names.iter().map(|n| self.show(n, ctx.node().is_dir(&join(dir, n)))).collect();
        if header {
            out.stdout.push_str(&format!("{dir}:\n"));
        }
        out.stdout.push_str(&self.block(&shown));
        if self.recursive {
            for name in names.iter().filter(|n| *n != "." && *n != "..") {
                let sub = join(dir, name);
                if ctx.node().is_dir(&sub) {
                    out.stdout.push('\n');
                    self.directory(ctx, &sub, true, out);
                }
            }
        }
    }
}

pub fn ls(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils_exit(argv0, &opts::LS, args, 2));
    let listing = or_return!(ls_options(argv0, &p));
    let mut operands = if p.operands.is_empty() { vec![".".to_string()] } else { p.operands.clone() };
    operands.sort();
    let mut out = Out::default();
    let (mut files, mut dirs) = (Vec::new(), Vec::new());
    for path in &operands {
        let node = ctx.node();
        match () {
            _ if !node.exists(path) => {
                out.stderr.push_str(&format!("{argv0}: cannot access '{path}': No such file or directory\n"));
                out.code = 2;
            }
            _ if node.is_dir(path) && !listing.directory => dirs.push(path.clone()),
            _ => files.push(listing.show(path, node.is_dir(path))),
        }
    }
    if listing.reverse {
        files.reverse();
        dirs.reverse();
    }
    out.stdout.push_str(&listing.block(&files));
    let header = operands.len() > 1 || listing.recursive;
    for (i, dir) in dirs.iter().enumerate() {
        if i > 0 || !files.is_empty() {
            out.stdout.push('\n');
        }
        listing.directory(ctx, dir, header, &mut out);
    }
    out
}

// ---- chmod and chown -----------------------------------------------------------

/// What chmod and chown share: `-R`, `-f`, `--reference`, `--preserve-root`, and
/// that `-c`/`-v` report modes and owners the fake does not keep.
struct Change<'a> {
    argv0: &'a str,
    recursive: bool,
    quiet: bool,
    preserve_root: bool,
}

impl<'a> Change<'a> {
    fn of(argv0: &'a str, p: &Parsed) -> Result<Change<'a>, Out> {
        refuse_unmodelled(argv0, p, &["-c", "--changes", "-v", "--verbose"])?;
        Ok(Change {
            argv0,
            recursive: any(p, &["-R", "--recursive"]),
            quiet: any(p, &["-f", "--quiet", "--silent"]),
            preserve_root: last_of(p, &["--preserve-root", "--no-preserve-root"]) == Some("--preserve-root"),
        })
    }

    fn reference(&self, ctx: &mut Ctx, p: &Parsed) -> Result<bool, Out> {
        match last_value(p, &["--reference"]) {
            Some(file) if !ctx.node().exists(file) => Err(Out::fail(
                1,
                format!("{}: failed to get attributes of '{file}': No such file or directory", self.argv0),
            )),
            Some(_) => Ok(true),
            None => Ok(false),
        }
    }

    fn apply(&self, ctx: &mut Ctx, files: &[String]) -> Out {
        let mut out = Out::default();
        for path in files {
            if self.recursive && self.preserve_root && norm(path) == "/" {
                out.stderr.push_str(&format!("{}: it is dangerous to operate recursively on '/'\n", self.argv0));
                fail_line(&mut out, format!("{}: use --no-preserve-root to override this failsafe", self.argv0));
            } else if !ctx.node().exists(path) {
                out.code = 1;
                if !self.quiet {
                    fail_line(&mut out, format!("{}: cannot access '{path}': No such file or directory", self.argv0));
                }
            }
        }
        out
    }
}

/// chmod's operands: the mode (unless an option such as `-w` or `--reference` gave
/// it) and the files.
fn mode_and_files(
    argv0: &str,
    p: &Parsed,
    args: &[String],
    by_reference: bool,
) -> Result<(Option<String>, Vec<String>), Out> {
    let from_option = p
        .options
        .iter()
        .zip(&p.origins)
        .find(|((o, _), _)| o.len() == 2 && "rwxXstugoa,+=01234567".contains(&o[1..]))
        .map(|(_, i)| args[*i].clone());
    let mut operands = p.operands.clone();
    let mode = match from_option {
        _ if by_reference => None,
        Some(mode) => Some(mode),
        None if operands.is_empty() => return Err(try_help(argv0, &format!("{argv0}: missing operand"), 1)),
        None => Some(operands.remove(0)),
    };
    if operands.is_empty() {
        let why = match &mode {
            Some(m) => format!("{argv0}: missing operand after '{m}'"),
            None => format!("{argv0}: missing operand"),
        };
        return Err(try_help(argv0, &why, 1));
    }
    Ok((mode, operands))
}

pub fn chmod(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::CHMOD, args));
    let change = or_return!(Change::of(argv0, &p));
    let by_reference = or_return!(change.reference(ctx, &p));
    let (mode, files) = or_return!(mode_and_files(argv0, &p, args, by_reference));
    if let Some(mode) = mode
        && !valid_mode(&mode)
    {
        return try_help(argv0, &format!("{argv0}: invalid mode: '{mode}'"), 1);
    }
    change.apply(ctx, &files)
}

/// Debian bookworm's base-passwd users and groups (kindest/node adds none that
/// kina's commands name).
const USERS: &[&str] = &[
    "root", "daemon", "bin", "sys", "sync", "games", "man", "lp", "mail", "news", "uucp", "proxy", "www-data",
    "backup", "list", "irc", "_apt", "nobody",
];
const GROUPS: &[&str] = &[
    "root", "daemon", "bin", "sys", "adm", "tty", "disk", "lp", "mail", "news", "uucp", "man", "proxy", "kmem",
    "dialout", "fax", "voice", "cdrom", "floppy", "tape", "sudo", "audio", "dip", "www-data", "backup", "operator",
    "list", "irc", "src", "shadow", "utmp", "video", "sasl", "plugdev", "staff", "games", "users", "nogroup",
];

fn known(names: &[&str], id: &str) -> bool {
    id.is_empty() || names.contains(&id) || id.bytes().all(|b| b.is_ascii_digit())
}

/// Checks an `OWNER[:GROUP]` spec; a warning for the old `OWNER.GROUP` form.
fn check_owner(argv0: &str, spec: &str, out: &mut Out) -> Result<(), Out> {
    let (user, group) = match spec.split_once(':') {
        Some(pair) => pair,
        None => match spec.split_once('.') {
            Some(pair) if !known(USERS, spec) => {
                out.stderr.push_str(&format!("{argv0}: warning: '.' should be ':': '{spec}'\n"));
                pair
            }
            _ => (spec, ""),
        },
    };
    match () {
        _ if !known(USERS, user) => Err(Out::fail(1, format!("{argv0}: invalid user: '{spec}'"))),
        _ if !known(GROUPS, group) => Err(Out::fail(1, format!("{argv0}: invalid group: '{spec}'"))),
        _ => Ok(()),
    }
}

pub fn chown(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let p = or_return!(coreutils(argv0, &opts::CHOWN, args));
    let change = or_return!(Change::of(argv0, &p));
    let mut warnings = Out::default();
    if let Some(from) = last_value(&p, &["--from"]) {
        or_return!(check_owner(argv0, from, &mut warnings));
    }
    let by_reference = or_return!(change.reference(ctx, &p));
    let mut operands = p.operands.clone();
    if !by_reference {
        if operands.is_empty() {
            return try_help(argv0, &format!("{argv0}: missing operand"), 1);
        }
        let spec = operands.remove(0);
        or_return!(check_owner(argv0, &spec, &mut warnings));
        if operands.is_empty() {
            return try_help(argv0, &format!("{argv0}: missing operand after '{spec}'"), 1);
        }
    }
    let out = change.apply(ctx, &operands);
    Out { stderr: warnings.stderr + &out.stderr, ..out }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn modes_are_octal_or_symbolic_clauses() {
        for good in ["0755", "755", "7777", "u+x", "go=rx", "a+rwX,g-w,o=", "-w", "-=", "=755", "u=g"] {
            assert!(valid_mode(good), "{good}");
        }
        for bad in ["999", "17777", "u+q", "", "-,", "-Rw", "x"] {
            assert!(!valid_mode(bad), "{bad}");
        }
    }

    #[test]
    fn cat_shows_what_its_options_ask_for() {
        let style = CatStyle { number_all: true, ends: true, tabs: true, ..CatStyle::default() };
        assert_eq!(style.render("a\tb\n\nc"), "     1\ta^Ib$\n     2\t$\n     3\tc");
        let squeeze = CatStyle { squeeze: true, number_nonblank: true, number_all: true, ..CatStyle::default() };
        assert_eq!(squeeze.render("a\n\n\n\nb\n"), "     1\ta\n\n     2\tb\n");
        assert_eq!(caret(0x1b), "^[");
        assert_eq!(caret(0xe9), "M-i");
    }

    #[test]
    fn ls_globs_match_as_the_shell_does() {
        assert!(glob("*.conf", "a.conf") && glob("?b*", "ab") && !glob("*.conf", "a.con"));
    }
}
