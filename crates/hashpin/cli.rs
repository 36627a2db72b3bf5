//! The command line, as clap reads it. Validation happens in [`crate::settings`].

use std::path::PathBuf;

use clap::{Args, Parser, Subcommand};

/// A pip-compatible lockfile generator that pins every dependency to one version and every
/// file to its hash.
#[derive(Debug, Parser)]
#[command(name = "hashpin", version, about, max_term_width = 100)]
pub(crate) struct Cli {
    #[command(subcommand)]
    pub(crate) command: Command,
    #[command(flatten)]
    pub(crate) global: GlobalArgs,
}

#[derive(Debug, Subcommand)]
pub(crate) enum Command {
    /// Resolve requirements and write a lockfile pinned with hashes
    /// (pip-compile --generate-hashes).
    Compile(Box<CompileArgs>),
    /// Check that a requirements file is fully pinned and hashed, and that the index still
    /// serves exactly what it pins (nothing yanked, missing or re-uploaded).
    Check(CheckArgs),
    /// Convert a lock between requirements.txt and pylock.toml (PEP 751): for example a uv
    /// or pip pylock into a hashed requirements file that older pip installs.
    Export(ExportArgs),
    /// What a lock update changes, riskiest first: new dependencies, fresh releases, startup
    /// hooks, re-uploaded files, other publishers or indexes (either format, no index asked).
    Diff(DiffArgs),
    /// Known vulnerabilities of every package a lock pins, from OSV advisories: a database
    /// on disk, the index's JSON API, an OSV endpoint (pip-audit, from the lock).
    Audit(AuditArgs),
    /// Every component a lock installs, with its licence, size on the target, depth and who
    /// requires it; totals and the heaviest subtrees (a table, JSON, CSV, a CycloneDX SBOM or
    /// an HTML page), and a licence policy.
    Inventory(InventoryArgs),
    /// Show a project's versions, files and dependencies as the configured index lists them.
    Show(ShowArgs),
    /// Pin every distribution installed in an environment to its version and the index's
    /// hashes (pip freeze, with hashes).
    Freeze(FreezeArgs),
}

