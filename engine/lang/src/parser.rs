//! A recovering parser for the Terraform language's native syntax.
//!
//! It never fails: it returns a body (or expression) together with the
//! syntax errors it found, skipping to the next line after a bad item so
//! that one run reports every mistake in a file. Numbers are kept exact
//! (they are parsed straight into [`Number`]), templates are normalized
//! here (escapes, heredoc indentation, strip markers).

use crate::ast::*;
use strata_types::{Diagnostic, Diagnostics, Number, Span, Value};

pub struct Parsed<T> {
    pub value: T,
    pub diagnostics: Diagnostics,
}

/// Parses a whole configuration file.
pub fn parse_body(text: &str, file: u32) -> Parsed<Body> {
    let mut p = Parser::new(text, file);
    let body = p.body(false);
    Parsed {
        value: body,
        diagnostics: p.diagnostics,
    }
}

/// Parses a bare template (the contents of a template file): literal text
/// with `${…}` interpolations and `%{…}` directives, no quotes or escapes.
pub fn parse_template(text: &str, file: u32) -> Parsed<Expr> {
    let mut p = Parser::new(text, file);
    let expr = p.bare_template();
    Parsed {
        value: expr,
        diagnostics: p.diagnostics,
    }
}

/// Parses one standalone expression (the console, `-var` values, tfvars).
pub fn parse_expression(text: &str, file: u32) -> Parsed<Expr> {
    let mut p = Parser::new(text, file);
    p.newline_sensitive.push(false);
    p.skip_trivia();
    let expr = p.expression();
    p.skip_trivia();
    if p.pos < p.src.len() && !p.failed {
        let start = p.pos;
        p.error(
            strata_types::codes::EXTRA_CHARACTERS_AFTER_EXPRESSION,
            "Extra characters after expression",
            "An expression was successfully parsed, but extra characters were found after it. Remove them, or join the two expressions with an operator.",
            start,
            p.src.len(),
        );
    }
    Parsed {
        value: expr,
        diagnostics: p.diagnostics,
    }
}

struct Parser<'s> {
    src: &'s [u8],
    text: &'s str,
    pos: usize,
    file: u32,
    diagnostics: Diagnostics,
    newline_sensitive: Vec<bool>,
    /// Set after an error inside the current body item; cleared when the
    /// parser resynchronizes at the next line.
    failed: bool,
    depth: usize,
}

/// A flat template element before strip markers and nesting are applied.
enum Piece {
    Literal(String),
    Interp {
        expr: Expr,
        strip_left: bool,
        strip_right: bool,
    },
    If {
        cond: Expr,
        strip_left: bool,
        strip_right: bool,
        span: Span,
    },
    Else {
        strip_left: bool,
        strip_right: bool,
        span: Span,
    },
    EndIf {
        strip_left: bool,
        strip_right: bool,
        span: Span,
    },
    For {
        key: Option<String>,
        value: String,
        coll: Expr,
        strip_left: bool,
        strip_right: bool,
        span: Span,
    },
    EndFor {
        strip_left: bool,
        strip_right: bool,
        span: Span,
    },
}

impl Piece {
    fn strips(&self) -> (bool, bool) {
        match self {
            Piece::Literal(_) => (false, false),
            Piece::Interp {
                strip_left,
                strip_right,
                ..
            }
            | Piece::If {
                strip_left,
                strip_right,
                ..
            }
            | Piece::Else {
                strip_left,
                strip_right,
                ..
            }
            | Piece::EndIf {
                strip_left,
                strip_right,
                ..
            }
            | Piece::For {
                strip_left,
                strip_right,
                ..
            }
            | Piece::EndFor {
                strip_left,
                strip_right,
                ..
            } => (*strip_left, *strip_right),
        }
    }
}

/// How deep expressions and blocks may go: nesting (brackets, calls,
/// blocks) and chains (`a + b + …`, `x.a.b…`) both count, as each level
/// is one more frame in every walk over the tree. Terraform accepts
/// 50,000-term chains. Code that parses, evaluates or walks configuration
/// runs inside [`on_deep_stack`], whose stack has room for this depth.
pub const MAX_DEPTH: usize = 50_000;

/// The stack [`on_deep_stack`] reserves: about 20 KB a level of
/// [`MAX_DEPTH`] in the deepest walk of a debug build (a release build
/// needs a tenth); pages are only committed as they are used.
pub const DEEP_STACK_BYTES: usize = 2 << 30;

/// Runs `f` on a thread whose stack holds the deepest configuration the
/// parser accepts, and returns what it returns (a panic in `f` is passed
/// on). Where the system will not reserve that much address space, `f`
/// runs on the calling thread.
pub fn on_deep_stack<R: Send>(f: impl FnOnce() -> R + Send) -> R {
    let f = std::sync::Mutex::new(Some(f));
    let call = || f.lock().ok().and_then(|mut f| f.take()).map(|f| f());
    let spawned = std::thread::scope(|scope| {
        std::thread::Builder::new()
            .name("strata-deep".into())
            .stack_size(DEEP_STACK_BYTES)
            .spawn_scoped(scope, call)
            .map(|thread| match thread.join() {
                Ok(result) => result,
                Err(panic) => std::panic::resume_unwind(panic),
            })
    });
    match spawned.ok().flatten() {
        Some(result) => result,
        None => call().expect("on_deep_stack runs its function once"),
    }
}

/// Whether `name` is an identifier as the language reads one (an
/// attribute or variable name written bare).
pub fn is_identifier(name: &str) -> bool {
    let mut chars = name.chars();
    chars.next().is_some_and(is_ident_start) && chars.all(is_ident_continue)
}

fn is_ident_start(c: char) -> bool {
    c.is_alphabetic() || c == '_'
}

fn is_ident_continue(c: char) -> bool {
    c.is_alphanumeric() || c == '_' || c == '-'
}

