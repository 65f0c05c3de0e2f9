//! `cargo xtask codegen`: generate the client crate in memory, then make the output folder
//! match it exactly, touching only the files that differ; with `--check`, only report them.
//!
//! Nothing hand-written lives in the output folder, so every file the generator no longer
//! produces is stale and removed. Writing only changed files keeps mtimes (and so cargo's
//! rebuilds) and `git status` quiet; each write goes through a temporary file and a rename
//! so a reader never sees a half-written file.

use std::collections::{BTreeMap, BTreeSet};
use std::ffi::OsString;
use std::fs;
use std::io;
use std::path::{Path, PathBuf};
use std::time::Instant;

use generator::Output;

use crate::{display_path, workspace_root, USAGE};

const DEFAULT_SPEC: &str = "spec/upvest.yaml";
const DEFAULT_OUT: &str = "generated";
/// The package name of this repository's client; other documents get one from their title.
const DEFAULT_CRATE_NAME: &str = "upvest-client";

/// Cargo's build folder, should someone build the generated crate on its own: not
/// generator output, so it is neither compared nor cleaned.
const IGNORED_DIR: &str = "target";

/// Suffix of the temporary file each write goes through. A leftover from an interrupted
/// run is just an extra file, which the next run removes.
const TMP_SUFFIX: &str = ".codegen-tmp";

/// The parsed `cargo xtask codegen` command line, with absolute paths.
#[derive(Debug, PartialEq, Eq)]
pub struct Options {
    pub check: bool,
    /// Fail, writing nothing, when the generator reports any warning.
    pub deny_warnings: bool,
    pub spec: PathBuf,
    pub out: PathBuf,
    /// Crate name and user agent.
    pub generator: generator::Options,
}

impl Options {
    /// Parses the arguments after `codegen`. Defaults are relative to the workspace `root`;
    /// paths given on the command line are relative to `cwd`, where the user typed them.
    pub fn parse(args: &[OsString], cwd: &Path, root: &Path) -> Result<Options, String> {
        let mut options = Options {
            check: false,
            deny_warnings: false,
            spec: root.join(DEFAULT_SPEC),
            out: root.join(DEFAULT_OUT),
            generator: generator::Options::default(),
        };
        let mut args = args.iter();
        while let Some(arg) = args.next() {
            match arg.to_str() {
                Some("--check") => options.check = true,
                Some("--deny-warnings") => options.deny_warnings = true,
                Some(flag @ ("--crate-name" | "--user-agent")) => {
                    let value = args
                        .next()
                        .and_then(|v| v.to_str())
                        .filter(|v| !v.is_empty())
                        .ok_or_else(|| format!("error: {flag} needs a value\n\n{USAGE}"))?;
                    if flag == "--crate-name" {
                        if !valid_crate_name(value) {
                            return Err(format!(
                                "error: `{value}` is not a crate name: use lower-case letters, digits and `-`, \
                                 starting with a letter"
                            ));
                        }
                        options.generator.crate_name = Some(value.to_owned());
                    } else {
                        options.generator.user_agent = Some(value.to_owned());
                    }
                }
                Some(flag @ ("--spec" | "--out")) => {
                    let value = args.next().ok_or_else(|| format!("error: {flag} needs a path\n\n{USAGE}"))?;
                    let path = cwd.join(value);
                    if flag == "--spec" {
                        options.spec = path;
                    } else {
                        options.out = path;
                    }
                }
                _ => {
                    return Err(format!(
                        "error: unexpected argument `{}` for codegen\n\n{USAGE}",
                        arg.to_string_lossy()
                    ))
                }
            }
        }
        if options.spec == root.join(DEFAULT_SPEC) && options.generator.crate_name.is_none() {
            options.generator.crate_name = Some(DEFAULT_CRATE_NAME.to_owned());
        }
        Ok(options)
    }

    /// What to run to bring the output folder up to date.
    fn fix(&self) -> String {
        let root = workspace_root();
        let mut command = String::from("cargo xtask codegen");
        let default_spec = self.spec == root.join(DEFAULT_SPEC);
        if !default_spec {
            command += &format!(" --spec {}", self.spec.display());
        }
        match self.generator.crate_name.as_deref() {
            Some(DEFAULT_CRATE_NAME) if default_spec => {}
            Some(name) => command += &format!(" --crate-name {name}"),
            None => {}
        }
        if let Some(user_agent) = &self.generator.user_agent {
            command += &format!(" --user-agent {user_agent}");
        }
        if self.out != root.join(DEFAULT_OUT) {
            return format!("run `{command} --out {}`", self.out.display());
        }
        format!("run `{command}` and commit {DEFAULT_OUT}/")
    }
}