impl Command {
    /// `-o -` is standard output, as in pip-compile: the same as no `-o` at all, so no
    /// command writes a file named `-`.
    pub(crate) fn resolve_standard_output(&mut self) {
        let output = match self {
            Self::Compile(args) => &mut args.output_file,
            Self::Export(args) => &mut args.output_file,
            Self::Freeze(args) => &mut args.output_file,
            Self::Show(_)
            | Self::Check(_)
            | Self::Diff(_)
            | Self::Audit(_)
            | Self::Inventory(_) => return,
        };
        if output.as_deref() == Some(std::path::Path::new("-")) {
            *output = None;
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct GlobalArgs {
    /// Use verbose output (-v for debug, -vv for trace).
    #[arg(short, long, action = clap::ArgAction::Count, global = true)]
    pub(crate) verbose: u8,
    /// Print nothing but errors.
    #[arg(short, long, global = true, conflicts_with = "verbose")]
    pub(crate) quiet: bool,
}

#[derive(Debug, Args)]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is its own switch, as in pip-compile"
)]
pub(crate) struct CompileArgs {
    /// Requirements files or pyproject.toml files to lock (`-` for standard input)
    /// [default: requirements.in, else pyproject.toml].
    #[arg(value_name = "SRC_FILE")]
    pub(crate) src_files: Vec<PathBuf>,
    /// Include this extra of a pyproject.toml's [project.optional-dependencies] (repeatable).
    #[arg(long, value_name = "EXTRA")]
    pub(crate) extra: Vec<String>,
    /// Include every extra of a pyproject.toml.
    #[arg(long, conflicts_with = "extra")]
    pub(crate) all_extras: bool,
    /// Include this dependency group of a pyproject.toml's [dependency-groups] (repeatable).
    #[arg(long, value_name = "GROUP")]
    pub(crate) group: Vec<String>,
    /// Where to write the lockfile (`-` for standard output) [default: standard output].
    /// Its pins are kept where they
    /// still fit (see --upgrade).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output_file: Option<PathBuf>,
    /// Constraints files: they limit versions and add nothing (repeatable).
    #[arg(short, long, value_name = "FILE")]
    pub(crate) constraint: Vec<PathBuf>,
    /// Ignore the pins of the existing output file.
    #[arg(short = 'U', long)]
    pub(crate) upgrade: bool,
    /// Upgrade one project, or move it to a given version: NAME or NAME==VERSION (repeatable).
    #[arg(short = 'P', long, value_name = "NAME")]
    pub(crate) upgrade_package: Vec<String>,
    /// Allow pre-releases everywhere.
    #[arg(long)]
    pub(crate) pre: bool,
    /// Ignore files uploaded after this instant (RFC 3339, or a date meaning its start in UTC),
    /// so the same command gives the same lock later; or a duration (`7 days`, `24 hours`,
    /// `P7D`): a cooldown, leaving out what was uploaded that recently.
    #[arg(long, value_name = "WHEN", value_parser = Cutoff::parse)]
    pub(crate) exclude_newer: Option<Cutoff>,
    /// Another cutoff for one project, `NAME=WHEN` (an instant or a duration as for
    /// --exclude-newer), or `NAME=false` to lift it: a fix that must go in today
    /// (repeatable).
    #[arg(long, value_name = "NAME=WHEN", value_parser = PackageCutoff::parse)]
    pub(crate) exclude_newer_package: Vec<PackageCutoff>,
    /// Let this yanked release be locked all the same: NAME==VERSION (repeatable). The lock's
    /// header records it.
    #[arg(long, value_name = "NAME==VERSION")]
    pub(crate) allow_yanked: Vec<String>,
    /// Let this release's files take new hashes: NAME==VERSION (repeatable). Without it, a file
    /// of a pinned version whose hash changed on the index since the lock was written (uploaded
    /// again under the same name) is an error. The lock's header records it.
    #[arg(long, value_name = "NAME==VERSION")]
    pub(crate) allow_reupload: Vec<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) build: BuildArgs,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    /// Audit the new lock for known vulnerabilities before writing it (as `hashpin audit`
    /// would, with the sources below): a failing audit leaves the old lock as it was.
    #[arg(long, help_heading = "Vulnerabilities")]
    pub(crate) audit: bool,
    #[command(flatten)]
    pub(crate) vulnerabilities: VulnerabilityArgs,
    /// Also write the build requirements of every sdist the lock would build at install
    /// time, resolved together and pinned with hashes, to this file: build constraints for
    /// `uv pip install --build-constraints` or `pip install --build-constraint`.
    #[arg(long, value_name = "FILE", help_heading = "Builds")]
    pub(crate) write_build_constraints: Option<PathBuf>,
    /// The lockfile's format [default: pylock.toml for an output named pylock.toml or
    /// pylock.NAME.toml (PEP 751), else requirements.txt].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<LockFormatArg>,
    /// Print the lockfile instead of writing it.
    #[arg(long, short = 'n')]
    pub(crate) dry_run: bool,
    /// Write nothing; exit 1 with a diff on stderr if the output file is not what this
    /// command would write (the CI gate: the lock is up to date with its inputs).
    #[arg(long, requires = "output_file", conflicts_with_all = ["dry_run", "upgrade", "upgrade_package"])]
    pub(crate) check: bool,
    /// Leave out the `# via` comments.
    #[arg(long, overrides_with = "annotate")]
    pub(crate) no_annotate: bool,
    /// Leave out the header comment.
    #[arg(long, overrides_with = "header")]
    pub(crate) no_header: bool,
    /// Write the index URLs (without credentials) at the top of the lockfile.
    #[arg(long, overrides_with = "no_emit_index_url")]
    pub(crate) emit_index_url: bool,
    #[command(flatten)]
    pub(crate) pip_compile: PipCompileArgs,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
}

