//! Plan and apply in-process through `strata_core::ops`, with the
//! built-in providers and the local store in a temporary directory.

use std::collections::BTreeMap;
use std::path::PathBuf;
use std::sync::atomic::{AtomicBool, Ordering};
use std::sync::{Arc, Condvar, Mutex};
use std::time::Duration;
use strata_core::apply::{ApplyOptions, Event, Outcome};
use strata_core::ops::{self, OpEvent, PlanRequest, Session, SessionInputs};
use strata_core::{Action, Plan, PlanOptions};
use strata_provider::Registry;
use strata_state::{JournalRecord, LocalStore, LockInfo, State, StateError, Store};

struct Dir(PathBuf);

impl Dir {
    fn new(name: &str, main_tf: &str) -> Dir {
        let dir = std::env::temp_dir().join(format!(
            "strata-core-ops-{name}-{}-{:?}",
            std::process::id(),
            std::time::SystemTime::now()
                .duration_since(std::time::UNIX_EPOCH)
                .unwrap_or_default()
                .as_nanos()
        ));
        std::fs::create_dir_all(&dir).expect("temp dir");
        std::fs::write(dir.join("main.tf"), main_tf).expect("main.tf");
        Dir(dir)
    }

    fn set_config(&self, main_tf: &str) {
        std::fs::write(self.0.join("main.tf"), main_tf).expect("main.tf");
    }

    fn session(&self) -> Session {
        let mut registry = Registry::default();
        strata_provider_builtin::register_all(&mut registry);
        let session = Session::load(
            SessionInputs {
                dir: self.0.clone(),
                cwd: self.0.clone(),
                workspace: "default".into(),
                variables: Vec::new(),
                given: BTreeMap::new(),
                require_variables: true,
                installed_by: None,
            },
            Arc::new(registry),
        )
        .expect("loads");
        assert!(
            !session.validate().has_errors(),
            "{:?}",
            session.validate().0
        );
        session
    }

    fn store(&self) -> LocalStore {
        LocalStore::new(self.0.join("strata.tfstate"))
    }
}

impl Drop for Dir {
    fn drop(&mut self) {
        let _ = std::fs::remove_dir_all(&self.0);
    }
}

fn runtime() -> tokio::runtime::Runtime {
    tokio::runtime::Builder::new_multi_thread()
        .worker_threads(2)
        .enable_all()
        .build()
        .expect("runtime")
}

fn make_plan(rt: &tokio::runtime::Runtime, session: &Session, store: &dyn Store) -> Plan {
    rt.block_on(ops::plan(
        session,
        store,
        None,
        PlanRequest {
            options: PlanOptions {
                refresh: true,
                ..PlanOptions::default()
            },
            catalog: strata_core::cost::Catalog::bundled(),
            changes_state: true,
        },
        &|_| {},
    ))
    .unwrap_or_else(|e| panic!("plan failed: {e:?}"))
}

fn apply_plan(
    rt: &tokio::runtime::Runtime,
    session: &Session,
    store: Arc<dyn Store>,
    plan: &Plan,
) -> State {
    let result = rt.block_on(ops::apply(
        session,
        store,
        plan.clone(),
        &ApplyOptions::default(),
        &|_| {},
    ));
    assert!(
        !result.diagnostics.has_errors(),
        "{:?}",
        result.diagnostics.0
    );
    result.state
}

fn attribute(state: &State, name: &str, index: Option<i64>, attr: &str) -> serde_json::Value {
    let r = state
        .resources
        .iter()
        .find(|r| r.name == name)
        .unwrap_or_else(|| panic!("{name} is in state"));
    let i = r
        .instances
        .iter()
        .find(|i| i.index_key.as_ref().and_then(|k| k.as_i64()) == index)
        .unwrap_or_else(|| panic!("{name}[{index:?}] is in state"));
    i.attributes.to_json()[attr].clone()
}

/// A store whose snapshot writes take as long as a slow backend's PUT:
/// each `write` blocks until `release` is called (or a deadline passes,
/// which it records).
struct SlowStore {
    inner: LocalStore,
    released: Mutex<bool>,
    wake: Condvar,
    timed_out: AtomicBool,
}

