//! Checks the architecture's invariants on the source text, so a change that
//! breaks one fails CI instead of waiting for a reviewer:
//!
//! - no `unwrap()` or `expect(` outside test code (user data must never panic);
//! - only `src/wasm/` names wasm-bindgen, js-sys or web-sys;
//! - only the CLI (`src/main.rs`, `src/cli/`) touches files, argv or stdio;
//! - the core reads no clock and no ambient randomness.

use std::fs;
use std::path::{Path, PathBuf};

/// Every `.rs` file under `src/`, with its non-test part: the text before the
/// first `#[cfg(test)]`, and nothing for files inside a `tests` folder.
fn sources() -> Vec<(PathBuf, String)> {
    fn walk(dir: &Path, out: &mut Vec<PathBuf>) {
        for entry in fs::read_dir(dir).expect("src/ is readable") {
            let path = entry.expect("directory entry").path();
            if path.is_dir() {
                walk(&path, out);
            } else if path.extension().is_some_and(|e| e == "rs") {
                out.push(path);
            }
        }
    }
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let mut files = Vec::new();
    walk(&root.join("src"), &mut files);
    files.sort();
    files
        .into_iter()
        .map(|path| {
            let text = fs::read_to_string(&path).expect("source is UTF-8");
            let rel = path
                .strip_prefix(root)
                .expect("under the root")
                .to_path_buf();
            let in_tests_dir = rel.components().any(|c| c.as_os_str() == "tests");
            let code = if in_tests_dir {
                String::new()
            } else {
                match text.find("#[cfg(test)]") {
                    Some(i) => text[..i].to_owned(),
                    None => text,
                }
            };
            (rel, code)
        })
        .collect()
}

/// Lines of `code` containing `needle` outside `//` comments.
fn hits(code: &str, needle: &str) -> Vec<(usize, String)> {
    code.lines()
        .enumerate()
        .filter(|(_, line)| {
            let before_comment = line.split("//").next().unwrap_or("");
            before_comment.contains(needle)
        })
        .map(|(i, line)| (i + 1, line.trim().to_owned()))
        .collect()
}

fn check(rule: &str, needles: &[&str], allowed: impl Fn(&Path) -> bool) {
    let mut found = Vec::new();
    for (path, code) in sources() {
        if allowed(&path) {
            continue;
        }
        for needle in needles {
            for (line, text) in hits(&code, needle) {
                found.push(format!("{}:{line}: {text}", path.display()));
            }
        }
    }
    assert!(found.is_empty(), "{rule}:\n{}", found.join("\n"));
}

fn is_cli(path: &Path) -> bool {
    path == Path::new("src/main.rs") || path.starts_with("src/cli")
}

#[test]
fn no_unwrap_or_expect_outside_tests() {
    check(
        "unwrap()/expect( outside test code; return an error instead",
        &[".unwrap()", ".expect("],
        |_| false,
    );
}

#[test]
fn only_the_wasm_folder_knows_javascript() {
    check(
        "wasm-bindgen, js-sys and web-sys belong in src/wasm/ only",
        &["wasm_bindgen", "js_sys", "web_sys", "serde_wasm_bindgen"],
        |p| p.starts_with("src/wasm"),
    );
}

#[test]
fn only_the_cli_touches_files_and_argv() {
    check(
        "files, argv and stdio belong in the CLI only",
        &[
            "std::fs",
            "fs::File",
            "std::env::args",
            "env::args",
            "io::stdin",
            "io::stdout",
            "println!",
            "eprintln!",
        ],
        is_cli,
    );
}

#[test]
fn the_core_has_no_clock_and_no_ambient_randomness() {
    check(
        "the core takes dates and seeds as inputs",
        &[
            "SystemTime",
            "Instant::now",
            "thread_rng",
            "rand::rng()",
            "from_os_rng",
            "getrandom",
            "Utc::now",
            "Local::now",
        ],
        |p| is_cli(p) || p.starts_with("src/wasm"),
    );
}