impl<'s> Parser<'s> {
    fn new(text: &'s str, file: u32) -> Parser<'s> {
        Parser {
            src: text.as_bytes(),
            text,
            pos: 0,
            file,
            diagnostics: Diagnostics::default(),
            newline_sensitive: vec![true],
            failed: false,
            depth: 0,
        }
    }

    fn span(&self, start: usize, end: usize) -> Span {
        Span::new(self.file, start, end)
    }

    fn error(&mut self, code: &'static str, summary: &str, detail: &str, start: usize, end: usize) {
        if self.failed {
            return;
        }
        self.failed = true;
        let end = end.max(start).min(self.src.len());
        let start = start.min(end);
        let end = if end == start && end < self.src.len() {
            end + self.char_len_at(end)
        } else {
            end
        };
        self.diagnostics.push(Diagnostic::error(
            code,
            summary,
            detail,
            self.span(start, end),
        ));
    }

    fn char_len_at(&self, pos: usize) -> usize {
        self.text[pos..]
            .chars()
            .next()
            .map(char::len_utf8)
            .unwrap_or(1)
    }

    fn peek(&self) -> Option<u8> {
        self.src.get(self.pos).copied()
    }

    fn peek_at(&self, offset: usize) -> Option<u8> {
        self.src.get(self.pos + offset).copied()
    }

    fn peek_char(&self) -> Option<char> {
        self.text[self.pos..].chars().next()
    }

    fn starts_with(&self, s: &str) -> bool {
        self.src[self.pos..].starts_with(s.as_bytes())
    }

    fn is_newline_sensitive(&self) -> bool {
        *self.newline_sensitive.last().unwrap_or(&true)
    }

    /// Skips spaces, comments and (when not newline-sensitive) newlines.
    fn skip_trivia(&mut self) {
        let newlines = !self.is_newline_sensitive();
        self.skip_space(newlines);
    }

    fn skip_space(&mut self, newlines: bool) {
        while let Some(c) = self.peek() {
            match c {
                b' ' | b'\t' | b'\r' => self.pos += 1,
                b'\n' if newlines => self.pos += 1,
                b'#' => self.skip_line_comment(),
                b'/' if self.peek_at(1) == Some(b'/') => self.skip_line_comment(),
                b'/' if self.peek_at(1) == Some(b'*') => {
                    let start = self.pos;
                    match self.text[self.pos + 2..].find("*/") {
                        Some(i) => {
                            let comment = &self.text[self.pos..self.pos + 2 + i];
                            if !newlines && comment.contains('\n') {
                                // A multi-line comment acts as a newline.
                                self.pos += 2 + i + 2;
                                return;
                            }
                            self.pos += 2 + i + 2;
                        }
                        None => {
                            self.pos = self.src.len();
                            self.error(
                                strata_types::codes::UNTERMINATED_COMMENT,
                                "Unterminated comment",
                                "There is no closing \"*/\" for this comment. Add it where the comment should end.",
                                start,
                                start + 2,
                            );
                        }
                    }
                }
                _ => break,
            }
        }
    }

    fn skip_line_comment(&mut self) {
        while let Some(c) = self.peek() {
            if c == b'\n' {
                break;
            }
            self.pos += 1;
        }
    }

    fn ident(&mut self) -> Option<(String, Span)> {
        let start = self.pos;
        let c = self.peek_char()?;
        if !is_ident_start(c) {
            return None;
        }
        self.pos += c.len_utf8();
        while let Some(c) = self.peek_char() {
            if !is_ident_continue(c) {
                break;
            }
            self.pos += c.len_utf8();
        }
        Some((
            self.text[start..self.pos].to_string(),
            self.span(start, self.pos),
        ))
    }

    // ---- bodies ----------------------------------------------------------

    fn body(&mut self, nested: bool) -> Body {
        let start = self.pos;
        let mut body = Body::default();
        // Where each argument was first set, for duplicates.
        let mut names: std::collections::HashMap<String, Span> = Default::default();
        loop {
            self.skip_space(true);
            self.failed = false;
            match self.peek() {
                // An unclosed block is reported by the caller, which knows it.
                None => break,
                Some(b'}') if nested => break,
                _ => {}
            }
            let item_start = self.pos;
            self.body_item(&mut body, &mut names, nested);
            if self.failed {
                // Skip the whole item from its start, where the scanner
                // knows which brackets and strings are open, rather than
                // from the error, which may sit inside a string.
                let failed_at = self.pos;
                self.pos = item_start;
                self.recover_line();
                if self.pos <= item_start {
                    // A stray closing brace: go on from where the error was.
                    self.pos = failed_at.max(item_start + 1).min(self.src.len());
                    self.recover_line();
                }
            }
        }
        body.span = self.span(start, self.pos);
        // A parsed configuration is kept for the whole run: its lists are
        // cut to their length (a vector grows to four at first, and an
        // argument is 150 bytes; at 100,000 resources the spare room was
        // most of the configuration's memory).
        body.attributes.shrink_to_fit();
        body.blocks.shrink_to_fit();
        body
    }

    fn body_item(
        &mut self,
        body: &mut Body,
        names: &mut std::collections::HashMap<String, Span>,
        nested: bool,
    ) {
        let item_start = self.pos;
        let Some((name, name_span)) = self.ident() else {
            let detail = if self.peek() == Some(b'}') {
                "This closing brace has no matching opening brace. Remove it, or check the blocks above for a missing \"{\"."
            } else {
                "An argument or block definition is required here. To set an argument, give its name followed by an equals sign and a value; a block starts with its type, then labels in quotes, then \"{\"."
            };
            self.error(
                strata_types::codes::ARGUMENT_OR_BLOCK_DEFINITION_REQUIRED,
                "Argument or block definition required",
                detail,
                self.pos,
                self.pos,
            );
            if !nested && self.peek() == Some(b'}') {
                self.pos += 1;
            }
            return;
        };
        self.skip_space(false);
        if self.peek() == Some(b'=') && self.peek_at(1) != Some(b'=') {
            self.pos += 1;
            self.newline_sensitive.push(true);
            self.skip_trivia();
            let expr = self.expression();
            self.newline_sensitive.pop();
            if self.failed {
                return;
            }
            let end = expr.span.end as usize;
            self.skip_space(false);
            match self.peek() {
                None | Some(b'\n') => {}
                Some(b'}') if nested => {}
                _ => {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::MISSING_NEWLINE_AFTER_ARGUMENT,
                        "Missing newline after argument",
                        "An argument definition must end with a newline. Put the next argument or block on its own line.",
                        p,
                        p,
                    );
                    return;
                }
            }
            if let Some(&previous) = names.get(&name) {
                let line = self.text[..previous.start as usize].matches('\n').count() + 1;
                self.diagnostics.push(Diagnostic::error(
                    strata_types::codes::DUPLICATE_ARGUMENT,
                    "Duplicate argument",
                    format!(
                        "The argument \"{name}\" was already set on line {line}. Each argument may be set only once; remove one of them."
                    ),
                    name_span,
                ));
            }
            names.entry(name.clone()).or_insert(name_span);
            body.attributes.push(Attribute {
                name,
                name_span,
                expr,
                span: self.span(item_start, end),
            });
            return;
        }
        // A block: labels, then a body in braces.
        let mut labels = Vec::new();
        loop {
            self.skip_space(false);
            match self.peek() {
                Some(b'"') => {
                    let label_start = self.pos;
                    let expr = self.quoted_template();
                    if self.failed {
                        return;
                    }
                    let value = match &expr.kind {
                        ExprKind::Template(parts) if parts.len() <= 1 => match parts.first() {
                            Some(TemplatePart::Literal(s)) => Some(s.clone()),
                            None => Some(String::new()),
                            _ => None,
                        },
                        _ => None,
                    };
                    match value {
                        Some(value) => labels.push(Label {
                            value,
                            span: self.span(label_start, self.pos),
                        }),
                        None => {
                            let p = self.pos;
                            self.error(
                                strata_types::codes::INVALID_BLOCK_LABEL,
                                "Invalid block label",
                                "Block labels must be literal strings; template interpolations and directives are not allowed here.",
                                label_start,
                                p,
                            );
                            return;
                        }
                    }
                }
                Some(b'{') => break,
                _ => {
                    if let Some((value, span)) = self.ident() {
                        labels.push(Label { value, span });
                        continue;
                    }
                    let p = self.pos;
                    let detail = if labels.is_empty() {
                        format!(
                            "Either a quoted string block label or an opening brace (\"{{\") is expected here. To set an argument named \"{name}\", add an equals sign: {name} = value."
                        )
                    } else {
                        "Either a quoted string block label or an opening brace (\"{\") is expected here.".to_string()
                    };
                    self.error(
                        strata_types::codes::INVALID_BLOCK_DEFINITION,
                        "Invalid block definition",
                        &detail,
                        p,
                        p,
                    );
                    return;
                }
            }
        }
        let open = self.pos;
        self.pos += 1; // '{'
        self.depth += 1;
        if self.depth > MAX_DEPTH {
            self.error(
                strata_types::codes::NESTING_TOO_DEEP,
                "Nesting too deep",
                &format!("Blocks are nested more than {MAX_DEPTH} levels deep. Flatten the configuration."),
                open,
                open + 1,
            );
            self.depth -= 1;
            return;
        }
        let mut inner = self.body(true);
        self.depth -= 1;
        if self.failed {
            return;
        }
        if self.peek() != Some(b'}') {
            // The block's body ran to the end of the file and its errors
            // are reported. Not marked as failed: the enclosing body must
            // not go back and read it all again as its own items (with
            // blocks unclosed inside blocks, that doubled the work at
            // every level).
            self.diagnostics.push(Diagnostic::error(
                strata_types::codes::UNCLOSED_CONFIGURATION_BLOCK,
                "Unclosed configuration block",
                format!(
                    "There is no closing brace for the \"{name}\" block that starts here before the end of the file. Add a \"}}\" where the block should end."
                ),
                self.span(open, open + 1),
            ));
            return;
        }
        self.pos += 1;
        inner.span = self.span(open, self.pos);
        let end = self.pos;
        self.skip_space(false);
        match self.peek() {
            None | Some(b'\n') => {}
            Some(b'}') if nested => {}
            _ => {
                let p = self.pos;
                self.error(
                    strata_types::codes::MISSING_NEWLINE_AFTER_BLOCK_DEFINITION,
                    "Missing newline after block definition",
                    "A block definition must end with a newline. Put the next argument or block on its own line.",
                    p,
                    p,
                );
                return;
            }
        }
        labels.shrink_to_fit();
        body.blocks.push(Block {
            type_name: name,
            type_span: name_span,
            labels,
            body: inner,
            span: self.span(item_start, end),
        });
    }

