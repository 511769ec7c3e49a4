//! References as Terraform's JSON names them: the static traversals of an
//! expression (an iterator of a `for` is not one), each read as a subject
//! (`var.x`, `aws_instance.a[0]`, `module.m.out`) and the steps after it.

use strata_lang::ast::{Expr, ExprKind, ObjectKey, TemplatePart};
use strata_lang::config::Mode;

/// An index step's key, as written: a number or a string.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Key {
    Number(String),
    Str(String),
}

impl Key {
    /// `[0]` or `["a"]`.
    pub(super) fn text(&self) -> String {
        match self {
            Key::Number(n) => format!("[{n}]"),
            Key::Str(s) => format!("[{}]", serde_json::Value::from(s.as_str())),
        }
    }

    /// The key as a step of an attribute path in JSON.
    pub(super) fn json(&self) -> serde_json::Value {
        match self {
            Key::Number(n) => serde_json::from_str(n).unwrap_or_else(|_| n.as_str().into()),
            Key::Str(s) => s.as_str().into(),
        }
    }
}

#[derive(Clone, Debug, PartialEq)]
pub(super) enum Step {
    Attr(String),
    Index(Key),
}

fn steps_text(steps: &[Step]) -> String {
    steps
        .iter()
        .map(|s| match s {
            Step::Attr(n) => format!(".{n}"),
            Step::Index(k) => k.text(),
        })
        .collect()
}

/// What a reference names.
#[derive(Clone, Debug, PartialEq)]
pub(super) enum Subject {
    Var(String),
    Local(String),
    /// `path.module`, `count.index`, `each.key`, `self`, …: nothing the
    /// configuration defines.
    Other(String),
    Resource {
        mode: Mode,
        type_name: String,
        name: String,
        key: Option<Key>,
    },
    /// `module.NAME`, `module.NAME[KEY]`, or one output of it.
    Module {
        name: String,
        key: Option<Key>,
        output: Option<String>,
    },
}

impl Subject {
    fn resource_text(mode: Mode, type_name: &str, name: &str) -> String {
        match mode {
            Mode::Managed => format!("{type_name}.{name}"),
            Mode::Data => format!("data.{type_name}.{name}"),
        }
    }

    pub(super) fn text(&self) -> String {
        match self {
            Subject::Var(n) => format!("var.{n}"),
            Subject::Local(n) => format!("local.{n}"),
            Subject::Other(t) => t.clone(),
            Subject::Resource {
                mode,
                type_name,
                name,
                key,
            } => format!(
                "{}{}",
                Subject::resource_text(*mode, type_name, name),
                key.as_ref().map(Key::text).unwrap_or_default()
            ),
            Subject::Module { name, key, output } => format!(
                "module.{name}{}{}",
                key.as_ref().map(Key::text).unwrap_or_default(),
                output.as_ref().map(|o| format!(".{o}")).unwrap_or_default()
            ),
        }
    }

    /// The wider address Terraform's JSON lists after the subject: the
    /// resource of a keyed instance, the call of a module output or of a
    /// keyed module instance.
    fn container_text(&self) -> Option<String> {
        match self {
            Subject::Resource {
                mode,
                type_name,
                name,
                key: Some(_),
            } => Some(Subject::resource_text(*mode, type_name, name)),
            Subject::Module {
                name,
                key,
                output: Some(_),
            } => Some(format!(
                "module.{name}{}",
                key.as_ref().map(Key::text).unwrap_or_default()
            )),
            Subject::Module {
                name,
                key: Some(_),
                output: None,
            } => Some(format!("module.{name}")),
            _ => None,
        }
    }
}

/// A reference: its subject and the steps written after it.
#[derive(Clone, Debug, PartialEq)]
pub(super) struct Reference {
    pub subject: Subject,
    pub remaining: Vec<Step>,
}

