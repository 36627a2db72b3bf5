//! Startup hooks in a wheel: files that, once installed, run at every interpreter start with
//! no import of the package, and stay after it is uninstalled unless its `RECORD` lists them.
//!
//! What lands in a site directory is what `site` reads there: `*.pth` files (a line starting
//! with `import` is executed), PEP 829's `*.start` files (entry points, Python 3.15), and
//! the `sitecustomize` and `usercustomize` modules. A wheel puts files in a site directory
//! from its root, from `NAME.data/purelib/` and `NAME.data/platlib/`, and, through the
//! `data` scheme (the environment's prefix), from `NAME.data/data/…/site-packages/`. A `.pth`
//! anywhere else (inside a package) is inert, and is not reported.
//!
//! [`scan`] finds them from the zip's central directory and reads each (and the wheel's
//! `RECORD`, to tell whether it is listed) from what is present of the file, asking for the bytes it
//! lacks, as the metadata reader does.

use std::fmt::Write as _;
use std::io::Read as _;
use std::ops::Range;

use crate::hash::Sha256;
use pep508_rs::PackageName;
use serde::{Deserialize, Serialize};
use zip::ZipArchive;

use crate::wheel::{self, Pieces, WheelError};

/// A hook larger than this is not read: it is executable as far as anyone can tell.
pub const MAX_HOOK_BYTES: u64 = 1024 * 1024;
/// The most hooks read from one wheel (real wheels have one or two); the rest are reported
/// unread, as executable.
const MAX_HOOKS_READ: usize = 32;
/// `RECORD` is read up to this size; a larger one counts as not listing the hooks.
const MAX_RECORD_BYTES: u64 = 32 * 1024 * 1024;
/// How much of a hook's first line is kept, for messages.
const FIRST_LINE_CHARS: usize = 200;

/// What kind of startup file a hook is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookKind {
    /// A `*.pth` file.
    Pth,
    /// A PEP 829 `*.start` file.
    Start,
    /// `sitecustomize.py` or `usercustomize.py`.
    Customize,
}

/// What a hook does at startup.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
#[serde(rename_all = "kebab-case")]
pub enum HookClass {
    /// Only paths, comments and blank lines: it extends `sys.path`, nothing runs.
    PathsOnly,
    /// setuptools' `*-nspkg.pth` template, with only the namespace names varying.
    Namespace,
    /// It runs code: an `import` line, an entry point, a module.
    Executable,
}

/// One startup hook of a wheel.
#[derive(Debug, Clone, PartialEq, Eq, PartialOrd, Ord, Serialize, Deserialize)]
pub struct StartupHook {
    /// Its path in the wheel, as listed (untrusted text).
    pub path: String,
    /// What kind of file it is.
    pub kind: HookKind,
    /// What it does.
    pub class: HookClass,
    /// Its size in bytes, uncompressed.
    pub size: u64,
    /// The SHA-256 of its content, hex; `None` when it was too large to read.
    pub sha256: Option<String>,
    /// Its first line that runs (else its first that is not blank), cut short (untrusted
    /// text: neutralise it before it reaches a terminal).
    pub first_line: String,
    /// Whether the wheel's `RECORD` lists it (an unlisted file survives an uninstall).
    pub in_record: bool,
}

impl StartupHook {
    /// The file's name, without the directories of the wheel it sits in.
    pub fn file_name(&self) -> &str {
        self.path.rsplit('/').next().unwrap_or(&self.path)
    }
}

/// What scanning a wheel from part of it needs next.
#[derive(Debug)]
pub(crate) enum Step {
    /// These bytes must be fetched first.
    Fetch(Range<u64>),
    /// The wheel's startup hooks, sorted by path.
    Done(Vec<StartupHook>),
}

/// Where a member lands, if in a site directory: the name it has there.
fn site_name(path: &str) -> Option<&str> {
    let parts: Vec<&str> = path.split('/').collect();
    match parts.as_slice() {
        [name] => Some(name),
        [data, "purelib" | "platlib", name] if extension_is(data, "data") => Some(name),
        [data, "data", .., site, name]
            if extension_is(data, "data") && matches!(*site, "site-packages" | "dist-packages") =>
        {
            Some(name)
        }
        _ => None,
    }
}