    /// Skips to the start of the next line outside any brackets.
    fn recover_line(&mut self) {
        let mut depth = 0i32;
        while let Some(c) = self.peek() {
            match c {
                b'{' | b'[' | b'(' => depth += 1,
                b'}' | b']' | b')' => {
                    if depth == 0 {
                        // Leave a closing brace for the enclosing block.
                        if c == b'}' {
                            return;
                        }
                    } else {
                        depth -= 1;
                    }
                }
                b'"' => {
                    self.pos += 1;
                    while let Some(c) = self.peek() {
                        if c == b'\n' {
                            break;
                        }
                        self.pos = (self.pos + if c == b'\\' { 2 } else { 1 }).min(self.src.len());
                        if c == b'"' {
                            break;
                        }
                    }
                    // Let the loop see the newline or the next character.
                    continue;
                }
                b'\n' if depth <= 0 => {
                    self.pos += 1;
                    return;
                }
                _ => {}
            }
            if self.pos < self.src.len() {
                self.pos += 1;
            }
        }
    }

    // ---- expressions -----------------------------------------------------

    fn expression(&mut self) -> Expr {
        self.depth += 1;
        let e = if self.depth > MAX_DEPTH {
            let p = self.pos;
            self.error(
                strata_types::codes::NESTING_TOO_DEEP,
                "Nesting too deep",
                &format!("The expression is nested or chained more than {MAX_DEPTH} levels deep. Simplify it."),
                p,
                p,
            );
            self.bad(p)
        } else {
            self.conditional()
        };
        self.depth -= 1;
        e
    }

    fn bad(&self, at: usize) -> Expr {
        Expr {
            kind: ExprKind::Literal(Value::dynamic_null()),
            span: self.span(at, at),
        }
    }

    fn conditional(&mut self) -> Expr {
        let cond = self.binary(0);
        if self.failed {
            return cond;
        }
        self.skip_trivia();
        if self.peek() != Some(b'?') {
            return cond;
        }
        self.pos += 1;
        self.skip_trivia();
        let then = self.expression();
        if self.failed {
            return then;
        }
        self.skip_trivia();
        if self.peek() != Some(b':') {
            let p = self.pos;
            self.error(
                strata_types::codes::MISSING_FALSE_EXPRESSION_IN_CONDITIONAL,
                "Missing false expression in conditional",
                "The conditional operator (...?...:...) requires a false expression, delimited by a colon.",
                p,
                p,
            );
            return then;
        }
        self.pos += 1;
        self.skip_trivia();
        let otherwise = self.expression();
        let span = cond.span.to(otherwise.span);
        Expr {
            kind: ExprKind::Conditional(Box::new(cond), Box::new(then), Box::new(otherwise)),
            span,
        }
    }

    fn binary_op(&self) -> Option<(BinaryOp, usize)> {
        let two = |a: u8, b: u8| self.peek() == Some(a) && self.peek_at(1) == Some(b);
        Some(match self.peek()? {
            b'|' if two(b'|', b'|') => (BinaryOp::Or, 2),
            b'&' if two(b'&', b'&') => (BinaryOp::And, 2),
            b'=' if two(b'=', b'=') => (BinaryOp::Equal, 2),
            b'!' if two(b'!', b'=') => (BinaryOp::NotEqual, 2),
            b'<' if two(b'<', b'=') => (BinaryOp::LessEqual, 2),
            b'>' if two(b'>', b'=') => (BinaryOp::GreaterEqual, 2),
            b'<' if self.peek_at(1) != Some(b'<') => (BinaryOp::Less, 1),
            b'>' => (BinaryOp::Greater, 1),
            b'+' => (BinaryOp::Add, 1),
            b'-' => (BinaryOp::Subtract, 1),
            b'*' => (BinaryOp::Multiply, 1),
            b'/' if !matches!(self.peek_at(1), Some(b'/') | Some(b'*')) => (BinaryOp::Divide, 1),
            b'%' => (BinaryOp::Modulo, 1),
            _ => return None,
        })
    }

    fn binary(&mut self, min_precedence: u8) -> Expr {
        let depth = self.depth;
        let left = self.binary_chain(min_precedence);
        self.depth = depth;
        left
    }

    /// The operands and operators of one chain: each operator nests the
    /// chain so far one level deeper.
    fn binary_chain(&mut self, min_precedence: u8) -> Expr {
        let mut left = self.unary();
        loop {
            if self.failed {
                return left;
            }
            self.skip_trivia();
            let Some((op, len)) = self.binary_op() else {
                return left;
            };
            if op.precedence() <= min_precedence {
                return left;
            }
            if self.chain_too_deep() {
                return left;
            }
            self.pos += len;
            self.skip_trivia();
            let right = self.binary(op.precedence());
            let span = left.span.to(right.span);
            left = Expr {
                kind: ExprKind::Binary(op, Box::new(left), Box::new(right)),
                span,
            };
        }
    }

    fn unary(&mut self) -> Expr {
        let start = self.pos;
        let op = match self.peek() {
            Some(b'!') => UnaryOp::Not,
            Some(b'-') => UnaryOp::Negate,
            _ => return self.postfix(),
        };
        self.pos += 1;
        self.skip_trivia();
        self.depth += 1;
        let operand = if self.depth > MAX_DEPTH {
            let p = self.pos;
            self.error(
                strata_types::codes::NESTING_TOO_DEEP,
                "Nesting too deep",
                &format!("The expression is nested or chained more than {MAX_DEPTH} levels deep. Simplify it."),
                p,
                p,
            );
            self.bad(p)
        } else {
            self.unary()
        };
        self.depth -= 1;
        let span = self.span(start, operand.span.end as usize);
        Expr {
            kind: ExprKind::Unary(op, Box::new(operand)),
            span,
        }
    }

