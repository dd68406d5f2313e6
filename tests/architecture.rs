//! The crate's module structure, read from the source files under `src/` (std only).
//!
//! - `no_source_file_is_over_750_lines`: one concept per file; a longer file holds several.
//! - `no_import_cycle_between_modules`: no import cycle between modules, the layering
//!   ARCHITECTURE.md describes. A module and its descendants are one unit (a parent
//!   re-exporting its children, a child using its parent: no cycle), so a reference is
//!   lifted to the two children of the lowest common ancestor (`crate::harness::walk` ->
//!   `crate::v1::model` is `harness` -> `v1` under `crate`), and among the children of any
//!   one module those edges form no cycle. The test prints the layering: each module's
//!   children, dependencies first, a cycle in braces.
//! - `the_generic_core_names_no_v1_module`: V1 is one wing: the generic core names no V1
//!   type. Outside `src/v1/` only the `COMPOSITION_ROOTS`, which assemble the wings, refer
//!   to `crate::v1` or a module under it.
//! - `the_reference_extraction_reads_grouped_and_inline_paths`: the checker's own test.
//!
//! One helper, `references`, reads a file's references: each path starting with `crate::`,
//! `super::` or `self::` outside comments (doc comments too) and literals, use trees with
//! nested groups expanded, inline paths in expressions too, `super::` relative to inline
//! `mod m { .. }` blocks; a path names the longest module its prefix names, not following
//! re-exports (`super::Outputs`, re-exported by `crate::cli`, names `crate::cli`).

use std::collections::{BTreeMap, BTreeSet};
use std::fs;
use std::path::Path;

/// The files outside `src/v1/` that may name `crate::v1`: they assemble the wings.
const COMPOSITION_ROOTS: &[&str] = &["src/lib.rs", "src/builtin.rs"];
const MAX_LINES: usize = 750;

/// A library source file: its path from the crate root (`src/a/b.rs`), module and text.
struct SourceFile {
    path: String,
    module: String,
    text: String,
}

/// A path a file's code names: its line, the path written out in full (a group expanded)
/// and the module it resolves to.
#[derive(Debug)]
struct Reference {
    line: usize,
    text: String,
    target: String,
}

/// Every `.rs` file under `src/` but `src/main.rs` (the binary's), sorted by path.
fn source_files() -> Vec<SourceFile> {
    let root = Path::new(env!("CARGO_MANIFEST_DIR"));
    let (mut dirs, mut files) = (vec![root.join("src")], Vec::new());
    while let Some(dir) = dirs.pop() {
        for entry in fs::read_dir(&dir).unwrap_or_else(|e| panic!("{}: {e}", dir.display())) {
            let p = entry.unwrap().path();
            let path = p.strip_prefix(root).unwrap().to_string_lossy();
            let path = path.replace('\\', "/");
            if p.is_dir() {
                dirs.push(p);
            } else if path.ends_with(".rs") && path != "src/main.rs" {
                let text = fs::read_to_string(&p).unwrap_or_else(|e| panic!("{path}: {e}"));
                let module = module_of(&path);
                files.push(SourceFile { path, module, text });
            }
        }
    }
    files.sort_by(|a, b| a.path.cmp(&b.path));
    files
}

/// `src/lib.rs` is `crate`, `src/a.rs` and `src/a/mod.rs` are `crate::a`, `src/a/b.rs` is
/// `crate::a::b`.
fn module_of(path: &str) -> String {
    let inner = &path["src/".len()..path.len() - ".rs".len()];
    let inner = inner.strip_suffix("/mod").unwrap_or(inner);
    let tail = (inner != "lib").then(|| format!("::{}", inner.replace('/', "::")));
    format!("crate{}", tail.unwrap_or_default())
}

/// Whether module `m` is `ancestor` or lies under it.
fn is_within(m: &str, ancestor: &str) -> bool {
    m == ancestor || m.starts_with(&format!("{ancestor}::"))
}

fn is_ident(c: char) -> bool {
    c.is_alphanumeric() || c == '_'
}

