//! The fuzz target's body over its committed corpus (fuzz/corpus/my_rule/), on stable:
//! what `cargo fuzz run my_rule` checks, checked by `cargo test`.

#[path = "../fuzz/body.rs"]
mod body;

#[test]
fn every_corpus_file_keeps_the_laws() {
    let dir = std::path::Path::new(env!("CARGO_MANIFEST_DIR")).join("fuzz/corpus/my_rule");
    let mut files: Vec<_> = std::fs::read_dir(&dir)
        .unwrap_or_else(|e| panic!("{} is committed: {e}", dir.display()))
        .map(|entry| entry.unwrap().path())
        .collect();
    files.sort();
    assert!(files.len() >= 3, "only {} corpus files", files.len());
    for path in files {
        let data = std::fs::read(&path).unwrap();
        if let Err(v) = body::check(&data) {
            panic!("{}: {v}", path.display());
        }
    }
}
