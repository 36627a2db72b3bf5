//! pip requirements files: requirements, constraints, includes and index options.

use std::fmt;
use std::path::{Path, PathBuf};
use std::str::FromStr;

use hashpin_pypi::{HashDigest, Requirement};

use crate::lines::{Line, logical_lines};

/// Where an entry was written.
#[derive(Debug, Clone, PartialEq, Eq, Hash, PartialOrd, Ord)]
pub struct Location {
    /// The file as named on the command line or in its `-r` line (`-` for standard input).
    pub file: PathBuf,
    /// 1-based line number (of the first line of a continued line).
    pub line: usize,
}

impl fmt::Display for Location {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        write!(f, "{}:{}", self.file.display(), self.line)
    }
}

/// One requirement line.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Entry {
    /// The PEP 508 requirement.
    pub requirement: Requirement,
    /// `--hash` options given on the line.
    pub hashes: Vec<HashDigest>,
    /// The requirement as written (without options), e.g. to keep its marker's spelling.
    pub text: String,
    /// Where it was written.
    pub location: Location,
}

/// One input: a file on disk, or text already read (standard input).
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum Input {
    /// A file; `-r`/`-c` lines inside are relative to its directory.
    Path(PathBuf),
    /// Text with a display name (e.g. `-` for standard input); includes are relative to the
    /// current directory.
    Text {
        /// How errors name it.
        name: PathBuf,
        /// Its contents.
        text: String,
    },
}

/// Everything several requirements files say, includes followed.
#[derive(Debug, Clone, Default, PartialEq, Eq)]
pub struct RequirementsSet {
    /// Requirements, in file order.
    pub requirements: Vec<Entry>,
    /// Constraints (`-c` files and what they include).
    pub constraints: Vec<Entry>,
    /// The last `--index-url` / `-i` given, with where.
    pub index_url: Option<(String, Location)>,
    /// `--extra-index-url` values, in order.
    pub extra_index_urls: Vec<(String, Location)>,
    /// `--find-links` / `-f` values, in order (relative paths resolved against their file).
    pub find_links: Vec<(String, Location)>,
    /// `--no-index` was given.
    pub no_index: bool,
    /// `--pre` was given.
    pub pre: bool,
    /// Lines that cannot be locked from an index, kept instead of refused when read with
    /// [`RequirementsSet::read_for_audit`].
    pub unlockable: Vec<Unlockable>,
    /// Every file read, includes too, as named (for refusing to write over an input).
    pub files: Vec<PathBuf>,
    /// Local projects (`-e .[extras]`, `./path`): their dependencies are locked, they are not.
    pub local_projects: Vec<LocalProject>,
    /// `--only-binary` and `--no-binary` values (`:all:`, `:none:` or names,
    /// comma-separated), in the order given: pip applies them in turn.
    pub binary_options: Vec<(BinaryFlag, String, Location)>,
}

/// pip's two options on which distribution formats may be used.
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub enum BinaryFlag {
    /// `--only-binary`.
    OnlyBinary,
    /// `--no-binary`.
    NoBinary,
}

/// A project on this machine that a requirements file names, editable or not: pip's
/// hash-checking mode refuses it, so a lock holds its dependencies and says how to install
/// it afterwards.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct LocalProject {
    /// Its directory, resolved against the file that names it.
    pub path: PathBuf,
    /// As written (for messages and the lock's note).
    pub written: String,
    /// The extras asked for (`.[dev,test]`).
    pub extras: Vec<String>,
    /// `-e` / `--editable`.
    pub editable: bool,
    /// Where it was named.
    pub location: Location,
}

/// `PATH[extra,...]` split into the path and its extras; `None` when the brackets are
/// unbalanced.
fn path_and_extras(text: &str) -> Option<(&str, Vec<String>)> {
    let Some(open) = text.find('[') else {
        return Some((text, Vec::new()));
    };
    let inside = text[open + 1..].strip_suffix(']')?;
    let extras = inside
        .split(',')
        .map(str::trim)
        .filter(|extra| !extra.is_empty())
        .map(str::to_string)
        .collect();
    Some((&text[..open], extras))
}

/// Whether `text` names a local directory rather than a URL, a VCS reference or an archive.
fn is_local_directory(text: &str) -> bool {
    let path = text.split(['#', '?']).next().unwrap_or(text);
    !path.contains("://")
        && !["git+", "hg+", "svn+", "bzr+"]
            .iter()
            .any(|scheme| path.starts_with(scheme))
        && matches!(
            archive_or_directory(path, Vec::new()),
            UnlockableKind::Directory
        )
}

