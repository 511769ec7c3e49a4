//! The syntax tree of the Terraform language's native (HCL) syntax.
//!
//! Every node carries the span it was parsed from. Templates are already
//! normalized here: heredoc indentation removed for `<<-`, strip markers
//! (`~`) applied to the neighbouring literals, escapes decoded.

use strata_types::{Span, Value};

#[derive(Clone, Debug, Default)]
pub struct Body {
    pub attributes: Vec<Attribute>,
    pub blocks: Vec<Block>,
    pub span: Span,
}

impl Body {
    pub fn attribute(&self, name: &str) -> Option<&Attribute> {
        self.attributes.iter().find(|a| a.name == name)
    }

    pub fn blocks_of<'a>(&'a self, type_name: &'a str) -> impl Iterator<Item = &'a Block> + 'a {
        self.blocks.iter().filter(move |b| b.type_name == type_name)
    }
}

#[derive(Clone, Debug)]
pub struct Attribute {
    pub name: String,
    pub name_span: Span,
    pub expr: Expr,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Block {
    pub type_name: String,
    pub type_span: Span,
    pub labels: Vec<Label>,
    pub body: Body,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Label {
    pub value: String,
    pub span: Span,
}

#[derive(Clone, Debug)]
pub struct Expr {
    pub kind: ExprKind,
    pub span: Span,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum UnaryOp {
    Not,
    Negate,
}

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum BinaryOp {
    Or,
    And,
    Equal,
    NotEqual,
    Less,
    LessEqual,
    Greater,
    GreaterEqual,
    Add,
    Subtract,
    Multiply,
    Divide,
    Modulo,
}

impl BinaryOp {
    pub fn precedence(self) -> u8 {
        match self {
            BinaryOp::Or => 1,
            BinaryOp::And => 2,
            BinaryOp::Equal | BinaryOp::NotEqual => 3,
            BinaryOp::Less | BinaryOp::LessEqual | BinaryOp::Greater | BinaryOp::GreaterEqual => 4,
            BinaryOp::Add | BinaryOp::Subtract => 5,
            BinaryOp::Multiply | BinaryOp::Divide | BinaryOp::Modulo => 6,
        }
    }

    pub fn symbol(self) -> &'static str {
        match self {
            BinaryOp::Or => "||",
            BinaryOp::And => "&&",
            BinaryOp::Equal => "==",
            BinaryOp::NotEqual => "!=",
            BinaryOp::Less => "<",
            BinaryOp::LessEqual => "<=",
            BinaryOp::Greater => ">",
            BinaryOp::GreaterEqual => ">=",
            BinaryOp::Add => "+",
            BinaryOp::Subtract => "-",
            BinaryOp::Multiply => "*",
            BinaryOp::Divide => "/",
            BinaryOp::Modulo => "%",
        }
    }
}

#[derive(Clone, Debug)]
pub enum ObjectKey {
    /// A bare identifier, `name = …`: the literal name (not a reference).
    Name(String),
    Expr(Expr),
}

#[derive(Clone, Debug)]
pub enum TemplatePart {
    Literal(String),
    Interpolation(Expr),
    If {
        condition: Expr,
        then: Vec<TemplatePart>,
        otherwise: Vec<TemplatePart>,
    },
    For {
        key: Option<String>,
        value: String,
        collection: Expr,
        body: Vec<TemplatePart>,
    },
}

#[derive(Clone, Debug)]
pub enum ExprKind {
    Literal(Value),
    Template(Vec<TemplatePart>),
    /// A template that is one interpolation and nothing else: `"${x}"`
    /// yields `x` unconverted, as Terraform does.
    TemplateWrap(Box<Expr>),
    Variable(String),
    GetAttr(Box<Expr>, String),
    Index(Box<Expr>, Box<Expr>),
    /// `source[*].rest` or `source.*.rest`: `each` is evaluated for every
    /// element with [`ExprKind::SplatItem`] standing for the element.
    Splat {
        source: Box<Expr>,
        each: Box<Expr>,
    },
    SplatItem,
    Tuple(Vec<Expr>),
    Object(Vec<(ObjectKey, Expr)>),
    /// Boxed: an expression is as large as its largest kind, and most
    /// are not calls.
    Call(Box<Call>),
    Unary(UnaryOp, Box<Expr>),
    Binary(BinaryOp, Box<Expr>, Box<Expr>),
    Conditional(Box<Expr>, Box<Expr>, Box<Expr>),
    For(Box<ForExpr>),
    Parens(Box<Expr>),
}

/// A function call: `name(args…)`, `name(args…, list...)` when
/// `expand_final`.
#[derive(Clone, Debug)]
pub struct Call {
    pub name: String,
    pub name_span: Span,
    pub args: Vec<Expr>,
    pub expand_final: bool,
}

#[derive(Clone, Debug)]
pub struct ForExpr {
    pub key_var: Option<String>,
    pub value_var: String,
    pub collection: Expr,
    /// `Some` for an object `for` (`{for … : k => v}`).
    pub key_expr: Option<Expr>,
    pub value_expr: Expr,
    pub condition: Option<Expr>,
    pub group: bool,
}

impl Expr {
    /// The root variable and the static attribute / index steps of a plain
    /// reference such as `aws_instance.gpu[0].id`, or `None` when the
    /// expression is not a traversal.
    pub fn as_traversal(&self) -> Option<(&str, Vec<TraversalStep<'_>>)> {
        let mut steps = Vec::new();
        let mut current = self;
        loop {
            match &current.kind {
                ExprKind::Variable(name) => {
                    steps.reverse();
                    return Some((name, steps));
                }
                ExprKind::GetAttr(inner, name) => {
                    steps.push(TraversalStep::Attr(name, current.span));
                    current = inner;
                }
                ExprKind::Index(inner, key) => {
                    steps.push(TraversalStep::Index(key));
                    current = inner;
                }
                _ => return None,
            }
        }
    }

    /// Visits every sub-expression, this one first.
    pub fn walk<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr)) {
        self.walk_pruned(&mut |e| {
            visit(e);
            true
        });
    }