/// pip-compile's options whose meaning is hashpin's already, accepted so that existing
/// command lines (Makefiles, tox, pre-commit, CI) run unchanged. docs/compile.md lists them.
#[derive(Debug, Args, Clone, Default)]
#[allow(
    clippy::struct_excessive_bools,
    reason = "each is one of pip-compile's flags, accepted as it is spelled"
)]
pub(crate) struct PipCompileArgs {
    /// Accepted for pip-compile's command lines: every file's hash is always written.
    #[arg(long, help_heading = "pip-compile's options")]
    pub(crate) generate_hashes: bool,
    /// Accepted: pip, setuptools and the other packages pip-compile calls unsafe are always
    /// pinned and hashed, as a lock for `--require-hashes` needs them.
    #[arg(long, help_heading = "pip-compile's options")]
    pub(crate) allow_unsafe: bool,
    /// Accepted: lines never carry extras (pip-compile 8's default).
    #[arg(long, help_heading = "pip-compile's options")]
    pub(crate) strip_extras: bool,
    /// The `# via` comments (the default; the opposite of --no-annotate).
    #[arg(
        long,
        overrides_with = "no_annotate",
        help_heading = "pip-compile's options"
    )]
    pub(crate) annotate: bool,
    /// The header comment (the default; the opposite of --no-header).
    #[arg(
        long,
        overrides_with = "no_header",
        help_heading = "pip-compile's options"
    )]
    pub(crate) header: bool,
    /// No index URLs at the top of the lockfile (the default; the opposite of
    /// --emit-index-url).
    #[arg(
        long,
        overrides_with = "emit_index_url",
        help_heading = "pip-compile's options"
    )]
    pub(crate) no_emit_index_url: bool,
    /// Accepted: the resolver backtracks (PubGrub); pip's legacy resolver is gone.
    #[arg(
        long,
        value_enum,
        value_name = "RESOLVER",
        help_heading = "pip-compile's options"
    )]
    pub(crate) resolver: Option<ResolverArg>,
    /// Accepted and unused: PubGrub does not resolve in rounds.
    #[arg(long, value_name = "N", help_heading = "pip-compile's options")]
    pub(crate) max_rounds: Option<u32>,
    /// Accepted: hashes always come from the index, checked against it, never from an old
    /// lock.
    #[arg(
        long,
        overrides_with = "no_reuse_hashes",
        help_heading = "pip-compile's options"
    )]
    pub(crate) reuse_hashes: bool,
    /// Accepted: see --reuse-hashes.
    #[arg(
        long,
        overrides_with = "reuse_hashes",
        help_heading = "pip-compile's options"
    )]
    pub(crate) no_reuse_hashes: bool,
    /// Accepted: builds always run isolated, in fresh environments.
    #[arg(long, help_heading = "pip-compile's options")]
    pub(crate) build_isolation: bool,
}

/// `--resolver`: pip-compile's choice, of which one is left.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ResolverArg {
    /// pip's backtracking resolver, whose answers hashpin's match.
    Backtracking,
}

#[derive(Debug, Args)]
#[command(
    after_help = "With --offline, nothing is checked against the index: only that every \
line is pinned with ==, hashed, and hashed with an algorithm pip accepts.\n\n\
Exit status: 0 when nothing is wrong (warnings allowed), 1 when the file breaks a rule, 2 when \
it cannot be read or the index cannot be asked."
)]
pub(crate) struct CheckArgs {
    /// Requirements files to check (`-r` and `-c` inside are followed; `-` for standard input).
    #[arg(value_name = "FILE", required = true)]
    pub(crate) files: Vec<PathBuf>,
    /// Compare every --hash with the hashes the index lists for that version now (the
    /// default).
    #[arg(long, overrides_with = "no_verify_hashes")]
    pub(crate) verify_hashes: bool,
    /// Do not compare hashes with the index (pins are still checked for existence and yanks).
    #[arg(long, overrides_with = "verify_hashes")]
    pub(crate) no_verify_hashes: bool,
    /// Also require every dependency of every pin (for the target environment) to be pinned.
    #[arg(long, conflicts_with = "offline")]
    pub(crate) complete: bool,
    /// Ignore index files uploaded after this instant (or this long ago: `7 days`) when
    /// looking for hashes the lock lacks [default: the --exclude-newer of the file's hashpin
    /// header, if any].
    #[arg(long, value_name = "WHEN", value_parser = Cutoff::parse)]
    pub(crate) exclude_newer: Option<Cutoff>,
    /// Report every pinned release uploaded more recently than this (`7 days`, `24 hours`,
    /// `P7D`): a release pushed hours ago is the risky one.
    #[arg(long, value_name = "DURATION")]
    pub(crate) min_age: Option<hashpin_pypi::Span>,
    /// How to report problems.
    #[arg(long, value_enum, default_value_t = ReportFormat::Human, value_name = "FORMAT")]
    pub(crate) format: ReportFormat,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) build: BuildArgs,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
}