/// The largest requirements file read: far beyond any real one, and small enough that a
/// device or a runaway generator behind a path cannot exhaust memory.
pub const MAX_FILE_BYTES: u64 = 64 * 1024 * 1024;

/// How deep `-r` and `-c` includes may nest.
const MAX_INCLUDE_DEPTH: usize = 64;

/// Reads a whole text file, refusing one larger than `limit` bytes, a directory, or text that
/// is not UTF-8. Pipes and devices are read as streams, never more than `limit + 1` bytes.
pub fn read_bounded(path: &Path, limit: u64) -> std::io::Result<String> {
    use std::io::Read as _;
    let file = std::fs::File::open(path)?;
    if file.metadata()?.is_dir() {
        return Err(std::io::Error::other(
            "is a directory; name its pyproject.toml, setup.py or requirements file",
        ));
    }
    let mut bytes = Vec::new();
    file.take(limit + 1).read_to_end(&mut bytes)?;
    if bytes.len() as u64 > limit {
        return Err(std::io::Error::other(format!(
            "larger than {} MiB",
            limit / (1024 * 1024)
        )));
    }
    String::from_utf8(bytes).map_err(|_| std::io::Error::other("not UTF-8 text"))
}

/// A line that names something other than a release on an index, or a `--hash` that does not
/// parse: `compile` refuses these, `check` reports them.
#[derive(Debug, Clone, PartialEq, Eq)]
pub struct Unlockable {
    /// The requirement or option as written.
    pub text: String,
    /// What kind of line it is.
    pub kind: UnlockableKind,
    /// Where it was written.
    pub location: Location,
}

/// Why a line cannot be locked from an index.
#[derive(Debug, Clone, PartialEq, Eq)]
pub enum UnlockableKind {
    /// `-e` / `--editable`.
    Editable,
    /// A `git+`, `hg+`, `svn+` or `bzr+` reference.
    Vcs,
    /// A local directory (built at install time, so nothing to hash).
    Directory,
    /// A URL or a local archive, with the `--hash` options given on its line.
    Archive {
        /// Its hashes; pip's hash-checking mode accepts an archive only with one.
        hashes: Vec<HashDigest>,
    },
    /// A `--hash` value that does not parse; the requirement itself is read as usual.
    MalformedHash {
        /// Why it does not parse.
        error: String,
    },
}

/// A requirements file that cannot be used, with where and why.
#[derive(Debug, thiserror::Error)]
pub enum FormatError {
    /// The file could not be read.
    #[error("cannot read {}", path.display())]
    Read {
        /// The file.
        path: PathBuf,
        /// Why.
        #[source]
        source: std::io::Error,
    },
    /// A line is invalid or unsupported. The message may quote the line: credentials in it
    /// are masked when it is shown.
    #[error("{location}: {}", hashpin_pypi::redact_text(message))]
    Line {
        /// Where.
        location: Location,
        /// What is wrong, and what to do instead where there is something.
        message: String,
    },
}

/// Whether unlockable lines are errors (compile) or kept for a report (check).
#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Mode {
    Strict,
    Audit,
}

#[derive(Debug, Clone, Copy, PartialEq, Eq)]
pub(crate) enum Kind {
    Requirements,
    Constraints,
}

