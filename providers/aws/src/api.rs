//! The calls the resources make: query-protocol actions (EC2, IAM, STS,
//! Auto Scaling), JSON-protocol targets, REST paths, with AWS errors
//! turned into diagnostics that name the service, code and message.

use serde_json::{Map, Value as J};
use std::collections::BTreeMap;
use strata_aws_client::{xml, Client, Request};
use strata_provider::ProviderError;

pub(crate) type Obj = Map<String, J>;

#[derive(Clone)]
pub(crate) struct Api {
    pub(crate) client: std::sync::Arc<Client>,
    pub(crate) default_tags: BTreeMap<String, String>,
    pub(crate) region: String,
    /// How long waiters of the operation at hand may wait: what the
    /// resource's `timeouts` block asks for, else each waiter's default.
    pub(crate) wait_limit: Option<std::time::Duration>,
    /// The account the credentials belong to, asked of STS once.
    pub(crate) account: std::sync::Arc<std::sync::OnceLock<String>>,
}

impl Api {
    /// This connection for one operation whose waiters wait up to `limit`.
    pub(crate) fn with_wait_limit(&self, limit: Option<std::time::Duration>) -> Api {
        Api {
            wait_limit: limit,
            ..self.clone()
        }
    }

    /// The account the credentials belong to (STS `GetCallerIdentity`,
    /// asked once per connection), for the ARNs EC2 does not return.
    pub(crate) fn account_id(&self) -> Result<String, ProviderError> {
        if let Some(account) = self.account.get() {
            return Ok(account.clone());
        }
        let t = self.sts("GetCallerIdentity", Params::new())?;
        let account = find_text(&parse(&t)?, "Account").unwrap_or_default();
        Ok(self.account.get_or_init(|| account).clone())
    }
}

pub(crate) const EC2_VERSION: &str = "2016-11-15";
pub(crate) const IAM_VERSION: &str = "2010-05-08";
pub(crate) const STS_VERSION: &str = "2011-06-15";
pub(crate) const AUTOSCALING_VERSION: &str = "2011-01-01";

/// An AWS error as a provider error.
pub fn failure(what: &str, e: strata_aws_client::Error) -> ProviderError {
    match &e {
        strata_aws_client::Error::Api { code, message, .. } => ProviderError::Failed {
            summary: format!("{what}: {code}"),
            detail: message.clone(),
            attribute: None,
            code: Some(code.clone()),
        },
        other => ProviderError::failed(what.to_string(), other.to_string()),
    }
}

/// Query parameters in AWS's flattened form.
#[derive(Default)]
pub(crate) struct Params(pub(crate) Vec<(String, String)>);

impl Params {
    pub(crate) fn new() -> Params {
        Params::default()
    }

    pub(crate) fn set(mut self, k: impl Into<String>, v: impl Into<String>) -> Params {
        self.0.push((k.into(), v.into()));
        self
    }

    pub(crate) fn opt(self, k: &str, v: Option<impl Into<String>>) -> Params {
        match v {
            Some(v) => self.set(k, v),
            None => self,
        }
    }

    /// `Prefix.1`, `Prefix.2`, … (EC2 lists; IAM lists use `.member.N`).
    pub(crate) fn list(mut self, prefix: &str, items: &[String]) -> Params {
        for (i, v) in items.iter().enumerate() {
            self.0.push((format!("{prefix}.{}", i + 1), v.clone()));
        }
        self
    }

    /// `Prefix.member.1`, `Prefix.member.2`, … (IAM lists).
    pub(crate) fn list_member(mut self, prefix: &str, items: &[String]) -> Params {
        for (i, v) in items.iter().enumerate() {
            self.0
                .push((format!("{prefix}.member.{}", i + 1), v.clone()));
        }
        self
    }

    /// EC2 tags at create: `TagSpecification.1.ResourceType=…`.
    pub(crate) fn tag_spec(
        mut self,
        resource_type: &str,
        tags: &BTreeMap<String, String>,
    ) -> Params {
        if tags.is_empty() {
            return self;
        }
        self.0.push((
            "TagSpecification.1.ResourceType".into(),
            resource_type.into(),
        ));
        for (i, (k, v)) in tags.iter().enumerate() {
            self.0
                .push((format!("TagSpecification.1.Tag.{}.Key", i + 1), k.clone()));
            self.0
                .push((format!("TagSpecification.1.Tag.{}.Value", i + 1), v.clone()));
        }
        self
    }
}

