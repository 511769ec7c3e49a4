//! IAM: roles, managed policies, role policy attachments and instance
//! profiles. Names are unique in an account, so each is also the token an
//! interrupted create is found by.

use super::{computed, defaulted, optional, required, tagged};
use crate::api::{self, b, parse, s, tags, Api, Obj, Params};
use crate::Resource;
use serde_json::{json, Value as J};
use std::collections::BTreeMap;
use std::sync::Arc;
use strata_aws_client::xml;
use strata_provider::{ProviderError, ProviderResult, Schema};
use strata_types::Type;

pub(crate) fn all() -> Vec<Arc<dyn Resource>> {
    vec![
        Arc::new(Role),
        Arc::new(Policy),
        Arc::new(RolePolicyAttachment),
        Arc::new(InstanceProfile),
    ]
}

pub(super) const GONE: &[&str] = &["NoSuchEntity"];

/// IAM returns policy documents percent-encoded.
fn decode(text: &str) -> String {
    let bytes = text.as_bytes();
    let mut out = Vec::with_capacity(bytes.len());
    let mut i = 0;
    while i < bytes.len() {
        if bytes[i] == b'%' && i + 2 < bytes.len() {
            if let Ok(v) = u8::from_str_radix(&text[i + 1..i + 3], 16) {
                out.push(v);
                i += 3;
                continue;
            }
        }
        out.push(bytes[i]);
        i += 1;
    }
    String::from_utf8_lossy(&out).into_owned()
}

/// A policy document as read, kept as written when it means the same.
pub(super) fn document(found: &str, prior: Option<&str>) -> String {
    let decoded = if found.trim_start().starts_with('{') {
        found.to_string()
    } else {
        decode(found)
    };
    match (
        serde_json::from_str::<J>(&decoded),
        prior.map(serde_json::from_str::<J>),
    ) {
        (Ok(a), Some(Ok(b))) if a == b => prior.unwrap_or_default().to_string(),
        _ => decoded,
    }
}

pub(super) fn tag_params(mut p: Params, tags: &BTreeMap<String, String>) -> Params {
    for (i, (k, v)) in tags.iter().enumerate() {
        p = p
            .set(format!("Tags.member.{}.Key", i + 1), k.as_str())
            .set(format!("Tags.member.{}.Value", i + 1), v.as_str());
    }
    p
}

pub(super) fn member_tags(doc: &xml::Document<'_>) -> BTreeMap<String, String> {
    xml::find(doc.root_element(), "Tags")
        .map(|t| {
            xml::children(t, "member")
                .filter_map(|m| {
                    Some((
                        xml::child_text(m, "Key")?,
                        xml::child_text(m, "Value").unwrap_or_default(),
                    ))
                })
                .collect()
        })
        .unwrap_or_default()
}

/// Tags through `Tag…`/`Untag…` with the object's key parameter.
fn retag(
    api: &Api,
    kind: &str,
    key: (&str, &str),
    old: &BTreeMap<String, String>,
    new: &BTreeMap<String, String>,
) -> ProviderResult<()> {
    crate::tags::retag(
        old,
        new,
        |gone| {
            let mut p = Params::new().set(key.0, key.1);
            for (i, k) in gone.iter().enumerate() {
                p = p.set(format!("TagKeys.member.{}", i + 1), k.as_str());
            }
            api.iam(&format!("Untag{kind}"), p).map(drop)
        },
        |set| {
            api.iam(
                &format!("Tag{kind}"),
                tag_params(Params::new().set(key.0, key.1), set),
            )
            .map(drop)
        },
    )
}

fn text(doc: &xml::Document<'_>, name: &str) -> Option<String> {
    api::find_text(doc, name)
}

// ---- aws_iam_role ----------------------------------------------------------------

struct Role;