impl RequirementsSet {
    /// Reads `inputs` in order, following `-r` and `-c`. `variable` looks up environment
    /// variables for `${VAR}` expansion.
    pub fn read(
        inputs: &[Input],
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, FormatError> {
        Self::read_in(inputs, &variable, Mode::Strict)
    }

    /// Reads `inputs` as [`RequirementsSet::read`] does, but keeps editable, VCS, path and URL
    /// lines and malformed `--hash` values in [`RequirementsSet::unlockable`] instead of failing
    /// on the first: an audit reports every problem of a lockfile at once.
    pub fn read_for_audit(
        inputs: &[Input],
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<Self, FormatError> {
        Self::read_in(inputs, &variable, Mode::Audit)
    }

    /// Reads one lockfile as [`RequirementsSet::read_for_audit`] does, with the text of the
    /// file itself: one read, so its header and comments are those of the lines read.
    pub(crate) fn read_lock(
        input: &Input,
        variable: impl Fn(&str) -> Option<String>,
    ) -> Result<(Self, String), FormatError> {
        let mut set = Self::default();
        let mut reader = Reader {
            set: &mut set,
            variable: &variable,
            stack: Vec::new(),
            mode: Mode::Audit,
            includes: true,
        };
        let text = match input {
            Input::Path(path) => {
                let text = reader.read(path, None)?;
                reader.file_text(path, &text, Kind::Requirements)?;
                text
            }
            Input::Text { name, text } => {
                reader.text(name, text, Path::new(""), Kind::Requirements)?;
                text.clone()
            }
        };
        Ok((set, text))
    }

    fn read_in(
        inputs: &[Input],
        variable: &impl Fn(&str) -> Option<String>,
        mode: Mode,
    ) -> Result<Self, FormatError> {
        let mut set = Self::default();
        let mut reader = Reader {
            set: &mut set,
            variable,
            stack: Vec::new(),
            mode,
            includes: true,
        };
        for input in inputs {
            match input {
                Input::Path(path) => reader.file(path, Kind::Requirements, None)?,
                Input::Text { name, text } => {
                    reader.text(name, text, Path::new(""), Kind::Requirements)?;
                }
            }
        }
        Ok(set)
    }
}

pub(crate) struct Reader<'a, F> {
    pub(crate) set: &'a mut RequirementsSet,
    pub(crate) variable: &'a F,
    /// Files being read, to refuse include cycles.
    pub(crate) stack: Vec<PathBuf>,
    pub(crate) mode: Mode,
    /// Whether `-r` and `-c` read files (the fuzz targets read none).
    pub(crate) includes: bool,
}

impl<F: Fn(&str) -> Option<String>> Reader<'_, F> {
    fn file(
        &mut self,
        path: &Path,
        kind: Kind,
        included_from: Option<&Location>,
    ) -> Result<(), FormatError> {
        let text = self.read(path, included_from)?;
        self.file_text(path, &text, kind)
    }