impl Reference {
    /// Reads a static traversal as Terraform does; none for what is not a
    /// reference (`var` alone, an unknown root without an attribute).
    fn parse(root: &str, steps: &[Step]) -> Option<Reference> {
        let attr = |i: usize| match steps.get(i) {
            Some(Step::Attr(n)) => Some(n.clone()),
            _ => None,
        };
        let key = |i: usize| match steps.get(i) {
            Some(Step::Index(k)) => Some(k.clone()),
            _ => None,
        };
        let (subject, used) = match root {
            "var" => (Subject::Var(attr(0)?), 1),
            "local" => (Subject::Local(attr(0)?), 1),
            "path" | "terraform" | "count" | "each" => {
                (Subject::Other(format!("{root}.{}", attr(0)?)), 1)
            }
            "self" => (Subject::Other("self".into()), 0),
            "module" => {
                let name = attr(0)?;
                let key = key(1);
                let at = if key.is_some() { 2 } else { 1 };
                match attr(at) {
                    Some(output) => (
                        Subject::Module {
                            name,
                            key,
                            output: Some(output),
                        },
                        at + 1,
                    ),
                    None if steps.len() == at => (
                        Subject::Module {
                            name,
                            key,
                            output: None,
                        },
                        at,
                    ),
                    None => return None,
                }
            }
            "data" => {
                let (type_name, name) = (attr(0)?, attr(1)?);
                let key = key(2);
                let used = if key.is_some() { 3 } else { 2 };
                (
                    Subject::Resource {
                        mode: Mode::Data,
                        type_name,
                        name,
                        key,
                    },
                    used,
                )
            }
            "resource" | "run" | "check" | "provider" => return None,
            type_name => {
                let name = attr(0)?;
                let key = key(1);
                let used = if key.is_some() { 2 } else { 1 };
                (
                    Subject::Resource {
                        mode: Mode::Managed,
                        type_name: type_name.to_string(),
                        name,
                        key,
                    },
                    used,
                )
            }
        };
        Some(Reference {
            subject,
            remaining: steps[used..].to_vec(),
        })
    }

    /// Terraform's `references` entries for this reference: the whole
    /// traversal, then each shorter one down to the subject, then the
    /// subject's container.
    pub(super) fn texts(&self, out: &mut Vec<String>) {
        let subject = self.subject.text();
        for n in (1..=self.remaining.len()).rev() {
            out.push(format!("{subject}{}", steps_text(&self.remaining[..n])));
        }
        out.push(subject);
        out.extend(self.subject.container_text());
    }

    /// The text that tells two references apart.
    pub(super) fn key(&self) -> String {
        format!("{}{}", self.subject.text(), steps_text(&self.remaining))
    }
}

/// The references of `expr`, in the order they are written.
pub(super) fn references(expr: &Expr) -> Vec<Reference> {
    references_in_scope(expr, &[])
}

/// The references of `expr` where `scope` names are not references (the
/// iterators of enclosing `dynamic` blocks).
pub(super) fn references_in_scope<'e>(expr: &'e Expr, scope: &[&'e str]) -> Vec<Reference> {
    let mut out = Vec::new();
    Walker {
        scope: scope.to_vec(),
        out: &mut out,
    }
    .expr(expr);
    out
}

struct Walker<'e, 'o> {
    /// Iterator names of the enclosing `for` expressions.
    scope: Vec<&'e str>,
    out: &'o mut Vec<Reference>,
}

/// The key of an index step written as a literal.
fn literal_key(key: &Expr) -> Option<Key> {
    match &key.kind {
        ExprKind::Literal(v) => match v.as_number() {
            Some(n) => Some(Key::Number(strata_lang::eval::number_text(n))),
            None => v.as_str().map(|s| Key::Str(s.to_string())),
        },
        ExprKind::Template(parts) if parts.len() == 1 => match &parts[0] {
            TemplatePart::Literal(s) => Some(Key::Str(s.clone())),
            _ => None,
        },
        _ => None,
    }
}

