//! Building real wheels and sdists in memory, byte-for-byte deterministic.

use std::fmt::{self, Write as _};
use std::io::{Cursor, Write};
use std::sync::Arc;

use sha2::{Digest, Sha256};

use crate::normalize;

/// One file to put on the index: the built artifact plus how the index presents it.
///
/// Cloning is cheap (the bytes are shared), so large wheels can be handed around freely.
#[derive(Clone)]
pub struct Dist {
    name: String,
    version: String,
    filename: String,
    bytes: Arc<[u8]>,
    sha256: String,
    metadata: Arc<[u8]>,
    metadata_sha256: String,
    wheel: bool,
    meta_requires_python: Option<String>,
    pub(crate) flags: Flags,
}

/// Index-side presentation of a file; none of it is part of the file's bytes.
#[derive(Debug, Clone)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each is an independent way for an index to present a file"
)]
pub(crate) struct Flags {
    pub(crate) yanked: Option<String>,
    pub(crate) upload_time: Option<String>,
    requires_python: IndexRequiresPython,
    /// `None`: the default for the kind (wheels yes, sdists no).
    advertise_metadata: Option<bool>,
    /// `None`: same as advertised.
    serve_metadata: Option<bool>,
    corrupt_metadata_hash: bool,
    /// Advertise the `.metadata` file with its hash (default) or as plain `true`.
    metadata_hash: bool,
    /// What the `.metadata` URL serves instead of the file's own metadata.
    other_metadata: Option<Arc<[u8]>>,
    pub(crate) hash: bool,
    pub(crate) relative_url: bool,
    /// A PEP 740 provenance document, linked from the page and served beside the file.
    pub(crate) provenance: Option<String>,
}

/// How a page advertises a file's `.metadata` (PEP 658).
#[derive(Debug, Clone, PartialEq, Eq)]
pub(crate) enum Advertised {
    No,
    /// As plain `true`.
    WithoutHash,
    /// With this hex sha256.
    Sha256(String),
}

/// What the index says a file's requires-python is.
#[derive(Debug, Clone)]
enum IndexRequiresPython {
    FromMetadata,
    Given(String),
    Hidden,
}

impl Default for Flags {
    fn default() -> Self {
        Flags {
            yanked: None,
            upload_time: None,
            requires_python: IndexRequiresPython::FromMetadata,
            advertise_metadata: None,
            serve_metadata: None,
            corrupt_metadata_hash: false,
            metadata_hash: true,
            other_metadata: None,
            hash: true,
            relative_url: false,
            provenance: None,
        }
    }
}

/// The index-side flag setters, shared by both builders and [`Dist`] itself.
macro_rules! flag_methods {
    () => {
        /// Yank the file on the index: `Some(reason)` yanks (an empty reason yanks without
        /// one), `None` does not.
        #[must_use]
        pub fn yanked(mut self, reason: Option<&str>) -> Self {
            self.flags.yanked = reason.map(str::to_owned);
            self
        }
        /// Link and serve a PEP 740 provenance document (see [`crate::provenance()`]).
        #[must_use]
        pub fn provenance(mut self, document: &str) -> Self {
            self.flags.provenance = Some(document.to_owned());
            self
        }
        /// Advertise an upload time, e.g. `2024-01-02T03:04:05.000000Z`.
        #[must_use]
        pub fn upload_time(mut self, time: &str) -> Self {
            self.flags.upload_time = Some(time.to_owned());
            self
        }
        /// Override the requires-python the index advertises (by default the metadata's
        /// `Requires-Python`); `None` advertises none, so index and metadata can disagree.
        #[must_use]
        pub fn index_requires_python(mut self, spec: Option<&str>) -> Self {
            self.flags.requires_python = match spec {
                Some(spec) => IndexRequiresPython::Given(spec.to_owned()),
                None => IndexRequiresPython::Hidden,
            };
            self
        }
        /// Advertise (and serve) the PEP 658 `.metadata` file; default: wheels yes, sdists no.
        #[must_use]
        pub fn advertise_metadata(mut self, on: bool) -> Self {
            self.flags.advertise_metadata = Some(on);
            self
        }
        /// Serve the `.metadata` file whether or not it is advertised (default: as advertised).
        #[must_use]
        pub fn serve_metadata(mut self, on: bool) -> Self {
            self.flags.serve_metadata = Some(on);
            self
        }
        /// Advertise a wrong sha256 for the `.metadata` file.
        #[must_use]
        pub fn corrupt_metadata_hash(mut self, on: bool) -> Self {
            self.flags.corrupt_metadata_hash = on;
            self
        }
        /// Advertise the `.metadata` file as plain `true`, without its hash (PEP 658 allows
        /// it, and nothing then ties the metadata to the file).
        #[must_use]
        pub fn advertise_metadata_without_hash(mut self) -> Self {
            self.flags.metadata_hash = false;
            self
        }
        /// Serve `metadata` at the `.metadata` URL instead of the file's own: a hostile or
        /// broken index. The advertised hash (if any) is that of what is served.
        #[must_use]
        pub fn serve_other_metadata(mut self, metadata: &str) -> Self {
            self.flags.other_metadata = Some(metadata.as_bytes().into());
            self
        }
        /// Put the file's sha256 on the index page (default true).
        #[must_use]
        pub fn hash(mut self, on: bool) -> Self {
            self.flags.hash = on;
            self
        }
        /// Link the file with a relative URL (`../../files/NAME`) instead of an absolute one.
        #[must_use]
        pub fn relative_url(mut self, on: bool) -> Self {
            self.flags.relative_url = on;
            self
        }
    };
}