/// A lockfile format, by the file name it is known by.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum LockFormatArg {
    /// A pip requirements file, `==` pins with `--hash` options (pip-compile's layout).
    #[value(name = "requirements.txt")]
    RequirementsTxt,
    /// A PEP 751 lock (`pip install -r pylock.toml`, `uv pip sync pylock.toml`).
    #[value(name = "pylock.toml")]
    Pylock,
}

impl From<LockFormatArg> for hashpin_formats::LockFormat {
    fn from(format: LockFormatArg) -> Self {
        match format {
            LockFormatArg::RequirementsTxt => Self::RequirementsTxt,
            LockFormatArg::Pylock => Self::Pylock,
        }
    }
}

/// `hashpin check --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum ReportFormat {
    /// One line a problem, `FILE:LINE: severity: message [rule]`.
    Human,
    /// One JSON document on standard output.
    Json,
}

#[derive(Debug, Args)]
pub(crate) struct ExportArgs {
    /// The lock to convert: a requirements file, or a pylock.toml or pylock.NAME.toml.
    #[arg(value_name = "LOCK")]
    pub(crate) lock: PathBuf,
    /// The format to write [default: the one the output's name implies].
    #[arg(
        long,
        value_enum,
        value_name = "FORMAT",
        required_unless_present = "output_file"
    )]
    pub(crate) format: Option<LockFormatArg>,
    /// Where to write it (`-` for standard output) [default: standard output].
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output_file: Option<PathBuf>,
    /// From a pylock.toml to a requirements file: include the packages of this extra of the
    /// lock (repeatable).
    #[arg(long, value_name = "EXTRA")]
    pub(crate) extra: Vec<String>,
    /// From a pylock.toml to a requirements file: include the packages of this dependency
    /// group of the lock, besides its default groups (repeatable).
    #[arg(long, value_name = "GROUP")]
    pub(crate) group: Vec<String>,
    /// From a pylock.toml to a requirements file: leave out the lock's default groups.
    #[arg(long)]
    pub(crate) no_default_groups: bool,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
}

#[derive(Debug, Args)]
pub(crate) struct DiffArgs {
    /// The lock before the update (requirements.txt or pylock.toml).
    #[arg(value_name = "OLD")]
    pub(crate) old: PathBuf,
    /// The lock after it.
    #[arg(value_name = "NEW")]
    pub(crate) new: PathBuf,
    /// How to print the changes: for people, as a Markdown table (a ready PR comment), or as
    /// JSON.
    #[arg(long, value_enum, default_value_t = DiffFormat::Human, value_name = "FORMAT")]
    pub(crate) format: DiffFormat,
    /// A release uploaded more recently than this is a risk signal (`young`); needs the
    /// upload times a pylock records.
    #[arg(long, value_name = "DURATION", default_value = "7 days")]
    pub(crate) min_age: hashpin_pypi::Span,
    /// Exit 1 when a change is at least this risky.
    #[arg(long, value_enum, value_name = "LEVEL")]
    pub(crate) fail_on: Option<RiskLevel>,
}

/// How `diff` prints.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum DiffFormat {
    Human,
    Markdown,
    Json,
}

/// How risky a change is.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, clap::ValueEnum, serde::Serialize)]
#[serde(rename_all = "kebab-case")]
pub(crate) enum RiskLevel {
    Low,
    Medium,
    High,
}

impl RiskLevel {
    pub(crate) fn as_str(self) -> &'static str {
        match self {
            Self::Low => "low",
            Self::Medium => "medium",
            Self::High => "high",
        }
    }
}