    /// A file's text, unless it is already being read (an include cycle) or includes nest too
    /// deep.
    fn read(&self, path: &Path, included_from: Option<&Location>) -> Result<String, FormatError> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        if let Some(start) = self.stack.iter().position(|open| *open == canonical) {
            let chain: Vec<String> = self.stack[start..]
                .iter()
                .chain([&canonical])
                .map(|file| file.display().to_string())
                .collect();
            return Err(FormatError::Line {
                location: included_from.cloned().unwrap_or(Location {
                    file: path.to_path_buf(),
                    line: 0,
                }),
                message: format!("include cycle: {}", chain.join(" -> ")),
            });
        }
        if self.stack.len() >= MAX_INCLUDE_DEPTH {
            return Err(FormatError::Line {
                location: included_from.cloned().unwrap_or(Location {
                    file: path.to_path_buf(),
                    line: 0,
                }),
                message: format!("includes nest deeper than {MAX_INCLUDE_DEPTH} files"),
            });
        }
        read_bounded(path, MAX_FILE_BYTES).map_err(|source| match included_from {
            Some(location) => FormatError::Line {
                location: location.clone(),
                message: format!("cannot read `{}`: {source}", path.display()),
            },
            None => FormatError::Read {
                path: path.to_path_buf(),
                source,
            },
        })
    }

    /// The lines of a file read by [`Self::read`]: includes relative to its directory.
    fn file_text(&mut self, path: &Path, text: &str, kind: Kind) -> Result<(), FormatError> {
        let canonical = std::fs::canonicalize(path).unwrap_or_else(|_| path.to_path_buf());
        self.stack.push(canonical);
        self.set.files.push(path.to_path_buf());
        let base = path.parent().unwrap_or(Path::new("")).to_path_buf();
        let result = self.text(path, text, &base, kind);
        self.stack.pop();
        result
    }

    pub(crate) fn text(
        &mut self,
        name: &Path,
        text: &str,
        base: &Path,
        kind: Kind,
    ) -> Result<(), FormatError> {
        for Line { number, text } in logical_lines(text, self.variable) {
            let location = Location {
                file: name.to_path_buf(),
                line: number,
            };
            if text.starts_with('-') {
                self.option(&text, &location, base, kind)?;
            } else {
                let line = requirement_line(&text, &location, self.mode)?;
                if let Some(unlockable) = line.unlockable {
                    self.set.unlockable.push(unlockable);
                }
                if let Some((path, extras)) = line.local {
                    self.set.local_projects.push(LocalProject {
                        path: base.join(&path),
                        written: text.trim().to_string(),
                        extras,
                        editable: false,
                        location: location.clone(),
                    });
                }
                match (line.entry, kind) {
                    (Some(entry), Kind::Requirements) => self.set.requirements.push(entry),
                    (Some(entry), Kind::Constraints) => self.set.constraints.push(entry),
                    (None, _) => {}
                }
            }
        }
        Ok(())
    }

    fn option(
        &mut self,
        text: &str,
        location: &Location,
        base: &Path,
        kind: Kind,
    ) -> Result<(), FormatError> {
        let fail = |message: String| FormatError::Line {
            location: location.clone(),
            message,
        };
        let tokens = split_words(text).map_err(|message| fail(message.into()))?;
        let mut tokens = tokens.into_iter();
        while let Some(token) = tokens.next() {
            let (flag, inline) = split_flag(&token);
            let mut value = || -> Result<String, FormatError> {
                inline
                    .clone()
                    .or_else(|| tokens.next())
                    .ok_or_else(|| fail(format!("`{flag}` needs a value")))
            };
            match flag.as_str() {
                "-r" | "--requirement" | "-c" | "--constraint" => {
                    let target = value()?;
                    if target.contains("://") {
                        return Err(fail(format!(
                            "including `{target}` by URL is not supported; download it and include the file"
                        )));
                    }
                    // Constraints files make everything they include constraints too.
                    let nested = if flag.starts_with("-c") || flag == "--constraint" {
                        Kind::Constraints
                    } else {
                        kind
                    };
                    if !self.includes {
                        return Err(fail(format!("`{target}` is not read here")));
                    }
                    self.file(&base.join(&target), nested, Some(location))?;
                }
                "-i" | "--index-url" => self.set.index_url = Some((value()?, location.clone())),
                "--extra-index-url" => self.set.extra_index_urls.push((value()?, location.clone())),
                "-f" | "--find-links" => {
                    let target = value()?;
                    let resolved = if target.contains("://") || Path::new(&target).is_absolute() {
                        target
                    } else {
                        base.join(&target).display().to_string()
                    };
                    self.set.find_links.push((resolved, location.clone()));
                }
                "--no-index" => self.set.no_index = true,
                "--pre" => self.set.pre = true,
                "-e" | "--editable" => {
                    let target = value().unwrap_or_default();
                    if self.mode == Mode::Strict
                        && let Some((path, extras)) = path_and_extras(&target)
                        && is_local_directory(path)
                    {
                        self.set.local_projects.push(LocalProject {
                            path: base.join(path),
                            written: target.clone(),
                            extras,
                            editable: true,
                            location: location.clone(),
                        });
                        continue;
                    }
                    if self.mode == Mode::Strict {
                        return Err(fail(format!(
                            "editable requirement `{target}` cannot be locked with hashes (pip cannot check a VCS checkout or a URL's tree against one); lock an archive of the commit instead (`name @ https://host/owner/repo/archive/COMMIT.tar.gz`), or install it separately"
                        )));
                    }
                    self.set.unlockable.push(Unlockable {
                        text: target,
                        kind: UnlockableKind::Editable,
                        location: location.clone(),
                    });
                }
                // Options of pip's that do not change what is locked.
                "--prefer-binary" | "--require-hashes" => {}
                "--only-binary" | "--no-binary" => {
                    let flag = if flag == "--only-binary" {
                        BinaryFlag::OnlyBinary
                    } else {
                        BinaryFlag::NoBinary
                    };
                    self.set
                        .binary_options
                        .push((flag, value()?, location.clone()));
                }
                "--trusted-host" | "--use-feature" => {
                    value()?;
                }
                _ => return Err(fail(format!("unsupported option `{flag}`"))),
            }
        }
        Ok(())
    }
}

/// `--flag=value` → (`--flag`, `value`); `-rfile` → (`-r`, `file`).
fn split_flag(token: &str) -> (String, Option<String>) {
    if let Some((flag, value)) = token.split_once('=').filter(|_| token.starts_with("--")) {
        return (flag.to_string(), Some(value.to_string()));
    }
    if !token.starts_with("--") && token.len() > 2 {
        let split = token
            .char_indices()
            .nth(2)
            .map_or(token.len(), |(index, _)| index);
        let value = token[split..].trim_start_matches('=');
        return (token[..split].to_string(), Some(value.to_string()));
    }
    (token.to_string(), None)
}

/// What one requirement line holds: a requirement from an index, or (in audit mode) a line
/// that is not one, or a requirement with a malformed hash (both).
struct RequirementLine {
    entry: Option<Entry>,
    unlockable: Option<Unlockable>,
    /// A local directory, with its extras (resolved against the file by the caller).
    local: Option<(String, Vec<String>)>,
}

