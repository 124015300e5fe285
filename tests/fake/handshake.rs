//! Handshakes with the tests instead of timing: `KINA_FAKE_HANG` leaves a marker a
//! test can wait for, and `KINA_FAKE_BARRIER` holds matching calls until a given
//! number of them are under way at once (proof that the caller runs them in parallel).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a barrier waits for the rest of its group before failing the call: long
/// enough for any loaded machine, short enough that a caller running the calls one
/// after another fails instead of hanging.
const BARRIER_LIMIT: Duration = Duration::from_secs(120);

/// [`BARRIER_LIMIT`], or `KINA_FAKE_BARRIER_LIMIT_MS` for a test that shows a barrier
/// failing (never one that needs it to pass sooner).
fn limit() -> Duration {
    std::env::var("KINA_FAKE_BARRIER_LIMIT_MS")
        .ok()
        .and_then(|ms| ms.parse().ok())
        .map_or(BARRIER_LIMIT, Duration::from_millis)
}

/// `<count>:<substring>` from `KINA_FAKE_BARRIER`.
pub struct Barrier {
    pub count: usize,
    pub needle: String,
}

impl Barrier {
    pub fn parse(spec: &str) -> Option<Barrier> {
        let (count, needle) = spec.split_once(':')?;
        let count = count.trim().parse().ok().filter(|n| *n > 0)?;
        (!needle.is_empty()).then(|| Barrier { count, needle: needle.to_string() })
    }
}

/// Records that this call hangs (`<state>/hanging/<pid>` holds its argv), then hangs.
pub fn hang(state_dir: &Path, joined: &str) -> ! {
    let dir = state_dir.join("hanging");
    let _ = std::fs::create_dir_all(&dir);
    let _ = std::fs::write(dir.join(std::process::id().to_string()), joined);
    // "Forever" for a test: long enough that the caller must interrupt us.
    std::thread::sleep(Duration::from_secs(3600));
    std::process::exit(1)
}

/// Waits at every barrier whose substring `joined` contains until `count` calls have
/// arrived at it; an error names the barrier when the rest never came.
pub fn arrive(state_dir: &Path, barriers: &[Barrier], joined: &str) -> Result<(), String> {
    arrive_at(state_dir, "calls", barriers, joined)
}

/// Like [`arrive`] for a tool a node's script calls: its own meeting place, apart
/// from the `container exec` that runs the script (whose words it may share).
pub fn arrive_in_node(state_dir: &Path, barriers: &[Barrier], joined: &str) -> Result<(), String> {
    arrive_at(state_dir, "node-tools", barriers, joined)
}

fn arrive_at(state_dir: &Path, place: &str, barriers: &[Barrier], joined: &str) -> Result<(), String> {
    for (index, barrier) in barriers.iter().enumerate() {
        if !joined.contains(&barrier.needle) {
            continue;
        }
        let dir = state_dir.join("barriers").join(place).join(index.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        mark(&dir, joined)?;
        let deadline = Instant::now() + limit();
        loop {
            let arrived = std::fs::read_dir(&dir).map(|d| d.count()).unwrap_or(0);
            if arrived >= barrier.count {
                break;
            }
            if Instant::now() > deadline {
                return Err(format!(
                    "fake barrier {:?}: only {arrived} of {} calls arrived together",
                    barrier.needle, barrier.count
                ));
            }
            std::thread::sleep(Duration::from_millis(10));
        }
    }
    Ok(())
}

/// Leaves this call's marker in `dir`: a file of its own, even when calls in different
/// nodes' PID namespaces share a process id.
fn mark(dir: &Path, joined: &str) -> Result<(), String> {
    for n in 0.. {
        let marker: PathBuf = dir.join(format!("{}-{n}", std::process::id()));
        match std::fs::File::create_new(&marker) {
            Ok(mut f) => {
                return std::io::Write::write_all(&mut f, joined.as_bytes())
                    .map_err(|e| format!("cannot write {}: {e}", marker.display()));
            }
            Err(e) if e.kind() == std::io::ErrorKind::AlreadyExists => continue,
            Err(e) => return Err(format!("cannot write {}: {e}", marker.display())),
        }
    }
    unreachable!("an unused marker name")
}
