//! The canonical layout of `terraform fmt`.
//!
//! It works on tokens, as Terraform's formatter does: the file is split
//! into lines; each line's indentation comes from the brackets still open;
//! the spaces between tokens follow fixed rules; the `=` of consecutive
//! one-line attributes and their trailing comments are aligned. Two
//! rewrites of Terraform's own are applied to attribute values first: an
//! interpolation-only string (`"${var.x}"`) is unwrapped, and legacy quoted
//! type keywords in `variable` blocks (`"string"`) become type expressions.
//! Heredoc contents and comments are kept as written.

use crate::lexer::{tokenize, Token, TokenKind};
use TokenKind::*;

/// Formats `src`; the caller checks first that it parses.
pub fn format_source(src: &str) -> String {
    let tokens = rewrite_attribute_values(tokenize(src));
    let mut out = layout(&tokens);
    if !out.is_empty() && !out.ends_with('\n') {
        out.push('\n');
    }
    out
}

fn bracket_change(kind: TokenKind) -> i32 {
    match kind {
        OBrace | OBrack | OParen | TemplateControl | TemplateInterp => 1,
        CBrace | CBrack | CParen | TemplateSeqEnd => -1,
        _ => 0,
    }
}

fn ends_line(t: &Token<'_>) -> bool {
    t.kind == Newline || (t.kind == Comment && t.text.ends_with('\n'))
}

// ---- Terraform's rewrites of attribute values ------------------------------

fn rewrite_attribute_values(tokens: Vec<Token<'_>>) -> Vec<Token<'_>> {
    let mut out = Vec::with_capacity(tokens.len());
    // Block types of the enclosing bodies; empty at the top level.
    let mut blocks: Vec<String> = Vec::new();
    let mut i = 0;
    let mut line_start = true;
    while i < tokens.len() {
        let t = &tokens[i];
        if line_start && t.kind == Ident {
            let next = tokens.get(i + 1).map(|t| t.kind);
            if next == Some(Equal) {
                // An attribute: its value runs to the end of the line at
                // bracket depth zero (or to the brace closing a one-line block).
                let value_start = i + 2;
                let mut depth = 0;
                let mut end = value_start;
                while end < tokens.len() {
                    let k = &tokens[end];
                    if depth == 0 && (ends_line(k) || (k.kind == Comment && end > value_start)) {
                        break;
                    }
                    depth += bracket_change(k.kind);
                    if depth < 0 {
                        break;
                    }
                    end += 1;
                }
                out.push(tokens[i].clone());
                out.push(tokens[i + 1].clone());
                let value = &tokens[value_start..end];
                let in_variable = blocks.last().is_some_and(|b| b == "variable");
                let rewritten = if in_variable && t.text == "type" {
                    rewrite_type(value)
                } else {
                    unwrap_interpolation(value)
                };
                out.extend(rewritten);
                i = end;
                line_start = false;
                continue;
            }
            // A block header: its type, then labels, then "{".
            let mut j = i + 1;
            while j < tokens.len() && matches!(tokens[j].kind, Ident | OQuote | QuotedLit | CQuote)
            {
                j += 1;
            }
            if tokens.get(j).map(|t| t.kind) == Some(OBrace) {
                blocks.push(t.text.to_string());
                out.extend(tokens[i..=j].iter().cloned());
                i = j + 1;
                line_start = true;
                continue;
            }
        }
        match t.kind {
            CBrace => {
                blocks.pop();
            }
            _ if ends_line(t) => line_start = true,
            _ => {}
        }
        if !ends_line(t) && t.kind != CBrace {
            line_start = false;
        }
        out.push(t.clone());
        i += 1;
    }
    out
}

/// `"${ expr }"` → `expr`, when the string is one interpolation and
/// nothing else.
fn unwrap_interpolation<'s>(value: &[Token<'s>]) -> Vec<Token<'s>> {
    let n = value.len();
    if n < 5
        || value[0].kind != OQuote
        || value[1].kind != TemplateInterp
        || value[n - 2].kind != TemplateSeqEnd
        || value[n - 1].kind != CQuote
    {
        return value.to_vec();
    }
    let inside = &value[2..n - 2];
    let mut quotes = 0;
    for t in inside {
        match t.kind {
            OQuote => quotes += 1,
            CQuote => quotes -= 1,
            _ if quotes > 0 => {}
            TemplateInterp | TemplateSeqEnd | QuotedLit => return value.to_vec(),
            _ => {}
        }
    }
    let first = inside
        .iter()
        .position(|t| t.kind != Newline)
        .unwrap_or(inside.len());
    let last = inside
        .iter()
        .rposition(|t| t.kind != Newline)
        .map(|p| p + 1)
        .unwrap_or(first);
    inside[first..last.max(first)].to_vec()
}

