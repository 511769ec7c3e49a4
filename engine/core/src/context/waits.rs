//! Long waits on providers, reported while they last: a provider call
//! that takes more than [`INTERVAL`] is reported every interval ("Still
//! reading… [10s elapsed]"), so a plan against a slow endpoint is never
//! silent.

use std::future::Future;
use std::time::Duration;

/// How often a wait is reported.
pub const INTERVAL: Duration = Duration::from_secs(10);

/// A wait still going on: what it waits for and how long so far.
#[derive(Clone, Debug, PartialEq)]
pub struct Waiting {
    pub what: String,
    pub elapsed: Duration,
}

/// Where waits are reported (nowhere when `None`).
pub type OnWait<'a> = Option<&'a (dyn Fn(Waiting) + Sync)>;

/// Runs `work`, reporting `what` every [`INTERVAL`] until it finishes.
pub async fn reporting<F: Future>(
    work: F,
    what: impl Fn() -> String,
    on_wait: OnWait<'_>,
) -> F::Output {
    let Some(report) = on_wait else {
        return work.await;
    };
    tokio::pin!(work);
    let mut elapsed = Duration::ZERO;
    loop {
        tokio::select! {
            done = &mut work => return done,
            _ = tokio::time::sleep(INTERVAL) => {
                elapsed += INTERVAL;
                report(Waiting { what: what(), elapsed });
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::sync::Mutex;

    /// A call of 25 s is reported at 10 s and 20 s; one of 5 s not at all.
    #[tokio::test(start_paused = true)]
    async fn a_long_call_is_reported_every_interval() {
        let seen = Mutex::new(Vec::new());
        let report = |w: Waiting| seen.lock().unwrap().push(w);
        let slow = async {
            tokio::time::sleep(Duration::from_secs(25)).await;
            7
        };
        let out = reporting(slow, || "x: Still reading...".to_string(), Some(&report)).await;
        assert_eq!(out, 7);
        let elapsed: Vec<u64> = seen
            .lock()
            .unwrap()
            .iter()
            .map(|w| w.elapsed.as_secs())
            .collect();
        assert_eq!(elapsed, [10, 20]);
        assert!(seen
            .lock()
            .unwrap()
            .iter()
            .all(|w| w.what == "x: Still reading..."));
        seen.lock().unwrap().clear();
        let quick = tokio::time::sleep(Duration::from_secs(5));
        reporting(quick, String::new, Some(&report)).await;
        assert!(seen.lock().unwrap().is_empty());
    }
}