#[derive(Debug, Args)]
pub(crate) struct ShowArgs {
    /// The project to show.
    pub(crate) project: String,
    /// The version whose files and metadata to show [default: the newest release].
    #[arg(long = "version", value_name = "VERSION")]
    pub(crate) version: Option<String>,
    /// How many versions to list.
    #[arg(long, default_value_t = 10, value_name = "N")]
    pub(crate) versions: usize,
    #[command(flatten)]
    pub(crate) build: BuildArgs,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
}

#[derive(Debug, Args)]
pub(crate) struct AuditArgs {
    /// Locks to audit: requirements.txt or pylock.toml (`-` for standard input).
    #[arg(value_name = "LOCK", required = true)]
    pub(crate) locks: Vec<PathBuf>,
    #[command(flatten)]
    pub(crate) vulnerabilities: VulnerabilityArgs,
    /// How to report: for people, as JSON, or as SARIF 2.1.0 (for code-scanning pages).
    #[arg(long, value_enum, default_value_t = AuditFormat::Human, value_name = "FORMAT")]
    pub(crate) format: AuditFormat,
    /// The lock before this one (requirements.txt or pylock.toml): a package whose Trusted
    /// Publisher (PEP 740) it records is reported when the new files name another publisher
    /// or none.
    #[arg(long, value_name = "LOCK", help_heading = "Startup hooks")]
    pub(crate) previous: Option<PathBuf>,
    /// Do not scan the locked wheels for startup hooks (the malicious-release gate, which
    /// needs the index's listings).
    #[arg(long, help_heading = "Startup hooks")]
    pub(crate) skip_startup_hooks: bool,
    /// Report every pinned release uploaded more recently than this (`7 days`, `24 hours`,
    /// `P7D`): a release pushed hours ago is the risky one.
    #[arg(long, value_name = "DURATION")]
    pub(crate) min_age: Option<hashpin_pypi::Span>,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
}

/// Where advisories come from, and which findings fail (docs/audit.md).
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct VulnerabilityArgs {
    /// An OSV database on disk: a directory or zip of OSV JSON advisories, as OSV exports
    /// them for the ecosystem (`all.zip`).
    #[arg(long, value_name = "PATH", help_heading = "Vulnerabilities")]
    pub(crate) vulnerability_db: Option<PathBuf>,
    /// An OSV API to ask (its `/v1/querybatch` call), by its base URL.
    #[arg(long, value_name = "URL", help_heading = "Vulnerabilities")]
    pub(crate) osv_url: Option<String>,
    /// Ask the configured index's JSON API (`/pypi/NAME/VERSION/json`, beside `/simple/`)
    /// [default: when neither --vulnerability-db nor --osv-url is given].
    #[arg(
        long,
        overrides_with = "no_index_api",
        help_heading = "Vulnerabilities"
    )]
    pub(crate) index_api: bool,
    /// Do not ask the index's JSON API.
    #[arg(long, overrides_with = "index_api", help_heading = "Vulnerabilities")]
    pub(crate) no_index_api: bool,
    /// Leave out this advisory, by its id or an alias, with the reason after `=` if you give
    /// one: `PYSEC-2023-74="we never send proxies"` (repeatable). A malicious-package
    /// advisory (`MAL-`) is left out only by its own id.
    #[arg(
        long = "ignore-vuln",
        visible_alias = "ignore",
        value_name = "ID[=REASON]",
        help_heading = "Vulnerabilities"
    )]
    pub(crate) ignore: Vec<String>,
    /// Do not audit this project (a local fork, a VCS checkout you vouch for): it is listed
    /// as skipped, and does not count as not audited (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Vulnerabilities")]
    pub(crate) skip_package: Vec<String>,
    /// Fail only on findings at least this severe. A finding whose advisory gives no severity
    /// fails at every level (not knowing is not "low"), and a malicious package always.
    #[arg(
        long,
        value_enum,
        default_value_t = Severity::Low,
        value_name = "LEVEL",
        help_heading = "Vulnerabilities"
    )]
    pub(crate) fail_on: Severity,
}

