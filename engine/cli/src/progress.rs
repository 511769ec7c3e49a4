//! Progress lines written by a thread of their own: an apply hands each
//! line over and goes on. The thread writes whatever has come in as one
//! write and flushes when nothing more is waiting, so a line shows at once
//! when changes are slow, and thousands of lines a second cost a few
//! writes (and wake-ups) instead of one each.

use std::io::Write;
use std::sync::mpsc;

pub(crate) struct Printer {
    lines: Option<mpsc::Sender<String>>,
    thread: Option<std::thread::JoinHandle<()>>,
}

impl Printer {
    pub(crate) fn stdout() -> Printer {
        let (lines, received) = mpsc::channel::<String>();
        let thread = std::thread::Builder::new()
            .name("strata-progress".into())
            .spawn(move || {
                let mut batch = String::new();
                while let Ok(first) = received.recv() {
                    batch.clear();
                    batch.push_str(&first);
                    while let Ok(more) = received.try_recv() {
                        batch.push_str(&more);
                        if batch.len() > 1 << 16 {
                            break;
                        }
                    }
                    let mut out = std::io::stdout().lock();
                    let _ = out.write_all(batch.as_bytes());
                    let _ = out.flush();
                    drop(out);
                    // Lines that come in the next moment wait for it
                    // instead of waking this thread one by one (at
                    // 100,000 changes, the wake-ups cost more than the
                    // writes); a person sees no difference.
                    std::thread::sleep(std::time::Duration::from_millis(2));
                }
            })
            .ok();
        Printer {
            lines: thread.is_some().then_some(lines),
            thread,
        }
    }

    /// Writes `text` (its own newlines included) after what came before.
    pub(crate) fn print(&self, text: String) {
        match &self.lines {
            Some(lines) => {
                let _ = lines.send(text);
            }
            None => {
                let mut out = std::io::stdout().lock();
                let _ = out.write_all(text.as_bytes());
                let _ = out.flush();
            }
        }
    }

    /// Waits until every line given is written.
    pub(crate) fn finish(self) {
        drop(self);
    }
}

impl Drop for Printer {
    fn drop(&mut self) {
        self.lines = None;
        if let Some(thread) = self.thread.take() {
            let _ = thread.join();
        }
    }
}
