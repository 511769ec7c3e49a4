//! SIGPIPE. The process keeps its default disposition, so that a reader
//! going away (`strata graph | head`) ends Strata quietly; but the
//! runtime's threads block it: they write to plugin sockets, and a plugin
//! that exits (as asked, or by crashing) must be an error on that one
//! call, not the end of Strata. A blocked SIGPIPE leaves the write to fail
//! with EPIPE.

/// Blocks SIGPIPE on the calling thread (a runtime thread's start hook).
pub(crate) use strata_provider_plugin::block_sigpipe_on_this_thread;

/// A multi-threaded runtime whose threads block SIGPIPE.
pub(crate) fn runtime(workers: Option<usize>) -> std::io::Result<tokio::runtime::Runtime> {
    let mut builder = tokio::runtime::Builder::new_multi_thread();
    builder
        .enable_all()
        .on_thread_start(block_sigpipe_on_this_thread);
    if let Some(n) = workers {
        builder.worker_threads(n);
    }
    builder.build()
}