/// A name cargo and crates.io take: `acme-payments-client`.
fn valid_crate_name(name: &str) -> bool {
    name.len() <= 64
        && name.starts_with(|c: char| c.is_ascii_lowercase())
        && name.chars().all(|c| c.is_ascii_lowercase() || c.is_ascii_digit() || c == '-' || c == '_')
}

/// Runs `cargo xtask codegen` and prints its one-line result.
pub fn run(options: &Options) -> Result<(), String> {
    let started = Instant::now();
    // Generation finishes completely before anything is compared or written, so a
    // generator error leaves the output folder exactly as it was.
    let output = generator::generate_with(&options.spec, &options.generator).map_err(|err| format!("error: {err}"))?;
    for warning in &output.warnings {
        eprintln!("{warning}");
    }
    check_warnings(options, &output)?;
    println!("{}", sync(options, &output, started)?);
    Ok(())
}

/// With `--deny-warnings`, any warning fails the run before anything is compared or
/// written: what the generator gave up is then a defect of the document.
fn check_warnings(options: &Options, output: &Output) -> Result<(), String> {
    if !options.deny_warnings || output.warnings.is_empty() {
        return Ok(());
    }
    Err(format!(
        "error: {} and --deny-warnings, so nothing was written\n  fix: change the document \
         as each warning above says, or leave out --deny-warnings",
        count(output.warnings.len(), "warning")
    ))
}

/// Compares (`--check`) or updates the output folder for an already generated `output`,
/// returning the line to print, or the report of what differs.
fn sync(options: &Options, output: &Output, started: Instant) -> Result<String, String> {
    let label = format!("{}/", display_path(&options.out));
    let changes = plan(&options.out, output).map_err(|err| format!("error: {err}"))?;
    if options.check {
        return if changes.is_empty() {
            Ok(format!(
                "codegen --check: {label} is up to date ({}, {})",
                count(output.files.len(), "file"),
                count(output.warnings.len(), "warning")
            ))
        } else {
            Err(changes.report(&label, &options.fix()))
        };
    }
    // A crate always has files; an empty output means a broken generator, and writing it
    // would wipe the committed crate.
    if output.files.is_empty() {
        return Err(format!(
            "error: the generator produced no files; writing that would delete everything in \
             {label}, so nothing was written\n  fix: make generator::generate emit the crate \
             (generator/src/lib.rs)"
        ));
    }
    let applied = apply(&options.out, changes).map_err(|err| format!("error: {err}"))?;
    Ok(format!(
        "codegen: {}, {}, {}, {} changed ({} written, {} removed) in {} ms",
        count(output.summary.types, "type"),
        count(output.summary.operations, "operation"),
        count(output.warnings.len(), "warning"),
        count(applied.written + applied.removed, "file"),
        applied.written,
        applied.removed,
        started.elapsed().as_millis()
    ))
}

/// How the output folder differs from a generator `Output`. Paths are relative to the
/// output folder and `/`-separated.
#[derive(Debug, Default, PartialEq, Eq)]
pub struct Changes {
    /// Files the output has and the folder lacks, with their content.
    pub missing: BTreeMap<String, String>,
    /// Files whose content differs (or that are a folder or link where the output has a
    /// file), with the content they should have.
    pub stale: BTreeMap<String, String>,
    /// Files in the folder that the output does not have.
    pub extra: BTreeSet<String>,
}

impl Changes {
    pub fn is_empty(&self) -> bool {
        self.missing.is_empty() && self.stale.is_empty() && self.extra.is_empty()
    }

    /// Every difference as `(kind, path)`, sorted by path.
    pub fn differences(&self) -> Vec<(&'static str, &str)> {
        let mut differences: Vec<_> = self
            .stale
            .keys()
            .map(|path| ("stale", path.as_str()))
            .chain(self.missing.keys().map(|path| ("missing", path.as_str())))
            .chain(self.extra.iter().map(|path| ("extra", path.as_str())))
            .collect();
        differences.sort_by_key(|&(_, path)| path);
        differences
    }

