//! Versions and version constraints as the Terraform language writes them
//! (module `version`, `required_providers`, `required_version`):
//! `"1.2.3"`, `">= 1.0, < 2.0"`, `"~> 1.2"`, `"!= 1.3.1"`.
//!
//! `~> 1.2.3` allows 1.2.3 up to (not including) 1.3.0; `~> 1.2` allows
//! 1.2.0 up to 2.0.0. A pre-release (`1.3.0-beta1`) is only selected by a
//! constraint that names it exactly, as Terraform selects modules.

use std::cmp::Ordering;
use std::fmt;

/// A version: numeric parts (missing ones are zero) and an optional
/// pre-release label. Build metadata (`+…`) is ignored for ordering.
#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Version {
    pub parts: [u64; 3],
    pub pre: Option<String>,
}

impl Version {
    /// Parses `1`, `1.2`, `1.2.3`, `v1.2.3`, `1.2.3-rc1`, `1.2.3+build`.
    pub fn parse(text: &str) -> Option<Version> {
        let text = text.trim();
        let text = text.strip_prefix('v').unwrap_or(text);
        let text = text.split('+').next().unwrap_or(text);
        let (numbers, pre) = match text.split_once('-') {
            Some((n, p)) if !p.is_empty() => (n, Some(p.to_string())),
            Some(_) => return None,
            None => (text, None),
        };
        let mut parts = [0u64; 3];
        let pieces: Vec<&str> = numbers.split('.').collect();
        if pieces.is_empty() || pieces.len() > 3 {
            return None;
        }
        for (slot, piece) in parts.iter_mut().zip(&pieces) {
            if piece.is_empty() || !piece.bytes().all(|b| b.is_ascii_digit()) {
                return None;
            }
            *slot = piece.parse().ok()?;
        }
        Some(Version { parts, pre })
    }

    fn precision(text: &str) -> usize {
        let text = text.trim().trim_start_matches('v');
        let numbers = text.split(['-', '+']).next().unwrap_or(text);
        numbers.split('.').count()
    }
}

impl Ord for Version {
    fn cmp(&self, other: &Self) -> Ordering {
        self.parts
            .cmp(&other.parts)
            .then_with(|| match (&self.pre, &other.pre) {
                (None, None) => Ordering::Equal,
                (None, Some(_)) => Ordering::Greater,
                (Some(_), None) => Ordering::Less,
                (Some(a), Some(b)) => compare_pre(a, b),
            })
    }
}

impl PartialOrd for Version {
    fn partial_cmp(&self, other: &Self) -> Option<Ordering> {
        Some(self.cmp(other))
    }
}

/// Semantic versioning's order of pre-release labels: dot-separated
/// identifiers, numeric ones compared as numbers and before the others.
fn compare_pre(a: &str, b: &str) -> Ordering {
    let mut left = a.split('.');
    let mut right = b.split('.');
    loop {
        match (left.next(), right.next()) {
            (None, None) => return Ordering::Equal,
            (None, Some(_)) => return Ordering::Less,
            (Some(_), None) => return Ordering::Greater,
            (Some(x), Some(y)) => {
                let order = match (x.parse::<u64>(), y.parse::<u64>()) {
                    (Ok(m), Ok(n)) => m.cmp(&n),
                    (Ok(_), Err(_)) => Ordering::Less,
                    (Err(_), Ok(_)) => Ordering::Greater,
                    (Err(_), Err(_)) => x.cmp(y),
                };
                if order != Ordering::Equal {
                    return order;
                }
            }
        }
    }
}

impl fmt::Display for Version {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        let [a, b, c] = self.parts;
        write!(f, "{a}.{b}.{c}")?;
        if let Some(pre) = &self.pre {
            write!(f, "-{pre}")?;
        }
        Ok(())
    }
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
enum Op {
    Eq,
    Ne,
    Gt,
    Ge,
    Lt,
    Le,
    Pessimistic,
}

#[derive(Clone, Debug, PartialEq, Eq)]
struct Term {
    op: Op,
    version: Version,
    /// How many numeric parts were written (for `~>`).
    precision: usize,
}

/// A conjunction of version terms; several constraints on one thing (from
/// the root and from modules) combine by [`Constraint::and`].
#[derive(Clone, Debug, Default, PartialEq, Eq)]
pub struct Constraint {
    terms: Vec<Term>,
    text: Vec<String>,
}

