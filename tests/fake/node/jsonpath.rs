//! kubectl's JSONPath template subset (client-go `util/jsonpath`), as `-o jsonpath=`
//! uses it (missing keys allowed): text, `{.a.b}`, `{.a[*].b}`, `{.a[0]}`, slices
//! `[1:3]`, `..name`, escaped dots (`{.labels.kubernetes\.io/name}`), quoted keys
//! `['k']`, filters `[?(@.type=="InternalIP")]` (`==`, `!=`, `<`, `<=`, `>`, `>=`, or
//! existence), `{range ...}...{end}` (nested) and string literals (`{"\t"}`).
//!
//! Self-contained (serde_json only): the integration tests include this file.

use serde_json::Value;

#[derive(Debug, Clone, PartialEq)]
enum Step {
    Field(String),
    Recursive(String),
    Wildcard,
    Index(i64),
    Slice(Option<i64>, Option<i64>),
    Filter(Box<Filter>),
}

#[derive(Debug, Clone, PartialEq)]
enum Operand {
    Path(bool, Vec<Step>),
    Text(String),
    Number(f64),
}

#[derive(Debug, Clone, PartialEq)]
struct Filter {
    left: Operand,
    op: Option<(String, Operand)>,
}

#[derive(Debug, Clone, PartialEq)]
enum Piece {
    Text(String),
    /// A path; `true` when it starts at the root (`$`).
    Path(bool, Vec<Step>),
    Range(bool, Vec<Step>, Vec<Piece>),
}

/// Evaluates `template` against `root`; errors read like kubectl's (`error parsing jsonpath ...`).
pub fn evaluate(template: &str, root: &Value) -> Result<String, String> {
    let pieces = parse(template).map_err(|e| format!("error parsing jsonpath {template}, {e}"))?;
    let mut out = String::new();
    run(&pieces, root, root, &mut out);
    Ok(out)
}

fn parse(template: &str) -> Result<Vec<Piece>, String> {
    let mut stack: Vec<(bool, Vec<Step>, Vec<Piece>)> = vec![(false, vec![], vec![])];
    let chars: Vec<char> = template.chars().collect();
    let mut i = 0;
    let mut text = String::new();
    while i < chars.len() {
        if chars[i] != '{' {
            text.push(chars[i]);
            i += 1;
            continue;
        }
        if !text.is_empty() {
            stack.last_mut().unwrap().2.push(Piece::Text(std::mem::take(&mut text)));
        }
        let start = i + 1;
        let mut j = start;
        let mut quote: Option<char> = None;
        while j < chars.len() {
            match (quote, chars[j]) {
                (Some(_), '\\') => j += 1,
                (Some(q), c) if c == q => quote = None,
                (None, '"' | '\'') => quote = Some(chars[j]),
                (None, '}') => break,
                _ => {}
            }
            j += 1;
        }
        if j >= chars.len() {
            return Err("unclosed action".into());
        }
        let action: String = chars[start..j].iter().collect();
        let action = action.trim();
        i = j + 1;
        if action == "end" {
            if stack.len() < 2 {
                return Err("not in range, nothing to end".into());
            }
            let (root, steps, body) = stack.pop().unwrap();
            stack.last_mut().unwrap().2.push(Piece::Range(root, steps, body));
        } else if let Some(expr) = action.strip_prefix("range ") {
            let (root, steps) = path(expr.trim())?;
            stack.push((root, steps, vec![]));
        } else if action.starts_with('"') {
            stack.last_mut().unwrap().2.push(Piece::Text(literal(action)?));
        } else if !action.is_empty() {
            let (root, steps) = path(action)?;
            stack.last_mut().unwrap().2.push(Piece::Path(root, steps));
        }
    }
    if !text.is_empty() {
        stack.last_mut().unwrap().2.push(Piece::Text(text));
    }
    if stack.len() > 1 {
        return Err("unclosed range".into());
    }
    Ok(stack.pop().unwrap().2)
}

/// `"a\tb"` → the string with Go's escapes resolved.
fn literal(quoted: &str) -> Result<String, String> {
    let inner = quoted
        .strip_prefix('"')
        .and_then(|q| q.strip_suffix('"'))
        .ok_or_else(|| format!("unterminated string {quoted}"))?;
    let mut out = String::new();
    let mut it = inner.chars();
    while let Some(c) = it.next() {
        if c != '\\' {
            out.push(c);
            continue;
        }
        match it.next() {
            Some('t') => out.push('\t'),
            Some('n') => out.push('\n'),
            Some('r') => out.push('\r'),
            Some(other) => out.push(other),
            None => out.push('\\'),
        }
    }
    Ok(out)
}

