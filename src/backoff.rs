//! Polling with exponential backoff up to a deadline (never a fixed sleep):
//! 100 ms, 200 ms, ... up to 2 s between tries. Its clock is tokio's, so tests can
//! pause time and step through a backoff without waiting.

use std::time::Duration;
use tokio::time::Instant;

pub(crate) struct Backoff {
    deadline: Instant,
    delay: Duration,
}

impl Backoff {
    const FIRST: Duration = Duration::from_millis(100);
    const MAX: Duration = Duration::from_secs(2);

    /// Tries for at most `limit` from now.
    pub(crate) fn new(limit: Duration) -> Self {
        Backoff { deadline: Instant::now() + limit, delay: Self::FIRST }
    }

    /// Sleeps before the next try; false, without sleeping, when that try
    /// would come after the deadline (the caller gives up).
    pub(crate) async fn next(&mut self) -> bool {
        if Instant::now() + self.delay > self.deadline {
            return false;
        }
        tokio::time::sleep(self.delay).await;
        self.delay = (self.delay * 2).min(Self::MAX);
        true
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn doubles_and_gives_up_before_passing_the_deadline() {
        let started = Instant::now();
        let mut backoff = Backoff::new(Duration::from_secs(1));
        let mut tries = 0;
        while backoff.next().await {
            tries += 1;
        }
        // 0.1 + 0.2 + 0.4 s; the next 0.8 s would end after the 1 s limit.
        assert_eq!(tries, 3);
        assert_eq!(started.elapsed(), Duration::from_millis(700));
    }

    #[tokio::test(flavor = "current_thread", start_paused = true)]
    async fn waits_at_most_two_seconds_between_tries() {
        let mut backoff = Backoff::new(Duration::from_secs(60));
        let mut last = Instant::now();
        let mut gaps = Vec::new();
        while backoff.next().await {
            gaps.push(last.elapsed().as_millis());
            last = Instant::now();
        }
        assert_eq!(gaps[..6], [100, 200, 400, 800, 1600, 2000]);
        assert!(gaps[6..].iter().all(|gap| *gap == 2000), "{gaps:?}");
    }
}