impl SlowStore {
    fn release(&self) {
        *self.released.lock().expect("released") = true;
        self.wake.notify_all();
    }
}

impl Store for SlowStore {
    fn read(&self) -> Result<Option<State>, StateError> {
        self.inner.read()
    }
    fn write(&self, state: &State) -> Result<(), StateError> {
        let released = self.released.lock().expect("released");
        let (released, wait) = self
            .wake
            .wait_timeout_while(released, Duration::from_secs(10), |r| !*r)
            .expect("wait");
        if wait.timed_out() && !*released {
            self.timed_out.store(true, Ordering::SeqCst);
        }
        drop(released);
        self.inner.write(state)
    }
    fn lock(&self, operation: &str) -> Result<LockInfo, StateError> {
        self.inner.lock(operation)
    }
    fn unlock(&self, id: &str) -> Result<(), StateError> {
        self.inner.unlock(id)
    }
    fn append_journal(&self, record: &JournalRecord, durable: bool) -> Result<(), StateError> {
        self.inner.append_journal(record, durable)
    }
    fn read_journal(&self) -> Result<Vec<JournalRecord>, StateError> {
        self.inner.read_journal()
    }
    fn reset_journal(&self, keep: &[JournalRecord]) -> Result<(), StateError> {
        self.inner.reset_journal(keep)
    }
    fn history(&self) -> Result<Vec<u64>, StateError> {
        self.inner.history()
    }
    fn read_version(&self, serial: u64) -> Result<Option<State>, StateError> {
        self.inner.read_version(serial)
    }
    fn lock_holder(&self) -> Result<Option<LockInfo>, StateError> {
        self.inner.lock_holder()
    }
    fn describe(&self) -> String {
        self.inner.describe()
    }
}

/// A snapshot is written while other changes are in flight: they go on
/// and finish during the write. (When the write blocked the apply, the
/// change in flight could only finish after it: here, never, until the
/// store gave up waiting.)
#[test]
fn a_slow_snapshot_write_does_not_hold_up_the_changes_in_flight() {
    let dir = Dir::new(
        "slow-snapshot",
        r#"
resource "terraform_data" "fast" {}

resource "time_sleep" "slow" {
  create_duration = "1s"
}
"#,
    );
    let rt = runtime();
    let session = dir.session();
    let store = Arc::new(SlowStore {
        inner: dir.store(),
        released: Mutex::new(false),
        wake: Condvar::new(),
        timed_out: AtomicBool::new(false),
    });
    let plan = make_plan(&rt, &session, &*store);
    let on_event = |e: OpEvent| {
        if let OpEvent::Change(Event::Finished { addr, outcome, .. }) = e {
            assert_eq!(outcome, Outcome::Done, "{addr}");
            if addr == "time_sleep.slow" {
                store.release();
            }
        }
    };
    let result = rt.block_on(ops::apply(
        &session,
        store.clone(),
        plan.clone(),
        &ApplyOptions {
            // A snapshot is due as soon as the first change finishes.
            persist_interval: Duration::ZERO,
            ..ApplyOptions::default()
        },
        &on_event,
    ));
    assert!(
        !result.diagnostics.has_errors(),
        "{:?}",
        result.diagnostics.0
    );
    assert!(
        !store.timed_out.load(Ordering::SeqCst),
        "the change in flight did not finish while the snapshot was being written"
    );
    let written = store.inner.read().expect("reads").expect("a state");
    assert_eq!(written.instance_count(), 2);
}

