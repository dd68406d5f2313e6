//! `currents new PATH`: a crate of your own, written from the template
//! (`examples/my-rule/`): a rule in two versions, a model of its own (`src/variant/`), their tests, scenarios
//! and snapshots, a fuzz target, and a binary that is the whole tool with them in it —
//! with the dependency paths pointing at this currents and the package named after PATH's
//! last component, so that `cd PATH && cargo test` works at once.
//!
//! The files are the template's, embedded in the binary when it is built
//! ([`TEMPLATE`]); what changes is the package's name (`Cargo.toml`, `Cargo.lock`, the
//! crate's name in Rust paths) and the `currents` dependency's path. The rules, users and
//! scenarios keep their names (`my-rule`, `my-rule-v2`): rename them as you make them yours.
//! The crate is written as one transaction ([`super::Outputs`]): a failure leaves nothing.

use std::path::Path;

use clap::Args;

use super::{Outputs, io_failure, usage_error};

/// The template's files, relative to its folder, as they are in the repository.
pub(crate) const TEMPLATE: &[(&str, &[u8])] = &[
    (
        ".gitignore",
        include_bytes!("../../examples/my-rule/.gitignore"),
    ),
    (
        "Cargo.lock",
        include_bytes!("../../examples/my-rule/Cargo.lock"),
    ),
    (
        "Cargo.toml",
        include_bytes!("../../examples/my-rule/Cargo.toml"),
    ),
    (
        "README.md",
        include_bytes!("../../examples/my-rule/README.md"),
    ),
    ("ci.sh", include_bytes!("../../examples/my-rule/ci.sh")),
    (
        "fuzz/Cargo.lock",
        include_bytes!("../../examples/my-rule/fuzz/Cargo.lock"),
    ),
    (
        "fuzz/Cargo.toml",
        include_bytes!("../../examples/my-rule/fuzz/Cargo.toml"),
    ),
    (
        "fuzz/body.rs",
        include_bytes!("../../examples/my-rule/fuzz/body.rs"),
    ),
    (
        "fuzz/corpus/my_rule/0445e7f602aa3502acbe6116dfcf9159df3aa796",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/0445e7f602aa3502acbe6116dfcf9159df3aa796"
        ),
    ),
    (
        "fuzz/corpus/my_rule/095b42396f86eb5f2672bf508840aad18f923d39",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/095b42396f86eb5f2672bf508840aad18f923d39"
        ),
    ),
    (
        "fuzz/corpus/my_rule/09dce71223d20eb25c064856894c9c82076fb991",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/09dce71223d20eb25c064856894c9c82076fb991"
        ),
    ),
    (
        "fuzz/corpus/my_rule/0a76f30a3b57bc0ebfa45c17cf1b2cb68f6e0917",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/0a76f30a3b57bc0ebfa45c17cf1b2cb68f6e0917"
        ),
    ),
    (
        "fuzz/corpus/my_rule/29d4d0224fb30963ea53d37a90994b6811bda193",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/29d4d0224fb30963ea53d37a90994b6811bda193"
        ),
    ),
    (
        "fuzz/corpus/my_rule/3c3f7e3d2cca1a979be41134a83d09d22278b9a8",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/3c3f7e3d2cca1a979be41134a83d09d22278b9a8"
        ),
    ),
    (
        "fuzz/corpus/my_rule/4345cb1fa27885a8fbfe7c0c830a592cc76a552b",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/4345cb1fa27885a8fbfe7c0c830a592cc76a552b"
        ),
    ),
    (
        "fuzz/corpus/my_rule/4411108c82a2eb6880a8224de42185cf1e09583f",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/4411108c82a2eb6880a8224de42185cf1e09583f"
        ),
    ),
    (
        "fuzz/corpus/my_rule/4b3460d2a62acd7d4044f5e8849b049e27825067",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/4b3460d2a62acd7d4044f5e8849b049e27825067"
        ),
    ),
    (
        "fuzz/corpus/my_rule/66ba46102ebe3e9f34e10ae142d6650f625934b2",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/66ba46102ebe3e9f34e10ae142d6650f625934b2"
        ),
    ),
    (
        "fuzz/corpus/my_rule/85bff96dd9fdd65584d00dc051fde4af11aef94f",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/85bff96dd9fdd65584d00dc051fde4af11aef94f"
        ),
    ),
    (
        "fuzz/corpus/my_rule/9baba1deb0e76ddfa2b21b8b3d385ff887dd0dd9",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/9baba1deb0e76ddfa2b21b8b3d385ff887dd0dd9"
        ),
    ),
    (
        "fuzz/corpus/my_rule/a0b7a8516ec85a6fc3ec418dbcb1a775c1a8230c",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/a0b7a8516ec85a6fc3ec418dbcb1a775c1a8230c"
        ),
    ),
    (
        "fuzz/corpus/my_rule/a609b4c4a692317c2725284e6cef4574af7b669f",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/a609b4c4a692317c2725284e6cef4574af7b669f"
        ),
    ),
    (
        "fuzz/corpus/my_rule/d3b424c999d9252c1077c14039abd019b7e2ea0c",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/d3b424c999d9252c1077c14039abd019b7e2ea0c"
        ),
    ),
    (
        "fuzz/corpus/my_rule/d50591ff745cc83091f4ee12b2ee702cb24b0b45",
        include_bytes!(
            "../../examples/my-rule/fuzz/corpus/my_rule/d50591ff745cc83091f4ee12b2ee702cb24b0b45"
        ),
    ),
    (
        "fuzz/fuzz_targets/my_rule.rs",
        include_bytes!("../../examples/my-rule/fuzz/fuzz_targets/my_rule.rs"),
    ),
    (
        "scenarios/my-rule-v2-spender.toml",
        include_bytes!("../../examples/my-rule/scenarios/my-rule-v2-spender.toml"),
    ),
    (
        "scenarios/my-rule.toml",
        include_bytes!("../../examples/my-rule/scenarios/my-rule.toml"),
    ),
    (
        "scenarios/variant.toml",
        include_bytes!("../../examples/my-rule/scenarios/variant.toml"),
    ),
    (
        "src/lib.rs",
        include_bytes!("../../examples/my-rule/src/lib.rs"),
    ),
    (
        "src/main.rs",
        include_bytes!("../../examples/my-rule/src/main.rs"),
    ),
    (
        "src/variant/checks.rs",
        include_bytes!("../../examples/my-rule/src/variant/checks.rs"),
    ),
    (
        "src/variant/mod.rs",
        include_bytes!("../../examples/my-rule/src/variant/mod.rs"),
    ),
    (
        "src/variant/rule.rs",
        include_bytes!("../../examples/my-rule/src/variant/rule.rs"),
    ),
    (
        "src/variant/user.rs",
        include_bytes!("../../examples/my-rule/src/variant/user.rs"),
    ),
    (
        "sweep.toml",
        include_bytes!("../../examples/my-rule/sweep.toml"),
    ),
    (
        "tests/compare.rs",
        include_bytes!("../../examples/my-rule/tests/compare.rs"),
    ),
    (
        "tests/fuzz_replay.rs",
        include_bytes!("../../examples/my-rule/tests/fuzz_replay.rs"),
    ),
    (
        "tests/harness.rs",
        include_bytes!("../../examples/my-rule/tests/harness.rs"),
    ),
    (
        "tests/scenarios.rs",
        include_bytes!("../../examples/my-rule/tests/scenarios.rs"),
    ),
    (
        "tests/snapshots/scenarios__scenarios@my-rule-v2-spender.toml.snap",
        include_bytes!(
            "../../examples/my-rule/tests/snapshots/scenarios__scenarios@my-rule-v2-spender.toml.snap"
        ),
    ),
    (
        "tests/snapshots/scenarios__scenarios@my-rule.toml.snap",
        include_bytes!(
            "../../examples/my-rule/tests/snapshots/scenarios__scenarios@my-rule.toml.snap"
        ),
    ),
    (
        "tests/snapshots/scenarios__scenarios@variant.toml.snap",
        include_bytes!(
            "../../examples/my-rule/tests/snapshots/scenarios__scenarios@variant.toml.snap"
        ),
    ),
    (
        "tests/snapshots/variant_first_steps.snap",
        include_bytes!("../../examples/my-rule/tests/snapshots/variant_first_steps.snap"),
    ),
    (
        "tests/variant.rs",
        include_bytes!("../../examples/my-rule/tests/variant.rs"),
    ),
    (
        "variant-sweep.toml",
        include_bytes!("../../examples/my-rule/variant-sweep.toml"),
    ),
];

