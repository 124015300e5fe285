//! coreutils' `test` and `[` (what a direct exec runs; a script's `[` is dash's
//! builtin). They take no options: `test --bogus` is a one-word expression, true.
//! One to four words follow POSIX's rules by count; longer expressions use `!`, `(`,
//! `)`, `-a` and `-o`. The messages and exit code 2 are coreutils 9.1's.

use super::Ctx;
use super::files::norm;
use super::program_name;
use super::programs::containerd_up;
use crate::out::Out;
use std::cmp::Ordering;

const BINARY: &[&str] = &["=", "==", "!=", "-eq", "-ne", "-lt", "-le", "-gt", "-ge", "-nt", "-ot", "-ef"];
const UNARY: &str = "bcdefgGhkLnNOprsStuwxz";

pub fn test(ctx: &mut Ctx, argv0: &str, args: &[String]) -> Out {
    let mut words: Vec<String> = args.to_vec();
    if program_name(argv0) == "[" {
        if let [only] = words.as_slice()
            && (only == "--help" || only == "--version")
        {
            return super::tool_options::unmodelled(argv0, only);
        }
        if words.last().map(String::as_str) != Some("]") {
            return Out::fail(2, format!("{argv0}: missing ']'"));
        }
        words.pop();
    }
    let mut expr = Expr { ctx, words, pos: 0 };
    match expr.evaluate() {
        Ok(true) => Out::default(),
        Ok(false) => Out::fail(1, ""),
        Err(why) => Out::fail(2, format!("{argv0}: {why}")),
    }
}

struct Expr<'c, 'a> {
    ctx: &'c mut Ctx<'a>,
    words: Vec<String>,
    pos: usize,
}

/// `-x`: two characters, the first a dash, as a unary operator is spelled.
fn dash_letter(word: &str) -> bool {
    word.len() == 2 && word.starts_with('-')
}

impl Expr<'_, '_> {
    fn evaluate(&mut self) -> Result<bool, String> {
        if self.words.is_empty() {
            return Ok(false);
        }
        let value = self.by_count(self.words.len())?;
        match self.words.get(self.pos) {
            Some(extra) => Err(format!("extra argument '{extra}'")),
            None => Ok(value),
        }
    }

    fn word(&self, offset: usize) -> &str {
        self.words.get(self.pos + offset).map_or("", String::as_str)
    }

    fn peek(&self) -> Option<&str> {
        self.words.get(self.pos).map(String::as_str)
    }

    fn missing_after_last(&self) -> String {
        format!("missing argument after '{}'", self.words.last().map_or("", String::as_str))
    }

    /// POSIX's rules for an expression of `n` words from here.
    fn by_count(&mut self, n: usize) -> Result<bool, String> {
        match n {
            1 => {
                let value = !self.word(0).is_empty();
                self.pos += 1;
                Ok(value)
            }
            2 => self.two(),
            3 => self.three(),
            4 => self.four(),
            _ => self.or(),
        }
    }

    fn two(&mut self) -> Result<bool, String> {
        match self.word(0) {
            "!" => {
                self.pos += 1;
                Ok(!self.by_count(1)?)
            }
            w if dash_letter(w) => self.unary(),
            _ => Err(self.missing_after_last()),
        }
    }

    fn three(&mut self) -> Result<bool, String> {
        let (first, middle) = (self.word(0).to_string(), self.word(1).to_string());
        match () {
            _ if BINARY.contains(&middle.as_str()) => self.binary(),
            _ if first == "!" => {
                self.pos += 1;
                Ok(!self.two()?)
            }
            _ if first == "(" && self.word(2) == ")" => {
                self.pos += 1;
                let value = self.by_count(1)?;
                self.pos += 1;
                Ok(value)
            }
            _ if middle == "-a" || middle == "-o" => self.or(),
            _ => Err(format!("'{middle}': binary operator expected")),
        }
    }

    fn four(&mut self) -> Result<bool, String> {
        match self.word(0) {
            "!" => {
                self.pos += 1;
                Ok(!self.three()?)
            }
            "(" if self.word(3) == ")" => {
                self.pos += 1;
                let value = self.two()?;
                self.pos += 1;
                Ok(value)
            }
            _ => self.or(),
        }
    }

    fn or(&mut self) -> Result<bool, String> {
        let mut value = self.and()?;
        while self.peek() == Some("-o") {
            self.pos += 1;
            value |= self.and()?;
        }
        Ok(value)
    }

    fn and(&mut self) -> Result<bool, String> {
        let mut value = self.term()?;
        while self.peek() == Some("-a") {
            self.pos += 1;
            value &= self.term()?;
        }
        Ok(value)
    }

    fn term(&mut self) -> Result<bool, String> {
        let mut negate = false;
        while self.peek() == Some("!") {
            negate = !negate;
            self.pos += 1;
        }
        let Some(word) = self.peek().map(str::to_string) else { return Err(self.missing_after_last()) };
        let value = match () {
            _ if word == "(" => self.parenthesised()?,
            _ if self.pos + 2 < self.words.len() && BINARY.contains(&self.word(1)) => self.binary()?,
            _ if dash_letter(&word) => self.unary()?,
            _ => {
                self.pos += 1;
                !word.is_empty()
            }
        };
        Ok(value != negate)
    }

