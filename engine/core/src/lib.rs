//! The engine core: from a loaded stack to a plan, from a plan to changes
//! in the world.
//!
//! - `planner`: refresh, the configuration graph (locals, resources,
//!   outputs; cycles reported whole), count/for_each expansion, provider
//!   planning, actions with Terraform's reasons, the execution graph.
//! - `apply`: the ready-queue walker over the plan's execution graph.
//! - `plan`: the plan artifact and Terraform's plan JSON layout.
//!
//! **Architecture invariant:** the core names no concrete provider or
//! state backend; it receives a provider [`strata_provider::Registry`] and
//! a [`strata_state::Store`]. It does not print: progress is reported
//! through a callback and rendering is the CLI's.

pub mod addr;

/// Maps keyed by addresses, on the planning and apply paths (hashed once
/// or more per instance): SipHash's resistance to chosen keys buys nothing
/// against one's own configuration, and costs a tenth of a large plan.
pub(crate) type FastMap<K, V> = std::collections::HashMap<K, V, foldhash::fast::RandomState>;
pub(crate) type FastSet<K> = std::collections::HashSet<K, foldhash::fast::RandomState>;
pub mod apply;
pub mod config_json;
pub mod context;
pub mod cost;
pub mod eval_body;
pub mod ops;
pub mod plan;
pub mod planner;
pub mod providers;
pub mod schema_json;

pub use apply::{apply, ApplyOptions, ApplyResult, Event, Outcome};
pub use context::{proposed_new, Stack};
pub use ops::recover::import_instance;
pub use plan::{Action, Plan};
pub use planner::{plan, PlanOptions, PlanResult};
pub use providers::configure_providers;
