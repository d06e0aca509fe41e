//! Reads the `wasm-bindgen` version out of `Cargo.lock`: `wasm-bindgen-cli` (and trunk, which
//! runs it) must match the library version exactly.

use std::collections::BTreeSet;
use std::path::Path;

use anyhow::{Context, Result, bail};

/// The single `wasm-bindgen` version in the lock file at `path`.
pub fn wasm_bindgen_version(path: &Path) -> Result<String> {
    let text =
        std::fs::read_to_string(path).with_context(|| format!("reading {}", path.display()))?;
    let versions = package_versions(&text, "wasm-bindgen");
    let mut iter = versions.into_iter();
    match (iter.next(), iter.next()) {
        (Some(version), None) => Ok(version),
        (None, _) => bail!(
            "no `wasm-bindgen` package in {}; the widget should depend on it (workspace pin `=0.2.x`)",
            path.display()
        ),
        (Some(first), Some(second)) => bail!(
            "{} holds several `wasm-bindgen` versions ({first}, {second}, ...); \
             pin one with `=` in the workspace so wasm-bindgen-cli can match it",
            path.display()
        ),
    }
}

/// Every version of the package `name` in a `Cargo.lock` text. The lock format is a flat list of
/// `[[package]]` tables whose first two keys are `name` and `version`, so a line scan suffices
/// and keeps xtask free of a TOML parser.
fn package_versions(lock: &str, name: &str) -> BTreeSet<String> {
    let mut versions = BTreeSet::new();
    let mut current: Option<&str> = None;
    for line in lock.lines().map(str::trim) {
        if line == "[[package]]" {
            current = None;
        } else if let Some(value) = string_value(line, "name") {
            current = Some(value);
        } else if let Some(value) = string_value(line, "version")
            && current == Some(name)
        {
            versions.insert(value.to_owned());
        }
    }
    versions
}

/// `value` from a line `key = "value"`.
fn string_value<'a>(line: &'a str, key: &str) -> Option<&'a str> {
    line.strip_prefix(key)?
        .trim_start()
        .strip_prefix('=')?
        .trim()
        .strip_prefix('"')?
        .strip_suffix('"')
}

#[cfg(test)]
mod tests {
    use super::*;

    const LOCK: &str = r#"
version = 4

[[package]]
name = "wasm-bindgen"
version = "0.2.130"
source = "registry+https://github.com/rust-lang/crates.io-index"
dependencies = [
 "wasm-bindgen-macro",
]

[[package]]
name = "wasm-bindgen-macro"
version = "0.2.131"
"#;

    #[test]
    fn finds_the_exact_package_not_its_prefixed_siblings() {
        let versions = package_versions(LOCK, "wasm-bindgen");
        assert_eq!(versions.into_iter().collect::<Vec<_>>(), ["0.2.130"]);
    }

    #[test]
    fn ignores_the_lock_format_version_and_unknown_packages() {
        assert!(package_versions(LOCK, "trunk").is_empty());
    }

    #[test]
    fn reads_the_workspace_lock_file() {
        let lock = Path::new(env!("CARGO_MANIFEST_DIR")).join("../Cargo.lock");
        let text = std::fs::read_to_string(lock).unwrap();
        assert_eq!(
            package_versions(&text, "anyhow").len(),
            1,
            "xtask depends on anyhow, so the lock has it"
        );
    }
}