    /// The `--check` failure message: one line per differing file, then what to do.
    pub fn report(&self, out_label: &str, fix: &str) -> String {
        let mut report = format!("codegen --check: {out_label} is out of date; these files differ:\n");
        for (kind, path) in self.differences() {
            report += &format!("  {kind:<7}  {path}\n");
        }
        report += &format!("fix: {fix}");
        report
    }
}

/// Compares `out_dir` with `output` without changing anything.
pub fn plan(out_dir: &Path, output: &Output) -> io::Result<Changes> {
    let mut changes = Changes::default();
    for (relative, content) in &output.files {
        check_relative_path(relative)?;
        let path = out_dir.join(relative);
        match fs::symlink_metadata(&path) {
            // Absent, or a parent is absent or is a file (which is extra and goes away first).
            Err(err) if err.kind() == io::ErrorKind::NotFound || !path.parent().is_some_and(Path::is_dir) => {
                changes.missing.insert(relative.clone(), content.clone());
            }
            Err(err) => return Err(context(err, "inspect", &path)),
            Ok(metadata) if metadata.is_file() => {
                let current = fs::read(&path).map_err(|err| context(err, "read", &path))?;
                if current != content.as_bytes() {
                    changes.stale.insert(relative.clone(), content.clone());
                }
            }
            Ok(_) => {
                changes.stale.insert(relative.clone(), content.clone());
            }
        }
    }
    let mut existing = Vec::new();
    if out_dir.is_dir() {
        list_files(out_dir, "", &mut existing)?;
    }
    changes.extra = existing.into_iter().filter(|relative| !output.files.contains_key(relative)).collect();
    Ok(changes)
}

/// What `apply` did.
#[derive(Debug, PartialEq, Eq)]
pub struct Applied {
    pub written: usize,
    pub removed: usize,
}

/// Makes `out_dir` match the output `changes` came from.
pub fn apply(out_dir: &Path, changes: Changes) -> io::Result<Applied> {
    // Removals go first: an extra file may stand where a folder of new files belongs, and
    // a folder emptied here may stand where a new file belongs.
    for relative in &changes.extra {
        let path = out_dir.join(relative);
        fs::remove_file(&path).map_err(|err| context(err, "remove", &path))?;
    }
    if out_dir.is_dir() {
        remove_empty_dirs(out_dir, true)?;
    }
    for (relative, content) in changes.missing.iter().chain(&changes.stale) {
        write_atomically(&out_dir.join(relative), content)?;
    }
    Ok(Applied { written: changes.missing.len() + changes.stale.len(), removed: changes.extra.len() })
}

/// Rejects paths that could land outside the output folder or name one file two ways
/// (`a//b` and `a/b`), which would make every run rewrite it.
fn check_relative_path(relative: &str) -> io::Result<()> {
    let plain = relative.split('/').all(|part| !part.is_empty() && part != "." && part != ".." && !part.contains('\\'));
    if plain {
        return Ok(());
    }
    Err(io::Error::new(
        io::ErrorKind::InvalidInput,
        format!(
            "the generator produced the output path {relative:?}\n  fix: output paths must be \
             relative and '/'-separated, without empty, '.' or '..' parts or backslashes; \
             change the emitter in generator/"
        ),
    ))
}

/// Appends the `/`-separated paths of all files below `dir` (prefixed with `prefix`) to
/// `files`, skipping `target/` at the top.
fn list_files(dir: &Path, prefix: &str, files: &mut Vec<String>) -> io::Result<()> {
    for entry in fs::read_dir(dir).map_err(|err| context(err, "list", dir))? {
        let entry = entry.map_err(|err| context(err, "list", dir))?;
        let name = entry.file_name().into_string().map_err(|name| {
            io::Error::new(
                io::ErrorKind::InvalidData,
                format!(
                    "{} holds {name:?}, whose name is not UTF-8\n  fix: nothing the generator \
                     writes has such a name, so delete it",
                    dir.display()
                ),
            )
        })?;
        let relative = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
        let file_type = entry.file_type().map_err(|err| context(err, "inspect", &entry.path()))?;
        if file_type.is_dir() {
            if relative != IGNORED_DIR {
                list_files(&entry.path(), &relative, files)?;
            }
        } else {
            files.push(relative);
        }
    }
    Ok(())
}