/// The kind of startup file a name in a site directory is, if any (compared without case:
/// some file systems do not tell case apart).
pub fn hook_kind(name: &str) -> Option<HookKind> {
    if extension_is(name, "pth") {
        Some(HookKind::Pth)
    } else if extension_is(name, "start") {
        Some(HookKind::Start)
    } else if name.eq_ignore_ascii_case("sitecustomize.py")
        || name.eq_ignore_ascii_case("usercustomize.py")
    {
        Some(HookKind::Customize)
    } else {
        None
    }
}

/// `stem.EXTENSION` with a stem, the extension compared without case.
fn extension_is(name: &str, extension: &str) -> bool {
    name.rsplit_once('.')
        .is_some_and(|(stem, found)| !stem.is_empty() && found.eq_ignore_ascii_case(extension))
}

/// A member of the wheel that is a startup hook.
struct Member {
    index: usize,
    path: String,
    kind: HookKind,
    size: u64,
}

/// The wheel's startup hooks, or which bytes to fetch first.
pub(crate) fn scan<P: Pieces>(file: &mut P, project: &PackageName) -> Result<Step, WheelError> {
    file.rewind()
        .map_err(|error| WheelError::Zip(error.into()))?;
    let archive = match ZipArchive::new(&mut *file) {
        Ok(archive) => archive,
        Err(error) => {
            return match file.wanted() {
                Some(wanted) => Ok(Step::Fetch(wanted)),
                None => Err(WheelError::Zip(error)),
            };
        }
    };
    let (hooks, record) = members(&archive, project);
    drop(archive);
    if hooks.is_empty() {
        return Ok(Step::Done(Vec::new()));
    }
    // Every entry read must be present first: hooks (up to the limits), then RECORD.
    let mut wanted: Vec<(usize, u64)> = hooks
        .iter()
        .take(MAX_HOOKS_READ)
        .map(|member| (member.index, MAX_HOOK_BYTES))
        .collect();
    wanted.extend(record.map(|index| (index, MAX_RECORD_BYTES)));
    let contents = match read_entries(file, &wanted)? {
        Ok(contents) => contents,
        Err(gap) => return Ok(Step::Fetch(gap)),
    };
    let content_of = |wanted: usize| {
        contents
            .iter()
            .find(|(index, _)| *index == wanted)
            .and_then(|(_, bytes)| bytes.as_deref())
    };
    let listed = record
        .and_then(content_of)
        .map(record_paths)
        .unwrap_or_default();
    let mut found: Vec<StartupHook> = hooks
        .into_iter()
        .map(|member| {
            let content = content_of(member.index);
            StartupHook {
                kind: member.kind,
                class: content.map_or(HookClass::Executable, |content| {
                    classify(member.kind, &member.path, content)
                }),
                size: member.size,
                sha256: content.map(|content| crate::hash::hex(&Sha256::digest(content))),
                first_line: content
                    .map(|content| first_line(member.kind, content))
                    .unwrap_or_default(),
                in_record: listed.contains(&member.path),
                path: member.path,
            }
        })
        .collect();
    found.sort();
    Ok(Step::Done(found))
}

/// The hooks among the archive's members, and its top-level `RECORD` (the one named for the
/// project, if there are several).
fn members<R: std::io::Read + std::io::Seek>(
    archive: &ZipArchive<R>,
    project: &PackageName,
) -> (Vec<Member>, Option<usize>) {
    let mut hooks = Vec::new();
    let mut record = None;
    for index in 0..archive.len() {
        let Some(Ok(name)) = archive.name_for_index(index) else {
            continue;
        };
        if let Some(kind) = site_name(&name).and_then(hook_kind) {
            let size = archive
                .by_index_data(index)
                .map(|entry| entry.size())
                .unwrap_or_default();
            hooks.push(Member {
                index,
                path: name.to_string(),
                kind,
                size,
            });
        } else if name.ends_with(".dist-info/RECORD") && name.matches('/').count() == 1 {
            let stem = name.split('/').next().unwrap_or_default();
            let named = stem
                .strip_suffix(".dist-info")
                .and_then(|stem| stem.rsplit_once('-'))
                .is_some_and(|(name, _)| {
                    name.parse::<PackageName>()
                        .is_ok_and(|name| &name == project)
                });
            if record.is_none() || named {
                record = Some(index);
            }
        }
    }
    (hooks, record)
}