fn synthetic(kind: TokenKind, text: &'static str) -> Token<'static> {
    Token { kind, text }
}

/// Legacy type keywords in `variable` blocks: `"string"` → `string`,
/// `"list"` → `list(string)`, `list` → `list(any)`.
fn rewrite_type<'s>(value: &[Token<'s>]) -> Vec<Token<'s>> {
    let call = |name: &'static str, element: &'static str| {
        vec![
            synthetic(Ident, name),
            synthetic(OParen, "("),
            synthetic(Ident, element),
            synthetic(CParen, ")"),
        ]
    };
    match value {
        [t] if t.kind == Ident && matches!(t.text, "list" | "map" | "set") => {
            let name: &'static str = match t.text {
                "list" => "list",
                "map" => "map",
                _ => "set",
            };
            call(name, "any")
        }
        [o, s, c] if o.kind == OQuote && s.kind == QuotedLit && c.kind == CQuote => match s.text {
            "string" => vec![synthetic(Ident, "string")],
            "list" => call("list", "string"),
            "map" => call("map", "string"),
            _ => value.to_vec(),
        },
        _ => value.to_vec(),
    }
}

// ---- layout -----------------------------------------------------------------

struct Line {
    /// Token index ranges: lead, then assign (from `=`), then comment.
    lead: (usize, usize),
    assign: (usize, usize),
    comment: (usize, usize),
}