impl Api {
    /// A query-protocol action of any service.
    pub(crate) fn query(
        &self,
        service: &str,
        version: &str,
        action: &str,
        params: Params,
    ) -> Result<String, ProviderError> {
        self.client
            .send(&Request::query_action(service, action, version, &params.0))
            .map(|r| r.text())
            .map_err(|e| failure(&format!("{service} {action}"), e))
    }

    pub(crate) fn ec2(&self, action: &str, params: Params) -> Result<String, ProviderError> {
        self.query("ec2", EC2_VERSION, action, params)
    }

    pub(crate) fn iam(&self, action: &str, params: Params) -> Result<String, ProviderError> {
        self.query("iam", IAM_VERSION, action, params)
    }

    pub(crate) fn sts(&self, action: &str, params: Params) -> Result<String, ProviderError> {
        self.query("sts", STS_VERSION, action, params)
    }

    pub(crate) fn autoscaling(
        &self,
        action: &str,
        params: Params,
    ) -> Result<String, ProviderError> {
        self.query("autoscaling", AUTOSCALING_VERSION, action, params)
    }

    /// An EC2/IAM call whose "not found" error means the object is gone.
    pub(crate) fn maybe(
        &self,
        result: Result<String, ProviderError>,
        not_found: &[&str],
    ) -> Result<Option<String>, ProviderError> {
        match result {
            Ok(t) => Ok(Some(t)),
            Err(e) if e.has_code(not_found) => Ok(None),
            Err(e) => Err(e),
        }
    }

    /// A JSON-protocol call.
    pub(crate) fn json(&self, service: &str, target: &str, body: J) -> Result<J, ProviderError> {
        self.client
            .send(&Request::json_target(service, target, &body))
            .map(|r| r.json().unwrap_or(J::Null))
            .map_err(|e| failure(&format!("{service} {target}"), e))
    }

    /// A JSON 1.1 call (EMR, SageMaker): the target names the service
    /// prefix and operation, such as `SageMaker.CreateModel`.
    pub(crate) fn json11(&self, service: &str, target: &str, body: J) -> Result<J, ProviderError> {
        let request = Request::json_target_version(service, target, "1.1", &body);
        self.client
            .send(&request)
            .map(|r| r.json().unwrap_or(J::Null))
            .map_err(|e| failure(&format!("{service} {target}"), e))
    }

    /// A REST-JSON call (EKS, Batch): `None` when the answer is 404.
    pub(crate) fn rest(
        &self,
        service: &str,
        method: &'static str,
        path: &str,
        body: Option<J>,
    ) -> Result<Option<J>, ProviderError> {
        self.rest_request(Request::new(service, method, path), body)
    }

    /// The same with query parameters.
    pub(crate) fn rest_query(
        &self,
        service: &str,
        method: &'static str,
        path: &str,
        query: &[(&str, &str)],
    ) -> Result<Option<J>, ProviderError> {
        let mut request = Request::new(service, method, path);
        for (k, v) in query {
            request = request.query(k, *v);
        }
        self.rest_request(request, None)
    }

    /// The same with a path of whole segments (an ARN is one segment).
    pub(crate) fn rest_at(
        &self,
        service: &str,
        method: &'static str,
        segments: &[&str],
        body: Option<J>,
    ) -> Result<Option<J>, ProviderError> {
        self.rest_request(Request::segments(service, method, segments), body)
    }

    fn rest_request(
        &self,
        mut request: Request,
        body: Option<J>,
    ) -> Result<Option<J>, ProviderError> {
        let (service, method, path) = (
            request.service.clone(),
            request.method,
            request.path.clone(),
        );
        if let Some(b) = body {
            request = request
                .header("content-type", "application/json")
                .body(serde_json::to_vec(&b).expect("JSON serializes"));
        }
        match self.client.send(&request) {
            Ok(r) => Ok(Some(r.json().unwrap_or(J::Null))),
            Err(e) if e.status() == Some(404) => Ok(None),
            Err(e) => Err(failure(&format!("{service} {method} {path}"), e)),
        }
    }

    pub(crate) fn send(
        &self,
        what: &str,
        request: Request,
    ) -> Result<strata_aws_client::Response, ProviderError> {
        self.client.send(&request).map_err(|e| failure(what, e))
    }