/// The core-metadata setters shared by both builders.
macro_rules! meta_methods {
    () => {
        /// Add a `Requires-Dist:` line (a PEP 508 requirement); repeatable.
        #[must_use]
        pub fn requires_dist(mut self, req: &str) -> Self {
            self.meta.requires_dist.push(req.to_owned());
            self
        }
        /// Set `Requires-Python:`; also advertised on the index unless overridden.
        #[must_use]
        pub fn requires_python(mut self, spec: &str) -> Self {
            self.meta.requires_python = Some(spec.to_owned());
            self
        }
        /// Add a `Provides-Extra:` line; repeatable.
        #[must_use]
        pub fn provides_extra(mut self, extra: &str) -> Self {
            self.meta.provides_extra.push(extra.to_owned());
            self
        }
        /// Set `Metadata-Version:` (default 2.1 for wheels, 2.2 for sdists).
        #[must_use]
        pub fn metadata_version(mut self, version: &str) -> Self {
            self.meta.metadata_version = Some(version.to_owned());
            self
        }
        /// Add a `Dynamic:` line (metadata 2.2); repeatable.
        #[must_use]
        pub fn dynamic(mut self, field: &str) -> Self {
            self.meta.dynamic.push(field.to_owned());
            self
        }
        /// Set `Summary:`.
        #[must_use]
        pub fn summary(mut self, summary: &str) -> Self {
            self.meta.summary = Some(summary.to_owned());
            self
        }
        /// Add any other header line (`License`, `Classifier`, …), as written; repeatable.
        #[must_use]
        pub fn header(mut self, key: &str, value: &str) -> Self {
            self.meta.other.push((key.to_owned(), value.to_owned()));
            self
        }
    };
}

#[derive(Debug, Clone, Default)]
struct Meta {
    metadata_version: Option<String>,
    summary: Option<String>,
    requires_python: Option<String>,
    requires_dist: Vec<String>,
    provides_extra: Vec<String>,
    dynamic: Vec<String>,
    other: Vec<(String, String)>,
}

impl Meta {
    fn render(&self, name: &str, version: &str, default_metadata_version: &str) -> Vec<u8> {
        let mv = self
            .metadata_version
            .as_deref()
            .unwrap_or(default_metadata_version);
        let mut out = format!("Metadata-Version: {mv}\nName: {name}\nVersion: {version}\n");
        let mut line = |key: &str, value: &str| _ = writeln!(out, "{key}: {value}");
        if let Some(s) = &self.summary {
            line("Summary", s);
        }
        self.other.iter().for_each(|(key, value)| line(key, value));
        if let Some(s) = &self.requires_python {
            line("Requires-Python", s);
        }
        self.dynamic.iter().for_each(|v| line("Dynamic", v));
        self.provides_extra
            .iter()
            .for_each(|v| line("Provides-Extra", v));
        self.requires_dist
            .iter()
            .for_each(|v| line("Requires-Dist", v));
        out.into_bytes()
    }
}

/// Builds a wheel; see [`Dist::wheel`].
#[derive(Debug, Clone)]
pub struct WheelBuilder {
    name: String,
    version: String,
    meta: Meta,
    flags: Flags,
    tag: String,
    files: Vec<(String, Vec<u8>)>,
    unrecorded: Vec<(String, Vec<u8>)>,
    pad: usize,
}

impl WheelBuilder {
    meta_methods!();
    flag_methods!();

    /// Set the wheel tag, e.g. `cp312-cp312-manylinux_2_17_x86_64` or `py2.py3-none-any`.
    /// The filename carries it as given; `WHEEL` lists every tag it expands to.
    #[must_use]
    pub fn tag(mut self, tag: &str) -> Self {
        tag.clone_into(&mut self.tag);
        self
    }