/// The longest crate name accepted.
pub(crate) const NAME_LEN_MAX: usize = 64;

/// A crate's folder `PATH`: its last component is the crate's name ([`crate_name`]).
fn crate_path(s: &str) -> Result<String, String> {
    let name = Path::new(s)
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    crate_name(&name).map(|_| s.to_owned())
}

/// A crate name: lowercase ASCII letters, digits, `-` and `_`, starting with a letter, at
/// most [`NAME_LEN_MAX`] characters, and not `currents` (the dependency's own name).
fn crate_name(s: &str) -> Result<String, String> {
    let ok = !s.is_empty()
        && s.len() <= NAME_LEN_MAX
        && s.starts_with(|c: char| c.is_ascii_lowercase())
        && s.chars()
            .all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
        && s != "currents"
        && s != "test";
    if ok {
        Ok(s.to_owned())
    } else {
        Err(format!(
            "accepted: a crate name of 1 to {NAME_LEN_MAX} lowercase letters, digits, - and _, starting with a letter, other than currents and test"
        ))
    }
}

#[derive(Args, Debug)]
pub(crate) struct NewArgs {
    /// The new crate's folder (created; its parent must exist); its last component is the
    /// crate's name
    #[arg(value_name = "PATH", value_parser = crate_path)]
    path: String,
    /// The currents source the crate depends on [default: the one this binary was built
    /// from]
    #[arg(long, value_name = "DIR")]
    currents: Option<String>,
}

