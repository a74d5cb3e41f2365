//! The project's documentation holds together: every citation of a `docs/` page names a page
//! and a section that exist, and nothing cites a reference that is not in the repository.

use std::path::{Path, PathBuf};

const ROOT: &str = env!("CARGO_MANIFEST_DIR");

/// The text files of the repository that may cite the docs: sources, tests, scripts, pages.
fn text_files() -> Vec<PathBuf> {
    let mut files = Vec::new();
    let mut dirs = vec![PathBuf::from(ROOT)];
    while let Some(dir) = dirs.pop() {
        for entry in std::fs::read_dir(&dir).expect("a readable directory") {
            let path = entry.expect("an entry").path();
            let name = path
                .file_name()
                .and_then(|n| n.to_str())
                .unwrap_or_default();
            if path.is_dir() {
                if !matches!(name, "target" | ".git" | "corpus" | "node_modules") {
                    dirs.push(path);
                }
                continue;
            }
            let text = matches!(
                path.extension().and_then(|e| e.to_str()),
                Some("rs" | "md" | "json" | "sh" | "py" | "toml" | "yml" | "yaml")
            ) || name == "Dockerfile";
            if text && name != "Cargo.lock" {
                files.push(path);
            }
        }
    }
    files
}

/// GitHub's anchor of a heading: lower case, punctuation dropped, spaces as hyphens.
fn slug(heading: &str) -> String {
    heading
        .trim()
        .to_lowercase()
        .chars()
        .filter(|c| c.is_alphanumeric() || matches!(c, ' ' | '-' | '_'))
        .map(|c| if c == ' ' { '-' } else { c })
        .collect()
}

/// The anchors of a Markdown page's headings.
fn anchors(page: &Path) -> Vec<String> {
    let text = std::fs::read_to_string(page).unwrap_or_default();
    let mut fenced = false;
    let mut found = Vec::new();
    for line in text.lines() {
        if line.starts_with("```") {
            fenced = !fenced;
        } else if !fenced && line.starts_with('#') {
            found.push(slug(line.trim_start_matches('#')));
        }
    }
    found
}

/// Every `docs/<page>.md[#section]` a file names, and in a page of `docs/` its relative links
/// (`](<page>.md#section)`, `](#section)`): (line, page, section).
fn citations(file: &Path, text: &str) -> Vec<(usize, PathBuf, Option<String>)> {
    let in_docs = file.parent().is_some_and(|d| d.ends_with("docs"));
    let is_name = |c: char| c.is_ascii_alphanumeric() || matches!(c, '-' | '_' | '.');
    let mut found = Vec::new();
    for (n, line) in text.lines().enumerate() {
        let mut rest = line;
        while let Some(at) = rest.find("docs/") {
            let after = &rest[at + "docs/".len()..];
            let name: String = after.chars().take_while(|c| is_name(*c)).collect();
            if let Some(page) = name.strip_suffix(".md").filter(|p| !p.is_empty()) {
                let section = after[name.len()..].strip_prefix('#').map(|s| {
                    s.chars()
                        .take_while(|c| c.is_alphanumeric() || matches!(c, '-' | '_'))
                        .collect()
                });
                let page = Path::new(ROOT).join("docs").join(format!("{page}.md"));
                found.push((n + 1, page, section));
            }
            rest = after;
        }
        if in_docs {
            let mut rest = line;
            while let Some(at) = rest.find("](") {
                let target: String = rest[at + 2..].chars().take_while(|c| *c != ')').collect();
                rest = &rest[at + 2..];
                if target.contains("://") || target.starts_with("../") || target.contains('/') {
                    continue;
                }
                let (page, section) = match target.split_once('#') {
                    Some((page, section)) => (page, Some(section.to_owned())),
                    None => (target.as_str(), None),
                };
                let page = if page.is_empty() {
                    file.to_path_buf()
                } else {
                    file.with_file_name(page)
                };
                if page.extension().is_some_and(|e| e == "md") {
                    found.push((n + 1, page, section));
                }
            }
        }
    }
    found
}

#[test]
fn every_citation_of_the_docs_names_a_page_and_a_section_that_exist() {
    let mut checked = 0;
    let mut broken = Vec::new();
    for file in text_files() {
        let Ok(text) = std::fs::read_to_string(&file) else {
            continue;
        };
        for (line, page, section) in citations(&file, &text) {
            checked += 1;
            let place = format!("{}:{line}", file.display());
            if !page.is_file() {
                broken.push(format!("{place}: no page {}", page.display()));
            } else if let Some(section) = section {
                if !anchors(&page).contains(&section) {
                    broken.push(format!(
                        "{place}: no section #{section} in {}",
                        page.display()
                    ));
                }
            }
        }
    }

    assert!(
        broken.is_empty(),
        "broken citations:\n{}",
        broken.join("\n")
    );
    assert!(checked > 50, "only {checked} citations found");
}

#[test]
fn nothing_cites_a_reference_outside_the_repository() {
    // Spelt in two parts, so that this file does not cite it either.
    let outside = format!("{}-api.md", "cpp");
    let citing: Vec<String> = text_files()
        .into_iter()
        .filter(|file| {
            std::fs::read_to_string(file).is_ok_and(|text| text.contains(outside.as_str()))
        })
        .map(|file| file.display().to_string())
        .collect();

    assert!(citing.is_empty(), "these cite {outside}: {citing:?}");
}

#[test]
fn anchors_are_made_as_github_makes_them() {
    assert_eq!(slug(" E9 Go live"), "e9-go-live");
    assert_eq!(slug(" Versions, ids and times"), "versions-ids-and-times");
    assert_eq!(
        slug(" Location and Operation-Location"),
        "location-and-operation-location"
    );
}