    /// Add a nested `{pkg}/_vendor/{name}-{version}.dist-info/METADATA`: a decoy that
    /// consumers looking for the wheel's own metadata must not pick.
    #[must_use]
    pub fn vendored_dist_info(self, name: &str, version: &str, metadata: &str) -> Self {
        let path = format!("{}/_vendor/{name}-{version}.dist-info/METADATA", self.pkg());
        self.file(&path, metadata)
    }

    /// Add an incompressible (pseudo-random, deterministic) file of `n` bytes, so the
    /// wheel is large enough for range-request tests.
    #[must_use]
    pub fn pad_bytes(mut self, n: usize) -> Self {
        self.pad = n;
        self
    }

    /// Add an extra file at `path` inside the wheel.
    #[must_use]
    pub fn file(mut self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        self.files
            .push((path.to_owned(), contents.as_ref().to_vec()));
        self
    }

    /// Add a file at `path` that the wheel's `RECORD` does not list (an installer writes it,
    /// and an uninstall leaves it behind).
    #[must_use]
    pub fn unrecorded_file(mut self, path: &str, contents: impl AsRef<[u8]>) -> Self {
        self.unrecorded
            .push((path.to_owned(), contents.as_ref().to_vec()));
        self
    }

    fn pkg(&self) -> String {
        normalize(&self.name).replace('-', "_")
    }

    /// Build the wheel.
    pub fn build(self) -> Dist {
        let pkg = self.pkg();
        let stem = format!("{}-{}", underscored(&self.name), self.version);
        let dist_info = format!("{stem}.dist-info");
        let metadata = self.meta.render(&self.name, &self.version, "2.1");

        let mut wheel_file =
            String::from("Wheel-Version: 1.0\nGenerator: hashpin-testkit\nRoot-Is-Purelib: true\n");
        for tag in expand_tag(&self.tag) {
            _ = writeln!(wheel_file, "Tag: {tag}");
        }

        let mut entries = vec![(
            format!("{pkg}/__init__.py"),
            format!("__version__ = \"{}\"\n", self.version).into_bytes(),
        )];
        entries.extend(self.files);
        if self.pad > 0 {
            entries.push((format!("{pkg}/_pad.bin"), pseudo_random(self.pad)));
        }
        entries.push((format!("{dist_info}/METADATA"), metadata.clone()));
        entries.push((format!("{dist_info}/WHEEL"), wheel_file.into_bytes()));
        let mut record = String::new();
        for (path, data) in &entries {
            let digest = b64(&Sha256::digest(data), true, false);
            _ = writeln!(record, "{path},sha256={digest},{}", data.len());
        }
        _ = writeln!(record, "{dist_info}/RECORD,,");
        entries.push((format!("{dist_info}/RECORD"), record.into_bytes()));
        entries.extend(self.unrecorded);

        Dist::new(
            (self.name, self.version),
            format!("{stem}-{}.whl", self.tag),
            zip_bytes(&entries),
            metadata,
            (true, self.meta.requires_python),
            self.flags,
        )
    }
}

/// Builds an sdist; see [`Dist::sdist`].
#[derive(Debug, Clone)]
pub struct SdistBuilder {
    name: String,
    version: String,
    meta: Meta,
    flags: Flags,
    pkg_info: bool,
    pyproject_dependencies: Option<Vec<String>>,
    pyproject_dynamic: Vec<String>,
    pyproject_optional: Vec<(String, Vec<String>)>,
    zip: bool,
    backend: Option<InTreeBackend>,
}

/// A tiny PEP 517 backend inside the sdist (`backend-path`), so that building it needs no
/// backend from an index: its metadata is the builder's (`requires_dist` and so on), which
/// neither `PKG-INFO` nor `pyproject.toml` declares statically.
#[derive(Debug, Clone, Default)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each is one behaviour a test asks of the backend"
)]
pub struct InTreeBackend {
    /// `[build-system] requires`: projects the test index must serve as wheels.
    pub requires: Vec<String>,
    /// What `get_requires_for_build_wheel` returns.
    pub extra_requires: Vec<String>,
    /// Modules the backend imports before it answers (from its build requirements).
    pub imports: Vec<String>,
    /// The backend raises instead of answering.
    pub fail: bool,
    /// The backend sleeps for an hour before answering.
    pub hang: bool,
    /// Without `prepare_metadata_for_build_wheel`: metadata comes from `build_wheel`.
    pub wheel_only: bool,
    /// The backend fails if it sees a variable whose name has `TOKEN` in it, an index
    /// setting of pip's, or `PYTHONPATH`.
    pub check_isolation: bool,
}

