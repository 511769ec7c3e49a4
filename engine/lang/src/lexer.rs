//! A lossless tokenizer for the native syntax, used by the formatter.
//!
//! Every byte of the input belongs to exactly one token or to the spaces
//! before a token, so concatenating the tokens with their spacing gives the
//! input back. Template contents (quoted strings and heredocs) are split
//! into literal and interpolation tokens as HCL's scanner splits them,
//! because the canonical layout is defined over those tokens. The parser
//! does not use this: it reads characters directly.

#[derive(Clone, Copy, Debug, PartialEq, Eq)]
pub enum TokenKind {
    Newline,
    /// A comment; a line comment (`#`, `//`) includes its newline.
    Comment,
    Ident,
    Number,
    OQuote,
    CQuote,
    /// Literal text inside a quoted template, escapes as written.
    QuotedLit,
    /// `${` or `${~`.
    TemplateInterp,
    /// `%{` or `%{~`.
    TemplateControl,
    /// `}` or `~}` closing an interpolation or directive.
    TemplateSeqEnd,
    /// `<<EOT` or `<<-EOT` with its newline.
    OHeredoc,
    /// A heredoc line's literal text, with its newline where it has one.
    StringLit,
    /// The closing heredoc marker, with the indentation before it.
    CHeredoc,
    OBrace,
    CBrace,
    OBrack,
    CBrack,
    OParen,
    CParen,
    Comma,
    Dot,
    Ellipsis,
    Colon,
    DoubleColon,
    Question,
    Equal,
    EqualOp,
    NotEqual,
    LessThan,
    LessThanEq,
    GreaterThan,
    GreaterThanEq,
    And,
    Or,
    Bang,
    Plus,
    Minus,
    Star,
    Slash,
    Percent,
    FatArrow,
    Invalid,
}

#[derive(Clone, Debug)]
pub struct Token<'s> {
    pub kind: TokenKind,
    pub text: &'s str,
}

enum Mode {
    /// Inside braces that are ordinary (blocks, objects).
    Brace,
    /// Inside `${ … }` or `%{ … }` of a quoted template.
    QuotedSequence,
    /// Inside `${ … }` or `%{ … }` of a heredoc with this delimiter.
    HeredocSequence(String),
}

pub fn tokenize(src: &str) -> Vec<Token<'_>> {
    let mut lexer = Lexer {
        src,
        bytes: src.as_bytes(),
        pos: 0,
        tokens: Vec::new(),
        modes: Vec::new(),
    };
    lexer.run();
    lexer.tokens
}

struct Lexer<'s> {
    src: &'s str,
    bytes: &'s [u8],
    pos: usize,
    tokens: Vec<Token<'s>>,
    modes: Vec<Mode>,
}

impl<'s> Lexer<'s> {
    fn push(&mut self, kind: TokenKind, start: usize) {
        self.tokens.push(Token {
            kind,
            text: &self.src[start..self.pos],
        });
    }

    fn starts_with(&self, s: &str) -> bool {
        self.bytes[self.pos..].starts_with(s.as_bytes())
    }

    fn run(&mut self) {
        while self.pos < self.bytes.len() {
            self.normal_token();
        }
    }

