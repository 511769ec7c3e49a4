//! The one diagnostic type of Strata, and the source files it points into.
//!
//! A diagnostic has a stable code (`E1xx` syntax, `E2xx` structure,
//! `E3xx` references, `E4xx` types and values, `E5xx` functions, `W…`
//! warnings), a short fixed summary, a full-sentence detail (what is wrong,
//! why, how to fix it) and the span it is about. Rendering lives in the CLI;
//! this module only records.

use std::sync::Arc;

#[derive(Clone, Copy, Debug, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub enum Severity {
    Error,
    Warning,
}

/// A byte range in one source file.
#[derive(Clone, Copy, Debug, Default, PartialEq, Eq, PartialOrd, Ord, Hash)]
pub struct Span {
    pub file: u32,
    pub start: u32,
    pub end: u32,
}

impl Span {
    pub fn new(file: u32, start: usize, end: usize) -> Span {
        Span {
            file,
            start: start as u32,
            end: end as u32,
        }
    }

    /// The smallest span covering both.
    pub fn to(self, other: Span) -> Span {
        if other.file != self.file {
            return self;
        }
        Span {
            file: self.file,
            start: self.start.min(other.start),
            end: self.end.max(other.end),
        }
    }
}

#[derive(Clone, Debug, PartialEq, Eq)]
pub struct Diagnostic {
    pub severity: Severity,
    pub code: &'static str,
    pub summary: String,
    pub detail: String,
    pub span: Option<Span>,
}

impl Diagnostic {
    pub fn error(
        code: &'static str,
        summary: impl Into<String>,
        detail: impl Into<String>,
        span: Span,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            summary: summary.into(),
            detail: detail.into(),
            span: Some(span),
        }
    }

    pub fn warning(
        code: &'static str,
        summary: impl Into<String>,
        detail: impl Into<String>,
        span: Span,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            code,
            summary: summary.into(),
            detail: detail.into(),
            span: Some(span),
        }
    }

    /// The same diagnostic as a warning.
    pub fn into_warning(self) -> Diagnostic {
        Diagnostic {
            severity: Severity::Warning,
            ..self
        }
    }

    /// An error not tied to a place in a file (a missing file, a bad flag).
    pub fn global(
        code: &'static str,
        summary: impl Into<String>,
        detail: impl Into<String>,
    ) -> Diagnostic {
        Diagnostic {
            severity: Severity::Error,
            code,
            summary: summary.into(),
            detail: detail.into(),
            span: None,
        }
    }

    pub fn is_error(&self) -> bool {
        self.severity == Severity::Error
    }
}

/// Collected diagnostics of one operation.
#[derive(Clone, Debug, Default)]
pub struct Diagnostics(pub Vec<Diagnostic>);

impl Diagnostics {
    pub fn push(&mut self, d: Diagnostic) {
        self.0.push(d);
    }
    pub fn extend(&mut self, other: Diagnostics) {
        self.0.extend(other.0);
    }
    pub fn has_errors(&self) -> bool {
        self.0.iter().any(Diagnostic::is_error)
    }
    pub fn is_empty(&self) -> bool {
        self.0.is_empty()
    }
    pub fn iter(&self) -> std::slice::Iter<'_, Diagnostic> {
        self.0.iter()
    }
}

/// One loaded source file.
#[derive(Debug)]
pub struct SourceFile {
    pub name: String,
    pub text: String,
    line_starts: Vec<usize>,
}

impl SourceFile {
    pub fn new(name: String, text: String) -> SourceFile {
        let mut line_starts = vec![0];
        line_starts.extend(text.match_indices('\n').map(|(i, _)| i + 1));
        SourceFile {
            name,
            text,
            line_starts,
        }
    }

    /// 1-based line and column (in characters) of a byte offset.
    pub fn line_col(&self, offset: usize) -> (usize, usize) {
        let offset = offset.min(self.text.len());
        let line = self.line_starts.partition_point(|&s| s <= offset) - 1;
        let start = self.line_starts[line];
        let column = self
            .text
            .get(start..offset)
            .map(|s| s.chars().count())
            .unwrap_or(offset - start);
        (line + 1, column + 1)
    }

    pub fn line_starts(&self) -> &[usize] {
        &self.line_starts
    }
}

/// All source files of a run; a [`Span`]'s `file` indexes into it.
#[derive(Debug, Default, Clone)]
pub struct SourceMap {
    files: Vec<Arc<SourceFile>>,
}

impl SourceMap {
    pub fn add(&mut self, name: impl Into<String>, text: impl Into<String>) -> u32 {
        self.files
            .push(Arc::new(SourceFile::new(name.into(), text.into())));
        (self.files.len() - 1) as u32
    }

    pub fn get(&self, file: u32) -> Option<&Arc<SourceFile>> {
        self.files.get(file as usize)
    }

    pub fn files(&self) -> &[Arc<SourceFile>] {
        &self.files
    }

    /// `file:line:col` of the start of a span.
    pub fn location(&self, span: Span) -> String {
        match self.get(span.file) {
            Some(f) => {
                let (line, col) = f.line_col(span.start as usize);
                format!("{}:{}:{}", f.name, line, col)
            }
            None => "<unknown>".into(),
        }
    }

    pub fn text(&self, span: Span) -> &str {
        self.get(span.file)
            .and_then(|f| f.text.get(span.start as usize..span.end as usize))
            .unwrap_or("")
    }
}