impl InTreeBackend {
    fn module(&self) -> String {
        let list = |items: &[String]| {
            items
                .iter()
                .map(|item| serde_json::to_string(item).expect("strings serialize"))
                .collect::<Vec<_>>()
                .join(", ")
        };
        let mut out = String::from(
            "import os, sys, time, zipfile\n\n\
             def _answer():\n",
        );
        for module in &self.imports {
            _ = writeln!(out, "    import {module}");
        }
        if self.check_isolation {
            out.push_str(
                "    for name in os.environ:\n\
                 \x20       if 'TOKEN' in name.upper() or name.startswith('PIP_INDEX') or name == 'PYTHONPATH':\n\
                 \x20           raise RuntimeError('the build sees ' + name)\n",
            );
        }
        if self.fail {
            out.push_str("    print('compiling the thing')\n    raise RuntimeError('this backend always fails')\n");
        }
        if self.hang {
            out.push_str("    time.sleep(3600)\n");
        }
        out.push_str(
            "    with open('hashpin-test-metadata.txt', encoding='utf-8') as f:\n\
             \x20       return f.read()\n\n",
        );
        _ = writeln!(
            out,
            "def get_requires_for_build_wheel(config_settings=None):\n    return [{}]\n",
            list(&self.extra_requires)
        );
        out.push_str(
            "def _dist_info():\n\
             \x20   with open('hashpin-test-dist-info.txt', encoding='utf-8') as f:\n\
             \x20       return f.read().strip()\n\n",
        );
        if !self.wheel_only {
            out.push_str(
                "def prepare_metadata_for_build_wheel(metadata_directory, config_settings=None):\n\
                 \x20   metadata = _answer()\n\
                 \x20   target = os.path.join(metadata_directory, _dist_info())\n\
                 \x20   os.makedirs(target)\n\
                 \x20   with open(os.path.join(target, 'METADATA'), 'w', encoding='utf-8') as f:\n\
                 \x20       f.write(metadata)\n\
                 \x20   return _dist_info()\n\n",
            );
        }
        out.push_str(
            "def build_wheel(wheel_directory, config_settings=None, metadata_directory=None):\n\
             \x20   metadata = _answer()\n\
             \x20   name = _dist_info()[:-len('.dist-info')] + '-py3-none-any.whl'\n\
             \x20   info = _dist_info()\n\
             \x20   with zipfile.ZipFile(os.path.join(wheel_directory, name), 'w') as wheel:\n\
             \x20       wheel.writestr(info + '/METADATA', metadata)\n\
             \x20       wheel.writestr(info + '/WHEEL', 'Wheel-Version: 1.0\\nGenerator: hashpin-testkit\\nRoot-Is-Purelib: true\\nTag: py3-none-any\\n')\n\
             \x20       wheel.writestr(info + '/RECORD', info + '/METADATA,,\\n' + info + '/WHEEL,,\\n' + info + '/RECORD,,\\n')\n\
             \x20   return name\n\n\
             def build_sdist(sdist_directory, config_settings=None):\n\
             \x20   raise RuntimeError('not needed by the tests')\n",
        );
        out
    }
}

impl SdistBuilder {
    meta_methods!();
    flag_methods!();

    /// Include `PKG-INFO` in the archive (default true).
    #[must_use]
    pub fn pkg_info(mut self, on: bool) -> Self {
        self.pkg_info = on;
        self
    }

    /// The `[project] dependencies` written to `pyproject.toml` (default: the
    /// `requires_dist` list, so both agree).
    #[must_use]
    pub fn pyproject_dependencies(mut self, deps: &[&str]) -> Self {
        self.pyproject_dependencies = Some(deps.iter().map(|&d| d.to_owned()).collect());
        self
    }

    /// The `[project] dynamic` list; fields named here are not written statically.
    #[must_use]
    pub fn pyproject_dynamic(mut self, fields: &[&str]) -> Self {
        self.pyproject_dynamic = fields.iter().map(|&d| d.to_owned()).collect();
        self
    }

    /// Add `extra = [deps]` to `pyproject.toml`'s `[project.optional-dependencies]`
    /// (PKG-INFO is not affected: give it `provides_extra`/`requires_dist` as wanted); repeatable.
    #[must_use]
    pub fn pyproject_optional_dependencies(mut self, extra: &str, deps: &[&str]) -> Self {
        self.pyproject_optional.push((
            extra.to_owned(),
            deps.iter().map(|&d| d.to_owned()).collect(),
        ));
        self
    }

    /// Build with an in-tree backend: no `PKG-INFO`, `dependencies` dynamic, the metadata
    /// known only by running the backend.
    #[must_use]
    pub fn in_tree_backend(mut self, backend: InTreeBackend) -> Self {
        self.backend = Some(backend);
        self.pkg_info = false;
        self
    }

    /// Build a `.zip` sdist instead of a `.tar.gz`.
    #[must_use]
    pub fn zip_format(mut self) -> Self {
        self.zip = true;
        self
    }

