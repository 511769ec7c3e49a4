//! Providers built into Strata, so that stacks run with no cloud at all:
//! `terraform` (`terraform_data`, exactly Terraform's behaviour), `null`
//! (`null_resource`), `random` (`random_id`, `random_string`,
//! `random_password`, `random_integer`, `random_uuid`, `random_shuffle`,
//! `random_pet`), `local` (`local_file`, `local_sensitive_file`, data
//! `local_file`) and `time` (`time_static`, `time_sleep`).
//!
//! Each is an ordinary [`Provider`]: the engine reaches them through the
//! registry like any other and they pass the same conformance suite.

pub mod local;
mod random;
mod simple;
mod terraform;
mod terraform_functions;
mod time;

use std::sync::Arc;
use strata_provider::{Provider, Registry};

pub use local::LocalProvider;
pub use random::RandomProvider;
pub use simple::NullProvider;
pub use terraform::TerraformProvider;
pub use time::TimeProvider;

/// Every built-in provider.
pub fn all() -> Vec<Arc<dyn Provider>> {
    vec![
        Arc::new(TerraformProvider),
        Arc::new(NullProvider),
        Arc::new(RandomProvider),
        Arc::new(LocalProvider),
        Arc::new(TimeProvider),
    ]
}

/// Registers every built-in provider.
pub fn register_all(registry: &mut Registry) {
    for provider in all() {
        registry.register(provider);
    }
}