/// Parses `$.a.b[*]`, `.a`, `@.a` into (from root, steps).
fn path(expr: &str) -> Result<(bool, Vec<Step>), String> {
    let chars: Vec<char> = expr.chars().collect();
    let mut i = 0;
    let mut from_root = false;
    match chars.first() {
        Some('$') => {
            from_root = true;
            i = 1;
        }
        Some('@') => i = 1,
        _ => {}
    }
    let mut steps = Vec::new();
    while i < chars.len() {
        match chars[i] {
            '.' if chars.get(i + 1) == Some(&'.') => {
                let (name, next) = field_name(&chars, i + 2);
                steps.push(Step::Recursive(name));
                i = next;
            }
            '.' => {
                let (name, next) = field_name(&chars, i + 1);
                if name == "*" {
                    steps.push(Step::Wildcard);
                } else if !name.is_empty() {
                    steps.push(Step::Field(name));
                }
                i = next;
            }
            '[' => {
                let close = bracket_end(&chars, i)?;
                let inner: String = chars[i + 1..close].iter().collect();
                steps.push(bracket(inner.trim())?);
                i = close + 1;
            }
            c if i == 0 && (c.is_alphanumeric() || c == '_') => {
                let (name, next) = field_name(&chars, i);
                steps.push(Step::Field(name));
                i = next;
            }
            c => return Err(format!("unrecognized character in action: {c:?}")),
        }
    }
    Ok((from_root, steps))
}

/// A field name up to an unescaped `.` or `[`; `\.` is a literal dot.
fn field_name(chars: &[char], mut i: usize) -> (String, usize) {
    let mut name = String::new();
    while i < chars.len() {
        match chars[i] {
            '\\' if i + 1 < chars.len() => {
                name.push(chars[i + 1]);
                i += 2;
            }
            '.' | '[' => break,
            c => {
                name.push(c);
                i += 1;
            }
        }
    }
    (name, i)
}

fn bracket_end(chars: &[char], open: usize) -> Result<usize, String> {
    let mut depth = 0;
    let mut quote: Option<char> = None;
    for (j, &c) in chars.iter().enumerate().skip(open) {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, '[') => depth += 1,
            (None, ']') => {
                depth -= 1;
                if depth == 0 {
                    return Ok(j);
                }
            }
            _ => {}
        }
    }
    Err("unterminated array".into())
}

fn bracket(inner: &str) -> Result<Step, String> {
    if inner == "*" {
        return Ok(Step::Wildcard);
    }
    if let Some(f) = inner.strip_prefix("?(").and_then(|f| f.strip_suffix(')')) {
        return Ok(Step::Filter(Box::new(filter(f.trim())?)));
    }
    if inner.len() >= 2
        && (inner.starts_with('\'') && inner.ends_with('\'') || inner.starts_with('"') && inner.ends_with('"'))
    {
        return Ok(Step::Field(inner[1..inner.len() - 1].to_string()));
    }
    let int = |s: &str| -> Result<Option<i64>, String> {
        let s = s.trim();
        if s.is_empty() { Ok(None) } else { s.parse().map(Some).map_err(|_| format!("invalid array index {s}")) }
    };
    match inner.split_once(':') {
        Some((a, b)) => Ok(Step::Slice(int(a)?, int(b.split(':').next().unwrap_or_default())?)),
        None => int(inner)?.map(Step::Index).ok_or_else(|| "invalid empty array index".into()),
    }
}

fn filter(text: &str) -> Result<Filter, String> {
    for op in ["==", "!=", "<=", ">=", "<", ">"] {
        if let Some(pos) = find_unquoted(text, op) {
            let left = operand(text[..pos].trim())?;
            let right = operand(text[pos + op.len()..].trim())?;
            return Ok(Filter { left, op: Some((op.to_string(), right)) });
        }
    }
    Ok(Filter { left: operand(text)?, op: None })
}

fn find_unquoted(text: &str, needle: &str) -> Option<usize> {
    let mut quote: Option<char> = None;
    for (i, c) in text.char_indices() {
        match (quote, c) {
            (Some(q), c) if c == q => quote = None,
            (Some(_), _) => {}
            (None, '"' | '\'') => quote = Some(c),
            (None, _) if text[i..].starts_with(needle) => return Some(i),
            _ => {}
        }
    }
    None
}

fn operand(text: &str) -> Result<Operand, String> {
    if text.starts_with('@') || text.starts_with('$') {
        let (root, steps) = path(text)?;
        return Ok(Operand::Path(root, steps));
    }
    if text.len() >= 2
        && (text.starts_with('"') && text.ends_with('"') || text.starts_with('\'') && text.ends_with('\''))
    {
        return Ok(Operand::Text(text[1..text.len() - 1].to_string()));
    }
    text.parse::<f64>().map(Operand::Number).map_err(|_| format!("unrecognized filter operand {text}"))
}