impl<'e> Walker<'e, '_> {
    fn root(&mut self, name: &str, steps: &[Step]) {
        if self.scope.contains(&name) {
            return;
        }
        self.out.extend(Reference::parse(name, steps));
    }

    fn expr(&mut self, expr: &'e Expr) {
        match &expr.kind {
            ExprKind::Literal(_) | ExprKind::SplatItem => {}
            ExprKind::Variable(name) => self.root(name, &[]),
            ExprKind::GetAttr(..) | ExprKind::Index(..) => self.chain(expr),
            ExprKind::Template(parts) => self.parts(parts),
            ExprKind::TemplateWrap(e) | ExprKind::Parens(e) | ExprKind::Unary(_, e) => self.expr(e),
            ExprKind::Binary(_, a, b) => {
                self.expr(a);
                self.expr(b);
            }
            ExprKind::Splat { source, each } => {
                self.expr(source);
                self.expr(each);
            }
            ExprKind::Tuple(items) => items.iter().for_each(|e| self.expr(e)),
            ExprKind::Call(call) => call.args.iter().for_each(|e| self.expr(e)),
            ExprKind::Object(items) => {
                for (k, v) in items {
                    if let ObjectKey::Expr(k) = k {
                        self.expr(k);
                    }
                    self.expr(v);
                }
            }
            ExprKind::Conditional(a, b, c) => {
                self.expr(a);
                self.expr(b);
                self.expr(c);
            }
            ExprKind::For(f) => {
                self.expr(&f.collection);
                let depth = self.scope.len();
                self.scope.extend(f.key_var.as_deref());
                self.scope.push(&f.value_var);
                if let Some(k) = &f.key_expr {
                    self.expr(k);
                }
                self.expr(&f.value_expr);
                if let Some(c) = &f.condition {
                    self.expr(c);
                }
                self.scope.truncate(depth);
            }
        }
    }

    /// A chain of attribute and index steps: the static traversal from a
    /// name (up to the first index that is not a literal), then the keys
    /// that are expressions, in order.
    fn chain(&mut self, expr: &'e Expr) {
        let mut links: Vec<&'e Expr> = Vec::new();
        let mut current = expr;
        while let ExprKind::GetAttr(inner, _) | ExprKind::Index(inner, _) = &current.kind {
            links.push(current);
            current = inner;
        }
        links.reverse();
        let mut dynamic_from = links.len();
        if let ExprKind::Variable(root) = &current.kind {
            let mut steps = Vec::new();
            for (i, link) in links.iter().enumerate() {
                let step = match &link.kind {
                    ExprKind::GetAttr(_, name) => Some(Step::Attr(name.clone())),
                    ExprKind::Index(_, key) => literal_key(key).map(Step::Index),
                    _ => None,
                };
                match step {
                    Some(s) => steps.push(s),
                    None => {
                        dynamic_from = i;
                        break;
                    }
                }
            }
            self.root(root, &steps);
        } else {
            self.expr(current);
            dynamic_from = 0;
        }
        for link in &links[dynamic_from..] {
            if let ExprKind::Index(_, key) = &link.kind {
                self.expr(key);
            }
        }
    }

    fn parts(&mut self, parts: &'e [TemplatePart]) {
        for part in parts {
            match part {
                TemplatePart::Literal(_) => {}
                TemplatePart::Interpolation(e) => self.expr(e),
                TemplatePart::If {
                    condition,
                    then,
                    otherwise,
                } => {
                    self.expr(condition);
                    self.parts(then);
                    self.parts(otherwise);
                }
                TemplatePart::For {
                    key,
                    value,
                    collection,
                    body,
                } => {
                    self.expr(collection);
                    let depth = self.scope.len();
                    self.scope.extend(key.as_deref());
                    self.scope.push(value);
                    self.parts(body);
                    self.scope.truncate(depth);
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    fn texts(source: &str) -> Vec<String> {
        let parsed = strata_lang::parser::parse_expression(source, 0);
        assert!(!parsed.diagnostics.has_errors(), "{source}");
        let mut out = Vec::new();
        for r in references(&parsed.value) {
            r.texts(&mut out);
        }
        out
    }

    #[test]
    fn references_are_named_as_terraform_names_them() {
        assert_eq!(texts("var.a.x[0]"), ["var.a.x[0]", "var.a.x", "var.a"]);
        assert_eq!(
            texts("aws_instance.gpu[0].id"),
            [
                "aws_instance.gpu[0].id",
                "aws_instance.gpu[0]",
                "aws_instance.gpu"
            ]
        );
        assert_eq!(
            texts("data.aws_ami.gpu.id"),
            ["data.aws_ami.gpu.id", "data.aws_ami.gpu"]
        );
        assert_eq!(
            texts("module.m[\"a\"].out"),
            ["module.m[\"a\"].out", "module.m[\"a\"]"]
        );
        assert_eq!(texts("module.m[0]"), ["module.m[0]", "module.m"]);
        assert_eq!(texts("module.m"), ["module.m"]);
        assert_eq!(texts("self.id"), ["self.id", "self"]);
        assert_eq!(texts("count.index + local.n"), ["count.index", "local.n"]);
    }

    #[test]
    fn a_dynamic_index_ends_the_traversal_and_is_walked_after_it() {
        assert_eq!(
            texts("var.list[count.index].name"),
            ["var.list", "count.index"]
        );
        assert_eq!(texts("aws_subnet.a[*].id"), ["aws_subnet.a"]);
    }

    #[test]
    fn iterators_of_for_expressions_are_not_references() {
        assert_eq!(
            texts("[for k, v in var.m : \"${k}-${v.id}\" if v != local.skip]"),
            ["var.m", "local.skip"]
        );
        assert_eq!(texts("\"%{ for x in var.l }${x}%{ endfor }\""), ["var.l"]);
    }

    #[test]
    fn a_reference_in_scope_is_not_one() {
        let parsed = strata_lang::parser::parse_expression("tag.value + var.x", 0);
        let refs = references_in_scope(&parsed.value, &["tag"]);
        assert_eq!(refs.len(), 1);
        assert_eq!(refs[0].subject, Subject::Var("x".into()));
    }
}
