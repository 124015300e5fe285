//! kina's in-node load-balancer controller, `/usr/local/bin/kina-lb once|clear|run`,
//! emulated without a shell: the script is read from the node, its `QUERY='...'`
//! (a kubectl JSONPath template) is evaluated over the cluster's nodes, Services and
//! EndpointSlices, the output goes through the host's real `awk -F '\t' -v mode=M
//! "$ASSIGN"`, and each `set|clear|pending ns name [ip]` line is acted on as the
//! script's `while read` loop does.

use super::Ctx;
use super::kubectl::cluster;
use crate::out::Out;
use serde_json::{Value, json};
use std::io::Write;
use std::process::{Command, Stdio};

pub const SCRIPT: &str = "/usr/local/bin/kina-lb";
pub const UNIT: &str = "kina-lb.service";
const PATH: &[&str] = &["/usr/local/sbin", "/usr/local/bin", "/usr/sbin", "/usr/bin", "/sbin", "/bin"];

/// The script an argv[0] names (`kina-lb` is looked up in PATH), if it exists.
pub fn locate(ctx: &mut Ctx, argv0: &str) -> Option<String> {
    if argv0.contains('/') {
        return ctx.node().read(argv0).is_some().then(|| argv0.to_string());
    }
    PATH.iter().map(|d| format!("{d}/{argv0}")).find(|p| ctx.node().read(p).is_some())
}

/// The single-quoted value of `NAME='...'` (it may span lines up to a line ending in `'`).
fn quoted(script: &str, name: &str) -> Option<String> {
    let prefix = format!("{name}='");
    let start = script.lines().position(|l| l.starts_with(&prefix))?;
    let mut value = String::new();
    for (i, line) in script.lines().enumerate().skip(start) {
        let text = if i == start { &line[prefix.len()..] } else { line };
        if let Some(last) = text.strip_suffix('\'') {
            value.push_str(last);
            return Some(value);
        }
        value.push_str(text);
        value.push('\n');
    }
    None
}

/// `kina-lb once|clear|run` run in the node (argv0 already located).
pub fn program(ctx: &mut Ctx, path: &str, args: &[String]) -> Out {
    let mode = match args.first().map(String::as_str).unwrap_or("run") {
        "once" => "once",
        "clear" => "clear",
        // The loop never ends; one pass is what a caller can observe.
        "run" => "loop",
        _ => return Out::fail(2, "usage: kina-lb run | once | clear"),
    };
    let cp = ctx.id.clone();
    match reconcile(ctx, &cp, path, mode) {
        Ok(lines) => Out::lines(&lines),
        Err(e) => Out::fail(1, e),
    }
}

/// Whether `kina-lb.service` is enabled and running on control plane `cp`.
pub fn running(ctx: &Ctx, cp: &str) -> bool {
    ctx.state.containers[cp].node.units.get(UNIT).is_some_and(|u| u.active)
}

/// What kina-lb reads: nodes, Services and EndpointSlices, as one kubectl `List`.
fn inventory(ctx: &Ctx, cp: &str) -> Value {
    let mut items = super::render::nodes(ctx, cp);
    for res in ["service", "endpointslice.discovery.k8s.io"] {
        let mut objects: Vec<&super::model::Object> =
            cluster(ctx, cp).objects.iter().filter(|o| o.resource == res).collect();
        objects.sort_by(|a, b| (&a.namespace, &a.name).cmp(&(&b.namespace, &b.name)));
        items.extend(objects.iter().map(|o| crate::util::sort_keys(&o.body)));
    }
    super::render::list(items)
}

/// A digest of what kina-lb reads: its loop acts when this changes.
pub fn fingerprint(ctx: &Ctx, cp: &str) -> String {
    let read = json!([inventory(ctx, cp), super::kina_lb_names::inventory(ctx, cp)]);
    crate::util::stable_hex(&crate::util::compact_json(&read), 16)
}

/// One reconcile in `ctx`'s node against control plane `cp`; the lines the script prints.
pub fn reconcile(ctx: &mut Ctx, cp: &str, path: &str, mode: &str) -> Result<Vec<String>, String> {
    let script = ctx.state.containers[&ctx.id]
        .node
        .read(path)
        .cloned()
        .ok_or_else(|| format!("sh: 0: cannot open {path}: No such file"))?;
    let query = quoted(&script, "QUERY").ok_or("kina-lb: no QUERY in the script")?;
    let assign = quoted(&script, "ASSIGN").ok_or("kina-lb: no ASSIGN in the script")?;
    let text = super::jsonpath::evaluate(&query, &inventory(ctx, cp)).map_err(|e| format!("error: {e}"))?;
    let actions = awk(&assign, mode, &text)?;
    let mut lines = Vec::new();
    for line in actions.lines() {
        let words: Vec<&str> = line.split_whitespace().collect();
        match words.as_slice() {
            ["set", ns, name, ip, ..] if patch(ctx, cp, ns, name, json!([{"ip": ip}])) => {
                lines.push(format!("{ns}/{name}: {ip}"));
            }
            ["clear", ns, name, ..] if patch(ctx, cp, ns, name, Value::Null) => {
                lines.push(format!("{ns}/{name}: cleared"));
            }
            ["pending", ns, name, reason @ ..] if mode != "loop" => {
                lines.push(format!("{ns}/{name}: pending ({})", reason.join(" ")))
            }
            _ => {}
        }
    }
    if mode != "clear"
        && let (Some(query), Some(program)) = (quoted(&script, "NAMES_QUERY"), quoted(&script, "NAMES"))
        && let Some(line) = super::kina_lb_names::reconcile(ctx, cp, &query, &program)?
    {
        lines.push(line);
    }
    Ok(lines)
}

/// The host's awk, exactly as the script calls it.
fn awk(program: &str, mode: &str, input: &str) -> Result<String, String> {
    awk_with(program, &["-v", &format!("mode={mode}")], input)
}

/// `awk -F '\t' ARGS PROGRAM` over `input`, with the host's awk.
pub fn awk_with(program: &str, args: &[&str], input: &str) -> Result<String, String> {
    let mut child = Command::new("awk")
        .args(["-F", "\t"])
        .args(args)
        .arg(program)
        .stdin(Stdio::piped())
        .stdout(Stdio::piped())
        .stderr(Stdio::piped())
        .spawn()
        .map_err(|e| format!("sh: 1: awk: not found ({e})"))?;
    let mut stdin = child.stdin.take().unwrap();
    let data = input.to_string();
    let writer = std::thread::spawn(move || {
        let _ = stdin.write_all(data.as_bytes());
    });
    let out = child.wait_with_output().map_err(|e| e.to_string())?;
    let _ = writer.join();
    if !out.status.success() {
        return Err(String::from_utf8_lossy(&out.stderr).into_owned());
    }
    Ok(String::from_utf8_lossy(&out.stdout).into_owned())
}

/// `kubectl patch service NAME -n NS --subresource=status --type=merge -p
/// {"status":{"loadBalancer":{"ingress":...}}}`; false if the Service is gone.
fn patch(ctx: &mut Ctx, cp: &str, ns: &str, name: &str, ingress: Value) -> bool {
    let cl = ctx.state.containers.get_mut(cp).unwrap().node.cluster.as_mut().unwrap();
    let Some(i) = cl.find("service", Some(ns), name) else { return false };
    let mut body = cl.objects[i].body.clone();
    json_patch::merge(&mut body, &json!({"status": {"loadBalancer": {"ingress": ingress}}}));
    let status = body.get("status").cloned().unwrap_or(json!({}));
    cl.set_status(i, status);
    true
}
