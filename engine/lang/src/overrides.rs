//! Override files (`override.tf`, `*_override.tf` and their `.tf.json`
//! forms), merged into the primary files' blocks by Terraform's rules
//! before the configuration is lowered: each top-level block of an
//! override file changes the primary block of the same type and labels
//! (a provider also by its alias); an argument replaces the argument of
//! that name; a nested block replaces every nested block of its type
//! (also `dynamic` ones), except that `lifecycle` merges argument by
//! argument, and `terraform`'s `required_providers` merges provider by
//! provider. A local value replaces the local of that name. A block with
//! nothing to override is an error.

use crate::ast::{Attribute, Block, Body};
use strata_types::{Diagnostic, Diagnostics};

/// Whether a file of this name is an override file.
pub fn is_override_file(name: &str) -> bool {
    let stem = name
        .strip_suffix(".tf.json")
        .or_else(|| name.strip_suffix(".tf"));
    stem.is_some_and(|s| s == "override" || s.ends_with("_override"))
}

/// Merges the override bodies, in order, into the primary bodies.
pub fn merge(primary: &mut [Body], overrides: Vec<Body>, diagnostics: &mut Diagnostics) {
    for body in overrides {
        for attribute in &body.attributes {
            diagnostics.push(Diagnostic::error(
                strata_types::codes::UNSUPPORTED_ARGUMENT,
                "Unsupported argument",
                format!(
                    "An argument named \"{}\" is not expected at the top level of a configuration file.",
                    attribute.name
                ),
                attribute.name_span,
            ));
        }
        for block in body.blocks {
            merge_block(primary, block, diagnostics);
        }
    }
}

fn alias(block: &Block) -> Option<String> {
    block
        .body
        .attribute("alias")
        .and_then(|a| crate::ast::literal_string(&a.expr))
}

fn same_block(original: &Block, block: &Block) -> bool {
    original.type_name == block.type_name
        && original.labels.len() == block.labels.len()
        && original
            .labels
            .iter()
            .zip(&block.labels)
            .all(|(a, b)| a.value == b.value)
        && (block.type_name != "provider" || alias(original) == alias(block))
}

fn merge_block(primary: &mut [Body], block: Block, diagnostics: &mut Diagnostics) {
    match block.type_name.as_str() {
        "locals" => {
            for attribute in block.body.attributes {
                let target = primary
                    .iter_mut()
                    .flat_map(|b| b.blocks.iter_mut())
                    .filter(|b| b.type_name == "locals")
                    .flat_map(|b| b.body.attributes.iter_mut())
                    .find(|a| a.name == attribute.name);
                match target {
                    Some(original) => *original = attribute,
                    None => diagnostics.push(Diagnostic::error(
                        strata_types::codes::MISSING_BASE_BLOCK,
                        "Missing base local value definition to override",
                        format!("There is no local value named \"{}\". An override file can only override a local value defined in a primary configuration file.", attribute.name),
                        attribute.name_span,
                    )),
                }
            }
        }
        "terraform" => {
            let original = primary
                .iter_mut()
                .flat_map(|b| b.blocks.iter_mut())
                .find(|b| b.type_name == "terraform");
            match original {
                Some(original) => merge_terraform(&mut original.body, block.body),
                // Terraform adds a terraform block an override gives.
                None => match primary.last_mut() {
                    Some(last) => last.blocks.push(block),
                    None => diagnostics.push(missing(&block)),
                },
            }
        }
        _ => {
            let original = primary
                .iter_mut()
                .flat_map(|b| b.blocks.iter_mut())
                .find(|b| same_block(b, &block));
            match original {
                Some(original) => merge_body(&mut original.body, block.body),
                None => diagnostics.push(missing(&block)),
            }
        }
    }
}

fn missing(block: &Block) -> Diagnostic {
    let name = block
        .labels
        .iter()
        .map(|l| format!("\"{}\"", l.value))
        .collect::<Vec<_>>()
        .join(" ");
    Diagnostic::error(
        strata_types::codes::MISSING_BASE_BLOCK,
        format!("Missing {} to override", block.type_name),
        format!("There is no {} block {name} in a primary configuration file. An override file can only override a block defined in one.", block.type_name),
        block.type_span,
    )
}

fn set_attribute(body: &mut Body, attribute: Attribute) {
    match body
        .attributes
        .iter_mut()
        .find(|a| a.name == attribute.name)
    {
        Some(original) => *original = attribute,
        None => body.attributes.push(attribute),
    }
}

/// A block body merged with its override.
fn merge_body(original: &mut Body, body: Body) {
    for attribute in body.attributes {
        set_attribute(original, attribute);
    }
    let mut replaced: Vec<String> = Vec::new();
    for block in body.blocks {
        if block.type_name == "lifecycle" {
            match original
                .blocks
                .iter_mut()
                .find(|b| b.type_name == "lifecycle")
            {
                Some(lifecycle) => merge_body(&mut lifecycle.body, block.body),
                None => original.blocks.push(block),
            }
            continue;
        }
        // The type a block (or a dynamic block) makes.
        let kind = if block.type_name == "dynamic" {
            block
                .labels
                .first()
                .map(|l| l.value.clone())
                .unwrap_or_default()
        } else {
            block.type_name.clone()
        };
        if !replaced.contains(&kind) {
            original.blocks.retain(|b| {
                let made = if b.type_name == "dynamic" {
                    b.labels.first().map(|l| l.value.as_str()).unwrap_or("")
                } else {
                    b.type_name.as_str()
                };
                made != kind
            });
            replaced.push(kind);
        }
        original.blocks.push(block);
    }
}

/// A `terraform` block merged with its override: `required_providers`
/// provider by provider, other nested blocks (`backend`, `cloud`) replaced.
fn merge_terraform(original: &mut Body, body: Body) {
    for attribute in body.attributes {
        set_attribute(original, attribute);
    }
    for block in body.blocks {
        if block.type_name == "required_providers" {
            match original
                .blocks
                .iter_mut()
                .find(|b| b.type_name == "required_providers")
            {
                Some(required) => {
                    for attribute in block.body.attributes {
                        set_attribute(&mut required.body, attribute);
                    }
                }
                None => original.blocks.push(block),
            }
            continue;
        }
        // A backend overrides a backend or cloud block, and the reverse.
        let replaces = |b: &Block| {
            b.type_name == block.type_name
                || (matches!(block.type_name.as_str(), "backend" | "cloud")
                    && matches!(b.type_name.as_str(), "backend" | "cloud"))
        };
        original.blocks.retain(|b| !replaces(b));
        original.blocks.push(block);
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn override_file_names() {
        for name in [
            "override.tf",
            "override.tf.json",
            "a_override.tf",
            "b_override.tf.json",
        ] {
            assert!(super::is_override_file(name), "{name}");
        }
        for name in ["main.tf", "overrides.tf", "override_a.tf", "my-override.tf"] {
            assert!(!super::is_override_file(name), "{name}");
        }
    }
}