/// A requirement, with `--hash` options after it (pip splits at the first word starting
/// with `-`).
fn requirement_line(
    text: &str,
    location: &Location,
    mode: Mode,
) -> Result<RequirementLine, FormatError> {
    let fail = |message: String| FormatError::Line {
        location: location.clone(),
        message,
    };
    let words: Vec<&str> = text.split(' ').collect();
    let split = words
        .iter()
        .position(|word| word.starts_with('-'))
        .unwrap_or(words.len());
    let requirement_text = words[..split].join(" ");
    let requirement_text = requirement_text.trim();
    let unlockable = |kind| Unlockable {
        text: requirement_text.to_string(),
        kind,
        location: location.clone(),
    };
    let (hashes, malformed) = hash_options(&words[split..].join(" "), location, mode)?;

    let lower = requirement_text.to_ascii_lowercase();
    if ["git+", "hg+", "svn+", "bzr+"]
        .iter()
        .any(|scheme| lower.starts_with(scheme) || lower.contains(&format!("@ {scheme}")))
    {
        if mode == Mode::Audit {
            return Ok(RequirementLine {
                entry: None,
                unlockable: Some(unlockable(UnlockableKind::Vcs)),
                local: None,
            });
        }
        return Err(fail(format!(
            "`{requirement_text}` is a VCS requirement, which pip cannot check against a hash; lock an archive of the commit instead (`name @ https://host/owner/repo/archive/COMMIT.tar.gz`), or publish it"
        )));
    }
    let head = requirement_text
        .split_whitespace()
        .next()
        .unwrap_or_default();
    let reference = requirement_text
        .split_once(" @ ")
        .map_or(requirement_text, |(_, url)| url.trim());
    if requirement_text.starts_with(['.', '/', '~']) || head.contains("://") {
        if mode == Mode::Strict
            && let Some((path, extras)) = path_and_extras(requirement_text)
            && is_local_directory(path)
            && hashes.is_empty()
        {
            return Ok(RequirementLine {
                entry: None,
                unlockable: None,
                local: Some((path.to_string(), extras)),
            });
        }
        if mode == Mode::Audit {
            return Ok(RequirementLine {
                entry: None,
                unlockable: Some(unlockable(archive_or_directory(reference, hashes))),
                local: None,
            });
        }
        return Err(fail(format!(
            "`{requirement_text}` is a path or URL, not a requirement; hashpin locks releases from an index, archives by URL with their project's name (`name @ https://host/name-1.0.tar.gz`), and local project directories (`./path`)"
        )));
    }
    let requirement = hashpin_pypi::parse_requirement(requirement_text).map_err(|error| {
        fail(format!(
            "invalid requirement `{}`: {error}",
            hashpin_pypi::untrusted::excerpt(requirement_text, 200)
        ))
    })?;
    if let Some(pep508_rs::VersionOrUrl::Url(url)) = &requirement.version_or_url {
        // An archive by URL is locked as that file, by its hash (pip's hash-checking mode
        // accepts `name @ URL --hash=…`).
        let lockable = mode == Mode::Strict && matches!(url.scheme(), "http" | "https");
        if mode == Mode::Strict
            && hashes.is_empty()
            && let Some(local) = local_project_url(url, &requirement)
        {
            return Ok(local);
        }
        if !lockable {
            if mode == Mode::Audit {
                return Ok(RequirementLine {
                    entry: None,
                    unlockable: Some(unlockable(archive_or_directory(reference, hashes))),
                    local: None,
                });
            }
            return Err(fail(format!(
                "`{requirement_text}` is a direct URL requirement; hashpin locks archives by http or https URL (`name @ https://host/name-1.0.tar.gz`), local directories, and releases from an index"
            )));
        }
    }
    Ok(RequirementLine {
        entry: Some(Entry {
            requirement,
            hashes,
            text: requirement_text.to_string(),
            location: location.clone(),
        }),
        unlockable: malformed.map(unlockable),
        local: None,
    })
}

/// `name @ file:///path/to/project`: a local project, as `./path` is.
fn local_project_url(
    url: &pep508_rs::VerbatimUrl,
    requirement: &hashpin_pypi::Requirement,
) -> Option<RequirementLine> {
    let path = url.to_file_path().ok().filter(|path| path.is_dir())?;
    (url.scheme() == "file").then(|| RequirementLine {
        entry: None,
        unlockable: None,
        local: Some((
            path.to_string_lossy().into_owned(),
            requirement.extras.iter().map(ToString::to_string).collect(),
        )),
    })
}