/// The template's file `path` (relative to the template) for a crate named `name` whose
/// `currents` dependency is at `currents`: the package's name and the dependency's path
/// replaced, everything else as it is.
pub(crate) fn rewrite(path: &str, bytes: &[u8], name: &str, currents: &str) -> Vec<u8> {
    let Ok(text) = std::str::from_utf8(bytes) else {
        return bytes.to_vec();
    };
    let ident = name.replace('-', "_");
    let dep = format!(
        "path = \"{}\"",
        currents.replace('\\', "\\\\").replace('"', "\\\"")
    );
    let out = match path {
        "Cargo.toml" => text
            .replace("name = \"my-rule\"", &format!("name = \"{name}\""))
            .replace("path = \"../..\"", &dep),
        "fuzz/Cargo.toml" => text
            .replace(
                "name = \"my-rule-fuzz\"",
                &format!("name = \"{name}-fuzz\""),
            )
            .replace(
                "my-rule = { path = \"..\"",
                &format!("{name} = {{ path = \"..\""),
            )
            .replace("path = \"../../..\"", &dep),
        "Cargo.lock" | "fuzz/Cargo.lock" => text
            .replace("\"my-rule\"", &format!("\"{name}\""))
            .replace("\"my-rule-fuzz\"", &format!("\"{name}-fuzz\"")),
        p if p.ends_with(".rs") => text.replace("my_rule::", &format!("{ident}::")),
        _ => text.to_owned(),
    };
    out.into_bytes()
}

/// Runs `currents new`.
pub(crate) fn run(args: NewArgs, _tool: &super::Tool) -> i32 {
    let currents = match &args.currents {
        Some(dir) => dir.clone(),
        None => env!("CARGO_MANIFEST_DIR").to_owned(),
    };
    let manifest = Path::new(&currents).join("Cargo.toml");
    let is_currents = std::fs::read_to_string(&manifest)
        .is_ok_and(|t| t.lines().any(|l| l.trim() == "name = \"currents\""));
    if !is_currents {
        return usage_error(format_args!(
            "invalid value for `--currents`: {currents:?} (accepted: the folder of the currents source, holding its Cargo.toml)"
        ));
    }
    let currents = match Path::new(&currents).canonicalize() {
        Ok(p) => p.to_string_lossy().into_owned(),
        Err(_) => currents,
    };
    let root = Path::new(&args.path);
    let name = root
        .file_name()
        .map(|n| n.to_string_lossy().into_owned())
        .unwrap_or_default();
    let parent = root.parent().filter(|p| !p.as_os_str().is_empty());
    if std::fs::symlink_metadata(root).is_ok() || parent.is_some_and(|p| !p.is_dir()) {
        return usage_error(format_args!(
            "invalid value for `PATH`: {:?} (accepted: a path no file or folder has yet, in an existing folder)",
            args.path
        ));
    }
    let mut outputs = Outputs::new();
    for (path, bytes) in TEMPLATE {
        let target = root.join(path);
        let dir = target
            .parent()
            .map_or(String::new(), |d| d.to_string_lossy().into_owned());
        let shown = target.to_string_lossy().into_owned();
        let body = rewrite(path, bytes, &name, &currents);
        let written = outputs
            .create_dir(&dir)
            .map_err(|e| std::io::Error::new(e.kind(), format!("cannot create {dir}: {e}")))
            .and_then(|()| outputs.stage(&shown, |w| w.write_all(&body)));
        if let Err(e) = written {
            return io_failure(&e);
        }
    }
    #[cfg(unix)]
    let ci = root.join("ci.sh");
    match outputs.commit() {
        Ok(()) => {
            // The CI script stays executable, as it is in the template.
            #[cfg(unix)]
            {
                use std::os::unix::fs::PermissionsExt;
                let _ = std::fs::set_permissions(&ci, std::fs::Permissions::from_mode(0o755));
            }
            0
        }
        Err(e) => io_failure(&e),
    }
}