/// The code's tokens (an identifier, `::` or one other character), each with its line;
/// comments, string and char literals are skipped (`end_at`: where the one starting at `i`
/// ends). A `'` opens a char literal only as `'\..'` or `'x'`; else it is a lifetime.
fn tokens(src: &str) -> Vec<(String, usize)> {
    let s: Vec<char> = src.chars().collect();
    let at = |k: usize| s.get(k).copied().unwrap_or('\0');
    let starts_word = |k: usize| k == 0 || !is_ident(s[k - 1]);
    let end_at = |i: usize| -> Option<usize> {
        let hashes = (i + 1..).take_while(|&k| at(k) == '#').count();
        let raw = at(i) == 'r'
            && (starts_word(i) || (matches!(at(i - 1), 'b' | 'c') && starts_word(i - 1)))
            && at(i + 1 + hashes) == '"';
        match (at(i), at(i + 1)) {
            ('/', '/') => Some((i..s.len()).find(|&k| s[k] == '\n').unwrap_or(s.len())),
            ('/', '*') => (i + 2..s.len())
                .find(|&k| s[k] == '*' && at(k + 1) == '/')
                .map(|k| k + 2),
            _ if raw => (i + 2 + hashes..s.len())
                .find(|&k| s[k] == '"' && (1..=hashes).all(|h| at(k + h) == '#'))
                .map(|k| k + 1 + hashes),
            ('"', _) | ('\'', '\\') => {
                let mut escaped = false;
                let mut close = |k: &usize| {
                    let end = !escaped && s[*k] == s[i];
                    escaped = !escaped && s[*k] == '\\';
                    end
                };
                (i + 1..s.len()).find(|k| close(k)).map(|k| k + 1)
            }
            ('\'', _) if at(i + 2) == '\'' => Some(i + 3),
            _ => None,
        }
    };
    let (mut toks, mut line, mut i) = (Vec::new(), 1, 0);
    while i < s.len() {
        let skip = end_at(i).map(|end| end.min(s.len()) - i);
        let len = skip.unwrap_or(match s[i] {
            c if is_ident(c) => s[i..].iter().take_while(|c| is_ident(**c)).count(),
            ':' if at(i + 1) == ':' => 2,
            _ => 1,
        });
        if skip.is_none() && !s[i].is_whitespace() {
            toks.push((s[i..i + len].iter().collect(), line));
        }
        line += s[i..i + len].iter().filter(|c| **c == '\n').count();
        i += len;
    }
    toks
}

type Paths = Vec<(Vec<String>, usize)>;

/// Reads a path or use tree from `toks[*i]` on; pushes each full path (`prefix` and its
/// segments, a group expanded, `self` in a group dropped) with the line of its last segment.
fn path_tree(toks: &[(String, usize)], i: &mut usize, mut prefix: Vec<String>, out: &mut Paths) {
    let text = |k: usize| toks.get(k).map_or("", |t| t.0.as_str());
    let mut line = toks.get(*i).map_or(0, |t| t.1);
    loop {
        match text(*i) {
            "{" => {
                *i += 1;
                while !matches!(text(*i), "}" | "") {
                    let before = *i;
                    path_tree(toks, i, prefix.clone(), out);
                    *i += 2 * usize::from(text(*i) == "as");
                    *i += usize::from(text(*i) == "," || *i == before);
                }
                *i += 1;
                return;
            }
            t if t == "*" || t.starts_with(is_ident) => {
                if t != "self" || prefix.is_empty() {
                    prefix.push(t.to_string());
                }
                (line, *i) = (toks[*i].1, *i + 1);
            }
            _ => break,
        }
        if text(*i) != "::" {
            break;
        }
        *i += 1;
    }
    if !prefix.is_empty() {
        out.push((prefix, line));
    }
}

/// The module `path` names from module `here` (segments, inline modules included): the
/// longest prefix of the absolute path that is in `modules`.
fn resolve(here: &[String], path: &[String], modules: &BTreeSet<String>) -> Option<String> {
    let (mut abs, mut rest) = match path[0].as_str() {
        "crate" => (vec!["crate".to_string()], &path[1..]),
        "self" => (here.to_vec(), &path[1..]),
        _ => (here.to_vec(), path),
    };
    while rest.first().is_some_and(|s| s == "super") {
        abs.pop()?;
        rest = &rest[1..];
    }
    abs.extend(rest.iter().cloned());
    let mut prefixes = (1..=abs.len()).rev().map(|n| abs[..n].join("::"));
    prefixes.find(|m| modules.contains(m))
}