/// Entries `(index, limit)`, inflated; `None` for one larger than its limit. `Err(range)`
/// when bytes are missing.
#[expect(clippy::type_complexity, reason = "a read, or the bytes it lacks")]
fn read_entries<P: Pieces>(
    file: &mut P,
    wanted: &[(usize, u64)],
) -> Result<Result<Vec<(usize, Option<Vec<u8>>)>, Range<u64>>, WheelError> {
    let mut contents = Vec::new();
    for &(index, limit) in wanted {
        let archive = ZipArchive::new(&mut *file).map_err(WheelError::Zip)?;
        let entry = archive.by_index_data(index).map_err(WheelError::Zip)?;
        if entry.size() > limit || entry.compressed_size() > limit {
            contents.push((index, None));
            continue;
        }
        let range = wheel::entry_range(&entry, archive.central_directory_start());
        drop(entry);
        // The archive borrows the file; the gap check needs it back for a moment.
        drop(archive);
        if let Some(gap) = file.gap(range) {
            return Ok(Err(gap));
        }
        let mut archive = ZipArchive::new(&mut *file).map_err(WheelError::Zip)?;
        let mut bytes = Vec::new();
        let read = archive
            .by_index(index)
            .and_then(|entry| Ok(entry.take(limit + 1).read_to_end(&mut bytes)?));
        drop(archive);
        if let Err(error) = read {
            return match file.wanted() {
                Some(wanted) => Ok(Err(wanted)),
                None => Err(WheelError::Zip(error)),
            };
        }
        contents.push((index, Some(bytes)));
    }
    Ok(Ok(contents))
}

/// The paths a `RECORD` lists (its first CSV column).
pub fn record_paths(record: &[u8]) -> Vec<String> {
    String::from_utf8_lossy(record)
        .lines()
        .filter_map(|line| {
            if let Some(quoted) = line.strip_prefix('"') {
                // A quoted field: `""` is a quote, the field ends at a lone `"`.
                let mut path = String::new();
                let mut chars = quoted.chars().peekable();
                while let Some(c) = chars.next() {
                    if c == '"' {
                        if chars.peek() == Some(&'"') {
                            chars.next();
                            path.push('"');
                        } else {
                            return Some(path);
                        }
                    } else {
                        path.push(c);
                    }
                }
                None
            } else {
                line.split(',').next().map(str::to_string)
            }
        })
        .collect()
}

/// The line a reviewer needs to see: the first that runs (a `.pth`'s first `import` line, a
/// module's or `.start` file's first line that is not a comment), else the first that is not
/// blank.
pub fn first_line(kind: HookKind, content: &[u8]) -> String {
    let text = String::from_utf8_lossy(content);
    let runs = |line: &&str| match kind {
        HookKind::Pth => line.starts_with("import ") || line.starts_with("import\t"),
        HookKind::Start | HookKind::Customize => {
            !line.trim().is_empty() && !line.trim_start().starts_with('#')
        }
    };
    text.lines()
        .find(runs)
        .or_else(|| text.lines().find(|line| !line.trim().is_empty()))
        .unwrap_or_default()
        .trim()
        .chars()
        .take(FIRST_LINE_CHARS)
        .collect()
}

