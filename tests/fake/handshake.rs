//! Handshakes with the tests instead of timing: `KINA_FAKE_HANG` leaves a marker a
//! test can wait for, and `KINA_FAKE_BARRIER` holds matching calls until a given
//! number of them are under way at once (proof that the caller runs them in parallel).

use std::path::{Path, PathBuf};
use std::time::{Duration, Instant};

/// How long a barrier waits for the rest of its group before failing the call: long
/// enough for any loaded machine, short enough that a caller running the calls one
/// after another fails instead of hanging.
const BARRIER_LIMIT: Duration = Duration::from_secs(120);

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
    for (index, barrier) in barriers.iter().enumerate() {
        if !joined.contains(&barrier.needle) {
            continue;
        }
        let dir = state_dir.join("barriers").join(index.to_string());
        std::fs::create_dir_all(&dir).map_err(|e| format!("cannot create {}: {e}", dir.display()))?;
        let marker: PathBuf = dir.join(std::process::id().to_string());
        std::fs::write(&marker, joined).map_err(|e| format!("cannot write {}: {e}", marker.display()))?;
        let deadline = Instant::now() + BARRIER_LIMIT;
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