    /// The tags an object gets: the provider's default_tags under its own.
    pub(crate) fn tags_all(&self, tags: &BTreeMap<String, String>) -> BTreeMap<String, String> {
        let mut all = self.default_tags.clone();
        all.extend(tags.iter().map(|(k, v)| (k.clone(), v.clone())));
        all
    }

    /// `tags` and `tags_all` as read: all the object's tags, and those the
    /// configuration owns (default tags with their default value left out).
    pub(crate) fn read_tags(&self, obj: &mut Obj, found: BTreeMap<String, String>, prior: &Obj) {
        let own: BTreeMap<String, String> = found
            .iter()
            .filter(|(k, v)| {
                self.default_tags.get(*k) != Some(*v) || tags(prior, "tags").contains_key(*k)
            })
            .map(|(k, v)| (k.clone(), v.clone()))
            .collect();
        let prior_null = prior.get("tags").is_none_or(J::is_null);
        obj.insert(
            "tags".into(),
            if own.is_empty() && prior_null {
                J::Null
            } else {
                map_json(&own)
            },
        );
        obj.insert("tags_all".into(), map_json(&found));
    }

    /// Moves an EC2 object's tags from the prior object's to the planned
    /// configuration's (default tags included).
    pub(crate) fn retag_ec2(
        &self,
        id: &str,
        prior: &Obj,
        planned: &Obj,
    ) -> Result<(), ProviderError> {
        self.ec2_set_tags(
            id,
            &tags(prior, "tags_all"),
            &self.tags_all(&tags(planned, "tags")),
        )
    }

    pub(crate) fn ec2_set_tags(
        &self,
        id: &str,
        old: &BTreeMap<String, String>,
        new: &BTreeMap<String, String>,
    ) -> Result<(), ProviderError> {
        crate::tags::retag(
            old,
            new,
            |gone| {
                let mut p = Params::new().set("ResourceId.1", id);
                for (i, k) in gone.iter().enumerate() {
                    p = p.set(format!("Tag.{}.Key", i + 1), k.as_str());
                }
                self.ec2("DeleteTags", p).map(drop)
            },
            |set| {
                let mut p = Params::new().set("ResourceId.1", id);
                for (i, (k, v)) in set.iter().enumerate() {
                    p = p
                        .set(format!("Tag.{}.Key", i + 1), k.as_str())
                        .set(format!("Tag.{}.Value", i + 1), v.as_str());
                }
                self.ec2("CreateTags", p).map(drop)
            },
        )
    }
}

// ---- JSON object helpers ---------------------------------------------------------

pub(crate) fn s<'a>(o: &'a Obj, k: &str) -> Option<&'a str> {
    o.get(k).and_then(J::as_str)
}

pub(crate) fn req<'a>(o: &'a Obj, k: &str) -> Result<&'a str, ProviderError> {
    s(o, k).ok_or_else(|| ProviderError::at("Missing argument", format!("{k} is required"), k))
}

pub(crate) fn b(o: &Obj, k: &str) -> Option<bool> {
    o.get(k).and_then(J::as_bool)
}

pub(crate) fn n(o: &Obj, k: &str) -> Option<i64> {
    o.get(k)
        .and_then(|v| v.as_i64().or_else(|| v.as_f64().map(|f| f as i64)))
}