/// Instances of a counted and of a for_each resource are applied one by
/// one; what reads the whole resource afterwards sees every applied value
/// in its place.
#[test]
fn expanded_resources_read_whole_see_each_applied_instance() {
    let dir = Dir::new(
        "expanded",
        r#"
resource "terraform_data" "counted" {
  count = 5
  input = "c${count.index}"
}

resource "terraform_data" "keyed" {
  for_each = toset(["a", "b", "c"])
  input    = "k-${each.key}"
}

resource "terraform_data" "reader" {
  input = {
    ids    = terraform_data.counted[*].id
    keyed  = { for k, v in terraform_data.keyed : k => v.output }
    output = terraform_data.counted[*].output
  }
}
"#,
    );
    let rt = runtime();
    let session = dir.session();
    let store: Arc<dyn Store> = Arc::new(dir.store());
    let plan = make_plan(&rt, &session, &*store);
    let state = apply_plan(&rt, &session, store, &plan);
    // A dynamic attribute is stored with its type.
    let reader = attribute(&state, "reader", None, "output")["value"].clone();
    let ids: Vec<serde_json::Value> = (0..5)
        .map(|i| attribute(&state, "counted", Some(i), "id"))
        .collect();
    assert!(ids
        .iter()
        .all(|id| id.as_str().is_some_and(|s| !s.is_empty())));
    assert_eq!(reader["ids"], serde_json::Value::Array(ids));
    assert_eq!(
        reader["output"],
        serde_json::json!(["c0", "c1", "c2", "c3", "c4"])
    );
    assert_eq!(
        reader["keyed"],
        serde_json::json!({"a": "k-a", "b": "k-b", "c": "k-c"})
    );
}

/// An instance that reads a local value depends on what the local is
/// computed from, through other locals too: apply must not start it
/// before those objects exist (it started at once, with their values
/// unknown, and the provider was sent an incomplete configuration).
#[test]
fn dependencies_run_through_local_values() {
    let dir = Dir::new(
        "through-locals",
        r#"
resource "time_sleep" "slow" {
  for_each        = toset(["a", "b"])
  create_duration = "1s"
  triggers        = { key = each.key }
}

locals {
  ids   = [for s in time_sleep.slow : s.id]
  joined = join(",", local.ids)
}

resource "terraform_data" "reader" {
  input = local.joined
}
"#,
    );
    let rt = runtime();
    let session = dir.session();
    let store: Arc<dyn Store> = Arc::new(dir.store());
    let plan = make_plan(&rt, &session, &*store);
    let reader = plan
        .changes
        .iter()
        .find(|c| c.addr.to_string() == "terraform_data.reader")
        .expect("reader");
    assert_eq!(
        reader.dependencies.to_vec(),
        vec!["time_sleep.slow[\"a\"]", "time_sleep.slow[\"b\"]"]
    );
    let state = apply_plan(&rt, &session, store, &plan);
    let joined = attribute(&state, "reader", None, "output")["value"].clone();
    assert_eq!(
        joined.as_str().map(|s| s.split(',').count()),
        Some(2),
        "{joined}"
    );
}

/// A plan of an unchanged stack keeps the instances as the state stores
/// them; one that moves an instance stores it at its new address.
#[test]
fn the_plan_carries_the_state_as_refreshed_and_moved() {
    let dir = Dir::new(
        "moved",
        r#"
resource "terraform_data" "old" {
  input = "x"
}

resource "terraform_data" "kept" {
  input = "y"
}
"#,
    );
    let rt = runtime();
    let store: Arc<dyn Store> = Arc::new(dir.store());
    let session = dir.session();
    let plan = make_plan(&rt, &session, &*store);
    let applied = apply_plan(&rt, &session, store.clone(), &plan);

    let again = make_plan(&rt, &dir.session(), &*store);
    assert!(again.changes.iter().all(|c| c.action == Action::NoOp));
    assert_eq!(again.prior_state.resources, applied.resources);

    dir.set_config(
        r#"
resource "terraform_data" "new" {
  input = "x"
}

moved {
  from = terraform_data.old
  to   = terraform_data.new
}

resource "terraform_data" "kept" {
  input = "y"
}
"#,
    );
    let moved = make_plan(&rt, &dir.session(), &*store);
    let names: Vec<&str> = moved
        .prior_state
        .resources
        .iter()
        .map(|r| r.name.as_str())
        .collect();
    assert_eq!(names, ["kept", "new"]);
    assert!(moved.changes.iter().all(|c| c.action == Action::NoOp));
    assert_eq!(
        attribute(&moved.prior_state, "new", None, "id"),
        attribute(&applied, "old", None, "id")
    );
}