fn run(pieces: &[Piece], root: &Value, cur: &Value, out: &mut String) {
    for piece in pieces {
        match piece {
            Piece::Text(t) => out.push_str(t),
            Piece::Path(from_root, steps) => {
                let start = if *from_root { root } else { cur };
                let results: Vec<String> = select(steps, root, start).iter().filter_map(show).collect();
                out.push_str(&results.join(" "));
            }
            Piece::Range(from_root, steps, body) => {
                let start = if *from_root { root } else { cur };
                let mut items = select(steps, root, start);
                // Ranging over one array value iterates its elements.
                if let [Value::Array(list)] = items.as_slice() {
                    items = list.clone();
                }
                for item in &items {
                    run(body, root, item, out);
                }
            }
        }
    }
}

/// How kubectl prints one result: strings raw, maps and lists as compact JSON.
fn show(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Object(_) | Value::Array(_) => Some(serde_json::to_string(v).unwrap_or_default()),
        other => Some(other.to_string()),
    }
}

fn select(steps: &[Step], root: &Value, start: &Value) -> Vec<Value> {
    let mut cur = vec![start.clone()];
    for step in steps {
        let mut next = Vec::new();
        for v in &cur {
            apply(step, root, v, &mut next);
        }
        cur = next;
    }
    cur
}

fn apply(step: &Step, root: &Value, v: &Value, next: &mut Vec<Value>) {
    match step {
        Step::Field(name) => {
            if let Some(x) = v.get(name.as_str()) {
                next.push(x.clone());
            }
        }
        Step::Recursive(name) => descend(v, name, next),
        Step::Wildcard => match v {
            Value::Array(items) => next.extend(items.iter().cloned()),
            Value::Object(map) => next.extend(map.values().cloned()),
            _ => {}
        },
        Step::Index(i) => {
            if let Value::Array(items) = v {
                let idx = if *i < 0 { items.len() as i64 + i } else { *i };
                if let Some(x) = usize::try_from(idx).ok().and_then(|i| items.get(i)) {
                    next.push(x.clone());
                }
            }
        }
        Step::Slice(a, b) => {
            if let Value::Array(items) = v {
                let len = items.len() as i64;
                let fix = |x: i64| if x < 0 { (len + x).max(0) } else { x.min(len) };
                let (from, to) = (fix(a.unwrap_or(0)), fix(b.unwrap_or(len)));
                if from < to {
                    next.extend(items[from as usize..to as usize].iter().cloned());
                }
            }
        }
        Step::Filter(f) => {
            if let Value::Array(items) = v {
                next.extend(items.iter().filter(|item| holds(f, root, item)).cloned());
            }
        }
    }
}

fn descend(v: &Value, name: &str, next: &mut Vec<Value>) {
    match v {
        Value::Object(map) => {
            if let Some(x) = map.get(name) {
                next.push(x.clone());
            }
            for child in map.values() {
                descend(child, name, next);
            }
        }
        Value::Array(items) => items.iter().for_each(|child| descend(child, name, next)),
        _ => {}
    }
}

fn values(op: &Operand, root: &Value, item: &Value) -> Vec<Value> {
    match op {
        Operand::Path(from_root, steps) => select(steps, root, if *from_root { root } else { item }),
        Operand::Text(t) => vec![Value::String(t.clone())],
        Operand::Number(n) => vec![serde_json::json!(n)],
    }
}

fn holds(f: &Filter, root: &Value, item: &Value) -> bool {
    let left = values(&f.left, root, item);
    let Some((op, right)) = &f.op else { return left.iter().any(|v| !v.is_null()) };
    let right = values(right, root, item);
    left.iter().any(|l| right.iter().any(|r| compare(l, op, r)))
}

fn compare(l: &Value, op: &str, r: &Value) -> bool {
    let ordering = match (l.as_f64(), r.as_f64()) {
        (Some(a), Some(b)) => a.partial_cmp(&b),
        _ => match (l, r) {
            (Value::String(a), Value::String(b)) => Some(a.cmp(b)),
            _ => (l == r).then_some(std::cmp::Ordering::Equal),
        },
    };
    use std::cmp::Ordering::*;
    match (op, ordering) {
        ("==", o) => o == Some(Equal),
        ("!=", o) => o != Some(Equal),
        ("<", Some(o)) => o == Less,
        ("<=", Some(o)) => o != Greater,
        (">", Some(o)) => o == Greater,
        (">=", Some(o)) => o != Less,
        _ => false,
    }
}