/// Removes every folder below `dir` that holds no file, deepest first, and tells whether
/// `dir` itself is left empty. `target/` at the top is kept whatever it holds.
fn remove_empty_dirs(dir: &Path, top: bool) -> io::Result<bool> {
    let mut empty = true;
    for entry in fs::read_dir(dir).map_err(|err| context(err, "list", dir))? {
        let entry = entry.map_err(|err| context(err, "list", dir))?;
        let path = entry.path();
        let is_dir = entry.file_type().map_err(|err| context(err, "inspect", &path))?.is_dir();
        let keep = top && entry.file_name() == IGNORED_DIR;
        if is_dir && !keep && remove_empty_dirs(&path, false)? {
            fs::remove_dir(&path).map_err(|err| context(err, "remove the empty folder", &path))?;
        } else {
            empty = false;
        }
    }
    Ok(empty)
}

/// Writes `content` to a temporary file beside `path`, then renames it over `path`: a
/// rename within one folder is atomic, so `path` always holds a whole file.
fn write_atomically(path: &Path, content: &str) -> io::Result<()> {
    let dir = path.parent().expect("output paths are checked to be relative to the folder");
    fs::create_dir_all(dir).map_err(|err| context(err, "create the folder", dir))?;
    let name = path.file_name().expect("output paths are checked to end in a name");
    // The process id keeps two concurrent runs from sharing a temporary file.
    let tmp = dir.join(format!(".{}.{}{TMP_SUFFIX}", name.to_string_lossy(), std::process::id()));
    let result = fs::write(&tmp, content)
        .map_err(|err| context(err, "write", &tmp))
        .and_then(|()| fs::rename(&tmp, path).map_err(|err| context(err, "replace", path)));
    if result.is_err() {
        // Best effort: a leftover would be removed as an extra file by the next run anyway.
        let _ = fs::remove_file(&tmp);
    }
    result
}

/// Names the action and the path in an I/O error, which on its own names neither.
fn context(err: io::Error, action: &str, path: &Path) -> io::Error {
    io::Error::new(err.kind(), format!("cannot {action} {}: {err}", path.display()))
}

fn count(n: usize, noun: &str) -> String {
    if n == 1 {
        format!("1 {noun}")
    } else {
        format!("{n} {noun}s")
    }
}

#[cfg(test)]
mod tests {
    use super::*;
    use generator::Summary;
    use std::time::{Duration, SystemTime};

    fn output(files: &[(&str, &str)]) -> Output {
        Output {
            files: files.iter().map(|&(path, content)| (path.into(), content.into())).collect(),
            summary: Summary { types: 2, operations: 1 },
            warnings: Vec::new(),
        }
    }

    fn write(dir: &Path, relative: &str, content: &str) {
        let path = dir.join(relative);
        fs::create_dir_all(path.parent().unwrap()).unwrap();
        fs::write(path, content).unwrap();
    }

    /// Every file below `dir` (including `target/`) with its content.
    fn tree(dir: &Path) -> BTreeMap<String, String> {
        fn walk(dir: &Path, prefix: &str, into: &mut BTreeMap<String, String>) {
            for entry in fs::read_dir(dir).unwrap() {
                let entry = entry.unwrap();
                let name = entry.file_name().into_string().unwrap();
                let relative = if prefix.is_empty() { name } else { format!("{prefix}/{name}") };
                if entry.file_type().unwrap().is_dir() {
                    walk(&entry.path(), &relative, into);
                } else {
                    into.insert(relative, fs::read_to_string(entry.path()).unwrap());
                }
            }
        }
        let mut files = BTreeMap::new();
        walk(dir, "", &mut files);
        files
    }

    fn options(check: bool, out: &Path) -> Options {
        Options {
            check,
            deny_warnings: false,
            spec: workspace_root().join(DEFAULT_SPEC),
            out: out.to_path_buf(),
            generator: generator::Options { crate_name: Some(DEFAULT_CRATE_NAME.to_owned()), user_agent: None },
        }
    }

    fn mtime(path: &Path) -> SystemTime {
        fs::metadata(path).unwrap().modified().unwrap()
    }

    /// An out folder with one unchanged, one changed and one stale file, plus `target/`.
    fn out_dir_with_every_kind_of_change() -> tempfile::TempDir {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Cargo.toml", "same");
        write(dir.path(), "src/lib.rs", "old");
        write(dir.path(), "src/gone/mod.rs", "stale");
        write(dir.path(), "target/debug/build.log", "not ours");
        dir
    }