    fn pyproject(&self) -> String {
        let q = |s: &str| serde_json::to_string(s).expect("strings serialize");
        let list = |items: &[String]| items.iter().map(|s| q(s)).collect::<Vec<_>>().join(", ");
        let is_dynamic = |field: &str| self.pyproject_dynamic.iter().any(|d| d == field);
        let mut out = match &self.backend {
            Some(backend) => format!(
                "[build-system]\nrequires = [{}]\nbuild-backend = \"hashpin_test_backend\"\nbackend-path = [\"_backend\"]\n\n[project]\n",
                list(&backend.requires)
            ),
            None => String::from(
                "[build-system]\nrequires = [\"setuptools\"]\nbuild-backend = \"setuptools.build_meta\"\n\n[project]\n",
            ),
        };
        _ = writeln!(out, "name = {}", q(&self.name));
        if !is_dynamic("version") {
            _ = writeln!(out, "version = {}", q(&self.version));
        }
        if let (Some(rp), false) = (&self.meta.requires_python, is_dynamic("requires-python")) {
            _ = writeln!(out, "requires-python = {}", q(rp));
        }
        if !is_dynamic("dependencies") && self.backend.is_none() {
            let deps = self
                .pyproject_dependencies
                .as_ref()
                .unwrap_or(&self.meta.requires_dist);
            _ = writeln!(out, "dependencies = [{}]", list(deps));
        }
        if self.backend.is_some() {
            out.push_str("dynamic = [\"dependencies\", \"optional-dependencies\"]\n");
        } else if !self.pyproject_dynamic.is_empty() {
            _ = writeln!(out, "dynamic = [{}]", list(&self.pyproject_dynamic));
        }
        if !self.pyproject_optional.is_empty()
            && !is_dynamic("optional-dependencies")
            && self.backend.is_none()
        {
            out.push_str("\n[project.optional-dependencies]\n");
            for (extra, deps) in &self.pyproject_optional {
                _ = writeln!(out, "{} = [{}]", q(extra), list(deps));
            }
        }
        out
    }

    /// Build the sdist.
    pub fn build(self) -> Dist {
        let top = format!("{}-{}", underscored(&self.name), self.version);
        let pkg = normalize(&self.name).replace('-', "_");
        let metadata = self.meta.render(&self.name, &self.version, "2.2");
        let mut entries = Vec::new();
        if self.pkg_info {
            entries.push((format!("{top}/PKG-INFO"), metadata.clone()));
        }
        entries.push((
            format!("{top}/pyproject.toml"),
            self.pyproject().into_bytes(),
        ));
        entries.push((
            format!("{top}/{pkg}/__init__.py"),
            format!("__version__ = \"{}\"\n", self.version).into_bytes(),
        ));
        if let Some(backend) = &self.backend {
            entries.push((
                format!("{top}/_backend/hashpin_test_backend.py"),
                backend.module().into_bytes(),
            ));
            entries.push((format!("{top}/hashpin-test-metadata.txt"), metadata.clone()));
            entries.push((
                format!("{top}/hashpin-test-dist-info.txt"),
                format!("{top}.dist-info\n").into_bytes(),
            ));
        }
        let (filename, bytes) = if self.zip {
            (format!("{top}.zip"), zip_bytes(&entries))
        } else {
            (format!("{top}.tar.gz"), tar_gz_bytes(&entries))
        };
        Dist::new(
            (self.name, self.version),
            filename,
            bytes,
            metadata,
            (false, self.meta.requires_python),
            self.flags,
        )
    }
}

impl Dist {
    flag_methods!();

    /// A real wheel for `name` `version`: `{pkg}/__init__.py`, and a dist-info with
    /// `METADATA`, `WHEEL` and a correct `RECORD`. Default tag `py3-none-any`.
    pub fn wheel(name: &str, version: &str) -> WheelBuilder {
        WheelBuilder {
            name: name.to_owned(),
            version: version.to_owned(),
            meta: Meta::default(),
            flags: Flags::default(),
            tag: "py3-none-any".to_owned(),
            files: Vec::new(),
            unrecorded: Vec::new(),
            pad: 0,
        }
    }

    /// A real sdist for `name` `version`: `PKG-INFO`, a setuptools `pyproject.toml`,
    /// and `{pkg}/__init__.py` under one top directory.
    pub fn sdist(name: &str, version: &str) -> SdistBuilder {
        SdistBuilder {
            name: name.to_owned(),
            version: version.to_owned(),
            meta: Meta::default(),
            flags: Flags::default(),
            pkg_info: true,
            pyproject_dependencies: None,
            pyproject_dynamic: Vec::new(),
            pyproject_optional: Vec::new(),
            zip: false,
            backend: None,
        }
    }