    /// `( EXPR )`: the words up to the next `)` (all the rest past four) follow the
    /// rules by count.
    fn parenthesised(&mut self) -> Result<bool, String> {
        self.pos += 1;
        let rest = self.words.len() - self.pos;
        if rest == 0 {
            return Err(self.missing_after_last());
        }
        let n = (1..rest).find(|i| self.word(*i) == ")").filter(|n| *n <= 4).unwrap_or(rest);
        let value = self.by_count(n)?;
        match self.peek() {
            None => Err("')' expected".to_string()),
            Some(")") => {
                self.pos += 1;
                Ok(value)
            }
            Some(other) => Err(format!("')' expected, found '{other}'")),
        }
    }

    fn unary(&mut self) -> Result<bool, String> {
        let op = self.word(0).to_string();
        if !UNARY.contains(&op[1..]) {
            return Err(format!("'{op}': unary operator expected"));
        }
        if self.pos + 1 >= self.words.len() {
            return Err(self.missing_after_last());
        }
        let operand = self.word(1).to_string();
        self.pos += 2;
        Ok(file_test(self.ctx, op.as_bytes()[1], &operand))
    }

    fn binary(&mut self) -> Result<bool, String> {
        let (a, op, b) = (self.word(0).to_string(), self.word(1).to_string(), self.word(2).to_string());
        self.pos += 3;
        let node = self.ctx.node();
        Ok(match op.as_str() {
            "=" | "==" => a == b,
            "!=" => a != b,
            // The fake keeps no times: only a missing file is older than another.
            "-nt" => node.exists(&a) && !node.exists(&b),
            "-ot" => !node.exists(&a) && node.exists(&b),
            "-ef" => node.exists(&a) && norm(&a) == norm(&b),
            _ => {
                let order = compare_integers(&a, &b)?;
                match op.as_str() {
                    "-eq" => order == Ordering::Equal,
                    "-ne" => order != Ordering::Equal,
                    "-lt" => order == Ordering::Less,
                    "-le" => order != Ordering::Greater,
                    "-gt" => order == Ordering::Greater,
                    _ => order != Ordering::Less,
                }
            }
        })
    }
}

/// An integer as `test` reads one: blanks around it, an optional sign, any number
/// of digits. Returns (negative, digits without leading zeros).
fn integer(word: &str) -> Result<(bool, String), String> {
    let trimmed = word.trim_matches([' ', '\t']);
    let (negative, digits) = match trimmed.strip_prefix('-') {
        Some(d) => (true, d),
        None => (false, trimmed.strip_prefix('+').unwrap_or(trimmed)),
    };
    if digits.is_empty() || !digits.bytes().all(|b| b.is_ascii_digit()) {
        return Err(format!("invalid integer '{word}'"));
    }
    let digits = digits.trim_start_matches('0').to_string();
    Ok((negative && !digits.is_empty(), digits))
}

fn compare_integers(a: &str, b: &str) -> Result<Ordering, String> {
    let ((a_neg, a), (b_neg, b)) = (integer(a)?, integer(b)?);
    let magnitude = a.len().cmp(&b.len()).then_with(|| a.cmp(&b));
    Ok(match (a_neg, b_neg) {
        (false, false) => magnitude,
        (true, true) => magnitude.reverse(),
        (true, false) => Ordering::Less,
        (false, true) => Ordering::Greater,
    })
}

/// Kernel directories that exist only with a feature (`KINA_FAKE_KERNEL_FEATURES`).
fn kernel_dir(path: &str) -> Option<&'static str> {
    match norm(path).as_str() {
        "/proc/sys/net/bridge" => Some("br_netfilter"),
        "/sys/fs/bpf" => Some("bpf"),
        "/sys/module/ip_set" | "/proc/net/ip_set" => Some("ip_set"),
        "/sys/module/vxlan" => Some("vxlan"),
        "/proc/net/ip_vs" | "/sys/module/ip_vs" => Some("ip_vs"),
        _ => None,
    }
}

const CONTAINERD_SOCKET: &str = "/run/containerd/containerd.sock";

/// A unary test of `operand`. The fake keeps no modes, owners, links or devices:
/// every file is root's and may be read, written and executed.
fn file_test(ctx: &mut Ctx, op: u8, operand: &str) -> bool {
    if let Some(feature) = kernel_dir(operand).filter(|_| matches!(op, b'd' | b'e')) {
        return ctx.cfg.kernel_has(feature);
    }
    let socket = norm(operand) == CONTAINERD_SOCKET;
    match op {
        b'n' => !operand.is_empty(),
        b'z' => operand.is_empty(),
        b'S' => socket && containerd_up(ctx),
        b'e' if socket => containerd_up(ctx),
        b'e' | b'r' | b'w' | b'x' | b'O' | b'G' => ctx.node().exists(operand),
        b'f' => ctx.node().read(operand).is_some(),
        b's' => ctx.node().read(operand).is_some_and(|t| !t.is_empty()),
        b'd' => ctx.node().is_dir(operand),
        // Block and character devices, pipes, links, set-id and sticky bits, a
        // terminal, a file changed since it was read: none in the fake.
        _ => false,
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn integers_compare_at_any_size_and_sign() {
        assert_eq!(compare_integers(" 01", "+1"), Ok(Ordering::Equal));
        assert_eq!(compare_integers("99999999999999999999999", "1"), Ok(Ordering::Greater));
        assert_eq!(compare_integers("-1", "0"), Ok(Ordering::Less));
        assert_eq!(compare_integers("-0", "0"), Ok(Ordering::Equal));
        assert_eq!(compare_integers("1.0", "1"), Err("invalid integer '1.0'".into()));
    }
}
