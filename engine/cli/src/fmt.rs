//! `strata fmt`: rewrites files to Terraform's canonical layout.
//!
//! Exit status as Terraform's: 0 done (or nothing to change), 2 a file
//! does not parse, 3 with `--check` when a file needs formatting.

use crate::render::{render, Style};
use std::io::{Read, Write};
use std::path::{Path, PathBuf};
use std::process::ExitCode;
use strata_lang::fmt::format_source;
use strata_lang::parser::parse_body;
use strata_types::SourceMap;

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

/// Formats one source; `None` when it does not parse (diagnostics printed).
fn format_checked(name: &str, text: &str, style: &Style) -> Option<String> {
    let mut sources = SourceMap::default();
    let file = sources.add(name, text);
    let parsed = parse_body(text, file);
    if parsed.diagnostics.has_errors() {
        let mut err = std::io::stderr().lock();
        for d in parsed.diagnostics.iter() {
            let _ = writeln!(err, "{}", render(d, &sources, style));
        }
        return None;
    }
    Some(format_source(text))
}

fn unified_diff(name: &str, old: &str, new: &str) -> String {
    similar::TextDiff::from_lines(old, new)
        .unified_diff()
        .context_radius(3)
        .header(&format!("old/{name}"), &format!("new/{name}"))
        .to_string()
}

pub fn run(options: &Options, paths: &[PathBuf], style: &Style) -> ExitCode {
    if paths.len() == 1 && paths[0].as_os_str() == "-" {
        let mut text = String::new();
        if std::io::stdin().read_to_string(&mut text).is_err() {
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
            print!("{formatted}");
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
        let text = match std::fs::read_to_string(&path) {
            Ok(t) => t,
            Err(e) => {
                eprintln!("Error: cannot read {shown}: {e}");
                failed = true;
                continue;
            }
        };
        let Some(formatted) = format_checked(&shown, &text, style) else {
            failed = true;
            continue;
        };
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
fn write_atomically(path: &Path, text: &str) -> std::io::Result<()> {
    let tmp = path.with_extension(format!(
        "{}.strata-fmt.tmp",
        path.extension().and_then(|e| e.to_str()).unwrap_or("tf")
    ));
    {
        let mut f = std::fs::File::create(&tmp)?;
        f.write_all(text.as_bytes())?;
        f.sync_all()?;
    }
    if let Ok(meta) = std::fs::metadata(path) {
        let _ = std::fs::set_permissions(&tmp, meta.permissions());
    }
    std::fs::rename(&tmp, path)
}