    fn new(
        (name, version): (String, String),
        filename: String,
        bytes: Vec<u8>,
        metadata: Vec<u8>,
        (wheel, meta_requires_python): (bool, Option<String>),
        flags: Flags,
    ) -> Dist {
        Dist {
            sha256: sha256_hex(&bytes),
            metadata_sha256: sha256_hex(&metadata),
            name,
            version,
            filename,
            bytes: bytes.into(),
            metadata: metadata.into(),
            wheel,
            meta_requires_python,
            flags,
        }
    }

    /// Unpacks this sdist's single top directory's contents into `dir` (as a checked-out
    /// project would be laid out).
    pub fn unpack_into(&self, dir: &std::path::Path) {
        assert!(!self.wheel, "unpack_into is for sdists");
        let mut archive = tar::Archive::new(flate2::read::GzDecoder::new(&self.bytes[..]));
        for entry in archive.entries().expect("the sdist is a tar") {
            let mut entry = entry.expect("a member");
            let path = entry.path().expect("a path").into_owned();
            let inner: std::path::PathBuf = path.components().skip(1).collect();
            let target = dir.join(inner);
            std::fs::create_dir_all(target.parent().expect("a parent")).expect("a directory");
            entry.unpack(&target).expect("unpacked");
        }
    }

    /// The project name as given to the builder.
    pub fn name(&self) -> &str {
        &self.name
    }
    /// The version as given to the builder.
    pub fn version(&self) -> &str {
        &self.version
    }
    /// The file name on the index.
    pub fn filename(&self) -> &str {
        &self.filename
    }
    /// Hex sha256 of [`Dist::bytes`].
    pub fn sha256(&self) -> &str {
        &self.sha256
    }
    /// The file's bytes.
    pub fn bytes(&self) -> &[u8] {
        &self.bytes
    }
    /// The core metadata (`METADATA`, or `PKG-INFO` for sdists, generated even when
    /// the archive leaves it out); also what the `.metadata` URL serves.
    pub fn metadata(&self) -> &[u8] {
        &self.metadata
    }
    /// Hex sha256 of [`Dist::metadata`].
    pub fn metadata_sha256(&self) -> &str {
        &self.metadata_sha256
    }
    /// Whether this is a wheel.
    pub fn is_wheel(&self) -> bool {
        self.wheel
    }

    pub(crate) fn shared_bytes(&self) -> Arc<[u8]> {
        Arc::clone(&self.bytes)
    }

    /// What the `.metadata` URL serves.
    pub(crate) fn shared_metadata(&self) -> Arc<[u8]> {
        Arc::clone(self.flags.other_metadata.as_ref().unwrap_or(&self.metadata))
    }

    /// The sha256 of what the `.metadata` URL serves.
    pub(crate) fn served_metadata_sha256(&self) -> String {
        match &self.flags.other_metadata {
            Some(other) => sha256_hex(other),
            None => self.metadata_sha256.clone(),
        }
    }

    pub(crate) fn advertised_requires_python(&self) -> Option<&str> {
        match &self.flags.requires_python {
            IndexRequiresPython::FromMetadata => self.meta_requires_python.as_deref(),
            IndexRequiresPython::Given(spec) => Some(spec),
            IndexRequiresPython::Hidden => None,
        }
    }

    /// How the page advertises the `.metadata` file.
    pub(crate) fn advertised_metadata(&self) -> Advertised {
        if !self.flags.advertise_metadata.unwrap_or(self.wheel) {
            return Advertised::No;
        }
        if !self.flags.metadata_hash {
            return Advertised::WithoutHash;
        }
        let served = self.served_metadata_sha256();
        Advertised::Sha256(if self.flags.corrupt_metadata_hash {
            sha256_hex(format!("corrupt {served}").as_bytes())
        } else {
            served
        })
    }

    pub(crate) fn serves_metadata(&self) -> bool {
        let advertised = self.flags.advertise_metadata.unwrap_or(self.wheel);
        self.flags.serve_metadata.unwrap_or(advertised)
    }
}

// Hand-written so a failing assertion does not print megabytes of wheel bytes.
impl fmt::Debug for Dist {
    fn fmt(&self, f: &mut fmt::Formatter<'_>) -> fmt::Result {
        f.debug_struct("Dist")
            .field("filename", &self.filename)
            .field("size", &self.bytes.len())
            .field("sha256", &self.sha256)
            .field("flags", &self.flags)
            .finish_non_exhaustive()
    }
}

/// The distribution-name part of file names: runs of `-_.` become `_`, case kept.
fn underscored(name: &str) -> String {
    let mut out = String::with_capacity(name.len());
    for c in name.chars() {
        if !matches!(c, '-' | '_' | '.') {
            out.push(c);
        } else if !out.ends_with('_') {
            out.push('_');
        }
    }
    out
}