/// State surgery in-process: list and find, remove, move (within the
/// state and into another), history and rollback as a new version, and a
/// push that would roll back or replace another lineage refused.
#[test]
fn state_surgery_edits_under_the_lock_and_refuses_what_would_lose_data() {
    use strata_core::ops::state_edit;
    let dir = Dir::new(
        "surgery",
        r#"
resource "terraform_data" "a" {
  count = 2
  input = count.index
}

resource "terraform_data" "b" {
  input = "b"
}
"#,
    );
    let rt = runtime();
    let session = dir.session();
    let store: Arc<dyn Store> = Arc::new(dir.store());
    let plan = make_plan(&rt, &session, &*store);
    let applied = apply_plan(&rt, &session, store.clone(), &plan);
    let addresses = [
        "terraform_data.a[0]",
        "terraform_data.a[1]",
        "terraform_data.b",
    ];
    assert_eq!(state_edit::list(&applied, &[]), addresses);
    assert_eq!(
        state_edit::list(&applied, &["terraform_data.a".into()]),
        addresses[..2]
    );
    assert!(state_edit::find(&applied, "terraform_data.c").is_err());

    let lock = |op: &str| ops::lock_state(&*store, op, Duration::ZERO).expect("lock");
    let moved =
        state_edit::move_instances(&lock("mv"), None, "terraform_data.b", "terraform_data.c")
            .expect("moves");
    assert_eq!(moved, 1);
    let refused =
        state_edit::move_instances(&lock("mv"), None, "terraform_data.a", "terraform_data.c");
    assert!(refused.is_err(), "a destination in use is refused");
    let removed =
        state_edit::remove(&lock("rm"), &["terraform_data.a[1]".into()]).expect("removes");
    assert_eq!(removed, ["terraform_data.a[1]"]);
    let now = store.read().expect("read").expect("state");
    assert_eq!(
        state_edit::list(&now, &[]),
        ["terraform_data.a[0]", "terraform_data.c"]
    );
    // The id travels with the moved instance.
    let id_of = |s: &State, name: &str| {
        s.resources
            .iter()
            .find(|r| r.name == name)
            .expect("resource")
            .instances[0]
            .attributes
            .to_json()["id"]
            .clone()
    };
    assert_eq!(id_of(&now, "c"), id_of(&applied, "b"));

    // Another state file, locked too, receives a moved instance.
    let other = LocalStore::new(dir.0.join("other.tfstate"));
    let other_lock = ops::lock_state(&other, "mv", Duration::ZERO).expect("lock other");
    state_edit::move_instances(
        &lock("mv"),
        Some(&other_lock),
        "terraform_data.c",
        "terraform_data.b",
    )
    .expect("moves out");
    drop(other_lock);
    let out = other.read().expect("read").expect("other state");
    assert_eq!(state_edit::list(&out, &[]), ["terraform_data.b"]);

    // Rollback makes the applied content current as a new version.
    let before = store.read().expect("read").expect("state");
    let new_serial = state_edit::rollback(&lock("rollback"), applied.serial).expect("rolls back");
    assert_eq!(new_serial, before.serial + 1);
    let rolled = store.read().expect("read").expect("state");
    assert_eq!(state_edit::list(&rolled, &[]), addresses);
    let versions = state_edit::history(&*store).expect("history");
    assert!(versions[0].current && versions[0].serial == new_serial);
    assert!(versions
        .iter()
        .any(|v| v.serial == applied.serial && !v.current));

    // Pushing an older version or another lineage is refused without --force.
    assert!(state_edit::push(&lock("push"), &applied.to_bytes(), false).is_err());
    let mut foreign = State::fresh();
    foreign.serial = rolled.serial + 5;
    assert!(state_edit::push(&lock("push"), &foreign.to_bytes(), false).is_err());
    assert_eq!(
        store.read().expect("read").expect("state").serial,
        rolled.serial
    );
    state_edit::push(&lock("push"), &foreign.to_bytes(), true).expect("forced push");
    assert_eq!(
        store.read().expect("read").expect("state").lineage,
        foreign.lineage
    );
}

