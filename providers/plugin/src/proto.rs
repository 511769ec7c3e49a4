//! The messages of Terraform's plugin protocol, versions 5 and 6, as
//! protobuf structs.
//!
//! Written from the protocol's published definitions (`tfplugin5.proto`,
//! `tfplugin6.proto`); only the calls Strata makes and the fields it reads
//! are declared: protobuf skips unknown fields, so newer providers that send
//! more still decode. The two versions share every message this crate uses
//! but the schema's `Attribute` (field 10 is `write_only` in version 5 and
//! `nested_type` in version 6), so the schema messages are declared once
//! per version by [`schema_messages!`] and the rest once.

use prost::Message;

#[derive(Clone, PartialEq, Message)]
pub struct DynamicValue {
    #[prost(bytes = "vec", tag = "1")]
    pub msgpack: Vec<u8>,
    #[prost(bytes = "vec", tag = "2")]
    pub json: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Diagnostic {
    /// 1 error, 2 warning.
    #[prost(int32, tag = "1")]
    pub severity: i32,
    #[prost(string, tag = "2")]
    pub summary: String,
    #[prost(string, tag = "3")]
    pub detail: String,
    #[prost(message, optional, tag = "4")]
    pub attribute: Option<AttributePath>,
}

pub const SEVERITY_ERROR: i32 = 1;

#[derive(Clone, PartialEq, Message)]
pub struct AttributePath {
    #[prost(message, repeated, tag = "1")]
    pub steps: Vec<Step>,
}

#[derive(Clone, PartialEq, Message)]
pub struct Step {
    #[prost(oneof = "Selector", tags = "1, 2, 3")]
    pub selector: Option<Selector>,
}

#[derive(Clone, PartialEq, prost::Oneof)]
pub enum Selector {
    #[prost(string, tag = "1")]
    AttributeName(String),
    #[prost(string, tag = "2")]
    ElementKeyString(String),
    #[prost(int64, tag = "3")]
    ElementKeyInt(i64),
}

#[derive(Clone, PartialEq, Message)]
pub struct RawState {
    #[prost(bytes = "vec", tag = "1")]
    pub json: Vec<u8>,
    #[prost(map = "string, string", tag = "2")]
    pub flatmap: std::collections::HashMap<String, String>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ServerCapabilities {
    #[prost(bool, tag = "1")]
    pub plan_destroy: bool,
    #[prost(bool, tag = "2")]
    pub get_provider_schema_optional: bool,
    #[prost(bool, tag = "3")]
    pub move_resource_state: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct ClientCapabilities {
    #[prost(bool, tag = "1")]
    pub deferral_allowed: bool,
    #[prost(bool, tag = "2")]
    pub write_only_attributes_allowed: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct Empty {}

/// Declares the schema messages of one protocol version around its own
/// `Attribute`.
macro_rules! schema_messages {
    ($attribute:ident) => {
        #[derive(Clone, PartialEq, ::prost::Message)]
        pub struct Schema {
            #[prost(int64, tag = "1")]
            pub version: i64,
            #[prost(message, optional, tag = "2")]
            pub block: Option<Block>,
        }

        #[derive(Clone, PartialEq, ::prost::Message)]
        pub struct Block {
            #[prost(int64, tag = "1")]
            pub version: i64,
            #[prost(message, repeated, tag = "2")]
            pub attributes: Vec<$attribute>,
            #[prost(message, repeated, tag = "3")]
            pub block_types: Vec<NestedBlock>,
            #[prost(string, tag = "4")]
            pub description: String,
            #[prost(bool, tag = "6")]
            pub deprecated: bool,
        }

        #[derive(Clone, PartialEq, ::prost::Message)]
        pub struct NestedBlock {
            #[prost(string, tag = "1")]
            pub type_name: String,
            #[prost(message, optional, tag = "2")]
            pub block: Option<Block>,
            /// 1 single, 2 list, 3 set, 4 map, 5 group.
            #[prost(int32, tag = "3")]
            pub nesting: i32,
            #[prost(int64, tag = "4")]
            pub min_items: i64,
            #[prost(int64, tag = "5")]
            pub max_items: i64,
        }

        #[derive(Clone, PartialEq, ::prost::Message)]
        pub struct GetProviderSchemaResponse {
            #[prost(message, optional, tag = "1")]
            pub provider: Option<Schema>,
            #[prost(map = "string, message", tag = "2")]
            pub resource_schemas: ::std::collections::HashMap<String, Schema>,
            #[prost(map = "string, message", tag = "3")]
            pub data_source_schemas: ::std::collections::HashMap<String, Schema>,
            #[prost(message, repeated, tag = "4")]
            pub diagnostics: Vec<$crate::proto::Diagnostic>,
            #[prost(message, optional, tag = "5")]
            pub provider_meta: Option<Schema>,
            #[prost(message, optional, tag = "6")]
            pub server_capabilities: Option<$crate::proto::ServerCapabilities>,
            #[prost(map = "string, message", tag = "7")]
            pub functions: ::std::collections::HashMap<String, $crate::proto::Function>,
        }
    };
}

/// A provider-defined function's signature (the same in protocols 5 and 6).
#[derive(Clone, PartialEq, Message)]
pub struct Function {
    #[prost(message, repeated, tag = "1")]
    pub parameters: Vec<FunctionParameter>,
    #[prost(message, optional, tag = "2")]
    pub variadic_parameter: Option<FunctionParameter>,
    #[prost(message, optional, tag = "3")]
    pub r#return: Option<FunctionReturn>,
    #[prost(string, tag = "4")]
    pub summary: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct FunctionParameter {
    #[prost(string, tag = "1")]
    pub name: String,
    /// The type as cty's JSON.
    #[prost(bytes = "vec", tag = "2")]
    pub r#type: Vec<u8>,
    #[prost(bool, tag = "3")]
    pub allow_null_value: bool,
    #[prost(bool, tag = "4")]
    pub allow_unknown_values: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct FunctionReturn {
    #[prost(bytes = "vec", tag = "1")]
    pub r#type: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct CallFunctionRequest {
    #[prost(string, tag = "1")]
    pub name: String,
    #[prost(message, repeated, tag = "2")]
    pub arguments: Vec<DynamicValue>,
}

#[derive(Clone, PartialEq, Message)]
pub struct CallFunctionResponse {
    #[prost(message, optional, tag = "1")]
    pub result: Option<DynamicValue>,
    #[prost(message, optional, tag = "2")]
    pub error: Option<FunctionError>,
}

#[derive(Clone, PartialEq, Message)]
pub struct FunctionError {
    #[prost(string, tag = "1")]
    pub text: String,
    #[prost(int64, optional, tag = "2")]
    pub function_argument: Option<i64>,
}

/// Protocol 5's schema.
pub mod v5 {
    schema_messages!(Attribute);

    #[derive(Clone, PartialEq, ::prost::Message)]
    pub struct Attribute {
        #[prost(string, tag = "1")]
        pub name: String,
        /// The attribute's type as cty's JSON type notation.
        #[prost(bytes = "vec", tag = "2")]
        pub r#type: Vec<u8>,
        #[prost(string, tag = "3")]
        pub description: String,
        #[prost(bool, tag = "4")]
        pub required: bool,
        #[prost(bool, tag = "5")]
        pub optional: bool,
        #[prost(bool, tag = "6")]
        pub computed: bool,
        #[prost(bool, tag = "7")]
        pub sensitive: bool,
        #[prost(bool, tag = "9")]
        pub deprecated: bool,
        #[prost(bool, tag = "10")]
        pub write_only: bool,
    }
}

/// Protocol 6's schema: attributes may hold nested attribute objects.
pub mod v6 {
    schema_messages!(Attribute);

    #[derive(Clone, PartialEq, ::prost::Message)]
    pub struct Attribute {
        #[prost(string, tag = "1")]
        pub name: String,
        #[prost(bytes = "vec", tag = "2")]
        pub r#type: Vec<u8>,
        #[prost(message, optional, boxed, tag = "10")]
        pub nested_type: Option<Box<Object>>,
        #[prost(string, tag = "3")]
        pub description: String,
        #[prost(bool, tag = "4")]
        pub required: bool,
        #[prost(bool, tag = "5")]
        pub optional: bool,
        #[prost(bool, tag = "6")]
        pub computed: bool,
        #[prost(bool, tag = "7")]
        pub sensitive: bool,
        #[prost(bool, tag = "9")]
        pub deprecated: bool,
        #[prost(bool, tag = "11")]
        pub write_only: bool,
    }

    /// Nested attributes: an object whose attributes have schemas of their own.
    #[derive(Clone, PartialEq, ::prost::Message)]
    pub struct Object {
        #[prost(message, repeated, tag = "1")]
        pub attributes: Vec<Attribute>,
        /// 1 single, 2 list, 3 set, 4 map.
        #[prost(int32, tag = "3")]
        pub nesting: i32,
    }
}

// ---- requests and responses, the same in both versions --------------------

#[derive(Clone, PartialEq, Message)]
pub struct ValidateProviderConfigRequest {
    #[prost(message, optional, tag = "1")]
    pub config: Option<DynamicValue>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValidateProviderConfigResponse {
    /// Protocol 5's `PrepareProviderConfig` answers with the prepared
    /// configuration; protocol 6 leaves it out.
    #[prost(message, optional, tag = "1")]
    pub prepared_config: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ValidateResourceConfigRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<DynamicValue>,
}

#[derive(Clone, PartialEq, Message)]
pub struct DiagnosticsResponse {
    #[prost(message, repeated, tag = "1")]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, PartialEq, Message)]
pub struct UpgradeResourceStateRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(int64, tag = "2")]
    pub version: i64,
    #[prost(message, optional, tag = "3")]
    pub raw_state: Option<RawState>,
}

#[derive(Clone, PartialEq, Message)]
pub struct UpgradeResourceStateResponse {
    #[prost(message, optional, tag = "1")]
    pub upgraded_state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, PartialEq, Message)]
pub struct MoveResourceStateRequest {
    #[prost(string, tag = "1")]
    pub source_provider_address: String,
    #[prost(string, tag = "2")]
    pub source_type_name: String,
    #[prost(int64, tag = "3")]
    pub source_schema_version: i64,
    #[prost(message, optional, tag = "4")]
    pub source_state: Option<RawState>,
    #[prost(string, tag = "5")]
    pub target_type_name: String,
    #[prost(bytes = "vec", tag = "6")]
    pub source_private: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct MoveResourceStateResponse {
    #[prost(message, optional, tag = "1")]
    pub target_state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
    #[prost(bytes = "vec", tag = "3")]
    pub target_private: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ConfigureRequest {
    #[prost(string, tag = "1")]
    pub terraform_version: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<DynamicValue>,
    #[prost(message, optional, tag = "3")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ReadResourceRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub current_state: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "3")]
    pub private: Vec<u8>,
    #[prost(message, optional, tag = "5")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ReadResourceResponse {
    #[prost(message, optional, tag = "1")]
    pub new_state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
    #[prost(bytes = "vec", tag = "3")]
    pub private: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct PlanResourceChangeRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub prior_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "3")]
    pub proposed_new_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "4")]
    pub config: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "5")]
    pub prior_private: Vec<u8>,
    #[prost(message, optional, tag = "7")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, Message)]
pub struct PlanResourceChangeResponse {
    #[prost(message, optional, tag = "1")]
    pub planned_state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub requires_replace: Vec<AttributePath>,
    #[prost(bytes = "vec", tag = "3")]
    pub planned_private: Vec<u8>,
    #[prost(message, repeated, tag = "4")]
    pub diagnostics: Vec<Diagnostic>,
    #[prost(bool, tag = "5")]
    pub legacy_type_system: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct ApplyResourceChangeRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub prior_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "3")]
    pub planned_state: Option<DynamicValue>,
    #[prost(message, optional, tag = "4")]
    pub config: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "5")]
    pub planned_private: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ApplyResourceChangeResponse {
    #[prost(message, optional, tag = "1")]
    pub new_state: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "2")]
    pub private: Vec<u8>,
    #[prost(message, repeated, tag = "3")]
    pub diagnostics: Vec<Diagnostic>,
    #[prost(bool, tag = "4")]
    pub legacy_type_system: bool,
}

#[derive(Clone, PartialEq, Message)]
pub struct ImportResourceStateRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(string, tag = "2")]
    pub id: String,
}

#[derive(Clone, PartialEq, Message)]
pub struct ImportedResource {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub state: Option<DynamicValue>,
    #[prost(bytes = "vec", tag = "3")]
    pub private: Vec<u8>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ImportResourceStateResponse {
    #[prost(message, repeated, tag = "1")]
    pub imported_resources: Vec<ImportedResource>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ReadDataSourceRequest {
    #[prost(string, tag = "1")]
    pub type_name: String,
    #[prost(message, optional, tag = "2")]
    pub config: Option<DynamicValue>,
    #[prost(message, optional, tag = "4")]
    pub client_capabilities: Option<ClientCapabilities>,
}

#[derive(Clone, PartialEq, Message)]
pub struct ReadDataSourceResponse {
    #[prost(message, optional, tag = "1")]
    pub state: Option<DynamicValue>,
    #[prost(message, repeated, tag = "2")]
    pub diagnostics: Vec<Diagnostic>,
}

#[derive(Clone, PartialEq, Message)]
pub struct StopResponse {
    #[prost(string, tag = "1")]
    pub error: String,
}