fn layout(tokens: &[Token<'_>]) -> String {
    let mut spaces = vec![0usize; tokens.len()];
    let mut lines = Vec::new();
    let mut start = 0;
    for (i, t) in tokens.iter().enumerate() {
        if ends_line(t) {
            lines.push(split_line(tokens, start, i + 1));
            start = i + 1;
        }
    }
    if start < tokens.len() {
        lines.push(split_line(tokens, start, tokens.len()));
    }
    indent(tokens, &lines, &mut spaces);
    for line in &lines {
        space_cell(tokens, line.lead, &mut spaces);
        if line.assign.0 < line.assign.1 {
            spaces[line.assign.0] = 1;
            space_cell(tokens, line.assign, &mut spaces);
        }
    }
    align(tokens, &lines, &mut spaces);
    let mut out = String::new();
    for (t, s) in tokens.iter().zip(&spaces) {
        for _ in 0..*s {
            out.push(' ');
        }
        out.push_str(t.text);
    }
    out
}

fn split_line(tokens: &[Token<'_>], start: usize, end: usize) -> Line {
    let mut lead_end = end;
    let mut comment = (end, end);
    if end - start > 1 && tokens[end - 1].kind == Comment {
        comment = (end - 1, end);
        lead_end = end - 1;
    }
    let mut assign = (lead_end, lead_end);
    // The first `=` after the first token starts the "assign" cell, when
    // the rest of the line is a whole expression (no bracket left open).
    if let Some(i) = (start + 1..lead_end).find(|&i| tokens[i].kind == Equal) {
        let mut net = 0;
        for t in &tokens[i..lead_end] {
            net += bracket_change(t.kind);
            if t.kind == OHeredoc {
                break;
            }
        }
        if net == 0 {
            assign = (i, lead_end);
            lead_end = i;
        }
    }
    Line {
        lead: (start, lead_end),
        assign,
        comment,
    }
}

fn indent(tokens: &[Token<'_>], lines: &[Line], spaces: &mut [usize]) {
    let mut stack: Vec<i32> = Vec::new();
    for line in lines {
        let (start, end) = line.lead;
        if start == end {
            continue;
        }
        if tokens[start].kind == Newline {
            spaces[start] = 0;
            continue;
        }
        let mut net = 0;
        for range in [line.lead, line.assign] {
            for t in &tokens[range.0..range.1] {
                net += bracket_change(t.kind);
                if t.kind == OHeredoc {
                    break;
                }
            }
        }
        if net > 0 {
            spaces[start] = 2 * stack.len();
            stack.push(net);
        } else {
            if net < 0 {
                let mut closed = -net;
                while closed > 0 {
                    let Some(top) = stack.last_mut() else { break };
                    if closed >= *top {
                        closed -= *top;
                        stack.pop();
                    } else {
                        *top -= closed;
                        closed = 0;
                    }
                }
            }
            spaces[start] = 2 * stack.len();
        }
    }
}

fn space_cell(tokens: &[Token<'_>], (start, end): (usize, usize), spaces: &mut [usize]) {
    for i in start..end.saturating_sub(1) {
        let before = if i > start {
            Some(tokens[i - 1].kind)
        } else {
            None
        };
        spaces[i + 1] = usize::from(space_after(
            tokens[i].kind,
            before,
            tokens[i + 1].kind,
            tokens[i].text,
        ));
    }
}

/// Whether a space separates `subject` from the token `after` it.
fn space_after(
    subject: TokenKind,
    before: Option<TokenKind>,
    after: TokenKind,
    subject_text: &str,
) -> bool {
    let is_template_text = |k: TokenKind| matches!(k, QuotedLit | StringLit);
    match () {
        _ if after == Newline => false,
        _ if subject == Ident && after == OParen => false,
        _ if (subject == Ident && after == DoubleColon)
            || (subject == DoubleColon && after == Ident) =>
        {
            false
        }
        _ if subject == Dot || after == Dot => false,
        _ if after == Comma || after == Ellipsis => false,
        _ if subject == Comma => true,
        _ if is_template_text(subject)
            || subject == OQuote
            || subject == OHeredoc
            || is_template_text(after)
            || after == CQuote
            || after == CHeredoc =>
        {
            false
        }
        _ if subject == Ident && subject_text == "in" && before == Some(Ident) => true,
        _ if after == OBrack
            && (matches!(subject, Ident | Number) || bracket_change(subject) < 0) =>
        {
            false
        }
        _ if subject == Bang => false,
        _ if subject == Minus => !matches!(
            before,
            None | Some(
                OParen
                    | OBrace
                    | OBrack
                    | Equal
                    | Colon
                    | Comma
                    | Question
                    | Plus
                    | Star
                    | Slash
                    | Percent
                    | Minus
                    | EqualOp
                    | NotEqual
                    | GreaterThan
                    | GreaterThanEq
                    | LessThan
                    | LessThanEq
                    | And
                    | Or
                    | Bang
                    | FatArrow
                    | TemplateInterp
                    | TemplateControl
            )
        ),
        _ if subject == OBrace || after == CBrace => !(subject == OBrace && after == CBrace),
        _ if matches!(subject, TemplateInterp | TemplateControl) && after == OBrace => true,
        _ if subject == CBrace && after == TemplateSeqEnd => true,
        _ if subject == TemplateSeqEnd && matches!(after, TemplateInterp | TemplateControl) => {
            false
        }
        _ if bracket_change(subject) > 0 => false,
        _ if bracket_change(after) < 0 => false,
        _ => true,
    }
}

fn columns(tokens: &[Token<'_>], spaces: &[usize], (start, end): (usize, usize)) -> usize {
    (start..end)
        .map(|i| spaces[i] + tokens[i].text.trim_end_matches('\n').chars().count())
        .sum()
}

/// Aligns `=` across consecutive one-line attributes, then trailing
/// comments across consecutive commented lines.
fn align(tokens: &[Token<'_>], lines: &[Line], spaces: &mut [usize]) {
    let has_assign = |l: &Line| l.assign.0 < l.assign.1;
    let has_comment = |l: &Line| l.comment.0 < l.comment.1;
    let mut i = 0;
    while i < lines.len() {
        if !has_assign(&lines[i]) {
            i += 1;
            continue;
        }
        let chain_start = i;
        while i < lines.len() && has_assign(&lines[i]) {
            i += 1;
        }
        let width = lines[chain_start..i]
            .iter()
            .map(|l| columns(tokens, spaces, l.lead))
            .max()
            .unwrap_or(0);
        for l in &lines[chain_start..i] {
            spaces[l.assign.0] = width - columns(tokens, spaces, l.lead) + 1;
        }
    }
    let mut i = 0;
    while i < lines.len() {
        if !has_comment(&lines[i]) {
            i += 1;
            continue;
        }
        let chain_start = i;
        while i < lines.len() && has_comment(&lines[i]) {
            i += 1;
        }
        let code = |l: &Line, spaces: &[usize]| {
            columns(tokens, spaces, l.lead) + columns(tokens, spaces, l.assign)
        };
        let width = lines[chain_start..i]
            .iter()
            .map(|l| code(l, spaces))
            .max()
            .unwrap_or(0);
        for l in &lines[chain_start..i] {
            spaces[l.comment.0] = width - code(l, spaces) + 1;
        }
    }
}
