//! Credentials from the usual chain: static values from configuration,
//! then the environment, then the shared credentials and config files
//! under a profile.

use std::collections::BTreeMap;
use std::path::PathBuf;

#[derive(Clone, PartialEq, Eq)]
pub struct Credentials {
    pub access_key: String,
    pub secret_key: String,
    pub session_token: Option<String>,
}

impl std::fmt::Debug for Credentials {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        // Never print the secret.
        f.debug_struct("Credentials")
            .field("access_key", &self.access_key)
            .finish_non_exhaustive()
    }
}

/// Where to look for credentials, as the Terraform AWS provider and S3
/// backend name the arguments.
#[derive(Clone, Debug, Default)]
pub struct CredentialSource {
    pub access_key: Option<String>,
    pub secret_key: Option<String>,
    pub token: Option<String>,
    pub profile: Option<String>,
    pub shared_credentials_files: Vec<PathBuf>,
    pub shared_config_files: Vec<PathBuf>,
}

/// Reads an INI file into sections of key/value pairs.
fn ini(text: &str) -> BTreeMap<String, BTreeMap<String, String>> {
    let mut sections: BTreeMap<String, BTreeMap<String, String>> = BTreeMap::new();
    let mut current: Option<String> = None;
    for line in text.lines() {
        let line = line.trim();
        if line.is_empty() || line.starts_with('#') || line.starts_with(';') {
            continue;
        }
        if let Some(name) = line.strip_prefix('[').and_then(|l| l.strip_suffix(']')) {
            current = Some(name.trim().to_string());
            sections.entry(name.trim().to_string()).or_default();
        } else if let (Some(section), Some((k, v))) = (&current, line.split_once('=')) {
            sections
                .entry(section.clone())
                .or_default()
                .insert(k.trim().to_string(), v.trim().to_string());
        }
    }
    sections
}

fn home() -> Option<PathBuf> {
    std::env::var_os("HOME").map(PathBuf::from)
}

fn env(name: &str) -> Option<String> {
    std::env::var(name).ok().filter(|v| !v.is_empty())
}

fn from_section(section: &BTreeMap<String, String>) -> Option<Credentials> {
    Some(Credentials {
        access_key: section.get("aws_access_key_id")?.clone(),
        secret_key: section.get("aws_secret_access_key")?.clone(),
        session_token: section.get("aws_session_token").cloned(),
    })
}

impl CredentialSource {
    /// The profile in effect: configured, then AWS_PROFILE, then "default".
    pub fn profile_name(&self) -> String {
        self.profile
            .clone()
            .or_else(|| env("AWS_PROFILE"))
            .unwrap_or_else(|| "default".into())
    }

    fn credential_files(&self) -> Vec<PathBuf> {
        if !self.shared_credentials_files.is_empty() {
            return self.shared_credentials_files.clone();
        }
        env("AWS_SHARED_CREDENTIALS_FILE")
            .map(PathBuf::from)
            .or_else(|| home().map(|h| h.join(".aws/credentials")))
            .into_iter()
            .collect()
    }

    fn config_files(&self) -> Vec<PathBuf> {
        if !self.shared_config_files.is_empty() {
            return self.shared_config_files.clone();
        }
        env("AWS_CONFIG_FILE")
            .map(PathBuf::from)
            .or_else(|| home().map(|h| h.join(".aws/config")))
            .into_iter()
            .collect()
    }

    /// A setting of the profile in the shared config file (`region`, …).
    pub fn profile_setting(&self, key: &str) -> Option<String> {
        let profile = self.profile_name();
        let section = if profile == "default" {
            "default".to_string()
        } else {
            format!("profile {profile}")
        };
        self.config_files().iter().find_map(|path| {
            let text = std::fs::read_to_string(path).ok()?;
            ini(&text).get(&section)?.get(key).cloned()
        })
    }

    /// Resolves credentials, or says where it looked.
    pub fn resolve(&self) -> Result<Credentials, String> {
        match (&self.access_key, &self.secret_key) {
            (Some(a), Some(s)) => {
                return Ok(Credentials {
                    access_key: a.clone(),
                    secret_key: s.clone(),
                    session_token: self.token.clone(),
                })
            }
            (Some(_), None) | (None, Some(_)) => {
                return Err("access_key and secret_key must be given together".into())
            }
            (None, None) => {}
        }
        // An explicit profile takes precedence over the environment's keys.
        if self.profile.is_none() {
            if let (Some(a), Some(s)) = (env("AWS_ACCESS_KEY_ID"), env("AWS_SECRET_ACCESS_KEY")) {
                return Ok(Credentials {
                    access_key: a,
                    secret_key: s,
                    session_token: env("AWS_SESSION_TOKEN"),
                });
            }
        }
        let profile = self.profile_name();
        for path in self.credential_files() {
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Some(c) = ini(&text).get(&profile).and_then(from_section) {
                    return Ok(c);
                }
            }
        }
        let section = if profile == "default" {
            "default".to_string()
        } else {
            format!("profile {profile}")
        };
        for path in self.config_files() {
            if let Ok(text) = std::fs::read_to_string(&path) {
                if let Some(c) = ini(&text).get(&section).and_then(from_section) {
                    return Ok(c);
                }
            }
        }
        Err(format!(
            "no AWS credentials found: set access_key and secret_key, or AWS_ACCESS_KEY_ID and AWS_SECRET_ACCESS_KEY, or profile {profile:?} in {}",
            self.credential_files()
                .iter()
                .map(|p| p.display().to_string())
                .collect::<Vec<_>>()
                .join(", ")
        ))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn profiles_come_from_credentials_then_config_files() {
        let dir = std::env::temp_dir().join(format!("strata-aws-creds-{}", std::process::id()));
        std::fs::create_dir_all(&dir).unwrap();
        let creds = dir.join("credentials");
        let config = dir.join("config");
        std::fs::write(
            &creds,
            "[default]\naws_access_key_id = AKDEFAULT\naws_secret_access_key = s1\n\n[ml]\naws_access_key_id=AKML\naws_secret_access_key=s2\naws_session_token = tok\n",
        )
        .unwrap();
        std::fs::write(
            &config,
            "[profile cfgonly]\nregion = eu-west-1\naws_access_key_id = AKCFG\naws_secret_access_key = s3\n",
        )
        .unwrap();
        let source = |profile: &str| CredentialSource {
            profile: Some(profile.into()),
            shared_credentials_files: vec![creds.clone()],
            shared_config_files: vec![config.clone()],
            ..Default::default()
        };
        let ml = source("ml").resolve().unwrap();
        assert_eq!(
            (ml.access_key.as_str(), ml.session_token.as_deref()),
            ("AKML", Some("tok"))
        );
        assert_eq!(source("default").resolve().unwrap().access_key, "AKDEFAULT");
        assert_eq!(source("cfgonly").resolve().unwrap().access_key, "AKCFG");
        assert_eq!(
            source("cfgonly").profile_setting("region").as_deref(),
            Some("eu-west-1")
        );
        let missing = source("nope").resolve().unwrap_err();
        assert!(missing.contains("\"nope\""), "{missing}");
        let half = CredentialSource {
            access_key: Some("a".into()),
            ..Default::default()
        };
        assert!(half.resolve().unwrap_err().contains("together"));
        assert!(!format!("{ml:?}").contains("s2"));
        std::fs::remove_dir_all(&dir).ok();
    }
}