#[derive(Debug, Args)]
pub(crate) struct InventoryArgs {
    /// Locks to take stock of: requirements.txt or pylock.toml (`-` for standard input).
    #[arg(value_name = "LOCK", required = true)]
    pub(crate) locks: Vec<PathBuf>,
    /// How to print: a table for people, JSON, CSV (for a spreadsheet), a CycloneDX 1.6
    /// SBOM (JSON), or one self-contained HTML page for reviewers.
    #[arg(long, value_enum, default_value_t = InventoryFormat::Human, value_name = "FORMAT")]
    pub(crate) format: InventoryFormat,
    /// Allow only these licences: SPDX ids, or prefixes ending in `*` (`BSD-*`), repeatable
    /// or comma-separated. A package none of whose alternatives is allowed, or whose licence
    /// is unknown, breaks the policy (exit 1).
    #[arg(long, value_name = "LICENCE", help_heading = "Licence policy")]
    pub(crate) allow_licence: Vec<String>,
    /// Refuse these licences (`GPL-*`, `AGPL-3.0-only`): a package that cannot avoid one
    /// breaks the policy (exit 1).
    #[arg(long, value_name = "LICENCE", help_heading = "Licence policy")]
    pub(crate) deny_licence: Vec<String>,
    #[command(flatten)]
    pub(crate) target: TargetArgs,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
}

/// `inventory --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum InventoryFormat {
    Human,
    Json,
    Csv,
    Cyclonedx,
    Html,
}

/// `audit --format`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum AuditFormat {
    Human,
    Json,
    Sarif,
}

/// A severity, for `--fail-on`.
#[derive(Debug, Clone, Copy, PartialEq, Eq, PartialOrd, Ord, Default, clap::ValueEnum)]
pub(crate) enum Severity {
    #[default]
    Low,
    Medium,
    High,
    Critical,
}

/// The startup-hook gate (docs/startup-hooks.md).
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct GateArgs {
    /// Allow a startup hook that runs code at every interpreter start (a `.pth` with an
    /// `import` line, a `.start` file, a `sitecustomize` module): every hook of PROJECT, or
    /// only the file FILE of it (repeatable, or comma-separated in the variable).
    #[arg(
        long,
        value_name = "PROJECT[:FILE]",
        env = "HASHPIN_ALLOW_STARTUP_HOOK",
        value_delimiter = ',',
        help_heading = "Startup hooks"
    )]
    pub(crate) allow_startup_hook: Vec<crate::startup_hooks::Allowance>,
}

/// Which distributions may be used, and which sdists built for their metadata.
#[derive(Debug, Args, Clone, Default)]
pub(crate) struct BuildArgs {
    /// Never build an sdist for its metadata: a version whose dependencies are known only by
    /// building it is passed over, with a warning, and an error names it if nothing else will
    /// do.
    #[arg(long, help_heading = "Builds")]
    pub(crate) no_build: bool,
    /// Never build this project's sdists (repeatable).
    #[arg(long, value_name = "NAME", help_heading = "Builds")]
    pub(crate) no_build_package: Vec<String>,
    /// Use only wheels of these projects: `:all:`, `:none:` or names, comma-separated
    /// (repeatable, as pip's; requirements files may say it too). Their sdists are left out
    /// of the lock.
    #[arg(long, value_name = "NAMES", help_heading = "Builds")]
    pub(crate) only_binary: Vec<String>,
    /// Use only sdists of these projects, as pip's --no-binary: `:all:`, `:none:` or names.
    /// Their wheels are left out of the lock.
    #[arg(long, value_name = "NAMES", help_heading = "Builds")]
    pub(crate) no_binary: Vec<String>,
    /// How long one build step may run before it is stopped, in seconds.
    #[arg(
        long,
        value_name = "SECONDS",
        default_value_t = 600,
        env = "HASHPIN_BUILD_TIMEOUT",
        help_heading = "Builds"
    )]
    pub(crate) build_timeout: u64,
}

