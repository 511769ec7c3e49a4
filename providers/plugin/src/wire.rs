//! What goes on the wire: the gRPC method names of each protocol version,
//! values as `DynamicValue`s typed by the schema, and the plugin's
//! diagnostics as Strata's errors and warnings.

use crate::msgpack;
use crate::proto::{self, Diagnostic as WireDiagnostic, DynamicValue};
use strata_provider::{ProviderError, ProviderResult};
use strata_types::{Type, Value};

/// The gRPC methods of one protocol version.
#[derive(Clone, Copy, Debug)]
pub(crate) struct Methods {
    pub(crate) schema: &'static str,
    pub(crate) validate_provider: &'static str,
    pub(crate) validate_resource: &'static str,
    pub(crate) validate_data_source: &'static str,
    pub(crate) configure: &'static str,
    pub(crate) upgrade: &'static str,
    pub(crate) move_state: &'static str,
    pub(crate) read: &'static str,
    pub(crate) plan: &'static str,
    pub(crate) apply: &'static str,
    pub(crate) import: &'static str,
    pub(crate) read_data_source: &'static str,
    pub(crate) stop: &'static str,
    pub(crate) call_function: &'static str,
}

pub(crate) const V5: Methods = Methods {
    schema: "/tfplugin5.Provider/GetSchema",
    validate_provider: "/tfplugin5.Provider/PrepareProviderConfig",
    validate_resource: "/tfplugin5.Provider/ValidateResourceTypeConfig",
    validate_data_source: "/tfplugin5.Provider/ValidateDataSourceConfig",
    configure: "/tfplugin5.Provider/Configure",
    upgrade: "/tfplugin5.Provider/UpgradeResourceState",
    move_state: "/tfplugin5.Provider/MoveResourceState",
    read: "/tfplugin5.Provider/ReadResource",
    plan: "/tfplugin5.Provider/PlanResourceChange",
    apply: "/tfplugin5.Provider/ApplyResourceChange",
    import: "/tfplugin5.Provider/ImportResourceState",
    read_data_source: "/tfplugin5.Provider/ReadDataSource",
    stop: "/tfplugin5.Provider/Stop",
    call_function: "/tfplugin5.Provider/CallFunction",
};

pub(crate) const V6: Methods = Methods {
    schema: "/tfplugin6.Provider/GetProviderSchema",
    validate_provider: "/tfplugin6.Provider/ValidateProviderConfig",
    validate_resource: "/tfplugin6.Provider/ValidateResourceConfig",
    validate_data_source: "/tfplugin6.Provider/ValidateDataResourceConfig",
    configure: "/tfplugin6.Provider/ConfigureProvider",
    upgrade: "/tfplugin6.Provider/UpgradeResourceState",
    move_state: "/tfplugin6.Provider/MoveResourceState",
    read: "/tfplugin6.Provider/ReadResource",
    plan: "/tfplugin6.Provider/PlanResourceChange",
    apply: "/tfplugin6.Provider/ApplyResourceChange",
    import: "/tfplugin6.Provider/ImportResourceState",
    read_data_source: "/tfplugin6.Provider/ReadDataSource",
    stop: "/tfplugin6.Provider/StopProvider",
    call_function: "/tfplugin6.Provider/CallFunction",
};

pub(crate) fn methods(protocol: u32) -> Methods {
    if protocol == 6 {
        V6
    } else {
        V5
    }
}

pub(crate) fn capabilities() -> proto::ClientCapabilities {
    proto::ClientCapabilities {
        deferral_allowed: false,
        write_only_attributes_allowed: false,
    }
}

pub(crate) fn dynamic(value: &Value, ty: &Type) -> ProviderResult<DynamicValue> {
    let msgpack = msgpack::encode(value, ty).map_err(|e| {
        ProviderError::failed("Cannot encode a value for the provider", e.to_string())
    })?;
    Ok(DynamicValue {
        msgpack,
        json: Vec::new(),
    })
}

pub(crate) fn undynamic(value: Option<&DynamicValue>, ty: &Type) -> ProviderResult<Value> {
    let Some(value) = value else {
        return Ok(Value::null(ty.clone()));
    };
    if !value.msgpack.is_empty() {
        return msgpack::decode(&value.msgpack, ty).map_err(|e| {
            ProviderError::failed(
                "The provider sent a value that does not decode",
                e.to_string(),
            )
        });
    }
    if !value.json.is_empty() {
        let json: serde_json::Value = serde_json::from_slice(&value.json).map_err(|e| {
            ProviderError::failed(
                "The provider sent a value that does not decode",
                e.to_string(),
            )
        })?;
        return strata_types::json::value_from_json(&json, ty).map_err(|e| {
            ProviderError::failed(
                "The provider sent a value that does not decode",
                e.to_string(),
            )
        });
    }
    Ok(Value::null(ty.clone()))
}

/// The provider's warning diagnostics, each at its attribute, for the
/// plan to show (Terraform shows a plugin's plan warnings).
pub(crate) fn warnings_of(diagnostics: &[WireDiagnostic]) -> Vec<ProviderError> {
    diagnostics
        .iter()
        .filter(|d| d.severity != proto::SEVERITY_ERROR)
        .map(|d| ProviderError::Failed {
            summary: d.summary.clone(),
            detail: d.detail.clone(),
            attribute: d.attribute.as_ref().map(attribute_path),
            code: None,
        })
        .collect()
}

/// The provider's error diagnostics as one error (warnings are logged).
pub(crate) fn diagnostics_result(diagnostics: &[WireDiagnostic]) -> ProviderResult<()> {
    let mut errors = Vec::new();
    for d in diagnostics {
        if d.severity == proto::SEVERITY_ERROR {
            errors.push(d);
        } else {
            tracing::warn!(target: "strata::plugin", summary = %d.summary, detail = %d.detail, "provider warning");
        }
    }
    let Some(first) = errors.first() else {
        return Ok(());
    };
    let mut detail = first.detail.clone();
    for more in &errors[1..] {
        detail.push_str(&format!("\n{}: {}", more.summary, more.detail));
    }
    Err(ProviderError::Failed {
        summary: first.summary.clone(),
        detail,
        attribute: first.attribute.as_ref().map(attribute_path),
        code: None,
    })
}

pub(crate) fn attribute_path(path: &proto::AttributePath) -> Vec<String> {
    path.steps
        .iter()
        .filter_map(|s| match &s.selector {
            Some(proto::Selector::AttributeName(n)) => Some(n.clone()),
            Some(proto::Selector::ElementKeyString(k)) => Some(k.clone()),
            Some(proto::Selector::ElementKeyInt(i)) => Some(i.to_string()),
            None => None,
        })
        .collect()
}