/// `py2.py3-none-any` → `py2-none-any`, `py3-none-any`: what a `WHEEL` file lists.
fn expand_tag(tag: &str) -> Vec<String> {
    let parts: Vec<&str> = tag.splitn(3, '-').collect();
    let [py, abi, plat] = parts[..] else {
        return vec![tag.to_owned()];
    };
    let mut out = Vec::new();
    for p in py.split('.') {
        for a in abi.split('.') {
            for pl in plat.split('.') {
                out.push(format!("{p}-{a}-{pl}"));
            }
        }
    }
    out
}

pub(crate) fn sha256_hex(data: &[u8]) -> String {
    Sha256::digest(data)
        .iter()
        .fold(String::new(), |mut hex, b| {
            _ = write!(hex, "{b:02x}");
            hex
        })
}

/// Base64, standard or URL-safe alphabet, with or without padding (no base64 crate here).
pub(crate) fn b64(data: &[u8], urlsafe: bool, pad: bool) -> String {
    let alphabet: &[u8; 64] = if urlsafe {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789-_"
    } else {
        b"ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz0123456789+/"
    };
    let mut out = String::new();
    for chunk in data.chunks(3) {
        let n = chunk
            .iter()
            .enumerate()
            .fold(0u32, |acc, (i, &b)| acc | u32::from(b) << (16 - 8 * i));
        for i in 0..=chunk.len() {
            out.push(char::from(alphabet[(n >> (18 - 6 * i)) as usize & 63]));
        }
        if pad {
            out.push_str(&"=".repeat(3 - chunk.len()));
        }
    }
    out
}

/// splitmix64 output: incompressible but the same on every run.
fn pseudo_random(n: usize) -> Vec<u8> {
    let mut state: u64 = 0x9E37_79B9_7F4A_7C15;
    let mut out = Vec::with_capacity(n + 8);
    while out.len() < n {
        state = state.wrapping_add(0x9E37_79B9_7F4A_7C15);
        let mut z = state;
        z = (z ^ (z >> 30)).wrapping_mul(0xBF58_476D_1CE4_E5B9);
        z = (z ^ (z >> 27)).wrapping_mul(0x94D0_49BB_1331_11EB);
        out.extend_from_slice(&(z ^ (z >> 31)).to_le_bytes());
    }
    out.truncate(n);
    out
}

/// A zip with fixed timestamps (1980-01-01) and modes, so equal inputs give equal bytes.
fn zip_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    use zip::write::SimpleFileOptions;
    let mut zip = zip::ZipWriter::new(Cursor::new(Vec::new()));
    let options = SimpleFileOptions::default()
        .last_modified_time(zip::DateTime::default())
        .unix_permissions(0o644);
    for (path, data) in entries {
        // Deflate, except for data that will not shrink (the padding): storing it is as
        // valid and far faster.
        let method = if path.ends_with("_pad.bin") {
            zip::CompressionMethod::Stored
        } else {
            zip::CompressionMethod::Deflated
        };
        zip.start_file(path.as_str(), options.compression_method(method))
            .expect("zip entry");
        zip.write_all(data).expect("write to memory");
    }
    zip.finish().expect("finish zip").into_inner()
}

/// A tar.gz with fixed mtime/uid/gid/mode and a gzip header without name or time.
fn tar_gz_bytes(entries: &[(String, Vec<u8>)]) -> Vec<u8> {
    let gz = flate2::GzBuilder::new()
        .mtime(0)
        .write(Vec::new(), flate2::Compression::default());
    let mut tar = tar::Builder::new(gz);
    for (path, data) in entries {
        let mut header = tar::Header::new_ustar();
        header.set_size(data.len() as u64);
        header.set_mode(0o644);
        header.set_mtime(315_532_800); // 1980-01-01, like the wheels
        header.set_uid(0);
        header.set_gid(0);
        header.set_entry_type(tar::EntryType::Regular);
        tar.append_data(&mut header, path, data.as_slice())
            .expect("tar entry");
    }
    tar.into_inner()
        .expect("finish tar")
        .finish()
        .expect("finish gzip")
}

#[cfg(test)]
mod tests {
    use super::*;
    use std::io::Read;

    #[test]
    fn base64_matches_known_values() {
        assert_eq!(b64(b"user:pass", false, true), "dXNlcjpwYXNz");
        assert_eq!(b64(b"ab", false, true), "YWI=");
        assert_eq!(b64(b"a", true, false), "YQ");
        assert_eq!(b64(&[0xfb, 0xff], true, false), "-_8");
    }

    #[test]
    fn names_and_tags() {
        assert_eq!(underscored("Foo.Bar-baz"), "Foo_Bar_baz");
        assert_eq!(underscored("a--b"), "a_b");
        assert_eq!(
            expand_tag("py2.py3-none-any"),
            ["py2-none-any", "py3-none-any"]
        );
    }

