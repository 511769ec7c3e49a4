//! Replays inputs through the same checks the fuzz targets run
//! (`strata_lang::fuzzing`): every input the fuzzers found
//! (`tests/fuzz_regressions/{parse,evaluate}/`), and the repository's own
//! corpora, which are also the fuzzers' seeds.

use std::path::{Path, PathBuf};

fn files_in(dir: &Path) -> Vec<PathBuf> {
    let mut files: Vec<PathBuf> = std::fs::read_dir(dir)
        .unwrap_or_else(|e| panic!("{}: {e}", dir.display()))
        .map(|e| e.expect("entry").path())
        .filter(|p| p.is_file())
        .collect();
    files.sort();
    files
}

fn replay(files: &[PathBuf], check: fn(&str)) {
    for path in files {
        let bytes = std::fs::read(path).expect("read");
        if let Ok(text) = std::str::from_utf8(&bytes) {
            check(text);
        }
    }
}

fn repo(path: &str) -> PathBuf {
    Path::new(env!("CARGO_MANIFEST_DIR")).join(path)
}

#[test]
fn parser_regressions() {
    let mut files = files_in(&repo("tests/fuzz_regressions/parse"));
    files.extend(files_in(&repo("../cli/tests/fmt_corpus")));
    files.extend(files_in(&repo("../cli/tests/diagnostics/cases")));
    assert!(files.len() > 50);
    replay(&files, strata_lang::fuzzing::parse_everything);
}

#[test]
fn evaluator_regressions() {
    let files = files_in(&repo("tests/fuzz_regressions/evaluate"));
    replay(&files, strata_lang::fuzzing::evaluate_expression);
    let expressions = std::fs::read_to_string(repo("../cli/tests/differential/expressions.txt"))
        .expect("expressions");
    for line in expressions.lines() {
        strata_lang::fuzzing::evaluate_expression(line);
    }
}