pub(crate) fn strings(o: &Obj, k: &str) -> Vec<String> {
    o.get(k)
        .and_then(J::as_array)
        .map(|a| {
            a.iter()
                .filter_map(|v| v.as_str().map(str::to_string))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn tags(o: &Obj, k: &str) -> BTreeMap<String, String> {
    o.get(k)
        .and_then(J::as_object)
        .map(|m| {
            m.iter()
                .filter_map(|(k, v)| v.as_str().map(|v| (k.clone(), v.to_string())))
                .collect()
        })
        .unwrap_or_default()
}

pub(crate) fn map_json(m: &BTreeMap<String, String>) -> J {
    J::Object(
        m.iter()
            .map(|(k, v)| (k.clone(), J::String(v.clone())))
            .collect(),
    )
}

pub(crate) fn blocks<'a>(o: &'a Obj, k: &str) -> Vec<&'a Obj> {
    match o.get(k) {
        Some(J::Array(a)) => a.iter().filter_map(J::as_object).collect(),
        Some(J::Object(m)) => vec![m],
        _ => Vec::new(),
    }
}

// ---- XML helpers ------------------------------------------------------------------

pub(crate) fn text(node: xml::Node<'_, '_>, name: &str) -> Option<String> {
    xml::child_text(node, name)
}

/// EC2's `<tagSet><item><key/><value/></item></tagSet>`.
pub(crate) fn ec2_tags(node: xml::Node<'_, '_>) -> BTreeMap<String, String> {
    xml::child(node, "tagSet")
        .map(|set| {
            xml::children(set, "item")
                .filter_map(|i| Some((text(i, "key")?, text(i, "value").unwrap_or_default())))
                .collect()
        })
        .unwrap_or_default()
}

/// The `item`s of the first `NAME` set anywhere in the document.
pub(crate) fn items<'a, 'i>(doc: &'a xml::Document<'i>, set: &str) -> Vec<xml::Node<'a, 'i>> {
    xml::find(doc.root_element(), set)
        .map(|n| xml::children(n, "item").collect())
        .unwrap_or_default()
}

pub(crate) fn parse(text: &str) -> Result<xml::Document<'_>, ProviderError> {
    xml::parse(text).map_err(|e| ProviderError::failed("Unreadable AWS answer", e))
}

pub(crate) fn find_text(doc: &xml::Document<'_>, name: &str) -> Option<String> {
    xml::find(doc.root_element(), name).and_then(|n| n.text().map(str::to_string))
}

/// `prior` when everything it sets is what `found` says (AWS filled in
/// the rest), else `found`: reads keep the configuration's shape.
pub(crate) fn prefer_prior(prior: Option<&J>, found: J) -> J {
    fn covers(p: &J, f: &J) -> bool {
        match (p, f) {
            (J::Null, _) => true,
            (J::Object(pm), J::Object(fm)) => pm
                .iter()
                .all(|(k, v)| covers(v, fm.get(k).unwrap_or(&J::Null))),
            (J::Array(pa), J::Array(fa)) => {
                pa.len() == fa.len() && pa.iter().all(|p| fa.iter().any(|f| covers(p, f)))
            }
            (J::Number(a), J::Number(b)) => a.as_f64() == b.as_f64(),
            (J::Number(a), J::String(b)) | (J::String(b), J::Number(a)) => {
                b.parse::<f64>().ok() == a.as_f64()
            }
            _ => p == f,
        }
    }
    let empty = |j: &J| j.is_null() || j.as_array().is_some_and(Vec::is_empty);
    match prior {
        // No blocks configured and none found: keep the configuration's null.
        Some(p) if empty(p) && empty(&found) => p.clone(),
        Some(p) if !p.is_null() && covers(p, &found) => p.clone(),
        _ => found,
    }
}

/// CRC-32 (IEEE): the hash the Terraform AWS provider derives some ids
/// from (a policy document's, a route's).
pub(crate) fn crc32(bytes: &[u8]) -> u32 {
    let mut crc = !0u32;
    for &b in bytes {
        crc ^= u32::from(b);
        for _ in 0..8 {
            crc = if crc & 1 == 1 {
                (crc >> 1) ^ 0xEDB8_8320
            } else {
                crc >> 1
            };
        }
    }
    !crc
}

#[cfg(test)]
mod tests {
    #[test]
    fn crc32_is_ieee() {
        assert_eq!(super::crc32(b"123456789"), 0xCBF4_3926);
    }

    /// What is retried or read as "gone" is decided on AWS's error code,
    /// never on how a message happens to end.
    #[test]
    fn errors_are_classified_by_their_code() {
        let gone = super::failure(
            "DescribeVpcs",
            strata_aws_client::Error::Api {
                service: "ec2".into(),
                status: 400,
                request_id: None,
                code: "InvalidVpcID.NotFound".into(),
                message: "The vpc ID 'vpc-1' does not exist".into(),
            },
        );
        assert!(gone.has_code(&["InvalidVpcID.NotFound"]));
        assert!(!gone.has_code(&["NotFound"]));
        let worded = strata_provider::ProviderError::failed(
            "Cannot delete: DependencyViolation",
            "a message that merely ends like a code",
        );
        assert!(!worded.has_code(&["DependencyViolation"]));
    }
}
