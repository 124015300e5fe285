//! kubectl's JSONPath template subset (client-go `util/jsonpath`), as `-o jsonpath=`
//! uses it (missing keys allowed): text, `{.a.b}`, `{.a[*].b}`, `{.a[0]}`, slices
//! `[1:3]`, `..name`, escaped dots (`{.labels.kubernetes\.io/name}`), quoted keys
//! `['k']`, filters `[?(@.type=="InternalIP")]` (`==`, `!=`, `<`, `<=`, `>`, `>=`, or
//! existence), `{range ...}...{end}` (nested) and string literals (`{"\t"}`).
//!

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

/// How kubectl prints one result: strings raw, maps and lists as compact JSON with
/// each map's keys sorted (Go's `json.Marshal` of a map).
fn show(v: &Value) -> Option<String> {
    match v {
        Value::Null => None,
        Value::String(s) => Some(s.clone()),
        Value::Object(_) | Value::Array(_) => Some(serde_json::to_string(&sorted(v)).unwrap_or_default()),
        other => Some(other.to_string()),
    }
}

fn sorted(v: &Value) -> Value {
    match v {
        Value::Object(map) => {
            let mut keys: Vec<&String> = map.keys().collect();
            keys.sort();
            Value::Object(keys.into_iter().map(|k| (k.clone(), sorted(&map[k]))).collect())
        }
        Value::Array(items) => Value::Array(items.iter().map(sorted).collect()),
        other => other.clone(),
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

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn jsonpath_evaluates_kubectls_template_subset() {
        let doc: Value = serde_json::json!({
            "kind": "List",
            "items": [
                {"kind": "Node", "metadata": {"name": "a", "labels": {"kubernetes.io/hostname": "a"}},
                 "status": {"addresses": [{"type": "InternalIP", "address": "10.0.0.1"}, {"type": "Hostname", "address": "a"}],
                            "conditions": [{"type": "Ready", "status": "True"}]}},
                {"kind": "Service", "metadata": {"name": "web", "namespace": "default"},
                 "spec": {"type": "LoadBalancer", "ports": [{"port": 80, "protocol": "TCP"}, {"port": 443, "protocol": "TCP"}]}},
                {"kind": "EndpointSlice", "metadata": {"name": "web-x", "labels": {"kubernetes.io/service-name": "web"}},
                 "endpoints": [{"nodeName": "a", "conditions": {"ready": true}}]},
            ],
        });
        let eval = |t: &str| evaluate(t, &doc).unwrap_or_else(|e| panic!("{t}: {e}"));
        assert_eq!(eval("{.items[*].metadata.name}"), "a web web-x");
        assert_eq!(eval("{.items[0].kind}/{.items[-1].kind}"), "Node/EndpointSlice");
        assert_eq!(eval("{.items[0:2].kind}"), "Node Service");
        assert_eq!(eval("{.items[2].metadata.labels.kubernetes\\.io/service-name}"), "web");
        assert_eq!(eval("{.items[0].status.addresses[?(@.type==\"InternalIP\")].address}"), "10.0.0.1");
        assert_eq!(eval("{.items[1].spec.ports[?(@.port>100)].port}"), "443");
        assert_eq!(eval("{.items[?(@.spec.type)].metadata.name}"), "web");
        assert_eq!(eval("{..address}"), "10.0.0.1 a");
        assert_eq!(eval("{.items[1].spec.ports[0]}"), r#"{"port":80,"protocol":"TCP"}"#);
        // Missing keys print nothing; literals; nested ranges.
        assert_eq!(eval("x{.items[1].spec.loadBalancerClass}{.nope[*].x}y"), "xy");
        assert_eq!(
            eval(
                "{range .items[*]}{.kind}{\"\\t\"}{range .spec.ports[*]}{.protocol}/{.port},{end}{range .endpoints[*]}{.nodeName}={.conditions.ready},{end}{\"\\n\"}{end}"
            ),
            "Node\t\nService\tTCP/80,TCP/443,\nEndpointSlice\ta=true,\n"
        );
        assert_eq!(eval("{range .items[0].status.conditions}{.type}={.status}{end}"), "Ready=True");
        assert_eq!(eval("{$.kind}"), "List");
        assert!(evaluate("{.items[*]", &doc).unwrap_err().contains("unclosed action"));
        assert!(evaluate("{range .items[*]}{.kind}", &doc).unwrap_err().contains("unclosed range"));
        assert!(evaluate("{end}", &doc).is_err());
    }

    /// The same templates through the real kubectl 1.35 (`KINA_TEST_KUBECTL`), which
    /// evaluates them offline with `patch --local`.
    #[test]
    fn templates_print_what_the_real_kubectl_prints() {
        let kubectl = match std::env::var_os("KINA_TEST_KUBECTL") {
            Some(path) => std::path::PathBuf::from(path),
            None => std::path::PathBuf::from(env!("CARGO_MANIFEST_DIR")).join(".tools/kubectl"),
        };
        assert!(kubectl.exists(), "no real kubectl at {}: run scripts/install-kubectl.sh", kubectl.display());
        let node = serde_json::json!({
            "apiVersion": "v1", "kind": "Node",
            "metadata": {"name": "kina-worker", "labels": {"kubernetes.io/hostname": "kina-worker", "ingress-ready": "true"}},
            "spec": {"podCIDR": "10.244.1.0/24", "taints": [{"key": "a", "effect": "NoSchedule"}, {"key": "b", "value": "x", "effect": "NoExecute"}]},
            "status": {
                "addresses": [{"type": "InternalIP", "address": "192.168.64.3"}, {"type": "Hostname", "address": "kina-worker"}],
                "conditions": [{"type": "MemoryPressure", "status": "False"}, {"type": "Ready", "status": "True"}],
                "capacity": {"cpu": "4", "memory": "4026532Ki"}
            }
        });
        let dir = tempfile::tempdir().unwrap();
        let file = dir.path().join("node.json");
        std::fs::write(&file, node.to_string()).unwrap();
        for template in [
            "{.metadata.name}",
            "{.status.addresses[?(@.type==\"InternalIP\")].address}",
            "{.metadata.labels.kubernetes\\.io/hostname}",
            "{range .status.conditions[*]}{.type}={.status}{\"\\n\"}{end}",
            "{.spec.taints[*].key}",
            "{.spec.taints[0:1].effect}",
            "{.spec.taints[-1].value}",
            "{..address}",
            "{.status.capacity.cpu}{\"\\t\"}{.status.nope}{.spec.podCIDR}",
            "{.spec.taints[?(@.value)].key}",
            "{.status.addresses[0]}",
        ] {
            let real = std::process::Command::new(&kubectl)
                .args(["patch", "--local", "--type=merge", "-p", "{}", "-o"])
                .arg(format!("jsonpath={template}"))
                .arg("-f")
                .arg(&file)
                .env("KUBECONFIG", "/dev/null")
                .output()
                .expect("run the real kubectl");
            assert!(real.status.success(), "{template}: {}", String::from_utf8_lossy(&real.stderr));
            let ours = evaluate(template, &node).unwrap_or_else(|e| panic!("{template}: {e}"));
            assert_eq!(ours, String::from_utf8_lossy(&real.stdout), "{template}");
        }
    }
}