/// The `--hash` options after a requirement; in audit mode, the first malformed one is
/// returned beside the others instead of failing.
fn hash_options(
    text: &str,
    location: &Location,
    mode: Mode,
) -> Result<(Vec<HashDigest>, Option<UnlockableKind>), FormatError> {
    let fail = |message: String| FormatError::Line {
        location: location.clone(),
        message,
    };
    let mut hashes = Vec::new();
    let mut malformed = None;
    let mut options = split_words(text)
        .map_err(|message| fail(message.into()))?
        .into_iter();
    while let Some(token) = options.next() {
        let (flag, inline) = split_flag(&token);
        if flag != "--hash" {
            return Err(fail(format!(
                "`{flag}` is not supported after a requirement"
            )));
        }
        let value = inline
            .or_else(|| options.next())
            .ok_or_else(|| fail("`--hash` needs a value".into()))?;
        match HashDigest::from_str(&value) {
            Ok(digest) => hashes.push(digest),
            Err(error) if mode == Mode::Audit => {
                malformed.get_or_insert(UnlockableKind::MalformedHash {
                    error: error.to_string(),
                });
            }
            Err(error) => return Err(fail(format!("invalid --hash: {error}"))),
        }
    }
    Ok((hashes, malformed))
}

/// A local path or URL: an archive pip can check against a hash, or a directory it would build.
fn archive_or_directory(reference: &str, hashes: Vec<HashDigest>) -> UnlockableKind {
    let path = reference
        .split(['#', '?'])
        .next()
        .unwrap_or_default()
        .to_ascii_lowercase();
    let is_archive = [
        ".whl", ".tar.gz", ".zip", ".tar.bz2", ".tar.xz", ".tgz", ".tar",
    ]
    .iter()
    .any(|extension| path.ends_with(extension));
    let is_remote = path.contains("://") && !path.starts_with("file:");
    if is_archive || is_remote {
        UnlockableKind::Archive { hashes }
    } else {
        UnlockableKind::Directory
    }
}

/// Splits words as a POSIX shell would (quotes and backslash escapes), as pip's `shlex`.
fn split_words(text: &str) -> Result<Vec<String>, &'static str> {
    let mut words = Vec::new();
    let mut rest = text.trim_start();
    while !rest.is_empty() {
        // Nearly every word (a lock's thousands of `--hash=...`) is plain ASCII with nothing
        // to undo: it is found byte by byte and taken whole; any other goes character by
        // character.
        let plain = rest
            .bytes()
            .position(|byte| matches!(byte, b'\t'..=b'\r' | b' ' | b'\'' | b'"' | b'\\' | 0x80..))
            .map_or(Some(rest.len()), |end| {
                matches!(rest.as_bytes()[end], b'\t'..=b'\r' | b' ').then_some(end)
            });
        let used = if let Some(end) = plain {
            words.push(rest[..end].to_string());
            end
        } else {
            let (word, used) = quoted_word(rest)?;
            words.extend(word);
            used
        };
        rest = rest[used..].trim_start();
    }
    Ok(words)
}

/// The first word of `text`, with its quotes and escapes undone (`None` when there is none:
/// a lone backslash at the end), and how many bytes of `text` it took.
fn quoted_word(text: &str) -> Result<(Option<String>, usize), &'static str> {
    let mut word: Option<String> = None;
    let mut chars = text.char_indices();
    while let Some((index, c)) = chars.next() {
        match c {
            c if c.is_whitespace() => return Ok((word, index)),
            '\'' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some((_, '\'')) => break,
                        Some((_, c)) => word.push(c),
                        None => return Err("unclosed single quote"),
                    }
                }
            }
            '"' => {
                let word = word.get_or_insert_with(String::new);
                loop {
                    match chars.next() {
                        Some((_, '"')) => break,
                        Some((_, '\\')) => {
                            word.push(chars.next().ok_or("unclosed double quote")?.1);
                        }
                        Some((_, c)) => word.push(c),
                        None => return Err("unclosed double quote"),
                    }
                }
            }
            '\\' => {
                if let Some((_, next)) = chars.next() {
                    word.get_or_insert_with(String::new).push(next);
                }
            }
            c => word.get_or_insert_with(String::new).push(c),
        }
    }
    Ok((word, text.len()))
}

#[cfg(test)]
mod tests;
