//! Rendering of diagnostics: `file:line:col` with a code frame and an
//! underline for people, JSON for machines.

use strata_types::{Diagnostic, Severity, SourceMap};

pub struct Style {
    pub color: bool,
    /// Terraform's machine-readable UI (`-json`): every message a JSON
    /// line on stdout ([`crate::ui_json`]).
    pub json: bool,
}

impl Style {
    fn paint(&self, code: &str, text: &str) -> String {
        if self.color {
            format!("\x1b[{code}m{text}\x1b[0m")
        } else {
            text.to_string()
        }
    }
}

pub fn render(d: &Diagnostic, sources: &SourceMap, style: &Style) -> String {
    let (label, color) = match d.severity {
        Severity::Error => ("Error", "1;31"),
        Severity::Warning => ("Warning", "1;33"),
    };
    let mut out = String::new();
    out.push_str(&style.paint(color, &format!("{label}[{}]", d.code)));
    out.push_str(&style.paint("1", &format!(": {}", d.summary)));
    out.push('\n');
    if let Some(span) = d.span {
        if let Some(file) = sources.get(span.file) {
            let (line, col) = file.line_col(span.start as usize);
            let gutter = line.to_string().len();
            out.push_str(&format!(
                "{:w$}--> {}:{}:{}\n",
                "",
                file.name,
                line,
                col,
                w = gutter + 1
            ));
            let starts = file.line_starts();
            let line_start = starts[line - 1];
            let line_end = file.text[line_start..]
                .find('\n')
                .map(|i| line_start + i)
                .unwrap_or(file.text.len());
            let text = file.text[line_start..line_end].trim_end_matches('\r');
            out.push_str(&format!("{:gutter$} |\n", ""));
            out.push_str(&format!("{line} | {text}\n"));
            let end = (span.end as usize).min(line_end).max(span.start as usize);
            let width = file
                .text
                .get(span.start as usize..end)
                .map(|s| s.chars().count())
                .unwrap_or(1)
                .max(1);
            let prefix: String = text
                .chars()
                .take(col - 1)
                .map(|c| if c == '\t' { '\t' } else { ' ' })
                .collect();
            out.push_str(&format!(
                "{:gutter$} | {}{}\n",
                "",
                prefix,
                style.paint(color, &"^".repeat(width))
            ));
        }
    }
    if !d.detail.is_empty() {
        out.push_str(&format!("\n{}\n", d.detail));
    }
    out
}

pub fn to_json(diagnostics: &[Diagnostic], sources: &SourceMap) -> serde_json::Value {
    let items: Vec<serde_json::Value> = diagnostics
        .iter()
        .map(|d| {
            let range = d.span.and_then(|span| {
                let file = sources.get(span.file)?;
                let (sl, sc) = file.line_col(span.start as usize);
                let (el, ec) = file.line_col(span.end as usize);
                Some(serde_json::json!({
                    "filename": file.name,
                    "start": {"line": sl, "column": sc, "byte": span.start},
                    "end": {"line": el, "column": ec, "byte": span.end},
                }))
            });
            serde_json::json!({
                "severity": match d.severity { Severity::Error => "error", Severity::Warning => "warning" },
                "code": d.code,
                "summary": d.summary,
                "detail": d.detail,
                "range": range,
            })
        })
        .collect();
    serde_json::Value::Array(items)
}
