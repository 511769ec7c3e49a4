//! Accepts Terraform's single-dash flag spellings (`-out=p`, `-var a=b`,
//! `-auto-approve`, `-chdir=DIR`) by rewriting them to GNU style before
//! parsing, so scripts written for Terraform work unchanged; and the
//! variable flags every command that evaluates the stack takes.

use std::path::{Path, PathBuf};

pub fn normalize(argv: Vec<String>) -> Vec<String> {
    let mut out = Vec::with_capacity(argv.len());
    let mut positional_only = false;
    for (i, arg) in argv.into_iter().enumerate() {
        if i == 0 || positional_only {
            out.push(arg);
            continue;
        }
        if arg == "--" {
            positional_only = true;
            out.push(arg);
            continue;
        }
        let bytes = arg.as_bytes();
        if bytes.len() > 2 && bytes[0] == b'-' && bytes[1] != b'-' && bytes[1].is_ascii_alphabetic()
        {
            let name_len = arg[1..].find('=').unwrap_or(arg.len() - 1);
            // Single letters stay short flags (-h).
            if name_len > 1 {
                out.push(format!("-{arg}"));
                continue;
            }
        }
        out.push(arg);
    }
    out
}

#[cfg(test)]
mod tests {
    use super::normalize;

    #[test]
    fn rewrites_terraform_single_dash_flags() {
        let given: Vec<String> = [
            "strata",
            "-chdir=x",
            "validate",
            "-json",
            "-var",
            "a=b",
            "-h",
            "--no-color",
            "-",
        ]
        .iter()
        .map(|s| s.to_string())
        .collect();
        let expected = [
            "strata",
            "--chdir=x",
            "validate",
            "--json",
            "--var",
            "a=b",
            "-h",
            "--no-color",
            "-",
        ];
        assert_eq!(normalize(given), expected);
    }
}

#[derive(clap::Args, Default, Clone)]
pub(crate) struct VarArgs {
    /// Set a variable: --var name=value (repeatable).
    #[arg(long = "var", value_name = "NAME=VALUE")]
    pub(crate) vars: Vec<String>,
    /// Load variable values from a file (repeatable).
    #[arg(long = "var-file", value_name = "FILE")]
    pub(crate) var_files: Vec<PathBuf>,
    /// Both, in command-line order: later ones win, as in Terraform.
    #[arg(skip)]
    pub(crate) in_order: Vec<VarFlag>,
}

/// One `--var` or `--var-file`, as given.
#[derive(Clone, Debug, PartialEq)]
pub(crate) enum VarFlag {
    Var(String),
    File(PathBuf),
}

impl VarArgs {
    /// Records the order of `--var` and `--var-file` in `argv` (already
    /// normalized to `--name` spellings): clap keeps each list in order
    /// but not how they interleave.
    pub(crate) fn record_order(&mut self, argv: &[String]) {
        let (mut vars, mut files) = (self.vars.iter(), self.var_files.iter());
        self.in_order = argv
            .iter()
            .filter_map(|a| {
                if a == "--var" || a.starts_with("--var=") {
                    vars.next().cloned().map(VarFlag::Var)
                } else if a == "--var-file" || a.starts_with("--var-file=") {
                    files.next().cloned().map(VarFlag::File)
                } else {
                    None
                }
            })
            .collect();
    }

    /// Every `--var` and `--var-file` in command-line order; when the
    /// order was not recorded, each `--var` and then each file.
    pub(crate) fn ordered(&self) -> Vec<VarFlag> {
        if self.in_order.len() == self.vars.len() + self.var_files.len() {
            return self.in_order.clone();
        }
        let vars = self.vars.iter().cloned().map(VarFlag::Var);
        vars.chain(self.var_files.iter().cloned().map(VarFlag::File))
            .collect()
    }

    /// The flags that give these values to another `strata` process,
    /// in their order, with files made absolute against `cwd`.
    pub(crate) fn to_flags(&self, cwd: &Path) -> Vec<String> {
        self.ordered()
            .iter()
            .map(|f| match f {
                VarFlag::Var(v) => format!("--var={v}"),
                VarFlag::File(p) => format!("--var-file={}", cwd.join(p).display()),
            })
            .collect()
    }
}