    fn normal_token(&mut self) {
        while self.pos < self.bytes.len() && matches!(self.bytes[self.pos], b' ' | b'\t') {
            self.pos += 1;
        }
        if self.pos >= self.bytes.len() {
            return;
        }
        let start = self.pos;
        let c = self.bytes[self.pos];
        let two = |s: &Self, t: &str| s.starts_with(t);
        use TokenKind::*;
        let kind = match c {
            b'\r' if self.bytes.get(self.pos + 1) == Some(&b'\n') => {
                self.pos += 2;
                Newline
            }
            b'\n' => {
                self.pos += 1;
                Newline
            }
            b'#' => {
                self.line_comment();
                Comment
            }
            b'/' if two(self, "//") => {
                self.line_comment();
                Comment
            }
            b'/' if two(self, "/*") => {
                self.pos = self.src[self.pos + 2..]
                    .find("*/")
                    .map(|i| self.pos + 2 + i + 2)
                    .unwrap_or(self.bytes.len());
                Comment
            }
            b'"' => {
                self.pos += 1;
                self.push(OQuote, start);
                self.quoted_template();
                return;
            }
            b'<' if two(self, "<<") && self.heredoc_start() => return,
            b'{' => {
                self.pos += 1;
                self.modes.push(Mode::Brace);
                OBrace
            }
            b'}' | b'~' if c == b'}' || two(self, "~}") => match self.modes.pop() {
                Some(Mode::QuotedSequence) => {
                    self.pos += if c == b'~' { 2 } else { 1 };
                    self.push(TemplateSeqEnd, start);
                    self.quoted_template();
                    return;
                }
                Some(Mode::HeredocSequence(delimiter)) => {
                    self.pos += if c == b'~' { 2 } else { 1 };
                    self.push(TemplateSeqEnd, start);
                    self.heredoc_body(&delimiter, false);
                    return;
                }
                _ => {
                    if c == b'~' {
                        self.pos += 1;
                        Invalid
                    } else {
                        self.pos += 1;
                        CBrace
                    }
                }
            },
            b'[' => self.single(OBrack),
            b']' => self.single(CBrack),
            b'(' => self.single(OParen),
            b')' => self.single(CParen),
            b',' => self.single(Comma),
            b'.' if two(self, "...") => {
                self.pos += 3;
                Ellipsis
            }
            b'.' => self.single(Dot),
            b':' if two(self, "::") => {
                self.pos += 2;
                DoubleColon
            }
            b':' => self.single(Colon),
            b'?' => self.single(Question),
            b'=' if two(self, "==") => self.double(EqualOp),
            b'=' if two(self, "=>") => self.double(FatArrow),
            b'=' => self.single(Equal),
            b'!' if two(self, "!=") => self.double(NotEqual),
            b'!' => self.single(Bang),
            b'<' if two(self, "<=") => self.double(LessThanEq),
            b'<' => self.single(LessThan),
            b'>' if two(self, ">=") => self.double(GreaterThanEq),
            b'>' => self.single(GreaterThan),
            b'&' if two(self, "&&") => self.double(And),
            b'|' if two(self, "||") => self.double(Or),
            b'+' => self.single(Plus),
            b'-' => self.single(Minus),
            b'*' => self.single(Star),
            b'/' => self.single(Slash),
            b'%' => self.single(Percent),
            b'0'..=b'9' => {
                self.number();
                Number
            }
            _ => {
                let ch = self.src[self.pos..].chars().next().unwrap_or(' ');
                if ch.is_alphabetic() || ch == '_' {
                    self.pos += ch.len_utf8();
                    while let Some(ch) = self.src[self.pos..].chars().next() {
                        if !(ch.is_alphanumeric() || ch == '_' || ch == '-') {
                            break;
                        }
                        self.pos += ch.len_utf8();
                    }
                    Ident
                } else {
                    self.pos += ch.len_utf8();
                    Invalid
                }
            }
        };
        self.push(kind, start);
    }

    fn single(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 1;
        kind
    }

    fn double(&mut self, kind: TokenKind) -> TokenKind {
        self.pos += 2;
        kind
    }

    fn line_comment(&mut self) {
        match self.src[self.pos..].find('\n') {
            Some(i) => self.pos += i + 1,
            None => self.pos = self.bytes.len(),
        }
    }

    fn number(&mut self) {
        let digits = |l: &mut Self| {
            while l.pos < l.bytes.len() && l.bytes[l.pos].is_ascii_digit() {
                l.pos += 1;
            }
        };
        digits(self);
        if self.starts_with(".") && self.bytes.get(self.pos + 1).is_some_and(u8::is_ascii_digit) {
            self.pos += 1;
            digits(self);
        }
        if matches!(self.bytes.get(self.pos), Some(b'e') | Some(b'E')) {
            let save = self.pos;
            self.pos += 1;
            if matches!(self.bytes.get(self.pos), Some(b'+') | Some(b'-')) {
                self.pos += 1;
            }
            if self.bytes.get(self.pos).is_some_and(u8::is_ascii_digit) {
                digits(self);
            } else {
                self.pos = save;
            }
        }
    }

    /// Opens `${`/`%{` at the cursor, if there is one (not `$${`/`%%{`).
    fn template_open(&mut self) -> Option<TokenKind> {
        let kind = if self.starts_with("${") {
            TokenKind::TemplateInterp
        } else if self.starts_with("%{") {
            TokenKind::TemplateControl
        } else {
            return None;
        };
        let start = self.pos;
        self.pos += 2;
        if self.starts_with("~") {
            self.pos += 1;
        }
        self.push(kind, start);
        Some(kind)
    }