/// The environment a lock is for: the interpreter's (`--python`), or the one these name.
#[derive(Debug, Args)]
#[command(next_help_heading = "Python")]
pub(crate) struct TargetArgs {
    /// The Python version to lock for (or check against): 3.12 means 3.12.0, so the lock
    /// installs on every 3.12.x; 3.12.4 means exactly that [default: the interpreter's].
    #[arg(long, value_name = "VERSION")]
    pub(crate) python_version: Option<String>,
    /// The platform to lock for (or check against): linux, macos, windows, or e.g. x86_64-manylinux_2_28,
    /// aarch64-apple-darwin [default: the interpreter's].
    #[arg(long, value_name = "PLATFORM")]
    pub(crate) python_platform: Option<String>,
}

/// `--python` of `freeze` names the environment to read, so its default follows an activated
/// virtual environment even where `python3` on `PATH` is another interpreter.
#[derive(Debug, Args)]
#[command(mut_arg("python", |arg| arg
    .help("The interpreter of the environment to freeze; its pip configuration and default index are used too")
    .default_value(default_environment_python())))]
pub(crate) struct FreezeArgs {
    /// Read the distributions installed in this directory (a site-packages) instead of those
    /// the interpreter can import (repeatable).
    #[arg(long, value_name = "SITE_PACKAGES")]
    pub(crate) path: Vec<PathBuf>,
    /// Leave out this distribution (repeatable).
    #[arg(long, value_name = "NAME")]
    pub(crate) exclude: Vec<String>,
    /// Include pip (and on Python before 3.12 setuptools, wheel and distribute), which pip
    /// freeze leaves out.
    #[arg(long)]
    pub(crate) all: bool,
    /// Where to write the lockfile (`-` for standard output) [default: standard output].
    #[arg(short, long, value_name = "FILE")]
    pub(crate) output_file: Option<PathBuf>,
    /// The lockfile's format [default: pylock.toml for an output named pylock.toml or
    /// pylock.NAME.toml (PEP 751), else requirements.txt].
    #[arg(long, value_enum, value_name = "FORMAT")]
    pub(crate) format: Option<LockFormatArg>,
    #[command(flatten)]
    pub(crate) gate: GateArgs,
    #[command(flatten)]
    pub(crate) index: IndexArgs,
}

/// `$VIRTUAL_ENV`'s interpreter when a virtual environment is active, else `python3`.
fn default_environment_python() -> &'static std::ffi::OsStr {
    static PYTHON: std::sync::OnceLock<PathBuf> = std::sync::OnceLock::new();
    PYTHON
        .get_or_init(|| match std::env::var_os("VIRTUAL_ENV") {
            Some(venv) if !venv.is_empty() => {
                let relative = if cfg!(windows) {
                    "Scripts/python.exe"
                } else {
                    "bin/python"
                };
                PathBuf::from(venv).join(relative)
            }
            _ => PathBuf::from("python3"),
        })
        .as_os_str()
}

/// Where packages come from; pip's flags with pip's meanings.
#[derive(Debug, Args)]
#[command(next_help_heading = "Index options")]
#[expect(
    clippy::struct_excessive_bools,
    reason = "each flag is its own switch, as in pip"
)]
pub(crate) struct IndexArgs {
    /// The base URL of the package index [default: pip's configuration, else pip's default].
    #[arg(short = 'i', long, value_name = "URL")]
    pub(crate) index_url: Option<String>,
    /// Extra index URLs, searched after the index URL (repeatable).
    #[arg(long, value_name = "URL")]
    pub(crate) extra_index_url: Vec<String>,
    /// A directory of files or a page of links to look for packages in (repeatable).
    #[arg(short = 'f', long, value_name = "PATH_OR_URL")]
    pub(crate) find_links: Vec<String>,
    /// Ignore the package index; use only --find-links.
    #[arg(long)]
    pub(crate) no_index: bool,
    /// Which indexes a project's files may come from when several are configured.
    #[arg(long, value_enum, default_value_t = IndexStrategy::FirstIndex, value_name = "STRATEGY")]
    pub(crate) index_strategy: IndexStrategy,
    /// The Python interpreter to lock for, whose pip configuration and default index to use.
    // Listed with the target's flags: it names the environment first, the index second.
    #[arg(
        long,
        value_name = "PATH",
        default_value = "python3",
        help_heading = "Python"
    )]
    pub(crate) python: PathBuf,
    /// The cache directory [default: the user cache directory].
    #[arg(long, value_name = "DIR", env = "HASHPIN_CACHE_DIR")]
    pub(crate) cache_dir: Option<PathBuf>,
    /// Use no disk cache (wins over --cache-dir and `HASHPIN_CACHE_DIR`).
    #[arg(long)]
    pub(crate) no_cache: bool,
    /// Use only the cache; fail where it lacks something.
    #[arg(long, conflicts_with_all = ["refresh", "no_cache"])]
    pub(crate) offline: bool,
    /// Refetch every index page instead of revalidating cached ones, and rebuild local
    /// projects (pip-compile's --rebuild).
    #[arg(long, visible_alias = "rebuild")]
    pub(crate) refresh: bool,
}