/// What a hook does, read as `site` reads it.
pub fn classify(kind: HookKind, path: &str, content: &[u8]) -> HookClass {
    let text = String::from_utf8_lossy(content);
    let code = |line: &&str| {
        let line = line.trim_end_matches(['\r', '\n']);
        !line.trim().is_empty() && !line.starts_with('#')
    };
    match kind {
        HookKind::Customize => {
            // A module: anything but comments and blank lines is code.
            if text.lines().any(|line| code(&line)) {
                HookClass::Executable
            } else {
                HookClass::PathsOnly
            }
        }
        HookKind::Start => {
            if text.lines().any(|line| code(&line)) {
                HookClass::Executable
            } else {
                HookClass::PathsOnly
            }
        }
        HookKind::Pth => {
            // `site` runs a line that starts with `import` and a space or tab; every other
            // line is a path (or a comment, or blank).
            let imports: Vec<&str> = text
                .lines()
                .filter(|line| line.starts_with("import ") || line.starts_with("import\t"))
                .collect();
            if imports.is_empty() {
                HookClass::PathsOnly
            } else if path.ends_with("-nspkg.pth")
                && imports.len() == text.lines().filter(|line| code(line)).count()
                && imports.iter().all(|line| is_namespace_line(line))
            {
                HookClass::Namespace
            } else {
                HookClass::Executable
            }
        }
    }
}

/// Whether a line is setuptools' namespace-package line (one of the templates its releases
/// have written since 2016, `setuptools/namespaces.py` and before it `install_egg_info.py`)
/// for some namespace: the names are read from the line, the template is rendered with them,
/// and the two must be equal. Nothing else may vary: a name is an identifier.
pub fn is_namespace_line(line: &str) -> bool {
    let line = line.trim_end_matches(['\r', '\n']);
    let Some(names) = namespace_names(line) else {
        return false;
    };
    NAMESPACE_TEMPLATES
        .iter()
        .any(|template| render_namespace_line(template, &names) == line)
}

/// A template of [`NAMESPACE_TEMPLATES`] for the namespace `names` (`["google", "cloud"]`),
/// as setuptools renders it: the tuple and dotted name filled in, and for a nested namespace
/// the `setattr` that hangs it on its parent.
fn render_namespace_line(template: &str, names: &[&str]) -> String {
    let pth = if names.len() == 1 {
        format!("('{}',)", names[0])
    } else {
        format!(
            "({})",
            names
                .iter()
                .map(|name| format!("'{name}'"))
                .collect::<Vec<_>>()
                .join(", ")
        )
    };
    let mut line = template
        .replace("{PTH}", &pth)
        .replace("{PKG}", &format!("'{}'", names.join(".")));
    if let Some((child, parent)) = names.split_last()
        && !parent.is_empty()
    {
        let _ = write!(
            line,
            ";m and setattr(sys.modules['{}'], '{child}', m)",
            parent.join(".")
        );
    }
    line
}

/// The names of `*('a', 'b')` in a namespace line, each an identifier.
fn namespace_names(line: &str) -> Option<Vec<&str>> {
    let start = line.find("f_locals['sitedir'], *(")? + "f_locals['sitedir'], *(".len();
    let end = start + line[start..].find(')')?;
    let names: Vec<&str> = line[start..end]
        .split(',')
        .map(str::trim)
        .filter(|part| !part.is_empty())
        .map(|part| part.strip_prefix('\'')?.strip_suffix('\''))
        .collect::<Option<_>>()?;
    let identifier = |name: &&str| {
        !name.is_empty()
            && !name.starts_with(|c: char| c.is_ascii_digit())
            && name.chars().all(|c| c.is_ascii_alphanumeric() || c == '_')
    };
    (!names.is_empty() && names.len() <= 16 && names.iter().all(identifier)).then_some(names)
}

/// setuptools' namespace lines, `{PTH}` for the tuple of names and `{PKG}` for the dotted
/// name, as each release rendered them (a nested namespace adds the `setattr` suffix).
const NAMESPACE_TEMPLATES: &[&str] = &[
    "import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});importlib = __import__('importlib.util');__import__('importlib.machinery');m = sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));m = m or sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));m = m or sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));m = m or not has_mfs and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os, importlib.util, importlib.machinery;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});m = has_mfs and sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));m = m or not has_mfs and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os, importlib.util, importlib.machinery;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});m = has_mfs and sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));m = not has_mfs and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os, importlib.util, importlib.machinery;pep420 = (3, 3) < sys.version_info < (3, 5);has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and not pep420 and has_mfs and sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));m = not ie and not pep420 and not has_mfs and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os, importlib.util, importlib.machinery;pep420 = sys.version_info > (3, 3);has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and not pep420 and has_mfs and sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));m = not ie and not pep420 and not has_mfs and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os, importlib.util, importlib.machinery;pep420 = sys.version_info > (3, 3);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and not pep420 and sys.modules.setdefault({PKG}, importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec({PKG}, [os.path.dirname(p)])));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os;pep420 = sys.version_info > (3, 3);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});m = sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os;pep420 = sys.version_info > (3, 3);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});m = not pep420 and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os;pep420 = sys.version_info > (3, 3);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and not pep420 and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
    "import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *{PTH});ie = os.path.exists(os.path.join(p,'__init__.py'));m = not ie and sys.modules.setdefault({PKG}, types.ModuleType({PKG}));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)",
];

