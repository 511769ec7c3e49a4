//! The plan comment as GitHub shows it: the Markdown rendered to HTML by a
//! GitHub-flavoured renderer (comrak: tables, alerts, raw `<details>`),
//! opened in headless Chromium (Debian's `chromium`, which `.ci/run`
//! installs). A script in the page checks that every `<details>` section
//! starts collapsed (its diff takes no space), opens when clicked, and
//! that the tables lay out rows; a screenshot of the closed and the open
//! page is kept in `target/markdown-screenshots/` to look at.

mod common;

use common::Sandbox;
use std::path::{Path, PathBuf};

fn chromium() -> PathBuf {
    for c in ["chromium", "chromium-browser", "google-chrome"] {
        if let Ok(out) = std::process::Command::new("which").arg(c).output() {
            if out.status.success() {
                return PathBuf::from(String::from_utf8_lossy(&out.stdout).trim());
            }
        }
    }
    common::missing(
        "no headless Chromium: install Debian's chromium package (`bash .ci/run` does)",
    );
}

/// Runs Chromium headless on `page` with `extra` arguments.
fn browse(page: &Path, profile: &Path, extra: &[&str]) -> String {
    let out = std::process::Command::new(chromium())
        .args([
            "--headless",
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
            "--hide-scrollbars",
            "--virtual-time-budget=2000",
        ])
        .arg(format!("--user-data-dir={}", profile.display()))
        .args(extra)
        .arg(format!("file://{}", page.display()))
        .output()
        .expect("run chromium");
    String::from_utf8_lossy(&out.stdout).into_owned()
}

const STYLE: &str = "body{font-family:-apple-system,'Segoe UI',Helvetica,Arial,sans-serif;font-size:14px;line-height:1.5;max-width:900px;margin:24px auto;color:#1f2328}
table{border-collapse:collapse;margin:8px 0}th,td{border:1px solid #d1d9e0;padding:6px 13px}
pre{background:#f6f8fa;padding:12px;border-radius:6px;overflow:auto}code{font-family:ui-monospace,monospace;font-size:12px}
details{border:1px solid #d1d9e0;border-radius:6px;padding:4px 12px;margin:8px 0}summary{cursor:pointer;font-weight:600}
.markdown-alert{border-left:4px solid #9a6700;padding:4px 12px;margin:8px 0}.markdown-alert-warning{border-color:#9a6700}.markdown-alert-caution{border-color:#d1242f}
.markdown-alert-title{font-weight:600;margin:0}";

/// Measures the page: sections closed, then all opened.
const CHECKS: &str = r#"<script>
window.addEventListener('load', () => {
  const all = [...document.querySelectorAll('details')];
  const height = e => e.getBoundingClientRect().height;
  const folded = d => height(d) <= height(d.querySelector('summary')) + 16;
  const closed = all.filter(d => !d.open && folded(d)).length;
  const tables = [...document.querySelectorAll('table')].map(t => ({rows: t.rows.length, height: Math.round(height(t))}));
  all.forEach(d => d.querySelector('summary').click());
  const opened = all.filter(d => d.open && height(d) > height(d.querySelector('summary')) + 30).length;
  const keepOpen = new URLSearchParams(location.search).has('open');
  all.forEach(d => d.open = keepOpen);
  document.getElementById('checks').textContent = JSON.stringify({details: all.length, closed, opened, tables});
});
</script>"#;

fn page(md: &str, dir: &Path) -> PathBuf {
    let mut options = comrak::Options::default();
    options.extension.table = true;
    options.extension.alerts = true;
    options.extension.strikethrough = true;
    options.render.r#unsafe = true;
    let html = comrak::markdown_to_html(md, &options);
    let path = dir.join("comment.html");
    std::fs::write(
        &path,
        format!("<!doctype html><html><head><meta charset=utf-8><style>{STYLE}</style></head><body>{html}<pre id=checks hidden></pre>{CHECKS}</body></html>"),
    )
    .expect("write page");
    path
}

#[test]
fn the_comment_renders_with_collapsed_sections_and_tables() {
    let sb = Sandbox::new("md-browser");
    let first = "resource \"terraform_data\" \"policy\" {\n  input = jsonencode({ Version = \"2012-10-17\", Statement = [{ Effect = \"Allow\", Action = [\"s3:GetObject\"], Resource = \"*\" }] })\n}\n\nresource \"terraform_data\" \"old\" {\n  input = \"cache\"\n}\n\nresource \"terraform_data\" \"endpoint\" {\n  input            = \"serve\"\n  triggers_replace = \"v1\"\n}\n";
    sb.write("main.tf", first);
    assert_eq!(sb.run(&["apply", "-auto-approve"], "").0, 0);
    sb.write(
        "main.tf",
        &first
            .replace("[\"s3:GetObject\"]", "[\"s3:GetObject\", \"s3:PutObject\"]")
            .replace("\"v1\"", "\"v2\"")
            .replace(
                "resource \"terraform_data\" \"old\" {\n  input = \"cache\"\n}\n",
                "resource \"terraform_data\" \"new\" {\n  input = \"fresh\"\n}\n",
            ),
    );
    let (code, text) = sb.run(&["plan", "-out=p.plan", "--markdown-out=c.md"], "");
    assert_eq!(code, 0, "{text}");
    let md = std::fs::read_to_string(sb.dir.join("c.md")).unwrap();
    let page = page(&md, &sb.dir);
    let profile = sb.dir.join("profile");
    // Closed, as a reader first sees it.
    let dom = browse(&page, &profile, &["--dump-dom"]);
    let checks = dom
        .split("<pre id=\"checks\" hidden=\"\">")
        .nth(1)
        .and_then(|t| t.split("</pre>").next())
        .unwrap_or_else(|| panic!("the page's checks did not run:\n{dom}"));
    let checks: serde_json::Value =
        serde_json::from_str(&checks.replace("&quot;", "\"")).expect("checks");
    let details = checks["details"].as_u64().unwrap();
    assert!(details >= 4, "{checks}");
    assert_eq!(
        checks["closed"], details,
        "every section starts collapsed: {checks}"
    );
    assert_eq!(
        checks["opened"], details,
        "every section opens when clicked: {checks}"
    );
    let tables = checks["tables"].as_array().unwrap();
    assert!(!tables.is_empty(), "{checks}");
    assert!(
        tables
            .iter()
            .all(|t| t["rows"].as_u64() >= Some(2) && t["height"].as_u64() > Some(20)),
        "{checks}"
    );
    // Screenshots to look at: as it opens, and with every section open.
    let shots = Path::new(env!("CARGO_MANIFEST_DIR")).join("../../target/markdown-screenshots");
    std::fs::create_dir_all(&shots).unwrap();
    for (name, query) in [("closed", ""), ("open", "?open")] {
        let shot = shots.join(format!("{name}.png"));
        let _ = std::fs::remove_file(&shot);
        let target = PathBuf::from(format!("{}{query}", page.display()));
        browse(
            &target,
            &profile,
            &[
                "--window-size=1000,1400",
                &format!("--screenshot={}", shot.display()),
            ],
        );
        let bytes =
            std::fs::read(&shot).unwrap_or_else(|_| panic!("no screenshot at {}", shot.display()));
        assert!(
            bytes.starts_with(b"\x89PNG") && bytes.len() > 10_000,
            "{} is not a real screenshot",
            shot.display()
        );
    }
}