impl Constraint {
    /// Parses a comma-separated list of terms, or says what is wrong with
    /// the first that does not parse.
    pub fn parse(text: &str) -> Result<Constraint, String> {
        let mut terms = Vec::new();
        for raw in text.split(',') {
            let raw = raw.trim();
            if raw.is_empty() {
                return Err(format!(
                    "{text:?} has an empty term; write terms such as \">= 1.2.0, < 2.0.0\""
                ));
            }
            let (op, rest) = [
                ("~>", Op::Pessimistic),
                (">=", Op::Ge),
                ("<=", Op::Le),
                ("!=", Op::Ne),
                (">", Op::Gt),
                ("<", Op::Lt),
                ("=", Op::Eq),
            ]
            .iter()
            .find_map(|(sigil, op)| raw.strip_prefix(sigil).map(|rest| (*op, rest)))
            .unwrap_or((Op::Eq, raw));
            let rest = rest.trim();
            let version = Version::parse(rest).ok_or_else(|| {
                format!("{raw:?} is not a version constraint: expected an operator (=, !=, >, >=, <, <=, ~>) and a version such as 1.2.3")
            })?;
            terms.push(Term {
                op,
                version,
                precision: Version::precision(rest),
            });
        }
        Ok(Constraint {
            terms,
            text: vec![text.trim().to_string()],
        })
    }

    /// Both constraints at once.
    pub fn and(mut self, other: &Constraint) -> Constraint {
        self.terms.extend(other.terms.iter().cloned());
        self.text.extend(other.text.iter().cloned());
        self
    }

    pub fn allows(&self, v: &Version) -> bool {
        if v.pre.is_some() && !self.terms.iter().any(|t| t.op == Op::Eq && t.version == *v) {
            return false;
        }
        self.terms.iter().all(|t| t.allows(v))
    }

    /// The newest of `versions` the constraint allows.
    pub fn newest<'a>(
        &self,
        versions: impl IntoIterator<Item = &'a Version>,
    ) -> Option<&'a Version> {
        versions.into_iter().filter(|v| self.allows(v)).max()
    }
}

impl Term {
    fn allows(&self, v: &Version) -> bool {
        let c = &self.version;
        match self.op {
            Op::Eq => v == c,
            Op::Ne => v != c,
            Op::Gt => v > c,
            Op::Ge => v >= c,
            Op::Lt => v < c,
            Op::Le => v <= c,
            Op::Pessimistic => {
                if v < c {
                    return false;
                }
                // The last written part may grow; the ones before it are fixed.
                let fixed = self.precision.saturating_sub(1).max(1);
                v.parts[..fixed] == c.parts[..fixed]
            }
        }
    }
}

impl fmt::Display for Constraint {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.write_str(&self.text.join(", "))
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn v(s: &str) -> Version {
        Version::parse(s).unwrap()
    }

    fn allows(c: &str, version: &str) -> bool {
        Constraint::parse(c).unwrap().allows(&v(version))
    }

    #[test]
    fn operators_as_terraform_reads_them() {
        assert!(allows("1.2.3", "1.2.3"));
        assert!(!allows("1.2.3", "1.2.4"));
        assert!(allows("= 1.2.3", "1.2.3"));
        assert!(allows("!= 1.2.3", "1.2.4"));
        assert!(!allows("!= 1.2.3", "1.2.3"));
        assert!(allows(">= 1.0, < 2.0", "1.9.9"));
        assert!(!allows(">= 1.0, < 2.0", "2.0.0"));
        assert!(allows("> 1.0", "1.0.1"));
        assert!(allows("<= 1.0", "1.0.0"));
    }

    #[test]
    fn pessimistic_constraint_grows_only_the_last_part() {
        assert!(allows("~> 1.2.3", "1.2.9"));
        assert!(!allows("~> 1.2.3", "1.3.0"));
        assert!(!allows("~> 1.2.3", "1.2.2"));
        assert!(allows("~> 1.2", "1.9.0"));
        assert!(!allows("~> 1.2", "2.0.0"));
        assert!(allows("~> 1", "1.5.0"));
        assert!(!allows("~> 1", "2.0.0"));
    }

    #[test]
    fn pre_releases_only_when_named_exactly() {
        assert!(!allows(">= 1.0.0", "2.0.0-beta1"));
        assert!(allows("2.0.0-beta1", "2.0.0-beta1"));
        assert!(v("1.0.0-alpha") < v("1.0.0-alpha.1"));
        assert!(v("1.0.0-alpha.2") < v("1.0.0-alpha.10"));
        assert!(v("1.0.0-rc1") < v("1.0.0"));
    }

    #[test]
    fn newest_allowed_version_is_chosen() {
        let all: Vec<Version> = ["1.0.0", "1.2.0", "1.10.0", "2.0.0", "2.1.0-rc1"]
            .iter()
            .map(|s| v(s))
            .collect();
        let c = Constraint::parse("~> 1.0").unwrap();
        assert_eq!(c.newest(&all).unwrap().to_string(), "1.10.0");
        let c = Constraint::parse(">= 1.0").unwrap();
        assert_eq!(c.newest(&all).unwrap().to_string(), "2.0.0");
        let c = Constraint::parse("> 3").unwrap();
        assert!(c.newest(&all).is_none());
    }

    #[test]
    fn bad_constraints_say_what_is_wrong() {
        assert!(Constraint::parse(">= banana")
            .unwrap_err()
            .contains("banana"));
        assert!(Constraint::parse(">= 1.0,").is_err());
        assert!(Constraint::parse("1.2.3.4").is_err());
    }
}