    fn quoted_template(&mut self) {
        let start = self.pos;
        loop {
            if self.pos >= self.bytes.len() || self.bytes[self.pos] == b'\n' {
                if self.pos > start {
                    self.push(TokenKind::QuotedLit, start);
                }
                return;
            }
            match self.bytes[self.pos] {
                b'"' => {
                    if self.pos > start {
                        self.push(TokenKind::QuotedLit, start);
                    }
                    let s = self.pos;
                    self.pos += 1;
                    self.push(TokenKind::CQuote, s);
                    return;
                }
                b'\\' => self.pos = (self.pos + 2).min(self.bytes.len()),
                b'$' | b'%' if self.starts_with("$${") || self.starts_with("%%{") => self.pos += 3,
                b'$' | b'%' if self.starts_with("${") || self.starts_with("%{") => {
                    if self.pos > start {
                        self.push(TokenKind::QuotedLit, start);
                    }
                    self.template_open();
                    self.modes.push(Mode::QuotedSequence);
                    return;
                }
                _ => {
                    let ch = self.src[self.pos..]
                        .chars()
                        .next()
                        .map(char::len_utf8)
                        .unwrap_or(1);
                    self.pos += ch;
                }
            }
        }
    }

    /// At `<<`: lexes a heredoc opener and body; false if this is not one.
    fn heredoc_start(&mut self) -> bool {
        let start = self.pos;
        let mut p = self.pos + 2;
        if self.bytes.get(p) == Some(&b'-') {
            p += 1;
        }
        let name_start = p;
        while p < self.bytes.len()
            && (self.bytes[p].is_ascii_alphanumeric() || self.bytes[p] == b'_')
        {
            p += 1;
        }
        if p == name_start {
            return false;
        }
        let delimiter = self.src[name_start..p].to_string();
        if self.bytes.get(p) == Some(&b'\r') {
            p += 1;
        }
        if self.bytes.get(p) != Some(&b'\n') {
            return false;
        }
        self.pos = p + 1;
        self.push(TokenKind::OHeredoc, start);
        self.heredoc_body(&delimiter, true);
        true
    }

    /// Lexes heredoc lines until the closing marker or a template sequence.
    fn heredoc_body(&mut self, delimiter: &str, mut at_line_start: bool) {
        let mut start = self.pos;
        loop {
            if at_line_start {
                let line_end = self.src[self.pos..]
                    .find('\n')
                    .map(|i| self.pos + i)
                    .unwrap_or(self.bytes.len());
                let line = self.src[self.pos..line_end].trim_end_matches('\r');
                if line.trim() == delimiter {
                    if self.pos > start {
                        self.push(TokenKind::StringLit, start);
                    }
                    let marker_start = self.pos;
                    self.pos += line.trim_end().len();
                    self.push(TokenKind::CHeredoc, marker_start);
                    return;
                }
                at_line_start = false;
            }
            if self.pos >= self.bytes.len() {
                if self.pos > start {
                    self.push(TokenKind::StringLit, start);
                }
                return;
            }
            match self.bytes[self.pos] {
                b'\n' => {
                    self.pos += 1;
                    self.push(TokenKind::StringLit, start);
                    start = self.pos;
                    at_line_start = true;
                }
                b'$' | b'%' if self.starts_with("$${") || self.starts_with("%%{") => self.pos += 3,
                b'$' | b'%' if self.starts_with("${") || self.starts_with("%{") => {
                    if self.pos > start {
                        self.push(TokenKind::StringLit, start);
                    }
                    self.template_open();
                    self.modes
                        .push(Mode::HeredocSequence(delimiter.to_string()));
                    return;
                }
                _ => {
                    let ch = self.src[self.pos..]
                        .chars()
                        .next()
                        .map(char::len_utf8)
                        .unwrap_or(1);
                    self.pos += ch;
                }
            }
        }
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    #[test]
    fn tokens_cover_the_input_and_split_templates() {
        let src = "a = \"x${b}y\" # c\nh = <<EOT\n  ${z}\nEOT\n";
        let tokens = tokenize(src);
        let kinds: Vec<TokenKind> = tokens.iter().map(|t| t.kind).collect();
        use TokenKind::*;
        assert_eq!(
            kinds,
            [
                Ident,
                Equal,
                OQuote,
                QuotedLit,
                TemplateInterp,
                Ident,
                TemplateSeqEnd,
                QuotedLit,
                CQuote,
                Comment,
                Ident,
                Equal,
                OHeredoc,
                StringLit,
                TemplateInterp,
                Ident,
                TemplateSeqEnd,
                StringLit,
                CHeredoc,
                Newline
            ]
        );
        let joined: String = tokens.iter().map(|t| t.text).collect();
        assert_eq!(joined.replace(' ', ""), src.replace(' ', ""));
    }
}