#[cfg(test)]
mod tests {
    use super::*;

    /// Every file of the template folder that git would keep (not its build output, not
    /// what its README's commands write) is embedded, and nothing else.
    #[test]
    fn the_embedded_template_is_every_file_of_the_template_folder() {
        let root = Path::new(env!("CARGO_MANIFEST_DIR")).join("examples/my-rule");
        let ignored = [
            "target",
            "out",
            "fuzz/target",
            "fuzz/artifacts",
            "fuzz/coverage",
            "fuzz/corpus.work",
        ];
        let mut on_disk = Vec::new();
        let mut dirs = vec![root.clone()];
        while let Some(dir) = dirs.pop() {
            for entry in std::fs::read_dir(&dir).unwrap() {
                let p = entry.unwrap().path();
                let rel = p
                    .strip_prefix(&root)
                    .unwrap()
                    .to_string_lossy()
                    .replace('\\', "/");
                if ignored.contains(&rel.as_str()) || rel.ends_with(".snap.new") {
                    continue;
                }
                if p.is_dir() {
                    dirs.push(p);
                } else {
                    on_disk.push(rel);
                }
            }
        }
        on_disk.sort();
        let mut embedded: Vec<String> = TEMPLATE.iter().map(|(p, _)| (*p).to_owned()).collect();
        embedded.sort();
        assert_eq!(embedded, on_disk);
    }

    #[test]
    fn a_new_crate_is_renamed_and_points_at_its_currents() {
        let get = |p: &str| {
            let (_, bytes) = TEMPLATE.iter().find(|(q, _)| *q == p).unwrap();
            String::from_utf8(rewrite(p, bytes, "my-currency", "/src/currents")).unwrap()
        };
        let manifest = get("Cargo.toml");
        assert!(manifest.contains("name = \"my-currency\""), "{manifest}");
        assert!(!manifest.contains("\"my-rule\""), "{manifest}");
        assert!(!manifest.contains("\"../..\""), "{manifest}");
        assert_eq!(manifest.matches("path = \"/src/currents\"").count(), 2);
        let fuzz = get("fuzz/Cargo.toml");
        assert!(fuzz.contains("my-currency = { path = \"..\""), "{fuzz}");
        assert!(
            fuzz.contains("currents = { path = \"/src/currents\""),
            "{fuzz}"
        );
        let main = get("src/main.rs");
        assert!(main.contains("my_currency::workbench()"), "{main}");
        assert!(!main.contains("my_rule::"), "{main}");
        // Names that are the rule's, not the crate's, stay.
        assert!(get("src/lib.rs").contains("\"my-rule\""));
    }

    #[test]
    fn a_crate_name_is_checked() {
        for ok in ["my-currency", "a", "x_1"] {
            assert_eq!(crate_name(ok), Ok(ok.to_owned()));
        }
        for bad in ["", "1a", "My", "a b", "currents", "../x", &"a".repeat(65)] {
            assert!(crate_name(bad).is_err(), "{bad:?}");
        }
        assert_eq!(
            crate_path("out/my-currency"),
            Ok("out/my-currency".to_owned())
        );
        assert!(crate_path("out/My").is_err());
        assert!(crate_path("..").is_err());
    }
}