/// A workspace is deleted only when nothing would be lost: not while its
/// state holds instances or its journal records an interrupted apply
/// (either may name objects that exist), unless forced.
#[test]
fn a_workspace_that_may_name_objects_is_kept_unless_forced() {
    use strata_core::ops::workspace;
    use strata_state::{Backend, LocalBackend};
    let dir = Dir::new("workspaces", "");
    let backend = LocalBackend {
        path: dir.0.join("strata.tfstate"),
        workspace_dir: dir.0.join("strata.tfstate.d"),
        cipher: None,
    };
    assert!(workspace::create(&backend, "bad name").is_err());
    workspace::create(&backend, "gpu").expect("creates");
    assert!(
        workspace::create(&backend, "gpu").is_err(),
        "exists already"
    );
    workspace::check_exists(&backend, "gpu").expect("exists");
    assert!(workspace::check_exists(&backend, "cpu").is_err());
    assert!(
        workspace::delete(&backend, "gpu", "gpu", false).is_err(),
        "selected"
    );
    assert!(workspace::delete(&backend, "default", "gpu", true).is_err());

    let store = backend.store("gpu").expect("store");
    store
        .append_journal(
            &JournalRecord::Intent {
                seq: 1,
                module: String::new(),
                mode: "managed".into(),
                type_name: "terraform_data".into(),
                name: "a".into(),
                index_key: None,
                provider: "provider[\"terraform.io/builtin/terraform\"]".into(),
                action: "create".into(),
                token: None,
                planned: serde_json::json!({}),
                schema_version: 0,
            },
            true,
        )
        .expect("journal");
    let refused = workspace::delete(&backend, "gpu", "default", false);
    assert!(refused.is_err(), "an interrupted apply's journal keeps it");
    assert!(backend
        .workspaces()
        .expect("list")
        .contains(&"gpu".to_string()));
    workspace::delete(&backend, "gpu", "default", true).expect("forced");
    assert!(!backend
        .workspaces()
        .expect("list")
        .contains(&"gpu".to_string()));
}

/// An apply interrupted while deleting the object a create_before_destroy
/// replaced: the journal records `delete_deposed`, and settling it leaves
/// the replacement at its address (the old object is finished off, never
/// put back, and the address is never forgotten).
#[test]
fn an_interrupted_delete_of_a_replaced_object_keeps_its_replacement() {
    let dir = Dir::new(
        "deposed",
        "resource \"terraform_data\" \"endpoint\" {\n  input = \"v2\"\n}\n",
    );
    let rt = runtime();
    let session = dir.session();
    let store: Arc<dyn Store> = Arc::new(dir.store());
    let plan = make_plan(&rt, &session, &*store);
    let applied = apply_plan(&rt, &session, store.clone(), &plan);
    let instance = &applied.resources[0].instances[0];
    let mut old = instance.attributes.to_json();
    old["id"] = serde_json::json!("the-replaced-one");
    store
        .append_journal(
            &JournalRecord::Intent {
                seq: 1,
                module: String::new(),
                mode: "managed".into(),
                type_name: "terraform_data".into(),
                name: "endpoint".into(),
                index_key: None,
                provider: applied.resources[0].provider.clone(),
                action: "delete_deposed".into(),
                token: None,
                planned: old,
                schema_version: instance.schema_version,
            },
            true,
        )
        .expect("journal");
    let lock = ops::lock_state(&*store, "test", Duration::ZERO).expect("lock");
    let recovered = Mutex::new(Vec::new());
    let settled = rt
        .block_on(ops::current_state(
            &session,
            &*store,
            Some(&lock),
            true,
            &|e| {
                if let OpEvent::Recovered { actions, .. } = e {
                    recovered.lock().unwrap().extend(actions);
                }
            },
        ))
        .expect("settles")
        .expect("a state");
    assert_eq!(settled.resources.len(), 1, "{settled:?}");
    assert_eq!(
        settled.resources[0].instances[0].attributes.id(),
        instance.attributes.id(),
        "the replacement keeps the address"
    );
    let messages = recovered.lock().unwrap().join("\n");
    assert!(messages.contains("the object it replaced"), "{messages}");
    assert!(store.read_journal().expect("journal").is_empty());
}