    fn new_output() -> Output {
        output(&[("Cargo.toml", "same"), ("src/lib.rs", "new"), ("src/models/user.rs", "fresh")])
    }

    #[test]
    fn plan_lists_exactly_the_differences() {
        let dir = out_dir_with_every_kind_of_change();
        let changes = plan(dir.path(), &new_output()).unwrap();
        assert_eq!(
            changes.differences(),
            [("extra", "src/gone/mod.rs"), ("stale", "src/lib.rs"), ("missing", "src/models/user.rs")]
        );
        assert_eq!(changes.stale["src/lib.rs"], "new");
        assert_eq!(changes.missing["src/models/user.rs"], "fresh");
    }

    #[test]
    fn apply_writes_changed_removes_stale_and_keeps_unchanged_untouched() {
        let dir = out_dir_with_every_kind_of_change();
        let unchanged = dir.path().join("Cargo.toml");
        let long_ago = SystemTime::UNIX_EPOCH + Duration::from_secs(1_000_000_000);
        fs::File::options().write(true).open(&unchanged).unwrap().set_modified(long_ago).unwrap();

        let changes = plan(dir.path(), &new_output()).unwrap();
        let applied = apply(dir.path(), changes).unwrap();

        assert_eq!(applied, Applied { written: 2, removed: 1 });
        assert_eq!(mtime(&unchanged), long_ago, "an unchanged file must not be rewritten");
        let mut expected = new_output().files;
        expected.insert("target/debug/build.log".into(), "not ours".into());
        assert_eq!(tree(dir.path()), expected, "no temporary file may be left behind");
        assert!(!dir.path().join("src/gone").exists(), "a folder left empty is removed");
        assert!(plan(dir.path(), &new_output()).unwrap().is_empty());
    }

    #[test]
    fn apply_creates_a_missing_out_dir() {
        let dir = tempfile::tempdir().unwrap();
        let out = dir.path().join("fresh/crate");
        let changes = plan(&out, &new_output()).unwrap();
        assert_eq!(changes.missing.len(), 3);
        apply(&out, changes).unwrap();
        assert_eq!(tree(&out), new_output().files);
    }

