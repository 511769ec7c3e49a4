//! Accepts Terraform's single-dash flag spellings (`-out=p`, `-var a=b`,
//! `-auto-approve`, `-chdir=DIR`) by rewriting them to GNU style before
//! parsing, so scripts written for Terraform work unchanged.

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