#[cfg(test)]
mod tests {
    use hashpin_testkit::Dist;

    use super::*;
    use crate::wheel::{SparseFile, Whole};

    /// A `-nspkg.pth` line as setuptools writes it today, for `names`.
    fn nspkg_line(names: &[&str]) -> String {
        render_namespace_line(NAMESPACE_TEMPLATES[0], names)
    }

    fn whole_scan(dist: &Dist) -> Vec<StartupHook> {
        let mut file = Whole(std::io::Cursor::new(dist.bytes().to_vec()));
        match scan(&mut file, &dist.name().parse().expect("a name")).expect("a wheel") {
            Step::Done(hooks) => hooks,
            Step::Fetch(range) => panic!("a whole file lacks {range:?}"),
        }
    }

    #[test]
    fn finds_the_hooks_that_land_in_a_site_directory_and_classifies_them() {
        let dist = Dist::wheel("evil", "1.0")
            .file("evil_init.pth", "import os; os.system('echo hi')\n")
            .file("paths.pth", "# a comment\nsomewhere\n\n")
            .file(
                "zope.interface-1.0-py3.11-nspkg.pth",
                format!("{}\n", nspkg_line(&["zope"])),
            )
            .file("evil/nested.pth", "import os\n")
            .file("evil-1.0.data/purelib/deep.pth", "import evil\n")
            .file(
                "evil-1.0.data/data/lib/python3.11/site-packages/prefix.pth",
                "import evil\n",
            )
            .file("evil-1.0.data/scripts/inert.pth", "import evil\n")
            .file("sitecustomize.py", "print('hi')\n")
            .file("evil.start", "evil:main\n")
            .unrecorded_file("hidden.pth", "import evil\n")
            .build();
        let hooks = whole_scan(&dist);
        let found: Vec<(&str, HookClass, bool)> = hooks
            .iter()
            .map(|hook| (hook.path.as_str(), hook.class, hook.in_record))
            .collect();
        assert_eq!(
            found,
            [
                (
                    "evil-1.0.data/data/lib/python3.11/site-packages/prefix.pth",
                    HookClass::Executable,
                    true
                ),
                (
                    "evil-1.0.data/purelib/deep.pth",
                    HookClass::Executable,
                    true
                ),
                ("evil.start", HookClass::Executable, true),
                ("evil_init.pth", HookClass::Executable, true),
                ("hidden.pth", HookClass::Executable, false),
                ("paths.pth", HookClass::PathsOnly, true),
                ("sitecustomize.py", HookClass::Executable, true),
                (
                    "zope.interface-1.0-py3.11-nspkg.pth",
                    HookClass::Namespace,
                    true
                ),
            ]
        );
        let evil = hooks
            .iter()
            .find(|hook| hook.path == "evil_init.pth")
            .expect("found");
        assert_eq!(evil.first_line, "import os; os.system('echo hi')");
        assert_eq!(evil.size, 32);
        assert_eq!(evil.file_name(), "evil_init.pth");
        assert!(whole_scan(&Dist::wheel("plain", "1.0").build()).is_empty());
    }