    fn postfix(&mut self) -> Expr {
        let depth = self.depth;
        let mut expr = self.primary();
        let expr = loop {
            if self.failed || self.chain_too_deep() {
                break expr;
            }
            match self.traversal_step(expr, true) {
                Ok(next) => expr = next,
                Err(done) => break done,
            }
        };
        self.depth = depth;
        expr
    }

    /// Counts one more link of a chain; past [`MAX_DEPTH`], reports it.
    fn chain_too_deep(&mut self) -> bool {
        self.depth += 1;
        if self.depth <= MAX_DEPTH {
            return false;
        }
        let p = self.pos;
        self.error(
            strata_types::codes::NESTING_TOO_DEEP,
            "Nesting too deep",
            &format!("The expression is nested or chained more than {MAX_DEPTH} levels deep. Simplify it."),
            p,
            p,
        );
        true
    }

    /// Applies one traversal step to `expr`; `Err` gives `expr` back when
    /// the next token is not a traversal step.
    fn traversal_step(&mut self, expr: Expr, allow_splat: bool) -> Result<Expr, Expr> {
        let save = self.pos;
        // Spaces may separate a step from its operand; newlines only
        // inside brackets.
        self.skip_trivia();
        match self.peek() {
            Some(b'.') if self.peek_at(1) == Some(b'*') && allow_splat => {
                self.pos += 2;
                let each = self.splat_steps(false);
                let span = self.span(expr.span.start as usize, self.pos);
                Ok(Expr {
                    kind: ExprKind::Splat {
                        source: Box::new(expr),
                        each: Box::new(each),
                    },
                    span,
                })
            }
            Some(b'.') if self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) => {
                self.pos += 1;
                let start = self.pos;
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
                let n = Number::parse(&self.text[start..self.pos]).unwrap_or_else(Number::zero);
                let key = Expr {
                    kind: ExprKind::Literal(Value::number(n)),
                    span: self.span(start, self.pos),
                };
                let span = self.span(expr.span.start as usize, self.pos);
                Ok(Expr {
                    kind: ExprKind::Index(Box::new(expr), Box::new(key)),
                    span,
                })
            }
            Some(b'.') if self.peek_at(1) != Some(b'.') => {
                self.pos += 1;
                let Some((name, name_span)) = self.ident() else {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::INVALID_ATTRIBUTE_NAME,
                        "Invalid attribute name",
                        "An attribute name is required after a dot.",
                        p,
                        p,
                    );
                    return Err(expr);
                };
                let span = self.span(expr.span.start as usize, name_span.end as usize);
                // `resource.TYPE.NAME` is Terraform's long form of
                // `TYPE.NAME`: read as that, it is one reference everywhere.
                if matches!(&expr.kind, ExprKind::Variable(root) if root == "resource") {
                    return Ok(Expr {
                        kind: ExprKind::Variable(name),
                        span,
                    });
                }
                Ok(Expr {
                    kind: ExprKind::GetAttr(Box::new(expr), name),
                    span,
                })
            }
            Some(b'[') => {
                let open = self.pos;
                self.pos += 1;
                self.newline_sensitive.push(false);
                self.skip_trivia();
                if self.peek() == Some(b'*') && allow_splat {
                    self.pos += 1;
                    self.skip_trivia();
                    self.newline_sensitive.pop();
                    if self.peek() != Some(b']') {
                        let p = self.pos;
                        self.error(strata_types::codes::MISSING_CLOSE_BRACKET_ON_SPLAT_INDEX, "Missing close bracket on splat index", "The star for a full splat operator must be immediately followed by a closing bracket (\"]\").", p, p);
                        return Err(expr);
                    }
                    self.pos += 1;
                    let each = self.splat_steps(true);
                    let span = self.span(expr.span.start as usize, self.pos);
                    return Ok(Expr {
                        kind: ExprKind::Splat {
                            source: Box::new(expr),
                            each: Box::new(each),
                        },
                        span,
                    });
                }
                let key = self.expression();
                self.skip_trivia();
                self.newline_sensitive.pop();
                if self.failed {
                    return Err(expr);
                }
                if self.peek() != Some(b']') {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::MISSING_CLOSE_BRACKET_ON_INDEX,
                        "Missing close bracket on index",
                        "The index operator must end with a closing bracket (\"]\").",
                        open,
                        p,
                    );
                    return Err(expr);
                }
                self.pos += 1;
                let span = self.span(expr.span.start as usize, self.pos);
                Ok(Expr {
                    kind: ExprKind::Index(Box::new(expr), Box::new(key)),
                    span,
                })
            }
            _ => {
                self.pos = save;
                Err(expr)
            }
        }
    }

    /// The steps after a splat, applied to each element. A full splat
    /// (`[*]`) takes attribute and index steps; an attribute-only splat
    /// (`.*`) takes attribute steps only.
    fn splat_steps(&mut self, full: bool) -> Expr {
        let at = self.pos;
        let mut each = Expr {
            kind: ExprKind::SplatItem,
            span: self.span(at, at),
        };
        loop {
            let save = self.pos;
            self.skip_trivia();
            let is_attr = self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|c| c != b'*');
            let is_index = self.peek() == Some(b'[') && self.peek_at(1) != Some(b'*');
            self.pos = save;
            if !(is_attr || (full && is_index)) {
                return each;
            }
            match self.traversal_step(each, false) {
                Ok(next) => each = next,
                Err(done) => return done,
            }
            if self.failed {
                return each;
            }
        }
    }

    fn primary(&mut self) -> Expr {
        let start = self.pos;
        let Some(c) = self.peek() else {
            self.error(
                strata_types::codes::INVALID_EXPRESSION,
                "Invalid expression",
                "Expected the start of an expression, but found the end of the file.",
                start,
                start,
            );
            return self.bad(start);
        };
        match c {
            b'0'..=b'9' => self.number(),
            b'"' => self.quoted_template(),
            b'<' if self.starts_with("<<") => self.heredoc(),
            b'(' => {
                self.pos += 1;
                self.newline_sensitive.push(false);
                self.skip_trivia();
                let inner = self.expression();
                self.skip_trivia();
                self.newline_sensitive.pop();
                if self.failed {
                    return inner;
                }
                if self.peek() != Some(b')') {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::UNBALANCED_PARENTHESES,
                        "Unbalanced parentheses",
                        "Expected a closing parenthesis to terminate the expression.",
                        start,
                        p,
                    );
                    return inner;
                }
                self.pos += 1;
                Expr {
                    kind: ExprKind::Parens(Box::new(inner)),
                    span: self.span(start, self.pos),
                }
            }
            b'[' => self.tuple_or_for(),
            b'{' => self.object_or_for(),
            _ => {
                let Some((name, name_span)) = self.ident() else {
                    let ch = self.peek_char().unwrap_or(' ');
                    let detail = if ch == '\'' {
                        "Single quotes are not valid. Use double quotes (\") to enclose strings."
                            .to_string()
                    } else {
                        "Expected the start of an expression, but found an invalid expression token.".to_string()
                    };
                    self.error(
                        strata_types::codes::INVALID_EXPRESSION,
                        "Invalid expression",
                        &detail,
                        start,
                        start,
                    );
                    return self.bad(start);
                };
                match name.as_str() {
                    "true" => {
                        return Expr {
                            kind: ExprKind::Literal(Value::bool(true)),
                            span: name_span,
                        }
                    }
                    "false" => {
                        return Expr {
                            kind: ExprKind::Literal(Value::bool(false)),
                            span: name_span,
                        }
                    }
                    "null" => {
                        return Expr {
                            kind: ExprKind::Literal(Value::dynamic_null()),
                            span: name_span,
                        }
                    }
                    _ => {}
                }
                // Namespaced function names: provider::aws::arn_parse.
                let mut full_name = name;
                let mut name_end = name_span.end as usize;
                while self.starts_with("::") {
                    self.pos += 2;
                    match self.ident() {
                        Some((part, part_span)) => {
                            full_name.push_str("::");
                            full_name.push_str(&part);
                            name_end = part_span.end as usize;
                        }
                        None => {
                            let p = self.pos;
                            self.error(
                                strata_types::codes::INVALID_FUNCTION_NAME,
                                "Invalid function name",
                                "A name is required after \"::\".",
                                p,
                                p,
                            );
                            return self.bad(start);
                        }
                    }
                }
                let name_span = self.span(start, name_end);
                let save = self.pos;
                self.skip_space(false);
                if self.peek() == Some(b'(') {
                    return self.call(full_name, name_span);
                }
                self.pos = save;
                if full_name.contains("::") {
                    self.error(
                        strata_types::codes::INVALID_FUNCTION_NAME,
                        "Invalid function name",
                        "A namespaced name must be followed by a call's parentheses.",
                        start,
                        name_end,
                    );
                    return self.bad(start);
                }
                Expr {
                    kind: ExprKind::Variable(full_name),
                    span: name_span,
                }
            }
        }
    }

    fn number(&mut self) -> Expr {
        let start = self.pos;
        while self.peek().is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
        }
        if self.peek() == Some(b'.') && self.peek_at(1).is_some_and(|c| c.is_ascii_digit()) {
            self.pos += 1;
            while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                self.pos += 1;
            }
        }
        if matches!(self.peek(), Some(b'e') | Some(b'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.peek(), Some(b'+') | Some(b'-')) {
                self.pos += 1;
            }
            if self.peek().is_some_and(|c| c.is_ascii_digit()) {
                while self.peek().is_some_and(|c| c.is_ascii_digit()) {
                    self.pos += 1;
                }
            } else {
                self.pos = save;
            }
        }
        let text = &self.text[start..self.pos];
        match Number::parse(text) {
            Some(n) => Expr {
                kind: ExprKind::Literal(Value::number(n)),
                span: self.span(start, self.pos),
            },
            None => {
                let p = self.pos;
                self.error(
                    strata_types::codes::INVALID_NUMBER_LITERAL,
                    "Invalid number literal",
                    "This number is out of the range Strata can represent.",
                    start,
                    p,
                );
                self.bad(start)
            }
        }
    }

    fn call(&mut self, name: String, name_span: Span) -> Expr {
        let start = name_span.start as usize;
        self.pos += 1; // '('
        self.newline_sensitive.push(false);
        let mut args = Vec::new();
        let mut expand_final = false;
        loop {
            self.skip_trivia();
            if self.peek() == Some(b')') {
                break;
            }
            if self.peek().is_none() {
                break;
            }
            let arg = self.expression();
            if self.failed {
                self.newline_sensitive.pop();
                return self.bad(start);
            }
            args.push(arg);
            self.skip_trivia();
            if self.starts_with("...") {
                self.pos += 3;
                expand_final = true;
                self.skip_trivia();
                if self.peek() == Some(b',') {
                    self.pos += 1;
                    self.skip_trivia();
                }
                break;
            }
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b')') => break,
                _ => {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::MISSING_ARGUMENT_SEPARATOR,
                        "Missing argument separator",
                        "A comma is required to separate each function argument from the next.",
                        p,
                        p,
                    );
                    self.newline_sensitive.pop();
                    return self.bad(start);
                }
            }
        }
        self.newline_sensitive.pop();
        if self.peek() != Some(b')') {
            let p = self.pos;
            self.error(
                strata_types::codes::UNTERMINATED_FUNCTION_CALL,
                "Unterminated function call",
                "There is no closing parenthesis for this function call's argument list.",
                start,
                p,
            );
            return self.bad(start);
        }
        self.pos += 1;
        args.shrink_to_fit();
        Expr {
            kind: ExprKind::Call(Box::new(crate::ast::Call {
                name,
                name_span,
                args,
                expand_final,
            })),
            span: self.span(start, self.pos),
        }
    }

    /// True when the upcoming tokens are `for <ident>`.
    fn at_for_keyword(&self) -> bool {
        if !self.starts_with("for") {
            return false;
        }
        let after = self.src.get(self.pos + 3).copied();
        matches!(after, Some(b' ') | Some(b'\t') | Some(b'\n') | Some(b'\r'))
    }

    fn for_intro(&mut self, start: usize) -> Option<(Option<String>, String, Expr)> {
        self.pos += 3;
        self.skip_trivia();
        let Some((first, _)) = self.ident() else {
            let p = self.pos;
            self.error(
                strata_types::codes::INVALID_FOR_EXPRESSION,
                "Invalid 'for' expression",
                "For expression requires a variable name after 'for'.",
                start,
                p,
            );
            return None;
        };
        self.skip_trivia();
        let mut key = None;
        let mut value = first;
        if self.peek() == Some(b',') {
            self.pos += 1;
            self.skip_trivia();
            let Some((second, _)) = self.ident() else {
                let p = self.pos;
                self.error(
                    strata_types::codes::INVALID_FOR_EXPRESSION,
                    "Invalid 'for' expression",
                    "For expression requires a value variable name after the comma.",
                    start,
                    p,
                );
                return None;
            };
            key = Some(value);
            value = second;
            self.skip_trivia();
        }
        if !self.starts_with("in") {
            let p = self.pos;
            self.error(
                strata_types::codes::INVALID_FOR_EXPRESSION,
                "Invalid 'for' expression",
                "For expression requires the 'in' keyword after its name declarations.",
                start,
                p,
            );
            return None;
        }
        self.pos += 2;
        self.skip_trivia();
        let collection = self.expression();
        if self.failed {
            return None;
        }
        self.skip_trivia();
        if self.peek() != Some(b':') {
            let p = self.pos;
            self.error(
                strata_types::codes::INVALID_FOR_EXPRESSION,
                "Invalid 'for' expression",
                "For expression requires a colon after the collection expression.",
                start,
                p,
            );
            return None;
        }
        self.pos += 1;
        self.skip_trivia();
        Some((key, value, collection))
    }

    fn for_condition(&mut self) -> Option<Expr> {
        self.skip_trivia();
        if self.starts_with("if")
            && !self
                .src
                .get(self.pos + 2)
                .is_some_and(|&c| (c as char).is_alphanumeric() || c == b'_' || c == b'-')
        {
            self.pos += 2;
            self.skip_trivia();
            let c = self.expression();
            self.skip_trivia();
            return Some(c);
        }
        None
    }

    fn tuple_or_for(&mut self) -> Expr {
        let start = self.pos;
        self.pos += 1;
        self.newline_sensitive.push(false);
        self.skip_trivia();
        if self.at_for_keyword() {
            let result = self.tuple_for(start);
            self.newline_sensitive.pop();
            return result;
        }
        let mut items = Vec::new();
        loop {
            self.skip_trivia();
            if matches!(self.peek(), Some(b']') | None) {
                break;
            }
            let item = self.expression();
            if self.failed {
                self.newline_sensitive.pop();
                return self.bad(start);
            }
            items.push(item);
            self.skip_trivia();
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b']') => break,
                _ => {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::MISSING_ITEM_SEPARATOR,
                        "Missing item separator",
                        "Expected a comma to mark the beginning of the next item.",
                        p,
                        p,
                    );
                    self.newline_sensitive.pop();
                    return self.bad(start);
                }
            }
        }
        self.newline_sensitive.pop();
        if self.peek() != Some(b']') {
            self.error(
                strata_types::codes::UNTERMINATED_TUPLE_CONSTRUCTOR,
                "Unterminated tuple constructor",
                "There is no corresponding closing bracket before the end of the file.",
                start,
                start + 1,
            );
            return self.bad(start);
        }
        self.pos += 1;
        items.shrink_to_fit();
        Expr {
            kind: ExprKind::Tuple(items),
            span: self.span(start, self.pos),
        }
    }

    fn tuple_for(&mut self, start: usize) -> Expr {
        let Some((key_var, value_var, collection)) = self.for_intro(start) else {
            return self.bad(start);
        };
        let value_expr = self.expression();
        if self.failed {
            return self.bad(start);
        }
        let condition = self.for_condition();
        if self.failed {
            return self.bad(start);
        }
        if self.peek() != Some(b']') {
            let p = self.pos;
            self.error(strata_types::codes::INVALID_FOR_EXPRESSION, "Invalid 'for' expression", "Extra characters after the end of the 'for' expression; expected a closing bracket.", p, p);
            return self.bad(start);
        }
        self.pos += 1;
        let f = ForExpr {
            key_var,
            value_var,
            collection,
            key_expr: None,
            value_expr,
            condition,
            group: false,
        };
        Expr {
            kind: ExprKind::For(Box::new(f)),
            span: self.span(start, self.pos),
        }
    }

    fn object_or_for(&mut self) -> Expr {
        let start = self.pos;
        self.pos += 1;
        self.newline_sensitive.push(false);
        self.skip_trivia();
        if self.at_for_keyword() {
            let result = self.object_for(start);
            self.newline_sensitive.pop();
            return result;
        }
        self.newline_sensitive.pop();
        self.newline_sensitive.push(true);
        let mut items = Vec::new();
        loop {
            self.skip_space(true);
            if matches!(self.peek(), Some(b'}') | None) {
                break;
            }
            let key_start = self.pos;
            let key_expr = self.expression();
            if self.failed {
                self.newline_sensitive.pop();
                return self.bad(start);
            }
            let key = match &key_expr.kind {
                ExprKind::Variable(name) => ObjectKey::Name(name.clone()),
                _ => ObjectKey::Expr(key_expr),
            };
            self.skip_space(false);
            match self.peek() {
                Some(b'=') | Some(b':') => self.pos += 1,
                _ => {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::MISSING_KEY_VALUE_SEPARATOR,
                        "Missing key/value separator",
                        "Expected an equals sign (\"=\") to mark the beginning of the attribute value.",
                        key_start,
                        p,
                    );
                    self.newline_sensitive.pop();
                    return self.bad(start);
                }
            }
            self.skip_space(false);
            let value = self.expression();
            if self.failed {
                self.newline_sensitive.pop();
                return self.bad(start);
            }
            items.push((key, value));
            self.skip_space(false);
            match self.peek() {
                Some(b',') => self.pos += 1,
                Some(b'\n') => self.pos += 1,
                Some(b'}') => break,
                _ => {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::MISSING_ATTRIBUTE_SEPARATOR,
                        "Missing attribute separator",
                        "Expected a newline or comma to mark the beginning of the next attribute.",
                        p,
                        p,
                    );
                    self.newline_sensitive.pop();
                    return self.bad(start);
                }
            }
        }
        self.newline_sensitive.pop();
        if self.peek() != Some(b'}') {
            self.error(
                strata_types::codes::UNTERMINATED_OBJECT_CONSTRUCTOR,
                "Unterminated object constructor",
                "There is no corresponding closing brace before the end of the file.",
                start,
                start + 1,
            );
            return self.bad(start);
        }
        self.pos += 1;
        items.shrink_to_fit();
        Expr {
            kind: ExprKind::Object(items),
            span: self.span(start, self.pos),
        }
    }

    fn object_for(&mut self, start: usize) -> Expr {
        let Some((key_var, value_var, collection)) = self.for_intro(start) else {
            return self.bad(start);
        };
        let key_expr = self.expression();
        if self.failed {
            return self.bad(start);
        }
        self.skip_trivia();
        if !self.starts_with("=>") {
            let p = self.pos;
            self.error(strata_types::codes::INVALID_FOR_EXPRESSION, "Invalid 'for' expression", "An object 'for' expression requires \"=>\" between the key and the value expressions.", p, p);
            return self.bad(start);
        }
        self.pos += 2;
        self.skip_trivia();
        let value_expr = self.expression();
        if self.failed {
            return self.bad(start);
        }
        self.skip_trivia();
        let mut group = false;
        if self.starts_with("...") {
            self.pos += 3;
            group = true;
        }
        let condition = self.for_condition();
        if self.failed {
            return self.bad(start);
        }
        if self.peek() != Some(b'}') {
            let p = self.pos;
            self.error(
                strata_types::codes::INVALID_FOR_EXPRESSION,
                "Invalid 'for' expression",
                "Extra characters after the end of the 'for' expression; expected a closing brace.",
                p,
                p,
            );
            return self.bad(start);
        }
        self.pos += 1;
        let f = ForExpr {
            key_var,
            value_var,
            collection,
            key_expr: Some(key_expr),
            value_expr,
            condition,
            group,
        };
        Expr {
            kind: ExprKind::For(Box::new(f)),
            span: self.span(start, self.pos),
        }
    }

    // ---- templates -------------------------------------------------------

    fn quoted_template(&mut self) -> Expr {
        let start = self.pos;
        self.pos += 1;
        let mut pieces = Vec::new();
        let mut literal = String::new();
        loop {
            let Some(c) = self.peek() else {
                self.error(
                    strata_types::codes::UNTERMINATED_TEMPLATE_STRING,
                    "Unterminated template string",
                    "No closing marker was found for the string. Add a double quote (\") where the string should end.",
                    start,
                    start + 1,
                );
                return self.bad(start);
            };
            match c {
                b'"' => {
                    self.pos += 1;
                    break;
                }
                b'\n' => {
                    self.error(
                        strata_types::codes::INVALID_MULTI_LINE_STRING,
                        "Invalid multi-line string",
                        "Quoted strings may not be split over multiple lines. To produce a multi-line string, either use the \\n escape to represent a newline character or use the \"heredoc\" multi-line template syntax.",
                        start,
                        self.pos,
                    );
                    return self.bad(start);
                }
                b'\\' => {
                    let esc_start = self.pos;
                    self.pos += 1;
                    let Some(e) = self.peek() else { continue };
                    self.pos += 1;
                    match e {
                        b'n' => literal.push('\n'),
                        b'r' => literal.push('\r'),
                        b't' => literal.push('\t'),
                        b'"' => literal.push('"'),
                        b'\\' => literal.push('\\'),
                        b'u' | b'U' => {
                            let len = if e == b'u' { 4 } else { 8 };
                            let hex = self.text.get(self.pos..self.pos + len).unwrap_or("");
                            match u32::from_str_radix(hex, 16)
                                .ok()
                                .filter(|_| hex.len() == len)
                                .and_then(char::from_u32)
                            {
                                Some(ch) => {
                                    literal.push(ch);
                                    self.pos += len;
                                }
                                None => {
                                    let p = self.pos;
                                    self.error(strata_types::codes::INVALID_ESCAPE_SEQUENCE, "Invalid escape sequence", "The \\u escape requires four hexadecimal digits and \\U eight, naming a valid Unicode character.", esc_start, p);
                                    return self.bad(start);
                                }
                            }
                        }
                        _ => {
                            let p = self.pos;
                            self.error(
                                strata_types::codes::INVALID_ESCAPE_SEQUENCE,
                                "Invalid escape sequence",
                                &format!(
                                    "The symbol \"{}\" is not a valid escape sequence selector. Valid escapes are \\n, \\r, \\t, \\\", \\\\, \\uNNNN and \\UNNNNNNNN; to write a literal backslash, use \\\\.",
                                    e as char
                                ),
                                esc_start,
                                p,
                            );
                            return self.bad(start);
                        }
                    }
                }
                _ => {
                    if !self.template_sequence(&mut pieces, &mut literal) {
                        if self.failed {
                            return self.bad(start);
                        }
                        let ch = self.peek_char().unwrap_or(' ');
                        literal.push(ch);
                        self.pos += ch.len_utf8();
                    }
                }
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        self.finish_template(pieces, start)
    }

    /// Handles `${`, `%{`, `$${` and `%%{` at the cursor; returns false when
    /// the cursor is at none of them.
    fn template_sequence(&mut self, pieces: &mut Vec<Piece>, literal: &mut String) -> bool {
        if self.starts_with("$${") {
            literal.push_str("${");
            self.pos += 3;
            return true;
        }
        if self.starts_with("%%{") {
            literal.push_str("%{");
            self.pos += 3;
            return true;
        }
        let interpolation = self.starts_with("${");
        let directive = self.starts_with("%{");
        if !interpolation && !directive {
            return false;
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(std::mem::take(literal)));
        }
        let open = self.pos;
        self.pos += 2;
        let strip_left = self.peek() == Some(b'~');
        if strip_left {
            self.pos += 1;
        }
        self.newline_sensitive.push(false);
        self.skip_trivia();
        let piece = if interpolation {
            let expr = self.expression();
            self.skip_trivia();
            Some(Piece::Interp {
                expr,
                strip_left,
                strip_right: false,
            })
        } else {
            self.directive(open, strip_left)
        };
        self.newline_sensitive.pop();
        let Some(mut piece) = piece else { return true };
        if self.failed {
            return true;
        }
        let strip_right = self.peek() == Some(b'~');
        if strip_right {
            self.pos += 1;
        }
        if self.peek() != Some(b'}') {
            let p = self.pos;
            let what = if interpolation {
                "interpolation"
            } else {
                "template directive"
            };
            self.error(
                strata_types::codes::INVALID_TEMPLATE_SEQUENCE,
                "Invalid template sequence",
                &format!(
                    "Extra characters in {what}; expected a closing brace (\"}}\") to end it."
                ),
                open,
                p,
            );
            return true;
        }
        self.pos += 1;
        match &mut piece {
            Piece::Interp { strip_right: s, .. }
            | Piece::If { strip_right: s, .. }
            | Piece::Else { strip_right: s, .. }
            | Piece::EndIf { strip_right: s, .. }
            | Piece::For { strip_right: s, .. }
            | Piece::EndFor { strip_right: s, .. } => *s = strip_right,
            Piece::Literal(_) => {}
        }
        pieces.push(piece);
        true
    }

    fn directive(&mut self, open: usize, strip_left: bool) -> Option<Piece> {
        let Some((keyword, _)) = self.ident() else {
            let p = self.pos;
            self.error(strata_types::codes::INVALID_TEMPLATE_DIRECTIVE, "Invalid template directive", "A template directive keyword (\"if\", \"for\", etc) is expected at the beginning of a %{ sequence.", open, p);
            return None;
        };
        self.skip_trivia();
        let span = self.span(open, self.pos);
        let (sl, sr) = (strip_left, false);
        Some(match keyword.as_str() {
            "if" => {
                let cond = self.expression();
                self.skip_trivia();
                Piece::If {
                    cond,
                    strip_left: sl,
                    strip_right: sr,
                    span,
                }
            }
            "else" => Piece::Else {
                strip_left: sl,
                strip_right: sr,
                span,
            },
            "endif" => Piece::EndIf {
                strip_left: sl,
                strip_right: sr,
                span,
            },
            "endfor" => Piece::EndFor {
                strip_left: sl,
                strip_right: sr,
                span,
            },
            "for" => {
                let Some((first, _)) = self.ident() else {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::INVALID_TEMPLATE_DIRECTIVE,
                        "Invalid template directive",
                        "A 'for' directive requires a variable name.",
                        open,
                        p,
                    );
                    return None;
                };
                self.skip_trivia();
                let (key, value) = if self.peek() == Some(b',') {
                    self.pos += 1;
                    self.skip_trivia();
                    let Some((second, _)) = self.ident() else {
                        let p = self.pos;
                        self.error(
                            strata_types::codes::INVALID_TEMPLATE_DIRECTIVE,
                            "Invalid template directive",
                            "A value variable name is required after the comma.",
                            open,
                            p,
                        );
                        return None;
                    };
                    self.skip_trivia();
                    (Some(first), second)
                } else {
                    (None, first)
                };
                if !self.starts_with("in") {
                    let p = self.pos;
                    self.error(
                        strata_types::codes::INVALID_TEMPLATE_DIRECTIVE,
                        "Invalid template directive",
                        "A 'for' directive requires the 'in' keyword after its variable names.",
                        open,
                        p,
                    );
                    return None;
                }
                self.pos += 2;
                self.skip_trivia();
                let coll = self.expression();
                self.skip_trivia();
                Piece::For {
                    key,
                    value,
                    coll,
                    strip_left: sl,
                    strip_right: sr,
                    span,
                }
            }
            other => {
                let p = self.pos;
                self.error(
                    strata_types::codes::INVALID_TEMPLATE_DIRECTIVE,
                    "Invalid template directive",
                    &format!("\"{other}\" is not a template directive; the directives are if, else, endif, for and endfor."),
                    open,
                    p,
                );
                return None;
            }
        })
    }

    fn bare_template(&mut self) -> Expr {
        let mut pieces = Vec::new();
        let mut literal = String::new();
        while self.pos < self.src.len() {
            if !self.template_sequence(&mut pieces, &mut literal) {
                let ch = self.peek_char().unwrap_or(' ');
                literal.push(ch);
                self.pos += ch.len_utf8();
            }
            if self.failed {
                return self.bad(0);
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        self.finish_template(pieces, 0)
    }

    fn heredoc(&mut self) -> Expr {
        let start = self.pos;
        self.pos += 2;
        let flush = self.peek() == Some(b'-');
        if flush {
            self.pos += 1;
        }
        let Some((delimiter, _)) = self.ident() else {
            let p = self.pos;
            self.error(
                strata_types::codes::INVALID_HEREDOC,
                "Invalid heredoc",
                "A heredoc needs a delimiter name right after \"<<\" or \"<<-\", such as <<EOT.",
                start,
                p,
            );
            return self.bad(start);
        };
        if self.peek() == Some(b'\r') {
            self.pos += 1;
        }
        if self.peek() != Some(b'\n') {
            let p = self.pos;
            self.error(
                strata_types::codes::INVALID_HEREDOC,
                "Invalid heredoc",
                "The heredoc delimiter must be followed immediately by a newline.",
                start,
                p,
            );
            return self.bad(start);
        }
        self.pos += 1;
        let mut pieces = Vec::new();
        let mut literal = String::new();
        let mut at_line_start = true;
        loop {
            if at_line_start {
                let line_end = self.text[self.pos..]
                    .find('\n')
                    .map(|i| self.pos + i)
                    .unwrap_or(self.src.len());
                let line = self.text[self.pos..line_end].trim();
                if line == delimiter {
                    self.pos = self.text[self.pos..line_end]
                        .find(delimiter.as_str())
                        .map(|i| self.pos + i)
                        .unwrap_or(self.pos)
                        + delimiter.len();
                    break;
                }
                at_line_start = false;
            }
            let Some(c) = self.peek() else {
                self.error(
                    strata_types::codes::UNTERMINATED_TEMPLATE_STRING_IN_HEREDOC,
                    "Unterminated template string",
                    &format!("No closing marker was found for the heredoc. Add a line containing only \"{delimiter}\" where it should end."),
                    start,
                    start + 2,
                );
                return self.bad(start);
            };
            if c == b'\n' {
                literal.push('\n');
                self.pos += 1;
                pieces.push(Piece::Literal(std::mem::take(&mut literal)));
                at_line_start = true;
                continue;
            }
            if !self.template_sequence(&mut pieces, &mut literal) {
                if self.failed {
                    return self.bad(start);
                }
                let ch = self.peek_char().unwrap_or(' ');
                literal.push(ch);
                self.pos += ch.len_utf8();
            } else if self.failed {
                return self.bad(start);
            }
        }
        if !literal.is_empty() {
            pieces.push(Piece::Literal(literal));
        }
        if flush {
            flush_heredoc(&mut pieces);
        }
        let mut expr = self.finish_template(pieces, start);
        // A heredoc is never unwrapped to its single interpolation.
        if let ExprKind::TemplateWrap(inner) = expr.kind {
            expr.kind = ExprKind::Template(vec![TemplatePart::Interpolation(*inner)]);
        }
        expr
    }

    fn finish_template(&mut self, mut pieces: Vec<Piece>, start: usize) -> Expr {
        apply_strip_markers(&mut pieces);
        let span = self.span(start, self.pos);
        if pieces.len() == 1 {
            if let Piece::Interp { .. } = &pieces[0] {
                let Some(Piece::Interp { expr, .. }) = pieces.pop() else {
                    unreachable!()
                };
                return Expr {
                    kind: ExprKind::TemplateWrap(Box::new(expr)),
                    span,
                };
            }
        }
        let mut iter = pieces.into_iter().peekable();
        let mut parts = self.nest(&mut iter, None);
        if let Some(extra) = iter.next() {
            let s = match extra {
                Piece::Else { span, .. }
                | Piece::EndIf { span, .. }
                | Piece::EndFor { span, .. } => span,
                _ => span,
            };
            self.error(
                strata_types::codes::UNEXPECTED_TEMPLATE_DIRECTIVE,
                "Unexpected template directive",
                "This directive has no matching opening \"if\" or \"for\".",
                s.start as usize,
                s.end as usize,
            );
        }
        parts.shrink_to_fit();
        Expr {
            kind: ExprKind::Template(parts),
            span,
        }
    }

    /// Builds nested template parts; `until` names the closing directive.
    fn nest(
        &mut self,
        iter: &mut std::iter::Peekable<std::vec::IntoIter<Piece>>,
        until: Option<&str>,
    ) -> Vec<TemplatePart> {
        let mut parts = Vec::new();
        while let Some(piece) = iter.peek() {
            match (piece, until) {
                (Piece::Else { .. }, Some("if"))
                | (Piece::EndIf { .. }, Some("if"))
                | (Piece::EndFor { .. }, Some("for")) => return parts,
                (Piece::Else { .. }, _) | (Piece::EndIf { .. }, _) | (Piece::EndFor { .. }, _) => {
                    return parts
                }
                _ => {}
            }
            let Some(piece) = iter.next() else { break };
            match piece {
                Piece::Literal(s) => {
                    if !s.is_empty() {
                        parts.push(TemplatePart::Literal(s))
                    }
                }
                Piece::Interp { expr, .. } => parts.push(TemplatePart::Interpolation(expr)),
                Piece::If { cond, span, .. } => {
                    let then = self.nest(iter, Some("if"));
                    let mut otherwise = Vec::new();
                    if matches!(iter.peek(), Some(Piece::Else { .. })) {
                        iter.next();
                        otherwise = self.nest(iter, Some("if"));
                    }
                    if matches!(iter.peek(), Some(Piece::EndIf { .. })) {
                        iter.next();
                    } else {
                        self.error(
                            strata_types::codes::UNTERMINATED_TEMPLATE_DIRECTIVE,
                            "Unterminated template directive",
                            "There is no %{ endif } for this %{ if }.",
                            span.start as usize,
                            span.end as usize,
                        );
                    }
                    parts.push(TemplatePart::If {
                        condition: cond,
                        then,
                        otherwise,
                    });
                }
                Piece::For {
                    key,
                    value,
                    coll,
                    span,
                    ..
                } => {
                    let body = self.nest(iter, Some("for"));
                    if matches!(iter.peek(), Some(Piece::EndFor { .. })) {
                        iter.next();
                    } else {
                        self.error(
                            strata_types::codes::UNTERMINATED_TEMPLATE_DIRECTIVE,
                            "Unterminated template directive",
                            "There is no %{ endfor } for this %{ for }.",
                            span.start as usize,
                            span.end as usize,
                        );
                    }
                    parts.push(TemplatePart::For {
                        key,
                        value,
                        collection: coll,
                        body,
                    });
                }
                Piece::Else { .. } | Piece::EndIf { .. } | Piece::EndFor { .. } => unreachable!(),
            }
        }
        parts
    }
}

/// Removes the common leading whitespace of a `<<-` heredoc's lines,
/// counting only lines that start with literal text and are not blank.
fn flush_heredoc(pieces: &mut [Piece]) {
    let mut min_spaces = usize::MAX;
    let mut newline = true;
    let mut adjust = Vec::new();
    for (i, piece) in pieces.iter().enumerate() {
        if newline {
            newline = false;
            let spaces = match piece {
                Piece::Literal(s) => {
                    let trimmed = s.trim_start_matches(char::is_whitespace);
                    if trimmed.is_empty() && s.ends_with('\n') {
                        usize::MAX
                    } else {
                        adjust.push(i);
                        s[..s.len() - trimmed.len()].chars().count()
                    }
                }
                _ => 0,
            };
            min_spaces = min_spaces.min(spaces);
        }
        if let Piece::Literal(s) = piece {
            if s.ends_with('\n') {
                newline = true;
            }
        }
    }
    if min_spaces == usize::MAX {
        return;
    }
    for i in adjust {
        if let Piece::Literal(s) = &mut pieces[i] {
            let cut: usize = s.chars().take(min_spaces).map(char::len_utf8).sum();
            s.drain(..cut);
        }
    }
}

fn apply_strip_markers(pieces: &mut [Piece]) {
    for i in 0..pieces.len() {
        let (strip_left, strip_right) = pieces[i].strips();
        if strip_left && i > 0 {
            if let Piece::Literal(s) = &mut pieces[i - 1] {
                let trimmed = s.trim_end_matches(char::is_whitespace).len();
                s.truncate(trimmed);
            }
        }
        if strip_right && i + 1 < pieces.len() {
            if let Piece::Literal(s) = &mut pieces[i + 1] {
                let trimmed = s.trim_start_matches(char::is_whitespace).to_string();
                *s = trimmed;
            }
        }
    }
}