    /// Visits sub-expressions, this one first; the sub-expressions of one
    /// for which `visit` returns false are skipped.
    pub fn walk_pruned<'a>(&'a self, visit: &mut dyn FnMut(&'a Expr) -> bool) {
        if !visit(self) {
            return;
        }
        match &self.kind {
            ExprKind::Literal(_) | ExprKind::Variable(_) | ExprKind::SplatItem => {}
            ExprKind::Template(parts) => walk_parts(parts, visit),
            ExprKind::TemplateWrap(e)
            | ExprKind::Parens(e)
            | ExprKind::Unary(_, e)
            | ExprKind::GetAttr(e, _) => e.walk_pruned(visit),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                a.walk_pruned(visit);
                b.walk_pruned(visit);
            }
            ExprKind::Splat { source, each } => {
                source.walk_pruned(visit);
                each.walk_pruned(visit);
            }
            ExprKind::Tuple(items) => items.iter().for_each(|e| e.walk_pruned(visit)),
            ExprKind::Call(call) => call.args.iter().for_each(|e| e.walk_pruned(visit)),
            ExprKind::Object(items) => {
                for (k, v) in items {
                    if let ObjectKey::Expr(k) = k {
                        k.walk_pruned(visit);
                    }
                    v.walk_pruned(visit);
                }
            }
            ExprKind::Conditional(a, b, c) => {
                a.walk_pruned(visit);
                b.walk_pruned(visit);
                c.walk_pruned(visit);
            }
            ExprKind::For(f) => {
                f.collection.walk_pruned(visit);
                if let Some(k) = &f.key_expr {
                    k.walk_pruned(visit);
                }
                f.value_expr.walk_pruned(visit);
                if let Some(c) = &f.condition {
                    c.walk_pruned(visit);
                }
            }
        }
    }
}

