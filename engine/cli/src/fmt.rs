//! `strata fmt`: rewrites files to Terraform's canonical layout.
//!
//! Exit status as Terraform's: 0 done (or nothing to change), 2 a file
//! does not parse, 3 with `--check` when a file needs formatting.

use crate::render::{render, Style};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use strata_lang::config::{check_encoding, decode_source, Lossless};
use strata_lang::fmt::format_source;
use strata_lang::parser::parse_body;
use strata_types::{Diagnostic, SourceMap};

pub struct Options {
    pub check: bool,
    pub diff: bool,
    pub recursive: bool,
    pub list: bool,
    pub write: bool,
}

const EXTENSIONS: &[&str] = &[".tf", ".tfvars", ".tftest.hcl"];

fn is_config_file(name: &str) -> bool {
    EXTENSIONS.iter().any(|e| name.ends_with(e))
}

fn collect(dir: &Path, recursive: bool, out: &mut Vec<PathBuf>) -> std::io::Result<()> {
    let mut entries: Vec<PathBuf> = std::fs::read_dir(dir)?
        .filter_map(|e| e.ok().map(|e| e.path()))
        .collect();
    entries.sort();
    for path in entries {
        let name = path
            .file_name()
            .map(|n| n.to_string_lossy().into_owned())
            .unwrap_or_default();
        if path.is_dir() {
            if recursive && !name.starts_with('.') {
                collect(&path, recursive, out)?;
            }
        } else if is_config_file(&name) {
            out.push(path);
        }
    }
    Ok(())
}

/// Formats one file's bytes; `None` when it does not parse or has bytes
/// that are not UTF-8 outside comments (diagnostics printed). Bytes that
/// are not UTF-8 inside comments are written back as they were, and a
/// byte-order mark is dropped, as `terraform fmt` does.
fn format_checked(name: &str, bytes: &[u8], style: &Style) -> Option<Vec<u8>> {
    let lossless = Lossless::decode(bytes);
    let text = &lossless.decoded.text;
    let mut sources = SourceMap::default();
    let clean = lossless.decoded.invalid.is_empty();
    let diagnostics = match (!clean)
        .then(|| encoding_error(name, bytes, &mut sources))
        .flatten()
    {
        Some(d) => vec![d],
        None => {
            let file = sources.add(name, text.clone());
            let parsed = parse_body(text, file).diagnostics;
            if parsed.has_errors() {
                parsed.iter().cloned().collect()
            } else {
                Vec::new()
            }
        }
    };
    if !diagnostics.is_empty() {
        let mut err = std::io::stderr().lock();
        for d in &diagnostics {
            let _ = writeln!(err, "{}", render(d, &sources, style));
        }
        return None;
    }
    Some(lossless.restore(&format_source(text)))
}

/// The error for a byte that is not UTF-8 outside a comment, shown on
/// the text as `validate` reads it (U+FFFD for each such run).
fn encoding_error(name: &str, bytes: &[u8], sources: &mut SourceMap) -> Option<Diagnostic> {
    let decoded = decode_source(bytes.to_vec());
    let file = sources.add(name, decoded.text);
    let text = &sources.get(file).expect("just added").text;
    check_encoding(file, text, false, &decoded.invalid)
}

fn unified_diff(name: &str, old: &[u8], new: &[u8]) -> String {
    let (old, new) = (String::from_utf8_lossy(old), String::from_utf8_lossy(new));
    similar::TextDiff::from_lines(&*old, &*new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}

pub fn run(options: &Options, paths: &[PathBuf], style: &Style) -> ExitCode {
    if paths.len() == 1 && paths[0].as_os_str() == "-" {
        let mut text = Vec::new();
        if std::io::stdin().read_to_end(&mut text).is_err() {
            eprintln!("Error: cannot read standard input");
            return ExitCode::from(1);
        }
        let Some(formatted) = format_checked("<stdin>", &text, style) else {
            return ExitCode::from(2);
        };
        if options.check {
            return ExitCode::from(if formatted == text { 0 } else { 3 });
        }
        if options.diff {
            print!("{}", unified_diff("<stdin>", &text, &formatted));
        } else if formatted.is_empty() {
            // As Terraform: formatting empty input prints one newline.
            println!();
        } else {
            let _ = std::io::stdout().lock().write_all(&formatted);
        }
        return ExitCode::SUCCESS;
    }
    let targets: Vec<PathBuf> = if paths.is_empty() {
        vec![PathBuf::from(".")]
    } else {
        paths.to_vec()
    };
    let mut files = Vec::new();
    for target in &targets {
        if target.is_dir() {
            if let Err(e) = collect(target, options.recursive, &mut files) {
                eprintln!("Error: cannot read directory {}: {e}", target.display());
                return ExitCode::from(1);
            }
        } else if target.is_file() {
            files.push(target.clone());
        } else {
            eprintln!("Error: no file or directory at {}", target.display());
            return ExitCode::from(1);
        }
    }
    let mut failed = false;
    let mut unformatted = false;
    let mut stdout = std::io::stdout().lock();
    for path in files {
        let shown = path
            .strip_prefix("./")
            .unwrap_or(&path)
            .display()
            .to_string();
        let text = match std::fs::read(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("Error: cannot read {shown}: {e}");
                failed = true;
                continue;
            }
        };
        let Some(mut formatted) = format_checked(&shown, &text, style) else {
            failed = true;
            continue;
        };
        // A file that ends without a newline is left so, as Terraform
        // leaves it (standard input gets one).
        if !text.is_empty() && !text.ends_with(b"\n") && formatted.ends_with(b"\n") {
            formatted.pop();
        }
        if formatted == text {
            continue;
        }
        unformatted = true;
        if options.list {
            let _ = writeln!(stdout, "{shown}");
        }
        if options.diff {
            let _ = write!(stdout, "{}", unified_diff(&shown, &text, &formatted));
        }
        if options.write {
            if let Err(e) = write_atomically(&path, &formatted) {
                eprintln!("Error: cannot write {shown}: {e}");
                failed = true;
            }
        }
    }
    if failed {
        ExitCode::from(2)
    } else if options.check && unformatted {
        ExitCode::from(3)
    } else {
        ExitCode::SUCCESS
    }
}

/// Writes through a temporary file and a rename, so an interrupted run
/// never leaves a half-written configuration file.
fn write_atomically(path: &Path, text: &[u8]) -> std::io::Result<()> {
    // Through a symbolic link to the file it names, as terraform fmt
    // writes (replacing the link would leave the real file unformatted).
    let resolved = std::fs::canonicalize(path)?;
    let path = resolved.as_path();
    let tmp = path.with_extension(format!(
        "{}.strata-fmt.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("tf")
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text)?;
        f.sync_all()?;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path)
}
