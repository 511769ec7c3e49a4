//! Every diagnostic code Strata reports, in one place: a code names one
//! kind of problem wherever it is found (parser, evaluator, planner,
//! apply, CLI), and no two kinds share a code. Codes are stable: a user
//! may search for one, so a retired code is not reused.
//!
//! Ranges: E0xx command line, E1xx syntax, E2xx blocks and arguments,
//! E3xx references and variables, E4xx types and expressions, E5xx
//! functions, E60x–E62x planning, E63x apply and providers, E64x–E65x
//! state and plan files, E66x–E67x backends and workspaces, E68x plan
//! previews and policy, E69x the journal and import, E70x module
//! installation, E71x tests.

macro_rules! codes {
    ($($name:ident = $code:literal, $meaning:literal;)*) => {
        $(
            #[doc = $meaning]
            pub const $name: &str = $code;
        )*
        /// Every code with its constant's name.
        pub const ALL: &[(&str, &str)] = &[$(($code, stringify!($name))),*];
    };
}

codes! {
    READ_FAILED = "E001", "Failed to read variables file";
    INVALID_VAR_OPTION = "E002", "Invalid -var option";
    INVALID_ADDRESS = "E003", "Invalid address";
    INVALID_GRAPH_TYPE = "E004", "Invalid graph type";
    INVALID_EXPRESSION = "E100", "Invalid expression";
    ARGUMENT_OR_BLOCK_DEFINITION_REQUIRED = "E101", "Argument or block definition required";
    INVALID_BLOCK_DEFINITION = "E102", "Invalid block definition";
    MISSING_NEWLINE_AFTER_ARGUMENT = "E103", "Missing newline after argument";
    INVALID_BLOCK_LABEL = "E104", "Invalid block label";
    EXTRA_CHARACTERS_AFTER_EXPRESSION = "E105", "Extra characters after expression";
    UNTERMINATED_COMMENT = "E106", "Unterminated comment";
    NESTING_TOO_DEEP = "E107", "Nesting too deep";
    UNCLOSED_CONFIGURATION_BLOCK = "E108", "Unclosed configuration block";
    MISSING_NEWLINE_AFTER_BLOCK_DEFINITION = "E109", "Missing newline after block definition";
    MISSING_FALSE_EXPRESSION_IN_CONDITIONAL = "E110", "Missing false expression in conditional";
    INVALID_ATTRIBUTE_NAME = "E111", "Invalid attribute name";
    MISSING_CLOSE_BRACKET_ON_SPLAT_INDEX = "E112", "Missing close bracket on splat index";
    MISSING_CLOSE_BRACKET_ON_INDEX = "E113", "Missing close bracket on index";
    UNBALANCED_PARENTHESES = "E114", "Unbalanced parentheses";
    INVALID_FUNCTION_NAME = "E115", "Invalid function name";
    INVALID_NUMBER_LITERAL = "E116", "Invalid number literal";
    MISSING_ARGUMENT_SEPARATOR = "E117", "Missing argument separator";
    UNTERMINATED_FUNCTION_CALL = "E118", "Unterminated function call";
    INVALID_FOR_EXPRESSION = "E119", "Invalid 'for' expression";
    MISSING_ITEM_SEPARATOR = "E120", "Missing item separator";
    UNTERMINATED_TUPLE_CONSTRUCTOR = "E121", "Unterminated tuple constructor";
    MISSING_KEY_VALUE_SEPARATOR = "E122", "Missing key/value separator";
    MISSING_ATTRIBUTE_SEPARATOR = "E123", "Missing attribute separator";
    UNTERMINATED_OBJECT_CONSTRUCTOR = "E124", "Unterminated object constructor";
    UNTERMINATED_TEMPLATE_STRING = "E125", "Unterminated template string";
    INVALID_MULTI_LINE_STRING = "E126", "Invalid multi-line string";
    INVALID_ESCAPE_SEQUENCE = "E127", "Invalid escape sequence";
    INVALID_TEMPLATE_SEQUENCE = "E128", "Invalid template sequence";
    INVALID_TEMPLATE_DIRECTIVE = "E129", "Invalid template directive";
    INVALID_HEREDOC = "E130", "Invalid heredoc";
    UNTERMINATED_TEMPLATE_STRING_IN_HEREDOC = "E131", "Unterminated template string";
    UNEXPECTED_TEMPLATE_DIRECTIVE = "E132", "Unexpected template directive";
    UNTERMINATED_TEMPLATE_DIRECTIVE = "E133", "Unterminated template directive";
    INVALID_CHARACTER_ENCODING = "E134", "Invalid character encoding";
    INVALID_JSON = "E140", "Invalid JSON configuration";
    BLOCK_LABELS = "E201", "Missing name for block";
    UNSUPPORTED_ARGUMENT = "E202", "Unsupported argument";
    DUPLICATE_ARGUMENT = "E203", "Duplicate argument";
    UNSUPPORTED_BLOCK_TYPE = "E204", "Unexpected block";
    INVALID_VALUE = "E205", "Invalid value";
    MISSING_REQUIRED_ARGUMENT = "E206", "Missing required argument";
    INVALID_VARIABLE_NAME = "E207", "Invalid variable name";
    COUNT_AND_FOR_EACH = "E208", "Invalid combination of 'count' and 'for_each'";
    DUPLICATE_CONTENT_BLOCK = "E209", "Duplicate content block";
    DUPLICATE_DECLARATION = "E210", "Duplicate {what} declaration";
    INVALID_MODULE_SOURCE = "E211", "Invalid module source";
    UNSUPPORTED_MODULE_SOURCE = "E212", "Unsupported module source";
    MODULE_CALLS_NESTED_TOO_DEEPLY = "E213", "Module calls nested too deeply";
    MODULE_NOT_FOUND = "E214", "Module not found";
    DUPLICATE_LIFECYCLE_BLOCK = "E215", "Duplicate lifecycle block";
    MISSING_BASE_BLOCK = "E216", "Missing {block} to override";
    MODULE_NOT_INSTALLED = "E217", "Module not installed";
    MODULE_SOURCE_CHANGED = "E218", "Module source has changed";
    MODULE_VERSION_CHANGED = "E219", "Module version requirements have changed";
    INVALID_VERSION_CONSTRAINT = "E220", "Invalid version constraint";
    INVALID_REFERENCE_NAME = "E301", "Invalid reference";
    UNDECLARED_REFERENCE = "E302", "Reference to undeclared input variable";
    INVALID_REFERENCE = "E303", "Invalid reference";
    VALUE_FOR_UNDECLARED_VARIABLE = "E304", "Value for undeclared variable";
    NO_VALUE_FOR_REQUIRED_VARIABLE = "E305", "No value for required variable";
    LOCALS_CYCLE = "E306", "Cycle in local values";
    INVALID_DEPENDS_ON = "E307", "Invalid depends_on";
    INVALID_SPECIAL_ATTRIBUTE = "E308", "Invalid 'count' attribute";
    ITERATION_CONTEXT_MISSING = "E309", "Reference to 'count' in non-counted context";
    INVALID_SELF_REFERENCE = "E310", "Invalid 'self' reference";
    INVALID_PROVIDER_REFERENCE_IN_CONFIG = "E311", "Invalid provider reference";
    INVALID_TYPE_SPECIFICATION = "E401", "Invalid type specification";
    INVALID_INPUT_VALUE = "E402", "Invalid value for input variable";
    REQUIRED_VARIABLE_NOT_SET = "E403", "Required variable not set";
    INVALID_VALUE_FOR_VARIABLE = "E404", "Invalid value for variable";
    INVALID_VALIDATION_CONDITION = "E405", "Invalid validation condition";
    INVALID_KEY_TYPE = "E410", "Invalid object key";
    INVALID_EXPANDING_ARGUMENT = "E411", "Invalid expanding argument value";
    INVALID_TEMPLATE_INTERPOLATION_VALUE = "E412", "Invalid template interpolation value";
    INCONSISTENT_CONDITIONAL_RESULT_TYPES = "E413", "Inconsistent conditional result types";
    INVALID_FOR_CONDITION = "E414", "Condition is null";
    INVALID_OBJECT_KEY = "E415", "Invalid object key";
    DUPLICATE_OBJECT_KEY = "E416", "Duplicate object key";
    INVALID_CONDITION = "E417", "Null condition";
    INVALID_ITERATION = "E418", "Iteration over null value";
    ATTEMPT_TO_GET_ATTRIBUTE_FROM_NULL_VALUE = "E419", "Attempt to get attribute from null value";
    UNSUPPORTED_ATTRIBUTE = "E420", "Unsupported attribute";
    MISSING_MAP_ELEMENT = "E421", "Missing map element";
    INVALID_INDEX = "E422", "Invalid index";
    INVALID_OPERAND = "E423", "Invalid operand";
    OPERATION_FAILED = "E424", "Operation failed";
    UNKNOWN_FUNCTION = "E500", "Call to unknown function";
    NOT_ENOUGH_ARGUMENTS = "E501", "Not enough function arguments";
    TOO_MANY_ARGUMENTS = "E502", "Too many arguments";
    INVALID_FUNCTION_ARGUMENT = "E503", "Invalid function argument";
    FUNCTION_CALL_FAILED = "E504", "Error in function call";
    TRY_FAILED = "E512", "Error in function call";
    UNKNOWN_RESOURCE_TYPE = "E601", "Unknown resource types";
    STATE_REFERS_TO_AN_UNKNOWN_RESOURCE_TYPE = "E602", "State refers to an unknown resource type";
    INVALID_INSTANCE_IN_STATE = "E603", "Invalid instance in state";
    INVALID_MOVED_BLOCK = "E604", "Invalid moved block";
    CYCLE_IN_THE_CONFIGURATION = "E605", "Cycle in the configuration";
    INVALID_COUNT_ARGUMENT = "E606", "Invalid count argument";
    INVALID_FOR_EACH = "E607", "Invalid dynamic for_each value";
    REFRESH_FAILED = "E608", "Refresh failed";
    INVALID_REPETITION_ARGUMENT = "E609", "Invalid count or for_each argument";
    INVALID_RESOURCE_CONFIGURATION = "E610", "Invalid resource configuration";
    PROVIDER_PLAN_FAILED = "E611", "Provider failed to plan";
    PROVIDER_PLAN_WARNING = "E625", "Provider warning";
    REAP_FAILED = "E626", "Cannot tell whether to reap";
    REAP_WOULD_DESTROY_OTHERS = "E627", "Reaping would destroy more";
    MOVE_ACROSS_TYPES_REFUSED = "E628", "Unsupported move across resource types";
    PREVENT_DESTROY = "E612", "Instance cannot be destroyed";
    OUTPUT_REFERS_TO_SENSITIVE_VALUES = "E613", "Output refers to sensitive values";
    FAILED_TO_READ_DATA_SOURCE = "E614", "Failed to read data source";
    CONDITION_FAILED = "E616", "Condition failed";
    INVALID_IMPORT = "E617", "Invalid import block";
    IMPORT_FAILED = "E618", "Import failed";
    VALUE_FOR_UNCONFIGURABLE_ATTRIBUTE = "E620", "Value for unconfigurable attribute";
    INCORRECT_ATTRIBUTE_VALUE_TYPE = "E621", "Incorrect attribute value type";
    WRONG_NUMBER_OF_BLOCKS = "E622", "Wrong number of blocks";
    INVALID_PROVIDER_ALIAS = "E630", "Invalid provider alias";
    DUPLICATE_PROVIDER_CONFIGURATION = "E631", "Duplicate provider configuration";
    INVALID_PROVIDER_CONFIGURATION = "E632", "Invalid provider configuration";
    INVALID_PROVIDER_REFERENCE = "E633", "Invalid provider reference";
    PROVIDER_CONFIGURATION_NOT_PRESENT = "E634", "Provider configuration not present";
    PERSIST_STATE_FAILED = "E635", "Failed to persist state";
    CONFIGURATION_CHANGED_DURING_APPLY = "E636", "Configuration changed";
    JOURNAL_WRITE_FAILED = "E637", "Cannot record the intent";
    APPLY_INSTANCE_FAILED = "E638", "Apply instance failed";
    STATE_ERROR = "E640", "State error";
    WRITE_FAILED = "E641", "Failed to write the plan";
    INVALID_PLAN_FILE = "E642", "Failed to read the plan";
    SAVED_PLAN_IS_STALE = "E643", "Saved plan is stale";
    OUTPUT_NOT_FOUND = "E644", "Output not found";
    UNSUPPORTED_VALUE_FOR_RAW_OUTPUT = "E645", "Unsupported value for raw output";
    NO_PLAN_TO_RENDER = "E646", "No plan to render";
    STATE_EDIT_FAILED = "E650", "State edit failed";
    NO_LOCK_TO_RELEASE = "E651", "No lock to release";
    BACKEND_VARIABLES_NOT_ALLOWED = "E660", "Variables not allowed";
    UNSUPPORTED_BACKEND_ARGUMENT = "E661", "Unsupported backend argument";
    INVALID_BACKEND_ARGUMENT = "E662", "Invalid backend argument";
    INVALID_BACKEND_BLOCK = "E663", "Unsupported cloud block";
    UNSUPPORTED_BACKEND_TYPE = "E664", "Unsupported backend type";
    INVALID_BACKEND_CONFIG = "E665", "Invalid --backend-config";
    BACKEND_RECORD = "E666", "Invalid backend record";
    BACKEND_INIT_REQUIRED = "E667", "Backend initialization required";
    STATE_FLAG_LOCAL_ONLY = "E668", "--state applies to the local backend only";
    CANNOT_OPEN_BACKEND = "E669", "Cannot open the backend";
    WORKSPACE_FAILED = "E670", "Workspace failed";
    INVALID_ENCRYPTION_KEY = "E671", "Invalid encryption key";
    CANNOT_MIGRATE_STATE = "E672", "Cannot migrate the state";
    CANNOT_LIST_CHANGED_FILES = "E680", "Cannot list changed files";
    INVALID_PRICE_CATALOG = "E681", "Invalid price catalog";
    PLAN_DENIED = "E682", "Plan denied by policy";
    POLICY_EVALUATION_FAILED = "E683", "Policy evaluation failed";
    CANNOT_FIND_BINARY = "E684", "Cannot find the strata binary";
    JOURNAL_UNREADABLE = "E690", "Cannot reconcile the journal";
    JOURNAL_UNSETTLED = "E695", "Unsettled journal";
    INVALID_JOURNAL_RECORD = "E691", "Invalid journal record";
    CANNOT_SETTLE_INTERRUPTED_CALL = "E692", "Cannot settle an interrupted delete";
    IMPORT_TARGET_NOT_CONFIGURED = "E693", "Import target is not in the configuration";
    ALREADY_MANAGED = "E694", "Resource already managed";
    MODULE_DOWNLOAD_FAILED = "E700", "Failed to download module";
    NO_MATCHING_MODULE_VERSION = "E701", "No matching module version";
    INVALID_MODULE_ARCHIVE = "E702", "Invalid module archive";
    MODULE_SUBDIR_NOT_FOUND = "E703", "Module subdirectory not found";
    MODULE_REGISTRY_FAILED = "E704", "Error accessing remote module registry";
    CANNOT_INSTALL_MODULES = "E705", "Cannot install modules";
    TEST_ASSERTION_FAILED = "E710", "Test assertion failed";
    MISSING_EXPECTED_FAILURE = "E711", "Missing expected failure";
    UNKNOWN_CONDITION_VALUE = "E712", "Unknown condition value";
    INVALID_CONDITION_RESULT = "E713", "Invalid condition result";
    TEST_CLEANUP_FAILED = "E714", "Failed to clean up after tests";
    RESOURCE_TARGETING = "E623", "Resource targeting is in effect";
    CHECK_ASSERTION_FAILED = "E624", "Check block assertion failed";
    UNKNOWN_PROVIDER = "E716", "Unknown provider";
    APPROVAL_REQUIRED = "E005", "Approval required";
    INVALID_PROVIDER_REQUIREMENT = "E720", "Invalid required_providers entry";
    PROVIDER_NOT_AVAILABLE = "E721", "Failed to query available provider packages";
    NO_MATCHING_PROVIDER_VERSION = "E722", "No matching provider version";
    PROVIDER_CHECKSUM_MISMATCH = "E723", "Provider checksum mismatch";
    PROVIDER_NOT_INSTALLED = "E724", "Required provider not installed";
    INVALID_LOCK_FILE = "E725", "Invalid dependency lock file";
    PROVIDER_PLUGIN_FAILED = "E726", "Failed to start the provider plugin";
    INVALID_CLI_CONFIGURATION = "E727", "Invalid CLI configuration";
}

#[cfg(test)]
mod tests {
    #[test]
    fn codes_are_unique_and_well_formed() {
        let mut seen = std::collections::BTreeMap::new();
        for (code, name) in super::ALL {
            assert!(
                code.len() == 4
                    && code.starts_with('E')
                    && code[1..].bytes().all(|b| b.is_ascii_digit()),
                "{name} = {code:?} is not of the form E123"
            );
            if let Some(other) = seen.insert(*code, *name) {
                panic!("{code} is both {other} and {name}");
            }
        }
    }
}
