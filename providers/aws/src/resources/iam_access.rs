//! IAM beyond roles and policies: a role's inline policies
//! (`aws_iam_role_policy`), OpenID Connect identity providers
//! (`aws_iam_openid_connect_provider`, which EKS service accounts assume
//! roles through) and the exclusive attachment of a managed policy to
//! users, roles and groups (`aws_iam_policy_attachment`).

use super::iam::{document, member_tags, tag_params, GONE};
use super::{computed, optional, required, string_set, tagged};
use crate::api::{self, parse, s, strings, tags, Api, Obj, Params};
use crate::Resource;
use serde_json::json;
use std::sync::Arc;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(RolePolicy),
        Arc::new(OidcProvider),
        Arc::new(PolicyAttachment),
    ]
}

// ---- aws_iam_role_policy ------------------------------------------------------------

/// An inline policy of a role; its id is `ROLE:NAME`, as Terraform's.
struct RolePolicy;

impl Resource for RolePolicy {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("name", required(Type::String).force_new()),
            ("role", required(Type::String).force_new()),
            ("policy", required(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let role = api::req(p, "role")?;
        let name = api::req(p, "name")?;
        let id = format!("{role}:{name}");
        self.update(api, &id, &Obj::new(), p)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some((role, name)) = id.split_once(':') else {
            return Err(ProviderError::failed(
                "Invalid id",
                format!("{id:?} is not ROLE:NAME"),
            ));
        };
        let Some(t) = api.maybe(
            api.iam(
                "GetRolePolicy",
                Params::new().set("RoleName", role).set("PolicyName", name),
            ),
            GONE,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let found = api::find_text(&doc, "PolicyDocument").unwrap_or_default();
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("role".into(), json!(role));
        o.insert("name".into(), json!(name));
        o.insert("policy".into(), json!(document(&found, s(prior, "policy"))));
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, _prior: &Obj, planned: &Obj) -> ProviderResult<String> {
        api.iam(
            "PutRolePolicy",
            Params::new()
                .set("RoleName", api::req(planned, "role")?)
                .set("PolicyName", api::req(planned, "name")?)
                .set("PolicyDocument", api::req(planned, "policy")?),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.iam(
                "DeleteRolePolicy",
                Params::new()
                    .set("RoleName", api::req(prior, "role")?)
                    .set("PolicyName", api::req(prior, "name")?),
            ),
            GONE,
        )
        .map(|_| ())
    }

    fn import_state(&self, id: &str) -> Obj {
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o
    }

    fn token(&self, planned: &Obj) -> Option<String> {
        Some(format!("{}:{}", s(planned, "role")?, s(planned, "name")?))
    }

    fn find(&self, api: &Api, token: &str, planned: &Obj) -> ProviderResult<Option<String>> {
        Ok(self.read(api, token, planned)?.map(|_| token.to_string()))
    }
}

// ---- aws_iam_openid_connect_provider ------------------------------------------------

struct OidcProvider;

/// IAM keeps a provider's URL without its scheme.
fn bare(url: &str) -> &str {
    url.trim_start_matches("https://")
}

impl Resource for OidcProvider {
    fn type_name(&self) -> &'static str {
        "aws_iam_openid_connect_provider"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("url", required(Type::String).force_new()),
            ("client_id_list", required(Type::set(Type::String))),
            ("thumbprint_list", super::defaulted(super::strings())),
            ("arn", computed(Type::String)),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let params = Params::new()
            .set("Url", api::req(p, "url")?)
            .list_member("ClientIDList", &strings(p, "client_id_list"))
            .list_member("ThumbprintList", &strings(p, "thumbprint_list"));
        let t = api.iam(
            "CreateOpenIDConnectProvider",
            tag_params(params, &api.tags_all(&tags(p, "tags"))),
        )?;
        api::find_text(&parse(&t)?, "OpenIDConnectProviderArn").ok_or_else(|| {
            ProviderError::failed(
                "CreateOpenIDConnectProvider",
                "no OpenIDConnectProviderArn in the answer",
            )
        })
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(
            api.iam(
                "GetOpenIDConnectProvider",
                Params::new().set("OpenIDConnectProviderArn", id),
            ),
            GONE,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let list = |parent: &str| -> Vec<String> {
            doc.descendants()
                .find(|n| n.has_tag_name(parent))
                .map(|l| {
                    l.children()
                        .filter(|m| m.has_tag_name("member"))
                        .filter_map(|m| m.text().map(str::to_string))
                        .collect()
                })
                .unwrap_or_default()
        };
        let found_url = api::find_text(&doc, "Url").unwrap_or_default();
        let url = match s(prior, "url") {
            Some(written) if bare(written) == bare(&found_url) => written.to_string(),
            _ => format!("https://{}", bare(&found_url)),
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("arn".into(), json!(id));
        o.insert("url".into(), json!(url));
        o.insert("client_id_list".into(), json!(list("ClientIDList")));
        o.insert("thumbprint_list".into(), json!(list("ThumbprintList")));
        api.read_tags(&mut o, member_tags(&doc), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if strings(prior, "thumbprint_list") != strings(p, "thumbprint_list") {
            api.iam(
                "UpdateOpenIDConnectProviderThumbprint",
                Params::new()
                    .set("OpenIDConnectProviderArn", id)
                    .list_member("ThumbprintList", &strings(p, "thumbprint_list")),
            )?;
        }
        let (old, new) = (
            strings(prior, "client_id_list"),
            strings(p, "client_id_list"),
        );
        for client in new.iter().filter(|c| !old.contains(c)) {
            api.iam(
                "AddClientIDToOpenIDConnectProvider",
                Params::new()
                    .set("OpenIDConnectProviderArn", id)
                    .set("ClientID", client.as_str()),
            )?;
        }
        for client in old.iter().filter(|c| !new.contains(c)) {
            api.iam(
                "RemoveClientIDFromOpenIDConnectProvider",
                Params::new()
                    .set("OpenIDConnectProviderArn", id)
                    .set("ClientID", client.as_str()),
            )?;
        }
        crate::tags::retag(
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
            |gone| {
                let mut params = Params::new().set("OpenIDConnectProviderArn", id);
                for (i, k) in gone.iter().enumerate() {
                    params = params.set(format!("TagKeys.member.{}", i + 1), k.as_str());
                }
                api.iam("UntagOpenIDConnectProvider", params).map(drop)
            },
            |set| {
                let params = tag_params(Params::new().set("OpenIDConnectProviderArn", id), set);
                api.iam("TagOpenIDConnectProvider", params).map(drop)
            },
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.iam(
                "DeleteOpenIDConnectProvider",
                Params::new().set("OpenIDConnectProviderArn", id),
            ),
            GONE,
        )
        .map(|_| ())
    }
}

// ---- aws_iam_policy_attachment ----------------------------------------------------

/// A managed policy attached to exactly these users, roles and groups:
/// the policy's attachments elsewhere are its own (read, and detached by
/// an apply), as with Terraform's. Its id is its name.
struct PolicyAttachment;

/// Each kind of entity: its argument, the actions that attach and detach
/// a policy, the parameter that names it, and the list
/// ListEntitiesForPolicy answers it in.
const ENTITIES: &[(&str, &str, &str, &str, &str)] = &[
    (
        "users",
        "AttachUserPolicy",
        "DetachUserPolicy",
        "UserName",
        "PolicyUsers",
    ),
    (
        "roles",
        "AttachRolePolicy",
        "DetachRolePolicy",
        "RoleName",
        "PolicyRoles",
    ),
    (
        "groups",
        "AttachGroupPolicy",
        "DetachGroupPolicy",
        "GroupName",
        "PolicyGroups",
    ),
];

impl Resource for PolicyAttachment {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy_attachment"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("name", required(Type::String).force_new()),
            ("policy_arn", required(Type::String).force_new()),
            ("users", optional(string_set())),
            ("roles", optional(string_set())),
            ("groups", optional(string_set())),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        self.update(api, api::req(p, "name")?, &Obj::new(), p)
    }

    /// Gone when the policy is, or is attached to nothing.
    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let arn = api::req(prior, "policy_arn")?;
        let Some(t) = api.maybe(
            api.iam("ListEntitiesForPolicy", Params::new().set("PolicyArn", arn)),
            GONE,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let name = s(prior, "name").unwrap_or(id);
        let mut o = Obj::new();
        o.insert("id".into(), json!(name));
        o.insert("name".into(), json!(name));
        o.insert("policy_arn".into(), json!(arn));
        let mut any = false;
        for (arg, _, _, name, list) in ENTITIES {
            let mut names: Vec<String> = doc
                .descendants()
                .filter(|n| n.has_tag_name(*list))
                .flat_map(|l| l.descendants().filter(|n| n.has_tag_name(*name)))
                .filter_map(|n| n.text().map(str::to_string))
                .collect();
            names.sort();
            any |= !names.is_empty();
            // An empty list reads as the configuration wrote it.
            let written_null = prior.get(*arg).is_none_or(|v| v.is_null());
            o.insert(
                (*arg).into(),
                if names.is_empty() && written_null {
                    json!(null)
                } else {
                    json!(names)
                },
            );
        }
        Ok(any.then_some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        let arn = api::req(p, "policy_arn")?;
        for (arg, attach, detach, name, _) in ENTITIES {
            let old = strings(prior, arg);
            let new = strings(p, arg);
            for entity in new.iter().filter(|e| !old.contains(e)) {
                api.iam(
                    attach,
                    Params::new().set(*name, entity).set("PolicyArn", arn),
                )?;
            }
            for entity in old.iter().filter(|e| !new.contains(e)) {
                api.maybe(
                    api.iam(
                        detach,
                        Params::new().set(*name, entity).set("PolicyArn", arn),
                    ),
                    GONE,
                )?;
            }
        }
        Ok(id.to_string())
    }

    /// `NAME:POLICY_ARN` (Terraform has no import for this type).
    fn import_id(&self, state: &Obj) -> String {
        format!(
            "{}:{}",
            s(state, "name").unwrap_or_default(),
            s(state, "policy_arn").unwrap_or_default()
        )
    }

    fn import_state(&self, id: &str) -> Obj {
        let (name, arn) = match id.split_once(":arn:") {
            Some((name, rest)) => (name.to_string(), format!("arn:{rest}")),
            None => (id.to_string(), String::new()),
        };
        let mut o = Obj::new();
        o.insert("id".into(), json!(name));
        o.insert("name".into(), json!(name));
        o.insert("policy_arn".into(), json!(arn));
        o
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        let mut none = prior.clone();
        for (arg, ..) in ENTITIES {
            none.remove(*arg);
        }
        self.update(api, id, prior, &none).map(|_| ())
    }
}