/// Every path starting with `crate::`, `super::` or `self::` in the code of a file of
/// module `module`, resolved against `modules` (paths leading outside the crate dropped).
fn references(source: &str, module: &str, modules: &BTreeSet<String>) -> Vec<Reference> {
    let toks = tokens(source);
    let text = |k: usize| toks.get(k).map_or("", |t| t.0.as_str());
    let (mut refs, mut inline, mut depth, mut i) = (Vec::new(), Vec::new(), 0, 0);
    while i < toks.len() {
        match text(i) {
            "{" => depth += 1,
            "}" => {
                inline.retain(|&(_, d)| d < depth);
                depth -= 1;
            }
            "mod" if text(i + 2) == "{" => inline.push((text(i + 1), depth + 1)),
            "crate" | "super" | "self"
                if text(i + 1) == "::" && (i == 0 || !matches!(text(i - 1), "::" | "$")) =>
            {
                let mut here: Vec<String> = module.split("::").map(String::from).collect();
                here.extend(inline.iter().map(|(name, _)| name.to_string()));
                let mut paths = Vec::new();
                path_tree(&toks, &mut i, Vec::new(), &mut paths);
                refs.extend(paths.into_iter().filter_map(|(path, line)| {
                    let (target, text) = (resolve(&here, &path, modules)?, path.join("::"));
                    Some(Reference { line, text, target })
                }));
                continue;
            }
            _ => {}
        }
        i += 1;
    }
    refs
}

/// The library's files, its modules, and every reference of every file (by file index).
fn all_references() -> (Vec<SourceFile>, BTreeSet<String>, Vec<(usize, Reference)>) {
    let files = source_files();
    let modules: BTreeSet<String> = files.iter().map(|f| f.module.clone()).collect();
    let mut refs = Vec::new();
    for (n, f) in files.iter().enumerate() {
        let of_file = references(&f.text, &f.module, &modules);
        refs.extend(of_file.into_iter().map(|r| (n, r)));
    }
    (files, modules, refs)
}

/// The strongly connected components of the graph `adj` (the classes of mutually reachable
/// nodes), dependencies first: a component reaches fewer nodes (itself included) than one
/// that reaches it.
fn components(adj: &[Vec<usize>]) -> Vec<Vec<usize>> {
    let reach = |v: usize| {
        let (mut seen, mut todo): (Vec<bool>, _) =
            ((0..adj.len()).map(|w| w == v).collect(), vec![v]);
        while let Some(v) = todo.pop() {
            for &w in &adj[v] {
                if !std::mem::replace(&mut seen[w], true) {
                    todo.push(w);
                }
            }
        }
        seen
    };
    let reach: Vec<Vec<bool>> = (0..adj.len()).map(reach).collect();
    let mut found = Vec::new();
    for (v, from_v) in reach.iter().enumerate() {
        let mutual = |w: &usize| from_v[*w] && reach[*w][v];
        let c: Vec<usize> = (0..adj.len()).filter(mutual).collect();
        if c[0] == v {
            found.push(c);
        }
    }
    found.sort_by_key(|c: &Vec<usize>| reach[c[0]].iter().filter(|r| **r).count());
    found
}

/// The first `n` items joined by ", ", and how many more there are.
fn first(items: &[String], n: usize) -> String {
    let mut text = items[..items.len().min(n)].join(", ");
    if items.len() > n {
        text += &format!(", +{} more", items.len() - n);
    }
    text
}

#[test]
fn no_import_cycle_between_modules() {
    let (files, modules, refs) = all_references();
    // (child, child) of a common parent -> the file-level references that make the edge
    let mut lifted: BTreeMap<(String, String), Vec<String>> = BTreeMap::new();
    for (n, r) in &refs {
        let (from, to) = (&files[*n].module, &r.target);
        if !is_within(from, to) && !is_within(to, from) {
            let (a, b): (Vec<_>, Vec<_>) = (from.split("::").collect(), to.split("::").collect());
            let k = a.iter().zip(&b).take_while(|(x, y)| x == y).count();
            let edge = (a[..=k].join("::"), b[..=k].join("::"));
            let why = format!("{}:{} {}", files[*n].path, r.line, r.text);
            lifted.entry(edge).or_default().push(why);
        }
    }
    let mut cycles = Vec::new();
    for parent in &modules {
        let is_child = |m: &&String| m.rsplit_once("::").is_some_and(|(p, _)| p == parent);
        let siblings: Vec<&String> = modules.iter().filter(is_child).collect();
        let index = |m: &String| siblings.iter().position(|s| *s == m);
        let mut adj = vec![Vec::new(); siblings.len()];
        for (a, b) in lifted.keys() {
            if let (Some(a), Some(b)) = (index(a), index(b)) {
                adj[a].push(b);
            }
        }
        let short = |m: usize| &siblings[m][parent.len() + 2..];
        let mut layers = Vec::new();
        for c in components(&adj) {
            let names: Vec<&str> = c.iter().map(|&m| short(m)).collect();
            let (open, close) = if c.len() > 1 { ("{", "}") } else { ("", "") };
            layers.push(format!("{open}{}{close}", names.join(" ")));
            if c.len() > 1 {
                let mut edges = Vec::new();
                for (&a, &b) in c.iter().flat_map(|a| c.iter().map(move |b| (a, b))) {
                    if let Some(why) = lifted.get(&(siblings[a].clone(), siblings[b].clone())) {
                        edges.push(format!("{} -> {} ({})", short(a), short(b), first(why, 3)));
                    }
                }
                let members: Vec<&str> = c.iter().map(|&m| siblings[m].as_str()).collect();
                cycles.push(format!("[{}]: {}", members.join(", "), edges.join("; ")));
            }
        }
        if !layers.is_empty() {
            eprintln!("layering {parent}: {}", layers.join(" < "));
        }
    }
    let (n, cycles) = (cycles.len(), cycles.join("\n"));
    assert!(n == 0, "{n} import cycle(s) between modules:\n{cycles}");
}