/// `--index-strategy`, with uv's names.
#[derive(Debug, Clone, Copy, PartialEq, Eq, clap::ValueEnum)]
pub(crate) enum IndexStrategy {
    /// Only the first index that has the project, so an extra index cannot shadow it.
    FirstIndex,
    /// Files from every index that has the project, as pip merges them.
    UnsafeBestMatch,
}

/// `--exclude-newer`: the instant, and the text it was given as, which a lock's header
/// repeats so the command reads as the user typed it. A duration (`7 days`, `P7D`: a
/// cooldown) is the instant that long before now, and is written as ISO 8601.
#[derive(Debug, Clone)]
pub(crate) struct Cutoff {
    pub(crate) text: String,
    pub(crate) at: hashpin_pypi::Timestamp,
    /// The cooldown, when the cutoff was given as one.
    pub(crate) span: Option<hashpin_pypi::Span>,
}

impl Cutoff {
    fn parse(text: &str) -> Result<Self, String> {
        let text = text.trim();
        match text.parse::<hashpin_pypi::Timestamp>() {
            Ok(at) => Ok(Self {
                at,
                text: text.to_string(),
                span: None,
            }),
            // A date that does not parse is a bad date, not a bad duration.
            Err(error) if text.starts_with(|c: char| c.is_ascii_digit()) && text.contains('-') => {
                Err(error.to_string())
            }
            // Words that are no duration either: say what it could have been.
            Err(error) if !text.contains(|c: char| c.is_ascii_digit()) => Err(format!(
                "{error}, nor a duration such as `7 days`, `24 hours` or `P7D`"
            )),
            Err(_) => {
                let span: hashpin_pypi::Span = text.parse().map_err(|error| format!("{error}"))?;
                Ok(Self {
                    text: span.to_string(),
                    at: span.before(hashpin_pypi::Timestamp::now()),
                    span: Some(span),
                })
            }
        }
    }
}

/// `--exclude-newer-package NAME=WHEN`: a project's own cutoff, or none (`NAME=false`).
#[derive(Debug, Clone)]
pub(crate) struct PackageCutoff {
    pub(crate) name: hashpin_pypi::PackageName,
    pub(crate) cutoff: Option<Cutoff>,
}

impl PackageCutoff {
    fn parse(text: &str) -> Result<Self, String> {
        let (name, when) = text
            .split_once('=')
            .ok_or("expected NAME=WHEN (an instant, a duration, or false)")?;
        let name = name
            .trim()
            .parse()
            .map_err(|error| format!("not a project name: {error}"))?;
        let cutoff = match when.trim() {
            "false" => None,
            when => Some(Cutoff::parse(when)?),
        };
        Ok(Self { name, cutoff })
    }
}

/// As the header's command writes it: `NAME=WHEN`, a duration in ISO 8601.
impl std::fmt::Display for PackageCutoff {
    fn fmt(&self, f: &mut std::fmt::Formatter<'_>) -> std::fmt::Result {
        match &self.cutoff {
            Some(cutoff) => write!(f, "{}={}", self.name, cutoff.text),
            None => write!(f, "{}=false", self.name),
        }
    }
}