impl Resource for Role {
    fn type_name(&self) -> &'static str {
        "aws_iam_role"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", defaulted(Type::String).force_new()),
            ("name_prefix", optional(Type::String).force_new()),
            ("path", defaulted(Type::String).force_new()),
            ("assume_role_policy", required(Type::String)),
            ("description", optional(Type::String)),
            ("max_session_duration", defaulted(Type::Number)),
            ("force_detach_policies", optional(Type::Bool)),
            ("permissions_boundary", optional(Type::String)),
            ("arn", computed(Type::String)),
            ("unique_id", computed(Type::String)),
            ("create_date", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"path": "/", "max_session_duration": 3600})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = super::generated_name(p);
        api.iam(
            "CreateRole",
            tag_params(
                Params::new()
                    .set("RoleName", name.as_str())
                    .set(
                        "AssumeRolePolicyDocument",
                        api::req(p, "assume_role_policy")?,
                    )
                    .opt("Path", s(p, "path"))
                    .opt("Description", s(p, "description"))
                    .opt("PermissionsBoundary", s(p, "permissions_boundary"))
                    .opt(
                        "MaxSessionDuration",
                        api::n(p, "max_session_duration").map(|n| n.to_string()),
                    ),
                &api.tags_all(&tags(p, "tags")),
            ),
        )?;
        Ok(name)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(api.iam("GetRole", Params::new().set("RoleName", id)), GONE)?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        for (k, x) in [
            ("arn", "Arn"),
            ("unique_id", "RoleId"),
            ("create_date", "CreateDate"),
            ("path", "Path"),
            ("description", "Description"),
        ] {
            o.insert(k.into(), json!(text(&doc, x)));
        }
        o.insert(
            "permissions_boundary".into(),
            json!(text(&doc, "PermissionsBoundaryArn")),
        );
        o.insert(
            "max_session_duration".into(),
            json!(text(&doc, "MaxSessionDuration")
                .and_then(|d| d.parse::<i64>().ok())
                .unwrap_or(3600)),
        );
        o.insert(
            "assume_role_policy".into(),
            json!(document(
                &text(&doc, "AssumeRolePolicyDocument").unwrap_or_default(),
                s(prior, "assume_role_policy")
            )),
        );
        let tags_text = api.iam("ListRoleTags", Params::new().set("RoleName", id))?;
        api.read_tags(&mut o, member_tags(&parse(&tags_text)?), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "permissions_boundary") != s(p, "permissions_boundary") {
            match s(p, "permissions_boundary") {
                Some(arn) => api.iam(
                    "PutRolePermissionsBoundary",
                    Params::new()
                        .set("RoleName", id)
                        .set("PermissionsBoundary", arn),
                )?,
                None => api.iam(
                    "DeleteRolePermissionsBoundary",
                    Params::new().set("RoleName", id),
                )?,
            };
        }
        if s(prior, "assume_role_policy") != s(p, "assume_role_policy") {
            api.iam(
                "UpdateAssumeRolePolicy",
                Params::new()
                    .set("RoleName", id)
                    .set("PolicyDocument", api::req(p, "assume_role_policy")?),
            )?;
        }
        if s(prior, "description") != s(p, "description")
            || api::n(prior, "max_session_duration") != api::n(p, "max_session_duration")
        {
            api.iam(
                "UpdateRole",
                Params::new()
                    .set("RoleName", id)
                    .set("Description", s(p, "description").unwrap_or_default())
                    .opt(
                        "MaxSessionDuration",
                        api::n(p, "max_session_duration").map(|n| n.to_string()),
                    ),
            )?;
        }
        retag(
            api,
            "Role",
            ("RoleName", id),
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        // Instance profiles hold roles; Terraform takes the role out first.
        if let Some(t) = api.maybe(
            api.iam(
                "ListInstanceProfilesForRole",
                Params::new().set("RoleName", id),
            ),
            GONE,
        )? {
            let doc = parse(&t)?;
            for n in doc
                .descendants()
                .filter(|n| n.has_tag_name("InstanceProfileName"))
            {
                if let Some(profile) = n.text() {
                    api.iam(
                        "RemoveRoleFromInstanceProfile",
                        Params::new()
                            .set("InstanceProfileName", profile)
                            .set("RoleName", id),
                    )?;
                }
            }
        }
        if b(prior, "force_detach_policies") == Some(true) {
            let t = api.iam(
                "ListAttachedRolePolicies",
                Params::new().set("RoleName", id),
            )?;
            let doc = parse(&t)?;
            for n in doc.descendants().filter(|n| n.has_tag_name("PolicyArn")) {
                if let Some(arn) = n.text() {
                    api.iam(
                        "DetachRolePolicy",
                        Params::new().set("RoleName", id).set("PolicyArn", arn),
                    )?;
                }
            }
        }
        api.maybe(
            api.iam("DeleteRole", Params::new().set("RoleName", id)),
            GONE,
        )
        .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

// ---- aws_iam_policy --------------------------------------------------------------

struct Policy;

fn policy_versions(api: &Api, arn: &str) -> ProviderResult<Vec<(String, bool)>> {
    let t = api.iam("ListPolicyVersions", Params::new().set("PolicyArn", arn))?;
    let doc = parse(&t)?;
    let mut out: Vec<(String, bool)> = doc
        .descendants()
        .filter(|n| n.has_tag_name("member") && xml::child(*n, "VersionId").is_some())
        .map(|m| {
            (
                xml::child_text(m, "VersionId").unwrap_or_default(),
                xml::child_text(m, "IsDefaultVersion").as_deref() == Some("true"),
            )
        })
        .collect();
    out.sort_by_key(|(v, _)| v.trim_start_matches('v').parse::<u64>().unwrap_or(0));
    Ok(out)
}

impl Resource for Policy {
    fn type_name(&self) -> &'static str {
        "aws_iam_policy"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", defaulted(Type::String).force_new()),
            ("name_prefix", optional(Type::String).force_new()),
            ("path", defaulted(Type::String).force_new()),
            ("description", optional(Type::String).force_new()),
            ("policy", required(Type::String)),
            ("arn", computed(Type::String)),
            ("policy_id", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"path": "/"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let t = api.iam(
            "CreatePolicy",
            tag_params(
                Params::new()
                    .set("PolicyName", super::generated_name(p))
                    .set("PolicyDocument", api::req(p, "policy")?)
                    .opt("Path", s(p, "path"))
                    .opt("Description", s(p, "description")),
                &api.tags_all(&tags(p, "tags")),
            ),
        )?;
        text(&parse(&t)?, "Arn").ok_or_else(|| ProviderError::failed("CreatePolicy", "no Arn"))
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(
            api.iam("GetPolicy", Params::new().set("PolicyArn", id)),
            GONE,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let version = text(&doc, "DefaultVersionId").unwrap_or_else(|| "v1".into());
        let v = api.iam(
            "GetPolicyVersion",
            Params::new().set("PolicyArn", id).set("VersionId", version),
        )?;
        let vdoc = parse(&v)?;
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("arn".into(), json!(id));
        for (k, x) in [
            ("name", "PolicyName"),
            ("path", "Path"),
            ("description", "Description"),
            ("policy_id", "PolicyId"),
        ] {
            o.insert(k.into(), json!(text(&doc, x)));
        }
        o.insert(
            "policy".into(),
            json!(document(
                &text(&vdoc, "Document").unwrap_or_default(),
                s(prior, "policy")
            )),
        );
        let tags_text = api.iam("ListPolicyTags", Params::new().set("PolicyArn", id))?;
        api.read_tags(&mut o, member_tags(&parse(&tags_text)?), prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "policy") != s(p, "policy") {
            // Five versions at most: the oldest non-default one goes.
            let versions = policy_versions(api, id)?;
            if versions.len() >= 5 {
                if let Some((oldest, _)) = versions.iter().find(|(_, default)| !default) {
                    api.iam(
                        "DeletePolicyVersion",
                        Params::new().set("PolicyArn", id).set("VersionId", oldest),
                    )?;
                }
            }
            api.iam(
                "CreatePolicyVersion",
                Params::new()
                    .set("PolicyArn", id)
                    .set("PolicyDocument", api::req(p, "policy")?)
                    .set("SetAsDefault", "true"),
            )?;
        }
        retag(
            api,
            "Policy",
            ("PolicyArn", id),
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<()> {
        let Some(_) = api.maybe(
            api.iam("GetPolicy", Params::new().set("PolicyArn", id)),
            GONE,
        )?
        else {
            return Ok(());
        };
        for (version, default) in policy_versions(api, id)? {
            if !default {
                api.iam(
                    "DeletePolicyVersion",
                    Params::new().set("PolicyArn", id).set("VersionId", version),
                )?;
            }
        }
        api.maybe(
            api.iam("DeletePolicy", Params::new().set("PolicyArn", id)),
            GONE,
        )
        .map(|_| ())
    }

    fn token(&self, planned: &Obj) -> Option<String> {
        s(planned, "name").map(str::to_string)
    }

    fn find(&self, api: &Api, token: &str, _planned: &Obj) -> ProviderResult<Option<String>> {
        // IAM has no filter by name: the account's policies are listed a
        // page (100 by default) at a time.
        let mut marker: Option<String> = None;
        loop {
            let t = api.iam(
                "ListPolicies",
                Params::new()
                    .set("Scope", "Local")
                    .opt("Marker", marker.take()),
            )?;
            let doc = parse(&t)?;
            let found = doc
                .descendants()
                .filter(|n| n.has_tag_name("member"))
                .find(|m| xml::child_text(*m, "PolicyName").as_deref() == Some(token))
                .and_then(|m| xml::child_text(m, "Arn"));
            if found.is_some() {
                return Ok(found);
            }
            let text = |name| {
                xml::find(doc.root_element(), name).and_then(|n| n.text().map(str::to_string))
            };
            let truncated = text("IsTruncated").as_deref() == Some("true");
            marker = text("Marker");
            if !truncated || marker.is_none() {
                return Ok(None);
            }
        }
    }
}

// ---- aws_iam_role_policy_attachment ----------------------------------------------

struct RolePolicyAttachment;

impl Resource for RolePolicyAttachment {
    fn type_name(&self) -> &'static str {
        "aws_iam_role_policy_attachment"
    }

    fn schema(&self) -> Schema {
        Schema::new([
            ("id", computed(Type::String)),
            ("role", required(Type::String).force_new()),
            ("policy_arn", required(Type::String).force_new()),
        ])
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let role = api::req(p, "role")?;
        let arn = api::req(p, "policy_arn")?;
        api.iam(
            "AttachRolePolicy",
            Params::new().set("RoleName", role).set("PolicyArn", arn),
        )?;
        Ok(format!("{role}/{arn}"))
    }

    fn read(&self, api: &Api, id: &str, _prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some((role, arn)) = id.split_once('/') else {
            return Err(ProviderError::failed(
                "Invalid id",
                format!("{id:?} is not ROLE/POLICY_ARN"),
            ));
        };
        let Some(t) = api.maybe(
            api.iam(
                "ListAttachedRolePolicies",
                Params::new().set("RoleName", role),
            ),
            GONE,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let attached = doc
            .descendants()
            .any(|n| n.has_tag_name("PolicyArn") && n.text() == Some(arn));
        Ok(attached.then(|| {
            let mut o = Obj::new();
            o.insert("id".into(), json!(id));
            o.insert("role".into(), json!(role));
            o.insert("policy_arn".into(), json!(arn));
            o
        }))
    }

    fn delete(&self, api: &Api, _id: &str, prior: &Obj) -> ProviderResult<()> {
        api.maybe(
            api.iam(
                "DetachRolePolicy",
                Params::new()
                    .set("RoleName", api::req(prior, "role")?)
                    .set("PolicyArn", api::req(prior, "policy_arn")?),
            ),
            GONE,
        )
        .map(|_| ())
    }

    fn token(&self, planned: &Obj) -> Option<String> {
        Some(format!(
            "{}/{}",
            s(planned, "role")?,
            s(planned, "policy_arn")?
        ))
    }

    fn find(&self, api: &Api, token: &str, planned: &Obj) -> ProviderResult<Option<String>> {
        Ok(self.read(api, token, planned)?.map(|_| token.to_string()))
    }
}

// ---- aws_iam_instance_profile ----------------------------------------------------

struct InstanceProfile;

fn profile_role(api: &Api, action: &str, profile: &str, role: &str) -> ProviderResult<()> {
    api.iam(
        action,
        Params::new()
            .set("InstanceProfileName", profile)
            .set("RoleName", role),
    )
    .map(|_| ())
}

impl Resource for InstanceProfile {
    fn type_name(&self) -> &'static str {
        "aws_iam_instance_profile"
    }

    fn schema(&self) -> Schema {
        tagged(vec![
            ("name", defaulted(Type::String).force_new()),
            ("name_prefix", optional(Type::String).force_new()),
            ("path", defaulted(Type::String).force_new()),
            ("role", optional(Type::String)),
            ("arn", computed(Type::String)),
            ("unique_id", computed(Type::String)),
            ("create_date", computed(Type::String)),
        ])
    }

    fn plan_known(&self, _config: &Obj) -> Obj {
        json!({"path": "/"})
            .as_object()
            .cloned()
            .unwrap_or_default()
    }

    fn create(&self, api: &Api, p: &Obj) -> ProviderResult<String> {
        let name = super::generated_name(p);
        api.iam(
            "CreateInstanceProfile",
            tag_params(
                Params::new()
                    .set("InstanceProfileName", name.as_str())
                    .opt("Path", s(p, "path")),
                &api.tags_all(&tags(p, "tags")),
            ),
        )?;
        if let Some(role) = s(p, "role") {
            profile_role(api, "AddRoleToInstanceProfile", &name, role)?;
        }
        Ok(name)
    }

    fn read(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<Option<Obj>> {
        let Some(t) = api.maybe(
            api.iam(
                "GetInstanceProfile",
                Params::new().set("InstanceProfileName", id),
            ),
            GONE,
        )?
        else {
            return Ok(None);
        };
        let doc = parse(&t)?;
        let profile = xml::find(doc.root_element(), "InstanceProfile");
        let own = |name: &str| profile.and_then(|p| xml::child_text(p, name));
        let role = xml::find(doc.root_element(), "Roles")
            .and_then(|r| xml::children(r, "member").next())
            .and_then(|m| xml::child_text(m, "RoleName"));
        let mut o = Obj::new();
        o.insert("id".into(), json!(id));
        o.insert("name".into(), json!(id));
        o.insert("path".into(), json!(own("Path")));
        o.insert("arn".into(), json!(own("Arn")));
        o.insert("unique_id".into(), json!(own("InstanceProfileId")));
        o.insert("create_date".into(), json!(own("CreateDate")));
        o.insert("role".into(), json!(role));
        let found_tags: BTreeMap<String, String> = profile
            .and_then(|p| xml::child(p, "Tags"))
            .map(|t| {
                xml::children(t, "member")
                    .filter_map(|m| {
                        Some((
                            xml::child_text(m, "Key")?,
                            xml::child_text(m, "Value").unwrap_or_default(),
                        ))
                    })
                    .collect()
            })
            .unwrap_or_default();
        api.read_tags(&mut o, found_tags, prior);
        Ok(Some(o))
    }

    fn update(&self, api: &Api, id: &str, prior: &Obj, p: &Obj) -> ProviderResult<String> {
        if s(prior, "role") != s(p, "role") {
            if let Some(old) = s(prior, "role") {
                profile_role(api, "RemoveRoleFromInstanceProfile", id, old)?;
            }
            if let Some(new) = s(p, "role") {
                profile_role(api, "AddRoleToInstanceProfile", id, new)?;
            }
        }
        retag(
            api,
            "InstanceProfile",
            ("InstanceProfileName", id),
            &tags(prior, "tags_all"),
            &api.tags_all(&tags(p, "tags")),
        )?;
        Ok(id.to_string())
    }

    fn delete(&self, api: &Api, id: &str, prior: &Obj) -> ProviderResult<()> {
        if let Some(role) = s(prior, "role") {
            let _ = profile_role(api, "RemoveRoleFromInstanceProfile", id, role);
        }
        api.maybe(
            api.iam(
                "DeleteInstanceProfile",
                Params::new().set("InstanceProfileName", id),
            ),
            GONE,
        )
        .map(|_| ())
    }

    fn name_attribute(&self) -> Option<&'static str> {
        Some("name")
    }
}

#[cfg(test)]
mod tests {
    #[test]
    fn policy_documents_decode_and_keep_their_written_form() {
        assert_eq!(super::decode("%7B%22a%22%3A1%7D"), "{\"a\":1}");
        let written = "{\n  \"Version\": \"2012-10-17\"\n}";
        assert_eq!(
            super::document("%7B%22Version%22%3A%222012-10-17%22%7D", Some(written)),
            written
        );
        assert_eq!(
            super::document("{\"Version\":\"2008-10-17\"}", Some(written)),
            "{\"Version\":\"2008-10-17\"}"
        );
    }
}