    #[test]
    fn wheel_is_a_valid_zip_with_matching_record() {
        let dist = Dist::wheel("Foo-Bar", "1.0")
            .requires_dist("baz>=1")
            .requires_python(">=3.8")
            .tag("py2.py3-none-any")
            .vendored_dist_info("six", "1.0", "Name: six\n")
            .pad_bytes(1000)
            .build();
        assert_eq!(dist.filename(), "Foo_Bar-1.0-py2.py3-none-any.whl");
        let mut zip = zip::ZipArchive::new(Cursor::new(dist.bytes().to_vec())).expect("zip");
        let mut read = |path: &str| {
            let mut out = Vec::new();
            zip.by_name(path)
                .expect(path)
                .read_to_end(&mut out)
                .expect("read");
            out
        };
        let record = String::from_utf8(read("Foo_Bar-1.0.dist-info/RECORD")).expect("utf8");
        assert_eq!(read("Foo_Bar-1.0.dist-info/METADATA"), dist.metadata());
        let wheel = String::from_utf8(read("Foo_Bar-1.0.dist-info/WHEEL")).expect("utf8");
        assert!(
            wheel.contains("Tag: py2-none-any\nTag: py3-none-any\n"),
            "{wheel}"
        );
        assert_eq!(read("foo_bar/__init__.py"), b"__version__ = \"1.0\"\n");
        let mut lines = 0;
        for line in record.lines() {
            let fields: Vec<&str> = line.split(',').collect();
            if fields[0].ends_with("/RECORD") {
                assert_eq!(fields[1..], ["", ""]);
                continue;
            }
            let data = read(fields[0]);
            let want = format!("sha256={}", b64(&Sha256::digest(&data), true, false));
            assert_eq!(
                (fields[1], fields[2]),
                (want.as_str(), data.len().to_string().as_str())
            );
            lines += 1;
        }
        assert_eq!(lines, 5, "{record}");
        let meta = String::from_utf8(dist.metadata().to_vec()).expect("utf8");
        assert!(meta.starts_with("Metadata-Version: 2.1\nName: Foo-Bar\nVersion: 1.0\n"));
        assert!(
            meta.contains("Requires-Python: >=3.8\nRequires-Dist: baz>=1\n"),
            "{meta}"
        );
    }

    #[test]
    fn sdist_is_a_valid_tar_gz_with_pkg_info() {
        let dist = Dist::sdist("foo", "2.0")
            .requires_dist("bar")
            .dynamic("Requires-Dist")
            .pyproject_optional_dependencies("fast", &["speedups>=1"])
            .build();
        assert_eq!(dist.filename(), "foo-2.0.tar.gz");
        let mut tar = tar::Archive::new(flate2::read::GzDecoder::new(dist.bytes()));
        let mut files = std::collections::BTreeMap::new();
        for entry in tar.entries().expect("entries") {
            let mut entry = entry.expect("entry");
            let mut text = String::new();
            entry.read_to_string(&mut text).expect("read");
            files.insert(entry.path().expect("path").display().to_string(), text);
        }
        assert_eq!(files["foo-2.0/PKG-INFO"].as_bytes(), dist.metadata());
        assert!(files["foo-2.0/PKG-INFO"].contains("Metadata-Version: 2.2\n"));
        assert!(files["foo-2.0/PKG-INFO"].contains("Dynamic: Requires-Dist\n"));
        let pyproject: toml::Table = files["foo-2.0/pyproject.toml"].parse().expect("toml");
        assert_eq!(
            pyproject["project"]["dependencies"][0].as_str(),
            Some("bar")
        );
        assert_eq!(
            pyproject["project"]["optional-dependencies"]["fast"][0].as_str(),
            Some("speedups>=1")
        );
        assert!(files.contains_key("foo-2.0/foo/__init__.py"));

        let bare = Dist::sdist("foo", "2.0")
            .pkg_info(false)
            .pyproject_dynamic(&["dependencies"]);
        let zipped = bare.zip_format().build();
        assert_eq!(zipped.filename(), "foo-2.0.zip");
        let zip = zip::ZipArchive::new(Cursor::new(zipped.bytes().to_vec())).expect("zip");
        assert!(zip.index_for_name("foo-2.0/PKG-INFO").is_none());
    }

    #[test]
    fn builds_are_deterministic() {
        let wheel = || {
            Dist::wheel("foo", "1.0")
                .requires_dist("bar")
                .pad_bytes(100)
                .build()
        };
        let sdist = || Dist::sdist("foo", "1.0").requires_dist("bar").build();
        assert_eq!(wheel().sha256(), wheel().sha256());
        assert_eq!(sdist().sha256(), sdist().sha256());
        assert_ne!(wheel().sha256(), Dist::wheel("foo", "1.1").build().sha256());
    }
}