    #[test]
    fn apply_swaps_files_and_folders_of_the_same_name() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "src/models", "was a file");
        write(dir.path(), "docs/api.md/part.md", "was a folder");
        let wanted = output(&[("src/models/user.rs", "a"), ("docs/api.md", "b")]);

        let changes = plan(dir.path(), &wanted).unwrap();
        assert_eq!(
            changes.differences(),
            [
                ("stale", "docs/api.md"),
                ("extra", "docs/api.md/part.md"),
                ("extra", "src/models"),
                ("missing", "src/models/user.rs")
            ]
        );
        apply(dir.path(), changes).unwrap();
        assert_eq!(tree(dir.path()), wanted.files);
    }

    #[test]
    fn check_reports_every_difference_and_writes_nothing() {
        let dir = out_dir_with_every_kind_of_change();
        let before = tree(dir.path());
        let stamps: Vec<_> = before.keys().map(|path| mtime(&dir.path().join(path))).collect();

        let report = sync(&options(true, dir.path()), &new_output(), Instant::now()).unwrap_err();

        let label = format!("{}/", dir.path().display());
        assert_eq!(
            report,
            format!(
                "codegen --check: {label} is out of date; these files differ:\n  \
                 extra    src/gone/mod.rs\n  \
                 stale    src/lib.rs\n  \
                 missing  src/models/user.rs\n\
                 fix: run `cargo xtask codegen --out {}`",
                dir.path().display()
            )
        );
        assert_eq!(tree(dir.path()), before);
        let after: Vec<_> = before.keys().map(|path| mtime(&dir.path().join(path))).collect();
        assert_eq!(after, stamps);
    }

    #[test]
    fn check_passes_when_the_folder_matches() {
        let dir = tempfile::tempdir().unwrap();
        write(dir.path(), "Cargo.toml", "same");
        let line = sync(&options(true, dir.path()), &output(&[("Cargo.toml", "same")]), Instant::now());
        assert_eq!(line, Ok(format!("codegen --check: {}/ is up to date (1 file, 0 warnings)", dir.path().display())));
    }

    #[test]
    fn write_mode_prints_one_summary_line() {
        let dir = out_dir_with_every_kind_of_change();
        let line = sync(&options(false, dir.path()), &new_output(), Instant::now()).unwrap();
        assert!(
            line.starts_with("codegen: 2 types, 1 operation, 0 warnings, 3 files changed (2 written, 1 removed) in "),
            "{line}"
        );
        assert!(line.ends_with(" ms"), "{line}");
    }

    #[test]
    fn deny_warnings_fails_on_any_warning() {
        let dir = tempfile::tempdir().unwrap();
        let mut warned = new_output();
        warned.warnings.push(generator::Warning {
            location: "#/components/schemas/T/not".into(),
            message: "`not` is not enforced".into(),
        });
        let mut options = options(false, dir.path());
        assert_eq!(check_warnings(&options, &warned), Ok(()));
        options.deny_warnings = true;
        assert_eq!(check_warnings(&options, &new_output()), Ok(()));
        let error = check_warnings(&options, &warned).unwrap_err();
        assert!(error.starts_with("error: 1 warning and --deny-warnings, so nothing was written"), "{error}");
    }

    #[test]
    fn an_empty_output_never_empties_the_folder() {
        let dir = out_dir_with_every_kind_of_change();
        let before = tree(dir.path());
        let error = sync(&options(false, dir.path()), &output(&[]), Instant::now()).unwrap_err();
        assert!(error.contains("generator produced no files"), "{error}");
        assert_eq!(tree(dir.path()), before);
    }

    #[test]
    fn paths_that_could_escape_the_folder_are_rejected() {
        let dir = tempfile::tempdir().unwrap();
        for path in ["../escape.rs", "/etc/passwd", "src//lib.rs", "./lib.rs", "src\\lib.rs", ""] {
            let error = plan(dir.path(), &output(&[(path, "x")])).unwrap_err();
            assert_eq!(error.kind(), io::ErrorKind::InvalidInput, "{path:?}");
        }
    }

    #[test]
    fn options_default_to_the_workspace_and_resolve_given_paths_from_cwd() {
        let root = Path::new("/repo");
        let cwd = Path::new("/repo/generator");
        let parse = |args: &[&str]| {
            let args: Vec<OsString> = args.iter().map(OsString::from).collect();
            Options::parse(&args, cwd, root)
        };
        assert_eq!(
            parse(&[]),
            Ok(Options {
                check: false,
                deny_warnings: false,
                spec: "/repo/spec/upvest.yaml".into(),
                out: "/repo/generated".into(),
                generator: generator::Options { crate_name: Some("upvest-client".into()), user_agent: None },
            })
        );
        assert_eq!(
            parse(&["--out", "../scratch", "--check", "--deny-warnings", "--spec", "/big/openapi.yaml"]),
            Ok(Options {
                check: true,
                deny_warnings: true,
                spec: "/big/openapi.yaml".into(),
                out: "/repo/generator/../scratch".into(),
                generator: generator::Options::default(),
            })
        );
        assert_eq!(
            parse(&["--spec", "/a.json", "--crate-name", "acme-client", "--user-agent", "acme"]).unwrap().generator,
            generator::Options { crate_name: Some("acme-client".into()), user_agent: Some("acme".into()) }
        );
        assert!(parse(&["--crate-name", "Acme Client"]).unwrap_err().contains("not a crate name"));
        assert!(parse(&["--crate-name"]).unwrap_err().contains("--crate-name needs a value"));
        assert!(parse(&["--spec"]).unwrap_err().contains("--spec needs a path"));
        assert!(parse(&["--force"]).unwrap_err().contains("unexpected argument `--force`"));
    }

    /// Fails `cargo test --workspace` whenever the committed `generated/` is not exactly
    /// what the generator makes from the committed spec.
    #[test]
    fn generated_is_up_to_date() {
        let root = workspace_root();
        let options = Options::parse(&[], root, root).unwrap();
        let output = generator::generate_with(&options.spec, &options.generator)
            .unwrap_or_else(|err| panic!("the generator failed on {DEFAULT_SPEC}:\n{err}"));
        let changes = plan(&options.out, &output).unwrap();
        assert!(changes.is_empty(), "{}", changes.report("generated/", &options.fix()));
    }
}