    #[test]
    fn a_scan_from_pieces_asks_for_what_it_lacks() {
        let dist = Dist::wheel("evil", "1.0")
            .pad_bytes(300_000)
            .file("evil_init.pth", "import os\n")
            .build();
        let bytes = dist.bytes();
        let len = bytes.len() as u64;
        let mut sparse = SparseFile::new(len);
        let tail = len - 4096;
        sparse.insert(
            tail,
            bytes[usize::try_from(tail).expect("small")..].to_vec(),
        );
        let name = "evil".parse().expect("a name");
        let mut rounds = 0;
        let hooks = loop {
            match scan(&mut sparse, &name).expect("a wheel") {
                Step::Done(hooks) => break hooks,
                Step::Fetch(range) => {
                    rounds += 1;
                    assert!(rounds < 8, "too many rounds");
                    let (start, end) = (
                        usize::try_from(range.start).expect("small"),
                        usize::try_from(range.end).expect("small"),
                    );
                    sparse.insert(range.start, bytes[start..end].to_vec());
                }
            }
        };
        assert_eq!(hooks, whole_scan(&dist));
        assert!(rounds >= 1, "the hook's entry was fetched");
    }

    #[test]
    fn a_hook_too_large_to_read_counts_as_executable() {
        let dist = Dist::wheel("big", "1.0")
            .file("big.pth", "a/path\n".repeat(200_000))
            .build();
        let hooks = whole_scan(&dist);
        assert_eq!(hooks.len(), 1);
        assert_eq!(hooks[0].class, HookClass::Executable);
        assert_eq!(hooks[0].sha256, None);
        assert_eq!(hooks[0].size, 1_400_000);
    }

    #[test]
    fn real_namespace_lines_from_wheels_on_the_index_match() {
        // Verbatim from googleapis_common_protos-1.56.4-py3.10-nspkg.pth and
        // zope.interface-7.2-py3.12-nspkg.pth.
        let nested = "import sys, types, os;has_mfs = sys.version_info > (3, 5);p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('google', 'logging'));importlib = has_mfs and __import__('importlib.util');has_mfs and __import__('importlib.machinery');m = has_mfs and sys.modules.setdefault('google.logging', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('google.logging', [os.path.dirname(p)])));m = m or sys.modules.setdefault('google.logging', types.ModuleType('google.logging'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p);m and setattr(sys.modules['google'], 'logging', m)";
        let zope = "import sys, types, os;p = os.path.join(sys._getframe(1).f_locals['sitedir'], *('zope',));importlib = __import__('importlib.util');__import__('importlib.machinery');m = sys.modules.setdefault('zope', importlib.util.module_from_spec(importlib.machinery.PathFinder.find_spec('zope', [os.path.dirname(p)])));m = m or sys.modules.setdefault('zope', types.ModuleType('zope'));mp = (m or []) and m.__dict__.setdefault('__path__',[]);(p not in mp) and mp.append(p)";
        for line in [nested, zope] {
            assert!(is_namespace_line(line), "{line}");
        }
    }

    #[test]
    fn namespace_lines_match_only_setuptools_templates() {
        for names in [&["zope"][..], &["google", "cloud"], &["a", "b", "c_d"]] {
            assert!(is_namespace_line(&nspkg_line(names)), "{names:?}");
        }
        for template in NAMESPACE_TEMPLATES {
            let line = template
                .replace("{PTH}", "('ns',)")
                .replace("{PKG}", "'ns'");
            assert!(is_namespace_line(&line), "{line}");
        }
        let real = nspkg_line(&["zope"]);
        for tampered in [
            real.replace("'importlib.util'", "'evil'"),
            real.replace("('zope',)", "('zope', __import__('evil'))"),
            format!("{real};__import__('evil')"),
            real.replace("('zope',)", "('zo pe',)"),
            real.replace("'zope'", "'zope.x'"),
        ] {
            assert!(!is_namespace_line(&tampered), "{tampered}");
        }
        assert_eq!(
            classify(
                HookKind::Pth,
                "x-nspkg.pth",
                format!("{real}\nimport evil\n").as_bytes()
            ),
            HookClass::Executable
        );
        assert_eq!(
            classify(HookKind::Pth, "x.pth", format!("{real}\n").as_bytes()),
            HookClass::Executable,
            "the template counts only in a -nspkg.pth file"
        );
    }
}
