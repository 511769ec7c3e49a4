//! Every built-in provider passes the provider conformance suite.

use std::collections::BTreeMap;
use strata_provider::conformance::{run, Case};
use strata_types::{Type, Value};

fn map(pairs: &[(&str, &str)]) -> Value {
    Value::map(
        Type::String,
        pairs
            .iter()
            .map(|(k, v)| (k.to_string(), Value::string(*v)))
            .collect::<BTreeMap<_, _>>(),
    )
}

/// A configuration of the type's schema: the given attributes, the rest null.
fn config(
    provider: &dyn strata_provider::Provider,
    type_name: &str,
    set: &[(&str, Value)],
) -> Value {
    let schema = provider.schema().resources.remove(type_name).expect("type");
    let mut value = strata_provider::null_object(&schema);
    for (k, v) in set {
        value = strata_provider::with_attr(&value, k, v.clone());
    }
    value
}

#[tokio::test]
async fn builtin_providers_conform() {
    let dir = std::env::temp_dir().join(format!("strata-conformance-{}", std::process::id()));
    let file = |n: &str| Value::string(dir.join(n).to_string_lossy());
    let mut failures = Vec::new();
    for provider in strata_provider_builtin::all() {
        let p = provider.as_ref();
        let c = |t: &str, set: &[(&str, Value)]| config(p, t, set);
        let cases: Vec<Case> = match p.name() {
            "terraform" => vec![
                Case {
                    type_name: "terraform_data",
                    create: c("terraform_data", &[("input", Value::string("a"))]),
                    update: Some(c("terraform_data", &[("input", Value::string("b"))])),
                    read_detects_delete: false,
                },
                Case {
                    type_name: "terraform_data",
                    create: c("terraform_data", &[("triggers_replace", Value::int(1))]),
                    update: Some(c("terraform_data", &[("triggers_replace", Value::int(2))])),
                    read_detects_delete: false,
                },
            ],
            "null" => vec![Case {
                type_name: "null_resource",
                create: c("null_resource", &[("triggers", map(&[("a", "1")]))]),
                update: Some(c("null_resource", &[("triggers", map(&[("a", "2")]))])),
                read_detects_delete: false,
            }],
            "random" => vec![
                Case {
                    type_name: "random_id",
                    create: c("random_id", &[("byte_length", Value::int(8))]),
                    update: Some(c("random_id", &[("byte_length", Value::int(4))])),
                    read_detects_delete: false,
                },
                Case {
                    type_name: "random_string",
                    create: c("random_string", &[("length", Value::int(12))]),
                    update: Some(c(
                        "random_string",
                        &[("length", Value::int(12)), ("special", Value::bool(false))],
                    )),
                    read_detects_delete: false,
                },
                Case {
                    type_name: "random_password",
                    create: c("random_password", &[("length", Value::int(16))]),
                    update: None,
                    read_detects_delete: false,
                },
                Case {
                    type_name: "random_integer",
                    create: c(
                        "random_integer",
                        &[("min", Value::int(1)), ("max", Value::int(6))],
                    ),
                    update: Some(c(
                        "random_integer",
                        &[("min", Value::int(1)), ("max", Value::int(20))],
                    )),
                    read_detects_delete: false,
                },
                Case {
                    type_name: "random_uuid",
                    create: c("random_uuid", &[]),
                    update: Some(c("random_uuid", &[("keepers", map(&[("k", "v")]))])),
                    read_detects_delete: false,
                },
                Case {
                    type_name: "random_shuffle",
                    create: c(
                        "random_shuffle",
                        &[(
                            "input",
                            Value::list(
                                Type::String,
                                vec![Value::string("a"), Value::string("b"), Value::string("c")],
                            ),
                        )],
                    ),
                    update: None,
                    read_detects_delete: false,
                },
                Case {
                    type_name: "random_pet",
                    create: c("random_pet", &[]),
                    update: Some(c("random_pet", &[("length", Value::int(3))])),
                    read_detects_delete: false,
                },
            ],
            "local" => vec![
                Case {
                    type_name: "local_file",
                    create: c(
                        "local_file",
                        &[
                            ("filename", file("a.txt")),
                            ("content", Value::string("one")),
                        ],
                    ),
                    update: Some(c(
                        "local_file",
                        &[
                            ("filename", file("a.txt")),
                            ("content", Value::string("two")),
                        ],
                    )),
                    read_detects_delete: true,
                },
                Case {
                    type_name: "local_sensitive_file",
                    create: c(
                        "local_sensitive_file",
                        &[
                            ("filename", file("s/b.txt")),
                            ("content", Value::string("secret")),
                        ],
                    ),
                    update: None,
                    read_detects_delete: true,
                },
            ],
            "time" => vec![
                Case {
                    type_name: "time_static",
                    create: c("time_static", &[]),
                    update: Some(c("time_static", &[("triggers", map(&[("t", "1")]))])),
                    read_detects_delete: false,
                },
                Case {
                    type_name: "time_sleep",
                    create: c("time_sleep", &[("create_duration", Value::string("10ms"))]),
                    update: None,
                    read_detects_delete: false,
                },
            ],
            other => panic!("no conformance cases for provider {other}"),
        };
        failures.extend(run(p, &cases, strata_core::proposed_new).await);
    }
    let _ = std::fs::remove_dir_all(&dir);
    assert!(failures.is_empty(), "{}", failures.join("\n"));
}
