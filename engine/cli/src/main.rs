//! The `strata` command line: argument parsing (GNU-style flags, plus
//! Terraform's single-dash spellings), loading a stack from disk and the
//! environment, and rendering results and diagnostics. All user-facing
//! I/O of Strata happens here.

mod args;
mod backend;
mod commands;
mod environment;
mod fmt;
mod markdown;
mod multi;
mod plan_render;
mod plan_values;
mod plugins;
mod policy;
mod progress;
mod render;
mod report;
mod signals;
mod state_render;
mod ui_json;
mod workflow;

use std::process::ExitCode;

/// The engine allocates and frees many small values (an attribute map per
/// instance); mimalloc keeps that cheap and compact. ARCHITECTURE.md has the
/// figures.
#[global_allocator]
static ALLOCATOR: mimalloc::MiMalloc = mimalloc::MiMalloc;

/// mimalloc (version 3, as built) returns freed pages to the system a
/// second after they empty by default; a large plan or apply frees and
/// allocates in waves, and the delay showed as 5% more peak memory at
/// 100,000 resources. Immediate purging costs 0.1–0.2 s there
/// (ARCHITECTURE.md has the figures).
fn purge_freed_memory_at_once() {
    // `mi_option_purge_delay` in mimalloc's stable options (the same
    // number in its version 2 and 3 headers).
    const MI_OPTION_PURGE_DELAY: std::ffi::c_int = 15;
    extern "C" {
        fn mi_option_set(option: std::ffi::c_int, value: std::ffi::c_long);
    }
    // SAFETY: mimalloc's option setter, called before any other thread
    // starts; it takes any value for this option.
    unsafe { mi_option_set(MI_OPTION_PURGE_DELAY, 0) }
}

fn main() -> ExitCode {
    purge_freed_memory_at_once();
    // Like other command-line tools, end quietly when the reader of our
    // output goes away (`strata graph | head`) instead of failing a write.
    #[cfg(unix)]
    // SAFETY: restoring the default disposition of SIGPIPE before any
    // thread starts; no handler is installed.
    unsafe {
        libc::signal(libc::SIGPIPE, libc::SIG_DFL);
    }
    // STRATA_LOG=debug (or an EnvFilter directive) turns on tracing to
    // stderr. Events carry addresses and actions, never attribute values.
    if let Ok(filter) = std::env::var("STRATA_LOG") {
        let _ = tracing_subscriber::fmt()
            .with_env_filter(tracing_subscriber::EnvFilter::new(filter))
            .with_writer(std::io::stderr)
            // Each phase (load, read_state, plan, apply, write_state…)
            // reports its time when it closes.
            .with_span_events(tracing_subscriber::fmt::format::FmtSpan::CLOSE)
            .with_ansi(
                std::io::IsTerminal::is_terminal(&std::io::stderr())
                    && std::env::var_os("NO_COLOR").is_none(),
            )
            .try_init();
    }
    let argv: Vec<String> = std::env::args().collect();
    let argv = args::normalize(argv);
    // Configurations can nest and chain expressions deeply (Terraform
    // accepts 50,000-term chains): commands run on a stack with room for
    // the deepest input the parser accepts.
    strata_lang::parser::on_deep_stack(move || commands::run(argv))
}