#[test]
fn the_generic_core_names_no_v1_module() {
    let (files, _, refs) = all_references();
    let mut offending: BTreeMap<&str, Vec<String>> = BTreeMap::new();
    for (n, r) in &refs {
        let path = files[*n].path.as_str();
        let allowed = path.starts_with("src/v1/") || COMPOSITION_ROOTS.contains(&path);
        if !allowed && is_within(&r.target, "crate::v1") {
            let named = offending.entry(path).or_default();
            if !named.iter().any(|s| s.starts_with(&format!("{} ", r.text))) {
                named.push(format!("{} (line {})", r.text, r.line));
            }
        }
    }
    let lines: Vec<String> = (offending.iter())
        .map(|(path, named)| format!("{path}: {}", first(named, 5)))
        .collect();
    let (n, roots, lines) = (lines.len(), COMPOSITION_ROOTS, lines.join("\n"));
    let head = format!("{n} file(s) outside src/v1/ and {roots:?} refer to crate::v1");
    assert!(n == 0, "{head}:\n{lines}");
}

#[test]
fn no_source_file_is_over_750_lines() {
    let long: Vec<String> = (source_files().iter())
        .map(|f| (f.path.as_str(), f.text.lines().count()))
        .filter(|&(_, n)| n > MAX_LINES)
        .map(|(path, n)| format!("{path}: {n} lines"))
        .collect();
    let (n, long) = (long.len(), long.join("\n"));
    assert!(n == 0, "{n} file(s) over {MAX_LINES} lines:\n{long}");
}

#[test]
fn the_reference_extraction_reads_grouped_and_inline_paths() {
    let source = r#"
//! Module docs naming crate::fake::Docs.
use crate::{catalog::Invariant, model::{self, Plan, run::{Observer, Stepper as S}}};
use super::invariants::Law;
use std::fmt;
/* a block comment: crate::fake::Block
   crate::fake::SecondLine */
fn go<'a>(w: &'a mut W) -> char {
    let quote = '"'; // a char literal opens no string: crate::fake
    let text = "crate::fake::InAString";
    crate::v1::csv::write_header(w);
    let p = crate::v1::Params { steps: 1 };
    'x'
}
#[cfg(test)]
mod tests {
    use super::*;
    use super::super::goals::Goal;
}
"#;
    let modules = "crate crate::catalog crate::model crate::model::run crate::harness crate::fake
        crate::harness::walk crate::harness::invariants crate::harness::goals crate::v1 crate::v1::csv";
    let modules: BTreeSet<String> = modules.split_whitespace().map(String::from).collect();
    let refs = references(source, "crate::harness::walk", &modules);
    let targets: BTreeSet<&str> = refs.iter().map(|r| r.target.as_str()).collect();
    let expected = "crate::catalog crate::model crate::model::run crate::harness::invariants
        crate::harness::walk crate::harness::goals crate::v1::csv crate::v1";
    assert_eq!(targets, expected.split_whitespace().collect(), "{refs:#?}");
    let texts: Vec<String> = refs
        .iter()
        .map(|r| format!("{}@{}", r.text, r.line))
        .collect();
    let expanded = "crate::model@3 crate::model::run::Stepper@3 crate::v1::csv::write_header@11
        crate::v1::Params@12 super::*@17 super::super::goals::Goal@18";
    for text in expanded.split_whitespace() {
        assert!(texts.iter().any(|t| t == text), "{text} not in {texts:?}");
    }
}