impl Expr {
    /// Points this expression and everything inside it at `span` (used for
    /// expressions parsed out of a JSON string, whose own offsets are
    /// relative to the string, not the file).
    pub fn relocate(&mut self, span: Span) {
        self.span = span;
        match &mut self.kind {
            ExprKind::Literal(_) | ExprKind::Variable(_) | ExprKind::SplatItem => {}
            ExprKind::Template(parts) => relocate_parts(parts, span),
            ExprKind::TemplateWrap(e)
            | ExprKind::Parens(e)
            | ExprKind::Unary(_, e)
            | ExprKind::GetAttr(e, _) => e.relocate(span),
            ExprKind::Index(a, b) | ExprKind::Binary(_, a, b) => {
                a.relocate(span);
                b.relocate(span);
            }
            ExprKind::Splat { source, each } => {
                source.relocate(span);
                each.relocate(span);
            }
            ExprKind::Tuple(items) => items.iter_mut().for_each(|e| e.relocate(span)),
            ExprKind::Call(call) => {
                call.name_span = span;
                call.args.iter_mut().for_each(|e| e.relocate(span));
            }
            ExprKind::Object(items) => {
                for (k, v) in items {
                    if let ObjectKey::Expr(k) = k {
                        k.relocate(span);
                    }
                    v.relocate(span);
                }
            }
            ExprKind::Conditional(a, b, c) => {
                a.relocate(span);
                b.relocate(span);
                c.relocate(span);
            }
            ExprKind::For(f) => {
                f.collection.relocate(span);
                if let Some(k) = &mut f.key_expr {
                    k.relocate(span);
                }
                f.value_expr.relocate(span);
                if let Some(c) = &mut f.condition {
                    c.relocate(span);
                }
            }
        }
    }
}

fn relocate_parts(parts: &mut [TemplatePart], span: Span) {
    for part in parts {
        match part {
            TemplatePart::Literal(_) => {}
            TemplatePart::Interpolation(e) => e.relocate(span),
            TemplatePart::If {
                condition,
                then,
                otherwise,
            } => {
                condition.relocate(span);
                relocate_parts(then, span);
                relocate_parts(otherwise, span);
            }
            TemplatePart::For {
                collection, body, ..
            } => {
                collection.relocate(span);
                relocate_parts(body, span);
            }
        }
    }
}

fn walk_parts<'a>(parts: &'a [TemplatePart], visit: &mut dyn FnMut(&'a Expr) -> bool) {
    for part in parts {
        match part {
            TemplatePart::Literal(_) => {}
            TemplatePart::Interpolation(e) => e.walk_pruned(visit),
            TemplatePart::If {
                condition,
                then,
                otherwise,
            } => {
                condition.walk_pruned(visit);
                walk_parts(then, visit);
                walk_parts(otherwise, visit);
            }
            TemplatePart::For {
                collection, body, ..
            } => {
                collection.walk_pruned(visit);
                walk_parts(body, visit);
            }
        }
    }
}

#[derive(Clone, Debug)]
pub enum TraversalStep<'e> {
    Attr(&'e str, Span),
    Index(&'e Expr),
}

/// The text of a string literal without interpolation, if `expr` is one.
pub fn literal_string(expr: &Expr) -> Option<String> {
    match &expr.kind {
        ExprKind::Template(parts) if parts.len() <= 1 => match parts.first() {
            Some(TemplatePart::Literal(s)) => Some(s.clone()),
            None => Some(String::new()),
            _ => None,
        },
        _ => None,
    }
}

#[cfg(test)]
mod size_tests {
    /// A configuration of many blocks is mostly expressions: their size
    /// is held to what it is (a literal's value and a span).
    #[test]
    fn an_expression_takes_eight_words() {
        assert_eq!(std::mem::size_of::<super::Expr>(), 64);
    }
}
