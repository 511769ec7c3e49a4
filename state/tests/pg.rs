//! The PostgreSQL store against a real server on 127.0.0.1, which
//! `.ci/run` starts (`.ci/postgres`) and names in STRATA_TEST_PG.

use strata_state::{PgBackend, PgStore, StateError, Store};

fn conn() -> String {
    // One line naming what is missing, not a panic trace.
    std::env::var("STRATA_TEST_PG").unwrap_or_else(|_| {
        // Straight to the file descriptor: the test harness captures eprintln!.
        let _ = std::io::Write::write_all(&mut std::io::stderr(), format!("{}\n", "cannot run these tests: no PostgreSQL server: set STRATA_TEST_PG to one on 127.0.0.1 (`bash .ci/postgres` starts one; `bash .ci/run` runs everything)").as_bytes());
        std::process::exit(1)
    })
}

fn schema(tag: &str) -> String {
    format!("strata_test_{tag}_{}", std::process::id())
}

#[test]
fn pg_store_passes_the_conformance_suite() {
    let backend = PgBackend::connect(&conn(), &schema("conformance"), None).expect("connect");
    let failures = strata_state::conformance::run_backend(&backend);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}

#[test]
fn pg_lock_is_held_across_sessions_and_names_its_holder() {
    let s = schema("locks");
    let first = PgStore::connect(&conn(), &s, "default").expect("connect");
    let second = PgStore::connect(&conn(), &s, "default").expect("connect");
    let held = first.lock("apply").expect("first lock");
    match second.lock("plan") {
        Err(StateError::Locked(holder)) => assert_eq!(holder.id, held.id),
        other => panic!("the second session must be refused, got {other:?}"),
    }
    // Workspaces lock separately.
    let other_ws = PgStore::connect(&conn(), &s, "staging").expect("connect");
    let ws_lock = other_ws
        .lock("plan")
        .expect("another workspace locks independently");
    other_ws.unlock(&ws_lock.id).expect("unlock");
    first.unlock(&held.id).expect("unlock");
    let again = second.lock("plan").expect("free after unlock");
    second.unlock(&again.id).expect("unlock");
    // A holder whose session ends releases the lock.
    let gone = PgStore::connect(&conn(), &s, "default").expect("connect");
    gone.lock("apply").expect("lock");
    drop(gone);
    std::thread::sleep(std::time::Duration::from_millis(300));
    let after = second
        .lock("plan")
        .expect("a dead session's lock is released");
    second.unlock(&after.id).expect("unlock");
}
